// SPDX-License-Identifier: MIT
/*
 * sandbox.c - see sandbox.h.
 *
 * The lists name system calls rather than numbers so that one list serves
 * every architecture: libseccomp resolves each name for the native one and
 * ignores the names that architecture does not have (mmap2 on x86-64, open
 * on arm64, ...).
 */
#include "base/sandbox.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"

#ifdef CONFIG_SECCOMP
#include <seccomp.h>
#endif

/* Indexed by enum sandbox_action. */
static const char *const sandbox_action_names[] = { "kill", "errno", "log" };

int sandbox_action_parse(const char *s, enum sandbox_action *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(sandbox_action_names); i++) {
		if (strcmp(s, sandbox_action_names[i]) == 0) {
			*out = (enum sandbox_action)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *const sandbox_mode_names[] = { "kill", "errno", "log", "off",
					   NULL };

int sandbox_apply(int mode, unsigned groups, const char *const *extra)
{
	int rc;

	if (mode < SANDBOX_MODE_KILL || mode > SANDBOX_MODE_OFF)
		return -EINVAL;
	if (mode == SANDBOX_MODE_OFF) {
		log_info("seccomp: off");
		return 0;
	}
	rc = sandbox_seccomp(groups, extra, (enum sandbox_action)mode);
	if (rc == -ENOSYS) {
		log_info("seccomp: not built in (CONFIG_SECCOMP)");
		return 0;
	}
	return rc;
}

#ifdef CONFIG_SECCOMP

/*
 * Always allowed: what an event loop that logs needs once everything is
 * open.  mmap, mprotect, socket, kill and tgkill are allowed with argument
 * checks in sandbox_seccomp().
 */
static const char *const sandbox_base[] = {
	/* I/O on descriptors already held. */
	"read", "readv", "write", "writev", "pread64", "pwrite64", "close",
	"lseek", "_llseek", "fstat", "fstat64", "newfstatat", "fstatat64",
	"statx", "fcntl", "fcntl64",
	/* The event loop (lib/evloop.c) and signals (handlers set flags). */
	"epoll_wait", "epoll_pwait", "epoll_pwait2", "epoll_ctl", "poll",
	"ppoll", "ppoll_time64", "rt_sigaction", "rt_sigprocmask",
	"rt_sigreturn", "sigreturn", "restart_syscall",
	/* Time: the vDSO usually answers, the fallback is a system call. */
	"clock_gettime", "clock_gettime64", "clock_getres", "gettimeofday",
	"time", "clock_nanosleep", "clock_nanosleep_time64", "nanosleep",
	/* Memory (brk, and malloc's large blocks through mmap below). */
	"brk", "munmap", "mremap", "madvise",
	/*
	 * Cheap and read-only; glibc and libraries ask: uname for
	 * gethostname(), sysinfo for qsort() (it sizes its buffer by the
	 * physical memory).
	 */
	"uname", "sysinfo", "getpid", "gettid", "getuid", "geteuid", "getgid", "getegid",
	"getuid32", "geteuid32", "getgid32", "getegid32",
	/* Backoff jitter and random ids; locks inside libraries. */
	"getrandom", "futex", "futex_time64",
	/*
	 * syslog(3) and sd_notify() (re)connect an AF_UNIX socket;
	 * sd_notify() also sizes its send buffer (getsockopt, setsockopt):
	 * READY=1 and WATCHDOG=1 are sent after the filter is in place.
	 */
	"connect", "sendto", "sendmsg", "getsockopt", "setsockopt",
	"exit", "exit_group",
};

/* SANDBOX_NET: traffic on sockets opened before the sandbox. */
static const char *const sandbox_net[] = {
	"recvfrom", "recvmsg", "recvmmsg", "recvmmsg_time64", "sendmmsg",
	"getsockname", "getpeername", "getsockopt",
};

/* SANDBOX_RESOLVE: the resolver's own sockets (socket() is checked). */
static const char *const sandbox_resolve[] = {
	"bind", "setsockopt", "getsockname",
};

/* SANDBOX_FILES: the spool, the state files, the store, pstore rescans. */
static const char *const sandbox_files[] = {
	"openat", "open", "unlinkat", "unlink", "renameat", "renameat2",
	"rename", "mkdirat", "mkdir", "getdents64", "getdents", "fsync",
	"fdatasync", "ftruncate", "ftruncate64", "fallocate", "flock",
	"faccessat", "faccessat2", "access", "getcwd", "stat", "lstat",
	"stat64", "lstat64", "readlinkat", "readlink", "fchmod",
	"dup", /* fdopendir(dup(dirfd)) to rescan a directory */
};

/*
 * Sanitizer builds (make check-asan, make debug) only: LeakSanitizer
 * stops the process at exit with clone and ptrace and reads /proc, and
 * AddressSanitizer reads /proc/self/maps to report.  Never in a release.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_SANITIZER 1
#endif
#endif
#ifndef SANDBOX_SANITIZER
#define SANDBOX_SANITIZER 0
#endif
static const char *const sandbox_sanitizer[] = {
	"clone", "clone3", "ptrace", "wait4", "waitid", "prctl",
	"sched_yield", "sigaltstack", "getppid", "openat", "open",
	"readlink", "readlinkat", "getdents64", "getdents", "sched_getaffinity",
	"pipe2", "dup2", "dup3",
};

static int sandbox_allow(scmp_filter_ctx ctx, const char *name,
			 unsigned *count)
{
	int nr = seccomp_syscall_resolve_name(name);
	int rc;

	if (nr == __NR_SCMP_ERROR) {
		log_warnx("seccomp: unknown system call '%s'", name);
		return -EINVAL;
	}
	if (nr < 0)
		return 0; /* not on this architecture */
	rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	/* -EEXIST: listed twice (e.g. in a group and in extra): fine. */
	if (rc < 0 && rc != -EEXIST) {
		log_warnx("seccomp: cannot allow %s: %s", name, strerror(-rc));
		return rc;
	}
	*count += rc == 0;
	return 0;
}

static int sandbox_allow_list(scmp_filter_ctx ctx, const char *const *names,
			      size_t n, unsigned *count)
{
	for (size_t i = 0; i < n && names[i] != NULL; i++) {
		int rc = sandbox_allow(ctx, names[i], count);

		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The calls that are allowed only with safe arguments. */
static int sandbox_allow_checked(scmp_filter_ctx ctx, unsigned *count)
{
	/* Never executable memory: an exploit cannot map its shellcode. */
	static const char *const mem[] = { "mmap", "mmap2", "mprotect",
					   "pkey_mprotect" };
	int rc;

	for (size_t i = 0; i < ARRAY_SIZE(mem); i++) {
		int nr = seccomp_syscall_resolve_name(mem[i]);

		if (nr < 0)
			continue;
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
				      SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
		if (rc < 0)
			return rc;
		(*count)++;
	}
	/* Sockets: only AF_UNIX, for syslog and sd_notify reconnections. */
	rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
			      SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
	if (rc < 0)
		return rc;
	/* Signals to ourselves only: raise() and abort(). */
	rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
			      SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
	if (rc < 0)
		return rc;
	rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(kill), 1,
			      SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
	if (rc < 0)
		return rc;
	/* isatty() from stdio on a log stream: TCGETS only. */
	rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
			      SCMP_A1(SCMP_CMP_EQ, TCGETS));
	if (rc < 0)
		return rc;
	*count += 4;
	return 0;
}

static int sandbox_allow_resolve(scmp_filter_ctx ctx, unsigned *count)
{
	static const int families[] = { AF_INET, AF_INET6 };
	int rc;

	for (size_t i = 0; i < ARRAY_SIZE(families); i++) {
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				      SCMP_A0(SCMP_CMP_EQ,
					      (scmp_datum_t)families[i]));
		if (rc < 0)
			return rc;
	}
	/* The DNS client asks how many bytes a reply has. */
	rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
			      SCMP_A1(SCMP_CMP_EQ, FIONREAD));
	if (rc < 0)
		return rc;
	*count += 3;
	return sandbox_allow_list(ctx, sandbox_resolve,
				  ARRAY_SIZE(sandbox_resolve), count);
}

