"""What the numbers were measured on: CPU, cores, memory, kernel, the file
system of the bench directory, and the load around the run."""
import os
import platform
import subprocess


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def _cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _mem_gib():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    return 0


def _fs(path):
    p = subprocess.run(["df", "-T", path], capture_output=True, text=True)
    lines = p.stdout.splitlines()
    if len(lines) >= 2:
        f = lines[1].split()
        return "%s on %s" % (f[1], f[0])
    return "unknown"


def describe(path):
    return {"cpu": _cpu_model(), "cores": os.cpu_count(), "mem_gib": round(_mem_gib(), 1),
            "kernel": platform.release(), "os": _os(), "fs": _fs(path), "load_start": loadavg()}


def _os():
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return platform.system()
