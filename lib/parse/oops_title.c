// SPDX-License-Identifier: MIT
/*
 * oops_title.c - the title, guilty function, kind and corruption of a
 * report, following the conventions of the public kernel crash dashboards
 * (syzbot).  ../shared/reference/titles.md summarises them; the rules here
 * are written from that summary.
 *
 * A title is the header's pattern ("KASAN: use-after-free Read in F") with
 * F, the guilty frame, found by oops_guilty() (oops_guilty.c).
 */
#include <stdio.h>
#include <string.h>

#include "oops_title.h"

/* ------------------------------------------------------------- stacks -- */

static const struct part ST_RIP_CT[] = {{P_RIP}, {P_PARSE}, {P_END}};
static const struct part ST_CT[] = {{P_CALLTRACE}, {P_PARSE}, {P_END}};
static const struct part ST_RIP_ONLY[] = {{P_RIP}, {P_END}};
static const struct part ST_WARN[] = {{P_WARN_PC}, {P_PARSE}, {P_END}};
static const struct part ST_HDR_CT[] = {
    {P_HDRFUNC}, {P_CALLTRACE}, {P_PARSE}, {P_END}};
static const struct part ST_HDR_STACK[] = {{P_HDRFUNC}, {P_PARSE}, {P_END}};
static const struct part ST_RIP_CT_STALL[] = {
    {P_RIP}, {P_CALLTRACE}, {P_PARSE}, {P_END}};
static const struct part ST_RCU[] = {
    {P_LINE, "apic_timer_interrupt"}, {P_RIP}, {P_PARSE}, {P_END}};
static const struct part ST_RCU2[] = {
    {P_LINE, "apic_timer_interrupt|Exception stack|el1h_64_irq"},
    {P_PARSE},
    {P_END}};
static const struct part ST_STACK_ANY[] = {
    {P_LINE, "Call Trace:|Call trace:|Backtrace:"}, {P_PARSE}, {P_END}};
static const struct part ST_LEAK[] = {
    {P_LINE, "backtrace"}, {P_PARSE}, {P_END}};

static const char *const skip_kasan[] = {
    "kernel_fault", "tag_check", "mem_abort", "^el1_", "^el1h_", NULL,
};
static const char *const skip_free[] = {
    "slab_",	    "kfree",	 "vfree",     "vunmap", "^kmem_",
    "kernel_fault", "tag_check", "mem_abort", NULL,
};
static const char *const skip_kmsan[] = {
    "alloc_skb",
    "^netlink_",
    "^crypto_",
    NULL,
};
static const char *const skip_leak[] = {
    "alloc",	  "kmem",     "slab",	       "kmemleak",   "strdup",
    "kstrdup",	  "kmemdup",  "^__do_kmalloc", "^kmalloc",   "create_object",
    "vmap",	  "vzalloc",  "kvmalloc",      "^__kmalloc", "^kvzalloc",
    "^__vmalloc", "^vmalloc", "^mempool",      NULL,
};
static const char *const skip_rcu[] = {
    "rcu",
    "kmem",
    "slab",
    NULL,
};
/* A lock taken by the workqueue machinery names no subsystem. */
static const char *const skip_lockdep[] = {
    "process_one_work", "worker_thread",
    "print_circular",	"check_noncircular",
    "check_prev_add",	"check_prevs_add",
    "validate_chain",	NULL,
};
static const char *const skip_nonstatic[] = {
    "stack",
    "lock",
    "IRQ",
    NULL,
};
static const char *const skip_skb[] = {"^skb_", NULL};
static const char *const skip_schedule[] = {"schedule", NULL};
static const char *const skip_odebug[] = {
    "debug_check",  "debug_object", "^__debug", "^free_obj_work",
    "^debug_",	    "^timer_",	    "hrtimer_", "^destroy_",
    "vunmap",	    "free_pages",   "free_pcp", "init_timer",
    "^__init_work", "kvfree",	    "^__free_", NULL,
};
static const char *const skip_usercopy[] = {
    "^check_", "^usercopy", "^__check", "_copy_", "copy_", NULL,
};
static const char *const skip_kobject[] = {"^kobject", NULL};
static const char *const skip_proc[] = {"^proc_", "^__proc", NULL};
static const char *const skip_refcount[] = {"^refcount", NULL};
static const char *const skip_kmalloc[] = {
    "^kmalloc",	 "^__kmalloc",	   "^kvmalloc", "^kvzalloc",	 "^kzalloc",
    "^krealloc", "^kmalloc_array", "^kcalloc",	"^__do_kmalloc", NULL,
};
static const char *const skip_vmalloc[] = {
    "vmalloc",
    "^__vmalloc",
    NULL,
};
static const char *const skip_locking[] = {
    "lock",
    "^__lock",
    NULL,
};

/* ------------------------------------------------------------- titles -- */

struct tstate {
	struct search s;
	const struct oops_tline *h; /* header line */
	const char *hp; /* the header text in it */
	size_t hn;
	struct oops_title_result *res;
};

/* The title is a followed by b. */
static void set_title(struct tstate *t, const char *a, const char *b)
{
	snprintf(t->res->title, sizeof(t->res->title), "%s%s", a, b);
}

/* "<prefix> in F" with F from the given stack search. */
static void title_in(struct tstate *t, const char *prefix,
		     const struct part *parts, const struct part *parts2,
		     enum extractor ex, const char *const *extra)
{
	char f[NAME_MAX_LEN];

	t->s.extra = extra;
	if (!oops_guilty(&t->s, parts, parts2, ex, f, sizeof(f)))
		t->res->corrupted = true;
	else
		snprintf(t->res->guilty, sizeof(t->res->guilty), "%s", f);
	snprintf(t->res->title, sizeof(t->res->title), "%s in %s", prefix, f);
}

/* The header text from hp to the end of the line (the fallback title). */
static void title_rest(struct tstate *t)
{
	size_t n = t->hn;

	if (n >= sizeof(t->res->title))
		n = sizeof(t->res->title) - 1;
	memcpy(t->res->title, t->hp, n);
	t->res->title[n] = '\0';
}

