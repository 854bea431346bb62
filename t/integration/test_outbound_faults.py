"""Faults that must not lose mail (issue #4): outbound delivery when the remote
server misbehaves, and a full queue file system.

A real Tern instance is the sender: its qmgr routes mail for other domains to
smtp(8), which finds the MX in a zone file (dns_zone_file) and talks to a
scriptable SMTP server on loopback (t/support/smtp_sink.py). Each protocol
fault happens once, then the server behaves: the recipient must be deferred,
the message must sit in the queue exactly once with the recipient pending,
and `postqueue -f` must deliver it exactly once.

The full-queue test puts the queue directory on a small tmpfs (needs root to
mount), fills it, and checks that smtpd never says 250 for a message it could
not store, that nothing already queued is damaged, and that mail flows again
when space returns.
"""
import errno
import json
import os
import re
import shutil
import smtplib
import subprocess
import tempfile
import time
import unittest
import uuid

from smtp_sink import SmtpSink, make_certificate
from tern_instance import Instance, wait_for

QUEUE_FOLDERS = ("incoming", "active", "deferred", "hold")
COUNTS = {"faults": 0, "deferred": 0, "delivered_once": 0, "lost": 0, "duplicated": 0}


def tearDownModule():
    if COUNTS["faults"]:
        print("\nfaults: %(faults)d injected, %(deferred)d deferred, %(delivered_once)d delivered once, "
              "%(lost)d lost, %(duplicated)d duplicated" % COUNTS)


def message(marker, rcpt, lines=200):
    return ("From: alice@example.test\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@example.test>\r\n\r\n"
            "body of %s\r\n" % (rcpt, marker, marker, marker) + "filler line\r\n" * lines).encode()


def submit(inst, rcpt, data, sender="alice@example.test"):
    """Sends one message to inst's port 25; returns (code, reply text, queue id or None)."""
    with smtplib.SMTP("127.0.0.1", inst.port("smtp"), timeout=30) as s:
        s.ehlo("client.example.test")
        code, text = s.mail(sender)
        if code != 250:
            return code, text.decode(), None
        code, text = s.rcpt(rcpt)
        if code != 250:
            return code, text.decode(), None
        try:
            code, text = s.data(data)
        except smtplib.SMTPDataError as e:
            return e.smtp_code, e.smtp_error.decode(), None
        text = text.decode()
        m = re.search(r"queued as (\w+)", text)
        return code, text, m.group(1) if m else None


def queue_locations(inst):
    """{queue id: [folders]} over incoming, active, deferred and hold."""
    out = {}
    for folder in QUEUE_FOLDERS:
        for f in inst.queue_files(folder):
            out.setdefault(f, []).append(folder)
    return out


def postqueue_json(inst):
    out = inst.run("-j", program="postqueue")
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def status_lines(inst, qid, status):
    return re.findall(r"%s: to=<([^>]*)>, relay=[^,]*, delay=[\d.]+, delays=[\d./]+, dsn=([\d.]+), status=%s \((.*)\)"
                      % (re.escape(qid), status), inst.log())


