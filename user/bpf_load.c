// SPDX-License-Identifier: GPL-2.0-only
/* bpf_load.c - see bpf_load.h. */
#include "bpf_load.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "col_bpf.h"
#include "log.h"
#include "privs.h"
#include "util.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

/* libbpf's own words are details: debug only, whatever their level. A message may hold a whole
 * verifier log: one log line per line of it. */
/* The program libbpf last failed to load, from its "prog 'NAME': failed to load" warning (stable
 * wording since libbpf 0.x): bpf_object__load() reports only an error code for the whole object. */
static char load_failed_prog[64];

static void note_failed_prog(const char *text)
{
	const char *p = strstr(text, "prog '"), *end;

	if (!p || !strstr(p, "': failed to load"))
		return;
	p += 6;
	end = strchr(p, '\'');
	if (end && (size_t)(end - p) < sizeof(load_failed_prog)) {
		memcpy(load_failed_prog, p, (size_t)(end - p));
		load_failed_prog[end - p] = '\0';
	}
}

static int libbpf_to_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	static char text[65536];
	char *line, *save = NULL;

	vsnprintf(text, sizeof(text), fmt, ap);
	if (level == LIBBPF_WARN)
		note_failed_prog(text);
	if (log_get_level() < LOG_LVL_DEBUG)
		return 0;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		log_debug("libbpf: %s", strncmp(line, "libbpf: ", 8) == 0 ? line + 8 : line);
	return 0;
}

static bool has_cap(const struct __user_cap_data_struct d[2], int cap)
{
	return d[cap / 32].effective & (1u << (cap % 32));
}

const char *bpf_unavailable(const struct collector_env *env)
{
	static bool checked;
	static const char *reason;
	if (env->no_bpf)
		return "disabled by --no-bpf";
	if (checked)
		return reason;
	checked = true;
	libbpf_set_print(libbpf_to_log);
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0)
		reason = "the kernel has no BTF (/sys/kernel/btf/vmlinux), which CO-RE programs need";
	else if (!((privs_have(CAP_BPF) && privs_have(CAP_PERFMON)) || privs_have(CAP_SYS_ADMIN)))
		reason = "missing privileges: loading tracing programs needs CAP_BPF and CAP_PERFMON "
			 "(or CAP_SYS_ADMIN)";
	if (reason)
		log_warnx("eBPF collectors off: %s; running from /proc only", reason);
	return reason;
}

const struct bpf_object_open_opts *bpf_open_opts(void)
{
	static struct bpf_object_open_opts opts = { .sz = sizeof(opts) };

	/* A CO-RE relocation whose type is not in vmlinux (a shim's flavour for older kernels) makes
	 * libbpf look through the modules' BTF, which needs CAP_SYS_ADMIN (BPF_BTF_GET_NEXT_ID); without
	 * it the whole load fails with EPERM. Naming vmlinux as the only BTF to search avoids that: our
	 * programs trace nothing in modules. */
	if (!privs_have(CAP_SYS_ADMIN))
		opts.btf_custom_path = "/sys/kernel/btf/vmlinux";
	return &opts;
}

static struct btf *vmlinux_btf;

static struct btf *kernel_btf(void)
{
	if (!vmlinux_btf) {
		vmlinux_btf = btf__load_vmlinux_btf();
		if (!vmlinux_btf)
			vmlinux_btf = NULL; /* libbpf returns NULL and sets errno */
	}
	return vmlinux_btf;
}

bool kernel_btf_has_member(const char *type, const char *member)
{
	const struct btf_type *t;
	int id;

	if (!kernel_btf() || (id = btf__find_by_name_kind(vmlinux_btf, type, BTF_KIND_STRUCT)) < 0)
		return false;
	t = btf__type_by_id(vmlinux_btf, id);
	for (int i = 0; i < btf_vlen(t); i++)
		if (strcmp(btf__name_by_offset(vmlinux_btf, btf_members(t)[i].name_off), member) == 0)
			return true;
	return false;
}

bool kernel_btf_has_func(const char *name)
{
	return kernel_btf() && btf__find_by_name_kind(vmlinux_btf, name, BTF_KIND_FUNC) >= 0;
}

