#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# guest.sh PHASE DIR - the checks of tests/vm/20_systemd.sh, run inside the Debian 12 guest as root by
# the image's corewatch-vmtest driver, from the payload disk mounted at DIR.
#   phase 1 (first boot): install `make install`'s staged tree, run the README's service commands,
#     then check the unit against the real systemd: READY, STATUS, capabilities, eBPF programs,
#     watchdog, reload (good and broken config), stop, a broken config at start, journal priorities,
#     and per-service attribution (three transient units against their own cgroup files).
#   phase 2 (second boot): the enabled unit came up by itself.
# Results: one "PASS systemd/NAME" or "FAIL systemd/NAME: why" line per check in DIR/out/results-PHASE;
# measured facts as "key: value" lines in DIR/out/facts-PHASE; records and journals beside them.
# Every wait is bounded; the driver also kills this script after a few minutes.
set -u
[ -n "${BASH_VERSION:-}" ] || exec /bin/bash "$0" "$@"
phase=$1
P=$2
O="$P/out"
mkdir -p "$O"
R="$O/results-$phase"
F="$O/facts-$phase"
: >"$R"
: >"$F"
U=corewatch
CONF=/etc/corewatch/corewatch.conf
LOGDIR=/var/log/corewatch
export SYSTEMD_PAGER= SYSTEMD_COLORS=0 LC_ALL=C.UTF-8
# Whatever stops this script, the second boot finds the config it started with.
trap '[ -f "$O/conf.orig" ] && cp -p "$O/conf.orig" "$CONF"' EXIT

