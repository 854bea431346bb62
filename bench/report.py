"""Writes bench/RESULTS.md from a run's results (bench.py calls it; or
`python3 bench/report.py RESULTS.JSON` to regenerate from a kept run)."""
import json
import os
import statistics
import sys

LABEL = {"postfix": "Postfix", "dovecot": "Dovecot", "dovecot-perf": "Dovecot (performance mode)",
         "tern": "Tern", "tern-noauth": "Tern, SPF/DKIM/DMARC off", "tern-auth": "Tern, SPF/DKIM/DMARC on"}

METHOD = """\
- One command, `bench/run`, installs Postfix and Dovecot from Debian (services kept from
  starting by a policy-rc.d), then makes private instances under one bench directory:
  Postfix with its own `config_directory` (smtpd on a loopback high port, virtual(8) to
  Maildir, Debian's master.cf without chroot), Dovecot with `dovecot -c` (own base_dir,
  IMAP and POP3 on loopback high ports), and a `tern sandbox` from the build tree. No
  system instance is used; every process is stopped at the end.
- Same users for both sides, with the same crypt(3) hash string ({scheme}); the same
  Maildir files (written once, hard-linked into each server's tree, before the first round).
- Durability: Tern's only mode (queue file fsync'ed under a name already durable, or
  renamed and its directory fsync'ed; Maildir delivery fsync'ed, renamed, directory
  fsync'ed); Postfix and Dovecot as Debian ships them.
- CPU: one cgroup per server ({cgroup}), so every process it forked, exited ones
  included, is counted. Memory: sum of PSS (`/proc/PID/smaps_rollup`) over the cgroup's
  processes, sampled every 0.2 s.
- Each row runs the reference then Tern, in turn, {rounds} rounds ({smtp_rounds} for the SMTP rates)
  (A B A B ...), after an
  untimed warm-up where the row has one (first open of a mailbox; before the first SMTP row,
  twice its messages, since the first thousands of files in new queue and Maildir trees cost
  more on ext4). Figures are median
  [min–max] over the rounds; the ratio is Tern's median over the reference's.
- SMTP: `smtp-source -s 10 -l SIZE -m N` (`-d` to keep connections), clock stopped when the
  last message is in the recipient's Maildir (`new/`), which keeps growing between rounds.
  `disk_writes_msg` and `disk_flushes_msg` in the notes: write and flush requests the disk
  completed during the run, per message (`/sys/dev/block/MAJ:MIN/stat`).
- A run waits, if needed, until a minute after the previous run removed its files (and
  synced): ext4 without a journal skips and reads every inode freed less than a minute ago
  when it allocates one (six minutes while its inode table block is unwritten).
- IMAP and POP3: a small client in the bench (bench/lib/imap_client.py, pop3_client.py) on
  the same 2 cores as the servers; its own CPU is part of every figure, on both sides alike.
  `client_cpu_pct` in the notes is the bench clients' CPU (Python threads, smtp-source) in
  percent of one core during the timed part: near 100 the client, not the server, sets the pace.
- The idle-connection row restarts each server before each round, so a heap grown (and
  kept) by an earlier round is not counted as free.
"""


def med(vals):
    return statistics.median(vals) if vals else None


def fmt(v):
    if v is None:
        return "—"
    if abs(v) >= 100:
        return "{:,.0f}".format(v)
    if abs(v) >= 10:
        return "%.1f" % v
    return "%.3g" % v


def cell(vals):
    if not vals:
        return "—"
    if len(vals) == 1:
        return fmt(vals[0])
    return "%s [%s–%s]" % (fmt(med(vals)), fmt(min(vals)), fmt(max(vals)))


def verdict(fig, ratio, tern_med):
    if fig.get("at_least") is not None:
        target = "≥ %s %s" % (fmt(fig["at_least"]), fig["unit"])
        if tern_med is None:
            return target, "not measured"
        return target, ("yes" if tern_med >= fig["at_least"] else "**no**")
    if fig["below"] is not None:
        if tern_med is None:
            return "< %s %s" % (fmt(fig["below"]), fig["unit"]), "not measured"
        return "< %s %s" % (fmt(fig["below"]), fig["unit"]), ("yes" if tern_med < fig["below"] else "**no**")
    if fig["ratio"] is None:
        return "—", "—"
    sign = "≥" if fig["better"] == "higher" else "≤"
    target = "%s %s×" % (sign, fmt(fig["ratio"]))
    if ratio is None:
        return target, "not measured"
    ok = ratio >= fig["ratio"] if fig["better"] == "higher" else ratio <= fig["ratio"]
    return target, "yes" if ok else "**no**"


