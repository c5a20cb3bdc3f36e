// SPDX-License-Identifier: GPL-2.0-only
/* options.c - the option table and the one path both flags and the config file take (see options.h).
 * One job at 650 lines: a third is the table itself (one entry per option, with its bounds and help),
 * the rest the typed setters, the file reader and the JSON of the effective config it drives. */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cJSON.h>

#include "col_network.h"
#include "util.h"

enum opt_type { T_DURATION, T_UINT, T_DOUBLE, T_STRING, T_NAME, T_DIR, T_BOOL, T_ENUM, T_ACTION,
		T_LIST, T_RULE };

#define O_CLI_ONLY 1u   /* not accepted in the config file */
#define O_RESTART 2u    /* SIGHUP cannot apply it: needs a restart */
#define O_URL 4u        /* a URL: its password is not printed */
#define O_HEADERS 8u    /* 'Name: value' headers: secret values are not printed */

struct opt_spec {
	const char *name;
	int short_opt;
	enum opt_type type;
	size_t off;
	uint64_t min, max;          /* T_DURATION (ms), T_UINT and T_DOUBLE */
	const char *def;            /* parsed like any other value; NULL: unset */
	const char *const *choices; /* T_ENUM, NULL-terminated */
	unsigned flags;
	const char *arg, *help;
};

static const char *const format_names[] = { "json", "stamped", "text", NULL };

