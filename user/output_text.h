/* SPDX-License-Identifier: GPL-2.0-only */
/* output_text.h - --format text: records rendered as lines for a person at a terminal, vmstat-like.
 *
 * A metrics record becomes one line of fixed-width columns (time, CPU, memory, load, disk and network
 * totals per second, run-queue p99, alerts firing), a header line before the first and every
 * TEXT_HEADER_EVERY lines after; an alert record (a state change), an event or the inventory becomes
 * one readable line of its own. Only what a record has is shown: a missing section is '-'. This
 * module renders; output.c writes whatever it is given.
 */
#ifndef COREWATCH_OUTPUT_TEXT_H
#define COREWATCH_OUTPUT_TEXT_H

#include <stddef.h>

#include <cJSON.h>

#define TEXT_HEADER_EVERY 20 /* metrics lines between two headers, as vmstat */

struct text_out {
	unsigned since_header; /* metrics lines since the last header; 0: next line gets one */
};

/* Renders record r (any type) as text for the terminal: one line, or for a metrics record that is due
 * a header two lines (header first), without the final newline. firing is the number of alerts
 * firing after r was evaluated (shown on metrics lines). Returns a malloc'd string the caller frees,
 * or NULL when out of memory. */
char *text_render(struct text_out *t, const cJSON *r, size_t firing);

/* Formats bytes (or bytes per second) in at most 5 characters with a binary unit, the way sizes are
 * written in rules: "512", "1.2K", "35M", "1.5G", "2.0T". buf gets at least 8 bytes. */
void text_bytes(double v, char *buf, size_t len);

#endif
