# SPDX-License-Identifier: GPL-2.0-only
# 20_systemd.sh - corewatch under a real systemd: boots a Debian 12 guest (qemu, TCG) whose PID 1 is
# systemd, installs `make install`'s staged tree, runs the README's service commands and checks the
# shipped unit there (tests/vm/systemd/guest.sh has the checks), then boots it a second time to see
# the enabled unit start by itself. The records come back out and are validated here against the
# schema. The guest image is built once with mmdebstrap (tests/vm/systemd/image.sh) and cached outside
# the clone under a hash of its recipe; each run boots a copy-on-write overlay of it.
#   standalone: make && BUILD=build COREWATCH=$PWD/build/corewatch RESULTS=/tmp/r.txt bash tests/vm/20_systemd.sh
#   COREWATCH_VM_CACHE: where images are cached [/var/cache/corewatch-vm]
. tests/e2e/lib.sh
. tests/vm/lib.sh

S=tests/vm/systemd
BUILD=${BUILD:-build}
CACHE=${COREWATCH_VM_CACHE:-/var/cache/corewatch-vm}
QEMU_SMP=${QEMU_SMP:-2}

need_root "systemd/boot" || exit 0
for tool in qemu-system-x86_64 qemu-img mmdebstrap mkfs.ext4 debugfs flock; do
	if ! command -v "$tool" >/dev/null; then
		skip_or_fail "systemd/boot" "no $tool (make test-deps installs it)"
		exit 0
	fi
done
case "$BUILD" in
*/san)
	# The guest runs the shipping build; a sanitizer build needs runtime libraries the image lacks.
	echo "SKIP systemd/boot: BUILD=$BUILD is a sanitizer build" >>"$RESULTS"
	exit 0
	;;
esac

# ---- the cached image: built once per recipe (packages, libraries, image.sh, driver and its unit) ----
# The packages of the libraries the binary loads (linked or dlopen()ed: vm_libs, mapped with
# dpkg -S): a new dependency reaches the guest, and a new image, without an edit here.
libs=$(vm_libs "$BUILD/corewatch" | while read -r f; do
	{ dpkg -S "$f" 2>/dev/null || dpkg -S "/usr$f" 2>/dev/null || dpkg -S "$(realpath "$f")"; } | head -1 | cut -d: -f1
done | sort -u | paste -sd, -)
if [ -z "$libs" ]; then
	fail "systemd/libraries" "no package found for the libraries of $BUILD/corewatch"
	exit 0
fi
export COREWATCH_VM_LIBS=$libs
hash=$( (cat "$S/packages" "$S/image.sh" "$S/driver" "$S/corewatch-vmtest.service"; echo "$libs") | sha256sum | cut -c1-16)
IMG="$CACHE/systemd-$hash"
mkdir -p "$CACHE"
t_build=0
if [ ! -f "$IMG/base.img" ]; then
	echo "  building the guest image $IMG (mmdebstrap; a few minutes on a cold cache)"
	t0=$(date +%s)
	# One builder at a time (parallel runs share the cache); a second one finds it built.
	timeout -k 5 420 flock "$CACHE/.systemd.lock" bash "$S/image.sh" "$IMG" >"$T/image.log" 2>&1
	rc=$?
	t_build=$(($(date +%s) - t0))
	if [ $rc -ne 0 ] || [ ! -f "$IMG/base.img" ]; then
		fail "systemd/image-build" "image.sh exit $rc after ${t_build}s: $(tail -5 "$T/image.log")"
		exit 0
	fi
	echo "  image built in ${t_build}s"
fi

# ---- the payload disk: the staged install, the checks, and room for the results ----
mkdir -p "$T/payload/out"
if ! make -s install DESTDIR="$T/payload/stage" BUILD="$BUILD" >"$T/install.log" 2>&1; then
	fail "systemd/make-install" "$(tail -5 "$T/install.log")"
	exit 0
fi
cp "$S/guest.sh" "$T/payload/guest.sh"
if ! mkfs.ext4 -q -F -L payload -d "$T/payload" "$T/payload.img" 256M >"$T/mkfs.log" 2>&1; then
	fail "systemd/payload-disk" "$(cat "$T/mkfs.log")"
	exit 0
fi
# The run writes to an overlay: the cached base stays as built.
qemu-img create -q -f qcow2 -F raw -b "$IMG/base.img" "$T/root.qcow2" ||
	{ fail "systemd/overlay" "qemu-img create failed"; exit 0; }

# boot PHASE SECONDS: boots the guest once; the driver runs guest.sh PHASE and powers off. A guest
# that does not power off in SECONDS is killed (its console is kept for the failure message).
boot() {
	local phase=$1 secs=$2 t0 rc
	t0=$(date +%s)
	timeout -k 5 "$secs" qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp "$QEMU_SMP" -m 2048 \
		-display none -no-reboot -monitor none -nic none -serial "file:$T/console-$phase.log" \
		-kernel "$IMG/vmlinuz" -initrd "$IMG/initrd.img" \
		-append "root=/dev/vda rw console=ttyS0 panic=-1 corewatch_vmtest=$phase" \
		-drive "file=$T/root.qcow2,if=virtio,format=qcow2" \
		-drive "file=$T/payload.img,if=virtio,format=raw" >"$T/qemu-$phase.log" 2>&1
	rc=$?
	echo "  boot $phase: qemu exit $rc after $(($(date +%s) - t0))s"
	rm -rf "$T/res"
	mkdir -p "$T/res"
	debugfs -R "rdump /out $T/res" "$T/payload.img" >/dev/null 2>&1
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		fail "systemd/boot-$phase" "guest still running after ${secs}s; console: $(tail -15 "$T/console-$phase.log" | tr -d '\r')"
		return 1
	fi
	if [ $rc -ne 0 ] || [ ! -s "$T/res/out/results-$phase" ]; then
		fail "systemd/boot-$phase" "qemu exit $rc, no results; $(tail -3 "$T/qemu-$phase.log") console: $(tail -15 "$T/console-$phase.log" | tr -d '\r')"
		return 1
	fi
	pass "systemd/boot-$phase"
	report <"$T/res/out/results-$phase"
	sed 's/^/    /' "$T/res/out/facts-$phase"
	return 0
}

t_run0=$(date +%s)
if boot 1 300; then
	# The records of the first boot, written under the unit, against the published schema.
	logs=$(find "$T/res/out/logs-1" "$T/res/out/cg.jsonl" -name '*.log' -o -name cg.jsonl 2>/dev/null | sort)
	if [ -n "$logs" ]; then
		# shellcheck disable=SC2086
		check "systemd/records-valid-against-schema" $PY "$VALIDATE" "$SCHEMA" $logs
	else
		fail "systemd/records-valid-against-schema" "no log files in /var/log/corewatch"
	fi
	boot 2 150
fi
# COREWATCH_VM_KEEP=DIR keeps what the guest wrote and its consoles, for a look after the run.
[ -n "${COREWATCH_VM_KEEP:-}" ] && mkdir -p "$COREWATCH_VM_KEEP" &&
	cp -a "$T/res/out" "$T"/console-*.log "$COREWATCH_VM_KEEP/" 2>/dev/null
echo "  systemd guest: image build ${t_build}s (0: cached), two boots and checks $(($(date +%s) - t_run0))s"