/* Text after "key" in the header, up to one of the stop strings. */
static size_t words_after(const struct tstate *t, const char *key,
			  const char *stop, char *out, size_t size)
{
	const char *p = oops_memstr(t->hp, t->hn, key), *end = t->hp + t->hn;
	const char *e;
	size_t n;

	if (p == NULL) {
		out[0] = '\0';
		return 0;
	}
	p += strlen(key);
	e = stop ? oops_memstr(p, (size_t)(end - p), stop) : NULL;
	if (e == NULL)
		e = end;
	n = (size_t)(e - p);
	if (n >= size)
		n = size - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '!'))
		out[--n] = '\0';
	return n;
}

static bool hdr_has(const struct tstate *t, const char *s)
{
	return oops_has(t->hp, t->hn, s);
}

/* True when the header ends right after "BUG:" / "WARNING:" / "INFO:". */
static bool bare(const struct tstate *t, const char *key)
{
	const char *p = oops_memstr(t->hp, t->hn, key);

	if (p == NULL)
		return false;
	p += strlen(key);
	while (p < t->hp + t->hn && *p == ' ')
		p++;
	return p == t->hp + t->hn;
}

static const char *access_kind(const struct tstate *t)
{
	for (size_t i = 1; i < t->s.n; i++) {
		const struct oops_tline *l = &t->s.l[i];

		if (line_has(l, "Read of size") || line_has(l, "Read at addr"))
			return "Read";
		if (line_has(l, "Write of size") ||
		    line_has(l, "Write at addr"))
			return "Write";
	}
	return NULL;
}

static void title_kasan(struct tstate *t)
{
	char kind[64], pfx[128];
	const char *rw;

	t->res->kind = OOPS_KIND_KASAN;
	words_after(t, "KASAN: ", " ", kind, sizeof(kind));
	if (hdr_has(t, "double-free") || hdr_has(t, "invalid-free")) {
		if (hdr_has(t, " in ")) {
			title_in(t, "KASAN: invalid-free", ST_HDR_CT, NULL,
				 EX_FIRST, skip_free);
			return;
		}
	}
	rw = access_kind(t);
	if (rw && hdr_has(t, " in ")) {
		snprintf(pfx, sizeof(pfx), "KASAN: %s %s", kind, rw);
		title_in(t, pfx, ST_HDR_CT, NULL, EX_FIRST, skip_kasan);
		return;
	}
	if (rw && hdr_has(t, "on address")) {
		snprintf(t->res->title, sizeof(t->res->title), "KASAN: %s %s",
			 kind, rw);
		return;
	}
	words_after(t, "BUG: ", NULL, t->res->title, sizeof(t->res->title));
	t->res->corrupted = true;
}

static void title_kmsan(struct tstate *t)
{
	char kind[64], pfx[128];

	t->res->kind = OOPS_KIND_KMSAN;
	words_after(t, "KMSAN: ", " ", kind, sizeof(kind));
	if (!hdr_has(t, " in ")) {
		words_after(t, "BUG: ", NULL, t->res->title,
			    sizeof(t->res->title));
		t->res->corrupted = true;
		return;
	}
	snprintf(pfx, sizeof(pfx), "KMSAN: %s", kind);
	title_in(t, pfx, ST_HDR_STACK, NULL, EX_FIRST, skip_kmsan);
}

static void title_kfence(struct tstate *t)
{
	char words[96], pfx[128];

	t->res->kind = OOPS_KIND_KFENCE;
	words_after(t, "KFENCE: ", " in ", words, sizeof(words));
	snprintf(pfx, sizeof(pfx), "KFENCE: %s", words);
	title_in(t, pfx, ST_HDR_STACK, NULL, EX_FIRST, skip_kasan);
}

/* Lock-held family: WARNING:/BUG: <what> in F. */
static bool title_lock_held(struct tstate *t, const char *lvl)
{
	static const struct {
		const char *key, *title;
	} map[] = {
	    {"still has locks held", "still has locks held"},
	    {"held lock freed", "held lock freed"},
	    {"bad unlock balance detected", "bad unlock balance"},
	    {"lock held when returning to user space",
	     "lock held when returning to user space"},
	    {"Nested lock was not taken", "nested lock was not taken"},
	    {"lock held at task exit time", "lock held at task exit time"},
	    {NULL, NULL},
	};
	static const struct part parts[] = {{P_AT}, {P_END}};
	static const struct part parts2[] = {
	    {P_LINE, "at:"}, {P_PARSE}, {P_END}};
	char pfx[128];

	for (int i = 0; map[i].key; i++) {
		if (!hdr_has(t, map[i].key))
			continue;
		snprintf(pfx, sizeof(pfx), "%s: %s", lvl, map[i].title);
		t->res->kind = OOPS_KIND_LOCKDEP;
		title_in(t, pfx, parts, parts2, EX_FIRST, NULL);
		return true;
	}
	return false;
}

