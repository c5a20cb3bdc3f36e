#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# --format text: a text run and a JSON run side by side (records land on the same wall-clock ticks)
# under a known load: CPU burners, direct writes to disk, UDP sent through a dummy interface. Each text
# line is checked against the JSON record of the same second and against the load and /proc; the
# size rules `memory.available_bytes < 1T` / `> 1T` against /proc/meminfo's MemAvailable.
. "$(dirname "$0")/lib.sh"

# Log files stay machine-readable: text with --log-dir is one line, exit 2, nothing created.
"${CW[@]}" --format text --log-dir "$T/logs" >"$T/o" 2>"$T/e"
rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l <"$T/e")" -eq 1 ] && grep -q -- '--format text' "$T/e" && [ ! -s "$T/o" ] &&
	[ ! -e "$T/logs" ]; then
	pass "text/refused-with-log-dir"
else
	fail "text/refused-with-log-dir" "exit $rc, stderr: $(head -2 "$T/e"), logs dir: $(ls -d "$T/logs" 2>&1)"
fi

# The header comes back every 20 lines, and nothing but it and the metrics lines is there.
"${CW[@]}" --no-bpf --format text -i 100ms -n 25 >"$T/many" 2>"$T/many.err"
pycheck text-header "$T/many" <<'PYEOF'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
hdr = [i for i, l in enumerate(lines) if l.lstrip().startswith("time ")]
data = [l for l in lines if re.match(r"^\d\d:\d\d:\d\d +[-\d]", l)]
ok = lines[0].startswith("corewatch ") and hdr == [1, 22] and len(data) == 25 and len(lines) == 28
print(("PASS" if ok else "FAIL") + " text/header-every-20" + ("" if ok else f": headers at {hdr}, {len(data)} data lines of {len(lines)}"))
# --no-bpf: no sched section, so the run-queue column is '-'
ok = all(l.split()[12] == "-" for l in data)
print(("PASS" if ok else "FAIL") + " text/no-bpf-runqueue-dash" + ("" if ok else f": {data[0]}"))
PYEOF

# The load. UDP goes out of one end of a veth pair and into the other (root only: CAP_NET_ADMIN); a
# static neighbour entry stands in for ARP, which nobody on the far end would answer.
IFACE=""
if [ "$(id -u)" = 0 ]; then
	IFACE=cwta$$
	NET=10.254.$((RANDOM % 200 + 20))
	if ip link add "$IFACE" type veth peer name cwtb$$ 2>/dev/null; then
		trap 'ip link del "$IFACE" 2>/dev/null; cleanup' EXIT
		ip addr add "$NET.1/24" dev "$IFACE" && ip link set "$IFACE" up && ip link set cwtb$$ up &&
			ip neigh replace "$NET.2" lladdr "$(cat /sys/class/net/cwtb$$/address)" dev "$IFACE" ||
			IFACE=""
	else
		IFACE=""
	fi
fi
N=6
RULES=(--alert 'lowmem: memory.available_bytes < 1T' --alert 'bigmem: memory.available_bytes > 1T')
"${CW[@]}" --format text -i 1s -n $N "${RULES[@]}" >"$T/text" 2>"$T/text.err" &
pids+=($!)
text_pid=$!
"${CW[@]}" -i 1s -n $N "${RULES[@]}" >"$T/json" 2>"$T/json.err" &
pids+=($!)
json_pid=$!
for _ in 1 2; do
	timeout $((N + 3)) nice -n 19 sh -c 'while :; do :; done' &
	pids+=($!)
done
(for _ in $(seq $((N + 2))); do
	dd if=/dev/zero of="$T/blob" bs=1M count=8 oflag=direct conv=notrunc 2>/dev/null
	sleep 1
done) &
pids+=($!)
if [ -n "$IFACE" ]; then
	# 2 MiB/s of 1024-byte datagrams (plus 42 bytes of headers each on the wire)
	$PY - "$NET.2" $((N + 2)) <<'PYEOF' &
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.monotonic() + float(sys.argv[2]); buf = b"x" * 1024; t = time.monotonic()
while t < end:
    for _ in range(64):
        s.sendto(buf, (sys.argv[1], 9))
    t += 64 * 1024 / (2 << 20)
    time.sleep(max(0, t - time.monotonic()))
PYEOF
	pids+=($!)
fi
wait "$text_pid"
text_rc=$?
wait "$json_pid"
json_rc=$?
grep MemAvailable /proc/meminfo >"$T/meminfo"
grep MemTotal /proc/meminfo >>"$T/meminfo"

if [ $text_rc -eq 0 ] && [ $json_rc -eq 0 ]; then
	pass "text/runs"
else
	fail "text/runs" "exit $text_rc/$json_rc: $(tail -2 "$T/text.err" "$T/json.err" | tr '\n' ' ')"
fi

export N IFACE ROOT=$([ "$(id -u)" = 0 ] && echo 1 || echo 0) T
pycheck text-columns "$T/text" <<'PYEOF'
import json, os, re, sys, time
T = os.environ["T"]; N = int(os.environ["N"]); iface = os.environ["IFACE"]; root = os.environ["ROOT"] == "1"
lines = open(sys.argv[1]).read().splitlines()
recs = [json.loads(l) for l in open(T + "/json")]
mem = {l.split(":")[0]: int(l.split()[1]) * 1024 for l in open(T + "/meminfo")}
res = []
def check(name, ok, why=""):
    print(("PASS " if ok else "FAIL ") + "text/" + name + ("" if ok else ": " + why))
def size(s):  # the text format's units: powers of 1024
    m = re.fullmatch(r"(\d+(?:\.\d)?)([KMGT]?)", s)
    assert m, s
    return float(m.group(1)) * 1024 ** " KMGT".index(m.group(2) or " ")

