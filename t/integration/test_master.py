"""master starts services when they are first used (as Postfix's does), and
starts a dead one again on the next use."""
import os
import smtplib
import socket
import unittest

from tern_instance import Instance, wait_for


def programs(t):
    return sorted(p for _, p, _ in t.processes() if p != "master")


class OnDemand(unittest.TestCase):
    def setUp(self):
        self.t = Instance()
        self.t.add_user("alice@example.test", "alice-pw")
        # Not Instance.start(): it connects to every port, which starts every service.
        self.t.run("start")
        wait_for(lambda: os.path.exists(os.path.join(self.t.queue, "public", "qmgr")), timeout=15)

    def tearDown(self):
        self.t.cleanup()

    def test_only_services_with_work_of_their_own_run_until_used(self):
        # qmgr and pickup have a wakeup time in master.cf: they run from the start.
        wait_for(lambda: programs(self.t) == ["pickup", "qmgr"], timeout=10)
        # The first client of port 25 is answered by an smtpd started for it.
        with socket.create_connection(("127.0.0.1", self.t.port("smtp")), timeout=10) as c:
            self.assertTrue(c.recv(512).startswith(b"220 "))
        self.assertEqual(programs(self.t), ["pickup", "qmgr", "smtpd"])
        # A message for a local user starts authd (the RCPT check) and local (the delivery).
        with smtplib.SMTP("127.0.0.1", self.t.port("smtp"), timeout=10) as s:
            s.sendmail("a@remote.test", ["alice@example.test"], "Subject: x\r\n\r\nfirst\r\n")
        self.t.wait_message("alice@example.test", "first")
        self.assertEqual(programs(self.t), ["authd", "local", "pickup", "qmgr", "smtpd"])

    def test_a_killed_service_starts_again_on_its_next_use(self):
        with smtplib.SMTP("127.0.0.1", self.t.port("smtp"), timeout=10) as s:
            s.sendmail("a@remote.test", ["alice@example.test"], "Subject: x\r\n\r\nbefore\r\n")
        self.t.wait_message("alice@example.test", "before")
        old = self.t.pids("local")
        self.assertTrue(old)
        self.t.kill9("local")
        wait_for(lambda: not set(old) & set(self.t.pids("local")), timeout=10)
        with smtplib.SMTP("127.0.0.1", self.t.port("smtp"), timeout=10) as s:
            s.sendmail("a@remote.test", ["alice@example.test"], "Subject: x\r\n\r\nafter\r\n")
        # Killed within 10 s of starting, it waits a second before it may start again.
        self.t.wait_message("alice@example.test", "after", timeout=20)
        self.assertTrue(self.t.pids("local"))


if __name__ == "__main__":
    unittest.main()
