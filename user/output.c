// SPDX-License-Identifier: GPL-2.0-only
/* output.c - see output.h. */
#include "output.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "log.h"
#include "loop.h"
#include "util.h"

static void local_day(int64_t epoch_ms, char day[11])
{
	time_t t = (time_t)(epoch_ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(day, 11, "%Y-%m-%d", &tm);
}

/* Debian's /var/log convention: files 0640 and the directory 0750, group adm when it exists, so log
 * shippers running in group adm (rsyslog's imfile, Filebeat, Vector) can read them. A directory
 * corewatch creates is also set-group-ID, so that the files made in it after the capabilities are
 * dropped (each new day's) get group adm from it without CAP_CHOWN. */
#define LOG_FILE_MODE 0640
#define LOG_DIR_MODE 02750
#define LOG_GROUP "adm"

/* The group log files get: adm, or -1 (keep the creator's) when there is no such group. */
static gid_t log_group(void)
{
	static int looked;
	static gid_t gid = (gid_t)-1;

	if (!looked) {
		struct group *gr = getgrnam(LOG_GROUP);

		if (gr)
			gid = gr->gr_gid;
		looked = 1;
	}
	return gid;
}

int output_set_perms(int fd, mode_t mode, const char *what)
{
	static int warned_chown;
	gid_t gid = log_group();
	struct stat st;
	int rc = 0;

	if (fchmod(fd, mode) < 0) {
		log_warn("cannot set mode %04o on %s", (unsigned)mode, what);
		rc = -1;
	}
	if (gid != (gid_t)-1 && (fstat(fd, &st) < 0 || st.st_gid != gid) && fchown(fd, (uid_t)-1, gid) < 0) {
		/* Once per process: each new day would say it again. */
		if (!warned_chown++)
			log_warn("cannot give %s to group " LOG_GROUP " (needs CAP_CHOWN or membership of "
				 LOG_GROUP "); it keeps its group", what);
		rc = -1;
	}
	return rc;
}

static int prepare_dir(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	/* mkdir() without the set-group-ID bit, added below: systemd's RestrictSUIDSGID= refuses any
	 * mkdir() whose mode has it with EPERM, even when the directory exists. */
	if (mkdir(dir, LOG_DIR_MODE & 0777) == 0) {
		/* Ours: its mode and group regardless of the umask. One that was there is left alone
		 * (systemd's LogsDirectory= made it, with the unit's LogsDirectoryMode=). */
		int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd >= 0) {
			output_set_perms(fd, LOG_DIR_MODE, dir);
			close(fd);
		}
	} else if (errno != EEXIST) {
		snprintf(err, errlen, "--log-dir: cannot create '%s': %s", dir, strerror(errno));
		return -1;
	}
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "--log-dir: '%s' is not a directory", dir);
		return -1;
	}
	if (access(dir, W_OK | X_OK) < 0) {
		snprintf(err, errlen, "--log-dir: '%s' is not writable: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

int output_check(const struct options *o, char *err, size_t errlen)
{
	return o->log_dir ? prepare_dir(o->log_dir, err, errlen) : 0;
}

static int take_settings(struct output *out, const struct options *o)
{
	char *dir = o->log_dir ? strdup(o->log_dir) : NULL;
	char *prefix = strdup(o->log_prefix), *suffix = strdup(o->log_suffix);

	if ((o->log_dir && !dir) || !prefix || !suffix) {
		free(dir);
		free(prefix);
		free(suffix);
		return -1;
	}
	free(out->dir);
	free(out->prefix);
	free(out->suffix);
	out->dir = dir;
	out->prefix = prefix;
	out->suffix = suffix;
	out->retention_days = o->retention_days;
	out->format = o->format;
	return 0;
}

int output_open(struct output *out, const struct options *o, struct agent_counters *ctr, char *err,
		size_t errlen)
{
	memset(out, 0, sizeof(*out));
	out->fd = -1;
	out->ctr = ctr;
	if (output_check(o, err, errlen) < 0)
		return -1;
	if (take_settings(out, o) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (!out->dir)
		out->fd = STDOUT_FILENO;
	return 0;
}

static void close_file(struct output *out)
{
	if (out->fd >= 0 && out->fd != STDOUT_FILENO)
		close(out->fd);
	out->fd = out->dir ? -1 : STDOUT_FILENO;
}

int output_reconfigure(struct output *out, const struct options *o, char *err, size_t errlen)
{
	if (output_check(o, err, errlen) < 0)
		return -1;
	close_file(out);
	if (take_settings(out, o) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	close_file(out);
	out->day[0] = '\0';
	return 0;
}

void output_reopen(struct output *out)
{
	close_file(out);
}

static void maint_exited(void *ctx, pid_t pid, int status);

#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_IDLE (3 << 13) /* IOPRIO_PRIO_VALUE(IOPRIO_CLASS_IDLE, 0), linux/ioprio.h */

static void start_maintenance(struct output *out)
{
	pid_t pid;

	if (!out->dir)
		return;
	if (out->maint_pid > 0) {
		out->maint_again = true;
		return;
	}
	pid = fork();
	if (pid < 0) {
		log_warn("log maintenance: fork");
		return;
	}
	if (pid == 0) {
		sigset_t none;

		/* The parent blocks signals for its signalfd; the child must die on SIGTERM. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* compressing a day's file must not compete with the host: nice 10, idle I/O class */
		if (setpriority(PRIO_PROCESS, 0, 10) < 0 ||
		    syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, IOPRIO_IDLE) < 0)
			log_warn("log maintenance: cannot lower its CPU and I/O priority");
		_exit(logdir_maintain(out->dir, out->prefix, out->suffix, out->retention_days, out->day,
				      out->closed, time(NULL)) ? 1 : 0);
	}
	out->maint_pid = pid;
	out->maint_again = false;
	if (child_watch(pid, maint_exited, out) < 0)
		log_warnx("log maintenance: too many child processes to follow this one's exit");
}

/* The maintenance worker exited (child_exit_fn, from the loop's child table). */
static void maint_exited(void *ctx, pid_t pid, int status)
{
	struct output *out = ctx;

	(void)pid;
	out->maint_pid = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		log_warnx("log maintenance in %s did not finish cleanly (see messages above)", out->dir);
	if (out->maint_again)
		start_maintenance(out);
}

/* Makes sure the right day's file is open and is still the file at its path (a removed directory or
 * a rotated file is reopened). Returns 0 or -errno. */
static int ensure_file(struct output *out, int64_t epoch_ms)
{
	char day[11];
	struct stat a, b;

	if (!out->dir)
		return 0;
	local_day(epoch_ms, day);
	if (out->fd >= 0 && strcmp(day, out->day) == 0 && stat(out->path, &a) == 0 &&
	    fstat(out->fd, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
		return 0;
	close_file(out);
	if (snprintf(out->path, sizeof(out->path), "%s/%s%s%s.log", out->dir, out->prefix, day,
		     out->suffix) >= (int)sizeof(out->path))
		return -ENAMETOOLONG;
	out->fd = open(out->path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, LOG_FILE_MODE);
	if (out->fd < 0 && errno == ENOENT) {
		/* the directory went away (removed by hand, a cleanup job): made again, as at start */
		char why[256];

		if (prepare_dir(out->dir, why, sizeof(why)) < 0)
			return -ENOENT;
		log_warnx("--log-dir: %s was gone: created it again", out->dir);
		out->fd = open(out->path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, LOG_FILE_MODE);
	}
	if (out->fd >= 0) {
		output_set_perms(out->fd, LOG_FILE_MODE, out->path); /* new: ours to set */
		out->fresh_file = true;
	}
	else if (errno == EEXIST) /* reopened (restart, SIGHUP): its mode and group stay */
		out->fd = open(out->path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (out->fd < 0)
		return -errno;
	if (strcmp(day, out->day) != 0) {
		/* A new day (or the first file): compress closed days, apply retention. The day left is
		 * kept whatever its date: after the clock jumps forward it is not old, only closed. A
		 * step back lands here too, so records always go to the file of their own date. */
		if (out->day[0])
			memcpy(out->closed, out->day, sizeof(out->closed));
		memcpy(out->day, day, sizeof(day));
		start_maintenance(out);
	}
	return 0;
}

static void report_failure(struct output *out, int err)
{
	out->ctr->write_errors++;
	for (size_t i = 0; i < out->nreported; i++)
		if (out->reported[i] == err)
			return;
	if (out->nreported < ARRAY_SIZE(out->reported))
		out->reported[out->nreported++] = err;
	log_warnx("cannot write records to %s: %s (kept and retried every interval; reported once)",
		  out->dir ? out->path : "stdout", strerror(err));
}

/* Drops the oldest whole lines until extra more bytes fit in the backlog. */
static void make_room(struct output *out, size_t extra)
{
	size_t cut = 0;
	uint64_t dropped = 0;

	while (out->blen - cut + extra > OUTPUT_BACKLOG_MAX && cut < out->blen) {
		char *nl = memchr(out->backlog + cut, '\n', out->blen - cut);

		cut = nl ? (size_t)(nl - out->backlog) + 1 : out->blen;
		dropped++;
	}
	if (!cut)
		return;
	memmove(out->backlog, out->backlog + cut, out->blen - cut);
	out->blen -= cut;
	out->ctr->records_dropped += dropped;
	log_warnx("output backlog full: dropped the %llu oldest unwritten record(s)",
		  (unsigned long long)dropped);
}

static int append(struct output *out, const char *json, size_t len, int64_t epoch_ms)
{
	char stamp[32] = "";
	size_t slen = 0, need;

	if (out->format == FORMAT_STAMPED)
		slen = (size_t)snprintf(stamp, sizeof(stamp), "%lld - ", (long long)(epoch_ms / 1000));
	need = slen + len + 1;
	if (need > OUTPUT_BACKLOG_MAX) {
		out->ctr->records_dropped++;
		return -1;
	}
	make_room(out, need);
	if (array_reserve(&out->backlog, &out->bcap, out->blen + need, 1, 8192) < 0) {
		out->ctr->records_dropped++;
		return -1;
	}
	memcpy(out->backlog + out->blen, stamp, slen);
	memcpy(out->backlog + out->blen + slen, json, len);
	out->backlog[out->blen + slen + len] = '\n';
	out->blen += need;
	return 0;
}

/* A new file's first line: an inventory taken now, ahead of the backlog (whose lines it describes). */
static void prepend_inventory(struct output *out, int64_t epoch_ms)
{
	char *json = out->inventory_fn(out->inventory_ctx, epoch_ms);
	size_t at = out->blen, n;
	char *line;

	if (!json)
		return;
	/* formatted like any record at the end of the backlog, then moved to its start */
	if (append(out, json, strlen(json), epoch_ms) == 0 && (line = malloc((n = out->blen - at)))) {
		memcpy(line, out->backlog + at, n);
		memmove(out->backlog + n, out->backlog, at);
		memcpy(out->backlog, line, n);
		free(line);
	}
	free(json);
}

static void flush_backlog(struct output *out, int64_t epoch_ms)
{
	ssize_t n;
	int err = ensure_file(out, epoch_ms);
	uint64_t lines = 0;

	if (out->blen == 0)
		return;
	if (err) {
		report_failure(out, -err);
		return;
	}
	if (out->fresh_file && out->inventory_fn && !out->writing_inventory)
		prepend_inventory(out, epoch_ms);
	out->fresh_file = false;
	n = write(out->fd, out->backlog, out->blen);
	if (n < 0) {
		err = errno;
		if (err != EAGAIN && err != EINTR)
			close_file(out); /* reopen next time: EIO and friends may need a new fd */
		report_failure(out, err);
		return;
	}
	if ((size_t)n < out->blen && out->dir) {
		/* A file filled up mid-record: cut it back to the last whole line we own. */
		off_t end = lseek(out->fd, 0, SEEK_CUR);

		if (end >= n && ftruncate(out->fd, end - n) == 0)
			n = 0;
		else
			log_warn("cannot truncate partial record in %s", out->path);
		report_failure(out, ENOSPC);
	}
	for (ssize_t i = 0; i < n; i++)
		lines += out->backlog[i] == '\n';
	memmove(out->backlog, out->backlog + n, out->blen - (size_t)n);
	out->blen -= (size_t)n;
	out->ctr->records_written += lines;
	if (out->blen == 0 && out->nreported) {
		log_info("writing records to %s again", out->dir ? out->path : "stdout");
		out->nreported = 0;
	}
}

void output_record(struct output *out, const char *json, size_t len, int64_t epoch_ms)
{
	if (append(out, json, len, epoch_ms) < 0)
		log_warnx("record of %zu bytes dropped: out of memory or larger than the backlog", len);
	flush_backlog(out, epoch_ms);
}

void output_inventory(struct output *out, const char *json, size_t len, int64_t epoch_ms)
{
	out->writing_inventory = true;
	output_record(out, json, len, epoch_ms);
	out->writing_inventory = false;
}

void output_on_new_file(struct output *out, char *(*fn)(void *ctx, int64_t epoch_ms), void *ctx)
{
	out->inventory_fn = fn;
	out->inventory_ctx = ctx;
}

void output_close(struct output *out)
{
	if (out->blen)
		flush_backlog(out, clock_ms(CLOCK_REALTIME));
	if (out->blen)
		log_warnx("%zu bytes of records could not be written before exit", out->blen);
	close_file(out);
	free(out->backlog);
	free(out->dir);
	free(out->prefix);
	free(out->suffix);
	memset(out, 0, sizeof(*out));
	out->fd = -1;
}

/* ---- log directory maintenance (runs in a child) ---- */

/* Days since the epoch of a YYYY-MM-DD string, or -1. */
static long day_number(const char *s)
{
	struct tm tm = { 0 };
	char *end = strptime(s, "%Y-%m-%d", &tm);

	if (!end || end != s + 10)
		return -1;
	return (long)(timegm(&tm) / 86400);
}

/* Copies the file at path, if there is one, to fd. Returns 0 (also when there is none) or -1. */
static int copy_existing(const char *path, int fd)
{
	char buf[65536];
	ssize_t n = 0;
	int in = open(path, O_RDONLY | O_CLOEXEC);

	if (in < 0)
		return errno == ENOENT ? 0 : -1;
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0, w; off < n; off += w) {
			w = write(fd, buf + off, (size_t)(n - off));
			if (w <= 0) {
				close(in);
				return -1;
			}
		}
	}
	close(in);
	return n == 0 ? 0 : -1;
}

/* Compresses src to src.gz (through src.gz.tmp, so a crash never leaves a truncated .gz) and removes
 * src. The .gz gets the live file's mode and group. Returns 0 or -1. */
static int gzip_file(const char *src)
{
	char dst[4200], tmp[4200], buf[65536];
	int in, out, ok = 0;
	struct stat st;
	gzFile gz;
	ssize_t n;

	if (snprintf(dst, sizeof(dst), "%s.gz", src) >= (int)sizeof(dst) ||
	    snprintf(tmp, sizeof(tmp), "%s.gz.tmp", src) >= (int)sizeof(tmp))
		return -1;
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0) {
		close(in);
		return -1;
	}
	output_set_perms(out, LOG_FILE_MODE, dst);
	/* The day may already have a .gz (the clock went back into it, or a restart): a gzip file may
	 * hold several members, so the old one is copied first and this day's lines follow it. */
	if (copy_existing(dst, out) < 0) {
		close(out);
		close(in);
		unlink(tmp);
		return -1;
	}
	gz = gzdopen(out, "wb6");
	if (!gz) {
		close(out);
		close(in);
		unlink(tmp);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (gzwrite(gz, buf, (unsigned)n) != (int)n)
			break;
	ok = n == 0;
	ok = (gzclose(gz) == Z_OK) && ok;
	/* The .gz keeps the day's last write time, which retention looks at. */
	if (ok && fstat(in, &st) == 0) {
		struct timespec times[2] = { st.st_atim, st.st_mtim };

		utimensat(AT_FDCWD, tmp, times, 0);
	}
	close(in);
	if (ok && rename(tmp, dst) == 0 && unlink(src) == 0)
		return 0;
	unlink(tmp);
	return -1;
}

int logdir_maintain(const char *dir, const char *prefix, const char *suffix, uint64_t retention_days,
		    const char *today, const char *closed, time_t now)
{
	/* A file last written less than the kept days ago is not old, whatever its name says. */
	time_t window = retention_days ? (time_t)(retention_days - 1) * 86400 : 0;
	size_t plen = strlen(prefix), slen = strlen(suffix);
	long today_n = day_number(today);
	struct dirent *de;
	int failures = 0;
	DIR *d = opendir(dir);

	if (!d) {
		log_warn("log maintenance: %s", dir);
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		const char *n = de->d_name, *rest;
		char path[4096];
		struct stat st;
		bool is_gz;
		long day;

		if (strncmp(n, prefix, plen) != 0 || strlen(n) < plen + 10 + slen + 4)
			continue;
		rest = n + plen + 10;
		if (strncmp(rest, suffix, slen) != 0)
			continue;
		rest += slen;
		is_gz = strcmp(rest, ".log.gz") == 0;
		if (!is_gz && strcmp(rest, ".log") != 0)
			continue;
		{
			char date[11];

			memcpy(date, n + plen, 10);
			date[10] = '\0';
			day = day_number(date);
			if (day < 0 || strcmp(date, today) == 0)
				continue;
		}
		if (snprintf(path, sizeof(path), "%s/%s", dir, n) >= (int)sizeof(path))
			continue;
		if (retention_days && today_n >= 0 && day <= today_n - (long)retention_days &&
		    !(closed && strncmp(n + plen, closed, 10) == 0) && lstat(path, &st) == 0 &&
		    now - st.st_mtime >= window) {
			if (unlink(path) < 0) {
				log_warn("log retention: cannot delete %s", path);
				failures++;
			}
			continue;
		}
		if (!is_gz) {
			if (gzip_file(path) < 0) {
				log_warn("log compression: %s", path);
				failures++;
			}
		}
	}
	closedir(d);
	return failures;
}
