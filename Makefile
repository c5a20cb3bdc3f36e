# SPDX-License-Identifier: GPL-2.0-only
# corewatch - build, test, run, install.
#
#   make            build build/corewatch (objects out of tree in build/)
#   make run        install missing build deps (as root), build, run showing a text line per second
#   make test       install missing build and test deps, build, run every test; "N passed, N failed"
#   make deps / make test-deps   only install (as root), or print the apt-get line
#   make SANITIZE=1 ...   the same with ASan + UBSan, in build/san/
#   make fuzz       the libFuzzer targets, FUZZ_SECONDS (300) each; make test runs them 10 s each
#   make soak       SOAK_MINUTES (20) under load; RSS and descriptors must not grow
#   make V=1 ...    show full commands
#   make JOBS=N run/test   the sub-makes of run and test build N at a time (default: the CPUs)

.DELETE_ON_ERROR:
.SUFFIXES:
.DEFAULT_GOAL := all

V ?= 0
ifeq ($(V),1)
Q :=
say :=
else
Q := @
say = @printf '  %-7s %s\n' $(1) $(2);
endif

SANITIZE ?= 0
FUZZ ?= 0
ifeq ($(FUZZ),1)
# libFuzzer targets (tests/fuzz/): the agent's code instrumented for coverage, under ASan + UBSan
BUILD ?= build/fuzz
CC := clang
SAN_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else ifeq ($(SANITIZE),1)
BUILD ?= build/san
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
BUILD ?= build
SAN_FLAGS :=
endif

# Debian packages (package:probe-file). RUN_DEPS build and run the agent (the -dev packages bring the
# runtime libraries); TEST_DEPS are what only the tests use: unit test framework, the servers the
# alerts are delivered to, log and shipper tools, the qemu guests, eBPF peers, fuzzing runtime.
RUN_DEPS := clang:/usr/bin/clang llvm:/usr/bin/llvm-strip libbpf-dev:/usr/include/bpf/libbpf.h \
	bpftool:/usr/sbin/bpftool libelf-dev:/usr/include/libelf.h zlib1g-dev:/usr/include/zlib.h \
	libcjson-dev:/usr/include/cjson/cJSON.h libinih-dev:/usr/include/ini.h \
	pkg-config:/usr/bin/pkg-config \
	libcurl4-openssl-dev:/usr/include/x86_64-linux-gnu/curl/curl.h \
	libmicrohttpd-dev:/usr/include/microhttpd.h libisal-dev:/usr/include/isa-l/igzip_lib.h
TEST_DEPS := libcmocka-dev:/usr/include/cmocka.h \
	python3-jsonschema:/usr/lib/python3/dist-packages/jsonschema/__init__.py \
	python3-aiosmtpd:/usr/lib/python3/dist-packages/aiosmtpd/__init__.py \
	prometheus-alertmanager:/usr/bin/prometheus-alertmanager prometheus:/usr/bin/promtool \
	rsyslog:/usr/sbin/rsyslogd groff-base:/usr/bin/groff man-db:/usr/bin/man \
	systemd:/usr/bin/systemd-analyze \
	qemu-system-x86:/usr/bin/qemu-system-x86_64 qemu-utils:/usr/bin/qemu-img mmdebstrap:/usr/bin/mmdebstrap \
	busybox-static:/bin/busybox cpio:/usr/bin/cpio bpftrace:/usr/bin/bpftrace faketime:/usr/bin/faketime \
	libbpf-tools:/usr/sbin/runqlat nftables:/usr/sbin/nft iproute2:/usr/sbin/ip openssl:/usr/bin/openssl \
	libclang-rt-14-dev:/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a \
	libxml2-utils:/usr/bin/xmllint chromium:/usr/bin/chromium chromium-driver:/usr/bin/chromedriver \
	python3-selenium:/usr/lib/python3/dist-packages/selenium/__init__.py binutils:/usr/bin/objdump
missing = $(foreach d,$(1),$(if $(wildcard $(word 2,$(subst :, ,$(d)))),,$(word 1,$(subst :, ,$(d)))))

# What `make run` passes: a line a person can read (RUN_ARGS="..." replaces it; JSON is the default
# of the binary itself, for files and pipes).
RUN_ARGS ?= --format text

PKGS := libbpf libelf libcjson inih zlib libisal libcurl libmicrohttpd
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libcurl and libmicrohttpd are dlopen()ed when a setting needs them (user/dl.h): headers only.
PKG_LIBS := $(shell pkg-config --libs $(filter-out libcurl libmicrohttpd,$(PKGS)) 2>/dev/null)

CC ?= cc
CFLAGS ?= -O2 -g
# include/corewatch/ holds the structs the eBPF programs and the agent share ("corewatch/sched.h").
ALL_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -D_GNU_SOURCE \
	-Iuser -Iinclude -I$(BUILD) $(PKG_CFLAGS) $(SAN_FLAGS) $(CFLAGS)
