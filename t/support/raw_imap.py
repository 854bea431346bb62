"""A line-level IMAP client for tests that check exact responses: send one
command, get back every line up to and including its tagged completion."""
import re
import socket
import time
import zlib


class RawImap:
    def __init__(self, port, host="127.0.0.1", timeout=10, sock=None):
        self.sock = sock or socket.create_connection((host, port), timeout=timeout)
        self.deflater = self.inflater = None
        self.buf = b""
        self.n = 0
        self.greeting = self.line()

    def recv(self):
        chunk = self.sock.recv(65536)
        if chunk and self.inflater:
            chunk = self.inflater.decompress(chunk)
        return chunk

    def sendall(self, data):
        if self.deflater:
            data = self.deflater.compress(data) + self.deflater.flush(zlib.Z_SYNC_FLUSH)
        self.sock.sendall(data)

    def compress(self):
        """COMPRESS DEFLATE (RFC 4978): both directions raw DEFLATE from here."""
        lines = self.ok("COMPRESS DEFLATE")
        self.deflater = zlib.compressobj(6, zlib.DEFLATED, -15)
        self.inflater = zlib.decompressobj(-15)
        return lines

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.recv()
            if not chunk:
                raise ConnectionError("connection closed; got %r" % self.buf)
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        # A literal: the next n octets belong to this line.
        m = re.search(rb"\{(\d+)\}$", line)
        if m:
            need = int(m.group(1))
            while len(self.buf) < need:
                self.buf += self.recv()
            line += b"\r\n" + self.buf[:need]
            self.buf = self.buf[need:]
            line += self.line().encode("latin-1")
        return line.decode("latin-1")

    def cmd(self, text):
        """Runs one command; returns (untagged lines, tagged line)."""
        self.n += 1
        tag = "t%d" % self.n
        self.sendall(("%s %s\r\n" % (tag, text)).encode("utf-8"))
        lines = []
        while True:
            l = self.line()
            if l.startswith(tag + " "):
                return lines, l[len(tag) + 1:]
            lines.append(l)

    def ok(self, text):
        lines, done = self.cmd(text)
        if not done.startswith("OK"):
            raise AssertionError("%s -> %s (%s)" % (text, done, lines))
        return lines

    def login(self, user, password):
        return self.ok('LOGIN "%s" "%s"' % (user, password))

    def send(self, raw):
        self.sendall(raw)

    def lines_within(self, seconds, stop=None):
        """Untagged lines that arrive within `seconds` (IDLE); returns early
        after a line for which stop(line) is true."""
        self.sock.settimeout(0.1)
        got, end = [], time.time() + seconds
        try:
            while time.time() < end:
                try:
                    got.append(self.line())
                except socket.timeout:
                    continue
                if stop and stop(got[-1]):
                    break
        finally:
            self.sock.settimeout(10)
        return got

    def close(self):
        self.sock.close()