bool kernel_btf_has_tracepoint(const char *tp, int *nparams)
{
	char name[128];
	const struct btf_type *t;
	int id;

	if (!kernel_btf())
		return false;
	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	id = btf__find_by_name_kind(vmlinux_btf, name, BTF_KIND_TYPEDEF);
	if (id < 0)
		return false;
	if (nparams) {
		/* typedef -> pointer -> func proto; the first parameter is the tracepoint's void *data */
		t = btf__type_by_id(vmlinux_btf, btf__type_by_id(vmlinux_btf, id)->type);
		t = t ? btf__type_by_id(vmlinux_btf, t->type) : NULL;
		*nparams = t && btf_is_func_proto(t) ? (int)btf_vlen(t) - 1 : -1;
	}
	return true;
}

void kernel_btf_release(void)
{
	btf__free(vmlinux_btf);
	vmlinux_btf = NULL;
}

/* True when tracefs lists the plain tracepoint of prog (section "tracepoint/<category>/<name>"),
 * mounting tracefs first if no tracing directory is there (libbpf attaches through it). */
static bool plain_tracepoint_exists(const struct bpf_program *prog)
{
	static const char *const roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	static bool mount_tried;
	const char *sec = bpf_program__section_name(prog);
	char path[512];
	struct stat st;

	if (strncmp(sec, "tracepoint/", 11) != 0)
		return false;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < ARRAY_SIZE(roots); i++) {
			snprintf(path, sizeof(path), "%s/events/%s", roots[i], sec + 11);
			if (stat(path, &st) == 0)
				return true;
		}
		snprintf(path, sizeof(path), "%s/events", roots[0]);
		if (mount_tried || stat(path, &st) == 0)
			return false;
		mount_tried = true;
		if (mount("tracefs", roots[0], "tracefs", 0, NULL) != 0) {
			log_warn("cannot mount tracefs on %s", roots[0]);
			return false;
		}
		log_info("mounted tracefs on %s for plain tracepoints", roots[0]);
	}
	return false;
}

static void bpf_hooks_detach(struct bpf_hook *hooks, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bpf_link__destroy(hooks[i].link);
		hooks[i].link = NULL;
		hooks[i].kind = NULL;
	}
}

bool bpf_program_refused(const struct bpf_status *st, const char *prog)
{
	for (size_t i = 0; i < st->nrefused; i++)
		if (strcmp(st->refused[i], prog) == 0)
			return true;
	return false;
}

/* Remembers that the kernel refused p (to load or to attach), for every later attempt. */
static void refuse(struct bpf_status *st, const struct bpf_program *p, const char *why, int err)
{
	if (st->nrefused < ARRAY_SIZE(st->refused))
		snprintf(st->refused[st->nrefused++], sizeof(st->refused[0]), "%s", bpf_program__name(p));
	log_info("eBPF %s: program %s %s: %s", st->name, bpf_program__name(p), why,
		 strerror(err > 0 ? err : -err));
}

/* The variants of a hook in the order they are tried: tp_btf (typed arguments, cheapest), raw_tp
 * (the same arguments read with BPF_CORE_READ: needs no BTF typedef for the tracepoint), then the
 * plain tracepoint (through tracefs and perf_event_open, which Debian's perf_event_paranoid=3 allows
 * only with CAP_SYS_ADMIN). COREWATCH_BPF_FORCE_RAW_TP / _TRACEPOINT start further down (tests). */
enum { VAR_BTF, VAR_RAW, VAR_PLAIN, NVARIANTS };
static const char *const variant_kind[NVARIANTS] = { "tp_btf", "raw_tp", "tracepoint" };

static struct bpf_program *variant(const struct bpf_hook *h, int v)
{
	return v == VAR_BTF ? h->btf : v == VAR_RAW ? h->raw : h->plain;
}

/* Whether variant v of h can be tried on this kernel (before asking the verifier). */
static bool variant_possible(const struct bpf_status *st, const struct bpf_hook *h, int v, bool in_btf)
{
	static int first = -1;
	struct bpf_program *p = variant(h, v);

	if (first < 0)
		first = getenv("COREWATCH_BPF_FORCE_TRACEPOINT") ? VAR_PLAIN
			: getenv("COREWATCH_BPF_FORCE_RAW_TP") ? VAR_RAW : VAR_BTF;
	if (!p || bpf_program_refused(st, bpf_program__name(p)))
		return false;
	/* A forced fallback applies where the hook has it; a hook without one keeps its best. */
	if (v < first && variant(h, first))
		return false;
	if (v == VAR_PLAIN)
		return plain_tracepoint_exists(p);
	/* raw_tp needs the tracepoint, which BTF lists on every kernel we load on; an optional one
	 * missing from BTF is a feature this kernel lacks */
	return in_btf || (v == VAR_RAW && !h->optional);
}

