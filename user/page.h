/* SPDX-License-Identifier: GPL-2.0-only */
/* page.h - the live page's HTML (the --listen endpoint's "/", http.h): the host's values from the
 * latest metrics record, the alerts firing, and charts of the last hour from the ring of recent
 * values (recent.h) drawn by chart.h; and the login form that stands in for it with
 * --listen-token-file. Every document is self-contained: inline style, one small inline script
 * (it re-fetches "/" every interval and swaps the body in; without script a <noscript> meta refresh
 * does it), inline SVG, no external reference of any kind. Free of HTTP: http.c serves what these
 * write.
 */
#ifndef COREWATCH_PAGE_H
#define COREWATCH_PAGE_H

#include <stdint.h>

#include <cJSON.h>

#include "recent.h"
#include "util.h"

/* Appends the page for record (a metrics record, borrowed), firing (alert_engine_firing()'s array,
 * or NULL: none known), the ring (NULL: no charts' data yet), ncpus (online CPUs) and interval_ms
 * (the refresh period) to out. Returns 0, or -ENOMEM (out then holds part of a page: discard it). */
int page_render(struct fbuf *out, const cJSON *record, const cJSON *firing, const struct recent *ring,
		unsigned ncpus, uint64_t interval_ms);
/* Appends the login form (a POST of "token" to /login); refused true adds "wrong token". Returns 0
 * or -ENOMEM. */
int page_login(struct fbuf *out, bool refused);
/* Appends the page shown before the first record (it reloads itself every second). 0 or -ENOMEM. */
int page_waiting(struct fbuf *out);

#endif
