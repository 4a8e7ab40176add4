// SPDX-License-Identifier: MIT
/*
 * oops_guilty.c - the guilty frame of a report.
 *
 * F, the guilty frame, is taken from the report's stack: the first frame
 * that is not report plumbing or a generic helper (oops_frame_skip(), plus
 * the rule's extra skips), searched in an order that depends on the kind
 * ("RIP then Call Trace", "the stack after the timer interrupt", ...).
 * Frames are found by a small matcher: a list of parts (find a line, then
 * parse frames) tried in order, with a second list as a fallback.
 */
#include <stdio.h>
#include <string.h>

#include "oops_title.h"

/* ------------------------------------------------------------ helpers -- */

/* Does the line contain one of the '|'-separated alternatives? */
static bool line_has_any(const struct oops_tline *t, const char *alts)
{
	const char *a = alts;

	while (*a) {
		const char *e = strchr(a, '|');
		size_t k = e ? (size_t)(e - a) : strlen(a);

		if (k > 0 && k <= t->n && memmem(t->s, t->n, a, k) != NULL)
			return true;
		if (e == NULL)
			break;
		a = e + 1;
	}
	return false;
}

/* The start of a new stack: where one stack's frames end. */
static bool stack_start(const struct oops_tline *t)
{
	const char *p = t->s, *end = t->s + t->n;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	size_t n = (size_t)(end - p);

	if (oops_has(p, n, "Call Trace") || oops_has(p, n, "Call trace"))
		return true;
	if (oops_starts(p, n, "Allocated:") ||
	    oops_starts(p, n, "Allocated by task ") ||
	    oops_starts(p, n, "Freed:") || oops_starts(p, n, "Freed by task "))
		return true;
	if (oops_starts(p, n, "backtrace") || oops_starts(p, n, "Backtrace:"))
		return true;
	if (oops_starts(p, n, "Uninit was stored to memory at"))
		return true;
	if (oops_has(p, n, "status: ") && oops_has(p, n, " badaddr: ") &&
	    oops_has(p, n, " cause: "))
		return true;
	return false;
}

/*
 * Strip one syscall-wrapper prefix, the one that leaves the shortest name
 * ("__x64_sys_rmdir" -> "sys_rmdir", "__do_sys_foo" -> "foo").
 */
static void strip_syscall(char *name)
{
	static const char *const pfx[] = {
	    "__x64_",	 "__ia32_",	"__arm64_",	"__do_sys_",
	    "__se_sys_", "__se_",	"SyS_",		"SYSC_",
	    "sys_",	 "ksys_",	"__sys_",	"___sys_",
	    "____sys_",	 "compat_SyS_", "compat_SYSC_", NULL,
	};
	size_t best = 0, len = strlen(name);

	for (int i = 0; pfx[i]; i++) {
		size_t m = strlen(pfx[i]);

		if (len > m && strncmp(name, pfx[i], m) == 0 && m > best)
			best = m;
	}
	if (best)
		memmove(name, name + best, len - best + 1);
}

/* Append "::" (unless first) and the n bytes at s to out (size cap). */
static void path_add(char *out, size_t cap, size_t *o, const char *s,
		     size_t n)
{
	if (*o > 0 && *o + 2 < cap) {
		memcpy(out + *o, "::", 2);
		*o += 2;
	}
	if (*o + n >= cap)
		n = cap - 1 - *o;
	memcpy(out + *o, s, n);
	*o += n;
	out[*o] = '\0';
}

/*
 * Rust symbols as a path: v0 "_RNvNtCs1a2b_6kernel5print11call_printk" ->
 * "kernel::print::call_printk" (identifiers in order, crate
 * disambiguators "Cs.._" and back-references "B.._" skipped), legacy
 * "_ZN12rust_minimal11RustMinimal4init17h0123456789abcdefE" ->
 * "rust_minimal::RustMinimal::init" (the hash dropped).  True when name
 * was one.
 */
