#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""report_gen.py - synthetic agent log files for `corewatch report` tests and the bench.

Records are shaped like real ones: a real metrics record (tests/fixtures/report/record.json, taken
from `corewatch -n 2 -i 1s`) is the template, every number in it varied with a seeded RNG, a second
filesystem, disk and block devices with latency histograms added, histogram buckets regenerated.

  report_gen.py test DIR [--seed N]   three days for tests/e2e/80_report.sh: day 1 gzip (two
      members) with torn and foreign lines, day 2 gzip whose interval drops from 300 s to 60 s at
      noon (more records than the start of the file says: the second pass), day 3 plain and
      --format stamped, alert records, a second host's file; DIR/manifest.json lists per file the
      torn and foreign lines written and the records per host
  report_gen.py week DIR [--seed N]   the bench's week: 7 days of 10 s records (6 gzip + 1 plain)
"""
import argparse
import copy
import datetime
import gzip
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATE = os.path.join(HERE, "..", "fixtures", "report", "record.json")
HEADER = ("schema", "type", "time", "timestamp", "host", "interval_s")


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def hist(rng):
    """A histogram object as the agent writes it: buckets [le, count], le 2^s - 1, "+Inf" last."""
    buckets, count = [], 0
    top = rng.randint(3, 14)
    for s in range(0, top):
        if rng.random() < 0.75:
            c = rng.randint(1, 400)
            buckets.append([0 if s == 0 else (1 << s) - 1, c])
            count += c
    if rng.random() < 0.03:
        c = rng.randint(1, 3)
        buckets.append(["+Inf", c])
        count += c
    mx = (1 << top) - 1 - rng.randint(0, (1 << (top - 1)) - 1) if buckets else 0
    return {"count": count, "p50": round(rng.uniform(0, 50), 1), "p90": round(rng.uniform(0, 500), 1),
            "p99": round(rng.uniform(0, 5000), 1), "max": mx, "sum": count * rng.randint(1, 100),
            "buckets": buckets}


def vary(rng, node, key=""):
    if isinstance(node, dict):
        for k, v in node.items():
            if k in HEADER:
                continue
            if isinstance(v, dict) and {"count", "buckets"} <= set(v):
                node[k] = hist(rng)
            else:
                node[k] = vary(rng, v, k)
        return node
    if isinstance(node, list):
        return [vary(rng, x, key) for x in node]
    if isinstance(node, bool) or node is None or isinstance(node, str):
        return node
    r = rng.random()
    if r < 0.25:
        return rng.randint(0, 20)  # ties
    if key.endswith("_pct"):
        return round(rng.uniform(0, 100), 3)
    if key == "runqueue_clock_lag_us":
        return round(rng.uniform(-500, 500), 1)
    if key.endswith("_bytes") or key.endswith("_bytes_per_s"):
        return rng.randint(0, 1 << 40) if r < 0.9 else round(rng.uniform(0, 1e6), 3)
    return round(rng.uniform(0, 10 ** rng.randint(1, 7)), 3)


def shape(tpl):
    """The template with more instances: a second filesystem and disk, block devices with histograms."""
    t = copy.deepcopy(tpl)
    fs = copy.deepcopy(t["filesystems"][0])
    fs["mount"], fs["device"] = "/var", "/dev/vdb"
    t["filesystems"].append(fs)
    d = copy.deepcopy(t["disks"][0])
    d["device"] = "vdb"
    t["disks"].append(d)
    t["block"]["devices"] = [
        {"device": dev, "op": op, "ops_per_s": 1, "bytes_per_s": 1,
         "latency_us": {"count": 0, "buckets": []}, "queue_us": {"count": 0, "buckets": []}}
        for dev, op in (("vda", "read"), ("vda", "write"), ("vdb", "write"))]
    return t


def record(rng, tpl, t, host, interval):
    r = vary(rng, copy.deepcopy(tpl))
    r["time"], r["timestamp"], r["host"], r["interval_s"] = iso(t), t, host, interval
    if rng.random() < 0.05:
        del r["disks"]  # a section left out (collector error): fewer samples for its series
    return r


def line(rec, stamped):
    text = json.dumps(rec, separators=(",", ":"))
    return f"{rec['timestamp']} - {text}" if stamped else text


def inventory(t, host, interval):
    return {"schema": 1, "type": "inventory", "time": iso(t), "timestamp": t, "host": host,
            "interval_s": interval, "version": "0.1.0", "logical_cores": 2}


def alert(t, host, name, state, metric, labels, value, fired=None):
    a = {"schema": 1, "time": iso(t), "timestamp": t, "host": host, "interval_s": 300, "type": "alert",
         "name": name, "state": state, "severity": "warning", "metric": metric, "labels": labels,
         "value": value, "op": ">", "threshold": 90, "clear": 90, "for_s": 0,
         "started_at": iso(fired if fired is not None else t), "message": f"{name} {state}"}
    if state == "resolved":
        a["reason"], a["duration_s"] = "cleared", t - fired
    return a


def day0(date):
    return int(datetime.datetime.fromisoformat(date).replace(tzinfo=datetime.timezone.utc).timestamp())


def write(path, lines, members=1):
    data = "".join(x + "\n" for x in lines).encode()
    if path.endswith(".gz"):
        cut = len(lines) // members
        with open(path, "wb") as f:
            for m in range(members):
                part = lines[m * cut:(m + 1) * cut if m + 1 < members else len(lines)]
                f.write(gzip.compress("".join(x + "\n" for x in part).encode(), 6))
    else:
        with open(path, "wb") as f:
            f.write(data)


def gen_test(out, seed):
    rng = random.Random(seed)
    tpl = shape(json.load(open(TEMPLATE)))
    manifest = {"files": {}}
    days = ["2026-11-20", "2026-11-21", "2026-11-22"]
    for i, day in enumerate(days):
        t0 = day0(day)
        lines, torn, foreign = [], 0, 0
        stamped = i == 2
        lines.append(line(inventory(t0, "vm", 300), stamped))
        t = t0
        while t < t0 + 86400:
            iv = 60 if (i == 1 and t >= t0 + 43200) else 300
            rec = record(rng, tpl, t, "vm", iv)
            text = line(rec, stamped)
            if rng.random() < 0.004 or (i != 1 and t == t0 + 3600):
                lines.append(text[:rng.randint(40, len(text) - 40)])  # a record cut in half
                torn += 1
            lines.append(text)
            t += iv
        if i == 0:
            lines[5:5] = ["not json at all", '{"foo": 1}']
            foreign += 2
        if i == 1:
            lines[7:7] = ["", "[1,2,3]"]
            foreign += 1
            lines.append(line(alert(t0 + 39600, "vm", "cpu_high", "firing", "cpu.busy_pct", {}, 97.5), False))
            lines.append(line(alert(t0 + 41400, "vm", "cpu_high", "resolved", "cpu.busy_pct", {}, 40.0,
                                    t0 + 39600), False))
            lines.append(line(alert(t0 + 46800, "vm", "disk_full", "firing", "filesystems.used_pct",
                                    {"mount": "/var"}, 96.0), False))
        if i == 2:
            lines.append(line(alert(t0 + 7200, "vm", "disk_full", "resolved", "filesystems.used_pct",
                                    {"mount": "/var"}, 80.0, t0 - 86400 + 46800), True))
            lines.append(line(alert(t0 + 72000, "vm", "memory_high", "firing", "memory.used_pct", {}, 95.0),
                              True))
            lines.append(line(alert(t0 + 75600, "vm", "memory_high", "firing", "memory.used_pct", {}, 96.0),
                              True))  # re-sent (--alert-repeat): the same alert
            lines.insert(3, "12345 garbage")
            foreign += 1
        name = f"corewatch-{day}.log" + ("" if stamped else ".gz")
        write(os.path.join(out, name), lines, members=2 if i == 0 else 1)
        manifest["files"][name] = {"torn": torn, "foreign": foreign}
    # a second host's file collected into the same directory
    t0 = day0(days[1])
    lines = [line(record(rng, tpl, t0 + k * 600, "other", 600), False) for k in range(30)]
    write(os.path.join(out, f"corewatch-{days[1]}-other.log"), lines)
    manifest["files"][f"corewatch-{days[1]}-other.log"] = {"torn": 0, "foreign": 0}
    json.dump(manifest, open(os.path.join(out, "manifest.json"), "w"), indent=1)


def gen_week(out, seed):
    """7 days of 10 s records ending today (local dates), 6 gzip and today's plain."""
    rng = random.Random(seed)
    tpl = shape(json.load(open(TEMPLATE)))
    today = datetime.date.today()
    # one varied record per 1000 reused with fresh numbers in the hot fields: Python stays minutes away
    pool = [record(rng, tpl, 0, "vm", 10) for _ in range(200)]
    for back in range(6, -1, -1):
        day = today - datetime.timedelta(days=back)
        t0 = int(datetime.datetime.combine(day, datetime.time()).timestamp())
        gz = back > 0
        path = os.path.join(out, f"corewatch-{day.isoformat()}.log" + (".gz" if gz else ""))
        f = gzip.open(path, "wt", compresslevel=6) if gz else open(path, "w")
        f.write(json.dumps(inventory(t0, "vm", 10), separators=(",", ":")) + "\n")
        for k in range(8640):
            r = pool[rng.randrange(len(pool))]
            r["time"], r["timestamp"] = iso(t0 + 10 * k), t0 + 10 * k
            r["cpu"]["busy_pct"] = round(rng.uniform(0, 100), 3)
            r["memory"]["used_pct"] = round(rng.uniform(0, 100), 3)
            f.write(json.dumps(r, separators=(",", ":")) + "\n")
        f.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["test", "week"])
    ap.add_argument("dir")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    (gen_test if a.kind == "test" else gen_week)(a.dir, a.seed)


if __name__ == "__main__":
    sys.exit(main())
