/* SPDX-License-Identifier: GPL-2.0-only */
/* options.h - every setting, described once in a table (options.c) that both the command line and the
 * config file go through: name, type, bounds, default, help. Flags override the file.
 */
#ifndef COREWATCH_OPTIONS_H
#define COREWATCH_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert.h"

#define DEFAULT_CONFIG_PATH "/etc/corewatch/corewatch.conf"

enum out_format { FORMAT_JSON, FORMAT_STAMPED, FORMAT_TEXT };

/* A repeatable option's values, in the order given (config file first, then flags). */
struct strlist {
	char **v;
	size_t n, cap;
};

struct options {
	uint64_t interval_ms;
	uint64_t count;          /* metrics records to write before exiting; 0 = run until signalled */
	char *config;            /* the file read, or NULL */
	char *log_dir;           /* NULL: records go to stdout */
	char *log_prefix, *log_suffix;
	uint64_t retention_days; /* 0 = keep every day */
	uint64_t top;            /* length of the top-N lists */
	uint64_t top_cgroups;    /* cgroups in the record's cgroups list by CPU (--top-cgroups) */
	int format;              /* enum out_format */
	char *proc_root, *sys_root;
	bool no_bpf, all_disks, quiet, verbose;
	bool per_cpu;            /* cpu.cores[] and sched.cpus[] in the record */
	char *ifaces_include, *ifaces_exclude; /* comma-separated globs, or NULL */
	/* alerts: rules from --alert / alert = lines, then the shorthand thresholds (NAN: not given) */
	struct alert_rules rules;
	double cpu_threshold, mem_threshold, disk_threshold, load_threshold;
	uint64_t alert_repeat_ms;    /* 0: a firing alert is sent once */
	uint64_t alert_timeout_ms;   /* per delivery attempt */
	char *alert_exec;
	char *alert_exec_user; /* NULL: nobody when root, else the agent's own user */
	char *alert_webhook, *alert_webhook_headers_file;
	struct strlist alert_webhook_header;
	char *alertmanager;
	struct strlist alert_email;
	char *smtp_url, *smtp_from, *smtp_credentials_file;
	char *ca_file;             /* CA bundle for the libcurl targets' TLS; NULL: the system's */
	/* the Prometheus / snapshot endpoint */
	char *listen, *listen_token_file;
	/* command line only */
	bool check_config, help, version;
};

/* Fills o from defaults, then the config file (--config, else DEFAULT_CONFIG_PATH when it exists),
 * then the command line. argv is not modified. Returns 0; or -1 with a one-line reason naming the
 * flag or file:line in err (the caller exits 2). o owns its strings: options_free() them. */
int options_load(struct options *o, int argc, char *const argv[], char *err, size_t errlen);
void options_free(struct options *o);

/* Prints the effective configuration as one JSON object on stdout (--check-config). */
void options_print_json(const struct options *o);
/* Prints the usage text, generated from the table. */
void options_usage(const char *prog);

/* Names of settings that differ between a and b and that only a restart applies (NULL if none). */
const char *options_restart_needed(const struct options *a, const struct options *b);
/* Moves the running values of the settings that need a restart from old into fresh (SIGHUP). */
void options_keep_restart(struct options *fresh, struct options *old);

#endif
