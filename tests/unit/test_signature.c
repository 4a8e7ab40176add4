// SPDX-License-Identifier: MIT
/*
 * Tests for lib/signature.c: the hash, title normalisation, and stability
 * of both signatures for one bug seen on different kernels, builds, load
 * addresses, CPUs, PIDs and times (and their difference between bugs).
 *
 * The frames below are what the parser gives for the reports in
 * tests/data/records/ (see the README there): the same ext4 BUG on a
 * syzkaller 6.3 build (symbolized, inline frames, KASAN plumbing absent)
 * and on a Debian 6.1 build (unsymbolized, "? " frames, .isra suffixes,
 * other offsets), and the same module WARNING on x86_64 and arm64.
 */
#include "testutil.h"

#include <errno.h>

#include "parse/signature.h"

#define F(fn, off, sz, mod) { (char *)(fn), (char *)(mod), off, sz, true, false }
#define Q(fn, off, sz) { (char *)(fn), NULL, off, sz, false, false }
#define I(fn) { (char *)(fn), NULL, 0, 0, true, true }

/* ext4 BUG, syzkaller 6.3.0-rc4, symbolized. */
static const struct oops_frame ext4_a[] = {
	F("ext4_mb_load_buddy_gfp", 0xc3, 0x820, NULL),
	F("ext4_discard_preallocations", 0x84d, 0x10e0, NULL),
	F("ext4_truncate", 0x98b, 0x1150, NULL),
	I("ext4_truncate_failed_write"),
	F("ext4_write_begin", 0xaa6, 0xee0, NULL),
	F("ext4_da_write_begin", 0x42c, 0x960, NULL),
	F("generic_perform_write", 0x300, 0x5e0, NULL),
	F("ext4_buffered_write_iter", 0x122, 0x3a0, NULL),
	I("call_write_iter"),
	F("vfs_write", 0x7b2, 0xbb0, NULL),
	F("do_syscall_64", 0x41, 0xc0, NULL),
	F("entry_SYSCALL_64_after_hwframe", 0x63, 0xcd, NULL),
};

/* The same bug on Debian 6.1: other offsets, a "? " frame, suffixes. */
static const struct oops_frame ext4_b[] = {
	Q("__slab_free", 0x1a2, 0x300),
	F("ext4_mb_load_buddy_gfp.isra.0", 0x1b, 0x3b0, NULL),
	F("ext4_discard_preallocations", 0x2f1, 0x4c0, NULL),
	Q("kmem_cache_alloc", 0x11, 0x200),
	F("ext4_truncate.cold", 0x12, 0x40, NULL),
	F("ext4_write_begin", 0x3a0, 0x600, NULL),
	F("ext4_da_write_begin", 0x100, 0x310, NULL),
	F("generic_perform_write", 0xd4, 0x200, NULL),
};

/* Another BUG in ext4 reached through another path. */
static const struct oops_frame ext4_other[] = {
	F("ext4_mb_load_buddy_gfp", 0xc3, 0x820, NULL),
	F("ext4_mb_release_context", 0x11, 0x90, NULL),
	F("ext4_mb_new_blocks", 0x3a0, 0x1200, NULL),
	F("ext4_ext_map_blocks", 0x1a0, 0x2000, NULL),
};

/* A WARNING in a module: x86_64 (trace starts below the warning site). */
static const struct oops_frame warn_x86[] = {
	F("dump_stack_lvl", 0x48, 0x70, NULL),
	F("__warn", 0x81, 0x130, NULL),
	F("report_bug", 0x102, 0x200, NULL),
	F("handle_bug", 0x3c, 0x70, NULL),
	F("exc_invalid_op", 0x17, 0x40, NULL),
	F("asm_exc_invalid_op", 0x1a, 0x20, NULL),
	F("mlx5_cmd_exec", 0x2e, 0x60, "mlx5_core"),
	F("mlx5_core_destroy_cq", 0x55, 0x90, "mlx5_core"),
	F("mlx5e_close_cq", 0x12, 0x40, "mlx5_core"),
};

/* The same WARNING on arm64: the trace repeats the pc function first. */
static const struct oops_frame warn_arm64[] = {
	F("cmd_exec.constprop.0", 0x1c0, 0x300, "mlx5_core"),
	F("mlx5_cmd_exec", 0x30, 0x60, "mlx5_core"),
	F("mlx5_core_destroy_cq", 0x48, 0x90, "mlx5_core"),
	F("mlx5e_close_cq", 0x20, 0x40, "mlx5_core"),
};