int sandbox_seccomp(unsigned groups, const char *const *extra,
		    enum sandbox_action action)
{
	uint32_t def;
	scmp_filter_ctx ctx;
	unsigned count = 0;
	int rc;

	switch (action) {
	case SANDBOX_KILL:
		def = SCMP_ACT_KILL_PROCESS;
		break;
	case SANDBOX_ERRNO:
		def = SCMP_ACT_ERRNO(EPERM);
		break;
	case SANDBOX_LOG:
		def = SCMP_ACT_LOG;
		break;
	default:
		return -EINVAL;
	}
	if (groups & ~(unsigned)(SANDBOX_NET | SANDBOX_FILES | SANDBOX_RESOLVE))
		return -EINVAL;
	ctx = seccomp_init(def);
	if (ctx == NULL) {
		/* Also when seccomp(2) itself is refused (a service
		 * manager's filter without @seccomp): libseccomp then
		 * finds no support for the action. */
		log_warnx("seccomp: cannot set up a filter (is seccomp(2) "
			  "refused by a parent's filter?)");
		return -ENOMEM;
	}
	rc = sandbox_allow_list(ctx, sandbox_base, ARRAY_SIZE(sandbox_base),
				&count);
	if (rc == 0)
		rc = sandbox_allow_checked(ctx, &count);
	if (rc == 0 && (groups & SANDBOX_NET))
		rc = sandbox_allow_list(ctx, sandbox_net,
					ARRAY_SIZE(sandbox_net), &count);
	if (rc == 0 && (groups & SANDBOX_FILES))
		rc = sandbox_allow_list(ctx, sandbox_files,
					ARRAY_SIZE(sandbox_files), &count);
	if (rc == 0 && (groups & SANDBOX_RESOLVE))
		rc = sandbox_allow_resolve(ctx, &count);
	if (rc == 0 && extra != NULL)
		rc = sandbox_allow_list(ctx, extra, SIZE_MAX, &count);
	if (rc == 0 && SANDBOX_SANITIZER)
		rc = sandbox_allow_list(ctx, sandbox_sanitizer,
					ARRAY_SIZE(sandbox_sanitizer), &count);
	if (rc < 0)
		goto out;
	/* libseccomp sets no_new_privs by default: keep it explicit. */
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1);
	if (rc == 0)
		rc = seccomp_load(ctx);
	if (rc < 0) {
		log_warnx("seccomp: cannot load the filter: %s", strerror(-rc));
		goto out;
	}
	log_info("seccomp: %u system calls allowed, others: %s", count,
		 sandbox_action_names[action]);
out:
	seccomp_release(ctx);
	return rc;
}

#else /* !CONFIG_SECCOMP */

int sandbox_seccomp(unsigned groups, const char *const *extra,
		    enum sandbox_action action)
{
	return -ENOSYS;
}

#endif
