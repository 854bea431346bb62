"""IMAP with TLS and SASL (issue #5): STARTTLS on the imap port with
LOGINDISABLED until TLS, TLS from the first byte on the imaps port (993),
AUTHENTICATE PLAIN with and without SASL-IR, through authd with its bans;
Python's imaplib and ssl against a real instance with the default
imapd_tls_auth_only = yes."""
import imaplib
import os
import re
import socket
import ssl
import subprocess
import time
import unittest

from tern_instance import Instance, wait_for
from tls_client import client_tls, plain


def caps(m):
    typ, data = m.capability()
    assert typ == "OK", (typ, data)
    return data[0].decode().split()


def close(m):
    try:
        m.shutdown()
    except OSError:  # already closed by LOGOUT or a failed handshake
        pass


def read_line(sock):
    line = b""
    while not line.endswith(b"\r\n"):
        chunk = sock.recv(1)
        if not chunk:
            break
        line += chunk
    return line.decode()


class ImapTls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t = Instance()
        cls.t.add_user("alice@example.test", "alice-pw")
        cls.t.start()

    @classmethod
    def tearDownClass(cls):
        cls.t.cleanup()

    def starttls(self):
        m = imaplib.IMAP4("127.0.0.1", self.t.port("imap"), timeout=10)
        m.starttls(ssl_context=client_tls())
        return m

    def test_clear_text_port_offers_starttls_and_disables_login(self):
        m = imaplib.IMAP4("127.0.0.1", self.t.port("imap"), timeout=10)
        try:
            greeting = m.welcome.decode()
            self.assertIn("STARTTLS", greeting)
            self.assertIn("LOGINDISABLED", greeting)
            c = caps(m)
            self.assertIn("STARTTLS", c)
            self.assertIn("LOGINDISABLED", c)
            self.assertFalse([x for x in c if x.startswith("AUTH=")], c)
            self.assertNotIn("SASL-IR", c)
            # The right password is refused in clear, and not sent to authd.
            typ, data = m._simple_command("LOGIN", "alice@example.test", "alice-pw")
            self.assertEqual(typ, "NO")
            self.assertIn("[PRIVACYREQUIRED]", data[0].decode())
            typ, data = m._simple_command("AUTHENTICATE", "PLAIN", plain("alice@example.test", "alice-pw"))
            self.assertEqual(typ, "NO")
            self.assertIn("[PRIVACYREQUIRED]", data[0].decode())
            self.assertEqual(m.state, "NONAUTH")
        finally:
            close(m)

    def test_after_starttls_capabilities_on_request_and_login_works(self):
        m = self.starttls()
        try:
            self.assertEqual(m.sock.version(), "TLSv1.3")
            c = caps(m)
            for want in ("IMAP4rev1", "AUTH=PLAIN", "SASL-IR"):
                self.assertIn(want, c)
            self.assertNotIn("LOGINDISABLED", c)
            self.assertNotIn("STARTTLS", c)
            typ, _ = m.login("alice@example.test", "alice-pw")
            self.assertEqual(typ, "OK")
            typ, data = m.select("INBOX")
            self.assertEqual(typ, "OK")
            # After login the capabilities no longer list AUTH= (RFC 3501 7.2.1).
            self.assertFalse([x for x in caps(m) if x.startswith("AUTH=")])
            m.logout()
        finally:
            close(m)
        self.assertRegex(self.t.log(), r"tern/imapd\[\d+\]: login: user=<alice@example.test>, method=LOGIN, "
                                       r"rip=127\.0\.0\.1, TLS")

    def test_starttls_twice_and_starttls_with_arguments(self):
        m = self.starttls()
        try:
            typ, data = m._simple_command("STARTTLS")
        except imaplib.IMAP4.error as e:
            typ, data = "BAD", [str(e).encode()]
        finally:
            close(m)
        self.assertEqual(typ, "BAD")
        self.assertIn("already active", data[0].decode())

    def test_starttls_discards_pipelined_commands(self):
        # STARTTLS injection (CVE-2011-0411 class): a command sent in clear
        # behind STARTTLS must not be executed inside the TLS session.
        with socket.create_connection(("127.0.0.1", self.t.port("imap")), timeout=10) as c:
            self.assertTrue(read_line(c).startswith("* OK"))
            c.sendall(b"a STARTTLS\r\nb LOGOUT\r\n")
            self.assertEqual(read_line(c), "a OK Begin TLS negotiation now.\r\n")
            with client_tls().wrap_socket(c) as tls:
                tls.sendall(b"c NOOP\r\n")
                reply = b""
                while b"c OK" not in reply:
                    chunk = tls.recv(4096)
                    self.assertTrue(chunk, reply)
                    reply += chunk
                # The injected LOGOUT never ran: no BYE, no "b" reply, the session goes on.
                self.assertEqual(reply.decode(), "c OK NOOP completed\r\n")
        wait_for(lambda: "discarding 10 bytes sent after STARTTLS by [127.0.0.1]" in self.t.log(), timeout=5)

    def test_authenticate_plain_with_and_without_initial_response(self):
        # SASL-IR (RFC 4959): the credentials on the command line.
        m = self.starttls()
        try:
            typ, data = m._simple_command("AUTHENTICATE", "PLAIN", plain("alice@example.test", "alice-pw"))
            self.assertEqual(typ, "OK", data)
            self.assertIn("[CAPABILITY", data[0].decode())
            m.state = "AUTH"
            self.assertEqual(m.select("INBOX")[0], "OK")
        finally:
            close(m)
        # Without: "+ " and the response on the next line (imaplib's own way).
        m = self.starttls()
        try:
            typ, _ = m.authenticate("PLAIN", lambda _: b"\0alice@example.test\0alice-pw")
            self.assertEqual(typ, "OK")
            self.assertEqual(m.select("INBOX")[0], "OK")
        finally:
            close(m)
        self.assertRegex(self.t.log(), r"login: user=<alice@example.test>, method=PLAIN, rip=127\.0\.0\.1, TLS")

    def test_authenticate_with_an_app_password(self):
        out = self.t.run("user", "app-password", "add", "alice@example.test", "tablet")
        password = re.search(r"(?m)^([a-z]{4}-[a-z]{4}-[a-z]{4}-[a-z]{4})$", out).group(1)
        m = self.starttls()
        try:
            typ, data = m._simple_command("AUTHENTICATE", "PLAIN", plain("alice@example.test", password))
            self.assertEqual(typ, "OK", data)
        finally:
            close(m)
        self.t.run("user", "app-password", "remove", "alice@example.test", "tablet")
        m = self.starttls()
        try:
            typ, data = m._simple_command("AUTHENTICATE", "PLAIN", plain("alice@example.test", password))
            self.assertEqual(typ, "NO", data)
        finally:
            close(m)

    def test_authenticate_wrong_password_cancel_and_bad_base64(self):
        m = self.starttls()
        try:
            with self.assertRaisesRegex(imaplib.IMAP4.error, r"\[AUTHENTICATIONFAILED\]"):
                m.authenticate("PLAIN", lambda _: b"\0alice@example.test\0wrong")
            # "*" cancels the exchange: BAD (RFC 3501 6.2.2).
            with self.assertRaisesRegex(imaplib.IMAP4.error, r"BAD.*cancelled"):
                m.authenticate("PLAIN", lambda _: None)
            with self.assertRaisesRegex(imaplib.IMAP4.error, r"BAD.*Invalid base64"):
                m._simple_command("AUTHENTICATE", "PLAIN", "not*base64")
            # Acting for another identity is refused.
            typ, data = m._simple_command("AUTHENTICATE", "PLAIN",
                                          plain("alice@example.test", "alice-pw", authzid="bob@example.test"))
            self.assertEqual(typ, "NO")
            self.assertIn("[AUTHORIZATIONFAILED]", data[0].decode())
            typ, data = m._simple_command("AUTHENTICATE", "CRAM-MD5")
            self.assertEqual(typ, "NO")
            self.assertEqual(m.state, "NONAUTH")
        finally:
            close(m)

    def test_imaps_is_tls_from_the_first_byte(self):
        m = imaplib.IMAP4_SSL("127.0.0.1", self.t.port("imaps"), ssl_context=client_tls(), timeout=10)
        try:
            self.assertEqual(m.sock.version(), "TLSv1.3")
            greeting = m.welcome.decode()
            self.assertIn("AUTH=PLAIN", greeting)
            self.assertNotIn("STARTTLS", greeting)
            self.assertNotIn("LOGINDISABLED", greeting)
            typ, _ = m.login("alice@example.test", "alice-pw")
            self.assertEqual(typ, "OK")
        finally:
            close(m)
        # TLS 1.2 is still accepted by default.
        m = imaplib.IMAP4_SSL("127.0.0.1", self.t.port("imaps"), timeout=10,
                              ssl_context=client_tls(ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_2))
        try:
            self.assertEqual(m.sock.version(), "TLSv1.2")
        finally:
            close(m)

    def test_tls_1_1_is_refused_by_the_server(self):
        old = client_tls(ssl.TLSVersion.TLSv1_1, ssl.TLSVersion.TLSv1_1)
        old.set_ciphers("DEFAULT:@SECLEVEL=0")
        with socket.create_connection(("127.0.0.1", self.t.port("imaps")), timeout=10) as c:
            with self.assertRaises(ssl.SSLError):
                old.wrap_socket(c).do_handshake()
        m = imaplib.IMAP4("127.0.0.1", self.t.port("imap"), timeout=10)
        try:
            with self.assertRaises(ssl.SSLError):
                m.starttls(ssl_context=old)
        finally:
            close(m)
        # The server itself refused (protocol_version alert), not only the client.
        wait_for(lambda: len(re.findall(r"tern/imapd\[\d+\]: TLS handshake failed with \[127\.0\.0\.1\]: "
                                        r"error:0A000102:SSL routines::unsupported protocol", self.t.log())) >= 2,
                 timeout=5)

    def test_zz_tern_reload_loads_a_new_certificate(self):
        def peer_subject():
            with socket.create_connection(("127.0.0.1", self.t.port("imaps")), timeout=10) as c:
                with client_tls().wrap_socket(c) as tls:
                    der = tls.getpeercert(binary_form=True)
            return subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-subject"], input=der,
                                  capture_output=True, timeout=30).stdout.decode()
        self.assertIn("mail.example.test", peer_subject())
        tls_dir = os.path.join(self.t.etc, "tls")
        st = os.stat(os.path.join(tls_dir, "key.pem"))
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-subj", "/CN=renewed.example.test", "-days", "2",
                        "-keyout", os.path.join(tls_dir, "key.pem"), "-out", os.path.join(tls_dir, "cert.pem")],
                       check=True, capture_output=True, timeout=60)
        os.chown(os.path.join(tls_dir, "key.pem"), st.st_uid, st.st_gid)
        self.t.reload()
        wait_for(lambda: "renewed.example.test" in peer_subject(), timeout=15)


