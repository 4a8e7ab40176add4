/* SPDX-License-Identifier: MIT */
/*
 * sandbox.h - a seccomp system-call allow-list for the daemons' steady
 * state (CONFIG_SECCOMP, libseccomp).
 *
 * A daemon opens everything it needs as root (sockets, /dev/kmsg, the
 * spool and state directories, the store), drops privileges
 * (daemon_drop_privileges_caps()), and then calls sandbox_seccomp() with
 * the groups of system calls its steady state needs.  From then on any
 * other system call kills the process (or fails, or is logged: see
 * enum sandbox_action), and the filter cannot be removed or loosened:
 * no_new_privs is set, execve is never allowed.
 *
 * The base list (always allowed) is what a single-threaded event loop
 * that logs needs: I/O on descriptors it already holds, epoll, signals,
 * time, memory (never executable: mmap/mprotect with PROT_EXEC are
 * refused), exit, getrandom, and an AF_UNIX socket for syslog and
 * sd_notify.  Everything else is asked for explicitly.
 */
#ifndef OOPSD_SANDBOX_H
#define OOPSD_SANDBOX_H

enum sandbox_action {
	SANDBOX_KILL,  /* kill the process (SIGSYS): production default */
	SANDBOX_ERRNO, /* the call fails with EPERM */
	SANDBOX_LOG,   /* allowed but logged by the kernel: to find a list */
};

/* Groups of extra system calls; OR them together. */
enum {
	/* send/receive on sockets already open: UDP, netlink, netconsole. */
	SANDBOX_NET = 1 << 0,
	/*
	 * Path operations relative to directories already open or under
	 * paths already allowed by the unit: openat, unlinkat, renameat,
	 * mkdirat, getdents64, fsync, ftruncate, flock: the agent's spool
	 * and state, the collector's SQLite store, pstore rescans.
	 */
	SANDBOX_FILES = 1 << 1,
	/*
	 * Host name resolution (getaddrinfo through /etc/hosts and DNS):
	 * new AF_INET/AF_INET6 sockets, bind, setsockopt, ioctl(FIONREAD).
	 * For an agent whose collector is a name it resolves again.  NSS
	 * modules are loaded by the first resolution, before the sandbox.
	 */
	SANDBOX_RESOLVE = 1 << 2,
};

/* The action named by a config value: "kill", "errno" or "log". */
int sandbox_action_parse(const char *s, enum sandbox_action *out);

/*
 * What the daemons' `seccomp` configuration key does: "kill", "errno" or
 * "log" install the allow-list with that action for everything else,
 * "off" installs nothing.  The key is a CONF_ENUM over sandbox_mode_names,
 * so a bad value is refused where the file is parsed.  sandbox_apply()
 * returns 0 (also for SANDBOX_MODE_OFF, and when built without
 * CONFIG_SECCOMP, which it logs), -EINVAL for a bad mode, or the error of
 * sandbox_seccomp() (already logged).
 */
enum sandbox_mode {
	SANDBOX_MODE_KILL = SANDBOX_KILL,
	SANDBOX_MODE_ERRNO = SANDBOX_ERRNO,
	SANDBOX_MODE_LOG = SANDBOX_LOG,
	SANDBOX_MODE_OFF,
};
/* "kill", "errno", "log", "off", NULL: indexed by enum sandbox_mode. */
extern const char *const sandbox_mode_names[];
int sandbox_apply(int mode, unsigned groups, const char *const *extra);

/*
 * Install the allow-list: the base list, the groups in `groups`, and
 * `extra`, a NULL-terminated array of system call names (may be NULL).
 * Names of system calls this architecture lacks are ignored; a name no
 * architecture knows is an error.  Irreversible for this process and its
 * children.  Returns 0, -EINVAL for an unknown name or group, or the
 * negative errno of libseccomp (e.g. -EACCES under a seccomp that forbids
 * it).  Nothing is installed on error.  -ENOSYS when built without
 * CONFIG_SECCOMP (callers log it and go on).
 */
int sandbox_seccomp(unsigned groups, const char *const *extra,
		    enum sandbox_action action);

#endif /* OOPSD_SANDBOX_H */
