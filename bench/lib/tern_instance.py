"""Tern as the tests run it (t/support/tern_instance.py): a `tern sandbox`
from the build tree in TERN_BUILDDIR, on free loopback ports, here created
under the bench directory and started inside its own cgroup. Users are
added with `tern user add` (as the tests do); their hash is then set to the
one Dovecot gets, so both servers check the same crypt(3) string.
Tern's durability is its only mode: queue file and Maildir fsync'ed, then
renamed, then the directory fsync'ed."""
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "t", "support"))

import tern_instance  # noqa: E402

from lib import accounts  # noqa: E402
from lib.common import say, sh, start_daemon, wait_for  # noqa: E402
from lib.measure import Cgroup  # noqa: E402


class Tern:
    def __init__(self, top, name="tern"):
        self.name = name
        tempfile.tempdir = top  # the sandbox is made under the bench directory
        try:
            self.inst = tern_instance.Instance(domain=accounts.DOMAIN)
        finally:
            tempfile.tempdir = None
        self.dir = self.inst.dir
        self.smtp_port = self.inst.port("smtp")
        self.imap_port = self.inst.port("imap")
        self.pop3_port = self.inst.port("pop3")
        self.cgroup = None

    def tern_tool(self):
        return tern_instance.tool("tern")

    def version(self):
        try:
            return sh(["git", "-C", REPO, "describe", "--always", "--dirty"]).strip()
        except RuntimeError:
            return "unknown"

    def maildir(self, user):
        return self.inst.maildir(accounts.address(user))

    def configure(self, users, password_hash):
        for u in users:
            self.inst.add_user(accounts.address(u), accounts.PASSWORD)
        users_file = self.inst.postconf("-h", "auth_users_file").strip()
        with open(users_file) as f:
            lines = f.read().splitlines()
        out = []
        for line in lines:
            fields = line.split(":")
            if not line.startswith("#") and len(fields) >= 4 and fields[0].split("@")[0] in users:
                fields[1] = password_hash
                line = ":".join(fields)
            out.append(line)
        with open(users_file, "w") as f:
            f.write("\n".join(out) + "\n")
        # Clear-text logins on loopback, as Dovecot allows them from localhost.
        self.inst.postconf("-e", "imapd_tls_auth_only=no", "pop3d_tls_auth_only=no")

    def start(self):
        self.cgroup = Cgroup("tern-bench-" + self.name)
        cmd = [tern_instance.tool("tern"), "-c", self.inst.etc, "start"]
        try:
            start_daemon(self.cgroup.wrap(cmd), os.path.join(self.dir, "log", "start.log"))
        except RuntimeError as e:  # master says why in its log, not on the terminal
            try:
                tail = self.inst.log()[-3000:]
            except OSError as gone:
                tail = str(gone)
            raise RuntimeError("%s\nmail.log (port base %d):\n%s" % (e, self.inst.base, tail)) from None
        # master listens on every port at once and starts a service when it is first used (as Postfix
        # does): port 25 answering shows the instance is up. Connecting to the others would start an
        # idle smtpd for submission, an imapd and a pop3d, counted in the SMTP rows' memory.
        wait_for(lambda: self.inst.connectable("smtp"), timeout=20, what="tern smtp")
        wait_for(lambda: os.path.exists(os.path.join(self.inst.queue, "public", "qmgr")), timeout=20)
        say("tern started on base", self.inst.base)

    def stop(self):
        if self.cgroup is None:
            return
        self.cgroup.stop(self.inst.stop)
        self.cgroup = None

    def log_errors(self):
        try:
            return [l for l in self.inst.log().splitlines(True)
                    if "fatal:" in l or "panic:" in l or "error:" in l or "warning:" in l][-20:]
        except FileNotFoundError:
            return []
