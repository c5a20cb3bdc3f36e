#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Builds the Debian 12 guest of tests/vm/20_systemd.sh into OUTDIR: base.img (raw ext4 root file
# system, made with mkfs.ext4 -d), vmlinuz and initrd.img (the guest kernel, booted with -kernel).
# mmdebstrap installs ./packages through apt with its own apt state, from the system's Debian
# sources list; the system's apt configuration is never touched. Usage: image.sh OUTDIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: image.sh OUTDIR}
sources=${COREWATCH_VM_SOURCES:-/etc/apt/sources.list.d/debian.sources}
[ -e "$out/base.img" ] && { echo "image.sh: $out already built" >&2; exit 0; }
work=$(mktemp -d "$(dirname "$out")/.build.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
pkgs=$(grep -v '^#' "$here/packages" | grep -v '^[[:space:]]*$' | paste -sd, -)
pkgs="$pkgs${COREWATCH_VM_LIBS:+,$COREWATCH_VM_LIBS}" # the binary's libraries (20_systemd.sh)
echo "image.sh: mmdebstrap bookworm ($pkgs)"
if ! mmdebstrap --variant=minbase --include="$pkgs" --quiet bookworm "$root" "$sources" >"$work/mmdebstrap.log" 2>&1; then
	tail -20 "$work/mmdebstrap.log" >&2
	exit 1
fi
# The test driver: runs the payload disk's script after multi-user.target (see driver).
install -D -m 0755 "$here/driver" "$root/usr/local/libexec/corewatch-vmtest"
install -m 0644 "$here/corewatch-vmtest.service" "$root/etc/systemd/system/corewatch-vmtest.service"
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -sf /etc/systemd/system/corewatch-vmtest.service "$root/etc/systemd/system/multi-user.target.wants/"
# Quiet and quick boots: no timers that start apt under the test, no login prompts.
for u in apt-daily.timer apt-daily-upgrade.timer getty@tty1.service serial-getty@ttyS0.service; do
	ln -sf /dev/null "$root/etc/systemd/system/$u"
done
echo corewatch-vm >"$root/etc/hostname"
printf '/dev/vda / ext4 rw,errors=remount-ro 0 1\n' >"$root/etc/fstab"
kernel=$(ls "$root"/boot/vmlinuz-* | sort -V | tail -1)
initrd=$(ls "$root"/boot/initrd.img-* | sort -V | tail -1)
[ -f "$kernel" ] && [ -f "$initrd" ] || { echo "image.sh: no kernel or initrd in /boot" >&2; exit 1; }
cp "$kernel" "$work/vmlinuz" && cp "$initrd" "$work/initrd.img" || exit 1
basename "$kernel" | sed 's/^vmlinuz-//' >"$work/kernel-release"
# Room for the payload's install, logs and journals on top of what is installed.
mb=$(( $(du -sm "$root" | cut -f1) + 768 ))
if ! mkfs.ext4 -q -F -L corewatch-vm -d "$root" "$work/base.img" "${mb}M" >"$work/mkfs.log" 2>&1; then
	cat "$work/mkfs.log" >&2
	exit 1
fi
rm -rf "$root"
mkdir -p "$(dirname "$out")"
mv "$work" "$out" || exit 1
trap - EXIT
echo "image.sh: built $out (${mb} MiB, kernel $(cat "$out/kernel-release"))"