#define OFF(f) offsetof(struct options, f)
static const struct opt_spec specs[] = {
	{ "interval", 'i', T_DURATION, OFF(interval_ms), 100, 3600000, "10s", NULL, 0, "DURATION",
	  "sampling interval: 500ms, 2s, 1m (100ms..1h)" },
	{ "count", 'n', T_UINT, OFF(count), 0, UINT32_MAX, "0", NULL, 0, "N",
	  "write N metrics records, then exit (0: run until stopped)" },
	{ "config", 'c', T_STRING, OFF(config), 0, 0, NULL, NULL, O_CLI_ONLY, "FILE",
	  "config file (default " DEFAULT_CONFIG_PATH " when it exists)" },
	{ "log-dir", 0, T_STRING, OFF(log_dir), 0, 0, NULL, NULL, 0, "DIR",
	  "write DIR/<prefix><YYYY-MM-DD><suffix>.log instead of stdout" },
	{ "log-prefix", 0, T_NAME, OFF(log_prefix), 0, 0, "corewatch-", NULL, 0, "TEXT",
	  "log file name prefix" },
	{ "log-suffix", 0, T_NAME, OFF(log_suffix), 0, 0, "", NULL, 0, "TEXT",
	  "log file name suffix, before .log" },
	{ "retention-days", 0, T_UINT, OFF(retention_days), 0, 36500, "7", NULL, 0, "N",
	  "keep N days of log files, older ones are deleted (0: keep all)" },
	{ "format", 0, T_ENUM, OFF(format), 0, 0, "json", format_names, 0, "json|stamped|text",
	  "record layout: json lines, '<epoch> - <json>' lines, or text: one vmstat-like line per "
	  "interval for a terminal (not with --log-dir)" },
	{ "proc-root", 0, T_DIR, OFF(proc_root), 0, 0, "/proc", NULL, O_RESTART, "DIR",
	  "where procfs is mounted" },
	{ "sys-root", 0, T_DIR, OFF(sys_root), 0, 0, "/sys", NULL, O_RESTART, "DIR",
	  "where sysfs is mounted" },
	{ "no-bpf", 0, T_BOOL, OFF(no_bpf), 0, 0, "false", NULL, O_RESTART, NULL,
	  "do not load eBPF programs: /proc-only records" },
	{ "top", 0, T_UINT, OFF(top), 1, 100, "5", NULL, 0, "N",
	  "length of the eBPF top-N lists (processes by CPU, retransmit peers...)" },
	{ "top-cgroups", 0, T_UINT, OFF(top_cgroups), 1, 1000, "5", NULL, 0, "N",
	  "cgroups listed by CPU in each record and in /metrics (plus up to N more with memory pressure, "
	  "OOM kills or CPU throttling)" },
	{ "per-cpu", 0, T_BOOL, OFF(per_cpu), 0, 0, "false", NULL, 0, NULL,
	  "add per-CPU detail to each record: cpu.cores[] and sched.cpus[]" },
	{ "interfaces", 0, T_STRING, OFF(ifaces_include), 0, 0, NULL, NULL, 0, "PATTERN,...",
	  "report only the network interfaces matching these globs (the default exclusions then do not apply)" },
	{ "interfaces-exclude", 0, T_STRING, OFF(ifaces_exclude), 0, 0, NULL, NULL, 0, "PATTERN,...",
	  "leave out the interfaces matching these globs, instead of the default " NET_DEFAULT_EXCLUDE
	  "; wins over --interfaces" },
	{ "all-disks", 0, T_BOOL, OFF(all_disks), 0, 0, "false", NULL, O_RESTART, NULL,
	  "also report partitions, loop and ram devices" },
	{ "alert", 0, T_RULE, OFF(rules), 0, 0, NULL, NULL, 0, "RULE",
	  "alert rule (repeatable): 'NAME: METRIC OP VALUE [for DURATION] [clear VALUE] "
	  "[severity info|warning|critical]'" },
	{ "cpu-threshold", 0, T_DOUBLE, OFF(cpu_threshold), 0, 100, NULL, NULL, 0, "PCT",
	  "alert cpu_high when cpu.busy_pct > PCT" },
	{ "mem-threshold", 0, T_DOUBLE, OFF(mem_threshold), 0, 100, NULL, NULL, 0, "PCT",
	  "alert memory_high when memory.used_pct > PCT" },
	{ "disk-threshold", 0, T_DOUBLE, OFF(disk_threshold), 0, 100, NULL, NULL, 0, "PCT",
	  "alert disk_full when a filesystem's used_pct > PCT" },
	{ "load-threshold", 0, T_DOUBLE, OFF(load_threshold), 0, 1000000, NULL, NULL, 0, "N",
	  "alert load_high when load.load1 > N" },
	{ "alert-repeat", 0, T_DURATION, OFF(alert_repeat_ms), 0, 7 * 86400000ull, "0", NULL, 0,
	  "DURATION", "re-send a still-firing alert this often (0: once)" },
	{ "alert-timeout", 0, T_DURATION, OFF(alert_timeout_ms), 1000, 600000, "10s", NULL, O_RESTART,
	  "DURATION", "time one delivery (hook run, HTTP post, email) may take" },
	{ "alert-exec", 0, T_STRING, OFF(alert_exec), 0, 0, NULL, NULL, O_RESTART, "PROGRAM",
	  "run PROGRAM (no shell) per alert: JSON on stdin, COREWATCH_ALERT_* in the environment" },
	{ "alert-exec-user", 0, T_STRING, OFF(alert_exec_user), 0, 0, NULL, NULL, O_RESTART, "USER",
	  "run --alert-exec as USER (name or uid; never root), without capabilities [nobody as root]" },
	{ "alert-webhook", 0, T_STRING, OFF(alert_webhook), 0, 0, NULL, NULL, O_RESTART | O_URL, "URL",
	  "POST each alert as JSON to URL" },
	{ "alert-webhook-header", 0, T_LIST, OFF(alert_webhook_header), 0, 0, NULL, NULL, O_RESTART | O_HEADERS,
	  "'NAME: VALUE'", "extra webhook header (repeatable; not for secrets)" },
	{ "alert-webhook-headers-file", 0, T_STRING, OFF(alert_webhook_headers_file), 0, 0, NULL, NULL,
	  O_RESTART, "FILE", "webhook headers kept secret, one 'Name: value' per line" },
	{ "alertmanager", 0, T_STRING, OFF(alertmanager), 0, 0, NULL, NULL, O_RESTART | O_URL, "URL",
	  "Alertmanager base URL (alerts go to URL/api/v2/alerts)" },
	{ "alert-email", 0, T_LIST, OFF(alert_email), 0, 0, NULL, NULL, O_RESTART, "ADDR",
	  "mail each alert to ADDR (repeatable; needs --smtp-url and --smtp-from)" },
	{ "smtp-url", 0, T_STRING, OFF(smtp_url), 0, 0, NULL, NULL, O_RESTART | O_URL, "URL",
	  "mail server: smtp://host:port (STARTTLS when offered), smtp+starttls://host:port (STARTTLS "
	  "required) or smtps://host:port (TLS from the start)" },
	{ "smtp-from", 0, T_STRING, OFF(smtp_from), 0, 0, NULL, NULL, O_RESTART, "ADDR",
	  "sender address of alert emails" },
	{ "smtp-credentials-file", 0, T_STRING, OFF(smtp_credentials_file), 0, 0, NULL, NULL, O_RESTART,
	  "FILE", "SMTP login: one line 'user:password'" },
	{ "ca-file", 0, T_STRING, OFF(ca_file), 0, 0, NULL, NULL, O_RESTART, "FILE",
	  "trust the CA certificates (PEM) in FILE, instead of the system's, for TLS to the webhook, "
	  "Alertmanager and SMTP server" },
	{ "listen", 0, T_STRING, OFF(listen), 0, 0, NULL, NULL, O_RESTART, "[ADDR:]PORT",
	  "serve / (the live page), /metrics (Prometheus), /api/v1/snapshot, /api/v1/process/PID and /healthz "
	  "(ADDR defaults to 127.0.0.1)" },
	{ "listen-token-file", 0, T_STRING, OFF(listen_token_file), 0, 0, NULL, NULL, O_RESTART, "FILE",
	  "require 'Authorization: Bearer TOKEN' (TOKEN: this file's first line) on /metrics and /api, "
	  "and the token in the page's login form (a session cookie) on /" },
	{ "check-config", 0, T_ACTION, OFF(check_config), 0, 0, NULL, NULL, O_CLI_ONLY, NULL,
	  "validate flags, config and alert rules; print the effective config as JSON; exit 0 or 2" },
	{ "quiet", 'q', T_BOOL, OFF(quiet), 0, 0, "false", NULL, 0, NULL,
	  "print only warnings and errors on stderr" },
	{ "verbose", 'v', T_BOOL, OFF(verbose), 0, 0, "false", NULL, 0, NULL,
	  "print debug messages on stderr" },
	{ "version", 'V', T_ACTION, OFF(version), 0, 0, NULL, NULL, O_CLI_ONLY, NULL,
	  "print the version and exit" },
	{ "help", 'h', T_ACTION, OFF(help), 0, 0, NULL, NULL, O_CLI_ONLY, NULL,
	  "print this help and exit" },
};
#define NSPECS ARRAY_SIZE(specs)

