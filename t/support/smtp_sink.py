"""A scriptable SMTP server for outbound fault tests (issue #4).

SmtpSink listens on loopback and plays a remote MX: EHLO with PIPELINING,
8BITMIME, SIZE and (given a certificate) STARTTLS, then any number of
transactions. Only a message answered with 250 after its final dot counts as
received (`messages`); a message taken in but never acknowledged is counted
apart (`unacknowledged`), since the sender must try it again.

Faults are armed one at a time with arm(name) and fire once, at the first
point where they apply; after that the sink behaves:

  drop_mid_data      after 354, read part of the body, then close the socket
  421_after_data     read the whole body, answer the final dot with 421, close
  421_greeting       greet a new connection with 421 and close
  silent_after_data  read the whole body, then never answer (the client times out)
  tls_drop           answer STARTTLS with 220, then close in the middle of the
                     TLS handshake (after half of the server's first flight)
  tls_stall          answer STARTTLS with 220, read the ClientHello, say nothing more

One thread per connection; every socket has a timeout, so no thread outlives
a test by long. pause() stops listening (connections are refused), resume()
listens again on the same port. Setting rcpt_reply (say "450 4.2.1 try
later") answers every RCPT with it until it is set back to None.
"""
import os
import re
import socket
import ssl
import subprocess
import threading

FAULTS = ("drop_mid_data", "421_after_data", "421_greeting", "silent_after_data", "tls_drop", "tls_stall")
_GREETING_FAULTS = ("421_greeting",)
_DATA_FAULTS = ("drop_mid_data", "421_after_data", "silent_after_data")
kMaxLine = 4096


def make_certificate(directory, cn="mx.sink.test"):
    """A self-signed certificate and key in directory; returns (cert, key) paths."""
    cert, key = os.path.join(directory, "sink-cert.pem"), os.path.join(directory, "sink-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=" + cn], check=True, capture_output=True, timeout=60)
    return cert, key


class Message:
    def __init__(self, connection, sender, rcpts, data, tls):
        self.connection = connection   # connection number, from 1
        self.sender = sender
        self.rcpts = rcpts
        self.data = data               # as on the wire: CRLF, dot-stuffed, without the final dot
        self.tls = tls


class _Closed(Exception):
    pass


