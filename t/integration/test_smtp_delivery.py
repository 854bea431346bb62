"""SMTP in, Maildir out: issue #2 point 4 and smtpd's replies to bad input."""
import os
import smtplib
import socket
import time
import unittest

from tern_instance import Instance, wait_for

BODY = (b"From: Carol <carol@remote.test>\r\n"
        b"To: alice@example.test, bob@example.test\r\n"
        b"Subject: spine test\r\n"
        b"\r\n"
        b"Line one.\r\n"
        b".A line that starts with a dot\r\n"
        b"..\r\n"
        b"8-bit: \xc3\xa9\xc3\xa0 \xff\xfe\r\n"
        b"\r\n"
        b"trailing line\r\n")


def expected_content(body):
    # The queue and Maildir keep LF line ends (Maildir convention); smtplib
    # dot-stuffs on the way out and smtpd unstuffs, so the text is the same.
    return body.replace(b"\r\n", b"\n")


class SmtpDelivery(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t = Instance()
        cls.t.add_user("alice@example.test", "alice-pw")
        cls.t.add_user("bob@example.test", "bob-pw")
        cls.t.start()

    @classmethod
    def tearDownClass(cls):
        cls.t.cleanup()

    def smtp(self):
        return smtplib.SMTP("127.0.0.1", self.t.port("smtp"), timeout=10)

    def test_message_reaches_both_maildirs_unchanged(self):
        with self.smtp() as s:
            code, ehlo = s.ehlo("client.test")
            self.assertEqual(code, 250)
            for ext in (b"PIPELINING", b"SIZE", b"8BITMIME", b"ENHANCEDSTATUSCODES"):
                self.assertIn(ext, ehlo)
            s.sendmail("carol@remote.test", ["alice@example.test", "bob@example.test"], BODY,
                       mail_options=["BODY=8BITMIME"])
        start = time.monotonic()
        for rcpt in ("alice@example.test", "bob@example.test"):
            self.t.wait_message(rcpt, "Subject: spine test", timeout=10)
        took = time.monotonic() - start
        print("delivered to both Maildirs %.3fs after the 250" % took)
        for rcpt in ("alice@example.test", "bob@example.test"):
            data = self.t.message_with(rcpt, "Subject: spine test")
            head, _, rest = data.partition(b"\n")
            self.assertEqual(head, b"Return-Path: <carol@remote.test>")
            head, _, rest = rest.partition(b"\n")
            self.assertEqual(head, b"Delivered-To: " + rcpt.encode())
            self.assertTrue(rest.startswith(b"Received: from client.test"), rest[:80])
            # The Received header is folded over several lines; the original follows it.
            idx = rest.find(b"\nFrom: Carol")
            self.assertGreater(idx, 0, data)
            self.assertEqual(rest[idx + 1:], expected_content(BODY))
        self.assertLess(took, 10)

    def test_unknown_local_user_is_rejected(self):
        with self.smtp() as s:
            s.ehlo("client.test")
            s.mail("carol@remote.test")
            code, msg = s.rcpt("nobody@example.test")
            self.assertEqual(code, 550)
            self.assertTrue(msg.startswith(b"5.1.1"), msg)

    def test_commands_out_of_order(self):
        with self.smtp() as s:
            s.ehlo("client.test")
            code, msg = s.docmd("RCPT", "TO:<alice@example.test>")
            self.assertEqual(code, 503)
            self.assertTrue(msg.startswith(b"5.5.1"), msg)
            code, msg = s.docmd("DATA")
            self.assertEqual(code, 503)

    def test_line_too_long(self):
        with self.smtp() as s:
            s.ehlo("client.test")
            code, msg = s.docmd("NOOP " + "x" * 1100)
            self.assertEqual(code, 500)
            self.assertTrue(msg.startswith(b"5.5.2"), msg)
            self.assertEqual(s.noop()[0], 250)  # the session goes on

    def test_unknown_command(self):
        with self.smtp() as s:
            code, _ = s.docmd("FROBNICATE")
            self.assertEqual(code, 500)

    def test_bare_lf_cannot_end_data(self):
        """<LF>.<LF> and <LF>.<CR><LF> never end DATA (SMTP smuggling)."""
        sock = socket.create_connection(("127.0.0.1", self.t.port("smtp")), timeout=10)
        f = sock.makefile("rb")
        f.readline()
        for cmd in (b"EHLO client.test\r\n", b"MAIL FROM:<carol@remote.test>\r\n",
                    b"RCPT TO:<alice@example.test>\r\n", b"DATA\r\n"):
            sock.sendall(cmd)
            line = f.readline()
            while line[3:4] == b"-":
                line = f.readline()
        self.assertTrue(line.startswith(b"354"), line)
        sock.sendall(b"Subject: smuggle\r\n\r\nhello\n.\nMAIL FROM:<x@y>\r\n")
        sock.sendall(b"\r\n.\r\n")
        reply = f.readline()
        # Either accepted as one message or rejected as a whole; never a second transaction.
        self.assertTrue(reply[:1] in (b"2", b"5"), reply)
        sock.sendall(b"QUIT\r\n")
        self.assertTrue(f.readline().startswith(b"221"))
        sock.close()


class SmtpPolicy(unittest.TestCase):
    """Limits and relay control that need a configuration change and a reload."""

    @classmethod
    def setUpClass(cls):
        cls.t = Instance()
        cls.t.add_user("alice@example.test", "alice-pw")
        cls.t.postconf("-e", "message_size_limit=2000", "mynetworks=192.0.2.0/24")
        cls.t.start()

    @classmethod
    def tearDownClass(cls):
        cls.t.cleanup()

    def test_relay_denied_outside_mynetworks(self):
        with smtplib.SMTP("127.0.0.1", self.t.port("smtp"), timeout=10) as s:
            s.ehlo("client.test")
            s.mail("carol@remote.test")
            code, msg = s.rcpt("someone@elsewhere.test")
            self.assertEqual(code, 554)
            self.assertTrue(msg.startswith(b"5.7.1"), msg)

    def test_message_over_size_limit(self):
        with smtplib.SMTP("127.0.0.1", self.t.port("smtp"), timeout=10) as s:
            s.ehlo("client.test")
            self.assertIn(b"SIZE 2000", s.ehlo_resp)
            s.mail("carol@remote.test")
            s.rcpt("alice@example.test")
            code, msg = s.data(b"Subject: big\r\n\r\n" + b"x" * 70 + b"\r\n" * 1 + (b"y" * 70 + b"\r\n") * 60)
            self.assertEqual(code, 552)
            self.assertTrue(msg.startswith(b"5.3.4"), msg)
        time.sleep(0.5)
        self.assertEqual(self.t.new_files("alice@example.test"), [])

    def test_reload_applies_an_edit(self):
        self.t.postconf("-e", "message_size_limit=5000")
        self.t.reload()

        def limit_seen():
            with smtplib.SMTP("127.0.0.1", self.t.port("smtp"), timeout=10) as s:
                s.ehlo("client.test")
                return b"SIZE 5000" in s.ehlo_resp
        wait_for(limit_seen, timeout=15, interval=0.2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