static void *field(struct options *o, const struct opt_spec *sp) { return (char *)o + sp->off; }
static const void *cfield(const struct options *o, const struct opt_spec *sp)
{
	return (const char *)o + sp->off;
}

/* Sets one option from its text form. Returns 0, or -1 with the reason in why. */
static int set_value(struct options *o, const struct opt_spec *sp, const char *val, char *why,
		     size_t len)
{
	uint64_t u;
	bool b;
	struct stat st;

	switch (sp->type) {
	case T_DURATION:
		if (parse_duration_ms(val, &u) < 0) {
			snprintf(why, len, "'%s' is not a duration (e.g. 500ms, 2s, 1m)", val);
			return -1;
		}
		if (u < sp->min || u > sp->max) {
			char lo[32], hi[32];

			format_duration_ms(sp->min, lo, sizeof(lo));
			format_duration_ms(sp->max, hi, sizeof(hi));
			snprintf(why, len, "'%s' is out of range (%s..%s)", val, lo, hi);
			return -1;
		}
		*(uint64_t *)field(o, sp) = u;
		return 0;
	case T_UINT:
		if (parse_u64(val, sp->min, sp->max, &u) < 0) {
			snprintf(why, len, "'%s' is not a whole number in %llu..%llu", val,
				 (unsigned long long)sp->min, (unsigned long long)sp->max);
			return -1;
		}
		*(uint64_t *)field(o, sp) = u;
		return 0;
	case T_DOUBLE: {
		double d;

		if (parse_double(val, &d) < 0 || !isfinite(d) || d < (double)sp->min || d > (double)sp->max) {
			snprintf(why, len, "'%s' is not a number in %llu..%llu", val,
				 (unsigned long long)sp->min, (unsigned long long)sp->max);
			return -1;
		}
		*(double *)field(o, sp) = d;
		return 0;
	}
	case T_RULE: {
		struct alert_rule r;
		char rwhy[300];

		if (alert_rule_parse(val, &r, rwhy, sizeof(rwhy)) < 0) {
			snprintf(why, len, "'%s': %s", val, rwhy);
			return -1;
		}
		if (alert_rules_add(field(o, sp), &r, rwhy, sizeof(rwhy)) < 0) {
			snprintf(why, len, "'%s': %s", val, rwhy);
			alert_rule_free(&r);
			return -1;
		}
		return 0;
	}
	case T_LIST: {
		struct strlist *l = field(o, sp);

		if (array_reserve(&l->v, &l->cap, l->n + 1, sizeof(*l->v), 4) < 0 || !(l->v[l->n] = strdup(val))) {
			snprintf(why, len, "out of memory");
			return -1;
		}
		l->n++;
		return 0;
	}
	case T_BOOL:
	case T_ACTION:
		if (parse_bool(val, &b) < 0) {
			snprintf(why, len, "'%s' is not a boolean (true or false)", val);
			return -1;
		}
		*(bool *)field(o, sp) = b;
		return 0;
	case T_ENUM:
		for (int i = 0; sp->choices[i]; i++) {
			if (strcmp(val, sp->choices[i]) == 0) {
				*(int *)field(o, sp) = i;
				return 0;
			}
		}
		snprintf(why, len, "'%s' is not one of %s", val, sp->arg);
		return -1;
	case T_DIR:
		if (stat(val, &st) < 0 || !S_ISDIR(st.st_mode)) {
			snprintf(why, len, "'%s' is not a directory", val);
			return -1;
		}
		break;
	case T_NAME:
		if (strchr(val, '/')) {
			snprintf(why, len, "'%s' must not contain '/'", val);
			return -1;
		}
		break;
	case T_STRING:
		if (!*val) {
			snprintf(why, len, "empty value");
			return -1;
		}
		break;
	}
	{
		char **slot = field(o, sp), *copy = strdup(val);

		if (!copy) {
			snprintf(why, len, "out of memory");
			return -1;
		}
		free(*slot);
		*slot = copy;
	}
	return 0;
}

