"""IMAP SEARCH, ESEARCH, SEARCHRES, SORT and THREAD (issue #5) against a real
instance with Python's imaplib: six messages delivered by SMTP, every search
key of RFC 3501/9051 6.4.4, the result options of RFC 4731 and RFC 5182, SORT
by each criterion and both THREAD algorithms of RFC 5256, with exact answers.

The messages' arrival times are set (by their Maildir file names, before the
first login) to six consecutive days in November 2023, so that BEFORE, ON,
SINCE and ARRIVAL have fixed answers."""
import imaplib
import os
import re
import smtplib
import unittest

from tern_instance import Instance, wait_for

USER = "alice@example.test"
ARRIVAL0 = 1700000000  # 14-Nov-2023 22:13:20 UTC; message n arrives n-1 days later


def message(headers, body):
    return ("".join("%s: %s\r\n" % h for h in headers) + "\r\n" + body).encode()


MESSAGES = [
    # 1: the start of a thread; Bcc kept (delivered as given).
    message([("From", "Carol <carol@c.test>"), ("To", "bob@b.test"), ("Cc", "Zed <zed@z.test>"),
             ("Bcc", "secret@s.test"), ("Subject", "Plans for the trip"),
             ("Date", "Mon, 3 Mar 2025 10:00:00 +0000"), ("Message-ID", "<m1@t.test>")],
            "We go to the mountains.\r\n"),
    # 2: a reply to 1 in quoted-printable Latin-1.
    message([("From", "alice@a.test"), ("To", "Carol <carol@c.test>"), ("Subject", "Re: Plans for the trip"),
             ("Date", "Wed, 5 Mar 2025 09:00:00 +0000"), ("Message-ID", "<m2@t.test>"),
             ("In-Reply-To", "<m1@t.test>"), ("References", "<m1@t.test>"), ("MIME-Version", "1.0"),
             ("Content-Type", "text/plain; charset=iso-8859-1"),
             ("Content-Transfer-Encoding", "quoted-printable")],
            "Sch=F6ne Gr=FC=DFe\r\n"),
    # 3: RFC 2047 subject and sender, a base64 UTF-8 part; its Date: is 4 Mar
    # as written but 5 Mar in UTC.
    message([("From", "=?UTF-8?Q?Zo=C3=AB?= <bob@b.test>"), ("To", "alice@a.test"),
             ("Subject", "=?UTF-8?B?R3LDvMOfZSBhdXMgTcO8bmNoZW4=?="),
             ("Date", "Tue, 4 Mar 2025 23:30:00 -0800"), ("Message-ID", "<m3@t.test>"), ("MIME-Version", "1.0"),
             ("Content-Type", 'multipart/mixed; boundary="b"')],
            "--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            "0J/QoNCY0JLQldCiINC80LjRgCwgaGVsbG8NCg==\r\n--b--\r\n"),
    # 4: a reply to 2, with an extra header field.
    message([("From", "dave@d.test"), ("To", "bob@b.test"), ("Cc", "amy@a.test"),
             ("Subject", "Re: Plans for the trip"), ("Date", "Thu, 6 Mar 2025 12:00:00 +0000"),
             ("Message-ID", "<m4@t.test>"), ("References", "<m1@t.test> <m2@t.test>"), ("X-Priority", "1")],
            "Count me in.\r\n"),
    # 5: large; its parent is missing.
    message([("From", "eve@e.test"), ("To", "zack@z.test"), ("Subject", "Fwd: Invoice"),
             ("Date", "Sat, 1 Mar 2025 08:00:00 +0000"), ("Message-ID", "<m5@t.test>"),
             ("References", "<missing@t.test>")],
            "Please pay.\r\n" + ("y" * 78 + "\r\n") * 60),
    # 6: the same missing parent; no usable Date: (sorts by arrival, 2023).
    message([("From", "frank@f.test"), ("To", "amy@a.test"), ("Subject", "[list] Invoice"),
             ("Date", "someday"), ("Message-ID", "<m6@t.test>"), ("References", "<missing@t.test>")],
            "Paid already.\r\n"),
]


class ImapSearch(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t = Instance()
        cls.t.add_user(USER, "alice-pw")
        cls.t.postconf("-e", "imapd_tls_auth_only=no")  # clear text here; test_imap_tls.py covers TLS
        cls.t.start()
        for i, msg in enumerate(MESSAGES):  # one at a time: UID order is sending order
            with smtplib.SMTP("127.0.0.1", cls.t.port("smtp"), timeout=10) as s:
                s.sendmail("sender@remote.test", [USER], msg)
            wait_for(lambda: len(cls.t.new_files(USER)) == i + 1, timeout=10)
        # Arrival times: the seconds that start a Maildir file name. Message n
        # (found by its Message-ID <mn@t.test>) arrives on day n; UIDs follow.
        new = os.path.join(cls.t.maildir(USER), "new")
        for name in cls.t.new_files(USER):
            with open(os.path.join(new, name), "rb") as f:
                n = int(re.search(rb"Message-ID: <m(\d)@t\.test>", f.read()).group(1))
            secs, rest = name.split(".", 1)
            os.rename(os.path.join(new, name), os.path.join(new, "%d.%s" % (ARRIVAL0 + (n - 1) * 86400, rest)))
        m = cls.connect()
        m.select("INBOX")
        for seq, flags in (("1", r"(\Seen)"), ("2", r"(\Answered \Seen $Work)"), ("3", r"(\Flagged)"),
                           ("4", r"(\Deleted)"), ("5", r"(\Draft)")):
            typ, _ = m.store(seq, "FLAGS", flags)
            assert typ == "OK"
        typ, data = m.fetch("1:*", "(UID RFC822.SIZE)")
        cls.uids, cls.sizes = [], []
        for line in data:
            cls.uids.append(int(re.search(rb"UID (\d+)", line).group(1)))
            cls.sizes.append(int(re.search(rb"RFC822\.SIZE (\d+)", line).group(1)))
        m.logout()

    @classmethod
    def tearDownClass(cls):
        cls.t.cleanup()

    @classmethod
    def connect(cls):
        m = imaplib.IMAP4("127.0.0.1", cls.t.port("imap"), timeout=10)
        m.login(USER, "alice-pw")
        return m

    def setUp(self):
        self.m = self.connect()
        typ, _ = self.m.select("INBOX")
        self.assertEqual(typ, "OK")

    def tearDown(self):
        self.m.logout()

    # --- helpers ----------------------------------------------------------------
    def search(self, *keys, literal=None):
        """Sequence numbers SEARCH answers; literal (str) is sent as the last argument."""
        if literal is not None:
            self.m.literal = literal.encode()
        typ, data = self.m.search(*keys) if keys[0] in (None, "UTF-8") else self.m.search(None, *keys)
        self.assertEqual(typ, "OK", keys)
        return [int(n) for n in data[0].split()]

    def raw(self, *args):
        """Sends a command by name; returns (tagged type, tagged text, untagged lines)."""
        self.m.untagged_responses.clear()
        tag = self.m._command(*args)
        try:
            typ, data = self.m._command_complete(args[0], tag)
        except imaplib.IMAP4.error as e:
            return "BAD", str(e), {}
        return typ, data[0].decode(), {k: [x.decode() for x in v if isinstance(x, bytes)]
                                       for k, v in self.m.untagged_responses.items()}

    def esearch(self, *args):
        """The ESEARCH line without its (TAG "...") correlator, which is checked."""
        typ, _, untagged = self.raw(*args)
        self.assertEqual(typ, "OK", args)
        self.assertEqual(len(untagged.get("ESEARCH", [])), 1, untagged)
        line = untagged["ESEARCH"][0]
        tag = "%s%d" % (self.m.tagpre.decode(), self.m.tagnum - 1)
        prefix = '(TAG "%s")' % tag
        self.assertTrue(line.startswith(prefix), (line, prefix))
        return line[len(prefix):].strip()

    def uid_list(self, seqs):
        return [self.uids[n - 1] for n in seqs]

    # --- SEARCH -----------------------------------------------------------------
    def test_01_capabilities(self):
        for cap in ("ESEARCH", "SEARCHRES", "SORT", "THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES"):
            self.assertIn(cap, self.m.capabilities)

    def test_02_flag_keys(self):
        cases = {
            "ALL": [1, 2, 3, 4, 5, 6], "ANSWERED": [2], "UNANSWERED": [1, 3, 4, 5, 6],
            "DELETED": [4], "UNDELETED": [1, 2, 3, 5, 6], "DRAFT": [5], "UNDRAFT": [1, 2, 3, 4, 6],
            "FLAGGED": [3], "UNFLAGGED": [1, 2, 4, 5, 6], "SEEN": [1, 2], "UNSEEN": [3, 4, 5, 6],
            # No session sees \Recent (imapd reports 0 RECENT), so:
            "NEW": [], "RECENT": [], "OLD": [1, 2, 3, 4, 5, 6],
            # Keywords compare case-insensitively (RFC 9051 2.3.2).
            "KEYWORD $Work": [2], "KEYWORD $work": [2], "UNKEYWORD $Work": [1, 3, 4, 5, 6],
            "KEYWORD $Other": [], "UNKEYWORD $Other": [1, 2, 3, 4, 5, 6],
        }
        for key, expected in cases.items():
            self.assertEqual(self.search(key), expected, key)

    def test_03_address_subject_header_keys(self):
        cases = {
            "FROM carol": [1], "FROM CAROL@C.TEST": [1], "TO carol": [2], "TO bob@b.test": [1, 4],
            "CC zed": [1], "CC amy": [4], "BCC secret": [1], "SUBJECT plans": [1, 2, 4],
            "SUBJECT invoice": [5, 6], 'SUBJECT "re: plans"': [2, 4], "HEADER X-Priority 1": [4],
            'HEADER X-Priority ""': [4], "HEADER Message-ID m5@t": [5], 'HEADER X-Absent ""': [],
        }
        for key, expected in cases.items():
            self.assertEqual(self.search(key), expected, key)

    def test_04_decoded_text_case_insensitive_unicode(self):
        # RFC 2047 words in headers, QP Latin-1 and base64 UTF-8 bodies, and
        # case folding beyond ASCII (i;unicode-casemap).
        self.assertEqual(self.search("UTF-8", "FROM", literal="ZOË"), [3])
        self.assertEqual(self.search("UTF-8", "SUBJECT", literal="GRÜSSE"), [])  # no ß expansion
        self.assertEqual(self.search("UTF-8", "SUBJECT", literal="MÜNCHEN"), [3])
        self.assertEqual(self.search("UTF-8", "BODY", literal="grüße"), [2])
        self.assertEqual(self.search("UTF-8", "TEXT", literal="GRÜẞE"), [2, 3])  # capital sharp s folds to ß
        self.assertEqual(self.search("UTF-8", "BODY", literal="привет МИР"), [3])
        self.assertEqual(self.search("BODY mountains"), [1])
        self.assertEqual(self.search("BODY plans"), [])  # headers are not body
        self.assertEqual(self.search("TEXT plans"), [1, 2, 4])
        self.assertEqual(self.search("TEXT mountains"), [1])

    def test_05_dates_sizes_sets(self):
        cases = {
            "BEFORE 16-Nov-2023": [1, 2], "ON 17-Nov-2023": [4], "SINCE 18-Nov-2023": [5, 6],
            "SENTBEFORE 4-Mar-2025": [1, 5], "SENTON 4-Mar-2025": [3], "SENTSINCE 5-Mar-2025": [2, 4],
            "LARGER 3000": [5], "SMALLER 3000": [1, 2, 3, 4, 6],
            "2:3,6": [2, 3, 6], "5:*": [5, 6], "*": [6],
            "UID %d:%d" % (self.uids[1], self.uids[2]): [2, 3],
            "NOT SEEN": [3, 4, 5, 6], "OR FLAGGED DRAFT": [3, 5], "(OR SEEN FLAGGED) SMALLER 3000": [1, 2, 3],
            "NOT (OR SEEN (DELETED))": [3, 5, 6], "CHARSET US-ASCII SEEN": [1, 2],
        }
        for key, expected in cases.items():
            self.assertEqual(self.search(key), expected, key)
        # Exact sizes as FETCH reports them.
        mid = sorted(self.sizes)[3]
        self.assertEqual(self.search("LARGER %d" % mid),
                         [n for n in range(1, 7) if self.sizes[n - 1] > mid])
        self.assertEqual(self.search("SMALLER %d" % mid),
                         [n for n in range(1, 7) if self.sizes[n - 1] < mid])

    def test_06_uid_search_and_errors(self):
        typ, data = self.m.uid("SEARCH", None, "OR FLAGGED DRAFT")
        self.assertEqual([int(x) for x in data[0].split()], self.uid_list([3, 5]))
        typ, text, _ = self.raw("SEARCH", "CHARSET", "ISO-8859-2", "ALL")
        self.assertEqual(typ, "NO")
        self.assertIn("[BADCHARSET (US-ASCII UTF-8)]", text)
        for bad in ("FROB", "SENTON 31-Foo-2025", "OR SEEN", "(SEEN", "MODSEQ x"):
            typ, _, _ = self.raw("SEARCH", bad)
            self.assertEqual(typ, "BAD", bad)

    # --- ESEARCH (RFC 4731) -------------------------------------------------------
    def test_07_esearch(self):
        self.assertEqual(self.esearch("SEARCH", "RETURN", "(MIN MAX ALL COUNT)", "UNDELETED"),
                         "MIN 1 MAX 6 ALL 1:3,5:6 COUNT 5")
        self.assertEqual(self.esearch("SEARCH", "RETURN", "()", "OR SEEN DRAFT"), "ALL 1:2,5")
        self.assertEqual(self.esearch("SEARCH", "RETURN", "(COUNT)", "KEYWORD", "x"), "COUNT 0")
        self.assertEqual(self.esearch("SEARCH", "RETURN", "(MIN MAX)", "KEYWORD", "x"), "")
        self.assertEqual(self.esearch("SEARCH", "RETURN", "(MAX)", "CHARSET", "UTF-8", "SEEN"), "MAX 2")
        u = self.uids
        self.assertEqual(self.esearch("UID", "SEARCH", "RETURN", "(MIN COUNT)", "UNSEEN"),
                         "UID MIN %d COUNT 4" % u[2])
        self.assertEqual(self.esearch("UID", "SEARCH", "RETURN", "(ALL)", "1:2,4"),
                         "UID ALL %d:%d,%d" % (u[0], u[1], u[3]))
        typ, _, _ = self.raw("SEARCH", "RETURN", "(FOO)", "ALL")
        self.assertEqual(typ, "BAD")

    # --- SEARCHRES (RFC 5182) -----------------------------------------------------
    def test_08_searchres(self):
        typ, text, untagged = self.raw("SEARCH", "RETURN", "(SAVE)", "OR SEEN DRAFT")
        self.assertEqual(typ, "OK")
        self.assertNotIn("ESEARCH", untagged)  # SAVE alone answers nothing
        self.assertNotIn("SEARCH", untagged)
        self.assertEqual(self.search("$"), [1, 2, 5])
        self.assertEqual(self.search("$ SMALLER 3000"), [1, 2])
        self.assertEqual(self.search("NOT $"), [3, 4, 6])
        typ, data = self.m.uid("SEARCH", None, "UID $")
        self.assertEqual([int(x) for x in data[0].split()], self.uid_list([1, 2, 5]))
        typ, data = self.m.fetch("$", "(UID)")
        self.assertEqual([int(re.match(rb"(\d+) ", d).group(1)) for d in data], [1, 2, 5])
        typ, data = self.m.uid("FETCH", "$", "(FLAGS)")
        self.assertEqual(len(data), 3)
        typ, data = self.m.store("$", "+FLAGS", r"(\Flagged)")
        self.assertEqual(typ, "OK")
        self.assertEqual(self.search("FLAGGED"), [1, 2, 3, 5])
        typ, data = self.m.uid("STORE", "$", "-FLAGS", r"(\Flagged)")
        self.assertEqual(self.search("FLAGGED"), [3])
        # A saved result can be refined by the search that replaces it.
        typ, _, _ = self.raw("SEARCH", "RETURN", "(SAVE)", "$", "NOT", "SEEN")
        self.assertEqual(self.search("$"), [5])
        # SAVE with MIN or MAX alone keeps only those; with COUNT, everything.
        self.assertEqual(self.esearch("SEARCH", "RETURN", "(SAVE MIN MAX)", "UNSEEN"), "MIN 3 MAX 6")
        self.assertEqual(self.search("$"), [3, 6])
        self.assertEqual(self.esearch("UID", "SEARCH", "RETURN", "(SAVE COUNT)", "UNSEEN"), "UID COUNT 4")
        self.assertEqual(self.search("$"), [3, 4, 5, 6])
        # A failed SEARCH with SAVE empties it.
        typ, _, _ = self.raw("SEARCH", "RETURN", "(SAVE)", "FROB")
        self.assertEqual(typ, "BAD")
        self.assertEqual(self.search("$"), [])
        # SELECT (and EXAMINE, CLOSE, UNSELECT) forget it.
        self.raw("SEARCH", "RETURN", "(SAVE)", "SEEN")
        self.assertEqual(self.search("$"), [1, 2])
        # COPY takes "$" like FETCH and STORE.
        self.assertEqual(self.m.create("Saved")[0], "OK")
        self.assertEqual(self.m.copy("$", "Saved")[0], "OK")
        typ, data = self.m.status("Saved", "(MESSAGES)")
        self.assertIn(b"MESSAGES 2", data[0])
        self.m.select("INBOX")
        self.assertEqual(self.search("$"), [])
        self.raw("SEARCH", "RETURN", "(SAVE)", "SEEN")
        typ, _, _ = self.raw("UNSELECT")
        self.assertEqual(typ, "OK")
        self.m.select("INBOX", readonly=True)
        self.assertEqual(self.search("$"), [])

    # --- SORT (RFC 5256) ----------------------------------------------------------
    def sort(self, criteria, *keys, uid=False):
        keys = keys or ("ALL",)
        if uid:
            typ, data = self.m.uid("SORT", criteria, "UTF-8", *keys)
        else:
            typ, data = self.m.sort(criteria, "UTF-8", *keys)
        self.assertEqual(typ, "OK", criteria)
        return [int(x) for x in data[0].split()]

    def test_09_sort_each_criterion(self):
        by_size = sorted(range(1, 7), key=lambda n: (self.sizes[n - 1], n))
        cases = {
            "(ARRIVAL)": [1, 2, 3, 4, 5, 6],
            "(REVERSE ARRIVAL)": [6, 5, 4, 3, 2, 1],
            # Sent dates in UTC; 6 has no usable Date: and falls back to 2023.
            "(DATE)": [6, 5, 1, 3, 2, 4],
            "(FROM)": [2, 3, 1, 4, 5, 6],  # local parts: alice bob carol dave eve frank
            "(TO)": [3, 6, 1, 4, 2, 5],  # alice amy bob bob carol zack
            "(CC)": [2, 3, 5, 6, 4, 1],  # none first, then amy, zed
            # Base subjects: "grüße aus münchen" < "invoice" < "plans for the trip".
            "(SUBJECT)": [3, 5, 6, 1, 2, 4],
            "(REVERSE SUBJECT DATE)": [1, 2, 4, 6, 5, 3],
            "(SIZE)": by_size,
            "(REVERSE SIZE)": sorted(range(1, 7), key=lambda n: (-self.sizes[n - 1], n)),
        }
        for criteria, expected in cases.items():
            self.assertEqual(self.sort(criteria), expected, criteria)
        self.assertEqual(self.sort("(FROM)", "UNDELETED", uid=True), self.uid_list([2, 3, 1, 5, 6]))
        self.assertEqual(self.sort("(SUBJECT)", "SUBJECT", "invoice"), [5, 6])
        self.assertEqual(self.sort("(DATE)", "KEYWORD", "x"), [])
        typ, text, _ = self.raw("SORT", "(DATE)", "KOI8-R", "ALL")
        self.assertEqual(typ, "NO")
        self.assertIn("[BADCHARSET (US-ASCII UTF-8)]", text)
        for bad in (("(FOO)", "UTF-8", "ALL"), ("(REVERSE)", "UTF-8", "ALL"), ("(DATE)", "ALL")):
            typ, _, _ = self.raw("SORT", *bad)
            self.assertEqual(typ, "BAD", bad)

    # --- THREAD (RFC 5256) --------------------------------------------------------
    def thread(self, algorithm, *keys, uid=False):
        keys = keys or ("ALL",)
        if uid:
            typ, data = self.m.uid("THREAD", algorithm, "UTF-8", *keys)
        else:
            typ, data = self.m.thread(algorithm, "UTF-8", *keys)
        self.assertEqual(typ, "OK", algorithm)
        return (data[0] or b"").decode()

    def test_10_thread_references(self):
        # 1 <- 2 <- 4 by References; 5 and 6 share a missing parent (a dummy at
        # the root, dated by its earliest child, 6); 3 stands alone.
        self.assertEqual(self.thread("REFERENCES"), "((6)(5))(1 2 4)(3)")
        u = self.uids
        self.assertEqual(self.thread("REFERENCES", "UNDELETED", uid=True),
                         "((%d)(%d))(%d %d)(%d)" % (u[5], u[4], u[0], u[1], u[2]))
        # Without 1, its only child 2 takes its place (the dummy is pruned),
        # and 3 (5 Mar 07:30 UTC) now sorts before 2 (09:00).
        self.assertEqual(self.thread("REFERENCES", "NOT", "1"), "((6)(5))(3)(2 4)")
        self.assertEqual(self.thread("REFERENCES", "KEYWORD", "x"), "")

    def test_11_thread_orderedsubject(self):
        self.assertEqual(self.thread("ORDEREDSUBJECT"), "(6 5)(1 (2)(4))(3)")
        self.assertEqual(self.thread("ORDEREDSUBJECT", "SUBJECT", "plans", "NOT", "2"), "(1 4)")
        typ, _, _ = self.raw("THREAD", "JWZ", "UTF-8", "ALL")
        self.assertEqual(typ, "BAD")

    # --- last: EXPUNGE renumbers, and "$" follows the messages ----------------
    def test_12_saved_result_after_expunge(self):
        self.raw("SEARCH", "RETURN", "(SAVE)", "3:*")  # 3, 4 (\Deleted), 5, 6
        typ, data = self.m.expunge()
        self.assertEqual(data, [b"4"])
        self.assertEqual(self.search("$"), [3, 4, 5])
        typ, data = self.m.uid("SEARCH", None, "UID $")
        self.assertEqual([int(x) for x in data[0].split()], [self.uids[2], self.uids[4], self.uids[5]])
        typ, data = self.m.fetch("$", "(UID)")
        self.assertEqual([int(re.search(rb"UID (\d+)", d).group(1)) for d in data],
                         [self.uids[2], self.uids[4], self.uids[5]])
        typ, _, _ = self.raw("CLOSE")
        self.assertEqual(typ, "OK")
        self.m.select("INBOX")
        self.assertEqual(self.search("$"), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