static void test_fnv1a64_vectors(void **state)
{
	/* Published FNV-1a 64 test vectors. */
	assert_true(fnv1a64(FNV1A64_INIT, "", 0) ==
		    UINT64_C(0xcbf29ce484222325));
	assert_true(fnv1a64(FNV1A64_INIT, "a", 1) ==
		    UINT64_C(0xaf63dc4c8601ec8c));
	assert_true(fnv1a64(FNV1A64_INIT, "foobar", 6) ==
		    UINT64_C(0x85944171f73967e8));
	/* Incremental equals one shot. */
	assert_true(fnv1a64(fnv1a64(FNV1A64_INIT, "foo", 3), "bar",
				3) == fnv1a64(FNV1A64_INIT, "foobar", 6));
}

static void check_norm(const char *in, const char *want)
{
	char out[256];

	sig_normalize_title(in, out, sizeof(out));
	assert_string_equal(out, want);
	assert_true(strlen(out) <= strlen(in));
}

static void test_normalize_title(void **state)
{
	check_norm("  WARNING in   kvm_wait  ", "WARNING in kvm_wait");
	check_norm("WARNING in foo.isra.0", "WARNING in foo");
	check_norm("KASAN: use-after-free Read in bar.constprop.12",
		   "KASAN: use-after-free Read in bar");
	check_norm("BUG: unable to handle kernel paging request at ffff888012345678",
		   "BUG: unable to handle kernel paging request at X");
	check_norm("UBSAN: shift-out-of-bounds in fs/xfs/xfs_bmap.c:1234",
		   "UBSAN: shift-out-of-bounds in fs/xfs/xfs_bmap.c:N");
	check_norm("general protection fault at 0x1f in baz.cold",
		   "general protection fault at X in baz");
	/* Words that look like numbers but are identifiers stay. */
	check_norm("WARNING in ext4_fill_super", "WARNING in ext4_fill_super");
	check_norm("possible deadlock in deadbeef_probe",
		   "possible deadlock in deadbeef_probe");
	check_norm("", "");

	char small[8];

	assert_int_equal(sig_normalize_title("WARNING in kvm_wait", small,
					     sizeof(small)),
			 7);
	assert_string_equal(small, "WARNING");
}

static void test_title_signature(void **state)
{
	assert_true(sig_title("WARNING in foo.isra.0") ==
		    sig_title("WARNING  in foo"));
	assert_true(sig_title("UBSAN: x in a.c:12") ==
		    sig_title("UBSAN: x in a.c:345"));
	assert_true(sig_title("WARNING in foo") != sig_title("WARNING in bar"));
	assert_true(sig_title(NULL) == sig_title(""));
	assert_true(sig_title("") == FNV1A64_INIT);
}

static void test_pc_function(void **state)
{
	const char *fn;
	size_t n;

	n = sig_pc_function("RIP: 0010:ext4_get_group_info+0x399/0x3a0 fs/ext4/ext4.h:3332",
			    &fn);
	assert_int_equal(n, strlen("ext4_get_group_info"));
	assert_memory_equal(fn, "ext4_get_group_info", n);
	n = sig_pc_function("pc : cmd_exec.constprop.0+0x1c0/0x300 [mlx5_core]",
			    &fn);
	assert_int_equal(n, strlen("cmd_exec"));
	assert_int_equal(sig_pc_function("RIP: 0033:0x7f66935a0429", &fn), 0);
	assert_null(fn);
	assert_int_equal(sig_pc_function(NULL, &fn), 0);
}

static void test_same_bug_same_signature(void **state)
{
	uint64_t a, b;

	a = sig_stack(OOPS_KIND_BUG,
		      "RIP: 0010:ext4_get_group_info+0x399/0x3a0 fs/ext4/ext4.h:3332",
		      ext4_a, ARRAY_SIZE(ext4_a), "kernel BUG in ext4_get_group_info");
	b = sig_stack(OOPS_KIND_BUG, "RIP: 0010:ext4_get_group_info.part.0+0x19/0x20",
		      ext4_b, ARRAY_SIZE(ext4_b), "kernel BUG in ext4_get_group_info");
	assert_true(a == b);

	a = sig_stack(OOPS_KIND_WARNING,
		      "RIP: 0010:cmd_exec+0x1c8/0x2f0 [mlx5_core]", warn_x86,
		      ARRAY_SIZE(warn_x86), "WARNING in cmd_exec");
	b = sig_stack(OOPS_KIND_WARNING,
		      "pc : cmd_exec.constprop.0+0x1c0/0x300 [mlx5_core]",
		      warn_arm64, ARRAY_SIZE(warn_arm64), "WARNING in cmd_exec");
	assert_true(a == b);
}

