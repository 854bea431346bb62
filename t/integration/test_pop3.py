"""POP3 reading the mailbox (issue #2 point 6, issue #5: RFC 1939, RFC 2449):
every command through Python's poplib, UIDLs that survive a restart and a
lost index, the maildrop lock ([IN-USE]) that no crash leaves behind,
pipelining, and LOGIN-DELAY."""
import imaplib
import os
import poplib
import re
import smtplib
import socket
import time
import unittest

from tern_instance import Instance, wait_for
from tls_client import client_tls, plain

UIDL_RE = re.compile(rb"^[\x21-\x7e]{1,70}$")  # RFC 1939 7


def error_text(test, call):
    with test.assertRaises(poplib.error_proto) as cm:
        call()
    text = cm.exception.args[0]
    return text.decode() if isinstance(text, bytes) else text


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

    def uidls(self):
        p = self.login()
        try:
            _, lines, _ = p.uidl()
        finally:
            p.quit()
        return [l.split()[1] for l in lines]

    def test_every_command(self):
        p = poplib.POP3("127.0.0.1", self.t.port("pop3"), timeout=10)
        try:
            self.assertTrue(p.getwelcome().startswith(b"+OK"))
            caps = p.capa()
            for c in ("TOP", "UIDL", "USER", "SASL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "EXPIRE",
                      "IMPLEMENTATION"):
                self.assertIn(c, caps)
            self.assertEqual(caps["SASL"], ["PLAIN"])
            self.assertEqual(caps["EXPIRE"], ["NEVER"])
            self.assertNotIn("LOGIN-DELAY", caps)  # pop3d_login_delay = 0
            self.assertEqual(error_text(self, p.noop), "-ERR Not logged in")  # RFC 1939 5
            # APOP (optional in RFC 1939 7) is not offered: the greeting carries no timestamp.
            self.assertEqual(error_text(self, lambda: p.apop("alice@example.test", "x")),
                             "-ERR APOP not supported by server")  # poplib's own check of the greeting
            self.assertEqual(error_text(self, lambda: p._shortcmd("APOP alice@example.test " + "0" * 32)),
                             "-ERR Unknown command")
            self.assertEqual(p._longcmd("AUTH")[1], [b"PLAIN"])
            self.assertTrue(p.user("alice@example.test").startswith(b"+OK"))
            self.assertTrue(p.pass_("alice-pw").startswith(b"+OK"))
            count, size = p.stat()
            self.assertGreaterEqual(count, 3)
            _, listing, _ = p.list()
            self.assertEqual(len(listing), count)
            self.assertEqual(p.list(1).split()[:2], [b"+OK", b"1"])
            _, uidls, _ = p.uidl()
            self.assertEqual(p.uidl(2).split()[1:], uidls[1].split())
            _, lines, octets = p.retr(1)
            self.assertEqual(octets, int(listing[0].split()[1]))
            self.assertEqual(p.top(1, 0)[1], lines[:lines.index(b"") + 1])
            self.assertTrue(p.dele(1).startswith(b"+OK"))
            self.assertEqual(p.stat()[0], count - 1)
            self.assertTrue(error_text(self, lambda: p.retr(1)).startswith("-ERR"))
            self.assertTrue(error_text(self, lambda: p.list(count + 1)).startswith("-ERR"))
            self.assertTrue(p.rset().startswith(b"+OK"))
            self.assertEqual(p.stat(), (count, size))
            self.assertTrue(p.noop().startswith(b"+OK"))
            self.assertNotIn("USER", p.capa())
        finally:
            self.assertTrue(p.quit().startswith(b"+OK"))
        self.assertEqual(self.login_count(), count)  # RSET undid the DELE
        # AUTH PLAIN (RFC 5034) as well.
        p = poplib.POP3("127.0.0.1", self.t.port("pop3"), timeout=10)
        self.assertTrue(p._shortcmd("AUTH PLAIN " + plain("alice@example.test", "alice-pw")).startswith(b"+OK"))
        self.assertEqual(p.stat()[0], count)
        p.quit()

    def test_uidl_is_stable_after_restart_and_lost_index(self):
        before = self.uidls()
        self.assertEqual(len(set(before)), len(before))
        for u in before:
            self.assertRegex(u, UIDL_RE)
        self.t.stop()
        self.t.start()
        self.assertEqual(self.uidls(), before)
        maildir = self.t.maildir("alice@example.test")
        os.unlink(os.path.join(maildir, "tern-index"))
        self.assertEqual(self.uidls(), before)
        self.assertIn("index missing; rebuilt", self.t.log())
        # Also without the store's UIDVALIDITY record: a new UIDVALIDITY, the same UIDLs.
        uidvalidities = set(re.findall(r"UIDVALIDITY (\d+)", self.t.log()))
        os.unlink(os.path.join(maildir, "tern-index"))
        os.unlink(os.path.join(maildir, "tern-index.lock"))
        self.assertEqual(self.uidls(), before)
        self.assertGreater(set(re.findall(r"UIDVALIDITY (\d+)", self.t.log())), uidvalidities)

    def test_second_session_gets_in_use_until_the_first_ends(self):
        first = self.login()
        try:
            second = poplib.POP3("127.0.0.1", self.t.port("pop3"), timeout=10)
            second.user("alice@example.test")
            self.assertEqual(error_text(self, lambda: second.pass_("alice-pw")),
                             "-ERR [IN-USE] Mailbox is locked by another POP3 session.")
            self.assertTrue(error_text(self, lambda: second._shortcmd(
                "AUTH PLAIN " + plain("alice@example.test", "alice-pw"))).startswith("-ERR [IN-USE]"))
            # SMTP delivery and IMAP are not blocked by the POP3 lock.
            send(self.t, "alice@example.test", "while locked")
            self.t.wait_message("alice@example.test", "while locked")
            with imaplib.IMAP4("127.0.0.1", self.t.port("imap"), timeout=10) as i:
                i.starttls(ssl_context=client_tls())
                i.login("alice@example.test", "alice-pw")
                typ, data = i.select("INBOX")
                self.assertEqual((typ, data), ("OK", [b"4"]))
                i.logout()
            self.assertEqual(first.stat()[0], 3)  # the POP3 session's listing is fixed at login
        finally:
            first.quit()
        second.user("alice@example.test")
        self.assertTrue(second.pass_("alice-pw").startswith(b"+OK"))
        # Leave the mailbox as the other tests expect it.
        for n in range(1, second.stat()[0] + 1):
            if b"Subject: while locked" in second.top(n, 0)[1]:
                second.dele(n)
        second.quit()
        self.assertEqual(self.login_count(), 3)

    def test_killed_pop3d_leaves_no_lock(self):
        p = self.login()
        pids = self.t.pids("pop3d")
        self.assertTrue(pids)
        self.t.kill9("pop3d")
        wait_for(lambda: not set(pids) & set(self.t.pids("pop3d")), timeout=10)
        p.close()
        # master starts a new pop3d for the next connection; the old lock died with the old process.
        self.assertGreaterEqual(self.login_count(), 3)

    def test_pipelined_commands_get_every_reply_in_order(self):
        with socket.create_connection(("127.0.0.1", self.t.port("pop3")), timeout=10) as c:
            f = c.makefile("rb")
            self.assertTrue(f.readline().startswith(b"+OK"))
            c.sendall(b"USER alice@example.test\r\nPASS alice-pw\r\nSTAT\r\nLIST 1\r\nUIDL 1\r\n"
                      b"TOP 1 0\r\nNOOP\r\nQUIT\r\n")
            replies = [f.readline() for _ in range(6)]
            top = []
            while True:
                line = f.readline()
                self.assertTrue(line, top)
                top.append(line)
                if line == b".\r\n":
                    break
            replies += [f.readline(), f.readline()]
        self.assertEqual(replies[0], b"+OK Send your password\r\n")
        self.assertEqual(replies[1], b"+OK Logged in.\r\n")
        self.assertRegex(replies[2], rb"^\+OK \d+ \d+\r\n$")
        self.assertRegex(replies[3], rb"^\+OK 1 \d+\r\n$")
        self.assertRegex(replies[4], rb"^\+OK 1 [\x21-\x7e]{1,70}\r\n$")
        self.assertEqual(replies[5], b"+OK\r\n")  # TOP
        self.assertTrue(any(l.startswith(b"Subject: ") for l in top), top)
        self.assertEqual(replies[6], b"+OK\r\n")  # NOOP
        self.assertTrue(replies[7].startswith(b"+OK Tern signing off"), replies[7])

    def test_bad_commands(self):
        p = poplib.POP3("127.0.0.1", self.t.port("pop3"), timeout=10)
        with self.assertRaises(poplib.error_proto):
            p._shortcmd("STAT")  # not in the AUTHORIZATION state
        with self.assertRaises(poplib.error_proto):
            p._shortcmd("XYZZY")
        p.quit()


