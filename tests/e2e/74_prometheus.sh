#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# /metrics against independent oracles: the kernel's own counters read just before and after a scrape
# (a counter of the latest sample must lie between them), promtool check metrics, the shipped rules'
# promtool unit tests, and a real Prometheus scraping corewatch every second that answers every PromQL
# target of configs/grafana/corewatch.json with a non-empty result.
. "$(dirname "$0")/lib.sh"

check "prometheus/rules-unit-tests" promtool test rules configs/prometheus/corewatch-rules.test.yml

port=$($PY tests/tools/free_port.py)
# lo is left out by default, but its counters are this test's oracle (traffic the test can make)
"${CW[@]}" -i 1s --listen "$port" --interfaces-exclude 'veth*' >"$T/cw.out" 2>"$T/cw.err" &
pids+=($!)
wait_lines "$T/cw.out" 2 15 || fail "prometheus/agent-starts" "$(tail -3 "$T/cw.err")"
# block I/O for the eBPF latency histogram (and the disk counters) to have samples
dd if=/dev/zero of="$T/io" bs=64k count=64 oflag=direct status=none 2>/dev/null || true
sleep 2

export PORT=$port
pycheck "prometheus/kernel-oracle" "$T" <<'PYEOF'
import os, re, sys, time, urllib.request
port = os.environ["PORT"]
hz = os.sysconf("SC_CLK_TCK")
def kernel():
    k = {}
    for l in open("/proc/stat"):
        f = l.split()
        if f[0] == "cpu0":
            k['cpu_seconds_total{cpu="0",mode="user"}'] = int(f[1]) / hz
            k['cpu_seconds_total{cpu="0",mode="idle"}'] = int(f[4]) / hz
        elif f[0] == "ctxt":
            k["context_switches_total"] = int(f[1])
        elif f[0] == "processes":
            k["forks_total"] = int(f[1])
    k['network_receive_bytes_total{device="lo"}'] = int(open("/sys/class/net/lo/statistics/rx_bytes").read())
    k['network_transmit_packets_total{device="lo"}'] = int(open("/sys/class/net/lo/statistics/tx_packets").read())
    for l in open("/proc/diskstats"):
        f = l.split()
        if f[2] == "vda" or re.fullmatch(r"(sd[a-z]|nvme\d+n\d+|vd[a-z])", f[2]) and "disk" not in k:
            k["disk"] = f[2]
            k['disk_reads_completed_total{device="%s"}' % f[2]] = int(f[3])
            k['disk_written_bytes_total{device="%s"}' % f[2]] = int(f[9]) * 512
            break
    k.pop("disk", None)
    try:
        some = open("/proc/pressure/cpu").readline()
        k["pressure_cpu_waiting_seconds_total"] = int(some.split("total=")[1]) / 1e6
    except OSError:
        pass
    return k
def scrape():
    return urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
before = kernel()
time.sleep(2.2)  # the agent samples every second: its latest sample is newer than `before`
text = scrape()
after = kernel()
m = {}
for l in text.splitlines():
    if l and not l.startswith("#"):
        name, v = l.rsplit(" ", 1)
        m[name[len("corewatch_"):]] = float(v)
for key in before:
    got = m.get(key)
    if got is None:
        print(f"FAIL prometheus/oracle-{key}: not in /metrics")
        continue
    lo, hi = before[key], after[key]
    print(f"INFO {key}: kernel before {lo} after {hi}, corewatch {got} (after - corewatch = {hi - got:.6g})")
    ok = lo - 1e-6 <= got <= hi + 1e-6 and (hi > lo or abs(got - lo) <= 1e-6)
    print(("PASS" if ok else "FAIL") + f" prometheus/oracle-{key}" + ("" if ok else f": {got} not in [{lo}, {hi}]"))
