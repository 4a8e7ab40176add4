// SPDX-License-Identifier: MIT
/*
 * Tests for the crash parser (lib/oops*.c) on the fixtures in
 * tests/data/parser/ (see its README.md): every kind, every architecture's
 * trace format, every prefix style, interleaving, consequences, truncation,
 * the idle deadline, and streaming in arbitrary chunks.
 */
#include "testutil.h"

#include "base/json.h"
#include "parse/oops.h"
#include "parse/oops_internal.h"

struct expect {
	const char *file;
	int nreports;
	int idx; /* which report the fields below describe */
	const char *title;
	enum oops_kind kind;
	const char *guilty; /* NULL: none expected */
	int cpu, pid;
	const char *comm, *tainted, *release, *arch;
	bool panicked;
	uint64_t start_line, end_line;
	int64_t time_us;
	const char *frame0, *frame0_mod; /* first frame, its module */
};

static const struct expect fixtures[] = {
    {"x86_64-warning.log", 1, 0, "WARNING in foo_tx_complete",
     OOPS_KIND_WARNING, "foo_tx_complete", 2, 4312, "kworker/2:1",
     "G        W  O", "6.1.0-18-amd64", "x86_64", false, 3, 34, 101523413,
     "__warn", NULL},
    {"x86_64-kasan-caller.log", 2, 0,
     "KASAN: slab-use-after-free Read in bar_release", OOPS_KIND_KASAN,
     "bar_release", 0, 5011, "syz-executor.3", NULL,
     "6.8.0-rc3-syzkaller-00047-g1f719a2f3fa6", "x86_64", false, 3, 34,
     88130002, "__dump_stack", NULL},
    {"x86_64-kasan-caller.log", 2, 1,
     "BUG: scheduling while atomic in corrupted", OOPS_KIND_BUG, NULL, -1, -1,
     NULL, NULL, NULL, NULL, false, 19, 19, 88130018, NULL, NULL},
    {"x86_64-null-deref-panic.log", 1, 0,
     "BUG: unable to handle kernel NULL pointer dereference in baz_probe",
     OOPS_KIND_NULL_DEREF, "baz_probe", 3, 1733, "modprobe", "G           OE",
     "5.15.0-91-generic", "x86_64", true, 1, 45, 512000001, "show_regs.part.0",
     NULL},
    {"arm64-paging.log", 1, 0,
     "BUG: unable to handle kernel paging request in qux_read_fifo",
     OOPS_KIND_PAGING, "qux_read_fifo", 1, 217, "irq/45-qux", NULL,
     "6.6.20-v8+", "arm64", false, 1, 22, 2301118842, "qux_read_fifo",
     "qux_drv"},
    {"arm-null-deref.log", 1, 0,
     "BUG: unable to handle kernel NULL pointer dereference in quux_poll",
     OOPS_KIND_NULL_DEREF, "quux_poll", 0, 311, "quuxd", NULL, "5.10.168",
     "arm", false, 2, 16, 45102040, "quux_poll", "quux"},
    {"riscv-null-deref.log", 1, 0,
     "BUG: unable to handle kernel NULL pointer dereference in corge_init",
     OOPS_KIND_NULL_DEREF, "corge_init", 0, 1, "swapper/0", NULL, "6.1.0",
     "riscv", true, 1, 16, 12345001, "corge_init", NULL},
    {"powerpc-oops.log", 1, 0,
     "BUG: unable to handle kernel NULL pointer dereference in "
     "grault_get_stats",
     OOPS_KIND_NULL_DEREF, "grault_get_stats", 4, 9021, "grault-ctl", NULL,
     "6.4.0-ppc64le", "powerpc", false, 1, 20, 77000001, "grault_ioctl", NULL},
    {"hung-task-syslog.log", 1, 0, "INFO: task hung in nfs_writepage_setup",
     OOPS_KIND_HANG, "nfs_writepage_setup", -1, 21873, "java", NULL,
     "5.14.0-362.8.1.el9_3.x86_64", "x86_64", false, 2, 21, 186382226401, "__schedule", NULL},
    {"rcu-stall.log", 1, 0, "INFO: rcu detected stall in garply_ioctl",
     OOPS_KIND_STALL, "garply_ioctl", 5, 3120, "garply-scan", "G             L",
     "6.5.0-14-generic", "x86_64", false, 1, 29, 4410000001, "show_regs", NULL},
    {"soft-lockup-kmsg.log", 1, 0, "BUG: soft lockup in spinmod_write",
     OOPS_KIND_LOCKUP, "spinmod_write", 2, 4021, "spinner", "G           O  L",
     "6.6.8-arch1-1", "x86_64", true, 2, 19, 5230000001, "spinmod_write",
     "spinmod"},
    {"lockdep.log", 1, 0, "possible deadlock in waldo_flush", OOPS_KIND_LOCKDEP,
     "waldo_flush", 6, 1934, "waldo", NULL, "6.9.0-rc1", "x86_64", false, 2, 43,
     342552820, "dump_stack_lvl", NULL},
    {"oom-level.log", 1, 0, "out of memory in filemap_fault", OOPS_KIND_OOM,
     "filemap_fault", 1, 7781, "fred", NULL, "6.1.0-13-amd64", "x86_64", false,
     2, 31, 9002100001, "dump_stack_lvl", NULL},
    {"mce.log", 1, 0, "MCE: Machine check events logged", OOPS_KIND_MCE, NULL,
     -1, -1, NULL, NULL, NULL, NULL, false, 2, 5, 7002000001, NULL, NULL},
    {"gpf-divide.log", 2, 0, "general protection fault in plugh_sendmsg",
     OOPS_KIND_GPF, "plugh_sendmsg", 0, 6102, "syz-executor.1", NULL,
     "6.2.0-syzkaller", "x86_64", false, 1, 17, 610100001, "sock_sendmsg_nosec",
     NULL},
    {"gpf-divide.log", 2, 1, "divide error in xyzzy_rate", OOPS_KIND_TRAP,
     "xyzzy_rate", 1, 6140, "syz-executor.4", "G      D", "6.2.0-syzkaller",
     "x86_64", false, 18, 26, 611200001, "xyzzy_ioctl", NULL},
    {"ubsan-leak.log", 2, 0, "UBSAN: shift-out-of-bounds in thud_set_mask",
     OOPS_KIND_UBSAN, "thud_set_mask", 2, 880, "thudctl", NULL, "6.7.0",
     "x86_64", false, 2, 13, 33000002, "dump_stack_lvl", NULL},
    {"ubsan-leak.log", 2, 1, "memory leak in thud_open", OOPS_KIND_LEAK,
     "thud_open", -1, -1, NULL, NULL, NULL, NULL, false, 15, 24, 904000002,
     "__kmalloc", NULL},
    {"sysrq-panic.log", 1, 0, "kernel panic: sysrq triggered crash",
     OOPS_KIND_PANIC, NULL, 0, 1501, "bash", NULL, "6.1.0", "x86_64", true, 2,
     19, 120000002, "dump_stack_lvl", NULL},
    {"irq-nobody-cared.log", 1, 0, "irq: nobody cared in usb_hcd_irq",
     OOPS_KIND_OTHER, "usb_hcd_irq", 0, 0, "swapper/0", NULL, "6.1.0-13-amd64",
     "x86_64", false, 2, 37, 201904217, "dump_stack_lvl", NULL},
    /* Issue 16: bootloader, firmware, user-space and harness lines. */
    {"not-kernel.log", 1, 0, "WARNING in quux_poll", OOPS_KIND_WARNING,
     "quux_poll", 1, 311, "quuxd", "G           O", "6.6.12", "arm64", false,
     36, 54, 42001125, "quux_poll", "quux"},
    /* SLUB debug reports, any cache name, with their INFO: lines. */
    {"slub-debug.log", 2, 0, "BUG: Poison overwritten", OOPS_KIND_BUG, NULL,
     2, 4412, "corge-test", "G    B      O", "6.1.0-18-amd64", "x86_64", false,
     2, 37, 812301130, "dump_stack_lvl", NULL},
    {"slub-debug.log", 2, 1, "BUG: Objects remaining on kmem_cache_close()",
     OOPS_KIND_BUG, NULL, -1, 22919, "modprobe", NULL, "3.2.0-1-amd64",
     "x86_64", false, 39, 54, -1, "slab_err", NULL},
    /* The panic an oops causes: arm64, and after a decoded code dump. */
    {"panic-after-oops.log", 2, 0,
     "BUG: unable to handle kernel NULL pointer dereference in fred_store",
     OOPS_KIND_NULL_DEREF, "fred_store", 0, 245, "sh", "G           O",
     "6.6.12", "arm64", true, 1, 41, 61402113, "fred_store", "fred"},
    {"panic-after-oops.log", 2, 1,
     "BUG: unable to handle kernel NULL pointer dereference in waldo_ioctl",
     OOPS_KIND_NULL_DEREF, "waldo_ioctl", 3, 1877, "waldo-ctl",
     "G           OE", "6.1.0-18-amd64", "x86_64", true, 42, 128, 88100112,
     "__x64_sys_ioctl", NULL},
    /* Old formats: pre-3.11 WARNING with its hard-LOCKUP message (one
     * report), bracketed lockdep header, MIPS die(), i386 "EIP is at",
     * s390 PSW. */
    {"old-formats.log", 5, 0, "WARNING in watchdog_overflow_callback",
     OOPS_KIND_WARNING, "watchdog_overflow_callback", -1, 0, "swapper/0", NULL,
     "3.8.9-200.fc18.x86_64", "x86_64", false, 2, 15, -1, "warn_slowpath_fmt", NULL},
    {"old-formats.log", 5, 1, "INFO: suspicious RCU usage in garply_task_group",
     OOPS_KIND_LOCKDEP, "garply_task_group", -1, 2811, "bash", NULL,
     "3.0.0-rc5", "x86_64", false, 16, 33, -1, "lockdep_rcu_dereference", NULL},
    {"old-formats.log", 5, 2, "kernel BUG in thud_probe",
     OOPS_KIND_BUG, "thud_probe", -1, -1, NULL, NULL,
     NULL, "mips", false, 34, 45, -1, "thud_probe", NULL},
    {"old-formats.log", 5, 3, "BUG: unable to handle kernel NULL pointer dereference in fred_rx",
     OOPS_KIND_NULL_DEREF, "fred_rx", -1, -1, NULL, NULL,
     NULL, "x86", false, 46, 62, -1, "fred_poll", "fred"},
    {"old-formats.log", 5, 4, "BUG: unable to handle kernel pointer dereference in plugh_xmit",
     OOPS_KIND_PAGING, "plugh_xmit", 1, 417, "plughd", NULL,
     "5.14.0-70.el9.s390x", "s390", false, 63, 77, -1, "plugh_xmit", "plugh"},
    /* A Rust panic: its message and the first frame outside Rust's panic
     * machinery, v0-demangled; the BUG() it ends in is part of it.  And
     * spin_dump()'s "cpu recursion" is not "recursion". */
    {"rust-panic.log", 2, 0, "attempt to add with overflow in rust_waldo::RustWaldo::kernel::Module::init",
     OOPS_KIND_PANIC, "rust_waldo::RustWaldo::kernel::Module::init", 0, 1, "swapper/0", NULL,
     "6.8.0-rc1", "x86_64", false, 1, 18, 12400100, "die", NULL},
    {"rust-panic.log", 2, 1, "BUG: spinlock cpu recursion in fred_poll",
     OOPS_KIND_BUG, "fred_poll", 1, 812, "fredd", "G           O",
     "6.8.0-rc1", "x86_64", false, 19, 29, 30100000, "dump_stack_lvl", NULL},
    /* A LAVA job log: the console lines are the "msg" values. */
    {"lava-job.log", 1, 0, "WARNING in xyzzy_bind", OOPS_KIND_WARNING,
     "xyzzy_bind", 2, 98, "kworker/u8:3", NULL, "6.8.0-rc6-next-20240301",
     "arm64", false, 8, 27, 17412005, "xyzzy_bind", "xyzzy"},
    /* A sysrq panic after a hung-task report is its own report. */
    {"hung-task-sysrq.log", 2, 0, "INFO: task hung in plugh_flush",
     OOPS_KIND_HANG, "plugh_flush", -1, 1312, "plugh-worker", NULL,
     "6.6.0-rc7-lab", "x86_64", false, 1, 19, 245812211, "__schedule", NULL},
    {"hung-task-sysrq.log", 2, 1, "kernel panic: sysrq triggered crash",
     OOPS_KIND_PANIC, NULL, 1, 2277, "bash", NULL, "6.6.0-rc7-lab", "x86_64",
     true, 20, 37, 247900250, "dump_stack_lvl", NULL},
};

