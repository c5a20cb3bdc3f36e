// SPDX-License-Identifier: GPL-2.0-only
/* privs.c - see privs.h. */
#include "privs.h"

#include <errno.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int privs_drop(uint64_t keep_more)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	const uint32_t keep = 1u << CAP_DAC_READ_SEARCH;
	const uint32_t keep_lo = keep | (uint32_t)keep_more, keep_hi = (uint32_t)(keep_more >> 32);

	if (syscall(SYS_capget, &hdr, data) < 0)
		return -errno;
	if ((data[0].permitted & ~keep_lo) == 0 && (data[1].permitted & ~keep_hi) == 0)
		return 0; /* nothing beyond what is kept: an unprivileged run */
	/* The bounding set first, while CAP_SETPCAP is still ours: a root hook's execve would otherwise
	 * get every capability back. Without CAP_SETPCAP (systemd's CapabilityBoundingSet= already
	 * narrowed it) there is nothing more to take out of it. */
	for (int cap = 0; (data[0].effective & (1u << CAP_SETPCAP)) && cap < 64; cap++) {
		if (cap == CAP_DAC_READ_SEARCH)
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return -errno;
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	data[0].effective = data[0].permitted = data[0].permitted & keep_lo;
	data[1].effective = data[1].permitted = data[1].permitted & keep_hi;
	data[0].inheritable = data[1].inheritable = 0;
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	return 0;
}

bool privs_have(int cap)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	if (cap < 0 || cap > 63 || syscall(SYS_capget, &hdr, data) < 0)
		return false;
	return data[cap / 32].effective & (1u << (cap % 32));
}

int privs_drop_all(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };

	return syscall(SYS_capset, &hdr, data) < 0 ? -errno : 0;
}
