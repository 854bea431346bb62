"""Outbound mail end to end (issue #4): instance A accepts mail for a remote
domain, qmgr routes it to smtp, smtp finds the MX in A's test DNS (a zone
file) and delivers to instance B, a second Tern acting as the remote MX.
Connection reuse shows in B's log: several messages, one connection."""
import os
import re
import smtplib
import unittest

from tern_instance import Instance, wait_for


class Outbound(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.remote = Instance(domain="remote.test")
        cls.remote.add_user("bob@remote.test", "bob-pw")
        cls.remote.start()
        cls.local = Instance(domain="example.test")
        cls.local.add_user("alice@example.test", "alice-pw")
        zone = os.path.join(cls.local.etc, "test.zone")
        with open(zone, "w") as f:
            f.write("remote.test. MX 10 mx.remote.test.\n"
                    "mx.remote.test. A 127.0.0.1\n"
                    "nullmx.test. MX 0 .\n")
        cls.local.postconf("-e", "dns_zone_file=" + zone,
                           "smtp_destination_port=%d" % cls.remote.port("smtp"),
                           "smtp_connection_cache_time_limit=5s",
                           # One delivery at a time to a destination, so each reuses the cached connection.
                           "smtp_destination_concurrency_limit=1")
        cls.local.start()

    @classmethod
    def tearDownClass(cls):
        cls.local.cleanup()
        cls.remote.cleanup()

    def send(self, rcpt, subject):
        with smtplib.SMTP("127.0.0.1", self.local.port("smtp"), timeout=10) as s:
            s.sendmail("alice@example.test", [rcpt], ("Subject: %s\r\n\r\nhello\r\n" % subject).encode())

    def test_mx_delivery_reaches_the_remote_maildir_with_postfix_log_lines(self):
        self.send("bob@remote.test", "outbound-1")
        data = self.remote.wait_message("bob@remote.test", "outbound-1")
        self.assertIn(b"Received: from mail.example.test", data)
        wait_for(lambda: re.search(r"to=<bob@remote\.test>, relay=mx\.remote\.test\[127\.0\.0\.1\]:\d+, delay=[\d.]+, "
                                   r"delays=[\d.]+/[\d.]+/[\d.]+/[\d.]+, dsn=2\.0\.0, status=sent \(250 2\.0\.0 Ok: "
                                   r"queued as \w+\)", self.local.log()), timeout=10)

    def connects_to_remote(self):
        return len(re.findall(r"smtpd\[\d+\]: connect from", self.remote.log()))

    def test_several_messages_share_one_connection(self):
        before = self.connects_to_remote()
        with smtplib.SMTP("127.0.0.1", self.local.port("smtp"), timeout=10) as s:
            for i in range(10):
                s.sendmail("alice@example.test", ["bob@remote.test"],
                           ("Subject: reuse-%d\r\n\r\nhello\r\n" % i).encode())
        for i in range(10):
            self.remote.wait_message("bob@remote.test", "reuse-%d" % i)
        # Our own submissions to A do not count (A logs them, not B). The
        # connection of an earlier test may still be cached: at most one new.
        self.assertLessEqual(self.connects_to_remote() - before, 1, self.remote.log())
        print("connection reuse: 10 messages, %d new connection(s)" % (self.connects_to_remote() - before))

    def test_a_large_message_arrives_intact(self):
        # Streamed from the queue file in records (smtp never holds it whole): lines
        # starting with dots and a body larger than a record must come out unchanged.
        lines = [("." if i % 7 == 0 else "") + "line %06d " % i + "x" * 60 for i in range(60000)]
        body = "\r\n".join(lines) + "\r\n"
        with smtplib.SMTP("127.0.0.1", self.local.port("smtp"), timeout=30) as s:
            s.sendmail("alice@example.test", ["bob@remote.test"],
                       ("Subject: large-one\r\n\r\n" + body).encode())
        data = self.remote.wait_message("bob@remote.test", "Subject: large-one", timeout=60)
        received = data.split(b"\n\n", 1)[1]
        self.assertEqual(received, body.replace("\r\n", "\n").encode())
        print("large message: %d bytes delivered unchanged" % len(received))

    def test_null_mx_bounces_to_the_sender_with_5_1_10(self):
        self.send("x@nullmx.test", "to-null-mx")
        raw = self.local.wait_message("alice@example.test", "Undelivered Mail Returned to Sender")
        self.assertIn(b"5.1.10", raw)


if __name__ == "__main__":
    unittest.main(verbosity=2)
