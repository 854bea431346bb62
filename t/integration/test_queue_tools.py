"""The queue tools an admin knows from Postfix (issue #4): postqueue -p/-j/-f/-i/-s,
mailq, postsuper -d/-h/-H/-r/-s, postcat -q/-e/-h/-b, on a real instance.

Mail is kept in the queue by making the recipient's Maildir tmp/ not writable:
the delivery fails temporarily and the message waits in deferred/ for
minimal_backoff_time (300 s), far longer than a test, until a tool moves it.
"""
import json
import os
import re
import smtplib
import socket
import subprocess
import time
import unittest

from tern_instance import Instance, tool, wait_for

ALICE = "alice@example.test"
BOB = "bob@example.test"


class QueueTest(unittest.TestCase):
    t = None

    def tool(self, program, *args, input=None, user=None):
        cmd = [tool(program), "-c", self.t.etc] + list(args)
        env = dict(os.environ)
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
        return subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=30, env=env, user=user)

    def ok(self, program, *args, input=None):
        p = self.tool(program, *args, input=input)
        self.assertEqual(p.returncode, 0, "%s %s: %s%s" % (program, args, p.stdout, p.stderr))
        return p

    def block(self, address):
        os.chmod(os.path.join(self.t.maildir(address), "tmp"), 0o500)

    def unblock(self, address):
        os.chmod(os.path.join(self.t.maildir(address), "tmp"), 0o700)

    def send(self, subject, rcpts=(ALICE,)):
        with smtplib.SMTP("127.0.0.1", self.t.port("smtp"), timeout=10) as s:
            s.sendmail("carol@remote.test", list(rcpts), "Subject: %s\r\n\r\nbody of %s\r\n" % (subject, subject))

    def park(self, subject, rcpts=(ALICE,)):
        """Sends a message whose delivery fails for now; returns its queue ID once it is in deferred/."""
        before = set(self.t.queue_files("deferred"))
        self.send(subject, rcpts)
        wait_for(lambda: set(self.t.queue_files("deferred")) - before, timeout=15)
        (qid,) = set(self.t.queue_files("deferred")) - before
        return qid

    def where(self, qid):
        return [f for f in ("maildrop", "incoming", "active", "deferred", "hold", "corrupt")
                if os.path.exists(os.path.join(self.t.queue, f, qid))]

    def delivered(self, address, subject):
        return self.t.message_with(address, "Subject: %s" % subject) is not None

    def queue_empty(self):
        return not any(self.t.queue_files(f) for f in ("incoming", "active", "deferred", "hold"))