static const char *const fixture_files[] = {
    "x86_64-warning.log",
    "x86_64-kasan-caller.log",
    "x86_64-null-deref-panic.log",
    "arm64-paging.log",
    "arm-null-deref.log",
    "riscv-null-deref.log",
    "powerpc-oops.log",
    "hung-task-syslog.log",
    "rcu-stall.log",
    "soft-lockup-kmsg.log",
    "lockdep.log",
    "oom-level.log",
    "mce.log",
    "gpf-divide.log",
    "ubsan-leak.log",
    "sysrq-panic.log",
    "irq-nobody-cared.log",
    "no-crash.log",
    "not-kernel.log",
    "slub-debug.log",
    "panic-after-oops.log",
    "hung-task-sysrq.log",
    "lava-job.log",
    "old-formats.log",
    "rust-panic.log",
    NULL,
};

static char *load(const char *name, size_t *len)
{
	char path[256];

	snprintf(path, sizeof(path), "parser/%s", name);
	return test_fixture(path, len);
}

static void free_reports(struct oops_report **v, int n)
{
	for (int i = 0; i < n; i++)
		oops_report_free(v[i]);
	free(v);
}

static void assert_str_or_null(const char *want, const char *got)
{
	if (want == NULL)
		assert_null(got);
	else {
		assert_non_null(got);
		assert_string_equal(want, got);
	}
}

static void test_kind_names(void **state)
{
	for (int k = 0; k < OOPS_KIND_COUNT; k++) {
		const char *n = oops_kind_name((enum oops_kind)k);

		assert_non_null(n);
		assert_int_equal(oops_kind_from_name(n), k);
	}
	assert_string_equal(oops_kind_name(OOPS_KIND_COUNT), "UNKNOWN");
	assert_string_equal(oops_kind_name((enum oops_kind) - 3), "UNKNOWN");
	assert_int_equal(oops_kind_from_name("NO_SUCH"), OOPS_KIND_UNKNOWN);
	assert_int_equal(oops_kind_from_name(NULL), OOPS_KIND_UNKNOWN);
	assert_string_equal(oops_kind_name(OOPS_KIND_KASAN), "KASAN");
}

