/* SPDX-License-Identifier: MIT */
/*
 * log.h - daemon logging in the OpenBSD style.
 *
 * log_warn() appends ": strerror(errno)", log_warnx() does not; log_info()
 * and log_debug() are filtered by the level; fatal()/fatalx() log and exit
 * (only while starting up).  Messages go to stderr (foreground, tools;
 * with a "<N>" priority prefix when stderr is the journal) or syslog
 * (daemons).  Every function preserves errno.
 */
#ifndef OOPSD_LOG_H
#define OOPSD_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LEVEL_ERR = 0,
	LOG_LEVEL_WARN = 1,
	LOG_LEVEL_INFO = 2,
	LOG_LEVEL_DEBUG = 3,
};

/*
 * Set the program name, the destination and the level.  to_syslog != 0
 * sends messages to syslog(3) with the daemon facility.
 */
void log_init(const char *progname, int to_syslog, enum log_level level);
void log_set_level(enum log_level level);
/* stderr is the journal ($JOURNAL_STREAM matches it): lines then carry a
 * "<N>" priority prefix instead of the program name. */
int log_stderr_is_journal(void);
enum log_level log_get_level(void);
/* Parse "error", "warn", "info", "debug"; returns -1 if unknown. */
int log_level_parse(const char *s);
/* "error", "warn", "info", "debug", NULL: indexed by enum log_level (for
 * a CONF_ENUM `log_level` key). */
extern const char *const log_level_names[];

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Without CONFIG_LOG_DEBUG the calls and their strings are left out of the
 * build (still type-checked), as pr_debug() is without DEBUG in the kernel:
 * `log_level = debug` then shows what info shows.
 */
#if !ENABLE_LOG_DEBUG
#define log_debug(...)                                                         \
	do {                                                                   \
		if (0)                                                         \
			log_debug(__VA_ARGS__);                                \
	} while (0)
#endif
void fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/*
 * Tests capture messages with a hook; NULL restores normal output.  The
 * hook receives the level and the fully formatted line (no newline).
 */
typedef void (*log_hook_fn)(enum log_level level, const char *line);
void log_set_hook(log_hook_fn hook);

#endif /* OOPSD_LOG_H */
