// SPDX-License-Identifier: MIT
/*
 * Tests for lib/redact.c: each kind of address is replaced, numbered by
 * first appearance and consistently; what only looks like one (RIP lines,
 * register dumps, times, offsets, kernel releases, C++/Rust paths) is
 * left alone; a report's fields share one numbering; the output is the
 * same every time; memory stays bounded by the input.
 */
#include "testutil.h"

#include <errno.h>

#include "parse/oops.h"
#include "parse/redact.h"

/* Redact s with a fresh redactor; the result is checked and freed. */
static void expect(const char *in, const char *want, unsigned want_n)
{
	struct redactor *rd = redactor_new();
	unsigned n = 0;
	size_t len;
	char *out;

	assert_non_null(rd);
	out = redact_text(rd, in, strlen(in), &len, &n);
	assert_non_null(out);
	if (strcmp(out, want) != 0)
		fail_msg("redact(\"%s\")\n  got  \"%s\"\n  want \"%s\"", in, out,
			 want);
	assert_int_equal(len, strlen(want));
	assert_int_equal(n, want_n);
	free(out);
	redactor_free(rd);
}

static void test_each_kind(void **state)
{
	(void)state;
	expect("e1000e 0000:00:19.0 eth0: MAC 00:1B:21:3a:4c:5D up",
	       "e1000e 0000:00:19.0 eth0: MAC <mac-1> up", 1);
	expect("nf: IN=eth0 SRC=192.168.1.20 DST=10.0.0.1 LEN=60",
	       "nf: IN=eth0 SRC=<ipv4-1> DST=<ipv4-2> LEN=60", 2);
	expect("peer fe80::1c2b:3aff:fe4d:5e6f%eth0 and ::1 and "
	       "2001:0db8:0000:0000:0000:ff00:0042:8329.",
	       "peer <ipv6-1>%eth0 and <ipv6-2> and <ipv6-3>.", 3);
	expect("Signed-off-by: Jane Doe <jane.doe+lkml@example.co.uk>.",
	       "Signed-off-by: Jane Doe <<email-1>>.", 1);
	expect("ip 127.0.0.1:5514 up", "ip <ipv4-1>:5514 up", 1);
	expect("::ffff:10.1.2.3", "::ffff:<ipv4-1>", 1);
}

static void test_numbering_consistent(void **state)
{
	(void)state;
	/* Case does not make another address; numbers count per kind. */
	expect("a 52:54:00:12:34:56 b 1.2.3.4 c 52:54:00:12:34:57 "
	       "d 52:54:00:12:34:56 e 52:54:00:12:34:56 f 1.2.3.4",
	       "a <mac-1> b <ipv4-1> c <mac-2> d <mac-1> e <mac-1> f <ipv4-1>",
	       6);
	expect("AA:BB:CC:DD:EE:FF aa:bb:cc:dd:ee:ff", "<mac-1> <mac-1>", 2);
}

/* Kernel text that looks like addresses and is not. */
static void test_kernel_text_untouched(void **state)
{
	static const char *const keep[] = {
		"RIP: 0010:ext4_get_group_info+0x399/0x3a0 fs/ext4/ext4.h:3332",
		"RSP: 0018:ffffc90003a6f6d8 EFLAGS: 00010293",
		"RAX: 0000000000000000 RBX: ffff88807a5c8000 RCX: 0000000000000000",
		"Code: 48 89 e5 41 57 41 56 <0f> 0b 66 0f 1f 44 00 00",
		"[  123.456789] CPU: 1 PID: 5112 Comm: syz-executor213",
		"Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014",
		"at 12:34:56 on 2024-01-02, pci 0000:00:1f.2 irq 19",
		"x29: ffff80000a5a3b70 x28: ffff0000c5d4e200",
		"kernel::print::call_printk+0x1c/0x30 [rust_minimal]",
		"workqueue events_unbound: flags=0x2 nice=0 active=1/512",
		"ffffffff81000000-ffffffff82000000 0:0:0:0 ab:cd",
		"version 2.6.32 and 1.2.3.4.5 and 300.1.1.1",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(keep); i++)
		expect(keep[i], keep[i], 0);
	/* Around an address, the release and the brackets stay. */
	expect("Linux version 6.1.0-13-amd64 (debian-kernel@lists.debian.org)x",
	       "Linux version 6.1.0-13-amd64 (<email-1>)x", 1);
}