static const struct opt_spec *find_spec(const char *name)
{
	for (size_t i = 0; i < NSPECS; i++)
		if (strcmp(specs[i].name, name) == 0)
			return &specs[i];
	return NULL;
}

/* The config file's parse. inih reports only the line of its first error, and keeps parsing after
 * it; its handler is not told the line. So the reader counts lines itself, and parsing stops at the
 * first error of either kind: every error then names its own line, and the first one in the file is
 * the one reported. */
struct ini_ctx {
	struct options *o;
	FILE *f;
	int line;        /* lines read so far: the one inih is working on */
	int failed_line; /* 0, or the line of the first error found here (bad key, value, length) */
	char why[700];
};

static char *ini_read_line(char *str, int num, void *user)
{
	struct ini_ctx *c = user;
	size_t n;

	if (c->failed_line || !fgets(str, num, c->f))
		return NULL;
	c->line++;
	n = strlen(str);
	if (n > 0 && str[n - 1] != '\n') {
		int ch = getc(c->f);

		if (ch == EOF || ch == '\n')
			return str; /* the last line, or one that just fits without its newline */
		ungetc(ch, c->f);
		/* inih would take the rest as a line of its own, and misnumber every line after it. */
		snprintf(c->why, sizeof(c->why), "line longer than %d characters", num - 1);
		c->failed_line = c->line;
		return NULL;
	}
	return str;
}