data = [l for l in lines if re.match(r"^\d\d:\d\d:\d\d +[-\d]", l)]
hdr = [l for l in lines if l.lstrip().startswith("time ")]
check("line-count", len(data) == N, f"{len(data)} data lines, want {N}")
check("header", len(hdr) == 1 and lines[1] == hdr[0] and hdr[0].split() ==
      "time cpu% usr% sys% iow% mem% avail load1 dsk_rd dsk_wr net_rx net_tx rq_p99 alerts".split(),
      f"headers: {hdr}")
check("inventory-line", lines[0].startswith("corewatch ") and f"{os.cpu_count()} CPUs" in lines[0], lines[0])

# the JSON record of the same second, per text line
metrics = {time.strftime("%H:%M:%S", time.localtime(r["timestamp"])): r for r in recs if r["type"] == "metrics"}
pairs = [(l.split(), metrics[l[:8]]) for l in data if l[:8] in metrics]
check("same-ticks", len(pairs) >= N - 1, f"{len(pairs)} of {N} text lines have a JSON record of their second")
bad = []
for c, r in pairs:
    cpu, m = r["cpu"], r["memory"]
    disks, ifs = r["disks"], [i for i in r["network"]["interfaces"] if i["name"] != "lo"]
    want = {
        "cpu%": (cpu["busy_pct"], 15), "usr%": (cpu["user_pct"] + cpu["nice_pct"], 15),
        "sys%": (cpu["system_pct"] + cpu["irq_pct"] + cpu["softirq_pct"], 15),
        "mem%": (m["used_pct"], 1.0), "load1": (r["load"]["load1"], 0.11),
    }
    for i, k in enumerate(["cpu%", "usr%", "sys%", None, "mem%", None, "load1"], start=1):
        if k and abs(float(c[i]) - want[k][0]) > want[k][1]:
            bad.append(f"{c[0]} {k} {c[i]} vs JSON {want[k][0]}")
    for i, v in ((6, m["available_bytes"]), (10, sum(x["rx_bytes_per_s"] for x in ifs)),
                 (11, sum(x["tx_bytes_per_s"] for x in ifs))):
        if abs(size(c[i]) - v) > 0.25 * v + 65536:
            bad.append(f"{c[0]} column {i} {c[i]} vs JSON {v:.0f}")
# The disk load comes in 8 MiB bursts: the two agents read /proc/diskstats a few ms apart on the same
# tick, so a burst on the tick lands in one agent's second and the other's next (CI, 2026-12-01: 18M
# vs 13.9M). Per line that is a phase, not a fault; over the run the sums agree.
for i, key in ((8, "read_bytes_per_s"), (9, "write_bytes_per_s")):
    t = sum(size(c[i]) for c, _ in pairs)
    v = sum(d[key] for _, r in pairs for d in r["disks"])
    if abs(t - v) > 0.25 * v + 65536 * len(pairs):
        bad.append(f"column {i} sums to {t:.0f} over {len(pairs)} lines vs JSON {v:.0f}")
check("columns-match-json", pairs and not bad, "; ".join(bad[:4]))
print("INFO " + " | ".join(data[len(data) // 2].split()))

# against the load and /proc, not against corewatch
mid = [l.split() for l in data[1:-1]]
check("cpu-burner-shows", all(float(c[1]) >= 70 for c in mid), f"cpu% {[c[1] for c in mid]} under 2 burners")
used = 100 * (mem["MemTotal"] - mem["MemAvailable"]) / mem["MemTotal"]
last = data[-1].split()
check("mem-vs-meminfo", abs(float(last[5]) - used) < 2, f"mem% {last[5]}, /proc/meminfo {used:.1f}")
check("avail-vs-meminfo", abs(size(last[6]) - mem["MemAvailable"]) < 0.06 * mem["MemAvailable"],
      f"avail {last[6]}, /proc/meminfo {mem['MemAvailable']}")
check("disk-writes-show", max(size(c[9]) for c in mid) >= 4 << 20, f"dsk_wr {[c[9] for c in mid]} with 8 MiB/s written")
if iface:
    # both ends are this host's: the pair's tx and rx (on top of what the host's own links carry)
    for i, what in ((10, "net_rx"), (11, "net_tx")):
        check(what + "-shows", all(1.8 * 2**20 <= size(c[i]) <= 4 * 2**20 for c in mid),
              f"{what} {[c[i] for c in mid]} with 2 MiB/s sent through the veth pair {iface}")
rq = [c[12] for c in (l.split() for l in data)]
if root:
    check("runqueue-p99", all(re.fullmatch(r"\d+(\.\d)?(us|ms|s)", x) for x in rq), f"rq_p99 {rq}")

# sizes in rules: the oracle is MemAvailable, on this host far below 1 TiB
fires = mem["MemAvailable"] < 2**40
al = [l for l in lines if "** " in l]
want_al = ["lowmem FIRING"] if fires else ["bigmem FIRING"]
check("size-rule-text", [re.sub(r"^\S+\s+\*\* (\S+ \S+).*", r"\1", l) for l in al] == want_al and
      lines.index(al[0]) == lines.index(data[0]) + 1 and all(l.split()[13] == "1" for l in data),
      f"alert lines {al}, alerts column {[l.split()[13] for l in data]}")
ja = [r for r in recs if r["type"] == "alert"]
ok = len(ja) == 1 and ja[0]["name"] == ("lowmem" if fires else "bigmem") and ja[0]["threshold"] == 2**40 \
    and abs(ja[0]["value"] - mem["MemAvailable"]) < 0.05 * mem["MemAvailable"]
check("size-rule-json", ok, f"alerts {[(a['name'], a['state'], a['threshold'], a['value']) for a in ja]}")
PYEOF
