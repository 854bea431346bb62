"""Tern side by side with Postfix and Dovecot (issue #7): sets up private
instances under one bench directory, runs every row A B A B, writes
results.json there and bench/RESULTS.md. Run through bench/run."""
import argparse
import datetime
import json
import os
import resource
import shutil
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from lib import accounts, machine, maildirs, profile  # noqa: E402
from lib.common import free_ports, say  # noqa: E402
from lib.dovecot_instance import Dovecot  # noqa: E402
from lib.postfix_instance import Postfix  # noqa: E402
from lib.tern_instance import Tern  # noqa: E402
from workloads import auth_cost, disk_limit, imap_fetch, rows as rowspec, smtp  # noqa: E402
import report  # noqa: E402


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="fewer rounds and messages (development)")
    ap.add_argument("--rounds", type=int, help="rounds per row (default 3 and 5 for SMTP, quick 2)")
    ap.add_argument("--dir", default="/var/tmp/tern-bench", help="parent of the run's directory")
    ap.add_argument("--keep", action="store_true", help="keep the run's directory (queues, Maildirs, logs)")
    ap.add_argument("--only", help="comma-separated row ids to run")
    ap.add_argument("--no-profile", action="store_true", help="skip the perf profiles")
    ap.add_argument("--scheme", default="sha512", choices=["sha512", "yescrypt"], help="password hash for both")
    ap.add_argument("--note", default="", help="a line about the conditions, copied into RESULTS.md")
    ap.add_argument("--results", default=os.path.join(HERE, "RESULTS.md"))
    return ap.parse_args()


def make_mailboxes(seeds, sizes, servers, postfix):
    """Seeds written once, hard-linked into each reading server's Maildirs.
    The seeds stay in the bench's parent directory between runs: removing a
    run's tree then only removes links, and frees no inodes (ext4 makes file
    creation dearer for minutes after many inodes were freed)."""
    plan = {"fetch": (sizes["fetch"], 4096), "big": (sizes["big"], 1200), "idle": (10, 4096)}
    for i in range(accounts.LOGIN_CLIENTS):
        plan["login%d" % i] = (10, 4096)
    for user, (count, size) in plan.items():
        t0 = time.monotonic()
        # The login accounts share one seed.
        seed = os.path.join(seeds, "%s-%d-%d" % ("login" if user.startswith("login") else user, count, size))
        names = maildirs.write_seed(seed, count, size)
        for s in servers:
            maildirs.link_into(seed, names, s.maildir(user))
        say("mailbox %s: %d messages of %d bytes (%.1fs)" % (user, count, size, time.monotonic() - t0))
    for s in servers + [postfix]:
        maildirs.make_maildir(s.maildir(smtp.RECIPIENT))


# ext4 without a journal skips, when it allocates an inode, every inode freed
# less than 60 s ago (360 s while its inode table block is not yet written
# back), reading each: file creation is dearer for minutes after a mass
# removal. The bench syncs after removing its directory and notes when; a
# run that starts sooner waits the rest of the minute.
RECENTLY_FREED_S = 60
REMOVED_STAMP = ".last-removal"


def wait_for_freed_inodes(parent):
    try:
        with open(os.path.join(parent, REMOVED_STAMP)) as f:
            removed = float(f.read().strip() or 0)
    except (OSError, ValueError):
        return
    left = removed + RECENTLY_FREED_S + 5 - time.time()
    if left > 0:
        say("waiting %.0fs: the previous run removed its files %.0fs ago, and ext4 makes file creation dearer "
            "until a minute after freed inodes are written back" % (left, time.time() - removed))
        time.sleep(left)


def remove_run_directory(top):
    shutil.rmtree(top, ignore_errors=True)
    os.sync()  # the freed inodes on disk: the next run waits a minute, not six
    with open(os.path.join(os.path.dirname(top), REMOVED_STAMP), "w") as f:
        f.write("%.0f\n" % time.time())


