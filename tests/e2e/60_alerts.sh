# SPDX-License-Identifier: GPL-2.0-only
# Alerts end to end: a CPU burner trips --cpu-threshold; the firing and resolved records reach the
# output, an exec hook, a loopback webhook, a loopback SMTP sink (aiosmtpd) and a real Alertmanager.
# Then targets that are stuck, refuse connections or hang never delay a record.
. tests/e2e/lib.sh

AM_BIN=/usr/bin/prometheus-alertmanager
host=$(hostname)

# ---- configuration errors: exit 2 with the rule and the column, nothing started ----
"${CW[@]}" --alert 'hot: cpu.busy > 90' --check-config >/dev/null 2>"$T/cfg.err"
rc=$?
if [ $rc -eq 2 ] && grep -q "^corewatch: error: --alert: 'hot: cpu.busy > 90': column 10: 'cpu' has no field 'busy'" "$T/cfg.err"; then
	pass "alerts/bad-rule-exit-2-with-column"
else
	fail "alerts/bad-rule-exit-2-with-column" "rc=$rc $(head -c 300 "$T/cfg.err")"
fi
printf 'interval = 1s\nalert = ok: memory.used_pct > 90\nalert = bad: memory.used_pct > 90 for ever\n' >"$T/rules.conf"
"$COREWATCH" -c "$T/rules.conf" --check-config >/dev/null 2>"$T/cfg.err"
rc=$?
if [ $rc -eq 2 ] && grep -q "rules.conf:3: alert: 'bad: memory.used_pct > 90 for ever': column 31: 'ever' is not a duration" "$T/cfg.err"; then
	pass "alerts/bad-rule-in-file-names-line"
else
	fail "alerts/bad-rule-in-file-names-line" "rc=$rc $(head -c 300 "$T/cfg.err")"
fi
for bad in "--alert-exec bin/hook" "--alert-webhook ftp://127.0.0.1/" "--alertmanager not-a-url"; do
	# shellcheck disable=SC2086
	"${CW[@]}" $bad --check-config >/dev/null 2>"$T/cfg.err"
	rc=$?
	[ $rc -eq 2 ] && grep -q "error: ${bad%% *}: " "$T/cfg.err" || { fail "alerts/bad-target-exit-2" "$bad: rc=$rc $(cat "$T/cfg.err")"; continue; }
	pass "alerts/bad-target-exit-2 ${bad%% *}"
done
# Rules that cannot fire say so: the shipped config's runqueue_slow under --no-bpf, at
# --check-config and in the running agent (at its first record and again after SIGHUP), and a
# selector no instance matches; the rules stay loaded.
"$COREWATCH" -c configs/corewatch.conf --no-bpf --check-config --quiet >/dev/null 2>"$T/unfed.err"
rc=$?
[ $rc = 0 ] && grep -q "warning: alert rule 'runqueue_slow' cannot fire: sched.runqueue_latency_us.p99 comes from eBPF, disabled by --no-bpf" "$T/unfed.err" &&
	pass "alerts/check-config-names-rule-that-cannot-fire" || fail "alerts/check-config-names-rule-that-cannot-fire" "rc=$rc $(cat "$T/unfed.err")"
printf 'alert = runqueue_slow: sched.runqueue_latency_us.p99 > 20000 for 5m\nalert = srv_full: filesystems{mount=/srv/none}.used_pct > 90\nalert = load: load.load1 > 1000\n' >"$T/unfed.conf"
"$COREWATCH" -c "$T/unfed.conf" --no-bpf -i 300ms >/dev/null 2>"$T/unfed.run" &
up=$!
wait_grep "$T/unfed.run" "srv_full" 5
kill -HUP $up
sleep 1
kill -TERM $up
wait $up
n_rq=$(grep -c "alert rule 'runqueue_slow' cannot fire: sched is not in the record (it comes from eBPF, disabled by --no-bpf); it stays loaded" "$T/unfed.run")
n_fs=$(grep -c "alert rule 'srv_full' cannot fire: filesystems{mount=/srv/none} is not in the record (no instance matches)" "$T/unfed.run")
n_load=$(grep -c "alert rule 'load'" "$T/unfed.run")
[ "$n_rq" = 2 ] && [ "$n_fs" = 2 ] && [ "$n_load" = 0 ] && pass "alerts/agent-names-rules-that-cannot-fire-at-start-and-sighup" ||
	fail "alerts/agent-names-rules-that-cannot-fire-at-start-and-sighup" "runqueue_slow told $n_rq, srv_full $n_fs, load $n_load times (want 2, 2, 0): $(grep -v 'cpu: no' "$T/unfed.run" | head -5)"
