# SPDX-License-Identifier: GPL-2.0-only
# The service: sd_notify (READY, STATUS, WATCHDOG, RELOADING, STOPPING) on a socket of ours,
# capabilities dropped after attach, the unit checked by systemd-analyze (exposure printed),
# make install into a DESTDIR, the man pages, the Prometheus endpoint (promtool, a real Prometheus),
# and the rsyslog sample with Debian's rsyslog.
. tests/e2e/lib.sh

# ---- sd_notify and capabilities ----
if need_root "service/notify"; then
	$PY tests/tools/notify_sink.py "$T/notify.sock" "$T/notify.log" 8 &
	sink=$!
	for ((i = 0; i < 50; i++)); do [ -S "$T/notify.sock" ] && break; sleep 0.05; done
	NOTIFY_SOCKET="$T/notify.sock" WATCHDOG_USEC=1000000 "${CW[@]}" -i 1s >"$T/svc.out" 2>"$T/svc.err" &
	cw=$!
	wait_grep "$T/notify.log" 'READY=1' 15
	caps=$(awk '/^CapEff/ {print $2}' /proc/$cw/status)
	bnd=$(awk '/^CapBnd/ {print $2}' /proc/$cw/status)
	sleep 2.2
	kill -HUP $cw
	sleep 0.5
	kill -TERM $cw
	wait $cw
	rc=$?
	wait $sink
	[ "$caps" = 0000000000000004 ] && [ "$bnd" = 0000000000000004 ] && pass "service/capabilities-dropped-after-attach" ||
		fail "service/capabilities-dropped-after-attach" "CapEff=$caps CapBnd=$bnd"
	pycheck service/notify "$T" <<PYEOF
import json, sys
T = sys.argv[1]
def check(name, ok, why=""):
    print(f"PASS {name}" if ok else f"FAIL {name}: {why}")
msgs = [json.loads(l) for l in open(f"{T}/notify.log")]
texts = [m["msg"] for m in msgs]
ready = [i for i, t in enumerate(texts) if t.startswith("READY=1")]
status = [t for t in texts if t.startswith("STATUS=")]
check("service/notify-ready-once-then-after-reload", len(ready) == 2 and "MAINPID=$cw" in texts[ready[0]], texts)
recs = [json.loads(l) for l in open(f"{T}/svc.out")]
# READY comes after the eBPF programs are attached: the first STATUS already counts them.
check("service/notify-status", status and status[0].startswith("STATUS=sampling every 1s, ")
      and " bpf programs, 0 dropped, 0 lost to full maps, 0 alerts firing" in status[0] and not status[0].startswith("STATUS=sampling every 1s, 0 bpf"), status)
wd = [m["t"] for m in msgs if m["msg"] == "WATCHDOG=1"]
gaps = [b - a for a, b in zip(wd, wd[1:])]
check("service/notify-watchdog-at-half-period", len(wd) >= 5 and all(0.3 < g < 0.75 for g in gaps), gaps)
rl = [i for i, t in enumerate(texts) if t == "RELOADING=1"]
check("service/notify-reloading", len(rl) == 1 and ready[1] > rl[0], texts)
check("service/notify-stopping", texts[-1] == "STOPPING=1" and $rc == 0, texts[-3:])
PYEOF
fi

# ---- the unit ----
if command -v systemd-analyze >/dev/null; then
	sed "s|/usr/local/sbin/corewatch|$COREWATCH|g" configs/corewatch.service >"$T/corewatch.service"
	check "service/unit-verify-clean" systemd-analyze verify --man=no "$T/corewatch.service"
	exposure=$(systemd-analyze security --offline=true "$T/corewatch.service" 2>&1 |
		sed -n 's/.*Overall exposure level for corewatch.service: \([0-9.]*\).*/\1/p')
	echo "  systemd-analyze security exposure: ${exposure:-?}"
	# 2.4 until the hooks ran as nobody (CAP_SETUID/SETGID/KILL: 0.4), the capabilities became
	# ambient ones under SecureBits=noroot (0.1) and the maintenance child could lower its priority
	# (setpriority from @resources: 0.2)
	[ -n "$exposure" ] && awk -v e="$exposure" 'BEGIN { exit !(e <= 3.0) }' &&
		pass "service/unit-exposure-at-most-3.0 ($exposure)" || fail "service/unit-exposure-at-most-3.0" "exposure ${exposure:-unknown}"
	grep -q '^Type=notify$' configs/corewatch.service && grep -q '^WatchdogSec=' configs/corewatch.service &&
		grep -q '^ExecStartPre=/usr/local/sbin/corewatch --check-config' configs/corewatch.service &&
		grep -q '^ExecReload=/bin/kill -HUP \$MAINPID$' configs/corewatch.service &&
		pass "service/unit-notify-watchdog-reload" || fail "service/unit-notify-watchdog-reload" "unit lacks a setting"