static bool demangle_rust(char *name)
{
	char out[NAME_MAX_LEN];
	size_t o = 0, len = strlen(name);
	const char *p, *end = name + len;
	bool v0 = strncmp(name, "_R", 2) == 0;

	if (!v0 && (strncmp(name, "_ZN", 3) != 0 || len < 22 ||
		    name[len - 1] != 'E' || name[len - 20] != '1' ||
		    name[len - 19] != '7' || name[len - 18] != 'h'))
		return false;
	out[0] = '\0';
	for (p = name + (v0 ? 2 : 3); p < end;) {
		size_t n = 0;

		if (v0 && (*p == 's' || *p == 'B') && p > name &&
		    (p[-1] == 'C' || *p == 'B')) {
			/* "Cs<base62>_" / "B<base62>_": no identifier. */
			while (p < end && *p != '_')
				p++;
			p++;
			continue;
		}
		if (*p < '0' || *p > '9') {
			p++;
			continue;
		}
		while (p < end && *p >= '0' && *p <= '9' && n < 1000)
			n = n * 10 + (size_t)(*p++ - '0');
		if (v0 && p < end && *p == '_')
			p++;
		if (n == 0 || n > (size_t)(end - p))
			break;
		if (!v0 && n == 17 && p[0] == 'h' && p + n == end - 1)
			break; /* the legacy hash */
		path_add(out, sizeof(out), &o, p, n);
		p += n;
	}
	if (o == 0)
		return false;
	memcpy(name, out, o + 1);
	return true;
}

/* Itanium C++ names: "_Z8fakeNameiii" -> "fakeName" (no parameters). */
static void demangle(char *name)
{
	if (demangle_rust(name))
		return;
	char *p = name + 2;
	size_t n = 0;

	if (strncmp(name, "_Z", 2) != 0)
		return;
	if (*p == 'N')
		p++;
	while (*p >= '0' && *p <= '9' && n < 1000)
		n = n * 10 + (size_t)(*p++ - '0');
	if (n == 0 || n > strlen(p))
		return;
	memmove(name, p, n);
	name[n] = '\0';
}

static bool extra_skip(const struct search *s, const char *name, size_t len)
{
	size_t m;

	if (s->extra == NULL)
		return false;
	/* "a\0b\0": each pattern's length is needed to step to the next. */
	for (const char *pat = s->extra; *pat; pat += m + 1) {
		m = strlen(pat);
		if (pat[0] == '^') {
			if (len >= m - 1 && memcmp(name, pat + 1, m - 1) == 0)
				return true;
		} else if (pat[0] == '=') {
			if (m - 1 == len && memcmp(name, pat + 1, len) == 0)
				return true;
		} else if (oops_memstr_n(name, len, pat, m) != NULL) {
			return true;
		}
	}
	return false;
}

static bool stall_anchor(const char *f);

static void set_result(struct search *s, const char *name)
{
	snprintf(s->result, sizeof(s->result), "%s", name);
	s->have = true;
	s->done = true;
}

/* Feed one guilty-frame candidate to the extractor. */
static void consume(struct search *s, const char *name)
{
	static const char *const hang_skip[] = {
	    "sched",	      "_lock",	     "_slowlock",
	    "down",	      "rwsem",	     "completion",
	    "kthread",	      "wait",	     "synchronize",
	    "context_switch", "__switch_to", "cancel_delayed_work",
	    "rcu_barrier",    NULL,
	};

	switch (s->ex) {
	case EX_FIRST:
		set_result(s, name);
		break;
	case EX_STALL:
		/* At the first dispatcher, the frame above it loops. */
		if (stall_anchor(name)) {
			if (strstr(name, "smp_call_function") || s->nc == 0)
				set_result(s, name);
			else
				set_result(s, s->prev);
			break;
		}
		snprintf(s->prev, sizeof(s->prev), "%s", name);
		break;
	case EX_HANG:
		if (strstr(name, "rtnl_lock")) {
			set_result(s, name);
			break;
		}
		if (strstr(name, "synchronize_rcu") ||
		    strstr(name, "synchronize_srcu") ||
		    strstr(name, "synchronize_net") ||
		    strstr(name, "synchronize_sched")) {
			s->hang_sync = true;
			break;
		}
		if (!s->hang_have_first) {
			bool bad = false;

			for (int k = 0; hang_skip[k]; k++)
				if (strstr(name, hang_skip[k]))
					bad = true;
			if (!bad) {
				snprintf(s->hang_first, sizeof(s->hang_first),
					 "%s", name);
				s->hang_have_first = true;
			}
		}
		break;
	}
	s->nc++;
}

