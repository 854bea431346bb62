"""A minimal, fast IMAP client for the bench: commands, literals skipped
without copying, FETCH responses counted. Not a general client: it trusts
the server (a bench talks to servers it started)."""
import socket

from lib import accounts

_CHUNK = 1 << 20


class ImapError(Exception):
    pass


class Imap:
    def __init__(self, port, timeout=120):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.pos = 0
        self.tag_n = 0
        self.greeting = self.readline()

    def close(self):
        self.sock.close()

    def _fill(self):
        data = self.sock.recv(_CHUNK)
        if not data:
            raise ImapError("connection closed by server")
        if self.pos > _CHUNK:
            del self.buf[:self.pos]
            self.pos = 0
        self.buf += data

    def readline(self):
        while True:
            i = self.buf.find(b"\r\n", self.pos)
            if i >= 0:
                line = bytes(self.buf[self.pos:i])
                self.pos = i + 2
                return line
            self._fill()

    def _skip(self, n):
        while len(self.buf) - self.pos < n:
            self._fill()
        self.pos += n

    def send(self, text):
        """Sends one command; returns its tag."""
        self.tag_n += 1
        tag = b"a%d" % self.tag_n
        self.sock.sendall(tag + b" " + text + b"\r\n")
        return tag

    def response(self, tag):
        """Reads up to the tagged reply: (tagged line, FETCH count, other untagged lines)."""
        fetches = 0
        untagged = []
        prefix = tag + b" "
        while True:
            first = line = self.readline()
            while line.endswith(b"}"):
                j = line.rfind(b"{")
                self._skip(int(line[j + 1:-1]))
                line = self.readline()
            if first.startswith(prefix):
                if not first.startswith(prefix + b"OK"):
                    raise ImapError(first.decode(errors="replace"))
                return first, fetches, untagged
            if first.startswith(b"* ") and b" FETCH " in first[:32]:
                fetches += 1
            elif len(untagged) < 64:
                untagged.append(first)

    def command(self, text):
        return self.response(self.send(text))

    def login(self, user):
        return self.command(b"LOGIN %s %s" % (accounts.address(user).encode(), accounts.PASSWORD.encode()))

    def logout(self):
        tag = self.send(b"LOGOUT")
        try:
            self.response(tag)
        except ImapError:
            pass
        self.close()


def select_count(untagged):
    """The EXISTS count among SELECT's untagged replies."""
    for line in untagged:
        parts = line.split()
        if len(parts) == 3 and parts[2] == b"EXISTS":
            return int(parts[1])
    raise ImapError("no EXISTS in SELECT reply")
