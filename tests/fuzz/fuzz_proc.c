// SPDX-License-Identifier: GPL-2.0-only
/* fuzz_proc.c - every /proc and /sys text parser on arbitrary text: the first byte picks the
 * parser, the rest is the file (NUL-terminated, as the collectors read it). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "col_cpu.h"
#include "col_disks.h"
#include "col_filesystems.h"
#include "col_load.h"
#include "col_memory.h"
#include "col_network.h"
#include "col_pressure.h"
#include "inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size < 1)
		return 0;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] % 11) {
	case 0: {
		struct cpu_stat st = { 0 };

		cpu_parse_stat(text, &st);
		free(st.cores);
		break;
	}
	case 1: {
		struct cpu_schedstat ss;

		cpu_parse_schedstat(text, &ss);
		break;
	}
	case 2: {
		struct diskstat_line d;

		diskstats_parse_line(text, &d);
		break;
	}
	case 3: {
		struct mount_entry m;

		mount_parse_line(text, &m);
		break;
	}
	case 4: {
		struct loadavg l;

		loadavg_parse(text, &l);
		break;
	}
	case 5: {
		double up;

		uptime_parse(text, &up);
		break;
	}
	case 6: {
		struct meminfo mi;

		memory_parse(text, &mi);
		break;
	}
	case 7: {
		char name[DEVSTAT_NAME_MAX];
		uint64_t v[ND_NFIELDS];

		netdev_parse_line(text, name, v);
		break;
	}
	case 8: {
		struct psi p;

		psi_parse(text, &p);
		break;
	}
	case 9: {
		struct cpu_counts cc = { 0 };

		cpuinfo_parse(text, &cc);
		break;
	}
	default:
		break;
	}
	free(text);
	return 0;
}
