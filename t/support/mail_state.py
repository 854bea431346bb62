"""What a mailbox holds, seen from both ends of a sync, in one shape:
{folder: sorted [(Message-ID, flags)]} where flags is a sorted tuple of
IMAP system flags. A local Maildir tree (as mbsync and offlineimap write it:
one directory per folder, INBOX included, "/" between levels) is read from
the file names (":2,FLAGS", Maildir spec), the server by imaplib."""
import imaplib
import os
import re

from tls_client import client_tls

# Maildir info letters and the IMAP flags they stand for.
LETTERS = {"D": "\\Draft", "F": "\\Flagged", "R": "\\Answered", "S": "\\Seen", "T": "\\Deleted"}
SYSTEM = set(LETTERS.values())
MAX_MESSAGE = 1024 * 1024


def message_id(data):
    m = re.search(rb"^Message-ID:\s*(<[^>\r\n]*>)", data, re.M | re.I)
    return m.group(1).decode() if m else None


def letters_to_flags(info):
    return tuple(sorted(LETTERS[c] for c in info if c in LETTERS))


# --- local Maildir ---------------------------------------------------------------------------
def local_files(root):
    """{folder: [(path, Message-ID, flags)]} for every Maildir under root."""
    out = {}
    for d, subdirs, _ in os.walk(root):
        if not all(os.path.isdir(os.path.join(d, s)) for s in ("cur", "new", "tmp")):
            continue
        folder = os.path.relpath(d, root)
        entries = []
        for sub in ("cur", "new"):
            for name in sorted(os.listdir(os.path.join(d, sub))):
                if name.startswith("."):
                    continue
                path = os.path.join(d, sub, name)
                with open(path, "rb") as f:
                    data = f.read(MAX_MESSAGE)
                info = name.split(":2,", 1)[1] if ":2," in name else ""
                entries.append((path, message_id(data), letters_to_flags(info)))
        out[folder] = entries
    return out


def local_state(root):
    return {f: sorted((mid, flags) for _, mid, flags in e) for f, e in local_files(root).items()}


def local_names(root):
    """Every file name in every folder: a sync that changes nothing renames nothing."""
    return {f: sorted(os.path.basename(p) for p, _, _ in e) for f, e in local_files(root).items()}


def write_local(root, folder, n, msgid, subject, letters=""):
    """A message dropped into the local Maildir the way a mail reader would:
    new/ without flags, cur/ with them."""
    d = os.path.join(root, folder)
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    body = "From: local@example.test\r\nSubject: %s\r\nMessage-ID: %s\r\n\r\nbody of %s\r\n" % (subject, msgid, subject)
    base = "1700000000.M%dP%d.testhost" % (n, os.getpid())
    path = os.path.join(d, "cur", base + ":2," + letters) if letters else os.path.join(d, "new", base)
    with open(path, "w") as f:
        f.write(body)
    return path


def set_local_letters(root, folder, msgid, letters):
    """A mail reader changing a message's flags: the file is renamed into cur/."""
    for path, mid, _ in local_files(root)[folder]:
        if mid == msgid:
            base = os.path.basename(path).split(":2,", 1)[0]
            new = os.path.join(os.path.dirname(os.path.dirname(path)), "cur",
                               base + ":2," + "".join(sorted(letters)))
            os.rename(path, new)
            return
    raise KeyError(msgid)


def delete_local(root, folder, msgid):
    for path, mid, _ in local_files(root)[folder]:
        if mid == msgid:
            os.unlink(path)
            return
    raise KeyError(msgid)


# --- the server, by imaplib over IMAPS -------------------------------------------------------
def connect(port, user, password):
    m = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=client_tls(), timeout=10)
    m.login(user, password)
    return m


def folders(m):
    typ, data = m.list()
    assert typ == "OK", data
    out = []
    for line in data:
        mm = re.match(r'\((.*?)\) (?:"(.)"|NIL) (?:"(.*)"|(\S+))$', line.decode())
        assert mm, line
        if "\\Noselect" not in mm.group(1) and "\\NonExistent" not in mm.group(1):
            out.append(mm.group(3) if mm.group(3) is not None else mm.group(4))
    return out


class Refused(Exception):
    """FETCH answered NO: another session expunged a message this one still
    lists (RFC 2180 4.1.2 allows that); a new SELECT sees the truth."""


def fetch_all(m, folder):
    """[(uid, Message-ID, flags)] of a folder, selected read-only."""
    typ, data = m.select('"%s"' % folder, readonly=True)
    assert typ == "OK", data
    if int(data[0]) == 0:
        return []
    typ, data = m.fetch("1:*", "(UID FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
    if typ == "NO":
        raise Refused(data)
    assert typ == "OK", data
    out = []
    for i, item in enumerate(data):
        if not isinstance(item, tuple):
            continue
        # FLAGS and UID may come before or after the literal.
        after = data[i + 1] if i + 1 < len(data) and isinstance(data[i + 1], bytes) else b""
        text = (item[0] + b" " + after).decode()
        uid = int(re.search(r"UID (\d+)", text).group(1))
        flags = re.search(r"FLAGS \(([^)]*)\)", text).group(1).split()
        out.append((uid, message_id(item[1]), tuple(sorted(f for f in flags if f in SYSTEM))))
    return out


def server_state(port, user, password):
    m = connect(port, user, password)
    try:
        return {f: sorted((mid, flags) for _, mid, flags in fetch_all(m, f)) for f in folders(m)}
    finally:
        m.logout()


def server_uids(port, user, password):
    """UIDVALIDITY and UIDs too: a sync that changes nothing re-uploads nothing."""
    m = connect(port, user, password)
    try:
        out = {}
        for f in folders(m):
            entries = fetch_all(m, f)
            out[f] = (m.untagged_responses.get("UIDVALIDITY"), sorted(entries))
        return out
    finally:
        m.logout()