static void test_fixtures(void **state)
{
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		const struct expect *e = &fixtures[i];
		struct oops_report **v, *r;
		size_t len;
		char *buf = load(e->file, &len);
		int n = oops_parse_buffer(buf, len, NULL, &v);

		print_message("fixture %s #%d\n", e->file, e->idx);
		assert_int_equal(n, e->nreports);
		r = v[e->idx];
		assert_string_equal(r->title, e->title);
		assert_int_equal(r->kind, e->kind);
		assert_str_or_null(e->guilty, r->guilty);
		assert_int_equal(r->cpu, e->cpu);
		assert_int_equal(r->pid, e->pid);
		assert_str_or_null(e->comm, r->comm);
		assert_str_or_null(e->tainted, r->tainted);
		assert_str_or_null(e->release, r->release);
		assert_str_or_null(e->arch, r->arch);
		assert_int_equal(r->panicked, e->panicked);
		assert_int_equal(r->start_line, e->start_line);
		assert_int_equal(r->end_line, e->end_line);
		assert_int_equal(r->time_us, e->time_us);
		assert_false(r->truncated);
		assert_non_null(r->text);
		assert_int_equal(strlen(r->text), r->text_len);
		if (e->frame0 != NULL) {
			assert_true(r->nframes > 0);
			assert_string_equal(r->frames[0].function, e->frame0);
			assert_str_or_null(e->frame0_mod, r->frames[0].module);
		} else {
			assert_int_equal(r->nframes, 0);
		}
		free_reports(v, n);
		free(buf);
	}
}

static void test_no_crash(void **state)
{
	struct oops_report **v;
	size_t len;
	char *buf = load("no-crash.log", &len);

	/* ODEBUG, lockdep off, user-space traps, quoted titles, sshd, ... */
	assert_int_equal(oops_parse_buffer(buf, len, NULL, &v), 0);
	free(v);
	free(buf);
}

/* One parsed buffer (a string): the reports' count, and report i. */
static int parse_str(const char *text, struct oops_report ***v)
{
	return oops_parse_buffer(text, strlen(text), NULL, v);
}

static void assert_alt(const struct oops_report *r, const char *alt)
{
	for (size_t i = 0; i < r->nalt_titles; i++)
		if (strcmp(r->alt_titles[i], alt) == 0)
			return;
	print_message("alt title \"%s\" missing from \"%s\"\n", alt, r->title);
	fail();
}

/*
 * Issue 16: a header no rule knows needs a kernel prefix or kernel
 * structure; user-space "name[pid]: " lines and die()-less "Oops:" lines
 * are not headers.
 */
static void test_not_kernel(void **state)
{
	struct oops_report **v;
	size_t len;
	char *buf = load("not-kernel.log", &len);
	int n = oops_parse_buffer(buf, len, NULL, &v);

	(void)state;
	assert_int_equal(n, 1);
	assert_int_equal(v[0]->start_line, 36);
	free_reports(v, n);
	free(buf);

	assert_int_equal(oops_header_find("openvpn[1118]: WARNING: x", 25),
			 HDR_NONE);
	assert_int_equal(oops_header_find("kernel: WARNING: x", 18),
			 HDR_WARNING);
	assert_int_equal(oops_header_find("Oops: efitime: can't read time!", 31),
			 HDR_NONE);
	assert_int_equal(oops_header_find("Oops: 0000 [#1] PREEMPT SMP", 27),
			 HDR_OOPS);
	assert_int_equal(oops_header_find("Oops[#1]:", 9), HDR_OOPS);
	/* A known kernel form needs no structure: "BUG: Bad rss-counter". */
	n = parse_str("BUG: Bad rss-counter state mm:0000 type:MM_ANONPAGES "
		      "val:1\n",
		      &v);
	assert_int_equal(n, 1);
	free_reports(v, n);
	/* An unknown one without a timestamp needs it... */
	assert_int_equal(parse_str("WARNING: Caches not enabled\nDRAM: 2 "
				   "GiB\n",
				   &v),
			 0);
	free(v);
	/* A panic right after a bootloader's line is not lost with it. */
	n = parse_str("WARNING: Caches not enabled\nDRAM: 1 GiB\n"
		      "Kernel panic - not syncing: VFS: Unable to mount root "
		      "fs on unknown-block(0,0)\n"
		      "CPU: 0 PID: 1 Comm: swapper/0 Not tainted 6.1.0 #1\n"
		      "Call Trace:\n dump_stack_lvl+0x44/0x5c\n"
		      " panic+0x118/0x2f0\n",
		      &v);
	assert_int_equal(n, 1);
	assert_int_equal(v[0]->kind, OOPS_KIND_PANIC);
	assert_int_equal(v[0]->start_line, 3);
	free_reports(v, n);
	/* ...and with a printk timestamp it is the kernel's. */
	n = parse_str("[    1.000000] WARNING: lab next download broken!\n", &v);
	assert_int_equal(n, 1);
	free_reports(v, n);
}

static void test_slub(void **state)
{
	struct oops_report **v;
	size_t len;
	char *buf = load("slub-debug.log", &len);
	int n = oops_parse_buffer(buf, len, NULL, &v);

	(void)state;
	/* The lone "BUG UNIX (Not tainted): kasan: ..." line is not one. */
	assert_int_equal(n, 2);
	assert_non_null(strstr(v[0]->text, "INFO: Freed in corge_release"));
	assert_non_null(strstr(v[0]->text, "FIX kmalloc-64: Restoring"));
	assert_alt(v[0], "BUG kmalloc-NUM: Poison overwritten");
	assert_alt(v[1],
		   "BUG grault_cache: Objects remaining on kmem_cache_close()");
	free_reports(v, n);
	free(buf);
}

/* The LAVA wrapper and its tail are gone from the report text. */
static void test_lava(void **state)
{
	struct oops_report **v;
	size_t len;
	char *buf = load("lava-job.log", &len);
	int n = oops_parse_buffer(buf, len, NULL, &v);

	(void)state;
	assert_int_equal(n, 1);
	assert_null(strstr(v[0]->text, "\"msg\""));
	assert_null(strstr(v[0]->text, "\"}"));
	assert_true(strncmp(v[0]->text, "WARNING: CPU: 2 PID: 98 at", 26) == 0);
	assert_non_null(strstr(v[0]->text, "\n---[ end trace 0000000000000000 ]---"));
	free_reports(v, n);
	free(buf);

	/*
	 * A LAVA log pasted without its heads keeps the `"}` tails; a 32-bit
	 * ARM WARNING with "f from g+0x.." frames has no PC line and no call
	 * trace heading: the title stays "corrupted" (the conventions), the
	 * guilty function is the one the header names.
	 */
	n = parse_str("[    1.14] ------------[ cut here ]------------\"}\n"
		      "[    1.15] WARNING: CPU: 0 PID: 1 at kernel/smp.c:912 "
		      "smp_call_function_many_cond+0x3c4/0x3c8\"}\n"
		      "[    1.16] CPU: 0 PID: 1 Comm: init Not tainted "
		      "6.0.0-rc3 #1\"}\n"
		      "[    1.17]  __warn from warn_slowpath_fmt+0x64/0xbc\"}\n",
		      &v);
	assert_int_equal(n, 1);
	assert_string_equal(v[0]->title, "WARNING in corrupted");
	assert_string_equal(v[0]->guilty, "smp_call_function_many_cond");
	assert_alt(v[0], "WARNING in smp_call_function_many_cond");
	assert_string_equal(v[0]->release, "6.0.0-rc3");
	assert_null(strstr(v[0]->text, "\"}"));
	free_reports(v, n);
}

