"""smtp(8) TLS levels per destination (issue #4): smtp_tls_policy_maps with
the verify and secure levels, against a real Tern instance as the remote MX
whose certificate comes from a test CA (smtp_tls_CAfile). DNS is a zone file:

  remote.test     MX mx.remote.test   (the certificate's name)   verify  -> delivered, "Verified"
  alias.test      MX mx.alias.test    (same server, other name)   verify  -> deferred, not verified
  forged.test     MX mx.remote.test   (a valid cert, wrong site)  secure  -> deferred, not verified
  pinned.test     MX mx.remote.test   secure match=mx.remote.test           -> passes TLS
  broken.test     a policy with a typo                                      -> deferred, lookup error
"""
import os
import re
import smtplib
import subprocess
import tempfile
import unittest

from tern_instance import Instance, wait_for


def make_ca_and_server_cert(directory, name):
    """A test CA and a server certificate for name signed by it; returns (ca, cert, key) paths."""
    ca_key, ca = os.path.join(directory, "ca.key"), os.path.join(directory, "ca.pem")
    key, csr, cert = (os.path.join(directory, n) for n in ("server.key", "server.csr", "server.pem"))
    run = lambda *args: subprocess.run(["openssl"] + list(args), check=True, capture_output=True)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca, "-days", "2",
        "-subj", "/CN=Tern Test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=" + name)
    ext = os.path.join(directory, "ext.cnf")
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\n" % name)
    run("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", cert, "-days", "2",
        "-extfile", ext)
    for p in (ca, cert, key):
        os.chmod(p, 0o644)
    return ca, cert, key


class TlsPolicy(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.certs = tempfile.mkdtemp(prefix="tern-tls-")
        os.chmod(cls.certs, 0o755)
        ca, cert, key = make_ca_and_server_cert(cls.certs, "mx.remote.test")
        cls.remote = Instance(domain="remote.test")
        cls.remote.add_user("bob@remote.test", "bob-pw")
        cls.remote.postconf("-e", "smtpd_tls_cert_file=" + cert, "smtpd_tls_key_file=" + key)
        cls.remote.start()
        cls.local = Instance(domain="example.test")
        cls.local.add_user("alice@example.test", "alice-pw")
        zone = os.path.join(cls.local.etc, "test.zone")
        with open(zone, "w") as f:
            f.write("remote.test. MX 10 mx.remote.test.\n"
                    "mx.remote.test. A 127.0.0.1\n"
                    "alias.test. MX 10 mx.alias.test.\n"
                    "mx.alias.test. A 127.0.0.1\n"
                    "forged.test. MX 10 mx.remote.test.\n"
                    "pinned.test. MX 10 mx.remote.test.\n"
                    "broken.test. MX 10 mx.remote.test.\n")
        policy = os.path.join(cls.local.etc, "tls_policy")
        with open(policy, "w") as f:
            f.write("remote.test verify\n"
                    "alias.test verify\n"
                    "forged.test secure\n"
                    "pinned.test secure match=mx.remote.test\n"
                    "broken.test verify protocols=TLSv1.3\n")
        cls.local.postconf("-e", "dns_zone_file=" + zone,
                           "smtp_destination_port=%d" % cls.remote.port("smtp"),
                           "smtp_tls_security_level=may",
                           "smtp_tls_policy_maps=texthash:" + policy,
                           "smtp_tls_CAfile=" + ca)
        cls.local.start()

    @classmethod
    def tearDownClass(cls):
        cls.local.cleanup()
        cls.remote.cleanup()
        subprocess.run(["rm", "-rf", cls.certs])

    def send(self, rcpt, subject):
        with smtplib.SMTP("127.0.0.1", self.local.port("smtp"), timeout=10) as s:
            s.sendmail("alice@example.test", [rcpt], ("Subject: %s\r\n\r\nhello\r\n" % subject).encode())

    def result(self, rcpt):
        """The status and text of rcpt's first result line in the sender's log."""
        pattern = r"to=<%s>, relay=[^,]+, .*status=(\w+) \(([^)]*)\)" % re.escape(rcpt)
        wait_for(lambda: re.search(pattern, self.local.log()), timeout=15)
        return re.search(pattern, self.local.log()).groups()

    def test_verify_delivers_to_a_server_whose_certificate_names_the_mx(self):
        self.send("bob@remote.test", "verified one")
        self.remote.wait_message("bob@remote.test", "verified one")
        self.assertEqual(self.result("bob@remote.test")[0], "sent")
        self.assertRegex(self.local.log(), r"Verified TLS connection established to mx\.remote\.test\[127\.0\.0\.1\]:\d+: "
                                           r"TLSv1\.[23]")

    def test_verify_defers_when_the_name_does_not_match(self):
        self.send("bob@alias.test", "wrong name")
        self.assertEqual(self.result("bob@alias.test"), ("deferred", "Server certificate not verified"))
        self.assertIn("Untrusted TLS connection established to mx.alias.test[127.0.0.1]", self.local.log())

    def test_secure_refuses_a_valid_certificate_of_another_site(self):
        # The MX record points at a real server with a valid certificate, but not one for forged.test.
        self.send("bob@forged.test", "forged mx")
        self.assertEqual(self.result("bob@forged.test"), ("deferred", "Server certificate not verified"))

    def test_secure_with_an_explicit_match_name_passes_tls(self):
        self.send("bob@pinned.test", "pinned")
        status, text = self.result("bob@pinned.test")
        # TLS verified; what the remote then does with a domain it does not serve is not TLS's business.
        self.assertNotEqual(text, "Server certificate not verified")
        self.assertRegex(self.local.log(), r"Verified TLS connection established to mx\.remote\.test")

    def test_a_policy_typo_defers_instead_of_weakening_tls(self):
        self.send("bob@broken.test", "typo")
        self.assertEqual(self.result("bob@broken.test"), ("deferred", "TLS policy lookup error for broken.test"))
        self.assertIn('smtp_tls_policy_maps entry for broken.test: unknown TLS policy attribute "protocols=TLSv1.3"',
                      self.local.log())


if __name__ == "__main__":
    unittest.main(verbosity=2)