/* Append a frame name unless it is skipped. */
static void add_cand(struct search *s, const char *name, size_t len)
{
	char buf[NAME_MAX_LEN];

	/* The extractor has its answer: an ARM "(callee) from (caller+..)"
	 * line must not let the caller overwrite the callee. */
	if (s->done || len == 0 || len >= sizeof(buf))
		return;
	if (oops_has(name, len, "should_fail"))
		s->fault_injection = true;
	memcpy(buf, name, len);
	buf[len] = '\0';
	demangle(buf);
	strip_syscall(buf);
	len = strlen(buf);
	if (len == 0 || oops_frame_skip(buf, len) || extra_skip(s, buf, len))
		return;
	consume(s, buf);
}

/* A frame line: add its function(s); returns true if it was a frame. */
static bool add_frame_line(struct search *s, const struct oops_tline *t)
{
	const char *name, *name2;
	size_t len2, len = oops_frame_symbol(t->s, t->n, &name, &name2, &len2);

	if (len == 0)
		return false;
	add_cand(s, name, len);
	if (name2 != NULL)
		add_cand(s, name2, len2);
	return true;
}

/*
 * The PC line: "(IP|NIP|pc |PC is at):? " then "[0-9]+:", up to two
 * "[<pc>] " and a function, or a bare address / "(null)".  Returns true
 * when the line is a PC line; *name gets the function if there is one.
 */
/* The line, past its indentation, starts with key: where, else NULL. */
static const char *line_start(const struct oops_tline *t, const char *key)
{
	const char *p = t->s, *end = t->s + t->n;

	while (p < end && *p == ' ')
		p++;
	return oops_starts(p, (size_t)(end - p), key) ? p : NULL;
}

static bool rip_line(const struct oops_tline *t, const char **name, size_t *len)
{
	static const char *const keys[] = {"IP", "pc ", "PC is at",
					   "EIP is at", NULL};
	const char *end = t->s + t->n;
	const char *psw;

	*name = NULL;
	*len = 0;
	/* s390: "Krnl PSW : 0704c00180000000 000000000070c4b2 (f+0x1a/0x40)" */
	psw = line_start(t, "Krnl PSW : ");
	if (psw != NULL) {
		const char *o = memchr(psw, '(', (size_t)(end - psw)), *f;

		if (o == NULL)
			return true;
		f = ++o;
		while (f < end && is_symc(*f))
			f++;
		if (f > o && f < end && *f == '+') {
			*name = o;
			*len = (size_t)(f - o);
		}
		return true;
	}
	/* MIPS: "epc   : ffffffff8012b4c8 f+0x28/0x40" (riscv's "epc : f"
	 * is handled below). */
	psw = line_start(t, "epc   : ");
	if (psw != NULL) {
		const char *o = psw + 8, *f;

		while (o < end && ((*o >= '0' && *o <= '9') ||
				   (*o >= 'a' && *o <= 'f')))
			o++;
		while (o < end && *o == ' ')
			o++;
		f = o;
		while (f < end && is_symc(*f))
			f++;
		if (f > o && f < end && *f == '+') {
			*name = o;
			*len = (size_t)(f - o);
		}
		return true;
	}
	for (int k = 0; keys[k]; k++) {
		const char *p = t->s;

		while ((p = oops_memstr(p, (size_t)(end - p), keys[k])) !=
		       NULL) {
			const char *q = p + strlen(keys[k]), *f;

			p++;
			if (q < end && *q == ':')
				q++;
			if (q >= end || *q != ' ')
				continue;
			q++;
			f = q;
			while (f < end && *f >= '0' && *f <= '9')
				f++;
			if (f > q && f < end && *f == ':')
				q = f + 1;
			if (end - q >= 2 && q[0] == '0' && q[1] == 'x')
				return true;
			f = q;
			while (f < end && *f == ' ')
				f++;
			if (end - f >= 6 && memcmp(f, "(null)", 6) == 0)
				return true;
			for (int i = 0; i < 2 && q < end && *q == '['; i++) {
				const char *r =
				    memchr(q, ']', (size_t)(end - q));

				if (r == NULL)
					break;
				if (end - r > 10 &&
				    memcmp(r + 1, " [<", 3) == 0 &&
				    oops_has(r, (size_t)(end - r), "(null)"))
					return true;
				q = r + 1;
				while (q < end && *q == ' ')
					q++;
			}
			if (end - q > 1 && q[0] == '.' && is_symc(q[1]))
				q++; /* ppc64 ".name" */
			f = q;
			while (f < end && is_symc(*f))
				f++;
			if (f > q && f < end &&
			    (*f == '+' || *f == '.' || oops_decoded_src(f, end))) {
				*name = q;
				*len = (size_t)(f - q);
				return true;
			}
		}
	}
	return false;
}

