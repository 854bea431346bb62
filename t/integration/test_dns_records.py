"""tern dns-records and tern dmarc check (issue #6): the records printed for
a domain, loaded as they are as the instance's DNS data, make its own mail
pass SPF, DKIM (RSA and Ed25519 keys from tern dkim keygen, dual signing) and
DMARC at another hop, and give its address a forward-confirmed client name.
"""
import os
import re
import smtplib
import ssl
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from tern_instance import Instance  # noqa: E402

PUBLIC_IP = "127.0.0.2"  # the address dns-records is told to publish


class DnsRecords(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t = t = Instance()
        t.add_user("carol@example.test", "secret-pw-1")
        t.add_user("alice@example.test", "secret-pw-2")
        t.run("dkim", "keygen", "example.test", "--selector", "rsa1")
        t.run("dkim", "keygen", "example.test", "--selector", "ed1", "--type", "ed25519")
        cls.records = t.run("dns-records", "--ip", PUBLIC_IP)
        cls.zone_path = os.path.join(t.dir, "published.zone")
        with open(cls.zone_path, "w") as f:
            f.write(cls.records)
        t.write_zone(cls.records)
        t.postconf("-e", "mynetworks=127.0.0.1/32")
        t.start()

    @classmethod
    def tearDownClass(cls):
        cls.t.stop()
        cls.t.cleanup()

    def lines(self, owner, rtype):
        return [l for l in self.records.splitlines()
                if re.match(r"^%s\s+IN %s\s" % (re.escape(owner), rtype), l)]

    def test_every_record_is_there(self):
        self.assertEqual(self.lines("example.test.", "MX"), ["example.test.\tIN MX\t10 mail.example.test."])
        self.assertEqual(self.lines("mail.example.test.", "A"), ["mail.example.test.\tIN A\t127.0.0.2"])
        self.assertEqual(self.lines("example.test.", "TXT"), ['example.test.\tIN TXT\t"v=spf1 mx -all"'])
        self.assertIn('_dmarc.example.test.\tIN TXT\t"v=DMARC1; p=none; rua=mailto:postmaster@example.test"',
                      self.records)
        self.assertRegex(self.records, r'_mta-sts\.example\.test\.\tIN TXT\t"v=STSv1; id=\d{8}"')
        self.assertIn('_smtp._tls.example.test.\tIN TXT\t"v=TLSRPTv1; rua=mailto:postmaster@example.test"',
                      self.records)
        self.assertIn("rsa1._domainkey.example.test. IN TXT", self.records)
        self.assertIn("ed1._domainkey.example.test. IN TXT", self.records)
        self.assertIn("2.0.0.127.in-addr.arpa.\tIN PTR\tmail.example.test.", self.records)
        for service, name in (("submission", "_submission"), ("submissions", "_submissions"), ("imap", "_imap"),
                              ("imaps", "_imaps"), ("pop3", "_pop3"), ("pop3s", "_pop3s")):
            self.assertEqual(self.lines(name + "._tcp.example.test.", "SRV"),
                             ["%s._tcp.example.test.\tIN SRV\t0 1 %d mail.example.test." % (name, self.t.port(service))])

    def test_spf_record_passes_the_published_address_only(self):
        def spf(ip):
            return self.t.run("spf", "check", "--zone", self.zone_path, "--ip", ip, "--sender",
                              "carol@example.test", "--helo", "mail.example.test").splitlines()[0]
        self.assertEqual(spf(PUBLIC_IP), "pass")
        self.assertEqual(spf("127.0.0.3"), "fail")

    def test_own_mail_passes_everything_at_the_next_hop(self):
        # Sent by a logged-in user: smtpd signs it with both keys.
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with smtplib.SMTP("127.0.0.1", self.t.port("submission"), timeout=30) as s:
            s.starttls(context=ctx)
            s.login("carol@example.test", "secret-pw-1")
            s.sendmail("carol@example.test", ["carol@example.test"],
                       "From: Carol <carol@example.test>\r\nTo: <alice@example.test>\r\nSubject: hop one\r\n\r\n"
                       "hello\r\n")
        signed = self.t.wait_message("carol@example.test", "Subject: hop one")
        self.assertEqual(signed.count(b"DKIM-Signature:"), 2)
        # What another MTA would receive: without local delivery's two lines.
        outbound = b"\n".join(signed.split(b"\n")[2:])
        msg_path = os.path.join(self.t.dir, "hop-one.eml")
        with open(msg_path, "wb") as f:
            f.write(outbound)

        # tern dmarc check, as the admin tries it with the records before publishing.
        out = self.t.run("dmarc", "check", "--zone", self.zone_path, "--ip", PUBLIC_IP, "--sender",
                         "carol@example.test", "--helo", "mail.example.test", msg_path)
        self.assertIn("spf=pass (matched mx) smtp.mailfrom=carol@example.test", out)
        self.assertIn("dkim=pass header.d=example.test header.s=rsa1", out)
        self.assertIn("dkim=pass header.d=example.test header.s=ed1", out)
        self.assertIn("dmarc=pass (p=none sp=none dis=none) header.from=example.test", out)
        self.assertTrue(out.endswith("disposition: accept\n"), out)
        # From an address the SPF record does not list, with the body changed:
        # nothing aligned passes, and p=none means the message is still accepted.
        tampered = os.path.join(self.t.dir, "tampered.eml")
        with open(tampered, "wb") as f:
            f.write(outbound.replace(b"hello", b"HELLO"))
        out = self.t.run("dmarc", "check", "--zone", self.zone_path, "--ip", "127.0.0.9", "--sender",
                         "carol@example.test", "--helo", "x.test", tampered)
        self.assertIn("spf=fail", out)
        self.assertIn('dkim=fail reason="body hash did not verify"', out)
        self.assertIn("dmarc=fail (p=none sp=none dis=none)", out)

        # And through smtpd on port 25 from the published address.
        with smtplib.SMTP("127.0.0.1", self.t.port("smtp"), timeout=30, source_address=(PUBLIC_IP, 0)) as s:
            s.ehlo("mail.example.test")
            s.sendmail("carol@example.test", ["alice@example.test"], outbound.replace(b"\n", b"\r\n"))
        got = self.t.wait_message("alice@example.test", "Subject: hop one").decode()
        self.assertRegex(got, r"spf=pass[^;]*smtp\.mailfrom=carol@example\.test;")
        self.assertEqual(len(re.findall(r"dkim=pass header\.d=example\.test", got)), 2)
        self.assertIn("dmarc=pass", got)
        self.assertIn("connect from mail.example.test[127.0.0.2]", self.t.log())


if __name__ == "__main__":
    unittest.main(verbosity=2)
