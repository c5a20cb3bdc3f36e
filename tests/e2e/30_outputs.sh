# SPDX-License-Identifier: GPL-2.0-only
# Outputs and signals: dated log files, stamped lines, SIGTERM, SIGHUP, a closed stdout.
. tests/e2e/lib.sh

today=$(date +%F)
"${CW[@]}" --no-bpf -n 2 -i 100ms --log-dir "$T/logs" 2>"$T/err"
f="$T/logs/corewatch-$today.log"
[ -f "$f" ] && [ "$(wc -l <"$f")" -eq 3 ] && pass "outputs/log-dir-dated-file" ||
	fail "outputs/log-dir-dated-file" "$(ls -la "$T/logs" 2>&1 | tr '\n' ' ')"
"${CW[@]}" --no-bpf -n 1 -i 100ms --log-dir "$T/logs" --log-prefix host1- --log-suffix -metrics 2>>"$T/err"
[ -f "$T/logs/host1-$today-metrics.log" ] && pass "outputs/log-prefix-suffix" ||
	fail "outputs/log-prefix-suffix" "$(ls "$T/logs" | tr '\n' ' ')"

# Debian's /var/log convention, whatever the umask: files 0640 and a directory corewatch creates 0750
# (and set-group-ID: later files get its group without CAP_CHOWN), group adm (the shippers' group)
# when it exists; a closed day's .gz the same as the live file.
grp=$(getent group adm >/dev/null && echo adm || id -gn)
yday=$(date -d yesterday +%F)
mkdir -p "$T/perm"
printf '{"old":1}\n' >"$T/perm/corewatch-$yday.log" # a closed day, made by someone else
chmod 0600 "$T/perm/corewatch-$yday.log"
(umask 077 && "${CW[@]}" --no-bpf -n 1 -i 100ms --log-dir "$T/perm/new" 2>>"$T/err" &&
	umask 000 && "${CW[@]}" --no-bpf -n 1 -i 100ms --log-dir "$T/perm" 2>>"$T/err")
[ "$(stat -c '%a %U:%G' "$T/perm/new")" = "2750 root:$grp" ] && pass "outputs/created-log-dir-2750-$grp" ||
	fail "outputs/created-log-dir-2750-$grp" "$(stat -c '%a %U:%G' "$T/perm/new")"
[ "$(stat -c '%a %U:%G' "$T/perm/new/corewatch-$today.log")" = "640 root:$grp" ] &&
	[ "$(stat -c '%a %U:%G' "$T/perm/corewatch-$today.log")" = "640 root:$grp" ] &&
	pass "outputs/log-file-0640-$grp" ||
	fail "outputs/log-file-0640-$grp" "$(stat -c '%n %a %U:%G' "$T/perm/new/corewatch-$today.log" "$T/perm/corewatch-$today.log" | tr '\n' ' ')"
[ "$(stat -c '%a' "$T/perm")" = 755 ] && pass "outputs/existing-log-dir-left-alone" ||
	fail "outputs/existing-log-dir-left-alone" "$(stat -c '%a %U:%G' "$T/perm")"
# the compression child is asynchronous
for ((i = 0; i < 50; i++)); do [ -f "$T/perm/corewatch-$yday.log.gz" ] && break; sleep 0.1; done
if [ "$(stat -c '%a %U:%G' "$T/perm/corewatch-$yday.log.gz" 2>&1)" = "640 root:$grp" ] &&
	[ "$(zcat "$T/perm/corewatch-$yday.log.gz")" = '{"old":1}' ] && [ ! -e "$T/perm/corewatch-$yday.log" ]; then
	pass "outputs/closed-day-gz-0640-$grp"
else
	fail "outputs/closed-day-gz-0640-$grp" "$(ls -l "$T/perm" | tr '\n' ' ')"
