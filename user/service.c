/* service.c - see service.h. The sd_notify datagram protocol is small and documented (sd_notify(3)),
 * so it is spoken directly rather than linking libsystemd. */
#include "service.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "util.h"

int service_notify(const char *fmt, ...)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t salen;
	char msg[512];
	va_list ap;
	int fd, rc = 0;
	size_t plen;

	if (!path || !*path)
		return 0;
	plen = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || plen >= sizeof(sa.sun_path))
		return -EINVAL;
	memcpy(sa.sun_path, path, plen);
	if (path[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract namespace */
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa, salen) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

uint64_t service_watchdog_usec(void)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	uint64_t u, p;

	if (!usec || parse_u64(usec, 1, UINT64_MAX, &u) < 0)
		return 0;
	if (pid && (parse_u64(pid, 1, UINT32_MAX, &p) < 0 || p != (uint64_t)getpid()))
		return 0;
	return u;
}

int service_drop_capabilities(bool keep_chown)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	const uint32_t keep = (1u << CAP_DAC_READ_SEARCH) | (keep_chown ? 1u << CAP_CHOWN : 0);

	if (syscall(SYS_capget, &hdr, data) < 0)
		return -errno;
	if ((data[0].permitted & ~keep) == 0 && data[1].permitted == 0)
		return 0; /* nothing beyond what is kept: an unprivileged run */
	/* The bounding set first, while CAP_SETPCAP is still ours: a root hook's execve would otherwise
	 * get every capability back. Without CAP_SETPCAP (systemd's CapabilityBoundingSet= already
	 * narrowed it) there is nothing more to take out of it.
	 * CAP_CHOWN leaves the bounding set too: a hook never gets it back, only the agent keeps it. */
	for (int cap = 0; (data[0].effective & (1u << CAP_SETPCAP)) && cap < 64; cap++) {
		if (cap == CAP_DAC_READ_SEARCH)
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return -errno;
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	data[0].effective = data[0].permitted = data[0].permitted & keep;
	data[0].inheritable = 0;
	data[1].effective = data[1].permitted = data[1].inheritable = 0;
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	return 0;
}
