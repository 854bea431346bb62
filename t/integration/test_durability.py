"""DESIGN.md queue invariants under kill -9 (issue #2)."""
import os
import shutil
import smtplib
import threading
import time
import unittest

from tern_instance import Instance, wait_for


def message(i):
    return ("From: load@remote.test\r\nTo: alice@example.test\r\nSubject: load %d\r\n"
            "X-Seq: %d\r\n\r\nmessage number %d\r\n" % (i, i, i))


def seqs_delivered(t):
    seen = {}
    for path in t.all_files("alice@example.test"):
        try:
            with open(path, "rb") as f:
                for line in f:
                    if line.startswith(b"X-Seq: "):
                        n = int(line[7:].strip())
                        seen[n] = seen.get(n, 0) + 1
                        break
                    if line == b"\n":
                        break
        except FileNotFoundError:
            pass
    return seen


class Durability(unittest.TestCase):
    def setUp(self):
        self.t = Instance()
        self.t.add_user("alice@example.test", "alice-pw")
        self.t.postconf("-e", "queue_run_delay=2s", "minimal_backoff_time=1s", "maximal_backoff_time=2s")
        self.t.start()

    def tearDown(self):
        self.t.cleanup()

    def queue_with_qmgr_down(self, seq):
        """Queues message(seq) while qmgr is dead, then kills everything: the message is only on disk."""
        # Every daemon the SMTP transaction needs must be up before master is frozen
        # (a frozen master starts nobody): a RCPT answered 250 shows smtpd and authd are.
        with smtplib.SMTP("127.0.0.1", self.t.port("smtp"), timeout=30) as s:
            s.ehlo("warm.test")
            s.mail("load@remote.test")
            self.assertEqual(s.rcpt("alice@example.test")[0], 250)
            s.rset()
        # Stop qmgr from delivering: kill it and keep it down by freezing master (a dead
        # master would take every daemon with it).
        self.t.freeze("master")
        self.t.kill9("qmgr")
        with smtplib.SMTP("127.0.0.1", self.t.port("smtp"), timeout=10) as s:
            s.sendmail("load@remote.test", ["alice@example.test"], message(seq))
        self.t.kill9_all()

    def test_accepted_message_survives_kill9_of_everything(self):
        self.queue_with_qmgr_down(1)
        self.assertEqual(self.t.new_files("alice@example.test"), [])
        self.assertEqual(len(self.t.queue_files("incoming")), 1)
        self.t.start()
        wait_for(lambda: seqs_delivered(self.t) == {1: 1}, timeout=20)

    def test_half_written_files_are_never_delivered(self):
        # What a power failure can leave in incoming/ when a file is written
        # over a spare (the mode on disk, the data not) or a disk damages one:
        # neither may be delivered, and the damaged message is kept.
        with smtplib.SMTP("127.0.0.1", self.t.port("smtp"), timeout=30) as s:
            for i in (1, 2):
                s.sendmail("load@remote.test", ["alice@example.test"], message(i))
        wait_for(lambda: seqs_delivered(self.t) == {1: 1, 2: 1}, timeout=20)
        # The files that left the queue become spares, readied in incoming/ by a later scan.
        self.t.run("-f", program="postqueue")
        wait_for(lambda: len(self.t.spare_files()) >= 1, timeout=20)
        self.queue_with_qmgr_down(3)
        [damaged] = self.t.queue_files("incoming")
        path = os.path.join(self.t.queue, "incoming", damaged)
        with open(path, "r+b") as f:
            data = f.read()
            at = data.index(b"message number 3")
            f.seek(at + len("message number "))
            f.write(b"8")
        unfinished = self.t.spare_files()[0]
        os.chmod(os.path.join(self.t.queue, "incoming", unfinished), 0o640)  # marked complete, data still old
        # qmgr marks a finished message's file a spare, then renames it into incoming/: killed in between.
        stuck = os.path.join(self.t.queue, "active", "Stuck1")
        shutil.copy(path, stuck)  # a message's bytes: delivered, it would show in the Maildir
        os.chmod(stuck, 0o1000)

        self.t.start()
        wait_for(lambda: damaged in self.t.queue_files("corrupt"), timeout=20)
        wait_for(lambda: "%s: written for" % unfinished in self.t.log(), timeout=20)
        time.sleep(1)
        self.assertEqual(seqs_delivered(self.t), {1: 1, 2: 1})
        self.assertIn("%s: %s: the bytes do not match" % (damaged, path.replace("incoming", "active")), self.t.log())
        self.assertNotIn(unfinished, self.t.queue_files("incoming") + self.t.queue_files("active")
                         + self.t.queue_files("corrupt"))
        self.assertIn("Stuck1: a spare left in active/ by a crash", self.t.log())
        self.assertEqual(self.t.queue_files("active"), [])

    def test_kill9_of_qmgr_and_local_while_200_messages_flow(self):
        total = 200
        stop = threading.Event()
        kills = {"qmgr": 0, "local": 0}

        def killer():
            while not stop.is_set():
                for prog in ("qmgr", "local"):
                    time.sleep(0.15)
                    if self.t.pids(prog):
                        self.t.kill9(prog)
                        kills[prog] += 1

        k = threading.Thread(target=killer)
        k.start()
        try:
            sent = 0
            with smtplib.SMTP("127.0.0.1", self.t.port("smtp"), timeout=30) as s:
                for i in range(total):
                    s.sendmail("load@remote.test", ["alice@example.test"], message(i))
                    sent += 1
                    time.sleep(0.02)  # spread the flow over the kills
        finally:
            stop.set()
            k.join()
        self.assertEqual(sent, total)
        wait_for(lambda: len(seqs_delivered(self.t)) == total, timeout=120, interval=0.5)
        seen = seqs_delivered(self.t)
        duplicates = sum(n - 1 for n in seen.values())
        print("kill -9: qmgr %d times, local %d times; %d messages, %d duplicates, 0 lost"
              % (kills["qmgr"], kills["local"], total, duplicates))
        self.assertEqual(sorted(seen), list(range(total)))
        self.assertGreaterEqual(kills["qmgr"], 2)
        self.assertGreaterEqual(kills["local"], 2)
        # Each kill may repeat the deliveries that completed just before it (DESIGN.md
        # invariant 3): a few per kill when the machine is loaded (13 over 5 kills seen
        # under ASan during a parallel `make check`; 0-3 in all when the test runs alone).
        self.assertLessEqual(duplicates, 4 * (kills["qmgr"] + kills["local"]))
        wait_for(lambda: not self.t.queue_files("active") and not self.t.queue_files("incoming")
                 and not self.t.queue_files("deferred"), timeout=60, interval=0.5)


if __name__ == "__main__":
    unittest.main(verbosity=2)