/* lockdep: possible deadlock, inconsistent lock state, RCU, keys. */
static bool title_lockdep(struct tstate *t, const char *lvl)
{
	static const struct part circ[] = {
	    {P_LINE, "is trying to acquire lock"}, {P_AT}, {P_END}};
	static const struct part circ2[] = {
	    {P_LINE, "is trying to acquire lock"},
	    {P_LINE, "at: "},
	    {P_AT},
	    {P_END}};
	static const struct part inv[] = {
	    {P_LINE, "just changed the state of lock"}, {P_AT}, {P_END}};
	static const struct part safe[] = {
	    {P_LINE, "which became"}, {P_PARSE}, {P_END}};
	static const struct part incons_old[] = {
	    {P_LINE, "takes"}, {P_AT}, {P_END}};
	char pfx[128];

	if (hdr_has(t, "possible circular locking dependency detected") ||
	    hdr_has(t, "possible recursive locking detected")) {
		t->res->kind = OOPS_KIND_LOCKDEP;
		if (find_line(&t->s, 1, "is trying to acquire lock") >= t->s.n)
			return false;
		title_in(t, "possible deadlock", circ, circ2, EX_FIRST,
			 skip_lockdep);
		if (t->res->corrupted) {
			t->res->corrupted = false;
			title_in(t, "possible deadlock", ST_CT, NULL, EX_FIRST,
				 skip_lockdep);
		}
		return true;
	}
	if (hdr_has(t, "possible irq lock inversion dependency detected")) {
		t->res->kind = OOPS_KIND_LOCKDEP;
		title_in(t, "possible deadlock", inv, ST_CT, EX_FIRST, NULL);
		return true;
	}
	if (hdr_has(t, "-safe -> ") &&
	    hdr_has(t, "-unsafe lock order detected")) {
		t->res->kind = OOPS_KIND_LOCKDEP;
		title_in(t, "possible deadlock", safe, ST_CT, EX_FIRST, NULL);
		return true;
	}
	if (hdr_has(t, "inconsistent lock state")) {
		t->res->kind = OOPS_KIND_LOCKDEP;
		if (lvl[0] == 'I')
			title_in(t, "inconsistent lock state", incons_old,
				 ST_CT, EX_FIRST, NULL);
		else
			title_in(t, "inconsistent lock state", ST_CT, NULL,
				 EX_FIRST, NULL);
		return true;
	}
	if (hdr_has(t, "suspicious RCU usage")) {
		t->res->kind = OOPS_KIND_LOCKDEP;
		if (find_line(&t->s, 1, ".h:") >= t->s.n &&
		    find_line(&t->s, 1, ".c:") >= t->s.n) {
			/* The line naming the source was lost. */
			title_rest(t);
			t->res->corrupted = true;
			return true;
		}
		snprintf(pfx, sizeof(pfx), "%s: suspicious RCU usage", lvl);
		title_in(t, pfx, ST_CT, NULL, EX_FIRST, skip_rcu);
		return true;
	}
	return title_lock_held(t, lvl);
}

/* The source file of a WARNING header: "at kernel/x.c:12" or "kernel/x.c:12".
 */
static bool warn_file(const struct tstate *t, const char *path)
{
	const char *p = oops_memstr(t->hp, t->hn, path);

	return p != NULL && (p[-1] == ' ' || p[-1] == '/');
}

/*
 * "irq N: nobody cared" / "irq event N: bogus return value": the stack is
 * the interrupt path (whatever it interrupted, and the IRQ core), which
 * says nothing; the culprit is the handler the kernel lists after
 * "handlers:" as "[<ptr>] name [module]" (the first one when the line is
 * shared).  Title: "irq: nobody cared in usb_hcd_irq".
 */
static void title_irq(struct tstate *t)
{
	const char *what = hdr_has(t, "bogus return value")
				   ? "irq: bogus return value"
				   : "irq: nobody cared";
	size_t i = find_line(&t->s, 1, "handlers:");
	char f[NAME_MAX_LEN];
	size_t k = 0;

	t->res->kind = OOPS_KIND_OTHER;
	if (i + 1 < t->s.n) {
		const struct oops_tline *l = &t->s.l[i + 1];
		const char *p = mem(l, "] "), *end = l->s + l->n;

		if (p != NULL && l->n > 0 && l->s[0] == '[') {
			for (p += 2; p < end && is_symc(*p) &&
				     k + 1 < sizeof(f);
			     p++)
				f[k++] = *p;
		}
	}
	f[k] = '\0';
	if (k == 0) {
		set_title(t, what, "");
		return;
	}
	snprintf(t->res->guilty, sizeof(t->res->guilty), "%s", f);
	snprintf(t->res->title, sizeof(t->res->title), "%s in %s", what, f);
}

/* "WARNING: ... at mm/x.c:N kmalloc_slab+0x.." : a k*malloc* function. */
static bool kmalloc_func(const struct tstate *t)
{
	const char *p = oops_memstr(t->hp, t->hn, " mm/"), *end = t->hp + t->hn;
	const char *f, *e;

	if (p == NULL)
		return false;
	f = memchr(p + 1, ' ', (size_t)(end - p - 1));
	if (f == NULL)
		return false;
	f++;
	while (f < end && *f == '_')
		f++;
	e = f;
	while (e < end && is_symc(*e))
		e++;
	return f < end && *f == 'k' && oops_has(f, (size_t)(e - f), "malloc");
}