static void test_alt_titles(void **state)
{
	struct oops_report **v;
	size_t len;
	char *buf = load("gpf-divide.log", &len);
	int n = oops_parse_buffer(buf, len, NULL, &v);

	(void)state;
	assert_int_equal(n, 2);
	assert_alt(v[0], "bad-access in plugh_sendmsg");
	assert_int_equal(v[1]->nalt_titles, 0);
	free_reports(v, n);
	free(buf);
	buf = load("hung-task-sysrq.log", &len);
	n = oops_parse_buffer(buf, len, NULL, &v);
	assert_alt(v[0], "hang in plugh_flush");
	free_reports(v, n);
	free(buf);
	buf = load("rcu-stall.log", &len);
	n = oops_parse_buffer(buf, len, NULL, &v);
	assert_alt(v[0], "stall in garply_ioctl");
	free_reports(v, n);
	free(buf);

	/* Old KASAN "on address": no function in the title (the
	 * conventions), but the guilty frame and an alt title name it. */
	n = parse_str("[  150.33] BUG: KASAN: wild-memory-access on address "
		      "0000ffff00013138\n"
		      "[  150.33] Read of size 8 by task swapper/0/1\n"
		      "[  150.33] Call Trace:\n"
		      "[  150.34]  [<ffffffff81ef3b9d>] dump_stack+0xa9/0xec\n"
		      "[  150.34]  [<ffffffff814623ee>] kasan_report+0x8e/0xb0\n"
		      "[  150.35]  [<ffffffff8146175e>] __asan_load8+0xae/0xd0\n"
		      "[  150.35]  [<ffffffff83a0b6e7>] grault_mask+0x77/0x150\n",
		      &v);
	assert_int_equal(n, 1);
	assert_string_equal(v[0]->title, "KASAN: wild-memory-access Read");
	assert_string_equal(v[0]->guilty, "grault_mask");
	assert_alt(v[0], "KASAN: wild-memory-access Read in grault_mask");
	free_reports(v, n);
}

/*
 * Two writers on one console: a test's text in front of a printk line,
 * and the same header printed by a second console.
 */
static void test_shared_console(void **state)
{
	struct oops_report **v;
	int n = parse_str(
	    "# ok 1 futex[  347.411307] ------------[ cut here ]------------\n"
	    "[  347.416924] kernel BUG at arch/x86/kvm/mmu/mmu.c:3722!\n"
	    "[  347.416924] kernel BUG at arch/x86/kvm/mmu/mmu.c:3722!\n"
	    "-wait-wouldblock[  347.423535] invalid opcode: 0000 [#1] SMP PTI\n"
	    "[  347.429212] CPU: 0 PID: 10338 Comm: set_memory_regi Not "
	    "tainted 5.7.0-rc6 #1\n"
	    "[  347.444943] RIP: 0010:kvm_mmu_load+0x407/0x420\n"
	    "[  347.450000] Call Trace:\n"
	    "[  347.450001]  kvm_arch_vcpu_ioctl_run+0x1a5/0x1d00\n"
	    "[  347.450002] ---[ end trace 1f2e3d4c5b6a7988 ]---\n",
	    &v);

	(void)state;
	assert_int_equal(n, 1);
	assert_string_equal(v[0]->title, "kernel BUG in kvm_mmu_load");
	assert_non_null(strstr(v[0]->text, "\ninvalid opcode: 0000 [#1]"));
	assert_string_equal(v[0]->release, "5.7.0-rc6");
	free_reports(v, n);

	/* One workqueue watchdog pass, two stuck pools: one report. */
	n = parse_str("[ 120.01] BUG: workqueue lockup - pool cpus=0 node=0 "
		      "flags=0x0 nice=0 stuck for 33s!\n"
		      "[ 120.01] BUG: workqueue lockup - pool cpus=1 node=0 "
		      "flags=0x0 nice=0 stuck for 33s!\n"
		      "[ 120.02] Showing busy workqueues and worker pools:\n",
		      &v);
	assert_int_equal(n, 1);
	assert_string_equal(v[0]->title, "BUG: workqueue lockup");
	free_reports(v, n);
}

/* A bad page is named by the code that allocated it, past the allocator. */
static void test_bad_page(void **state)
{
	struct oops_report **v;
	int n = parse_str(
	    "[ 360.58] BUG: Bad page state in process plughd  pfn:7071f\n"
	    "[ 360.58] page: refcount:0 mapcount:0 mapping:0000000000000000 "
	    "index:0x0 pfn:0x7071f\n"
	    "[ 360.63] page_owner tracks the page as allocated\n"
	    "[ 360.64] page last allocated via order 0, migratetype "
	    "Unmovable, gfp_mask 0x102820(GFP_ATOMIC), pid 8978\n"
	    "[ 360.65]  __set_page_owner+0xa2/0x70c\n"
	    "[ 360.66]  post_alloc_hook+0x1f3/0x230\n"
	    "[ 360.67]  get_page_from_freelist+0x2e4c/0x2f10\n"
	    "[ 360.67]  __alloc_pages_noprof+0x256/0x6c0\n"
	    "[ 360.68]  plugh_fill_ring+0x939/0x2110 [plugh]\n"
	    "[ 360.69]  plugh_open+0x80e/0x11b0 [plugh]\n"
	    "[ 360.73] page last free pid 8932 tgid 8930 stack trace:\n"
	    "[ 360.74]  free_unref_page+0x4a/0x90\n"
	    "[ 360.81] CPU: 0 PID: 8978 Comm: plughd Not tainted 6.9.0 #1\n"
	    "[ 360.81] Call Trace:\n"
	    "[ 360.81]  dump_stack_lvl+0x241/0x360\n"
	    "[ 360.83]  bad_page+0x18e/0x200\n"
	    "[ 360.83]  free_unref_page+0xe47/0xea0\n"
	    "[ 360.84]  skb_release_data+0x6b2/0x880\n",
	    &v);

	(void)state;
	assert_int_equal(n, 1);
	assert_string_equal(v[0]->title, "BUG: Bad page state in plugh_fill_ring");
	free_reports(v, n);
}

/* Both locks taken by the workqueue: the dependency chain names the code. */
static void test_lockdep_workqueue(void **state)
{
	struct oops_report **v;
	int n = parse_str(
	    "[ 13.86] ======================================================\n"
	    "[ 13.86] WARNING: possible circular locking dependency detected\n"
	    "[ 13.86] 6.9.0 #1 Not tainted\n"
	    "[ 13.87] ------------------------------------------------------\n"
	    "[ 13.87] kworker/u8:2/43 is trying to acquire lock:\n"
	    "[ 13.87] ffffc9000027fdf0 ((work_completion)(&p->work)){+.+.}, "
	    "at: process_one_work+0x8c0/0x17b0\n"
	    "[ 13.88] \n"
	    "[ 13.88] but task is already holding lock:\n"
	    "[ 13.88] ffff8880649b0d28 ((wq_completion)thud_wq){+.+.}, at: "
	    "process_one_work+0x88b/0x17b0\n"
	    "[ 13.89] \n"
	    "[ 13.89] which lock already depends on the new lock.\n"
	    "[ 13.90] the existing dependency chain (in reverse order) is:\n"
	    "[ 13.91] \n"
	    "[ 13.91] -> #1 ((wq_completion)thud_wq){+.+.}:\n"
	    "[ 13.92]        lock_acquire+0x1b1/0x560\n"
	    "[ 13.92]        __flush_workqueue+0x17c/0x1470\n"
	    "[ 13.92]        thud_remove_peer+0x16a/0x230 [thud]\n"
	    "[ 13.93]        thud_netdev_close+0x6e/0x90 [thud]\n"
	    "[ 13.95] -> #0 ((work_completion)(&p->work)){+.+.}:\n"
	    "[ 13.95]        lock_acquire+0x1b1/0x560\n"
	    "[ 13.95]        process_one_work+0x91b/0x17b0\n"
	    "[ 13.96]        worker_thread+0x6c8/0xf10\n"
	    "[ 13.96]        kthread+0x365/0x450\n"
	    "[ 13.98] stack backtrace:\n"
	    "[ 13.98] CPU: 1 PID: 43 Comm: kworker/u8:2 Not tainted 6.9.0 #1\n"
	    "[ 13.98] Call Trace:\n"
	    "[ 13.98]  dump_stack_lvl+0x116/0x1b0\n"
	    "[ 13.99]  check_noncircular+0x2f9/0x3e0\n"
	    "[ 13.99]  process_one_work+0x91b/0x17b0\n"
	    "[ 13.99]  worker_thread+0x6c8/0xf10\n"
	    "[ 13.99]  kthread+0x365/0x450\n",
	    &v);

	(void)state;
	assert_int_equal(n, 1);
	assert_string_equal(v[0]->title, "possible deadlock in thud_remove_peer");
	free_reports(v, n);
}

