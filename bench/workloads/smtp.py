"""SMTP in, Maildir out: smtp-source (Postfix's load generator) sends count
messages of size bytes over `sessions` parallel sessions, one connection per
message or (keep_open) all over the same connections; the clock stops when
the last message is in the recipient's Maildir. Whole-server CPU from the
cgroup, peak PSS sampled during the run."""
import os
import subprocess
import time

from lib import accounts
from lib.common import count_files
from lib.measure import PssSampler, disk_requests

RECIPIENT = "smtp"
# Tern's IMAP and POP3 daemons share its cgroup; Postfix has none: the
# memory figure is also given without them.
MAILBOX_DAEMONS = {"imapd", "pop3d"}


def run(server, count, size, sessions=10, keep_open=False, timeout=600, stall=30, sender="sender@example.org",
        message_file=None):
    """message_file: send that file (smtp-source -F) instead of a generated message."""
    new = os.path.join(server.maildir(RECIPIENT), "new")
    before = count_files(new)
    cmd = ["smtp-source", "-s", str(sessions), "-m", str(count),
           "-f", sender, "-t", accounts.address(RECIPIENT), "-M", "client.example.org"]
    cmd += ["-F", message_file] if message_file else ["-l", str(size)]
    if keep_open:
        cmd.append("-d")
    cmd.append("127.0.0.1:%d" % server.smtp_port)
    cpu0 = server.cgroup.cpu_seconds()
    disk0 = disk_requests(new)
    with PssSampler(server.cgroup, exclude=MAILBOX_DAEMONS) as pss:
        t0 = time.monotonic()
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if p.returncode != 0 or p.stderr.strip():
            raise RuntimeError("smtp-source: rc=%d %s" % (p.returncode, p.stderr.strip()[-500:]))
        sent = time.monotonic() - t0
        # Fails when delivery stalls (no new file for `stall` seconds), not after a fixed time.
        last, last_change = -1, time.monotonic()
        while True:
            n = count_files(new) - before
            if n >= count:
                break
            if n != last:
                last, last_change = n, time.monotonic()
            elif time.monotonic() - last_change > stall:
                raise RuntimeError("%d of %d messages delivered, none in the last %ds" % (n, count, stall))
            time.sleep(0.01)
        elapsed = time.monotonic() - t0
    cpu = server.cgroup.cpu_seconds() - cpu0
    disk1 = disk_requests(new)
    figures = {"msg_s": count / elapsed, "accept_msg_s": count / sent,
               "cpu_ms_msg": cpu * 1000.0 / count, "pss_peak_mb": pss.peak() / 1e6,
               "pss_peak_mta_mb": pss.peak_excl() / 1e6}
    if disk0 and disk1:
        # Whole device, this run's stretch: the other server is stopped or idle meanwhile.
        figures["disk_writes_msg"] = (disk1[0] - disk0[0]) / count
        figures["disk_flushes_msg"] = (disk1[1] - disk0[1]) / count
    return figures
