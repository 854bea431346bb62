"""Quotas (issue #5): `tern user quota`, enforced by local on delivery
(a bounce with 5.2.2 mailbox full, or a deferral with quota_full_tempfail)
and by imapd on APPEND and COPY (NO [OVERQUOTA]), reported by GETQUOTAROOT
and GETQUOTA (RFC 9208), against a real instance."""
import re
import smtplib
import unittest

from raw_imap import RawImap
from tern_instance import Instance, wait_for

BODY = "Subject: %s\r\n\r\n" + "x" * 900 + "\r\n"


class Quota(unittest.TestCase):
    def setUp(self):
        self.t = Instance()
        self.addCleanup(self.t.cleanup)
        self.t.add_user("alice@example.test", "alice-pw")
        self.t.add_user("bob@example.test", "bob-pw")
        self.t.postconf("-e", "imapd_tls_auth_only=no")

    def smtp(self, rcpt, subject):
        with smtplib.SMTP("127.0.0.1", self.t.port("smtp"), timeout=10) as s:
            s.sendmail("carol@remote.test", [rcpt], BODY % subject)

    def imap(self, user):
        c = RawImap(self.t.port("imap"))
        c.login(user, user.split("@")[0] + "-pw")
        self.addCleanup(c.close)
        return c

    def test_tern_user_quota_sets_and_lists(self):
        out = self.t.run("user", "quota", "alice@example.test", "4K/3")
        self.assertIn("quota of alice@example.test is now 4K/3", out)
        self.assertIn("alice@example.test quota=4096/3", self.t.run("user", "list"))
        p = self.t.run("user", "quota", "alice@example.test", "lots", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn('bad quota "lots": expected BYTES[/MESSAGES]', p.stderr)

    def test_delivery_over_quota_bounces_and_imap_reports_it(self):
        self.t.run("user", "quota", "alice@example.test", "4K/3")
        self.t.start()
        for i in range(3):
            self.smtp("alice@example.test", "fits %d" % i)
        wait_for(lambda: len(self.t.all_files("alice@example.test")) == 3, timeout=15)
        self.smtp("alice@example.test", "too many")
        wait_for(lambda: "5.2.2" in self.t.log(), timeout=15)
        self.assertRegex(self.t.log(), r"to=<alice@example.test>.*status=bounced \(mailbox full: quota exceeded")
        self.assertEqual(len(self.t.all_files("alice@example.test")), 3)
        c = self.imap("alice@example.test")
        lines = c.ok("GETQUOTAROOT INBOX")
        self.assertEqual(lines[0], '* QUOTAROOT "INBOX" ""')
        m = re.match(r'\* QUOTA "" \(STORAGE (\d+) 4 MESSAGE 3 3\)', lines[1])
        self.assertIsNotNone(m, lines)
        self.assertEqual(c.ok('GETQUOTA ""'), lines[1:])
        self.assertTrue(c.cmd('SETQUOTA "" (STORAGE 99999)')[1].startswith("NO [NOPERM]"))
        self.assertTrue(c.cmd("GETQUOTA nosuch")[1].startswith("NO [NONEXISTENT]"))
        msg = "Subject: appended\r\n\r\nhi\r\n"
        self.assertTrue(c.cmd("APPEND INBOX {%d+}\r\n%s" % (len(msg), msg))[1].startswith("NO [OVERQUOTA]"))
        c.ok("SELECT INBOX")
        self.assertTrue(c.cmd("COPY 1 Sent")[1].startswith("NO [OVERQUOTA]"))
        # Expunging makes room again.
        c.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
        size = int(re.search(r"RFC822.SIZE (\d+)", c.ok("FETCH 1 RFC822.SIZE")[0]).group(1))
        status = c.ok("STATUS INBOX (DELETED DELETED-STORAGE)")
        self.assertEqual(status, ['* STATUS "INBOX" (DELETED 1 DELETED-STORAGE %d)' % ((size + 1023) // 1024)])
        c.ok("EXPUNGE")
        c.ok("APPEND INBOX {%d+}\r\n%s" % (len(msg), msg))
        self.assertRegex(c.ok('GETQUOTA ""')[0], r'MESSAGE 3 3\)')

    def test_quota_full_tempfail_defers(self):
        self.t.run("user", "quota", "bob@example.test", "0/1")
        self.t.postconf("-e", "quota_full_tempfail=yes")
        self.t.start()
        self.smtp("bob@example.test", "one")
        wait_for(lambda: len(self.t.all_files("bob@example.test")) == 1, timeout=15)
        self.smtp("bob@example.test", "two")
        wait_for(lambda: "4.2.2" in self.t.log(), timeout=15)
        self.assertRegex(self.t.log(), r"to=<bob@example.test>.*status=deferred \(mailbox full")
        # An account without a quota has no quota root.
        c = self.imap("alice@example.test")
        self.assertEqual(c.ok("GETQUOTAROOT INBOX"), ['* QUOTAROOT "INBOX"'])


if __name__ == "__main__":
    unittest.main()
