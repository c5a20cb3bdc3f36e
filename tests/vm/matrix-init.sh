#!/bin/sh
# matrix-init.sh - /init of the kernel-matrix guests (busybox sh): mounts the kernel file systems,
# runs corewatch at 1 s with a workload inside its window, one part after the other and each over
# 3 s so that some records are busy from end to end: pipe ping-pong pinned to CPU 0, direct I/O on
# the NVMe work disk, loopback TCP connects, a burst of short processes. Then it tars /out
# (records, corewatch's stderr, /proc snapshots) onto the results disk and powers off.
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
# The workload starts once the first metrics record is out (the line after the inventory record):
# the agent is loaded and sampling. Under TCG loading takes seconds. At most 60 s.
# (The file may not exist yet: the shell creates it when the background job starts.)
lines() { local n; n=$(wc -l <$O/records.jsonl 2>/dev/null); echo "${n:-0}"; }
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
wait $cw
echo $? >$O/corewatch.rc
snap after
say "corewatch exited $(cat $O/corewatch.rc), $(wc -l <$O/records.jsonl) records"
if [ -n "$out" ]; then
	tar -cf /dev/$out -C $O . && sync && say "results written to $out"
fi
poweroff -f
