// SPDX-License-Identifier: GPL-2.0-only
/* fuzz_numbers.c - the strict number, size, duration and boolean parsers every flag and config value
 * goes through: whatever they accept must be in range and print back as what was parsed. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[256], back[64];
	uint64_t u, ms, ms2;
	double d;
	bool b;

	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (parse_u64(s, 10, 1000, &u) == 0 && (u < 10 || u > 1000))
		abort();
	if (parse_double(s, &d) == 0 && !isfinite(d))
		abort();
	if (parse_duration_ms(s, &ms) == 0) {
		/* a duration printed and parsed again is the same duration */
		format_duration_ms(ms, back, sizeof(back));
		if (parse_duration_ms(back, &ms2) != 0 || ms2 != ms)
			abort();
	}
	/* a size is finite, and never negative once it has a unit */
	if (parse_size_bytes(s, &d, &b) == 0 && (!isfinite(d) || (b && d < 0)))
		abort();
	parse_bool(s, &b);
	return 0;
}
