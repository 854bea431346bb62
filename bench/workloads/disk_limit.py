"""The disk's own limit, measured where the bench keeps its queues: durable
file creations per second from one thread (create, write 4 KiB, fsync,
rename, fsync the directory: what a queue file or a Maildir delivery costs),
and 4 KiB write+fsync per second from 16 threads."""
import os
import threading
import time

DATA = b"x" * 4096


def creations_per_s(directory, seconds=2.0):
    tmp = os.path.join(directory, "tmp")
    new = os.path.join(directory, "new")
    os.makedirs(tmp, exist_ok=True)
    os.makedirs(new, exist_ok=True)
    dfd = os.open(new, os.O_RDONLY | os.O_DIRECTORY)
    n = 0
    t0 = time.monotonic()
    try:
        while time.monotonic() - t0 < seconds:
            src = os.path.join(tmp, "f%d" % n)
            fd = os.open(src, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.write(fd, DATA)
            os.fsync(fd)
            os.close(fd)
            os.rename(src, os.path.join(new, "f%d" % n))
            os.fsync(dfd)
            n += 1
    finally:
        os.close(dfd)
    return n / (time.monotonic() - t0)


def fsyncs_per_s(directory, threads=16, seconds=2.0):
    os.makedirs(directory, exist_ok=True)
    counts = [0] * threads
    stop = time.monotonic() + seconds

    def worker(i):
        fd = os.open(os.path.join(directory, "sync%d" % i), os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while time.monotonic() < stop:
                os.pwrite(fd, DATA, (counts[i] % 256) * 4096)
                os.fsync(fd)
                counts[i] += 1
        finally:
            os.close(fd)

    t0 = time.monotonic()
    ts = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sum(counts) / (time.monotonic() - t0)


def run(directory):
    return {"create_fsync_rename_s": creations_per_s(os.path.join(directory, "create")),
            "fsync_16_threads_s": fsyncs_per_s(os.path.join(directory, "fsync"))}
