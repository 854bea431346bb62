"""postconf, mailq/postqueue and configuration errors (issue #2 points 2, 3, 5)."""
import os
import re
import smtplib
import subprocess
import unittest

from tern_instance import Instance, tool, wait_for


class Tools(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t = Instance()
        cls.t.add_user("alice@example.test", "alice-pw")

    @classmethod
    def tearDownClass(cls):
        cls.t.cleanup()

    def test_users_table_keeps_only_crypt_hashes(self):
        with open(os.path.join(self.t.etc, "users")) as f:
            text = f.read()
        self.assertNotIn("alice-pw", text)
        line = [l for l in text.splitlines() if l.startswith("alice@example.test:")][0]
        self.assertRegex(line.split(":")[1], r"^\$(y|2b|6|gy)\$")
        p = self.t.run("user", "add", "alice@example.test", input="again\n", check=False)
        self.assertNotEqual(p.returncode, 0)

    def test_postconf_reads_and_edits(self):
        out = self.t.postconf("-h", "myhostname")
        self.assertEqual(out.strip(), "mail.example.test")
        self.assertIn("message_size_limit = 10240000", self.t.postconf("-d"))
        self.assertNotIn("message_size_limit", self.t.postconf("-n"))
        self.t.postconf("-e", "message_size_limit=123456")
        self.assertIn("message_size_limit = 123456", self.t.postconf("-n"))
        self.assertEqual(self.t.postconf("-h", "message_size_limit").strip(), "123456")
        whole = self.t.postconf()
        self.assertIn("message_size_limit = 123456", whole)
        self.assertIn("queue_directory = ", whole)

    def assert_start_refused(self, conf_file, bad_line):
        """A malformed line stops start with FILE:LINE, and nothing runs."""
        bad = Instance()
        try:
            path = os.path.join(bad.etc, conf_file)
            with open(path, "a") as f:
                f.write(bad_line + "\n")
            with open(path) as f:
                lines = f.read().count("\n")
            p = bad.run("start", check=False)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("%s:%d:" % (conf_file, lines), p.stderr)
            self.assertEqual(bad.pids(), [])
        finally:
            bad.cleanup()

    def test_malformed_main_cf_names_file_and_line(self):
        self.assert_start_refused("main.cf", "this line has no equals sign")

    def test_malformed_master_cf_names_file_and_line(self):
        self.assert_start_refused("master.cf", "broken inet n")

    def test_mailq_lists_waiting_mail_and_flush(self):
        # remote.test goes to a transport with no agent: it waits in deferred/
        # whatever DNS this machine has.
        transport = os.path.join(self.t.etc, "transport")
        with open(transport, "w") as f:
            f.write("remote.test nowhere:\n")
        self.t.postconf("-e", "transport_maps=texthash:" + transport)
        self.t.start()
        try:
            self.assertIn("Mail queue is empty", self.t.run("-p", program="postqueue"))
            # Remote mail waits in the queue (loopback is in mynetworks, so it is accepted).
            with smtplib.SMTP("127.0.0.1", self.t.port("smtp"), timeout=10) as s:
                s.sendmail("alice@example.test", ["someone@remote.test"], "Subject: out\r\n\r\nhi\r\n")
            wait_for(lambda: self.t.queue_files("deferred"), timeout=15)
            out = subprocess.run([tool("mailq")], env=dict(os.environ, MAIL_CONFIG=self.t.etc),
                                 capture_output=True, text=True, timeout=30).stdout
            self.assertRegex(out, r"-Queue ID-\s+--Size-- ----Arrival Time---- -Sender/Recipient-------")
            self.assertRegex(out, r"\n[0-9A-Za-z]+\s+\d+ \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d\s+alice@example.test\n")
            self.assertIn("someone@remote.test", out)
            self.assertRegex(out, r"-- \d+ Kbytes in 1 Request\.")
            self.t.run("-f", program="postqueue")
        finally:
            self.t.stop()

    def delivered(self, text):
        for path in self.t.all_files("alice@example.test"):
            with open(path, "rb") as f:
                if text.encode() in f.read():
                    return True
        return False

    def test_flush_retries_deferred_mail_now(self):
        """A delivery that failed (Maildir not writable) waits for its backoff
        (minimal_backoff_time, 300s by default); postqueue -f retries it at once."""
        tmp = os.path.join(self.t.maildir("alice@example.test"), "tmp")
        self.t.start()
        try:
            os.chmod(tmp, 0o500)
            with smtplib.SMTP("127.0.0.1", self.t.port("smtp"), timeout=10) as s:
                s.sendmail("carol@remote.test", ["alice@example.test"], "Subject: later\r\n\r\nhi\r\n")
            wait_for(lambda: self.t.queue_files("deferred"), timeout=15)
            out = self.t.run("-p", program="postqueue")
            self.assertIn("alice@example.test", out)
            self.assertRegex(out, r"\(.*(Maildir|write|Permission).*\)")
            self.assertFalse(self.delivered("Subject: later"))
            os.chmod(tmp, 0o700)
            self.t.run("-f", program="postqueue")
            wait_for(lambda: not self.t.queue_files("deferred") and not self.t.queue_files("active"), timeout=15)
            self.assertTrue(self.delivered("Subject: later"))
        finally:
            os.chmod(tmp, 0o700)
            self.t.stop()

    def test_status_start_stop(self):
        p = self.t.run("status", check=False)
        self.assertEqual(p.returncode, 1)
        self.t.start()
        try:
            self.assertIn("is running", self.t.run("status"))
            p = self.t.run("start", check=False)
            self.assertNotEqual(p.returncode, 0)  # one master per queue
        finally:
            self.t.stop()
        self.assertEqual(self.t.pids(), [])


class Privileges(unittest.TestCase):
    @unittest.skipUnless(os.geteuid() == 0, "needs root")
    def test_only_master_stays_root(self):
        t = Instance()
        try:
            t.add_user("alice@example.test", "alice-pw")
            t.start()
            # Services start when first used (start() connected to every port): a local and a
            # remote recipient start authd, local and smtp too.
            with smtplib.SMTP("127.0.0.1", t.port("smtp"), timeout=10) as s:
                s.sendmail("a@example.test", ["alice@example.test", "bob@remote.test"],
                           "From: a@example.test\r\nSubject: wake\r\n\r\nx\r\n")
            expected = {"master", "smtpd", "qmgr", "local", "authd", "pop3d", "imapd", "pickup", "smtp"}
            # A child between fork and exec still shows master's name: wait for the exec.
            # smtpd runs three times: ports 25, 587 and 465; pop3d and imapd twice: 110 and 995, 143 and 993.
            wait_for(lambda: sorted(p for _, p, _ in t.processes()) ==
                     sorted(list(expected) + ["smtpd"] * 2 + ["pop3d", "imapd"]),
                     timeout=10)
            # unpriv=n services start as root and drop at once: give them that moment.
            def root_programs():
                return sorted(p for _, p, uid in t.processes() if uid == 0)
            try:
                wait_for(lambda: root_programs() == ["master"], timeout=10)
            except TimeoutError:
                pass
            self.assertEqual(root_programs(), ["master"], t.processes())
        finally:
            t.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
