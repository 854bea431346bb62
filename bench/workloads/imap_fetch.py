"""IMAP reading: FETCH 1:* of a whole mailbox in one command, or one
UID FETCH per command (each waits for the previous reply). The clock covers
the FETCH commands only, after LOGIN and SELECT."""
import time

from lib.imap_client import Imap, ImapError, select_count

BODY = b"BODY.PEEK[]"
META = b"(FLAGS UID RFC822.SIZE ENVELOPE)"


def fetch_all(server, user, items):
    c = Imap(server.imap_port)
    try:
        c.login(user)
        _, _, untagged = c.command(b"SELECT INBOX")
        exists = select_count(untagged)
        t0 = time.monotonic()
        _, fetched, _ = c.command(b"FETCH 1:* " + items)
        elapsed = time.monotonic() - t0
    finally:
        c.logout()
    if fetched != exists:
        raise ImapError("FETCH returned %d of %d messages" % (fetched, exists))
    return {"msg_s": fetched / elapsed, "ops": fetched}


def uid_list(c):
    tag = c.send(b"UID SEARCH ALL")
    uids = []
    while True:
        line = c.readline()
        if line.startswith(b"* SEARCH"):
            uids += [int(x) for x in line.split()[2:]]
        elif line.startswith(tag + b" "):
            if not line.startswith(tag + b" OK"):
                raise ImapError(line.decode(errors="replace"))
            return uids


def uid_fetch_each(server, user, count):
    c = Imap(server.imap_port)
    try:
        c.login(user)
        c.command(b"SELECT INBOX")
        uids = uid_list(c)[:count]
        t0 = time.monotonic()
        for uid in uids:
            _, n, _ = c.command(b"UID FETCH %d BODY.PEEK[]" % uid)
            if n != 1:
                raise ImapError("UID FETCH %d returned %d messages" % (uid, n))
        elapsed = time.monotonic() - t0
    finally:
        c.logout()
    return {"msg_s": len(uids) / elapsed, "ops": len(uids)}


def select_big(server, user):
    """SELECT (the mailbox was opened before), then FETCH of its metadata."""
    c = Imap(server.imap_port)
    try:
        c.login(user)
        t0 = time.monotonic()
        _, _, untagged = c.command(b"SELECT INBOX")
        select_s = time.monotonic() - t0
        exists = select_count(untagged)
        t0 = time.monotonic()
        _, fetched, _ = c.command(b"FETCH 1:* " + META)
        fetch_s = time.monotonic() - t0
    finally:
        c.logout()
    if fetched != exists:
        raise ImapError("FETCH returned %d of %d messages" % (fetched, exists))
    return {"select_ms": select_s * 1000.0, "meta_msg_s": fetched / fetch_s, "ops": exists}


def first_open(server, user, timeout):
    """The first SELECT of a mailbox (the server builds its index): seconds."""
    c = Imap(server.imap_port, timeout=timeout)
    try:
        c.login(user)
        t0 = time.monotonic()
        c.command(b"SELECT INBOX")
        return {"first_select_s": time.monotonic() - t0}
    finally:
        c.logout()
