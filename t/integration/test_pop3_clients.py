"""Real POP3 clients in "leave messages on server" mode (issue #5): fetchmail
(keep, UIDL, over STLS on the pop3 port) and getmail6 (delete = false,
read_all = false, over TLS on the pop3s port) each fetch every message exactly
once across runs, with new mail delivered by SMTP in between, across a
restart of the instance, after the store's index (tern-index) and its
UIDVALIDITY record were deleted, and after an IMAP client changed the
messages' flags."""
import glob
import imaplib
import os
import re
import shutil
import smtplib
import subprocess
import textwrap
import time
import unittest

from tern_instance import Instance, wait_for
from tls_client import client_tls

FETCHMAIL = shutil.which("fetchmail")
GETMAIL = shutil.which("getmail")

# An MDA for fetchmail: one file per message it hands over, never overwritten.
MDA = textwrap.dedent("""\
    import os, sys, tempfile
    fd, _ = tempfile.mkstemp(dir=sys.argv[1], suffix=".eml")
    os.write(fd, sys.stdin.buffer.read(64 * 1024 * 1024))
    os.close(fd)
    """)


def subjects(paths):
    """The Subject of each message file, in a list (so duplicates show)."""
    out = []
    for p in paths:
        with open(p, "rb") as f:
            m = re.search(rb"^Subject: (.*?)\r?$", f.read(), re.M)
        out.append(m.group(1).decode() if m else "?")
    return sorted(out)


