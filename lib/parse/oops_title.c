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

static const char skip_kasan[] = "kernel_fault\0"
				 "tag_check\0"
				 "mem_abort\0"
				 "^el1_\0"
				 "^el1h_\0";
static const char skip_free[] = "slab_\0"
				"kfree\0"
				"vfree\0"
				"vunmap\0"
				"^kmem_\0"
				"kernel_fault\0"
				"tag_check\0"
				"mem_abort\0";
static const char skip_kmsan[] = "alloc_skb\0"
				 "^netlink_\0"
				 "^crypto_\0";
static const char skip_leak[] = "alloc\0"
				"kmem\0"
				"slab\0"
				"kmemleak\0"
				"strdup\0"
				"kstrdup\0"
				"kmemdup\0"
				"^__do_kmalloc\0"
				"^kmalloc\0"
				"create_object\0"
				"vmap\0"
				"vzalloc\0"
				"kvmalloc\0"
				"^__kmalloc\0"
				"^kvzalloc\0"
				"^__vmalloc\0"
				"^vmalloc\0"
				"^mempool\0";
static const char skip_rcu[] = "rcu\0"
			       "kmem\0"
			       "slab\0";
/* A lock taken by the workqueue machinery names no subsystem. */
static const char skip_lockdep[] = "process_one_work\0"
				   "worker_thread\0"
				   "print_circular\0"
				   "check_noncircular\0"
				   "check_prev_add\0"
				   "check_prevs_add\0"
				   "validate_chain\0";
static const char skip_nonstatic[] = "stack\0"
				     "lock\0"
				     "IRQ\0";
static const char skip_skb[] = "^skb_\0";
static const char skip_schedule[] = "schedule\0";
/*
 * ODEBUG tracks timers and works: any frame naming a timer is its
 * machinery there (the conventions skip "timer" anywhere in the name, so
 * a report freed from a timer callback names the softirq that ran it).
 */
static const char skip_odebug[] = "debug_check\0"
				  "debug_object\0"
				  "^__debug\0"
				  "^free_obj_work\0"
				  "^debug_\0"
				  "timer\0"
				  "hrtimer_\0"
				  "^destroy_\0"
				  "vunmap\0"
				  "free_pages\0"
				  "free_pcp\0"
				  "init_timer\0"
				  "^__init_work\0"
				  "kvfree\0"
				  "^__free_\0";
static const char skip_usercopy[] = "^check_\0"
				    "^usercopy\0"
				    "^__check\0"
				    "_copy_\0"
				    "copy_\0";
static const char skip_kobject[] = "^kobject\0";
static const char skip_proc[] = "^proc_\0"
				"^__proc\0";
static const char skip_refcount[] = "^refcount\0"
				    "^__refcount\0";
static const char skip_kmalloc[] = "^kmalloc\0"
				   "^__kmalloc\0"
				   "^kvmalloc\0"
				   "^kvzalloc\0"
				   "^kzalloc\0"
				   "^krealloc\0"
				   "^kmalloc_array\0"
				   "^kcalloc\0"
				   "^__do_kmalloc\0";
static const char skip_vmalloc[] = "vmalloc\0"
				   "^__vmalloc\0";
static const char skip_locking[] = "lock\0"
				   "^__lock\0";

/* ------------------------------------------------------- rule engine -- */

struct tstate {
	struct search s;
	const struct oops_tline *h; /* header line */
	const char *hp; /* the header text in it */
	size_t hn;
	char lvl[16]; /* "BUG", "WARNING", "INFO": the anchor without ':' */
	struct oops_title_result *res;
};

struct rule;
/* An irregular rule: builds the title itself; false = try the next rule. */
typedef bool (*rule_fn)(struct tstate *t, const struct rule *r);

enum {
	R_LAST = 1 << 0, /* the last rule of its table */
	R_REST = 1 << 1, /* the title is the header text from its anchor */
	R_CORRUPTED = 1 << 2, /* the report lost its body */
	R_GENERIC = 1 << 3, /* no rule knows this form (see ->generic) */
};

/*
 * One title rule.  A rule applies when the header (from its anchor on)
 * contains one of the '|'-separated alternatives of has (or has is NULL),
 * and one of also, and none of unless, and, for file, names that source
 * file ("at lib/x.c:12" or ".../lib/x.c:12"), and cond() holds.  The first
 * rule that applies makes the title:
 *   fn      an irregular rule makes it (and may decline: next rule)
 *   sub     the rules of another table (when none applies: next rule)
 *   stack   "<title> in F", F the guilty frame found by the stack search
 *           stack (then stack2 when it finds nothing) with extractor ex and
 *           extra skips skip (oops_guilty.c)
 *   else    the fixed text title; R_REST: the header text
 * "%L" in title is the header's level ("BUG", "WARNING", "INFO").  alt is
 * a second name for the same crash ("bad-access in %F", syzkaller's alt
 * titles), so that a collector can match one crash under both names.
 * kind, when set, is the report's kind (else the header's, from
 * oops_headers.def).  also, unless, file, cond and alt, which few rules
 * set, are in the rule's x (RX()); skip lists are "a\0b\0" strings, a
 * leading '^' anchoring the name's start.  The last rule of a table has
 * R_LAST.
 */
struct rule {
	const char *has, *title;
	const struct rule_x *x; /* the rarer fields, or NULL */
	/* Indices (0: none) into the tables at the end of this file. */
	uint8_t stack, stack2; /* RULE_STACKS */
	uint8_t skip; /* RULE_SKIPS */
	uint8_t fn; /* RULE_FNS */
	uint8_t sub; /* RULE_SUBS */
	uint8_t kind; /* enum oops_kind */
	uint8_t ex; /* enum extractor */
	uint8_t flags;
};

struct rule_x {
	const char *also, *unless, *file;
	const char *alt; /* an alternative title: "%F" is the guilty frame */
	uint8_t cond; /* RULE_CONDS */
};

/* The rarer fields of a rule: RX(.also = "x", .cond = I_c_y). */
#define RX(...)                                                                \
	.x = &(const struct rule_x)                                            \
	{                                                                      \
		__VA_ARGS__                                                    \
	}

/*
 * The stacks, skip lists, functions, conditions and tables a rule names,
 * as one-byte indices: a rule is 32 bytes instead of 112, which keeps the
 * tiny agent small (doc/boards.md).  I_<name> is the index of <name>.
 */
#define RULE_STACKS(X)                                                         \
	X(ST_RIP_CT)                                                           \
	X(ST_CT) X(ST_RIP_ONLY) X(ST_WARN) X(ST_HDR_STACK) X(ST_RIP_CT_STALL)  \
	    X(ST_STACK_ANY) X(ST_LEAK) X(ST_AT) X(ST_AFTER_AT) X(ST_INV)       \
		X(ST_SAFE) X(ST_INCONS_OLD) X(ST_WAIT_CTX) X(ST_PAGE_ALLOC)
#define RULE_SKIPS(X)                                                          \
	X(skip_bad_page)                                                       \
	X(skip_kasan) X(skip_kmalloc) X(skip_kobject) X(skip_leak)             \
	    X(skip_locking) X(skip_nonstatic) X(skip_odebug) X(skip_proc)      \
		X(skip_rcu) X(skip_refcount) X(skip_schedule) X(skip_skb)      \
		    X(skip_ubsan) X(skip_usercopy) X(skip_vmalloc)
