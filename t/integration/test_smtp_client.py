"""The outbound SMTP client smtp(8) against real servers (issue #4).

smtp runs on its own here, with a listening socket at private/smtp that the
test hands it as fd 3 (as master would), and is driven with delivery requests
the way qmgr sends them. The servers it talks to are a real Tern instance
(its port 25 smtpd, delivering into Maildir) and small scripted SMTP servers
written below, for the error cases. DNS comes from a zone file.
"""
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time
import unittest

from tern_instance import Instance, wait_for

BUILD = os.environ.get("TERN_BUILDDIR", ".")
# TERN_SMTP_CLIENT: another smtp binary (a sanitizer build) against this build's instances.
SMTP_BINARY = os.environ.get("TERN_SMTP_CLIENT") or os.path.join(BUILD, "libexec", "smtp")


# --- queue files and requests, in libmail's encodings -------------------------
def record(kind, data):
    return kind + struct.pack(">I", len(data)) + data


def write_queue_file(path, sender, rcpts, content, attrs=()):
    """rcpts: list of (address, notify_bits, orcpt)."""
    out = record(b"V", b"TERN1") + record(b"T", b"%d.000000" % int(time.time())) + record(b"S", sender.encode())
    for name, value in attrs:
        out += record(b"A", ("%s=%s" % (name, value)).encode())
    for address, notify, orcpt in rcpts:
        out += record(b"R", b"P" + bytes([notify]) + address.encode() + b"\0" + orcpt.encode())
    for i in range(0, len(content), 65536):
        out += record(b"C", content[i:i + 65536])
    out += record(b"E", b"")
    with open(path, "wb") as f:
        f.write(out)


def encode_attrs(items):
    out = b""
    for k, v in items:
        k, v = k.encode(), v if isinstance(v, bytes) else v.encode()
        out += struct.pack(">I", len(k)) + k + struct.pack(">I", len(v)) + v
    return out + struct.pack(">I", 0)


def read_attrs(sock):
    buf = b""

    def need(n):
        nonlocal buf
        while len(buf) < n:
            chunk = sock.recv(65536)
            if not chunk:
                raise EOFError("smtp closed the connection")
            buf += chunk
        data, buf = buf[:n], buf[n:]
        return data

    items = []
    while True:
        (nlen,) = struct.unpack(">I", need(4))
        if nlen == 0:
            return items
        name = need(nlen).decode()
        (vlen,) = struct.unpack(">I", need(4))
        items.append((name, need(vlen).decode("utf-8", "replace")))


# --- a scripted SMTP server ----------------------------------------------------
class FakeServer:
    """One listening socket; each connection follows `script`:
    ehlo: the EHLO keywords; replies: command verb -> list of replies used in
    turn (the last one repeats); data_reply: reply to the final dot, or
    "disconnect" to close the connection after the data."""

    def __init__(self, ehlo=("PIPELINING", "8BITMIME", "SIZE 1000000"), replies=None, data_reply="250 2.0.0 Ok: queued as FAKE1",
                 greeting="220 fake.test ESMTP", after_data_line=None, host="127.0.0.1", port=0):
        self.ehlo = list(ehlo)
        self.replies = {k: list(v) for k, v in (replies or {}).items()}
        self.data_reply = data_reply
        self.greeting = greeting
        self.after_data_line = after_data_line
        self.transcript = []      # (connection number, line)
        self.messages = []        # bytes of each DATA, as received (dot-stuffed, CRLF)
        self.connections = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.stop = False
        threading.Thread(target=self.serve, daemon=True).start()

    def close(self):
        self.stop = True
        self.sock.close()

    def serve(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self.session, args=(conn, self.connections), daemon=True).start()

    def reply_for(self, verb):
        lst = self.replies.get(verb)
        if not lst:
            return None
        return lst.pop(0) if len(lst) > 1 else lst[0]

    def session(self, conn, n):
        f = conn.makefile("rb")

        def send(text):
            conn.sendall(text.encode() + b"\r\n")

        try:
            send(self.greeting)
            if not self.greeting.startswith("2"):
                f.readline()
                return
            while True:
                line = f.readline()
                if not line:
                    return
                cmd = line.rstrip(b"\r\n").decode("utf-8", "replace")
                self.transcript.append((n, cmd))
                verb = cmd.split(" ", 1)[0].split(":", 1)[0].upper()
                custom = self.reply_for(verb)
                if verb == "EHLO":
                    if custom:
                        send(custom)
                        continue
                    lines = ["fake.test"] + self.ehlo
                    for i, l in enumerate(lines):
                        send(("250 " if i == len(lines) - 1 else "250-") + l)
                elif verb == "DATA":
                    if custom and not custom.startswith("354"):
                        send(custom)
                        continue
                    send("354 End data with <CR><LF>.<CR><LF>")
                    data = b""
                    while True:
                        l = f.readline()
                        if not l:
                            return
                        if l == b".\r\n":
                            break
                        data += l
                        if self.after_data_line == "421" and len(data) > 0:
                            send("421 4.3.2 Shutting down")
                            conn.close()
                            return
                    self.messages.append(data)
                    if self.data_reply == "disconnect":
                        conn.close()
                        return
                    send(self.data_reply)
                elif verb == "QUIT":
                    send("221 2.0.0 Bye")
                    return
                else:
                    send(custom or "250 2.0.0 Ok")
        except OSError:
            return
        finally:
            try:
                conn.close()
            except OSError:
                pass


