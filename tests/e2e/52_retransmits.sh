# SPDX-License-Identifier: GPL-2.0-only
# TCP retransmits by peer name services, not sockets: a network namespace behind a veth pair drops a
# quarter of the packets of two services (nftables, inside the namespace only). This host is the
# client of one (port 7777 in the namespace) and the server of the other (port 7778 here, five client
# connections from the namespace, five ephemeral ports): top_retransmit_peers must hold one entry for
# each, keyed by the remote address and the service's port, with this host's role, and their counts
# must match the kernel's own RetransSegs of this host's namespace (/proc/net/snmp) within 10%
# (one segment per packet on the veth: gso_max_segs 1, so an event is a segment).
# Beside it a second agent whose TCP maps are shrunk for the test (4 sockets, 2 peers, 1 process)
# must count what did not fit in each, per map, instead of losing it without a word.
. tests/e2e/lib.sh

if ! need_root "retransmits/by-service"; then exit 0; fi
if ! command -v nft >/dev/null || ! command -v ip >/dev/null; then
	skip_or_fail "retransmits/by-service" "needs nft (Debian's nftables) and ip"
	exit 0
fi
ns=cwrt$$ a=cwra$$ b=cwrb$$
net=10.$((77 + $$ % 100)).$(($$ % 250))
cleanup_ns() { ip netns del "$ns" 2>/dev/null; ip link del "$a" 2>/dev/null; }
trap 'cleanup_ns; cleanup' EXIT
if ! { ip netns add "$ns" && ip link add "$a" type veth peer name "$b" &&
	ip link set "$a" gso_max_segs 1 && ip link set "$b" gso_max_segs 1 && ip link set "$b" netns "$ns" &&
	ip addr add "$net.1/24" dev "$a" && ip link set "$a" up &&
	ip netns exec "$ns" ip addr add "$net.2/24" dev "$b" && ip netns exec "$ns" ip link set "$b" up &&
	ip netns exec "$ns" ip link set lo up &&
	ip netns exec "$ns" nft -f - <<EOF
table inet lossy {
	chain in {
		type filter hook input priority 0;
		tcp dport 7777 tcp flags & (syn | fin | rst) == 0 numgen random mod 4 == 0 drop
		tcp sport 7778 tcp flags & (syn | fin | rst) == 0 numgen random mod 4 == 0 drop
	}
}
EOF
}; then
	skip_or_fail "retransmits/by-service" "cannot set up a lossy network namespace"
	exit 0
fi

"${CW[@]}" -i 1s --top 20 >"$T/out" 2>"$T/err" &
cw=$!
pids+=($cw)
COREWATCH_BPF_TEST_MAP_MAX=socks=4,peers=2,procs=1 "${CW[@]}" -i 1s \
	--alert 'bpf_map_full: bpf.failed_inserts > 0' >"$T/small.out" 2>"$T/small.err" &
pids+=($!)
small=$!
wait_grep "$T/out" '"type":"metrics"' 15 || fail "retransmits/agent-started" "$(tail -3 "$T/err")"
wait_grep "$T/small.out" '"type":"metrics"' 15 || fail "retransmits/small-maps-agent-started" "$(tail -3 "$T/small.err")"
snmp() { awk '$1 == "Tcp:" && $2 ~ /^[0-9]/ {print $13}' /proc/net/snmp; }
r0=$(snmp)
t0=$(date +%s.%N)
ip netns exec "$ns" $PY - "$net.1" <<'PYEOF' &
# in the namespace: the 7777 server (receives from this host), then five clients of this host's 7778
import socket, sys, threading, time
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("0.0.0.0", 7777))
srv.listen(4)
def sink(c):
    while c.recv(65536):
        pass
    c.close()
c, _ = srv.accept()
threading.Thread(target=sink, args=(c,)).start()
time.sleep(0.5)
def client():
    s = socket.create_connection((sys.argv[1], 7778), timeout=30)
    while s.recv(65536):
        pass
    s.close()
ts = [threading.Thread(target=client) for _ in range(5)]
for t in ts: t.start()
for t in ts: t.join()
PYEOF
peer=$!
$PY - "$net.2" <<'PYEOF'
# here: a client of the namespace's 7777, and the 7778 server its five clients read from
import socket, sys, threading, time
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("0.0.0.0", 7778))
srv.listen(8)
for _ in range(50):
    try:
        c = socket.create_connection((sys.argv[1], 7777), timeout=1)
        c.settimeout(30)
        break
    except OSError:
        time.sleep(0.1)
def send(s):
    s.sendall(b"x" * (2 << 20))
    s.close()
threading.Thread(target=send, args=(c,)).start()
srv.settimeout(20)
for _ in range(5):
    k, _ = srv.accept()
    k.settimeout(30)
    threading.Thread(target=send, args=(k,)).start()
