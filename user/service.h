/* service.h - what running under systemd and as root asks of the agent: the sd_notify protocol
 * (READY, STATUS, WATCHDOG, RELOADING, STOPPING datagrams to $NOTIFY_SOCKET) and dropping the
 * capabilities that only loading the eBPF programs needed.
 */
#ifndef COREWATCH_SERVICE_H
#define COREWATCH_SERVICE_H

#include <stdbool.h>
#include <stdint.h>

/* Sends one sd_notify message ("READY=1\nSTATUS=..."), printf-style. A no-op returning 0 when
 * NOTIFY_SOCKET is unset; -errno when it is set and the send fails. */
int service_notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The watchdog period systemd asked for (WATCHDOG_USEC, when WATCHDOG_PID is unset or ours), in
 * microseconds; 0 when there is none. */
uint64_t service_watchdog_usec(void);

/* Drops every capability but CAP_DAC_READ_SEARCH (statvfs of mount points under private directories)
 * from the effective, permitted, inheritable, ambient and bounding sets, so that neither the agent
 * nor a hook it runs can load programs or regain privileges. With keep_chown the agent itself (not
 * the bounding set, so no hook) also keeps CAP_CHOWN, if it had it, to give each new day's log file
 * to group adm. Returns 0 (also when there was nothing to drop), or -errno. */
int service_drop_capabilities(bool keep_chown);

#endif
