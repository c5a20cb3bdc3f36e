# SPDX-License-Identifier: GPL-2.0-only
# The record: schema validity and cross-checks against the live system.
. tests/e2e/lib.sh

if "${CW[@]}" --no-bpf --count 3 --interval 200ms >"$T/out" 2>"$T/err"; then
	pass "record/exit-0-after-count"
else
	fail "record/exit-0-after-count" "exit $?: $(head -3 "$T/err")"
fi
lines=$(wc -l <"$T/out")
[ "$lines" -eq 4 ] && pass "record/inventory-plus-3-metrics" || fail "record/inventory-plus-3-metrics" "$lines lines"
check "record/schema-valid" $PY "$VALIDATE" "$SCHEMA" "$T/out"

# One python pass over the live system; each check prints "PASS name" or "FAIL name: why".
pycheck record/checks "$T/out" <<'PYEOF'
import json, os, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
inv, mets = recs[0], recs[1:]
def res(name, ok, why=""):
    print(("PASS " if ok else "FAIL ") + "record/" + name + ("" if ok else ": " + why))
res("types", inv["type"] == "inventory" and all(m["type"] == "metrics" for m in mets), "types")
memtotal = int(next(l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal:")))
got = mets[-1]["memory"]["total_bytes"]
res("memory-total-matches-meminfo", got == memtotal * 1024, f"{got} != {memtotal}*1024")
def online_cpus():
    n = 0
    for part in open("/sys/devices/system/cpu/online").read().strip().split(","):
        a, _, b = part.partition("-")
        n += int(b or a) - int(a) + 1
    return n
cores = len(mets[-1]["cpu"]["cores"])
res("cores-equal-online-cpus", cores == online_cpus(), f"{cores} != {online_cpus()}")
st = os.statvfs("/")
used = (st.f_blocks - st.f_bfree) * st.f_frsize
avail = st.f_bavail * st.f_frsize
want = 100.0 * used / (used + avail)
root = [f for f in mets[-1]["filesystems"] if f["mount"] == "/"]
res("root-fs-used-pct-within-1-point", bool(root) and abs(root[0]["used_pct"] - want) <= 1.0,
    f"{root and root[0]['used_pct']} vs statvfs {want:.2f}")
res("interval-and-host", all(m["interval_s"] == 0.2 and m["host"] == os.uname().nodename for m in mets), "header")
ts = [m["timestamp"] for m in mets]
res("timestamps-ordered", ts == sorted(ts), str(ts))
res("agent-counts-records", mets[-1]["agent"]["records_written"] >= 3, str(mets[-1]["agent"]))
res("inventory-lists-collectors", inv["collectors"].get("cpu") is True and inv["logical_cores"] == online_cpus(), str(inv["collectors"]))
# Key order is stable: the same keys in the same order in every metrics record.
orders = {tuple(m.keys()) for m in mets}
res("stable-key-order", len(orders) == 1, str(orders))
PYEOF

# Timer alignment: metrics records land on multiples of the interval (to the millisecond clock).
pycheck record/alignment "$T/out" <<'PYEOF'
import json, sys
from datetime import datetime
mets = [json.loads(l) for l in open(sys.argv[1])][1:]
ms = [int(datetime.strptime(m["time"], "%Y-%m-%dT%H:%M:%S.%fZ").timestamp() * 1000) % 200 for m in mets]
ok = all(x < 50 or x > 190 for x in ms)
print(("PASS" if ok else "FAIL") + " record/aligned-to-interval" + ("" if ok else f": offsets {ms}"))
PYEOF
