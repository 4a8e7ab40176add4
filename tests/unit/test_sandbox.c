// SPDX-License-Identifier: MIT
/*
 * Tests for lib/sandbox.c (seccomp allow-list) and the privilege drop of
 * lib/daemon.c.  Both are irreversible, so each case runs in a forked
 * child that reports through its exit status (or dies of SIGSYS, which is
 * what the filter must do to a forbidden call); the parent asserts.
 */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "base/daemon.h"
#include "base/log.h"
#include "base/sandbox.h"

/* Child exit codes. */
#define CHILD_OK 0
#define CHILD_SETUP 10 /* the sandbox or the drop failed */
#define CHILD_BAD 11   /* an allowed call failed, or a check did not hold */
#define CHILD_ALIVE 12 /* a call that should have been fatal returned */

typedef int (*child_fn)(void *arg);

/* Run fn in a child; return its wait status. */
static int run_child(child_fn fn, void *arg)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn(arg));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

#define assert_exit(status, code) check_exit(status, code, #status)
static void check_exit(int status, int code, const char *what)
{
	if (WIFSIGNALED(status))
		fail_msg("%s: killed by signal %d, expected exit %d", what,
			 WTERMSIG(status), code);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != code)
		fail_msg("%s: exit %d, expected %d", what,
			 WEXITSTATUS(status), code);
}

#define assert_sigsys(status) check_sigsys(status, #status)
static void check_sigsys(int status, const char *what)
{
	if (WIFEXITED(status))
		fail_msg("%s: exit %d, expected death by SIGSYS", what,
			 WEXITSTATUS(status));
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS)
		fail_msg("%s: killed by signal %d, expected SIGSYS", what,
			 WTERMSIG(status));
}

/* Built with seccomp, and not under valgrind (which cannot run filters). */
static int seccomp_available(void)
{
	const char *preload = getenv("LD_PRELOAD");

	if (preload != NULL && strstr(preload, "vgpreload") != NULL)
		return 0;
	return sandbox_seccomp(0, (const char *const[]){ "no_such_call", NULL },
			       SANDBOX_KILL) != -ENOSYS;
}

/* What the base list must allow: memory, pipes, time, signals. */
static int child_base_works(void *arg)
{
	int fds[2], sv[2];
	struct timespec ts;
	char buf[4];
	char *big;
	sigset_t set;

	if (pipe(fds) < 0 || socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) < 0)
		return CHILD_SETUP;
	if (sandbox_seccomp(0, NULL, SANDBOX_KILL) < 0)
		return CHILD_SETUP;
	big = malloc(4 << 20); /* mmap without PROT_EXEC */
	if (big == NULL)
		return CHILD_BAD;
	memset(big, 1, 4 << 20);
	free(big);
	if (write(fds[1], "ok", 2) != 2 || read(fds[0], buf, 2) != 2)
		return CHILD_BAD;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0 || getpid() <= 0)
		return CHILD_BAD;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return CHILD_BAD;
	/* syslog/sd_notify need AF_UNIX sockets and sendto. */
	if (send(sv[0], "x", 1, 0) != 1)
		return CHILD_BAD;
	close(fds[0]);
	close(fds[1]);
	return CHILD_OK;
}

static int child_inet_socket(void *arg)
{
	if (sandbox_seccomp(0, NULL, SANDBOX_KILL) < 0)
		return CHILD_SETUP;
	(void)socket(AF_INET, SOCK_DGRAM, 0);
	return CHILD_ALIVE;
}

static int child_exec_memory(void *arg)
{
	void *p;

	if (sandbox_seccomp(SANDBOX_NET | SANDBOX_FILES, NULL, SANDBOX_KILL) < 0)
		return CHILD_SETUP;
	p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	(void)p;
	return CHILD_ALIVE;
}

static int child_mprotect_exec(void *arg)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return CHILD_SETUP;
	if (sandbox_seccomp(0, NULL, SANDBOX_KILL) < 0)
		return CHILD_SETUP;
	if (mprotect(p, 4096, PROT_READ) < 0) /* allowed */
		return CHILD_BAD;
	(void)mprotect(p, 4096, PROT_READ | PROT_EXEC);
	return CHILD_ALIVE;
}

static int child_execve(void *arg)
{
	char *argv[] = { "/bin/true", NULL };

	if (sandbox_seccomp(SANDBOX_NET | SANDBOX_FILES, NULL, SANDBOX_KILL) < 0)
		return CHILD_SETUP;
	execv("/bin/true", argv);
	return CHILD_ALIVE;
}

/*
 * With SANDBOX_ERRNO a forbidden call fails with EPERM instead.  mkdir is
 * in SANDBOX_FILES (and not in what sanitizer builds add); it fails with
 * ENOENT when allowed, as its parent does not exist.
 */
