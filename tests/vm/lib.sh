# SPDX-License-Identifier: GPL-2.0-only
# lib.sh - helpers for the qemu tests in tests/vm/ (sourced; needs bash, set -u friendly).
#   VM_CACHE                       downloads and unpacked kernels, outside the clone
#   vm_apt SUITE... -- ARGS...     apt-get/apt-cache ARGS against a private sources list of those
#                                  suites (the host's apt sources and state are never touched)
#   vm_kernel_newest SUITES REGEX  newest linux-image/linux-binary package version matching REGEX
#   vm_kernel_fetch SUITES KVER    downloads + unpacks one kernel; prints its directory (vmlinuz, config)
#   vm_qemu SECONDS CONSOLE ARGS...  runs qemu-system-x86_64 (TCG) with a hard timeout; 0 = guest
#                                  powered off by itself, 124 = killed after SECONDS, else qemu failed
#   vm_initramfs DIR OUT           packs DIR as a newc cpio (gzip) initramfs
#   vm_libs FILE                   the libraries FILE loads (linked or dlopen()ed), with theirs
#   vm_add_bin DIR FILE...         copies executables and those libraries into DIR
VM_CACHE=${COREWATCH_VM_CACHE:-/var/cache/corewatch-vm}
VM_ARCHIVE=${VM_ARCHIVE:-}
VM_LOG=${VM_LOG:-/dev/stderr}

vm_log() { echo "  vm: $*" >&2; }

# The archive URIs come from the host's own deb822 sources (no host name is written here).
vm_archive_uris() {
	local f uri main="" sec=""
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		while read -r uri; do
			case "$uri" in
			*-security*) [ -n "$sec" ] || sec=$uri ;;
			*) [ -n "$main" ] || main=$uri ;;
			esac
		done < <(sed -n 's/^URIs:[[:space:]]*//p' "$f" | tr ' ' '\n' | grep .)
	done
	[ -n "$main" ] || return 1
	[ -n "$sec" ] || sec="${main%/debian}/debian-security"
	echo "$main $sec"
}

