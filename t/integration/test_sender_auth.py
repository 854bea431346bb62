"""Sender authentication in smtpd (issue #6): SPF, DKIM and DMARC for mail
from outside, with the verdict in Authentication-Results and the DMARC
policy applied (p=reject: 550; p=quarantine: the Junk folder), and DKIM
signing of mail from logged-in users, checked with dkimpy's verifier.

The client connects from 127.0.0.2, outside mynetworks (127.0.0.1/32 here);
DNS answers come from the instance's zone file.
"""
import email
import gzip
import os
import smtplib
import ssl
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from tern_instance import Instance, tool, wait_for  # noqa: E402

OUTSIDE = ("127.0.0.2", 0)
RCPT = "alice@example.test"

try:
    import dkim  # python3-dkim
    HAVE_DKIMPY = True
except ImportError:  # pragma: no cover
    HAVE_DKIMPY = False


def message(from_header, subject, extra=""):
    return ("From: %s\nTo: <%s>\nSubject: %s\nDate: Mon, 07 Dec 2026 05:00:00 +0000\n"
            "Message-ID: <%s@test>\n%s\nbody of %s\n" % (from_header, RCPT, subject, subject, extra, subject))


class SenderAuth(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t = t = Instance()
        t.add_user(RCPT, "secret-pw-1")
        t.add_user("dmarc@example.test", "secret-pw-3")
        t.postconf("-e", "mynetworks=127.0.0.1/32", "dmarc_report_flush_interval=1s")
        # DKIM keys: one made by tern dkim keygen (the record it prints goes into
        # DNS as it is), used to sign test messages as a remote domain would.
        rec = t.run("dkim", "keygen", "dkim.test", "--selector", "s1", "--type", "ed25519")
        cls.key = os.path.join(t.etc, "dkim", "dkim.test", "s1.key")
        record = rec[:rec.index(")") + 1]
        cls.authserv = t.postconf("-h", "myhostname").strip()
        t.write_zone("""
good.test.            TXT "v=spf1 ip4:127.0.0.2 -all"
_dmarc.good.test.     TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.test"
good.test._report._dmarc.example.test. TXT "v=DMARC1"
sub.good.test.        TXT "v=spf1 ip4:127.0.0.2 -all"
spoof.test.           TXT "v=spf1 -all"
_dmarc.spoof.test.    TXT "v=DMARC1; p=reject"
quar.test.            TXT "v=spf1 -all"
_dmarc.quar.test.     TXT "v=DMARC1; p=quarantine"
strict.test.          TXT "v=spf1 -all"
sub.strict.test.      TXT "v=spf1 ip4:127.0.0.2 -all"
_dmarc.strict.test.   TXT "v=DMARC1; p=reject; aspf=s"
relaxed.test.         TXT "v=spf1 -all"
sub.relaxed.test.     TXT "v=spf1 ip4:127.0.0.2 -all"
_dmarc.relaxed.test.  TXT "v=DMARC1; p=reject"
_dmarc.dkim.test.     TXT "v=DMARC1; p=reject; adkim=s"
bounces.other.test.   TXT "v=spf1 -all"
sampled.test.         TXT "v=spf1 -all"
_dmarc.sampled.test.  TXT "v=DMARC1; p=reject; pct=0"
none.test.            TXT "v=spf1 ?all"
""" + record + "\n")
        t.start()

    @classmethod
    def tearDownClass(cls):
        cls.t.stop()
        cls.t.cleanup()

    def send(self, mail_from, msg, source=OUTSIDE):
        """Sends msg; returns (code, text) of the reply to the end of data
        (or to MAIL/RCPT when one refused)."""
        with smtplib.SMTP("127.0.0.1", self.t.port("smtp"), timeout=30, source_address=source) as s:
            s.ehlo("client.outside.test")
            code, text = s.mail(mail_from)
            if code != 250:
                return code, text.decode()
            code, text = s.rcpt(RCPT)
            if code != 250:
                return code, text.decode()
            code, text = s.data(msg.replace("\n", "\r\n").encode())
            return code, text.decode()

    def delivered(self, subject, folder=None):
        """The delivered message with this subject (in folder, e.g. ".Junk")."""
        base = self.t.maildir(RCPT)
        if folder:
            base = os.path.join(base, folder)
        marker = ("Subject: " + subject + "\n").encode()

        def find():
            for sub in ("new", "cur"):
                d = os.path.join(base, sub)
                for name in os.listdir(d) if os.path.isdir(d) else []:
                    with open(os.path.join(d, name), "rb") as f:
                        data = f.read()
                    if marker in data:
                        return data.decode(errors="replace")
            return None
        wait_for(lambda: find() is not None, timeout=15)
        return find()

    def auth_results(self, text):
        """The Authentication-Results field we added, unfolded."""
        head = text.split("\n\n", 1)[0]
        fields, cur = [], None
        for line in head.split("\n"):
            if line[:1] in (" ", "\t") and cur is not None:
                cur += " " + line.strip()
            else:
                if cur is not None:
                    fields.append(cur)
                cur = line
        fields.append(cur)
        ours = [f for f in fields if f.startswith("Authentication-Results: " + self.authserv + ";")]
        self.assertEqual(len(ours), 1, head)
        return ours[0]

    def signed(self, msg):
        out = subprocess.run([os.path.join(os.environ.get("TERN_BUILDDIR", "."), "bin", "tern"), "-c", self.t.etc,
                              "dkim", "sign", "--domain", "dkim.test", "--selector", "s1", "--key", self.key, "-"],
                             input=msg, capture_output=True, text=True, timeout=30, check=True)
        return out.stdout

    # --- DMARC pass ------------------------------------------------------------
    def test_pass_through_spf_alone(self):
        code, _ = self.send("bob@good.test", message("Bob <bob@good.test>", "spf-only"))
        self.assertEqual(code, 250)
        ar = self.auth_results(self.delivered("spf-only"))
        self.assertIn("spf=pass (matched ip4:127.0.0.2) smtp.mailfrom=bob@good.test", ar)
        self.assertIn("dkim=none", ar)
        self.assertIn("dmarc=pass (p=reject sp=reject dis=none) header.from=good.test", ar)

    def test_pass_through_dkim_alone(self):
        # The envelope domain fails SPF and is not aligned; the signature carries it.
        code, _ = self.send("bounce@bounces.other.test", self.signed(message("<news@dkim.test>", "dkim-only")))
        self.assertEqual(code, 250)
        ar = self.auth_results(self.delivered("dkim-only"))
        self.assertIn("spf=fail", ar)
        self.assertRegex(ar, r"dkim=pass header\.d=dkim\.test header\.s=s1 header\.b=\S+")
        self.assertIn("dmarc=pass", ar)

    def test_relaxed_alignment_takes_a_subdomain(self):
        code, _ = self.send("bob@sub.relaxed.test", message("<bob@relaxed.test>", "relaxed-sub"))
        self.assertEqual(code, 250)
        self.assertIn("dmarc=pass", self.auth_results(self.delivered("relaxed-sub")))

    # --- DMARC fail --------------------------------------------------------------
    def test_strict_alignment_refuses_a_subdomain_and_p_reject_is_550(self):
        code, text = self.send("bob@sub.strict.test", message("<bob@strict.test>", "strict-sub"))
        self.assertEqual(code, 550)
        self.assertIn("5.7.1 Message rejected by the DMARC policy of strict.test", text)
        self.assertIn("reject: from", self.t.log())

    def test_spoofed_from_is_rejected(self):
        code, text = self.send("attacker@evil.test", message("PayPal <service@spoof.test>", "spoofed"))
        self.assertEqual((code, text), (550, "5.7.1 Message rejected by the DMARC policy of spoof.test"))

    def test_a_signature_of_another_domain_does_not_align(self):
        # Signed by dkim.test, From good.test, envelope fails: DMARC fails, reject.
        msg = self.signed(message("<bob@good.test>", "wrong-signer"))
        code, _ = self.send("bounce@bounces.other.test", msg)
        self.assertEqual(code, 550)

    def test_p_quarantine_goes_to_junk(self):
        code, _ = self.send("x@quar.test", message("<x@quar.test>", "quarantined"))
        self.assertEqual(code, 250)
        text = self.delivered("quarantined", folder=".Junk")
        self.assertIn("dmarc=fail (p=quarantine sp=quarantine dis=quarantine) header.from=quar.test",
                      self.auth_results(text))
        self.assertIn("X-Tern-Quarantine: DMARC policy of quar.test\n", text)

    def test_pct_zero_lowers_reject_to_quarantine(self):
        code, _ = self.send("x@sampled.test", message("<x@sampled.test>", "sampled"))
        self.assertEqual(code, 250)
        ar = self.auth_results(self.delivered("sampled", folder=".Junk"))
        self.assertIn("dmarc=fail (p=reject sp=reject dis=quarantine)", ar)

    def test_no_record_is_dmarc_none_and_delivered(self):
        code, _ = self.send("x@none.test", message("<x@none.test>", "no-record"))
        self.assertEqual(code, 250)
        ar = self.auth_results(self.delivered("no-record"))
        self.assertIn("spf=neutral", ar)
        self.assertIn("dmarc=none", ar)

    # --- the header itself ----------------------------------------------------------
    def test_forged_results_claiming_our_name_are_removed(self):
        forged = ("Authentication-Results: %s; dmarc=pass header.from=paypal.com\n"
                  "Authentication-Results: elsewhere.test; spf=pass\n" % self.authserv)
        code, _ = self.send("bob@good.test", message("<bob@good.test>", "forged-ar", forged))
        self.assertEqual(code, 250)
        text = self.delivered("forged-ar")
        self.assertEqual(text.count("Authentication-Results: " + self.authserv + ";"), 1)
        self.assertIn("Authentication-Results: elsewhere.test; spf=pass", text)
        self.assertIn("Received-SPF: pass", text)

    def test_zz_aggregate_report_reaches_the_rua_mailbox_and_validates(self):
        # good.test asks for reports at dmarc@example.test, which authorizes
        # it (good.test._report._dmarc.example.test, RFC 7489 7.1).
        for i in range(3):
            self.assertEqual(self.send("bob@good.test", message("<bob@good.test>", "for-report-%d" % i))[0], 250)
        self.delivered("for-report-2")
        # dmarc_report_directory = $data_directory/dmarc (postconf has no -x yet)
        log_file = os.path.join(self.t.postconf("-h", "data_directory").strip(), "dmarc", "current")

        def recorded():
            if not os.path.exists(log_file):
                return 0
            with open(log_file) as f:
                return sum(1 for line in f if line.split("\t")[2:3] == ["good.test"])
        wait_for(lambda: recorded() >= 3, timeout=15)
        self.t.run("dmarc", "send-reports")
        report = self.t.wait_message("dmarc@example.test", "Report Domain: good.test", timeout=30)
        msg = email.message_from_bytes(report)
        self.assertEqual(msg["From"].split("<")[-1].rstrip(">"), "postmaster@example.test")
        parts = [p for p in msg.walk() if p.get_content_type() == "application/gzip"]
        self.assertEqual(len(parts), 1)
        self.assertRegex(parts[0].get_filename(), r"^[^!]+!good\.test!\d+!\d+\.xml\.gz$")
        xml = gzip.decompress(parts[0].get_payload(decode=True))
        path = os.path.join(self.t.dir, "report.xml")
        with open(path, "wb") as f:
            f.write(xml)
        xsd = os.path.join(os.path.dirname(__file__), "..", "data", "dmarc", "rua.xsd")
        check = subprocess.run(["xmllint", "--noout", "--schema", xsd, path], capture_output=True, text=True)
        self.assertEqual(check.returncode, 0, check.stderr)
        text = xml.decode()
        self.assertIn("<source_ip>127.0.0.2</source_ip>", text)
        self.assertIn("<header_from>good.test</header_from>", text)
        self.assertIn("<p>reject</p>", text)

    def test_mynetworks_is_not_checked(self):
        code, _ = self.send("x@spoof.test", message("<x@spoof.test>", "from-inside"), source=("127.0.0.1", 0))
        self.assertEqual(code, 250)
        self.assertNotIn("Authentication-Results: " + self.authserv, self.delivered("from-inside"))


class SpfPolicy(unittest.TestCase):
    """spf_*_action: with an action other than ignore, the reply to MAIL FROM
    waits for SPF and refuses by the result (RFC 7372 codes)."""

    def test_fail_rejects_softfail_defers_pass_goes_on(self):
        t = Instance()
        try:
            t.add_user(RCPT, "secret-pw-1")
            t.postconf("-e", "mynetworks=127.0.0.1/32", "spf_fail_action=reject", "spf_softfail_action=defer")
            t.write_zone('fail.test. TXT "v=spf1 -all"\n'
                         'soft.test. TXT "v=spf1 ~all"\n'
                         'pass.test. TXT "v=spf1 ip4:127.0.0.2 -all"\n'
                         'exp.test. TXT "v=spf1 -all exp=why.exp.test"\n'
                         'why.exp.test. TXT "%{i} may not send for %{d}"\n')
            t.start()
            with smtplib.SMTP("127.0.0.1", t.port("smtp"), timeout=30, source_address=OUTSIDE) as s:
                s.ehlo("client.outside.test")
                self.assertEqual(s.mail("a@fail.test"), (550, b"5.7.23 SPF fail: 127.0.0.2 is not allowed to send mail "
                                                              b"for fail.test"))
                self.assertEqual(s.mail("a@exp.test"), (550, b"5.7.23 SPF fail: 127.0.0.2 may not send for exp.test"))
                self.assertEqual(s.mail("a@soft.test")[0], 451)
                self.assertEqual(s.mail("a@pass.test"), (250, b"2.1.0 Ok"))
            self.assertIn("NOQUEUE: reject: MAIL from unknown[127.0.0.2]: 550 5.7.23 SPF fail", t.log())
        finally:
            t.stop()
            t.cleanup()


@unittest.skipUnless(HAVE_DKIMPY, "python3-dkim is not installed")
class Signing(unittest.TestCase):
    """Mail from a logged-in user is signed by smtpd with the key tern dkim
    keygen made, and dkimpy verifies it against the record keygen printed."""

    def test_submission_is_signed_and_verifies_with_dkimpy(self):
        t = Instance()
        try:
            t.add_user("carol@example.test", "secret-pw-2")
            rec = t.run("dkim", "keygen", "example.test", "--selector", "mail")
            txt = "".join(part for part in rec[rec.index("(") + 1:rec.index(")")].split('"')[1::2])
            t.start()
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            with smtplib.SMTP("127.0.0.1", t.port("submission"), timeout=30) as s:
                s.starttls(context=ctx)
                s.login("carol@example.test", "secret-pw-2")
                s.sendmail("carol@example.test", ["carol@example.test"],
                           "From: Carol <carol@example.test>\r\nTo: <carol@example.test>\r\nSubject: signed\r\n"
                           "\r\nhi\r\n")
            data = t.wait_message("carol@example.test", "Subject: signed")
            self.assertIn(b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.test;\n\ts=mail;", data)
            # As it would reach a remote verifier: what Tern prepended for local
            # delivery (Return-Path, Delivered-To) removed, CRLF line ends.
            body = b"\n".join(data.split(b"\n")[2:]).replace(b"\n", b"\r\n")

            def dnsfunc(name, timeout=5):
                self.assertEqual(name, b"mail._domainkey.example.test.")
                return txt.encode()
            self.assertTrue(dkim.verify(body, dnsfunc=dnsfunc))
            self.assertIn("dkim-signed d=example.test s=mail", t.log())

            # Local submission (sendmail, then pickup) is signed too.
            p = subprocess.run([tool("sendmail"), "-c", t.etc, "-f", "carol@example.test", "carol@example.test"],
                               input=b"From: carol@example.test\nSubject: local one\n\nfrom cron\n",
                               capture_output=True, timeout=30)
            self.assertEqual(p.returncode, 0, p.stderr)
            local = t.wait_message("carol@example.test", "Subject: local one")
            self.assertIn(b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.test;", local)
            self.assertTrue(dkim.verify(b"\n".join(local.split(b"\n")[2:]).replace(b"\n", b"\r\n"),
                                        dnsfunc=dnsfunc))
        finally:
            t.stop()
            t.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