else
	skip_or_fail "service/unit" "no systemd-analyze"
fi

# ---- make install / uninstall into a DESTDIR ----
D="$T/dest"
BUILD=${BUILD:-build}
san=0
case "$BUILD" in */san) san=1 ;; esac
make -s install DESTDIR="$D" PREFIX=/usr BUILD="$BUILD" SANITIZE=$san >"$T/install.log" 2>&1
want="/usr/sbin/corewatch /usr/lib/systemd/system/corewatch.service /etc/corewatch/corewatch.conf
/usr/share/man/man8/corewatch.8 /usr/share/man/man5/corewatch.conf.5 /usr/share/doc/corewatch/README.md
/usr/share/doc/corewatch/operations.md /usr/share/doc/corewatch/corewatch.schema.json
/usr/share/doc/corewatch/shippers/rsyslog-corewatch.conf /usr/share/doc/corewatch/prometheus/corewatch-rules.yml"
missing=""
for f in $want; do [ -f "$D$f" ] || missing="$missing $f"; done
[ -z "$missing" ] && [ -x "$D/usr/sbin/corewatch" ] && grep -q '^ExecStart=/usr/sbin/corewatch ' "$D/usr/lib/systemd/system/corewatch.service" &&
	[ "$(stat -c %a "$D/etc/corewatch/corewatch.conf")" = 640 ] &&
	pass "service/install-tree" || fail "service/install-tree" "missing:$missing $(tail -3 "$T/install.log")"
echo "# local change" >>"$D/etc/corewatch/corewatch.conf"
make -s install DESTDIR="$D" PREFIX=/usr BUILD="$BUILD" SANITIZE=$san >"$T/install2.log" 2>&1
grep -q '^# local change' "$D/etc/corewatch/corewatch.conf" && grep -q keeping "$T/install2.log" &&
	pass "service/install-keeps-config" || fail "service/install-keeps-config" "config overwritten"
make -s uninstall DESTDIR="$D" PREFIX=/usr >/dev/null 2>&1
left=$(cd "$D" && find . -type f | sort | tr '\n' ' ')
[ "$left" = "./etc/corewatch/corewatch.conf " ] && pass "service/uninstall" || fail "service/uninstall" "left: $left"

# ---- man pages: render without warnings, document every option ----
for page in docs/man/corewatch.8 docs/man/corewatch.conf.5; do
	out=$(LC_ALL=C.UTF-8 groff -ww -b -z -man -Tutf8 "$page" 2>&1)
	[ -z "$out" ] && MANWIDTH=80 man -l "$page" >/dev/null 2>"$T/man.err" && [ ! -s "$T/man.err" ] &&
		pass "service/man-renders-clean $(basename "$page")" || fail "service/man-renders-clean $(basename "$page")" "$out $(cat "$T/man.err")"