#define RULE_FNS(X)                                                            \
	X(r_after_bug)                                                         \
	X(r_bad_bp) X(r_bare) X(r_circular) X(r_kasan) X(r_kmsan)              \
	    X(r_panic_msg) X(r_preemptible) X(r_rcu_stall) X(r_slub)           \
		X(r_spinlock) X(r_stack_protector) X(r_usb_submit_urb)         \
		    X(r_warning) X(r_words_in) X(r_wq_leaked) X(r_kbug_cap)    \
			X(r_rust) X(r_trusty) X(r_go_fatal) X(r_oops) X(r_oom) \
			    X(r_mce) X(r_irq)
#define RULE_CONDS(X)                                                          \
	X(c_bracketed)                                                         \
	X(c_info) X(c_kmalloc) X(c_no_source) X(c_not_warn) X(c_task_blocked)
#define RULE_SUBS(X) X(rules_lock_held) X(rules_lockdep)

#define RULE_INDEX(name) I_##name,
enum { I_NONE_STACK, RULE_STACKS(RULE_INDEX) };
enum { I_NONE_SKIP, RULE_SKIPS(RULE_INDEX) };
enum { I_NONE_FN, RULE_FNS(RULE_INDEX) };
enum { I_NONE_COND, RULE_CONDS(RULE_INDEX) };
enum { I_NONE_SUB, RULE_SUBS(RULE_INDEX) };

/* Defined after the tables, at the end of this file. */
static const struct part *rule_stack(unsigned i);
static const char *rule_skip(unsigned i);
static bool rule_call(unsigned i, struct tstate *t, const struct rule *r);
static bool rule_cond(unsigned i, const struct tstate *t);
static const struct rule *rule_sub(unsigned i);

/* The title is a followed by b. */
static void set_title(struct tstate *t, const char *a, const char *b)
{
	snprintf(t->res->title, sizeof(t->res->title), "%s%s", a, b);
}

/* "<prefix> in F" with F from the given stack search. */
static void title_in(struct tstate *t, const char *prefix,
		     const struct part *parts, const struct part *parts2,
		     enum extractor ex, const char *extra)
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

	/* "[ INFO: ... ]": the frame is not part of the title. */
	if (n >= 2 && t->hp != NULL && t->hp - t->h->s >= 2 &&
	    t->hp[-2] == '[' && t->hp[-1] == ' ' && t->hp[n - 1] == ']' &&
	    t->hp[n - 2] == ' ')
		n -= 2;
	if (n >= sizeof(t->res->title))
		n = sizeof(t->res->title) - 1;
	if (t->hp == NULL) /* never: oops_title_compute() sets it */
		n = 0;
	else
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

/* Does the header contain one of the '|'-separated alternatives? */
static bool hdr_has_any(const struct tstate *t, const char *alts)
{
	const char *a = alts;

	for (;;) {
		size_t k = strcspn(a, "|");

		if (k > 0 && oops_memstr_n(t->hp, t->hn, a, k) != NULL)
			return true;
		if (a[k] == '\0')
			return false;
		a += k + 1;
	}
}

/* The title text of a rule: "%L" replaced by the header's level. */
static void rule_text(const struct tstate *t, const char *fmt, char *out,
		      size_t size)
{
	const char *l = strstr(fmt, "%L");

	if (l == NULL)
		snprintf(out, size, "%s", fmt);
	else
		snprintf(out, size, "%.*s%s%s", (int)(l - fmt), fmt, t->lvl,
			 l + 2);
}

/* The source file of a WARNING header: "at kernel/x.c:12" or "kernel/x.c:12".
 */
static bool warn_file(const struct tstate *t, const char *path)
{
	const char *p = oops_memstr(t->hp, t->hn, path);

	return p != NULL && (p[-1] == ' ' || p[-1] == '/');
}

/* Add an alternative title: fmt with "%F" replaced by the guilty frame. */
static void add_alt(struct tstate *t, const char *fmt)
{
	struct oops_title_result *res = t->res;
	const char *f = strstr(fmt, "%F");
	const char *g = res->guilty[0] ? res->guilty : "corrupted";
	const char *parts[3];
	size_t lens[3], o = 0;
	char *a;

	if (res->nalt >= OOPS_ALT_MAX)
		return;
	a = res->alt[res->nalt];
	parts[0] = fmt;
	lens[0] = f ? (size_t)(f - fmt) : strlen(fmt);
	parts[1] = g;
	lens[1] = f ? strlen(g) : 0;
	parts[2] = f ? f + 2 : "";
	lens[2] = strlen(parts[2]);
	/* Built by hand: this runs for most reports and snprintf costs. */
	for (int i = 0; i < 3; i++) {
		size_t k = lens[i];

		if (o + k >= sizeof(res->alt[0]))
			k = sizeof(res->alt[0]) - 1 - o;
		memcpy(a + o, parts[i], k);
		o += k;
	}
	a[o] = '\0';
	res->nalt++;
}

static bool rule_applies(const struct tstate *t, const struct rule *r)
{
	const struct rule_x *x = r->x;

	if (r->has && !hdr_has_any(t, r->has))
		return false;
	if (x == NULL)
		return true;
	if (x->also && !hdr_has_any(t, x->also))
		return false;
	if (x->unless && hdr_has_any(t, x->unless))
		return false;
	if (x->file && !warn_file(t, x->file))
		return false;
	return x->cond == 0 || rule_cond(x->cond, t);
}

static bool run_rules(struct tstate *t, const struct rule *r);

/* Make the title by one rule that applies; false when it declines. */
static bool run_rule(struct tstate *t, const struct rule *r)
{
	char text[160];

	if (r->fn != 0) {
		/* Only rules that never decline set a kind here. */
		if (r->kind != OOPS_KIND_UNKNOWN)
			t->res->kind = r->kind;
		return rule_call(r->fn, t, r);
	}
	if (r->sub != 0)
		return run_rules(t, rule_sub(r->sub));
	if (r->kind != OOPS_KIND_UNKNOWN)
		t->res->kind = r->kind;
	if (r->flags & R_REST) {
		title_rest(t);
	} else {
		const char *title = r->title ? r->title : "";

		if (strstr(title, "%L") != NULL) {
			rule_text(t, title, text, sizeof(text));
			title = text;
		}
		if (r->stack != 0)
			title_in(t, title, rule_stack(r->stack),
				 rule_stack(r->stack2), r->ex,
				 rule_skip(r->skip));
		else
			set_title(t, title, "");
	}
	if (r->x != NULL && r->x->alt != NULL)
		add_alt(t, r->x->alt);
	if (r->flags & R_CORRUPTED)
		t->res->corrupted = true;
	if (r->flags & R_GENERIC)
		t->res->generic = true;
	return true;
}

/*
 * Run a rule table (its last rule has R_LAST: no end marker, a rule fewer
 * per table); false when no rule of it applied.
 */
static bool run_rules(struct tstate *t, const struct rule *r)
{
	for (;; r++) {
		if (rule_applies(t, r) && run_rule(t, r))
			return true;
		if (r->flags & R_LAST)
			return false;
	}
}

/* --------------------------------------------------- irregular rules -- */

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

/* The header text after "BUG: " ("KCSAN: data-race in a / b"). */
static bool r_after_bug(struct tstate *t, const struct rule *r)
{
	(void)r;
	words_after(t, "BUG: ", NULL, t->res->title, sizeof(t->res->title));
	return true;
}

