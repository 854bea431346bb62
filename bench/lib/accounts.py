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
# 100,000-message one; idle: the idle-connection row; login0..login7: one
# account per client of the login rows (a POP3 maildrop takes one session
# at a time, RFC 1939 8, so 8 clients on one account would only be refused).
LOGIN_CLIENTS = 8
USERS = ["smtp", "fetch", "big", "idle"] + ["login%d" % i for i in range(LOGIN_CLIENTS)]
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