class RunningQueue(QueueTest):
    @classmethod
    def setUpClass(cls):
        cls.t = Instance()
        cls.t.add_user(ALICE, "alice-pw")
        cls.t.add_user(BOB, "bob-pw")
        cls.t.start()

    @classmethod
    def tearDownClass(cls):
        cls.t.cleanup()

    def tearDown(self):
        self.unblock(ALICE)
        self.unblock(BOB)
        self.tool("postsuper", "-d", "ALL")

    def test_mailq_and_postqueue_p_show_deferred_mail_with_its_reason(self):
        self.assertIn("Mail queue is empty", self.ok("postqueue", "-p").stdout)
        self.block(ALICE)
        qid = self.park("mailq layout")
        out = self.ok("postqueue", "-p").stdout
        lines = out.splitlines()
        self.assertEqual(lines[0], "-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------")
        self.assertRegex(out, r"\n%s\s+\d+ \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d\s+carol@remote\.test\n" % qid)
        # The delay reason in parentheses, then the recipient at column 41.
        self.assertRegex(out, r"\n\(.*(Maildir|write|Permission|denied).*\)\n {41}alice@example\.test\n")
        self.assertRegex(lines[-1], r"^-- \d+ Kbytes in 1 Request\.$")
        mailq = subprocess.run([tool("mailq")], env=dict(os.environ, MAIL_CONFIG=self.t.etc),
                               capture_output=True, text=True, timeout=30).stdout
        self.assertEqual(mailq, out)

    def test_postqueue_j_prints_one_postfix_json_object_per_line(self):
        self.block(ALICE)
        first = self.park("json one")
        second = self.park("json two", rcpts=(ALICE, BOB))
        out = self.ok("postqueue", "-j").stdout
        objs = [json.loads(line) for line in out.splitlines()]
        self.assertEqual(len(objs), 2)
        by_id = {o["queue_id"]: o for o in objs}
        self.assertEqual(set(by_id), {first, second})
        o = by_id[second]
        self.assertEqual(o["queue_name"], "deferred")
        self.assertIsInstance(o["arrival_time"], int)
        self.assertLessEqual(abs(o["arrival_time"] - time.time()), 60)
        self.assertGreater(o["message_size"], 0)
        self.assertIs(o["forced_expire"], False)
        self.assertEqual(o["sender"], "carol@remote.test")
        # bob's Maildir is writable: only alice is still queued.
        self.assertEqual([r["address"] for r in o["recipients"]], [ALICE])
        self.assertTrue(o["recipients"][0]["delay_reason"])
        self.assertTrue(self.delivered(BOB, "json two"))

    def test_postqueue_f_retries_deferred_mail_now(self):
        self.block(ALICE)
        self.park("flush all")
        self.unblock(ALICE)
        self.ok("postqueue", "-f")
        wait_for(lambda: self.delivered(ALICE, "flush all"), timeout=15)
        wait_for(self.queue_empty, timeout=10)

    def test_postqueue_i_schedules_only_that_message(self):
        self.block(ALICE)
        one = self.park("only me")
        two = self.park("not me")
        self.unblock(ALICE)
        self.ok("postqueue", "-i", one)
        wait_for(lambda: self.delivered(ALICE, "only me"), timeout=15)
        wait_for(lambda: not self.where(one), timeout=10)
        self.assertEqual(self.where(two), ["deferred"])
        self.assertFalse(self.delivered(ALICE, "not me"))
        p = self.tool("postqueue", "-i", "NoSuchId123")
        self.assertEqual(p.returncode, 1)
        self.assertIn("NoSuchId123: no such message", p.stderr)

    def test_postqueue_s_flushes_mail_for_one_site(self):
        self.block(ALICE)
        qid = self.park("site flush")
        self.unblock(ALICE)
        path = os.path.join(self.t.queue, "deferred", qid)
        retry_at = os.stat(path).st_mtime
        self.assertGreater(retry_at, time.time() + 60)  # the backoff, as the file's mtime
        self.ok("postqueue", "-s", "other.test")
        self.assertEqual(os.stat(path).st_mtime, retry_at)  # not that site: untouched
        self.ok("postqueue", "-s", "EXAMPLE.test")
        wait_for(lambda: self.delivered(ALICE, "site flush"), timeout=15)
        wait_for(self.queue_empty, timeout=10)

    def test_postsuper_hold_and_release(self):
        self.block(ALICE)
        qid = self.park("held")
        p = self.ok("postsuper", "-h", qid)
        self.assertIn("postsuper: %s: placed on hold" % qid, p.stderr)
        self.assertIn("postsuper: Placed on hold: 1 message\n", p.stderr)
        self.assertEqual(self.where(qid), ["hold"])
        self.assertRegex(self.ok("postqueue", "-p").stdout, r"\n%s!\s+\d+ " % qid)
        self.assertEqual(json.loads(self.ok("postqueue", "-j").stdout)["queue_name"], "hold")
        # A flush does not touch held mail.
        self.unblock(ALICE)
        self.ok("postqueue", "-f")
        time.sleep(1)
        self.assertEqual(self.where(qid), ["hold"])
        self.assertFalse(self.delivered(ALICE, "held"))
        p = self.ok("postsuper", "-H", qid)
        self.assertIn("postsuper: %s: released from hold" % qid, p.stderr)
        self.assertIn("postsuper: Released from hold: 1 message\n", p.stderr)
        wait_for(lambda: self.delivered(ALICE, "held"), timeout=15)
        wait_for(self.queue_empty, timeout=10)
        self.assertRegex(self.t.log(), r"tern/postsuper\[\d+\]: %s: placed on hold" % qid)

    def test_postsuper_requeue_keeps_settled_recipients(self):
        # alice gets her copy, bob's delivery fails: the message waits with bob Pending only.
        self.block(BOB)
        qid = self.park("requeued", rcpts=(ALICE, BOB))
        wait_for(lambda: self.delivered(ALICE, "requeued"), timeout=10)
        self.unblock(BOB)
        p = self.ok("postsuper", "-r", qid)
        self.assertIn("postsuper: %s: requeued" % qid, p.stderr)
        self.assertIn("postsuper: Requeued: 1 message\n", p.stderr)
        wait_for(lambda: self.delivered(BOB, "requeued"), timeout=15)
        wait_for(self.queue_empty, timeout=10)
        copies = 0
        for path in self.t.all_files(ALICE):
            with open(path, "rb") as f:
                copies += b"Subject: requeued" in f.read()
        self.assertEqual(copies, 1)

    def test_postsuper_requeue_all_takes_held_and_deferred_mail_once(self):
        self.block(ALICE)
        held, deferred = self.park("requeue held"), self.park("requeue deferred")
        self.ok("postsuper", "-h", held)
        self.unblock(ALICE)
        p = self.ok("postsuper", "-r", "ALL")
        self.assertEqual(p.stderr.count(": requeued\n"), 2, p.stderr)
        self.assertIn("postsuper: Requeued: 2 messages\n", p.stderr)
        wait_for(lambda: self.delivered(ALICE, "requeue held") and self.delivered(ALICE, "requeue deferred"), timeout=15)
        wait_for(self.queue_empty, timeout=10)

    def test_postsuper_delete_by_id_from_stdin_and_all(self):
        self.block(ALICE)
        ids = [self.park("delete %d" % i) for i in range(4)]
        self.assertTrue(os.path.exists(os.path.join(self.t.queue, "defer", ids[0])))
        p = self.ok("postsuper", "-d", ids[0])
        self.assertIn("postsuper: %s: removed" % ids[0], p.stderr)
        self.assertIn("postsuper: Deleted: 1 message\n", p.stderr)
        self.assertEqual(self.where(ids[0]), [])
        self.assertFalse(os.path.exists(os.path.join(self.t.queue, "defer", ids[0])))
        # IDs on standard input, with junk that must never reach a path.
        stdin = "%s\n../deferred/%s\n\n%s\nNoSuchId999\n" % (ids[1], ids[3], ids[2])
        p = self.ok("postsuper", "-d", "-", input=stdin)
        self.assertIn("invalid mail queue id: ../deferred/%s" % ids[3], p.stderr)
        self.assertIn("postsuper: Deleted: 2 messages\n", p.stderr)
        self.assertEqual(self.where(ids[3]), ["deferred"])
        p = self.ok("postsuper", "-d", "ALL")
        self.assertIn("postsuper: Deleted: 1 message\n", p.stderr)
        self.assertIn("Mail queue is empty", self.ok("postqueue", "-p").stdout)
        self.assertFalse(self.delivered(ALICE, "delete 1"))

    def test_structure_check_leaves_a_healthy_running_queue_alone(self):
        self.block(ALICE)
        qid = self.park("healthy running")
        p = self.ok("postsuper", "-s", "-p")
        self.assertEqual(p.stderr, "")
        self.assertEqual(self.where(qid), ["deferred"])
        self.assertTrue(os.path.exists(os.path.join(self.t.queue, "defer", qid)))
        self.assertEqual(os.listdir(os.path.join(self.t.queue, "corrupt")), [])

    def test_ids_are_checked_before_use(self):
        for program, args in (("postsuper", ["-d", "../../etc/passwd"]), ("postsuper", ["-h", "a/b"])):
            p = self.tool(program, *args)
            self.assertIn("invalid mail queue id", p.stderr)
        p = self.tool("postcat", "-q", "../../../etc/passwd")
        self.assertEqual(p.returncode, 1)
        self.assertIn("invalid queue id", p.stderr)
        self.assertNotIn("root:", p.stdout)
        p = self.tool("postqueue", "-i", "../x")
        self.assertEqual(p.returncode, 1)
        self.assertIn("invalid queue id", p.stderr)
        p = self.tool("postqueue", "-s", "a/../b")
        self.assertEqual(p.returncode, 1)
        self.assertIn("invalid site name", p.stderr)
        p = self.tool("postsuper", "-d", "ALL", "../etc")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("invalid directory name", p.stderr)

    def test_postcat_q_shows_envelope_header_and_body(self):
        self.block(ALICE)
        qid = self.park("postcat view", rcpts=(ALICE, BOB))
        wait_for(lambda: self.delivered(BOB, "postcat view"), timeout=10)
        out = self.ok("postcat", "-q", qid).stdout
        self.assertRegex(out, r"^\*\*\* ENVELOPE RECORDS \S*%s \*\*\*\n" % qid)
        self.assertIn("\nsender: carol@remote.test\n", out)
        self.assertIn("\nrecipient: alice@example.test (pending)\n", out)
        self.assertIn("\nrecipient: bob@example.test (delivered)\n", out)
        self.assertIn("named_attribute: client_address=127.0.0.1", out)
        self.assertRegex(out, r"\n\*\*\* MESSAGE CONTENTS \S*%s \*\*\*\n" % qid)
        self.assertIn("\nSubject: postcat view\n", out)
        self.assertIn("\n\nbody of postcat view\n", out)
        self.assertRegex(out, r"\*\*\* MESSAGE FILE END \S*%s \*\*\*\n$" % qid)
        header = self.ok("postcat", "-h", "-q", qid).stdout
        self.assertIn("Subject: postcat view\n", header)
        self.assertNotIn("body of", header)
        self.assertNotIn("***", header)
        self.assertNotIn("\n\n", header)
        body = self.ok("postcat", "-bq", qid).stdout
        self.assertEqual(body, "body of postcat view\n")
        env = self.ok("postcat", "-e", "-q", qid).stdout
        self.assertIn("recipient: alice@example.test (pending)", env)
        self.assertNotIn("Subject:", env)
        self.assertNotIn("MESSAGE CONTENTS", env)

    @unittest.skipUnless(os.geteuid() == 0, "needs root to run as another user")
    def test_postsuper_refuses_other_users(self):
        self.block(ALICE)
        qid = self.park("not yours")
        p = self.tool("postsuper", "-d", "ALL", user="nobody")
        self.assertEqual(p.returncode, 1)
        self.assertIn("only root or the mail_owner", p.stderr)
        self.assertEqual(self.where(qid), ["deferred"])
        # postqueue is not set-ID: a user who cannot read the queue is told so, not shown an empty queue.
        p = self.tool("postqueue", "-p", user="nobody")
        self.assertEqual(p.returncode, 1)
        self.assertIn("Permission denied", p.stderr)
        self.assertNotIn("Mail queue is empty", p.stdout)


