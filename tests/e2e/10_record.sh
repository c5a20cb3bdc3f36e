# SPDX-License-Identifier: GPL-2.0-only
# The record: schema validity and cross-checks against the live system.
. tests/e2e/lib.sh

if "${CW[@]}" --no-bpf --per-cpu --count 3 --interval 200ms >"$T/out" 2>"$T/err"; then
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
# no delivery target, no --listen: no counters that could only say 0 (60_alerts has them with targets)
quiet = {"alerts_sent", "alert_delivery_errors", "alerts_dropped", "http_requests"} & set(mets[-1]["agent"])
res("agent-no-counters-without-their-target", "alerts_firing" in mets[-1]["agent"] and not quiet, str(quiet))
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

# Login sessions as who(1) counts them: a crafted utmp in place of the system's (a tmpfs over /run in
# a private mount namespace), read by both. Live sessions (this shell, pid 1) count; a logged-out
# entry and a session whose process died without its logout record do not.
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && command -v who >/dev/null; then
	sleep 0 & gone=$!
	wait $gone
	$PY - "$T/utmp" $$ "$gone" <<'PYEOF'
import struct, sys
path, me, gone = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows = [(2, 0, "~", "reboot"), (7, me, "pts/0", "alice"), (7, 1, "pts/1", "bob"),
        (8, me, "pts/2", "carol"), (7, gone, "pts/3", "dave"), (7, me, "pts/4", "alice")]
with open(path, "wb") as f:
    for typ, pid, line, user in rows:  # glibc's struct utmp on x86-64 and arm64: 384 bytes
        f.write(struct.pack("<hxxi32s4s32s256shhiii4i20x", typ, pid, line.encode(), line[-2:].encode(),
                            user.encode(), b"", 0, 0, 0, 1700000000, 0, 0, 0, 0, 0))
PYEOF
	unshare -m bash -c 'mount --make-rprivate / && mount -t tmpfs tmpfs /run && cp "$1" /run/utmp &&
		who >"$2/who" && "$3" -c "$2/empty.conf" --no-bpf --count 1 --interval 200ms >"$2/users.out"' \
		_ "$T/utmp" "$T" "$COREWATCH" 2>"$T/users.err"
	want=$(wc -l <"$T/who" 2>/dev/null)
	got=$($PY -c 'import json,sys; print([json.loads(l) for l in open(sys.argv[1])][-1]["users"]["logged_in"])' "$T/users.out" 2>/dev/null)
	if [ -n "$got" ] && [ "$got" = "$want" ] && [ "$want" = 3 ]; then
		pass "record/users-live-sessions-as-who"
	else
		fail "record/users-live-sessions-as-who" "corewatch ${got:-none}, who ${want:-none} (want 3): $(head -2 "$T/users.err")"
	fi
else
	skip_or_fail "record/users-live-sessions-as-who" "needs root, unshare and who"
fi

# Per-container interfaces: 50 veth pairs are left out of network.interfaces[] by default and counted in
# interfaces_excluded; --interfaces brings exactly them back. The oracle is `ip -o link`'s own list.
if need_root "record/interfaces-veth" && command -v ip >/dev/null; then
	vdel() { for ((i = 0; i < 50; i++)); do ip link del "veth-cw$i" 2>/dev/null; done; }
	trap vdel EXIT
	for ((i = 0; i < 50; i++)); do ip link add "veth-cw$i" type veth peer name "veth-cwp$i" || break; done
	ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' >"$T/links"
	"${CW[@]}" --no-bpf -n 2 -i 200ms >"$T/veth.def" 2>"$T/veth.err"
	"${CW[@]}" --no-bpf -n 2 -i 200ms --interfaces 'veth-cw*' >"$T/veth.inc" 2>>"$T/veth.err"
	"${CW[@]}" --no-bpf -n 2 -i 200ms --interfaces-exclude 'veth-cwp*' >"$T/veth.exc" 2>>"$T/veth.err"
	vdel
	trap - EXIT
	check "record/interfaces-schema-valid" $PY "$VALIDATE" "$SCHEMA" "$T/veth.def" "$T/veth.inc"
	pycheck record/interfaces "$T" <<'PYEOF'
import fnmatch, json, sys
T = sys.argv[1]
links = open(f"{T}/links").read().split()
ours = {f"veth-cw{i}" for i in range(50)} | {f"veth-cwp{i}" for i in range(50)}
default = "lo,veth*,cali*,lxc*,tap*,vnet*,fwbr*,fwpr*,fwln*,ifb*".split(",")
def last(name):
    m = [json.loads(l) for l in open(f"{T}/{name}")][-1]["network"]
    return {i["name"] for i in m["interfaces"]}, m["interfaces_excluded"]
def res(name, ok, why):
    print(("PASS " if ok else "FAIL ") + "record/" + name + ("" if ok else ": " + why))
res("interfaces-veth-created", ours <= set(links), f"{len(ours & set(links))} of 100 in ip link")
names, excl = last("veth.def")
want_out = {l for l in links if any(fnmatch.fnmatchcase(l, p) for p in default)}
res("interfaces-veth-left-out-by-default", not names & ours and names == set(links) - want_out and excl == len(want_out),
    f"reported {sorted(names)[:8]}, excluded {excl} want {len(want_out)}")
names, excl = last("veth.inc")
res("interfaces-include-brings-them-back", names == ours and excl == len(links) - 100, f"{len(names)} reported, excluded {excl} of {len(links)}")
names, excl = last("veth.exc")
want = {l for l in links if not fnmatch.fnmatchcase(l, "veth-cwp*")}
res("interfaces-exclude-replaces-default", names == want and excl == 50, f"{len(names)} reported want {len(want)}, excluded {excl}")
PYEOF
	ip -o link show | grep -q 'veth-cw' && fail "record/interfaces-veth-deleted" "left behind" || pass "record/interfaces-veth-deleted"
fi
