"""Logins per second: `clients` threads each connect, log in (IMAP LOGIN or
POP3 USER/PASS), log out and disconnect, in a loop, for `seconds`. Client i
logs in as <user><i>: its own account, as a POP3 maildrop takes one session
at a time (RFC 1939 8)."""
import threading
import time

from lib.imap_client import Imap
from lib.pop3_client import Pop3


def _imap_once(server, user):
    c = Imap(server.imap_port, timeout=30)
    c.login(user)
    c.logout()


def _pop3_once(server, user):
    c = Pop3(server.pop3_port, timeout=30)
    c.login(user)
    c.quit()


def run(server, user, protocol, clients=8, seconds=3.0):
    once = _imap_once if protocol == "imap" else _pop3_once
    once(server, user + "0")  # warm: auth process, login process pool
    counts = [0] * clients
    errors = []
    stop = time.monotonic() + seconds

    def worker(i):
        try:
            while time.monotonic() < stop:
                once(server, "%s%d" % (user, i))
                counts[i] += 1
        except Exception as e:  # reported, never counted
            errors.append(repr(e))

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 60)
    elapsed = time.monotonic() - t0
    if errors:
        raise RuntimeError("%d login errors, first: %s" % (len(errors), errors[0]))
    return {"logins_s": sum(counts) / elapsed, "ops": sum(counts)}
