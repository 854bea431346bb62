"""The users and mailboxes both sides get, and their one password hash.

Both servers are given the same crypt(3) string for every user, so a login
costs the same hashing on both (SHA512-CRYPT, 5000 rounds, by default).
"""
import grp
import pwd

from lib.common import sh

DOMAIN = "example.test"
PASSWORD = "bench-Pw-2026"
# smtp: target of the SMTP rows; fetch: the 10,000-message mailbox; big: the
# 100,000-message one; idle and login: the idle-connection and login rows.
USERS = ["smtp", "fetch", "big", "idle", "login"]
MAIL_USER = "vmail"  # owner of every Maildir (tern sandbox creates it when run as root)


def address(user):
    return "%s@%s" % (user, DOMAIN)


def password_hash(scheme):
    if scheme == "sha512":
        return sh(["openssl", "passwd", "-6", PASSWORD]).strip()
    if scheme == "yescrypt":
        return sh(["mkpasswd", "-m", "yescrypt", PASSWORD]).strip()
    raise ValueError("unknown password scheme " + scheme)


def mail_ids():
    """(uid, gid) of the Maildir owner."""
    pw = pwd.getpwnam(MAIL_USER)
    return pw.pw_uid, grp.getgrgid(pw.pw_gid).gr_gid
