/* SPDX-License-Identifier: GPL-2.0-only */
/* report_path.h - the metric paths of `corewatch report`, in alert rule syntax: a --metric filter
 * checked against the record schema ("cpu", "disks{device=vda}", "memory.used_pct"), whether a
 * series' path is selected by the filters, and a path split into its metric and its instance.
 */
#ifndef COREWATCH_REPORT_PATH_H
#define COREWATCH_REPORT_PATH_H

#include <stdbool.h>
#include <stddef.h>

struct rseg { /* one segment of a metric path: a name and its labels, pointers into the text */
	const char *name;
	size_t nlen;
	const char *labels; /* the text between { and }, or NULL */
	size_t llen;
};

struct rfilter {
	char *text;         /* owned by the caller (report_filter_parse does not copy it) */
	struct rseg seg[16];
	size_t nseg;
	bool used;          /* matched a series or histogram */
};

/* Parses a --metric PATH (a prefix allowed) into f, pointing into text, which must outlive f.
 * Returns 0, or -1 with a one-line reason in why ("'cpux': the record has no section 'cpux'"). */
int report_filter_parse(const char *text, struct rfilter *f, char *why, size_t whylen);

/* Returns whether any of the n filters selects path[0..plen) (every path when n == 0), marking those
 * that do as used. hist: path is a histogram, also selected by a filter naming one of its fields. */
bool report_filter_select(struct rfilter *f, size_t n, const char *path, size_t plen, bool hist);

/* Returns the length of the section (first segment) of path. The metric without the instance's
 * labels is written to buf ("filesystems.used_pct"), the labels ("mount=/") to inst ("" when none),
 * both truncated to their size and terminated. */
size_t report_path_split(const char *path, char *buf, size_t len, char *inst, size_t ilen);

#endif
