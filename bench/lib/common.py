"""Small helpers shared by the bench: commands, bounded waits, free ports, logging."""
import os
import socket
import subprocess
import sys
import time

VERBOSE = True


def say(*args):
    if VERBOSE:
        print("bench:", *args, file=sys.stderr, flush=True)


def sh(cmd, input=None, check=True, timeout=120, env=None):
    """Runs cmd (a list); returns its stdout+stderr; raises on failure when check."""
    p = subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout, env=env)
    if check and p.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s%s" % (" ".join(cmd), p.returncode, p.stdout, p.stderr))
    return p.stdout + p.stderr


def start_daemon(cmd, log_path, timeout=60):
    """Runs a command that daemonizes; output goes to log_path, not to a pipe
    the daemon would inherit and keep open."""
    with open(log_path, "ab") as log:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, timeout=timeout)
    if p.returncode != 0:
        with open(log_path, errors="replace") as f:
            raise RuntimeError("%s failed (%d):\n%s" % (" ".join(cmd), p.returncode, f.read()[-3000:]))


def wait_for(predicate, timeout=10.0, interval=0.02, what="condition"):
    """Polls predicate until true; returns the seconds it took or raises."""
    start = time.monotonic()
    while True:
        if predicate():
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise TimeoutError("%s not met within %.1fs" % (what, timeout))
        time.sleep(interval)


def port_free(port):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def connectable(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def free_ports(count, start=30000):
    """count consecutive free loopback ports at or above start."""
    port = start
    while port < 60000:
        if all(port_free(port + i) for i in range(count)):
            return [port + i for i in range(count)]
        port += count
    raise RuntimeError("no free ports")


def count_files(directory):
    try:
        return len(os.listdir(directory))
    except FileNotFoundError:
        return 0
