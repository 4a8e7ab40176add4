// SPDX-License-Identifier: MIT
/*
 * Tests for the service-manager side of lib/base/daemon.c and log.c:
 * the notify socket writer, the watchdog, "<N>" priorities to the journal
 * and reading the configuration again for a reload.
 *
 * daemon.c is compiled in here without CONFIG_SYSTEMD, so the hand-written
 * notify writer is what is tested (the libsystemd build calls sd_notify(),
 * which speaks the same datagram protocol).
 */
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "testutil.h"

#undef CONFIG_SYSTEMD
#include "../../lib/base/daemon.c"

/* A notify socket like systemd's: a bound AF_UNIX datagram socket. */
static int notify_listen(char *path, size_t len, const char *dir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(path, len, "%s/notify", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* The next datagram, or "" after timeout_ms. */
static void notify_recv(int fd, char *buf, size_t len, int timeout_ms)
{
	struct timeval tv = { .tv_sec = timeout_ms / 1000,
			      .tv_usec = (timeout_ms % 1000) * 1000 };
	ssize_t n;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = recv(fd, buf, len - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
}

static void test_notify_writer(void **state)
{
	char *dir = test_tmpdir();
	char path[256], buf[128];
	int fd = notify_listen(path, sizeof(path), dir);

	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(daemon_notify("READY=1"), 0); /* not under systemd */
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(daemon_notify("READY=1"), 1);
	notify_recv(fd, buf, sizeof(buf), 1000);
	assert_string_equal(buf, "READY=1");
	daemon_notify_stopping();
	notify_recv(fd, buf, sizeof(buf), 1000);
	assert_string_equal(buf, "STOPPING=1");
	/* Neither a path nor an abstract name: refused, nothing sent. */
	setenv("NOTIFY_SOCKET", "relative", 1);
	assert_int_equal(daemon_notify("READY=1"), -EINVAL);
	unsetenv("NOTIFY_SOCKET");
	close(fd);
	test_rmtree(dir);
}

static void test_notify_abstract(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char name[64], buf[64];
	socklen_t sl;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(name, sizeof(name), "@oopsd-test-%d", (int)getpid());
	memcpy(sa.sun_path, name, strlen(name));
	sa.sun_path[0] = '\0';
	sl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name));
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sl), 0);
	setenv("NOTIFY_SOCKET", name, 1);
	assert_int_equal(daemon_notify("STATUS=x"), 1);
	notify_recv(fd, buf, sizeof(buf), 1000);
	assert_string_equal(buf, "STATUS=x");
	unsetenv("NOTIFY_SOCKET");
	close(fd);
}

/* WATCHDOG=1 at once, then again every half period from the loop. */
static void test_watchdog(void **state)
{
	char *dir = test_tmpdir();
	char path[256], buf[64], pid[32];
	struct evloop *loop = evloop_new();
	int fd = notify_listen(path, sizeof(path), dir);
	uint64_t t0;
	int pings = 0;

	assert_non_null(loop);
	setenv("NOTIFY_SOCKET", path, 1);
	unsetenv("WATCHDOG_USEC");
	assert_int_equal(daemon_watchdog_start(loop), 0);
	/* Meant for another process (a parent's setting): not ours. */
	setenv("WATCHDOG_USEC", "100000", 1);
	setenv("WATCHDOG_PID", "1", 1);
	assert_int_equal(daemon_watchdog_start(loop), 0);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(daemon_watchdog_start(loop), 100);
	notify_recv(fd, buf, sizeof(buf), 1000);
	assert_string_equal(buf, "WATCHDOG=1");
	/* The next ones come from the loop's timer, 50 ms apart. */
	t0 = evloop_now_ms();
	while (pings < 3 && evloop_now_ms() - t0 < 5000) {
		evloop_run_once(loop, 100);
		notify_recv(fd, buf, sizeof(buf), 1);
		if (strcmp(buf, "WATCHDOG=1") == 0)
			pings++;
	}
	assert_int_equal(pings, 3);
	assert_true(evloop_now_ms() - t0 >= 100);
	evloop_timer_disarm(loop, &daemon_wd_timer);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	evloop_free(loop);
	close(fd);
	test_rmtree(dir);
}