/* "at: [<pc>] f+0x" or "at: f+0x" (lockdep). */
static bool at_line(const struct oops_tline *t, const char **name, size_t *len)
{
	const char *p = mem(t, "at: ");
	struct oops_tline rest;
	const char *n2;
	size_t l2;

	if (p == NULL)
		return false;
	rest.s = p + 4;
	rest.n = t->n - (size_t)(rest.s - t->s);
	*len = oops_frame_symbol(rest.s, rest.n, name, &n2, &l2);
	return *len > 0;
}

/* "BUG: KASAN: x in f+0x" and the like: the f after " in ". */
static bool hdr_func(const struct oops_tline *t, const char **name, size_t *len)
{
	const char *p = mem(t, " in "), *end = t->s + t->n, *q;

	if (p == NULL)
		return false;
	p += 4;
	q = p;
	while (q < end && is_symc(*q))
		q++;
	if (q == p || q >= end || (*q != '+' && *q != '.'))
		return false;
	*name = p;
	*len = (size_t)(q - p);
	return true;
}

/* A PC line naming a kernel function (not a user-space address). */
bool oops_has_kernel_pc(const struct search *s)
{
	const char *name;
	size_t len;

	for (size_t i = 0; i < s->n; i++)
		if (rip_line(&s->l[i], &name, &len) && name != NULL)
			return true;
	return false;
}

/* A line that ends in "at:" (the lockdep frame follows on the next). */
static bool at_line_end(const struct oops_tline *t)
{
	size_t n = t->n;

	while (n > 0 && t->s[n - 1] == ' ')
		n--;
	return n >= 3 && memcmp(t->s + n - 3, "at:", 3) == 0;
}

/* Does line t satisfy a finding part?  Adds any captured frame. */
static bool part_match(struct search *s, const struct part *pt,
		       const struct oops_tline *t, bool is_header)
{
	const char *name;
	size_t len;

	switch (pt->kind) {
	case P_RIP:
		if (!rip_line(t, &name, &len))
			return false;
		if (name)
			add_cand(s, name, len);
		return true;
	case P_WARN_PC:
		/* Before 3.11: "WARNING: at kernel/x.c:245 f+0x9c/0xd0()". */
		if (is_header && line_has(t, "WARNING: at ")) {
			const char *a = mem(t, "WARNING: at ") + 12;
			const char *end = t->s + t->n;
			const char *sp = memchr(a, ' ', (size_t)(end - a));
			const char *n2;
			size_t l2;

			if (sp != NULL) {
				len = oops_frame_symbol(sp, (size_t)(end - sp),
							&name, &n2, &l2);
				if (len) {
					add_cand(s, name, len);
					return true;
				}
			}
		}
		if (rip_line(t, &name, &len)) {
			if (name)
				add_cand(s, name, len);
			return true;
		}
		if (line_has(t, "--- interrupt: ")) {
			const char *a = mem(t, " at ");

			if (a != NULL) {
				struct oops_tline r = {
				    a + 4, t->n - (size_t)(a + 4 - t->s)};
				const char *n2;
				size_t l2;

				len = oops_frame_symbol(r.s, r.n, &name, &n2,
							&l2);
				if (len)
					add_cand(s, name, len);
				return true;
			}
		}
		return false;
	case P_CALLTRACE: {
		const char *p = t->s, *end = t->s + t->n;

		/* ARM prints "Backtrace:" where others print "Call Trace:". */
		return oops_has(p, (size_t)(end - p), "Call Trace:") ||
		       oops_has(p, (size_t)(end - p), "Call trace:") ||
		       oops_starts(p, (size_t)(end - p), "Backtrace:");
	}
	case P_LINE:
		return line_has_any(t, pt->needle);
	case P_HDRFUNC:
		if (!is_header)
			return false;
		if (hdr_func(t, &name, &len))
			add_cand(s, name, len);
		return true;
	case P_AT:
		if (!at_line(t, &name, &len))
			return false;
		add_cand(s, name, len);
		return true;
	default:
		return false;
	}
}

