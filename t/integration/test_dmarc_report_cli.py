"""tern dmarc report on received aggregate reports (issue #6): the Google-style
gzip report, the Yahoo-style zip report, plain XML, a report email, several
files at once, and files that are not reports."""
import gzip
import os
import subprocess
import tempfile
import unittest
import zipfile

from tern_instance import tool

SRC = os.environ.get("TERN_SRCDIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
DATA = os.path.join(SRC, "t", "data", "dmarc")
GOOGLE = os.path.join(DATA, "google.com!example.com!1764979200!1765065599.xml.gz")
YAHOO = os.path.join(DATA, "yahoo.com!example.com!1764979200!1765065599.zip")
EMAIL = os.path.join(DATA, "google-report.eml")


def tern(*args):
    return subprocess.run([tool("tern"), "dmarc", "report", *args], capture_output=True, text=True, timeout=60)


class DmarcReportCli(unittest.TestCase):
    def test_google_gzip_report(self):
        p = tern(GOOGLE)
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertEqual(lines[0], "report 13587194672836452417 from google.com for example.com, "
                                   "2025-12-06 00:00 to 2025-12-06 23:59 UTC")
        self.assertEqual(lines[1], "  policy published: p=quarantine sp=quarantine pct=100 adkim=r aspf=r")
        # Rows by message count, largest first.
        self.assertRegex(lines[2], r"^  192\.0\.2\.25 +42  DMARC pass  DKIM aligned \[example\.com pass\]  "
                                   r"SPF aligned \[example\.com pass\]  disposition none$")
        self.assertRegex(lines[3], r"^  2001:db8:4860::5 +7  DMARC pass  DKIM aligned \[example\.com pass\]  "
                                   r"SPF unaligned \[lists\.example\.org pass\]  disposition none$")
        self.assertRegex(lines[4], r"^  203\.0\.113\.66 +3  DMARC fail  DKIM unaligned \[none\]  "
                                   r"SPF unaligned \[spoofer\.example\.net softfail\]  disposition quarantine$")
        self.assertRegex(lines[5], r"^  198\.51\.100\.9 +1  DMARC fail .* disposition none \(forwarded\)$")
        self.assertEqual(lines[6], "  total: 53 messages, DMARC pass 49 (92%), fail 4; DKIM aligned 49, "
                                   "SPF aligned 42; quarantined 3, rejected 0")
        self.assertEqual(len(lines), 7)

    def test_yahoo_zip_report(self):
        p = tern(YAHOO)
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertEqual(lines[0], "report 1764984327.803344 from Yahoo for example.com, "
                                   "2025-12-06 00:00 to 2025-12-06 23:59 UTC")
        self.assertEqual(lines[1], "  policy published: p=quarantine sp=- pct=100 adkim=r aspf=r")
        self.assertEqual(lines[-1], "  total: 7 messages, DMARC pass 5 (71%), fail 2; DKIM aligned 5, "
                                    "SPF aligned 5; quarantined 2, rejected 0")

    def test_report_email_and_several_files(self):
        p = tern(EMAIL, YAHOO, os.path.join(DATA, "google-report.xml"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.count("\nreport ") + p.stdout.startswith("report "), 3)
        self.assertEqual(p.stdout.splitlines()[-1],
                         "all 3 reports: 113 messages, DMARC pass 103 (91%), fail 10; DKIM aligned 103, "
                         "SPF aligned 89; quarantined 8, rejected 0")

    def test_errors_name_the_file_and_the_rest_go_on(self):
        with tempfile.TemporaryDirectory() as d:
            bad_xml = os.path.join(d, "bad.xml")
            with open(bad_xml, "w") as f:
                f.write("<feedback><report_metadata>")
            dtd = os.path.join(d, "dtd.xml")
            with open(dtd, "w") as f:
                f.write('<?xml version="1.0"?><!DOCTYPE feedback [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                        "<feedback>&x;</feedback>")
            bomb = os.path.join(d, "bomb.xml.gz")
            with open(bomb, "wb") as f:
                f.write(gzip.compress(b" " * (65 << 20), compresslevel=9))
            mail = os.path.join(d, "plain.eml")
            with open(mail, "w") as f:
                f.write("From: a@example.com\nSubject: hello\n\nJust text.\n")
            missing = os.path.join(d, "missing.xml")
            p = tern(bad_xml, dtd, bomb, mail, missing, GOOGLE)
            self.assertEqual(p.returncode, 1)
            err = p.stderr.splitlines()
            self.assertEqual(err[0], "tern: %s: XML: line 1: Premature end of data in tag report_metadata line 1"
                             % bad_xml)
            self.assertEqual(err[1], "tern: %s: XML: a DTD is not allowed in a report" % dtd)
            self.assertEqual(err[2], "tern: %s: gzip: decompressed size over 64 MiB" % bomb)
            self.assertEqual(err[3], "tern: %s: no report attachment in the message" % mail)
            self.assertTrue(err[4].startswith("tern: open %s: No such file" % missing), err[4])
            self.assertTrue(p.stdout.startswith("report 13587194672836452417 from google.com"))
            self.assertNotIn("root:", p.stdout + p.stderr)

    def test_zip_limits(self):
        with tempfile.TemporaryDirectory() as d:
            bomb = os.path.join(d, "bomb.zip")
            with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
                z.writestr("report.xml", b"<" + b" " * (65 << 20))
            many = os.path.join(d, "many.zip")
            with zipfile.ZipFile(many, "w") as z:
                for i in range(17):
                    z.writestr("r%d.xml" % i, "<feedback/>")
            empty = os.path.join(d, "empty.zip")
            with zipfile.ZipFile(empty, "w") as z:
                z.writestr("readme.txt", "no report")
                z.writestr("other.txt", "none either")
            p = tern(bomb, many, empty)
            self.assertEqual(p.returncode, 1)
            self.assertEqual(p.stderr.splitlines(), [
                "tern: %s: zip: report.xml over 64 MiB" % bomb,
                "tern: %s: zip: more than 16 entries" % many,
                "tern: %s: zip: no .xml entry" % empty,
            ])
            self.assertEqual(p.stdout, "")

    def test_usage(self):
        p = subprocess.run([tool("tern"), "dmarc"], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 2)
        self.assertIn("usage: tern dmarc report FILE...", p.stderr)


if __name__ == "__main__":
    unittest.main()
