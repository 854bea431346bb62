// Parameters every program reads: identity, directories, users, logging,
// domains and the mailbox map. Postfix's names and defaults where Postfix has them.
#pragma once

#include "libmail/config/param_spec.h"

#ifndef TERN_SYSCONFDIR
#define TERN_SYSCONFDIR "/etc/tern"
#endif
#ifndef TERN_QUEUE_DIR
#define TERN_QUEUE_DIR "/var/spool/tern"
#endif
#ifndef TERN_DATA_DIR
#define TERN_DATA_DIR "/var/lib/tern"
#endif
#ifndef TERN_DAEMON_DIR
#define TERN_DAEMON_DIR "/usr/libexec/tern"
#endif
#ifndef TERN_COMMAND_DIR
#define TERN_COMMAND_DIR "/usr/sbin"
#endif

namespace tern::config {

using PT = ParamType;

inline constexpr ParamSpec kConfigDirectory{"config_directory", PT::String, TERN_SYSCONFDIR, 0, 0,
    "Directory holding main.cf and master.cf."};
inline constexpr ParamSpec kQueueDirectory{"queue_directory", PT::String, TERN_QUEUE_DIR, 0, 0,
    "Root of the mail queue: maildrop, incoming, active, deferred, hold, corrupt, private, public."};
inline constexpr ParamSpec kDataDirectory{"data_directory", PT::String, TERN_DATA_DIR, 0, 0,
    "Directory for Tern's own writable data (pid lock, ban lists, caches)."};
inline constexpr ParamSpec kDaemonDirectory{"daemon_directory", PT::String, TERN_DAEMON_DIR, 0, 0,
    "Directory holding the daemon programs that master starts."};
inline constexpr ParamSpec kCommandDirectory{"command_directory", PT::String, TERN_COMMAND_DIR, 0, 0,
    "Directory holding the administrative commands."};
inline constexpr ParamSpec kMailOwner{"mail_owner", PT::String, "tern", 0, 0,
    "Unprivileged user that owns the queue and runs smtpd, qmgr, smtp and pickup."};
inline constexpr ParamSpec kAuthdUser{"authd_user", PT::String, "ternauth", 0, 0,
    "User that authd runs as; the only user that can read the users table."};
inline constexpr ParamSpec kMyHostname{"myhostname", PT::String, kComputedDefault, 0, 0,
    "Fully qualified name of this host (default: the system's host name)."};
inline constexpr ParamSpec kMyDomain{"mydomain", PT::String, kComputedDefault, 0, 0,
    "Domain of this host (default: $myhostname without its first label)."};
inline constexpr ParamSpec kMyOrigin{"myorigin", PT::String, "$myhostname", 0, 0,
    "Domain appended to unqualified addresses of locally submitted mail."};
inline constexpr ParamSpec kMyDestination{"mydestination", PT::List, "$myhostname, localhost.$mydomain, localhost", 0, 0,
    "Domains delivered locally (as well as virtual_mailbox_domains)."};
inline constexpr ParamSpec kMyNetworks{"mynetworks", PT::List, "127.0.0.0/8 [::1]/128", 0, 0,
    "Client networks trusted to relay mail through this host."};
inline constexpr ParamSpec kRelayDomains{"relay_domains", PT::List, "", 0, 0,
    "Remote domains this host accepts mail for and relays to."};
inline constexpr ParamSpec kInetInterfaces{"inet_interfaces", PT::List, "all", 0, 0,
    "Addresses master binds for inet services whose name has no host part."};
inline constexpr ParamSpec kSyslogName{"syslog_name", PT::String, "tern", 0, 0,
    "Prefix of the program name in log lines (tern/smtpd[pid])."};
inline constexpr ParamSpec kMaillogFile{"maillog_file", PT::String, "", 0, 0,
    "File to log to instead of syslog; empty means syslog (LOG_MAIL)."};
inline constexpr ParamSpec kMailName{"mail_name", PT::String, "Tern", 0, 0,
    "Name of the mail system, used in the SMTP banner and Received headers."};
inline constexpr ParamSpec kMessageSizeLimit{"message_size_limit", PT::Size, "10240000", 0, 0x7fffffffffffffff,
    "Largest message accepted, in bytes, headers and envelope included (0 means no limit)."};
inline constexpr ParamSpec kVirtualMailboxDomains{"virtual_mailbox_domains", PT::List, "", 0, 0,
    "Domains whose recipients are looked up in virtual_mailbox_maps and delivered to Maildir."};
inline constexpr ParamSpec kVirtualMailboxMaps{"virtual_mailbox_maps", PT::List, "", 0, 0,
    "Tables mapping user@domain to a Maildir path below virtual_mailbox_base (ending in /)."};
inline constexpr ParamSpec kVirtualMailboxBase{"virtual_mailbox_base", PT::String, "/var/mail/vhosts", 0, 0,
    "Directory that virtual_mailbox_maps results are relative to."};
inline constexpr ParamSpec kVirtualUidMaps{"virtual_uid_maps", PT::List, "", 0, 0,
    "Tables giving the user ID that owns a recipient's Maildir (static:UID for one owner)."};
inline constexpr ParamSpec kVirtualGidMaps{"virtual_gid_maps", PT::List, "", 0, 0,
    "Tables giving the group ID that owns a recipient's Maildir (static:GID for one owner)."};
inline constexpr ParamSpec kAuthUsersFile{"auth_users_file", PT::String, "$config_directory/users", 0, 0,
    "The users table (user@domain:crypt-hash:quota:state); readable by authd_user only."};
inline constexpr ParamSpec kDefaultProcessLimit{"default_process_limit", PT::Int, "100", 1, 100000,
    "Default maximum number of processes of one master.cf service."};

inline constexpr const ParamSpec* kGlobalParams[] = {
    &kConfigDirectory, &kQueueDirectory, &kDataDirectory, &kDaemonDirectory, &kCommandDirectory,
    &kMailOwner, &kAuthdUser, &kMyHostname, &kMyDomain, &kMyOrigin, &kMyDestination, &kMyNetworks,
    &kRelayDomains, &kInetInterfaces, &kSyslogName, &kMaillogFile, &kMailName, &kMessageSizeLimit,
    &kVirtualMailboxDomains, &kVirtualMailboxMaps, &kVirtualMailboxBase, &kVirtualUidMaps,
    &kVirtualGidMaps, &kAuthUsersFile, &kDefaultProcessLimit,
};

}  // namespace tern::config
