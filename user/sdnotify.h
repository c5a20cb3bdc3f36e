/* SPDX-License-Identifier: GPL-2.0-only */
/* sdnotify.h - speaking to systemd as a Type=notify service: the sd_notify protocol (READY,
 * STATUS, WATCHDOG, RELOADING, STOPPING datagrams to $NOTIFY_SOCKET) and the watchdog period it asks
 * for. Nothing here is about alert delivery (deliver.h).
 */
#ifndef COREWATCH_SDNOTIFY_H
#define COREWATCH_SDNOTIFY_H

#include <stdint.h>

/* Sends one sd_notify message ("READY=1\nSTATUS=..."), printf-style. A no-op returning 0 when
 * NOTIFY_SOCKET is unset; -errno when it is set and the send fails. */
int sd_notify_send(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The watchdog period systemd asked for (WATCHDOG_USEC, when WATCHDOG_PID is unset or ours), in
 * microseconds; 0 when there is none. */
uint64_t sd_watchdog_usec(void);

#endif
