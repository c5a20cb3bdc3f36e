#!/usr/bin/env bash
# 10_kernels.sh - the kernel matrix: boots corewatch with a workload under each Debian -cloud kernel
# series it supports (5.10, 6.1, 6.12, newest backports) in a qemu guest, and checks each guest's
# records against the kernel's own counters (/proc/stat, /proc/diskstats, /proc/net/snmp rates in
# the same records). Then run-queue latency of two more instances (sched_info and wakeup_stamp) on an
# idle-heavy and a busy pingpong against the processes' run_delay and libbpf-tools runqlat.
# One PASS/FAIL line per check, named vm/<uname -r>/<check>.
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
VM_TIMEOUT=${VM_TIMEOUT:-150}     # one guest: boot, 17 records, run-queue phases: 50-75 s under TCG
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

# add_runqlat ROOT: the run-queue oracle, libbpf-tools runqlat (a CO-RE binary, libbpf linked in),
# with stdbuf so that its "Tracing" line (it has attached) reaches the file at once. Without it the
# guests still run; their runqlat checks fail saying so (ROOT/out/rq.has_runqlat).
RUNQLAT=${RUNQLAT:-/usr/sbin/runqlat}
STDBUF_LIB=/usr/libexec/coreutils/libstdbuf.so
add_runqlat() {
	local root=$1
	mkdir -p "$root/out" || return 1
	if [ -x "$RUNQLAT" ] && [ -r "$STDBUF_LIB" ] && command -v stdbuf >/dev/null; then
		vm_add_bin "$root" "$RUNQLAT" "$(command -v stdbuf)" && mkdir -p "$root${STDBUF_LIB%/*}" &&
			cp -L "$STDBUF_LIB" "$root$STDBUF_LIB" && echo yes >"$root/out/rq.has_runqlat"
	else
		echo "  vm: $RUNQLAT or stdbuf missing: the runqlat checks will fail (apt-get install libbpf-tools)" >&2
		echo no >"$root/out/rq.has_runqlat"
	fi
}