/* COREWATCH_BPF_TEST_BREAK=PROG[,PROG...] (tests only): submit each program named as a socket
 * filter, which fails its load, so the fallback to the next variant runs for real on kernels that
 * need none. */
static void break_for_test(struct bpf_program *p)
{
	const char *n = getenv("COREWATCH_BPF_TEST_BREAK");
	size_t len = strlen(bpf_program__name(p));
	bool named = false;

	while (n && *n && !named) {
		named = strncmp(n, bpf_program__name(p), len) == 0 && (n[len] == ',' || n[len] == '\0');
		n = strchr(n, ',');
		n = n ? n + 1 : NULL;
	}
	if (named) {
		bpf_program__set_type(p, BPF_PROG_TYPE_SOCKET_FILTER);
		bpf_program__set_expected_attach_type(p, 0);
	}
}

/* For the tests' overflow cases: COREWATCH_BPF_TEST_MAP_MAX="socks=4,peers=2" gives those maps of any
 * program that many entries, so that filling them takes a test's worth of work. */
static void shrink_for_test(struct bpf_object *obj)
{
	const char *n = getenv("COREWATCH_BPF_TEST_MAP_MAX");
	struct bpf_map *m;

	if (!n)
		return;
	bpf_object__for_each_map(m, obj) {
		size_t len = strlen(bpf_map__name(m));

		for (const char *at = n; at && *at; at = strchr(at, ','), at = at ? at + 1 : NULL) {
			uint64_t v;
			char num[24];

			if (strncmp(at, bpf_map__name(m), len) != 0 || at[len] != '=')
				continue;
			snprintf(num, sizeof(num), "%.*s", (int)strcspn(at + len + 1, ","), at + len + 1);
			if (parse_u64(num, 1, UINT32_MAX, &v) == 0 && bpf_map__set_max_entries(m, (__u32)v) == 0)
				log_info("test: map %s holds %llu entries", bpf_map__name(m), (unsigned long long)v);
		}
	}
}

/* Chooses the variant of each hook before load (autoload off for every other one). */
static void bpf_hooks_select(const struct bpf_status *st, struct bpf_hook *hooks, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct bpf_hook *h = &hooks[i];
		bool in_btf = kernel_btf_has_tracepoint(h->tp, NULL);
		int chosen = -1;

		for (int v = 0; v < NVARIANTS; v++) {
			if (chosen < 0 && variant_possible(st, h, v, in_btf))
				chosen = v;
			if (variant(h, v))
				bpf_program__set_autoload(variant(h, v), v == chosen);
		}
		h->kind = NULL;
		h->why = NULL;
		if (chosen >= 0)
			break_for_test(variant(h, chosen));
		if (chosen < 0) {
			h->why = !in_btf ? "not in this kernel" : "the kernel refused every variant";
			log_info("tracepoint %s: %s: left out", h->tp, h->why);
		}
	}
}

static struct bpf_program *hook_selected(const struct bpf_hook *h)
{
	for (int v = 0; v < NVARIANTS; v++)
		if (variant(h, v) && bpf_program__autoload(variant(h, v)))
			return variant(h, v);
	return NULL;
}

static const char *hook_kind(const struct bpf_hook *h, const struct bpf_program *p)
{
	for (int v = 0; v < NVARIANTS; v++)
		if (variant(h, v) == p)
			return variant_kind[v];
	return NULL;
}

struct bpf_program *bpf_hook_program(const struct bpf_hook *h)
{
	if (!h->link || !h->kind)
		return NULL;
	for (int v = 0; v < NVARIANTS; v++)
		if (variant(h, v) && strcmp(variant_kind[v], h->kind) == 0)
			return variant(h, v);
	return NULL;
}

/* Attaches the selected variant of each hook after load. Returns 0; -EAGAIN when a variant failed
 * to attach and another may (it is refused: load again); or -errno of a non-optional hook that has
 * nothing left to try. */