static void title_warning(struct tstate *t)
{
	char pfx[128];
	const char *const *extra = NULL;

	t->res->kind = OOPS_KIND_WARNING;
	if (title_lockdep(t, "WARNING"))
		return;
	if ((hdr_has(t, "kernel stack regs at") &&
	     hdr_has(t, "has bad 'bp' value")) ||
	    (hdr_has(t, "kernel stack frame pointer at") &&
	     hdr_has(t, "has bad value"))) {
		/* Hashed pointers ("(ptrval)") do not make the usual form. */
		if (hdr_has(t, "(ptrval)"))
			set_title(t, "WARNING: kernel stack regs has bad value",
				  "");
		else if (hdr_has(t, "regs at"))
			set_title(
			    t, "WARNING: kernel stack regs has bad 'bp' value",
			    "");
		else
			set_title(
			    t,
			    "WARNING: kernel stack frame pointer has bad value",
			    "");
		return;
	}
	if (bare(t, "WARNING:")) {
		set_title(t, "WARNING: corrupted", "");
		t->res->corrupted = true;
		return;
	}
	/* A kernel WARN(): "... at <file>:<line> ..." */
	if (!(hdr_has(t, " at ") || hdr_has(t, "WARNING: CPU:")) ||
	    !(hdr_has(t, ".c:") || hdr_has(t, ".h:") || hdr_has(t, ".rs:"))) {
		title_rest(t);
		return;
	}
	snprintf(pfx, sizeof(pfx), "WARNING");
	if (warn_file(t, "lib/debugobjects.c")) {
		snprintf(pfx, sizeof(pfx), "WARNING: ODEBUG bug");
		extra = skip_odebug;
	} else if (warn_file(t, "mm/usercopy.c")) {
		snprintf(pfx, sizeof(pfx), "WARNING: bad usercopy");
		extra = skip_usercopy;
	} else if (warn_file(t, "lib/kobject.c")) {
		snprintf(pfx, sizeof(pfx), "WARNING: kobject bug");
		extra = skip_kobject;
	} else if (warn_file(t, "fs/proc/generic.c")) {
		snprintf(pfx, sizeof(pfx), "WARNING: proc registration bug");
		extra = skip_proc;
	} else if (warn_file(t, "lib/refcount.c")) {
		snprintf(pfx, sizeof(pfx), "WARNING: refcount bug");
		extra = skip_refcount;
	} else if (warn_file(t, "kernel/locking/lockdep.c") &&
		   hdr_has(t, "lock_")) {
		snprintf(pfx, sizeof(pfx), "WARNING: locking bug");
		extra = skip_locking;
	} else if (warn_file(t, "mm/vmalloc.c") &&
		   hdr_has(t, "__vmalloc_node")) {
		snprintf(pfx, sizeof(pfx), "WARNING: zero-size vmalloc");
		extra = skip_vmalloc;
	} else if (hdr_has(t, " mm/") && kmalloc_func(t)) {
		snprintf(pfx, sizeof(pfx), "WARNING: kmalloc bug");
		extra = skip_kmalloc;
	} else if (hdr_has(t, "usb_submit_urb")) {
		char f[NAME_MAX_LEN];

		t->s.extra = NULL;
		if (!oops_guilty(&t->s, ST_WARN, ST_CT, EX_FIRST, f, sizeof(f)))
			t->res->corrupted = true;
		snprintf(t->res->guilty, sizeof(t->res->guilty), "%s", f);
		snprintf(t->res->title, sizeof(t->res->title),
			 "WARNING in %s/usb_submit_urb", f);
		return;
	}
	if (extra == skip_refcount || extra == skip_locking)
		t->res->kind = extra == skip_locking ? OOPS_KIND_LOCKDEP
						     : OOPS_KIND_WARNING;
	title_in(t, pfx, ST_WARN, ST_CT, EX_FIRST, extra);
}

