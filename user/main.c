// SPDX-License-Identifier: GPL-2.0-only
/* main.c - corewatch: parse the configuration, start the monitor, run it, clean up. */
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "log.h"
#include "monitor.h"
#include "deliver.h"
#include "options.h"
#include "output.h"
#include "report.h"
#include "version.h"

#define EXIT_CONFIG 2

int main(int argc, char *argv[])
{
	struct options opt;
	struct monitor m;
	char err[1024];
	int rc;

	/* a command of its own, with its own options: before the agent's are parsed */
	if (argc > 1 && strcmp(argv[1], "report") == 0)
		return report_main(argc - 1, argv + 1);
	if (options_load(&opt, argc, argv, err, sizeof(err)) < 0) {
		log_errorx("%s", err);
		return EXIT_CONFIG;
	}
	if (opt.help || opt.version) {
		if (opt.help)
			options_usage(argv[0]);
		else
			printf("corewatch %s\n", COREWATCH_VERSION);
		options_free(&opt);
		return 0;
	}
	if (opt.check_config) {
		rc = output_check(&opt, err, sizeof(err)) < 0 || deliver_check(&opt, err, sizeof(err)) < 0 ||
			     http_check(&opt, err, sizeof(err)) < 0
			     ? EXIT_CONFIG
			     : 0;
		if (rc)
			log_errorx("%s", err);
		else
			monitor_check_rules(&opt);
		if (!rc && !opt.quiet) /* quiet: the exit status says it (systemd's ExecStartPre) */
			options_print_json(&opt);
		options_free(&opt);
		return rc;
	}
	if (monitor_start(&m, &opt, argc, argv, err, sizeof(err)) < 0) {
		log_errorx("%s", err);
		monitor_stop(&m);
		return EXIT_CONFIG;
	}
	rc = monitor_run(&m);
	monitor_stop(&m);
	return rc;
}