# every counter is named _total, nothing per interval is left
types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M))
bad = [n for n, t in types.items() if t == "counter" and not n.endswith("_total")]
bad += [n for n in types if "per_second" in n or "per_interval" in n or n.endswith("_ratio") and "cpu" in n]
print(("PASS" if not bad else "FAIL") + " prometheus/counters-named-total-no-rates" + ("" if not bad else ": " + " ".join(bad)))
n = sum(1 for n, t in types.items() if t == "counter")
print(f"INFO {n} counter families, {len(types)} families, {len(text.splitlines())} lines")
ok = 'cpu_seconds_total{cpu="1",mode="user"}' in m or os.cpu_count() == 1
print(("PASS" if ok else "FAIL") + " prometheus/cpu-seconds-per-cpu")
open(sys.argv[1] + "/metrics.txt", "w").write(text)
PYEOF

# promtool: clean but for the camelCase of the names node_exporter itself uses (meminfo, netstat)
other=$(promtool_lint "$T/metrics.txt")
[ -z "$other" ] && [ -s "$T/metrics.txt" ] && pass "prometheus/promtool-check-metrics" ||
	fail "prometheus/promtool-check-metrics" "$(echo "$other" | head -5 | tr '\n' ' ')"

# docs/metrics.md lists every family the endpoint serves
missing=$(grep '^# TYPE ' "$T/metrics.txt" | awk '{print $3}' | while read -r f; do
	grep -q "^| \`$f\` |" docs/metrics.md || echo "$f"
done)
[ -z "$missing" ] && pass "prometheus/every-family-documented" ||
	fail "prometheus/every-family-documented" "not in docs/metrics.md: $(echo $missing)"

# a real Prometheus, the dashboard's queries
pport=$($PY tests/tools/free_port.py)
cat >"$T/prom.yml" <<EOF2
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: corewatch
    static_configs:
      - targets: ['127.0.0.1:$port']
EOF2
prometheus --config.file="$T/prom.yml" --storage.tsdb.path="$T/tsdb" --web.listen-address="127.0.0.1:$pport" \
	>"$T/prometheus.log" 2>&1 &
pids+=($!)
# more I/O and TCP connections while it scrapes, so that rate() over the window sees them change
(for i in 1 2 3 4 5 6; do dd if=/dev/zero of="$T/io$i" bs=64k count=32 oflag=direct status=none 2>/dev/null; sleep 1; done) &
pids+=($!)
sleep 12
export PPORT=$pport INSTANCE="127.0.0.1:$port"
pycheck "prometheus/dashboard" configs/grafana/corewatch.json <<'PYEOF'
import json, os, sys, urllib.parse, urllib.request
base = "http://127.0.0.1:%s/api/v1/" % os.environ["PPORT"]
inst = os.environ["INSTANCE"]
d = json.load(open(sys.argv[1]))
names = [v["name"] for v in d["templating"]["list"]]
print(("PASS" if "instance" in names and "datasource" in names else "FAIL") + " prometheus/dashboard-variables" +
      ("" if "instance" in names and "datasource" in names else ": %s" % names))
# the $instance variable's own query: label_values(corewatch_build_info, instance)
vals = json.load(urllib.request.urlopen(base + "label/instance/values?" +
        urllib.parse.urlencode({"match[]": "corewatch_build_info"}), timeout=5))["data"]
print(("PASS" if inst in vals else "FAIL") + " prometheus/dashboard-instance-values" + ("" if inst in vals else ": %s" % vals))
n = bad = 0
for p in d["panels"]:
    for t in p.get("targets", []):
        expr = t["expr"].replace("$instance", inst).replace("$__rate_interval", "10s").replace("$__interval", "2s")
        n += 1
        try:
            r = json.load(urllib.request.urlopen(base + "query?" + urllib.parse.urlencode({"query": expr}), timeout=10))
            res = r["data"]["result"]
            err = None if res else "empty result"
        except urllib.error.HTTPError as e:
            err = e.read().decode()[:200]
        if err:
            bad += 1
            print(f"FAIL prometheus/dashboard-query {p['title']!r} {t['refId']}: {err}: {expr}")
print(f"INFO {n} dashboard queries, {bad} failed")
print(("PASS" if n >= 40 and bad == 0 else "FAIL") + " prometheus/dashboard-queries-answer" + ("" if bad == 0 else f": {bad} of {n}"))
PYEOF
