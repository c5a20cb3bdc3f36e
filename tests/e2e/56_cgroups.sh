# SPDX-License-Identifier: GPL-2.0-only
# Per-cgroup attribution on this host, against the kernel's own files read by the test:
#  - a cgroup made under the v2 root, with a CPU burner moved into it, is reported by its path with a
#    cpu_pct within 5 points of the growth of its cpu.stat usage_usec over each record's interval
#    (the test samples cpu.stat itself every 100 ms and interpolates at the record's bounds);
#  - the top-level cgroups add up to cpu.busy_pct within 2 points;
#  - fields whose controller the v2 hierarchy lacks are left out, and cgroups_info.unavailable names the
#    controller with the reason the root's cgroup.controllers gives;
#  - --top-cgroups bounds the list and cgroups_info counts what was left out;
#  - a rule on the cgroup's cpu_pct fires;
#  - sched.top_cpu names the burner's cgroup (when eBPF loads).
. tests/e2e/lib.sh

if ! need_root "cgroups/host"; then exit 0; fi
V2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
if [ -z "$V2" ]; then skip_or_fail "cgroups/host" "no cgroup v2 hierarchy mounted"; exit 0; fi
CG="$V2/cw-e2e-$$"
cleanup_cg() {
	local c
	for c in "$CG"/idle-*; do [ -d "$c" ] && rmdir "$c"; done
	if [ -d "$CG" ]; then
		# back to the root with anything still inside, then remove
		while read -r p; do echo "$p" >"$V2/cgroup.procs" 2>/dev/null; done <"$CG/burn/cgroup.procs"
		rmdir "$CG/burn" "$CG" 2>/dev/null
	fi
}
trap 'cleanup_cg; cleanup' EXIT
mkdir -p "$CG/burn" && for i in 1 2 3 4 5; do mkdir "$CG/idle-$i"; done

# the burner: about half a CPU, so that it neither saturates a shared core nor rounds to zero
$PY -c '
import time
while True:
    t = time.monotonic()
    while time.monotonic() - t < 0.05: pass
    time.sleep(0.05)
' &
burner=$!
pids+=($burner)
echo "$burner" >"$CG/burn/cgroup.procs"

# oracle: cpu.stat usage_usec of the burner's cgroup, with the wall clock, every 100 ms
( while :; do echo "$(date +%s.%N) $(awk '$1 == "usage_usec" { print $2 }' "$CG/burn/cpu.stat")"; sleep 0.1; done ) >"$T/oracle" &
pids+=($!)
sleep 0.5
"${CW[@]}" -i 2s -n 5 --top-cgroups 3 --alert "burn: cgroups{path=/cw-e2e-$$/burn}.cpu_pct > 10" \
	>"$T/out" 2>"$T/err"
rc=$?
sleep 0.3
[ $rc -eq 0 ] || fail "cgroups/host/run" "exit $rc: $(tail -2 "$T/err")"
check "cgroups/host/schema" $PY "$VALIDATE" "$SCHEMA" "$T/out"

BURNER=$burner CGREL="/cw-e2e-$$" V2="$V2" CONTROLLERS="$(cat "$V2/cgroup.controllers")" ORACLE="$T/oracle" \
	pycheck "cgroups/host" "$T/out" <<'PYEOF'
import bisect, calendar, json, os, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
metrics = [r for r in recs if r.get("type") == "metrics"]
inv = next((r for r in recs if r.get("type") == "inventory"), {})
alerts = [r for r in recs if r.get("type") == "alert"]
rel, v2, ctl = os.environ["CGREL"], os.environ["V2"], os.environ["CONTROLLERS"].split()
samples = [tuple(map(float, l.split())) for l in open(os.environ["ORACLE"]) if len(l.split()) == 2]
ts = [s[0] for s in samples]
def usage_at(t):  # usage_usec at wall time t, interpolated between the oracle's samples
    i = bisect.bisect_left(ts, t)
    if i == 0 or i >= len(ts):
        return None
    (t0, u0), (t1, u1) = samples[i - 1], samples[i]
    return u0 + (u1 - u0) * (t - t0) / (t1 - t0)
def wall(r):
    return calendar.timegm(__import__("time").strptime(r["time"][:19], "%Y-%m-%dT%H:%M:%S")) + int(r["time"][20:23]) / 1000
