"""Whole-server CPU and memory.

CPU: each server runs in its own cgroup (v2 when there is a unified
hierarchy, else v1 cpuacct), so every process it forks, exited ones
included, is counted. Memory: the sum of PSS (/proc/PID/smaps_rollup) over
the processes of the cgroup, so pages shared between processes (a
process-per-connection server's text and libraries) count once.
"""
import os
import signal
import threading
import time


def _v2_root():
    for root in ("/sys/fs/cgroup", "/sys/fs/cgroup/unified"):
        if os.path.exists(os.path.join(root, "cgroup.procs")) and os.path.exists(
                os.path.join(root, "cgroup.controllers")):
            return root
    return None


class Cgroup:
    """A cgroup named name; start commands inside it with wrap(argv)."""

    def __init__(self, name):
        root = _v2_root()
        if root:
            self.kind, self.path = "v2", os.path.join(root, name)
        elif os.path.isdir("/sys/fs/cgroup/cpuacct"):
            self.kind, self.path = "v1", os.path.join("/sys/fs/cgroup/cpuacct", name)
        else:
            raise RuntimeError("no cgroup hierarchy with CPU accounting (need cgroup v2 or v1 cpuacct)")
        if os.path.isdir(self.path):
            self.kill_all()
            os.rmdir(self.path)
        os.mkdir(self.path)

    def wrap(self, argv):
        """argv run by a shell that first moves itself into the cgroup."""
        return ["sh", "-c", 'echo $$ > "$0" && exec "$@"', os.path.join(self.path, "cgroup.procs")] + list(argv)

    def stop(self, stop_server):
        """Runs stop_server(), waits up to 10 s for the cgroup to empty, removes it."""
        stop_server()
        deadline = time.time() + 10
        while self.pids() and time.time() < deadline:
            time.sleep(0.02)
        self.remove()

    def pids(self):
        try:
            with open(os.path.join(self.path, "cgroup.procs")) as f:
                return [int(x) for x in f.read().split()]
        except FileNotFoundError:
            return []

    def cpu_seconds(self):
        """User+system CPU of every process that ever ran in the cgroup."""
        if self.kind == "v2":
            with open(os.path.join(self.path, "cpu.stat")) as f:
                for line in f:
                    k, v = line.split()
                    if k == "usage_usec":
                        return int(v) / 1e6
            raise RuntimeError("cpu.stat has no usage_usec")
        with open(os.path.join(self.path, "cpuacct.usage")) as f:
            return int(f.read()) / 1e9

    def pss_bytes(self):
        return sum(pss_of(pid) for pid in self.pids())

    def kill_all(self):
        for _ in range(50):
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.05)

    def remove(self):
        self.kill_all()
        for _ in range(50):
            try:
                os.rmdir(self.path)
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.05)


def pss_of(pid):
    """PSS of one process in bytes (0 if it is gone or a kernel thread)."""
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


def comm_of(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return "?"


class PssSampler:
    """Samples a cgroup's total PSS in a thread; peak and mean over the run."""

    def __init__(self, cgroup, interval=0.2, exclude=()):
        self.cgroup, self.interval, self.exclude = cgroup, interval, set(exclude)
        self.samples = []
        self.samples_excl = []  # the same without the processes named in exclude
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self):
        total = excl = 0
        for pid in self.cgroup.pids():
            v = pss_of(pid)
            total += v
            if not self.exclude or comm_of(pid) not in self.exclude:
                excl += v
        self.samples.append(total)
        self.samples_excl.append(excl)

    def _run(self):
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._sample()

    def peak(self):
        return max(self.samples) if self.samples else 0

    def peak_excl(self):
        return max(self.samples_excl) if self.samples_excl else 0

    def mean(self):
        return sum(self.samples) / len(self.samples) if self.samples else 0


def disk_requests(path):
    """(writes, flushes) completed so far by the block device holding path
    (/sys/dev/block/MAJ:MIN/stat; a partition's figures are its own), or None."""
    st = os.stat(path)
    try:
        with open("/sys/dev/block/%d:%d/stat" % (os.major(st.st_dev), os.minor(st.st_dev))) as f:
            fields = f.read().split()
    except OSError:
        return None
    # Field 5: write requests completed; field 16 (kernels since 5.5): flush requests.
    return int(fields[4]), int(fields[15]) if len(fields) > 15 else 0
