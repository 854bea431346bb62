"""Writes the same Maildir content for every server, before the first round.

The messages are written once into a seed tree and hard-linked into each
server's Maildir: same bytes, same file names, same page cache, and no
directory tree that has just been emptied (ext4 makes creation dearer for a
while after mass deletion)."""
import os
import shutil
import time

from lib import accounts

HOST = "bench.example.test"


def message(i, size):
    """An RFC 5322 message of about size bytes, deterministic in i."""
    head = ("Return-Path: <sender%d@example.org>\r\n"
            "From: Sender %d <sender%d@example.org>\r\n"
            "To: Bench <fetch@example.test>\r\n"
            "Subject: bench message %d\r\n"
            "Date: Mon, 07 Dec 2026 01:%02d:%02d +0000\r\n"
            "Message-ID: <bench.%d@example.org>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=us-ascii\r\n"
            "\r\n") % (i % 97, i % 97, i % 97, i, (i // 60) % 60, i % 60, i)
    line = ("line of message %d, the quick brown fox jumps over the lazy dog." % i)[:70] + "\r\n"
    body = line * max(1, (size - len(head)) // len(line))
    return (head + body).encode()


def make_maildir(path):
    uid, gid = accounts.mail_ids()
    parts = []
    d = path
    while not os.path.isdir(d):
        parts.append(d)
        d = os.path.dirname(d)
    for p in reversed(parts):
        os.mkdir(p, 0o700)
        os.chown(p, uid, gid)
    for sub in ("cur", "new", "tmp"):
        p = os.path.join(path, sub)
        if not os.path.isdir(p):
            os.mkdir(p, 0o700)
            os.chown(p, uid, gid)


def write_seed(seed_dir, count, size):
    """count messages in seed_dir/cur (flag Seen, as a client that read them
    would leave them); returns the file names. Reuses a complete seed."""
    cur = os.path.join(seed_dir, "cur")
    if os.path.isdir(cur):
        names = sorted(os.listdir(cur))
        if len(names) == count:
            return names
        shutil.rmtree(seed_dir)  # an interrupted run's partial seed
    make_maildir(seed_dir)
    uid, gid = accounts.mail_ids()
    base = int(time.time()) - count
    names = []
    for i in range(count):
        name = "%d.M%dP1Q%d.%s,S=%d:2,S" % (base + i, i, i, HOST, 0)
        data = message(i, size)
        name = name.replace(",S=0:", ",S=%d:" % len(data))
        fd = os.open(os.path.join(cur, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, data)
            os.fchown(fd, uid, gid)
        finally:
            os.close(fd)
        names.append(name)
    return names


def link_into(seed_dir, names, maildir):
    make_maildir(maildir)
    cur = os.path.join(maildir, "cur")
    for n in names:
        os.link(os.path.join(seed_dir, "cur", n), os.path.join(cur, n))
