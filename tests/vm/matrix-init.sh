#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# matrix-init.sh - /init of the kernel-matrix guests (busybox sh): mounts the kernel file systems,
# runs corewatch at 1 s with a workload inside its window, one part after the other and each over
# 3 s so that some records are busy from end to end: pipe ping-pong pinned to CPU 0, direct I/O on
# the NVMe work disk, loopback TCP connects, a burst of short processes. After that phase, two
# instances at 2 s (run-queue latency by sched_info and by wakeup stamps) and libbpf-tools runqlat
# record an idle-heavy and a busy pingpong, against the kernel's run-queue totals (/proc/schedstat).
# Then it tars /out (records, corewatch's stderr, /proc snapshots) onto the results disk and powers off.
# The work disk has NVMe serial cwwork, the results disk cwout (the host sets both); N comes from
# /etc/matrix.env.
set -u
export PATH=/bin:/sbin
. /etc/matrix.env
say() { echo "matrix: $*" >/dev/console; }
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t bpf bpf /sys/fs/bpf
ip link set lo up
say "init up on $(uname -r)"

# The disks by NVMe serial (the order of the controllers is not promised).
work="" out=""
for d in /sys/block/nvme*; do
	[ -e "$d" ] || continue
	s=$(cat "$d/device/serial" 2>/dev/null || cat "$d/device/device/serial" 2>/dev/null)
	s=$(echo $s)
	case "$s" in
	cwwork) work=${d##*/} ;;
	cwout) out=${d##*/} ;;
	esac
done
say "work disk '$work', results disk '$out'"
O=/out
echo "$work" >$O/workdisk
uname -r >$O/uname
cat /proc/cmdline >$O/cmdline
nproc >$O/nproc
# phase NAME CMD...: runs CMD and appends "NAME start end" (guest uptime, the clock of the records'
# uptime_s) to /out/phases, so the host knows which records a workload covered from end to end.
phase() {
	local name=$1 t0 t1 _
	shift
	read t0 _ </proc/uptime
	"$@"
	read t1 _ </proc/uptime
	echo "$name $t0 $t1" >>$O/phases
}
snap() { for f in stat diskstats net/snmp; do cat /proc/$f >"$O/$1.$(echo $f | tr / _)"; done; }

snap before
corewatch -c /etc/corewatch-empty.conf -i 1s -n "$N" --top 20 -v >$O/records.jsonl 2>$O/corewatch.err &
cw=$!
# The workload starts once the first metrics record is out (the line after the inventory record):
# the agent is loaded and sampling. Under TCG loading takes seconds. At most 60 s.
# (A file may not exist yet: the shell creates it when the background job starts.)
lines() { local n; n=$(wc -l <"${1:-$O/records.jsonl}" 2>/dev/null); echo "${n:-0}"; }
i=0
while [ "$(lines)" -lt 2 ] && [ $i -lt 600 ] && kill -0 $cw 2>/dev/null; do
	sleep 0.1; i=$((i + 1))
done
say "corewatch up after $i/10 s; workload"
phase pingpong taskset -c 0 pingpong 3.5 >$O/pingpong
say "pingpong $(cat $O/pingpong)"
# Direct I/O, 4 KiB at a time, for 3-4 s: writes, then reads back (busybox dd has O_DIRECT).
direct_io() {
	local end=$(($(date +%s) + 4)) ops=0
	while [ "$(date +%s)" -lt $end ]; do
		dd if=/dev/zero of=/dev/$work bs=4k count=256 oflag=direct 2>/dev/null
		dd if=/dev/$work of=/dev/null bs=4k count=256 iflag=direct 2>/dev/null
		ops=$((ops + 512))
	done
	echo $ops >$O/dd_ops
}
if [ -n "$work" ]; then
	phase direct_io direct_io
	say "direct I/O ops $(cat $O/dd_ops)"
fi
phase tcpconn tcpconn 3.5 300 >$O/tcpconn
say "tcp connects $(cat $O/tcpconn)"
i=0
while [ $i -lt 40 ]; do /bin/true; i=$((i + 1)); done

# The run-queue instances (both ways of measuring, side by side on the same switches) and the first
# runqlat load now, in the 1 s agent's last records: no workload phase is checked in those, and the
# seconds of loading under TCG overlap them instead of the phases above (the 3% checks measure as
# with one agent). Their 2 s records line up on the wall clock (the agent's timer is aligned).
# They run SCHED_FIFO (chrt, from the host) so that each reads its counters on its tick, not when
# the busy phase's spinners let it.
rt() { if command -v chrt >/dev/null; then chrt -f "$@"; else shift; "$@"; fi; }
rt 10 corewatch -c /etc/corewatch-empty.conf -i 2s --top 5 >$O/rq.sched_info.jsonl 2>$O/rq.sched_info.err &
rqs=$!
rt 10 env COREWATCH_BPF_FORCE_RAW_TP=1 corewatch -c /etc/corewatch-empty.conf -i 2s --top 5 \
	>$O/rq.wakeup_stamp.jsonl 2>$O/rq.wakeup_stamp.err &
rqw=$!
# runqlat_start LOAD: runqlat printing a histogram each second, every line stamped with the uptime
# it was read at (shell builtins, no fork per line) in $O/rq.LOAD.runqlat; rql is runqlat's pid.
runqlat_start() {
	local f=/tmp/rq.$1.fifo
	mkfifo $f
	(while IFS= read -r l; do read -r u _ </proc/uptime; echo "$u $l"; done) <$f >$O/rq.$1.runqlat &
	rqt=$!
	stdbuf -oL runqlat 1 >$f 2>$O/rq.$1.runqlat.err &
	rql=$!
}
runqlat_start idle
wait $cw
echo $? >$O/corewatch.rc
say "corewatch exited $(cat $O/corewatch.rc); run-queue phases"

# Run-queue latency, idle-heavy (pingpong unpinned, the CPUs idle between switches) then busy (two
# spinners keep both CPUs busy), each a 7.5 s pingpong with nothing else running but the two 2 s
# instances and one runqlat (libbpf-tools) that traces the whole phase, a histogram each second (and
# the last part second at SIGINT), each line stamped with the uptime. Oracles:
#  - the kernel's run-queue totals (per-CPU run_delay and pcount): each instance reads them itself at
#    every sample (cpu.schedstat in its records), next to its eBPF maps;
#  - for runqlat, the same counters (and ctxt) once it has attached and before the pingpong starts
#    (rq.LOAD.runqlat.0), and after the pingpong has exited and before runqlat is stopped (.1): the
#    workload lies inside that bracket and the bracket inside runqlat's window (cap files).
# cap FILE: the uptime, /proc/schedstat and /proc/stat's ctxt read with shell builtins (no fork
# between the uptime and the counters), the uptime again; both uptimes are FILE's first line.
cap() {
	local t1 t2 l _
	read t1 _ </proc/uptime
	{
		while read -r l; do echo "$l"; done </proc/schedstat
		while read -r l; do case $l in ctxt*) echo "$l" ;; esac; done </proc/stat
	} >"$1.body"
	read t2 _ </proc/uptime
	{ echo "$t1 $t2"; cat "$1.body"; } >"$1" && rm -f "$1.body"
}
uptime_now() { local t _; read t _ </proc/uptime; echo "${t%.*}"; }
# wait_tracing LOAD PID: until runqlat says it has attached (at most 60 s; 7-8 s under TCG).
wait_tracing() {
	local end=$(($(uptime_now) + 60))
	while ! grep -q Tracing $O/rq.$1.runqlat 2>/dev/null && [ "$(uptime_now)" -lt $end ] && kill -0 $2 2>/dev/null; do
		sleep 0.05
	done
}
# Both instances have written a metrics record (they are loaded and sampling); at most 60 s.
end=$(($(uptime_now) + 60))
while { [ "$(lines $O/rq.sched_info.jsonl)" -lt 2 ] || [ "$(lines $O/rq.wakeup_stamp.jsonl)" -lt 2 ]; } &&
	[ "$(uptime_now)" -lt $end ]; do
	sleep 0.1