static void title_bug(struct tstate *t)
{
	char words[96], pfx[160];

	t->res->kind = OOPS_KIND_BUG;
	if (hdr_has(t, "BUG: KASAN: ")) {
		title_kasan(t);
		return;
	}
	if (hdr_has(t, "BUG: KMSAN: ")) {
		title_kmsan(t);
		return;
	}
	if (hdr_has(t, "BUG: KCSAN: ")) {
		t->res->kind = OOPS_KIND_KCSAN;
		words_after(t, "BUG: ", NULL, t->res->title,
			    sizeof(t->res->title));
		return;
	}
	if (hdr_has(t, "BUG: KFENCE: ")) {
		title_kfence(t);
		return;
	}
	if (hdr_has(t, "unable to handle kernel paging request") ||
	    hdr_has(t, "unable to handle page fault for address") ||
	    hdr_has(t, "Unable to handle kernel data access") ||
	    hdr_has(t, "BUG: Unable to handle kernel instruction fetch") ||
	    hdr_has(t, "Unable to handle kernel instruction fetch")) {
		t->res->kind = OOPS_KIND_PAGING;
		title_in(t, "BUG: unable to handle kernel paging request",
			 ST_RIP_CT, ST_CT, EX_FIRST, NULL);
		return;
	}
	if (hdr_has(t, "unable to handle kernel NULL pointer dereference") ||
	    hdr_has(t, "kernel NULL pointer dereference") ||
	    hdr_has(t, "BUG: Kernel NULL pointer dereference")) {
		t->res->kind = OOPS_KIND_NULL_DEREF;
		title_in(
		    t, "BUG: unable to handle kernel NULL pointer dereference",
		    ST_RIP_CT, ST_CT, EX_FIRST, NULL);
		return;
	}
	if (hdr_has(t, "unable to handle kernel")) {
		t->res->kind = OOPS_KIND_PAGING;
		set_title(t, "BUG: unable to handle kernel", "");
		t->res->corrupted = true;
		return;
	}
	if (hdr_has(t, "BUG: soft lockup")) {
		t->res->kind = OOPS_KIND_LOCKUP;
		title_in(t, "BUG: soft lockup", ST_RIP_CT_STALL, ST_CT,
			 EX_STALL, NULL);
		return;
	}
	if (hdr_has(t, "stack guard page was hit at")) {
		title_in(t, "BUG: stack guard page was hit", ST_RIP_CT_STALL,
			 ST_CT, EX_STALL, NULL);
		return;
	}
	if (hdr_has(t, "BUG: sleeping function called from invalid context")) {
		title_in(t,
			 "BUG: sleeping function called from invalid context",
			 ST_CT, NULL, EX_FIRST, NULL);
		return;
	}
	if (hdr_has(t, "BUG: scheduling while atomic")) {
		title_in(t, "BUG: scheduling while atomic", ST_CT, NULL,
			 EX_FIRST, skip_schedule);
		return;
	}
	if (hdr_has(t, "BUG: using ") && hdr_has(t, "() in preemptible")) {
		words_after(t, "BUG: using ", "() in preemptible", words,
			    sizeof(words));
		snprintf(pfx, sizeof(pfx),
			 "BUG: using %s() in preemptible code", words);
		title_in(t, pfx, ST_CT, NULL, EX_FIRST, NULL);
		return;
	}
	if (hdr_has(t, "BUG: spinlock ") || hdr_has(t, "BUG: rwlock ")) {
		static const char *const what[] = {
		    "lockup suspected", "already unlocked",
		    "recursion",	"bad magic",
		    "wrong owner",	"wrong CPU",
		    "cpu recursion",	NULL,
		};
		const char *lk =
		    hdr_has(t, "BUG: spinlock ") ? "spinlock" : "rwlock";

		for (int i = 0; what[i]; i++) {
			if (!hdr_has(t, what[i]))
				continue;
			static const char *const skip_spin[] = {
			    "spin_",
			    "_raw_",
			    "do_raw_",
			    NULL,
			};

			snprintf(pfx, sizeof(pfx), "BUG: %s %s", lk, what[i]);
			if (i == 0)
				t->res->kind = OOPS_KIND_LOCKUP;
			title_in(t, pfx, ST_CT, NULL, EX_FIRST, skip_spin);
			return;
		}
	}
	if (hdr_has(t, "BUG: Invalid wait context")) {
		static const struct part iw[] = {
		    {P_LINE, "is trying to lock"}, {P_AT}, {P_END}};
		t->res->kind = OOPS_KIND_LOCKDEP;
		title_in(t, "WARNING: locking bug", iw, ST_STACK_ANY, EX_FIRST,
			 NULL);
		return;
	}
	if (hdr_has(t, "BUG: memory leak")) {
		t->res->kind = OOPS_KIND_LEAK;
		title_in(t, "memory leak", ST_LEAK, NULL, EX_FIRST, skip_leak);
		return;
	}
	if (hdr_has(t, "BUG: Bad page state") ||
	    hdr_has(t, "BUG: Bad page cache")) {
		static const struct part bp[] = {
		    {P_LINE, "page last allocated"}, {P_PARSE}, {P_END}};
		static const char *const skip_bp[] = {
		    "bad_page",	  "free_pages",	     "free_pcp",
		    "free_unref", "__free_one_page", "free_page_is_bad",
		    NULL,
		};
		title_in(t,
			 hdr_has(t, "state") ? "BUG: Bad page state"
					     : "BUG: Bad page cache",
			 ST_CT, bp, EX_FIRST, skip_bp);
		return;
	}
	if (hdr_has(t, "BUG: workqueue leaked lock or atomic")) {
		size_t i = find_line(&t->s, 0, "last function: ");
		char f[NAME_MAX_LEN] = "corrupted";

		if (i < t->s.n) {
			const struct oops_tline *l = &t->s.l[i];
			const char *p = mem(l, "last function: ") + 15;
			size_t k = 0;

			while (p < l->s + l->n && is_symc(*p) &&
			       k + 1 < sizeof(f))
				f[k++] = *p++;
			f[k] = '\0';
		}
		snprintf(t->res->title, sizeof(t->res->title),
			 "BUG: workqueue leaked lock or atomic in %s", f);
		return;
	}
	if (hdr_has(t, "BUG: Dentry ") && hdr_has(t, "still in use")) {
		set_title(t, "BUG: Dentry still in use in unmount", "");
		return;
	}
	if (hdr_has(t, "BUG: Bad rss-counter state")) {
		set_title(t, "BUG: Bad rss-counter state", "");
		return;
	}
	if (hdr_has(t, "BUG: non-zero nr_ptes on freeing mm") ||
	    hdr_has(t, "BUG: non-zero nr_pmds on freeing mm") ||
	    hdr_has(t, "BUG: non-zero pgtables_bytes on freeing mm")) {
		words_after(t, "BUG: ", ":", words, sizeof(words));
		set_title(t, "BUG: ", words);
		return;
	}
	if (hdr_has(t, "BUG: Bad page map")) {
		set_title(t, "BUG: Bad page map", "");
		return;
	}
	if (hdr_has(t, "BUG: workqueue lockup")) {
		t->res->kind = OOPS_KIND_LOCKUP;
		set_title(t, "BUG: workqueue lockup", "");
		return;
	}
	if (title_lock_held(t, "BUG"))
		return;
	if (bare(t, "BUG:")) {
		set_title(t, "BUG: corrupted", "");
		t->res->corrupted = true;
		return;
	}
	title_rest(t);
}

static void title_info(struct tstate *t)
{
	t->res->kind = OOPS_KIND_OTHER;
	if (hdr_has(t, "INFO: rcu_") && hdr_has(t, "stall")) {
		t->res->kind = OOPS_KIND_STALL;
		title_in(t, "INFO: rcu detected stall", ST_RCU, ST_RCU2,
			 EX_STALL, NULL);
		if (t->res->corrupted &&
		    find_line(&t->s, 0, "apic_timer_interrupt") >= t->s.n &&
		    oops_has_kernel_pc(&t->s)) {
			/*
			 * Kernels from 6.3 print the interrupt frames of the
			 * stall as unreliable ("? "); the PC and the task's
			 * stack still name the looping code.
			 */
			t->res->corrupted = false;
			title_in(t, "INFO: rcu detected stall", ST_RIP_CT_STALL,
				 NULL, EX_STALL, NULL);
		}
		return;
	}
	if (hdr_has(t, "INFO: task ") &&
	    ((hdr_has(t, " blocked ") && hdr_has(t, " for more than ")) ||
	     (t->s.n > 1 && line_has(&t->s.l[1], " blocked for more than ")))) {
		t->res->kind = OOPS_KIND_HANG;
		title_in(t, "INFO: task hung", ST_CT, NULL, EX_HANG, NULL);
		return;
	}
	if (hdr_has(t, "INFO: task ") &&
	    hdr_has(t, "can't die for more than")) {
		t->res->kind = OOPS_KIND_HANG;
		title_in(t, "INFO: task can't die", ST_CT, NULL, EX_FIRST,
			 skip_schedule);
		return;
	}
	if (hdr_has(t, "INFO: trying to register non-static key")) {
		t->res->kind = OOPS_KIND_LOCKDEP;
		title_in(t, "INFO: trying to register non-static key", ST_CT,
			 NULL, EX_FIRST, skip_nonstatic);
		return;
	}
	if (title_lockdep(t, "INFO"))
		return;
	if (bare(t, "INFO:")) {
		set_title(t, "INFO: corrupted", "");
		t->res->corrupted = true;
		return;
	}
	title_rest(t);
}