static int on_ini_pair(void *user, const char *section, const char *name, const char *value)
{
	struct ini_ctx *c = user;
	const struct opt_spec *sp;
	char why[640];

	if (section[0] && strcmp(section, "corewatch") != 0) {
		snprintf(c->why, sizeof(c->why), "unknown section [%s]", section);
		goto fail;
	}
	sp = find_spec(name);
	if (!sp || (sp->flags & O_CLI_ONLY)) {
		snprintf(c->why, sizeof(c->why), "unknown key '%s'", name);
		goto fail;
	}
	if (set_value(c->o, sp, value, why, sizeof(why)) < 0) {
		snprintf(c->why, sizeof(c->why), "%s: %s", name, why);
		goto fail;
	}
	return 1;
fail:
	c->failed_line = c->line;
	return 0;
}

static int load_file(struct options *o, const char *path, char *err, size_t errlen)
{
	struct ini_ctx c = { .o = o };
	int first; /* inih's first error line: a syntax error, or one of ours */
	bool rd_err;

	c.f = fopen(path, "re");
	if (!c.f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	first = ini_parse_stream(ini_read_line, &c, on_ini_pair, &c);
	rd_err = ferror(c.f);
	fclose(c.f);
	if (first < 0 || rd_err) {
		snprintf(err, errlen, "%s: cannot read", path);
		return -1;
	}
	if (first > 0 && (!c.failed_line || first < c.failed_line))
		snprintf(err, errlen, "%s:%d: not a 'key = value' line", path, first);
	else if (c.failed_line)
		snprintf(err, errlen, "%s:%d: %s", path, c.failed_line, c.why);
	else
		return 0;
	return -1;
}

static void build_longopts(struct option *lo, char *shorts)
{
	char *s = shorts;

	*s++ = ':';
	for (size_t i = 0; i < NSPECS; i++) {
		bool flag = specs[i].type == T_BOOL || specs[i].type == T_ACTION;

		lo[i] = (struct option){ specs[i].name, flag ? no_argument : required_argument, NULL,
					 (int)(256 + i) };
		if (specs[i].short_opt) {
			*s++ = (char)specs[i].short_opt;
			if (!flag)
				*s++ = ':';
		}
	}
	lo[NSPECS] = (struct option){ 0 };
	*s = '\0';
}

static const struct opt_spec *spec_for_getopt(int c)
{
	if (c >= 256 && c < 256 + (int)NSPECS)
		return &specs[c - 256];
	for (size_t i = 0; i < NSPECS; i++)
		if (specs[i].short_opt == c)
			return &specs[i];
	return NULL;
}

/* The shorthand thresholds, as the rules they stand for. */
static int add_shorthand_rules(struct options *o, char *err, size_t errlen)
{
	static const struct {
		const char *flag, *fmt;
		size_t off;
	} sh[] = {
		{ "cpu-threshold", "cpu_high: cpu.busy_pct > %.17g", OFF(cpu_threshold) },
		{ "mem-threshold", "memory_high: memory.used_pct > %.17g", OFF(mem_threshold) },
		{ "disk-threshold", "disk_full: filesystems.used_pct > %.17g", OFF(disk_threshold) },
		{ "load-threshold", "load_high: load.load1 > %.17g", OFF(load_threshold) },
	};

	for (size_t i = 0; i < ARRAY_SIZE(sh); i++) {
		double v = *(double *)((char *)o + sh[i].off);
		struct alert_rule r;
		char text[128], why[300];

		if (isnan(v))
			continue;
		snprintf(text, sizeof(text), sh[i].fmt, v);
		if (alert_rule_parse(text, &r, why, sizeof(why)) < 0 ||
		    (alert_rules_add(&o->rules, &r, why, sizeof(why)) < 0 && (alert_rule_free(&r), 1))) {
			snprintf(err, errlen, "--%s: %s", sh[i].flag, why);
			return -1;
		}
	}
	return 0;
}

/* Settings that only make sense together (alert delivery, the endpoint's token). */
static int check_together(const struct options *o, char *err, size_t errlen)
{
	if (o->alert_email.n && (!o->smtp_url || !o->smtp_from)) {
		snprintf(err, errlen, "--alert-email: needs --smtp-url and --smtp-from");
		return -1;
	}
	if (!o->alert_email.n && (o->smtp_url || o->smtp_from || o->smtp_credentials_file)) {
		snprintf(err, errlen, "--smtp-url/--smtp-from/--smtp-credentials-file: no --alert-email "
			 "to send to");
		return -1;
	}
	if (!o->alert_webhook && (o->alert_webhook_header.n || o->alert_webhook_headers_file)) {
		snprintf(err, errlen, "--alert-webhook-header(s-file): no --alert-webhook to send to");
		return -1;
	}
	if (o->ca_file && !o->alert_webhook && !o->alertmanager && !o->alert_email.n) {
		snprintf(err, errlen, "--ca-file: no --alert-webhook, --alertmanager or --alert-email uses it");
		return -1;
	}
	if (o->ifaces_include && netdev_patterns_check(o->ifaces_include) < 0) {
		snprintf(err, errlen, "--interfaces: '%s': an empty pattern, or one of 64 characters or more", o->ifaces_include);
		return -1;
	}
	if (o->ifaces_exclude && netdev_patterns_check(o->ifaces_exclude) < 0) {
		snprintf(err, errlen, "--interfaces-exclude: '%s': an empty pattern, or one of 64 characters or more",
			 o->ifaces_exclude);
		return -1;
	}
	/* Log files are read by shippers and scripts: they stay one JSON record per line. */
	if (o->format == FORMAT_TEXT && o->log_dir) {
		snprintf(err, errlen, "--format text: is for a terminal; log files (--log-dir) stay "
			 "machine-readable: use json or stamped");
		return -1;
	}
	if (!o->listen && o->listen_token_file) {
		snprintf(err, errlen, "--listen-token-file: no --listen to protect");
		return -1;
	}
	return 0;
}

int options_load(struct options *o, int argc, char *const argv[], char *err, size_t errlen)
{
	struct option lo[NSPECS + 1];
	char shorts[2 * NSPECS + 2], why[640];
	struct { const struct opt_spec *sp; const char *val; } *cli;
	size_t ncli = 0;
	const char *cfg = NULL;
	struct stat st;
	int c, ret = -1;

	memset(o, 0, sizeof(*o));
	for (size_t i = 0; i < NSPECS; i++) {
		if (specs[i].type == T_DOUBLE)
			*(double *)field(o, &specs[i]) = NAN; /* not given */
		if (specs[i].def && set_value(o, &specs[i], specs[i].def, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "default of --%s: %s", specs[i].name, why);
			return -1;
		}
	}
	cli = calloc((size_t)argc + 1, sizeof(*cli));
	if (!cli) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	build_longopts(lo, shorts);
	opterr = 0;
	optind = 0; /* 0 also resets getopt's state, so SIGHUP can parse argv again */
	while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		const struct opt_spec *sp = spec_for_getopt(c);

		if (c == '?' || c == ':') {
			const char *arg = argv[optind - 1];

			if (c == ':')
				snprintf(err, errlen, "%s: missing value", arg);
			else if (optopt)
				snprintf(err, errlen, "unknown option '-%c' (see --help)", optopt);
			else
				snprintf(err, errlen, "unknown option '%s' (see --help)", arg);
			goto out;
		}
		cli[ncli].sp = sp;
		cli[ncli].val = (sp->type == T_BOOL || sp->type == T_ACTION) ? "true" : optarg;
		if (sp->off == OFF(config))
			cfg = optarg;
		ncli++;
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s' (see --help)", argv[optind]);
		goto out;
	}
	if (!cfg && stat(DEFAULT_CONFIG_PATH, &st) == 0)
		cfg = DEFAULT_CONFIG_PATH;
	if (cfg && load_file(o, cfg, err, errlen) < 0)
		goto out;
	for (size_t i = 0; i < ncli; i++) {
		if (set_value(o, cli[i].sp, cli[i].val, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "--%s: %s", cli[i].sp->name, why);
			goto out;
		}
	}
	if (cfg && !o->config && !(o->config = strdup(cfg))) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (add_shorthand_rules(o, err, errlen) < 0 || check_together(o, err, errlen) < 0)
		goto out;
	/* a rule on detail the record leaves out would never fire: refused, like a misspelt field */
	for (size_t i = 0; i < o->rules.n; i++)
		if (alert_rule_check_needs(&o->rules.v[i], o->per_cpu, err, errlen) < 0)
			goto out;
	ret = 0;
out:
	free(cli);
	if (ret < 0)
		options_free(o);
	return ret;
}

