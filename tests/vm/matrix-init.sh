#!/bin/sh
# matrix-init.sh - /init of the kernel-matrix guests (busybox sh): mounts the kernel file systems,
# runs corewatch at 1 s with a workload inside its window, one part after the other and each over
# 3 s so that some records are busy from end to end: pipe ping-pong pinned to CPU 0, direct I/O on
# the NVMe work disk, loopback TCP connects, a burst of short processes. Beside it, two instances at
# 2 s (run-queue latency by sched_info and by wakeup stamps) record the run-queue phases that come
# after: an idle-heavy and a busy pingpong against its processes' run_delay, then against runqlat.
# Then it tars /out (records, corewatch's stderr, /proc snapshots) onto the results disk and powers off.
# The work disk has NVMe serial cwwork, the results disk cwout (the host sets both); N comes from
# /etc/matrix.env.
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
# The run-queue instances (both ways of measuring, side by side on the same switches) load at the
# same time, so that their seconds of loading under TCG overlap the first one's; their 2 s records
# line up on the wall clock (the agent's timer is aligned), the run-queue phases come at the end.
corewatch -c /etc/corewatch-empty.conf -i 2s --top 5 >$O/rq.sched_info.jsonl 2>$O/rq.sched_info.err &
rqs=$!
COREWATCH_BPF_FORCE_RAW_TP=1 corewatch -c /etc/corewatch-empty.conf -i 2s --top 5 \
	>$O/rq.wakeup_stamp.jsonl 2>$O/rq.wakeup_stamp.err &
rqw=$!
# The workload starts once the first metrics record of each is out (the line after the inventory
# record): the agents are loaded and sampling. Under TCG loading takes seconds. At most 60 s.
# (A file may not exist yet: the shell creates it when the background job starts.)
lines() { local n; n=$(wc -l <"${1:-$O/records.jsonl}" 2>/dev/null); echo "${n:-0}"; }
i=0
while { [ "$(lines)" -lt 2 ] || [ "$(lines $O/rq.sched_info.jsonl)" -lt 2 ] ||
	[ "$(lines $O/rq.wakeup_stamp.jsonl)" -lt 2 ]; } && [ $i -lt 600 ] && kill -0 $cw 2>/dev/null; do
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
wait $cw
echo $? >$O/corewatch.rc
say "corewatch exited $(cat $O/corewatch.rc); run-queue phases"

# Run-queue latency, idle-heavy (pingpong unpinned, the CPUs idle between switches) then busy (two
# spinners keep both CPUs busy), nothing else running but the two 2 s instances:
#  - run_delay: a 1.2 s pingpong started just after both instances wrote a record, so that their
#    next record holds its whole life; pingpong prints its processes' run_delay (schedstat). The
#    shell then sleeps past the record's end instead of polling: its own forks would wait too.
#  - runqlat: loaded once (that takes 7-8 s under TCG), two 6 s histograms: the idle pingpong over
#    the first, the busy one over the second. Windows: runqlat's "Tracing" line (it has attached;
#    stdbuf makes it line-buffered) to its first histogram, then to its exit (the second), with
#    /proc/stat ctxt at each mark. The idle pingpong is stopped when the first histogram is out.
# rq_after A B: waits (at most 5 s) until the 2 s instances have more than A and B lines.
rq_after() {
	local i=0
	while { [ "$(lines $O/rq.sched_info.jsonl)" -le "$1" ] || [ "$(lines $O/rq.wakeup_stamp.jsonl)" -le "$2" ]; } &&
		[ $i -lt 100 ]; do
		sleep 0.05; i=$((i + 1))
	done
}
ctxt() { sed -n 's/^ctxt //p' /proc/stat; }
for load in idle:0 busy:2; do
	name=${load%%:*} spin=${load#*:}
	rq_after "$(lines $O/rq.sched_info.jsonl)" "$(lines $O/rq.wakeup_stamp.jsonl)"
	a=$(lines $O/rq.sched_info.jsonl) b=$(lines $O/rq.wakeup_stamp.jsonl)
	# every task's waits over the pingpong's life too, the kernel's per-CPU run_delay (for the report)
	grep '^cpu' /proc/schedstat >$O/rq.$name.schedstat0 2>/dev/null
	phase rq_${name}_delay pingpong 1.2 "$spin" >$O/rq.$name.pingpong
	grep '^cpu' /proc/schedstat >$O/rq.$name.schedstat1 2>/dev/null
	sleep 1
	rq_after "$a" "$b"
	say "run-queue $name: pingpong $(cat $O/rq.$name.pingpong)"
done
stdbuf -oL runqlat 6 2 >$O/rq.runqlat 2>$O/rq.runqlat.err &
rq=$!
i=0
while ! grep -q Tracing $O/rq.runqlat 2>/dev/null && [ $i -lt 600 ] && kill -0 $rq 2>/dev/null; do
	sleep 0.05; i=$((i + 1))
done
read t0 _ </proc/uptime
c0=$(ctxt)
if grep -q Tracing $O/rq.runqlat; then
	pingpong 8 0 >/dev/null &
	pp=$!
	j=0
	while [ "$(grep -c usecs $O/rq.runqlat)" -lt 1 ] && [ $j -lt 240 ] && kill -0 $rq 2>/dev/null; do
		sleep 0.05; j=$((j + 1))
	done
	read t1 _ </proc/uptime
	c1=$(ctxt)
	kill $pp
	pingpong 7 2 >/dev/null &
	pp=$!
	wait $rq
	echo $? >$O/rq.runqlat.rc
	read t2 _ </proc/uptime
	c2=$(ctxt)
	echo "$t0 $t1 $t2 $c0 $c1 $c2" >$O/rq.windows
	wait $pp
else
	wait $rq
	echo $? >$O/rq.runqlat.rc
fi
say "run-queue: runqlat status $(cat $O/rq.runqlat.rc) after $i/20 s loading; windows $(cat $O/rq.windows 2>/dev/null)"
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