/* A WARN() header cut before its file by a line-length limit. */
static void test_warning_cut(void **state)
{
	struct oops_report **v;
	int n = parse_str(
	    "Nov 21 05:09:33 host kernel: [ 812.33] WARNING: CPU: 3 PID: 1234 "
	    "at drivers/gpu/drm/grault/grault_displ\n"
	    "Nov 21 05:09:33 host kernel: [ 812.33] ay.c:1234 "
	    "grault_commit_tail+0x2a/0x90 [grault]\n"
	    "Nov 21 05:09:33 host kernel: [ 812.33] CPU: 3 PID: 1234 Comm: "
	    "kworker/3:1 Not tainted 6.6.0 #1\n"
	    "Nov 21 05:09:33 host kernel: [ 812.33] RIP: "
	    "0010:grault_commit_tail+0x2a/0x90 [grault]\n"
	    "Nov 21 05:09:33 host kernel: [ 812.33] Call Trace:\n"
	    "Nov 21 05:09:33 host kernel: [ 812.33]  "
	    "grault_commit_work+0x12/0x20 [grault]\n",
	    &v);

	(void)state;
	assert_int_equal(n, 1);
	assert_string_equal(v[0]->title, "WARNING in grault_commit_tail");
	free_reports(v, n);
}

/* KASAN in a timer teardown: 6.x's timer_delete_sync is plumbing too. */
static void test_teardown_helpers(void **state)
{
	struct oops_report **v;
	int n = parse_str(
	    "[ 55.01] BUG: KASAN: slab-use-after-free in "
	    "__timer_delete_sync+0x2b/0x1e0\n"
	    "[ 55.01] Read of size 8 at addr ffff88801e0c4a38 by task "
	    "kworker/0:2/812\n"
	    "[ 55.01] CPU: 0 PID: 812 Comm: kworker/0:2 Not tainted 6.8.0 #1\n"
	    "[ 55.01] Call Trace:\n"
	    "[ 55.01]  <TASK>\n"
	    "[ 55.01]  dump_stack_lvl+0x116/0x1b0\n"
	    "[ 55.01]  print_report+0xc4/0x620\n"
	    "[ 55.01]  kasan_report+0xda/0x110\n"
	    "[ 55.01]  __timer_delete_sync+0x2b/0x1e0\n"
	    "[ 55.01]  timer_shutdown_sync+0x15/0x20\n"
	    "[ 55.01]  fred_disconnect+0x4e/0x120 [fred]\n"
	    "[ 55.01]  usb_unbind_interface+0x1e2/0x960\n",
	    &v);

	(void)state;
	assert_int_equal(n, 1);
	assert_string_equal(v[0]->title,
			    "KASAN: slab-use-after-free Read in fred_disconnect");
	free_reports(v, n);
}

/* A panic keeps its task and release; RHEL's " Kdump: loaded" is no comm. */
static void test_panic_release(void **state)
{
	struct oops_report **v;
	int n = parse_str("[ 1.0] sysrq: Trigger a crash\n"
			  "[ 1.0] Kernel panic - not syncing: sysrq triggered "
			  "crash\n"
			  "[ 1.0] CPU: 0 PID: 812 Comm: bash Kdump: loaded Not "
			  "tainted 5.14.0-362.el9.x86_64 #1\n",
			  &v);

	(void)state;
	assert_int_equal(n, 1);
	assert_string_equal(v[0]->comm, "bash");
	assert_string_equal(v[0]->release, "5.14.0-362.el9.x86_64");
	assert_int_equal(v[0]->pid, 812);
	free_reports(v, n);
}

/* 32-bit ARM "(callee) from (caller+..)": the callee, not the caller. */
static void test_arm_callee(void **state)
{
	struct oops_report **v;
	int n = parse_str(
	    "[ 794.14] Unable to handle kernel NULL pointer dereference at "
	    "virtual address 00000000\n"
	    "[ 794.14] Internal error: Oops: 80000207 [#1] PREEMPT SMP ARM\n"
	    "[ 794.14] PC is at 0x0\n"
	    "[ 794.14] LR is at xyzzy_recv+0xc0/0x15c\n"
	    "[ 794.17] Backtrace: \n"
	    "[ 794.17] [<808ea9f4>] (xyzzy_recv) from [<808dcfac>] "
	    "(tty_ioctl+0x7b4/0xa6c)\n"
	    "[ 794.17] [<808dc7f8>] (tty_ioctl) from [<804b9814>] "
	    "(sys_ioctl+0x110/0xa74)\n",
	    &v);

	(void)state;
	assert_int_equal(n, 1);
	assert_string_equal(
	    v[0]->title,
	    "BUG: unable to handle kernel NULL pointer dereference in xyzzy_recv");
	free_reports(v, n);
}

/* refcount's own helpers (include/linux/refcount.h) are not the bug. */
static void test_refcount_helpers(void **state)
{
	struct oops_report **v;
	int n = parse_str(
	    "[  77.01] refcount_t: underflow; use-after-free.\n"
	    "[  77.01] WARNING: CPU: 1 PID: 533 at lib/refcount.c:28 "
	    "refcount_warn_saturate+0xba/0x110\n"
	    "[  77.01] CPU: 1 PID: 533 Comm: plughd Not tainted 6.6.0 #1\n"
	    "[  77.01] RIP: 0010:refcount_warn_saturate+0xba/0x110\n"
	    "[  77.01] Call Trace:\n"
	    "[  77.01]  <TASK>\n"
	    "[  77.01]  __refcount_sub_and_test+0x5a/0x70\n"
	    "[  77.01]  plugh_put+0x1e/0x40 [plugh]\n"
	    "[  77.01]  plugh_release+0x22/0x50 [plugh]\n"
	    "[  77.01]  </TASK>\n"
	    "[  77.01] ---[ end trace 0000000000000000 ]---\n",
	    &v);

	(void)state;
	assert_int_equal(n, 1);
	assert_string_equal(v[0]->title, "WARNING: refcount bug in plugh_put");
	free_reports(v, n);
}

/*
 * A leak's title names the first caller that is not an allocator
 * (kasprintf and friends are in the global skip list already: this is a
 * regression test, not a new rule).
 */
static void test_leak_allocators(void **state)
{
	struct oops_report **v;
	int n = parse_str(
	    "[  42.10] kmemleak: 1 new suspected memory leaks\n"
	    "[  42.11] BUG: memory leak\n"
	    "[  42.11] unreferenced object 0xffff888107a3c0c0 (size 32):\n"
	    "[  42.11]   comm \"modprobe\", pid 311, jiffies 4294893296\n"
	    "[  42.11]   backtrace (crc 5c3a8c4e):\n"
	    "[  42.11]     [<ffffffff8135a1b6>] __kmalloc_node_track_caller"
	    "+0x4e/0x140\n"
	    "[  42.11]     [<ffffffff81a3c2e0>] kvasprintf+0x6c/0xd0\n"
	    "[  42.11]     [<ffffffff81a3c3b2>] kasprintf+0x4e/0x70\n"
	    "[  42.11]     [<ffffffffc0a1b03a>] thud_register+0x3a/0x90 "
	    "[thud]\n"
	    "[  42.11]     [<ffffffff81002a1e>] do_one_initcall+0x4e/0x210\n",
	    &v);

	(void)state;
	assert_int_equal(n, 1);
	assert_string_equal(v[0]->title, "memory leak in thud_register");
	free_reports(v, n);
}