static void test_different_bugs_differ(void **state)
{
	const char *pc = "RIP: 0010:ext4_get_group_info+0x399/0x3a0";
	uint64_t base = sig_stack(OOPS_KIND_BUG, pc, ext4_a,
				  ARRAY_SIZE(ext4_a), NULL);

	/* Another path to the same function. */
	assert_true(base != sig_stack(OOPS_KIND_BUG, pc, ext4_other,
				      ARRAY_SIZE(ext4_other), NULL));
	/* Same frames, another kind. */
	assert_true(base != sig_stack(OOPS_KIND_WARNING, pc, ext4_a,
				      ARRAY_SIZE(ext4_a), NULL));
	/* Same frames, another crashing function. */
	assert_true(base != sig_stack(OOPS_KIND_BUG,
				      "RIP: 0010:ext4_mb_good_group+0x1/0x2",
				      ext4_a, ARRAY_SIZE(ext4_a), NULL));
	/* The module name counts. */
	struct oops_frame m1[] = { F("probe", 1, 2, "e1000e") };
	struct oops_frame m2[] = { F("probe", 1, 2, "igb") };

	assert_true(sig_stack(OOPS_KIND_BUG, NULL, m1, 1, NULL) !=
		    sig_stack(OOPS_KIND_BUG, NULL, m2, 1, NULL));
}

static void test_what_is_ignored(void **state)
{
	struct oops_frame plain[] = { F("a", 1, 2, NULL), F("b", 3, 4, NULL) };
	struct oops_frame noisy[] = {
		F("dump_stack_lvl", 1, 1, NULL), Q("c", 5, 6), I("d"),
		F("__asan_load8", 1, 1, NULL), F("a.isra.0", 9, 9, NULL),
		F("kasan_report", 1, 1, NULL), F("b.cold.1", 7, 7, NULL),
	};
	struct oops_frame deep[] = {
		F("a", 1, 1, NULL), F("b", 1, 1, NULL), F("c", 1, 1, NULL),
		F("d", 1, 1, NULL), F("e", 1, 1, NULL), F("f", 1, 1, NULL),
	};
	struct oops_frame deep2[] = {
		F("a", 1, 1, NULL), F("b", 1, 1, NULL), F("c", 1, 1, NULL),
		F("d", 1, 1, NULL), F("e", 1, 1, NULL), F("g", 1, 1, NULL),
	};

	assert_true(sig_stack(OOPS_KIND_KASAN, NULL, plain, 2, NULL) ==
		    sig_stack(OOPS_KIND_KASAN, NULL, noisy, ARRAY_SIZE(noisy),
			      NULL));
	/* Only the top SIG_STACK_FRAMES count. */
	assert_true(sig_stack(OOPS_KIND_BUG, NULL, deep, 6, NULL) ==
		    sig_stack(OOPS_KIND_BUG, NULL, deep2, 6, NULL));
	assert_true(sig_stack(OOPS_KIND_BUG, NULL, deep, 4, NULL) !=
		    sig_stack(OOPS_KIND_BUG, NULL, deep, 5, NULL));
	/* No usable frame: the title decides. */
	assert_true(sig_stack(OOPS_KIND_HANG, NULL, NULL, 0, "INFO: x") !=
		    sig_stack(OOPS_KIND_HANG, NULL, NULL, 0, "INFO: y"));
	assert_true(sig_stack(OOPS_KIND_HANG, NULL, noisy, 1, "INFO: x") ==
		    sig_stack(OOPS_KIND_HANG, NULL, NULL, 0, "INFO:  x"));
}

/* Timer-interrupt, entry and fault-injection frames do not count, and the
 * syscall entry is one name on every architecture. */