static int child_errno_files(void *arg)
{
	unsigned groups = *(unsigned *)arg;
	int rc;

	if (sandbox_seccomp(groups, NULL, SANDBOX_ERRNO) < 0)
		return CHILD_SETUP;
	rc = mkdir("/nonexistent-oopsd-test/dir", 0700);
	if (rc == 0)
		return CHILD_BAD;
	if (groups & SANDBOX_FILES)
		return errno == ENOENT ? CHILD_OK : CHILD_BAD;
	return errno == EPERM ? CHILD_OK : CHILD_BAD;
}

static int child_net_group(void *arg)
{
	unsigned groups = *(unsigned *)arg;
	int sv[2];
	char c;

	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) < 0 ||
	    send(sv[0], "x", 1, 0) != 1)
		return CHILD_SETUP;
	if (sandbox_seccomp(groups, NULL, SANDBOX_KILL) < 0)
		return CHILD_SETUP;
	if (recvfrom(sv[1], &c, 1, 0, NULL, NULL) != 1 || c != 'x')
		return groups & SANDBOX_NET ? CHILD_BAD : CHILD_ALIVE;
	return groups & SANDBOX_NET ? CHILD_OK : CHILD_ALIVE;
}

/* An extra system call by name. */
static int child_extra(void *arg)
{
	static const char *const extra[] = { "pipe2", "pipe", "dup", NULL };
	int fds[2];

	if (sandbox_seccomp(0, extra, SANDBOX_KILL) < 0)
		return CHILD_SETUP;
	if (pipe(fds) < 0 || dup(fds[0]) < 0)
		return CHILD_BAD;
	return CHILD_OK;
}

/* A bad name installs nothing: the process keeps every system call. */
static int child_bad_name(void *arg)
{
	static const char *const extra[] = { "read", "not_a_syscall", NULL };
	int fd;

	if (sandbox_seccomp(0, extra, SANDBOX_KILL) != -EINVAL)
		return CHILD_BAD;
	if (sandbox_seccomp(1u << 7, NULL, SANDBOX_KILL) != -EINVAL)
		return CHILD_BAD;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return CHILD_BAD;
	close(fd);
	return CHILD_OK;
}

static void test_action_parse(void **state)
{
	enum sandbox_action a;

	assert_int_equal(sandbox_action_parse("kill", &a), 0);
	assert_int_equal(a, SANDBOX_KILL);
	assert_int_equal(sandbox_action_parse("errno", &a), 0);
	assert_int_equal(a, SANDBOX_ERRNO);
	assert_int_equal(sandbox_action_parse("log", &a), 0);
	assert_int_equal(a, SANDBOX_LOG);
	assert_int_equal(sandbox_action_parse("allow", &a), -EINVAL);
	assert_int_equal(sandbox_action_parse("", &a), -EINVAL);
}

/*
 * Under the daemons' filter, with $NOTIFY_SOCKET set as systemd sets it,
 * daemon_notify() (sd_notify() in a libsystemd build) still works: it was
 * killed by SIGSYS under a real systemd (setsockopt of the send buffer).
 */
static int child_notify(void *arg)
{
	const char *path = arg;
	char buf[32];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ssize_t n;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return CHILD_SETUP;
	setenv("NOTIFY_SOCKET", path, 1);
	if (sandbox_seccomp(SANDBOX_NET | SANDBOX_FILES, NULL,
			    SANDBOX_KILL) < 0)
		return CHILD_SETUP;
	if (daemon_notify("READY=1") != 1)
		return CHILD_BAD;
	daemon_notify("WATCHDOG=1");
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	if (n != 7 || memcmp(buf, "READY=1", 7) != 0)
		return CHILD_BAD;
	unlink(path);
	return CHILD_OK;
}

static void test_seccomp(void **state)
{
	unsigned none = 0, files = SANDBOX_FILES, net = SANDBOX_NET;

	if (!seccomp_available())
		skip();
	assert_exit(run_child(child_base_works, NULL), CHILD_OK);
	assert_sigsys(run_child(child_inet_socket, NULL));
	assert_sigsys(run_child(child_exec_memory, NULL));
	assert_sigsys(run_child(child_mprotect_exec, NULL));
	assert_sigsys(run_child(child_execve, NULL));
	assert_exit(run_child(child_errno_files, &none), CHILD_OK);
	assert_exit(run_child(child_errno_files, &files), CHILD_OK);
	assert_exit(run_child(child_net_group, &net), CHILD_OK);
	assert_sigsys(run_child(child_net_group, &none));
	assert_exit(run_child(child_extra, NULL), CHILD_OK);
	assert_exit(run_child(child_bad_name, NULL), CHILD_OK);
	{
		char path[64];

		snprintf(path, sizeof(path), "/tmp/oopsd-notify-%d",
			 (int)getpid());
		assert_exit(run_child(child_notify, path), CHILD_OK);
	}
}

