"""CPU profiles of Tern with perf (system-wide sampling, then only Tern's
processes kept): which processes and which functions take the CPU of a
workload, and how much CPU that is per message."""
import os
import shutil
import signal
import subprocess
import threading
import time

from lib.common import say
from lib.measure import comm_of


def available():
    if not shutil.which("perf"):
        return False
    p = subprocess.run(["perf", "stat", "-e", "task-clock", "true"], capture_output=True)
    return p.returncode == 0


def _report(data, pids, sort, limit):
    cmd = ["perf", "report", "-i", data, "--stdio", "--no-children", "--sort", sort,
           "--pid", ",".join(str(p) for p in sorted(pids)), "--percentage", "relative", "--percent-limit", "0.7"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300).stdout
    rows = []
    for line in out.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split(None, 1)
        if parts and parts[0].endswith("%"):
            what = " ".join(parts[1].split())
            while what.endswith(" -"):
                what = what[:-2]
            rows.append((float(parts[0][:-1]), what))
        if len(rows) >= limit:
            break
    return rows


def profile(server, workdir, name, workload, messages):
    """Runs workload() under perf; returns the summary (shares are of the
    samples taken in Tern's processes)."""
    data = os.path.join(workdir, "perf-%s.data" % name)
    # Samples are kept by process id, not name: other Tern instances on the
    # machine (test suites) run processes with the same names.
    pids = set(server.cgroup.pids())
    done = threading.Event()

    def watch():
        while not done.wait(0.1):
            pids.update(server.cgroup.pids())

    watcher = threading.Thread(target=watch, daemon=True)
    perf = subprocess.Popen(["perf", "record", "-a", "-F", "1999", "-o", data, "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    watcher.start()
    cpu0 = server.cgroup.cpu_seconds()
    try:
        workload()
    finally:
        done.set()
        watcher.join()
        perf.send_signal(signal.SIGINT)
        perf.wait(timeout=120)
    cpu = server.cgroup.cpu_seconds() - cpu0
    say("profile", name, "processes:", ",".join(sorted({comm_of(p) for p in pids})))
    return {
        "messages": messages,
        "cpu_us_msg": cpu * 1e6 / messages,
        "by_process": _report(data, pids, "comm", 12),
        "by_object": _report(data, pids, "comm,dso", 12),
        "by_symbol": _report(data, pids, "comm,dso,symbol", 25),
    }
