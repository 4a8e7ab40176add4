// SPDX-License-Identifier: MIT
/*
 * oops_frame.c - call-trace frame lines and the guilty-frame skip list.
 *
 * Frame lines differ per architecture:
 *   x86-64   " ? func+0x1a/0x30 [mod]", " func fs/x.c:12 [inline]"
 *   old x86  " [<ffffffff81234567>] func+0x1a/0x30"
 *   arm64    " func+0x1a/0x30" after "Call trace:"
 *   arm      "[<c010e6a4>] (callee) from [<c010a5c4>] (caller+0x10/0x14)"
 *   riscv    "[<ffffffff80003a2c>] func+0x1a/0x30"
 *   powerpc  "[c0000000fe0f3b40] [c000000000c3a8d4] func+0x1a/0x30
 * (unreliable)"
 */
#include <stdlib.h>
#include <string.h>

#include "oops_internal.h"

static bool is_sym(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

/* "[<hex>]", "[hex]" or "[<0xhex>]" at p: its length or 0. */
static size_t pc_len(const char *p, const char *end)
{
	const char *q = p;

	if (q >= end || *q != '[')
		return 0;
	q++;
	if (q < end && *q == '<')
		q++;
	if (end - q > 2 && q[0] == '0' && q[1] == 'x')
		q += 2;
	if (q >= end || !is_hex(*q))
		return 0;
	while (q < end && is_hex(*q))
		q++;
	if (q < end && *q == '>')
		q++;
	if (q >= end || *q != ']')
		return 0;
	return (size_t)(q + 1 - p);
}

size_t oops_frame_symbol(const char *s, size_t n, const char **name,
			 const char **name2, size_t *len2)
{
	const char *p = s, *end = s + n, *q;
	size_t k;

	*name2 = NULL;
	*len2 = 0;
	while (p < end && *p == ' ')
		p++;
	/* ARM: "[<pc>] (callee) from [<pc>] (caller+0x..". */
	k = pc_len(p, end);
	if (k > 0 && p + k + 2 < end && p[k] == ' ' && p[k + 1] == '(') {
		const char *c = p + k + 2, *ce = c;

		while (ce < end && (is_sym(*ce) || *ce == '.'))
			ce++;
		if (ce > c && end - ce > 8 && memcmp(ce, ") from ", 7) == 0) {
			const char *r = ce + 7;
			size_t k2 = pc_len(r, end);

			if (k2 > 0 && r + k2 + 1 < end && r[k2] == ' ' &&
			    r[k2 + 1] == '(') {
				const char *f = r + k2 + 2, *fe = f;

				while (fe < end && is_sym(*fe))
					fe++;
				if (fe > f && fe < end &&
				    (*fe == '+' || *fe == '.')) {
					*name2 = f;
					*len2 = (size_t)(fe - f);
				}
				*name = c;
				return (size_t)(ce - c);
			}
		}
	}
	for (int i = 0; i < 2; i++) {
		k = pc_len(p, end);
		if (k == 0 || p + k >= end || p[k] != ' ')
			break;
		p += k + 1;
		while (p < end && *p == ' ')
			p++;
	}
	q = p;
	while (q < end && is_sym(*q))
		q++;
	if (q == p || q >= end || (*q != '+' && *q != '.'))
		return 0;
	*name = p;
	return (size_t)(q - p);
}

static uint64_t parse_hex(const char **pp, const char *end)
{
	const char *p = *pp;
	uint64_t v = 0;

	if (end - p > 2 && p[0] == '0' && p[1] == 'x')
		p += 2;
	while (p < end && is_hex(*p)) {
		char c = *p++;

		v = v * 16 +
		    (uint64_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	*pp = p;
	return v;
}

bool oops_frame_parse(const char *s, size_t n, struct oops_frame *f)
{
	const char *p = s, *end = s + n, *name, *ne;
	bool reliable = true, inlined = false, have_off = false, arm = false;
	uint64_t off = 0, size = 0;
	const char *mod = NULL;
	size_t modlen = 0, k;

	memset(f, 0, sizeof(*f));
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p < end && *p == '?') {
		reliable = false;
		p++;
		while (p < end && *p == ' ')
			p++;
	}
	for (int i = 0; i < 2; i++) {
		k = pc_len(p, end);
		if (k == 0)
			break;
		p += k;
		while (p < end && *p == ' ')
			p++;
	}
	if (p < end && *p == '?') {
		reliable = false;
		p++;
		while (p < end && *p == ' ')
			p++;
	}
	if (p < end && *p == '(') {
		arm = true;
		p++;
	}
	name = p;
	while (p < end && (is_sym(*p) || *p == '.' || *p == '$'))
		p++;
	ne = p;
	if (ne == name || ne - name > 256)
		return false;
	if (p < end && *p == '+') {
		p++;
		off = parse_hex(&p, end);
		if (p < end && *p == '/') {
			p++;
			size = parse_hex(&p, end);
		}
		have_off = true;
	}
	if (arm) {
		/* "(f [mod])" or "(f+0x1/0x2 [mod])". */
		if (end - p > 2 && p[0] == ' ' && p[1] == '[') {
			const char *me = memchr(p, ']', (size_t)(end - p));

			if (me != NULL) {
				mod = p + 2;
				modlen = (size_t)(me - mod);
				p = me + 1;
			}
		}
		if (p >= end || *p != ')')
			return false;
		p++;
		if (!have_off && !oops_has(p, (size_t)(end - p), " from "))
			return false;
	}
	while (p < end && *p == ' ')
		p++;
	if (p < end && *p == '[' && !arm) {
		const char *m = p + 1, *me = memchr(m, ']', (size_t)(end - m));

		if (me != NULL && me > m) {
			mod = m;
			modlen = (size_t)(me - m);
			if (modlen == 6 && memcmp(m, "inline", 6) == 0) {
				inlined = true;
				mod = NULL;
			}
		}
	}
	if (!inlined && oops_has(p, (size_t)(end - p), "[inline]"))
		inlined = true;
	if (!have_off && !inlined && !arm)
		return false;
	if (oops_has(p, (size_t)(end - p), "(unreliable)"))
		reliable = false;
	f->function = strndup(name, (size_t)(ne - name));
	if (f->function == NULL)
		return false;
	if (mod != NULL && modlen < 64) {
		/* Module names are [A-Za-z0-9_-]; anything else is not one. */
		for (size_t i = 0; i < modlen; i++)
			if (!is_sym(mod[i]) && mod[i] != '-') {
				mod = NULL;
				break;
			}
		if (mod != NULL)
			f->module = strndup(mod, modlen);
	}
	f->offset = off;
	f->size = size;
	f->reliable = reliable;
	f->inlined = inlined;
	return true;
}

/*
 * The skip list: functions that are report plumbing (sanitizers, WARN and
 * BUG machinery, stack dumpers), allocators, locking, atomics, string and
 * memory helpers, list and tree helpers, workqueue and timer helpers and
 * device teardown.  A title names the first frame that is none of these.
 * '^' anchors at the start of the name, '$' at its end, '=' is exact.
 */
struct skip_pat {
	const char *s;
	uint8_t len;
	uint8_t bitno; /* pair_bit() of its first two literal bytes is
			* 1 << bitno (a byte, not the mask: 16-byte entries) */
};

/* pair_bit()'s bit number as a constant expression, skipping a leading
 * '^', '$', '='. */
#define PAIR_BIT(a, b) ((((unsigned char)(a)*31u + (unsigned char)(b)) & 63u))
#define ANCHORED(x) ((x)[0] == '^' || (x)[0] == '$' || (x)[0] == '=')
#define P(x)                                                                   \
	{                                                                      \
		x, sizeof(x) - 1,                                              \
		    ANCHORED(x) ? PAIR_BIT((x)[1], (x)[2])                     \
				: PAIR_BIT((x)[0], (x)[1])                     \
	}
static const struct skip_pat skip_patterns[] = {
    P("__sanitizer"),
    P("__asan"),
    P("kasan"),
    P("hwasan"),
    P("__msan"),
    P("kmsan"),
    P("kcsan_setup_watchpoint"),
    P("check_memory_region"),
    P("check_heap_object"),
    P("check_object"),
    P("read_word_at_a_time"),
    P("print_address_description"),
    P("panic"),
    P("invalid_op"),
    P("report_bug"),
    P("fixup_bug"),
    P("print_report"),
    P("print_usage_bug"),
    P("do_error"),
    P("$_trap"),
    P("dump_stack"),
    P("show_stack"),
    P("show_regs"),
    P("dump_backtrace"),
    P("print_tainted"),
    P("warn_slowpath"),
    P("warn_alloc"),
    P("warn_bogus"),
    P("__warn"),
    P("debug_object"),
    P("timer_is_static_object"),
    P("work_is_static_object"),
    P("__might_fault"),
    P("__might_sleep"),
    P("__might_resched"),
    P("__cant_sleep"),
    P("print_unlock"),
    P("imbalance_bug"),
    P("lockdep"),
    P("bh_enable"),
    P("bh_disable"),
    P("perf_trace"),
    P("lock_acquire"),
    P("lock_release"),
    P("lock_class"),
    P("mark_lock"),
    P("reacquire_held_locks"),
    P("mark_held_locks"),
    P("raw_spin_rq"),
    P("spin_lock"),
    P("spin_trylock"),
    P("spin_unlock"),
    P("read_lock"),
    P("read_trylock"),
    P("write_lock"),
    P("write_trylock"),
    P("read_unlock"),
    P("write_unlock"),
    P("=down"),
    P("down_read"),
    P("down_write"),
    P("down_trylock"),
    P("up_read"),
    P("up_write"),
    P("^mutex_"),
    P("^__mutex_"),
    P("^rt_mutex_"),
    P("owner_on_cpu"),
    P("osq_lock"),
    P("osq_unlock"),
    P("__wake_up"),
    P("^refcount_"),
    P("^kref_"),
    P("ref_tracker"),
    P("seqprop_assert"),
    P("memcpy"),
    P("memcmp"),
    P("memset"),
    P("memchr"),
    P("memmove"),
    P("memdup"),
    P("strcmp"),
    P("strncmp"),
    P("strchr"),
    P("strlen"),
    P("strcpy"),
    P("strscpy"),
    P("strncpy"),
    P("strlcpy"),
    P("strcat"),
    P("strncat"),
    P("strlcat"),
    P("strstr"),
    P("strnstr"),
    P("strnlen"),
    P("strsep"),
    P("string"),
    P("pointer"),
    P("snprintf"),
    P("scnprintf"),
    P("kasprintf"),
    P("kvasprintf"),
    P("printk"),
    P("va_format"),
    P("dev_info"),
    P("dev_notice"),
    P("dev_warn"),
    P("dev_err"),
    P("dev_alert"),
    P("dev_crit"),
    P("dev_emerg"),
    P("program_check_exception"),
    P("program_check_common"),
    P("del_timer"),
    P("flush_work"),
    P("__cancel_work_timer"),
    P("cancel_work_sync"),
    P("try_to_grab_pending"),
    P("drain_workqueue"),
    P("destroy_workqueue"),
    P("queue_work"),
    P("finish_wait"),
    P("kthread_stop"),
    P("kobject_"),
    P("add_uevent_var"),
    P("get_device_parent"),
    P("device_add"),
    P("device_del"),
    P("device_unregister"),
    P("device_destroy"),
    P("device_release"),
    P("devres_release_all"),
    P("hwrng_unregister"),
    P("i2c_del_adapter"),
    P("__unregister_client"),
    P("device_for_each_child"),
    P("rollback_registered"),
    P("unregister_netdev"),
    P("sysfs_remove"),
    P("__sysfs_remove"),
    P("copy_to_user"),
    P("copy_from_user"),
    P("copy_to_iter"),
    P("copy_from_iter"),
    P("copy_page_to_iter"),
    P("copy_page_from_iter"),
    P("copy_folio_to_iter"),
    P("=copyin"),
    P("=copyout"),
    P("put_user"),
    P("get_user"),
    P("might_fault"),
    P("might_sleep"),
    P("list_add"),
    P("list_del"),
    P("list_replace"),
    P("list_move"),
    P("list_splice"),
    P("^rb_"),
    P("^__rb_"),
    P("_indirect_thunk_"),
    P("malloc"),
    P("zalloc"),
    P("calloc"),
    P("krealloc"),
    P("kmem_cache"),
    P("slab_"),
    P("=kfree"),
    P("^__kfree"),
    P("^kfree"),
    P("vfree"),
    P("kvfree"),
    P("kfree_skb"),
    P("alloc_pages"),
    P("^__alloc_pages"),
    P("folio_alloc"),
    P("pagecache_get_page"),
    P("__get_free_pages"),
    P("^kmem_"),
    P("^__kmem_"),
    P("kmemdup"),
    P("kstrdup"),
    P("kstrndup"),
    P("^slab_"),
    P("__slab_"),
    P("^cache_alloc"),
    P("^___slab"),
    P("usb_submit_urb"),
    P("usb_kill_urb"),
    P("usb_control_msg"),
    P("usb_start_wait_urb"),
    P("$readl"),
    P("$writel"),
    P("$readw"),
    P("$writew"),
    P("$readb"),
    P("$writeb"),
    P("=iput"),
    P("=dput"),
    P("stack_trace_save"),
    P("stack_depot"),
    P("xas_load"),
    P("rhashtable_lookup"),
    P("do_mem_abort"),
    P("el1_abort"),
    P("el1h_64_sync"),
    P("el1_sync_handler"),
    P("el1_sync"),
    P("el1_da"),
    P("__do_kernel_fault"),
    P("do_bad_area"),
    P("do_translation_fault"),
    P("do_page_fault"),
    P("__do_page_fault"),
    P("exc_page_fault"),
    P("do_user_addr_fault"),
    P("do_kern_addr_fault"),
    P("handle_page_fault"),
    P("page_fault"),
    P("^report_"),
    P("rcu_read_lock"),
    P("rcu_read_unlock"),
    P("rcu_lock_acquire"),
    P("rcu_lock_release"),
    P("pagefault_enable"),
    P("pagefault_disable"),
    P("preempt_count"),
    P("_raw_"),
    P("__raw_"),
    P("trace_hardirqs"),
    P("do_raw_"),
    P("__local_bh"),
    P("local_bh"),
    P("sched_clock"),
    P("arch_local_irq"),
    P("___might_sleep"),
    P("should_fail"),
    P("fail_dump"),
    P("check_preemption_disabled"),
    P("debug_smp_processor_id"),
    P("fast_dput"),
    P("mark_buffer_dirty"),
    P("drop_nlink"),
    P("ida_free"),
    P("fortify"),
    P("__phys_addr"),
    P("folio_unlock"),
    P("unlock_page"),
    P("lock_timer_base"),
    P("xas_"),
    P("aes_encrypt"),
    P("alloc_page_interleave"),
    P("alloc_frozen_pages"),
    P("hex_dump"),
    P("klist_"),
    P("assertfail"),
    P("walk_stackframe"),
    P("usb_bulk_msg"),
    P("usb_interrupt_msg"),
    P("wait_for_completion"),
    P("^logic_in"),
    P("^logic_out"),
    P("^do_trap"),
    P("mod_timer"),
    P("=complete"),
    P("stack_chk_fail"),
    P("tasklet_action"),
    P("__this_cpu_preempt_check"),
    {NULL, 0},
};

/* One bit of a 64-bit signature per adjacent byte pair. */
static uint64_t pair_bit(char a, char b)
{
	return 1ull << (((unsigned char)a * 31u + (unsigned char)b) & 63u);
}

/*
 * sig holds the pair bits of the name: a substring pattern whose first
 * pair is not among them cannot match, which saves most searches.
 */
static bool skip_match(const struct skip_pat *pat, const char *name, size_t len,
		       uint64_t sig)
{
	const char *p = pat->s + 1;
	size_t m = pat->len - 1u;

	if (!(sig & (1ull << pat->bitno)))
		return false;
	switch (pat->s[0]) {
	case '^':
		return len >= m && memcmp(name, p, m) == 0;
	case '$':
		return len >= m && memcmp(name + len - m, p, m) == 0;
	case '=':
		return len == m && memcmp(name, p, m) == 0;
	default:
		m = pat->len;
		if (m > len)
			return false;
		for (const char *q = name; q + m <= name + len; q++)
			if (*q == pat->s[0] && memcmp(q, pat->s, m) == 0)
				return true;
		return false;
	}
}

/* atomic(64)?_(dec|inc|read|set|or|xor|and|add|sub|fetch|xchg|cmpxchg|try) */
static bool atomic_op(const char *name, size_t len)
{
	static const char *const ops[] = {
	    "dec", "inc", "read",  "set",  "or",      "xor", "and",
	    "add", "sub", "fetch", "xchg", "cmpxchg", "try", NULL,
	};
	const char *a = name, *end = name + len;

	while ((a = oops_memstr(a, (size_t)(end - a), "atomic")) != NULL) {
		const char *p = a + 6;

		if (end - p >= 2 && memcmp(p, "64", 2) == 0)
			p += 2;
		if (p < end && *p == '_') {
			p++;
			for (int i = 0; ops[i]; i++)
				if (oops_starts(p, (size_t)(end - p), ops[i]))
					return true;
		}
		a += 6;
	}
	return false;
}

/* (set|clear|change|test)_bit and crc[0-9]+ */
static bool bit_or_crc(const char *name, size_t len)
{
	static const char *const bits[] = {
	    "set_bit", "clear_bit", "change_bit", "test_bit", NULL,
	};
	const char *c;

	for (int i = 0; bits[i]; i++)
		if (oops_has(name, len, bits[i]))
			return true;
	c = oops_memstr(name, len, "crc");
	return c != NULL && c + 3 < name + len && c[3] >= '0' && c[3] <= '9';
}

bool oops_frame_skip(const char *name, size_t len)
{
	uint64_t sig = 0;

	for (size_t i = 0; i + 1 < len; i++)
		sig |= pair_bit(name[i], name[i + 1]);
	for (int i = 0; skip_patterns[i].s != NULL; i++)
		if (skip_match(&skip_patterns[i], name, len, sig))
			return true;
	return atomic_op(name, len) || bit_or_crc(name, len);
}