static void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

void options_free(struct options *o)
{
	for (size_t i = 0; i < NSPECS; i++) {
		enum opt_type t = specs[i].type;

		if (t == T_LIST)
			strlist_free(field(o, &specs[i]));
		if (t == T_RULE)
			alert_rules_free(field(o, &specs[i]));
		if (t == T_STRING || t == T_NAME || t == T_DIR) {
			char **slot = field(o, &specs[i]);

			free(*slot);
			*slot = NULL;
		}
	}
}

static cJSON *value_json(const struct options *o, const struct opt_spec *sp)
{
	char buf[32];

	switch (sp->type) {
	case T_DURATION:
		format_duration_ms(*(const uint64_t *)cfield(o, sp), buf, sizeof(buf));
		return cJSON_CreateString(buf);
	case T_UINT:
		return cJSON_CreateNumber((double)*(const uint64_t *)cfield(o, sp));
	case T_DOUBLE: {
		double d = *(const double *)cfield(o, sp);

		return isnan(d) ? cJSON_CreateNull() : cJSON_CreateNumber(d);
	}
	case T_LIST: {
		const struct strlist *l = cfield(o, sp);
		cJSON *a = cJSON_CreateArray();

		for (size_t i = 0; i < l->n; i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(l->v[i]));
		return a;
	}
	case T_RULE: {
		const struct alert_rules *l = cfield(o, sp);
		cJSON *a = cJSON_CreateArray();

		for (size_t i = 0; i < l->n; i++)
			cJSON_AddItemToArray(a, alert_rule_json(&l->v[i]));
		return a;
	}
	case T_BOOL:
	case T_ACTION:
		return cJSON_CreateBool(*(const bool *)cfield(o, sp));
	case T_ENUM:
		return cJSON_CreateString(sp->choices[*(const int *)cfield(o, sp)]);
	default: {
		const char *s = *(char *const *)cfield(o, sp);

		return s ? cJSON_CreateString(s) : cJSON_CreateNull();
	}
	}
}

