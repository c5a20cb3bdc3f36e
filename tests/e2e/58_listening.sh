# SPDX-License-Identifier: GPL-2.0-only
# Listening sockets, in a network namespace of the test's own so the oracles are exact: a TCP
# listener opened before the agent starts is in the inventory with its pid and comm, and the
# inventory's set equals what ss -ltnu saw; a TCP listener and a UDP bind opened and closed while it
# runs each give listener_opened then listener_closed with their port and pid; network.listening
# counts them in every record; every record matches the schema.
. tests/e2e/lib.sh

if ! need_root "listening/netns"; then exit 0; fi
if ! command -v ip >/dev/null || ! command -v ss >/dev/null; then
	skip_or_fail "listening/netns" "needs ip and ss (iproute2)"
	exit 0
fi
ns=cwls$$
trap 'ip netns del "$ns" 2>/dev/null; cleanup' EXIT
if ! ip netns add "$ns" || ! ip netns exec "$ns" ip link set lo up; then
	skip_or_fail "listening/netns" "cannot create a network namespace"
	exit 0
fi
nsx() { ip netns exec "$ns" "$@"; }

# before the agent: a TCP listener on 127.0.0.1 and one on ::1, held until the test ends
ip netns exec "$ns" $PY - "$T/early" <<'PYEOF' &
import socket, sys, time
a = socket.socket(); a.bind(("127.0.0.1", 0)); a.listen()
b = socket.socket(socket.AF_INET6); b.bind(("::1", 0)); b.listen()
open(sys.argv[1] + ".tmp", "w").write(f"{a.getsockname()[1]} {b.getsockname()[1]}\n")
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(120)
PYEOF
early=$!
pids+=($early)
read -r p_early p_early6 < <(port_file "$T/early") || { fail "listening/early-listener" "no port"; exit 0; }
comm_early=$(cat /proc/$early/comm)
nsx ss -Hltnu >"$T/ss.before"

# (not through nsx: a function in the background is a subshell, and $! would be its pid, not the agent's)
ip netns exec "$ns" "${CW[@]}" -i 1s >"$T/out" 2>"$T/err" &
cw=$!
pids+=($cw)
wait_grep "$T/out" '"type":"metrics"' 15 || fail "listening/agent-started" "$(tail -3 "$T/err")"
nsx ss -Hltnup >"$T/ss.after"

# during the run: TCP on 127.0.0.1 for 2.5 s, then UDP on 127.0.0.1 for 2.5 s
ip netns exec "$ns" $PY - "$T/late" <<'PYEOF' &
import os, socket, sys, time
def say(name, port):
    open(sys.argv[1] + "." + name, "w").write(f"{port}\n")
t = socket.socket(); t.bind(("127.0.0.1", 0)); t.listen()
say("tcp", t.getsockname()[1]); time.sleep(2.5); t.close(); time.sleep(1.5)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
say("udp", u.getsockname()[1]); time.sleep(2.5); u.close()
time.sleep(2.5)
say("done", 0)
PYEOF
late=$!
pids+=($late)
wait_grep "$T/late.done" . 20 || fail "listening/late-listeners" "helper did not finish"
kill -TERM $cw
wait $cw
cat >"$T/facts" <<FACTS
{"early": $early, "p_early": $p_early, "p_early6": $p_early6, "comm_early": "$comm_early",
 "late": $late, "p_tcp": $(cat "$T/late.tcp"), "p_udp": $(cat "$T/late.udp")}
FACTS

check "listening/schema" $PY "$VALIDATE" "$SCHEMA" "$T/out"

pycheck "listening/records" "$T" <<'PYEOF'
import json, re, sys
T = sys.argv[1]
f = json.load(open(f"{T}/facts"))
recs = [json.loads(l) for l in open(f"{T}/out")]
def ok(name, cond, why):
    print(f"PASS {name}" if cond else f"FAIL {name}: {why}")

inv = [r for r in recs if r["type"] == "inventory"]
ok("listening/inventory-present", inv and "listening" in inv[0], f"no inventory listening list: {inv[:1]}")
lst = inv[0].get("listening", []) if inv else []
mine = [e for e in lst if e["proto"] == "tcp" and e["port"] == f["p_early"]]
ok("listening/inventory-early-listener",
   len(mine) == 1 and mine[0]["address"] == "127.0.0.1" and mine[0]["pid"] == f["early"]
   and mine[0]["comm"] == f["comm_early"] and mine[0]["cgroup_name"] is not None,
   f"want tcp 127.0.0.1:{f['p_early']} pid {f['early']} comm {f['comm_early']}: {mine or lst}")
mine6 = [e for e in lst if e["proto"] == "tcp" and e["port"] == f["p_early6"]]
ok("listening/inventory-ipv6", len(mine6) == 1 and mine6[0]["address"] == "::1"
   and mine6[0]["pid"] == f["early"], f"want tcp [::1]:{f['p_early6']}: {mine6 or lst}")

# the oracle: ss, before and after the agent's first read, in the same namespace
def ss_set(name):
    out = set()
    for line in open(f"{T}/{name}"):
        c = line.split()
        out.add((c[0], int(c[4].rsplit(":", 1)[1])))
    return out
before, after = ss_set("ss.before"), ss_set("ss.after")
got = {(e["proto"], e["port"]) for e in lst}
ok("listening/inventory-equals-ss", got == before == after,
   f"inventory {sorted(got)} ss before {sorted(before)} after {sorted(after)}")
pids_ss = set(int(p) for p in re.findall(r"pid=(\d+)", open(f"{T}/ss.after").read()))
ok("listening/inventory-pids-equal-ss", {e["pid"] for e in lst} == pids_ss,
   f"inventory pids {sorted(e['pid'] for e in lst)} ss pids {sorted(pids_ss)}")

def events(name, proto, port):
    return [i for i, r in enumerate(recs) if r["type"] == "event" and r["event"] == name
            and r["proto"] == proto and r["port"] == port]
for proto, port in (("tcp", f["p_tcp"]), ("udp", f["p_udp"])):
    op, cl = events("listener_opened", proto, port), events("listener_closed", proto, port)
    ok(f"listening/{proto}-opened-then-closed", len(op) == 1 and len(cl) == 1 and op[0] < cl[0],
       f"{proto} {port}: opened at {op}, closed at {cl}")
    for i in op + cl:
        e = recs[i]
        ok(f"listening/{proto}-{e['event']}-fields",
           e["pid"] == f["late"] and e["comm"] == "python3" and e["address"] == "127.0.0.1",
           f"want pid {f['late']} 127.0.0.1: {e}")
others = [r for r in recs if r["type"] == "event" and r["event"].startswith("listener_")
          and r["port"] not in (f["p_tcp"], f["p_udp"])]
ok("listening/no-other-events", not others, f"events for sockets nobody opened or closed: {others}")

# the counts: 2 TCP before, 3 while the late one listened, 1 UDP while bound; nothing else
m = [r["network"]["listening"] for r in recs if r["type"] == "metrics"]
pairs = {(x["tcp"], x["udp"]) for x in m}
ok("listening/counts", {(3, 0), (2, 1)} <= pairs <= {(2, 0), (3, 0), (2, 1)},
   f"(tcp, udp) seen: {sorted(pairs)}")
ok("listening/all-attributed", all(x["without_process"] == 0 and x["left_out"] == 0 for x in m),
   f"{m}")
PYEOF
