// SPDX-License-Identifier: GPL-2.0-only
/* record.c - see record.h. */
#include "record.h"

#include "util.h"

#define SCHEMA_VERSION 1 /* docs/schema.md: bumped when a field changes meaning or goes away */

cJSON *record_new(const char *type, int64_t now_ms, const char *host, uint64_t interval_ms)
{
	cJSON *r = cJSON_CreateObject();
	char ts[40];

	if (!r)
		return NULL;
	format_rfc3339_ms(now_ms, ts, sizeof(ts));
	jint(r, "schema", SCHEMA_VERSION);
	jstr(r, "type", type);
	jstr(r, "time", ts);
	cJSON_AddNumberToObject(r, "timestamp", (double)(now_ms / 1000));
	jstr(r, "host", host);
	jnum(r, "interval_s", (double)interval_ms / 1000.0);
	return r;
}

void record_append(cJSON *r, cJSON *body)
{
	cJSON *it;

	while (r && body && (it = body->child) != NULL) {
		cJSON_DetachItemViaPointer(body, it);
		cJSON_AddItemToObject(r, it->string, it);
	}
	cJSON_Delete(body);
}

cJSON *record_metrics(const struct col_slot *slots, size_t n, int64_t now_ms, const char *host,
		      uint64_t interval_ms)
{
	cJSON *r = record_new("metrics", now_ms, host, interval_ms);

	for (size_t i = 0; r && i < n; i++) {
		const struct col_slot *s = &slots[i];

		/* Each collector's rates span its own last two good samples. */
		if (s->active && s->samples >= 2 && s->t_cur > s->t_prev)
			s->ops->emit(s->state, r, s->t_cur - s->t_prev);
	}
	return r;
}

cJSON *record_totals(const struct col_slot *slots, size_t n)
{
	cJSON *t = cJSON_CreateObject();

	for (size_t i = 0; t && i < n; i++) {
		const struct col_slot *s = &slots[i];

		if (s->active && s->samples >= 1 && s->ops->totals)
			s->ops->totals(s->state, t);
	}
	return t;
}