oneline() { printf '%s' "$*" | tr '\n' ' ' | cut -c1-700; }
pass() { echo "PASS systemd/$1" >>"$R"; echo "vmtest: PASS $1"; }
fail() { echo "FAIL systemd/$1: $(oneline "$2")" >>"$R"; echo "vmtest: FAIL $1: $(oneline "$2")"; }
# expect NAME WHY-IF-NOT CMD...: PASS when CMD succeeds.
expect() {
	local name=$1 why=$2
	shift 2
	if "$@"; then pass "$name"; else fail "$name" "$why"; fi
}
fact() { echo "$1: $(oneline "$2")" >>"$F"; echo "vmtest: fact $1: $2"; }
prop() { systemctl show -p "$1" --value "$U"; }
now_ms() { date +%s%3N; }
# waitfor SECONDS CMD...: polls CMD every 0.2 s until it succeeds; fails after SECONDS.
waitfor() {
	local end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.2
	done
}
# A mark in the journal: the current second (--after-cursor was seen to miss lines of the unit here).
cursor() { date +%s; }
# unit_journal MARK [journalctl options]: the unit's journal (systemd's lines and the agent's) since MARK.
unit_journal() {
	local c=$1
	shift
	journalctl -q --no-pager -o cat -u "$U" --since="@$c" "$@" 2>/dev/null
}
records() { cat "$LOGDIR"/*.log 2>/dev/null; }
n_records() { records | jq -c "select(.type == \"$1\")" 2>/dev/null | wc -l; }
# metrics_times: the epoch second of every metrics record, in order.
metrics_times() { records | jq -r 'select(.type == "metrics") | .time | sub("\\.[0-9]+Z$"; "Z") | fromdate' 2>/dev/null; }
has_metrics() { [ "$(n_records metrics)" -ge "$1" ]; }
has_inventory() { records | grep -q '"type":"inventory"'; }
# The kernel's view of what process PID holds: one line per eBPF file descriptor from
# /proc/PID/fdinfo, "link PROG_ID LINK_TYPE" or "prog PROG_ID PROG_TYPE" (one awk: forks are slow
# under TCG). Hooks are links other than bpf_iter ones (which the agent reads from).
bpf_fds_of() {
	awk 'function out() { if (lt != "") print "link", id, lt; else if (pt != "" && id != "") print "prog", id, pt }
	     FNR == 1 { if (NR > 1) out(); lt = pt = id = "" }
	     /^link_type:/ { lt = $2 } /^prog_type:/ { pt = $2 } /^prog_id:/ { id = $2 }
	     END { if (NR > 0) out() }' /proc/"$1"/fdinfo/* 2>/dev/null
}
# bpf_progs IDS...: bpftool's JSON of those program ids.
bpf_progs() { bpftool -j prog show | jq -c --arg ids " $* " '[.[] | select(.id as $i | $ids | contains(" \($i) "))]'; }
is_active() { [ "$(systemctl is-active "$U")" = active ]; }
mainpid() { prop MainPID; }
# new_metrics_after T N: N metrics records newer than epoch second T exist.
new_metrics_after() { [ "$(metrics_times | awk -v t="$1" '$1 > t' | wc -l)" -ge "$2" ]; }
# last_gap: seconds between the last two metrics records.
last_gap() { metrics_times | tail -2 | awk 'NR == 1 { a = $1 } NR == 2 { print $1 - a }'; }
# section NAME: a new part of the checks begins; the time each took is the section-ms fact at the end.
laps= sec_name= sec_t0=
section() {
	local t
	t=$(now_ms)
	[ -n "$sec_name" ] && laps="$laps $sec_name $((t - sec_t0))"
	sec_name=$1 sec_t0=$t
}
save_journals() {
	journalctl -b --no-pager -o short-monotonic >"$O/journal-$phase.txt" 2>&1
	journalctl -b --no-pager -o short-monotonic -u "$U" >"$O/journal-unit-$phase.txt" 2>&1
	journalctl -b --no-pager -o json -u "$U" >"$O/journal-unit-$phase.json" 2>&1
}

fact kernel "$(uname -r)"
fact uptime-at-checks "$(cut -d' ' -f1 /proc/uptime) s"
fact systemd "$(systemctl --version | head -1)"

if [ "$phase" = 2 ]; then
	# ---- second boot: nothing done by hand, the unit was enabled in the first ----
	expect second-boot-enabled "is-enabled: $(systemctl is-enabled "$U" 2>&1)" \
		test "$(systemctl is-enabled "$U" 2>&1)" = enabled
	waitfor 30 is_active
	started=$(journalctl -b -q --no-pager -o cat -u "$U" | grep -c '^Started corewatch')
	if is_active && [ "$(prop NRestarts)" = 0 ] && [ "$started" = 1 ] &&
		[[ "$(prop StatusText)" == "sampling every 10s, "* ]]; then
		pass second-boot-starts-by-itself
	else
		fail second-boot-starts-by-itself "state $(systemctl is-active "$U"), NRestarts $(prop NRestarts), 'Started' lines $started, status '$(prop StatusText)'"
	fi
	before=$(cat "$O/inventory-count-1" 2>/dev/null || echo 0)
	waitfor 20 has_metrics "$(($(cat "$O/metrics-count-1" 2>/dev/null || echo 0) + 1))"
	now=$(n_records inventory)
	expect second-boot-writes-records "inventory records: $before after boot 1, $now now" test "$now" -gt "$before"
	fact boot2-ready-ms "$((($(prop ActiveEnterTimestampMonotonic) - $(prop InactiveExitTimestampMonotonic)) / 1000))"
	mkdir -p "$O/logs-2"
	cp -a "$LOGDIR"/. "$O/logs-2/" 2>/dev/null
	save_journals
	exit 0
fi

# ---- install: the staged tree of `make install DESTDIR=... ` (default PREFIX), as a package would ----
section install
if tar -C "$P/stage" -cf - . | tar -C / -xf - --no-overwrite-dir &&
	[ -x /usr/local/sbin/corewatch ] && grep -q '^ExecStart=/usr/local/sbin/corewatch ' /usr/local/lib/systemd/system/corewatch.service; then
	pass install-staged-tree
else
	fail install-staged-tree "no /usr/local/sbin/corewatch or unit ExecStart mismatch"
fi
fact conf-mode "$(stat -c '%a %U:%G' "$CONF")"

# ---- exactly the README's "Install as a service" commands ----
section readme
out=$(corewatch --check-config --quiet 2>&1)
rc=$?
expect readme-check-config "exit $rc: $out" test "$rc" = 0 -a -z "$out"
t0=$(now_ms)
out=$(timeout 90 sh -c 'systemctl daemon-reload && systemctl enable --now corewatch' 2>&1)
rc=$?
t1=$(now_ms)
expect readme-enable-now "exit $rc: $out" test "$rc" = 0
fact enable-now-ms "$((t1 - t0))"
status=$(systemctl status --no-pager -l "$U" 2>&1)
rc=$?
printf '%s\n' "$status" >"$O/systemctl-status.txt"
fact systemctl-status-status-line "$(printf '%s\n' "$status" | grep 'Status:')"
expect is-active "is-active: $(systemctl is-active "$U")" is_active
text=$(prop StatusText)
fact status-text "$text"
# STATUS= as the agent sends it: the interval (the default 10s), its attached programs, no drops, no alerts.
nprog=$(printf '%s' "$text" | sed -n 's/^sampling every 10s, \([0-9]*\) bpf programs, 0 dropped, 0 lost to full maps, 0 alerts firing$/\1/p')
if [ -n "$nprog" ] && [ "$nprog" -gt 0 ] && [ "$rc" = 0 ] && printf '%s\n' "$status" | grep -qF "Status: \"$text\""; then
	pass status-text
else
	fail status-text "StatusText '$text', systemctl status exit $rc"
fi
ready_ms=$((($(prop ActiveEnterTimestampMonotonic) - $(prop ExecMainStartTimestampMonotonic)) / 1000))
fact ready-ms-after-exec "$ready_ms"
fact ready-ms-after-start-job "$((($(prop ActiveEnterTimestampMonotonic) - $(prop InactiveExitTimestampMonotonic)) / 1000))"
expect enabled "is-enabled: $(systemctl is-enabled "$U" 2>&1)" test "$(systemctl is-enabled "$U" 2>&1)" = enabled

# ---- the main process under the unit's hardening ----
section hardening
pid=$(mainpid)
caps=$(awk '/^CapEff/ {print $2}' "/proc/$pid/status" 2>/dev/null)
fact caps "$(grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' "/proc/$pid/status" 2>/dev/null | tr -s '\t\n' '  ')"
# CAP_DAC_READ_SEARCH is bit 2: nothing else may stay effective once the programs are attached.
expect capeff-dac-read-search-only "CapEff of MainPID $pid is '$caps'" test "$caps" = 0000000000000004

# (the inventory is the first record of a start: the file and the eBPF status below are there)
waitfor 20 has_inventory
# Debian's /var/log convention, for shippers in group adm: the directory 0750 and each file 0640,
# both group adm (the unit's Group=adm).
logs="$(stat -c '%a %U:%G' /var/log/corewatch) $(stat -c '%a %U:%G' /var/log/corewatch/*.log | sort -u | paste -sd' ')"
fact log-modes "$logs"
expect log-dir-and-files-group-adm "log directory and files: $logs" test "$logs" = "750 root:adm 640 root:adm"
fds=$(bpf_fds_of "$pid")
fact bpf-links "$(printf '%s\n' "$fds" | awk '$1 == "link" { print $2 ":" $3 }' | sort -nu | paste -sd' ')"
ids=$(printf '%s\n' "$fds" | awk '$1 == "link" && $3 != "iter" { print $2 }' | sort -nu | paste -sd' ')
bpftool -j prog show >"$O/bpftool-prog-running.json" 2>&1
# The programs behind those links, as the kernel lists them (bpftool prog show).
nbpftool=$(bpf_progs $ids | jq 'length')
# (the full eBPF status is the inventory's: the first line of the file)
last=$(records | jq -c 'select(.type == "inventory")' | tail -1)
nhooks=$(printf '%s' "$last" | jq '[.bpf.programs[] | (.hooks // {}) | to_entries[] | select(.value != null)] | length')
allatt=$(printf '%s' "$last" | jq '[.bpf.programs[] | .attached] | all')
fact bpf-record "$(printf '%s' "$last" | jq -c '.bpf.programs | map_values({attached, error, hooks})')"
fact bpf-bpftool "$(bpf_progs $ids | jq -c 'map("\(.id):\(.type):\(.name)")')"
# Three views of one fact: what the agent says in STATUS=, what its record says, what the kernel holds.
if [ "$allatt" = true ] && [ -n "$nprog" ] && [ "$nhooks" = "$nprog" ] && [ "$nbpftool" = "$nprog" ]; then
	pass "bpf-programs-attached ($nprog)"
else
	fail bpf-programs-attached "STATUS says ${nprog:-?}, the record's attached hooks $nhooks (all attached: $allatt), bpftool shows $nbpftool programs behind the links of pid $pid ($ids)"
fi

# ---- systemctl reload with a good config: succeeds, the new interval is in effect ----
section reload-good
cp -p "$CONF" "$O/conf.orig"
sed -i 's/^interval = .*/interval = 2s/' "$CONF"
c=$(cursor)
out=$(timeout 30 systemctl reload "$U" 2>&1)
rc=$?
t=$(date +%s)
waitfor 10 new_metrics_after "$t" 2
gap=$(last_gap)
text=$(prop StatusText)
if [ "$rc" = 0 ] && [ "$(mainpid)" = "$pid" ] && [[ "$text" == "sampling every 2s, "* ]] && [ "$gap" = 2 ]; then
	pass reload-good-config
else
	fail reload-good-config "reload exit $rc ($out), MainPID $pid -> $(mainpid), status '$text', last record gap ${gap:-?} s"
fi

# ---- systemctl reload with a broken config: the job fails with the reason, the old config runs on ----
section reload-broken
sed -i 's/^interval = .*/interval = banana/' "$CONF"
c_bad=$(cursor)
out=$(timeout 30 systemctl reload "$U" 2>&1)
rc=$?
fact reload-broken-systemctl-says "exit $rc: $out"
t=$(date +%s)
waitfor 10 new_metrics_after "$t" 2
gap=$(last_gap)
j=$(unit_journal "$c_bad")
printf '%s\n' "$j" >"$O/journal-reload-broken.txt"
if [ "$rc" != 0 ] && printf '%s\n' "$j" | grep -q "corewatch.conf:[0-9]*: interval: 'banana' is not a duration"; then
	pass reload-broken-config-fails-with-reason
else
	fail reload-broken-config-fails-with-reason "reload exit $rc ($out); journal: $(printf '%s' "$j" | tail -4)"
fi
text=$(prop StatusText)
if is_active && [ "$(mainpid)" = "$pid" ] && [[ "$text" == "sampling every 2s, "* ]] && [ "$gap" = 2 ]; then
	pass reload-broken-config-keeps-running-config
else
	fail reload-broken-config-keeps-running-config "state $(systemctl is-active "$U"), MainPID $pid -> $(mainpid), status '$text', last record gap ${gap:-?} s"
fi
cp -p "$O/conf.orig" "$CONF"
out=$(timeout 30 systemctl reload "$U" 2>&1) || fail reload-restore "$out"

# ---- an alert hook under the unit: nobody, no capabilities; log maintenance at low priority ----
section hook
# The hook reports on its output, which the agent logs to the journal. Yesterday's file in the log
# directory is compressed by the maintenance child at start: the child ran, and said nothing about
# not being allowed to lower its priority (the unit's system-call filter once refused it).
HOOK=/usr/local/lib/corewatch-probe-hook
cat >"$HOOK" <<'EOF'
#!/bin/sh
printf 'probe uid=%s ' "$(id -u)"
grep -E '^(CapPrm|CapEff|CapAmb|NoNewPrivs):' /proc/self/status | tr -d '\t' | tr '\n' ' '
cat /etc/shadow >/dev/null 2>&1 && printf 'shadow=read ' || printf 'shadow=denied '
touch /var/log/corewatch/probe 2>/dev/null && printf 'logdir=written\n' || printf 'logdir=denied\n'
EOF
chmod 755 "$HOOK"
yesterday="$LOGDIR/corewatch-$(date -d yesterday +%F).log"
[ -e "$yesterday" ] || [ -e "$yesterday.gz" ] || echo '{"type":"placeholder"}' >"$yesterday"
printf 'alert-exec = %s\nalert = probe: load.load1 >= 0\n' "$HOOK" >>"$CONF"
c=$(cursor)
timeout 60 systemctl restart "$U" >/dev/null 2>&1
waitfor 60 sh -c "journalctl -q --no-pager -o cat -u $U --since=@$c | grep -q 'probe uid='"
j=$(unit_journal "$c")
line=$(printf '%s\n' "$j" | grep -m1 'probe uid=')
fact hook-probe "$line"
fact agent-caps-with-hook "$(grep -E '^(CapPrm|CapEff|CapAmb):' "/proc/$(mainpid)/status" | tr -s '\t\n' '  ')"
z=0000000000000000
expect hook-runs-as-nobody-without-capabilities "hook said: ${line:-nothing}" \
	test -n "$line" -a -z "${line##*probe uid=65534 CapPrm:$z CapEff:$z CapAmb:$z NoNewPrivs:1 shadow=denied logdir=denied*}"
expect agent-keeps-only-what-the-hook-needs "CapEff of MainPID: $(awk '/^CapEff/ {print $2}' "/proc/$(mainpid)/status")" \
	test "$(awk '/^CapEff/ {print $2}' "/proc/$(mainpid)/status")" = 00000000000000e4
waitfor 20 test -e "$yesterday.gz"
expect maintenance-child-lowers-its-priority "yesterday's file compressed: $([ -e "$yesterday.gz" ] && echo yes || echo no); $(printf '%s\n' "$j" | grep -m1 'cannot lower')" \
	sh -c "[ -e '$yesterday.gz' ] && ! printf '%s\n' \"\$1\" | grep -q 'cannot lower'" _ "$j"
# The restart that restores the config also lowers the watchdog for the next check: the shipped
# 30 s, checked here, would be 20 s more of waiting. The drop-in is in /run: gone at the next boot.
expect watchdog-shipped-30s "WatchdogUSec: $(prop WatchdogUSec)" test "$(prop WatchdogUSec)" = 30s
mkdir -p /run/systemd/system/corewatch.service.d
printf '[Service]\nWatchdogSec=10s\n' >/run/systemd/system/corewatch.service.d/watchdog.conf
systemctl daemon-reload
cp -p "$O/conf.orig" "$CONF"
timeout 60 systemctl restart "$U" >/dev/null 2>&1
waitfor 30 is_active || fail hook-restore "not active after the restart: $(systemctl is-active "$U")"
# (three starts in StartLimitIntervalSec=30s are the limit: the two by hand must not leave the
# watchdog's restart refused)
systemctl reset-failed "$U"

# ---- watchdog: a stopped main loop is killed and restarted ----
section watchdog
pid=$(mainpid)
nr=$(prop NRestarts)
fact watchdog-usec "$(prop WatchdogUSec)"
c=$(cursor)
kill -STOP "$pid"
t0=$(now_ms)
restarted() { local p; p=$(mainpid); [ "$p" != "$pid" ] && [ "$p" != 0 ] && is_active; }
waitfor 75 restarted
t1=$(now_ms)
j=$(unit_journal "$c")
printf '%s\n' "$j" >"$O/journal-watchdog.txt"
if restarted && [ "$(prop NRestarts)" = "$((nr + 1))" ] && printf '%s\n' "$j" | grep -q "Failed with result 'watchdog'"; then
	pass watchdog-restarts-stopped-agent
	fact watchdog-restart-ms "$((t1 - t0)) after SIGSTOP (WatchdogSec=$(prop WatchdogUSec), RestartSec=5s, READY)"
else
	fail watchdog-restarts-stopped-agent "MainPID $pid -> $(mainpid), NRestarts $nr -> $(prop NRestarts) after $((t1 - t0)) ms; journal: $(printf '%s' "$j" | tail -5)"
fi
kill -CONT "$pid" 2>/dev/null

# ---- systemctl stop: a clean exit, no program of the agent left in the kernel ----
section stop
waitfor 20 is_active
pid=$(mainpid)
ids=$(bpf_fds_of "$pid" | awk '{ print $2 }' | sort -nu | paste -sd' ')
names=$(bpf_progs $ids | jq -r '.[].name' | sort -u | paste -sd' ')
fact bpf-held-before-stop "ids $ids; names $names"
t0=$(now_ms)
out=$(timeout 30 systemctl stop "$U" 2>&1)
rc=$?
fact stop-ms "$(($(now_ms) - t0))"
bpftool -j prog show >"$O/bpftool-prog-stopped.json" 2>&1
# Left over: a program with one of those ids, or one of those names. jq must have read the list.
left=$(jq -r --arg ids " $ids " --arg names " $names " \
	'.[] | select(.id as $i | .name as $n | ($ids | contains(" \($i) ")) or ($names | contains(" \($n) "))) | "\(.id):\(.name)"' \
	"$O/bpftool-prog-stopped.json")
jrc=$?
left=$(printf '%s' "$left" | paste -sd' ')
if [ "$rc" = 0 ] && [ $jrc = 0 ] && [ -n "$ids" ] && [ -n "$names" ] && [ -z "$left" ] &&
	[ "$(prop ActiveState)" = inactive ] && [ "$(prop Result)" = success ]; then
	pass stop-unloads-programs
else
	fail stop-unloads-programs "stop exit $rc ($out), held before: '$ids' ($names), left: '$left' (jq $jrc), state $(prop ActiveState)/$(prop Result)"
fi

# ---- log files as the unit creates them (facts: who can read them) ----
section logfiles
fact logdir-mode "$(stat -c '%a %U:%G' "$LOGDIR")"
fact logfile-modes "$(stat -c '%a %U:%G %n' "$LOGDIR"/* | paste -sd';')"

# ---- a broken config at start: the start fails with the reason, and it is not retried forever ----
section start-broken
sed -i 's/^interval = .*/interval = banana/' "$CONF"
c_start=$(cursor)
out=$(timeout 60 systemctl start "$U" 2>&1)
rc=$?
fact start-broken-systemctl-says "exit $rc: $out"
# RestartSec=5s: a unit that restarts forever is never "failed" for long; one that gives up stays so.
is_failed() { [ "$(prop ActiveState)" = failed ]; }
waitfor 45 is_failed
sleep 7
j=$(unit_journal "$c_start")
printf '%s\n' "$j" >"$O/journal-start-broken.txt"
# Attempts: runs of the ExecStartPre check.
starts=$(printf '%s\n' "$j" | grep -c 'Control process exited, code=exited, status=2')
fact start-broken-state "$(prop ActiveState)/$(prop SubState), result $(prop Result), $starts attempts; $(printf '%s\n' "$j" | grep -m1 'repeated too quickly')"
# The start limit counts in fixed 30 s windows of 3 starts: 6 tries at most, then failed for good.
if [ "$rc" != 0 ] && is_failed && [ "$starts" -ge 1 ] && [ "$starts" -le 6 ] &&
	printf '%s\n' "$j" | grep -q "'banana' is not a duration"; then
	pass start-broken-config-fails-and-gives-up
else
	fail start-broken-config-fails-and-gives-up "start exit $rc, state $(prop ActiveState)/$(prop SubState) result $(prop Result), $starts start attempts (NRestarts $(prop NRestarts)); journal: $(printf '%s' "$j" | tail -3)"
fi
timeout 30 systemctl stop "$U" >/dev/null 2>&1

# ---- the journal's priorities: a rejected config is a warning or an error, not info ----
section journal
# The agent's own lines are the ones that name the reason; systemd's lines about the unit never do.
jw=$(unit_journal "$c_bad" -p warning)
printf '%s\n' "$jw" >"$O/journal-warning.txt"
prio=$(unit_journal "$c_bad" -o json | jq -r 'select(.MESSAGE | type == "string" and test("banana")) | .PRIORITY' | sort -u | paste -sd,)
fact rejected-config-priorities "$prio"
if printf '%s\n' "$jw" | grep -q "'banana' is not a duration"; then
	pass journal-warning-shows-rejected-config
else
	fail journal-warning-shows-rejected-config "journalctl -u corewatch -p warning has no line with the reason; the agent's lines about it have PRIORITY ${prio:-none}"
fi

# ---- per-service attribution (cgroup v2, real units): each unit named, its figures its own ----
section cgroups
# Three transient units: a CPU burner, a direct-I/O writer, and one under MemoryMax=50M whose tail
# grows until the OOM killer takes it (OOMPolicy=continue: its sh lives on, so does its cgroup).
# The oracle: the units' own cpu.stat and io.stat, sampled about every 0.06 s with the time.
cg=/sys/fs/cgroup/system.slice
systemd-run -q --unit cw-burn.service sh -c 'while :; do :; done'
systemd-run -q --unit cw-io.service -p IOAccounting=yes sh -c 'while :; do dd if=/dev/zero of=/var/tmp/cw-io bs=1M count=32 oflag=direct status=none; done'
systemd-run -q --unit cw-oom.service -p MemoryMax=50M -p MemorySwapMax=0 -p OOMPolicy=continue \
	sh -c 'sleep 7; tail /dev/zero; sleep 60'
(
	# builtins only (one fork a round, the sleep): the guest is slow, the writer fast
	while :; do
		t=$EPOCHREALTIME u=0 w=0
		while read -r k v; do [ "$k" = usage_usec ] && u=$v; done <$cg/cw-burn.service/cpu.stat
		while read -r _ rest; do
			for f in $rest; do case $f in wbytes=*) w=$((w + ${f#wbytes=})) ;; esac; done
		done <$cg/cw-io.service/io.stat
		printf '%s %s %s\n' "$t" "$u" "$w"
		sleep 0.05
	done
) >"$O/cg-oracle" 2>/dev/null &
orc=$!
/usr/local/sbin/corewatch -c /dev/null -i 2s -n 9 --alert 'burn_hot: cgroups{name=cw-burn.service}.cpu_pct > 50' \
	>"$O/cg.jsonl" 2>"$O/cg.err"
cwrc=$?
kill $orc 2>/dev/null
wait $orc 2>/dev/null
systemctl stop cw-burn.service cw-io.service cw-oom.service 2>/dev/null
rm -f /var/tmp/cw-io
# epoch (ms precision), interval, and the two units' figures of each metrics record
jq -r 'select(.type == "metrics") | [((.time | sub("\\.[0-9]+Z$"; "Z") | fromdate) + ((.time | capture("\\.(?<ms>[0-9]+)Z$").ms | tonumber) / 1000)),
	.interval_s, ((.cgroups // []) | map(select(.name == "cw-burn.service")) | (.[0].cpu_pct // "none")),
	((.cgroups // []) | map(select(.name == "cw-io.service")) | (.[0].io_write_bytes_per_s // "none"))] | @tsv' \
	"$O/cg.jsonl" >"$O/cg.rows" 2>/dev/null
# From the second record on: what the records attribute against the oracle between the first
# record's time and the last's (nearest oracle samples, about 0.06 s apart).
read -r cpu_rec cpu_or io_rec io_or ncpu_rec nio_rec nrec <<<"$(awk '
	BEGIN { n = 0; m = 0 } # (an unset index is "", not 0)
	FNR == NR { t[n] = $1; u[n] = $2; w[n] = $3; n++; next }
	{ rt[m] = $1; iv[m] = $2; c[m] = $3; b[m] = $4; m++ }
	function near(x,   i, k) { k = 0; for (i = 0; i < n; i++) if ((t[i] - x) ^ 2 < (t[k] - x) ^ 2) k = i; return k }
	END {
		for (i = 1; i < m; i++) {
			if (c[i] != "none") { cs += c[i] * iv[i] / 100; nc++ }
			if (b[i] != "none") { bs += b[i] * iv[i]; nb++ }
		}
		a = near(rt[0]); z = near(rt[m - 1])
		printf "%.3f %.3f %.0f %.0f %d %d %d\n", cs, (u[z] - u[a]) / 1e6, bs, w[z] - w[a], nc, nb, m - 1
	}' "$O/cg-oracle" "$O/cg.rows")"
span=$(awk 'NR == 2 {a = $1} {z = $1} END {printf "%.1f", z - a}' "$O/cg.rows")
fact cgroups-burn "records ${cpu_rec} CPU-s, cpu.stat ${cpu_or} CPU-s over ${span}+ s, the unit in $ncpu_rec of $nrec records"
fact cgroups-io "records ${io_rec} bytes, io.stat ${io_or} bytes, the unit's io in $nio_rec of $nrec records"
if [ "$cwrc" = 0 ] && [ "${nrec:-0}" -ge 6 ] && [ "$ncpu_rec" = "$nrec" ] && awk -v a="$cpu_rec" -v b="$cpu_or" -v s="$span" 'BEGIN {d = a - b; if (d < 0) d = -d; exit !(b > 0 && d / (s + 2) * 100 <= 5)}'; then
	pass "cgroups-unit-cpu-matches-cpu-stat"
else
	fail cgroups-unit-cpu-matches-cpu-stat "exit $cwrc, the unit in $ncpu_rec of $nrec records: records ${cpu_rec} CPU-s vs cpu.stat ${cpu_or} CPU-s; $(tail -2 "$O/cg.err")"
fi
if [ "${nrec:-0}" -ge 6 ] && [ "$nio_rec" = "$nrec" ] && awk -v a="$io_rec" -v b="$io_or" 'BEGIN {d = a - b; if (d < 0) d = -d; exit !(b > 1e6 && d / b <= 0.05)}'; then
	pass "cgroups-unit-io-matches-io-stat"
else
	fail cgroups-unit-io-matches-io-stat "records ${io_rec} bytes vs io.stat ${io_or} bytes, the unit's io in $nio_rec of $nrec records"
fi
oomrec=$(jq -c 'select(.type == "metrics") | .cgroups[]? | select(.name == "cw-oom.service" and (.oom_kills // 0) > 0)' "$O/cg.jsonl" | head -1)
oomev=$(jq -c 'select(.type == "event" and .event == "oom_kill")' "$O/cg.jsonl" | head -1)
fact cgroups-oom "record: $oomrec event: $oomev"
if [ -n "$oomrec" ] && [ "$(printf '%s' "$oomev" | jq -r .cgroup_name)" = cw-oom.service ] &&
	[ "$(printf '%s' "$oomev" | jq -r .cgroup)" = /system.slice/cw-oom.service ]; then
	pass "cgroups-oom-kill-attributed-to-unit"
else
	fail cgroups-oom-kill-attributed-to-unit "record entry '$oomrec', event '$oomev'"
fi
fired=$(jq -c 'select(.type == "alert" and .name == "burn_hot" and .state == "firing")' "$O/cg.jsonl" | head -1)
if [ -n "$fired" ] && [ "$(printf '%s' "$fired" | jq -r '.labels.name')" = cw-burn.service ]; then
	pass "cgroups-rule-on-unit-fires"
else
	fail cgroups-rule-on-unit-fires "no firing burn_hot for cw-burn.service: '$fired'"
fi

# ---- leave it as the README would: good config, enabled, for the second boot ----
section leave
cp -p "$O/conf.orig" "$CONF"
systemctl reset-failed "$U" 2>/dev/null
n_records inventory >"$O/inventory-count-1"
n_records metrics >"$O/metrics-count-1"
mkdir -p "$O/logs-1"
cp -a "$LOGDIR"/. "$O/logs-1/" 2>/dev/null
save_journals
section end
fact section-ms "${laps# }"
exit 0