# --- the smtp daemon on its own -----------------------------------------------
class SmtpDaemon:
    def __init__(self, zone="", **params):
        self.dir = tempfile.mkdtemp(prefix="tern-smtpc-")
        os.chmod(self.dir, 0o755)  # started as root, smtp runs as mail_owner and must read its files
        self.etc = os.path.join(self.dir, "etc")
        self.queue = os.path.join(self.dir, "queue")
        for d in (self.etc, self.queue, os.path.join(self.queue, "private"), os.path.join(self.queue, "active")):
            os.makedirs(d, exist_ok=True)
            os.chmod(d, 0o755)
        zone_file = os.path.join(self.etc, "zone")
        with open(zone_file, "w") as f:
            f.write("$TTL 300\n" + zone)
        settings = {"queue_directory": self.queue, "myhostname": "client.example.test",
                    "dns_zone_file": zone_file, "smtp_connect_timeout": "5s", "smtp_helo_timeout": "10s",
                    "smtp_data_done_timeout": "10s"}
        settings.update(params)
        with open(os.path.join(self.etc, "main.cf"), "w") as f:
            for k, v in settings.items():
                f.write("%s = %s\n" % (k, v))
        self.path = os.path.join(self.queue, "private", "smtp")
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.path)
        self.listener.listen(8)
        self.log_path = os.path.join(self.dir, "smtp.log")
        self.n = 0
        self.restart()

    def restart(self):
        lfd = self.listener.fileno()

        def child():
            if lfd != 3:
                os.dup2(lfd, 3)  # dup2 clears close-on-exec; every other fd of Python's has it (PEP 446)
            os.set_inheritable(3, True)

        env = dict(os.environ, TERN_LOG_SINK="stderr")
        if getattr(self, "logf", None):
            self.logf.close()
        self.logf = open(self.log_path, "ab")
        self.proc = subprocess.Popen([SMTP_BINARY, "-c", self.etc, "-n", "smtp", "-t", "unix"],
                                     preexec_fn=child, close_fds=False, stderr=self.logf, stdout=self.logf, env=env)

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.logf.close()
        self.listener.close()
        if not os.environ.get("TERN_KEEP_TEST_DIR"):
            shutil.rmtree(self.dir, ignore_errors=True)

    def deliver(self, rcpts, content, sender="carol@example.test", nexthop=None, attrs=(), timeout=30, sock=None):
        """rcpts: addresses or (address, notify, orcpt). Returns [(status, dsn, reason)] per recipient."""
        self.n += 1
        qid = "T%05dABC" % self.n
        path = os.path.join(self.queue, "active", qid)
        full = [(r, 0, "") if isinstance(r, str) else r for r in rcpts]
        write_queue_file(path, sender, full, content, attrs)
        req = [("request", "deliver"), ("queue_id", qid), ("path", path), ("sender", sender)]
        if nexthop:
            req.append(("nexthop", nexthop))
        for i, r in enumerate(full):
            req += [("rcpt", r[0]), ("rcpt_index", str(i))]
        own = sock is None
        if own:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(self.path)
        sock.settimeout(timeout)
        try:
            sock.sendall(encode_attrs(req))
            items = read_attrs(sock)
        finally:
            if own:
                sock.close()
        out = {}
        cur = None
        for k, v in items:
            if k == "rcpt_index":
                cur = int(v)
                out[cur] = {}
            else:
                out[cur][k] = v
        return [(out[i]["status"], out[i]["dsn"], out[i]["reason"]) for i in range(len(full))]


