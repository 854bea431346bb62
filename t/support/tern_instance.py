"""A throwaway Tern instance for integration tests.

Creates a sandbox (tern sandbox) on free loopback ports in a temporary
directory, starts a real master from the build tree, and offers what tests
need: users, paths of Maildirs, the processes of the instance, the log.
Every wait is bounded; stop() always leaves no process behind.
"""
import os
import stat
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

BUILD = os.environ.get("TERN_BUILDDIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
BIN = os.path.join(BUILD, "bin")
PORTS = {"smtp": 25, "submission": 587, "submissions": 465, "pop3": 110, "imap": 143, "pop3s": 995,
         "imaps": 993}


def tool(name):
    return os.path.join(BIN, name)


def port_free(port):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def free_port_base():
    for _ in range(200):
        # Any base, not a multiple of 1000: two tests started at once rarely pick overlapping ports.
        base = random.randrange(20000, 59000)
        if all(port_free(base + p) for p in (25, 110, 143, 465, 587, 993, 995)):
            return base
    raise RuntimeError("no free port base found")


def wait_for(predicate, timeout=10.0, interval=0.02):
    """Polls predicate until true; returns the seconds it took or raises."""
    start = time.monotonic()
    while True:
        if predicate():
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise TimeoutError("condition not met within %.1fs" % timeout)
        time.sleep(interval)


class Instance:
    def __init__(self, domain="example.test"):
        self.dir = tempfile.mkdtemp(prefix="tern-it-")
        os.chmod(self.dir, 0o755)
        self.base = free_port_base()
        self.domain = domain
        out = self.run("sandbox", self.dir, "--port-base", str(self.base), "--domain", domain, config=False)
        m = re.search(r"demo user\s+(\S+)\s+password: (\S+)", out)
        if not m:
            raise RuntimeError("tern sandbox printed no demo user:\n" + out)
        self.demo_user, self.demo_password = m.group(1), m.group(2)
        self.etc = os.path.join(self.dir, "etc")
        self.queue = os.path.join(self.dir, "queue")
        # DNS in tests comes from data the test supplies, never from the
        # internet (DESIGN.md): an empty zone until the test writes its own.
        self.zone = os.path.join(self.etc, "test.zone")
        self.write_zone("")
        self.postconf("-e", "dns_zone_file=" + self.zone)

    def write_zone(self, text):
        """Replaces the instance's DNS data (RFC 1035 master file text); the
        daemons read it when they start."""
        with open(self.zone, "w") as f:
            f.write("; DNS data of this test instance\n" + text)

    # --- commands -------------------------------------------------------------
    def run(self, *args, config=True, input=None, check=True, program="tern"):
        cmd = [tool(program)] + (["-c", os.path.join(self.dir, "etc")] if config else []) + list(args)
        # Daemons stopped by SIGTERM or kill -9 are not leak-checked; unit tests are.
        env = dict(os.environ)
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
        p = subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=60, env=env)
        if check and p.returncode != 0:
            raise RuntimeError("%s failed (%d):\n%s%s" % (" ".join(cmd), p.returncode, p.stdout, p.stderr))
        return p.stdout + p.stderr if check else p

    def postconf(self, *args, check=True):
        return self.run(*args, program="postconf", check=check)

    def add_user(self, address, password):
        self.run("user", "add", address, input=password + "\n")

    # --- life cycle -----------------------------------------------------------
    def start(self):
        self.run("start")
        for name in PORTS:
            wait_for(lambda: self.connectable(name), timeout=15)
        wait_for(lambda: os.path.exists(os.path.join(self.queue, "public", "qmgr")), timeout=15)

    def stop(self):
        p = self.run("stop", check=False)
        if p.returncode != 0:
            self.kill9_all()
        else:  # children are gone shortly after master
            try:
                wait_for(lambda: not self.pids(), timeout=10)
            except TimeoutError:
                self.kill9_all()

    def reload(self):
        self.run("reload")

    def cleanup(self):
        self.stop()
        if os.environ.get("TERN_KEEP_TEST_DIR"):
            return
        shutil.rmtree(self.dir, ignore_errors=True)

    def connectable(self, service):
        try:
            with socket.create_connection(("127.0.0.1", self.port(service)), timeout=1):
                return True
        except OSError:
            return False

    def port(self, service):
        return self.base + PORTS[service]

    # --- processes --------------------------------------------------------------
    def processes(self):
        """(pid, program, uid) of every process of this instance."""
        marker = os.path.join(self.dir, "etc").encode()
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % entry, "rb") as f:
                    argv = f.read().split(b"\0")
                with open("/proc/%s/status" % entry) as f:
                    status = f.read()
            except OSError:
                continue
            if marker in argv and b"tern" not in os.path.basename(argv[0]):
                if "State:\tZ" in status:
                    continue
                uid = int(re.search(r"^Uid:\s+(\d+)", status, re.M).group(1))
                found.append((int(entry), os.path.basename(argv[0]).decode(), uid))
        return found

    def pids(self, program=None):
        return [pid for pid, prog, _ in self.processes() if program is None or prog == program]

    def freeze(self, program):
        """SIGSTOP: the processes stay (their children do not see them die) but do nothing,
        so a stopped master restarts nobody. kill9_all() ends them."""
        for pid in self.pids(program):
            try:
                os.kill(pid, signal.SIGSTOP)
            except ProcessLookupError:
                pass

    def kill9(self, program):
        for pid in self.pids(program):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def kill9_all(self):
        for _ in range(3):
            for pid in self.pids():
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.1)

    # --- mail store and log ------------------------------------------------------
    def maildir(self, address):
        local, domain = address.split("@")
        return os.path.join(self.dir, "mail", domain, local)

    def new_files(self, address):
        d = os.path.join(self.maildir(address), "new")
        return sorted(os.listdir(d)) if os.path.isdir(d) else []

    def all_files(self, address):
        out = []
        for sub in ("new", "cur"):
            d = os.path.join(self.maildir(address), sub)
            if os.path.isdir(d):
                out += [os.path.join(d, f) for f in os.listdir(d)]
        return out

    def message_with(self, address, marker):
        """The content of the first message in address's Maildir containing
        marker (bytes or str), or None."""
        if isinstance(marker, str):
            marker = marker.encode()
        for path in self.all_files(address):
            with open(path, "rb") as f:
                data = f.read()
            if marker in data:
                return data
        return None

    def wait_message(self, address, marker, timeout=15):
        """Waits (bounded) for a message containing marker and returns it."""
        wait_for(lambda: self.message_with(address, marker) is not None, timeout=timeout)
        return self.message_with(address, marker)

    def log(self):
        with open(os.path.join(self.dir, "log", "mail.log"), errors="replace") as f:
            return f.read()

    def queue_files(self, folder):
        """The messages in a queue folder (not temporary files, not qmgr's spares)."""
        return [f for f in self._queue_names(folder) if not self._is_spare(folder, f)]

    def spare_files(self, folder="incoming"):
        """The spares in a queue folder: files qmgr keeps for writers (sticky bit)."""
        return [f for f in self._queue_names(folder) if self._is_spare(folder, f)]

    def _queue_names(self, folder):
        d = os.path.join(self.queue, folder)
        return [f for f in os.listdir(d) if not f.startswith(".")] if os.path.isdir(d) else []

    def _is_spare(self, folder, name):
        try:
            return folder == "incoming" and bool(os.lstat(os.path.join(self.queue, folder, name)).st_mode & stat.S_ISVTX)
        except FileNotFoundError:
            return False
