/* SPDX-License-Identifier: GPL-2.0-only */
/* report_scan.h - a non-allocating walker over one JSON record for `corewatch report`: it validates
 * the whole text and calls back with (path, number), (path, string) and histogram bucket events,
 * the path kept in a stack buffer. Arrays of objects are instances: their path segment carries the
 * instance's labels (the schema's label keys found in the element, in its order), written the way
 * alert rules select instances: "filesystems{mount=/,device=/dev/vda}.used_pct". Lists that are
 * not instances are validated and skipped: arrays of strings or numbers, lists without labels, and
 * top-N lists (keys starting with "top_"), which name different things from record to record.
 */
#ifndef COREWATCH_REPORT_SCAN_H
#define COREWATCH_REPORT_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#define SCAN_PATH_MAX 512
#define SCAN_DEPTH_MAX 32

/* One event. path is NUL-terminated (valid only during the callback); leaf is the offset of its
 * last segment; hist is set when the value's object is a histogram ("latency_us", "queue_us",
 * "runqueue_latency_us", "connection_duration_ms"): then leaf names its field (count, sum, max...). */
struct scan_event {
	const char *path;
	size_t plen, leaf;
	bool hist;
};

/* Callbacks return 0 to go on, or 1 to mute: the walk then only validates the rest (no more
 * callbacks). Any callback may be NULL. A string's text is as written, escapes not decoded.
 * bucket: a histogram's [le, count] pair, ev naming the histogram object itself, slot the log2 slot
 * of le (0 for 0, s for 2^s - 1, last_slot for "+Inf"). */
struct scan_handler {
	int (*number)(void *ctx, const struct scan_event *ev, double v);
	int (*string)(void *ctx, const struct scan_event *ev, const char *s, size_t len);
	int (*bucket)(void *ctx, const struct scan_event *ev, int slot, double count);
	void *ctx;
	int last_slot;
};

/* Walks s[0..len) as one JSON object (whitespace around it allowed). Returns 0 when it is one whole
 * valid object, -1 when not (torn, not JSON, nesting or path too deep): the events already delivered
 * then belong to a line that must be dropped. */
int scan_record(const char *s, size_t len, const struct scan_handler *h);

/* Parses one JSON number at *p (p < end), advancing *p past it. Exact: <= 15 significant digits and a
 * decimal exponent within +-22 are converted from the integer mantissa with one correctly rounded
 * multiplication or division by a power of ten; anything else goes through strtod. Returns 0, or -1
 * when the text there is not a JSON number. */
int scan_number(const char **p, const char *end, double *out);

#endif
