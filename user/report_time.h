/* SPDX-License-Identifier: GPL-2.0-only */
/* report_time.h - the times `corewatch report` reads: --from/--to as people write them, and the
 * records' own "time" field, fast. All results are epoch milliseconds. */
#ifndef COREWATCH_REPORT_TIME_H
#define COREWATCH_REPORT_TIME_H

#include <stddef.h>
#include <stdint.h>

/* Parses a --from/--to value against now_ms: RFC 3339 ("2026-12-01T14:00:00Z", "...+01:00", or no
 * zone: local time), "YYYY-MM-DD[ HH:MM[:SS]]" (local), "now", "today"/"yesterday" with an optional
 * " HH:MM[:SS]" (local midnight or that time of the day: calendar days, so 23 or 25 hours apart
 * across a DST change), or relative "-N" + s|m|h|d|w (exact multiples of 60, 3600, 86400 s back
 * from now, whatever DST does). Returns 0, or -1 when s is none of these or out of range. */
int report_parse_time(const char *s, int64_t now_ms, int64_t *out_ms);

/* The record header's "time": "YYYY-MM-DDTHH:MM:SS[.fff]Z" exactly (what the agent writes), n bytes
 * long. Returns epoch ms, or INT64_MIN when it is not that form. */
int64_t report_record_time(const char *s, size_t n);

/* Local midnight starting the day YYYY-MM-DD in day (10 characters), and the one after it, in ms.
 * Returns 0, or -1 when day is no date. */
int report_day_span(const char *day, int64_t *start_ms, int64_t *end_ms);

/* "YYYY-MM-DD HH:MM:SS" in local time. */
void report_format_local(int64_t ms, char *buf, size_t len);

#endif