def table(results, rows):
    out = ["| row | figure | reference | Tern | Tern/ref | target | met |", "|---|---|---|---|---|---|---|"]
    notes = []
    for row in rows:
        r = results["rows"].get(row["id"])
        if r is None:
            continue
        # A row of Tern alone has no reference column.
        ref, tern = (row["servers"][0] if len(row["servers"]) > 1 else None), row.get("subject", "tern")
        for i, fig in enumerate(row["figures"]):
            rv = r["values"].get(ref, {}).get(fig["key"], []) if ref else []
            tv = r["values"].get(tern, {}).get(fig["key"], [])
            rm, tm = med(rv), med(tv)
            ratio = tm / rm if (rm and tm is not None) else None
            target, met = verdict(fig, ratio, tm)
            refcell = ("%s: %s" % (LABEL[ref], cell(rv)) if rv else "%s: not measured" % LABEL[ref]) if ref else "—"
            terncell = cell(tv) if tv else "not measured"
            out.append("| %s | %s | %s | %s | %s | %s | %s |" % (
                row["title"] if i == 0 else "″", fig["unit"], refcell, terncell,
                ("%.2f×" % ratio) if ratio is not None else "—", target, met))
        for name, err in sorted(r["errors"].items()):
            notes.append("- %s, %s: not measured — %s" % (row["id"], LABEL.get(name, name), err))
        for name in row["servers"][2:]:
            for fig in row["figures"]:
                v = r["values"].get(name, {}).get(fig["key"], [])
                if v:
                    notes.append("- %s: %s %s %s" % (row["id"], LABEL.get(name, name), cell(v), fig["unit"]))
        for name, w in sorted(r.get("warm", {}).items()):
            shown = ", ".join("%s %s" % (k, fmt(v)) for k, v in sorted(w.items()) if isinstance(v, (int, float)))
            notes.append("- %s warm-up (untimed in the table), %s: %s" % (row["id"], LABEL.get(name, name), shown))
        for name, figs in sorted(r["values"].items()):
            extra = {k: v for k, v in figs.items() if k not in {f["key"] for f in row["figures"]}}
            if extra and name in row["servers"][:2]:
                notes.append("- %s, %s: %s" % (row["id"], LABEL.get(name, name),
                                                ", ".join("%s %s" % (k, cell(v)) for k, v in sorted(extra.items()))))
    return out, notes


def disk_section(results):
    d = results.get("disk")
    if not d:
        return []
    out = ["## The disk's limit", "",
           "Measured in the bench directory before the servers start: %s durable file creations/s from one "
           "thread (create, write 4 KiB, fsync, rename, fsync the directory) and %s 4 KiB write+fsync/s from "
           "16 threads." % (fmt(d["create_fsync_rename_s"]), fmt(d["fsync_16_threads_s"])), ""]
    out += ["Each message costs at least two durable writes (queue file, Maildir file). Tern writes a new "
            "queue file over the file of an earlier message, already under its new name in incoming/ "
            "(docs/architecture.md), so a queue commit is one fsync, with no file created, renamed or "
            "removed. Concurrent sessions fsync at the same time, which is how a server can pass the "
            "one-thread rate.", "",
            "Tern fsyncs the Maildir's new/ after each rename (DESIGN.md invariant 2), which Postfix does "
            "not; concurrent deliveries share that directory fsync.", "",
            "| row | server | msg/s | vs one-thread creations/s | disk writes/msg | disk flushes/msg |",
            "|---|---|---|---|---|---|"]
    for rid in ("smtp_4k", "smtp_4k_keep", "smtp_100k"):
        for name in ("postfix", "tern"):
            vals = results["rows"].get(rid, {}).get("values", {}).get(name, {})
            v = vals.get("msg_s")
            if v:
                m = med(v)
                share = 100.0 * m / d["create_fsync_rename_s"]
                w, fl = vals.get("disk_writes_msg"), vals.get("disk_flushes_msg")
                out.append("| %s | %s | %s | %.0f%% | %s | %s |" % (
                    rid, LABEL[name], fmt(m), share, fmt(med(w)) if w else "—", fmt(med(fl)) if fl else "—"))
    return out + [""]


def where_cpu_goes(p):
    """One paragraph: the CPU per message split into processes, and into
    kernel and user space, from the profile's tables."""
    per = p["cpu_us_msg"]
    procs = ", ".join("%s %s µs" % (what, fmt(per * pct / 100.0)) for pct, what in p["by_process"])
    kernel = sum(pct for pct, what in p.get("by_object", []) if "[kernel.kallsyms]" in what)
    kinds = {"disk and file system": ("iowrite", "jbd2", "ext4", "blk_", "find_get_block", "recently_deleted",
                                      "filemap", "copy_page", "lookup"),
             "scheduling": ("finish_task_switch", "schedule", "_raw_spin_unlock_irqrestore"),
             "network": ("tcp_", "sock_", "unix_", "handle_softirqs", "skb")}
    found = {}
    for pct, what in p.get("by_symbol", []):
        if "[kernel.kallsyms]" not in what:
            continue
        for kind, marks in kinds.items():
            if any(m in what for m in marks):
                found[kind] = found.get(kind, 0.0) + pct
                break
    named = ", ".join("%s %.0f%%" % kv for kv in sorted(found.items(), key=lambda kv: -kv[1]))
    text = ("Where the CPU goes per message: %s µs in all; by process %s. About %.0f%% of it is in the kernel"
            % (fmt(per), procs, kernel))
    if named:
        text += " (the largest named functions: %s of all samples)" % named
    return text + ", the rest in Tern's own code, libc and libevent."