printf 'alert = fs: filesystems{mount=/}.used_pct > 95 for 1m severity critical\ncpu-threshold = 90\n' >"$T/list.conf"
"$COREWATCH" -c "$T/list.conf" --check-config >"$T/list.json" 2>&1
pycheck alerts/check-config "$T/list.json" <<'PYEOF'
import json, sys
c = json.load(open(sys.argv[1]))
got = [(a["name"], a["metric"], a["op"], a["threshold"], a["for_s"], a["severity"], a["per_instance"]) for a in c["alerts"]]
want = [("fs", "filesystems{mount=/}.used_pct", ">", 95, 60, "critical", True),
        ("cpu_high", "cpu.busy_pct", ">", 90, 0, "warning", False)]
print("PASS alerts/check-config-lists-rules" if got == want else f"FAIL alerts/check-config-lists-rules: {got}")
PYEOF

# ---- SIGHUP: an unchanged rule keeps its state, a removed one resolves, a new one starts ----
printf 'interval = 200ms\nalert = keep: cpu.idle_pct >= 0\nalert = drop: memory.used_pct >= 0\n' >"$T/hup.conf"
"$COREWATCH" -c "$T/hup.conf" --no-bpf >"$T/hup.out" 2>"$T/hup.err" &
hpid=$!
wait_grep "$T/hup.out" '"name":"drop","state":"firing"' 10
printf 'interval = 200ms\nalert = keep: cpu.idle_pct >= 0\nalert = new: memory.used_pct >= 0\n' >"$T/hup.conf"
kill -HUP $hpid
wait_grep "$T/hup.out" '"name":"new","state":"firing"' 10
kill -TERM $hpid
wait $hpid
got=$(grep -o '"name":"[a-z]*","state":"[a-z]*"\(,"reason":"[a-z_]*"\)\?' "$T/hup.out" | tr '\n' ' ')
want='"name":"keep","state":"firing" "name":"drop","state":"firing" "name":"drop","state":"resolved","reason":"rule_changed" "name":"new","state":"firing" '
[ "$got" = "$want" ] && pass "alerts/sighup-reloads-rules" || fail "alerts/sighup-reloads-rules" "$got"

# ---- per-CPU detail: a rule on it needs --per-cpu, at start (exit 2, one line, nothing started) and
# on SIGHUP (the reload is refused and the running config, cores included, stays) ----
"${CW[@]}" --no-bpf -n 1 -i 200ms --alert 'hot_core: cpu.cores.busy_pct > 95' >"$T/pc.out" 2>"$T/pc.err"
rc=$?
[ $rc = 2 ] && [ ! -s "$T/pc.out" ] && [ "$(wc -l <"$T/pc.err")" = 1 ] &&
	grep -q "^corewatch: error: alert rule 'hot_core': cpu.cores is per-CPU detail: add --per-cpu$" "$T/pc.err" &&
	pass "alerts/per-cpu-rule-needs-per-cpu" || fail "alerts/per-cpu-rule-needs-per-cpu" "rc=$rc $(cat "$T/pc.err")"