class StoppedQueue(QueueTest):
    """Master not running: the tools work on the files alone; active/ is fair game."""

    @classmethod
    def setUpClass(cls):
        cls.t = Instance()
        cls.t.add_user(ALICE, "alice-pw")

    @classmethod
    def tearDownClass(cls):
        cls.t.cleanup()

    def setUp(self):
        self.t.start()
        self.block(ALICE)

    def tearDown(self):
        self.unblock(ALICE)
        self.t.stop()

    def test_tools_on_a_stopped_queue(self):
        kept, held, gone = self.park("kept"), self.park("held"), self.park("gone")
        self.t.stop()
        p = self.tool("postqueue", "-f")
        self.assertEqual(p.returncode, 1)
        self.assertIn("mail system is down", p.stderr)
        self.assertIn("removed", self.ok("postsuper", "-d", gone).stderr)
        self.assertIn("Placed on hold: 1 message", self.ok("postsuper", "-h", held).stderr)
        p = self.ok("postsuper", "-H", held)
        self.assertIn("Released from hold: 1 message", p.stderr)
        self.assertIn("queue manager is not running", p.stderr)
        self.assertEqual(self.where(held), ["deferred"])
        # A message left in active/ (master stopped mid-delivery) shows with "*" and may be handled.
        os.rename(os.path.join(self.t.queue, "deferred", kept), os.path.join(self.t.queue, "active", kept))
        self.assertRegex(self.ok("postqueue", "-p").stdout, r"\n%s\*\s+\d+ " % kept)
        self.assertIn("Placed on hold: 1 message", self.ok("postsuper", "-h", kept).stderr)
        self.assertEqual(self.where(kept), ["hold"])
        # Released mail goes when Tern starts again.
        self.unblock(ALICE)
        self.ok("postsuper", "-H", "ALL")
        self.t.start()
        self.ok("postqueue", "-f")
        wait_for(lambda: self.delivered(ALICE, "held") and self.delivered(ALICE, "kept"), timeout=15)
        self.assertFalse(self.delivered(ALICE, "gone"))

    def test_active_message_is_left_alone_while_a_queue_manager_runs(self):
        qid = self.park("in delivery")
        self.t.stop()
        os.rename(os.path.join(self.t.queue, "deferred", qid), os.path.join(self.t.queue, "active", qid))
        # Stand in for a running qmgr: someone listening on public/qmgr.
        path = os.path.join(self.t.queue, "public", "qmgr")
        if os.path.exists(path):
            os.unlink(path)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
            listener.bind(path)
            os.chmod(path, 0o666)
            listener.listen(16)
            for args in (["-d", qid], ["-d", "ALL"], ["-h", qid], ["-r", "ALL"]):
                p = self.tool("postsuper", *args)
                self.assertEqual(p.returncode, 1, args)
                self.assertIn("%s: message is being delivered (active queue), try again" % qid, p.stderr)
                self.assertEqual(self.where(qid), ["active"])
        os.unlink(path)
        self.assertIn("Deleted: 1 message\n", self.ok("postsuper", "-d", qid).stderr)
        self.assertEqual(self.where(qid), [])

    def test_structure_check(self):
        qid = self.park("healthy")
        self.t.stop()
        q = self.t.queue

        def put(rel, data, age=0):
            p = os.path.join(q, rel)
            with open(p, "wb") as f:
                f.write(data)
            os.chmod(p, 0o644)
            if age:
                os.utime(p, (time.time() - age, time.time() - age))
            return p

        put("deferred/Bad1Garbage", b"not a queue file at all")
        put("hold/stray.txt", b"hello")
        old_tmp = put("incoming/.tmp.Old1", b"V", age=2 * 86400)
        new_tmp = put("incoming/.tmp.New1", b"V")
        orphan = put("defer/Gone1", b"recipient=x@example.test\tdsn=4.0.0\treason=old\n")
        p = self.ok("postsuper", "-s")
        self.assertIn("deferred/Bad1Garbage:", p.stderr)
        self.assertIn("moved to corrupt/", p.stderr)
        self.assertIn("Moved to corrupt: 2 files", p.stderr)
        self.assertTrue(os.path.exists(os.path.join(q, "corrupt", "Bad1Garbage")))
        self.assertTrue(os.path.exists(os.path.join(q, "corrupt", "stray.txt")))
        self.assertFalse(os.path.exists(old_tmp))
        self.assertTrue(os.path.exists(new_tmp))
        self.assertFalse(os.path.exists(orphan))
        self.assertEqual(self.where(qid), ["deferred"])  # a good message stays
        self.assertTrue(os.path.exists(os.path.join(q, "defer", qid)))  # with its log
        # Nothing left to do the second time.
        self.assertEqual(self.ok("postsuper", "-s").stderr, "")
        os.unlink(new_tmp)


if __name__ == "__main__":
    unittest.main(verbosity=2)
