"""IMAP reading and flagging mail (issue #2 point 7), UIDs stable across restart."""
import imaplib
import smtplib
import unittest

from tern_instance import Instance, wait_for


def send(t, rcpt, subject):
    msg = ("From: Dave <dave@remote.test>\r\nTo: %s\r\nSubject: %s\r\n"
           "Date: Wed, 25 Nov 2026 05:00:00 +0000\r\nMessage-ID: <%s@remote.test>\r\n\r\n"
           "Hello %s.\r\nSecond line.\r\n" % (rcpt, subject, subject.replace(" ", "."), subject))
    with smtplib.SMTP("127.0.0.1", t.port("smtp"), timeout=10) as s:
        s.sendmail("dave@remote.test", [rcpt], msg)


class Imap(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t = Instance()
        cls.t.add_user("alice@example.test", "alice-pw")
        # These tests read mail in clear text; test_imap_tls.py covers TLS and the default.
        cls.t.postconf("-e", "imapd_tls_auth_only=no")
        cls.t.start()
        # One at a time, so that UID order is sending order.
        for i in range(3):
            send(cls.t, "alice@example.test", "note %d" % i)
            wait_for(lambda: len(cls.t.new_files("alice@example.test")) == i + 1, timeout=10)

    @classmethod
    def tearDownClass(cls):
        cls.t.cleanup()

    def login(self):
        m = imaplib.IMAP4("127.0.0.1", self.t.port("imap"), timeout=10)
        m.login("alice@example.test", "alice-pw")
        return m

    def test_01_capability_and_bad_login(self):
        m = imaplib.IMAP4("127.0.0.1", self.t.port("imap"), timeout=10)
        self.assertIn("IMAP4REV1", m.capabilities)
        with self.assertRaises(imaplib.IMAP4.error):
            m.login("alice@example.test", "wrong")
        m.logout()

    def test_02_list_select_fetch(self):
        m = self.login()
        typ, folders = m.list()
        self.assertEqual(typ, "OK")
        self.assertTrue(any(b'"INBOX"' in f or b" INBOX" in f for f in folders), folders)
        typ, data = m.select("INBOX")
        self.assertEqual(typ, "OK")
        self.assertEqual(int(data[0]), 3)
        typ, data = m.fetch("1:3", "(UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE)")
        self.assertEqual(typ, "OK")
        self.assertIn(b"note 0", data[0])
        self.assertIn(b"dave", data[0])
        typ, data = m.fetch("1", "(BODY.PEEK[HEADER])")
        self.assertIn(b"Subject: note 0", data[0][1])
        typ, data = m.fetch("1", "(BODY.PEEK[TEXT])")
        self.assertEqual(data[0][1], b"Hello note 0.\r\nSecond line.\r\n")
        typ, data = m.fetch("1", "(FLAGS)")
        self.assertNotIn(b"\\Seen", data[0])
        typ, data = m.fetch("1", "(BODY[])")
        self.assertTrue(data[0][1].startswith(b"Return-Path: <dave@remote.test>\r\n"))
        typ, data = m.fetch("1", "(FLAGS)")
        self.assertIn(b"\\Seen", data[0])
        m.logout()

    def test_03_store_search_expunge(self):
        m = self.login()
        m.select("INBOX")
        typ, data = m.uid("SEARCH", None, "UNSEEN")
        unseen = data[0].split()
        self.assertEqual(len(unseen), 2)
        typ, data = m.uid("STORE", unseen[0], "+FLAGS", "(\\Flagged \\Seen)")
        self.assertEqual(typ, "OK")
        typ, data = m.uid("SEARCH", None, "SEEN")
        self.assertEqual(len(data[0].split()), 2)
        typ, data = m.uid("FETCH", unseen[0], "(FLAGS)")
        self.assertIn(b"\\Flagged", data[0])
        m.store("3", "+FLAGS", "\\Deleted")
        typ, data = m.expunge()
        self.assertEqual(data, [b"3"])
        typ, data = m.search(None, "ALL")
        self.assertEqual(data[0].split(), [b"1", b"2"])
        m.close()
        m.logout()

    def test_04_uids_stable_across_restart(self):
        m = self.login()
        typ, data = m.select("INBOX")
        before_validity = m.untagged_responses.get("UIDVALIDITY", [None])[0]
        typ, before = m.uid("SEARCH", None, "ALL")
        m.logout()
        self.t.stop()
        self.t.start()
        m = self.login()
        m.select("INBOX")
        after_validity = m.untagged_responses.get("UIDVALIDITY", [None])[0]
        typ, after = m.uid("SEARCH", None, "ALL")
        self.assertEqual(before_validity, after_validity)
        self.assertEqual(before, after)
        m.logout()

    def test_05_bad_commands(self):
        m = imaplib.IMAP4("127.0.0.1", self.t.port("imap"), timeout=10)
        imaplib.Commands.setdefault("FROB", ("NONAUTH", "AUTH", "SELECTED"))
        with self.assertRaisesRegex(imaplib.IMAP4.error, "BAD"):
            m._simple_command("FROB")
        with self.assertRaises(imaplib.IMAP4.error):
            m.select("INBOX")  # not authenticated
        m.logout()


if __name__ == "__main__":
    unittest.main(verbosity=2)