printf 'interval = 200ms\nper-cpu = true\nalert = hot_core: cpu.cores.busy_pct > 95\n' >"$T/pchup.conf"
"$COREWATCH" -c "$T/pchup.conf" --no-bpf >"$T/pchup.out" 2>"$T/pchup.err" &
hpid=$!
wait_lines "$T/pchup.out" 3 10
printf 'interval = 200ms\nalert = hot_core: cpu.cores.busy_pct > 95\n' >"$T/pchup.conf"
kill -HUP $hpid
sleep 0.6
n0=$(wc -l <"$T/pchup.out")
sleep 0.6
kill -TERM $hpid
wait $hpid
ncpu=$(nproc)
last=$($PY -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; m=[x for x in r if x["type"]=="metrics"]; print(len(m[-1]["cpu"].get("cores", [])))' "$T/pchup.out")
if grep -q "new configuration rejected, keeping the running one: alert rule 'hot_core': cpu.cores is per-CPU detail: add --per-cpu" "$T/pchup.err" &&
	[ "$(wc -l <"$T/pchup.out")" -gt "$n0" ] && [ "$last" = "$ncpu" ]; then
	pass "alerts/sighup-per-cpu-rule-refused"
else
	fail "alerts/sighup-per-cpu-rule-refused" "cores $last of $ncpu, $(tr '\n' ' ' <"$T/pchup.err" | head -c 300)"
fi

# ---- the receivers ----
if [ ! -x "$AM_BIN" ] || ! $PY -c 'import aiosmtpd' 2>/dev/null; then
	skip_or_fail "alerts/delivery" "needs prometheus-alertmanager and python3-aiosmtpd (make test-deps)"
	exit 0
fi
$PY tests/tools/http_sink.py "$T/wh.port" "$T/wh.log" &
pids+=($!)
smtp_port=$($PY tests/tools/free_port.py)
mkdir -p "$T/mail/new" "$T/mail/cur" "$T/mail/tmp"
$PY -m aiosmtpd -n -l "127.0.0.1:$smtp_port" -c aiosmtpd.handlers.Mailbox "$T/mail" >"$T/smtp.log" 2>&1 &
pids+=($!)
am_port=$($PY tests/tools/free_port.py)
cat >"$T/am.yml" <<'EOF'
route:
  receiver: blackhole
receivers:
  - name: blackhole
EOF
"$AM_BIN" --config.file="$T/am.yml" --storage.path="$T/am" --web.listen-address="127.0.0.1:$am_port" \
	--cluster.listen-address= >"$T/am.log" 2>&1 &
pids+=($!)
wh_port=$(port_file "$T/wh.port") || { fail "alerts/receivers-up" "webhook sink did not start"; exit 0; }
am_up=0
for ((i = 0; i < 100; i++)); do
	$PY -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$am_port/-/ready', timeout=1)" 2>/dev/null && { am_up=1; break; }
	sleep 0.1
done
[ $am_up = 1 ] || { fail "alerts/receivers-up" "alertmanager: $(tail -3 "$T/am.log" | tr '\n' ' ')"; exit 0; }
pass "alerts/receivers-up"

# The hook runs as nobody: it reaches its script through $T and writes into a directory of its own.
chmod 711 "$T"
mkdir -m 1777 "$T/hookd"
cat >"$T/hook" <<EOF
#!/bin/sh
printf 'env %s %s %s %s\n' "\$COREWATCH_ALERT_NAME" "\$COREWATCH_ALERT_STATE" "\$COREWATCH_ALERT_SEVERITY" "\$COREWATCH_ALERT_LABELS" >>"$T/hookd/hook.out"
# what it may do: who it is, its capabilities, where it runs, what it inherited, what it can touch
{
	printf 'priv uid=%s groups=%s cwd=%s ' "\$(id -u)" "\$(id -G)" "\$(pwd)"
	grep -E '^(CapInh|CapPrm|CapEff|CapAmb|NoNewPrivs):' /proc/self/status | tr -d '\t' | tr '\n' ' '
	cat /etc/shadow >/dev/null 2>&1 && printf 'shadow=read ' || printf 'shadow=denied '
	touch /etc/corewatch-hook-probe 2>/dev/null && printf 'etc=written ' || printf 'etc=denied '
	printf 'env=%s\n' "\$(env | cut -d= -f1 | grep -vxE 'PWD|OLDPWD|SHLVL|_' | sort | tr '\n' ,)"
} >>"$T/hookd/hook.out"
cat >>"$T/hookd/hook.out"
echo "hook saw \$COREWATCH_ALERT_STATE" >&2
EOF
chmod 755 "$T/hook"
for bad in root no-such-user-here; do
	"${CW[@]}" --alert-exec "$T/hook" --alert-exec-user "$bad" --check-config >/dev/null 2>"$T/cfg.err"
	rc=$?
	[ $rc -eq 2 ] && grep -q "error: --alert-exec-user: '$bad'" "$T/cfg.err" && pass "alerts/exec-user-refused $bad" ||
		fail "alerts/exec-user-refused $bad" "rc=$rc $(cat "$T/cfg.err")"
done
printf 'Authorization: Bearer s3cret-token\n' >"$T/wh.secret"
chmod 600 "$T/wh.secret"

# ---- a CPU burner trips --cpu-threshold ----
"${CW[@]}" --no-bpf -i 1s --cpu-threshold 70 --alert-exec "$T/hook" \
	--alert-webhook "http://127.0.0.1:$wh_port/corewatch" --alert-webhook-header 'X-Corewatch-Test: yes' \
	--alert-webhook-headers-file "$T/wh.secret" --alertmanager "http://127.0.0.1:$am_port/" \
	--alert-email ops@example.com --alert-email oncall@example.com \
	--smtp-url "smtp://127.0.0.1:$smtp_port" --smtp-from corewatch@localhost >"$T/out" 2>"$T/err" &
cw=$!
pids+=($cw)
wait_lines "$T/out" 3 10
burners=()
for _ in 1 2 3; do
	timeout 40 sh -c 'while :; do :; done' &
	burners+=($!)
done
wait_grep "$T/out" '"type":"alert".*"state":"firing"' 20 || fail "alerts/cpu-burner-fires" "no firing record: $(tail -c 300 "$T/err")"
# While firing, Alertmanager lists it through its own API.
for ((i = 0; i < 100; i++)); do
	$PY -c "import urllib.request as u; open('$T/am.json','wb').write(u.urlopen('http://127.0.0.1:$am_port/api/v2/alerts', timeout=1).read())" 2>/dev/null &&
		grep -q cpu_high "$T/am.json" && break
	sleep 0.1
done
kill "${burners[@]}" 2>/dev/null
wait "${burners[@]}" 2>/dev/null
wait_grep "$T/out" '"type":"alert".*"state":"resolved"' 20 || fail "alerts/cpu-burner-resolves" "no resolved record"
# deliveries of the resolved alert
for ((i = 0; i < 50; i++)); do
	[ "$(grep -c '^env' "$T/hookd/hook.out" 2>/dev/null)" -ge 2 ] && [ "$(wc -l <"$T/wh.log" 2>/dev/null)" -ge 2 ] &&
		[ "$(ls "$T/mail/new" 2>/dev/null | wc -l)" -ge 2 ] && break
	sleep 0.1
done
sleep 1.2 # one more record, whose agent section counts the deliveries
# the agent itself keeps CAP_DAC_READ_SEARCH, and for the hook's sake CAP_SETUID and CAP_SETGID
# (to become nobody) and CAP_KILL (to kill it at its timeout)
capeff=$(awk '/^CapEff:/ {print $2}' /proc/$cw/status)
[ "$capeff" = 00000000000000e4 ] && pass "alerts/agent-keeps-only-what-hooks-need" ||
	fail "alerts/agent-keeps-only-what-hooks-need" "CapEff $capeff"
kill -TERM $cw
wait $cw
rc=$?
[ $rc -eq 0 ] && pass "alerts/clean-exit" || fail "alerts/clean-exit" "rc=$rc"
$PY "$VALIDATE" "$SCHEMA" "$T/out" >"$T/valid" 2>&1 && pass "alerts/records-match-schema" ||
	fail "alerts/records-match-schema" "$(cat "$T/valid")"

pycheck alerts/delivery "$T" <<PYEOF
import email, glob, json, os, sys
T = sys.argv[1]
host = "$host"
def check(name, ok, why=""):
    print(f"PASS {name}" if ok else f"FAIL {name}: {why}")

recs = [json.loads(l) for l in open(f"{T}/out")]
alerts = [r for r in recs if r["type"] == "alert"]
states = [(a["name"], a["state"]) for a in alerts]
check("alerts/cpu-burner-fires-then-resolves", states == [("cpu_high", "firing"), ("cpu_high", "resolved")], states)
if len(alerts) == 2:
    f, r = alerts
    check("alerts/record-fields", f["metric"] == "cpu.busy_pct" and f["op"] == ">" and f["threshold"] == 70
          and f["value"] > 70 and f["severity"] == "warning" and f["labels"] == {} and f["for_s"] == 0
          and r["reason"] == "cleared" and r["value"] <= 70 and r["started_at"] == f["started_at"]
          and f["message"].startswith("CPU busy is ") and "(threshold 70%)" in f["message"], (f, r))

# exec hook: JSON on stdin and COREWATCH_ALERT_* in its environment, stderr logged
lines = open(f"{T}/hookd/hook.out").read().splitlines() if os.path.exists(f"{T}/hookd/hook.out") else []
import pwd
nobody = pwd.getpwnam("nobody")
privs = [dict(kv.split("=", 1) if "=" in kv else kv.split(":", 1) for kv in l.split()[1:]) for l in lines if l.startswith("priv ")]
want = {"uid": str(nobody.pw_uid), "groups": str(nobody.pw_gid), "cwd": "/", "CapInh": "0" * 16, "CapPrm": "0" * 16,
        "CapEff": "0" * 16, "CapAmb": "0" * 16, "NoNewPrivs": "1", "shadow": "denied", "etc": "denied"}
check("alerts/exec-hook-unprivileged", len(privs) == 2 and all({k: p.get(k) for k in want} == want for p in privs), privs)
keys = {"PATH"} | {f"COREWATCH_ALERT_{k}" for k in ("NAME", "STATE", "SEVERITY", "METRIC", "OP", "MESSAGE", "STARTED_AT",
                                                 "HOST", "REASON", "TIME", "VALUE", "THRESHOLD", "LABELS")}
check("alerts/exec-hook-clean-environment", privs and all(set(p["env"].strip(",").split(",")) == keys for p in privs),
      [p.get("env") for p in privs])
envs = [l for l in lines if l.startswith("env ")]
bodies = [json.loads(l) for l in lines if l.startswith("{")]
check("alerts/exec-hook-env", envs == ["env cpu_high firing warning {}", "env cpu_high resolved warning {}"], envs)
check("alerts/exec-hook-stdin-json", [b["state"] for b in bodies] == ["firing", "resolved"]
      and all(b["type"] == "alert" and b["host"] == host for b in bodies), bodies)
err = open(f"{T}/err").read()
check("alerts/exec-hook-output-logged", "hook saw firing" in err and "hook saw resolved" in err, err[-300:])

# webhook: the record as JSON, plain and secret headers
posts = [json.loads(l) for l in open(f"{T}/wh.log")] if os.path.exists(f"{T}/wh.log") else []
check("alerts/webhook-post", [json.loads(p["body"])["state"] for p in posts] == ["firing", "resolved"]
      and all(p["path"] == "/corewatch" for p in posts), posts)
check("alerts/webhook-headers", all(p["headers"].get("X-Corewatch-Test") == "yes"
      and p["headers"].get("Authorization") == "Bearer s3cret-token"
      and p["headers"].get("Content-Type") == "application/json" for p in posts) and posts, posts)
check("alerts/secret-not-in-args-or-log", "s3cret" not in err, "secret leaked to stderr")

# email through SMTP, one per state change, to both recipients
msgs = [email.message_from_binary_file(open(p, "rb")) for p in sorted(glob.glob(f"{T}/mail/new/*"))]
subjects = sorted(m["Subject"] for m in msgs)
want = sorted([f"[corewatch] FIRING warning cpu_high: {f['message']} on {host}",
               f"[corewatch] RESOLVED warning cpu_high: {r['message'][len('resolved: '):]} on {host}"])
check("alerts/email-sent", subjects == want and all(" is " in x for x in subjects), (subjects, want))
check("alerts/email-recipients", all(m["To"] == "ops@example.com, oncall@example.com"
      and m["From"] == "corewatch@localhost" and "CPU busy is" in m.get_payload() for m in msgs) and msgs,
      [str(m)[:300] for m in msgs])

# Alertmanager: the alert in its API, with our labels
try:
    am = json.load(open(f"{T}/am.json"))
except Exception as e:
    am = []
mine = [a for a in am if a["labels"].get("alertname") == "cpu_high"]
check("alerts/alertmanager-lists-alert", len(mine) == 1 and mine[0]["labels"].get("instance") == host
      and mine[0]["labels"].get("severity") == "warning" and mine[0]["labels"].get("job") == "corewatch"
      and mine[0]["annotations"].get("summary", "").startswith("CPU busy is"), am)

agent = [r["agent"] for r in recs if r["type"] == "metrics"][-1]
check("alerts/agent-counts-deliveries", agent["alerts_sent"] == 8 and agent["alert_delivery_errors"] == 0
      and agent["alerts_dropped"] == 0 and agent["alerts_firing"] == 0, agent)
PYEOF

# ---- stuck, refusing and slow targets never delay a record ----
$PY tests/tools/http_sink.py "$T/hang.port" "$T/hang.log" hang &
pids+=($!)
hang_port=$(port_file "$T/hang.port")
closed_port=$($PY tests/tools/free_port.py)
# It closes its output and keeps running: the agent must not spin on the pipe's end of file.
printf '#!/bin/sh\nexec sleep 30 >/dev/null 2>&1\n' >"$T/slowhook"
chmod 755 "$T/slowhook"
start=$(date +%s%N)
"${CW[@]}" --no-bpf -i 500ms -n 12 --alert 'always: cpu.idle_pct >= 0' --alert-repeat 500ms --alert-timeout 1s \
	--alert-exec "$T/slowhook" --alert-webhook "http://127.0.0.1:$hang_port/" \
	--alertmanager "http://127.0.0.1:$closed_port" >"$T/slow.out" 2>"$T/slow.err"
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
pycheck alerts/slow-targets "$T" <<PYEOF
import json, sys
T = sys.argv[1]
def check(name, ok, why=""):
    print(f"PASS {name}" if ok else f"FAIL {name}: {why}")
recs = [json.loads(l) for l in open(f"{T}/slow.out")]
m = [r for r in recs if r["type"] == "metrics"]
# Ticks fall on multiples of 500 ms: a record written late would show it in its time.
late = [r["time"] for r in m if int(r["time"][20:23]) % 500 > 150]
check("alerts/slow-targets-never-delay-records", len(m) == 12 and not late
      and all(r["agent"]["missed_intervals"] == 0 for r in m), (len(m), late))
check("alerts/slow-targets-exit-promptly", $rc == 0 and $ms < 12000, "rc=$rc after ${ms} ms")
a = m[-1]["agent"]
check("alerts/failures-counted", a["alert_delivery_errors"] >= 3 and a["alerts_firing"] == 1, a)
busy = max(r["agent"]["cpu_pct"] for r in m[2:])
check("alerts/stuck-hook-costs-no-cpu", busy < 20, f"agent at {busy}% of a core")
err = open(f"{T}/slow.err").read()
for what in ("alert-webhook: delivery failed", "alertmanager: delivery failed", "killing it"):
    check(f"alerts/failure-logged {what.split(':')[0]}", what in err, err[-400:])
check("alerts/failure-logged-once", err.count("alertmanager: delivery failed") == 1, err.count("alertmanager: delivery failed"))
check("alerts/repeat-resends", sum(1 for r in recs if r["type"] == "alert") >= 10, "too few repeats")
PYEOF

# ---- TLS: --ca-file decides whom alerts go to; smtp+starttls:// never sends in the clear ----
# A private CA signs the sinks' certificate for 127.0.0.1; a second CA signs nothing of theirs.
mkdir -p "$T/tls"
mkcert() { # mkcert NAME: a CA NAME.pem/NAME.key
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/tls/$1.key" \
		-out "$T/tls/$1.pem" -subj "/CN=corewatch test $1" -days 2 2>/dev/null
}
if ! mkcert ca || ! mkcert other ||
	! openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/tls/srv.key" \
		-out "$T/tls/srv.csr" -subj /CN=127.0.0.1 2>/dev/null ||
	! openssl x509 -req -in "$T/tls/srv.csr" -CA "$T/tls/ca.pem" -CAkey "$T/tls/ca.key" -CAcreateserial \
		-out "$T/tls/srv.pem" -days 2 -extfile <(printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n') 2>/dev/null; then
	fail "alerts/tls-certificates" "openssl could not make the test CA"
	exit 0
fi
$PY tests/tools/http_sink.py "$T/https.port" "$T/https.log" tls "$T/tls/srv.pem" "$T/tls/srv.key" &
pids+=($!)
$PY tests/tools/smtp_sink.py starttls "$T/starttls.port" "$T/starttls.log" "$T/tls/srv.pem" "$T/tls/srv.key" >"$T/starttls.err" 2>&1 &
pids+=($!)
$PY tests/tools/smtp_sink.py smtps "$T/smtps.port" "$T/smtps.log" "$T/tls/srv.pem" "$T/tls/srv.key" >"$T/smtps.err" 2>&1 &
pids+=($!)
$PY tests/tools/smtp_sink.py plain "$T/plain.port" "$T/plain.log" >"$T/plain.err" 2>&1 &
pids+=($!)
https_port=$(port_file "$T/https.port") && starttls_port=$(port_file "$T/starttls.port") &&
	smtps_port=$(port_file "$T/smtps.port") && plain_port=$(port_file "$T/plain.port") ||
	{ fail "alerts/tls-sinks-up" "$(cat "$T/starttls.err" "$T/smtps.err" "$T/plain.err" | tail -5)"; exit 0; }
printf 'mailer:pw-in-the-clear\n' >"$T/smtp.cred"
chmod 600 "$T/smtp.cred"
# tls_run NAME ARGS...: an always-firing rule for 4 records at 250 ms, delivered to ARGS
tls_run() {
	local name=$1
	shift
	"${CW[@]}" --no-bpf -i 250ms -n 4 --alert 'always: cpu.idle_pct >= 0' --alert-timeout 3s "$@" \
		>"$T/$name.out" 2>"$T/$name.err"
	echo $? >"$T/$name.rc"
}
tls_run ca --ca-file "$T/tls/ca.pem" --alert-webhook "https://127.0.0.1:$https_port/tls" \
	--alert-email ops@example.com --smtp-url "smtp+starttls://127.0.0.1:$starttls_port" --smtp-from corewatch@localhost
tls_run smtps --ca-file "$T/tls/ca.pem" --alert-email ops@example.com --smtp-url "smtps://127.0.0.1:$smtps_port" \
	--smtp-from corewatch@localhost
tls_run other --ca-file "$T/tls/other.pem" --alert-webhook "https://127.0.0.1:$https_port/other" \
	--alert-email ops@example.com --smtp-url "smtp+starttls://127.0.0.1:$starttls_port" --smtp-from other@localhost
tls_run system --alert-webhook "https://127.0.0.1:$https_port/system" \
	--alert-email ops@example.com --smtp-url "smtps://127.0.0.1:$smtps_port" --smtp-from system@localhost
tls_run required --ca-file "$T/tls/ca.pem" --alert-email ops@example.com --smtp-credentials-file "$T/smtp.cred" \
	--smtp-url "smtp+starttls://127.0.0.1:$plain_port" --smtp-from required@localhost
cp "$T/plain.log" "$T/plain.required.log" 2>/dev/null || : >"$T/plain.required.log"
# the control: smtp:// takes STARTTLS only when offered, and this server's log sees what that costs
tls_run opportunistic --alert-email ops@example.com --smtp-credentials-file "$T/smtp.cred" \
	--smtp-url "smtp://127.0.0.1:$plain_port" --smtp-from opportunistic@localhost
pycheck alerts/tls "$T" <<'PYEOF'
import base64, binascii, json, os, sys
T = sys.argv[1]
def check(name, ok, why=""):
    print(f"PASS {name}" if ok else f"FAIL {name}: {why}")
def b64(s):
    try:
        return base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError):
        return b""
def lines(p):
    return [json.loads(l) for l in open(p)] if os.path.exists(p) else []
def run(name):
    recs = lines(f"{T}/{name}.out")
    m = [r for r in recs if r["type"] == "metrics"]
    return (int(open(f"{T}/{name}.rc").read()), m[-1]["agent"] if m else {}, open(f"{T}/{name}.err").read())

posts = lines(f"{T}/https.log")
mails = lines(f"{T}/starttls.log") + lines(f"{T}/smtps.log")
rc, a, err = run("ca")
check("alerts/tls-ca-file-webhook-delivered", rc == 0 and [p["path"] for p in posts if p["path"] == "/tls"]
      and a.get("alert_delivery_errors") == 0 and a.get("alerts_sent", 0) >= 2, (rc, a, posts, err[-300:]))
got = [m for m in mails if m["from"] == "corewatch@localhost"]
check("alerts/tls-starttls-required-delivered", any(m["tls"] and "always" in m["data"] for m in got), (got, err[-300:]))
check("alerts/tls-ca-file-logged", "trusts the 1 CA certificate in " + T + "/tls/ca.pem" in err, err[-300:])
rc, a, err = run("smtps")
check("alerts/tls-smtps-delivered", rc == 0 and a.get("alerts_sent", 0) >= 1 and a.get("alert_delivery_errors") == 0
      and [m for m in lines(f"{T}/smtps.log") if m["from"] == "corewatch@localhost"], (rc, a, err[-300:]))
# A certificate the file does not vouch for, and the system's CAs without the file: refused and counted.
for name, frm in (("other", "other@localhost"), ("system", "system@localhost")):
    rc, a, err = run(name)
    leaked = [p for p in posts if p["path"] == "/" + name] + [m for m in mails if m["from"] == frm]
    check(f"alerts/tls-untrusted-refused {name}", rc == 0 and not leaked and a.get("alerts_sent") == 0
          and a.get("alert_delivery_errors", 0) >= 2 and "alert-webhook: delivery failed" in err
          and "alert-email: delivery failed" in err and "certificate" in err.lower(), (rc, a, leaked, err[-400:]))
# STARTTLS required, not offered: the server heard a greeting and nothing else (no login, no mail).
rc, a, err = run("required")
heard = [l["line"].split(" ")[0].upper() for l in lines(f"{T}/plain.required.log")]
check("alerts/tls-starttls-required-never-cleartext", rc == 0 and heard and set(heard) <= {"EHLO", "QUIT"}
      and a.get("alerts_sent") == 0 and a.get("alert_delivery_errors", 0) >= 1 and "alert-email: delivery failed" in err,
      (rc, heard, a, err[-300:]))
check("alerts/tls-starttls-required-no-cleartext-warning", "in the clear" not in err, err[-300:])
# The control: smtp:// to the same server sends login and mail in the clear, and said so at start.
rc, a, err = run("opportunistic")
heard = [l["line"] for l in lines(f"{T}/plain.log")][len(lines(f"{T}/plain.required.log")):]
verbs = {h.split(" ")[0].upper() for h in heard}
check("alerts/tls-opportunistic-is-cleartext", {"AUTH", "MAIL", "DATA"} <= verbs and a.get("alerts_sent", 0) >= 1
      and any(b"pw-in-the-clear" in b64(h) for h in heard), (sorted(verbs), a, heard))
check("alerts/tls-opportunistic-warned", "--smtp-credentials-file: an smtp:// server that does not offer STARTTLS gets the "
      "password in the clear" in err, err[-300:])
PYEOF