static void title_kpanic(struct tstate *t)
{
	char msg[128];

	t->res->kind = OOPS_KIND_PANIC;
	if (!hdr_has(t, "Kernel panic - not syncing: ")) {
		title_rest(t);
		return;
	}
	words_after(t, "not syncing: ", NULL, msg, sizeof(msg));
	if (hdr_has(t, "stack-protector:") && hdr_has(t, "corrupted in: ")) {
		const char *p =
		    oops_memstr(t->hp, t->hn, "corrupted in: ") + 14;
		const char *end = t->hp + t->hn, *q = p;

		/* The named function, else the call trace. */
		while (q < end && *q == ' ')
			q++;
		if (q < end && *q == '[') {
			const char *r = memchr(q, ']', (size_t)(end - q));

			q = r ? r + 1 : end;
			while (q < end && *q == ' ')
				q++;
		}
		p = q;
		while (q < end && is_symc(*q))
			q++;
		/* A bare address names nothing: use the call trace. */
		bool addr = q - p >= 8;

		for (const char *h = p; addr && h < q; h++)
			if (!((*h >= '0' && *h <= '9') ||
			      (*h >= 'a' && *h <= 'f')))
				addr = false;
		if (!addr && q > p &&
		    (q == end || *q == '+' || *q == '.' || *q == ' ')) {
			char f[NAME_MAX_LEN];
			size_t n = (size_t)(q - p);

			if (n >= sizeof(f))
				n = sizeof(f) - 1;
			memcpy(f, p, n);
			f[n] = '\0';
			snprintf(t->res->guilty, sizeof(t->res->guilty), "%s",
				 f);
			set_title(t, "kernel panic: stack is corrupted in ", f);
			return;
		}
		title_in(t, "kernel panic: stack is corrupted", ST_CT, NULL,
			 EX_FIRST, NULL);
		return;
	}
	if (hdr_has(t, "kernel stack overflow")) {
		title_in(t, "kernel stack overflow", ST_RIP_CT_STALL, ST_CT,
			 EX_STALL, NULL);
		return;
	}
	if (hdr_has(t, "corrupted stack end")) {
		title_in(t, "kernel panic: corrupted stack end",
			 ST_RIP_CT_STALL, ST_CT, EX_STALL, NULL);
		return;
	}
	/* The message without its variable tail. */
	{
		static const char *const cut[] = {
		    " in interrupt", " ...",  " exitcode=",
		    " for ",	     " --- ", NULL,
		};

		for (int i = 0; cut[i]; i++) {
			char *c = strstr(msg, cut[i]);

			if (c != NULL)
				*c = '\0';
		}
	}
	set_title(t, "kernel panic: ", msg);
	if (oops_starts(msg, strlen(msg), "Fatal exception") ||
	    oops_starts(msg, strlen(msg), "panic_on_warn set") ||
	    oops_starts(msg, strlen(msg), "hung_task: blocked tasks") ||
	    oops_starts(msg, strlen(msg), "softlockup: hung tasks"))
		t->res->corrupted = true;
}

static void title_kbug(struct tstate *t)
{
	t->res->kind = OOPS_KIND_BUG;
	if (hdr_has(t, "kernel BUG at mm/usercopy.c")) {
		title_in(t, "BUG: bad usercopy", ST_CT, NULL, EX_FIRST,
			 skip_usercopy);
		return;
	}
	if (hdr_has(t, "kernel BUG at lib/list_debug.c")) {
		title_in(t, "BUG: corrupted list", ST_CT, NULL, EX_FIRST, NULL);
		return;
	}
	if (hdr_has(t, "kernel BUG at ")) {
		title_in(t, "kernel BUG", ST_RIP_CT, ST_CT, EX_FIRST, skip_skb);
		return;
	}
	title_rest(t);
}

static void title_simple_trap(struct tstate *t, const char *what,
			      const struct part *parts,
			      const struct part *parts2)
{
	t->res->kind = OOPS_KIND_TRAP;
	title_in(t, what, parts, parts2, EX_FIRST, NULL);
}

static void title_ubsan(struct tstate *t)
{
	char words[96], pfx[128];
	static const char *const skip[] = {"ubsan", "overflow", NULL};

	t->res->kind = OOPS_KIND_UBSAN;
	if (hdr_has(t, "Undefined behaviour in")) {
		title_in(t, "UBSAN: undefined-behaviour", ST_CT, NULL, EX_FIRST,
			 skip);
		return;
	}
	if (!hdr_has(t, " in ")) {
		title_rest(t);
		return;
	}
	words_after(t, "UBSAN: ", " in ", words, sizeof(words));
	snprintf(pfx, sizeof(pfx), "UBSAN: %s", words);
	title_in(t, pfx, ST_CT, NULL, EX_FIRST, skip);
}

static void title_trusty(struct tstate *t)
{
	char msg[96];

	t->res->kind = OOPS_KIND_PANIC;
	if (hdr_has(t, "ASSERT FAILED at (")) {
		const char *p = oops_memstr(t->hp, t->hn, "ASSERT FAILED at (");
		const char *end = t->hp + t->hn;
		const char *q = memchr(p, ')', (size_t)(end - p));

		q = q ? q + 1 : end;
		if (q < end && *q == ':')
			q++;
		while (q < end && *q == ' ')
			q++;
		snprintf(msg, sizeof(msg), "%.*s", (int)(end - q), q);
		set_title(t, "trusty: ASSERT FAILED: ", msg);
		return;
	}
	{
		const char *p = oops_memstr(t->hp, t->hn, "trusty: panic");
		const char *end = t->hp + t->hn;
		const char *q;

		/* The header may have matched without this exact text: never
		 * step from a NULL match (found by fuzz_parser, fuzz_ncon). */
		if (p == NULL) {
			title_rest(t);
			return;
		}
		q = p + 13;

		if (q < end && *q == ' ' && q + 1 < end && q[1] == '(') {
			const char *r = memchr(q, ')', (size_t)(end - q));

			q = r ? r + 1 : end;
		}
		if (q < end && *q == ':')
			q++;
		while (q < end && *q == ' ')
			q++;
		snprintf(msg, sizeof(msg), "%.*s", (int)(end - q), q);
		set_title(t, "trusty: panic: ", msg);
	}
}

