"""Keeping IMAP clients in sync (issue #5): CONDSTORE and QRESYNC
(RFC 7162), ENABLE (RFC 5161), keywords, UTF8=ACCEPT (RFC 6855), and two
sessions on one mailbox seeing each other's STORE, EXPUNGE and new mail,
against a real instance. Responses are checked line by line."""
import os
import resource
import re
import smtplib
import socket
import time
import unittest

from raw_imap import RawImap
from tls_client import client_tls
from tern_instance import Instance, wait_for

USER, PASSWORD = "alice@example.test", "alice-pw"


class ImapSync(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t = Instance()
        cls.t.add_user(USER, PASSWORD)
        cls.t.postconf("-e", "imapd_tls_auth_only=no")
        cls.t.start()

    @classmethod
    def tearDownClass(cls):
        cls.t.cleanup()

    def client(self):
        c = RawImap(self.t.port("imap"))
        c.login(USER, PASSWORD)
        self.addCleanup(c.close)
        return c

    def folder(self, name, count):
        c = self.client()
        c.ok("CREATE %s" % name)
        for i in range(count):
            body = "Subject: m%d\r\n\r\nbody %d\r\n" % (i, i)
            c.ok("APPEND %s {%d+}\r\n%s" % (name, len(body), body))
        c.close()

    def deliver(self, subject):
        with smtplib.SMTP("127.0.0.1", self.t.port("smtp"), timeout=10) as s:
            s.sendmail("bob@remote.test", [USER], "Subject: %s\r\n\r\nhello\r\n" % subject)

    def highestmodseq(self, lines):
        for l in lines:
            m = re.search(r"\[HIGHESTMODSEQ (\d+)\]", l)
            if m:
                return int(m.group(1))
        self.fail("no HIGHESTMODSEQ in %s" % lines)

    def test_enable(self):
        c = self.client()
        self.assertEqual(c.ok("ENABLE CONDSTORE UTF8=ACCEPT X-UNKNOWN"), ["* ENABLED CONDSTORE UTF8=ACCEPT"])
        self.assertEqual(c.ok("ENABLE CONDSTORE"), ["* ENABLED"])
        c.ok("SELECT INBOX")
        lines, done = c.cmd("ENABLE QRESYNC")
        self.assertTrue(done.startswith("BAD"), done)  # RFC 5161: authenticated state only

    def test_condstore_store_and_fetch(self):
        self.folder("Cond", 3)
        c = self.client()
        sel = c.ok("SELECT Cond (CONDSTORE)")
        start = self.highestmodseq(sel)
        self.assertIn("* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted", sel)
        got = c.ok("STORE 1 +FLAGS (\\Seen $Forwarded)")
        self.assertEqual(got, ["* 1 FETCH (FLAGS (\\Seen $Forwarded) MODSEQ (%d))" % (start + 1)])
        # UNCHANGEDSINCE: message 1 changed after `start`, 2 did not.
        lines, done = c.cmd("STORE 1:2 (UNCHANGEDSINCE %d) +FLAGS.SILENT (\\Flagged)" % start)
        self.assertEqual(done, "OK [MODIFIED 1] Conditional STORE completed")
        self.assertEqual(lines, ["* 2 FETCH (FLAGS (\\Flagged) MODSEQ (%d))" % (start + 2)])
        lines = c.ok("FETCH 1:* (FLAGS) (CHANGEDSINCE %d)" % (start + 1))
        self.assertEqual(lines, ["* 2 FETCH (FLAGS (\\Flagged) MODSEQ (%d))" % (start + 2)])
        lines = c.ok("UID FETCH 1:* (MODSEQ) (CHANGEDSINCE %d)" % start)
        self.assertEqual(lines, ["* 1 FETCH (UID 1 MODSEQ (%d))" % (start + 1),
                                 "* 2 FETCH (UID 2 MODSEQ (%d))" % (start + 2)])
        self.assertEqual(c.ok("STATUS Cond (HIGHESTMODSEQ MESSAGES)"),
                         ['* STATUS "Cond" (HIGHESTMODSEQ %d MESSAGES 3)' % (start + 2)])
        # The keyword is now part of FLAGS at the next SELECT, and stays.
        sel = c.ok("SELECT Cond")
        self.assertIn("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded)", sel)
        self.assertEqual(c.ok("FETCH 1 FLAGS"), ["* 1 FETCH (FLAGS (\\Seen $Forwarded) MODSEQ (%d))" % (start + 1)])

    def test_qresync_select_reports_what_changed(self):
        self.folder("Resync", 5)
        a = self.client()
        a.ok("ENABLE QRESYNC")
        sel = a.ok("SELECT Resync")
        uv = int(re.search(r"UIDVALIDITY (\d+)", " ".join(sel)).group(1))
        known = self.highestmodseq(sel)
        a.ok("LOGOUT")
        # Meanwhile another client flags 2 and expunges 3 and 4.
        b = self.client()
        b.ok("SELECT Resync")
        b.ok("STORE 2 +FLAGS (\\Flagged)")
        b.ok("STORE 3:4 +FLAGS (\\Deleted)")
        b.ok("EXPUNGE")
        a = self.client()
        self.assertEqual(a.ok("ENABLE QRESYNC"), ["* ENABLED QRESYNC"])
        sel = a.ok("SELECT Resync (QRESYNC (%d %d 1:5))" % (uv, known))
        self.assertIn("* VANISHED (EARLIER) 3:4", sel)
        self.assertTrue(any(re.match(r"\* 2 FETCH \(UID 2 FLAGS \(\\Flagged\) MODSEQ \(\d+\)\)", l) for l in sel), sel)
        self.assertFalse(any("FETCH (UID 1 " in l for l in sel), sel)
        # With QRESYNC on, expunges are VANISHED, not EXPUNGE.
        a.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
        self.assertEqual(a.ok("EXPUNGE"), ["* VANISHED 1"])
        lines = a.ok("UID FETCH 1:5 (FLAGS) (CHANGEDSINCE 1 VANISHED)")
        self.assertEqual(lines[0], "* VANISHED (EARLIER) 1,3:4")
        lines, done = a.cmd("FETCH 1 (FLAGS) (CHANGEDSINCE 1 VANISHED)")
        self.assertTrue(done.startswith("BAD"))
        # Selecting another mailbox closes this one first (RFC 7162 3.2.11).
        self.assertEqual(a.ok("SELECT INBOX")[0], "* OK [CLOSED] Previous mailbox closed")

    def test_two_sessions_see_each_other(self):
        self.folder("Shared", 3)
        a, b = self.client(), self.client()
        a.ok("SELECT Shared")
        b.ok("SELECT Shared")
        b.ok("STORE 2 +FLAGS (\\Answered)")
        self.assertEqual(a.ok("NOOP"), ["* 2 FETCH (FLAGS (\\Answered))"])
        b.ok("STORE 3 +FLAGS (\\Deleted)")
        b.ok("EXPUNGE")
        self.assertEqual(a.ok("NOOP"), ["* 3 EXPUNGE"])
        # No EXPUNGE while a FETCH runs (RFC 9051 7.5.1): the message just is not there.
        b.ok("STORE 1 +FLAGS (\\Deleted)")
        b.ok("EXPUNGE")
        self.assertEqual(a.ok("FETCH 2 (FLAGS)"), ["* 2 FETCH (FLAGS (\\Answered))"])
        self.assertEqual(a.ok("NOOP"), ["* 1 EXPUNGE"])
        b.ok('APPEND Shared {12+}\r\nSubject: n\r\n')
        self.assertEqual(a.ok("NOOP"), ["* 2 EXISTS"])
        # A FETCH of a message another session expunged meanwhile: the rest
        # is sent, and the NO says why (RFC 2180 4.1.2, RFC 5530).
        b.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
        b.ok("EXPUNGE")
        lines, done = a.cmd("FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        self.assertEqual(done, "NO [EXPUNGEISSUED] Some of the requested messages no longer exist")
        self.assertEqual(len(lines), 1)
        self.assertTrue(lines[0].startswith("* 2 FETCH"), lines)
        self.assertEqual(a.ok("NOOP"), ["* 1 EXPUNGE"])

    def test_idle_sees_a_delivery_within_a_second(self):
        c = self.client()
        c.ok("SELECT INBOX")
        c.send(b"i1 IDLE\r\n")
        self.assertEqual(c.line(), "+ idling")
        # A file landing in new/ as local delivers it (tmp/, then a link
        # into new/): the IDLE client hears of it within a second.
        root = self.t.maildir(USER)
        name = "%d.M1P1Q1.test,S=27,W=29" % time.time()
        with open(os.path.join(root, "tmp", name), "w") as f:
            f.write("Subject: idle\n\nhello idle\n")
        landed = time.time()
        os.link(os.path.join(root, "tmp", name), os.path.join(root, "new", name))
        os.unlink(os.path.join(root, "tmp", name))
        got = c.lines_within(1.0, stop=lambda l: l.endswith(" EXISTS"))
        exists = [l for l in got if l.endswith(" EXISTS")]
        self.assertTrue(exists, got)
        self.assertLess(time.time() - landed, 1.0)
        # And the whole path: SMTP, queue, local, Maildir, IDLE.
        self.deliver("idle by smtp")
        got = c.lines_within(5.0, stop=lambda l: l.endswith(" EXISTS"))
        self.assertTrue([l for l in got if l.endswith(" EXISTS")], got)
        c.send(b"DONE\r\n")
        self.assertEqual(c.line(), "i1 OK IDLE terminated")

    def test_compress_deflate(self):
        self.folder("Zip", 0)
        c = self.client()
        big = "Subject: big\r\n\r\n" + ("compressible line of text\r\n" * 4000)
        self.assertEqual(c.compress(), [])
        lines, done = c.cmd("COMPRESS DEFLATE")
        self.assertEqual(done, "NO [COMPRESSIONACTIVE] DEFLATE is already active")
        c.ok("APPEND Zip {%d+}\r\n%s" % (len(big), big))
        c.ok("SELECT Zip")
        got = c.ok("FETCH 1 BODY.PEEK[]")
        self.assertEqual(got[0], "* 1 FETCH (BODY[] {%d}\r\n%s)" % (len(big), big))
        self.assertIn("* CAPABILITY", c.ok("CAPABILITY")[0])
        # The last compressed bytes leave before the connection closes (mbsync saw them lost).
        self.assertEqual(c.ok("LOGOUT"), ["* BYE Logging out"])

    def test_compress_over_tls(self):
        raw = socket.create_connection(("127.0.0.1", self.t.port("imaps")), timeout=10)
        c = RawImap(None, sock=client_tls().wrap_socket(raw))
        self.addCleanup(c.close)
        c.login(USER, PASSWORD)
        c.compress()
        self.assertEqual(c.ok("NOOP"), [])
        self.assertTrue(c.ok('LIST "" INBOX')[0].startswith("* LIST"))
        self.assertEqual(c.ok("LOGOUT"), ["* BYE Logging out"])

    def test_imap4rev2(self):
        self.folder("Rev2", 3)
        c = self.client()
        caps = c.ok("CAPABILITY")[0]
        self.assertIn(" IMAP4rev1 IMAP4rev2 ", caps)
        self.assertEqual(c.ok("ENABLE IMAP4rev2"), ["* ENABLED IMAP4rev2"])
        sel = c.ok("SELECT Rev2")
        self.assertIn('* LIST (\\HasNoChildren) "/" "Rev2"', sel)
        self.assertFalse([l for l in sel if "RECENT" in l or "[UNSEEN" in l], sel)
        # RFC 9051 6.4.4: ESEARCH, with ALL assumed, even without RETURN.
        lines, done = c.cmd("SEARCH ALL")
        self.assertEqual(lines, ['* ESEARCH (TAG "t%d") ALL 1:3' % c.n])
        lines, done = c.cmd("UID SEARCH UID 2:3")
        self.assertEqual(lines, ['* ESEARCH (TAG "t%d") UID ALL 2:3' % c.n])
        lines, done = c.cmd("SEARCH SUBJECT nothing-like-this")
        self.assertEqual(lines, ['* ESEARCH (TAG "t%d")' % c.n])
        # Unsolicited FETCH carries the UID (RFC 9051 7.5.2).
        other = self.client()
        other.ok("SELECT Rev2")
        other.ok("STORE 2 +FLAGS (\\Flagged)")
        self.assertEqual(c.ok("NOOP"), ["* 2 FETCH (UID 2 FLAGS (\\Flagged))"])
        # Mailbox names are UTF-8 (RFC 9051 5.1); IMAP4rev1 sessions still see modified UTF-7.
        c.ok('CREATE "Entwürfe"')
        self.assertIn('* LIST (\\HasNoChildren) "/" "Entw&APw-rfe"', other.ok('LIST "" Entw*'))

    def test_search_modseq_emailid(self):
        self.folder("Mods", 3)
        c = self.client()
        c.ok("SELECT Mods")
        c.ok("STORE 2 +FLAGS (\\Seen)")
        highest = self.highestmodseq(c.ok("SELECT Mods"))
        # The first CONDSTORE-enabling command also reports HIGHESTMODSEQ (RFC 7162 3.1).
        self.assertEqual(c.ok("SEARCH MODSEQ %d" % highest),
                         ["* OK [HIGHESTMODSEQ %d] Highest" % highest, "* SEARCH 2 (MODSEQ %d)" % highest])
        self.assertEqual(c.ok('SEARCH MODSEQ "/flags/\\\\seen" all %d' % highest), ["* SEARCH 2 (MODSEQ %d)" % highest])
        lines = c.ok("SEARCH RETURN (COUNT) MODSEQ 1")
        self.assertRegex(lines[0], r'\* ESEARCH \(TAG "t\d+"\) COUNT 3 MODSEQ %d' % highest)
        email_id = re.search(r"EMAILID \((\w+)\)", c.ok("FETCH 3 EMAILID")[0]).group(1)
        self.assertEqual(c.ok("SEARCH EMAILID %s" % email_id), ["* SEARCH 3"])
        self.assertEqual(c.ok("SEARCH THREADID T1"), ["* SEARCH"])

    def test_imapd_can_hold_many_connections(self):
        # One imapd serves every connection: its descriptor limit is raised.
        self.client()  # imapd runs once a client has connected
        pid = self.t.pids("imapd")[0]
        with open("/proc/%d/limits" % pid) as f:
            line = [l for l in f if l.startswith("Max open files")][0].split()
        soft, hard = int(line[3]), int(line[4])
        self.assertEqual(soft, hard)
        # At least what we may have; 65536 where raising the hard limit is allowed.
        self.assertGreaterEqual(hard, resource.getrlimit(resource.RLIMIT_NOFILE)[1])

    def test_utf8_accept_names(self):
        c = self.client()
        c.ok("ENABLE UTF8=ACCEPT")
        c.ok('CREATE "Überweisungen"')
        plain = self.client()
        self.assertIn('* LIST (\\HasNoChildren) "/" "&ANw-berweisungen"', plain.ok('LIST "" "&ANw-*"'))


if __name__ == "__main__":
    unittest.main()
