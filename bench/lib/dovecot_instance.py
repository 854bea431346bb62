"""A private Dovecot: dovecot -c FILE with its own base_dir, state and log
under the bench directory, IMAP and POP3 on loopback high ports, the bench
users in a passwd-file with the same crypt(3) hashes Tern gets.

Dovecot's defaults otherwise (high-security login mode, mail_fsync =
optimized), except: no TLS (Debian ships no certificate for it; the bench
speaks clear text on loopback, which Dovecot treats as secure) and
mail_max_userip_connections raised so one user can hold the idle
connections. performance=True is Dovecot's documented high-performance
login mode (login processes serve many connections, one per CPU kept
ready)."""
import os

from lib import accounts
from lib.common import connectable, say, sh, start_daemon, wait_for
from lib.measure import Cgroup


class Dovecot:
    def __init__(self, top, imap_port, pop3_port, performance=False, name="dovecot"):
        self.name = name
        self.dir = os.path.join(top, name)
        self.conf = os.path.join(self.dir, "dovecot.conf")
        self.imap_port, self.pop3_port = imap_port, pop3_port
        self.performance = performance
        self.mail_root = os.path.join(top, "dovecot", "mail")  # shared with the performance-mode instance
        for sub in ("run", "state", "log"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
        os.makedirs(self.mail_root, exist_ok=True)
        self.cgroup = None

    def version(self):
        return sh(["dovecot", "--version"]).strip()

    def maildir(self, user):
        return os.path.join(self.mail_root, accounts.DOMAIN, user)

    def configure(self, users, password_hash):
        uid, gid = accounts.mail_ids()
        d = self.dir
        with open(os.path.join(d, "passwd"), "w") as f:
            for u in users:
                f.write("%s:{CRYPT}%s\n" % (accounts.address(u), password_hash))
        login_mode = ""
        if self.performance:
            login_mode = ("  service_count = 0\n  process_min_avail = %d\n  vsz_limit = 1G\n"
                          % (os.cpu_count() or 1))
        conf = """# Private bench instance of Dovecot; Dovecot's defaults otherwise.
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/log/dovecot.log
protocols = imap pop3
listen = 127.0.0.1
ssl = no
mail_location = maildir:{mail}/%d/%n
first_valid_uid = {uid}
passdb {{
  driver = passwd-file
  args = scheme=CRYPT username_format=%u {d}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={mail}/%d/%n
}}
protocol imap {{
  mail_max_userip_connections = 100000
}}
protocol pop3 {{
  mail_max_userip_connections = 100000
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap}
  }}
  inet_listener imaps {{
    port = 0
  }}
{login_mode}}}
service pop3-login {{
  inet_listener pop3 {{
    address = 127.0.0.1
    port = {pop3}
  }}
  inet_listener pop3s {{
    port = 0
  }}
{login_mode}}}
""".format(d=d, mail=self.mail_root, uid=uid, gid=gid, imap=self.imap_port, pop3=self.pop3_port,
           login_mode=login_mode)
        with open(self.conf, "w") as f:
            f.write(conf)
        sh(["doveconf", "-c", self.conf, "-n"])  # fails on a config error

    def start(self):
        self.cgroup = Cgroup("tern-bench-" + self.name)
        start_daemon(self.cgroup.wrap(["dovecot", "-c", self.conf]), os.path.join(self.dir, "log", "start.log"))
        wait_for(lambda: connectable(self.imap_port) and connectable(self.pop3_port), timeout=20,
                 what="dovecot ports")
        say(self.name, "started on", self.imap_port, self.pop3_port)

    def stop(self):
        if self.cgroup is None:
            return
        self.cgroup.stop(lambda: sh(["dovecot", "-c", self.conf, "stop"], check=False))
        self.cgroup = None

    def log_errors(self):
        try:
            with open(os.path.join(self.dir, "log", "dovecot.log"), errors="replace") as f:
                return [l for l in f if "Error" in l or "Fatal" in l or "Panic" in l][-20:]
        except FileNotFoundError:
            return []