MSG = (b"From: Carol <carol@example.test>\n"
       b"To: alice@example.test\n"
       b"Subject: smtp client test\n"
       b"\n"
       b"Line one.\n"
       b".A line that starts with a dot\n"
       b"..\n"
       b"last line\n")


class ToTernInstance(unittest.TestCase):
    """The client hands mail to a real Tern smtpd, which delivers it to Maildir."""

    @classmethod
    def setUpClass(cls):
        cls.t = Instance()
        cls.t.add_user("alice@example.test", "alice-pw")
        cls.t.start()
        port = cls.t.port("smtp")
        zone = ("example.test. IN MX 10 mx.example.test.\n"
                "mx.example.test. IN A 127.0.0.1\n")
        cls.d = SmtpDaemon(zone=zone, smtp_destination_port=str(port))

    @classmethod
    def tearDownClass(cls):
        cls.d.close()
        cls.t.cleanup()

    def test_mx_delivery_to_maildir_with_dot_lines(self):
        res = self.d.deliver(["alice@example.test"], MSG + b"marker-mx-1\n")
        self.assertEqual(res[0][0], "sent", res)
        self.assertEqual(res[0][1], "2.0.0")
        self.assertIn("queued as", res[0][2])
        text = self.t.wait_message("alice@example.test", b"marker-mx-1")
        # The dot lines arrive as they were in the queue: stuffed on the wire, unstuffed by smtpd.
        self.assertIn(b"\n.A line that starts with a dot\n..\nlast line\n", text)
        log = self.d.log()
        # The sandbox's port 25 offers STARTTLS: opportunistic TLS takes it (smtp_tls_security_level = may).
        self.assertIn("TLS connection established to mx.example.test[127.0.0.1]:%d: TLSv1." % self.t.port("smtp"), log)
        self.assertRegex(log, r"to=<alice@example.test>, relay=mx.example.test\[127.0.0.1\]:%d, delay=[0-9.]+, "
                              r"delays=[0-9.]+/0/[0-9.]+/[0-9.]+, dsn=2.0.0, status=sent \(250 " % self.t.port("smtp"))

    def test_encrypt_level_delivers_over_starttls(self):
        d = SmtpDaemon(smtp_tls_security_level="encrypt")
        try:
            res = d.deliver(["alice@example.test"], MSG + b"marker-enc-3\n",
                            nexthop="[127.0.0.1]:%d" % self.t.port("smtp"))
            self.assertEqual(res[0][0], "sent", res)
            self.t.wait_message("alice@example.test", b"marker-enc-3")
            self.assertIn("TLS connection established", d.log())
        finally:
            d.close()

    def test_literal_nexthop_and_unknown_user(self):
        res = self.d.deliver(["alice@example.test", "nobody@example.test"], MSG + b"marker-lit-2\n",
                             nexthop="[127.0.0.1]:%d" % self.t.port("smtp"))
        self.assertEqual(res[0][0], "sent", res)
        self.assertEqual(res[1][0], "bounced", res)
        self.assertTrue(res[1][1].startswith("5."), res)
        self.assertIn("host 127.0.0.1[127.0.0.1] said: 5", res[1][2])
        self.assertIn("(in reply to RCPT TO command)", res[1][2])
        self.t.wait_message("alice@example.test", b"marker-lit-2")


