"""Python's aiosmtpd (Debian's python3-aiosmtpd) as a remote MX for tests.

AioSink runs an aiosmtpd Controller on a free loopback port (IPv4 or IPv6)
and keeps every message it accepts with its arrival time. Subclasses add
aiosmtpd's other hooks (handle_RCPT) or wrap handle_DATA. aiosmtpd offers
no DSN and no PIPELINING, which some tests rely on.
"""
import re
import socket
import threading
import time

from aiosmtpd.controller import Controller


def free_port(host="127.0.0.1"):
    """A port nothing listens on now (also usable as a closed port)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class AioSink:
    def __init__(self, host="127.0.0.1", ok_reply="250 2.0.0 Ok: queued"):
        self.ok_reply = ok_reply
        self.lock = threading.Lock()
        self.received = []  # (monotonic arrival time, rcpt list, content bytes)
        self.port = free_port(host)  # aiosmtpd cannot start on port 0
        self.controller = Controller(self, hostname=host, port=self.port)
        self.controller.start()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append((time.monotonic(), list(envelope.rcpt_tos), envelope.content))
        return self.ok_reply

    def contents(self):
        with self.lock:
            return [c for _, _, c in self.received]

    def subjects(self):
        out = []
        for c in self.contents():
            m = re.search(rb"^Subject: (.*?)\r?$", c, re.M)
            out.append(m.group(1).decode() if m else "")
        return out

    def stop(self):
        self.controller.stop()