static void test_report_fields_share_numbering(void **state)
{
	static const char text[] =
		"WARNING: CPU: 0 PID: 1 at net/core/dev.c:1 dev_watchdog\n"
		"NETDEV WATCHDOG: eth0 (52:54:00:aa:bb:cc) to 10.0.0.7\n";
	struct oops_report r = { 0 };
	struct redacted_report red;
	int n;

	(void)state;
	r.text = (char *)text;
	r.text_len = sizeof(text) - 1;
	r.title = (char *)"WARNING in dev_watchdog (10.0.0.7)";
	r.comm = (char *)"swapper/0";
	r.hardware = NULL;
	r.pc = (char *)"RIP: 0010:dev_watchdog+0x21/0x30";
	n = redact_report(&red, &r);
	assert_int_equal(n, 3);
	assert_string_equal(red.r.text,
			    "WARNING: CPU: 0 PID: 1 at net/core/dev.c:1 dev_watchdog\n"
			    "NETDEV WATCHDOG: eth0 (<mac-1>) to <ipv4-1>\n");
	assert_int_equal(red.r.text_len, strlen(red.r.text));
	/* The title's address is the text's: the same number. */
	assert_string_equal(red.r.title, "WARNING in dev_watchdog (<ipv4-1>)");
	assert_string_equal(red.r.comm, "swapper/0");
	assert_null(red.r.hardware);
	assert_string_equal(red.r.pc, r.pc);
	/* The original is untouched. */
	assert_ptr_equal(r.text, text);
	assert_string_equal(r.title, "WARNING in dev_watchdog (10.0.0.7)");
	redacted_report_free(&red);
	redacted_report_free(&red); /* twice is harmless */
}

/* NUL bytes are text like any other; the output length says so. */
static void test_nul_bytes(void **state)
{
	static const char in[] = "a\0 1.2.3.4\0b";
	struct redactor *rd = redactor_new();
	size_t len;
	char *out;

	(void)state;
	out = redact_text(rd, in, sizeof(in) - 1, &len, NULL);
	assert_non_null(out);
	assert_int_equal(len, 2 + 1 + 8 + 2);
	assert_memory_equal(out, "a\0 <ipv4-1>\0b", len);
	free(out);
	redactor_free(rd);
}

/*
 * Thousands of distinct addresses: the first REDACT_MAX_SEEN are
 * numbered, the rest become <kind-more>; the output is the same every
 * time and grows linearly with the input.
 */
static void test_many_addresses_bounded(void **state)
{
	enum { N = 3000 };
	char *in = malloc(N * 20 + 1), *a, *b;
	struct redactor *r1 = redactor_new(), *r2 = redactor_new();
	size_t len = 0, la, lb;
	unsigned n = 0;

	(void)state;
	assert_non_null(in);
	for (int i = 0; i < N; i++)
		len += (size_t)sprintf(in + len, "10.%d.%d.%d ", i / 65536,
				       (i / 256) % 256, i % 256);
	a = redact_text(r1, in, len, &la, &n);
	b = redact_text(r2, in, len, &lb, NULL);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(n, N);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	assert_non_null(strstr(a, "<ipv4-256> "));
	assert_null(strstr(a, "<ipv4-257>"));
	assert_non_null(strstr(a, "<ipv4-more> "));
	assert_null(strstr(a, "10."));
	assert_true(la < 2 * len);
	free(a);
	free(b);
	free(in);
	redactor_free(r1);
	redactor_free(r2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_kind),
		cmocka_unit_test(test_numbering_consistent),
		cmocka_unit_test(test_kernel_text_untouched),
		cmocka_unit_test(test_report_fields_share_numbering),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_many_addresses_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
