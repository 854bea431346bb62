"""authd with real daemons (issue #3): bans after repeated failures that survive
kill -9 of authd, disabled accounts (no login, no mail), app passwords."""
import imaplib
import os
import re
import smtplib
import ssl
import threading
import unittest

from tern_instance import Instance, wait_for

LIMIT = 5


def imap_login(t, user, password):
    """True if LOGIN (after STARTTLS) succeeded, False if refused; the connection is closed either way."""
    m = imaplib.IMAP4("127.0.0.1", t.port("imap"), timeout=15)
    try:
        m.starttls(ssl_context=ssl._create_unverified_context())  # the sandbox's self-signed certificate
        m.login(user, password)
    except imaplib.IMAP4.error:
        return False
    finally:
        try:
            m.shutdown()
        except OSError:
            pass
    return True


def message(rcpt, subject):
    return ("From: Dave <dave@remote.test>\r\nTo: %s\r\nSubject: %s\r\n\r\nHello.\r\n" % (rcpt, subject))


class Bans(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t = Instance()
        cls.t.add_user("alice@example.test", "alice-pw")
        cls.t.postconf("-e", "auth_failure_limit=%d" % LIMIT, "auth_ban_time=1h")
        cls.t.start()

    @classmethod
    def tearDownClass(cls):
        cls.t.cleanup()

    def test_ban_after_failures_survives_kill9_of_authd(self):
        t = self.t
        self.assertTrue(imap_login(t, "alice@example.test", "alice-pw"))
        # 30 wrong passwords from 127.0.0.1, several connections at once (imapd
        # delays each failure), one LOGIN per connection.
        results = []
        lock = threading.Lock()

        def guesser(n):
            for i in range(3):
                try:
                    ok = imap_login(t, "alice@example.test", "guess-%d-%d" % (n, i))
                except (OSError, imaplib.IMAP4.abort) as e:  # closed by a banned answer
                    ok = repr(e)
                with lock:
                    results.append(ok)

        threads = [threading.Thread(target=guesser, args=(n,)) for n in range(10)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=120)
        self.assertEqual(len(results), 30)
        self.assertNotIn(True, results)

        # One ban line, fail2ban-style, naming the address, the duration and the end.
        log = t.log()
        bans = re.findall(r"tern/authd\[\d+\]: warning: ban 127\.0\.0\.1 for 3600s after %d failed logins "
                          r"\(until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)" % LIMIT, log)
        self.assertEqual(len(bans), 1, log[-3000:])
        # Failures while banned were answered "banned" at once, without counting them again.
        self.assertIn("reason=client address is banned", log)

        # Even the right password is refused now.
        self.assertFalse(imap_login(t, "alice@example.test", "alice-pw"))

        # kill -9 of authd: the next question starts a new one, which reads the ban list.
        old = t.pids("authd")
        self.assertTrue(old)
        state = os.path.join(t.dir, "data", "authd", "bans")
        with open(state) as f:
            self.assertRegex(f.read(), r"(?m)^127\.0\.0\.1 \d+ 1$")
        t.kill9("authd")
        wait_for(lambda: not set(old) & set(t.pids("authd")), timeout=20)
        before = len(t.log())
        self.assertFalse(imap_login(t, "alice@example.test", "alice-pw"))
        after = t.log()[before:]
        self.assertIn("reason=client address is banned", after)
        self.assertTrue(t.pids("authd"))
        self.assertRegex(t.log(), r"tern/authd\[\d+\]: loaded 1 active ban\(s\) from " + re.escape(state))


class DisabledAccounts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t = Instance()
        cls.t.add_user("alice@example.test", "alice-pw")
        cls.t.add_user("bob@example.test", "bob-pw")
        cls.t.postconf("-e", "auth_failure_limit=%d" % LIMIT, "queue_run_delay=2s", "minimal_backoff_time=1s",
                       "maximal_backoff_time=2s")
        cls.t.start()

    @classmethod
    def tearDownClass(cls):
        cls.t.cleanup()

    def delivered(self, rcpt, subject):
        return self.t.message_with(rcpt, "Subject: %s" % subject) is not None

    def test_1_disabled_user_cannot_log_in_and_gets_no_mail(self):
        t = self.t
        self.assertTrue(imap_login(t, "bob@example.test", "bob-pw"))
        out = t.run("user", "disable", "bob@example.test")
        self.assertIn("disabled bob@example.test", out)
        self.assertIn("bob@example.test (disabled)", t.run("user", "list"))
        # Its owner retrying the right password more than auth_failure_limit times is not banned.
        for _ in range(LIMIT + 1):
            self.assertFalse(imap_login(t, "bob@example.test", "bob-pw"))
        self.assertIn("reason=account disabled", t.log())
        self.assertNotIn("warning: ban 127.0.0.1", t.log())

        # Mail to a disabled account is refused (smtpd's RCPT check) or bounced by local, with 5.2.1.
        refused = None
        before = len(t.log())
        with smtplib.SMTP("127.0.0.1", t.port("smtp"), timeout=10) as s:
            try:
                s.sendmail("dave@remote.test", ["bob@example.test"], message("bob@example.test", "to disabled"))
            except smtplib.SMTPRecipientsRefused as e:
                refused = e.recipients["bob@example.test"]
        if refused:
            self.assertEqual(refused[0], 550)
            self.assertIn(b"5.2.1", refused[1])
        else:
            wait_for(lambda: re.search(r"to=<bob@example\.test>, relay=local.*dsn=5\.2\.1, status=bounced "
                                       r"\(mailbox disabled", t.log()[before:]), timeout=20)
        self.assertFalse(self.delivered("bob@example.test", "to disabled"))

        # An active account next to it still gets mail; enabling bob restores login and mail.
        with smtplib.SMTP("127.0.0.1", t.port("smtp"), timeout=10) as s:
            s.sendmail("dave@remote.test", ["alice@example.test"], message("alice@example.test", "to active"))
        wait_for(lambda: self.delivered("alice@example.test", "to active"), timeout=20)
        t.run("user", "enable", "bob@example.test")
        self.assertTrue(imap_login(t, "bob@example.test", "bob-pw"))
        with smtplib.SMTP("127.0.0.1", t.port("smtp"), timeout=10) as s:
            s.sendmail("dave@remote.test", ["bob@example.test"], message("bob@example.test", "enabled again"))
        wait_for(lambda: self.delivered("bob@example.test", "enabled again"), timeout=20)

    def test_2_mail_queued_before_disable_is_bounced_by_local(self):
        # Keep local down (master frozen, so nobody restarts it) while the message is accepted,
        # disable the account, then start again: local asks authd before delivering.
        t = self.t
        t.freeze("master")
        t.kill9("local")
        before = len(t.log())
        with smtplib.SMTP("127.0.0.1", t.port("smtp"), timeout=10) as s:
            s.sendmail("dave@remote.test", ["bob@example.test"], message("bob@example.test", "queued"))
        t.run("user", "disable", "bob@example.test")
        t.kill9_all()
        t.start()
        wait_for(lambda: re.search(r"to=<bob@example\.test>, relay=local.*dsn=5\.2\.1, status=bounced "
                                   r"\(mailbox disabled", t.log()[before:]), timeout=30)
        self.assertFalse(self.delivered("bob@example.test", "queued"))
        t.run("user", "enable", "bob@example.test")


class AppPasswords(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t = Instance()
        cls.t.add_user("alice@example.test", "alice-pw")
        cls.t.start()

    @classmethod
    def tearDownClass(cls):
        cls.t.cleanup()

    def test_app_password_logs_in_until_removed(self):
        t = self.t
        out = t.run("user", "app-password", "add", "alice@example.test", "phone")
        m = re.search(r"(?m)^([a-z]{4}-[a-z]{4}-[a-z]{4}-[a-z]{4})$", out)
        self.assertTrue(m, out)
        password = m.group(1)
        with open(os.path.join(t.etc, "users")) as f:
            self.assertNotIn(password, f.read())  # only its hash is stored
        self.assertIn("app-passwords=phone", t.run("user", "list"))
        self.assertTrue(imap_login(t, "alice@example.test", password))
        self.assertTrue(imap_login(t, "alice@example.test", "alice-pw"))  # the main password still works
        again = t.run("user", "app-password", "add", "alice@example.test", "phone", check=False)
        self.assertNotEqual(again.returncode, 0)
        t.run("user", "app-password", "remove", "alice@example.test", "phone")
        self.assertFalse(imap_login(t, "alice@example.test", password))
        self.assertTrue(imap_login(t, "alice@example.test", "alice-pw"))


if __name__ == "__main__":
    unittest.main()
