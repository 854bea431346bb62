"""A minimal POP3 client for the bench: single-line and multi-line replies,
RETR one at a time or pipelined (RFC 2449 PIPELINING)."""
import socket

from lib import accounts

_CHUNK = 1 << 20
_END = b"\r\n.\r\n"


class Pop3Error(Exception):
    pass


class Pop3:
    def __init__(self, port, timeout=120):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.pos = 0
        self.status()

    def close(self):
        self.sock.close()

    def _fill(self):
        data = self.sock.recv(_CHUNK)
        if not data:
            raise Pop3Error("connection closed by server")
        if self.pos > _CHUNK:
            del self.buf[:self.pos]
            self.pos = 0
        self.buf += data

    def status(self):
        while True:
            i = self.buf.find(b"\r\n", self.pos)
            if i >= 0:
                line = bytes(self.buf[self.pos:i])
                self.pos = i + 2
                if not line.startswith(b"+OK"):
                    raise Pop3Error(line.decode(errors="replace"))
                return line
            self._fill()

    def multiline(self):
        """Status line then the body up to the lone dot; returns the body size."""
        self.status()
        rel = -2  # where to search from, relative to pos (the buffer may be compacted by _fill)
        while True:
            i = self.buf.find(_END, self.pos + rel)
            if i >= 0:
                size = i - self.pos
                self.pos = i + len(_END)
                return max(size, 0)
            rel = max(-2, len(self.buf) - self.pos - len(_END))
            self._fill()

    def command(self, text):
        self.sock.sendall(text + b"\r\n")
        return self.status()

    def login(self, user):
        self.command(b"USER " + accounts.address(user).encode())
        return self.command(b"PASS " + accounts.PASSWORD.encode())

    def stat_count(self):
        return int(self.command(b"STAT").split()[1])

    def retr_range(self, first, last, depth):
        """RETR first..last with at most depth commands in flight; returns bytes read."""
        total = 0
        sent = first
        done = first
        while done <= last:
            batch = []
            while sent <= last and sent - done < depth:
                batch.append(b"RETR %d\r\n" % sent)
                sent += 1
            if batch:
                self.sock.sendall(b"".join(batch))
            total += self.multiline()
            done += 1
        return total

    def uidl(self):
        self.sock.sendall(b"UIDL\r\n")
        return self.multiline()

    def quit(self):
        try:
            self.command(b"QUIT")
        except (Pop3Error, OSError):
            pass
        self.close()