done
undoc=""
for opt in $("$COREWATCH" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
	MANWIDTH=200 man -l docs/man/corewatch.8 2>/dev/null | grep -q -- "$opt" || undoc="$undoc $opt"
done
[ -z "$undoc" ] && pass "service/man-documents-every-option" || fail "service/man-documents-every-option" "$undoc"

# ---- the Prometheus endpoint ----
port=$($PY tests/tools/free_port.py)
printf 'abcdefghijklmnop0123456789\n' >"$T/token"
chmod 600 "$T/token"
"${CW[@]}" -i 1s --listen "$port" --listen-token-file "$T/token" >"$T/ep.out" 2>"$T/ep.err" &
ep=$!
pids+=($ep)
wait_lines "$T/ep.out" 3 15
get() { # get PATH [TOKEN] -> "CODE BODYFILE"
	$PY - "$port" "$1" "${2:-}" "$T/body" <<'PYEOF'
import sys, urllib.request, urllib.error
port, path, token, out = sys.argv[1:5]
req = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
if token:
    req.add_header("Authorization", f"Bearer {token}")
try:
    r = urllib.request.urlopen(req, timeout=5)
    code, body = r.status, r.read()
except urllib.error.HTTPError as e:
    code, body = e.code, e.read()
open(out, "wb").write(body)
print(code)
PYEOF
}
tok=abcdefghijklmnop0123456789
[ "$(get /metrics)" = 401 ] && [ "$(get /metrics wrong-token-wrong-token)" = 401 ] && pass "service/endpoint-token-required" ||
	fail "service/endpoint-token-required" "no 401 without the token"
[ "$(get /healthz)" = 200 ] && pass "service/endpoint-healthz" || fail "service/endpoint-healthz" "$(cat "$T/body")"
[ "$(get /nope "$tok")" = 404 ] && pass "service/endpoint-404" || fail "service/endpoint-404" "$(cat "$T/body")"
code=$(get /api/v1/snapshot "$tok")
cp "$T/body" "$T/snapshot.json"
echo >>"$T/snapshot.json"
[ "$code" = 200 ] && $PY "$VALIDATE" "$SCHEMA" "$T/snapshot.json" >/dev/null 2>&1 &&
	grep -q '"type":"metrics"' "$T/snapshot.json" && pass "service/endpoint-snapshot-is-a-valid-record" ||
	fail "service/endpoint-snapshot-is-a-valid-record" "code=$code $(head -c 200 "$T/snapshot.json")"
code=$(get /metrics "$tok")
cp "$T/body" "$T/metrics.txt"
if [ "$code" = 200 ] && command -v promtool >/dev/null; then
	lint=$(promtool_lint "$T/metrics.txt")
	[ -z "$lint" ] && pass "service/endpoint-promtool-check-metrics" ||
		fail "service/endpoint-promtool-check-metrics" "$(echo "$lint" | head -5 | tr '\n' ' ')"
	grep -q '^corewatch_runqueue_latency_seconds_bucket{le="+Inf"} [1-9]' "$T/metrics.txt" &&
		grep -q '^corewatch_memory_MemTotal_bytes [1-9]' "$T/metrics.txt" &&
		pass "service/endpoint-metrics-have-values" || fail "service/endpoint-metrics-have-values" "$(head -c 300 "$T/metrics.txt")"
else
	skip_or_fail "service/endpoint-promtool-check-metrics" "code=$code or no promtool (Debian's prometheus)"
fi
if command -v prometheus >/dev/null; then
	pport=$($PY tests/tools/free_port.py)
	cat >"$T/prom.yml" <<EOF
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: corewatch
    authorization:
      type: Bearer
      credentials_file: $T/token
    static_configs:
      - targets: ['127.0.0.1:$port']
EOF
	prometheus --config.file="$T/prom.yml" --storage.tsdb.path="$T/tsdb" --web.listen-address="127.0.0.1:$pport" \
		>"$T/prometheus.log" 2>&1 &
	pids+=($!)
	ok=""
	for ((i = 0; i < 300; i++)); do
		ok=$($PY - "$pport" <<'PYEOF' 2>/dev/null
import json, sys, urllib.request
q = "http://127.0.0.1:%s/api/v1/query?query=corewatch_memory_MemTotal_bytes" % sys.argv[1]
r = json.load(urllib.request.urlopen(q, timeout=2))
res = r["data"]["result"]
if res and float(res[0]["value"][1]) > 0 and res[0]["metric"]["job"] == "corewatch":
    print(res[0]["value"][1])
PYEOF
)
		[ -n "$ok" ] && break
		sleep 0.1
	done
	total=$(($(awk '/^MemTotal/ {print $2}' /proc/meminfo) * 1024))
	[ -n "$ok" ] && [ "${ok%.*}" = "$total" ] && pass "service/prometheus-scrapes-and-queries" ||
		fail "service/prometheus-scrapes-and-queries" "got '$ok' want $total: $(tail -3 "$T/prometheus.log" | tr '\n' ' ')"
else
	skip_or_fail "service/prometheus-scrapes-and-queries" "no prometheus (Debian's prometheus)"
fi
check "service/prometheus-sample-rules-valid" promtool check rules configs/prometheus/corewatch-rules.yml
# Clients that send half a request and hang, or never read a reply, do not hold the loop up.
$PY - "$port" "$T/ep.out" <<'PYEOF2' | report
import json, socket, sys, time
port, out = int(sys.argv[1]), sys.argv[2]
socks = []
for i in range(20):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=2)
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n" if i % 2 else
                  b"GET /metrics HTTP/1.1\r\nAuthorization: Bearer abcdefghijklmnop0123456789\r\n\r\n")
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        socks.append(s)
    except OSError:
        pass