/* Capability sets of this process from /proc/self/status. */
static int proc_caps(const char *field, unsigned long long *out)
{
	char line[256];
	size_t n = strlen(field);
	FILE *f = fopen("/proc/self/status", "r");
	int rc = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, field, n) == 0 && line[n] == ':') {
			*out = strtoull(line + n + 1, NULL, 16);
			rc = 0;
			break;
		}
	}
	fclose(f);
	return rc;
}

struct drop_case {
	const char *secret; /* a root-only 0600 file */
	int keep_dac;	    /* keep CAP_DAC_OVERRIDE */
};

static int child_drop(void *arg)
{
	const struct drop_case *c = arg;
	static const int dac[] = { CAP_DAC_OVERRIDE };
	unsigned long long eff, prm, bnd, amb = 0;
	struct passwd *pw = getpwnam("nobody");
	gid_t groups[8];
	int fd;

	if (pw == NULL)
		return CHILD_SETUP;
	if (daemon_drop_privileges_caps("nobody", dac, c->keep_dac ? 1 : 0) < 0)
		return CHILD_SETUP;
	if (getuid() != pw->pw_uid || geteuid() != pw->pw_uid ||
	    getgid() != pw->pw_gid || getegid() != pw->pw_gid)
		return CHILD_BAD;
	if (getgroups(8, groups) != 0)
		return CHILD_BAD; /* supplementary groups cleared */
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0)
		return CHILD_BAD; /* no way back */
	if (proc_caps("CapEff", &eff) < 0 || proc_caps("CapPrm", &prm) < 0 ||
	    proc_caps("CapBnd", &bnd) < 0)
		return CHILD_BAD;
	(void)proc_caps("CapAmb", &amb);
	if (c->keep_dac) {
		if (eff != 1ULL << CAP_DAC_OVERRIDE || prm != eff ||
		    bnd != eff || amb != 0)
			return CHILD_BAD;
	} else if (eff != 0 || prm != 0 || bnd != 0 || amb != 0) {
		return CHILD_BAD;
	}
	fd = open(c->secret, O_RDONLY | O_CLOEXEC);
	if (c->keep_dac != (fd >= 0))
		return CHILD_BAD;
	if (fd >= 0)
		close(fd);
	return CHILD_OK;
}

static int child_drop_errors(void *arg)
{
	if (daemon_drop_privileges("no-such-user-oopsd") != -ENOENT)
		return CHILD_BAD;
	if (daemon_drop_privileges("root") != -EINVAL)
		return CHILD_BAD;
	if (daemon_drop_privileges_caps("nobody", (const int[]){ 99 }, 1) !=
	    -EINVAL)
		return CHILD_BAD;
	/* Still root after the refusals. */
	return geteuid() == 0 ? CHILD_OK : CHILD_BAD;
}

static void test_drop_privileges(void **state)
{
	struct drop_case c;
	char *dir, path[1100];
	int fd;

	if (geteuid() != 0 || getpwnam("nobody") == NULL)
		skip();
	dir = test_tmpdir();
	/* nobody must be able to reach the file through the directory. */
	assert_int_equal(chmod(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/secret", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	c.secret = path;
	c.keep_dac = 0;
	assert_exit(run_child(child_drop, &c), CHILD_OK);
	c.keep_dac = 1;
	assert_exit(run_child(child_drop, &c), CHILD_OK);
	assert_exit(run_child(child_drop_errors, NULL), CHILD_OK);
	test_rmtree(dir);
}

/* Not root: a no-op that succeeds, so tests and users can run daemons. */
static int child_drop_unprivileged(void *arg)
{
	struct passwd *pw = getpwnam("nobody");

	if (geteuid() == 0) {
		if (pw == NULL || setresgid(pw->pw_gid, pw->pw_gid,
					    pw->pw_gid) < 0 ||
		    setgroups(0, NULL) < 0 ||
		    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0)
			return CHILD_SETUP;
	}
	return daemon_drop_privileges("nobody") == 0 ? CHILD_OK : CHILD_BAD;
}

static void test_drop_unprivileged(void **state)
{
	if (getpwnam("nobody") == NULL)
		skip();
	assert_exit(run_child(child_drop_unprivileged, NULL), CHILD_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_action_parse),
		cmocka_unit_test(test_seccomp),
		cmocka_unit_test(test_drop_privileges),
		cmocka_unit_test(test_drop_unprivileged),
	};

	log_init("test_sandbox", 0, LOG_LEVEL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
