// SPDX-License-Identifier: GPL-2.0-only
/* fuzz_alert.c - the alert rule parser, and the engine on what it accepts: the input's first line
 * is a rule, the rest a record (JSON) fed to it three times, a second apart. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "alert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void drop(void *ctx, cJSON *alert, int64_t now_ms)
{
	(void)ctx;
	(void)now_ms;
	free(cJSON_PrintUnformatted(alert));
	cJSON_Delete(alert);
}

static void unfed(void *ctx, const struct alert_rule *r, const char *missing, const cJSON *record)
{
	(void)ctx;
	(void)r;
	(void)missing;
	(void)record;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *nl, why[256];
	struct alert_rules rules = { 0 };
	struct alert_rule r;
	struct alert_engine *e;
	cJSON *rec;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	nl = strchr(text, '\n');
	if (nl)
		*nl++ = '\0';
	if (alert_rule_parse(text, &r, why, sizeof(why)) == 0) {
		cJSON_Delete(alert_rule_json(&r));
		if (alert_rules_add(&rules, &r, why, sizeof(why)) < 0)
			alert_rule_free(&r);
	}
	if (rules.n && nl && (rec = cJSON_Parse(nl))) {
		e = alert_engine_new(&rules, 1000, drop, NULL);
		if (e) {
			alert_engine_on_unfed(e, unfed);
			for (int i = 0; i < 3; i++)
				alert_engine_feed(e, rec, 1700000000000ll + i * 1000);
			alert_engine_set_rules(e, &rules, 0, 1700000004000ll);
			alert_engine_feed(e, rec, 1700000005000ll);
			alert_engine_free(e);
		}
		cJSON_Delete(rec);
	}
	alert_rules_free(&rules);
	free(text);
	return 0;
}