class FaultCase:
    """The protocol-fault scenario, shared by the test classes below."""
    tls_level = "may"

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="tern-faults-")
        cert, key = make_certificate(cls.tmp)
        cls.sink = SmtpSink(cert=cert, key=key)
        cls.t = Instance(domain="example.test")
        zone = os.path.join(cls.t.etc, "test.zone")
        with open(zone, "w") as f:
            f.write("mx.sink.test. A 127.0.0.1\n")
            for d in ("drop", "late421", "greet421", "silent", "tlsdrop", "tlsstall", "fine", "split"):
                f.write("%s.test. MX 10 mx.sink.test.\n" % d)
            # Nothing listens on 127.0.0.2 until test_receiver_down_then_back starts a server there.
            f.write("down.test. MX 10 mx.down.test.\nmx.down.test. A 127.0.0.2\n")
        cls.t.postconf("-e", "dns_zone_file=" + zone,
                       "smtp_destination_port=%d" % cls.sink.port,
                       "smtp_tls_security_level=" + cls.tls_level,
                       "smtp_connect_timeout=5s", "smtp_helo_timeout=5s", "smtp_mail_timeout=5s",
                       "smtp_data_done_timeout=3s",
                       # No retry of its own during a test: postqueue -f does it.
                       "queue_run_delay=600s", "minimal_backoff_time=600s", "maximal_backoff_time=1200s")
        cls.t.start()

    @classmethod
    def tearDownClass(cls):
        cls.t.cleanup()
        cls.sink.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def tearDown(self):
        # A failed test leaves neither its fault nor its mail to the next one.
        with self.sink.lock:
            self.sink.pending.clear()
        if queue_locations(self.t):
            self.t.run("-d", "ALL", program="postsuper", check=False)

    def fault_then_flush(self, fault, domain, reason_pattern, lines=200):
        COUNTS["faults"] += 1
        marker = "fault-%s-%s" % (fault, uuid.uuid4().hex[:12])
        rcpt = "bob@%s.test" % domain
        fired_before = len(self.sink.fired)
        self.sink.arm(fault)
        code, text, qid = submit(self.t, rcpt, message(marker, rcpt, lines))
        self.assertEqual(code, 250, text)
        self.assertIsNotNone(qid, text)

        # The attempt fails once: status=deferred for the recipient, with the reason.
        wait_for(lambda: status_lines(self.t, qid, "deferred"), timeout=30, interval=0.1)
        self.assertEqual([f for f, _ in self.sink.fired[fired_before:]], [fault], "the fault did not happen as armed")
        lines = status_lines(self.t, qid, "deferred")
        for addr, dsn, reason in lines:  # (one line from smtp; qmgr may log the same result)
            self.assertEqual(addr, rcpt)
            self.assertTrue(dsn.startswith("4."), lines)
            self.assertRegex(reason, reason_pattern)
        reason = lines[0][2]
        self.assertFalse(status_lines(self.t, qid, "sent"), "delivered although the server failed")
        self.assertFalse(status_lines(self.t, qid, "bounced"), "bounced on a temporary failure")
        self.assertEqual(self.sink.count(marker), 0, "the server acknowledged nothing")
        COUNTS["deferred"] += 1

        # One file, in deferred/, nothing else queued; the recipient is still pending.
        wait_for(lambda: queue_locations(self.t) == {qid: ["deferred"]}, timeout=15, interval=0.1)
        time.sleep(0.5)  # nothing may appear afterwards either
        self.assertEqual(queue_locations(self.t), {qid: ["deferred"]})
        entries = postqueue_json(self.t)
        self.assertEqual([(e["queue_id"], e["queue_name"]) for e in entries], [(qid, "deferred")], entries)
        self.assertEqual([r["address"] for r in entries[0]["recipients"]], [rcpt], entries)
        self.assertIn("delay_reason", entries[0]["recipients"][0])

        # The server behaves now: postqueue -f delivers it, exactly once.
        self.t.run("-f", program="postqueue")
        try:
            wait_for(lambda: self.sink.count(marker) >= 1, timeout=30, interval=0.1)
        except TimeoutError:
            COUNTS["lost"] += 1
            self.fail("not delivered after postqueue -f; queue: %s\nlog tail:\n%s"
                      % (queue_locations(self.t), self.t.log()[-3000:]))
        wait_for(lambda: not queue_locations(self.t), timeout=15, interval=0.1)
        wait_for(lambda: status_lines(self.t, qid, "sent"), timeout=10, interval=0.1)
        time.sleep(0.5)
        n = self.sink.count(marker)
        if n == 1:
            COUNTS["delivered_once"] += 1
        else:
            COUNTS["duplicated"] += 1
        self.assertEqual(n, 1, "the receiver saw the message %d times" % n)
        return reason


