// SPDX-License-Identifier: MIT
/*
 * Resource limits of the pstore reader (lib/pstore*.c): files of
 * gigabytes (sparse, so the test costs no disk), plain and claiming to be
 * compressed, and a directory of many of them.  The scan must read each
 * file with a bound (head and tail), cap what it reads in total, say what
 * it cut or skipped in its counters, and keep the heap within those
 * bounds.
 */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "pstore/pstore.h"
#include "testlimits.h"

static const char report[] =
	"Oops#1 Part1\n"
	"<1>[   10.000000] BUG: kernel NULL pointer dereference, address: 8\n"
	"<4>[   10.000001] CPU: 0 PID: 1 Comm: sh Not tainted 6.1.0 #1\n"
	"<4>[   10.000002] RIP: 0010:sysrq_handle_crash+0x16/0x20\n"
	"<4>[   10.000003] Call Trace:\n"
	"<4>[   10.000004]  <TASK>\n"
	"<4>[   10.000005]  __handle_sysrq+0x9b/0x170\n"
	"<4>[   10.000006]  write_sysrq_trigger+0x24/0x40\n"
	"<4>[   10.000007]  </TASK>\n";

/* A sparse file of `size` bytes with the report at its start and end. */
static void sparse_file(const char *dir, const char *name, off_t size)
{
	char path[1100];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, size), 0);
	assert_int_equal(pwrite(fd, report, sizeof(report) - 1, 0),
			 (ssize_t)sizeof(report) - 1);
	assert_int_equal(pwrite(fd, report, sizeof(report) - 1,
				size - (off_t)sizeof(report) + 1),
			 (ssize_t)sizeof(report) - 1);
	close(fd);
}

/* 8 GiB dmesg and console files and a 4 GiB ".enc.z" one. */
static void test_gigabyte_files(void **state)
{
	struct pstore_options o = { .max_file_bytes = 4 << 20,
				    .max_total_bytes = 64 << 20 };
	struct pstore_scan *s = NULL;
	char *dir = test_tmpdir();
	size_t base = heap_in_use(), held;

	sparse_file(dir, "dmesg-ramoops-0", 8LL << 30);
	sparse_file(dir, "console-ramoops-0", 8LL << 30);
	sparse_file(dir, "dmesg-efi-1700000000001001.enc.z", 4LL << 30);
	assert_int_equal(pstore_scan_dir(dir, &o, &s), 0);
	held = heap_growth(base);
	print_message("3 files, 20 GiB: %zu bytes of heap held by the scan\n",
		      held);
	assert_int_equal(s->stats.files, 3);
	assert_int_equal(s->stats.cut, 3);
	for (size_t i = 0; i < s->nfiles; i++) {
		assert_true(s->files[i].cut);
		assert_true(s->files[i].raw_len <= o.max_file_bytes);
		assert_true(s->files[i].size >= 4ULL << 30);
	}
	/* Read, decoded and parsed text: a few times the per-file bound. */
	assert_true(held <= 3 * 4 * o.max_file_bytes);
	pstore_scan_free(s);
	assert_true(heap_growth(base) < 64 << 10);
	test_rmtree(dir);
}

/* 64 files of 1 GiB: the scan stops reading at max_total_bytes. */
static void test_total_bound(void **state)
{
	struct pstore_options o = { .max_file_bytes = 1 << 20,
				    .max_total_bytes = 8 << 20 };
	struct pstore_scan *s = NULL;
	char *dir = test_tmpdir(), name[64];
	size_t base = heap_in_use(), held;
	uint64_t read = 0;

	for (int i = 0; i < 64; i++) {
		snprintf(name, sizeof(name), "console-ramoops-%d", i);
		sparse_file(dir, name, 1LL << 30);
	}
	assert_int_equal(pstore_scan_dir(dir, &o, &s), 0);
	held = heap_growth(base);
	for (size_t i = 0; i < s->nfiles; i++)
		read += s->files[i].raw_len;
	print_message("64 GiB in 64 files: %llu bytes read, %u skipped, "
		      "%zu bytes of heap\n", (unsigned long long)read,
		      s->stats.skipped, held);
	assert_true(read <= o.max_total_bytes);
	assert_true(s->stats.skipped > 0);
	assert_true(held <= 4 * o.max_total_bytes);
	pstore_scan_free(s);
	test_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gigabyte_files),
		cmocka_unit_test(test_total_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