PYEOF
wait $peer
sleep 2.5
r1=$(snmp)
t1=$(date +%s.%N)
kill -TERM $cw $small
wait $cw $small
NET=$net R=$((r1 - r0)) T0=$t0 T1=$t1 pycheck retransmits/by-service "$T/out" <<'PYEOF'
import calendar, json, os, sys, time
net, kernel, t0, t1 = os.environ["NET"], int(os.environ["R"]), float(os.environ["T0"]), float(os.environ["T1"])
recs = [json.loads(l) for l in open(sys.argv[1])]
m = [r for r in recs if r["type"] == "metrics" and t0 < r["timestamp"] + 1 and r["timestamp"] - 1 < t1 + 1]
peers = {}
for r in m:
    for p in r["tcp"]["top_retransmit_peers"]:
        k = (p["address"], p["port"], p["role"])
        peers[k] = peers.get(k, 0) + p["count"]
ours = {k: v for k, v in peers.items() if k[0] == net + ".2"}
print(f"INFO peers {peers}; kernel RetransSegs {kernel}")
want = {(net + ".2", 7777, "client"), (net + ".2", 7778, "server")}
ok = set(ours) == want and all(v > 0 for v in ours.values())
print(("PASS" if ok else "FAIL") + " retransmits/one-peer-per-service" + ("" if ok else f": {sorted(ours)} want {sorted(want)}"))
# the namespace's own sockets retransmit too (their peer is this host, .1): not in this host's counter
n = sum(ours.values())
ok = 0 < n and 0.9 * kernel <= n <= 1.02 * kernel + 2
print(("PASS" if ok else "FAIL") + " retransmits/peers-match-kernel-retranssegs" + ("" if ok else f": {n} vs {kernel}"))
# the record's own total (every peer, the namespace's sockets too) is at least the host's
# Each record's rate times the interval it really spans (its time minus the previous record's: the
# agent's ticks drift a millisecond or two off the nominal 1 s, which at ~400 retransmits a second is
# a count per record, and those add up over the run); what is left is the rate's rounding to 0.1
# and the millisecond of the record's time (0.2%).
from datetime import datetime
when = lambda r: datetime.fromisoformat(r["time"].replace("Z", "+00:00")).timestamp()
every = [r for r in recs if r["type"] == "metrics"]
span = {id(b): when(b) - when(a) for a, b in zip(every, every[1:])}
tot = round(sum(r["tcp"]["retransmits_per_s"] * span.get(id(r), r["interval_s"]) for r in m))
ok = n - 2 - 0.002 * n <= tot <= n + sum(v for k, v in peers.items() if k not in ours) + 2 + 0.002 * n
print(f"INFO total {tot} over the records' real spans, {sum(round(r['tcp']['retransmits_per_s'] * r['interval_s']) for r in m)} over nominal 1 s")
print(("PASS" if ok else "FAIL") + " retransmits/total-is-the-peers-sum" + ("" if ok else f": total {tot}, peers {peers}"))
PYEOF
check "retransmits/schema-valid" $PY "$VALIDATE" "$SCHEMA" "$T/out"
pycheck retransmits/small-maps "$T/small.out" <<'PYEOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
m = [r for r in recs if r["type"] == "metrics"]
maps = recs[0]["bpf"]["programs"]["tcp"]["maps"]  # the inventory: each map's capacity
ev = [r for r in recs if r["type"] == "event" and r["event"] == "bpf_map_overflow" and r["program"] == "tcp"]
tot = sum(r["bpf"]["failed_inserts"] for r in m)
for name, want in (("socks", 4), ("peers", 2), ("procs", 1)):
    started = [e for e in ev if e["map"] == name and e["overflowing"]]
    ok = maps.get(name, {}).get("max_entries") == want and started and all(e["failed_inserts"] > 0 and e["max_entries"] == want for e in started)
    print(("PASS" if ok else "FAIL") + f" retransmits/{name}-overflow-counted" +
          ("" if ok else f": max_entries {maps.get(name, {}).get('max_entries')}, events {started}"))
fired = [r for r in recs if r["type"] == "alert" and r["name"] == "bpf_map_full" and r["state"] == "firing"]
first = sum(e["failed_inserts"] for e in ev if e["overflowing"])
ok = fired and 0 < first <= tot and m[-1]["bpf"]["map_full"] >= tot
print(("PASS" if ok else "FAIL") + " retransmits/map-full-rule-fires" + ("" if ok else f": fired {len(fired)}, interval sum {tot}, first overflows {first}, map_full {m[-1]['bpf']['map_full'] if m else None}"))
print(f"INFO small maps: failed inserts {tot}, overflow events {[(e['map'], e['overflowing'], e['failed_inserts']) for e in ev]}, bpf.map_full {m[-1]['bpf']['map_full'] if m else None}")
PYEOF