class LoginDelay(unittest.TestCase):
    """pop3d_login_delay (RFC 2449 6.5): advertised by CAPA, enforced after the password."""
    DELAY = 3

    @classmethod
    def setUpClass(cls):
        cls.t = Instance()
        cls.t.add_user("bob@example.test", "bob-pw")
        cls.t.postconf("-e", "pop3d_tls_auth_only=no", "pop3d_login_delay=%ds" % cls.DELAY)
        cls.t.start()

    @classmethod
    def tearDownClass(cls):
        cls.t.cleanup()

    def attempt(self, password="bob-pw"):
        p = poplib.POP3("127.0.0.1", self.t.port("pop3"), timeout=10)
        try:
            p.user("bob@example.test")
            return p.pass_(password).decode()
        except poplib.error_proto as e:
            return e.args[0].decode()
        finally:
            p.quit()

    def test_login_delay(self):
        p = poplib.POP3("127.0.0.1", self.t.port("pop3"), timeout=10)
        self.assertEqual(p.capa()["LOGIN-DELAY"], [str(self.DELAY)])
        p.quit()
        self.assertTrue(self.attempt().startswith("+OK"))
        t0 = time.monotonic()
        self.assertEqual(self.attempt(), "-ERR [LOGIN-DELAY] Wait %d seconds between logins." % self.DELAY)
        # A wrong password gets [AUTH], so the delay tells a guesser nothing.
        self.assertTrue(self.attempt("wrong").startswith("-ERR [AUTH]"))
        wait_for(lambda: self.attempt().startswith("+OK"), timeout=self.DELAY + 5, interval=0.5)
        self.assertGreaterEqual(time.monotonic() - t0, self.DELAY - 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