static int bpf_hooks_attach(struct bpf_status *st, struct bpf_hook *hooks, size_t n)
{
	int first_err = 0;

	for (size_t i = 0; i < n; i++) {
		struct bpf_hook *h = &hooks[i];
		struct bpf_program *p = hook_selected(h);

		if (!p)
			continue;
		h->link = bpf_program__attach(p);
		if (!h->link) {
			int err = -errno;
			bool more = false, in_btf = kernel_btf_has_tracepoint(h->tp, NULL);

			refuse(st, p, "failed to attach", err);
			for (int v = 0; v < NVARIANTS; v++)
				more |= variant_possible(st, h, v, in_btf);
			log_warnx("cannot attach to tracepoint %s (%s): %s%s", h->tp, hook_kind(h, p),
				  strerror(-err), more ? "; trying the next variant" : h->optional ? " (optional: left out)" : "");
			if (more) {
				first_err = -EAGAIN;
				continue;
			}
			h->why = "cannot attach";
			if (!h->optional && !first_err)
				first_err = err;
			continue;
		}
		h->kind = hook_kind(h, p);
	}
	return first_err;
}

uint64_t bpf_caps_to_keep(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct saved[2], low[2];
	__u32 zero = 0;
	__u64 value;
	int fd, rc, err;

	if (!bpf_status_any_loaded() || syscall(SYS_capget, &h, saved) != 0)
		return 0;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "cw_capprobe", sizeof(zero), sizeof(value), 1, NULL);
	if (fd < 0)
		return 0;
	memcpy(low, saved, sizeof(low));
	low[CAP_BPF / 32].effective &= ~(1u << (CAP_BPF % 32));
	low[CAP_PERFMON / 32].effective &= ~(1u << (CAP_PERFMON % 32));
	low[CAP_SYS_ADMIN / 32].effective &= ~(1u << (CAP_SYS_ADMIN % 32));
	if (syscall(SYS_capset, &h, low) != 0) {
		close(fd);
		return 0;
	}
	rc = bpf_map_lookup_elem(fd, &zero, &value);
	err = errno;
	syscall(SYS_capset, &h, saved);
	close(fd);
	if (rc == 0 || err != EPERM)
		return 0;
	log_info("this kernel lets only CAP_BPF read eBPF maps: keeping it after start");
	return has_cap(saved, CAP_BPF) ? 1ull << CAP_BPF : 1ull << CAP_SYS_ADMIN;
}

int bpf_program_failed(struct bpf_status *st, const char *what, int err, void (*destroy)(void *),
		       void *state)
{
	log_warnx("eBPF %s: %s: %s", st->name, what, strerror(err > 0 ? err : -err));
	if (destroy)
		destroy(state);
	st->loaded = false;
	st->error = what;
	bpf_status_register(st);
	return -ENOTSUP;
}

/* After a failed load: the hook whose selected variant is the program libbpf named, or NULL. */
static struct bpf_hook *hook_of_failed(struct bpf_hook *hooks, size_t n, struct bpf_program **prog)
{
	for (size_t i = 0; load_failed_prog[0] && i < n; i++) {
		struct bpf_program *p = hook_selected(&hooks[i]);

		if (p && strcmp(bpf_program__name(p), load_failed_prog) == 0) {
			*prog = p;
			return &hooks[i];
		}
	}
	return NULL;
}

int bpf_program_start(struct bpf_status *st, struct bpf_object *obj, struct bpf_hook *hooks, size_t n)
{
	struct bpf_program *bad = NULL;
	struct bpf_hook *h;
	int err;

	bpf_hooks_select(st, hooks, n);
	for (size_t i = 0; i < n; i++)
		if (!hooks[i].optional && !hook_selected(&hooks[i])) {
			log_warnx("eBPF %s: tracepoint %s: %s", st->name, hooks[i].tp, hooks[i].why);
			return bpf_program_failed(st, "a tracepoint it needs has no usable variant", ENOENT, NULL, NULL);
		}
	kernel_btf_release(); /* libbpf parses its own copy to load: never two at once */
	shrink_for_test(obj);
	load_failed_prog[0] = '\0';
	err = bpf_object__load(obj);
	if (err) {
		/* One program refused fails the whole object: refuse that variant and let the caller
		 * open the object again, so the other programs keep their best variant. */
		if ((h = hook_of_failed(hooks, n, &bad)) && st->nrefused < ARRAY_SIZE(st->refused)) {
			refuse(st, bad, "failed to load", err);
			return -EAGAIN;
		}
		return bpf_program_failed(st, "the kernel refused the program (see -v for the verifier log)", err,
					  NULL, NULL);
	}
	err = bpf_hooks_attach(st, hooks, n);
	if (err == -EAGAIN) {
		bpf_hooks_detach(hooks, n);
		return err;
	}
	if (err)
		return bpf_program_failed(st, "cannot attach to its tracepoints", err, NULL, NULL);
	st->loaded = true;
	st->error = NULL;
	st->hooks = hooks;
	st->nhooks = n;
	bpf_status_register(st);
	return 0;
}