class _Conn:
    """One client connection; the socket is swapped for its TLS wrapper after STARTTLS."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def readline(self):
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                line, self.buf = self.buf[:i + 1], self.buf[i + 1:]
                return line
            if len(self.buf) > kMaxLine * 64:
                raise _Closed()
            chunk = self.sock.recv(65536)
            if not chunk:
                raise _Closed()
            self.buf += chunk

    def send(self, text):
        self.sock.sendall(text.encode() + b"\r\n")

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class SmtpSink:
    def __init__(self, host="127.0.0.1", port=0, cert=None, key=None, hostname="mx.sink.test", timeout=60):
        self.host = host
        self.hostname = hostname
        self.timeout = timeout
        self.tls_ctx = None
        if cert:
            self.tls_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls_ctx.load_cert_chain(cert, key)
        self.lock = threading.Lock()
        self.pending = []             # armed faults, in order
        self.fired = []               # (fault, connection number)
        self.messages = []            # acknowledged with 250
        self.unacknowledged = 0       # taken in whole, never answered with 250
        self.connections = 0
        self.tls_sessions = 0
        self.rcpt_reply = None        # set: every RCPT gets this reply (a lasting fault)
        self.stopped = False
        self.listener = None
        self.port = port
        self.resume()

    # --- control --------------------------------------------------------------
    def arm(self, fault, rcpt=None):
        """Arms fault for once. With rcpt, a DATA fault fires only in a transaction
        that has a recipient containing that text."""
        if fault not in FAULTS:
            raise ValueError("unknown fault " + fault)
        with self.lock:
            self.pending.append((fault, rcpt))

    def armed(self):
        with self.lock:
            return [f for f, _ in self.pending]

    def pause(self):
        """Stops listening: new connections are refused until resume()."""
        if self.listener:
            # shutdown first: close() alone leaves a thread blocked in accept() listening.
            try:
                self.listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.listener.close()
            self.listener = None

    def resume(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((self.host, self.port))
        s.listen(128)
        self.port = s.getsockname()[1]
        self.listener = s
        threading.Thread(target=self._accept, args=(s,), daemon=True).start()

    def close(self):
        self.stopped = True
        self.pause()

    # --- what was received ----------------------------------------------------
    def count(self, marker):
        """How many acknowledged messages contain marker (bytes or str)."""
        if isinstance(marker, str):
            marker = marker.encode()
        with self.lock:
            return sum(1 for m in self.messages if marker in m.data)

    def header_counts(self, name):
        """{value: number of acknowledged messages} of header `name` (the first one in each)."""
        pat = re.compile(rb"^" + re.escape(name.encode()) + rb":[ \t]*(\S+)", re.M | re.I)
        out = {}
        with self.lock:
            msgs = list(self.messages)
        for m in msgs:
            head = m.data.split(b"\r\n\r\n", 1)[0]
            found = pat.search(head)
            if found:
                v = found.group(1).decode("ascii", "replace")
                out[v] = out.get(v, 0) + 1
        return out

    def _take_fault(self, kinds, rcpts=()):
        with self.lock:
            if not self.pending:
                return None
            fault, want = self.pending[0]
            if fault not in kinds or (want and not any(want in r for r in rcpts)):
                return None
            self.pending.pop(0)
            return fault

    def received_by(self, marker, rcpt):
        """How many acknowledged messages containing marker were addressed to rcpt."""
        if isinstance(marker, str):
            marker = marker.encode()
        with self.lock:
            return sum(1 for m in self.messages if marker in m.data and rcpt in m.rcpts)

    # --- the server -------------------------------------------------------------
    def _accept(self, listener):
        while not self.stopped:
            try:
                sock, _ = listener.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
                n = self.connections
            threading.Thread(target=self._session, args=(sock, n), daemon=True).start()

    def _fire(self, fault, n):
        with self.lock:
            self.fired.append((fault, n))

    def _session(self, sock, n):
        sock.settimeout(self.timeout)
        c = _Conn(sock)
        try:
            fault = self._take_fault(_GREETING_FAULTS)
            if fault:
                self._fire(fault, n)
                c.send("421 4.3.2 %s Service not available, closing transmission channel" % self.hostname)
                return
            c.send("220 %s ESMTP sink" % self.hostname)
            self._dialogue(c, n)
        except (_Closed, OSError, ssl.SSLError):
            pass
        finally:
            c.close()

    def _ehlo_lines(self, tls):
        lines = [self.hostname, "PIPELINING", "8BITMIME", "SIZE 52428800", "ENHANCEDSTATUSCODES"]
        if self.tls_ctx and not tls:
            lines.append("STARTTLS")
        return lines

    def _dialogue(self, c, n):
        tls = False
        sender, rcpts = None, []
        while True:
            line = c.readline().rstrip(b"\r\n").decode("utf-8", "replace")
            verb = line.split(" ", 1)[0].split(":", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                sender, rcpts = None, []
                lines = self._ehlo_lines(tls) if verb == "EHLO" else [self.hostname]
                for i, l in enumerate(lines):
                    c.send(("250 " if i == len(lines) - 1 else "250-") + l)
            elif verb == "STARTTLS" and self.tls_ctx and not tls:
                c.send("220 2.0.0 Ready to start TLS")
                if c.buf:  # RFC 3207 5: nothing may follow STARTTLS in the same packet
                    raise _Closed()
                fault = self._take_fault(("tls_drop", "tls_stall"))
                if fault == "tls_drop":
                    self._fire(fault, n)
                    self._half_handshake(c.sock)
                    return
                if fault == "tls_stall":
                    self._fire(fault, n)
                    while c.sock.recv(65536):  # until the client gives up and closes
                        pass
                    return
                c.sock = self.tls_ctx.wrap_socket(c.sock, server_side=True)
                tls = True
                with self.lock:
                    self.tls_sessions += 1
                sender, rcpts = None, []
            elif verb == "MAIL":
                m = re.match(r"MAIL FROM:<([^>]*)>", line, re.I)
                sender, rcpts = (m.group(1) if m else ""), []
                c.send("250 2.1.0 Ok")
            elif verb == "RCPT":
                if sender is None:
                    c.send("503 5.5.1 Error: need MAIL command")
                    continue
                refuse = self.rcpt_reply
                if refuse:
                    c.send(refuse)
                    continue
                m = re.match(r"RCPT TO:<([^>]*)>", line, re.I)
                rcpts.append(m.group(1) if m else "")
                c.send("250 2.1.5 Ok")
            elif verb == "DATA":
                if sender is None or not rcpts:
                    c.send("503 5.5.1 Error: need RCPT command")
                    continue
                c.send("354 End data with <CR><LF>.<CR><LF>")
                fault = self._take_fault(_DATA_FAULTS, rcpts)
                if fault == "drop_mid_data":
                    self._fire(fault, n)
                    c.readline()  # the first line of the body, then the peer is gone
                    return
                data = []
                while True:
                    l = c.readline()
                    if l == b".\r\n":
                        break
                    data.append(l)
                body = b"".join(data)
                if fault == "421_after_data":
                    self._fire(fault, n)
                    with self.lock:
                        self.unacknowledged += 1
                    c.send("421 4.3.0 %s Error: queue file write error, closing" % self.hostname)
                    return
                if fault == "silent_after_data":
                    self._fire(fault, n)
                    with self.lock:
                        self.unacknowledged += 1
                    while True:  # until the client gives up and closes
                        c.readline()
                with self.lock:
                    self.messages.append(Message(n, sender, rcpts, body, tls))
                    k = len(self.messages)
                c.send("250 2.0.0 Ok: queued as SINK%06d" % k)
                sender, rcpts = None, []
            elif verb == "RSET":
                sender, rcpts = None, []
                c.send("250 2.0.0 Ok")
            elif verb == "NOOP":
                c.send("250 2.0.0 Ok")
            elif verb == "QUIT":
                c.send("221 2.0.0 Bye")
                return
            else:
                c.send("502 5.5.2 Error: command not recognized")

    def _half_handshake(self, sock):
        """Reads the ClientHello, sends half of the server's first flight, closes."""
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        obj = self.tls_ctx.wrap_bio(incoming, outgoing, server_side=True)
        for _ in range(100):
            chunk = sock.recv(65536)
            if not chunk:
                return
            incoming.write(chunk)
            try:
                obj.do_handshake()
            except ssl.SSLWantReadError:
                pass
            if outgoing.pending:
                break
        flight = outgoing.read()
        sock.sendall(flight[:max(1, len(flight) // 2)])
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