done
for load in idle:0 busy:2; do
	name=${load%%:*} spin=${load#*:}
	if [ $name = busy ]; then
		runqlat_start busy
	fi
	wait_tracing $name $rql
	cap $O/rq.$name.runqlat.0
	read t0 _ </proc/uptime
	pingpong 7.5 "$spin" >$O/rq.$name.pingpong &
	pp=$!
	wait $pp
	read t1 _ </proc/uptime
	cap $O/rq.$name.runqlat.1
	echo "rq_$name $t0 $t1" >>$O/phases
	kill -INT $rql 2>/dev/null
	end=$(($(uptime_now) + 20))
	while kill -0 $rql 2>/dev/null && [ "$(uptime_now)" -lt $end ]; do sleep 0.05; done
	kill -KILL $rql 2>/dev/null
	wait $rql
	echo $? >$O/rq.$name.runqlat.rc
	wait $rqt
	say "run-queue $name: pingpong $(cat $O/rq.$name.pingpong), runqlat status $(cat $O/rq.$name.runqlat.rc)"
done
kill -TERM $rqs $rqw
wait $rqs
echo $? >$O/rq.sched_info.rc
wait $rqw
echo $? >$O/rq.wakeup_stamp.rc
snap after
say "corewatch exited $(cat $O/corewatch.rc), $(wc -l <$O/records.jsonl) records"
if [ -n "$out" ]; then
	tar -cf /dev/$out -C $O . && sync && say "results written to $out"
fi
poweroff -f
