/* SPDX-License-Identifier: GPL-2.0-only */
/* report.h - `corewatch report`: min, avg, p95, max and time of max of every metric, merged eBPF
 * histograms and alert spans over a time window, read from the agent's own dated log files.
 * main() hands it argv when argv[1] is "report", before the agent's options are parsed. */
#ifndef COREWATCH_REPORT_H
#define COREWATCH_REPORT_H

/* Runs the report command (argv[0] is "report"). Returns the exit status: 0, 1 when a file could
 * not be read or the output not written, 2 on a bad flag or time (one line on stderr, nothing on
 * stdout). */
int report_main(int argc, char *argv[]);

#endif
