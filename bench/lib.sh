# SPDX-License-Identifier: GPL-2.0-only
# bench/lib.sh - what the bench's path tables share (sourced by bench/run, bench/block, bench/tcp).

# wait_for FILE PATTERN SECONDS: 0 once PATTERN is in FILE, 1 after SECONDS.
wait_for() {
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# prog_ns PID [NAME_REGEX]: "run_time_ns run_cnt" summed over the BPF programs PID holds (its prog
# fds' fdinfo, once per program id; links carry no run_time_ns), only those whose name matches
# NAME_REGEX if given (names from bpftool); "0 0" for none. Counted while kernel.bpf_stats_enabled
# is 1 (or a BPF_ENABLE_STATS fd is held, as corewatch does).
prog_ns() {
	[ -n "$1" ] || { echo "0 0"; return; }
	local f
	for f in /proc/"$1"/fdinfo/*; do
		awk '/^prog_id:/ {id = $2} /^run_time_ns:/ {t = $2} /^run_cnt:/ {print id, t, $2}' "$f" 2>/dev/null
	done | sort -u | while read -r id t c; do
		if [ -n "${2:-}" ]; then
			bpftool prog show id "$id" 2>/dev/null | head -1 | grep -Eq "name ($2) " || continue
		fi
		echo "$t $c"
	done | awk '{t += $1; c += $2} END {printf "%d %d\n", t, c}'
}

# ctxt: the system's context switches so far (/proc/stat).
ctxt() { awk '$1 == "ctxt" {print $2}' /proc/stat; }

# cpu_ns PID: CPU time in ns of every thread of PID (schedstat; /proc/PID/schedstat alone is the
# main thread's, which made a Go program whose work runs on other threads look almost free).
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ns += $1} END {printf "%d\n", ns}'; }