static void test_plumbing_and_syscalls(void **state)
{
	struct oops_frame x86[] = {
		F("rcu_check_callbacks", 1, 1, NULL), F("tick_sched_timer", 1, 1, NULL),
		F("should_failslab", 1, 1, NULL), F("lo_ioctl", 1, 1, NULL),
		F("__x64_sys_ioctl", 1, 1, NULL), F("do_syscall_64", 1, 1, NULL),
		F("entry_SYSCALL_64_after_hwframe", 1, 1, NULL),
	};
	struct oops_frame arm[] = {
		F("lo_ioctl", 2, 2, NULL), F("__arm64_sys_ioctl", 2, 2, NULL),
		F("invoke_syscall", 2, 2, NULL), F("el0_svc_common.constprop.0", 2, 2, NULL),
		F("el0t_64_sync", 2, 2, NULL),
	};
	struct oops_frame other[] = {
		F("lo_ioctl", 2, 2, NULL), F("__arm64_sys_read", 2, 2, NULL),
	};

	assert_true(sig_stack(OOPS_KIND_STALL, NULL, x86, ARRAY_SIZE(x86), NULL) ==
		    sig_stack(OOPS_KIND_STALL, NULL, arm, ARRAY_SIZE(arm), NULL));
	assert_true(sig_stack(OOPS_KIND_STALL, NULL, x86, ARRAY_SIZE(x86), NULL) !=
		    sig_stack(OOPS_KIND_STALL, NULL, other, ARRAY_SIZE(other),
			      NULL));
	/* The documented bytes: "11\nlo_ioctl\nsys_ioctl". */
	assert_true(sig_stack(OOPS_KIND_STALL, NULL, x86, ARRAY_SIZE(x86), NULL) ==
		    fnv1a64(FNV1A64_INIT, "11\nlo_ioctl\nsys_ioctl", 21));
}

/*
 * The exact bytes hashed are part of the format (README "Signatures"):
 * recompute the documented input by hand.
 */
static void test_documented_input(void **state)
{
	struct oops_frame f[] = { F("b.isra.0", 1, 2, "m"), F("c", 3, 4, NULL) };
	const char doc[] = "1\na\nb [m]\nc";

	assert_true(sig_stack(OOPS_KIND_BUG, "RIP: 0010:a+0x1/0x2", f, 2,
			      NULL) ==
		    fnv1a64(FNV1A64_INIT, doc, strlen(doc)));
}

/* Parse a fixture of tests/data/records/ and return its first report. */
static struct oops_report *parse_fixture(const char *name)
{
	struct oops_report **reps = NULL, *r;
	char path[256], *text;
	size_t len;
	int n;

	snprintf(path, sizeof(path), "records/%s", name);
	text = test_fixture(path, &len);
	n = oops_parse_buffer(text, len, NULL, &reps);
	free(text);
	if (n < 1)
		fail_msg("no report in %s", name);
	r = reps[0];
	for (int i = 1; i < n; i++)
		oops_report_free(reps[i]);
	free(reps);
	return r;
}

static void fixture_sigs(const char *name, uint64_t *title, uint64_t *stack)
{
	struct oops_report *r = parse_fixture(name);

	*title = sig_title(r->title);
	*stack = sig_stack(r->kind, r->pc, r->frames, r->nframes, r->title);
	oops_report_free(r);
}

/*
 * The same bug on two kernels, builds, machines, CPUs, PIDs and times
 * (tests/data/records/README.md) has the same signatures; another bug
 * has others.  Through the real parser, end to end.
 */
static void test_fixtures(void **state)
{
	uint64_t t1, s1, t2, s2, t3, s3, t4, s4, t5, s5;

	fixture_sigs("ext4-bug-debian-6.1.0-13.log", &t1, &s1);
	fixture_sigs("ext4-bug-debian-6.1.0-21.log", &t2, &s2);
	fixture_sigs("warn-mlx5-x86_64.log", &t3, &s3);
	fixture_sigs("warn-mlx5-arm64.log", &t4, &s4);
	fixture_sigs("nullderef-tg3.log", &t5, &s5);
	assert_true(t1 == t2);
	assert_true(s1 == s2);
	assert_true(t3 == t4);
	assert_true(s3 == s4);
	assert_true(t1 != t3 && t1 != t5 && t3 != t5);
	assert_true(s1 != s3 && s1 != s5 && s3 != s5);
}

static void test_format_parse(void **state)
{
	char hex[SIG_HEX_LEN + 1];
	uint64_t v;

	sig_format(UINT64_C(0x00ab00cd00ef0012), hex);
	assert_string_equal(hex, "00ab00cd00ef0012");
	assert_int_equal(sig_parse(hex, &v), 0);
	assert_true(v == UINT64_C(0x00ab00cd00ef0012));
	assert_int_equal(sig_parse("00ab", &v), -EINVAL);
	assert_int_equal(sig_parse("00ab00cd00ef001g", &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fnv1a64_vectors),
		cmocka_unit_test(test_normalize_title),
		cmocka_unit_test(test_title_signature),
		cmocka_unit_test(test_pc_function),
		cmocka_unit_test(test_same_bug_same_signature),
		cmocka_unit_test(test_different_bugs_differ),
		cmocka_unit_test(test_what_is_ignored),
		cmocka_unit_test(test_documented_input),
		cmocka_unit_test(test_plumbing_and_syscalls),
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_format_parse),
	};

	return cmocka_run_group_tests_name("signature", tests, NULL, NULL);
}