void bpf_program_stop(struct bpf_status *st, struct bpf_hook *hooks, size_t n)
{
	bpf_hooks_detach(hooks, n);
	st->loaded = false;
	st->hooks = NULL;
	st->nhooks = 0;
}

size_t bpf_map_drain(int fd, size_t key_size, size_t value_size, void *keys, void *values, size_t max)
{
	char *k = keys, *v = values;
	size_t n = 0;

	while (n < max && bpf_map_get_next_key(fd, n ? k + (n - 1) * key_size : NULL, k + n * key_size) == 0)
		if (bpf_map_lookup_elem(fd, k + n * key_size, v + n * value_size) == 0)
			n++;
	/* Deleting while walking would restart the walk: delete after. An increment landing between
	 * the read and the delete is lost; these maps feed top-N lists, not totals. */
	for (size_t i = 0; i < n; i++)
		bpf_map_delete_elem(fd, k + i * key_size);
	return n;
}

int bpf_ncpus(void)
{
	static int n;

	if (!n) {
		n = libbpf_num_possible_cpus();
		if (n <= 0)
			n = 1;
	}
	return n;
}

void percpu_sum(const __u64 *percpu, int ncpu, size_t n, __u64 *sum)
{
	memset(sum, 0, n * sizeof(*sum));
	for (int c = 0; c < ncpu; c++)
		for (size_t i = 0; i < n; i++)
			sum[i] += percpu[(size_t)c * n + i];
}

int percpu_take(int fd, void *vals, const void *zeros)
{
	__u32 zero = 0;

	if (bpf_map_lookup_elem(fd, &zero, vals) != 0)
		return -errno;
	bpf_map_update_elem(fd, &zero, zeros, BPF_ANY);
	return 0;
}

int bpf_base_new(const struct collector_env *env, size_t size, struct bpf_status *st, void **state)
{
	struct bpf_base *b;

	if (bpf_unavailable(env))
		return -ENOTSUP;
	b = calloc(1, size);
	if (!b)
		return -ENOMEM;
	b->env = env;
	b->st = st;
	*state = b;
	return 0;
}

/* bpf_object__load() alone leaves a skeleton's global data pointers (skel->bss, ->data, ->rodata)
 * on the copy libbpf made before load, not on the maps the programs use: a value the agent wrote
 * there never reached the kernel, nor did the kernel's reach the agent. Maps each of them over that
 * copy, as the skeleton's own load does. Returns 0 or -errno. */
static int map_global_data(const struct bpf_object_skeleton *s)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	for (int i = 0; s && i < s->map_cnt; i++) {
		const struct bpf_map_skeleton *m = (const void *)((const char *)s->maps + (size_t)i * s->map_skel_sz);
		struct bpf_map *map = *m->map;
		size_t size = ((bpf_map__value_size(map) + 7) / 8 * 8 * bpf_map__max_entries(map) + page - 1) / page * page;
		void *p;

		if (!m->mmaped || !*m->mmaped || bpf_map__fd(map) < 0)
			continue;
		if (!(bpf_map__map_flags(map) & BPF_F_MMAPABLE)) {
			*m->mmaped = NULL; /* a kernel without mmapable arrays: no pointer rather than a stale one */
			continue;
		}
		p = mmap(*m->mmaped, size, bpf_map__map_flags(map) & BPF_F_RDONLY_PROG ? PROT_READ : PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, bpf_map__fd(map), 0);
		if (p == MAP_FAILED)
			return -errno;
		*m->mmaped = p;
	}
	return 0;
}

int bpf_base_load(struct bpf_base *b, bpf_open_fn open)
{
	struct bpf_object *obj;
	int err;

	do {
		b->skeleton = NULL;
		if (!(obj = open(b)))
			return bpf_program_failed(b->st, "cannot open the program", errno, NULL, NULL);
		err = bpf_program_start(b->st, obj, b->hooks, b->nhooks);
	} while (err == -EAGAIN);
	if (!err && (err = map_global_data(b->skeleton)) < 0)
		return bpf_program_failed(b->st, "cannot map its global data", err, NULL, NULL);
	return err;
}

void bpf_base_stop(struct bpf_base *b)
{
	bpf_program_stop(b->st, b->hooks, ARRAY_SIZE(b->hooks));
}
