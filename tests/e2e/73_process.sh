# SPDX-License-Identifier: GPL-2.0-only
# GET /api/v1/process/PID against /proc read by the test itself: a sleep's comm, ppid, state,
# threads, rss, fds and start time; a busy loop's cpu_pct against its utime+stime over the same
# interval, from the eBPF task data and (--no-bpf) from the endpoint's own tracking; 404 for a dead
# pid, 400 for malformed ones, 401 without the token.
. tests/e2e/lib.sh

printf 'abcdefghijklmnop0123456789\n' >"$T/token"
chmod 600 "$T/token"
sleep 300 &
sl=$!
pids+=($sl)
sh -c 'while :; do :; done' &
busy=$!
pids+=($busy)
# a pid that has exited (not killed: a child killed before its exec would run this shell's trap)
true &
dead=$!
wait $dead

for mode in bpf nobpf; do
	extra=()
	[ $mode = nobpf ] && extra=(--no-bpf)
	[ $mode = bpf ] && ! need_root process/bpf && continue
	port=$($PY tests/tools/free_port.py)
	"${CW[@]}" "${extra[@]}" -i 1s --listen "127.0.0.1:$port" --listen-token-file "$T/token" \
		>"$T/out.$mode" 2>"$T/err.$mode" &
	cw=$!
	pids+=($cw)
	wait_lines "$T/out.$mode" 2 15 || fail "process/$mode/started" "$(tail -3 "$T/err.$mode")"
	MODE=$mode PORT=$port SLEEP=$sl BUSY=$busy DEAD=$dead pycheck process/$mode "$T/out.$mode" <<'PYEOF'
import json, os, sys, time, urllib.request, urllib.error, datetime
mode, port = os.environ["MODE"], int(os.environ["PORT"])
sl, busy, dead = (int(os.environ[k]) for k in ("SLEEP", "BUSY", "DEAD"))
tok = "abcdefghijklmnop0123456789"
hz, page = os.sysconf("SC_CLK_TCK"), os.sysconf("SC_PAGESIZE")
def res(name, ok, why):
    print(f"PASS process/{mode}/{name}" if ok else f"FAIL process/{mode}/{name}: {why}")
def get(path, token=True):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if token:
        req.add_header("Authorization", "Bearer " + tok)
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
def stat(pid):
    s = open(f"/proc/{pid}/stat").read()
    return s[s.rindex(")") + 2:].split()  # [0] is field 3
btime = next(int(l.split()[1]) for l in open("/proc/stat") if l.startswith("btime "))
def records():
    return sum(1 for _ in open(sys.argv[1]))
def next_record():
    n = records()
    for _ in range(100):
        time.sleep(0.02)
        if records() > n:
            return
    raise SystemExit("no record for 2 s")

code, body = get(f"/api/v1/process/{sl}")
res("sleep-200", code == 200, f"{code} {body}")
o = json.loads(body)
st = stat(sl)
comm = open(f"/proc/{sl}/comm").read().strip()
res("comm", o["name"] == comm and o["cmdline"] == ["sleep", "300"], f"{o['name']} {o['cmdline']} vs {comm}")
res("ppid", o["ppid"] == int(st[1]), f"{o['ppid']} vs {st[1]}")
res("state", o["state"] == st[0], f"{o['state']} vs {st[0]}")
res("threads", o["threads"] == int(st[17]), f"{o['threads']} vs {st[17]}")
rss = int(open(f"/proc/{sl}/statm").read().split()[1]) * page
res("rss", abs(o["rss_bytes"] - rss) <= page, f"{o['rss_bytes']} vs {rss}")
nfd = len(os.listdir(f"/proc/{sl}/fd"))
res("fds", o["fds"] == nfd and o["fds_truncated"] is False, f"{o['fds']} vs {nfd}")
start = btime + int(st[19]) / hz
got = datetime.datetime.fromisoformat(o["start_time"].replace("Z", "+00:00")).timestamp()
res("start-time", abs(got - start) <= 1, f"{o['start_time']} vs {start}")
res("uid", o["uid"] == os.stat(f"/proc/{sl}").st_uid, f"{o['uid']}")
cg = next(l[3:].strip() for l in open(f"/proc/{sl}/cgroup") if l.startswith("0::"))
res("cgroup", o["cgroup"] == cg and o["cgroup_name"], f"{o['cgroup']} vs {cg}")
if mode == "nobpf":
    res("no-runqueue-without-bpf", o["runqueue_wait_pct"] is None, f"{o['runqueue_wait_pct']}")

# the busy loop: asked once (starts the tracking without eBPF), then two records and a measured one
get(f"/api/v1/process/{busy}")
next_record(); next_record(); next_record()
t0 = sum(int(x) for x in stat(busy)[11:13])
next_record()
t1 = sum(int(x) for x in stat(busy)[11:13])
code, body = get(f"/api/v1/process/{busy}")
o = json.loads(body)
want = 100.0 * (t1 - t0) / hz  # over one 1 s interval
print(f"INFO {mode}: busy cpu_pct {o['cpu_pct']} ({o.get('cpu_source')}) vs /proc {want:.1f}, runqueue_wait_pct {o['runqueue_wait_pct']}")
res("busy-cpu-pct", o["cpu_pct"] is not None and abs(o["cpu_pct"] - want) <= 10, f"{o['cpu_pct']} vs {want:.1f}")
res("cpu-source", o.get("cpu_source") == ("ebpf" if mode == "bpf" else "proc"), f"{o.get('cpu_source')}")
if mode == "bpf":
    res("runqueue-wait", isinstance(o["runqueue_wait_pct"], (int, float)), f"{o['runqueue_wait_pct']}")

code, body = get(f"/api/v1/process/{dead}")
res("dead-404", code == 404 and "error" in json.loads(body), f"{code} {body}")
for bad in ["12x", "-1", "", "99999999999999999999", "%2B1", "%201"]:
    code, body = get(f"/api/v1/process/{bad}")
    res(f"bad-400-{bad or 'empty'}", code == 400 and "error" in json.loads(body), f"{code} {body}")
code, _ = get(f"/api/v1/process/{sl}", token=False)
res("no-token-401", code == 401, f"{code}")
req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/process/{sl}", method="POST", data=b"")
req.add_header("Authorization", "Bearer " + tok)
try:
    urllib.request.urlopen(req, timeout=5); code, allow = 200, None
except urllib.error.HTTPError as e:
    code, allow = e.code, e.headers.get("Allow")
res("post-405", code == 405 and allow and "GET" in allow, f"{code} {allow}")
PYEOF
	kill -TERM $cw
	wait $cw
	check process/$mode/clean-exit test $? -eq 0
done
