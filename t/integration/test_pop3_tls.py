"""POP3 with TLS and SASL (issue #5): STLS (RFC 2595 4) with USER/PASS and
AUTH refused until TLS, TLS from the first byte on the pop3s port (995),
AUTH PLAIN (RFC 5034) with and without an initial response, CAPA listing
exactly what works; Python's poplib and ssl against a real instance with the
default pop3d_tls_auth_only = yes."""
import os
import poplib
import re
import smtplib
import socket
import ssl
import unittest

from tern_instance import Instance, wait_for
from tls_client import client_tls, plain


def capa_lines(p):
    """The CAPA list in the server's order, as sent."""
    resp, lines, _ = p._longcmd("CAPA")
    assert resp.startswith(b"+OK"), resp
    return [line.decode() for line in lines]


def refused(test, call, code):
    with test.assertRaises(poplib.error_proto) as cm:
        call()
    text = cm.exception.args[0].decode()
    test.assertTrue(text.startswith("-ERR " + code), text)
    return text


def read_line(sock):
    line = b""
    while not line.endswith(b"\r\n"):
        chunk = sock.recv(1)
        if not chunk:
            break
        line += chunk
    return line.decode()


def close(p):
    try:
        p.quit()
    except (poplib.error_proto, OSError):
        pass