/* A printed value with its secrets left out (O_URL, O_HEADERS). */
static cJSON *value_shown(const struct options *o, const struct opt_spec *sp)
{
	cJSON *v = value_json(o, sp), *it;
	char *shown;

	if (!(sp->flags & (O_URL | O_HEADERS)))
		return v;
	if (cJSON_IsString(v)) {
		if ((shown = redact_url(v->valuestring))) {
			cJSON_Delete(v);
			v = cJSON_CreateString(shown);
			free(shown);
		}
		return v;
	}
	cJSON_ArrayForEach(it, v)
		if (cJSON_IsString(it) && (shown = sp->flags & O_URL ? redact_url(it->valuestring)
								    : redact_header(it->valuestring))) {
			cJSON_SetValuestring(it, shown);
			free(shown);
		}
	return v;
}

void options_print_json(const struct options *o)
{
	cJSON *root = cJSON_CreateObject();
	char *text;

	for (size_t i = 0; i < NSPECS; i++)
		if (specs[i].type != T_ACTION)
			cJSON_AddItemToObject(root, specs[i].type == T_RULE ? "alerts" : specs[i].name,
					      value_shown(o, &specs[i]));
	text = cJSON_Print(root);
	if (text)
		printf("%s\n", text);
	free(text);
	cJSON_Delete(root);
}