n0 = sum(1 for _ in open(out))
time.sleep(3.5)
recs = [json.loads(l) for l in open(out)][n0:]
m = [r for r in recs if r["type"] == "metrics"]
late = [r["time"] for r in m if int(r["time"][20:23]) > 150]
print("PASS service/endpoint-stuck-clients-never-delay-records" if len(m) >= 3 and not late
      else f"FAIL service/endpoint-stuck-clients-never-delay-records: {len(m)} records, late {late}")
PYEOF2
kill -TERM $ep
wait $ep

# ---- rsyslog with the shipped sample ----
if command -v rsyslogd >/dev/null; then
	mkdir -p "$T/logs" "$T/rsyslog"
	# The sample as shipped, pointed at a temp dir, forwarding into a file instead of a server.
	cat >"$T/rsyslog.conf" <<EOF
global(workDirectory="$T/rsyslog")
template(name="corewatch_fields" type="string" string="%\$!type% %\$!memory!used_pct% %\$!host%\n")
EOF
	sed -e "s|/var/log/corewatch/|$T/logs/|" \
		-e "s|^\(    \)action(type=\"omfwd\".*|\1action(type=\"omfile\" file=\"$T/parsed.json\" template=\"corewatch_json\")\n\1action(type=\"omfile\" file=\"$T/fields.txt\" template=\"corewatch_fields\")|" \
		configs/shippers/rsyslog-corewatch.conf >>"$T/rsyslog.conf"
	grep -q "fields.txt" "$T/rsyslog.conf" || fail "service/rsyslog-sample-shape" "the sample has no omfwd action line to redirect"
	rsyslogd -n -f "$T/rsyslog.conf" -i "$T/rsyslog.pid" >"$T/rsyslog.log" 2>&1 &
	rs=$!
	pids+=($rs)
	sleep 1
	"${CW[@]}" --no-bpf -n 3 -i 200ms --log-dir "$T/logs" 2>/dev/null
	wait_grep "$T/fields.txt" '^metrics [0-9.]+ ' 15
	pycheck service/rsyslog "$T" <<'PYEOF'
import glob, json, sys
T = sys.argv[1]
src = [json.loads(l) for f in glob.glob(f"{T}/logs/*.log") for l in open(f)]
want = [f"{r['type']} {r['memory']['used_pct']} {r['host']}" for r in src if r["type"] == "metrics"]
try:
    got = open(f"{T}/fields.txt").read().split("\n")
except FileNotFoundError:
    got = []
ok = want and all(w in got for w in want)
print("PASS service/rsyslog-parses-fields" if ok else f"FAIL service/rsyslog-parses-fields: want {want} got {got[:5]}")
try:
    parsed = [json.loads(l) for l in open(f"{T}/parsed.json")]
except Exception as e:
    parsed = []
ok = any(p.get("type") == "metrics" and p.get("memory", {}).get("used_pct") == src[-1]["memory"]["used_pct"] for p in parsed)
print("PASS service/rsyslog-forwards-parsed-json" if ok else f"FAIL service/rsyslog-forwards-parsed-json: {str(parsed)[:200]}")
PYEOF
	kill $rs 2>/dev/null
else
	skip_or_fail "service/rsyslog" "no rsyslogd (Debian's rsyslog)"
fi
