/* SPDX-License-Identifier: GPL-2.0-only */
/* maps.bpf.h - map helpers shared by the eBPF programs. */
#ifndef COREWATCH_MAPS_BPF_H
#define COREWATCH_MAPS_BPF_H

#include <bpf/bpf_helpers.h>

#ifndef EEXIST
#define EEXIST 17
#endif

/* The value under key, inserted as a copy of init when absent. NULL when it cannot be inserted (a
 * full map: the caller counts it). Another CPU inserting the same key first is not a failure: the
 * second lookup finds its entry. */
static __always_inline void *map_lookup_or_init(void *map, const void *key, const void *init)
{
	void *v = bpf_map_lookup_elem(map, key);
	long err;

	if (v)
		return v;
	err = bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	if (err && err != -EEXIST)
		return NULL;
	return bpf_map_lookup_elem(map, key);
}

#endif
