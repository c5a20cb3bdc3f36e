// SPDX-License-Identifier: GPL-2.0-only
/* fuzz_prom.c - the Prometheus renderer fed arbitrary records (any JSON): what it writes is always
 * whole lines of "# HELP", "# TYPE" or "name{labels} value". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "prom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct prom *p;
	cJSON *rec;
	size_t len;
	char *out;

	rec = cJSON_ParseWithLength((const char *)data, size);
	if (!rec)
		return 0;
	p = prom_new();
	if (p) {
		for (int i = 0; i < 2; i++) {
			prom_observe(p, rec);
			out = prom_render(p, rec, &len);
			if (out && (strlen(out) != len || (len && out[len - 1] != '\n')))
				abort();
			free(out);
		}
		prom_free(p);
	}
	cJSON_Delete(rec);
	return 0;
}
