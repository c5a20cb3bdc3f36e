/* SPDX-License-Identifier: GPL-2.0-only */
/* log.h - corewatch's diagnostics on stderr.
 *
 * Records go to the output sink (output.h); this is only for humans and journald. Every message is one
 * line prefixed with "corewatch: " and a level word. log_warn() appends strerror(errno), the -x
 * variants do not. When stderr is the journal (JOURNAL_STREAM names stderr's device and inode,
 * systemd.exec(5)), each line also starts with its sd-daemon(3) priority: <3> error, <4> warning,
 * <6> info, <7> debug; otherwise nothing is added.
 */
#ifndef COREWATCH_LOG_H
#define COREWATCH_LOG_H

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN = 1, LOG_LVL_INFO = 2, LOG_LVL_DEBUG = 3 };

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

/* Sets the most verbose level printed: INFO by default, WARN with -q, DEBUG with -v. */
void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);

void log_warn(const char *fmt, ...) PRINTF_LIKE(1, 2);
void log_warnx(const char *fmt, ...) PRINTF_LIKE(1, 2);
void log_info(const char *fmt, ...) PRINTF_LIKE(1, 2);
void log_debug(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* Prints at error level regardless of the level set. */
void log_errorx(const char *fmt, ...) PRINTF_LIKE(1, 2);

#endif