# vm_apt SUITE... -- ARGS...: ARGS[0] is apt-get or apt-cache. Each set of suites has its own state
# directory; its lists are refreshed when older than a day (VM_APT_MAXAGE minutes).
vm_apt() {
	local suites=() s key dir uris main sec
	while [ $# -gt 0 ] && [ "$1" != -- ]; do suites+=("$1"); shift; done
	[ $# -gt 1 ] || { echo "vm_apt: SUITE... -- apt-get|apt-cache ARGS" >&2; return 2; }
	shift
	key=$(IFS=+; echo "${suites[*]}")
	dir="$VM_CACHE/apt/$key"
	mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" || return 1
	if [ ! -s "$dir/sources.list" ]; then
		uris=$(vm_archive_uris) || { echo "vm_apt: no archive URIs in /etc/apt/sources.list.d" >&2; return 1; }
		main=${uris% *} sec=${uris#* }
		for s in "${suites[@]}"; do
			case "$s" in
			*-security) echo "deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $sec $s main" ;;
			*) echo "deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $main $s main" ;;
			esac
		done >"$dir/sources.list.tmp" && mv "$dir/sources.list.tmp" "$dir/sources.list"
	fi
	: >>"$dir/status"
	local opts=(-o "Dir::Etc::SourceList=$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State::Lists=$dir/lists" -o "Dir::State::status=$dir/status" -o "Dir::Cache=$dir/cache"
		-o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null
		-o APT::Architectures=amd64 -o Acquire::Languages=none -o Acquire::Retries=3
		-o Debug::NoLocking=1 -o APT::Sandbox::User=root)
	# One refresh at a time per state directory; a fresh stamp means no network at all.
	if [ -z "$(find "$dir/stamp" -mmin -"${VM_APT_MAXAGE:-1440}" 2>/dev/null)" ]; then
		(
			flock -w 300 9 || exit 1
			[ -n "$(find "$dir/stamp" -mmin -"${VM_APT_MAXAGE:-1440}" 2>/dev/null)" ] && exit 0
			vm_log "apt: updating lists for ${suites[*]}"
			apt-get "${opts[@]}" -qq update >&2 && touch "$dir/stamp"
		) 9>"$dir/lock" || { echo "vm_apt: apt-get update failed for ${suites[*]}" >&2; return 1; }
	fi
	local cmd=$1
	shift
	"$cmd" "${opts[@]}" "$@"
}

# vm_kernel_newest "SUITE..." REGEX: the newest kernel ABI (e.g. 5.10.0-46-cloud-amd64) whose
# linux-image-ABI or linux-binary-ABI package (from 6.19 on, the image is split into linux-binary-*
# with the vmlinuz and linux-modules-*) is in those suites and matches the extended REGEX.
vm_kernel_newest() {
	local suites
	read -ra suites <<<"$1"
	vm_apt "${suites[@]}" -- apt-cache pkgnames linux- |
		sed -n -E 's/^linux-(image|binary)-([0-9].*)$/\2/p' | grep -v -e '-unsigned' -e '-dbg$' |
		grep -E "$2" | sort -uV | tail -1 | grep .
}

# vm_kernel_fetch "SUITE..." ABI: downloads the package holding ABI's vmlinuz, unpacks vmlinuz and
# its config (if the package has one) to $VM_CACHE/kernels/ABI/ (reused from then on), and prints that directory.
vm_kernel_fetch() {
	local suites abi=$2 dir="$VM_CACHE/kernels/$2" pkg tmp deb
	read -ra suites <<<"$1"
	if [ -s "$dir/vmlinuz" ]; then echo "$dir"; return 0; fi
	pkg="linux-image-$abi"
	vm_apt "${suites[@]}" -- apt-cache show "linux-binary-$abi" >/dev/null 2>&1 && pkg="linux-binary-$abi"
	mkdir -p "$VM_CACHE/kernels" || return 1
	tmp=$(mktemp -d "$VM_CACHE/kernels/.fetch.XXXXXX") || return 1
	vm_log "downloading $pkg"
	if ! (cd "$tmp" && vm_apt "${suites[@]}" -- apt-get -qq download "$pkg" >&2); then
		rm -rf "$tmp"; echo "vm_kernel_fetch: cannot download $pkg" >&2; return 1
	fi
	deb=$(ls "$tmp"/*.deb | head -1)
	mkdir -p "$tmp/x" && dpkg-deb -x "$deb" "$tmp/x" || { rm -rf "$tmp"; return 1; }
	mkdir -p "$tmp/k"
	# boot/vmlinuz-ABI up to 6.18; usr/lib/modules/ABI/vmlinuz in linux-binary-*. The config, when the
	# package has it, is kept for reference (which drivers are built in).
	cp "$tmp"/x/boot/vmlinuz-* "$tmp/k/vmlinuz" 2>/dev/null || cp "$tmp"/x/usr/lib/modules/*/vmlinuz "$tmp/k/vmlinuz" ||
		{ rm -rf "$tmp"; echo "vm_kernel_fetch: $pkg has no vmlinuz" >&2; return 1; }
	cp "$tmp"/x/boot/config-* "$tmp/k/config" 2>/dev/null || cp "$tmp"/x/usr/lib/modules/*/config "$tmp/k/config" 2>/dev/null || true
	basename "$deb" >"$tmp/k/package"
	rm -rf "$dir" && mv "$tmp/k" "$dir" && rm -rf "$tmp" && echo "$dir"
}

# vm_libs FILE: the paths of the libraries FILE loads: its ELF NEEDED entries and the ones it
# dlopen()s (user/dl.c names them by soname: every "libX.so.N" string in the file that ldconfig
# knows), each with what it needs in turn (ldd), the dynamic loader too.
vm_libs() {
	local f=$1 so path
	{
		ldd "$f" 2>/dev/null | grep -oE '/[^ ]+'
		for so in $(grep -aoE '\blib[a-z0-9_+-]+\.so\.[0-9]+\b' "$f" | sort -u); do
			path=$(ldconfig -p | awk -v so="$so" -v arch="$(uname -m)-linux" '$1 == so && index($NF, arch) {print $NF; exit}')
			[ -n "$path" ] && { echo "$path"; ldd "$path" 2>/dev/null | grep -oE '/[^ ]+'; }
		done
	} | sort -u
}

# vm_add_bin ROOT FILE...: copies each executable to ROOT/bin and the libraries it loads (vm_libs)
# to the same paths under ROOT.
vm_add_bin() {
	local root=$1 f lib
	shift
	mkdir -p "$root/bin" || return 1
	for f in "$@"; do
		cp -L "$f" "$root/bin/" || return 1
		for lib in $(vm_libs "$f"); do
			[ -e "$root$lib" ] && continue
			mkdir -p "$root$(dirname "$lib")" && cp -L "$lib" "$root$lib" || return 1
		done
	done
}

# vm_busybox_root ROOT: a root with busybox-static and a link for each of its applets in /bin.
vm_busybox_root() {
	local root=$1 a
	mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,run,out} || return 1
	cp /bin/busybox "$root/bin/busybox" || return 1
	for a in $(/bin/busybox --list); do
		[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
	done
	ln -sf ../bin/busybox "$root/sbin/init"
}

# vm_initramfs ROOT OUT: packs ROOT as an uncompressed newc cpio (no decompression under TCG).
vm_initramfs() {
	(cd "$1" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) >"$2.tmp" && mv "$2.tmp" "$2"
}

# vm_qemu SECONDS CONSOLE QEMU-ARGS...: one guest on TCG (the host's /dev/kvm cannot boot Debian
# kernels), serial console to the file CONSOLE, no reboot. Returns 0 when the guest powered itself
# off, 124 when it was killed after SECONDS (a hang), another status when qemu itself failed. Never
# waits longer than SECONDS + 5.
vm_qemu() {
	local secs=$1 console=$2 rc
	shift 2
	# One host thread for all vCPUs: with thread=multi, a guest patching its own kernel text while
	# another vCPU runs it (a tracepoint's static key flipping as a program attaches, text_poke's
	# int3) crashed 6.16 and 7.3 guests ("Oops: int3") in matrix runs.
	timeout -k 5 "$secs" qemu-system-x86_64 -accel "tcg,thread=${VM_TCG_THREAD:-single}" -cpu max -smp "${VM_SMP:-2}" \
		-m "${VM_MEM:-1024}" -nodefaults -no-reboot -display none -monitor none \
		-chardev "file,id=con,path=$console" -serial chardev:con "$@" </dev/null >"$console.qemu" 2>&1
	rc=$?
	[ $rc -eq 137 ] && rc=124
	return $rc
}

# vm_console_tail CONSOLE [N]: for a FAIL reason, on one line: the console's first panic, Oops or BUG
# line (a panic's backtrace pushes it out of the tail), then its last N (12) non-empty lines.
vm_console_tail() {
	local text
	text=$({ tr -d '\r' <"$1" 2>/dev/null; cat "$1.qemu" 2>/dev/null; } | grep -v '^[[:space:]]*$')
	{ grep -m1 -E 'Kernel panic|Oops|BUG:' <<<"$text" | sed 's/$/ .../'; tail -"${2:-12}" <<<"$text"; } | tr '\n' '|' | cut -c1-1500
}
