"""qmgr's scheduler end to end (issue #4): per-destination concurrency, a
slow destination that does not hold up the others, a dead destination whose
mail waits without a try, and a rate delay. A Tern instance sends; the
remote servers are aiosmtpd sinks on loopback, reached through
transport_maps, one of them slow on purpose, one on IPv6."""
import asyncio
import os
import re
import smtplib
import time
import unittest

from aio_sink import AioSink, free_port
from tern_instance import Instance, wait_for


class Sink(AioSink):
    """Counts deliveries under way at once; takes `delay` seconds before answering DATA."""

    def __init__(self, delay=0.0, host="127.0.0.1"):
        self.delay = delay
        self.busy = 0
        self.most_busy = 0
        super().__init__(host)

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.busy += 1
            self.most_busy = max(self.most_busy, self.busy)
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.busy -= 1
        return await super().handle_DATA(server, session, envelope)


class Scheduler(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.slow = Sink(delay=3.0)
        cls.fast = Sink()
        cls.paced = Sink()
        cls.v6 = Sink(host="::1")
        cls.t = Instance()
        cls.t.add_user("alice@example.test", "alice-pw")
        transport = os.path.join(cls.t.etc, "transport")
        with open(transport, "w") as f:
            f.write("slow.test smtp:[127.0.0.1]:%d\n" % cls.slow.port)
            f.write("fast.test smtp:[127.0.0.1]:%d\n" % cls.fast.port)
            f.write("dead.test smtp:[127.0.0.1]:%d\n" % free_port())
            f.write("paced.test paced:[127.0.0.1]:%d\n" % cls.paced.port)
            # By name: no MX for mx.v6.test, so its AAAA record (RFC 5321 5.1 implicit MX).
            f.write("v6.test smtp:mx.v6.test:%d\n" % cls.v6.port)
        zone = os.path.join(cls.t.etc, "test.zone")
        with open(zone, "w") as f:
            f.write("mx.v6.test. AAAA ::1\n")
        with open(os.path.join(cls.t.etc, "master.cf"), "a") as f:
            # A second smtp service with its own pacing, as an admin would set one up.
            f.write("paced unix - - n - - smtp\n")
        cls.t.postconf("-e", "transport_maps=texthash:" + transport, "dns_zone_file=" + zone,
                       "smtp_destination_concurrency_limit=4",
                       "default_destination_rate_delay=1s",
                       "smtp_destination_rate_delay=0s",
                       "smtp_tls_security_level=none")
        cls.t.start()

    @classmethod
    def tearDownClass(cls):
        cls.t.cleanup()
        for s in (cls.slow, cls.fast, cls.paced, cls.v6):
            s.stop()

    def submit(self, rcpt, subjects):
        with smtplib.SMTP("127.0.0.1", self.t.port("smtp"), timeout=10) as s:
            for subject in subjects:
                s.sendmail("alice@example.test", [rcpt], ("Subject: %s\r\n\r\nhi\r\n" % subject).encode())

    def test_a_slow_destination_does_not_hold_up_the_others(self):
        slow = ["slow-%d" % i for i in range(12)]
        self.submit("bob@slow.test", slow)
        wait_for(lambda: self.slow.busy > 0, timeout=10)
        start = time.monotonic()
        self.submit("bob@fast.test", ["fast-1"])
        wait_for(lambda: "fast-1" in self.fast.subjects(), timeout=10)
        waited = time.monotonic() - start
        self.assertLess(waited, 2.5, "mail for fast.test waited behind slow.test")
        self.assertLess(len(self.slow.subjects()), 12)
        wait_for(lambda: len(self.slow.subjects()) == 12, timeout=60)
        # At most the destination's limit at once, and more than one.
        self.assertLessEqual(self.slow.most_busy, 4)
        self.assertGreater(self.slow.most_busy, 1)
        print("fast.test delivered in %.2fs while slow.test had %d at once (limit 4)" % (waited, self.slow.most_busy))

    def test_a_dead_destination_defers_its_mail_without_trying_each(self):
        self.submit("carol@dead.test", ["dead-%d" % i for i in range(10)])
        log = lambda: self.t.log()
        wait_for(lambda: len(re.findall(r"to=<carol@dead\.test>.*status=deferred", log())) == 10, timeout=20)
        tried = len(re.findall(r"to=<carol@dead\.test>.*status=deferred \(connect to", log()))
        suspended = len(re.findall(r"to=<carol@dead\.test>, relay=none.*status=deferred \(delivery temporarily "
                                   r"suspended: connect to 127\.0\.0\.1\[127\.0\.0\.1\]:\d+: Connection refused\)", log()))
        self.assertEqual(tried + suspended, 10)
        self.assertLessEqual(tried, 5)
        self.assertRegex(log(), r"destination smtp:\[127\.0\.0\.1\]:\d+ is not reachable, its mail waits 300s")
        # Nothing is lost: all ten wait in deferred/.
        wait_for(lambda: len(self.t.queue_files("deferred")) >= 10, timeout=10)
        print("dead destination: 10 messages, %d tried, %d suspended" % (tried, suspended))

    def test_a_rate_delay_spaces_deliveries(self):
        self.submit("dan@paced.test", ["paced-%d" % i for i in range(3)])
        wait_for(lambda: len(self.paced.received) == 3, timeout=20)
        times = sorted(t for t, _, _ in self.paced.received)
        gaps = [b - a for a, b in zip(times, times[1:])]
        self.assertTrue(all(g >= 0.9 for g in gaps), gaps)
        print("rate delay 1s: gaps %s" % ", ".join("%.2fs" % g for g in gaps))

    def test_ipv6_by_the_implicit_mx(self):
        self.submit("eve@v6.test", ["over-v6"])
        wait_for(lambda: "over-v6" in self.v6.subjects(), timeout=15)
        self.assertRegex(self.t.log(), r"to=<eve@v6\.test>, relay=mx\.v6\.test\[::1\]:\d+, .*status=sent")


if __name__ == "__main__":
    unittest.main(verbosity=2)
