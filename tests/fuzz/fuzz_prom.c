// SPDX-License-Identifier: GPL-2.0-only
/* fuzz_prom.c - the Prometheus renderer fed arbitrary JSON, both as the record and as the totals (its
 * second half, after a NUL byte, when there is one): what it writes is always whole lines. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "prom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t first = nul ? (size_t)(nul - data) : size;
	cJSON *rec = cJSON_ParseWithLength((const char *)data, first);
	cJSON *tot = nul ? cJSON_ParseWithLength((const char *)nul + 1, size - first - 1) : NULL;
	struct prom *p;
	size_t len;
	char *out;

	p = prom_new();
	if (p) {
		/* the same input as totals too: the totals parser meets every record shape */
		const cJSON *pairs[][2] = { { rec, tot }, { tot, rec }, { rec, rec } };

		for (size_t i = 0; i < 3; i++) {
			out = prom_render(p, pairs[i][0], pairs[i][1], &len);
			if (out && (strlen(out) != len || (len && out[len - 1] != '\n')))
				abort();
			free(out);
		}
		prom_free(p);
	}
	cJSON_Delete(rec);
	cJSON_Delete(tot);
	return 0;
}
