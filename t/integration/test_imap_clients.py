"""Real IMAP clients against a sandbox (issue #5): mbsync (isync) and
offlineimap each sync a local Maildir with the account both ways, twice,
with folders, flags, new mail and deletions on both sides, over IMAPS with
the sandbox certificate trusted, and end with both sides holding the same
messages, no duplicates and no losses; a third sync changes nothing. neomutt,
driven through tmux, reads and deletes messages over STARTTLS and shows new
mail that IDLE announces."""
import hashlib
import os
import shutil
import smtplib
import ssl
import subprocess
import textwrap
import unittest

import mail_state as ms
from tern_instance import Instance, wait_for

MBSYNC = shutil.which("mbsync")
OFFLINEIMAP = shutil.which("offlineimap")
NEOMUTT = shutil.which("neomutt")
TMUX = shutil.which("tmux")
SPECIAL = ("Archive", "Drafts", "Junk", "Sent", "Trash")


class ImapClients(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t = Instance()
        for user in ("mb", "oi", "nm"):
            cls.t.add_user("%s@example.test" % user, "%s-pw" % user)
        cls.t.start()
        cls.work = os.path.join(cls.t.dir, "clients")
        os.makedirs(cls.work)
        cls.cert = os.path.join(cls.t.dir, "etc", "tls", "cert.pem")

    @classmethod
    def tearDownClass(cls):
        cls.t.cleanup()

    # --- the server side -----------------------------------------------------------------
    def deliver(self, user, msgid, subject):
        with smtplib.SMTP("127.0.0.1", self.t.port("smtp"), timeout=10) as s:
            s.sendmail("sender@remote.test", [user], "From: sender@remote.test\r\nTo: %s\r\nSubject: %s\r\n"
                       "Message-ID: %s\r\n\r\nbody of %s\r\n" % (user, subject, msgid, subject))
        self.t.wait_message(user, msgid)

    def imap(self, user):
        m = ms.connect(self.t.port("imaps"), user, user.split("@")[0] + "-pw")
        self.addCleanup(lambda: m.logout() if m.state != "LOGOUT" else None)
        return m

    def append(self, m, folder, msgid, subject, flags=""):
        body = "From: remote@example.test\r\nSubject: %s\r\nMessage-ID: %s\r\n\r\nbody of %s\r\n" % (
            subject, msgid, subject)
        typ, data = m.append('"%s"' % folder, "(%s)" % flags if flags else None, None, body.encode())
        self.assertEqual(typ, "OK", data)

    def server_uid(self, m, folder, msgid):
        for uid, mid, _ in ms.fetch_all(m, folder):
            if mid == msgid:
                return uid
        self.fail("%s not in %s on the server" % (msgid, folder))

    def server_store(self, m, folder, msgid, op, flags):
        uid = self.server_uid(m, folder, msgid)
        m.select('"%s"' % folder)
        typ, data = m.uid("STORE", str(uid), op, "(%s)" % flags)
        self.assertEqual(typ, "OK", data)

    def server_delete(self, m, folder, msgid):
        self.server_store(m, folder, msgid, "+FLAGS.SILENT", "\\Deleted")
        typ, data = m.expunge()
        self.assertEqual(typ, "OK", data)
        m.close()

    # --- the shared scenario --------------------------------------------------------------
    def assert_in_sync(self, user, root, expected, log):
        """Both sides hold exactly `expected` ({folder: {Message-ID: flags}}):
        the same messages per folder, each once, with the same flags."""
        want = {f: sorted((mid, tuple(sorted(flags))) for mid, flags in msgs.items()) for f, msgs in expected.items()}
        for name in SPECIAL:
            want.setdefault(name, [])
        server = ms.server_state(self.t.port("imaps"), user, user.split("@")[0] + "-pw")
        local = ms.local_state(root)
        self.assertEqual(server, want, "server side after sync:\n" + log[-6000:])
        self.assertEqual(local, want, "local side after sync:\n" + log[-6000:])

    def two_way_sync(self, user, root, sync):
        """sync() runs the client once; root is its local Maildir tree."""
        tag = user.split("@")[0]
        mid = lambda n: "<%s.%s@clients.test>" % (tag, n)
        # The server: three messages by SMTP, one of them flagged by another
        # IMAP client, and a folder with a child holding messages.
        for n in ("s1", "s2", "s3"):
            self.deliver(user, mid(n), "server %s" % n)
        m = self.imap(user)
        self.server_store(m, "INBOX", mid("s2"), "+FLAGS", "\\Flagged")
        for folder in ("Projects", "Projects/2026"):
            typ, data = m.create('"%s"' % folder)
            self.assertEqual(typ, "OK", data)
        self.append(m, "Projects", mid("p1"), "project p1")
        self.append(m, "Projects", mid("p2"), "project p2", "\\Seen \\Answered")
        self.append(m, "Projects/2026", mid("y1"), "year y1")
        m.logout()
        # The local side: INBOX messages, one of them read, and a folder of its own.
        ms.write_local(root, "INBOX", 1, mid("l1"), "local l1", "S")
        ms.write_local(root, "INBOX", 2, mid("l2"), "local l2")
        ms.write_local(root, "Local", 3, mid("f1"), "local f1", "F")
        ms.write_local(root, "Local", 4, mid("f2"), "local f2")
        expected = {
            "INBOX": {mid("s1"): (), mid("s2"): ("\\Flagged",), mid("s3"): (),
                      mid("l1"): ("\\Seen",), mid("l2"): ()},
            "Projects": {mid("p1"): (), mid("p2"): ("\\Answered", "\\Seen")},
            "Projects/2026": {mid("y1"): ()},
            "Local": {mid("f1"): ("\\Flagged",), mid("f2"): ()},
        }
        log = sync()
        self.assert_in_sync(user, root, expected, log)
        # Spelled out: a flag set on either side reached the other.
        local = {mid_: path for path, mid_, _ in ms.local_files(root)["INBOX"]}
        self.assertTrue(local[mid("s2")].endswith(":2,F"), local[mid("s2")])
        server = ms.server_state(self.t.port("imaps"), user, tag + "-pw")
        self.assertIn((mid("l1"), ("\\Seen",)), server["INBOX"])

        # Changes on both sides: new mail, flags, deletions, a new local message.
        self.deliver(user, mid("s4"), "server s4")
        m = self.imap(user)
        self.server_store(m, "Projects", mid("p1"), "+FLAGS", "\\Seen")
        self.server_delete(m, "Local", mid("f2"))
        m.logout()
        ms.write_local(root, "Projects", 5, mid("l3"), "local l3")
        ms.set_local_letters(root, "INBOX", mid("s1"), "RS")
        ms.delete_local(root, "INBOX", mid("s3"))
        expected["INBOX"][mid("s4")] = ()
        expected["Projects"][mid("p1")] = ("\\Seen",)
        del expected["Local"][mid("f2")]
        expected["Projects"][mid("l3")] = ()
        expected["INBOX"][mid("s1")] = ("\\Answered", "\\Seen")
        del expected["INBOX"][mid("s3")]
        log = sync()
        self.assert_in_sync(user, root, expected, log)

        # Nothing changed: a third sync renames, uploads and expunges nothing.
        uids = ms.server_uids(self.t.port("imaps"), user, tag + "-pw")
        names = ms.local_names(root)
        log = sync()
        self.assertEqual(ms.server_uids(self.t.port("imaps"), user, tag + "-pw"), uids, log[-6000:])
        self.assertEqual(ms.local_names(root), names, log[-6000:])
        self.assert_in_sync(user, root, expected, log)

    def run_client(self, argv, home):
        p = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=dict(os.environ, HOME=home))
        log = p.stdout + p.stderr
        self.assertEqual(p.returncode, 0, "%s exited %d:\n%s" % (argv[0], p.returncode, log[-8000:]))
        # Both clients go on past a failed folder or message and say so.
        self.assertNotRegex(log, r"(?i)\b(error|warning)\b", log[-8000:])
        return log

    # --- mbsync ---------------------------------------------------------------------------
    def test_mbsync_two_way(self):
        self.assertTrue(MBSYNC, "mbsync is not installed: run scripts/install-deps")
        d = os.path.join(self.work, "mbsync")
        root = os.path.join(d, "mail")
        os.makedirs(root)
        rc = os.path.join(d, "mbsyncrc")
        with open(rc, "w") as f:
            # CertificateFile: a certificate listed there is trusted as it is
            # (isync 1.4 mbsync(1)), so the self-signed one need not name 127.0.0.1.
            f.write(textwrap.dedent("""\
                IMAPAccount tern
                Host 127.0.0.1
                Port {port}
                User mb@example.test
                Pass mb-pw
                SSLType IMAPS
                CertificateFile {cert}
                Timeout 20

                IMAPStore far
                Account tern

                MaildirStore near
                Path {root}/
                Inbox {root}/INBOX
                SubFolders Verbatim

                Channel tern
                Far :far:
                Near :near:
                Patterns *
                Create Both
                Expunge Both
                SyncState *
                Sync All
                """).format(port=self.t.port("imaps"), cert=self.cert, root=root))
        self.two_way_sync("mb@example.test", root, lambda: self.run_client([MBSYNC, "-V", "-c", rc, "-a"], d))

    # --- offlineimap -----------------------------------------------------------------------
    def test_offlineimap_two_way(self):
        self.assertTrue(OFFLINEIMAP, "offlineimap is not installed: run scripts/install-deps")
        d = os.path.join(self.work, "offlineimap")
        root = os.path.join(d, "mail")
        os.makedirs(root)
        with open(self.cert) as f:
            der = ssl.PEM_cert_to_DER_cert(f.read())
        rc = os.path.join(d, "offlineimaprc")
        with open(rc, "w") as f:
            # cert_fingerprint pins the self-signed certificate (offlineimap
            # checks it instead of a CA and a host name).
            f.write(textwrap.dedent("""\
                [general]
                accounts = tern
                metadata = {d}/meta
                ui = basic

                [Account tern]
                localrepository = local
                remoterepository = remote

                [Repository local]
                type = Maildir
                localfolders = {root}
                sep = /

                [Repository remote]
                type = IMAP
                remotehost = 127.0.0.1
                remoteport = {port}
                remoteuser = oi@example.test
                remotepass = oi-pw
                ssl = yes
                cert_fingerprint = {fp}
                timeout = 20
                """).format(d=d, root=root, port=self.t.port("imaps"), fp=hashlib.sha256(der).hexdigest()))
        self.two_way_sync("oi@example.test", root,
                          lambda: self.run_client([OFFLINEIMAP, "-c", rc, "-o", "-u", "basic"], d))

    # --- neomutt in tmux -------------------------------------------------------------------
    def test_neomutt_reads_and_deletes(self):
        self.assertTrue(NEOMUTT and TMUX, "neomutt or tmux is not installed: run scripts/install-deps")
        user = "nm@example.test"
        for n in ("one", "two", "three"):
            self.deliver(user, "<nm.%s@clients.test>" % n, "neomutt %s" % n)
        d = os.path.join(self.work, "neomutt")
        os.makedirs(d)
        rc = os.path.join(d, "neomuttrc")
        with open(rc, "w") as f:
            f.write(textwrap.dedent("""\
                set imap_user = "nm@example.test"
                set imap_pass = "nm-pw"
                set folder = "imap://127.0.0.1:{port}/"
                set ssl_starttls = yes
                set ssl_force_tls = yes
                set spoolfile = "+INBOX"
                set certificate_file = "{cert}"
                set ssl_verify_host = no
                set header_cache = ""
                set message_cachedir = ""
                set mark_old = no
                set move = no
                set record = ""
                set delete = yes
                set quit = yes
                set wait_key = no
                set sort = mailbox-order
                set index_format = "%4C %-30.30s"
                set imap_check_subscribed = no
                set imap_idle = yes
                set mail_check = 1
                set timeout = 1
                """).format(port=self.t.port("imap"), cert=self.cert))
        sock = os.path.join(d, "tmux.sock")
        debug = os.path.join(d, "debug.log")
        tmux = lambda *a: subprocess.run([TMUX, "-S", sock] + list(a), capture_output=True, text=True, timeout=10)
        self.addCleanup(lambda: tmux("kill-server"))
        p = tmux("new-session", "-d", "-x", "120", "-y", "30", "env", "HOME=" + d, "TERM=screen",
                 NEOMUTT, "-n", "-d", "5", "-l", debug, "-F", rc)
        self.assertEqual(p.returncode, 0, p.stderr)
        screen = lambda: tmux("capture-pane", "-p").stdout
        keys = lambda *k: self.assertEqual(tmux("send-keys", *k).returncode, 0)

        def until(predicate, what, timeout=15):
            """Waits for predicate; on timeout fails with the screen and
            the IMAP exchange from neomutt's debug log."""
            try:
                wait_for(predicate, timeout=timeout, interval=0.1)
            except TimeoutError:
                trace = ""
                if os.path.exists(debug + "0"):
                    with open(debug + "0", errors="replace") as f:
                        trace = "".join(l for l in f if "_d() " in l)[-6000:]
                self.fail("%s; neomutt's screen:\n%s\nIMAP exchange:\n%s" % (what, screen(), trace))

        m = self.imap(user)

        def flags(msgid):
            """The message's flags on the server, None once it is gone."""
            try:
                entries = ms.fetch_all(m, "INBOX")
            except ms.Refused:  # neomutt expunging meanwhile: ask again
                return "refused"
            for _, mid, fl in entries:
                if mid == msgid:
                    return fl
            return None

        for n in ("one", "two", "three"):
            until(lambda: "neomutt %s" % n in screen(), "no subject %r in the index" % n)
        self.assertEqual(flags("<nm.one@clients.test>"), ())
        with open(debug + "0", errors="replace") as f:
            self.assertRegex(f.read(), r"> a\d+ STARTTLS\n.*< a\d+ OK ", "neomutt did not use STARTTLS")
        # Read message 1: jump to it, open it, back to the index.
        keys("1", "Enter")
        keys("Enter")
        until(lambda: "body of neomutt one" in screen(), "message 1 not displayed")
        keys("q")
        until(lambda: "body of neomutt one" not in screen(), "still in the pager")
        # neomutt fetches with BODY.PEEK[] and stores \Seen when it syncs the mailbox.
        keys("$")
        until(lambda: flags("<nm.one@clients.test>") == ("\\Seen",), "message 1 not \\Seen on the server")
        # Delete message 2 and sync the mailbox: the server expunges it.
        keys("2", "Enter")
        keys("d")
        keys("$")
        until(lambda: flags("<nm.two@clients.test>") is None, "message 2 still on the server")
        until(lambda: "neomutt two" not in screen(), "message 2 still in the index")
        self.assertIn("neomutt one", screen())
        self.assertIn("neomutt three", screen())
        self.assertEqual(sorted(mid for _, mid, _ in ms.fetch_all(m, "INBOX")),
                         ["<nm.one@clients.test>", "<nm.three@clients.test>"])
        self.assertEqual(flags("<nm.three@clients.test>"), ())
        # New mail while neomutt sits in the index: IDLE tells it.
        self.deliver(user, "<nm.four@clients.test>", "neomutt four")
        until(lambda: "neomutt four" in screen(), "new mail not shown")
        with open(debug + "0", errors="replace") as f:
            exchange = "".join(l.split("_d() ", 1)[1] for l in f if "_d() " in l)
        self.assertRegex(exchange, r"> a\d+ IDLE\n4< \+ [^\n]*\n4< \* 3 EXISTS\n", "the new mail did not come during IDLE")
        keys("q")
        until(lambda: tmux("has-session").returncode != 0, "neomutt did not quit")

if __name__ == "__main__":
    unittest.main(verbosity=2)
