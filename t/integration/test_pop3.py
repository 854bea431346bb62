"""POP3 reading the mailbox (issue #2 point 6: RFC 1939, RFC 2449)."""
import poplib
import smtplib
import unittest

from tern_instance import Instance, wait_for


def send(t, rcpt, subject, body_lines=3):
    body = "".join("body line %d\r\n" % i for i in range(body_lines))
    msg = "From: a@remote.test\r\nTo: %s\r\nSubject: %s\r\n\r\n%s" % (rcpt, subject, body)
    with smtplib.SMTP("127.0.0.1", t.port("smtp"), timeout=10) as s:
        s.sendmail("a@remote.test", [rcpt], msg)


class Pop3(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t = Instance()
        cls.t.add_user("alice@example.test", "alice-pw")
        # These tests read mail in clear text; test_pop3_tls.py covers TLS and the default.
        cls.t.postconf("-e", "pop3d_tls_auth_only=no")
        cls.t.start()
        for i in range(3):
            send(cls.t, "alice@example.test", "message %d" % i, body_lines=5)
        wait_for(lambda: len(cls.t.new_files("alice@example.test")) == 3, timeout=10)

    @classmethod
    def tearDownClass(cls):
        cls.t.cleanup()

    def login(self):
        p = poplib.POP3("127.0.0.1", self.t.port("pop3"), timeout=10)
        p.user("alice@example.test")
        p.pass_("alice-pw")
        return p

    def test_capa(self):
        p = poplib.POP3("127.0.0.1", self.t.port("pop3"), timeout=10)
        caps = p.capa()
        for c in ("TOP", "UIDL", "USER"):
            self.assertIn(c, caps)
        p.quit()

    def test_wrong_password(self):
        p = poplib.POP3("127.0.0.1", self.t.port("pop3"), timeout=10)
        p.user("alice@example.test")
        with self.assertRaises(poplib.error_proto):
            p.pass_("wrong")
        p.close()

    def test_stat_list_uidl_retr_top(self):
        p = self.login()
        count, size = p.stat()
        self.assertEqual(count, 3)
        _, listing, _ = p.list()
        self.assertEqual(len(listing), 3)
        self.assertEqual(sum(int(l.split()[1]) for l in listing), size)
        _, uidls, _ = p.uidl()
        uids = [l.split()[1] for l in uidls]
        self.assertEqual(len(set(uids)), 3)
        # Delivery order between concurrent deliveries is not fixed: match by subject.
        _, lines, octets = p.retr(1)
        self.assertTrue(any(l.startswith(b"Subject: message ") for l in lines), lines)
        self.assertEqual(octets, int(listing[0].split()[1]))
        _, top, _ = p.top(2, 2)
        self.assertTrue(any(l.startswith(b"Subject: message ") for l in top), top)
        body = top[top.index(b"") + 1:]
        self.assertEqual(body, [b"body line 0", b"body line 1"])
        self.assertTrue(p.noop().startswith(b"+OK"))
        p.quit()
        # UIDL values are stable across sessions.
        p = self.login()
        _, again, _ = p.uidl()
        self.assertEqual([l.split()[1] for l in again], uids)
        p.quit()

    def test_dele_rset_and_quit_expunges(self):
        send(self.t, "alice@example.test", "to delete")
        wait_for(lambda: self.login_count() == 4, timeout=10, interval=0.2)
        p = self.login()
        p.dele(4)
        with self.assertRaises(poplib.error_proto):
            p.retr(4)
        p.rset()
        p.retr(4)
        p.dele(4)
        p.quit()
        self.assertEqual(self.login_count(), 3)

    def login_count(self):
        p = self.login()
        n = p.stat()[0]
        p.quit()
        return n

    def test_bad_commands(self):
        p = poplib.POP3("127.0.0.1", self.t.port("pop3"), timeout=10)
        with self.assertRaises(poplib.error_proto):
            p._shortcmd("STAT")  # not in the AUTHORIZATION state
        with self.assertRaises(poplib.error_proto):
            p._shortcmd("XYZZY")
        p.quit()


if __name__ == "__main__":
    unittest.main(verbosity=2)
