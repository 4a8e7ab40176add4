// SPDX-License-Identifier: MIT
/*
 * log.c - see log.h.  The logger's settings are process-wide (like
 * syslog(3) itself): they are set once at start-up by main().
 */
#include "base/log.h"
#include "base/termesc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

static const char *log_progname = "oopsd";
static int log_to_syslog;
static enum log_level log_level = LOG_LEVEL_INFO;
static log_hook_fn log_hook;
static int log_journal;

/*
 * systemd sets JOURNAL_STREAM=DEV:INODE when stdout/stderr is a stream to
 * the journal.  Lines then start with "<N>" (syslog priority), which
 * journald turns into the entry's priority and strips: without it every
 * line is "info" and `journalctl -p warning` shows nothing.  The
 * identifier and pid are the journal's own fields: no program name.
 */
int log_stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char tail;

	if (e == NULL || sscanf(e, "%llu:%llu%c", &dev, &ino, &tail) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) < 0)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

void log_init(const char *progname, int to_syslog, enum log_level level)
{
	log_progname = progname;
	log_to_syslog = to_syslog;
	log_level = level;
	log_journal = !to_syslog && log_stderr_is_journal();
	if (to_syslog)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level log_get_level(void)
{
	return log_level;
}

const char *const log_level_names[] = { "error", "warn", "info", "debug",
					NULL };

int log_level_parse(const char *s)
{
	for (size_t i = 0; log_level_names[i] != NULL; i++)
		if (strcasecmp(s, log_level_names[i]) == 0)
			return (int)i;
	return -1;
}

void log_set_hook(log_hook_fn hook)
{
	log_hook = hook;
}

static void log_vemit(enum log_level level, const char *errstr,
		      const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void log_vemit(enum log_level level, const char *errstr,
		      const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char line[1024], esc[1024];
	int saved = errno;
	int n;

	if (level > log_level) {
		errno = saved;
		return;
	}
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		line[0] = '\0';
	if (errstr != NULL) {
		size_t len = strlen(line);

		snprintf(line + len, sizeof(line) - len, ": %s", errstr);
	}
	/* Log lines carry peer text (titles, host names, sender names):
	 * no control byte of theirs reaches a terminal or forges a line. */
	termesc(line, strlen(line), 0, esc, sizeof(esc));
	if (log_hook != NULL)
		log_hook(level, esc);
	else if (log_to_syslog)
		syslog(prio[level], "%s", esc);
	else if (log_journal)
		fprintf(stderr, "<%d>%s\n", prio[level], esc);
	else
		fprintf(stderr, "%s: %s\n", log_progname, esc);
	errno = saved;
}

#define LOG_BODY(level, errstr)                                                \
	do {                                                                   \
		va_list ap;                                                    \
		va_start(ap, fmt);                                             \
		log_vemit(level, errstr, fmt, ap);                             \
		va_end(ap);                                                    \
	} while (0)

void log_warn(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_WARN, strerror(errno));
}

void log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_WARN, NULL);
}

void log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_INFO, NULL);
}

#undef log_debug /* the function itself, whatever CONFIG_LOG_DEBUG says */
void log_debug(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_DEBUG, NULL);
}

void fatal(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_ERR, strerror(errno));
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_ERR, NULL);
	exit(1);
}
