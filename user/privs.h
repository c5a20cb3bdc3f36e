/* SPDX-License-Identifier: GPL-2.0-only */
/* privs.h - giving up, once the eBPF programs are loaded, the capabilities only loading needed. */
#ifndef COREWATCH_PRIVS_H
#define COREWATCH_PRIVS_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/capability.h>

/* Drops every capability but CAP_DAC_READ_SEARCH (statvfs of mount points under private directories)
 * and those in keep (a mask of 1 << CAP_x: what reading loaded maps still needs on this kernel) from
 * the effective, permitted and inheritable sets, and every one but CAP_DAC_READ_SEARCH from the
 * ambient and bounding sets, so that neither the agent nor a hook it runs can load programs or
 * regain privileges. Returns 0 (also when there was nothing to drop), or -errno. */
int privs_drop(uint64_t keep);
/* Whether cap (CAP_x) is in the effective set now. */
bool privs_have(int cap);
/* Empties the effective, permitted and inheritable sets (a hook, once it is not root). Returns 0 or
 * -errno. */
int privs_drop_all(void);

#endif
