#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# vm_volume.sh - the default metrics record's size on a 2-vCPU and a 16-vCPU qemu guest (TCG, the
# kernel matrix's 6.12 cloud kernel, one initramfs): a busybox /init runs corewatch with its defaults
# but -i 1s -n 6, with and without --per-cpu, and the records come back on an NVMe results disk.
# Prints "SMP MEDIAN_BYTES MEDIAN_BYTES_PER_CPU_ON" per guest, or says on stderr why it could not.
# Run from the repository root (bench/run does); needs root, qemu and the VM cache of tests/vm.
set -u
BUILD=${BUILD:-build}
COREWATCH=${COREWATCH:-$PWD/$BUILD/corewatch}
. tests/vm/lib.sh
W=$(mktemp -d /tmp/corewatch-vmvol.XXXXXX)
trap 'rm -rf "$W"' EXIT

abi=$(vm_kernel_newest "bookworm bookworm-security" '^6\.12\.[0-9]+\+deb12-cloud-amd64$') &&
	kdir=$(vm_kernel_fetch "bookworm bookworm-security" "$abi") || { echo "no 6.12 kernel" >&2; exit 1; }
vm_busybox_root "$W/root" && vm_add_bin "$W/root" "$COREWATCH" && : >"$W/root/etc/empty.conf" || exit 1
mkdir -p "$W/root/out"
cat >"$W/root/init" <<'INIT'
#!/bin/sh
export PATH=/bin:/sbin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp; mount -t debugfs debugfs /sys/kernel/debug; mount -t bpf bpf /sys/fs/bpf
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
ip link set lo up
corewatch -c /etc/empty.conf -i 1s -n 6 >/out/default.jsonl 2>/out/default.err
corewatch -c /etc/empty.conf -i 1s -n 6 --per-cpu >/out/percpu.jsonl 2>/out/percpu.err
nproc >/out/nproc
for d in /sys/block/nvme*; do [ -e "$d" ] && tar -cf /dev/${d##*/} -C /out . && sync; done
poweroff -f
INIT
chmod 755 "$W/root/init"
vm_initramfs "$W/root" "$W/initramfs.cpio" || exit 1
for smp in 2 16; do
	g="$W/g$smp"
	mkdir -p "$g/out" && truncate -s 16M "$g/out.img"
	VM_SMP=$smp VM_MEM=2048 vm_qemu 300 "$g/console" -kernel "$kdir/vmlinuz" -initrd "$W/initramfs.cpio" \
		-append "console=ttyS0 loglevel=4 panic=-1" \
		-drive "file=$g/out.img,if=none,id=d1,format=raw" -device nvme,drive=d1,serial=cwout
	tar -xf "$g/out.img" -C "$g/out" 2>/dev/null
	python3 - "$g/out" "$smp" <<'PYEOF' || { echo "guest $smp: no records; $(vm_console_tail "$g/console")" >&2; exit 1; }
import json, statistics, sys
d, smp = sys.argv[1], sys.argv[2]
ncpu = int(open(f"{d}/nproc").read())
a = [len(l.encode()) for l in open(f"{d}/default.jsonl") if json.loads(l).get("type") == "metrics"]
def per_cpu(r):  # the per-CPU lists' own bytes
    return (len(json.dumps(r["cpu"].get("cores", []), separators=(",", ":"))) +
            len(json.dumps(r.get("sched", {}).get("cpus", []), separators=(",", ":")))) / ncpu
pc = [per_cpu(json.loads(l)) for l in open(f"{d}/percpu.jsonl") if json.loads(l).get("type") == "metrics"]
print(smp, ncpu, statistics.median(a), statistics.median(pc))
PYEOF
done
