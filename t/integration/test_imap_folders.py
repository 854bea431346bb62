"""IMAP mailbox management against a real instance with Python's imaplib
(issue #5): CREATE/DELETE/RENAME with hierarchy and INBOX rename,
SUBSCRIBE/LSUB, LIST-EXTENDED with SPECIAL-USE and LIST-STATUS, STATUS with
SIZE, APPEND with APPENDUID, COPY/MOVE with COPYUID, UID EXPUNGE, modified
UTF-7 names, and UIDs that survive a restart and a deleted index."""
import imaplib
import os
import re
import smtplib
import unittest

from tern_instance import Instance, wait_for

USER, PASSWORD = "alice@example.test", "alice-pw"
MESSAGE = b"From: bob@remote.test\r\nTo: alice@example.test\r\nSubject: %s\r\n\r\nbody %s\r\n"


def lines(data):
    return [d.decode() if isinstance(d, bytes) else d[0].decode() for d in data if d is not None]


class ImapFolders(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t = Instance()
        cls.t.add_user(USER, PASSWORD)
        cls.t.add_user("carol@example.test", "carol-pw")
        cls.t.postconf("-e", "imapd_tls_auth_only=no")
        cls.t.start()

    @classmethod
    def tearDownClass(cls):
        cls.t.cleanup()

    def setUp(self):
        self.m = self.connect()

    def tearDown(self):
        try:
            self.m.logout()
        except Exception:
            pass

    def connect(self):
        m = imaplib.IMAP4("127.0.0.1", self.t.port("imap"), timeout=10)
        m.login(USER, PASSWORD)
        return m

    def ok(self, result):
        typ, data = result
        self.assertEqual(typ, "OK", data)
        return data

    def no(self, result, code):
        typ, data = result
        self.assertEqual(typ, "NO", data)
        self.assertIn(code, lines(data)[0])

    def list_lines(self, *args):
        return lines(self.ok(self.m.list(*args)))

    def append(self, folder, subject, flags=None, date=None):
        typ, data = self.m.append(folder, flags, date, MESSAGE % (subject.encode(), subject.encode()))
        self.assertEqual(typ, "OK", data)
        m = re.search(r"\[APPENDUID (\d+) (\d+)\]", lines(data)[0])
        self.assertIsNotNone(m, data)
        return int(m.group(1)), int(m.group(2))

    def test_capabilities(self):
        caps = self.m.capabilities
        for c in ("UIDPLUS", "MOVE", "CHILDREN", "LIST-EXTENDED", "LIST-STATUS", "SPECIAL-USE", "STATUS=SIZE",
                  "OBJECTID"):
            self.assertIn(c, caps)
        self.assertIn("APPENDLIMIT=10240000", caps)

    def test_new_account_has_special_use_folders(self):
        listed = self.list_lines()
        for name, attr in (("Sent", "\\Sent"), ("Drafts", "\\Drafts"), ("Trash", "\\Trash"),
                           ("Junk", "\\Junk"), ("Archive", "\\Archive")):
            self.assertIn('(\\HasNoChildren %s) "/" "%s"' % (attr, name), listed)
        self.assertEqual(listed[0], '(\\HasNoChildren) "/" "INBOX"')
        # RFC 6154: LIST (SPECIAL-USE) selects only those.
        typ, data = self.m._simple_command("LIST", "(SPECIAL-USE)", '""', "*")
        self.assertEqual(typ, "OK")
        special = lines(self.m._untagged_response(typ, data, "LIST")[1])
        self.assertEqual(len(special), 5)
        self.assertNotIn("INBOX", " ".join(special))
        subscribed = lines(self.ok(self.m.lsub()))
        self.assertIn('() "/" "Sent"', subscribed)
        self.assertIn('() "/" "INBOX"', subscribed)

    def test_create_hierarchy_rename_delete(self):
        self.ok(self.m.create("Projects/2026/Q1"))
        listed = self.list_lines('""', "Projects*")
        self.assertEqual(listed, ['(\\HasChildren) "/" "Projects"', '(\\HasChildren) "/" "Projects/2026"',
                                  '(\\HasNoChildren) "/" "Projects/2026/Q1"'])
        self.assertEqual(self.list_lines('""', "Projects/%"), ['(\\HasChildren) "/" "Projects/2026"'])
        self.no(self.m.create("Projects/2026/Q1"), "[ALREADYEXISTS]")
        self.no(self.m.create("INBOX"), "[ALREADYEXISTS]")
        self.append("Projects/2026/Q1", "kept")
        self.ok(self.m.rename("Projects", "Done/Projects"))
        self.assertEqual(self.list_lines('""', "Projects*"), [])
        self.assertIn('(\\HasNoChildren) "/" "Done/Projects/2026/Q1"', self.list_lines('""', "Done/*"))
        data = self.ok(self.m.status("Done/Projects/2026/Q1", "(MESSAGES)"))
        self.assertIn("MESSAGES 1", lines(data)[0])
        self.no(self.m.rename("Nope", "Other"), "[NONEXISTENT]")
        self.no(self.m.rename("Done", "Done/Inner"), "[CANNOT]")
        # DELETE of a parent keeps its children; the parent stays as \Noselect.
        self.ok(self.m.delete("Done/Projects"))
        self.assertIn('(\\Noselect \\HasChildren) "/" "Done/Projects"', self.list_lines('""', "Done/*"))
        self.no(self.m.select("Done/Projects"), "[NONEXISTENT]")
        self.no(self.m.delete("Done/Projects"), "[NONEXISTENT]")
        self.no(self.m.delete("INBOX"), "[CANNOT]")

    def test_international_names_in_modified_utf7(self):
        name = "Entw&APw-rfe"  # "Entwürfe"
        self.ok(self.m.create(name))
        self.assertIn('(\\HasNoChildren) "/" "Entw&APw-rfe"', self.list_lines())
        self.assertTrue(os.path.isdir(os.path.join(self.t.maildir(USER), ".Entw&APw-rfe", "cur")))
        self.no(self.m.create("Bad&Name"), "[CANNOT]")
        self.ok(self.m.create("v1.2"))
        self.assertIn('(\\HasNoChildren) "/" "v1.2"', self.list_lines())

    def test_subscriptions_and_list_extended(self):
        self.ok(self.m.create("Lists/tern"))
        self.ok(self.m.subscribe("Lists/tern"))
        self.ok(self.m.subscribe("Gone/away"))
        lsub = lines(self.ok(self.m.lsub('""', "Lists/*")))
        self.assertEqual(lsub, ['() "/" "Lists/tern"'])
        # LSUB "%" shows the unsubscribed parent as \Noselect (RFC 3501 6.3.9).
        self.assertIn('(\\Noselect) "/" "Lists"', lines(self.ok(self.m.lsub('""', "%"))))
        typ, data = self.m._simple_command("LIST", "(SUBSCRIBED)", '""', "*", "RETURN", "(CHILDREN)")
        self.assertEqual(typ, "OK")
        got = lines(self.m._untagged_response(typ, data, "LIST")[1])
        self.assertIn('(\\HasNoChildren \\Subscribed) "/" "Lists/tern"', got)
        self.assertIn('(\\NonExistent \\Subscribed) "/" "Gone/away"', got)
        typ, data = self.m._simple_command("LIST", "(SUBSCRIBED RECURSIVEMATCH)", '""', "%")
        got = lines(self.m._untagged_response(typ, data, "LIST")[1])
        self.assertIn('(\\HasChildren) "/" "Lists" ("CHILDINFO" ("SUBSCRIBED"))', got)
        self.ok(self.m.unsubscribe("Gone/away"))
        self.assertNotIn("Gone", " ".join(lines(self.ok(self.m.lsub()))))
        with self.assertRaisesRegex(imaplib.IMAP4.error, "RECURSIVEMATCH needs another selection option"):
            self.m._simple_command("LIST", "(RECURSIVEMATCH)", '""', "*")

    def test_list_status_and_status_size(self):
        self.ok(self.m.create("Stats"))
        self.append("Stats", "one", flags="(\\Seen)")
        self.append("Stats", "two", flags="(\\Deleted)")
        data = self.ok(self.m.status("Stats", "(MESSAGES UNSEEN DELETED SIZE UIDNEXT)"))
        size = 2 * len(MESSAGE % (b"one", b"one"))
        self.assertEqual(lines(data)[0], '"Stats" (MESSAGES 2 UNSEEN 1 DELETED 1 SIZE %d UIDNEXT 3)' % size)
        typ, data = self.m._simple_command("LIST", '""', "Stats", "RETURN", "(STATUS (MESSAGES UNSEEN))")
        self.assertEqual(typ, "OK")
        self.assertEqual(lines(self.m._untagged_response(typ, data, "STATUS")[1]), ['"Stats" (MESSAGES 2 UNSEEN 1)'])
        self.no(self.m.status("Missing", "(MESSAGES)"), "[NONEXISTENT]")

    def test_append_with_flags_and_date(self):
        self.ok(self.m.create("Saved"))
        uv, uid = self.append("Saved", "dated", flags="(\\Seen \\Flagged)", date='"05-Mar-2021 10:20:30 +0100"')
        self.assertEqual(uid, 1)
        self.ok(self.m.select("Saved"))
        data = lines(self.ok(self.m.fetch("1", "(UID FLAGS INTERNALDATE RFC822.SIZE)")))[0]
        self.assertIn("UID 1", data)
        self.assertIn("FLAGS (\\Flagged \\Seen)", data)
        self.assertIn('INTERNALDATE " 5-Mar-2021 09:20:30 +0000"', data)  # date-day-fixed
        self.assertIn("RFC822.SIZE %d" % len(MESSAGE % (b"dated", b"dated")), data)
        typ, body = self.m.fetch("1", "(BODY.PEEK[])")
        self.assertEqual(body[0][1], MESSAGE % (b"dated", b"dated"))
        self.no(self.m.append("NoSuchFolder", None, None, b"Subject: x\r\n\r\n"), "[TRYCREATE]")
        with self.assertRaisesRegex(imaplib.IMAP4.error, "Invalid date-time"):
            self.m.append("Saved", None, '"31-Feb-2021 10:20:30 +0100"', b"Subject: x\r\n\r\n")
        # The selected mailbox sees its own APPEND as EXISTS.
        typ, data = self.m.append("Saved", None, None, b"Subject: y\r\n\r\n")
        self.assertEqual(typ, "OK")
        self.assertEqual(self.m.untagged_responses.get("EXISTS")[-1], b"2")

    def test_append_over_the_limit_is_refused(self):
        big = b"Subject: big\r\n\r\n" + b"x" * 10240001
        self.no(self.m.append("INBOX", None, None, big), "[TOOBIG]")
        self.ok(self.m.noop())  # the session goes on

    def test_copy_move_and_uid_expunge(self):
        self.ok(self.m.create("Src"))
        self.ok(self.m.create("Dst"))
        for s in ("a", "b", "c", "d"):
            self.append("Src", s)
        _, dst_first = self.append("Dst", "already there")
        self.ok(self.m.select("Src"))
        typ, data = self.m._simple_command("UID", "COPY", "1:2", "Dst")
        self.assertEqual(typ, "OK")
        m = re.search(r"\[COPYUID (\d+) 1:2 (\S+)\]", lines(data)[0])
        self.assertIsNotNone(m, data)
        self.assertEqual(m.group(2), "%d:%d" % (dst_first + 1, dst_first + 2))
        self.no(self.m.copy("1", "Nowhere"), "[TRYCREATE]")
        # MOVE: COPYUID in an untagged OK, then EXPUNGE for each moved message.
        typ, data = self.m._simple_command("UID", "MOVE", "3,4", "Dst")
        self.assertEqual(typ, "OK")
        self.assertEqual(self.m.untagged_responses.pop("EXPUNGE"), [b"4", b"3"])
        ok = [l.decode() for l in self.m.untagged_responses.pop("OK", [])]
        self.assertTrue(any(re.match(r"\[COPYUID \d+ 3:4 %d:%d\] Moved" % (dst_first + 3, dst_first + 4), l)
                            for l in ok), ok)
        data = self.ok(self.m.status("Dst", "(MESSAGES)"))
        self.assertIn("MESSAGES 5", lines(data)[0])
        # UID EXPUNGE removes only the \Deleted messages in its set.
        self.ok(self.m.store("1:2", "+FLAGS", "(\\Deleted)"))
        typ, data = self.m.uid("EXPUNGE", "2")
        self.assertEqual(typ, "OK")
        self.assertEqual(self.m.untagged_responses.pop("EXPUNGE"), [b"2"])
        self.assertEqual(lines(self.ok(self.m.uid("SEARCH", "ALL")))[0], "1")
        # COPY within the mailbox: the copy gets a new UID.
        typ, data = self.m.copy("1", "Src")
        self.assertEqual(typ, "OK")
        self.assertIn("[COPYUID", lines(data)[0])
        self.assertEqual(lines(self.ok(self.m.uid("SEARCH", "ALL")))[0], "1 5")

    def test_rename_inbox_moves_its_mail(self):
        # A second account keeps the other tests' INBOX untouched.
        c = imaplib.IMAP4("127.0.0.1", self.t.port("imap"), timeout=10)
        c.login("carol@example.test", "carol-pw")
        for s in (b"1", b"2"):
            self.assertEqual(c.append("INBOX", None, None, MESSAGE % (s, s))[0], "OK")
        self.assertEqual(c.rename("INBOX", "Old")[0], "OK")
        self.assertEqual(c.status("INBOX", "(MESSAGES)")[1][0].decode(), '"INBOX" (MESSAGES 0)')
        self.assertEqual(c.status("Old", "(MESSAGES)")[1][0].decode(), '"Old" (MESSAGES 2)')
        c.logout()

    def test_uids_survive_restart_and_index_loss(self):
        self.ok(self.m.create("Keep"))
        uids = [self.append("Keep", s)[1] for s in ("k1", "k2", "k3")]
        uv = self.append("Keep", "k4")[0]
        self.ok(self.m.select("Keep"))
        self.ok(self.m.uid("STORE", str(uids[1]), "+FLAGS", "(\\Deleted)"))
        self.ok(self.m.expunge())
        self.m.logout()
        before = self.snapshot()
        self.t.stop()
        self.t.start()
        self.assertEqual(self.snapshot(), before)
        os.unlink(os.path.join(self.t.maildir(USER), ".Keep", "tern-index"))
        self.assertEqual(self.snapshot(), before)
        # A message delivered after the loss gets a new UID, never an old one.
        self.m = self.connect()
        _, uid = self.append("Keep", "k5")
        self.assertEqual(uid, uids[2] + 2)
        self.assertEqual(self.m.status("Keep", "(UIDVALIDITY)")[1][0].decode(), '"Keep" (UIDVALIDITY %d)' % uv)

    def test_envelope_and_structure_come_back_the_same_from_the_cache(self):
        self.ok(self.m.create("Cached"))
        for s in ("one", "two"):
            self.append("Cached", s)
        self.ok(self.m.select("Cached"))
        first = lines(self.ok(self.m.fetch("1:*", "(ENVELOPE BODYSTRUCTURE BODY)")))
        self.assertTrue(os.path.exists(os.path.join(self.t.maildir(USER), ".Cached", "tern-cache")))
        other = self.connect()
        self.ok(other.select("Cached"))
        again = lines(self.ok(other.fetch("1:*", "(ENVELOPE BODYSTRUCTURE BODY)")))
        other.logout()
        self.assertEqual(first, again)
        self.assertIn('"one"', first[0])

    def test_objectid(self):
        typ, data = self.m.create("Ids")
        self.assertEqual(typ, "OK")
        mailbox_id = re.match(r"\[MAILBOXID \((M[0-9a-f]{24})\)\] CREATE completed", lines(data)[0]).group(1)
        self.assertEqual(lines(self.ok(self.m.status("Ids", "(MAILBOXID)")))[0], '"Ids" (MAILBOXID (%s))' % mailbox_id)
        self.ok(self.m.rename("Ids", "Ids2"))  # RFC 8474 4.1: a rename keeps the id
        self.assertIn(mailbox_id, lines(self.ok(self.m.status("Ids2", "(MAILBOXID)")))[0])
        self.ok(self.m.delete("Ids2"))
        _, data = self.m.create("Ids2")
        self.assertNotIn(mailbox_id, lines(data)[0])
        self.append("Ids2", "object")
        typ, data = self.m.select("Ids2")
        self.assertEqual(typ, "OK")
        self.assertTrue(self.m.response("MAILBOXID")[1][0])
        fetched = lines(self.ok(self.m.fetch("1", "(EMAILID THREADID)")))[0]
        email_id = re.search(r"EMAILID \((E[0-9a-f]{24})\)", fetched).group(1)
        self.assertIn("THREADID NIL", fetched)
        # A copy, and a moved copy, keep the EMAILID.
        self.ok(self.m.create("Ids3"))
        self.ok(self.m.copy("1", "Ids3"))
        self.ok(self.m._simple_command("MOVE", "1", "INBOX"))
        for folder in ("Ids3", "INBOX"):
            self.ok(self.m.select(folder))
            typ, data = self.m.search(None, "ALL")
            last = lines(data)[0].split()[-1]
            self.assertIn("EMAILID (%s)" % email_id, lines(self.ok(self.m.fetch(last, "(EMAILID)")))[0])

    def snapshot(self):
        m = self.connect()
        self.ok(m.select("Keep"))
        typ, data = m.fetch("1:*", "(UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        got = [(re.search(rb"UID (\d+)", d[0]).group(1), d[1].strip()) for d in data if isinstance(d, tuple)]
        uv = m.response("UIDVALIDITY")[1]
        m.logout()
        return uv, got


if __name__ == "__main__":
    unittest.main()
