#!/usr/bin/env bash
# 10_kernels.sh - the kernel matrix: boots corewatch with a workload under each Debian -cloud kernel
# series it supports (5.10, 6.1, 6.12, newest backports) in a qemu guest, and checks each guest's
# records against the kernel's own counters (/proc/stat, /proc/diskstats, /proc/net/snmp rates in
# the same records). One PASS/FAIL line per check, named vm/<uname -r>/<check>.
#   VM_KERNELS="5.10 6.1"  only these series (of: 5.10 6.1 6.12 7.x)
#   VM_KEEP=DIR            keep each guest's outputs (records, corewatch -v stderr, console) in DIR/<kernel>
#   COREWATCH_VM_CACHE     download cache (default /var/cache/corewatch-vm); BUILD: build directory
. tests/e2e/lib.sh
. tests/vm/lib.sh
BUILD=${BUILD:-build}
TOOLS="$(dirname "$COREWATCH")/tests"
VMB="$BUILD/vm"
START=$SECONDS
BUDGET=${VM_BUDGET:-440}          # tests/run kills the script at 480 s
VM_TIMEOUT=${VM_TIMEOUT:-150}     # one guest: boot + 17 records take about 30 s under TCG
N=17

# series | suites | ABI regex (the newest match is taken)
SERIES=(
	'5.10|bullseye bullseye-security|^5\.10\.0-[0-9]+-cloud-amd64$'
	'6.1|bookworm bookworm-security|^6\.1\.0-[0-9]+-cloud-amd64$'
	'6.12|bookworm bookworm-security|^6\.12\.[0-9]+\+deb12-cloud-amd64$'
	'7.x|trixie-backports|^[7-9]\.[0-9]+\.[0-9]+\+deb13-cloud-amd64$'
)

if ! need_root "vm/kernels"; then exit 0; fi
for t in qemu-system-x86_64 cpio dpkg-deb apt-get /bin/busybox "$COREWATCH" "$TOOLS/pingpong" "$TOOLS/tcpconn"; do
	if ! command -v "$t" >/dev/null; then
		skip_or_fail "vm/kernels" "$t missing (make && make unit-tests; apt-get install qemu-system-x86 busybox-static cpio)"
		exit 0
	fi
done