class ImapBans(unittest.TestCase):
    """authd's bans apply to AUTHENTICATE as to LOGIN."""

    LIMIT = 30

    @classmethod
    def setUpClass(cls):
        cls.t = Instance()
        cls.t.add_user("alice@example.test", "alice-pw")
        cls.t.postconf("-e", "auth_failure_limit=%d" % cls.LIMIT, "auth_ban_time=1h", "imapd_login_failure_delay=0")
        cls.t.start()

    @classmethod
    def tearDownClass(cls):
        cls.t.cleanup()

    def attempt(self, password):
        """The tagged answer to AUTHENTICATE PLAIN after STARTTLS, and the seconds it took."""
        m = imaplib.IMAP4("127.0.0.1", self.t.port("imap"), timeout=15)
        try:
            m.starttls(ssl_context=client_tls())
            start = time.monotonic()
            typ, data = m._simple_command("AUTHENTICATE", "PLAIN", plain("alice@example.test", password))
            return typ, data[0].decode(), time.monotonic() - start
        finally:
            try:
                close(m)
            except OSError:
                pass

    def test_thirty_wrong_passwords_ban_the_address(self):
        self.assertEqual(self.attempt("alice-pw")[0], "OK")
        for i in range(self.LIMIT):
            typ, text, _ = self.attempt("guess-%d" % i)
            self.assertEqual(typ, "NO", (i, text))
            self.assertIn("[AUTHENTICATIONFAILED]", text)
        wait_for(lambda: re.search(r"tern/authd\[\d+\]: warning: ban 127\.0\.0\.1 for 3600s after %d failed logins"
                                   % self.LIMIT, self.t.log()), timeout=5)
        # Banned: even the right password gets NO, at once.
        typ, text, took = self.attempt("alice-pw")
        self.assertEqual(typ, "NO", text)
        self.assertIn("[AUTHENTICATIONFAILED]", text)
        self.assertLess(took, 1.0)
        self.assertIn("reason=client address is banned", self.t.log())


if __name__ == "__main__":
    unittest.main()