ok = 0
# a record's interval runs from the previous record (the first one's, from the agent's start, may be
# shorter than interval_s: records are aligned to the clock), so the first is only checked for shape
prev_end = None
for r in metrics:
    cg = {c["path"]: c for c in r.get("cgroups", [])}
    me = cg.get(rel + "/burn")
    if me is None:
        print(f"FAIL cgroups/host/listed: {rel}/burn not in {sorted(cg)}")
        continue
    end, start, prev_end = wall(r), prev_end, wall(r)
    if start is None:
        continue
    u0, u1 = usage_at(start), usage_at(end)
    if u0 is None or u1 is None:
        print(f"FAIL cgroups/host/oracle: no oracle samples around {start}..{end}")
        continue
    want = (u1 - u0) / 1e6 / (end - start) * 100
    print(f"INFO cpu_pct {me['cpu_pct']:.2f} vs cpu.stat {want:.2f}; top level busy "
          f"{r['cgroups_info']['top_level_busy_pct']:.2f} vs cpu.busy_pct {r['cpu']['busy_pct']:.2f}")
    if want < 10:
        print(f"FAIL cgroups/host/burner-ran: the burner used only {want:.1f}% of a CPU")
    elif abs(me["cpu_pct"] - want) > 5:
        print(f"FAIL cgroups/host/cpu_pct: {me['cpu_pct']} vs cpu.stat's {want:.2f}")
    else:
        ok += 1
    if me["name"] != "burn" or me["depth"] != 2:
        print(f"FAIL cgroups/host/name: {me['name']} depth {me['depth']}")
    # steal is busy to /proc/stat (the hypervisor ran someone else) but no cgroup's: it is left out
    busy = r["cpu"]["busy_pct"] - r["cpu"]["steal_pct"]
    if abs(r["cgroups_info"]["top_level_busy_pct"] - busy) > 2:
        print(f"FAIL cgroups/host/top-level-sum: {r['cgroups_info']['top_level_busy_pct']} vs busy {busy:.3f} "
              f"(steal {r['cpu']['steal_pct']} left out)")
    info = r["cgroups_info"]
    # 1 + 1 + 1 + 5 directories here at least; 3 listed (the burner first), the idle ones counted
    if len(r["cgroups"]) > 3 + 3 or info["reported"] != len(r["cgroups"]) or \
       info["left_out"] != info["candidates"] - info["reported"] or info["left_out"] < 3:
        print(f"FAIL cgroups/host/bounded: {len(r['cgroups'])} listed, info {info}")
    if r["cgroups"][0]["cpu_pct"] < max(c["cpu_pct"] for c in r["cgroups"]):
        print("FAIL cgroups/host/order: not sorted by cpu_pct")
    for c, field in (("memory", "memory_bytes"), ("io", "io_write_bytes_per_s"), ("pids", "pids")):
        if c in ctl:
            continue
        why = inv.get("cgroups", {}).get("unavailable", {}).get(c, "")
        if field in me or c not in info["unavailable"] or \
           f"controller not enabled in the v2 hierarchy at {v2}" not in why:
            print(f"FAIL cgroups/host/unavailable-{c}: {field}={me.get(field, '(left out)')}, reason {why!r}")
# top_cpu (eBPF task iterator) names the burner's cgroup, the name cgroup_name gives its path
tops = [p for r in metrics for p in r.get("sched", {}).get("top_cpu", []) if p["pid"] == int(os.environ["BURNER"])]
if not any("sched" in r for r in metrics):
    print("INFO no sched section (eBPF unavailable): top_cpu cgroup not checked")
elif not tops or any(p["cgroup"] != "burn" for p in tops):
    print(f"FAIL cgroups/host/top_cpu-cgroup: burner in top_cpu as {tops}")
else:
    print("PASS cgroups/host/top_cpu-cgroup")
if ok == len(metrics) - 1 and ok >= 3:
    print("PASS cgroups/host/cpu_pct")
else:
    print(f"FAIL cgroups/host/cpu_pct: {ok} of {len(metrics)} records within 5 points")
if any(a.get("rule") == "burn" or a.get("name") == "burn" for a in alerts):
    print("PASS cgroups/host/alert")
else:
    print(f"FAIL cgroups/host/alert: no 'burn' alert among {len(alerts)} alerts")
print("PASS cgroups/host/checked")
PYEOF
kill "$burner" 2>/dev/null