static void title_arm(struct tstate *t, const char *what)
{
	t->res->kind = OOPS_KIND_ARM_FAULT;
	title_in(t, what, ST_RIP_CT, ST_CT, EX_FIRST, NULL);
}

static void title_unable(struct tstate *t)
{
	static const char *const what[] = {
	    "paging request",
	    "NULL pointer dereference",
	    "access to user memory",
	    "execute from non-executable memory",
	    "write to read-only memory",
	    NULL,
	};
	char pfx[128];

	for (int i = 0; what[i]; i++) {
		if (!hdr_has(t, what[i]))
			continue;
		t->res->kind = i == 1 ? OOPS_KIND_NULL_DEREF : OOPS_KIND_PAGING;
		snprintf(pfx, sizeof(pfx), "BUG: unable to handle kernel %s",
			 what[i]);
		title_in(t, pfx, ST_RIP_CT, ST_CT, EX_FIRST, skip_kasan);
		return;
	}
	t->res->kind = OOPS_KIND_PAGING;
	set_title(t, "BUG: unable to handle kernel", "");
	t->res->corrupted = true;
}

static void title_ours(struct tstate *t, enum oops_hdr h)
{
	char msg[96];

	switch (h) {
	case HDR_OOPS: {
		const char *p = oops_memstr(t->hp, t->hn, "Oops");
		const char *end = t->hp + t->hn;
		const char *e;
		size_t n;

		t->res->kind = OOPS_KIND_BUG;
		/* The header may not hold "Oops" itself (a mangled line). */
		p = p != NULL ? p + 4 : end;
		if (p < end && *p == ':')
			p++;
		while (p < end && *p == ' ')
			p++;
		e = oops_memstr(p, (size_t)(end - p), ", sig:");
		if (e == NULL)
			e = oops_memstr(p, (size_t)(end - p), " [#");
		if (e == NULL)
			e = end;
		n = (size_t)(e - p);
		if (n >= sizeof(msg))
			n = sizeof(msg) - 1;
		memcpy(msg, p, n);
		msg[n] = '\0';
		if (n == 0 || (msg[0] >= '0' && msg[0] <= '9') ||
		    msg[0] == '[') {
			title_in(t, "Oops", ST_RIP_CT, ST_CT, EX_FIRST, NULL);
		} else {
			char pfx[160];

			snprintf(pfx, sizeof(pfx), "Oops: %s", msg);
			title_in(t, pfx, ST_RIP_CT, ST_CT, EX_FIRST, NULL);
		}
		return;
	}
	case HDR_OOM: {
		static const char *const skip[] = {
		    "oom",	   "alloc",
		    "dump_header", "out_of_memory",
		    "mem_cgroup",  "charge",
		    "try_charge",  "reclaim",
		    "page_fault",  "handle_mm_fault",
		    "folio",	   NULL,
		};
		const char *what = hdr_has(t, "Memory cgroup out of memory")
				       ? "memory cgroup out of memory"
				       : "out of memory";

		t->res->kind = OOPS_KIND_OOM;
		if (find_line(&t->s, 0, "Call Trace") < t->s.n ||
		    find_line(&t->s, 0, "Call trace") < t->s.n) {
			title_in(t, what, ST_CT, NULL, EX_FIRST, skip);
			/* No stack is no damage for an OOM kill. */
			t->res->corrupted = false;
		} else {
			set_title(t, "", what);
		}
		return;
	}
	case HDR_MCE: {
		const char *p = oops_memstr(t->hp, t->hn, "Machine");

		t->res->kind = OOPS_KIND_MCE;
		if (p == NULL)
			p = oops_memstr(t->hp, t->hn, "[Hardware Error]: ");
		if (p == NULL)
			p = t->hp;
		snprintf(msg, sizeof(msg), "%.*s", (int)(t->hp + t->hn - p), p);
		set_title(t, "MCE: ", msg);
		return;
	}
	case HDR_HARDLOCKUP:
		t->res->kind = OOPS_KIND_LOCKUP;
		title_in(t, "watchdog: hard LOCKUP", ST_RIP_CT, ST_CT, EX_FIRST,
			 NULL);
		return;
	case HDR_IRQ:
		title_irq(t);
		return;
	default:
		title_rest(t);
		return;
	}
}

/* The header anchor text for h, to find where the header starts. */
static const char *hdr_anchor(enum oops_hdr h)
{
	static const char *const a[HDR_COUNT] = {
	    [HDR_BUG] = "BUG:",
	    [HDR_WARNING] = "WARNING:",
	    [HDR_INFO] = "INFO:",
	    [HDR_UNABLE] = "Unable to handle kernel",
	    [HDR_GPF] = "general protection fault",
	    [HDR_STACKSEG] = "stack segment: ",
	    [HDR_KPANIC] = "Kernel panic",
	    [HDR_DFAULT] = "PANIC: double fault",
	    [HDR_RUST] = "rust_kernel: panicked",
	    [HDR_KBUG] = "kernel BUG",
	    [HDR_KBUG_CAP] = "Kernel BUG",
	    [HDR_BUG_KMALLOC] = "BUG kmalloc-",
	    [HDR_DIVIDE] = "divide",
	    [HDR_INVOP] = "invalid opcode:",
	    [HDR_INT3] = "int3:",
	    [HDR_UBSAN] = "UBSAN:",
	    [HDR_BOOT] = "Booting the kernel",
	    [HDR_UNREG] = "unregister_netdevice: waiting for",
	    [HDR_VFS_CLOSE] = "VFS: Close: file count is 0",
	    [HDR_VFS_BUSY] = "VFS: Busy inodes after unmount",
	    [HDR_INTERNAL] = "Internal error:",
	    [HDR_UNHANDLED] = "Unhandled fault:",
	    [HDR_ALIGN] = "Alignment trap:",
	    [HDR_TRUSTY] = "trusty: panic",
	    [HDR_FATAL] = "fatal error:",
	    [HDR_SYZFAIL] = "SYZFAIL:",
	    [HDR_SYZFATAL] = "SYZFATAL:",
	    [HDR_GOPANIC] = "panic:",
	    [HDR_OOPS] = "Oops",
	    [HDR_OOM] = "",
	    [HDR_MCE] = "",
	    [HDR_HARDLOCKUP] = "",
	    [HDR_IRQ] = "irq ",
	};

	if (h < 0 || h >= HDR_COUNT || a[h] == NULL)
		return "";
	return a[h];
}