class RelayhostWithAuth(unittest.TestCase):
    """relayhost = [host]:port with SASL: submission (STARTTLS) and submissions (TLS from the first byte)."""

    @classmethod
    def setUpClass(cls):
        cls.t = Instance()
        cls.t.add_user("alice@example.test", "alice-pw")
        cls.t.start()
        cls.daemons = []

    @classmethod
    def tearDownClass(cls):
        for d in cls.daemons:
            d.close()
        cls.t.cleanup()

    def relay_daemon(self, service, password, **params):
        hop = "[127.0.0.1]:%d" % self.t.port(service)
        d = SmtpDaemon(relayhost=hop, smtp_sasl_auth_enable="yes", **params)
        pw = os.path.join(d.etc, "sasl_passwd")
        with open(pw, "w") as f:
            f.write("%s alice@example.test:%s\n" % (hop, password))
        # Readable by root only, as Postfix's sasl_passwd is: smtp opens it before dropping
        # privileges (when the test runs as root, as CI does).
        os.chmod(pw, 0o600)
        # main.cf names the table; smtp reads it at startup, so restart with it.
        d.proc.terminate()
        d.proc.wait(timeout=10)
        with open(os.path.join(d.etc, "main.cf"), "a") as f:
            f.write("smtp_sasl_password_maps = texthash:%s\n" % pw)
        d.restart()
        self.daemons.append(d)
        return d

    def test_submission_with_starttls_and_auth(self):
        d = self.relay_daemon("submission", "alice-pw")
        res = d.deliver(["alice@example.test"], MSG + b"marker-587\n", sender="alice@example.test")
        self.assertEqual(res[0][0], "sent", res)
        self.t.wait_message("alice@example.test", b"marker-587")
        self.assertIn("TLS connection established to 127.0.0.1[127.0.0.1]:%d" % self.t.port("submission"), d.log())

    def test_submissions_with_wrappermode(self):
        d = self.relay_daemon("submissions", "alice-pw", smtp_tls_wrappermode="yes")
        res = d.deliver(["alice@example.test"], MSG + b"marker-465\n", sender="alice@example.test")
        self.assertEqual(res[0][0], "sent", res)
        self.t.wait_message("alice@example.test", b"marker-465")

    def test_wrong_password_defers(self):
        d = self.relay_daemon("submission", "wrong-pw")
        res = d.deliver(["alice@example.test"], MSG, sender="alice@example.test")
        self.assertEqual(res[0][0], "deferred", res)
        self.assertIn("SASL authentication failed; server 127.0.0.1[127.0.0.1] said: 535", res[0][2])