class ProtocolFaults(FaultCase, unittest.TestCase):
    """smtp_tls_security_level = may: the sink offers STARTTLS and completes it when it behaves."""

    def test_server_disappears_mid_data(self):
        # 2.6 MB: more than the socket buffers hold, so the client is still sending when
        # the server goes (a small message would be all written before the close is seen).
        self.fault_then_flush("drop_mid_data", "drop",
                              r"lost connection with mx\.sink\.test\[127\.0\.0\.1\] while sending message body$",
                              lines=200000)

    def test_421_after_the_message(self):
        self.fault_then_flush("421_after_data", "late421",
                              r"host mx\.sink\.test\[127\.0\.0\.1\] said: 421 4\.3\.0 .*"
                              r"\(in reply to end of DATA command\)")

    def test_421_greeting(self):
        self.fault_then_flush("421_greeting", "greet421",
                              r"host mx\.sink\.test\[127\.0\.0\.1\] refused to talk to me: 421 4\.3\.2")

    def test_server_goes_silent_after_data(self):
        # smtp_data_done_timeout = 3s: the client gives up on the reply to the final dot.
        self.fault_then_flush("silent_after_data", "silent",
                              r"conversation with mx\.sink\.test\[127\.0\.0\.1\] timed out while sending end of data "
                              r"-- message may be sent more than once")
        self.assertGreaterEqual(self.sink.unacknowledged, 1)

    def test_tls_dropped_during_the_handshake(self):
        self.fault_then_flush("tls_drop", "tlsdrop",
                              r"TLS handshake with mx\.sink\.test\[127\.0\.0\.1\]:\d+ failed: lost connection")
        self.assertIn("TLS connection established to mx.sink.test[127.0.0.1]:%d" % self.sink.port, self.t.log())

    def test_tls_handshake_stalls(self):
        # smtp_helo_timeout = 5s bounds the handshake too.
        self.fault_then_flush("tls_stall", "tlsstall",
                              r"TLS handshake with mx\.sink\.test\[127\.0\.0\.1\]:\d+ failed: timed out")

    def test_one_recipient_sent_the_other_deferred(self):
        # Two destinations, two deliveries: the fault hits only split.test's. The recipient
        # that was sent is settled and must not go out again with the retry.
        COUNTS["faults"] += 1
        marker = "fault-split-%s" % uuid.uuid4().hex[:12]
        fine, split = "bob@fine.test", "carol@split.test"
        fired_before = len(self.sink.fired)
        self.sink.arm("drop_mid_data", rcpt="@split.test")
        with smtplib.SMTP("127.0.0.1", self.t.port("smtp"), timeout=30) as s:
            s.sendmail("alice@example.test", [fine, split], message(marker, fine + ", " + split))
        wait_for(lambda: self.sink.received_by(marker, fine) == 1 and
                 [f for f, _ in self.sink.fired[fired_before:]] == ["drop_mid_data"], timeout=30, interval=0.1)
        wait_for(lambda: len(queue_locations(self.t)) == 1 and
                 list(queue_locations(self.t).values()) == [["deferred"]], timeout=30, interval=0.1)
        (qid,) = queue_locations(self.t)
        self.assertTrue(status_lines(self.t, qid, "deferred"))
        COUNTS["deferred"] += 1
        entries = postqueue_json(self.t)
        self.assertEqual([[r["address"] for r in e["recipients"]] for e in entries], [[split]], entries)
        self.t.run("-f", program="postqueue")
        wait_for(lambda: self.sink.received_by(marker, split) >= 1, timeout=30, interval=0.1)
        wait_for(lambda: not queue_locations(self.t), timeout=15, interval=0.1)
        time.sleep(0.5)
        self.assertEqual((self.sink.received_by(marker, fine), self.sink.received_by(marker, split)), (1, 1))
        COUNTS["delivered_once"] += 1

    def test_receiver_down_then_back(self):
        # The receiver is not there at all (connection refused), long enough for qmgr to
        # suspend the destination; it comes back and the admin runs postqueue -f. As with
        # Postfix (QMGR_REQ_FLUSH_DEAD), the flush tries the destination again at once.
        markers = ["fault-down-%d-%s" % (i, uuid.uuid4().hex[:8]) for i in range(6)]
        for m in markers:
            code, text, qid = submit(self.t, "bob@down.test", message(m, "bob@down.test"))
            self.assertEqual(code, 250, text)
        wait_for(lambda: len(self.t.queue_files("deferred")) == len(markers), timeout=30, interval=0.1)
        self.assertEqual(len(queue_locations(self.t)), len(markers))
        back = SmtpSink(host="127.0.0.2", port=self.sink.port)
        self.addCleanup(back.close)
        self.t.run("-f", program="postqueue")
        wait_for(lambda: all(back.count(m) == 1 for m in markers), timeout=15, interval=0.1)
        wait_for(lambda: not queue_locations(self.t), timeout=15, interval=0.1)