def client_cpu():
    """CPU of the bench's own clients: this process's threads and waited-for
    children (smtp-source)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def run_row(row, servers, rounds, results):
    rid = row["id"]
    out = results["rows"].setdefault(rid, {"values": {}, "errors": {}, "warm": {}})
    names = [n for n in row["servers"] if n in servers]
    for name in names:
        if "warm" in row:
            try:
                t0 = time.monotonic()
                w = row["warm"](servers[name]) or {}
                w["warm_s"] = time.monotonic() - t0
                w.pop("ops", None)
                w.pop("first_ops", None)
                out["warm"][name] = w
            except Exception as e:
                out["errors"][name] = "warm-up failed: %s" % e
    for r in range(rounds):
        for name in names:  # A B A B: the servers take turns within each round
            if name in out["errors"]:
                continue
            try:
                if row.get("restart"):
                    servers[name].stop()
                    servers[name].start()
                c0, s0, t0 = client_cpu(), servers[name].cgroup.cpu_seconds(), time.monotonic()
                figures = row["run"](servers[name])
                figures["client_cpu_pct"] = 100.0 * (client_cpu() - c0) / (time.monotonic() - t0)
                if "ops" in figures:  # CPU per operation: less sensitive than rates to a busy machine
                    ops = figures.pop("ops")
                    figures["server_cpu_us_op"] = (servers[name].cgroup.cpu_seconds() - s0) * 1e6 / ops
            except Exception as e:
                out["errors"][name] = "%s: %s" % (type(e).__name__, e)
                say(rid, name, "FAILED:", out["errors"][name])
                continue
            for k, v in figures.items():
                out["values"].setdefault(name, {}).setdefault(k, []).append(v)
            say(rid, "round", r + 1, name, ", ".join("%s=%.4g" % kv for kv in figures.items()))


def derive_row(row, results):
    out = results["rows"].setdefault(row["id"], {"values": {}, "errors": {}, "warm": {}})
    for name in row["servers"]:
        for key in (f["key"] for f in row["figures"]):
            per_round = []
            for src in row["derived_from"]:
                vals = results["rows"].get(src, {}).get("values", {}).get(name, {}).get(key, [])
                for i, v in enumerate(vals):
                    if i == len(per_round):
                        per_round.append(v)
                    per_round[i] = max(per_round[i], v)
            if per_round:
                out["values"].setdefault(name, {})[key] = per_round
            else:
                out["errors"][name] = "no SMTP run succeeded"


def run_profiles(tern, top, sizes, results):
    if not profile.available():
        results["profiles_error"] = "perf does not work on this machine"
        return
    n = sizes["smtp_4k"]
    results["profiles"] = {}
    try:
        results["profiles"]["smtp"] = profile.profile(
            tern, top, "smtp", lambda: smtp.run(tern, n, 4096), n)
    except Exception as e:
        results["profiles"]["smtp"] = {"error": str(e)}
    passes = 3
    try:
        results["profiles"]["imap_fetch"] = profile.profile(
            tern, top, "imap-fetch",
            lambda: [imap_fetch.fetch_all(tern, "fetch", imap_fetch.BODY) for _ in range(passes)],
            passes * sizes["fetch"])
    except Exception as e:
        results["profiles"]["imap_fetch"] = {"error": str(e)}


def main():
    args = parse_args()
    if os.geteuid() != 0:
        sys.exit("bench: run as root (private instances need their own users and cgroups)")
    sizes = dict(rowspec.SIZES["quick" if args.quick else "full"])
    if args.rounds:
        sizes["rounds"] = sizes["smtp_rounds"] = args.rounds
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    signal.signal(signal.SIGTERM, lambda *a: sys.exit("bench: terminated"))

    os.makedirs(args.dir, exist_ok=True)
    wait_for_freed_inodes(args.dir)
    stamp = datetime.datetime.utcnow().strftime("%Y%m%d-%H%M%S")
    top = os.path.join(args.dir, "run-" + stamp)
    os.makedirs(top)
    os.chmod(top, 0o755)
    started = time.monotonic()
    results = {"started": stamp + " UTC", "mode": "quick" if args.quick else "full", "sizes": sizes,
               "note": args.note, "scheme": args.scheme, "machine": machine.describe(top),
               "rows": {}, "order": []}
    say("run directory", top)
    servers = {}
    try:
        results["disk"] = disk_limit.run(os.path.join(top, "disk"))
        say("disk:", results["disk"])
        ports = free_ports(5)
        pw_hash = accounts.password_hash(args.scheme)
        servers["postfix"] = Postfix(top, ports[0])
        servers["dovecot"] = Dovecot(top, ports[1], ports[2])
        servers["dovecot-perf"] = Dovecot(top, ports[3], ports[4], performance=True, name="dovecot-perf")
        servers["tern"] = Tern(top)
        servers["tern-noauth"] = Tern(top, name="tern-noauth")
        servers["tern-auth"] = Tern(top, name="tern-auth")
        servers["postfix"].configure(accounts.USERS)
        for name in ("dovecot", "dovecot-perf", "tern"):
            servers[name].configure(accounts.USERS, pw_hash)
        for name in ("tern-noauth", "tern-auth"):
            servers[name].configure([smtp.RECIPIENT, "dmarc"], pw_hash)
        auth_cost.prepare(top, servers["tern-auth"], servers["tern-noauth"])
        results["versions"] = {n: s.version() for n, s in servers.items()}
        results["versions"]["tern_build"] = os.environ.get("TERN_BUILDDIR", "")
        make_mailboxes(os.path.join(args.dir, "seed"), sizes, [servers["dovecot"], servers["tern"]], servers["postfix"])
        for s in servers.values():
            s.start()
        only = set(args.only.split(",")) if args.only else None
        for row in rowspec.rows(sizes):
            if only and row["id"] not in only and not ("derived_from" in row and set(row["derived_from"]) & only):
                continue
            results["order"].append(row["id"])
            say("row", row["id"])
            if "derived_from" in row:
                derive_row(row, results)
            else:
                run_row(row, servers, row.get("rounds", sizes["rounds"]), results)
        if not args.no_profile and (not only or "profile" in only):
            run_profiles(servers["tern"], top, sizes, results)
        results["server_log_errors"] = {n: s.log_errors() for n, s in servers.items()}
    finally:
        for s in servers.values():
            try:
                s.stop()
            except Exception as e:
                say("stopping", s.name, "failed:", e)
        results["machine"]["load_end"] = machine.loadavg()
        results["elapsed_s"] = time.monotonic() - started
        with open(os.path.join(top, "results.json"), "w") as f:
            json.dump(results, f, indent=1)
        if results["rows"]:
            # The raw figures beside the report: `python3 bench/report.py bench/results.json` redoes it.
            with open(os.path.join(os.path.dirname(os.path.abspath(args.results)), "results.json"), "w") as f:
                json.dump(results, f, indent=1)
            report.write(results, rowspec.rows(sizes), args.results)
            say("wrote", args.results)
        if not args.keep:
            remove_run_directory(top)
        else:
            say("kept", top)


if __name__ == "__main__":
    main()
