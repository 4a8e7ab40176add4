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
 *   powerpc  "[c0000000fe0f3b40] [c000000000c3a8d4] func+0x1a/0x30 (unreliable)"
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

		v = v * 16 + (uint64_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
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
static const char *const skip_patterns[] = {
	"__sanitizer", "__asan", "kasan", "hwasan", "__msan", "kmsan",
	"kcsan_setup_watchpoint", "check_memory_region", "check_heap_object",
	"check_object", "read_word_at_a_time", "print_address_description",
	"panic", "invalid_op", "report_bug", "fixup_bug", "print_report",
	"print_usage_bug", "do_error", "$_trap", "dump_stack", "show_stack",
	"show_regs", "dump_backtrace", "print_tainted", "warn_slowpath",
	"warn_alloc", "warn_bogus", "__warn", "debug_object",
	"timer_is_static_object", "work_is_static_object", "__might_fault",
	"__might_sleep", "__might_resched", "__cant_sleep", "print_unlock",
	"imbalance_bug", "lockdep", "bh_enable", "bh_disable", "perf_trace",
	"lock_acquire", "lock_release", "lock_class", "mark_lock",
	"reacquire_held_locks", "mark_held_locks", "raw_spin_rq", "spin_lock",
	"spin_trylock", "spin_unlock", "read_lock", "read_trylock",
	"write_lock", "write_trylock", "read_unlock", "write_unlock", "=down",
	"down_read", "down_write", "down_trylock", "up_read", "up_write",
	"^mutex_", "^__mutex_", "^rt_mutex_", "owner_on_cpu", "osq_lock",
	"osq_unlock", "__wake_up", "^refcount_", "^kref_", "ref_tracker",
	"seqprop_assert", "memcpy", "memcmp", "memset", "memchr", "memmove",
	"memdup", "strcmp", "strncmp", "strchr", "strlen", "strcpy",
	"strscpy", "strncpy", "strlcpy", "strcat", "strncat", "strlcat",
	"strstr", "strnstr", "strnlen", "strsep", "string", "pointer",
	"snprintf", "scnprintf", "kasprintf", "kvasprintf", "printk",
	"va_format", "dev_info", "dev_notice", "dev_warn", "dev_err",
	"dev_alert", "dev_crit", "dev_emerg", "program_check_exception",
	"program_check_common", "del_timer", "flush_work",
	"__cancel_work_timer", "cancel_work_sync", "try_to_grab_pending",
	"drain_workqueue", "destroy_workqueue",
	"queue_work", "finish_wait", "kthread_stop", "kobject_",
	"add_uevent_var", "get_device_parent", "device_add", "device_del",
	"device_unregister", "device_destroy", "device_release",
	"devres_release_all", "hwrng_unregister", "i2c_del_adapter",
	"__unregister_client", "device_for_each_child", "rollback_registered",
	"unregister_netdev", "sysfs_remove", "__sysfs_remove",
	"copy_to_user", "copy_from_user", "copy_to_iter", "copy_from_iter",
	"copy_page_to_iter", "copy_page_from_iter", "copy_folio_to_iter",
	"=copyin", "=copyout", "put_user", "get_user", "might_fault",
	"might_sleep", "list_add", "list_del", "list_replace", "list_move",
	"list_splice", "^rb_", "^__rb_", "_indirect_thunk_", "malloc",
	"zalloc", "calloc", "krealloc", "kmem_cache", "slab_", "=kfree",
	"^__kfree", "^kfree", "vfree", "kvfree", "kfree_skb", "alloc_pages",
	"^__alloc_pages", "folio_alloc", "pagecache_get_page", "__get_free_pages",
	"^kmem_", "^__kmem_", "kmemdup", "kstrdup", "kstrndup", "^slab_",
	"__slab_", "^cache_alloc", "^___slab", "usb_submit_urb",
	"usb_kill_urb", "usb_control_msg", "usb_start_wait_urb", "$readl",
	"$writel", "$readw", "$writew", "$readb", "$writeb", "=iput", "=dput",
	"stack_trace_save", "stack_depot", "xas_load", "rhashtable_lookup",
	"do_mem_abort", "el1_abort", "el1h_64_sync", "el1_sync_handler",
	"el1_sync", "el1_da", "__do_kernel_fault", "do_bad_area",
	"do_translation_fault", "do_page_fault", "__do_page_fault",
	"exc_page_fault", "do_user_addr_fault", "do_kern_addr_fault",
	"handle_page_fault", "page_fault", "^report_", "rcu_read_lock",
	"rcu_read_unlock", "rcu_lock_acquire", "rcu_lock_release",
	"pagefault_enable", "pagefault_disable", "preempt_count",
	"_raw_", "__raw_", "trace_hardirqs",
	"do_raw_", "__local_bh", "local_bh", "sched_clock", "arch_local_irq",
	"___might_sleep", "should_fail", "fail_dump",
	"check_preemption_disabled", "debug_smp_processor_id",
	"fast_dput", "mark_buffer_dirty", "drop_nlink", "ida_free",
	"fortify", "__phys_addr", "folio_unlock", "unlock_page",
	"lock_timer_base", "xas_", "aes_encrypt", "alloc_page_interleave",
	"alloc_frozen_pages", "hex_dump", "klist_", "assertfail",
	"walk_stackframe", "tasklet_action",
	"__this_cpu_preempt_check",
	NULL,
};

static bool skip_match(const char *pat, const char *name, size_t len)
{
	size_t m;

	switch (pat[0]) {
	case '^':
		return oops_starts(name, len, pat + 1);
	case '$':
		m = strlen(pat + 1);
		return len >= m && memcmp(name + len - m, pat + 1, m) == 0;
	case '=':
		m = strlen(pat + 1);
		return len == m && memcmp(name, pat + 1, m) == 0;
	default:
		return oops_has(name, len, pat);
	}
}

/* atomic(64)?_(dec|inc|read|set|or|xor|and|add|sub|fetch|xchg|cmpxchg|try) */
static bool atomic_op(const char *name, size_t len)
{
	static const char *const ops[] = {
		"dec", "inc", "read", "set", "or", "xor", "and",
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
	for (int i = 0; skip_patterns[i] != NULL; i++)
		if (skip_match(skip_patterns[i], name, len))
			return true;
	return atomic_op(name, len) || bit_or_crc(name, len);
}
