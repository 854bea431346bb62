"""Connections kept open between requests (qmgr to local, smtpd and local to
authd, smtpd's triggers to qmgr): a request sent on a kept connection whose daemon dies before it
answers is asked again at once of the restarted daemon, not deferred."""
import smtplib
import threading
import time
import unittest

from tern_instance import Instance, wait_for


def message(tag):
    return "From: a@remote.test\r\nTo: alice@example.test\r\nSubject: %s\r\n\r\n%s\r\n" % (tag, tag)


class KeptConnections(unittest.TestCase):
    def setUp(self):
        self.t = Instance()
        self.t.add_user("alice@example.test", "alice-pw")
        self.t.start()

    def tearDown(self):
        self.t.cleanup()

    def send(self, tag):
        with smtplib.SMTP("127.0.0.1", self.t.port("smtp"), timeout=30) as s:
            s.sendmail("a@remote.test", ["alice@example.test"], message(tag))

    def test_delivery_on_a_kept_connection_whose_local_dies_is_sent_again(self):
        self.send("first-message")
        self.t.wait_message("alice@example.test", "first-message")
        # local now holds qmgr's kept connection. Stopped, it reads nothing: the
        # next request waits in that connection until local is killed.
        self.t.freeze("local")
        self.send("second-message")
        time.sleep(0.5)
        self.t.kill9("local")
        # Deferred, it would wait for minimal_backoff_time (300 s); asked again, it arrives once master
        # has restarted local.
        self.t.wait_message("alice@example.test", "second-message", timeout=20)
        log = self.t.log()
        self.assertNotIn("lost connection with local", log)
        self.assertNotIn("status=deferred", log)

    def test_questions_on_a_kept_authd_connection_are_asked_again_when_authd_dies(self):
        self.send("warm-up")  # smtpd's RCPT check and local's account check leave kept connections to authd
        self.t.wait_message("alice@example.test", "warm-up")
        # Their verdicts for alice are kept while the users table is unchanged: change it,
        # so that both ask authd again.
        self.t.add_user("bob@example.test", "bob-pw")
        self.t.freeze("authd")
        threading.Timer(0.5, lambda: self.t.kill9("authd")).start()
        with smtplib.SMTP("127.0.0.1", self.t.port("smtp"), timeout=30) as s:
            s.ehlo("client.test")
            s.mail("a@remote.test")
            t0 = time.monotonic()
            self.assertEqual(s.rcpt("alice@example.test")[0], 250)  # answered by the restarted authd
            self.assertGreater(time.monotonic() - t0, 0.4)
            s.data(message("after-authd-restart"))
        self.t.wait_message("alice@example.test", "after-authd-restart", timeout=20)
        log = self.t.log()
        self.assertNotIn("account check of", log)      # smtpd: authd could not answer
        self.assertNotIn("account check failed", log)  # local: the same, deferring the mail

    def test_a_trigger_after_qmgr_restarted_reaches_the_new_qmgr(self):
        self.send("before-restart")  # smtpd's kept trigger connection now leads to this qmgr
        self.t.wait_message("alice@example.test", "before-restart")
        old = self.t.pids("qmgr")
        self.t.kill9("qmgr")
        wait_for(lambda: self.t.pids("qmgr") and self.t.pids("qmgr") != old, timeout=20)
        time.sleep(1)  # the new qmgr has made its start-up scan of incoming/
        t0 = time.monotonic()
        self.send("after-restart")
        # A lost trigger would leave it in incoming/ until the next periodic scan (queue_run_delay, 300 s).
        self.t.wait_message("alice@example.test", "after-restart", timeout=10)
        self.assertLess(time.monotonic() - t0, 10)


if __name__ == "__main__":
    unittest.main()
