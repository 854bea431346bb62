"""POP3 reading: RETR of every message, one command at a time or with
`depth` commands in flight; and issue #5's whole session (login, UIDL,
RETR of 1,000 messages, QUIT) timed from connect to close."""
import time

from lib.pop3_client import Pop3, Pop3Error


def retr_all(server, user, count, depth):
    c = Pop3(server.pop3_port)
    try:
        c.login(user)
        n = min(c.stat_count(), count)
        t0 = time.monotonic()
        c.retr_range(1, n, depth)
        elapsed = time.monotonic() - t0
    finally:
        c.quit()
    return {"msg_s": n / elapsed, "ops": n}


def session(server, user, count):
    t0 = time.monotonic()
    c = Pop3(server.pop3_port)
    try:
        c.login(user)
        c.uidl()
        n = min(c.stat_count(), count)
        if n < count:
            raise Pop3Error("mailbox has %d messages, not %d" % (n, count))
        c.retr_range(1, n, 1)
    finally:
        c.quit()
    return {"session_ms": (time.monotonic() - t0) * 1000.0}


def warm(server, user):
    """Opens the mailbox once (index, sizes) outside the timed rounds."""
    c = Pop3(server.pop3_port, timeout=600)
    try:
        c.login(user)
        c.stat_count()
        c.uidl()
    finally:
        c.quit()