/* Frames keep the "?" marker, [inline] and module names. */
static void test_frame_details(void **state)
{
	struct oops_report **v;
	size_t len;
	char *buf = load("x86_64-warning.log", &len);
	int n = oops_parse_buffer(buf, len, NULL, &v);
	const struct oops_frame *f;

	assert_int_equal(n, 1);
	assert_int_equal(v[0]->nframes, 12);
	f = &v[0]->frames[0];
	assert_false(f->reliable);
	f = &v[0]->frames[6];
	assert_string_equal(f->function, "foo_tx_complete");
	assert_true(f->reliable);
	assert_string_equal(f->module, "foo");
	assert_int_equal(f->offset, 0x1c2);
	assert_int_equal(f->size, 0x210);
	assert_string_equal(v[0]->pc,
			    "RIP: 0010:foo_tx_complete+0x1c2/0x210 [foo]");
	assert_string_equal(v[0]->build, "#1 Debian 6.1.76-1");
	assert_string_equal(
	    v[0]->hardware,
	    "LENOVO 20XW0026GE/20XW0026GE, BIOS N32ET86W (1.62 ) 02/07/2024");
	/* The prefixes are gone from the text. */
	assert_true(strncmp(v[0]->text, "WARNING: CPU: 2 PID: 4312 at", 28) ==
		    0);
	free_reports(v, n);
	free(buf);

	buf = load("x86_64-kasan-caller.log", &len);
	n = oops_parse_buffer(buf, len, NULL, &v);
	assert_int_equal(n, 2);
	assert_true(v[0]->frames[0].inlined);
	/* The other task's lines were not merged into the report. */
	assert_null(strstr(v[0]->text, "usb 1-1"));
	assert_null(strstr(v[0]->text, "scheduling while atomic"));
	assert_non_null(strstr(v[0]->text, "Freed by task 5010"));
	free_reports(v, n);
	free(buf);

	buf = load("powerpc-oops.log", &len);
	n = oops_parse_buffer(buf, len, NULL, &v);
	assert_int_equal(n, 1);
	assert_false(v[0]->frames[0].reliable); /* "(unreliable)" */
	assert_string_equal(
	    v[0]->pc, "NIP [c000000000a1b2c4] grault_get_stats+0x24/0x80");
	free_reports(v, n);
	free(buf);
}

/* A consequence panic and the reprinted registers stay with their cause. */
static void test_consequences(void **state)
{
	struct oops_report **v;
	size_t len;
	char *buf = load("x86_64-null-deref-panic.log", &len);
	int n = oops_parse_buffer(buf, len, NULL, &v);

	assert_int_equal(n, 1);
	assert_true(v[0]->panicked);
	assert_non_null(
	    strstr(v[0]->text, "Kernel panic - not syncing: Fatal exception"));
	assert_non_null(strstr(v[0]->text, "---[ end Kernel panic"));
	free_reports(v, n);
	free(buf);

	/* The panic printed from another context still belongs to it. */
	{
		static const char log[] =
		    "[ 1.0][ T12] BUG: kernel NULL pointer dereference, address: 0000000000000008\n"
		    "[ 1.0][ T12] RIP: 0010:f+0x1/0x2\n"
		    "[ 1.0][ T12] Call Trace:\n"
		    "[ 1.0][ T12]  g+0x1/0x2\n"
		    "[ 1.0][ T12] ---[ end trace 0 ]---\n"
		    "[ 1.1][  C0] Kernel panic - not syncing: Fatal exception in interrupt\n";

		n = oops_parse_buffer(log, sizeof(log) - 1, NULL, &v);
		assert_int_equal(n, 1);
		assert_true(v[0]->panicked);
		assert_int_equal(v[0]->end_line, 6);
		free_reports(v, n);
	}
	/* A deliberate panic with no report before it is its own report. */
	buf = load("sysrq-panic.log", &len);
	n = oops_parse_buffer(buf, len, NULL, &v);
	assert_int_equal(n, 1);
	assert_int_equal(v[0]->kind, OOPS_KIND_PANIC);
	free_reports(v, n);
	free(buf);
}

static void test_prefixes(void **state)
{
	static const struct {
		const char *in, *text;
		int64_t us;
		enum oops_ctx_type ctx;
		const char *id;
	} cases[] = {
	    {"[   12.345678] BUG: x", "BUG: x", 12345678, OOPS_CTX_CONSOLE, ""},
	    {"[  101.5] hi", "hi", 101500000, OOPS_CTX_CONSOLE, ""},
	    {"[   88.130002][ T5011] BUG: y", "BUG: y", 88130002,
	     OOPS_CTX_CALLER, "T5011"},
	    {"[ 1.000000][    C1] z", "z", 1000000, OOPS_CTX_CALLER, "C1"},
	    {"<4>[   45.102150] PC is at f", "PC is at f", 45102150,
	     OOPS_CTX_CONSOLE, ""},
	    {"<0>plain", "plain", -1, OOPS_CTX_NONE, ""},
	    {"4,90117,5230000005,-;RIP: 0010:f", "RIP: 0010:f", 5230000005,
	     OOPS_CTX_CONSOLE, ""},
	    {"6,12,34,-,caller=T77;usb", "usb", 34, OOPS_CTX_CALLER, "T77"},
	    {"Nov 21 04:59:12 web-17 kernel: [186382.226401] INFO: t",
	     "INFO: t", 186382226401, OOPS_CTX_CONSOLE, ""},
	    {"Nov  1 04:59:12 host kernel: no stamp", "no stamp", -1,
	     OOPS_CTX_NONE, ""},
	    {"2026-11-21T05:09:33.123456+00:00 h kernel: [ 5.000001] x", "x",
	     5000001, OOPS_CTX_CONSOLE, ""},
	    {"** 3 printk messages dropped ** [   9.000000] y", "y", 9000000,
	     OOPS_CTX_CONSOLE, ""},
	    {"syzkaller login: [  709.6] INFO: z", "INFO: z", 709600000,
	     OOPS_CTX_CONSOLE, ""},
	    {"Nov 21 04:59:12 web-17 CRON[1]: not the kernel",
	     "Nov 21 04:59:12 web-17 CRON[1]: not the kernel", -1,
	     OOPS_CTX_NONE, ""},
	    {"[ broken] x", "[ broken] x", -1, OOPS_CTX_NONE, ""},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct oops_line l;

		oops_line_parse(cases[i].in, strlen(cases[i].in), &l);
		print_message("prefix case %zu\n", i);
		assert_int_equal(l.len, strlen(cases[i].text));
		assert_memory_equal(l.text, cases[i].text, l.len);
		assert_int_equal(l.time_us, cases[i].us);
		assert_int_equal(l.ctx_type, cases[i].ctx);
		assert_string_equal(l.ctx_id, cases[i].id);
	}
}

static void assert_same_reports(struct oops_report **a, int na,
				struct oops_report **b, int nb)
{
	assert_int_equal(na, nb);
	for (int i = 0; i < na; i++) {
		assert_string_equal(a[i]->title, b[i]->title);
		assert_int_equal(a[i]->kind, b[i]->kind);
		assert_int_equal(a[i]->start_line, b[i]->start_line);
		assert_int_equal(a[i]->end_line, b[i]->end_line);
		assert_int_equal(a[i]->text_len, b[i]->text_len);
		assert_memory_equal(a[i]->text, b[i]->text, a[i]->text_len);
		assert_int_equal(a[i]->nframes, b[i]->nframes);
		assert_int_equal(a[i]->panicked, b[i]->panicked);
	}
}

static int drain(struct oops_parser *p, struct oops_report ***v, int n)
{
	struct oops_report *r;

	while ((r = oops_parser_next(p)) != NULL) {
		*v = realloc(*v, (size_t)(n + 1) * sizeof(**v));
		assert_non_null(*v);
		(*v)[n++] = r;
	}
	return n;
}