class Clients(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t = Instance()
        cls.t.add_user("fm@example.test", "fm-pw")
        cls.t.add_user("gm@example.test", "gm-pw")
        cls.t.start()
        cls.work = os.path.join(cls.t.dir, "clients")
        os.makedirs(cls.work)
        cls.sent = {"fm@example.test": 0, "gm@example.test": 0}

    @classmethod
    def tearDownClass(cls):
        cls.t.cleanup()

    # --- helpers ----------------------------------------------------------------
    def deliver(self, rcpt, n):
        """n new messages for rcpt over SMTP; waits until they are in the Maildir."""
        with smtplib.SMTP("127.0.0.1", self.t.port("smtp"), timeout=10) as s:
            for _ in range(n):
                self.sent[rcpt] += 1
                s.sendmail("sender@remote.test", [rcpt],
                           "From: sender@remote.test\r\nTo: %s\r\nSubject: %s %d\r\n\r\nHello.\r\n"
                           % (rcpt, rcpt, self.sent[rcpt]))
        wait_for(lambda: len(self.t.all_files(rcpt)) == self.sent[rcpt], timeout=15)

    def expected(self, rcpt):
        return sorted("%s %d" % (rcpt, i) for i in range(1, self.sent[rcpt] + 1))

    def imap_mark_seen(self, rcpt, password):
        """An IMAP client reads every message: the store renames each file (flag S)."""
        with imaplib.IMAP4("127.0.0.1", self.t.port("imap"), timeout=10) as i:
            i.starttls(ssl_context=client_tls())
            i.login(rcpt, password)
            i.select("INBOX")
            typ, _ = i.store("1:*", "+FLAGS", "(\\Seen)")
            self.assertEqual(typ, "OK")
            i.logout()
        self.assertTrue(all(p.endswith("S") for p in self.t.all_files(rcpt)), self.t.all_files(rcpt))

    def uidvalidities(self, rcpt):
        return re.findall(r"%s: (?:new index|index \S+; rebuilt), UIDVALIDITY (\d+)" % re.escape(self.t.maildir(rcpt)),
                          self.t.log())

    def drop_index(self, rcpt):
        """The store's index and its UIDVALIDITY record gone: the next login
        rebuilds the index with a new UIDVALIDITY (the time in seconds, so wait
        for the second to change), so IMAP clients see new UIDs."""
        old = self.uidvalidities(rcpt)
        self.assertEqual(len(old), 1, old)
        wait_for(lambda: int(time.time()) > int(old[0]), timeout=3)
        for name in ("tern-index", "tern-index.lock"):
            path = os.path.join(self.t.maildir(rcpt), name)
            self.assertTrue(os.path.exists(path), path)
            os.unlink(path)

    def assert_new_uidvalidity(self, rcpt):
        seen = self.uidvalidities(rcpt)
        self.assertEqual(len(seen), 2, seen)
        self.assertNotEqual(seen[0], seen[1])

    def restart(self):
        self.t.stop()
        self.t.start()

    # --- fetchmail ----------------------------------------------------------------
    def fetchmail(self):
        d = os.path.join(self.work, "fetchmail")
        out = os.path.join(d, "out")
        if not os.path.isdir(out):
            os.makedirs(out)
            with open(os.path.join(d, "mda.py"), "w") as f:
                f.write(MDA)
            rc = os.path.join(d, "fetchmailrc")
            with open(rc, "w") as f:
                f.write(textwrap.dedent("""\
                    set no syslog
                    poll 127.0.0.1 service {port} protocol pop3 uidl timeout 20
                      user "fm@example.test" there with password "fm-pw" is "nobody" here
                      keep
                      sslproto tls1.2+ sslcertck sslcertfile "{cert}" sslcommonname "{cn}"
                      mda "/usr/bin/python3 {mda} {out}"
                    """).format(port=self.t.port("pop3"), cert=self.cert(), cn=self.cert_cn(),
                                mda=os.path.join(d, "mda.py"), out=out))
            os.chmod(rc, 0o600)
        env = dict(os.environ, HOME=d, FETCHMAILHOME=d)
        p = subprocess.run([FETCHMAIL, "-f", os.path.join(d, "fetchmailrc"), "--idfile", os.path.join(d, "ids"),
                            "--pidfile", os.path.join(d, "pid"), "-v"],
                           capture_output=True, text=True, timeout=120, env=env)
        # 0: mail was fetched, 1: there was none (fetchmail(1) EXIT CODES).
        self.assertIn(p.returncode, (0, 1), p.stdout + p.stderr)
        return subjects(glob.glob(os.path.join(out, "*.eml"))), p.stdout + p.stderr

    def cert(self):
        return os.path.join(self.t.dir, "etc", "tls", "cert.pem")

    def cert_cn(self):
        text = subprocess.run(["openssl", "x509", "-noout", "-subject", "-nameopt", "multiline", "-in", self.cert()],
                              capture_output=True, text=True, check=True, timeout=10).stdout
        return re.search(r"commonName\s*=\s*(\S+)", text).group(1)

    def test_fetchmail_keep_fetches_each_message_once(self):
        self.assertTrue(FETCHMAIL, "fetchmail is not installed: run scripts/install-deps")
        rcpt = "fm@example.test"
        self.deliver(rcpt, 3)
        got, log = self.fetchmail()
        self.assertEqual(got, self.expected(rcpt), log)
        self.assertIn("STLS", log)
        self.deliver(rcpt, 2)
        got, log = self.fetchmail()
        self.assertEqual(got, self.expected(rcpt), log)
        # Nothing new: nothing fetched, whatever happened to the store meanwhile.
        self.imap_mark_seen(rcpt, "fm-pw")
        self.drop_index(rcpt)
        self.restart()
        got, log = self.fetchmail()
        self.assertEqual(got, self.expected(rcpt), log)
        self.assert_new_uidvalidity(rcpt)
        self.deliver(rcpt, 1)
        got, log = self.fetchmail()
        self.assertEqual(got, self.expected(rcpt), log)
        self.assertEqual(len(self.t.all_files(rcpt)), 6)  # keep: all still on the server

    # --- getmail6 -----------------------------------------------------------------
    def getmail(self):
        d = os.path.join(self.work, "getmail")
        out = os.path.join(d, "out")
        if not os.path.isdir(out):
            os.makedirs(out)
            with open(os.path.join(d, "mda.py"), "w") as f:
                f.write(MDA)
            # MDA_external rather than Maildir: getmail refuses Maildir
            # delivery as root, and CI runs as root.
            with open(os.path.join(d, "getmailrc"), "w") as f:
                f.write(textwrap.dedent("""\
                    [retriever]
                    type = SimplePOP3SSLRetriever
                    server = 127.0.0.1
                    port = {port}
                    username = gm@example.test
                    password = gm-pw
                    timeout = 20

                    [destination]
                    type = MDA_external
                    path = /usr/bin/python3
                    arguments = ("{mda}", "{out}")
                    allow_root_commands = true

                    [options]
                    delete = false
                    read_all = false
                    verbose = 2
                    """).format(port=self.t.port("pop3s"), mda=os.path.join(d, "mda.py"), out=out))
        p = subprocess.run([GETMAIL, "--getmaildir", d, "--rcfile", "getmailrc"],
                           capture_output=True, text=True, timeout=120, env=dict(os.environ, HOME=d))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertNotIn("error", p.stdout + p.stderr)
        return subjects(glob.glob(os.path.join(out, "*.eml"))), p.stdout + p.stderr

    def test_getmail_without_delete_fetches_each_message_once(self):
        self.assertTrue(GETMAIL, "getmail6 is not installed: run scripts/install-deps")
        rcpt = "gm@example.test"
        self.deliver(rcpt, 3)
        got, log = self.getmail()
        self.assertEqual(got, self.expected(rcpt), log)
        self.deliver(rcpt, 2)
        got, log = self.getmail()
        self.assertEqual(got, self.expected(rcpt), log)
        self.imap_mark_seen(rcpt, "gm-pw")
        self.drop_index(rcpt)
        self.restart()
        got, log = self.getmail()
        self.assertEqual(got, self.expected(rcpt), log)
        self.assert_new_uidvalidity(rcpt)
        self.deliver(rcpt, 1)
        got, log = self.getmail()
        self.assertEqual(got, self.expected(rcpt), log)
        self.assertEqual(len(self.t.all_files(rcpt)), 6)


if __name__ == "__main__":
    unittest.main(verbosity=2)
