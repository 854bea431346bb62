"""pflogsumm, Debian's Postfix log summariser, reads a Tern mail log and gets
the counts right (issue #4). Tern logs in Postfix's line shapes under the
program name tern/<daemon>, so pflogsumm is run with --syslog-name=tern.

The traffic of one instance, and what pflogsumm must count from it:
  received  5: four messages by SMTP (smtpd "client=" lines), one by the
               sendmail command (pickup "uid=... from=" line);
  delivered 5: alice gets 2 by SMTP and the bounce notice, bob 1 by SMTP and
               the one from sendmail;
  deferred  1: one message to a remote domain whose MX refuses connections,
               with exactly one deferral: each recipient's result is logged
               once, by the process that decided it;
  bounced   1: one message to a domain with a null MX (RFC 7505, 5.1.10);
  rejected  1: one recipient refused at RCPT (unknown user).
"""
import os
import re
import smtplib
import socket
import subprocess
import unittest

from tern_instance import Instance, tool, wait_for


def refusing_socket():
    """A loopback socket bound but never listening: connections to its port are
    refused, and no other program can take the port while it is held."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    return s


def section(report, title):
    """The non-blank lines of one pflogsumm section: from its title (a line
    underlined with dashes) to the next underlined title."""
    lines = report.splitlines()

    def is_title(i):
        return i + 1 < len(lines) and lines[i].strip() and set(lines[i + 1].strip()) == {"-"}
    for i in range(len(lines)):
        if is_title(i) and lines[i].strip() == title:
            out = []
            for j in range(i + 2, len(lines)):
                if is_title(j):
                    break
                if lines[j].strip():
                    out.append(lines[j])
            return out
    raise AssertionError("no section %r in:\n%s" % (title, report))


class Pflogsumm(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.refusing = refusing_socket()
        cls.t = Instance()
        try:
            cls.configure_and_start()
            cls.send_traffic()
        except BaseException:
            cls.tearDownClass()  # which does not run when setUpClass fails
            raise
        cls.log_path = os.path.join(cls.t.dir, "log", "mail.log")

    @classmethod
    def configure_and_start(cls):
        t = cls.t
        t.add_user("alice@example.test", "alice-pw")
        t.add_user("bob@example.test", "bob-pw")
        zone = os.path.join(t.etc, "test.zone")
        with open(zone, "w") as f:
            f.write("remote.test. MX 10 mx.remote.test.\n"
                    "mx.remote.test. A 127.0.0.1\n"
                    "nullmx.test. MX 0 .\n")
        t.postconf("-e", "dns_zone_file=" + zone, "smtp_destination_port=%d" % cls.refusing.getsockname()[1])
        t.start()
        wait_for(lambda: os.path.exists(os.path.join(t.queue, "public", "pickup")), timeout=15)

    @classmethod
    def send_traffic(cls):
        t = cls.t
        with smtplib.SMTP("127.0.0.1", t.port("smtp"), timeout=10) as s:
            s.ehlo("client.test")
            s.sendmail("carol@client.test", ["alice@example.test", "bob@example.test"],
                       b"Subject: to two\r\n\r\nfor alice and bob\r\n")
            s.sendmail("carol@client.test", ["alice@example.test"], b"Subject: to one\r\n\r\nfor alice\r\n")
            s.sendmail("alice@example.test", ["someone@remote.test"], b"Subject: remote\r\n\r\nwaits\r\n")
            s.sendmail("alice@example.test", ["someone@nullmx.test"], b"Subject: null mx\r\n\r\nbounces\r\n")
            s.mail("carol@client.test")
            cls.unknown_rcpt_reply = s.rcpt("nobody@example.test")  # refused: no message, no queue ID
            s.rset()
        env = dict(os.environ)
        env["MAIL_CONFIG"] = t.etc
        p = subprocess.run([tool("sendmail"), "-f", "root", "bob@example.test"],
                           input=b"Subject: by sendmail\n\nfrom the command line\n",
                           capture_output=True, timeout=30, env=env)
        if p.returncode != 0:
            raise RuntimeError("sendmail failed: %r" % p.stderr)

        # Everything is settled once the Maildirs hold what they should, the
        # remote message waits in deferred/ and nothing else is queued: every
        # agent logs its result before it answers qmgr.
        def settled():
            return (len(t.all_files("alice@example.test")) == 3 and len(t.all_files("bob@example.test")) == 2
                    and len(t.queue_files("deferred")) == 1
                    and not any(t.queue_files(q) for q in ("maildrop", "incoming", "active")))
        wait_for(settled, timeout=30)

    @classmethod
    def tearDownClass(cls):
        cls.t.cleanup()
        cls.refusing.close()

    def pflogsumm(self):
        p = subprocess.run(["pflogsumm", "--syslog-name=tern", self.log_path], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def test_grand_totals(self):
        self.assertEqual(self.unknown_rcpt_reply[0], 550)
        report = self.pflogsumm()
        totals = {}
        for line in section(report, "Grand Totals"):
            m = re.match(r"\s*(\d+)\s+(received|delivered|forwarded|deferred|bounced|rejected|held|discarded)\b", line)
            if m:
                totals[m.group(2)] = int(m.group(1))
        self.assertEqual(totals, {"received": 5, "delivered": 5, "forwarded": 0, "deferred": 1, "bounced": 1,
                                  "rejected": 1, "held": 0, "discarded": 0}, report)
        self.assertRegex(report, r"\n\s*1\s+deferred\s+\(1\s+deferrals\)\n")
        self.assertRegex(report, r"\n\s*1\s+rejected \(16%\)\n")  # 1 of 1 + 5 delivered

    def test_recipient_domains(self):
        report = self.pflogsumm()
        rows = {}
        for line in section(report, "Host/Domain Summary: Message Delivery"):
            f = line.split()
            if len(f) >= 8 and f[0].isdigit():  # sent, bytes, defers, avg dly + unit, max dly + unit, domain
                rows[f[-1]] = (int(f[0]), int(f[2]))
        self.assertEqual(rows, {"example.test": (5, 0), "remote.test": (0, 1)}, report)

    def test_senders_recipients_and_details(self):
        report = self.pflogsumm()

        def counts(title):
            return {f[1]: int(f[0]) for f in (line.split() for line in section(report, title)) if len(f) == 2}
        self.assertEqual(counts("Recipients by message count"), {"alice@example.test": 3, "bob@example.test": 2})
        self.assertEqual(counts("Senders by message count"),
                         {"carol@client.test": 2, "alice@example.test": 2, "root@mail.example.test": 1})
        deferrals = "\n".join(section(report, "message deferral detail"))
        self.assertRegex(deferrals, r"smtp \(total: 1\)")
        self.assertIn("Connection refused", deferrals)
        bounces = "\n".join(section(report, "message bounce detail (by relay)"))
        self.assertRegex(bounces, r"none \(total: 1\)")
        self.assertIn("Domain nullmx.test does not accept mail (nullMX)", bounces)
        rejects = "\n".join(section(report, "message reject detail"))
        self.assertIn("User unknown in virtual mailbox table (total: 1)", rejects)
        self.assertRegex(rejects, r"\n\s+1\s+nobody@example\.test")


if __name__ == "__main__":
    unittest.main(verbosity=2)