/* Finish p, and its reports (v, n so far) must be whole's; frees v and p. */
static void finish_same(struct oops_parser *p, struct oops_report **whole,
			int nw, struct oops_report **v, int n)
{
	oops_parser_finish(p, 0);
	n = drain(p, &v, n);
	assert_same_reports(whole, nw, v, n);
	free_reports(v, n);
	oops_parser_free(p);
}

/* Feeding any chunking (or line by line) gives the whole-buffer result. */
static void test_streaming(void **state)
{
	uint32_t seed = 12345;

	for (int f = 0; fixture_files[f]; f++) {
		size_t len;
		char *buf = load(fixture_files[f], &len);
		struct oops_report **whole, **v;
		int nw = oops_parse_buffer(buf, len, NULL, &whole);

		for (int round = 0; round < 8; round++) {
			struct oops_parser *p = oops_parser_new(NULL);
			size_t off = 0;
			int n = 0;

			v = NULL;
			while (off < len) {
				size_t k;

				seed = seed * 1103515245u + 12345u;
				k = round == 0 ? 1 : 1 + (seed >> 16) % 97;
				if (k > len - off)
					k = len - off;
				assert_int_equal(
				    oops_parser_feed(p, buf + off, k, 0), 0);
				off += k;
				n = drain(p, &v, n);
			}
			finish_same(p, whole, nw, v, n);
		}
		/* One line at a time through oops_parser_feed_line(). */
		{
			struct oops_parser *p = oops_parser_new(NULL);
			const char *s = buf, *end = buf + len;
			int n = 0;

			v = NULL;
			while (s < end) {
				const char *nl =
				    memchr(s, '\n', (size_t)(end - s));
				size_t k = (size_t)((nl ? nl : end) - s);

				assert_int_equal(
				    oops_parser_feed_line(p, s, k, 0), 0);
				s += k + 1;
				n = drain(p, &v, n);
			}
			finish_same(p, whole, nw, v, n);
		}
		free_reports(whole, nw);
		free(buf);
	}
}

/* The LF text buf and its CRLF copy give the same reports, fed as a buffer
 * or as lines; returns the number of reports. */
static int check_crlf(const char *buf, size_t len)
{
	char *crlf = malloc(2 * len + 1);
	struct oops_report **whole, **v = NULL;
	struct oops_parser *p = oops_parser_new(NULL);
	const char *s, *end;
	size_t k = 0;
	int nw, nc, n = 0;

	assert_non_null(crlf);
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n')
			crlf[k++] = '\r';
		crlf[k++] = buf[i];
	}
	nw = oops_parse_buffer(buf, len, NULL, &whole);
	nc = oops_parse_buffer(crlf, k, NULL, &v);
	assert_same_reports(whole, nw, v, nc);
	free_reports(v, nc);
	v = NULL;
	for (s = crlf, end = crlf + k; s < end;) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t m = (size_t)((nl ? nl + 1 : end) - s);

		assert_int_equal(oops_parser_feed_line(p, s, m, 0), 0);
		s += m;
		n = drain(p, &v, n);
	}
	finish_same(p, whole, nw, v, n);
	free_reports(whole, nw);
	free(crlf);
	return nw;
}

/*
 * A CRLF log (a serial console captured on another system) gives the
 * reports of the LF log, texts without '\r', fed as a buffer or as lines
 * (found by fuzz_parser: a line ending in "INFO:\r" was a header when fed
 * as a line and none when fed as bytes).
 */
static void test_crlf(void **state)
{
	static const char cut[] = "[    1.000000] INFO:\n"
				  "[    1.000001] Call Trace:\n"
				  "[    1.000002]  foo_work+0x1/0x2\n";

	for (int f = 0; fixture_files[f]; f++) {
		size_t len;
		char *buf = load(fixture_files[f], &len);

		check_crlf(buf, len);
		free(buf);
	}
	assert_int_equal(check_crlf(cut, strlen(cut)), 1);
}

/*
 * A line longer than max_line_bytes whose kept part ends in '\r' is the
 * same line fed whole or byte by byte (the byte feed keeps only the part
 * that fits; found by fuzz_parser with its tiny limits).
 */
static void test_long_line_cut_at_cr(void **state)
{
	/* 15 + 43 + 5 + 1: the 64th byte is the '\r' after "INFO:". */
	static const char log[] = "[    1.000000] a line cut by the limit at "
				  "64 bytes, whose INFO:\r and the rest\n"
				  "[    1.000001] Call Trace:\n"
				  "[    1.000002]  foo_work+0x1/0x2\n";
	struct oops_parser_config cfg = OOPS_PARSER_CONFIG_INIT;
	struct oops_report **whole, **v = NULL;
	struct oops_parser *p;
	int nw, n = 0;

	cfg.max_line_bytes = 64; /* the cut falls just after "INFO:\r" */
	nw = oops_parse_buffer(log, strlen(log), &cfg, &whole);
	p = oops_parser_new(&cfg);
	assert_non_null(p);
	for (size_t i = 0; log[i]; i++) {
		assert_int_equal(oops_parser_feed(p, log + i, 1, 0), 0);
		n = drain(p, &v, n);
	}
	finish_same(p, whole, nw, v, n);
	free_reports(whole, nw);
}

static void test_truncation(void **state)
{
	struct oops_parser_config cfg = OOPS_PARSER_CONFIG_INIT;
	struct oops_report **v;
	size_t len;
	char *buf = load("x86_64-null-deref-panic.log", &len);
	int n;

	cfg.max_report_bytes = 600;
	n = oops_parse_buffer(buf, len, &cfg, &v);
	assert_int_equal(n, 1);
	assert_true(v[0]->truncated);
	assert_true(v[0]->text_len <= 600);
	/* The report still spans its whole input and keeps its title. */
	assert_int_equal(v[0]->end_line, 45);
	assert_string_equal(
	    v[0]->title,
	    "BUG: unable to handle kernel NULL pointer dereference in baz_probe");
	free_reports(v, n);

	cfg = (struct oops_parser_config)OOPS_PARSER_CONFIG_INIT;
	cfg.max_frames = 3;
	n = oops_parse_buffer(buf, len, &cfg, &v);
	assert_int_equal(n, 1);
	assert_int_equal(v[0]->nframes, 3);
	assert_true(v[0]->truncated);
	free_reports(v, n);

	/* Lines longer than max_line_bytes are cut, not fatal. */
	cfg = (struct oops_parser_config)OOPS_PARSER_CONFIG_INIT;
	cfg.max_line_bytes = 100;
	{
		size_t big = 100000;
		char *line = malloc(big + 64);

		memset(line, 'A', big);
		memcpy(
		    line,
		    "[ 1.000000] BUG: unable to handle page fault for address",
		    57);
		memcpy(line + big, "\n[ 1.000001] RIP: 0010:f+0x1/0x2\n", 33);
		n = oops_parse_buffer(line, big + 33, &cfg, &v);
		assert_int_equal(n, 1);
		assert_true(v[0]->text_len < 300);
		assert_string_equal(
		    v[0]->title,
		    "BUG: unable to handle kernel paging request in f");
		free_reports(v, n);
		free(line);
	}
	free(buf);
}

