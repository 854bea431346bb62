"""Local submission (issue #3): sendmail -> postdrop -> maildrop/ -> pickup ->
cleanup -> incoming/ -> qmgr -> local -> Maildir, with a real instance."""
import os
import subprocess
import unittest

from tern_instance import Instance, tool, wait_for

PICKUP_LINE = "pickup unix n - n 60 1 pickup\n"
HEADER_CHECKS = "/^Subject:.*forbidden/ REJECT 5.7.1 no forbidden words\n"


class Sendmail(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t = Instance()
        for user in ("alice", "bob", "carol"):
            cls.t.add_user("%s@example.test" % user, user + "-pw")
        etc = cls.t.etc
        with open(os.path.join(etc, "header_checks"), "w") as f:
            f.write(HEADER_CHECKS)
        with open(os.path.join(etc, "main.cf"), "a") as f:
            f.write("header_checks = pcre:%s/header_checks\n" % etc)
        # Until tern sandbox writes pickup into master.cf itself.
        with open(os.path.join(etc, "master.cf")) as f:
            master_cf = f.read()
        if "\npickup " not in master_cf:
            with open(os.path.join(etc, "master.cf"), "a") as f:
                f.write(PICKUP_LINE)
        cls.t.start()
        wait_for(lambda: os.path.exists(os.path.join(cls.t.queue, "public", "pickup")), timeout=15)

    @classmethod
    def tearDownClass(cls):
        cls.t.cleanup()

    def sendmail(self, *args, input=b"", env_config=False):
        env = dict(os.environ)  # sendmail and postdrop are leak-checked under ASan
        if env_config:
            env["MAIL_CONFIG"] = self.t.etc
            cmd = [tool("sendmail")] + list(args)
        else:
            cmd = [tool("sendmail"), "-c", self.t.etc] + list(args)
        return subprocess.run(cmd, input=input, capture_output=True, timeout=30, env=env)

    def delivered(self, rcpt, marker, timeout=10):
        """The content of the message in rcpt's Maildir that contains marker."""
        return self.t.wait_message(rcpt, marker, timeout=timeout)

    def has(self, rcpt, marker):
        return self.t.message_with(rcpt, marker) is not None

    @staticmethod
    def headers(data):
        return data.split(b"\n\n", 1)[0]

    def test_echo_test_delivers_with_added_headers(self):
        p = self.sendmail("-f", "root", "alice@example.test", input=b"test one\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        data = self.delivered("alice@example.test", b"test one")
        head = self.headers(data)
        self.assertIn(b"Return-Path: <root@mail.example.test>", head)
        self.assertIn(b"Received: by mail.example.test (Tern, from userid %d)" % os.getuid(), head)
        self.assertRegex(head, rb"\nMessage-Id: <\d{14}\.[0-9A-Za-z]+@mail\.example\.test>\n")
        self.assertRegex(head, rb"\nDate: \w{3}, \d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}")
        self.assertIn(b"\nFrom: ", head)
        self.assertIn(b"root@mail.example.test", head.split(b"\nFrom: ", 1)[1].split(b"\n")[0])
        self.assertTrue(data.endswith(b"\n\ntest one\n"), data)
        log = self.t.log()
        self.assertRegex(log, r"tern/pickup\[\d+\]: \w+: uid=%d from=<root>" % os.getuid())
        self.assertEqual(self.t.queue_files("maildrop"), [])

    def test_mail_config_environment_and_full_name(self):
        p = self.sendmail("-F", "Charlie Root", "bob@example.test", input=b"Subject: env config\n\nhi\n",
                          env_config=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        data = self.delivered("bob@example.test", b"Subject: env config")
        self.assertIn(b"\nFrom: Charlie Root <", self.headers(data))

    def test_t_takes_recipients_from_headers_and_drops_bcc(self):
        msg = (b"From: Root <root@example.test>\r\n"
               b"To: Alice <alice@example.test>\r\n"
               b"Cc: bob@example.test\r\n"
               b"Bcc: carol@example.test\r\n"
               b"Subject: minus t\r\n"
               b"\r\n"
               b"body of minus t\r\n")
        p = self.sendmail("-t", "-i", input=msg)
        self.assertEqual(p.returncode, 0, p.stderr)
        for rcpt in ("alice@example.test", "bob@example.test", "carol@example.test"):
            data = self.delivered(rcpt, b"Subject: minus t")
            self.assertNotIn(b"Bcc:", data)
            self.assertNotIn(b"\r", data)
            self.assertIn(b"\nTo: Alice <alice@example.test>\nCc: bob@example.test\nSubject: minus t\n", data)
            # The From: the message had is kept; none is added.
            self.assertEqual(data.count(b"\nFrom: "), 1)

    def test_t_without_any_recipient_fails(self):
        p = self.sendmail("-t", input=b"Subject: nobody\n\nx\n")
        self.assertEqual(p.returncode, 64)  # EX_USAGE
        self.assertIn(b"no recipient addresses found", p.stderr)

    def test_no_recipients_is_a_usage_error(self):
        p = self.sendmail(input=b"x\n")
        self.assertEqual(p.returncode, 64)
        self.assertIn(b"no recipients specified", p.stderr)

    def test_a_lone_dot_ends_input_unless_i(self):
        p = self.sendmail("alice@example.test", input=b"Subject: dot plain\n\nbefore\n.\nafter\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        data = self.delivered("alice@example.test", b"Subject: dot plain")
        self.assertTrue(data.endswith(b"\n\nbefore\n"), data)
        p = self.sendmail("-oi", "alice@example.test", input=b"Subject: dot oi\n\nbefore\n.\nafter\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        data = self.delivered("alice@example.test", b"Subject: dot oi")
        self.assertTrue(data.endswith(b"\n\nbefore\n.\nafter\n"), data)

    def test_grouped_letters_as_in_postfix(self):
        # "-ti" is -t -i: the recipients come from the header and a lone dot stays content;
        # "-froot" has its value attached.
        p = self.sendmail("-ti", "-froot", input=b"To: bob@example.test\nSubject: grouped\n\nbefore\n.\nafter\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr, b"")
        data = self.delivered("bob@example.test", b"Subject: grouped")
        self.assertTrue(data.endswith(b"\n\nbefore\n.\nafter\n"), data)
        self.assertIn(b"Return-Path: <root@mail.example.test>", data)

    def test_old_options_are_accepted(self):
        p = self.sendmail("-odi", "-oem", "-U", "-Z", "alice@example.test", input=b"Subject: old options\n\nx\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"sendmail: warning: -Z option ignored", p.stderr)
        self.assertNotIn(b"-U", p.stderr)
        self.delivered("alice@example.test", b"Subject: old options")

    def test_header_checks_reject_is_logged_bounced_and_not_delivered(self):
        p = self.sendmail("-f", "bob@example.test", "alice@example.test",
                          input=b"Subject: some forbidden words\n\nx\n")
        # sendmail has handed the message over; pickup refuses it.
        self.assertEqual(p.returncode, 0, p.stderr)
        wait_for(lambda: "reject: header Subject: some forbidden words" in self.t.log(), timeout=10)
        self.assertRegex(self.t.log(), r"\w+: reject: header Subject: some forbidden words from local; "
                                       r"from=<bob@example\.test> to=<alice@example\.test>: "
                                       r"5\.7\.1 no forbidden words")
        # The sender gets a notification (Postfix does the same for local mail).
        notice = self.delivered("bob@example.test", b"Subject: Undelivered Mail Returned to Sender")
        self.assertIn(b"Return-Path: <>", notice)
        self.assertIn(b"\nReason: 550 5.7.1 no forbidden words\n", notice)
        self.assertIn(b"\nSubject: some forbidden words\n", notice)
        self.assertRegex(self.t.log(), r"\w+: sender non-delivery notification: \w+")
        # A message sent after it arrives; the rejected one never does.
        p = self.sendmail("alice@example.test", input=b"Subject: after the reject\n\nx\n")
        self.delivered("alice@example.test", b"Subject: after the reject")
        self.assertFalse(self.has("alice@example.test", b"forbidden words"))
        self.assertEqual(self.t.queue_files("maildrop"), [])

    def test_malformed_maildrop_file_is_set_aside(self):
        junk = os.path.join(self.t.queue, "maildrop", "AAAAAAjunk")
        with open(junk, "wb") as f:
            f.write(b"this is not a queue file\n")
        p = self.sendmail("alice@example.test", input=b"Subject: after the junk\n\nx\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.delivered("alice@example.test", b"Subject: after the junk")
        wait_for(lambda: "maildrop/AAAAAAjunk" in self.t.log(), timeout=10)
        self.assertRegex(self.t.log(), r"warning: maildrop/AAAAAAjunk: .*: moved to corrupt/")
        self.assertIn("AAAAAAjunk", self.t.queue_files("corrupt"))
        self.assertEqual(self.t.queue_files("maildrop"), [])
        # pickup is still the same, working process.
        p = self.sendmail("alice@example.test", input=b"Subject: after the junk 2\n\nx\n")
        self.delivered("alice@example.test", b"Subject: after the junk 2")

    def test_message_size_limit(self):
        self.t.postconf("-e", "message_size_limit=20000")
        try:
            p = self.sendmail("alice@example.test", input=b"Subject: too big\n\n" + b"x" * 30000 + b"\n")
            self.assertEqual(p.returncode, 65, p.stderr)  # EX_DATAERR
            self.assertIn(b"message too large", p.stderr)
        finally:
            self.t.postconf("-e", "message_size_limit=10240000")
        self.assertEqual([f for f in os.listdir(os.path.join(self.t.queue, "maildrop"))], [])

    def test_bs_speaks_smtp(self):
        session = (b"EHLO client\r\n"
                   b"MAIL FROM:<carol@example.test>\r\n"
                   b"RCPT TO:<alice@example.test>\r\n"
                   b"DATA\r\n"
                   b"Subject: via bs\r\n"
                   b"\r\n"
                   b"..leading dot\r\n"
                   b".\r\n"
                   b"QUIT\r\n")
        p = self.sendmail("-bs", input=session)
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.split(b"\r\n")
        self.assertTrue(lines[0].startswith(b"220 mail.example.test ESMTP"), lines)
        self.assertIn(b"354 End data with <CR><LF>.<CR><LF>", lines)
        self.assertIn(b"250 2.0.0 Ok: queued", lines)
        self.assertIn(b"221 2.0.0 Bye", lines)
        data = self.delivered("alice@example.test", b"Subject: via bs")
        self.assertIn(b"Return-Path: <carol@example.test>", data)
        self.assertTrue(data.endswith(b"\n\n.leading dot\n"), data)

    def test_bv_verifies_local_recipients(self):
        p = self.sendmail("-bv", "alice@example.test", "alice+tag@example.test")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(p.stdout, b"alice@example.test: deliverable\nalice+tag@example.test: deliverable\n")
        p = self.sendmail("-bv", "nobody@example.test")
        self.assertEqual(p.returncode, 67)  # EX_NOUSER
        self.assertEqual(p.stdout, b"nobody@example.test: undeliverable: unknown user\n")

    def test_bp_lists_the_queue_like_mailq(self):
        p = self.sendmail("-bp")
        self.assertEqual(p.returncode, 0, p.stderr)
        q = self.t.run("-p", program="postqueue", check=False)
        self.assertEqual(p.stdout.decode(), q.stdout)

    def test_postdrop_refuses_garbage(self):
        env = dict(os.environ)
        p = subprocess.run([tool("postdrop"), "-c", self.t.etc], input=b"garbage", capture_output=True,
                           timeout=30, env=env)
        self.assertEqual(p.returncode, 65)  # EX_DATAERR
        self.assertIn(b"postdrop: fatal: uid=", p.stderr)
        self.assertEqual(os.listdir(os.path.join(self.t.queue, "maildrop")), [])


    # --- mail/mailx and cron (issue #3) -------------------------------------------
    def s_nail(self, *args, body, mta=None):
        """Runs Debian's mail/mailx (s-nail) with Tern's sendmail as its MTA, the
        way a user's "mail -s SUBJECT rcpt" runs it, with MAIL_CONFIG naming the
        instance. No ~/.mailrc (HOME is an empty directory); /etc/s-nail.rc is read."""
        home = os.path.join(self.t.dir, "snail-home")
        os.makedirs(home, exist_ok=True)
        env = dict(os.environ)
        env["MAIL_CONFIG"] = self.t.etc
        env["HOME"] = home
        env.pop("MAILRC", None)
        cmd = ["s-nail", "-S", "mta=" + (mta or tool("sendmail")), "-S", "sendwait"] + list(args)
        return subprocess.run(cmd, input=body, capture_output=True, timeout=30, env=env)

    def recording_mta(self):
        """A wrapper that records the argv s-nail gives its MTA, then runs our sendmail."""
        wrapper = os.path.join(self.t.dir, "mta-wrapper")
        argv_log = os.path.join(self.t.dir, "mta-argv")
        with open(wrapper, "w") as f:
            f.write("#!/bin/sh\nprintf '%%s\\n' \"$@\" > '%s'\nexec '%s' \"$@\"\n" % (argv_log, tool("sendmail")))
        os.chmod(wrapper, 0o755)
        return wrapper, argv_log

    def test_s_nail_mail_s_delivers_through_sendmail(self):
        p = self.s_nail("-s", "mailx subject one", "alice@example.test", body=b"a body from s-nail\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr, b"")
        data = self.delivered("alice@example.test", b"Subject: mailx subject one")
        head, body = data.split(b"\n\n", 1)
        self.assertIn(b"\nTo: alice@example.test\n", head)
        self.assertIn(b"\nUser-Agent: s-nail", head)
        self.assertIn(b"\nFrom: ", head)  # added by sendmail: s-nail writes none
        self.assertEqual(body, b"a body from s-nail\n")

    def test_every_option_s_nail_passes_is_accepted(self):
        # What s-nail v14.9 runs: "-i" always, "-f ADDR" for -r, "-m" for metoo,
        # "-v" for -v, then its mta-arguments (here a classic -oem), "--", the recipients.
        wrapper, argv_log = self.recording_mta()
        cases = [
            ((), ["-i", "--"]),
            (("-r", "bob@example.test"), ["-i", "-f", "bob@example.test", "--"]),
            (("-S", "metoo"), ["-i", "-m", "--"]),
            (("-v",), ["-i", "-v", "--"]),
            (("-S", "mta-arguments=-oem"), ["-i", "-oem", "--"]),
        ]
        for n, (options, expected) in enumerate(cases):
            with self.subTest(options=options):
                subject = "mailx options %d" % n
                p = self.s_nail(*options, "-s", subject, "alice@example.test", "carol@example.test",
                                body=b"line one\n.\nline three\n", mta=wrapper)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertNotIn(b"sendmail:", p.stderr)  # no warning, no error from our sendmail
                with open(argv_log) as f:
                    self.assertEqual(f.read().splitlines(), expected + ["alice@example.test", "carol@example.test"])
                for rcpt in ("alice@example.test", "carol@example.test"):
                    data = self.delivered(rcpt, ("Subject: %s\n" % subject).encode())
                    self.assertTrue(data.endswith(b"\n\nline one\n.\nline three\n"), data)  # -i: the dot stays
                    if options and options[0] == "-r":
                        self.assertIn(b"Return-Path: <bob@example.test>", data)

    def test_cron_invocations_are_accepted(self):
        # Debian's cron: "sendmail -i -FCronDaemon -B8BITMIME -oem USER";
        # cronie: "sendmail -FCronDaemon -i -odi -oem -oi -t -f USER" (recipients from To:).
        invocations = [
            ("debian cron", ["-i", "-FCronDaemon", "-B8BITMIME", "-oem", "alice@example.test"]),
            ("cronie", ["-FCronDaemon", "-i", "-odi", "-oem", "-oi", "-t", "-f", "root"]),
        ]
        for name, args in invocations:
            with self.subTest(name):
                message = ("To: alice@example.test\nSubject: Cron <root@host> %s job\n"
                           "Content-Type: text/plain; charset=UTF-8\n\noutput of the job\n" % name).encode()
                p = self.sendmail(*args, input=message, env_config=True)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertEqual(p.stderr, b"")
                data = self.delivered("alice@example.test", ("Subject: Cron <root@host> %s job" % name).encode())
                self.assertIn(b"\nFrom: CronDaemon <", self.headers(data))
                self.assertTrue(data.endswith(b"\n\noutput of the job\n"), data)


class PickupKill(unittest.TestCase):
    """DESIGN.md invariant 3 for pickup: kill -9 at any moment loses nothing
    (a maildrop file goes only after its message is in incoming/)."""

    def setUp(self):
        self.t = Instance()
        self.t.add_user("alice@example.test", "alice-pw")
        with open(os.path.join(self.t.etc, "master.cf")) as f:
            master_cf = f.read()
        if "\npickup " not in master_cf:
            with open(os.path.join(self.t.etc, "master.cf"), "a") as f:
                f.write(PICKUP_LINE)
        self.t.start()
        wait_for(lambda: os.path.exists(os.path.join(self.t.queue, "public", "pickup")), timeout=15)

    def tearDown(self):
        self.t.cleanup()

    def test_kill9_pickup_while_submitting(self):
        subjects = []
        for i in range(24):
            if i % 8 == 3:
                self.t.kill9("pickup")
            subject = "kill test %d" % i
            p = subprocess.run([tool("sendmail"), "-c", self.t.etc, "alice@example.test"],
                               input=("Subject: %s\n\nx\n" % subject).encode(), capture_output=True, timeout=30)
            self.assertEqual(p.returncode, 0, p.stderr)
            subjects.append(subject)

        def all_delivered():
            seen = b""
            for path in self.t.all_files("alice@example.test"):
                with open(path, "rb") as f:
                    seen += f.read()
            return all(("Subject: %s\n" % s).encode() in seen for s in subjects)
        took = wait_for(all_delivered, timeout=60)
        print("24 messages delivered %.1fs after the last submission, pickup killed 3 times" % took)
        wait_for(lambda: self.t.queue_files("maildrop") == [], timeout=30)


if __name__ == "__main__":
    unittest.main()