# One initramfs for every kernel: busybox, the agent with its libraries, the workload tools.
rm -rf "$VMB/root" && mkdir -p "$VMB/summary" && rm -f "$VMB"/summary/*.json
vm_busybox_root "$VMB/root" && vm_add_bin "$VMB/root" "$COREWATCH" "$TOOLS/pingpong" "$TOOLS/tcpconn" &&
	install -m 0755 tests/vm/matrix-init.sh "$VMB/root/init" && : >"$VMB/root/etc/corewatch-empty.conf" &&
	echo "N=$N" >"$VMB/root/etc/matrix.env" && vm_initramfs "$VMB/root" "$VMB/initramfs.cpio" ||
	{ fail "vm/initramfs" "could not build $VMB/initramfs.cpio"; exit 0; }

# run_kernel ABI KDIR: boots one guest; on return its outputs are in $VMB/guests/ABI/out.
run_kernel() {
	local abi=$1 kdir=$2 g="$VMB/guests/$1" left rc t0
	rm -rf "$g" && mkdir -p "$g/out"
	truncate -s 64M "$g/work.img" && truncate -s 16M "$g/out.img" || return 1
	left=$((BUDGET - (SECONDS - START)))
	[ $left -gt "$VM_TIMEOUT" ] && left=$VM_TIMEOUT
	if [ $left -lt 20 ]; then
		fail "vm/$abi/boot" "no time left in the ${BUDGET} s budget of the matrix"
		return 1
	fi
	t0=$SECONDS
	vm_qemu "$left" "$g/console" -kernel "$kdir/vmlinuz" -initrd "$VMB/initramfs.cpio" \
		-append "console=ttyS0 loglevel=4 panic=-1 oops=panic" \
		-drive "file=$g/work.img,if=none,id=d0,format=raw" -device nvme,drive=d0,serial=cwwork \
		-drive "file=$g/out.img,if=none,id=d1,format=raw" -device nvme,drive=d1,serial=cwout
	rc=$?
	echo $((SECONDS - t0)) >"$g/seconds"
	tar -xf "$g/out.img" -C "$g/out" 2>/dev/null
	if [ -n "${VM_KEEP:-}" ]; then
		mkdir -p "$VM_KEEP/$abi" && cp -a "$g/out/." "$g/console" "$VM_KEEP/$abi/" 2>/dev/null
	fi
	if [ $rc -eq 124 ]; then
		fail "vm/$abi/boot" "guest hung: killed after $left s; console: $(vm_console_tail "$g/console")"
		return 1
	elif grep -qE 'Kernel panic|Oops|BUG:' "$g/console"; then
		fail "vm/$abi/boot" "guest kernel failed; console: $(vm_console_tail "$g/console")"
		return 1
	elif [ $rc -ne 0 ] || [ ! -s "$g/out/records.jsonl" ]; then
		fail "vm/$abi/boot" "qemu status $rc, no records came back; console: $(vm_console_tail "$g/console")"
		return 1
	fi
	pass "vm/$abi/boot"
}

echo "  kernels:"
for s in "${SERIES[@]}"; do
	IFS='|' read -r series suites regex <<<"$s"
	if [ -n "${VM_KERNELS:-}" ] && ! grep -qw -- "$series" <<<"${VM_KERNELS//x/}${VM_KERNELS:+ }$VM_KERNELS"; then continue; fi
	if ! abi=$(vm_kernel_newest "$suites" "$regex"); then
		fail "vm/$series/resolve" "no kernel matching $regex in $suites"
		continue
	fi
	echo "    $series: $abi ($suites)"
	if ! kdir=$(vm_kernel_fetch "$suites" "$abi"); then
		fail "vm/$abi/fetch" "could not download the kernel"
		continue
	fi
	if ! run_kernel "$abi" "$kdir"; then
		printf '{"kernel": "%s", "series": "%s", "checks": {"boot": false}, "hooks": {}, "ratios": {}}\n' \
			"$abi" "$series" >"$VMB/summary/$abi.json"
		continue
	fi
	g="$VMB/guests/$abi"
	echo "    $abi: guest ran in $(cat "$g/seconds") s"
	if [ "$(cat "$g/out/corewatch.rc" 2>/dev/null)" = 0 ]; then
		pass "vm/$abi/run-exit-0"
	else
		fail "vm/$abi/run-exit-0" "status $(cat "$g/out/corewatch.rc" 2>/dev/null); $(grep -v ': debug: ' "$g/out/corewatch.err" | tail -3 | tr '\n' ' ')"
	fi
	check "vm/$abi/schema-valid" $PY "$VALIDATE" "$SCHEMA" "$g/out/records.jsonl"
	ABI=$abi SERIES_NAME=$series SUMMARY="$VMB/summary/$abi.json" pycheck "vm/$abi/checks" "$g/out" <<'PYEOF'
import json, os, sys
g = sys.argv[1]
abi = os.environ["ABI"]
def read(name, default=""):
    try:
        return open(os.path.join(g, name)).read().strip()
    except OSError:
        return default
recs = []
for line in open(os.path.join(g, "records.jsonl")):
    try:
        recs.append(json.loads(line))
    except ValueError:
        pass
mets = [r for r in recs if r.get("type") == "metrics"]
summary = {"kernel": abi, "series": os.environ["SERIES_NAME"], "records": len(mets), "hooks": {},
           "checks": {"boot": True}, "ratios": {}}
def res(name, ok, why=""):
    summary["checks"][name] = bool(ok)
    print(("PASS " if ok else "FAIL ") + f"vm/{abi}/{name}" + ("" if ok else ": " + why))
def get(m, *path):
    for p in path:
        if not isinstance(m, dict) or p not in m:
            return None
        m = m[p]
    return m

# Every program attached, in every record; which hook variant each tracepoint got.
err = [l for l in read("corewatch.err").splitlines() if ": debug: " not in l]
for prog in ("sched", "block", "tcp"):
    st = [get(m, "bpf", "programs", prog) for m in mets]
    ok = bool(mets) and all(s and s.get("attached") is True for s in st)
    hooks = (st[-1] or {}).get("hooks", {}) if st else {}
    summary["hooks"][prog] = sorted(set(v for v in hooks.values() if v))
    summary.setdefault("left_out", {})[prog] = sorted(k for k, v in hooks.items() if not v)
    why = json.dumps({k: v for k, v in (st[-1] or {}).items() if k != "maps"} if st else None)[:200]
    res(f"{prog}-attached", ok and summary["hooks"][prog], f"{why}; stderr: {' | '.join(l for l in err if prog in l)[:300]}")

# ratio_check NAME PHASE PAIRS FLOOR: eBPF / kernel within 3% in each record whose interval lies
# inside PHASE (the guest's uptime marks in /out/phases against each record's uptime_s), where the
# workload ran from end to end with MARGIN s to spare (the agent's collectors read their counters
# tens of ms apart under TCG, and a process takes that long to start). Records a phase only overlaps
# are its edges: there the rate changes within the interval, so the ms between the agent's eBPF and
# /proc reads weigh on a partial count; they are reported (ratios_edge) but do not decide.
MARGIN = 0.2
phases = {}
for line in read("phases").splitlines():
    n, t0, t1 = line.split()
    phases[n] = (float(t0), float(t1))
spans = []
for i, m in enumerate(mets):
    end = m.get("uptime_s", 0)
    spans.append((mets[i - 1].get("uptime_s", 0) if i else end - m.get("interval_s", 1), end))
def ratio_check(name, phase, pairs, floor):
    t0, t1 = phases.get(phase, (0, -1))
    inside = [i for i, (a, b) in enumerate(spans) if t0 + MARGIN <= a and b <= t1 - MARGIN]
    edge = [i for i, (a, b) in enumerate(spans) if i not in inside and a < t1 and b > t0 and pairs[i][1]]
    r = lambda idx: [None if pairs[i][0] is None else round(pairs[i][0] / pairs[i][1], 4) if pairs[i][1] else None for i in idx]
    ratios = r(inside)
    summary["ratios"][name] = ratios
    summary.setdefault("ratios_edge", {})[name] = r(edge)
    low = [pairs[i][1] for i in inside if pairs[i][1] < floor]
    ok = inside and not low and all(x is not None and abs(x - 1) <= 0.03 for x in ratios)
    res(name, ok, f"{phase} ran {t0}-{t1} s, {len(inside)} records inside it (needs >= 1, each >= {floor}/s by the kernel: "
        f"{[round(pairs[i][1], 1) for i in inside]}); eBPF/kernel per record {ratios}; eBPF {[pairs[i][0] for i in inside]}; edges {r(edge)}")

ratio_check("context-switches-match-proc-stat-3pct", "pingpong",
            [(get(m, "sched", "context_switches_per_s"), get(m, "cpu", "context_switches_per_s") or 0) for m in mets], 1000)
dev = read("workdisk")
def bpf_ops(m):
    devs = get(m, "block", "devices")
    if devs is None:
        return None
    return sum(d["ops_per_s"] for d in devs if d["device"] == dev and d["op"] in ("read", "write"))
def proc_ops(m):
    return sum(d["reads_per_s"] + d["writes_per_s"] for d in m.get("disks", []) if d["device"] == dev)
ratio_check("block-ops-match-diskstats-3pct", "direct_io", [(bpf_ops(m), proc_ops(m)) for m in mets], 100)
ratio_check("tcp-active-opens-match-snmp-3pct", "tcpconn",
            [(get(m, "tcp", "active_opens_per_s"), get(m, "network", "tcp", "active_opens_per_s") or 0) for m in mets], 50)

rq = [get(m, "sched", "runqueue_latency_us") for m in mets]
ok = bool(rq) and all(h and h["count"] > 0 and h["p50"] <= h["p99"] <= h["max"] for h in rq)
summary["runqueue"] = [None if not h else {k: h[k] for k in ("count", "p50", "p99", "max")} for h in rq]
res("runqueue-histogram", ok, f"count/p50/p99/max per record: {summary['runqueue'][:4]}")

summary["workload"] = {"pingpong": read("pingpong"), "dd_ops": read("dd_ops"), "tcp_connects": read("tcpconn")}
json.dump(summary, open(os.environ["SUMMARY"], "w"), indent=1)
PYEOF
done

# The supported-kernel table from this run (docs/kernels.md is a committed copy of it).
$PY tests/vm/kernels-table.py "$VMB"/summary/*.json >"$VMB/kernels.md" 2>/dev/null && echo "  table: $VMB/kernels.md"
echo "  matrix took $((SECONDS - START)) s"
