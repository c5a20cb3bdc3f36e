#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""report_oracle.py - what `corewatch report --format json` must say about a log directory,
computed independently with Python's json module, and the comparison with what it said.

  report_oracle.py DIR REPORT.json [--from ISO] [--to ISO] [--host H] [--metric-prefix P]...

Files are picked by the UTC date in their name (run the report with TZ=UTC). Per series (a numeric
leaf, instances named by their labels as alert selectors name them): samples, min and max exactly,
avg to 1e-9 relative (math.fsum), p95 as the nearest rank (sorted[ceil(0.95 n) - 1]) exactly, time
of max (first); per histogram the merged buckets, count, sum, max exactly and p50/p90/p99 with the
agent's interpolation; torn and foreign lines exactly; alert spans. Prints each difference and
exits 1 when there is one.
"""
import argparse
import datetime
import gzip
import json
import math
import os
import re
import sys

HIST = {"runqueue_latency_us", "latency_us", "queue_us", "connection_duration_ms"}
LABELS = ["mount", "device", "name", "cpu", "op", "comm", "pid", "address", "port", "path", "cgroup"]
HEADER = {"schema", "type", "time", "timestamp", "host", "interval_s"}
SLOTS = 32


def ms(s):
    return int(datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp() * 1000)


def iso(t):
    return datetime.datetime.fromtimestamp(t / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def label_text(v):
    s = v if isinstance(v, str) else json.dumps(v)
    return f'"{s}"' if s == "" or any(c in s for c in ',{}=" ') else s


def slot_of(le):
    if le == "+Inf":
        return SLOTS - 1
    s = 0
    while s < SLOTS - 1 and (1 << s) - 1 < le:
        s += 1
    return s


def walk(obj, path, in_hist, nums, buckets):
    for k, v in obj.items():
        p = f"{path}.{k}" if path else k
        if not path and k in HEADER:
            continue
        if isinstance(v, bool) or v is None or isinstance(v, str):
            continue
        if isinstance(v, (int, float)):
            nums.append((p, float(v), in_hist))
        elif isinstance(v, dict):
            walk(v, p, k in HIST, nums, buckets)
        elif isinstance(v, list):
            if in_hist and k == "buckets":
                for le, c in v:
                    if c > 0:
                        buckets.append((path, slot_of(le), c))
            elif k.startswith("top_") or not v or not isinstance(v[0], dict):
                continue
            else:
                for el in v:
                    if not isinstance(el, dict):
                        continue
                    lab = [(lk, lv) for lk, lv in el.items() if lk in LABELS and not isinstance(lv, bool)
                           and isinstance(lv, (str, int, float))]
                    if lab:
                        walk(el, p + "{" + ",".join(f"{lk}={label_text(lv)}" for lk, lv in lab) + "}",
                             False, nums, buckets)


def hist_quantile(slots, q):
    total = sum(slots)
    if not total:
        return 0.0
    rank, cum = q * total, 0
    for i, c in enumerate(slots):
        if not c:
            continue
        if cum + c >= rank:
            lo = 0.0 if i == 0 else 2.0 ** (i - 1)
            hi = 0.0 if i == 0 else 2.0 ** i - 1
            return lo + (rank - cum) / c * (hi - lo)
        cum += c
    return 2.0 ** (SLOTS - 1) - 1


def read_lines(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        for raw in f:
            yield raw.decode("utf-8", "replace").rstrip("\n")


def compute(args):
    frm = ms(args.frm) if args.frm else -2 ** 62
    to = ms(args.to) if args.to else 2 ** 62
    names = sorted(n for n in os.listdir(args.dir) if re.match(r"corewatch-\d{4}-\d\d-\d\d.*\.log(\.gz)?$", n))
    files = []
    for n in names:
        d0 = ms(n[10:20] + "T00:00:00Z")
        if d0 < to and d0 + 86400000 > frm:
            files.append(n)
    series, hists, torn, foreign, records, hosts = {}, {}, 0, 0, 0, set()
    alerts, open_ = [], {}
    for n in files:
        for ln in read_lines(os.path.join(args.dir, n)):
            j = ln.rstrip("\r ")
            if not j:
                continue
            m = re.match(r"^(\d+)(.*)$", j, re.S)
            if m:
                if not m.group(2).startswith(" - "):
                    foreign += 1
                    continue
                j = m.group(2)[3:]
            try:
                rec = json.loads(j)
            except ValueError:
                if j.startswith('{"schema":'):
                    torn += 1
                else:
                    foreign += 1
                continue
            if not isinstance(rec, dict) or "schema" not in rec or "type" not in rec:
                foreign += 1
                continue
            if rec["type"] not in ("metrics", "alert"):
                continue
            t = ms(rec["time"])
            if not (frm <= t < to) or (args.host and rec.get("host") != args.host):
                continue
            hosts.add(rec.get("host"))
            if rec["type"] == "alert":
                key = (rec["name"], ",".join(f"{k}={v}" for k, v in rec["labels"].items()))
                if rec["state"] == "firing":
                    open_.setdefault(key, (t, rec["value"]))
                elif key in open_:
                    ft, v = open_.pop(key)
                    alerts.append((key, iso(ft), iso(t), (t - ft) / 1000, False))
                else:
                    alerts.append((key, None, iso(t), rec["duration_s"], False))
                continue
            records += 1
            nums, bks = [], []
            walk(rec, "", False, nums, bks)
            for p, v, in_hist in nums:
                if in_hist:
                    hp, field = p.rsplit(".", 1)
                    h = hists.setdefault(hp, {"count": 0, "sum": 0, "max": 0.0, "records": 0, "slots": [0] * SLOTS})
                    if field == "count":
                        h["count"] += v
                        h["records"] += 1
                    elif field == "sum":
                        h["sum"] += v
                    elif field == "max":
                        h["max"] = max(h["max"], v)
                    continue
                s = series.setdefault(p, {"v": [], "max": None, "max_at": None})
                s["v"].append(v)
                if s["max"] is None or v > s["max"]:
                    s["max"], s["max_at"] = v, t
            for hp, slot, c in bks:
                h = hists.setdefault(hp, {"count": 0, "sum": 0, "max": 0.0, "records": 0, "slots": [0] * SLOTS})
                h["slots"][slot] += c
                h["has_buckets"] = True
            last = t
    for key, (ft, v) in open_.items():
        alerts.append((key, iso(ft), None, (max(last, ft) - ft) / 1000, True))
    return files, series, hists, torn, foreign, records, hosts, alerts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("report")
    ap.add_argument("--from", dest="frm")
    ap.add_argument("--to")
    ap.add_argument("--host")
    ap.add_argument("--metric-prefix", action="append", default=[])
    ap.add_argument("--expect-records", type=int)
    args = ap.parse_args()
    files, series, hists, torn, foreign, records, hosts, alerts = compute(args)
    got = json.load(open(args.report))
    errs = []

    def want(cond, what):
        if not cond:
            errs.append(what)

    def picked(p):
        return not args.metric_prefix or any(p == m or p.startswith(m + ".") or p.startswith(m + "{") or
                                             (m.endswith("}") and p.startswith(m[:-1] + ","))
                                             for m in args.metric_prefix)

    want(got["files"] == len(files), f"files {got['files']} != {len(files)}")
    want(got["records"] == records, f"records {got['records']} != {records}")
    want(got["lines_torn"] == torn, f"lines_torn {got['lines_torn']} != {torn}")
    want(got["lines_foreign"] == foreign, f"lines_foreign {got['lines_foreign']} != {foreign}")
    if args.expect_records is not None:
        want(records == args.expect_records, f"oracle records {records} != expected {args.expect_records}")
    gs = {s["path"]: s for s in got["series"]}
    exp = {p: s for p, s in series.items() if picked(p)}
    want(set(gs) == set(exp), f"series differ: only in report {sorted(set(gs) - set(exp))[:5]}, "
         f"only in oracle {sorted(set(exp) - set(gs))[:5]}")
    for p, s in exp.items():
        g = gs.get(p)
        if not g:
            continue
        v = sorted(s["v"])
        n = len(v)
        p95 = v[(95 * n + 99) // 100 - 1]
        avg = math.fsum(v) / n
        want(g["samples"] == n, f"{p}: samples {g['samples']} != {n}")
        want(g["min"] == v[0], f"{p}: min {g['min']!r} != {v[0]!r}")
        want(g["max"] == v[-1], f"{p}: max {g['max']!r} != {v[-1]!r}")
        want(g["p95"] == p95, f"{p}: p95 {g['p95']!r} != {p95!r}")
        want(abs(g["avg"] - avg) <= 1e-9 * max(abs(avg), 1e-300) or g["avg"] == avg, f"{p}: avg {g['avg']!r} != {avg!r}")
        want(g["max_at"] == iso(s["max_at"]), f"{p}: max_at {g['max_at']} != {iso(s['max_at'])}")
    gh = {h["path"]: h for h in got["histograms"]}
    eh = {p: h for p, h in hists.items() if picked(p)}
    want(set(gh) == set(eh), f"histograms differ: {sorted(set(gh) ^ set(eh))[:5]}")
    for p, h in eh.items():
        g = gh.get(p)
        if not g:
            continue
        for f in ("count", "sum", "max", "records"):
            want(g[f] == h[f], f"{p}: {f} {g[f]!r} != {h[f]!r}")
        bk = [["+Inf" if i == SLOTS - 1 else (0 if i == 0 else 2 ** i - 1), c] for i, c in enumerate(h["slots"]) if c]
        want(g["buckets"] == bk, f"{p}: buckets {g['buckets']} != {bk}")
        if h.get("has_buckets"):
            for q, f in ((0.5, "p50"), (0.9, "p90"), (0.99, "p99")):
                e = min(hist_quantile(h["slots"], q), h["max"])
                want(abs(g[f] - e) <= 1e-9 * max(abs(e), 1), f"{p}: {f} {g[f]!r} != {e!r}")
    ga = sorted((a["name"], a["instance"], a["fired_at"], a["resolved_at"], a["duration_s"], a["still_firing"])
                for a in got["alerts"])
    ea = sorted((k[0], k[1], f, r, d, s) for k, f, r, d, s in alerts)
    want(ga == ea, f"alerts {ga} != {ea}")
    for e in errs[:20]:
        print("MISMATCH", e)
    if errs:
        print(f"{len(errs)} mismatches", file=sys.stderr)
        return 1
    print(f"ok: {len(exp)} series, {len(eh)} histograms, {records} records, {torn} torn, {foreign} foreign, "
          f"{len(alerts)} alerts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