DEPFLAGS = -MMD -MP
LDLIBS := $(PKG_LIBS) -lm

# eBPF: clang -target bpf -> bpftool gen skeleton -> included by the agent.
ARCH ?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' -e 's/ppc64le/powerpc/' \
	-e 's/s390x/s390/' -e 's/riscv64/riscv/' -e 's/loongarch64/loongarch/')
VMLINUX_DIR := vmlinux/$(ARCH)
CLANG ?= clang
# DWARF is for debuggers; the programs need only their BTF, which -g keeps (about 10x smaller objects
# and agent text).
LLVM_STRIP ?= llvm-strip
BPFTOOL ?= $(or $(shell command -v bpftool 2>/dev/null),/usr/sbin/bpftool)
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(VMLINUX_DIR) -Iinclude -Ibpf \
	-Wall -Werror -Wno-unused-function
BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(BPF_SRCS:%.c=$(BUILD)/%.o)
SKELS := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/%.skel.h)
.SECONDARY: $(BPF_OBJS)

USER_SRCS := $(filter-out user/main.c,$(wildcard user/*.c))
USER_OBJS := $(USER_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_SECONDS ?= 300

# Installation (DESTDIR for staging; the config file is never overwritten).
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/corewatch
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc
DOCS := README.md docs/schema.md docs/performance.md docs/operations.md docs/corewatch.schema.json

.PHONY: all deps test-deps run test bench soak clean unit-tests vmlinux install uninstall fuzz fuzz-bins
all: $(BUILD)/corewatch

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(VMLINUX_DIR)/vmlinux.h
	@mkdir -p $(dir $@)
	$(call say,BPF,$<)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

# The walk takes ran.bpf.h's marks with BPF_XCHG (v3); it loads on 6.7+ only. The sched object
# stays v1 for 5.10.
$(BUILD)/bpf/taskwalk.bpf.o: BPF_CFLAGS += -mcpu=v3

$(BUILD)/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call say,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

# The record schema is linked into the agent (.incbin), which -MMD cannot see.
$(BUILD)/user/schema.o: docs/corewatch.schema.json

# Skeletons exist before any agent object compiles; -MMD then tracks which object uses which.
$(USER_OBJS) $(BUILD)/user/main.o: | $(SKELS)

# Regenerates the committed vmlinux.h from the running kernel's BTF.
vmlinux:
	@mkdir -p $(VMLINUX_DIR)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $(VMLINUX_DIR)/vmlinux.h

$(BUILD)/libcorewatch.a: $(USER_OBJS)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/corewatch: $(BUILD)/user/main.o $(BUILD)/libcorewatch.a
	$(call say,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/libcorewatch.a
	@mkdir -p $(dir $@)
	$(call say,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# (built with FUZZ=1: -fsanitize=fuzzer brings libFuzzer's main)
$(BUILD)/fuzz/%: $(BUILD)/tests/fuzz/%.o $(BUILD)/libcorewatch.a
	@mkdir -p $(dir $@)
	$(call say,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

fuzz-bins: $(FUZZ_BINS)

$(BUILD)/tests/pingpong: tests/tools/pingpong.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) -O2 -Wall -Wextra -Werror -o $@ $<

$(BUILD)/tests/tcpconn: tests/tools/tcpconn.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) -O2 -Wall -Wextra -Werror -o $@ $<

$(BUILD)/tests/namedexit: tests/tools/namedexit.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) -O2 -Wall -Wextra -Werror -o $@ $<

# The chart renderer's demo pages for tests/e2e/82_charts.sh (links the agent's code like a unit test).
$(BUILD)/tests/chartdemo: $(BUILD)/tests/tools/chartdemo.o $(BUILD)/libcorewatch.a
	@mkdir -p $(dir $@)
	$(call say,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

unit-tests: $(UNIT_BINS) $(BUILD)/tests/pingpong $(BUILD)/tests/tcpconn $(BUILD)/tests/namedexit \
	$(BUILD)/tests/chartdemo

# Installs what is missing when run as root on Debian/Ubuntu; otherwise names the exact command.
# $(1): what the packages are for, $(2): the missing ones.
define install_missing
	@missing="$(strip $(2))"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing $(1) dependencies: $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else \
		echo "missing $(1) dependencies; install them with:" >&2; \
		echo "  sudo apt-get install -y $$missing" >&2; exit 1; \
	fi
endef

deps:
	$(call install_missing,build,$(call missing,$(RUN_DEPS)))

test-deps:
	$(call install_missing,build and test,$(call missing,$(RUN_DEPS) $(TEST_DEPS)))

# The sub-make sees the freshly installed packages (pkg-config flags are read at parse time), and
# builds on every CPU unless told otherwise (JOBS=1): a fresh build of the test command's three
# trees is 65 s on one of this VM's two cores, 40 s on both.
JOBS ?= $(shell nproc 2>/dev/null || echo 1)
run: deps
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) all
	$(BUILD)/corewatch $(RUN_ARGS)

test: test-deps
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) all unit-tests
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) FUZZ=1 SANITIZE=0 BUILD=build/fuzz fuzz-bins
	$(Q)BUILD=$(BUILD) FUZZ_BUILD=build/fuzz bash tests/run

# Each fuzz target for FUZZ_SECONDS from its seed corpus (tests/fuzz/corpus/); what it finds new
# stays in build/fuzz/corpus/, a crash in build/fuzz/crashes/.
fuzz: test-deps
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) FUZZ=1 SANITIZE=0 BUILD=build/fuzz fuzz-bins
	$(Q)FUZZ_BUILD=build/fuzz bash tests/fuzz/run $(FUZZ_SECONDS)

# The benchmark: not part of `make test`. Installs the peers it compares with when run as root.
BENCH_DEPS := linux-perf libbpf-tools bpftrace prometheus-node-exporter curl jq time fio
$(BUILD)/bench/empty.bpf.o: bench/empty.bpf.c $(VMLINUX_DIR)/vmlinux.h
	@mkdir -p $(dir $@)
	$(call say,BPF,$<)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/empty.skel.h: $(BUILD)/bench/empty.bpf.o
	$(call say,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name empty_bpf > $@

$(BUILD)/bench/empty: bench/empty.c $(BUILD)/empty.skel.h
	$(call say,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LDLIBS)

$(BUILD)/bench/httpload: bench/httpload.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) -O2 -Wall -Wextra -Werror -o $@ $<

$(BUILD)/bench/threads: bench/threads.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) -O2 -Wall -Wextra -Werror -pthread -o $@ $<

$(BUILD)/bench/tcpload: bench/tcpload.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) -O2 -Wall -Wextra -Werror -pthread -o $@ $<

bench: deps
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		missing=$$(for p in $(BENCH_DEPS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
		[ -z "$$missing" ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; }; \
	fi
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/bench/empty $(BUILD)/bench/httpload $(BUILD)/bench/threads $(BUILD)/bench/tcpload
	$(Q)BUILD=$(BUILD) bash bench/run

# The soak: SOAK_MINUTES (20) at 100 ms under load, scraped and alerting; fails on growth (bench/soak).
soak: test-deps
	$(Q)$(MAKE) --no-print-directory all unit-tests
	$(Q)BUILD=$(BUILD) bash bench/soak

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(DOCDIR) $(DESTDIR)$(SYSCONFDIR)/corewatch
	install -m 0755 $(BUILD)/corewatch $(DESTDIR)$(SBINDIR)/corewatch
	sed 's|/usr/local/sbin/corewatch|$(SBINDIR)/corewatch|g' configs/corewatch.service \
		>$(DESTDIR)$(UNITDIR)/corewatch.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/corewatch.service
	install -m 0644 docs/man/corewatch.8 $(DESTDIR)$(MANDIR)/man8/corewatch.8
	install -m 0644 docs/man/corewatch.conf.5 $(DESTDIR)$(MANDIR)/man5/corewatch.conf.5
	install -m 0644 $(DOCS) $(DESTDIR)$(DOCDIR)/
	cp -R configs/shippers configs/prometheus $(DESTDIR)$(DOCDIR)/
	install -m 0644 configs/corewatch.conf $(DESTDIR)$(DOCDIR)/corewatch.conf.example
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/corewatch/corewatch.conf ]; then \
		echo "keeping $(DESTDIR)$(SYSCONFDIR)/corewatch/corewatch.conf (the new example is in $(DOCDIR))"; \
	else \
		install -m 0640 configs/corewatch.conf $(DESTDIR)$(SYSCONFDIR)/corewatch/corewatch.conf; \
	fi
	@echo "installed; start it with: systemctl daemon-reload && systemctl enable --now corewatch"

# The config file stays (it may hold local changes): remove /etc/corewatch by hand if wanted.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/corewatch $(DESTDIR)$(UNITDIR)/corewatch.service \
		$(DESTDIR)$(MANDIR)/man8/corewatch.8 $(DESTDIR)$(MANDIR)/man5/corewatch.conf.5
	rm -rf $(DESTDIR)$(DOCDIR)
	@echo "kept $(DESTDIR)$(SYSCONFDIR)/corewatch/corewatch.conf"

clean:
	rm -rf build

-include $(wildcard $(BUILD)/user/*.d $(BUILD)/tests/unit/*.d $(BUILD)/tests/tools/*.d $(BUILD)/tests/fuzz/*.d $(BUILD)/bpf/*.d)
