"""What SPF, DKIM and DMARC cost inbound (issue #6): two Tern instances
alike but for smtpd_spf_checks, smtpd_dkim_verify and smtpd_dmarc_checks,
both treating smtp-source's 127.0.0.1 as a client from outside (mynetworks
is another address), both answering DNS from the same zone file, get the
same DKIM-signed 4 KiB message from a domain that publishes SPF, a 2048-bit
RSA DKIM key and DMARC p=reject with rua (so every message is also recorded
for the aggregate reports). The row's ratio is checks-on over checks-off."""
import os
import subprocess

from lib import accounts
from workloads import smtp

DOMAIN = "bench-auth.test"
SENDER = "news@" + DOMAIN
SELECTOR = "b1"
MESSAGE = None  # the signed message file, once prepare() made it


def _tern(server, *args, input=None):
    p = subprocess.run([server.tern_tool(), "-c", server.inst.etc] + list(args), input=input,
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError("tern %s: %s" % (" ".join(args), p.stderr.strip()[-500:]))
    return p.stdout


def prepare(top, on, off):
    """Keys, DNS data and the signed message; configures both instances
    (before they start). Returns the message file."""
    record = _tern(on, "dkim", "keygen", DOMAIN, "--selector", SELECTOR)
    zone = ("%s. TXT \"v=spf1 ip4:127.0.0.1 -all\"\n"
            "_dmarc.%s. TXT \"v=DMARC1; p=reject; rua=mailto:dmarc@%s\"\n"
            "%s\n" % (DOMAIN, DOMAIN, accounts.DOMAIN, record.strip()))
    body = "".join("line %04d of a message that SPF, DKIM and DMARC look at, padded to 4 KiB.\n" % i
                   for i in range(50))
    plain = ("From: News <%s>\nTo: <%s>\nSubject: bench\nDate: Mon, 07 Dec 2026 05:00:00 +0000\n"
             "Message-ID: <bench@%s>\nMIME-Version: 1.0\nContent-Type: text/plain\n\n%s"
             % (SENDER, accounts.address(smtp.RECIPIENT), DOMAIN, body))
    key = os.path.join(on.inst.etc, "dkim", DOMAIN, SELECTOR + ".key")
    signed = _tern(on, "dkim", "sign", "--domain", DOMAIN, "--selector", SELECTOR, "--key", key, "-", input=plain)
    path = os.path.join(top, "auth-message.eml")
    with open(path, "w") as f:
        f.write(signed)
    global MESSAGE
    MESSAGE = path
    for server, checks in ((on, "yes"), (off, "no")):
        server.inst.write_zone(zone)
        server.inst.postconf("-e", "mynetworks=127.0.0.2/32", "smtpd_spf_checks=" + checks,
                             "smtpd_dkim_verify=" + checks, "smtpd_dmarc_checks=" + checks, "dkim_sign=no")
    return path


def run(server, count):
    return smtp.run(server, count, 4096, sender=SENDER, message_file=MESSAGE)
