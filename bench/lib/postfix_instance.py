"""A private Postfix: its own config_directory, queue and Maildirs under the
bench directory, smtpd on one loopback high port, virtual(8) delivering to
Maildir. Debian's master.cf and Postfix's defaults otherwise; services are
not chrooted (a chroot would need copies of /etc inside the private queue).
The system instance, if any, is never touched."""
import os
import pwd
import re

from lib import accounts
from lib.common import connectable, say, sh, start_daemon, wait_for
from lib.measure import Cgroup


class Postfix:
    name = "postfix"

    def __init__(self, top, port):
        self.dir = os.path.join(top, "postfix")
        self.etc = os.path.join(self.dir, "etc")
        self.smtp_port = port
        for sub in ("etc", "queue", "data", "log", "mail"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
        self.cgroup = None

    def version(self):
        return sh(["postconf", "-d", "-h", "mail_version"]).strip()

    def maildir(self, user):
        return os.path.join(self.dir, "mail", accounts.DOMAIN, user)

    def configure(self, users):
        uid, gid = accounts.mail_ids()
        d = self.dir
        main_cf = "\n".join([
            "# Private bench instance; everything else is Postfix's default.",
            "compatibility_level = 3.6",
            "queue_directory = %s/queue" % d,
            "data_directory = %s/data" % d,
            "maillog_file = %s/log/mail.log" % d,
            "myhostname = mail.%s" % accounts.DOMAIN,
            "mydomain = %s" % accounts.DOMAIN,
            "mydestination = localhost",
            "alias_maps =",  # no /etc/aliases.db or NIS lookups: every recipient is virtual
            "inet_interfaces = 127.0.0.1",
            "inet_protocols = ipv4",
            "virtual_mailbox_domains = %s" % accounts.DOMAIN,
            "virtual_mailbox_base = %s/mail" % d,
            "virtual_mailbox_maps = texthash:%s/vmailbox" % self.etc,
            "virtual_uid_maps = static:%d" % uid,
            "virtual_gid_maps = static:%d" % gid,
            ""])
        with open(os.path.join(self.etc, "main.cf"), "w") as f:
            f.write(main_cf)
        with open(os.path.join(self.etc, "vmailbox"), "w") as f:
            for u in users:
                f.write("%s %s/%s/\n" % (accounts.address(u), accounts.DOMAIN, u))
        with open("/usr/share/postfix/master.cf.dist") as f:
            master = f.read()
        out = []
        for line in master.splitlines():
            fields = line.split()
            if line and not line[0].isspace() and not line.startswith("#") and len(fields) >= 8:
                if fields[0] == "smtp" and fields[1] == "inet":
                    fields[0] = "127.0.0.1:%d" % self.smtp_port
                fields[4] = "n"  # no chroot
                line = " ".join(fields)
            out.append(line)
        with open(os.path.join(self.etc, "master.cf"), "w") as f:
            f.write("\n".join(out) + "\n")
        pw = pwd.getpwnam("postfix")
        os.chown(os.path.join(d, "data"), pw.pw_uid, pw.pw_gid)
        # Creates the queue directories with Postfix's owners and modes.
        sh(["postfix", "-c", self.etc, "check"])

    def start(self):
        self.cgroup = Cgroup("tern-bench-postfix")
        start_daemon(self.cgroup.wrap(["postfix", "-c", self.etc, "start"]), os.path.join(self.dir, "log", "start.log"))
        wait_for(lambda: connectable(self.smtp_port), timeout=20, what="postfix smtpd port")
        say("postfix started on", self.smtp_port)

    def stop(self):
        if self.cgroup is None:
            return
        self.cgroup.stop(lambda: sh(["postfix", "-c", self.etc, "stop"], check=False))
        self.cgroup = None

    def log_errors(self):
        try:
            with open(os.path.join(self.dir, "log", "mail.log"), errors="replace") as f:
                return [l for l in f if re.search(r"(fatal|panic|error|warning):", l)][-20:]
        except FileNotFoundError:
            return []
