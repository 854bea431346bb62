"""Bounces with a DSN (RFC 3464) that Python's email parser reads as
multipart/report: a recipient refused by transport_maps "error:" is bounced
at once, and the notice reaches the sender's Maildir (issue #4). Also delay
notices, double bounces, and success notices when NOTIFY=SUCCESS asks: for
a local delivery ("delivered"), and for a relay to a server that does not
offer DSN ("relayed", an aiosmtpd sink)."""
import email
import email.policy
import os
import smtplib
import time
import unittest

from aio_sink import AioSink
from tern_instance import Instance, wait_for


def notice_about(t, address, subject):
    """Waits for the success notice in address's Maildir about the message with subject."""
    def find():
        for path in t.all_files(address):
            with open(path, "rb") as f:
                data = f.read()
            if b"Successful Mail Delivery Report" in data and subject.encode() in data:
                return data
        return None
    wait_for(lambda: find() is not None, timeout=15)
    return find()


def status_fields(msg):
    """The fields of a DSN's message/delivery-status part, blocks merged."""
    fields = {}
    for block in list(msg.iter_parts())[1].get_payload():
        for k, v in block.items():
            fields[k] = v
    return fields


class Bounces(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sink = AioSink(ok_reply="250 2.0.0 Ok: kept")  # offers no DSN
        cls.t = Instance()
        cls.t.add_user("alice@example.test", "alice-pw")
        cls.t.add_user("bob@example.test", "bob-pw")
        transport = os.path.join(cls.t.etc, "transport")
        with open(transport, "w") as f:
            f.write("blocked.test error:mail for blocked.test is not accepted\n"
                    "slow.test nowhere:\n"  # a transport with no agent: always deferred
                    "nodsn.test smtp:[127.0.0.1]:%d\n" % cls.sink.port)
        cls.t.postconf("-e", "transport_maps=texthash:" + transport, "delay_warning_time=1s")
        cls.t.start()

    @classmethod
    def tearDownClass(cls):
        cls.t.cleanup()
        cls.sink.stop()

    def test_bounce_is_a_multipart_report_in_the_senders_maildir(self):
        with smtplib.SMTP("127.0.0.1", self.t.port("smtp"), timeout=10) as s:
            s.ehlo("client.test")
            s.mail("alice@example.test", ["RET=HDRS", "ENVID=QQ314159"])
            s.rcpt("nobody@blocked.test", ["NOTIFY=FAILURE", "ORCPT=rfc822;nobody+40blocked.test"])
            s.data(b"Subject: to a blocked domain\r\nMessage-ID: <orig@client.test>\r\n\r\nsecret body\r\n")
        raw = self.t.wait_message("alice@example.test", "Undelivered Mail Returned to Sender")
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        self.assertEqual(msg.get_content_type(), "multipart/report")
        self.assertEqual(msg.get_param("report-type"), "delivery-status")
        self.assertEqual(msg["Auto-Submitted"], "auto-replied")
        parts = list(msg.iter_parts())
        self.assertEqual([p.get_content_type() for p in parts],
                         ["text/plain", "message/delivery-status", "text/rfc822-headers"])
        status = parts[1].get_payload()  # per-message block, then one per recipient
        fields = {}
        for block in status:
            for k, v in block.items():
                fields[k] = v
        self.assertEqual(fields["Original-Envelope-Id"], "QQ314159")
        self.assertEqual(fields["Final-Recipient"], "rfc822; nobody@blocked.test")
        self.assertEqual(fields["Original-Recipient"], "rfc822;nobody@blocked.test")
        self.assertEqual(fields["Action"], "failed")
        self.assertEqual(fields["Status"], "5.0.0")
        self.assertIn("mail for blocked.test is not accepted", fields["Diagnostic-Code"])
        returned = parts[2].get_content()
        self.assertIn("Subject: to a blocked domain", returned)
        self.assertNotIn("secret body", raw.decode(errors="replace"))  # RET=HDRS: headers only
        log = self.t.log()
        self.assertIn("to=<nobody@blocked.test>, relay=none", log)
        self.assertIn("status=bounced (mail for blocked.test is not accepted)", log)
        self.assertIn("sender non-delivery notification:", log)

    def test_a_bounce_of_a_bounce_goes_to_postmaster_once_and_stops(self):
        with smtplib.SMTP("127.0.0.1", self.t.port("smtp"), timeout=10) as s:
            s.ehlo("client.test")
            s.sendmail("", ["nobody2@blocked.test"], b"Subject: a bounce itself\r\n\r\nx\r\n")
        # The null sender's message cannot go back to its sender: the notice is
        # a double bounce to postmaster, and whatever happens to that one ends there.
        wait_for(lambda: "to=<nobody2@blocked.test>" in self.t.log() and "to=<postmaster>" in self.t.log(), timeout=10)
        time.sleep(2)
        log = self.t.log()
        self.assertEqual(log.count("to=<postmaster>"), 1, log)
        for path in self.t.all_files("alice@example.test"):
            with open(path, "rb") as f:
                self.assertNotIn(b"a bounce itself", f.read())

    def test_sender_hears_once_that_mail_is_still_being_tried(self):
        t = self.t
        with smtplib.SMTP("127.0.0.1", t.port("smtp"), timeout=10) as s:
            s.ehlo("client.test")
            s.sendmail("alice@example.test", ["waiting@slow.test"], b"Subject: slow one\r\n\r\nx\r\n")
        wait_for(lambda: "to=<waiting@slow.test>" in t.log(), timeout=10)
        time.sleep(1.5)  # older than delay_warning_time now
        for _ in range(2):
            t.run("-f", program="postqueue")
            time.sleep(0.5)
        raw = t.wait_message("alice@example.test", "Delayed Mail (still being retried)")
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        self.assertEqual(msg.get_content_type(), "multipart/report")
        parts = list(msg.iter_parts())
        fields = {}
        for block in parts[1].get_payload():
            for k, v in block.items():
                fields[k] = v
        self.assertEqual(fields["Action"], "delayed")
        self.assertEqual(fields["Final-Recipient"], "rfc822; waiting@slow.test")
        self.assertIn("Will-Retry-Until", fields)
        self.assertEqual(parts[2].get_content_type(), "text/rfc822-headers")
        self.assertEqual(t.log().count("sender delay notification"), 1)
        self.assertEqual(len(t.queue_files("deferred")), 1)  # the message itself is still queued

    def test_success_notice_for_a_local_delivery_when_asked(self):
        with smtplib.SMTP("127.0.0.1", self.t.port("smtp"), timeout=10) as s:
            s.ehlo("client.test")
            s.mail("alice@example.test", ["RET=HDRS"])
            s.rcpt("bob@example.test", ["NOTIFY=SUCCESS,FAILURE"])
            s.data(b"Subject: please confirm\r\n\r\nbody\r\n")
        self.t.wait_message("bob@example.test", "please confirm")
        raw = notice_about(self.t, "alice@example.test", "please confirm")
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        self.assertEqual(msg.get_content_type(), "multipart/report")
        fields = status_fields(msg)
        self.assertEqual(fields["Action"], "delivered")
        self.assertEqual(fields["Final-Recipient"], "rfc822; bob@example.test")
        self.assertEqual(fields["Status"], "2.0.0")
        self.assertIn("sender delivery status notification:", self.t.log())

    def test_no_success_notice_unless_asked(self):
        with smtplib.SMTP("127.0.0.1", self.t.port("smtp"), timeout=10) as s:
            s.sendmail("alice@example.test", ["bob@example.test"], b"Subject: quiet one\r\n\r\nbody\r\n")
        self.t.wait_message("bob@example.test", "quiet one")
        time.sleep(1)
        for path in self.t.all_files("alice@example.test"):
            with open(path, "rb") as f:
                self.assertNotIn(b"quiet one", f.read())

    def test_relayed_notice_for_a_server_without_dsn(self):
        with smtplib.SMTP("127.0.0.1", self.t.port("smtp"), timeout=10) as s:
            s.ehlo("client.test")
            s.mail("alice@example.test")
            s.rcpt("carol@nodsn.test", ["NOTIFY=SUCCESS"])
            s.data(b"Subject: over the fence\r\n\r\nbody\r\n")
        wait_for(lambda: any(b"over the fence" in m for m in self.sink.contents()), timeout=15)
        raw = notice_about(self.t, "alice@example.test", "over the fence")
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        fields = status_fields(msg)
        self.assertEqual(fields["Action"], "relayed")
        self.assertEqual(fields["Final-Recipient"], "rfc822; carol@nodsn.test")
        self.assertIn("250 2.0.0 Ok: kept", fields["Diagnostic-Code"])
        self.assertEqual(fields["Remote-MTA"], "dns; 127.0.0.1")


if __name__ == "__main__":
    unittest.main(verbosity=2)