/* A stream that stops inside a report: the deadline completes it. */
static void test_idle_deadline(void **state)
{
	struct oops_parser_config cfg = OOPS_PARSER_CONFIG_INIT;
	struct oops_parser *p;
	struct oops_report *r;
	size_t len;
	char *buf = load("x86_64-warning.log", &len);
	const char *cut = strstr(buf, "[  101.523560]");

	cfg.idle_ms = 5000;
	p = oops_parser_new(&cfg);
	assert_int_equal(oops_parser_deadline(p), UINT64_MAX);
	assert_int_equal(oops_parser_feed(p, buf, (size_t)(cut - buf), 1000),
			 0);
	assert_null(oops_parser_next(p));
	assert_int_equal(oops_parser_deadline(p), 6000);
	oops_parser_tick(p, 5999);
	assert_null(oops_parser_next(p));
	oops_parser_tick(p, 6000);
	r = oops_parser_next(p);
	assert_non_null(r);
	assert_string_equal(r->title, "WARNING in foo_tx_complete");
	assert_int_equal(oops_parser_deadline(p), UINT64_MAX);
	oops_report_free(r);
	assert_null(oops_parser_next(p));
	oops_parser_free(p);
	free(buf);
}

/* An idle parser is small, and gives back what a report took. */
static void test_footprint(void **state)
{
	struct oops_parser *p = oops_parser_new(NULL);
	struct oops_report *r;
	size_t idle = oops_parser_footprint(p), len;
	char *buf = load("x86_64-warning.log", &len);

	print_message("idle parser: %zu bytes\n", idle);
	assert_true(idle < 1024);
	/* Noise and a partial line of noise: still idle. */
	assert_int_equal(
	    oops_parser_feed(p, "[ 1.0] eth0: up\n[ 1.1] eth", 26, 0), 0);
	assert_true(oops_parser_footprint(p) <= idle + 4096);
	assert_int_equal(oops_parser_feed(p, "1: down\n", 8, 0), 0);
	assert_int_equal(oops_parser_footprint(p), idle);
	/* Inside a report it grows, and shrinks back once it is popped. */
	assert_int_equal(oops_parser_feed(p, buf, len / 2, 0), 0);
	assert_true(oops_parser_footprint(p) > idle);
	assert_int_equal(oops_parser_feed(p, buf + len / 2, len - len / 2, 0),
			 0);
	oops_parser_finish(p, 0);
	r = oops_parser_next(p);
	assert_non_null(r);
	oops_report_free(r);
	assert_int_equal(oops_parser_footprint(p), idle);
	oops_parser_free(p);
	free(buf);
}

/* A report without an end marker ends with its stack sections. */
static void test_stack_end(void **state)
{
	char log[8192];
	size_t n = 0;
	struct oops_report **v;
	int k;

	n += (size_t)snprintf(
	    log + n, sizeof(log) - n,
	    "[ 1.0] INFO: task a:1 blocked for more than 1 seconds.\n"
	    "[ 1.0] Call Trace:\n"
	    "[ 1.0]  __schedule+0x1/0x2\n"
	    "[ 1.0]  foo+0x1/0x2\n");
	for (int i = 0; i < 80; i++)
		n += (size_t)snprintf(log + n, sizeof(log) - n,
				      "[ 2.%d] systemd[1]: noise %d\n", i, i);
	k = oops_parse_buffer(log, n, NULL, &v);
	assert_int_equal(k, 1);
	assert_string_equal(v[0]->title, "INFO: task hung in foo");
	assert_int_equal(v[0]->end_line, 4);
	assert_null(strstr(v[0]->text, "noise"));
	free_reports(v, k);
}

/* A header that the console replays is not reported twice. */
static void test_replay(void **state)
{
	static const char log[] =
	    "[  584.3][   T31] INFO: t\n"
	    "** replaying previous printk message **\n"
	    "[  584.3][   T31] INFO: task udevd:5612 blocked for more than 143 seconds.\n"
	    "[  584.3][   T31] Call Trace:\n"
	    "[  584.3][   T31]  __schedule+0x1b74/0x2d24\n"
	    "[  584.3][   T31]  read_part_sector+0xcc/0x6e8\n";
	struct oops_report **v;
	int n = oops_parse_buffer(log, sizeof(log) - 1, NULL, &v);

	assert_int_equal(n, 1);
	assert_string_equal(v[0]->title, "INFO: task hung in read_part_sector");
	assert_int_equal(v[0]->start_line, 3);
	free_reports(v, n);
}

static void test_json(void **state)
{
	struct oops_report **v;
	struct json j;
	size_t len;
	char *buf = load("arm64-paging.log", &len);
	int n = oops_parse_buffer(buf, len, NULL, &v);
	const char *keys[] = {
	    "\"title\":",
	    "\"kind\":\"PAGING\"",
	    "\"corrupted\":false",
	    "\"guilty\":\"qux_read_fifo\"",
	    "\"frames\":[{\"function\":",
	    "\"module\":\"qux_drv\"",
	    "\"reliable\":true",
	    "\"inlined\":false",
	    "\"cpu\":1",
	    "\"pid\":217",
	    "\"comm\":\"irq/45-qux\"",
	    "\"tainted\":null",
	    "\"release\":\"6.6.20-v8+\"",
	    "\"build\":\"#1\"",
	    "\"hardware\":",
	    "\"arch\":\"arm64\"",
	    "\"pc\":\"pc : ",
	    "\"start_line\":1",
	    "\"end_line\":22",
	    "\"time_us\":2301118842",
	    "\"truncated\":false",
	    "\"panicked\":false",
	    NULL,
	};

	assert_int_equal(n, 1);
	json_init(&j);
	json_obj_begin(&j);
	oops_report_to_json(v[0], &j);
	json_obj_end(&j);
	for (int i = 0; keys[i]; i++)
		assert_non_null(strstr(j.buf, keys[i]));
	json_free(&j);
	free_reports(v, n);
	free(buf);
}

/* Titles are normalised: addresses, numbers, line numbers, offsets. */
static void test_normalize(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"kernel panic: failed at 0xffff8880deadbeef",
	     "kernel panic: failed at ADDR"},
	    {"BUG: foo in syz-executor.3 pid 1234",
	     "BUG: foo in syz-executor pid NUM"},
	    {"WARNING: bar at fs/x.c:123:4 on CPU#2",
	     "WARNING: bar at fs/x.c:LINE on CPU"},
	    {"x f+0x1a/0x30 y", "x f y"},
	    {"addr 10.0.0.1 loop0", "addr IP loop0"},
	    {"2 things  \tspaced ", "2 things spaced"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char t[320];

		snprintf(t, sizeof(t), "%s", cases[i].in);
		oops_title_normalize(t, sizeof(t));
		print_message("normalize %zu: %s\n", i, t);
		assert_string_equal(t, cases[i].out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kind_names),
	    cmocka_unit_test(test_fixtures),
	    cmocka_unit_test(test_no_crash),
	    cmocka_unit_test(test_frame_details),
	    cmocka_unit_test(test_not_kernel),
	    cmocka_unit_test(test_slub),
	    cmocka_unit_test(test_alt_titles),
	    cmocka_unit_test(test_lava),
	    cmocka_unit_test(test_leak_allocators),
	    cmocka_unit_test(test_refcount_helpers),
	    cmocka_unit_test(test_bad_page),
	    cmocka_unit_test(test_lockdep_workqueue),
	    cmocka_unit_test(test_arm_callee),
	    cmocka_unit_test(test_warning_cut),
	    cmocka_unit_test(test_panic_release),
	    cmocka_unit_test(test_teardown_helpers),
	    cmocka_unit_test(test_shared_console),
	    cmocka_unit_test(test_consequences),
	    cmocka_unit_test(test_prefixes),
	    cmocka_unit_test(test_streaming),
	    cmocka_unit_test(test_crlf),
	    cmocka_unit_test(test_long_line_cut_at_cr),
	    cmocka_unit_test(test_truncation),
	    cmocka_unit_test(test_idle_deadline),
	    cmocka_unit_test(test_footprint),
	    cmocka_unit_test(test_stack_end),
	    cmocka_unit_test(test_replay),
	    cmocka_unit_test(test_json),
	    cmocka_unit_test(test_normalize),
	};

	return cmocka_run_group_tests_name("oops", tests, NULL, NULL);
}