/* stderr is the journal: "<4>" for a warning, "<6>" info, no name. */
static void test_journal_priorities(void **state)
{
	char *dir = test_tmpdir();
	char path[256], env[64];
	char *text = NULL;
	size_t n = 0;
	struct stat st;
	int saved = dup(STDERR_FILENO), fd;

	snprintf(path, sizeof(path), "%s/stderr", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0 && saved >= 0);
	dup2(fd, STDERR_FILENO);
	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	snprintf(env, sizeof(env), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", env, 1);
	log_init("t", 0, LOG_LEVEL_INFO);
	log_warnx("collector silent");
	log_info("back");
	/* Another stream (stderr redirected by hand): plain lines. */
	setenv("JOURNAL_STREAM", "1:2", 1);
	log_init("t", 0, LOG_LEVEL_INFO);
	log_warnx("plain");
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fd);
	unsetenv("JOURNAL_STREAM");
	assert_int_equal(read_file_bounded(path, 4096, 0, &text, &n), 0);
	assert_string_equal(text, "<4>collector silent\n<6>back\nt: plain\n");
	free(text);
	test_rmtree(dir);
}

struct tcfg {
	char *name;
	long long n;
	char *level;
};

static const struct conf_entry ttable[] = {
	{ "name", CONF_STRING, "a", offsetof(struct tcfg, name), "" },
	{ "n", CONF_INT, "1", offsetof(struct tcfg, n), "", 0, 100 },
	{ "level", CONF_STRING, "info", offsetof(struct tcfg, level), "" },
	CONF_END,
};

/* A reload reads defaults, the file, then the -o overrides again. */
static void test_reload_config(void **state)
{
	char *dir = test_tmpdir();
	char path[256], err[CONF_ERR_MAX];
	struct daemon_desc d = { .progname = "t", .table = ttable };
	struct daemon_opts o = { .config_path = path, .config_found = true };
	struct tcfg a = { 0 }, b = { 0 };
	FILE *f;

	snprintf(path, sizeof(path), "%s/t.conf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("name = first\nn = 5\n", f);
	fclose(f);
	o.overrides[o.noverrides++] = "level=debug";
	assert_int_equal(daemon_reload_config(&d, &o, &a, err, sizeof(err)), 0);
	assert_string_equal(a.name, "first");
	assert_int_equal(a.n, 5);
	assert_string_equal(a.level, "debug");
	f = fopen(path, "w");
	fputs("name = second\nn = 5\nlevel = warn\n", f);
	fclose(f);
	assert_int_equal(daemon_reload_config(&d, &o, &b, err, sizeof(err)), 0);
	assert_string_equal(b.level, "debug"); /* -o still wins */
	assert_int_equal(conf_differs(ttable, &a, &b, "name"), 1);
	assert_int_equal(conf_differs(ttable, &a, &b, "n"), 0);
	assert_int_equal(conf_differs(ttable, &a, &b, "level"), 0);
	assert_int_equal(conf_differs(ttable, &a, &b, "nosuch"), -1);
	conf_free(ttable, &b);
	memset(&b, 0, sizeof(b));
	/* A file that stopped parsing: an error with file:line. */
	f = fopen(path, "w");
	fputs("n = 500\n", f);
	fclose(f);
	assert_int_equal(daemon_reload_config(&d, &o, &b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "t.conf:1"));
	conf_free(ttable, &b);
	conf_free(ttable, &a);
	test_rmtree(dir);
}

static char restart_seen[256];

static void restart_hook(enum log_level level, const char *line)
{
	const char *k = strstr(line, "reload: ");

	if (k != NULL && strstr(k, "changed: takes effect after a restart"))
		snprintf(restart_seen + strlen(restart_seen),
			 sizeof(restart_seen) - strlen(restart_seen), "%.*s;",
			 (int)strcspn(k + 8, " "), k + 8);
}

/* Every changed key but the live ones is named, in table order; keys
 * that did not change never are. */
static void test_reload_warn_restart(void **state)
{
	static const char *const live[] = { "level", NULL };
	struct daemon_desc d = { .progname = "t", .table = ttable };
	struct tcfg a = { "x", 1, (char *)"info" };
	struct tcfg b = { "y", 2, (char *)"debug" };
	static const char *const none[] = { NULL };

	log_init("t", 0, LOG_LEVEL_INFO);
	log_set_hook(restart_hook);
	daemon_reload_warn_restart(&d, &a, &b, live);
	assert_string_equal(restart_seen, "name;n;");
	restart_seen[0] = '\0';
	daemon_reload_warn_restart(&d, &a, &b, none);
	assert_string_equal(restart_seen, "name;n;level;");
	restart_seen[0] = '\0';
	b = a;
	daemon_reload_warn_restart(&d, &a, &b, none);
	assert_string_equal(restart_seen, "");
	log_set_hook(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notify_writer),
		cmocka_unit_test(test_notify_abstract),
		cmocka_unit_test(test_watchdog),
		cmocka_unit_test(test_journal_priorities),
		cmocka_unit_test(test_reload_config),
		cmocka_unit_test(test_reload_warn_restart),
	};

	return cmocka_run_group_tests_name("daemon", tests, NULL, NULL);
}