BEFORE_TLS = ["TOP", "UIDL", "STLS", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "EXPIRE NEVER", "IMPLEMENTATION Tern"]
IN_TLS = ["TOP", "UIDL", "USER", "SASL PLAIN", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "EXPIRE NEVER", "IMPLEMENTATION Tern"]
LOGGED_IN = ["TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "EXPIRE NEVER", "IMPLEMENTATION Tern"]


class Pop3Tls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t = Instance()
        cls.t.add_user("alice@example.test", "alice-pw")
        cls.t.start()
        with smtplib.SMTP("127.0.0.1", cls.t.port("smtp"), timeout=10) as s:
            s.sendmail("dave@remote.test", ["alice@example.test"],
                       "From: dave@remote.test\r\nSubject: over tls\r\n\r\nHello.\r\n")
        wait_for(lambda: len(cls.t.new_files("alice@example.test")) == 1, timeout=10)

    @classmethod
    def tearDownClass(cls):
        cls.t.cleanup()

    def stls(self):
        p = poplib.POP3("127.0.0.1", self.t.port("pop3"), timeout=10)
        p.stls(context=client_tls())
        return p

    def test_capa_and_refusals_before_stls(self):
        p = poplib.POP3("127.0.0.1", self.t.port("pop3"), timeout=10)
        try:
            self.assertEqual(capa_lines(p), BEFORE_TLS)
            refused(self, lambda: p.user("alice@example.test"), "[AUTH] Plaintext authentication disallowed")
            refused(self, lambda: p.pass_("alice-pw"), "[AUTH] Plaintext authentication disallowed")
            refused(self, lambda: p._shortcmd("AUTH PLAIN " + plain("alice@example.test", "alice-pw")),
                    "[AUTH] Plaintext authentication disallowed")
            refused(self, lambda: p.stat(), "Not logged in")
        finally:
            close(p)

    def test_stls_then_capa_user_pass_and_retr(self):
        p = self.stls()
        try:
            self.assertEqual(p.sock.version(), "TLSv1.3")
            self.assertEqual(capa_lines(p), IN_TLS)
            refused(self, lambda: p._shortcmd("STLS"), "Command not permitted when TLS active")
            p.user("alice@example.test")
            self.assertTrue(p.pass_("alice-pw").startswith(b"+OK"))
            self.assertEqual(capa_lines(p), LOGGED_IN)
            self.assertEqual(p.stat()[0], 1)
            self.assertIn(b"Subject: over tls", p.retr(1)[1])
        finally:
            close(p)
        self.assertRegex(self.t.log(), r"tern/pop3d\[\d+\]: login: user=<alice@example.test>, method=USER, "
                                       r"rip=127\.0\.0\.1, TLS")

    def test_stls_discards_pipelined_commands(self):
        # STLS injection (CVE-2011-0411 class): a command sent in clear behind
        # STLS must not be executed inside the TLS session.
        with socket.create_connection(("127.0.0.1", self.t.port("pop3")), timeout=10) as c:
            self.assertTrue(read_line(c).startswith("+OK"))
            c.sendall(b"STLS\r\nUSER mallory\r\n")
            self.assertEqual(read_line(c), "+OK Begin TLS negotiation\r\n")
            with client_tls().wrap_socket(c) as tls:
                # Had "USER mallory" run, PASS would be tried; without it: "USER first".
                tls.sendall(b"PASS x\r\n")
                self.assertEqual(read_line(tls), "-ERR USER first\r\n")
        wait_for(lambda: "discarding 14 bytes sent after STLS by 127.0.0.1" in self.t.log(), timeout=5)

    def test_auth_plain_with_and_without_initial_response(self):
        p = self.stls()
        try:
            resp = p._shortcmd("AUTH PLAIN " + plain("alice@example.test", "alice-pw"))
            self.assertTrue(resp.startswith(b"+OK"), resp)
            self.assertEqual(p.stat()[0], 1)
        finally:
            close(p)
        p = self.stls()
        try:
            self.assertEqual(p._shortcmd("AUTH PLAIN"), b"+ ")
            resp = p._shortcmd(plain("alice@example.test", "alice-pw"))
            self.assertTrue(resp.startswith(b"+OK"), resp)
            self.assertEqual(p.stat()[0], 1)
        finally:
            close(p)
        self.assertRegex(self.t.log(), r"login: user=<alice@example.test>, method=PLAIN, rip=127\.0\.0\.1, TLS")

    def test_auth_wrong_password_cancel_and_unknown_mechanism(self):
        p = self.stls()
        try:
            # A bare AUTH lists the mechanisms.
            resp, lines, _ = p._longcmd("AUTH")
            self.assertEqual(lines, [b"PLAIN"])
            refused(self, lambda: p._shortcmd("AUTH PLAIN " + plain("alice@example.test", "wrong")),
                    "[AUTH] Authentication failed.")
            self.assertEqual(p._shortcmd("AUTH PLAIN"), b"+ ")
            refused(self, lambda: p._shortcmd("*"), "Authentication cancelled")
            # A response longer than a command line (a long password) still reaches authd.
            self.assertEqual(p._shortcmd("AUTH PLAIN"), b"+ ")
            refused(self, lambda: p._shortcmd(plain("alice@example.test", "x" * 900)), "[AUTH] Authentication failed.")
            refused(self, lambda: p._shortcmd("AUTH PLAIN not*base64"), "Invalid base64")
            refused(self, lambda: p._shortcmd("AUTH CRAM-MD5"), "Unsupported authentication mechanism")
            refused(self, lambda: p._shortcmd("AUTH PLAIN " + plain("alice@example.test", "alice-pw", "bob")),
                    "[AUTH] Authorization identity not allowed")
            refused(self, lambda: p.stat(), "Not logged in")
        finally:
            close(p)

    def test_authd_unreachable_is_sys_temp(self):
        sock = os.path.join(self.t.queue, "private", "auth")
        os.rename(sock, sock + ".away")
        try:
            p = self.stls()
            try:
                refused(self, lambda: p._shortcmd("AUTH PLAIN " + plain("alice@example.test", "alice-pw")),
                        "[SYS/TEMP]")
                p.user("alice@example.test")
                refused(self, lambda: p.pass_("alice-pw"), "[SYS/TEMP]")
            finally:
                close(p)
        finally:
            os.rename(sock + ".away", sock)
        p = self.stls()  # authd back: the same login works
        try:
            p.user("alice@example.test")
            self.assertTrue(p.pass_("alice-pw").startswith(b"+OK"))
        finally:
            close(p)

    def test_pop3s_is_tls_from_the_first_byte(self):
        p = poplib.POP3_SSL("127.0.0.1", self.t.port("pop3s"), timeout=10, context=client_tls())
        try:
            self.assertEqual(p.sock.version(), "TLSv1.3")
            self.assertEqual(capa_lines(p), [c for c in IN_TLS])
            p.user("alice@example.test")
            self.assertTrue(p.pass_("alice-pw").startswith(b"+OK"))
        finally:
            close(p)

    def test_tls_1_1_is_refused_by_the_server(self):
        old = client_tls(ssl.TLSVersion.TLSv1_1, ssl.TLSVersion.TLSv1_1)
        old.set_ciphers("DEFAULT:@SECLEVEL=0")
        with socket.create_connection(("127.0.0.1", self.t.port("pop3s")), timeout=10) as c:
            with self.assertRaises(ssl.SSLError):
                old.wrap_socket(c).do_handshake()
        p = poplib.POP3("127.0.0.1", self.t.port("pop3"), timeout=10)
        try:
            with self.assertRaises(ssl.SSLError):
                p.stls(context=old)
        finally:
            try:
                p.close()
            except OSError:
                pass
        wait_for(lambda: len(re.findall(r"tern/pop3d\[\d+\]: TLS handshake failed with 127\.0\.0\.1: "
                                        r"error:0A000102:SSL routines::unsupported protocol", self.t.log())) >= 2,
                 timeout=5)


class Pop3ClearTextAllowed(unittest.TestCase):
    """pop3d_tls_auth_only = no: USER and SASL PLAIN listed and accepted in clear."""

    def test_clear_text_login_when_the_admin_allows_it(self):
        t = Instance()
        try:
            t.add_user("alice@example.test", "alice-pw")
            t.postconf("-e", "pop3d_tls_auth_only=no")
            t.start()
            p = poplib.POP3("127.0.0.1", t.port("pop3"), timeout=10)
            try:
                self.assertEqual(capa_lines(p), ["TOP", "UIDL", "USER", "SASL PLAIN", "STLS", "RESP-CODES",
                                                 "AUTH-RESP-CODE", "PIPELINING", "EXPIRE NEVER", "IMPLEMENTATION Tern"])
                resp = p._shortcmd("AUTH PLAIN " + plain("alice@example.test", "alice-pw"))
                self.assertTrue(resp.startswith(b"+OK"), resp)
            finally:
                close(p)
        finally:
            t.cleanup()


if __name__ == "__main__":
    unittest.main()
