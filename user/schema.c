// SPDX-License-Identifier: GPL-2.0-only
/* schema.c - see schema.h. The schema text is linked in with .incbin (Makefile: this object depends on
 * the file, which -MMD cannot see). */
#include "schema.h"

#include <stdio.h>
#include <string.h>

__asm__(".section .rodata\n"
	".global cw_schema_text\n"
	".type cw_schema_text, @object\n"
	"cw_schema_text:\n"
	".incbin \"docs/corewatch.schema.json\"\n"
	".byte 0\n"
	".previous\n");
extern const char cw_schema_text[];

static cJSON *root;

static const cJSON *defs(void)
{
	if (!root)
		root = cJSON_Parse(cw_schema_text);
	return cJSON_GetObjectItemCaseSensitive(root, "$defs");
}

const cJSON *schema_metrics(void)
{
	return cJSON_GetObjectItemCaseSensitive(defs(), "metrics");
}

const cJSON *schema_resolve(const cJSON *node)
{
	const cJSON *ref;

	/* Bounded: a $ref cycle in the schema must not hang the parser of a rule. */
	for (int depth = 0; node && depth < 8; depth++) {
		ref = cJSON_GetObjectItemCaseSensitive(node, "$ref");
		if (!cJSON_IsString(ref))
			return node;
		if (strncmp(ref->valuestring, "#/$defs/", 8) != 0)
			return NULL;
		node = cJSON_GetObjectItemCaseSensitive(defs(), ref->valuestring + 8);
	}
	return NULL;
}

const char *schema_type(const cJSON *node)
{
	const cJSON *t, *alt;

	node = schema_resolve(node);
	t = cJSON_GetObjectItemCaseSensitive(node, "type");
	if (cJSON_IsString(t))
		return t->valuestring;
	/* "oneOf": [ {number...}, {"type": "null"} ] - a number that may be null */
	cJSON_ArrayForEach(alt, cJSON_GetObjectItemCaseSensitive(node, "oneOf")) {
		t = cJSON_GetObjectItemCaseSensitive(schema_resolve(alt), "type");
		if (cJSON_IsString(t) && strcmp(t->valuestring, "null") != 0)
			return t->valuestring;
	}
	return NULL;
}

const char *const schema_label_keys[] = { "mount", "device", "name", "cpu", "op", "comm", "pid",
					  "address", "port", "path", "cgroup", NULL };

const char *schema_label(const cJSON *item, const char *key, char num[32])
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(item, key);

	if (cJSON_IsString(f))
		return f->valuestring;
	if (!cJSON_IsNumber(f))
		return NULL;
	snprintf(num, 32, "%.15g", f->valuedouble);
	return num;
}
