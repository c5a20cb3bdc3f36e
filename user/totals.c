// SPDX-License-Identifier: GPL-2.0-only
/* totals.c - see totals.h. */
#include "totals.h"

#include <string.h>

static cJSON *family(cJSON *t, const char *name, const char *type, const char *help)
{
	cJSON *f, *ty;

	if (!t)
		return NULL;
	f = cJSON_GetObjectItemCaseSensitive(t, name);
	if (f) {
		ty = cJSON_GetObjectItemCaseSensitive(f, "type");
		return cJSON_IsString(ty) && strcmp(ty->valuestring, type) == 0 ? f : NULL;
	}
	f = cJSON_AddObjectToObject(t, name);
	if (!f || !cJSON_AddStringToObject(f, "type", type) || !cJSON_AddStringToObject(f, "help", help) ||
	    !cJSON_AddArrayToObject(f, "samples"))
		return NULL;
	return f;
}

static cJSON *sample(cJSON *f, totals_labels labels)
{
	cJSON *s = cJSON_CreateObject(), *l;

	if (!s)
		return NULL;
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(f, "samples"), s);
	l = cJSON_AddObjectToObject(s, "labels");
	for (size_t i = 0; labels && l && labels[i] && labels[i + 1]; i += 2)
		cJSON_AddStringToObject(l, labels[i], labels[i + 1]);
	return s;
}

void totals_add(cJSON *t, const char *name, const char *type, const char *help, totals_labels labels,
		double v)
{
	cJSON *f = family(t, name, type, help), *s;

	if (f && (s = sample(f, labels)))
		cJSON_AddNumberToObject(s, "value", v);
}

void totals_hist(cJSON *t, const char *name, const char *help, double unit, totals_labels labels,
		 const struct hist *h, double sum_base)
{
	cJSON *f = family(t, name, "histogram", help), *s, *slots;

	if (!f || !(s = sample(f, labels)))
		return;
	if (!cJSON_GetObjectItemCaseSensitive(f, "unit"))
		cJSON_AddNumberToObject(f, "unit", unit);
	slots = cJSON_AddArrayToObject(s, "slots");
	for (int i = 0; slots && i < HIST_SLOTS; i++)
		cJSON_AddItemToArray(slots, cJSON_CreateNumber((double)h->slots[i]));
	cJSON_AddNumberToObject(s, "count", (double)h->count);
	cJSON_AddNumberToObject(s, "sum", sum_base);
}