static bool r_kasan(struct tstate *t, const struct rule *r)
{
	char kind[64], pfx[128];
	const char *rw;

	(void)r;
	t->res->kind = OOPS_KIND_KASAN;
	words_after(t, "KASAN: ", " ", kind, sizeof(kind));
	if (hdr_has(t, "double-free") || hdr_has(t, "invalid-free")) {
		if (hdr_has(t, " in ")) {
			title_in(t, "KASAN: invalid-free", ST_HDR_CT, NULL,
				 EX_FIRST, skip_free);
			add_alt(t, "invalid-free in %F");
			return true;
		}
	}
	rw = access_kind(t);
	if (rw && hdr_has(t, " in ")) {
		snprintf(pfx, sizeof(pfx), "KASAN: %s %s", kind, rw);
		title_in(t, pfx, ST_HDR_CT, NULL, EX_FIRST, skip_kasan);
		add_alt(t, "bad-access in %F");
		return true;
	}
	if (rw && hdr_has(t, "on address")) {
		char f[NAME_MAX_LEN];

		/*
		 * Before 4.x: "BUG: KASAN: wild-memory-access on address X".
		 * The conventions title it without a function; the first
		 * frame of the call trace outside KASAN is still the guilty
		 * one, and an alt title says so.
		 */
		snprintf(pfx, sizeof(pfx), "KASAN: %s %s in %%F", kind, rw);
		t->s.extra = skip_kasan;
		if (oops_guilty(&t->s, ST_CT, NULL, EX_FIRST, f, sizeof(f))) {
			snprintf(t->res->guilty, sizeof(t->res->guilty), "%s",
				 f);
			add_alt(t, pfx);
			add_alt(t, "bad-access in %F");
		}
		snprintf(t->res->title, sizeof(t->res->title), "KASAN: %s %s",
			 kind, rw);
		return true;
	}
	words_after(t, "BUG: ", NULL, t->res->title, sizeof(t->res->title));
	t->res->corrupted = true;
	return true;
}

static bool r_kmsan(struct tstate *t, const struct rule *r)
{
	char kind[64], pfx[128];

	(void)r;
	t->res->kind = OOPS_KIND_KMSAN;
	words_after(t, "KMSAN: ", " ", kind, sizeof(kind));
	if (!hdr_has(t, " in ")) {
		words_after(t, "BUG: ", NULL, t->res->title,
			    sizeof(t->res->title));
		t->res->corrupted = true;
		return true;
	}
	snprintf(pfx, sizeof(pfx), "KMSAN: %s", kind);
	title_in(t, pfx, ST_HDR_STACK, NULL, EX_FIRST, skip_kmsan);
	add_alt(t, "bad-access in %F");
	return true;
}

/* "<words> in F" where the words are the header's from "key" to " in ". */
static bool r_words_in(struct tstate *t, const struct rule *r)
{
	char words[96], pfx[160];

	words_after(t, r->title, " in ", words, sizeof(words));
	snprintf(pfx, sizeof(pfx), "%s%s", r->title, words);
	title_in(t, pfx, rule_stack(r->stack), rule_stack(r->stack2), r->ex,
		 rule_skip(r->skip));
	return true;
}

static bool r_preemptible(struct tstate *t, const struct rule *r)
{
	char words[96], pfx[160];

	(void)r;
	words_after(t, "BUG: using ", "() in preemptible", words,
		    sizeof(words));
	snprintf(pfx, sizeof(pfx), "BUG: using %s() in preemptible code",
		 words);
	title_in(t, pfx, ST_CT, NULL, EX_FIRST, NULL);
	return true;
}

static bool r_spinlock(struct tstate *t, const struct rule *r)
{
	/* spin_dump()'s messages; "cpu recursion" before "recursion". */
	static const char *const what[] = {
	    "lockup suspected", "already unlocked", "cpu recursion",
	    "recursion",	"bad magic",	    "wrong owner",
	    "wrong CPU",	NULL,
	};
	static const char skip_spin[] = "spin_\0"
					"_raw_\0"
					"do_raw_\0";
	const char *lk = hdr_has(t, "BUG: spinlock ") ? "spinlock" : "rwlock";
	char pfx[160];

	(void)r;
	for (int i = 0; what[i]; i++) {
		if (!hdr_has(t, what[i]))
			continue;
		snprintf(pfx, sizeof(pfx), "BUG: %s %s", lk, what[i]);
		if (i == 0)
			t->res->kind = OOPS_KIND_LOCKUP;
		title_in(t, pfx, ST_CT, NULL, EX_FIRST, skip_spin);
		return true;
	}
	return false;
}

static bool r_wq_leaked(struct tstate *t, const struct rule *r)
{
	size_t i = find_line(&t->s, 0, "last function: ");
	char f[NAME_MAX_LEN] = "corrupted";

	(void)r;
	if (i < t->s.n) {
		const struct oops_tline *l = &t->s.l[i];
		const char *p = mem(l, "last function: ") + 15;
		size_t k = 0;

		while (p < l->s + l->n && is_symc(*p) && k + 1 < sizeof(f))
			f[k++] = *p++;
		f[k] = '\0';
	}
	snprintf(t->res->title, sizeof(t->res->title),
		 "BUG: workqueue leaked lock or atomic in %s", f);
	return true;
}

/* A header that is just "BUG:" / "WARNING:" / "INFO:": the rest was lost. */
static bool r_bare(struct tstate *t, const struct rule *r)
{
	char key[20];

	(void)r;
	snprintf(key, sizeof(key), "%s:", t->lvl);
	if (!bare(t, key))
		return false;
	set_title(t, t->lvl, ": corrupted");
	t->res->corrupted = true;
	/* "AGESA TYPE 17 DMI INFO:" is firmware talking. */
	t->res->generic = true;
	return true;
}

static bool r_circular(struct tstate *t, const struct rule *r)
{
	static const struct part circ[] = {
	    {P_LINE, "is trying to acquire lock"}, {P_AT}, {P_END}};
	static const struct part circ2[] = {
	    {P_LINE, "is trying to acquire lock"},
	    {P_LINE, "at: "},
	    {P_AT},
	    {P_END}};

	(void)r;
	t->res->kind = OOPS_KIND_LOCKDEP;
	if (find_line(&t->s, 1, "is trying to acquire lock") >= t->s.n) {
		/* lockdep's own header, cut before the lock lines. */
		title_rest(t);
		return true;
	}
	static const struct part chain[] = {
	    {P_LINE, "-> #"}, {P_PARSE}, {P_END}};

	title_in(t, "possible deadlock", circ, circ2, EX_FIRST, skip_lockdep);
	if (t->res->corrupted) {
		/*
		 * Both locks taken by workqueue machinery: the dependency
		 * chain ("-> #2 (...):" and its stack) names the code that
		 * took them, then the task's own stack.
		 */
		t->res->corrupted = false;
		title_in(t, "possible deadlock", chain, ST_CT, EX_FIRST,
			 skip_lockdep);
	}
	return true;
}

/*
 * lockdep before 4.x framed its headers: "[ INFO: possible circular
 * locking dependency detected ]", "[ BUG: held lock freed! ]".
 */
static bool c_bracketed(const struct tstate *t)
{
	const char *end = t->hp + t->hn;

	return t->hp - t->h->s >= 2 && t->hp[-1] == ' ' && t->hp[-2] == '[' &&
	       t->hn >= 2 && end[-1] == ']' && end[-2] == ' ';
}

static bool c_info(const struct tstate *t)
{
	return t->lvl[0] == 'I';
}

/* The line naming the source of a suspicious RCU usage was lost. */
static bool c_no_source(const struct tstate *t)
{
	return find_line(&t->s, 1, ".h:") >= t->s.n &&
	       find_line(&t->s, 1, ".c:") >= t->s.n;
}

