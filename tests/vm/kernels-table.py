#!/usr/bin/env python3
"""kernels-table.py - writes the supported-kernel table (markdown) from the per-kernel summaries the
kernel matrix (tests/vm/10_kernels.sh) leaves in build/vm/summary/*.json. docs/kernels.md is a
committed copy of its output:  python3 tests/vm/kernels-table.py build/vm/summary/*.json >docs/kernels.md"""
import json, sys

CHECKS = [("boot", "boot"), ("sched-attached", "sched"), ("block-attached", "block"), ("tcp-attached", "tcp"),
          ("context-switches-match-proc-stat-3pct", "ctx switches"),
          ("block-ops-match-diskstats-3pct", "block ops"),
          ("tcp-active-opens-match-snmp-3pct", "TCP opens"), ("runqueue-histogram", "run queue"),
          ("runqueue-sched_info-method-reported", "rq sched_info"), ("runqueue-wakeup_stamp-method-reported", "rq wakeup_stamp")]
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
    out += ["", "## Run-queue latency against the kernel and runqlat", "",
            "Two more instances at 2 s, side by side: `sched_info` (the default) and `wakeup_stamp`",
            "(`COREWATCH_BPF_FORCE_RAW_TP=1`), over an idle-heavy (`pingpong 0`) and a busy (`pingpong 2`)",
            "workload after the 1 s phase. run_delay: the histogram sum of the one record covering a",
            "1.2 s pingpong / the kernel's run_delay of its processes (check: within 10%; in brackets every",
            "task's run_delay over the pingpong's life, /proc/schedstat, not checked). runqlat: samples per",
            "context switch over its 6 s window (check: within 10%) and the p50/p99 log2 buckets",
            "(check: within one), corewatch / runqlat.", "",
            "| kernel | workload | method | sum / run_delay | us (all tasks) | samples per switch | p50 bucket | p99 bucket | checks |",
            "|---|---|---|---|---|---|---|---|---|"]
    for s in sums:
        for load, ms in sorted((s.get("runqueue_oracles") or {}).items()):
            for method, f in sorted(ms.items()):
                keys = [k for k in s["checks"] if k.startswith(f"runqueue-{load}-{method}-")]
                bad = [k[len(f"runqueue-{load}-{method}-"):] for k in keys if not s["checks"][k]]
                fmt = lambda a, b: "-" if a is None and b is None else f"{a} / {b}"
                out.append(f"| {s['kernel']} | {load} | {method} | {f.get('sum_ratio', '-')} | "
                           f"{f.get('sum_us', '-')} / {f.get('run_delay_us', '-')} ({f.get('all_tasks_run_delay_us', '-')}) | "
                           f"{fmt(f.get('samples_per_switch'), f.get('runqlat_samples_per_switch'))} | "
                           f"{fmt(f.get('p50_bucket'), f.get('runqlat_p50_bucket'))} | "
                           f"{fmt(f.get('p99_bucket'), f.get('runqlat_p99_bucket'))} | "
                           + ("pass" if keys and not bad else "**FAIL**: " + ", ".join(bad) if keys else "not run") + " |")
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
