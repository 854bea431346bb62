"""tern spf check (issue #6, SPF): the built command against a zone file the
test writes, as an admin runs it: result on line 1, exp= text on line 2."""
import os
import subprocess
import tempfile
import unittest

from tern_instance import tool

ZONE = """$ORIGIN example.test.
$TTL 300
pass     TXT "v=spf1 ip4:192.0.2.0/24 -all"
fail     TXT "v=spf1 ip4:192.0.2.1 -all exp=why.example.test"
why      TXT "%{i} is not one of %{d}'s mail servers"
nexp     TXT "v=spf1 -all"
soft     TXT "v=spf1 mx ~all"
soft     MX 10 mx.example.test.
mx       A 198.51.100.1
perm     TXT "v=spf1 include:norecord.example.test -all"
norecord A 192.0.2.1
syntax   TXT "v=spf1 ip4:192.0.2.300 -all"
helo     TXT "v=spf1 ip4:192.0.2.7 -all"
"""


class SpfCli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        cls.zone = os.path.join(cls.dir.name, "spf.zone")
        with open(cls.zone, "w") as f:
            f.write(ZONE)
        cls.conf = os.path.join(cls.dir.name, "etc")
        os.mkdir(cls.conf)  # no main.cf: every parameter at its default

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def spf(self, ip, sender, helo="client.example.test", zone=None):
        args = [tool("tern"), "-c", self.conf, "spf", "check", "--ip", ip, "--sender", sender, "--helo", helo,
                "--zone", zone or self.zone]
        return subprocess.run(args, capture_output=True, text=True, timeout=30)

    def lines(self, *args, **kw):
        p = self.spf(*args, **kw)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.splitlines()

    def test_pass(self):
        self.assertEqual(self.lines("192.0.2.55", "alice@pass.example.test"), ["pass"])

    def test_fail_prints_the_exp_text(self):
        self.assertEqual(self.lines("192.0.2.9", "alice@fail.example.test"),
                         ["fail", "192.0.2.9 is not one of fail.example.test's mail servers"])

    def test_fail_without_exp_is_one_line(self):
        self.assertEqual(self.lines("192.0.2.9", "alice@nexp.example.test"), ["fail"])

    def test_softfail(self):
        self.assertEqual(self.lines("192.0.2.9", "alice@soft.example.test"), ["softfail"])
        self.assertEqual(self.lines("198.51.100.1", "alice@soft.example.test"), ["pass"])

    def test_permerror_says_why_on_stderr(self):
        p = self.spf("192.0.2.9", "alice@perm.example.test")
        self.assertEqual((p.returncode, p.stdout), (0, "permerror\n"))
        self.assertEqual(p.stderr, "tern: spf: include target norecord.example.test has no SPF record\n")
        p = self.spf("192.0.2.9", "alice@syntax.example.test")
        self.assertEqual((p.returncode, p.stdout), (0, "permerror\n"))
        self.assertIn("bad IPv4 network \"192.0.2.300\"", p.stderr)

    def test_none(self):
        self.assertEqual(self.lines("192.0.2.9", "alice@nowhere.example.test"), ["none"])

    def test_null_sender_checks_helo(self):
        self.assertEqual(self.lines("192.0.2.7", "", helo="helo.example.test"), ["pass"])
        self.assertEqual(self.lines("192.0.2.8", "<>", helo="helo.example.test"), ["fail"])
        self.assertEqual(self.lines("192.0.2.7", "", helo="[192.0.2.7]"), ["none"])

    def test_bad_zone_file_names_file_and_line(self):
        bad = os.path.join(self.dir.name, "bad.zone")
        with open(bad, "w") as f:
            f.write("ok.test. A 192.0.2.1\nbad.test. A 192.0.2.300\n")
        p = self.spf("192.0.2.9", "alice@pass.example.test", zone=bad)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stdout, "")
        self.assertIn(bad + ":2:", p.stderr)

    def test_usage_errors(self):
        base = [tool("tern"), "-c", self.conf, "spf"]
        for args in (["check"], ["check", "--ip", "192.0.2.1", "--sender", "a@b.test"], ["frobnicate"],
                     ["check", "--ip", "192.0.2.1", "--sender", "a@b.test", "--helo", "h.test", "--bogus", "x"],
                     ["check", "--ip", "not-an-ip", "--sender", "a@b.test", "--helo", "h.test"]):
            p = subprocess.run(base + args, capture_output=True, text=True, timeout=30)
            self.assertEqual(p.returncode, 2, args)
            self.assertEqual(p.stdout, "")
            self.assertIn("tern", p.stderr)


if __name__ == "__main__":
    unittest.main()
