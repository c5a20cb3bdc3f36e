#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""kernels-table.py - writes the supported-kernel table (markdown) from the per-kernel summaries the
kernel matrix (tests/vm/10_kernels.sh) leaves in build/vm/summary/*.json. docs/kernels.md is a
committed copy of its output:  python3 tests/vm/kernels-table.py build/vm/summary/*.json >docs/kernels.md"""
import json, sys

CHECKS = [("boot", "boot"), ("sched-attached", "sched"), ("block-attached", "block"), ("tcp-attached", "tcp"),
          ("context-switches-match-proc-stat-3pct", "ctx switches"),
          ("block-ops-match-diskstats-3pct", "block ops"),
          ("tcp-active-opens-match-snmp-3pct", "TCP opens"), ("runqueue-histogram", "run queue"),
          ("runqueue-sched_info-method-reported", "rq sched_info"), ("runqueue-wakeup_stamp-method-reported", "rq wakeup_stamp"),
          ("runqueue-schedstat-format", "schedstat")]
RATIOS = [("context-switches-match-proc-stat-3pct", "sched vs /proc/stat ctxt"),
          ("block-ops-match-diskstats-3pct", "block vs /proc/diskstats"),
          ("tcp-active-opens-match-snmp-3pct", "tcp vs /proc/net/snmp ActiveOpens")]


def series_key(s):
    return [int(x) if x.isdigit() else 0 for x in s["series"].replace("x", "").split(".") if x]


def ratios(rs):
    if not rs:
        return "no record inside"
    return " ".join("none" if r is None else f"{r:.3f}" for r in rs)


def main():
    sums = sorted((json.load(open(p)) for p in sys.argv[1:]), key=series_key)
    out = ["# Supported kernels", "",
           "Written by `tests/vm/kernels-table.py` from the last run of the kernel matrix",
           "(`tests/vm/10_kernels.sh`): corewatch at 1 s for 17 records in a qemu guest of each Debian",
           "-cloud kernel series, with pipe ping-pong pinned to one CPU, direct I/O on an NVMe disk, loopback",
           "TCP connects and a burst of short processes inside the window. The checks compare the eBPF",
           "figures with the kernel's own counters in the same records, per record whose interval lies",
           "inside the phase of the workload it checks (marked by the guest with its uptime), within 3%. Edge records, where",
           "a workload starts or stops inside the interval, are listed apart: there the rate changes within",
           "the interval, so the few ms between the agent's eBPF and /proc reads weigh on a partial count.",
           "Regenerate: `tests/vm/kernels-table.py build/vm/summary/*.json >docs/kernels.md`.", "",
           "| series | kernel | sched hooks | block hooks | tcp hooks | " + " | ".join(c[1] for c in CHECKS) + " |",
           "|---|---|---|---|---|" + "---|" * len(CHECKS)]
    for s in sums:
        hooks = [", ".join(s["hooks"].get(p) or []) or "not attached" for p in ("sched", "block", "tcp")]
        marks = ["pass" if s["checks"].get(c) else "**FAIL**" for c, _ in CHECKS]
        out.append(f"| {s['series']} | {s['kernel']} | " + " | ".join(hooks) + " | " + " | ".join(marks) + " |")
    out += ["", "## Measured ratios, eBPF / kernel counter", "",
            "Records inside the phase (checked), then edge records in brackets (not checked); \"none\" is a record",
            "without the eBPF section.", "",
            "| kernel | " + " | ".join(r[1] for r in RATIOS) + " |", "|---|" + "---|" * len(RATIOS)]
    for s in sums:
        out.append(f"| {s['kernel']} | " + " | ".join(
            ratios(s["ratios"].get(k)) + " (" + ratios(s.get("ratios_edge", {}).get(k)).replace("no record inside", "-") + ")"
            for k, _ in RATIOS) + " |")
    out += ["", "## Run-queue latency against the kernel's totals and runqlat", "",
            "Two more instances at 2 s after the 1 s phase, side by side: `sched_info` (the default) and",
            "`wakeup_stamp` (`COREWATCH_BPF_FORCE_RAW_TP=1`), over a 7.5 s idle-heavy (`pingpong 7.5 0`) and",
            "busy (`pingpong 7.5 2`) workload, with libbpf-tools runqlat tracing each. Kernel totals: the",
            "per-CPU `rq_sched_info` pcount and run_delay of /proc/schedstat as each instance read them at its",
            "samples (`cpu.schedstat`), over its records inside the pingpong: histogram count / pcount (bounds:",
            "sched_info 2%, wakeup_stamp 10%) and (sum - the clock lag the sched_info path added where the",
            "kernel's run-queue clock was stale) / run_delay (10%; reported, not checked: sched_info on 5.10,",
            "which has no task storage, so a wait cut by a migration counts from its last run queue only, and",
            "wakeup_stamp on the idle workload, which has no lag to take off where run_delay leaves out most",
            "of the wait, the clock being stale at most idle exits). runqlat: its samples / pcount over a",
            "bracket holding the whole pingpong inside",
            "its window (10%); corewatch's records inside that bracket against it: samples per context switch",
            "(10%), and p50/p99 log2 buckets against runqlat's one-second histograms inside those records' span",
            "(within one, give or take the quantile's sampling error). Sums not checked are in italics.", "",
            "| kernel | workload | method | count / pcount | (sum - lag) / run_delay | samples per switch (runqlat) | p50 bucket (runqlat) | p99 bucket (runqlat) | checks |",
            "|---|---|---|---|---|---|---|---|---|"]
    for s in sums:
        for load, ms in sorted((s.get("runqueue_oracles") or {}).items()):
            r = ms.get("runqlat") or {}
            for method in ("sched_info", "wakeup_stamp"):
                f = ms.get(method) or {}
                keys = [k for k in s["checks"] if k.startswith(f"runqueue-{load}-{method}-")]
                bad = [k[len(f"runqueue-{load}-{method}-"):] for k in keys if not s["checks"][k]]
                its = (lambda x: f"*{x}*") if f"runqueue-{load}-{method}-sum-vs-run-delay-10pct" in s.get("reported", {}) else (lambda x: x)
                v = lambda k: "-" if f.get(k) is None else f.get(k)
                out.append(f"| {s['kernel']} | {load} | {method} | {v('count_ratio')} ({v('count')} / {v('pcount')}) | "
                           + its(f"{v('sum_ratio')} (({v('sum_us')} - {v('lag_us')}) / {v('run_delay_us')} us)") + " | "
                           f"{v('samples_per_switch')} ({r.get('samples_per_switch', '-')}) | "
                           f"{v('p50_bucket')} ({v('runqlat_p50_bucket')}) | {v('p99_bucket')} ({v('runqlat_p99_bucket')}) | "
                           + ("pass" if keys and not bad else "**FAIL**: " + ", ".join(bad) if keys else "not run") + " |")
    out += ["", "| kernel | workload | runqlat samples / pcount | switches (ctxt) | bracket (s) | check |", "|---|---|---|---|---|---|"]
    for s in sums:
        for load, ms in sorted((s.get("runqueue_oracles") or {}).items()):
            r = ms.get("runqlat") or {}
            ok = s["checks"].get(f"runqueue-{load}-runqlat-samples-vs-pcount-10pct")
            out.append(f"| {s['kernel']} | {load} | {r.get('samples_per_pcount', '-')} ({r.get('samples', '-')} / {r.get('pcount', '-')}) | "
                       f"{r.get('ctxt', '-')} | {r.get('window_s', '-')} | {'pass' if ok else '**FAIL**' if ok is not None else 'not run'} |")
    vers = sorted(set(v for s in sums for v in s.get("schedstat_version") or []))
    if vers:
        out += ["", "/proc/schedstat: " + ", ".join(f"{s['kernel']} {' '.join(s.get('schedstat_version') or ['-'])}" for s in sums)
                + "; the cpuN line has 9 numbers on each (run_delay and pcount are the 8th and 9th)."]
    left = [(s["kernel"], p, ", ".join(v)) for s in sums for p, v in sorted(s.get("left_out", {}).items()) if v]
    if left:
        out += ["", "Optional tracepoints the kernel does not have (left out by the agent, not a failure):", ""]
        out += [f"- {k}: {p}: {v}" for k, p, v in left]
    failing = [s for s in sums if not all(s["checks"].values())]
    if failing:
        out += ["", "## Failing checks in this run", ""]
        for s in failing:
            bad = ", ".join(c for c, ok in s["checks"].items() if not ok)
            out.append(f"- {s['kernel']} fails: {bad}.")
        if any(s["series"] == "5.10" for s in failing):
            out += ["", "On 5.10 the kernel refuses the sched program of the wakeup_stamp method (forced with",
                    "`COREWATCH_BPF_FORCE_RAW_TP=1`) with EINVAL: those records have no sched section."]
    print("\n".join(out))


main()