void options_usage(const char *prog)
{
	printf("Usage: %s [OPTION]...\n"
	       "   or: %s report [OPTION]...  (summary of the log files over a window: %s report --help)\n"
	       "Samples the host every interval and writes one JSON record per line.\n\n", prog, prog, prog);
	for (size_t i = 0; i < NSPECS; i++) {
		const struct opt_spec *sp = &specs[i];
		char left[64], shortf[8] = "    ";

		if (sp->short_opt)
			snprintf(shortf, sizeof(shortf), "-%c, ", sp->short_opt);
		snprintf(left, sizeof(left), "%s--%s%s%s", shortf, sp->name, sp->arg ? " " : "",
			 sp->arg ? sp->arg : "");
		if (strlen(left) > 32)
			printf("  %s\n  %-32s %s", left, "", sp->help);
		else
			printf("  %-32s %s", left, sp->help);
		if (sp->def && sp->type != T_BOOL && sp->def[0])
			printf(" [%s]", sp->def);
		printf("\n");
	}
	printf("\nEvery long option but config, check-config, help and version is also a config file key\n"
	       "(key = value). Exit status: 0 success, 1 runtime failure, 2 bad flag or config.\n");
}

const char *options_restart_needed(const struct options *a, const struct options *b)
{
	for (size_t i = 0; i < NSPECS; i++) {
		const struct opt_spec *sp = &specs[i];
		cJSON *va, *vb;
		bool same;

		if (!(sp->flags & O_RESTART))
			continue;
		va = value_json(a, sp);
		vb = value_json(b, sp);
		same = cJSON_Compare(va, vb, 1);
		cJSON_Delete(va);
		cJSON_Delete(vb);
		if (!same)
			return sp->name;
	}
	return NULL;
}

void options_keep_restart(struct options *fresh, struct options *old)
{
	for (size_t i = 0; i < NSPECS; i++) {
		const struct opt_spec *sp = &specs[i];
		size_t sz;
		unsigned char tmp[32];

		_Static_assert(sizeof(struct strlist) <= sizeof(tmp) &&
			       sizeof(struct alert_rules) <= sizeof(tmp), "swap buffer too small");

		if (!(sp->flags & O_RESTART))
			continue;
		switch (sp->type) {
		case T_DURATION: case T_UINT: sz = sizeof(uint64_t); break;
		case T_DOUBLE: sz = sizeof(double); break;
		case T_BOOL: case T_ACTION: sz = sizeof(bool); break;
		case T_ENUM: sz = sizeof(int); break;
		case T_LIST: sz = sizeof(struct strlist); break;
		case T_RULE: sz = sizeof(struct alert_rules); break;
		default: sz = sizeof(char *); break;
		}
		/* Swap, so each struct still owns exactly what it frees. */
		memcpy(tmp, field(fresh, sp), sz);
		memcpy(field(fresh, sp), field(old, sp), sz);
		memcpy(field(old, sp), tmp, sz);
	}
}