class ProtocolFaultsEncrypt(FaultCase, unittest.TestCase):
    """smtp_tls_security_level = encrypt: a dropped handshake defers, never falls back to clear text."""
    tls_level = "encrypt"

    def test_tls_dropped_during_the_handshake(self):
        self.fault_then_flush("tls_drop", "tlsdrop",
                              r"TLS handshake with mx\.sink\.test\[127\.0\.0\.1\]:\d+ failed: lost connection")
        self.assertTrue(all(m.tls for m in self.sink.messages), "a message went in clear text at level encrypt")


# --- a full queue file system -----------------------------------------------------
MiB = 1024 * 1024


def can_mount():
    if os.geteuid() != 0:
        return "mounting a tmpfs needs root"
    if not shutil.which("mount"):
        return "no mount command"
    return None


def free_bytes(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


class FullQueue(unittest.TestCase):
    """The queue directory on an 8 MB tmpfs: queue_minfree at MAIL, ENOSPC during DATA."""

    def setUp(self):
        why = can_mount()
        if why:
            self.skipTest(why)
        self.sink = SmtpSink()
        self.addCleanup(self.sink.close)
        # The receiver defers every recipient: mail accumulates in the queue. (Not a receiver
        # that is down: qmgr would then suspend the whole destination, which is not tested here.)
        self.sink.rcpt_reply = "450 4.2.1 <bob@full.test>: Mailbox busy, try again later"
        self.t = Instance(domain="example.test")
        self.addCleanup(self.t.cleanup)
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0755", "tmpfs", self.t.queue],
                           capture_output=True, text=True)
        if p.returncode != 0:
            self.skipTest("cannot mount a tmpfs: " + p.stderr.strip())
        self.addCleanup(self.unmount)   # cleanups run last in, first out: stop, unmount, remove
        self.addCleanup(self.t.stop)
        self.filler = os.path.join(self.t.queue, "filler")
        zone = os.path.join(self.t.etc, "test.zone")
        with open(zone, "w") as f:
            f.write("full.test. MX 10 mx.sink.test.\nmx.sink.test. A 127.0.0.1\n")
        self.t.postconf("-e", "dns_zone_file=" + zone, "smtp_destination_port=%d" % self.sink.port,
                        "smtp_connect_timeout=5s",
                        # queue_minfree is below message_size_limit on purpose: a message that
                        # passes the check at MAIL can still fill the disk during DATA.
                        "queue_minfree=%d" % MiB, "message_size_limit=%d" % (6 * MiB),
                        "queue_run_delay=600s", "minimal_backoff_time=600s", "maximal_backoff_time=1200s")
        self.t.start()

    def unmount(self):
        if subprocess.run(["umount", self.t.queue], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", self.t.queue], capture_output=True)

    def fill_to(self, free_target):
        """Grows or shrinks the filler file so that about free_target bytes stay free
        (0: until the file system says ENOSPC); returns the bytes left free."""
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            current = os.fstat(fd).st_size
            size = max(0, current + free_bytes(self.t.queue) - free_target)
            if size <= current:
                os.ftruncate(fd, size)
            else:
                os.lseek(fd, current, os.SEEK_SET)
                zeros = b"\0" * MiB
                pos = current
                while pos < size:
                    try:
                        pos += os.write(fd, zeros[:min(MiB, size - pos)])
                    except OSError as e:
                        if e.errno != errno.ENOSPC:
                            raise
                        break
        finally:
            os.close(fd)
        return free_bytes(self.t.queue)

    def all_queued(self):
        return queue_locations(self.t)

    def test_full_queue_refuses_with_4xx_keeps_queued_mail_and_recovers(self):
        accepted = {}      # marker -> queue id, every message that got 250
        refused_mail = refused_data = 0
        rcpt = "bob@full.test"

        def send(marker, extra=b""):
            return submit(self.t, rcpt, message(marker, rcpt) + extra)

        # Mail accumulates while the receiver is down.
        for i in range(10):
            marker = "full-before-%d-%s" % (i, uuid.uuid4().hex[:8])
            code, text, qid = send(marker)
            self.assertEqual(code, 250, text)
            accepted[marker] = qid
        wait_for(lambda: all(status_lines(self.t, q, "deferred") for q in accepted.values()), timeout=30)

        # Less than queue_minfree left: 452 4.3.1 at MAIL.
        left = self.fill_to(512 * 1024)
        self.assertLess(left, MiB)
        for i in range(3):
            code, text, qid = send("full-refused-%d" % i)
            self.assertEqual(code, 452, "free %d bytes: %s" % (left, text))
            self.assertIn("4.3.1", text)
            self.assertIsNone(qid)
            refused_mail += 1
        self.assertIn("not enough free space in mail queue", self.t.log())

        # Above queue_minfree at MAIL, but the message does not fit: a 4xx at the end of
        # DATA, never a 250, and no partial file left behind.
        left = self.fill_to(int(1.5 * MiB))
        self.assertGreater(left, MiB)
        big = b"".join(b"%07d big message line, too big for the space that is left\r\n" % n for n in range(60000))
        for i in range(2):
            marker = "full-big-%d-%s" % (i, uuid.uuid4().hex[:8])
            code, text, qid = send(marker, big)
            if code == 250:  # it did fit after all: then it must be intact and delivered
                accepted[marker] = qid
                continue
            self.assertTrue(400 <= code < 500, "%d %s" % (code, text))
            refused_data += 1
        self.assertGreater(refused_data, 0, "no message hit the full disk during DATA")
        leftovers = [f for f in os.listdir(os.path.join(self.t.queue, "incoming")) if f.startswith(".")]
        self.assertEqual(leftovers, [], "a refused message left its partial file behind")

        # The deferred mail is tried again while the disk is full (qmgr writes defer logs).
        self.fill_to(0)
        before = len(re.findall(r"status=deferred", self.t.log()))
        self.t.run("-f", program="postqueue")
        wait_for(lambda: len(re.findall(r"status=deferred", self.t.log())) >= before + len(accepted), timeout=30)

        # Nothing already queued is damaged: one file per acknowledged message, each readable.
        queued = self.all_queued()
        self.assertEqual(sorted(queued), sorted(accepted.values()), queued)
        for marker, qid in accepted.items():
            out = self.t.run("-q", qid, program="postcat")
            self.assertIn(marker, out)
            self.assertIn("bob@full.test", out)
        self.assertEqual(self.t.queue_files("corrupt"), [])

        # Space returns: mail is accepted again, and everything acknowledged is delivered once.
        os.unlink(self.filler)
        for i in range(5):
            marker = "full-after-%d-%s" % (i, uuid.uuid4().hex[:8])
            code, text, qid = send(marker)
            self.assertEqual(code, 250, text)
            accepted[marker] = qid
        # (Each has had its first try, so the flush finds every one in deferred/.)
        wait_for(lambda: all(status_lines(self.t, q, "deferred") for q in accepted.values()), timeout=30)
        wait_for(lambda: set(self.t.queue_files("deferred")) == set(accepted.values()), timeout=30)
        self.sink.rcpt_reply = None
        self.t.run("-f", program="postqueue")
        try:
            wait_for(lambda: all(self.sink.count(m) >= 1 for m in accepted), timeout=60, interval=0.2)
        except TimeoutError:
            missing = [m for m in accepted if not self.sink.count(m)]
            self.fail("not delivered: %s; queue %s" % (missing, self.all_queued()))
        wait_for(lambda: not self.all_queued(), timeout=20)
        counts = [self.sink.count(m) for m in accepted]
        refused_seen = self.sink.count("full-refused-") + self.sink.count("full-big-") - sum(
            self.sink.count(m) for m in accepted if m.startswith("full-big-"))
        print("\nfull queue: %d accepted, %d refused with 452 4.3.1 at MAIL, %d refused at end of DATA, "
              "%d delivered once, %d duplicated, %d lost"
              % (len(accepted), refused_mail, refused_data, counts.count(1), sum(c > 1 for c in counts),
                 counts.count(0)))
        self.assertEqual(counts, [1] * len(accepted))
        self.assertEqual(refused_seen, 0, "a refused message was delivered")


if __name__ == "__main__":
    unittest.main(verbosity=2)