/* Run one list of parts over the report, filling s->c. */
static void run_parts(struct search *s, const struct part *parts)
{
	size_t i = 0, pi = 0;

	s->nc = 0;
	s->done = s->have = s->hang_sync = s->hang_have_first = false;
	while (parts[pi].kind != P_END && !s->done) {
		const struct part *pt = &parts[pi];

		if (pt->kind == P_PARSE) {
			const struct part *next = &parts[pi + 1];
			bool moved = false;

			for (; i < s->n && !s->done; i++) {
				const struct oops_tline *t = &s->l[i];

				if (stack_start(t)) {
					i++;
					moved = true;
					break;
				}
				if (next->kind != P_END &&
				    next->kind != P_PARSE &&
				    part_match(s, next, t, i == 0)) {
					i++;
					pi++;
					moved = true;
					break;
				}
				add_frame_line(s, t);
			}
			if (!moved)
				return;
			pi++;
			continue;
		}
		for (; i < s->n; i++) {
			if (pt->kind == P_AT && i + 1 < s->n &&
			    at_line_end(&s->l[i])) {
				/* "... lock (x) at:" with the frame below it. */
				add_frame_line(s, &s->l[i + 1]);
				i++;
				break;
			}
			if (part_match(s, pt, &s->l[i], i == 0))
				break;
		}
		if (i >= s->n)
			return;
		i++;
		pi++;
	}
}

/*
 * Dispatchers for the stall rule: generic functions that hand work to the
 * code that loops; the guilty frame is the one just above them.
 */
static bool stall_anchor(const char *f)
{
	static const char sub[] =
	    "process_one_work\0"	 "do_syscall_\0"
	    "invoke_syscall\0"	 "el0_svc_handler\0"
	    "do_softirq\0"	 "call_timer_fn\0"
	    "run_timer_softirq\0" "hrtimer_run\0"
	    "ret_from_fork\0"	 "vfs_read\0"
	    "vfs_write\0"	 "vfs_ioctl\0"
	    "ksys_ioctl\0"	 "do_iter_\0"
	    "sock_sendmsg\0"	 "sock_recvmsg\0"
	    "netif_receive_skb\0" "__do_fault\0"
	    "task_work_run\0"	 "__fput\0"
	    "smp_call_function\0" "ret_fast_syscall\0"
	    "rtnetlink_rcv_msg\0" "nfnetlink_rcv_msg\0"
	    "do_dentry_open\0"	 "mmap_region\0"
	    "compat_ioctl\0"
	    /* 32-bit and old syscall entries. */
	    "do_fast_syscall\0"	 "do_int80_syscall\0"
	    "system_call_fastpath\0" "entry_SYSCALL\0"
	    "entry_SYSENTER\0"
	    /* The idle loop: the frame above it is what spins there. */
	    "cpu_startup_entry\0" "do_idle\0"
	    "start_secondary\0"	 "secondary_start_kernel\0";
	static const char prefix[] =
	    "sys_connect\0" "sys_ioctl\0"	 "sys_socketpair\0" "connect\0"
	    "ioctl\0"	   "socketpair\0" "sock_common_\0";

	/*
	 * "a\0b\0": no pointer per name.  The analyzer loses track of a
	 * string with NULs inside: each ends at its "\0\0".
	 */
	// NOLINTNEXTLINE(clang-analyzer-core.uninitialized.Branch)
	for (const char *p = sub; *p; p += strlen(p) + 1)
		if (strstr(f, p))
			return true;
	// NOLINTNEXTLINE(clang-analyzer-core.uninitialized.Branch)
	for (const char *p = prefix; *p; p += strlen(p) + 1)
		if (strncmp(f, p, strlen(p)) == 0)
			return true;
	return strcmp(f, "kthread") == 0;
}

bool oops_guilty(struct search *s, const struct part *parts,
		 const struct part *parts2, enum extractor ex, char *out,
		 size_t size)
{
	const struct part *lists[2] = {parts, parts2};
	const char *f = NULL;

	for (int k = 0; k < 2 && f == NULL; k++) {
		if (lists[k] == NULL)
			continue;
		s->ex = ex;
		run_parts(s, lists[k]);
		if (s->have)
			f = s->result;
		else if (ex == EX_HANG && s->hang_sync)
			f = "synchronize_rcu";
		else if (ex == EX_HANG && s->hang_have_first)
			f = s->hang_first;
	}
	if (f == NULL) {
		snprintf(out, size, "corrupted");
		return false;
	}
	snprintf(out, size, "%s", f);
	return true;
}