/* KASAN/KMSAN... title prefixes to kinds; the rest is set by the code. */
static enum oops_kind kind_fixup(const char *title, enum oops_kind k)
{
	if (strncmp(title, "KASAN:", 6) == 0)
		return OOPS_KIND_KASAN;
	if (strncmp(title, "KMSAN:", 6) == 0)
		return OOPS_KIND_KMSAN;
	if (strncmp(title, "KCSAN:", 6) == 0)
		return OOPS_KIND_KCSAN;
	if (strncmp(title, "KFENCE:", 7) == 0)
		return OOPS_KIND_KFENCE;
	if (strncmp(title, "UBSAN:", 6) == 0)
		return OOPS_KIND_UBSAN;
	return k;
}

void oops_title_compute(const struct oops_tline *lines, size_t nlines,
			enum oops_hdr hdr, struct oops_title_result *res)
{
	struct tstate t;
	const char *anchor = hdr_anchor(hdr);

	memset(res, 0, sizeof(*res));
	memset(&t.s, 0, sizeof(t.s));
	t.s.l = lines;
	t.s.n = nlines;
	t.res = res;
	res->kind = OOPS_KIND_OTHER;
	if (nlines == 0) {
		snprintf(res->title, sizeof(res->title), "corrupted");
		res->corrupted = true;
		return;
	}
	t.h = &lines[0];
	t.hp = anchor[0] ? oops_memstr(t.h->s, t.h->n, anchor) : NULL;
	if (t.hp == NULL)
		t.hp = t.h->s;
	t.hn = t.h->n - (size_t)(t.hp - t.h->s);

	switch (hdr) {
	case HDR_BUG:
		title_bug(&t);
		break;
	case HDR_WARNING:
		title_warning(&t);
		break;
	case HDR_INFO:
		title_info(&t);
		break;
	case HDR_UNABLE:
		title_unable(&t);
		break;
	case HDR_GPF:
		t.res->kind = OOPS_KIND_GPF;
		title_in(&t, "general protection fault", ST_RIP_CT, ST_CT,
			 EX_FIRST, NULL);
		break;
	case HDR_STACKSEG:
		title_simple_trap(&t, "stack segment fault", ST_RIP_CT, ST_CT);
		break;
	case HDR_KPANIC:
		title_kpanic(&t);
		break;
	case HDR_DFAULT:
		title_simple_trap(&t, "PANIC: double fault", ST_RIP_ONLY, NULL);
		break;
	case HDR_KBUG:
		title_kbug(&t);
		break;
	case HDR_KBUG_CAP:
		t.res->kind = OOPS_KIND_BUG;
		words_after(&t, "Kernel BUG", NULL, res->title + 10,
			    sizeof(res->title) - 10);
		memcpy(res->title, "kernel BUG", 10);
		break;
	case HDR_BUG_KMALLOC:
		t.res->kind = OOPS_KIND_BUG;
		if (hdr_has(&t, "Object already free"))
			set_title(&t, "BUG: Object already free", "");
		else
			title_rest(&t);
		break;
	case HDR_DIVIDE:
		title_simple_trap(&t, "divide error", ST_RIP_ONLY, NULL);
		break;
	case HDR_INVOP:
		title_simple_trap(&t, "invalid opcode", ST_RIP_ONLY, NULL);
		break;
	case HDR_INT3:
		title_simple_trap(&t, "int3", ST_RIP_CT, ST_CT);
		break;
	case HDR_UBSAN:
		title_ubsan(&t);
		break;
	case HDR_BOOT:
		t.res->kind = OOPS_KIND_REBOOT;
		set_title(&t, "unexpected kernel reboot", "");
		break;
	case HDR_UNREG:
		set_title(
		    &t, "unregister_netdevice: waiting for DEV to become free",
		    "");
		break;
	case HDR_VFS_CLOSE:
		set_title(&t, "VFS: Close: file count is 0", "");
		break;
	case HDR_VFS_BUSY:
		set_title(&t, "VFS: Busy inodes after unmount (use-after-free)",
			  "");
		break;
	case HDR_INTERNAL:
		title_arm(&t, "Internal error");
		break;
	case HDR_UNHANDLED:
		title_arm(&t, "Unhandled fault");
		break;
	case HDR_ALIGN:
		title_arm(&t, "Alignment trap");
		break;
	case HDR_TRUSTY:
		title_trusty(&t);
		break;
	case HDR_FATAL:
		/* A Go runtime crash prints its goroutines. */
		if (find_line(&t.s, 1, "goroutine ") >= t.s.n &&
		    find_line(&t.s, 1, "runtime stack:") >= t.s.n)
			res->discard = true;
		set_title(&t, "go runtime error", "");
		break;
	case HDR_SYZFAIL:
	case HDR_SYZFATAL:
	case HDR_GOPANIC:
	case HDR_RUST:
		title_rest(&t);
		break;
	default:
		title_ours(&t, hdr);
		break;
	}
	if (t.s.fault_injection)
		res->corrupted = true;
	oops_title_normalize(res->title, sizeof(res->title));
	res->kind = kind_fixup(res->title, res->kind);
}