def profile_section(results):
    profs = results.get("profiles")
    if not profs:
        err = results.get("profiles_error")
        return ["## Profiles", "", "Not taken: %s." % err, ""] if err else []
    out = ["## Profiles of Tern", "",
           "perf, system-wide sampling at 1999 Hz; kept: the samples of the Tern instance's processes.", "",
           "Shares are of the samples taken in Tern's processes; entries under 0.7% are left out.", ""]
    for name, p in profs.items():
        out.append("### %s" % {"smtp": "SMTP path (4 KiB, one connection per message)",
                                "imap_fetch": "IMAP FETCH 1:* BODY.PEEK[]"}.get(name, name))
        out.append("")
        if "error" in p:
            out += ["Not taken: %s" % p["error"], ""]
            continue
        out.append("%d messages, %s µs of Tern CPU per message (whole cgroup)." % (
            p["messages"], fmt(p["cpu_us_msg"])))
        out += ["", where_cpu_goes(p)]
        out += ["", "| share of Tern's samples | process |", "|---|---|"]
        out += ["| %.1f%% | %s |" % (pct, what) for pct, what in p["by_process"]]
        out += ["", "| share | process, object |", "|---|---|"]
        out += ["| %.1f%% | %s |" % (pct, what) for pct, what in p.get("by_object", [])]
        out += ["", "| share | process, object, function |", "|---|---|"]
        out += ["| %.1f%% | `%s` |" % (pct, what.replace("|", "\\|")) for pct, what in p["by_symbol"]]
        out.append("")
    return out


def write(results, rows, path):
    m = results["machine"]
    t, notes = table(results, rows)
    lines = ["# Tern against Postfix and Dovecot", "",
             "Generated by `bench/run` (%s mode, started %s, %.0f s). Do not edit: run the bench again." % (
                 results["mode"], results["started"], results.get("elapsed_s", 0)), "",
             "## Machine", "",
             "- %s, %d cores, %.1f GiB; %s, kernel %s; bench directory on %s." % (
                 m["cpu"], m["cores"], m["mem_gib"], m["os"], m["kernel"], m["fs"]),
             "- Load average at start %s, at end %s.%s" % (
                 m["load_start"], m.get("load_end", "?"), (" " + results["note"]) if results.get("note") else ""),
             "- Versions: %s." % ", ".join("%s %s" % (k, v) for k, v in sorted(results.get("versions", {}).items())),
             "", "## Method", "",
             METHOD.format(scheme={"sha512": "SHA512-CRYPT, 5000 rounds", "yescrypt": "yescrypt"}[results["scheme"]],
                           cgroup="cgroup v2 cpu.stat, or v1 cpuacct", rounds=results["sizes"]["rounds"],
                           smtp_rounds=results["sizes"].get("smtp_rounds", results["sizes"]["rounds"])),
             "## Results", ""] + t + [""]
    missed = [row for row in rows if row["id"] in results["rows"] and
              any("**no**" in l for l in t if l.startswith("| " + row["title"]))]
    if missed:
        lines += ["## Rows that miss their target: why, and what is planned", ""]
        by_text = {}
        for row in missed:  # rows that miss for one reason are listed together
            text = row.get("why_missed") or "no reason is recorded for this row (bench/workloads/rows.py: why_missed)"
            by_text.setdefault(text, []).append(row["id"])
        lines += ["- **%s**: %s" % (", ".join(ids), text) for text, ids in by_text.items()] + [""]
    if notes:
        lines += ["Notes:", ""] + notes + [""]
    lines += disk_section(results) + profile_section(results)
    errs = {k: v for k, v in results.get("server_log_errors", {}).items() if v}
    if errs:
        lines += ["## Warnings and errors in the servers' logs (last 20 each)", ""]
        for name, ls in sorted(errs.items()):
            lines += ["%s:" % LABEL.get(name, name), "", "```"] + [l.rstrip()[:300] for l in ls] + ["```", ""]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from workloads import rows as rowspec
    with open(sys.argv[1]) as f:
        res = json.load(f)
    write(res, rowspec.rows(res["sizes"]), sys.argv[2] if len(sys.argv) > 2 else
          os.path.join(os.path.dirname(os.path.abspath(__file__)), "RESULTS.md"))
