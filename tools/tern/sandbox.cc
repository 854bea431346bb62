// tern sandbox DIR: a self-contained instance for trying Tern and for tests.
// Everything lives below DIR (etc/ queue/ mail/ data/ log/); services listen on
// 127.0.0.1 at port-base + the standard port. Started by root, it uses the
// system users tern, ternauth and vmail (created when missing); otherwise every
// process runs as the invoking user.
#include <grp.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <stdexcept>

#include "libmail/config/params_global.h"
#include "libmail/core/file_io.h"
#include "libmail/core/privs.h"
#include "libmail/core/text.h"
#include "tools/tern/tern.h"

extern char** environ;

namespace tern::cli {

namespace {

struct SandboxSpec {
    std::string dir;
    int port_base = 10000;
    std::string hostname = "mail.example.test";
    std::string domain = "example.test";
};

constexpr const char* kSystemUsers[] = {"tern", "ternauth", "vmail"};

void check(Result<void> r) {
    if (!r) throw std::runtime_error(r.error().message);
}

std::string absolute(const std::string& p) {
    if (!p.empty() && p.front() == '/') return p;
    char cwd[4096];
    if (!::getcwd(cwd, sizeof cwd)) throw std::runtime_error("getcwd failed");
    return std::string(cwd) + "/" + p;
}

void run_argv(const std::vector<std::string>& argv) {
    std::vector<char*> a;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    pid_t pid;
    if (::posix_spawnp(&pid, a[0], nullptr, nullptr, a.data(), environ) != 0)
        throw std::runtime_error("cannot run " + argv[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error(argv[0] + " " + argv.back() + " failed");
}

// As root: the unprivileged system users every service drops to.
void ensure_system_users() {
    for (const char* name : kSystemUsers) {
        if (lookup_user(name)) continue;
        std::fprintf(stderr, "tern: creating system user %s\n", name);
        run_argv({"useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent", "--shell",
                  "/usr/sbin/nologin", name});
    }
    // Postfix's postdrop group: the group of maildrop/ and of the setgid postdrop.
    if (!::getgrnam("postdrop")) {
        std::fprintf(stderr, "tern: creating system group postdrop\n");
        run_argv({"groupadd", "--system", "postdrop"});
    }
}

std::string random_password() {
    static constexpr char kAlphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    std::random_device rd;
    std::uniform_int_distribution<std::size_t> pick(0, sizeof kAlphabet - 2);
    std::string out;
    for (int i = 0; i < 16; ++i) out += kAlphabet[pick(rd)];
    return out;
}

std::string main_cf(const SandboxSpec& s, const std::string& owner, const std::string& auth_user,
                    const UserIds& vmail) {
    const std::string d = s.dir;
    return "# Tern sandbox instance, created by \"tern sandbox\". Postfix syntax.\n"
           "myhostname = " + s.hostname + "\n"
           "mydomain = " + s.domain + "\n"
           "mydestination = $myhostname, localhost\n"
           "inet_interfaces = 127.0.0.1\n"
           "config_directory = " + d + "/etc\n"
           "queue_directory = " + d + "/queue\n"
           "data_directory = " + d + "/data\n"
           "daemon_directory = " + default_daemon_dir() + "\n"
           "mail_owner = " + owner + "\n"
           "authd_user = " + auth_user + "\n"
           "maillog_file = " + d + "/log/mail.log\n"
           "virtual_mailbox_domains = $mydomain\n"
           "virtual_mailbox_base = " + d + "/mail\n"
           "virtual_mailbox_maps = texthash:" + d + "/etc/vmailbox\n"
           "virtual_uid_maps = static:" + std::to_string(vmail.uid) + "\n"
           "virtual_gid_maps = static:" + std::to_string(vmail.gid) + "\n"
           "auth_users_file = " + d + "/etc/users\n"
           "# A self-signed certificate: STARTTLS on every SMTP port, TLS on 465;\n"
           "# imapd and pop3d use it too (imapd_tls_cert_file = $smtpd_tls_cert_file).\n"
           "smtpd_tls_cert_file = " + d + "/etc/tls/cert.pem\n"
           "smtpd_tls_key_file = " + d + "/etc/tls/key.pem\n";
}

std::string master_cf(const SandboxSpec& s) {
    auto at = [&](int port) { return "127.0.0.1:" + std::to_string(s.port_base + port); };
    return "# Tern sandbox master.cf: Postfix's service table.\n"
           "# service type  private unpriv  chroot  wakeup  maxproc command + args\n" +
           at(25) + " inet n - n - - smtpd\n"
           "  -o smtpd_pregreet_wait=2s\n" +
           "# Submission (RFC 6409): STARTTLS, then AUTH, then MAIL.\n" +
           at(587) + " inet n - n - - smtpd\n"
           "  -o smtpd_tls_security_level=encrypt\n"
           "  -o smtpd_sasl_auth_enable=yes\n"
           "  -o smtpd_sasl_auth_required=yes\n"
           "  -o smtpd_hide_client_address=yes\n"
           "# Submissions (RFC 8314): TLS from the first byte.\n" +
           at(465) + " inet n - n - - smtpd\n"
           "  -o smtpd_tls_wrappermode=yes\n"
           "  -o smtpd_sasl_auth_enable=yes\n"
           "  -o smtpd_sasl_auth_required=yes\n"
           "  -o smtpd_hide_client_address=yes\n" +
           "# POP3 and IMAP: STLS/STARTTLS, then USER/PASS, AUTH, LOGIN or AUTHENTICATE.\n" +
           at(110) + " inet n n n - - pop3d\n" +
           at(143) + " inet n n n - - imapd\n"
           "# pop3s and imaps (RFC 8314): TLS from the first byte.\n" +
           at(995) + " inet n n n - - pop3d\n"
           "  -o pop3d_tls_wrappermode=yes\n" +
           at(993) + " inet n n n - - imapd\n"
           "  -o imapd_tls_wrappermode=yes\n"
           "pickup unix n - n 60 1 pickup\n"
           "qmgr unix n - n 300 1 qmgr\n"
           "local unix - n n - - local\n"
           "smtp unix - - n - - smtp\n"
           "auth unix - n n - - authd\n";
}

SandboxSpec parse_spec(const Options& o) {
    SandboxSpec s;
    for (std::size_t i = 0; i < o.args.size(); ++i) {
        const std::string& a = o.args[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= o.args.size()) throw std::runtime_error(a + " needs a value");
            return o.args[++i];
        };
        if (a == "--port-base") {
            auto n = parse_number<int>(value());
            if (!n || *n < 1024 || *n > 64535) throw std::runtime_error("--port-base must be 1024..64535");
            s.port_base = *n;
        } else if (a == "--hostname") {
            s.hostname = value();
        } else if (a == "--domain") {
            s.domain = value();
        } else if (s.dir.empty() && !a.empty() && a[0] != '-') {
            s.dir = absolute(a);
        } else {
            throw std::runtime_error("unknown sandbox option: " + a);
        }
    }
    if (s.dir.empty()) throw std::runtime_error("usage: tern sandbox DIR [--port-base N] [--hostname H] [--domain D]");
    for (const std::string* name : {&s.hostname, &s.domain})
        if (name->find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-") != std::string::npos)
            throw std::runtime_error("not a host or domain name: " + *name);
    return s;
}

void chown_path(const std::string& path, const UserIds& ids) {
    if (running_as_root() && ::chown(path.c_str(), ids.uid, ids.gid) != 0)
        throw std::runtime_error("chown " + path + " failed");
}

}  // namespace

int cmd_sandbox(const Options& o) {
    const SandboxSpec s = parse_spec(o);
    struct stat st{};
    if (::stat((s.dir + "/etc/main.cf").c_str(), &st) == 0)
        throw std::runtime_error(s.dir + " already holds an instance (etc/main.cf exists)");

    UserIds me{::getuid(), ::getgid(), "", ""};
    if (auto self = lookup_user(std::to_string(::getuid()))) me = *self;
    UserIds owner = me, auth_user = me, vmail = me;
    if (running_as_root()) {
        ensure_system_users();
        owner = *lookup_user("tern");
        auth_user = *lookup_user("ternauth");
        vmail = *lookup_user("vmail");
    }
    for (const char* sub : {"etc", "etc/tls", "queue", "mail", "data", "log"})
        check(make_dirs(s.dir + "/" + sub, 0755));
    ::chmod(s.dir.c_str(), 0755);
    chown_path(s.dir + "/mail", vmail);
    ::chmod((s.dir + "/mail").c_str(), 0750);

    check(write_file_atomic(s.dir + "/etc/main.cf", main_cf(s, owner.name, auth_user.name, vmail), 0644));
    check(write_file_atomic(s.dir + "/etc/master.cf", master_cf(s), 0644));
    check(write_file_atomic(s.dir + "/etc/vmailbox", "# address  maildir (below virtual_mailbox_base)\n", 0644));
    check(write_file_atomic(s.dir + "/etc/users", "# user@domain:crypt-hash:quota-bytes:state\n", 0600));
    chown_path(s.dir + "/etc/users", auth_user);
    // One log file for every process: group mail_owner, which every child has.
    check(write_file_atomic(s.dir + "/log/mail.log", "", 0660));
    chown_path(s.dir + "/log/mail.log", owner);
    write_self_signed_cert(s.dir + "/etc/tls/cert.pem", s.dir + "/etc/tls/key.pem", s.hostname);
    chown_path(s.dir + "/etc/tls/key.pem", owner);

    const std::string demo = "demo@" + s.domain;
    const std::string password = random_password();
    Options uo;
    uo.config_dir = s.dir + "/etc";
    uo.args = {"add", demo};
    if (int rc = add_user_with_password(uo, demo, password); rc != 0) return rc;

    std::printf("Tern sandbox created in %s\n", s.dir.c_str());
    std::printf("  SMTP        127.0.0.1:%d\n", s.port_base + 25);
    std::printf("  submission  127.0.0.1:%d (STARTTLS + AUTH)\n", s.port_base + 587);
    std::printf("  submissions 127.0.0.1:%d (TLS + AUTH)\n", s.port_base + 465);
    std::printf("  POP3        127.0.0.1:%d (STLS), pop3s 127.0.0.1:%d (TLS)\n", s.port_base + 110,
                s.port_base + 995);
    std::printf("  IMAP        127.0.0.1:%d (STARTTLS), imaps 127.0.0.1:%d (TLS)\n", s.port_base + 143,
                s.port_base + 993);
    std::printf("  domain      %s (host %s)\n", s.domain.c_str(), s.hostname.c_str());
    std::printf("  demo user   %s  password: %s\n", demo.c_str(), password.c_str());
    std::printf("  log         %s/log/mail.log\n", s.dir.c_str());
    std::printf("Start it with: tern -c %s/etc start-fg\n", s.dir.c_str());
    return 0;
}

std::string default_daemon_dir() {
    char buf[4096];
    const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n > 0) {
        buf[n] = '\0';
        const std::string build_libexec = dir_of(dir_of(buf)) + "/libexec";
        struct stat st{};
        if (::stat((build_libexec + "/master").c_str(), &st) == 0) return build_libexec;
    }
    return TERN_DAEMON_DIR;
}

}  // namespace tern::cli