class ScriptedServers(unittest.TestCase):
    def setUp(self):
        self.servers = []
        self.daemon = None

    def tearDown(self):
        for s in self.servers:
            s.close()
        if self.daemon:
            self.daemon.close()

    def server(self, **kw):
        s = FakeServer(**kw)
        self.servers.append(s)
        return s

    def smtp(self, zone="", **params):
        self.daemon = SmtpDaemon(zone=zone, **params)
        return self.daemon

    def hop(self, s):
        return "[127.0.0.1]:%d" % s.port

    def test_pipelining_sends_mail_rcpt_data_together_and_dsn_params(self):
        s = self.server(ehlo=("PIPELINING", "8BITMIME", "SIZE 100000", "DSN"),
                        replies={"RCPT": ["250 2.1.5 Ok", "550 5.1.1 <b@remote.test>: User unknown",
                                          "450 4.2.0 <c@remote.test>: try later"]})
        d = self.smtp()
        res = d.deliver([("a@remote.test", 2 | 4, "rfc822;a@remote.test"), "b@remote.test", "c@remote.test"],
                        MSG, nexthop=self.hop(s), attrs=[("envid", "ID1"), ("ret", "HDRS")])
        self.assertEqual([r[0] for r in res], ["sent", "bounced", "deferred"], res)
        self.assertEqual(res[1][1], "5.1.1")
        self.assertEqual(res[1][2], "host 127.0.0.1[127.0.0.1] said: 550 5.1.1 <b@remote.test>: User unknown "
                                    "(in reply to RCPT TO command)")
        self.assertEqual(res[2][1], "4.2.0")
        cmds = [c for _, c in s.transcript]
        self.assertEqual(cmds[0], "EHLO client.example.test")
        self.assertTrue(cmds[1].startswith("MAIL FROM:<carol@example.test> SIZE="), cmds)
        self.assertIn("RET=HDRS ENVID=ID1", cmds[1])
        self.assertEqual(cmds[2], "RCPT TO:<a@remote.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a@remote.test")
        self.assertEqual(cmds[5], "DATA")
        # Dot-stuffed and CRLF on the wire.
        self.assertIn(b"\r\n..A line that starts with a dot\r\n...\r\nlast line\r\n", s.messages[0])

    def test_no_pipelining_stops_after_rejected_sender(self):
        s = self.server(ehlo=("8BITMIME",), replies={"MAIL": ["553 5.7.1 <carol@example.test>: Sender rejected"]})
        d = self.smtp()
        res = d.deliver(["a@remote.test"], MSG, nexthop=self.hop(s))
        self.assertEqual(res[0][:2], ("bounced", "5.7.1"), res)
        self.assertIn("(in reply to MAIL FROM command)", res[0][2])
        self.assertFalse(any(c.startswith("RCPT") for _, c in s.transcript), s.transcript)

    def test_data_rejections(self):
        s = self.server(data_reply="554 5.7.1 spam")
        d = self.smtp()
        res = d.deliver(["a@remote.test"], MSG, nexthop=self.hop(s))
        self.assertEqual(res[0][:2], ("bounced", "5.7.1"), res)
        self.assertIn("(in reply to end of DATA command)", res[0][2])

    def test_a_3xx_to_the_final_dot_is_not_a_delivery(self):
        s = self.server(data_reply="354 3.0.0 what now")
        d = self.smtp()
        res = d.deliver(["a@remote.test"], MSG, nexthop=self.hop(s))
        self.assertEqual(res[0][:2], ("deferred", "4.5.0"), res)

    def test_disconnect_after_data_defers(self):
        s = self.server(data_reply="disconnect")
        d = self.smtp()
        res = d.deliver(["a@remote.test"], MSG, nexthop=self.hop(s))
        self.assertEqual(res[0][0], "deferred", res)
        self.assertIn("lost connection with 127.0.0.1[127.0.0.1] while sending end of data -- message may be sent "
                      "more than once", res[0][2])

    def test_421_in_the_middle_of_data_defers(self):
        s = self.server(after_data_line="421")
        d = self.smtp()
        res = d.deliver(["a@remote.test"], MSG, nexthop=self.hop(s))
        self.assertEqual(res[0][0], "deferred", res)

    def test_mx_order_and_fallback_to_the_next_host(self):
        bad = self.server(greeting="421 4.3.2 busy")
        good = self.server()
        zone = ("remote.test. IN MX 10 mx1.remote.test.\nremote.test. IN MX 20 mx2.remote.test.\n"
                "mx1.remote.test. IN A 127.0.0.1\nmx2.remote.test. IN A 127.0.0.2\n")
        # Both hosts listen on the same port: mx1 is 127.0.0.1 (bad), mx2 127.0.0.2 (good).
        good.close()
        good = self.server(host="127.0.0.2", port=bad.port)
        d = self.smtp(zone=zone, smtp_destination_port=str(bad.port))
        res = d.deliver(["a@remote.test"], MSG)
        self.assertEqual(res[0][0], "sent", res)
        self.assertEqual(bad.connections, 1)
        self.assertEqual(good.connections, 1)
        self.assertIn("relay=mx2.remote.test[127.0.0.2]:%d" % bad.port, d.log())

    def test_4xx_to_mail_from_moves_on_to_the_next_mx(self):
        busy = self.server(replies={"MAIL": ["451 4.3.0 try again later"]})
        good = self.server(host="127.0.0.2", port=busy.port)
        zone = ("remote.test. IN MX 10 mx1.remote.test.\nremote.test. IN MX 20 mx2.remote.test.\n"
                "mx1.remote.test. IN A 127.0.0.1\nmx2.remote.test. IN A 127.0.0.2\n")
        d = self.smtp(zone=zone, smtp_destination_port=str(busy.port))
        res = d.deliver(["a@remote.test"], MSG)
        self.assertEqual(res[0][0], "sent", res)
        self.assertEqual(len(good.messages), 1)
        # (The scripted server says 354 even after its 451; the client then ends DATA empty.)
        self.assertEqual([m for m in busy.messages if m], [])
        # With no host left, the 4xx is the result.
        res = d.deliver(["a@remote.test"], MSG, nexthop=self.hop(busy))
        self.assertEqual(res[0][:2], ("deferred", "4.3.0"), res)
        self.assertIn("(in reply to MAIL FROM command)", res[0][2])

    def test_all_hosts_down_defers_with_the_last_reason(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()  # nothing listens there now
        d = self.smtp(zone="remote.test. IN A 127.0.0.1\n", smtp_destination_port=str(port))
        res = d.deliver(["a@remote.test"], MSG)
        self.assertEqual(res[0][:2], ("deferred", "4.4.1"), res)
        self.assertEqual(res[0][2], "connect to remote.test[127.0.0.1]:%d: Connection refused" % port)

    def test_dns_outcomes(self):
        d = self.smtp(zone="nullmx.test. IN MX 0 .\nother.test. IN A 127.0.0.1\n")
        res = d.deliver(["a@nullmx.test", "b@nullmx.test"], MSG)
        self.assertEqual([r[:2] for r in res], [("bounced", "5.1.10")] * 2, res)
        self.assertIn("does not accept mail (nullMX)", res[0][2])
        res = d.deliver(["a@nowhere.test"], MSG)
        self.assertEqual(res[0][:2], ("bounced", "5.1.2"), res)
        self.assertIn("Host or domain name not found", res[0][2])

    def test_size_limit_of_the_server_bounces(self):
        s = self.server(ehlo=("PIPELINING", "SIZE 100"))
        d = self.smtp()
        res = d.deliver(["a@remote.test"], MSG + b"x" * 200 + b"\n", nexthop=self.hop(s))
        self.assertEqual(res[0][:2], ("bounced", "5.3.4"), res)
        self.assertFalse(any(c.startswith("MAIL") for _, c in s.transcript))

    def test_8bit_to_a_server_without_8bitmime(self):
        s = self.server(ehlo=("PIPELINING",))
        d = self.smtp()
        msg = b"Subject: accents\n\ncaf\xc3\xa9 cr\xc3\xa8me\n"
        res = d.deliver(["a@remote.test"], msg, nexthop=self.hop(s), attrs=[("body", "8BITMIME")])
        self.assertEqual(res[0][0], "sent", res)
        self.assertIn(b"Content-Transfer-Encoding: quoted-printable\r\n", s.messages[0])
        self.assertIn(b"caf=C3=A9 cr=C3=A8me\r\n", s.messages[0])
        self.assertTrue(all(b < 128 for b in s.messages[0]))
        self.assertNotIn("BODY=8BITMIME", [c for _, c in s.transcript][1])
        mp = b"Content-Type: multipart/mixed; boundary=b\n\n--b\n\ncaf\xc3\xa9\n--b--\n"
        res = d.deliver(["a@remote.test"], mp, nexthop=self.hop(s))
        self.assertEqual(res[0][0], "deferred", res)
        self.assertIn("does not announce 8BITMIME", res[0][2])
        self.assertEqual(len(s.messages), 1)

    def test_8bitmime_is_declared_when_offered(self):
        s = self.server(ehlo=("PIPELINING", "8BITMIME"))
        d = self.smtp()
        res = d.deliver(["a@remote.test"], b"Subject: x\n\ncaf\xc3\xa9\n", nexthop=self.hop(s))
        self.assertEqual(res[0][0], "sent", res)
        self.assertIn("BODY=8BITMIME", [c for _, c in s.transcript][1])
        self.assertIn(b"caf\xc3\xa9", s.messages[0])

    def test_smtputf8_needs_the_extension(self):
        s = self.server(ehlo=("PIPELINING", "8BITMIME"))
        d = self.smtp()
        res = d.deliver(["j\u00f6rg@remote.test"], MSG, nexthop=self.hop(s), attrs=[("smtputf8", "yes")])
        self.assertEqual(res[0][:2], ("bounced", "5.6.7"), res)

    def test_overlong_reply_line_ends_the_conversation(self):
        s = self.server(greeting="220 " + "x" * 3000)
        d = self.smtp()
        res = d.deliver(["a@remote.test"], MSG, nexthop=self.hop(s))
        self.assertEqual(res[0][0], "deferred", res)
        self.assertIn("longer than 2048 octets", res[0][2])

    def test_helo_fallback(self):
        s = self.server(replies={"EHLO": ["502 5.5.2 Error: command not recognized"]})
        d = self.smtp()
        res = d.deliver(["a@remote.test"], MSG, nexthop=self.hop(s))
        self.assertEqual(res[0][0], "sent", res)
        cmds = [c for _, c in s.transcript]
        self.assertEqual(cmds[1], "HELO client.example.test")
        self.assertEqual(cmds[2], "MAIL FROM:<carol@example.test>")

    def test_encrypt_level_refuses_clear_text(self):
        s = self.server()
        d = self.smtp(smtp_tls_security_level="encrypt")
        res = d.deliver(["a@remote.test"], MSG, nexthop=self.hop(s))
        self.assertEqual(res[0][:2], ("deferred", "4.7.4"), res)
        self.assertIn("TLS is required, but was not offered", res[0][2])
        self.assertFalse(any(c.startswith("MAIL") for _, c in s.transcript))

    def test_connection_is_reused_for_the_same_nexthop(self):
        s = self.server()
        d = self.smtp(smtp_connection_cache_time_limit="5s")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(d.path)
        self.assertEqual(d.deliver(["a@remote.test"], MSG, nexthop=self.hop(s), sock=sock)[0][0], "sent")
        self.assertEqual(d.deliver(["b@remote.test"], MSG, nexthop=self.hop(s), sock=sock)[0][0], "sent")
        sock.close()
        self.assertEqual(s.connections, 1)
        self.assertIn((1, "RSET"), s.transcript)
        self.assertEqual(len(s.messages), 2)
        # Past the time limit the connection is closed with QUIT.
        wait_for(lambda: (1, "QUIT") in s.transcript, timeout=10)


if __name__ == "__main__":
    unittest.main()