fi
# A file made after the capabilities are dropped (here: the live file removed under it; in real
# life: each new day) still gets the group.
if need_root "outputs/log-file-group-after-drop"; then
	"${CW[@]}" -i 100ms --log-dir "$T/perm2" 2>"$T/perm2.err" &
	pid=$!
	wait_lines "$T/perm2/corewatch-$today.log" 3 10
	rm -f "$T/perm2/corewatch-$today.log"
	wait_lines "$T/perm2/corewatch-$today.log" 1 5
	kill -TERM $pid
	wait $pid
	[ "$(stat -c '%a %U:%G' "$T/perm2/corewatch-$today.log")" = "640 root:$grp" ] && ! grep -q "group adm" "$T/perm2.err" &&
		pass "outputs/log-file-group-after-drop" ||
		fail "outputs/log-file-group-after-drop" "$(stat -c '%a %U:%G' "$T/perm2/corewatch-$today.log") $(head -c 300 "$T/perm2.err")"
fi

"${CW[@]}" --no-bpf -n 2 -i 100ms --format stamped >"$T/stamped" 2>>"$T/err"
if [ "$(grep -cE '^[0-9]+ - \{' "$T/stamped")" -eq 3 ] && $PY "$VALIDATE" "$SCHEMA" "$T/stamped" >/dev/null; then
	pass "outputs/format-stamped"
else
	fail "outputs/format-stamped" "$(head -c 200 "$T/stamped")"
fi

# SIGTERM: exit 0 within 1 s, the output ends on a whole line.
"${CW[@]}" --no-bpf -i 100ms >"$T/term" 2>"$T/term.err" &
pid=$!
wait_lines "$T/term" 3 5
start=$(date +%s%N)
kill -TERM $pid
wait $pid
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ $rc -eq 0 ] && [ $ms -lt 1000 ] && [ "$(tail -c 1 "$T/term" | od -An -c | tr -d ' ')" = '\n' ] &&
	$PY "$VALIDATE" "$SCHEMA" "$T/term" >/dev/null; then
	pass "outputs/sigterm-exits-0-within-1s"
else
	fail "outputs/sigterm-exits-0-within-1s" "rc=$rc after ${ms}ms"
fi
"${CW[@]}" --no-bpf -i 100ms >/dev/null 2>&1 &
pid=$!
sleep 0.3
kill -INT $pid
wait $pid && pass "outputs/sigint-exits-0" || fail "outputs/sigint-exits-0" "rc=$?"

# SIGHUP: a bad new config is refused with a reason and the old one keeps running; a good one applies.
printf 'interval = 100ms\n' >"$T/hup.conf"
"$COREWATCH" -c "$T/hup.conf" --no-bpf >"$T/hup" 2>"$T/hup.err" &
pid=$!
wait_lines "$T/hup" 3 5
printf 'interval = banana\n' >"$T/hup.conf"
kill -HUP $pid
sleep 0.4
if kill -0 $pid 2>/dev/null && grep -q "new configuration rejected.*hup.conf:1: interval" "$T/hup.err"; then
	pass "outputs/sighup-bad-config-keeps-running"
else
	fail "outputs/sighup-bad-config-keeps-running" "$(tr '\n' ' ' <"$T/hup.err")"
fi
printf 'interval = 500ms\nformat = stamped\n' >"$T/hup.conf"
kill -HUP $pid
sleep 1.3
kill -TERM $pid
wait $pid
if tail -1 "$T/hup" | grep -qE '^[0-9]+ - \{"schema":1,"type":"metrics".*"interval_s":0.5,'; then
	pass "outputs/sighup-applies-new-config"
else
	fail "outputs/sighup-applies-new-config" "$(tail -1 "$T/hup" | head -c 150)"
fi

# A reader that goes away (EPIPE) is a counted write error, not a crash: --count still ends it with 0.
"${CW[@]}" --no-bpf -n 3 -i 100ms 2>"$T/pipe.err" | true
st=${PIPESTATUS[0]}
[ "$st" -eq 0 ] && grep -q "Broken pipe" "$T/pipe.err" && pass "outputs/closed-stdout-survived" ||
	fail "outputs/closed-stdout-survived" "exit $st: $(head -2 "$T/pipe.err")"