# One initramfs for every kernel: busybox, the agent with its libraries, the workload tools.
rm -rf "$VMB/root" && mkdir -p "$VMB/summary" && rm -f "$VMB"/summary/*.json
vm_busybox_root "$VMB/root" && vm_add_bin "$VMB/root" "$COREWATCH" "$TOOLS/pingpong" "$TOOLS/tcpconn" &&
	add_runqlat "$VMB/root" &&
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

# Run-queue latency oracles, for both methods (two 2 s instances side by side) and both workloads
# (the phases at the end of the guest's run, nothing else running).
#  run_delay: the one record whose span covers a 1.2 s pingpong's whole life; its histogram sum
#    against the kernel's run_delay of the pingpong's processes, within 10%.
#  runqlat: the records inside runqlat's 6 s window, merged, against its histogram: samples per
#    context switch (runqlat's from /proc/stat ctxt over its window) within 10%; p50 and p99 in the
#    same log2 bucket or the next. Buckets on one scale: b = bit length of the bucket's upper bound
#    (runqlat "2 -> 3" and corewatch le 3 are both 2); runqlat's first bucket "0 -> 1" holds 0 and 1,
#    so corewatch's le 0 joins its le 1.
def slot_quantile(slots, q):
    total, cum = sum(slots.values()), 0
    for b in sorted(slots):
        cum += slots[b]
        if total and cum >= q * total:
            return b
    return None
def cw_slot(le):
    return 64 if le == "+Inf" else max(1, int(le).bit_length())
def runqlat_hists(text):
    # runqlat's histograms in order; each starts at its "usecs : count" header
    import re
    hists = []
    for line in text.splitlines():
        if re.match(r"\s*usecs\s*: count", line):
            hists.append({})
        m = re.match(r"\s*(\d+) -> (\d+)\s*: (\d+)", line)
        if m and hists:
            b = int(m.group(2)).bit_length()
            hists[-1][b] = hists[-1].get(b, 0) + int(m.group(3))
    return hists
rqrecs = {}
for method in ("sched_info", "wakeup_stamp"):
    rr = []
    for line in read(f"rq.{method}.jsonl").splitlines():
        try:
            r = json.loads(line)
        except ValueError:
            continue
        if r.get("type") == "metrics":
            rr.append(r)
    sp = [((rr[i - 1]["uptime_s"] if i else r["uptime_s"] - r["interval_s"]), r["uptime_s"]) for i, r in enumerate(rr)]
    rqrecs[method] = (rr, sp)
    got = sorted(set(str(get(r, "sched", "runqueue_latency_method")) for r in rr))
    res(f"runqueue-{method}-method-reported", rr and got == [method],
        f"{len(rr)} records, methods {got}, exit status {read(f'rq.{method}.rc', '?')}; stderr: "
        + " | ".join(l for l in read(f"rq.{method}.err").splitlines() if ": debug: " not in l)[-300:])
summary["runqueue_oracles"] = {}
for load in ("idle", "busy"):
    fig = summary["runqueue_oracles"].setdefault(load, {})
    # oracle 1: run_delay
    pp = read(f"rq.{load}.pingpong").split()
    t0, t1 = phases.get(f"rq_{load}_delay", (0, -1))
    delay_us = int(pp[3]) / 1000 if len(pp) == 4 else None
    trips = int(pp[2]) if len(pp) == 4 else 0
    # all tasks' run_delay over the pingpong's life (/proc/schedstat: cpuN ... rq_cpu_time run_delay pcount)
    def all_delay(n):
        return sum(int(l.split()[8]) for l in read(f"rq.{load}.schedstat{n}").splitlines() if len(l.split()) > 8)
    all_us = round((all_delay(1) - all_delay(0)) / 1000) if read(f"rq.{load}.schedstat0") else None
    # runqlat's window (its first histogram for idle, its second for busy) and the switches over it
    k = 0 if load == "idle" else 1
    win = read("rq.windows").split()
    rql = read("rq.runqlat")
    hists = runqlat_hists(rql)
    rq_why = None
    if "Tracing" not in rql or read("rq.runqlat.rc") != "0" or len(win) != 6:
        rq_why = (f"runqlat did not run (status {read('rq.runqlat.rc', 'none')}): "
                  + (" | ".join(read("rq.runqlat.err").splitlines()[-4:]) or "no stderr")
                  + ("" if read("rq.has_runqlat") == "yes" else "; runqlat is not in the initramfs (apt-get install libbpf-tools)"))[:400]
    elif len(hists) != 2 or not hists[k]:
        rq_why = f"runqlat printed {len(hists)} histograms, not 2: {rql[-200:]!r}"
    if rq_why is None:
        rslots = hists[k]
        w0, w1, c0, c1 = float(win[k]), float(win[k + 1]), int(win[3 + k]), int(win[4 + k])
        rq_rate = sum(rslots.values()) / (c1 - c0) if c1 > c0 else None
    for method in ("sched_info", "wakeup_stamp"):
        rr, sp = rqrecs[method]
        f = fig.setdefault(method, {})
        base = f"runqueue-{load}-{method}"
        cover = [i for i, (a, b) in enumerate(sp) if a <= t0 and b >= t1]
        name = f"{base}-sum-vs-run-delay-10pct"
        if delay_us is None or trips == 0 or delay_us < 1000:
            res(name, False, f"pingpong printed {pp} (needs trips > 0 and run_delay >= 1 ms)")
        elif len(cover) != 1:
            res(name, False, f"{len(cover)} records cover the pingpong's {t0}-{t1} s; record spans {[(round(a, 2), round(b, 2)) for a, b in sp]}")
        else:
            h = get(rr[cover[0]], "sched", "runqueue_latency_us") or {}
            got = h.get("sum")
            f["sum_us"], f["run_delay_us"], f["all_tasks_run_delay_us"] = got, round(delay_us), all_us
            f["sum_ratio"] = round(got / delay_us, 3) if got is not None else None
            res(name, got is not None and abs(got - delay_us) <= 0.10 * delay_us,
                f"histogram sum {got} us, run_delay {delay_us:.0f} us of pingpong {t0}-{t1} s (record {sp[cover[0]]})")
        names = [f"{base}-samples-per-switch-vs-runqlat-10pct", f"{base}-p50-within-one-bucket-of-runqlat",
                 f"{base}-p99-within-one-bucket-of-runqlat"]
        if rq_why is not None:
            for n in names:
                res(n, False, rq_why)
            continue
        inside = [i for i, (a, b) in enumerate(sp) if w0 <= a and b <= w1]
        if not inside:
            for n in names:
                res(n, False, f"no {method} record inside runqlat's window {w0}-{w1} s; spans {[(round(a, 2), round(b, 2)) for a, b in sp]}")
            continue
        slots, count, sw = {}, 0, 0.0
        for i in inside:
            h = get(rr[i], "sched", "runqueue_latency_us") or {"count": 0, "buckets": []}
            for bk in h["buckets"]:
                slots[cw_slot(bk["le"])] = slots.get(cw_slot(bk["le"]), 0) + bk["count"]
            count += h["count"]
            sw += (get(rr[i], "sched", "context_switches_per_s") or 0) * rr[i]["interval_s"]
        rate = count / sw if sw else None
        f.update({"records": len(inside), "samples_per_switch": None if rate is None else round(rate, 3),
                  "runqlat_samples_per_switch": None if rq_rate is None else round(rq_rate, 3),
                  "p50_bucket": slot_quantile(slots, .5), "runqlat_p50_bucket": slot_quantile(rslots, .5),
                  "p99_bucket": slot_quantile(slots, .99), "runqlat_p99_bucket": slot_quantile(rslots, .99)})
        floor = sw >= 1000 and (c1 - c0) >= 1000
        res(names[0], floor and rate is not None and rq_rate and abs(rate - rq_rate) <= 0.10 * rq_rate,
            f"corewatch {count} samples / {sw:.0f} switches = {rate} in {len(inside)} records; runqlat "
            f"{sum(rslots.values())} / {c1 - c0} = {rq_rate} over {w0}-{w1} s (each needs >= 1000 switches)")
        for q, n in ((.5, names[1]), (.99, names[2])):
            a, b = slot_quantile(slots, q), slot_quantile(rslots, q)
            res(n, a is not None and b is not None and abs(a - b) <= 1,
                f"corewatch bucket {a}, runqlat bucket {b}; {sorted(slots.items())} vs {sorted(rslots.items())}")
        print(f"INFO vm/{abi}/runqueue-{load}-{method}: histogram sum/run_delay {f.get('sum_ratio')} "
              f"({f.get('sum_us')} / {f.get('run_delay_us')} us; every task's run_delay over the pingpong's life "
              f"{f.get('all_tasks_run_delay_us')} us); samples per switch {f['samples_per_switch']} "
              f"(runqlat {f['runqlat_samples_per_switch']}); p50 bucket {f['p50_bucket']} ({f['runqlat_p50_bucket']}), "
              f"p99 bucket {f['p99_bucket']} ({f['runqlat_p99_bucket']}); {len(inside)} records")
    if rq_why is not None:
        for method in ("sched_info", "wakeup_stamp"):
            f = fig[method]
            print(f"INFO vm/{abi}/runqueue-{load}-{method}: histogram sum/run_delay {f.get('sum_ratio')} "
                  f"({f.get('sum_us')} / {f.get('run_delay_us')} us; every task's {f.get('all_tasks_run_delay_us')} us); runqlat: {rq_why}")
summary["workload"] = {"pingpong": read("pingpong"), "dd_ops": read("dd_ops"), "tcp_connects": read("tcpconn"),
                       "rq_idle_pingpong": read("rq.idle.pingpong"), "rq_busy_pingpong": read("rq.busy.pingpong")}
json.dump(summary, open(os.environ["SUMMARY"], "w"), indent=1)
PYEOF
done

# The supported-kernel table from this run (docs/kernels.md is a committed copy of it).
$PY tests/vm/kernels-table.py "$VMB"/summary/*.json >"$VMB/kernels.md" 2>/dev/null && echo "  table: $VMB/kernels.md"
echo "  matrix took $((SECONDS - START)) s"
