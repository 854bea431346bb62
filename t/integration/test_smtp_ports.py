"""The three SMTP ports of RFC 8314 with real clients (issue #3 point 1):
25 with opportunistic STARTTLS and no AUTH, 587 with STARTTLS before AUTH and
AUTH before MAIL, 465 with TLS from the first byte; swaks, msmtp and Python's
smtplib and ssl against a real instance."""
import base64
import os
import re
import smtplib
import socket
import ssl
import subprocess
import tempfile
import unittest

from tern_instance import Instance, wait_for

EXTENSIONS = ["PIPELINING", "SIZE 10240000", "ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "SMTPUTF8", "CHUNKING"]


def client_tls(minimum=None, maximum=None):
    """A TLS client context for the self-signed sandbox certificate."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if minimum:
        ctx.minimum_version = minimum
    if maximum:
        ctx.maximum_version = maximum
    return ctx


def ehlo_lines(s):
    code, text = s.ehlo("client.test")
    assert code == 250, (code, text)
    return text.decode().split("\n")[1:]


def run(cmd, stdin=None):
    p = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


class SmtpPorts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t = Instance()
        cls.t.add_user("alice@example.test", "alice-pw")
        cls.t.add_user("dora@example.test", "dora-pw")
        cls.t.start()

    @classmethod
    def tearDownClass(cls):
        cls.t.cleanup()

    def delivered(self, marker, rcpt="alice@example.test"):
        return self.t.wait_message(rcpt, marker)

    # --- port 25 -------------------------------------------------------------
    def test_25_ehlo_lists_starttls_and_no_auth(self):
        with smtplib.SMTP("127.0.0.1", self.t.port("smtp"), timeout=10) as s:
            lines = ehlo_lines(s)
            self.assertEqual(lines, ["PIPELINING", "SIZE 10240000", "STARTTLS"] + EXTENSIONS[2:])
            s.starttls(context=client_tls())
            # After TLS: no STARTTLS, still no AUTH on port 25.
            self.assertEqual(ehlo_lines(s), EXTENSIONS)
            code, _ = s.docmd("AUTH", "PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABhbGljZS1wdw==")
            self.assertEqual(code, 503)

    def test_25_swaks_starttls_and_pipelining_deliver(self):
        rc, out = run(["swaks", "--server", "127.0.0.1:%d" % self.t.port("smtp"), "--to", "alice@example.test",
                       "--from", "carol@remote.test", "-tls", "--pipeline", "--header", "Subject: swaks-25-tls"])
        self.assertEqual(rc, 0, out)
        self.assertIn("TLS started with cipher TLSv1.3", out)
        self.assertIn("250 2.0.0 Ok: queued as", out)
        data = self.delivered("swaks-25-tls")
        self.assertIn(b"with ESMTPS id", data)
        self.assertIn("Anonymous TLS connection established from unknown[127.0.0.1]: TLSv1.3", self.t.log())

    def test_25_refuses_relaying_for_outsiders_only_by_address(self):
        # 127.0.0.1 is in mynetworks, so the relay battery lives in the unit
        # tests (any client address there); here: local mail needs no AUTH.
        with smtplib.SMTP("127.0.0.1", self.t.port("smtp"), timeout=10) as s:
            s.ehlo("client.test")
            self.assertEqual(s.mail("carol@remote.test")[0], 250)
            self.assertEqual(s.rcpt("nobody@example.test")[0], 550)

    def test_25_bdat_with_raw_socket(self):
        body = b"Subject: bdat-25\r\n\r\nchunked body\r\n"
        with socket.create_connection(("127.0.0.1", self.t.port("smtp")), timeout=10) as c:
            f = c.makefile("rb")
            self.assertTrue(f.readline().startswith(b"220 "))
            c.sendall(b"EHLO client.test\r\nMAIL FROM:<carol@remote.test>\r\nRCPT TO:<alice@example.test>\r\n"
                      + b"BDAT %d\r\n" % 10 + body[:10] + b"BDAT %d LAST\r\n" % (len(body) - 10) + body[10:]
                      + b"QUIT\r\n")
            replies = [f.readline() for _ in range(15)]
        replies = [r for r in replies if r and not r.startswith(b"250-")]
        self.assertEqual(replies[1:5], [b"250 2.1.0 Ok\r\n", b"250 2.1.5 Ok\r\n", b"250 2.0.0 Ok: 10 octets received\r\n",
                                        replies[4]])
        self.assertTrue(replies[4].startswith(b"250 2.0.0 Ok: queued as "), replies)
        self.assertIn(b"chunked body\n", self.delivered("bdat-25"))

    def test_25_disabled_account_is_refused_at_rcpt(self):
        self.t.run("user", "disable", "dora@example.test")
        with smtplib.SMTP("127.0.0.1", self.t.port("smtp"), timeout=10) as s:
            s.ehlo("client.test")
            s.mail("carol@remote.test")
            self.assertEqual(s.rcpt("dora@example.test"),
                             (550, b"5.2.1 <dora@example.test>: Recipient address rejected: mailbox disabled"))
            self.assertEqual(s.rcpt("alice@example.test")[0], 250)

    # --- port 587 ------------------------------------------------------------
    def test_587_auth_only_after_starttls_and_mail_only_after_auth(self):
        with smtplib.SMTP("127.0.0.1", self.t.port("submission"), timeout=10) as s:
            lines = ehlo_lines(s)
            self.assertIn("STARTTLS", lines)
            self.assertFalse(any(l.startswith("AUTH") for l in lines), lines)
            code, msg = s.docmd("AUTH", "PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABhbGljZS1wdw==")
            self.assertEqual((code, msg), (538, b"5.7.11 Encryption required for requested authentication mechanism"))
            self.assertEqual(s.mail("alice@example.test"), (530, b"5.7.0 Must issue a STARTTLS command first"))
            s.starttls(context=client_tls())
            lines = ehlo_lines(s)
            self.assertIn("AUTH PLAIN LOGIN", lines)
            self.assertEqual(s.mail("alice@example.test"), (530, b"5.7.0 Authentication required"))
            s.rset()
            self.assertEqual(s.login("alice@example.test", "alice-pw")[0], 235)
            s.sendmail("alice@example.test", ["alice@example.test"], b"Subject: smtplib-587\r\n\r\nhello\r\n")
        data = self.delivered("smtplib-587")
        self.assertIn(b"Received: by mail.example.test (Tern) with ESMTPSA id", data)
        self.assertNotIn(b"127.0.0.1", data)  # smtpd_hide_client_address on submission
        # The message had only a Subject: submission adds Message-ID and Date (RFC 6409 8.2, 8.3).
        self.assertRegex(data, rb"\nMessage-I[Dd]: <[^>]+@mail\.example\.test>\n")
        self.assertRegex(data, rb"\nDate: [A-Z][a-z]{2}, ")
        self.assertIn("sasl_method=PLAIN, sasl_username=alice@example.test", self.t.log())

    def test_587_wrong_password_is_535_and_logged_for_fail2ban(self):
        with smtplib.SMTP("127.0.0.1", self.t.port("submission"), timeout=10) as s:
            s.starttls(context=client_tls())
            s.ehlo("client.test")
            with self.assertRaises(smtplib.SMTPAuthenticationError) as e:
                s.login("alice@example.test", "wrong")
            self.assertEqual(e.exception.smtp_code, 535)
        self.assertIn("warning: unknown[127.0.0.1]: SASL PLAIN authentication failed", self.t.log())

    def test_587_msmtp_sends_with_auth(self):
        with tempfile.NamedTemporaryFile("w", suffix=".msmtprc", delete=False) as rc:
            rc.write("account tern\nhost 127.0.0.1\nport %d\ntls on\ntls_starttls on\ntls_certcheck off\n"
                     "auth login\nuser alice@example.test\npassword alice-pw\nfrom alice@example.test\n"
                     % self.t.port("submission"))
        os.chmod(rc.name, 0o600)
        try:
            code, out = run(["msmtp", "-C", rc.name, "-a", "tern", "alice@example.test"],
                            stdin="Subject: msmtp-587\n\nsent by msmtp\n")
        finally:
            os.unlink(rc.name)
        self.assertEqual(code, 0, out)
        self.assertIn(b"sent by msmtp", self.delivered("msmtp-587"))
        self.assertIn("sasl_method=LOGIN, sasl_username=alice@example.test", self.t.log())

    def test_587_swaks_auth_refused_before_tls_accepted_after(self):
        port = "127.0.0.1:%d" % self.t.port("submission")
        rc, out = run(["swaks", "--server", port, "--to", "alice@example.test", "--from", "alice@example.test",
                       "-a", "PLAIN", "-au", "alice@example.test", "-ap", "alice-pw"])
        self.assertNotEqual(rc, 0)
        self.assertIn("Host did not advertise authentication", out)
        rc, out = run(["swaks", "--server", port, "--to", "alice@example.test", "--from", "alice@example.test",
                       "-tls", "-a", "PLAIN", "-au", "alice@example.test", "-ap", "alice-pw",
                       "--header", "Subject: swaks-587"])
        self.assertEqual(rc, 0, out)
        self.assertIn("235 2.7.0 Authentication successful", out)
        self.delivered("swaks-587")

    # --- port 465 ------------------------------------------------------------
    def test_465_implicit_tls_with_smtplib_and_swaks(self):
        with smtplib.SMTP_SSL("127.0.0.1", self.t.port("submissions"), timeout=10, context=client_tls()) as s:
            self.assertEqual(s.sock.version(), "TLSv1.3")
            lines = ehlo_lines(s)
            self.assertIn("AUTH PLAIN LOGIN", lines)
            self.assertNotIn("STARTTLS", lines)
            s.login("alice@example.test", "alice-pw")
            s.sendmail("alice@example.test", ["alice@example.test"], b"Subject: smtps-465\r\n\r\nhello\r\n")
        self.delivered("smtps-465")
        rc, out = run(["swaks", "--server", "127.0.0.1:%d" % self.t.port("submissions"), "--tlsc",
                       "--to", "alice@example.test", "--from", "alice@example.test", "-a", "LOGIN",
                       "-au", "alice@example.test", "-ap", "alice-pw", "--header", "Subject: swaks-465"])
        self.assertEqual(rc, 0, out)
        self.delivered("swaks-465")

    def test_tls_1_1_refused_on_465_and_after_starttls_1_3_works(self):
        old = client_tls(ssl.TLSVersion.TLSv1_1, ssl.TLSVersion.TLSv1_1)
        old.set_ciphers("DEFAULT:@SECLEVEL=0")
        with socket.create_connection(("127.0.0.1", self.t.port("submissions")), timeout=10) as c:
            with self.assertRaises(ssl.SSLError):
                old.wrap_socket(c).do_handshake()
        with smtplib.SMTP("127.0.0.1", self.t.port("smtp"), timeout=10) as s:
            s.ehlo("client.test")
            with self.assertRaises(ssl.SSLError):
                s.starttls(context=old)
        # The server itself refused (protocol_version alert), not only the client.
        wait_for(lambda: "SSL_accept error from unknown[127.0.0.1]: error:0A000102:SSL routines::unsupported protocol"
                 in self.t.log(), timeout=5)
        for port in ("smtp", "submission"):
            with smtplib.SMTP("127.0.0.1", self.t.port(port), timeout=10) as s:
                s.ehlo("client.test")
                s.starttls(context=client_tls(ssl.TLSVersion.TLSv1_3))
                self.assertEqual(s.sock.version(), "TLSv1.3")
        with smtplib.SMTP_SSL("127.0.0.1", self.t.port("submissions"), timeout=10,
                              context=client_tls(ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_2)) as s:
            self.assertEqual(s.sock.version(), "TLSv1.2")

    def test_starttls_discards_pipelined_commands(self):
        # STARTTLS injection (CVE-2011-0411 class): a command sent in clear
        # behind STARTTLS must not be executed inside the TLS session.
        with socket.create_connection(("127.0.0.1", self.t.port("smtp")), timeout=10) as c:
            f = c.makefile("rb")
            f.readline()
            c.sendall(b"EHLO client.test\r\n")
            while not f.readline().startswith(b"250 "):
                pass
            c.sendall(b"STARTTLS\r\nRSET\r\n")
            self.assertEqual(f.readline(), b"220 2.0.0 Ready to start TLS\r\n")
            tls = client_tls().wrap_socket(c)
            tls.sendall(b"NOOP\r\n")
            self.assertEqual(tls.recv(1000), b"250 2.0.0 Ok\r\n")  # the RSET's reply never comes
            tls.close()

    def test_zz_tern_reload_loads_a_new_certificate(self):
        def peer_cn():
            ctx = client_tls()
            with socket.create_connection(("127.0.0.1", self.t.port("submissions")), timeout=10) as c:
                with ctx.wrap_socket(c) as tls:
                    der = tls.getpeercert(binary_form=True)
            out = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-subject"], input=der,
                                 capture_output=True, timeout=30).stdout.decode()
            return out.strip()
        self.assertIn("mail.example.test", peer_cn())
        tls_dir = os.path.join(self.t.etc, "tls")
        st = os.stat(os.path.join(tls_dir, "key.pem"))
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-subj", "/CN=renewed.example.test", "-days", "2",
                        "-keyout", os.path.join(tls_dir, "key.pem"), "-out", os.path.join(tls_dir, "cert.pem")],
                       check=True, capture_output=True, timeout=60)
        os.chown(os.path.join(tls_dir, "key.pem"), st.st_uid, st.st_gid)
        self.t.reload()
        wait_for(lambda: "renewed.example.test" in peer_cn(), timeout=15)


class SubmissionRate(unittest.TestCase):
    """smtpd_user_message_rate_limit: authd counts each user's messages."""

    def test_third_message_in_an_hour_gets_450(self):
        t = Instance()
        try:
            t.add_user("alice@example.test", "alice-pw")
            t.postconf("-e", "smtpd_user_message_rate_limit=2")
            t.start()
            with smtplib.SMTP_SSL("127.0.0.1", t.port("submissions"), timeout=10, context=client_tls()) as s:
                s.login("alice@example.test", "alice-pw")
                for i in range(2):
                    s.sendmail("alice@example.test", ["alice@example.test"], b"Subject: rate\r\n\r\nx\r\n")
                self.assertEqual(s.mail("alice@example.test"),
                                 (450, b"4.7.1 Error: too many messages from alice@example.test, try again later"))
            self.assertIn("message rate limit exceeded for sasl_username=alice@example.test", t.log())
        finally:
            t.cleanup()


class BruteForce(unittest.TestCase):
    """30 wrong passwords over SMTP AUTH from one address: that address is
    banned (AUTH answered 454 at once) and the ban is logged; a right
    password from another address still works."""

    def test_thirty_wrong_passwords_ban_the_address_not_the_user(self):
        t = Instance()
        try:
            t.add_user("alice@example.test", "alice-pw")
            t.start()
            attacker = "127.0.0.2"
            codes = []
            for _ in range(3):
                with smtplib.SMTP_SSL("127.0.0.1", t.port("submissions"), timeout=30, context=client_tls(),
                                      source_address=(attacker, 0)) as s:
                    s.ehlo("attacker.test")
                    for _ in range(10):
                        code, _ = s.docmd("AUTH", "PLAIN " + base64.b64encode(b"\0alice@example.test\0guess").decode())
                        codes.append(code)
            self.assertEqual(codes[0], 535)
            self.assertIn(454, codes)                      # banned before the 30th try
            self.assertEqual(codes[-1], 454)
            wait_for(lambda: re.search(r"warning: ban 127\.0\.0\.2 for \d+s after \d+ failed logins", t.log()),
                     timeout=10)
            # Even the right password is refused from the banned address...
            with smtplib.SMTP_SSL("127.0.0.1", t.port("submissions"), timeout=30, context=client_tls(),
                                  source_address=(attacker, 0)) as s:
                s.ehlo("attacker.test")
                code, _ = s.docmd("AUTH", "PLAIN " + base64.b64encode(b"\0alice@example.test\0alice-pw").decode())
                self.assertEqual(code, 454)
            # ...and accepted from another one.
            with smtplib.SMTP_SSL("127.0.0.1", t.port("submissions"), timeout=30, context=client_tls()) as s:
                self.assertEqual(s.login("alice@example.test", "alice-pw")[0], 235)
        finally:
            t.cleanup()


class Pregreet(unittest.TestCase):
    """Port 25 sends its greeting in two parts; a client that talks in
    between is refused and logged (postscreen's PREGREET)."""

    def test_client_talking_before_the_greeting_is_refused(self):
        t = Instance()
        try:
            t.postconf("-e", "mynetworks=127.0.0.1/32")  # 127.0.0.2 plays an outside client
            t.start()
            with socket.create_connection(("127.0.0.1", t.port("smtp")), timeout=10,
                                          source_address=("127.0.0.2", 0)) as c:
                f = c.makefile("rb")
                self.assertEqual(f.readline(), b"220-mail.example.test ESMTP Tern\r\n")
                c.sendall(b"EHLO spambot.test\r\n")
                self.assertEqual(f.readline(), b"554 5.7.1 mail.example.test Error: talked before the greeting\r\n")
                self.assertEqual(f.readline(), b"")  # and the connection is closed
            wait_for(lambda: re.search(r"PREGREET 19 after \d+\.\d from \[127\.0\.0\.2\]:\d+: EHLO spambot",
                                       t.log()), timeout=5)
            with smtplib.SMTP("127.0.0.1", t.port("smtp"), timeout=10, source_address=("127.0.0.3", 0)) as s:
                self.assertEqual(s.noop()[0], 250)  # a patient client gets through
        finally:
            t.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
