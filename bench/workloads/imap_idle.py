"""Idle logged-in IMAP connections: the server's whole PSS with `count`
connections open and logged in, minus its PSS before, per connection."""
import time

from lib.common import wait_for
from lib.imap_client import Imap
from lib.measure import comm_of, pss_of


def pss_by_pid(server):
    return {pid: pss_of(pid) for pid in server.cgroup.pids()}


def run(server, user, count, settle=1.5):
    # Before: the server warmed by one login (pools, auth process up).
    c = Imap(server.imap_port)
    c.login(user)
    c.logout()
    time.sleep(settle)
    before = pss_by_pid(server)
    procs_before = len(before)
    conns = []
    try:
        for _ in range(count):
            c = Imap(server.imap_port)
            conns.append(c)
            c.login(user)
        time.sleep(settle)
        after = pss_by_pid(server)
        imap_procs = sum(1 for p in after if comm_of(p) in ("imap", "imapd"))
    finally:
        for c in conns:
            c.close()
    # Let a process-per-connection server reap its processes before the next round.
    try:
        wait_for(lambda: len(server.cgroup.pids()) <= procs_before + 2, timeout=20)
    except TimeoutError:
        pass
    # Processes that exited meanwhile (a service's idle timeout) are left out of
    # the baseline: only what the connections added is counted.
    base = sum(v for p, v in before.items() if p in after)
    total = sum(after.values())
    return {"kib_conn": (total - base) / count / 1024.0, "pss_mb": total / 1e6,
            "imap_processes": imap_procs, "connections": len(conns)}
