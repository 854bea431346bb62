"""Retries through the queue (issue #4): a remote that answers 4xx is tried
again after minimal_backoff_time by qmgr's own queue runs (no flush), and
delivered; mail that keeps failing past maximal_queue_lifetime comes back to
its sender as expired (RFC 3464 "failed", 4.4.7). The remote is an aiosmtpd
sink reached through transport_maps."""
import email
import email.policy
import os
import re
import smtplib
import unittest

from aio_sink import AioSink
from tern_instance import Instance, wait_for


class MoodySink(AioSink):
    """later@ gets 450 on its first try, then 250; never@ always gets 450; nobody@ gets 550."""

    def __init__(self):
        self.tries = {}
        super().__init__()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            n = self.tries[address] = self.tries.get(address, 0) + 1
        if address.startswith("nobody@"):
            return "550 5.1.1 <%s>: Recipient address rejected: no such user" % address
        if address.startswith("never@") or (address.startswith("later@") and n == 1):
            return "450 4.2.0 mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"


class Retry(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sink = MoodySink()
        cls.t = Instance()
        cls.t.add_user("alice@example.test", "alice-pw")
        transport = os.path.join(cls.t.etc, "transport")
        with open(transport, "w") as f:
            f.write("moody.test smtp:[127.0.0.1]:%d\n" % cls.sink.port)
        cls.t.postconf("-e", "transport_maps=texthash:" + transport, "smtp_tls_security_level=none",
                       "minimal_backoff_time=1s", "maximal_backoff_time=2s", "queue_run_delay=1s",
                       "maximal_queue_lifetime=4s")
        cls.t.start()

    @classmethod
    def tearDownClass(cls):
        cls.t.cleanup()
        cls.sink.stop()

    def send(self, rcpt, subject):
        with smtplib.SMTP("127.0.0.1", self.t.port("smtp"), timeout=10) as s:
            s.sendmail("alice@example.test", [rcpt], ("Subject: %s\r\n\r\nhi\r\n" % subject).encode())

    def test_4xx_then_success_on_a_later_queue_run(self):
        self.send("later@moody.test", "second time lucky")
        wait_for(lambda: any(b"second time lucky" in c for c in self.sink.contents()), timeout=20)
        log = self.t.log()
        deferred = re.search(r"(\w+): to=<later@moody\.test>, .*dsn=4\.2\.0, status=deferred \(host 127\.0\.0\.1"
                             r"\[127\.0\.0\.1\] said: 450 4\.2\.0 mailbox busy, try again later \(in reply to RCPT TO "
                             r"command\)\)", log)
        self.assertIsNotNone(deferred, log)
        self.assertRegex(log, deferred.group(1) + r": to=<later@moody\.test>, .*status=sent")
        self.assertEqual(self.sink.tries["later@moody.test"], 2)
        wait_for(lambda: not self.t.queue_files("deferred") or deferred.group(1) not in self.t.queue_files("deferred"),
                 timeout=10)

    def test_mail_past_maximal_queue_lifetime_returns_expired(self):
        self.send("never@moody.test", "never going to work")
        raw = self.t.wait_message("alice@example.test", "never@moody.test", timeout=30)
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        self.assertEqual(msg.get_content_type(), "multipart/report")
        fields = {}
        for block in list(msg.iter_parts())[1].get_payload():
            for k, v in block.items():
                fields[k] = v
        self.assertEqual(fields["Action"], "failed")
        self.assertEqual(fields["Status"], "4.4.7")
        self.assertEqual(fields["Final-Recipient"], "rfc822; never@moody.test")
        self.assertGreaterEqual(self.sink.tries["never@moody.test"], 2)
        self.assertRegex(self.t.log(), r"to=<never@moody\.test>, relay=none, .*dsn=4\.4\.7, status=expired "
                                       r"\(message expired after maximal_queue_lifetime\)")

    def test_5xx_from_the_remote_bounces_at_once_with_its_reply(self):
        self.send("nobody@moody.test", "to nobody")
        raw = self.t.wait_message("alice@example.test", "nobody@moody.test", timeout=15)
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        self.assertEqual(msg["Subject"], "Undelivered Mail Returned to Sender")
        self.assertEqual(msg.get_content_type(), "multipart/report")
        fields = {}
        for block in list(msg.iter_parts())[1].get_payload():
            for k, v in block.items():
                fields[k] = v
        self.assertEqual(fields["Action"], "failed")
        self.assertEqual(fields["Status"], "5.1.1")
        self.assertEqual(fields["Remote-MTA"], "dns; 127.0.0.1")
        self.assertIn("smtp; 550 5.1.1 <nobody@moody.test>: Recipient address rejected", fields["Diagnostic-Code"])
        self.assertEqual(self.sink.tries["nobody@moody.test"], 1)  # final: never tried again


if __name__ == "__main__":
    unittest.main(verbosity=2)
