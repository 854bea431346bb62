"""IMAP on real MIME mail (issue #5): BODYSTRUCTURE with extension data,
BINARY[] and BINARY.SIZE (RFC 3516), and SEARCH on decoded text, against a
real instance with Python's imaplib. The message is built with Python's
email package and delivered by SMTP."""
import email.message
import email.policy
import imaplib
import re
import smtplib
import unittest

from tern_instance import Instance, wait_for

ATTACHMENT = bytes(range(256)) * 4  # every byte value, NUL included


def build():
    msg = email.message.EmailMessage(policy=email.policy.SMTP)
    msg["From"] = "Jörg Müller <jm@remote.test>"
    msg["To"] = "alice@example.test"
    msg["Subject"] = "Grüße aus Berlin"
    msg.set_content("Schöne Grüße vom Meer\n", charset="iso-8859-1", cte="quoted-printable")
    msg.add_attachment(ATTACHMENT, maintype="application", subtype="octet-stream", filename="data.bin")
    return msg.as_bytes()


class ImapMime(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t = Instance()
        cls.t.add_user("alice@example.test", "alice-pw")
        cls.t.postconf("-e", "imapd_tls_auth_only=no")  # clear text here; test_imap_tls.py covers TLS
        cls.t.start()
        with smtplib.SMTP("127.0.0.1", cls.t.port("smtp"), timeout=10) as s:
            s.sendmail("jm@remote.test", ["alice@example.test"], build())
        wait_for(lambda: len(cls.t.new_files("alice@example.test")) == 1, timeout=10)

    @classmethod
    def tearDownClass(cls):
        cls.t.cleanup()

    def setUp(self):
        self.m = imaplib.IMAP4("127.0.0.1", self.t.port("imap"), timeout=10)
        self.m.login("alice@example.test", "alice-pw")
        self.m.select("INBOX")

    def tearDown(self):
        self.m.logout()

    def test_capability_lists_binary(self):
        self.assertIn("BINARY", self.m.capabilities)

    def test_bodystructure_with_extension_data(self):
        typ, data = self.m.fetch("1", "(BODYSTRUCTURE)")
        self.assertEqual(typ, "OK")
        text = data[0].decode() if isinstance(data[0], bytes) else data[0][0].decode()
        self.assertRegex(text, r'\("TEXT" "PLAIN" \("CHARSET" "iso-8859-1"\) NIL NIL "QUOTED-PRINTABLE" \d+ \d+ NIL')
        self.assertIn('"APPLICATION" "OCTET-STREAM"', text)
        self.assertIn('("ATTACHMENT" ("FILENAME" "data.bin"))', text)
        self.assertIn('"MIXED" ("BOUNDARY" ', text)

    def test_binary_gives_the_decoded_attachment(self):
        typ, data = self.m.fetch("1", "(BINARY.PEEK[2] BINARY.SIZE[2])")
        self.assertEqual(typ, "OK", data)
        self.assertEqual(data[0][1], ATTACHMENT)
        self.assertIn(b"~{%d}" % len(ATTACHMENT), data[0][0])  # literal8: the content has NUL bytes
        tail = b"".join(x if isinstance(x, bytes) else b"" for x in data[1:])
        self.assertIn(b"BINARY.SIZE[2] %d" % len(ATTACHMENT), tail)
        typ, data = self.m.fetch("1", "(BINARY.PEEK[1])")
        self.assertEqual(data[0][1].decode("iso-8859-1"), "Schöne Grüße vom Meer\r\n")
        typ, data = self.m.fetch("1", "(FLAGS)")
        self.assertNotIn(b"\\Seen", data[0])  # PEEK

    def search_utf8(self, key, text):
        self.m.literal = text.encode()
        typ, data = self.m.search("UTF-8", key)  # SEARCH CHARSET UTF-8 key {literal}
        self.assertEqual(typ, "OK", data)
        return data[0].split()

    def test_search_finds_decoded_words(self):
        self.assertEqual(self.search_utf8("SUBJECT", "Grüße aus"), [b"1"])
        self.assertEqual(self.search_utf8("FROM", "Jörg Müller"), [b"1"])
        self.assertEqual(self.search_utf8("BODY", "Schöne Grüße"), [b"1"])
        self.assertEqual(self.search_utf8("BODY", "Hamburg"), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