/* Hashed pointers ("(ptrval)") do not make the usual form. */
static bool r_bad_bp(struct tstate *t, const struct rule *r)
{
	(void)r;
	if (!((hdr_has(t, "kernel stack regs at") &&
	       hdr_has(t, "has bad 'bp' value")) ||
	      (hdr_has(t, "kernel stack frame pointer at") &&
	       hdr_has(t, "has bad value"))))
		return false;
	if (hdr_has(t, "(ptrval)"))
		set_title(t, "WARNING: kernel stack regs has bad value", "");
	else if (hdr_has(t, "regs at"))
		set_title(t, "WARNING: kernel stack regs has bad 'bp' value",
			  "");
	else
		set_title(t, "WARNING: kernel stack frame pointer has bad value",
			  "");
	return true;
}

/*
 * Not a kernel WARN() ("... at <file>:<line> ..."): the header text.
 * "WARNING: CPU: N PID: N" is __warn()'s own form even when the line was
 * cut before the file (a syslog or console line-length limit).
 */
static bool c_not_warn(const struct tstate *t)
{
	if (hdr_has(t, "WARNING: CPU: ") && hdr_has(t, " PID: "))
		return false;
	return !(hdr_has(t, " at ") || hdr_has(t, "WARNING: CPU:")) ||
	       !(hdr_has(t, ".c:") || hdr_has(t, ".h:") || hdr_has(t, ".rs:"));
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

static bool c_kmalloc(const struct tstate *t)
{
	return kmalloc_func(t);
}

/*
 * "WARNING in F", F from the PC line, else the call trace.  When neither
 * is there (a 32-bit ARM trace of "f from g+0x.." lines, a cut report)
 * the title stays "WARNING in corrupted", as the conventions have it, but
 * the guilty function and an alt title are the function the header
 * itself names ("at kernel/smp.c:912 f+0x3c4/0x3c8").  (Titling it "WARNING
 * in f" was tried: it lowered every syzkaller fold, held-out included.)
 */
static bool r_warning(struct tstate *t, const struct rule *r)
{
	const char *a, *end = t->hp + t->hn, *sp, *name, *n2;
	size_t len, l2;

	(void)r;
	title_in(t, "WARNING", ST_WARN, ST_CT, EX_FIRST, NULL);
	if (!t->res->corrupted || t->s.fault_injection)
		return true;
	a = oops_memstr(t->hp, t->hn, " at ");
	if (a == NULL)
		return true;
	sp = memchr(a + 4, ' ', (size_t)(end - a - 4));
	if (sp == NULL)
		return true;
	len = oops_frame_symbol(sp, (size_t)(end - sp), &name, &n2, &l2);
	if (len == 0 || len >= sizeof(t->res->guilty) ||
	    oops_frame_skip(name, len))
		return true;
	snprintf(t->res->guilty, sizeof(t->res->guilty), "%.*s", (int)len,
		 name);
	add_alt(t, "WARNING in %F");
	return true;
}

static bool r_usb_submit_urb(struct tstate *t, const struct rule *r)
{
	char f[NAME_MAX_LEN];

	(void)r;
	t->s.extra = NULL;
	if (!oops_guilty(&t->s, ST_WARN, ST_CT, EX_FIRST, f, sizeof(f)))
		t->res->corrupted = true;
	snprintf(t->res->guilty, sizeof(t->res->guilty), "%s", f);
	snprintf(t->res->title, sizeof(t->res->title),
		 "WARNING in %s/usb_submit_urb", f);
	return true;
}

static bool r_rcu_stall(struct tstate *t, const struct rule *r)
{
	(void)r;
	t->res->kind = OOPS_KIND_STALL;
	title_in(t, "INFO: rcu detected stall", ST_RCU, ST_RCU2, EX_STALL,
		 NULL);
	if (t->res->corrupted &&
	    find_line(&t->s, 0, "apic_timer_interrupt") >= t->s.n &&
	    oops_has_kernel_pc(&t->s)) {
		/*
		 * Kernels from 6.3 print the interrupt frames of the stall as
		 * unreliable ("? "); the PC and the task's stack still name
		 * the looping code.
		 */
		t->res->corrupted = false;
		title_in(t, "INFO: rcu detected stall", ST_RIP_CT_STALL, NULL,
			 EX_STALL, NULL);
	}
	add_alt(t, "stall in %F");
	return true;
}

/* "INFO: task x:1 blocked for more than N seconds" (maybe on 2 lines). */
static bool c_task_blocked(const struct tstate *t)
{
	return (hdr_has(t, " blocked ") && hdr_has(t, " for more than ")) ||
	       (t->s.n > 1 && line_has(&t->s.l[1], " blocked for more than "));
}

static bool r_stack_protector(struct tstate *t, const struct rule *r)
{
	const char *p = oops_memstr(t->hp, t->hn, "corrupted in: ") + 14;
	const char *end = t->hp + t->hn, *q = p;

	(void)r;
	/* The named function, else the call trace. */
	while (q < end && *q == ' ')
		q++;
	if (q < end && *q == '[') {
		const char *b = memchr(q, ']', (size_t)(end - q));

		q = b ? b + 1 : end;
		while (q < end && *q == ' ')
			q++;
	}
	p = q;
	while (q < end && is_symc(*q))
		q++;
	/* A bare address names nothing: use the call trace. */
	bool addr = q - p >= 8;

	for (const char *h = p; addr && h < q; h++)
		if (!((*h >= '0' && *h <= '9') || (*h >= 'a' && *h <= 'f')))
			addr = false;
	if (!addr && q > p &&
	    (q == end || *q == '+' || *q == '.' || *q == ' ')) {
		char f[NAME_MAX_LEN];
		size_t n = (size_t)(q - p);

		if (n >= sizeof(f))
			n = sizeof(f) - 1;
		memcpy(f, p, n);
		f[n] = '\0';
		snprintf(t->res->guilty, sizeof(t->res->guilty), "%s", f);
		set_title(t, "kernel panic: stack is corrupted in ", f);
		return true;
	}
	title_in(t, "kernel panic: stack is corrupted", ST_CT, NULL, EX_FIRST,
		 NULL);
	return true;
}

/* "kernel panic: <message>" without its variable tail. */
static bool r_panic_msg(struct tstate *t, const struct rule *r)
{
	static const char *const cut[] = {
	    " in interrupt", " ...", " exitcode=", " for ", " --- ", NULL,
	};
	/* Panics that only follow another report whose header was lost. */
	static const char *const lost[] = {
	    "Fatal exception",
	    "panic_on_warn set",
	    "hung_task: blocked tasks",
	    "softlockup: hung tasks",
	    NULL,
	};
	char msg[128];

	(void)r;
	words_after(t, "not syncing: ", NULL, msg, sizeof(msg));
	for (int i = 0; cut[i]; i++) {
		char *c = strstr(msg, cut[i]);

		if (c != NULL)
			*c = '\0';
	}
	set_title(t, "kernel panic: ", msg);
	for (int i = 0; lost[i]; i++)
		if (oops_starts(msg, strlen(msg), lost[i]))
			t->res->corrupted = true;
	return true;
}

/*
 * "BUG <cache> (Not tainted): <msg>" / "BUG <cache>: <msg>": "BUG: <msg>",
 * alt "BUG <cache>: <msg>" (the cache tells which objects were hit).
 */
static bool r_slub(struct tstate *t, const struct rule *r)
{
	const char *end = t->hp + t->hn, *c, *ce, *m;
	char msg[128], alt[200];

	(void)r;
	/* The anchor may be missing from the text the title sees (it was in
	 * a prefix): never step past the header then. */
	if (!oops_starts(t->hp, t->hn, "BUG "))
		return false;
	c = t->hp + 4;
	ce = c;
	while (ce < end && *ce != ' ' && *ce != ':')
		ce++;
	m = oops_memstr(ce, (size_t)(end - ce), "): ");
	m = m != NULL ? m + 3 : ce;
	if (m == ce && m < end && *m == ':')
		m++;
	while (m < end && *m == ' ')
		m++;
	if (m >= end)
		return false;
	snprintf(msg, sizeof(msg), "%.*s", (int)(end - m), m);
	set_title(t, "BUG: ", msg);
	snprintf(alt, sizeof(alt), "BUG %.*s: %s", (int)(ce - c), c, msg);
	add_alt(t, alt);
	t->res->need_body = true;
	return true;
}

/*
 * Rust: "rust_kernel: panicked at samples/rust/x.rs:35:9:" then the
 * message on the next line (Rust >= 1.73), or "panicked at 'msg',
 * file:line:col" before: "<message> in F", F the first frame that is not
 * Rust's panic machinery.
 */
static bool r_rust(struct tstate *t, const struct rule *r)
{
	static const char skip_rust[] = "panicking\0"
					"panic_fmt\0"
					"rust_begin_unwind\0"
					"rust_panic\0"
					"rust_helper\0"
					"core::panic\0"
					"begin_panic\0"
					"unwind\0";
	const char *end = t->hp + t->hn, *m = NULL, *me = NULL;
	char msg[128];

	(void)r;
	m = oops_memstr(t->hp, t->hn, "panicked at '");
	if (m != NULL) {
		m += 13;
		me = oops_memstr(m, (size_t)(end - m), "', ");
		if (me == NULL)
			me = end;
	} else if (t->s.n > 1) {
		const struct oops_tline *l = &t->s.l[1];

		m = l->s;
		me = l->s + l->n;
		while (m < me && *m == ' ')
			m++;
		while (me > m && me[-1] == ' ')
			me--;
		/* A report line, not the message: the message was lost. */
		if (me == m || oops_starts(m, (size_t)(me - m), "---") ||
		    oops_has(m, (size_t)(me - m), "cut here"))
			m = NULL;
	}
	if (m == NULL)
		return false;
	snprintf(msg, sizeof(msg), "%.*s", (int)(me - m), m);
	title_in(t, msg, ST_CT, NULL, EX_FIRST, skip_rust);
	return true;
}

static bool r_kbug_cap(struct tstate *t, const struct rule *r)
{
	(void)r;
	words_after(t, "Kernel BUG", NULL, t->res->title + 10,
		    sizeof(t->res->title) - 10);
	memcpy(t->res->title, "kernel BUG", 10);
	return true;
}

/* Text after the first ')' (or the key), ':' and spaces. */
static void trusty_msg(const char *q, const char *end, bool paren, char *out,
		       size_t size)
{
	if (paren) {
		const char *b = memchr(q, ')', (size_t)(end - q));

		q = b ? b + 1 : end;
	}
	if (q < end && *q == ':')
		q++;
	while (q < end && *q == ' ')
		q++;
	snprintf(out, size, "%.*s", (int)(end - q), q);
}

static bool r_trusty(struct tstate *t, const struct rule *r)
{
	const char *end = t->hp + t->hn, *p;
	char msg[96];

	(void)r;
	p = oops_memstr(t->hp, t->hn, "ASSERT FAILED at (");
	if (p != NULL) {
		trusty_msg(p, end, true, msg, sizeof(msg));
		set_title(t, "trusty: ASSERT FAILED: ", msg);
		return true;
	}
	/* The header may have matched without this exact text: never step
	 * from a NULL match (found by fuzz_parser, fuzz_ncon). */
	p = oops_memstr(t->hp, t->hn, "trusty: panic");
	if (p == NULL)
		return false;
	p += 13;
	trusty_msg(p, end, p < end && *p == ' ' && p + 1 < end && p[1] == '(',
		   msg, sizeof(msg));
	set_title(t, "trusty: panic: ", msg);
	return true;
}

/* A Go runtime crash prints its goroutines. */
static bool r_go_fatal(struct tstate *t, const struct rule *r)
{
	(void)r;
	if (find_line(&t->s, 1, "goroutine ") >= t->s.n &&
	    find_line(&t->s, 1, "runtime stack:") >= t->s.n)
		t->res->discard = true;
	set_title(t, "go runtime error", "");
	return true;
}

/* "Oops: <what> [#1]" / "Oops [#1]" / "Oops: 0000 [#1]". */
static bool r_oops(struct tstate *t, const struct rule *r)
{
	const char *p = oops_memstr(t->hp, t->hn, "Oops");
	const char *end = t->hp + t->hn;
	const char *e;
	char msg[96], pfx[160];
	size_t n;

	(void)r;
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
	if (n == 0 || (msg[0] >= '0' && msg[0] <= '9') || msg[0] == '[') {
		title_in(t, "Oops", ST_RIP_CT, ST_CT, EX_FIRST, NULL);
	} else {
		snprintf(pfx, sizeof(pfx), "Oops: %s", msg);
		title_in(t, pfx, ST_RIP_CT, ST_CT, EX_FIRST, NULL);
	}
	return true;
}

static bool r_oom(struct tstate *t, const struct rule *r)
{
	static const char skip[] = "oom\0"
				   "alloc\0"
				   "dump_header\0"
				   "out_of_memory\0"
				   "mem_cgroup\0"
				   "charge\0"
				   "try_charge\0"
				   "reclaim\0"
				   "page_fault\0"
				   "handle_mm_fault\0"
				   "folio\0";
	const char *what = hdr_has(t, "Memory cgroup out of memory")
			       ? "memory cgroup out of memory"
			       : "out of memory";

	(void)r;
	if (find_line(&t->s, 0, "Call Trace") < t->s.n ||
	    find_line(&t->s, 0, "Call trace") < t->s.n) {
		title_in(t, what, ST_CT, NULL, EX_FIRST, skip);
		/* No stack is no damage for an OOM kill. */
		t->res->corrupted = false;
	} else {
		set_title(t, "", what);
	}
	return true;
}

static bool r_mce(struct tstate *t, const struct rule *r)
{
	const char *p = oops_memstr(t->hp, t->hn, "Machine");
	char msg[96];

	(void)r;
	if (p == NULL)
		p = oops_memstr(t->hp, t->hn, "[Hardware Error]: ");
	if (p == NULL)
		p = t->hp;
	snprintf(msg, sizeof(msg), "%.*s", (int)(t->hp + t->hn - p), p);
	set_title(t, "MCE: ", msg);
	return true;
}

/*
 * "irq N: nobody cared" / "irq event N: bogus return value": the stack is
 * the interrupt path (whatever it interrupted, and the IRQ core), which
 * says nothing; the culprit is the handler the kernel lists after
 * "handlers:" as "[<ptr>] name [module]" (the first one when the line is
 * shared).  Title: "irq: nobody cared in usb_hcd_irq".
 */
static bool r_irq(struct tstate *t, const struct rule *r)
{
	const char *what = hdr_has(t, "bogus return value")
			       ? "irq: bogus return value"
			       : "irq: nobody cared";
	size_t i = find_line(&t->s, 1, "handlers:");
	char f[NAME_MAX_LEN];
	size_t k = 0;

	(void)r;
	if (i + 1 < t->s.n) {
		const struct oops_tline *l = &t->s.l[i + 1];
		const char *p = mem(l, "] "), *end = l->s + l->n;

		if (p != NULL && l->n > 0 && l->s[0] == '[') {
			for (p += 2; p < end && is_symc(*p) && k + 1 < sizeof(f);
			     p++)
				f[k++] = *p;
		}
	}
	f[k] = '\0';
	if (k == 0) {
		set_title(t, what, "");
		return true;
	}
	snprintf(t->res->guilty, sizeof(t->res->guilty), "%s", f);
	snprintf(t->res->title, sizeof(t->res->title), "%s in %s", what, f);
	return true;
}

/* ------------------------------------------------------- rule tables -- */

/* Lock-held family: WARNING:/BUG: <what> in F, F from the "at:" line. */
static const struct part ST_AT[] = {{P_AT}, {P_END}};
static const struct part ST_AFTER_AT[] = {{P_LINE, "at:"}, {P_PARSE}, {P_END}};
/* LOCK_HELD pastes a string literal: no parentheses possible. */
// NOLINTBEGIN(bugprone-macro-parentheses)
#define LOCK_HELD(key, what, fl)                                               \
	{                                                                      \
		.has = key, .kind = OOPS_KIND_LOCKDEP, .title = "%L: " what,   \
		.stack = I_ST_AT, .stack2 = I_ST_AFTER_AT, .flags = fl         \
	}
static const struct rule rules_lock_held[] = {
    LOCK_HELD("still has locks held", "still has locks held", 0),
    LOCK_HELD("held lock freed", "held lock freed", 0),
    LOCK_HELD("bad unlock balance detected", "bad unlock balance", 0),
    LOCK_HELD("lock held when returning to user space",
	      "lock held when returning to user space", 0),
    LOCK_HELD("Nested lock was not taken", "nested lock was not taken", 0),
    LOCK_HELD("lock held at task exit time", "lock held at task exit time",
	      R_LAST),
};
// NOLINTEND(bugprone-macro-parentheses)

static const struct part ST_INV[] = {
    {P_LINE, "just changed the state of lock"}, {P_AT}, {P_END}};
static const struct part ST_SAFE[] = {
    {P_LINE, "which became"}, {P_PARSE}, {P_END}};
static const struct part ST_INCONS_OLD[] = {
    {P_LINE, "takes"}, {P_AT}, {P_END}};

/* lockdep: possible deadlock, inconsistent lock state, RCU, held locks. */
static const struct rule rules_lockdep[] = {
    {.has = "possible circular locking dependency detected|"
	    "possible recursive locking detected",
     .fn = I_r_circular},
    {.has = "possible irq lock inversion dependency detected",
     .kind = OOPS_KIND_LOCKDEP,
     .title = "possible deadlock",
     .stack = I_ST_INV,
     .stack2 = I_ST_CT},
    {.has = "-safe -> ",
     .kind = OOPS_KIND_LOCKDEP,
     .title = "possible deadlock",
     .stack = I_ST_SAFE,
     .stack2 = I_ST_CT,
     RX(.also = "-unsafe lock order detected")},
    {.has = "inconsistent lock state",
     .kind = OOPS_KIND_LOCKDEP,
     .title = "inconsistent lock state",
     .stack = I_ST_INCONS_OLD,
     .stack2 = I_ST_CT,
     RX(.cond = I_c_info)},
    {.has = "inconsistent lock state",
     .kind = OOPS_KIND_LOCKDEP,
     .title = "inconsistent lock state",
     .stack = I_ST_CT},
    {.has = "suspicious RCU usage|suspicious rcu_dereference_",
     .kind = OOPS_KIND_LOCKDEP,
     .flags = R_REST | R_CORRUPTED,
     RX(.cond = I_c_no_source)},
    {.has = "suspicious RCU usage|suspicious rcu_dereference_",
     .kind = OOPS_KIND_LOCKDEP,
     .title = "%L: suspicious RCU usage",
     .stack = I_ST_CT,
     .skip = I_skip_rcu},
    {.sub = I_rules_lock_held, .flags = R_LAST},
};

static const struct part ST_WAIT_CTX[] = {
    {P_LINE, "is trying to lock"}, {P_AT}, {P_END}};
static const struct part ST_PAGE_ALLOC[] = {
    {P_LINE, "page last allocated"}, {P_PARSE}, {P_END}};
/*
 * A bad page is named by the code that allocated it ("page last
 * allocated via ..." stack, as the conventions say), past the page
 * allocator; else by the freeing call trace, past the page freeing code.
 */
static const char skip_bad_page[] = "bad_page\0"
				    "free_pages\0"
				    "free_pcp\0"
				    "free_unref\0"
				    "__free_one_page\0"
				    "free_page_is_bad\0"
				    "alloc\0"
				    "get_page_from_freelist\0"
				    "prep_new_page\0"
				    "page_owner\0";

static const struct rule rules_bug[] = {
    {.has = "BUG: KASAN: ", .fn = I_r_kasan},
    {.has = "BUG: KMSAN: ", .fn = I_r_kmsan},
    {.has = "BUG: KCSAN: ", .kind = OOPS_KIND_KCSAN, .fn = I_r_after_bug},
    {.has = "BUG: KFENCE: ",
     .kind = OOPS_KIND_KFENCE,
     .title = "KFENCE: ",
     .stack = I_ST_HDR_STACK,
     .skip = I_skip_kasan,
     .fn = I_r_words_in},
    {.has = "unable to handle kernel paging request|"
	    "unable to handle page fault for address|"
	    "Unable to handle kernel data access|"
	    "Unable to handle kernel instruction fetch",
     .kind = OOPS_KIND_PAGING,
     .title = "BUG: unable to handle kernel paging request",
     .stack = I_ST_RIP_CT,
     .stack2 = I_ST_CT,
     RX(.alt = "bad-access in %F")},
    {.has = "kernel NULL pointer dereference|"
	    "BUG: Kernel NULL pointer dereference",
     .kind = OOPS_KIND_NULL_DEREF,
     .title = "BUG: unable to handle kernel NULL pointer dereference",
     .stack = I_ST_RIP_CT,
     .stack2 = I_ST_CT,
     RX(.alt = "bad-access in %F")},
    {.has = "unable to handle kernel",
     .kind = OOPS_KIND_PAGING,
     .title = "BUG: unable to handle kernel",
     .flags = R_CORRUPTED},
    {.has = "BUG: soft lockup",
     .kind = OOPS_KIND_LOCKUP,
     .title = "BUG: soft lockup",
     .stack = I_ST_RIP_CT_STALL,
     .stack2 = I_ST_CT,
     .ex = EX_STALL,
     RX(.alt = "stall in %F")},
    {.has = "stack guard page was hit at",
     .title = "BUG: stack guard page was hit",
     .stack = I_ST_RIP_CT_STALL,
     .stack2 = I_ST_CT,
     .ex = EX_STALL,
     RX(.alt = "stack-overflow in %F")},
    {.has = "BUG: sleeping function called from invalid context",
     .title = "BUG: sleeping function called from invalid context",
     .stack = I_ST_CT},
    {.has = "BUG: scheduling while atomic",
     .title = "BUG: scheduling while atomic",
     .stack = I_ST_CT,
     .skip = I_skip_schedule},
    {.has = "BUG: using ",
     .fn = I_r_preemptible,
     RX(.also = "() in preemptible")},
    {.has = "BUG: spinlock |BUG: rwlock ", .fn = I_r_spinlock},
    {.has = "BUG: Invalid wait context",
     .kind = OOPS_KIND_LOCKDEP,
     .title = "WARNING: locking bug",
     .stack = I_ST_WAIT_CTX,
     .stack2 = I_ST_STACK_ANY},
    {.has = "BUG: memory leak",
     .kind = OOPS_KIND_LEAK,
     .title = "memory leak",
     .stack = I_ST_LEAK,
     .skip = I_skip_leak},
    {.has = "BUG: Bad page state",
     .title = "BUG: Bad page state",
     .stack = I_ST_PAGE_ALLOC,
     .stack2 = I_ST_CT,
     .skip = I_skip_bad_page},
    {.has = "BUG: Bad page cache",
     .title = "BUG: Bad page cache",
     .stack = I_ST_PAGE_ALLOC,
     .stack2 = I_ST_CT,
     .skip = I_skip_bad_page},
    {.has = "BUG: workqueue leaked lock or atomic", .fn = I_r_wq_leaked},
    {.has = "BUG: Dentry ",
     .title = "BUG: Dentry still in use in unmount",
     RX(.also = "still in use")},
    {.has = "BUG: Bad rss-counter state",
     .title = "BUG: Bad rss-counter state"},
    {.has = "BUG: non-zero nr_ptes on freeing mm",
     .title = "BUG: non-zero nr_ptes on freeing mm"},
    {.has = "BUG: non-zero nr_pmds on freeing mm",
     .title = "BUG: non-zero nr_pmds on freeing mm"},
    {.has = "BUG: non-zero pgtables_bytes on freeing mm",
     .title = "BUG: non-zero pgtables_bytes on freeing mm"},
    {.has = "BUG: Bad page map", .title = "BUG: Bad page map"},
    {.has = "BUG: workqueue lockup",
     .kind = OOPS_KIND_LOCKUP,
     .title = "BUG: workqueue lockup"},
    {.sub = I_rules_lock_held},
    {.kind = OOPS_KIND_LOCKDEP, .flags = R_REST, RX(.cond = I_c_bracketed)},
    {.fn = I_r_bare},
    {.flags = R_REST | R_GENERIC | R_LAST},
};

static const struct rule rules_info[] = {
    {.has = "INFO: rcu_", .fn = I_r_rcu_stall, RX(.also = "stall")},
    {.has = "INFO: task ",
     .kind = OOPS_KIND_HANG,
     .title = "INFO: task hung",
     .stack = I_ST_CT,
     .ex = EX_HANG,
     RX(.cond = I_c_task_blocked, .alt = "hang in %F")},
    {.has = "INFO: task ",
     .kind = OOPS_KIND_HANG,
     .title = "INFO: task can't die",
     .stack = I_ST_CT,
     .skip = I_skip_schedule,
     RX(.also = "can't die for more than")},
    {.has = "INFO: trying to register non-static key",
     .kind = OOPS_KIND_LOCKDEP,
     .title = "INFO: trying to register non-static key",
     .stack = I_ST_CT,
     .skip = I_skip_nonstatic},
    /* Every lockdep header says "lock" or "RCU"/"rcu_": a cheap test
     * before its table. */
    {.has = "lock|RCU|rcu_", .sub = I_rules_lockdep},
    {.kind = OOPS_KIND_LOCKDEP, .flags = R_REST, RX(.cond = I_c_bracketed)},
    {.fn = I_r_bare},
    {.flags = R_REST | R_GENERIC | R_LAST},
};

/* A WARN() in a subsystem's checker names the subsystem's bug. */
static const struct rule rules_warning[] = {
    {.has = "lock|RCU|rcu_", .sub = I_rules_lockdep},
    {.kind = OOPS_KIND_LOCKDEP, .flags = R_REST, RX(.cond = I_c_bracketed)},
    {.has = "kernel stack regs at|kernel stack frame pointer at",
     .fn = I_r_bad_bp},
    {.fn = I_r_bare},
    {.flags = R_REST | R_GENERIC, RX(.cond = I_c_not_warn)},
    {.title = "WARNING: ODEBUG bug",
     .stack = I_ST_WARN,
     .stack2 = I_ST_CT,
     .skip = I_skip_odebug,
     RX(.file = "lib/debugobjects.c")},
    {.title = "WARNING: bad usercopy",
     .stack = I_ST_WARN,
     .stack2 = I_ST_CT,
     .skip = I_skip_usercopy,
     RX(.file = "mm/usercopy.c")},
    {.title = "WARNING: kobject bug",
     .stack = I_ST_WARN,
     .stack2 = I_ST_CT,
     .skip = I_skip_kobject,
     RX(.file = "lib/kobject.c")},
    {.title = "WARNING: proc registration bug",
     .stack = I_ST_WARN,
     .stack2 = I_ST_CT,
     .skip = I_skip_proc,
     RX(.file = "fs/proc/generic.c")},
    {.kind = OOPS_KIND_WARNING,
     .title = "WARNING: refcount bug",
     .stack = I_ST_WARN,
     .stack2 = I_ST_CT,
     .skip = I_skip_refcount,
     RX(.file = "lib/refcount.c")},
    {.kind = OOPS_KIND_LOCKDEP,
     .title = "WARNING: locking bug",
     .stack = I_ST_WARN,
     .stack2 = I_ST_CT,
     .skip = I_skip_locking,
     RX(.file = "kernel/locking/lockdep.c", .also = "lock_")},
    {.title = "WARNING: zero-size vmalloc",
     .stack = I_ST_WARN,
     .stack2 = I_ST_CT,
     .skip = I_skip_vmalloc,
     RX(.file = "mm/vmalloc.c", .also = "__vmalloc_node")},
    {.has = " mm/",
     .title = "WARNING: kmalloc bug",
     .stack = I_ST_WARN,
     .stack2 = I_ST_CT,
     .skip = I_skip_kmalloc,
     RX(.cond = I_c_kmalloc)},
    {.has = "usb_submit_urb", .fn = I_r_usb_submit_urb},
    {.fn = I_r_warning, .flags = R_LAST},
};

/*
 * The table macros below paste string literals and names into
 * initialisers, where parentheses would not compile.
 */
// NOLINTBEGIN(bugprone-macro-parentheses)
static const struct rule rules_unable[] = {
#define UNABLE(what, k)                                                        \
	{.has = what,                                                          \
	 .kind = k,                                                            \
	 .title = "BUG: unable to handle kernel " what,                        \
	 .stack = I_ST_RIP_CT,                                                 \
	 .stack2 = I_ST_CT,                                                    \
	 .skip = I_skip_kasan,                                                 \
	 RX(.alt = "bad-access in %F")}
    UNABLE("paging request", OOPS_KIND_PAGING),
    UNABLE("NULL pointer dereference", OOPS_KIND_NULL_DEREF),
    /* s390: "Unable to handle kernel pointer dereference in virtual
     * kernel address space". */
    UNABLE("pointer dereference", OOPS_KIND_PAGING),
    UNABLE("access to user memory", OOPS_KIND_PAGING),
    UNABLE("execute from non-executable memory", OOPS_KIND_PAGING),
    UNABLE("write to read-only memory", OOPS_KIND_PAGING),
#undef UNABLE
    {.title = "BUG: unable to handle kernel", .flags = R_CORRUPTED | R_LAST},
};

static const struct rule rules_kpanic[] = {
    {.flags = R_REST | R_GENERIC, RX(.unless = "Kernel panic - not syncing: ")},
    {.has = "stack-protector:",
     .fn = I_r_stack_protector,
     RX(.also = "corrupted in: ")},
    {.has = "kernel stack overflow",
     .title = "kernel stack overflow",
     .stack = I_ST_RIP_CT_STALL,
     .stack2 = I_ST_CT,
     .ex = EX_STALL,
     RX(.alt = "stack-overflow in %F")},
    {.has = "corrupted stack end",
     .title = "kernel panic: corrupted stack end",
     .stack = I_ST_RIP_CT_STALL,
     .stack2 = I_ST_CT,
     .ex = EX_STALL,
     RX(.alt = "stack-overflow in %F")},
    {.fn = I_r_panic_msg, .flags = R_LAST},
};

static const struct rule rules_kbug[] = {
    {.has = "kernel BUG at mm/usercopy.c",
     .title = "BUG: bad usercopy",
     .stack = I_ST_CT,
     .skip = I_skip_usercopy},
    {.has = "kernel BUG at lib/list_debug.c",
     .title = "BUG: corrupted list",
     .stack = I_ST_CT},
    {.has = "kernel BUG at ",
     .title = "kernel BUG",
     .stack = I_ST_RIP_CT,
     .stack2 = I_ST_CT,
     .skip = I_skip_skb,
     .flags = R_LAST},
};

static const char skip_ubsan[] = "ubsan\0"
				 "overflow\0";
static const struct rule rules_ubsan[] = {
    {.has = "Undefined behaviour in",
     .title = "UBSAN: undefined-behaviour",
     .stack = I_ST_CT,
     .skip = I_skip_ubsan},
    {.flags = R_REST, RX(.unless = " in ")},
    {.title = "UBSAN: ",
     .stack = I_ST_CT,
     .skip = I_skip_ubsan,
     .fn = I_r_words_in,
     .flags = R_LAST},
};

/* "<what> in F", F from the PC line then the call trace. */
#define RULES_PC_CT(name, what)                                                \
	static const struct rule name[] = {{.title = what,                     \
					    .stack = I_ST_RIP_CT,              \
					    .stack2 = I_ST_CT,                 \
					    .flags = R_LAST}}
/* The same for a bad memory access (alt "bad-access in F"). */
#define RULES_ACCESS(name, what)                                               \
	static const struct rule name[] = {{.title = what,                     \
					    .stack = I_ST_RIP_CT,              \
					    .stack2 = I_ST_CT,                 \
					    .flags = R_LAST,                   \
					    RX(.alt = "bad-access in %F")}}
/* "<what> in F", F from the PC line only. */
#define RULES_PC(name, what)                                                   \
	static const struct rule name[] = {                                    \
	    {.title = what, .stack = I_ST_RIP_ONLY, .flags = R_LAST}}
/* A fixed title. */
#define RULES_FIXED(name, what)                                                \
	static const struct rule name[] = {{.title = what, .flags = R_LAST}}
/* One irregular rule. */
#define RULES_FN(name, f)                                                      \
	static const struct rule name[] = {{.fn = I_##f, .flags = R_LAST}}

RULES_ACCESS(rules_gpf, "general protection fault");
RULES_PC_CT(rules_stackseg, "stack segment fault");
RULES_PC(rules_dfault, "PANIC: double fault");
RULES_PC(rules_divide, "divide error");
RULES_PC(rules_invop, "invalid opcode");
RULES_PC_CT(rules_int3, "int3");
RULES_ACCESS(rules_internal, "Internal error");
RULES_PC_CT(rules_unhandled, "Unhandled fault");
RULES_PC_CT(rules_align, "Alignment trap");
RULES_PC_CT(rules_hardlockup, "watchdog: hard LOCKUP");
/* MIPS/sh BUG(): die("Kernel bug detected") prints "...[#1]:". */
RULES_PC_CT(rules_kbug_die, "kernel BUG");
RULES_FIXED(rules_boot, "unexpected kernel reboot");
RULES_FIXED(rules_unreg, "unregister_netdevice: waiting for DEV to become free");
RULES_FIXED(rules_vfs_close, "VFS: Close: file count is 0");
RULES_FIXED(rules_vfs_busy, "VFS: Busy inodes after unmount (use-after-free)");
RULES_FN(rules_kbug_cap, r_kbug_cap);
RULES_FN(rules_rust, r_rust);
RULES_FN(rules_trusty, r_trusty);
RULES_FN(rules_go_fatal, r_go_fatal);
RULES_FN(rules_oops, r_oops);
RULES_FN(rules_oom, r_oom);
RULES_FN(rules_mce, r_mce);
RULES_FN(rules_irq, r_irq);
// NOLINTEND(bugprone-macro-parentheses)
static const struct rule rules_slub[] = {
    {.has = "Object already free", .title = "BUG: Object already free"},
    {.fn = I_r_slub, .flags = R_LAST},
};
/* The header text is the title (SYZFAIL:, panic:, ...). */
static const struct rule rules_rest[] = {{.flags = R_REST | R_LAST}};

#define RULE_ENTRY(name) name,
static const struct part *const rule_stacks[] = {NULL, RULE_STACKS(RULE_ENTRY)};
static const char *const rule_skips[] = {NULL, RULE_SKIPS(RULE_ENTRY)};
static const rule_fn rule_fns[] = {NULL, RULE_FNS(RULE_ENTRY)};
static bool (*const rule_conds[])(const struct tstate *t) = {
    NULL, RULE_CONDS(RULE_ENTRY)};
static const struct rule *const rule_subs[] = {NULL, RULE_SUBS(RULE_ENTRY)};
#undef RULE_ENTRY

/* Index 0 is "none": NULL, as the pointer fields used to be. */
static const struct part *rule_stack(unsigned i)
{
	return rule_stacks[i];
}

static const char *rule_skip(unsigned i)
{
	return rule_skips[i];
}

static bool rule_call(unsigned i, struct tstate *t, const struct rule *r)
{
	return rule_fns[i](t, r);
}

static bool rule_cond(unsigned i, const struct tstate *t)
{
	return rule_conds[i](t);
}

static const struct rule *rule_sub(unsigned i)
{
	return rule_subs[i];
}

/*
 * The header table's rule tables and default kinds (oops_headers.def), as
 * two arrays: a kind is one byte, a {pointer, enum} pair would be 16.
 */
// NOLINTBEGIN(bugprone-macro-parentheses): names pasted into initialisers
static const struct rule *const hdr_rules[HDR_COUNT] = {
#define OOPS_HDR(id, find, match, anchor, inside, kind, rules, pf)            \
	[HDR_##id] = rules,
#include "oops_headers.def"
#undef OOPS_HDR
};
_Static_assert(OOPS_KIND_COUNT <= UINT8_MAX, "a kind is one byte (rules too)");
static const uint8_t hdr_kinds[HDR_COUNT] = {
#define OOPS_HDR(id, find, match, anchor, inside, kind, rules, pf)            \
	[HDR_##id] = kind,
#include "oops_headers.def"
#undef OOPS_HDR
};
// NOLINTEND(bugprone-macro-parentheses)

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
	const char *anchor = oops_header_anchor(hdr);
	size_t k;

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
	for (k = 0; anchor[k] && anchor[k] != ':' && k + 1 < sizeof(t.lvl);
	     k++)
		t.lvl[k] = anchor[k];
	t.lvl[k] = '\0';

	if (hdr >= 0 && hdr < HDR_COUNT) {
		res->kind = hdr_kinds[hdr];
		if (!run_rules(&t, hdr_rules[hdr]))
			title_rest(&t);
	} else {
		title_rest(&t);
	}
	if (t.s.fault_injection)
		res->corrupted = true;
	oops_title_normalize(res->title, sizeof(res->title));
	for (size_t i = 0; i < res->nalt; i++)
		if (strpbrk(res->alt[i], "0123456789") != NULL ||
		    strstr(res->alt[i], "syz") != NULL)
			oops_title_normalize(res->alt[i], sizeof(res->alt[i]));
	res->kind = kind_fixup(res->title, res->kind);
}
