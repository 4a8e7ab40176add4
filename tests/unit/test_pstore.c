// SPDX-License-Identifier: MIT
/*
 * Tests for lib/pstore*.c.
 *
 * Most pstore directories here are built by the test itself, in memory
 * (pstore_scan_mem) or in a temporary directory (pstore_scan_dir), so each
 * shape is explained where it is made.  The kernel log they hold comes
 * from boot_log(): a synthetic boot of an x86_64 6.1 kernel with printk
 * times, in the "<level>[ sec.usec] text" form of dmesg records, with up
 * to four crash reports at known times.  A dump of that boot is what the
 * kernel's kmsg_dump() stores: a header "<Reason>#<n> Part<k>" and the
 * newest tail of the log up to the crash that triggered it.
 */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <zlib.h>
#if ENABLE_PSTORE_LZ4
#include <lz4.h>
#endif
#if ENABLE_PSTORE_ZSTD
#include <zstd.h>
#endif

#include "pstore/pstore_record.h"
#include "record/record.h"

/* ------------------------------------------------------------ logs --- */

struct sbuf {
	char *s;
	size_t len, cap;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = realloc(b->s, b->cap);
		assert_non_null(b->s);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void __attribute__((format(printf, 2, 3)))
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	sb_add(b, tmp, (size_t)n);
}

/* One log line at time t (microseconds). */
static void log_line(struct sbuf *b, int lvl, uint64_t t, const char *text)
{
	sb_printf(b, "<%d>[%5llu.%06llu] %s\n", lvl,
		  (unsigned long long)(t / 1000000),
		  (unsigned long long)(t % 1000000), text);
}

/* Ordinary boot chatter: n lines from time t on. */
static uint64_t noise(struct sbuf *b, uint64_t t, int n)
{
	char line[128];

	for (int i = 0; i < n; i++) {
		snprintf(line, sizeof(line),
			 "virtio_net virtio0 eth0: link event %d, carrier ok", i);
		log_line(b, 6, t, line);
		t += 1000;
	}
	return t;
}

/* An x86 NULL-dereference oops in func (a real 6.1 report's shape). */
static uint64_t oops_report(struct sbuf *b, uint64_t t, int nr,
			    const char *func)
{
	char line[256];

	log_line(b, 1, t, "BUG: kernel NULL pointer dereference, address: "
		      "0000000000000000");
	log_line(b, 1, t + 10, "#PF: supervisor read access in kernel mode");
	snprintf(line, sizeof(line), "Oops: 0000 [#%d] PREEMPT SMP NOPTI", nr);
	log_line(b, 4, t + 20, line);
	log_line(b, 4, t + 30, "CPU: 0 PID: 99 Comm: sh Tainted: G           OE"
			   "      6.1.0-21-amd64 #1  Debian 6.1.90-1");
	log_line(b, 4, t + 40, "Hardware name: QEMU Standard PC (i440FX + PIIX, "
			   "1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014");
	snprintf(line, sizeof(line), "RIP: 0010:%s+0x11/0x30 [crashmod]", func);
	log_line(b, 4, t + 50, line);
	log_line(b, 4, t + 60, "Call Trace:");
	log_line(b, 4, t + 70, " <TASK>");
	snprintf(line, sizeof(line), " %s_caller+0x22/0x40 [crashmod]", func);
	log_line(b, 4, t + 80, line);
	log_line(b, 4, t + 90, " vfs_write+0xb5/0x290");
	log_line(b, 4, t + 100, " ksys_write+0x5f/0xe0");
	log_line(b, 4, t + 110, " </TASK>");
	log_line(b, 4, t + 120, "---[ end trace 0000000000000000 ]---");
	return t + 1000;
}

static uint64_t panic_report(struct sbuf *b, uint64_t t, const char *msg)
{
	char line[256];

	snprintf(line, sizeof(line), "Kernel panic - not syncing: %s", msg);
	log_line(b, 0, t, line);
	log_line(b, 0, t + 10, "Kernel Offset: 0x1c000000 from 0xffffffff81000000");
	snprintf(line, sizeof(line), "---[ end Kernel panic - not syncing: %s ]---",
		 msg);
	log_line(b, 0, t + 20, line);
	return t + 1000;
}

/*
 * The boot: 50 lines of chatter, then oops #1 at 10 s, #2 at 20 s, #3 at
 * 30 s (each followed by chatter), and a sysrq panic at 40 s.  ends[k] is
 * the log length right after crash k, i.e. what dump k saw.
 */
static char *boot_log(size_t ends[4])
{
	struct sbuf b = { 0 };
	uint64_t t = 1000000;

	t = noise(&b, t, 50);
	oops_report(&b, 10000000, 1, "first_crash");
	ends[0] = b.len;
	noise(&b, 11000000, 30);
	oops_report(&b, 20000000, 2, "second_crash");
	ends[1] = b.len;
	noise(&b, 21000000, 30);
	oops_report(&b, 30000000, 3, "third_crash");
	ends[2] = b.len;
	noise(&b, 31000000, 30);
	panic_report(&b, 40000000, "sysrq triggered crash");
	ends[3] = b.len;
	(void)t;
	return b.s;
}

/* A dmesg record: header + the log from `from` to `to`. */
static char *dump_record(const char *log, size_t from, size_t to,
			 const char *reason, int n, int part, size_t *len)
{
	struct sbuf b = { 0 };

	sb_printf(&b, "%s#%d Part%d\n", reason, n, part);
	sb_add(&b, log + from, to - from);
	*len = b.len;
	return b.s;
}

/* Start of the line that contains off (dump windows start at a line). */
static size_t line_start(const char *log, size_t off)
{
	while (off > 0 && log[off - 1] != '\n')
		off--;
	return off;
}

static const struct pstore_item *find_item(const struct pstore_scan *s,
					   const char *needle)
{
	for (size_t i = 0; i < s->nitems; i++)
		if (s->items[i].text && strstr(s->items[i].text, needle))
			return &s->items[i];
	return NULL;
}

static bool item_has_file(const struct pstore_scan *s,
			  const struct pstore_item *it, const char *name)
{
	for (size_t i = 0; i < it->nfiles; i++)
		if (strcmp(s->files[it->files[i]].name, name) == 0)
			return true;
	return false;
}

/* ----------------------------------------------------------- names --- */

static int read_done_calls;

static void count_read_done(void *arg)
{
	(*(int *)arg)++;
}

static void test_names(void **state)
{
	struct pstore_name pn;

	assert_int_equal(pstore_parse_name("dmesg-ramoops-0", &pn), 0);
	assert_int_equal(pn.type, PSTORE_TYPE_DMESG);
	assert_string_equal(pn.backend, "ramoops");
	assert_int_equal(pn.id, 0);
	assert_false(pn.enc_z);

	assert_int_equal(pstore_parse_name("dmesg-efi_pstore-167234567801002.enc.z",
					   &pn), 0);
	assert_string_equal(pn.backend, "efi_pstore");
	assert_true(pn.id == 167234567801002ULL);
	assert_true(pn.enc_z);

	/* A backend with '-' (the pstore/blk docs spell it pstore-blk). */
	assert_int_equal(pstore_parse_name("dmesg-pstore-blk-3", &pn), 0);
	assert_string_equal(pn.backend, "pstore-blk");
	assert_int_equal(pn.id, 3);
	assert_int_equal(pstore_parse_name("dmesg-pstore_blk-12", &pn), 0);
	assert_string_equal(pn.backend, "pstore_blk");

	/* Types with '-' are known prefixes. */
	assert_int_equal(pstore_parse_name("powerpc-ofw-nvram-1", &pn), 0);
	assert_int_equal(pn.type, PSTORE_TYPE_PPC_OFW);
	assert_string_equal(pn.backend, "nvram");
	assert_int_equal(pstore_parse_name("powerpc-common-nvram-2", &pn), 0);
	assert_int_equal(pn.type, PSTORE_TYPE_PPC_COMMON);
	assert_int_equal(pstore_parse_name("powerpc-opal-nvram-0", &pn), 0);
	assert_int_equal(pn.type, PSTORE_TYPE_PPC_OPAL);

	assert_int_equal(pstore_parse_name("console-ramoops-0", &pn), 0);
	assert_int_equal(pn.type, PSTORE_TYPE_CONSOLE);
	assert_int_equal(pstore_parse_name("console-ramoops", &pn), 0);
	assert_false(pn.has_id);
	assert_int_equal(pstore_parse_name("pmsg-ramoops-0", &pn), 0);
	assert_int_equal(pn.type, PSTORE_TYPE_PMSG);
	assert_int_equal(pstore_parse_name("ftrace-ramoops-0", &pn), 0);
	assert_int_equal(pn.type, PSTORE_TYPE_FTRACE);
	assert_int_equal(pstore_parse_name("mce-erst-6012345678901", &pn), 0);
	assert_int_equal(pn.type, PSTORE_TYPE_MCE);
	assert_int_equal(pstore_parse_name("rtas-nvram-4", &pn), 0);
	assert_int_equal(pn.type, PSTORE_TYPE_RTAS);
	assert_int_equal(pstore_parse_name("dmesg-mtd-1", &pn), 0);
	assert_string_equal(pn.backend, "mtd");

	/* Names that do not parse. */
	assert_int_equal(pstore_parse_name("dmesg-ramoops-x", &pn), -EINVAL);
	assert_int_equal(pstore_parse_name("dmesg-0", &pn), -EINVAL);
	assert_int_equal(pstore_parse_name("dmesg--0", &pn), -EINVAL);
	assert_int_equal(pstore_parse_name("README", &pn), -EINVAL);
	assert_int_equal(pstore_parse_name("dmesg-ramoops-99999999999999999999999",
					   &pn), -EINVAL);
	assert_int_equal(pstore_parse_name("pmsg-ramoops-0.enc.z", &pn),
			 -EINVAL);
	assert_int_equal(pstore_parse_name("dmesg-ram/oops-0", &pn), -EINVAL);
	assert_int_equal(pstore_parse_name("", &pn), -EINVAL);
}

/* --------------------------------------------------------- headers --- */

static void test_headers(void **state)
{
	static const char *const reasons[] = {
		"Panic", "Oops", "Emergency", "Shutdown", "Unknown",
		"Restart", "Halt", "Poweroff", "Kexec",
	};
	struct pstore_header h;
	char buf[128];

	for (size_t i = 0; i < ARRAY_SIZE(reasons); i++) {
		int n = snprintf(buf, sizeof(buf), "%s#%zu Part%zu\nx\n",
				 reasons[i], i + 1, i + 2);

		assert_int_equal(pstore_parse_header(buf, (size_t)n, &h), 0);
		assert_string_equal(h.reason, reasons[i]);
		assert_int_equal(h.count, i + 1);
		assert_int_equal(h.part, i + 2);
		assert_int_equal(h.total, -1);
		assert_int_equal(h.header_len, strlen(buf) - 2);
	}
	/* pstore/blk's extra first line. */
	strcpy(buf, "Oops: Total 17 times\nOops#2 Part1\n<4>[ 1.0] x\n");
	assert_int_equal(pstore_parse_header(buf, strlen(buf), &h), 0);
	assert_string_equal(h.reason, "Oops");
	assert_int_equal(h.total, 17);
	assert_int_equal(h.count, 2);
	assert_string_equal(buf + h.header_len, "<4>[ 1.0] x\n");
	/* A header alone, no newline. */
	assert_int_equal(pstore_parse_header("Panic#1 Part3", 13, &h), 0);
	assert_int_equal(h.header_len, 13);

	assert_int_equal(pstore_parse_header("Oops#1 Part0\n", 13, &h), -EINVAL);
	assert_int_equal(pstore_parse_header("Oops#1 Part1x\n", 14, &h),
			 -EINVAL);
	assert_int_equal(pstore_parse_header("#1 Part1\n", 9, &h), -EINVAL);
	assert_int_equal(pstore_parse_header("Oops 1 Part1\n", 13, &h),
			 -EINVAL);
	strcpy(buf, "Oops: Total 3 times\n<4>[ 1.0] x\n");
	assert_int_equal(pstore_parse_header(buf, strlen(buf), &h), -EINVAL);
	assert_int_equal(pstore_parse_header("", 0, &h), -EINVAL);

	assert_true(pstore_reason_rank("Panic") > pstore_reason_rank("Oops"));
	assert_true(pstore_reason_rank("Oops") > pstore_reason_rank("Shutdown"));
	assert_int_equal(pstore_reason_rank(""), 0);
}

/* ------------------------------------------------------------- ECC --- */

static void test_ecc(void **state)
{
	struct pstore_ecc e;
	const char *a = "line one\nline two\n\nECC: No errors detected\n";
	const char *b = "line one\n\n3 Corrected bytes, 1 unrecoverable blocks\n";
	const char *c = "line one\n\nECC: 12 Corrected bytes, 0 unrecoverable "
			"blocks\n";
	const char *d = "line one\nNo errors here\n";

	/* Recent kernels: "\nECC: ..." */
	assert_int_equal(pstore_strip_ecc(a, strlen(a), &e), 18);
	assert_true(e.present);
	assert_int_equal(e.corrected, 0);
	/* Older kernels: no "ECC: " prefix. */
	assert_int_equal(pstore_strip_ecc(b, strlen(b), &e), 9);
	assert_true(e.present);
	assert_int_equal(e.corrected, 3);
	assert_int_equal(e.unrecoverable, 1);
	assert_int_equal(pstore_strip_ecc(c, strlen(c), &e), 9);
	assert_int_equal(e.corrected, 12);
	assert_int_equal(e.unrecoverable, 0);
	/* No trailer: nothing stripped. */
	assert_int_equal(pstore_strip_ecc(d, strlen(d), &e), strlen(d));
	assert_false(e.present);
	assert_int_equal(pstore_strip_ecc("", 0, &e), 0);
	assert_false(e.present);
}

/* ----------------------------------------------------- compression --- */

/* Compress like the kernel: zlib stream, raw deflate, lz4 block, zstd. */
static void *compress_as(const char *how, const char *in, size_t len,
			 size_t *outlen)
{
	size_t cap = len + len / 2 + 1024;
	unsigned char *out = malloc(cap);

	assert_non_null(out);
	if (strcmp(how, "zlib") == 0 || strcmp(how, "deflate") == 0) {
		z_stream zs = { 0 };
		/* 3.11-4.18 efi/erst: zlib header, 12-bit window. */
		int wbits = strcmp(how, "zlib") == 0 ? 12 : -15;

		assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, wbits, 8,
					      Z_DEFAULT_STRATEGY), Z_OK);
		zs.next_in = (Bytef *)in;
		zs.avail_in = (uInt)len;
		zs.next_out = out;
		zs.avail_out = (uInt)cap;
		assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
		*outlen = zs.total_out;
		deflateEnd(&zs);
		return out;
	}
#if ENABLE_PSTORE_LZ4
	if (strcmp(how, "lz4") == 0) {
		int n = LZ4_compress_default(in, (char *)out, (int)len, (int)cap);

		assert_true(n > 0);
		*outlen = (size_t)n;
		return out;
	}
#endif
#if ENABLE_PSTORE_ZSTD
	if (strcmp(how, "zstd") == 0) {
		size_t n = ZSTD_compress(out, cap, in, len, 3);

		assert_false(ZSTD_isError(n));
		*outlen = n;
		return out;
	}
#endif
	free(out);
	return NULL;
}

static void test_decompress(void **state)
{
	static const char *const hows[] = { "zlib", "deflate", "lz4", "zstd" };
	size_t ends[4];
	char *log = boot_log(ends);

	for (size_t i = 0; i < ARRAY_SIZE(hows); i++) {
		size_t zlen, outlen;
		void *z = compress_as(hows[i], log, ends[0], &zlen);
		const char *m = NULL;
		char *out = NULL;

		if (z == NULL) /* not built in */
			continue;
		assert_int_equal(pstore_decompress(z, zlen, 1 << 20, &out,
						   &outlen, &m), 0);
		assert_string_equal(m, hows[i]);
		assert_int_equal(outlen, ends[0]);
		assert_memory_equal(out, log, ends[0]);
		free(out);
		/* Bounded output: a bigger record is cut at max, not grown. */
		if (strcmp(hows[i], "lz4") != 0) {
			assert_int_equal(pstore_decompress(z, zlen, 1000, &out,
							   &outlen, &m), 0);
			assert_int_equal(outlen, 1000);
			free(out);
		}
		free(z);
	}
	/* Random bytes: every decoder fails, cleanly. */
	{
		unsigned char junk[512];
		char *out = NULL;
		size_t outlen;
		const char *m;

		for (size_t i = 0; i < sizeof(junk); i++)
			junk[i] = (unsigned char)(i * 7919 + 13);
		assert_int_equal(pstore_decompress(junk, sizeof(junk), 1 << 20,
						   &out, &outlen, &m), -EBADMSG);
		assert_null(out);
	}
	free(log);
}

/* --------------------------------------------- ramoops: exactly once --- */

/*
 * ramoops after three oopses and a panic (max_reason=2): four dumps in
 * slots 0-3, each the tail of the same log up to its crash.  The first
 * oops is in all four: it must come out once, linked to the four files,
 * with reason Oops; the panic's item has reason Panic.
 */
static void test_ramoops_exactly_once(void **state)
{
	size_t ends[4], lens[4];
	char *log = boot_log(ends), *recs[4];
	static const char *const reasons[] = { "Oops", "Oops", "Oops", "Panic" };
	static const char *const names[] = { "dmesg-ramoops-0", "dmesg-ramoops-1",
					     "dmesg-ramoops-2", "dmesg-ramoops-3" };
	struct pstore_blob blobs[4];
	struct pstore_scan *s = NULL;
	const struct pstore_item *it;

	for (int i = 0; i < 4; i++) {
		recs[i] = dump_record(log, 0, ends[i], reasons[i],
				      i < 3 ? i + 1 : 1, 1, &lens[i]);
		blobs[i] = (struct pstore_blob){ names[i], recs[i], lens[i], 0,
						 1700000000000000LL + i };
	}
	assert_int_equal(pstore_scan_mem(blobs, 4, NULL, &s), 0);
		assert_int_equal(s->stats.dumps, 4);
	assert_int_equal(s->nitems, 4);

	it = find_item(s, "first_crash+0x11");
	assert_non_null(it);
	assert_ptr_equal(it, &s->items[0]); /* log order */
	assert_string_equal(it->reason, "Oops");
	assert_int_equal(it->nfiles, 4);
	assert_int_equal(it->source, PSTORE_SRC_DMESG);
	assert_true(it->complete);
	assert_int_equal(it->parts_expected, 1);
	assert_int_equal(it->parts_found, 1);
	assert_int_equal(it->time_us, 10000000);
	assert_null(it->decompressed_by);

	it = find_item(s, "third_crash+0x11");
	assert_non_null(it);
	assert_string_equal(it->reason, "Oops");
	assert_int_equal(it->nfiles, 2);
	assert_true(item_has_file(s, it, "dmesg-ramoops-2"));
	assert_true(item_has_file(s, it, "dmesg-ramoops-3"));

	it = find_item(s, "sysrq triggered crash");
	assert_non_null(it);
	assert_string_equal(it->reason, "Panic");
	assert_int_equal(it->nfiles, 1);
	assert_ptr_equal(it, &s->items[3]);

	/* Same directory, files in another order: the same keys. */
	{
		struct pstore_blob rev[4];
		struct pstore_scan *s2 = NULL;

		for (int i = 0; i < 4; i++)
			rev[i] = blobs[3 - i];
		assert_int_equal(pstore_scan_mem(rev, 4, NULL, &s2), 0);
		assert_int_equal(s2->nitems, 4);
		for (int i = 0; i < 4; i++) {
			assert_true(s2->items[i].key[0] == s->items[i].key[0]);
			assert_true(s2->items[i].key[1] == s->items[i].key[1]);
		}
		pstore_scan_free(s2);
	}
	pstore_scan_free(s);
	for (int i = 0; i < 4; i++)
		free(recs[i]);
	free(log);
}

/*
 * A small record_size: dump B keeps only the tail of the log, which starts
 * in the middle of oops #1; dump A holds all of oops #1.  Whatever the
 * parser makes of the piece of oops #1 in dump B, it must not become a
 * second item: its first line lies inside the full report of dump A.
 */
static void test_ramoops_window_cuts_report(void **state)
{
	size_t ends[4], l0, l1;
	char *log = boot_log(ends);
	/* Dump A: the whole log up to oops #1.  Dump B: starts inside it. */
	size_t mid = line_start(log, ends[0] - 400);
	char *a = dump_record(log, 0, ends[0], "Oops", 1, 1, &l0);
	char *b = dump_record(log, mid, ends[1], "Oops", 2, 1, &l1);
	struct pstore_blob blobs[2] = {
		{ "dmesg-ramoops-0", a, l0, 0, 0 },
		{ "dmesg-ramoops-1", b, l1, 0, 0 },
	};
	struct pstore_scan *s = NULL;
	const struct pstore_item *it;

	assert_int_equal(pstore_scan_mem(blobs, 2, NULL, &s), 0);
	it = find_item(s, "first_crash+0x11");
	assert_non_null(it);
	assert_non_null(strstr(it->text, "NULL pointer dereference"));
	assert_non_null(find_item(s, "second_crash+0x11"));
	/* Whatever the parser made of the fragment, it joined oops #1. */
	for (size_t i = 0; i < s->nitems; i++)
		if (&s->items[i] != it)
			assert_null(strstr(s->items[i].text, "first_crash"));
	pstore_scan_free(s);
	free(a);
	free(b);
	free(log);
}

/*
 * panic_on_oops: the oops is followed at once by "Kernel panic - not
 * syncing: Fatal exception".  The kernel dumps twice (Oops#1 from
 * oops_exit(), Panic#1 from panic()): one crash, reason Panic, panicked.
 */
static void test_consequence_merged(void **state)
{
	struct sbuf lb = { 0 };
	size_t l0, l1, e0;
	char *a, *b;
	struct pstore_scan *s = NULL;

	noise(&lb, 1000000, 20);
	oops_report(&lb, 5000000, 1, "fatal_crash");
	e0 = lb.len;
	panic_report(&lb, 5000200, "Fatal exception");
	a = dump_record(lb.s, 0, e0, "Oops", 1, 1, &l0);
	b = dump_record(lb.s, 0, lb.len, "Panic", 1, 1, &l1);
	struct pstore_blob blobs[2] = {
		{ "dmesg-ramoops-0", a, l0, 0, 0 },
		{ "dmesg-ramoops-1", b, l1, 0, 0 },
	};
	assert_int_equal(pstore_scan_mem(blobs, 2, NULL, &s), 0);
	assert_int_equal(s->nitems, 1);
	assert_string_equal(s->items[0].reason, "Panic");
	assert_non_null(s->items[0].report);
	assert_true(s->items[0].report->panicked);
	assert_int_equal(s->items[0].nfiles, 2);
	pstore_scan_free(s);
	free(a);
	free(b);
	free(lb.s);
}

/*
 * softlockup_panic: the soft lockup report and then "Kernel panic - not
 * syncing: softlockup: hung tasks": one crash.
 */
static void test_softlockup_panic(void **state)
{
	struct sbuf lb = { 0 };
	size_t l0;
	char *a;
	struct pstore_scan *s = NULL;

	noise(&lb, 1000000, 20);
	log_line(&lb, 0, 30000000, "watchdog: BUG: soft lockup - CPU#0 stuck for "
			       "22s! [spin:120]");
	log_line(&lb, 4, 30000010, "CPU: 0 PID: 120 Comm: spin Tainted: G OE "
			       "6.1.0-21-amd64 #1  Debian 6.1.90-1");
	log_line(&lb, 4, 30000020, "RIP: 0010:spin_forever+0x5/0x10 [crashmod]");
	log_line(&lb, 4, 30000030, "Call Trace:");
	log_line(&lb, 4, 30000040, " <TASK>");
	log_line(&lb, 4, 30000050, " spin_write+0x12/0x20 [crashmod]");
	log_line(&lb, 4, 30000060, " </TASK>");
	panic_report(&lb, 30000100, "softlockup: hung tasks");
	a = dump_record(lb.s, 0, lb.len, "Panic", 1, 1, &l0);
	struct pstore_blob blob = { "dmesg-ramoops-0", a, l0, 0, 0 };

	assert_int_equal(pstore_scan_mem(&blob, 1, NULL, &s), 0);
	assert_int_equal(s->nitems, 1);
	assert_string_equal(s->items[0].reason, "Panic");
	assert_non_null(strstr(s->items[0].text, "soft lockup"));
	assert_true(s->items[0].report->panicked);
	pstore_scan_free(s);
	free(a);
	free(lb.s);
}

/* ------------------------------------------------------ multi-part --- */

/*
 * Split the log tail [from, to) into parts of about psize bytes at line
 * boundaries, the kernel's way: Part1 holds the newest chunk.  Returns the
 * number of parts; part k is (starts[k-1], stops[k-1]).
 */
static int split_parts(const char *log, size_t from, size_t to, size_t psize,
		       size_t *starts, size_t *stops, int max)
{
	int n = 0;
	size_t end = to;

	while (end > from && n < max) {
		size_t st = end > from + psize ? line_start(log, end - psize) : from;

		if (st == end) /* a line longer than a part */
			st = line_start(log, end - 1);
		starts[n] = st;
		stops[n] = end;
		n++;
		end = st;
	}
	return n;
}

/* EFI id: (seconds * 100 + part) * 1000 + count. */
static uint64_t efi_id(uint64_t sec, int part, int count)
{
	return (sec * 100 + (uint64_t)part) * 1000 + (uint64_t)count;
}

struct mp {
	char names[32][64];
	char *data[32];
	size_t lens[32];
	struct pstore_blob blobs[32];
	int n;
};

static void mp_add(struct mp *m, const char *name, char *data, size_t len)
{
	str_lcpy(m->names[m->n], name, sizeof(m->names[0]));
	m->data[m->n] = data;
	m->lens[m->n] = len;
	m->blobs[m->n] = (struct pstore_blob){ m->names[m->n], data, len, 0, 0 };
	m->n++;
}

static void mp_free(struct mp *m)
{
	for (int i = 0; i < m->n; i++)
		free(m->data[i]);
}

/*
 * EFI: one panic dump (Panic#1) of 3 KiB in 1 KiB variables, parts
 * written one second apart at the edge of a second, plus an older dump of
 * another boot, also Panic#1, 600 s earlier.  They must not be merged:
 * two items, each reassembled highest part first.
 */
static void test_efi_multipart(void **state)
{
	size_t ends[4], st[16], sp[16];
	char *log = boot_log(ends), name[64];
	struct mp m = { 0 };
	struct pstore_scan *s = NULL;
	int np;

	np = split_parts(log, line_start(log, ends[3] - 3000), ends[3], 1024, st,
			 sp, 16);
	assert_true(np >= 3);
	for (int k = 1; k <= np; k++) {
		size_t len;
		char *rec = dump_record(log, st[k - 1], sp[k - 1], "Panic", 1, k,
					&len);

		snprintf(name, sizeof(name), "dmesg-efi_pstore-%llu",
			 (unsigned long long)efi_id(1700000000 + (k > 2), k, 1));
		mp_add(&m, name, rec, len);
	}
	/* The other boot: the same log shape up to oops #1, one part. */
	{
		size_t len;
		char *rec = dump_record(log, line_start(log, ends[0] - 900),
					ends[0], "Panic", 1, 1, &len);

		snprintf(name, sizeof(name), "dmesg-efi_pstore-%llu",
			 (unsigned long long)efi_id(1699999400, 1, 1));
		mp_add(&m, name, rec, len);
	}
	/*
	 * A third dump: another boot that panicked the same way ("Panic#1")
	 * only 6 s after the first one's parts (a fast VM reboot), its log
	 * 0.5 s later throughout.  The same part numbers come again with
	 * other text: a dump of its own, never merged with the first.
	 */
	{
		struct sbuf sh = { 0 };

		for (const char *p = log; p < log + ends[3];) {
			const char *nl = strchr(p, '\n');
			unsigned long long sec, us;
			int lvl;
			char line[512];

			assert_int_equal(sscanf(p, "<%d>[%llu.%llu]", &lvl, &sec,
						&us), 3);
			snprintf(line, sizeof(line), "%.*s",
				 (int)(nl - strchr(p, ']') - 2), strchr(p, ']') + 2);
			log_line(&sh, lvl, sec * 1000000 + us + 500000, line);
			p = nl + 1;
		}
		size_t sst[16], ssp[16];
		int snp = split_parts(sh.s, line_start(sh.s, sh.len - 3000),
				      sh.len, 1024, sst, ssp, 16);

		for (int k = 1; k <= snp; k++) {
			size_t len;
			char *rec = dump_record(sh.s, sst[k - 1], ssp[k - 1],
						"Panic", 1, k, &len);

			snprintf(name, sizeof(name), "dmesg-efi_pstore-%llu",
				 (unsigned long long)efi_id(1700000006, k, 1));
			mp_add(&m, name, rec, len);
		}
		free(sh.s);
	}
	assert_int_equal(pstore_scan_mem(m.blobs, (size_t)m.n, NULL, &s), 0);
	assert_int_equal(s->stats.dumps, 3);
	assert_int_equal(s->stats.duplicates_merged, 0);
	size_t panics = 0;

	for (size_t i = 0; i < s->nitems; i++)
		if (strstr(s->items[i].text, "sysrq triggered crash")) {
			panics++;
			assert_int_equal(s->items[i].parts_found, np);
			assert_int_equal(s->items[i].parts_duplicate, 0);
			assert_true(s->items[i].complete);
		}
	assert_int_equal(panics, 2);
	const struct pstore_item *it = find_item(s, "sysrq triggered crash");

	assert_non_null(it);
	assert_string_equal(it->reason, "Panic");
	assert_int_equal(it->parts_expected, np);
	assert_int_equal(it->parts_found, np);
	assert_int_equal(it->parts_missing, 0);
	assert_true(it->complete);
	assert_int_equal(it->nfiles, np);
	/* oops #3 spans parts: reassembled in order, whole. */
	it = find_item(s, "third_crash+0x11");
	assert_non_null(it);
	assert_non_null(strstr(it->text, "third_crash_caller"));
	it = find_item(s, "first_crash+0x11");
	assert_non_null(it);
	assert_int_equal(it->nfiles, 1);
	assert_string_equal(it->reason, "Panic");
	pstore_scan_free(s);
	mp_free(&m);
	free(log);
}

/*
 * ERST: ids consecutive within a dump.  Part3 of a 4-part Oops dump was
 * lost (Part1, Part2 and Part4 remain): the item says 4 expected, 3 found,
 * not complete, and the text is not glued across the gap (Part4 is parsed
 * on its own).  A copy under a name that does not parse is ignored.  Then
 * a real duplicate: the same part twice in one EFI dump is counted.
 */
static void test_erst_missing_and_duplicate(void **state)
{
	size_t ends[4], st[8], sp[8];
	char *log = boot_log(ends), name[64];
	struct mp m = { 0 };
	struct pstore_scan *s = NULL;
	uint64_t base = 7300000000000000000ULL;
	int np;

	np = split_parts(log, line_start(log, ends[1] - 2000), ends[1], 500, st,
			 sp, 8);
	assert_true(np >= 4);
	for (int k = 1; k <= 4; k++) {
		size_t len;
		char *rec;

		if (k == 3)
			continue;
		rec = dump_record(log, st[k - 1], sp[k - 1], "Oops", 2, k, &len);
		snprintf(name, sizeof(name), "dmesg-erst-%llu",
			 (unsigned long long)(base + (uint64_t)k));
		mp_add(&m, name, rec, len);
	}
	{
		size_t len;
		char *rec = dump_record(log, st[0], sp[0], "Oops", 2, 1, &len);

		mp_add(&m, "dmesg-erst-7300000000000000001.dup", rec, len);
	}
	/* ".dup" is not a pstore name: counted, ignored. */
	assert_int_equal(pstore_scan_mem(m.blobs, (size_t)m.n, NULL, &s), 0);
	assert_int_equal(s->stats.bad_names, 1);
	assert_int_equal(s->stats.dumps, 1);
	assert_true(s->nitems >= 1);
	assert_non_null(find_item(s, "second_crash+0x11"));
	for (size_t i = 0; i < s->nitems; i++) {
		assert_int_equal(s->items[i].parts_expected, 4);
		assert_int_equal(s->items[i].parts_found, 3);
		assert_int_equal(s->items[i].parts_missing, 1);
		assert_false(s->items[i].complete);
	}
	pstore_scan_free(s);

	/* Now a real duplicate: Part1 twice in one dump (two ids, same id
	 * minus part would differ, so give EFI-style same-second copies). */
	mp_free(&m);
	memset(&m, 0, sizeof(m));
	for (int c = 0; c < 2; c++) {
		size_t len;
		char *rec = dump_record(log, line_start(log, ends[1] - 700),
					ends[1], "Oops", 2, 1, &len);

		snprintf(name, sizeof(name), "dmesg-efi-%llu",
			 (unsigned long long)efi_id(1700000000 + (uint64_t)c, 1,
						    2));
		mp_add(&m, name, rec, len);
	}
	assert_int_equal(pstore_scan_mem(m.blobs, (size_t)m.n, NULL, &s), 0);
	assert_int_equal(s->stats.dumps, 1);
	const struct pstore_item *it = find_item(s, "second_crash+0x11");

	assert_non_null(it);
	assert_int_equal(it->parts_duplicate, 1);
	assert_int_equal(it->parts_found, 1);
	/* ... and said in the record. */
	{
		struct pstore_record pr;
		static uint8_t buf[1 << 18];
		Oopsd__CrashRecord *r = NULL;
		const char *why;
		int n;

		assert_int_equal(pstore_item_record(s, (size_t)(it - s->items),
						    &pr), 0);
		n = record_pack_fit(pr.report, &pr.origin, buf, sizeof(buf));
		assert_true(n > 0);
		assert_int_equal(record_unpack(buf, (size_t)n, NULL, &r, &why), 0);
		assert_true(r->origin->has_parts_duplicate);
		assert_int_equal(r->origin->parts_duplicate, 1);
		record_free(r);
		pstore_record_release(&pr);
	}
	pstore_scan_free(s);
	mp_free(&m);
	free(log);
}

/*
 * ERST: two dumps of the same boot (Oops#1 and Panic#2), three parts each,
 * consecutive ids: grouped by id - part, never merged.
 */
static void test_erst_two_dumps(void **state)
{
	size_t ends[4], st[8], sp[8];
	char *log = boot_log(ends), name[64];
	struct mp m = { 0 };
	struct pstore_scan *s = NULL;
	uint64_t id = 6800000000000000000ULL;

	for (int d = 0; d < 2; d++) {
		size_t to = d == 0 ? ends[0] : ends[3];
		int np = split_parts(log, line_start(log, to - 1500), to, 600, st,
				     sp, 8);

		for (int k = 1; k <= np; k++) {
			size_t len;
			char *rec = dump_record(log, st[k - 1], sp[k - 1],
						d ? "Panic" : "Oops", d + 1, k,
						&len);

			snprintf(name, sizeof(name), "dmesg-erst-%llu",
				 (unsigned long long)id++);
			mp_add(&m, name, rec, len);
		}
	}
	assert_int_equal(pstore_scan_mem(m.blobs, (size_t)m.n, NULL, &s), 0);
	assert_int_equal(s->stats.dumps, 2);
	assert_string_equal(find_item(s, "first_crash+0x11")->reason, "Oops");
	assert_string_equal(find_item(s, "sysrq triggered")->reason, "Panic");
	assert_true(find_item(s, "sysrq triggered")->complete);
	pstore_scan_free(s);
	mp_free(&m);
	free(log);
}

/* pstore/blk: "Oops: Total 5 times" before the part line. */
static void test_blk_total(void **state)
{
	size_t ends[4];
	char *log = boot_log(ends);
	struct sbuf b = { 0 };
	struct pstore_scan *s = NULL;

	sb_printf(&b, "Oops: Total 5 times\nOops#1 Part1\n");
	sb_add(&b, log, ends[0]);
	struct pstore_blob blob = { "dmesg-pstore-blk-0", b.s, b.len, 0, 0 };

	assert_int_equal(pstore_scan_mem(&blob, 1, NULL, &s), 0);
	assert_int_equal(s->files[0].hdr.total, 5);
	assert_int_equal(s->nitems, 1);
	assert_string_equal(s->items[0].reason, "Oops");
	assert_null(strstr(s->items[0].text, "Total"));
	pstore_scan_free(s);
	free(b.s);
	free(log);
}

/* ----------------------------------------------------------- .enc.z --- */

/*
 * The next kernel could not decompress (other algorithm after a kernel
 * change): the file is dmesg-ramoops-0.enc.z and holds the compressed
 * header + log.  Each algorithm is decoded in userspace; ECC trailers
 * after the compressed bytes are stripped first.
 */
static void test_enc_z(void **state)
{
	static const char *const hows[] = { "zlib", "deflate", "lz4", "zstd" };
	size_t ends[4], rl;
	char *log = boot_log(ends);
	char *rec = dump_record(log, 0, ends[1], "Oops", 2, 1, &rl);

	for (size_t i = 0; i < ARRAY_SIZE(hows); i++) {
		size_t zl;
		char *z = compress_as(hows[i], rec, rl, &zl);
		struct pstore_scan *s = NULL;

		if (z == NULL)
			continue;
		/* ecc=1: the notice follows the compressed bytes. */
		z = realloc(z, zl + 64);
		zl += (size_t)sprintf(z + zl, "\nECC: 2 Corrected bytes, 0 "
					      "unrecoverable blocks\n");
		struct pstore_blob blob = { "dmesg-ramoops-0.enc.z", z, zl, 0, 0 };

		assert_int_equal(pstore_scan_mem(&blob, 1, NULL, &s), 0);
		assert_int_equal(s->nitems, 2);
		assert_string_equal(s->items[1].decompressed_by, hows[i]);
		assert_string_equal(s->items[1].reason, "Oops");
		assert_true(s->items[1].ecc.present);
		assert_int_equal(s->items[1].ecc.corrected, 2);
		assert_non_null(find_item(s, "second_crash+0x11"));
		pstore_scan_free(s);
		free(z);
	}
	/*
	 * Decoded text counts in the scan's memory budget: with 4 KiB of
	 * budget left after the raw bytes, a record is decoded to at most
	 * that; with less, it is not decoded at all (over_budget, counted).
	 */
	{
		size_t zl;
		char *z = compress_as("deflate", rec, rl, &zl);
		struct pstore_scan *s = NULL;
		struct pstore_options o = { .max_total_bytes = zl + 4096 };
		struct pstore_blob blob = { "dmesg-ramoops-0.enc.z", z, zl, 0, 0 };

		assert_int_equal(pstore_scan_mem(&blob, 1, &o, &s), 0);
		assert_int_equal(s->files[0].text_len, 4096);
		assert_true(s->files[0].cut);
		pstore_scan_free(s);
		o.max_total_bytes = zl + 100;
		assert_int_equal(pstore_scan_mem(&blob, 1, &o, &s), 0);
		assert_int_equal(s->stats.over_budget, 1);
		assert_int_equal(s->stats.undecodable, 0);
		assert_int_equal(s->files[0].error, -EFBIG);
		assert_int_equal(s->nitems, 0);
		pstore_scan_free(s);
		free(z);
	}
	/*
	 * An lz4 block does not decode half way: with 4 KiB of budget left
	 * it fails like a broken stream.  Over budget, not corrupt: no
	 * "corrupted report" record of raw bytes, counted apart; with room
	 * it decodes (the loop above).
	 */
	if (ENABLE_PSTORE_LZ4) {
		size_t zl;
		char *z = compress_as("lz4", rec, rl, &zl);
		struct pstore_scan *s = NULL;
		struct pstore_options o = { .max_total_bytes = zl + 4096 };
		struct pstore_blob blob = { "dmesg-ramoops-0.enc.z", z, zl, 0, 0 };

		assert_non_null(z);
		assert_true(rl > 4096);
		assert_int_equal(pstore_scan_mem(&blob, 1, &o, &s), 0);
		assert_int_equal(s->stats.over_budget, 1);
		assert_int_equal(s->stats.undecodable, 0);
		assert_int_equal(s->files[0].error, -EFBIG);
		assert_false(s->files[0].undecodable);
		assert_int_equal(s->nitems, 0);
		pstore_scan_free(s);
		free(z);
	}
	/* Nothing decodes (lzo, 842, or a truncated stream): raw kept. */
	{
		size_t zl;
		char *z = compress_as("zlib", rec, rl, &zl);
		struct pstore_scan *s = NULL;

		for (size_t k = 0; k < 2; k++)
			z[k] = (char)0xa5; /* no zlib header */
		for (size_t k = 2; k < zl; k += 3)
			z[k] ^= 0x5a;
		struct pstore_blob blob = { "dmesg-efi-170000000001001.enc.z", z,
					    zl, 0, 0 };

		assert_int_equal(pstore_scan_mem(&blob, 1, NULL, &s), 0);
		assert_int_equal(s->stats.undecodable, 1);
		assert_int_equal(s->nitems, 1);
		assert_true(s->items[0].undecodable);
		assert_null(s->items[0].report);
		assert_int_equal(s->items[0].text_len, zl);
		assert_memory_equal(s->items[0].text, z, zl);
		assert_false(s->items[0].complete);
		pstore_scan_free(s);
		free(z);
	}
	free(rec);
	free(log);
}

/* ------------------------------------------------- console, garbage --- */

/*
 * A watchdog reset leaves no dmesg record, only console-ramoops-0, a ring
 * that starts mid-line and has console lines (no "<level>").  The last
 * complete report is used.
 */
static void test_console_fallback(void **state)
{
	size_t ends[4];
	char *log = boot_log(ends);
	struct sbuf con = { 0 };
	struct pstore_scan *s = NULL;

	/* Console form: drop "<level>" prefixes; start mid-line. */
	sb_add(&con, "rrier ok\n", 9);
	for (const char *p = log; p < log + ends[2];) {
		const char *nl = strchr(p, '\n');
		const char *q = strchr(p, '>') + 1;

		sb_add(&con, q, (size_t)(nl + 1 - q));
		p = nl + 1;
	}
	struct pstore_blob blobs[2] = {
		{ "console-ramoops-0", con.s, con.len, 0, 0 },
		{ "pmsg-ramoops-0", "\x01\x02 logd frame\n", 14, 0, 0 },
	};

	assert_int_equal(pstore_scan_mem(blobs, 2, NULL, &s), 0);
	assert_int_equal(s->nitems, 1);
	assert_int_equal(s->items[0].source, PSTORE_SRC_CONSOLE);
	assert_non_null(strstr(s->items[0].text, "third_crash+0x11"));
	assert_int_equal(s->nattachments, 1);
	assert_string_equal(s->files[s->attachments[0]].name, "pmsg-ramoops-0");
	pstore_scan_free(s);

	/* No report in the console (hard reset): its tail, line-aligned. */
	{
		struct sbuf t = { 0 };
		struct pstore_options o = { .console_tail_bytes = 300 };

		noise(&t, 1000000, 40);
		struct pstore_blob b1 = { "console-ramoops-0", t.s, t.len, 0, 0 };

		assert_int_equal(pstore_scan_mem(&b1, 1, &o, &s), 0);
		assert_int_equal(s->nitems, 1);
		assert_true(s->items[0].console_tail);
		assert_null(s->items[0].report);
		assert_true(s->items[0].text_len <= 300);
		assert_true(s->items[0].text[0] == '<');
		assert_memory_equal(s->items[0].text,
				    t.s + t.len - s->items[0].text_len,
				    s->items[0].text_len);
		pstore_scan_free(s);
		free(t.s);
	}
	/*
	 * A Shutdown dump (no report) and a console with a report: the
	 * console's report is the crash.  With a console without a report,
	 * there is nothing: the tail is the end of a clean shutdown.
	 */
	{
		const char *shut = "Shutdown#1 Part1\n<6>[ 99.000000] reboot: "
				   "Power down\n";
		struct sbuf t = { 0 };
		struct pstore_blob b3[2] = {
			{ "console-ramoops-0", con.s, con.len, 0, 0 },
			{ "dmesg-ramoops-0", shut, strlen(shut), 0, 0 },
		};

		assert_int_equal(pstore_scan_mem(b3, 2, NULL, &s), 0);
		assert_int_equal(s->nitems, 1);
		assert_int_equal(s->items[0].source, PSTORE_SRC_CONSOLE);
		assert_non_null(strstr(s->items[0].text, "third_crash+0x11"));
		pstore_scan_free(s);
		noise(&t, 1000000, 40);
		b3[0].data = t.s;
		b3[0].len = t.len;
		assert_int_equal(pstore_scan_mem(b3, 2, NULL, &s), 0);
		assert_int_equal(s->nitems, 0);
		pstore_scan_free(s);
		free(t.s);
	}
	/*
	 * printk.always_kmsg_dump: a clean shutdown dumps the log, which
	 * holds an earlier oops.  The oops is a record, but the Shutdown
	 * dump was not its doing: no reason.
	 */
	{
		size_t rl;
		char *rec = dump_record(log, 0, ends[0] + 500, "Shutdown", 1, 1,
					&rl);
		struct pstore_blob b4 = { "dmesg-ramoops-0", rec, rl, 0, 0 };

		assert_int_equal(pstore_scan_mem(&b4, 1, NULL, &s), 0);
		assert_int_equal(s->nitems, 1);
		assert_string_equal(s->items[0].reason, "");
		pstore_scan_free(s);
		free(rec);
	}
	/*
	 * A dmesg record no decoder reads: the console stands in for its
	 * text, and the raw bytes still get a record of their own (the file
	 * goes once both are acknowledged).
	 */
	{
		unsigned char junk[600];
		struct pstore_blob b5[2] = {
			{ "console-ramoops-0", con.s, con.len, 0, 0 },
			{ "dmesg-ramoops-0.enc.z", junk, sizeof(junk), 0, 0 },
		};

		for (size_t i = 0; i < sizeof(junk); i++)
			junk[i] = (unsigned char)(i * 7919 + 13);
		assert_int_equal(pstore_scan_mem(b5, 2, NULL, &s), 0);
		assert_int_equal(s->nitems, 2);
		assert_int_equal(s->items[0].source, PSTORE_SRC_CONSOLE);
		assert_non_null(strstr(s->items[0].text, "third_crash+0x11"));
		assert_true(s->items[1].undecodable);
		assert_int_equal(s->items[1].text_len, sizeof(junk));
		pstore_scan_free(s);
	}
	/* A dmesg record with a report exists: the console is not used. */
	{
		size_t rl;
		char *rec = dump_record(log, 0, ends[0], "Oops", 1, 1, &rl);
		struct pstore_blob b2[2] = {
			{ "console-ramoops-0", con.s, con.len, 0, 0 },
			{ "dmesg-ramoops-0", rec, rl, 0, 0 },
		};

		assert_int_equal(pstore_scan_mem(b2, 2, NULL, &s), 0);
		assert_int_equal(s->nitems, 1);
		assert_int_equal(s->items[0].source, PSTORE_SRC_DMESG);
		pstore_scan_free(s);
		free(rec);
	}
	free(con.s);
	free(log);
}

/* Uninitialised RAM after a cold boot: no item, counted as garbage. */
static void test_garbage(void **state)
{
	unsigned char junk[4096];
	struct pstore_scan *s = NULL;
	uint32_t x = 12345;

	for (size_t i = 0; i < sizeof(junk); i++) {
		x = x * 1103515245 + 12345;
		junk[i] = (unsigned char)(x >> 16);
	}
	struct pstore_blob blobs[4] = {
		{ "console-ramoops-0", junk, sizeof(junk), 0, 0 },
		{ "dmesg-ramoops-0", junk, sizeof(junk), 0, 0 },
		{ "dmesg-ramoops-1", "", 0, 0, 0 },	/* empty */
		{ "dmesg-ramoops-2", NULL, 0, -EIO, 0 }, /* unreadable */
	};

	assert_int_equal(pstore_scan_mem(blobs, 4, NULL, &s), 0);
	assert_int_equal(s->nitems, 0);
	assert_int_equal(s->stats.garbage, 3);
	assert_int_equal(s->stats.unreadable, 1);
	pstore_scan_free(s);
}

/* ------------------------------------------------------- directories --- */

static void write_file(const char *dir, const char *name, const void *data,
		       size_t len)
{
	char path[1024];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static bool exists(const char *dir, const char *name)
{
	char path[1024];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return lstat(path, &st) == 0;
}

/*
 * A directory with everything that must not hurt: a symlink to a file
 * outside (never followed), a FIFO (would block a plain open), a
 * directory where a file is expected, an empty file, names that do not
 * parse, and a 100 MB sparse console file (read with a bound: head + tail).
 */
static void test_dir_hostile(void **state)
{
	char *dir = test_tmpdir(), *out = test_tmpdir(), path[1024];
	size_t ends[4], rl;
	char *log = boot_log(ends);
	char *rec = dump_record(log, 0, ends[0], "Oops", 1, 1, &rl);
	struct pstore_options o = { .max_file_bytes = 1 << 20 };
	struct pstore_scan *s = NULL;
	int fd;

	write_file(dir, "dmesg-ramoops-0", rec, rl);
	/* The symlink points at a real oops outside: it must not be read. */
	write_file(out, "secret", rec, rl);
	snprintf(path, sizeof(path), "%s/dmesg-ramoops-1", dir);
	assert_int_equal(symlink(out, path), 0);
	snprintf(path, sizeof(path), "%s/secret", out);
	{
		char lp[1024];

		snprintf(lp, sizeof(lp), "%s/dmesg-ramoops-2", dir);
		assert_int_equal(symlink(path, lp), 0);
	}
	snprintf(path, sizeof(path), "%s/dmesg-ramoops-3", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	snprintf(path, sizeof(path), "%s/dmesg-ramoops-4", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	write_file(dir, "dmesg-ramoops-5", "", 0);
	write_file(dir, "not-a-pstore-name", "x", 1);
	/* 100 MB, sparse, with a report at the very end. */
	snprintf(path, sizeof(path), "%s/console-ramoops-0", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 100 << 20), 0);
	assert_int_equal(pwrite(fd, log, ends[3], (100 << 20) - (off_t)ends[3]),
			 (ssize_t)ends[3]);
	close(fd);

	/* The agent drops its capability when every file is read, before
	 * anything is parsed: the hook runs once per scan. */
	o.read_done = count_read_done;
	o.read_done_arg = &read_done_calls;
	assert_int_equal(pstore_scan_dir(dir, &o, &s), 0);
	assert_int_equal(read_done_calls, 1);
	assert_int_equal(s->stats.files, 8);
	assert_int_equal(s->stats.unreadable, 4); /* 2 links, FIFO, dir */
	assert_int_equal(s->stats.bad_names, 1);
	assert_int_equal(s->stats.cut, 1);
	assert_int_equal(s->nitems, 1);
	assert_int_equal(s->items[0].nfiles, 1);
	assert_string_equal(s->files[s->items[0].files[0]].name,
			    "dmesg-ramoops-0");
	for (size_t i = 0; i < s->nfiles; i++) {
		if (strcmp(s->files[i].name, "console-ramoops-0") == 0) {
			assert_true(s->files[i].cut);
			assert_true(s->files[i].raw_len <= (1u << 20));
			assert_true(s->files[i].size == (100u << 20));
		}
		if (strcmp(s->files[i].name, "dmesg-ramoops-2") == 0)
			assert_int_equal(s->files[i].error, -ELOOP);
	}
	pstore_scan_free(s);
	assert_int_equal(pstore_scan_dir("/nonexistent/pstore", NULL, &s),
			 -ENOENT);
	test_rmtree(dir);
	test_rmtree(out);
	free(rec);
	free(log);
}

/*
 * Removal: two oopses in two ramoops dumps.  dmesg-ramoops-0 holds oops
 * #1; dmesg-ramoops-1 holds #1 and #2.  Acknowledging #1 removes file 0
 * (only #1 needs it); file 1 stays until #2 is acknowledged too, and the
 * pmsg attachment goes with the last one.  A crash between the state
 * write and the unlink is simulated by putting a file back: the next run
 * sees its item acknowledged, not new.
 */
static void test_remove_state(void **state)
{
	char *dir = test_tmpdir(), *var = test_tmpdir(), st[1100];
	size_t ends[4], l0, l1;
	char *log = boot_log(ends);
	char *a = dump_record(log, 0, ends[0], "Oops", 1, 1, &l0);
	char *b = dump_record(log, 0, ends[1], "Oops", 2, 1, &l1);
	struct pstore_scan *s = NULL;
	size_t i1, i2;

	snprintf(st, sizeof(st), "%s/pstore.state", var);
	write_file(dir, "dmesg-ramoops-0", a, l0);
	write_file(dir, "dmesg-ramoops-1", b, l1);
	write_file(dir, "pmsg-ramoops-0", "hello\n", 6);

	assert_int_equal(pstore_scan_dir(dir, NULL, &s), 0);
	assert_int_equal(s->nitems, 2);
	assert_int_equal(pstore_state_apply(s, st), 0); /* no state yet */
	i1 = (size_t)(find_item(s, "first_crash") - s->items);
	i2 = (size_t)(find_item(s, "second_crash") - s->items);
	assert_int_equal(pstore_remove_entries(s, i1, st), 1);
	assert_false(exists(dir, "dmesg-ramoops-0"));
	assert_true(exists(dir, "dmesg-ramoops-1"));
	assert_true(exists(dir, "pmsg-ramoops-0"));
	pstore_scan_free(s);

	/* "Reboot": a new scan finds #1 (in file 1) acked, #2 not. */
	assert_int_equal(pstore_scan_dir(dir, NULL, &s), 0);
	assert_int_equal(s->nitems, 2);
	assert_int_equal(pstore_state_apply(s, st), 1);
	assert_true(find_item(s, "first_crash")->acked);
	assert_false(find_item(s, "second_crash")->acked);
	i2 = (size_t)(find_item(s, "second_crash") - s->items);
	assert_int_equal(pstore_remove_entries(s, i2, st), 2); /* + pmsg */
	assert_false(exists(dir, "dmesg-ramoops-1"));
	assert_false(exists(dir, "pmsg-ramoops-0"));
	pstore_scan_free(s);

	/* Killed after the state write, before the unlink: the file is back. */
	write_file(dir, "dmesg-ramoops-0", a, l0);
	assert_int_equal(pstore_scan_dir(dir, NULL, &s), 0);
	assert_int_equal(s->nitems, 1);
	assert_int_equal(pstore_state_apply(s, st), 1);
	assert_true(s->items[0].acked);
	assert_int_equal(pstore_remove_entries(s, 0, st), 1);
	assert_false(exists(dir, "dmesg-ramoops-0"));
	pstore_scan_free(s);

	/* A state file that cannot be written: nothing is removed. */
	write_file(dir, "dmesg-ramoops-0", a, l0);
	assert_int_equal(pstore_scan_dir(dir, NULL, &s), 0);
	assert_true(pstore_remove_entries(s, 0, "/nonexistent/dir/state") < 0);
	assert_true(exists(dir, "dmesg-ramoops-0"));
	assert_int_equal(pstore_remove_entries(s, 5, st), -EINVAL);
	pstore_scan_free(s);
	(void)i2;
	test_rmtree(dir);
	test_rmtree(var);
	free(a);
	free(b);
	free(log);
}

/*
 * What no record uses goes with the last acknowledgement: a Shutdown dump
 * without a report and a dump of uninitialised RAM; a symlink, a name that
 * does not parse and a directory are never touched.  With no item at all,
 * pstore_remove_unclaimed() frees the space at once (EFI NVRAM fills up
 * otherwise).
 */
static void test_remove_unclaimed(void **state)
{
	char *dir = test_tmpdir(), *var = test_tmpdir(), st[1100], p[1100];
	size_t ends[4], l0;
	char *log = boot_log(ends);
	char *a = dump_record(log, 0, ends[0], "Oops", 1, 1, &l0);
	char junk[512];
	struct pstore_scan *s = NULL;
	const char *shut = "Shutdown#1 Part1\n<6>[ 99.000000] reboot: Power down\n";

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 131 + 7);
	snprintf(st, sizeof(st), "%s/pstore.state", var);
	write_file(dir, "dmesg-ramoops-0", a, l0);
	write_file(dir, "dmesg-efi-170000000001001", shut, strlen(shut));
	write_file(dir, "dmesg-ramoops-2", junk, sizeof(junk));
	write_file(dir, "not-pstore", "x", 1);
	snprintf(p, sizeof(p), "%s/dmesg-ramoops-3", dir);
	assert_int_equal(symlink("/etc/hostname", p), 0);
	snprintf(p, sizeof(p), "%s/dmesg-ramoops-4", dir);
	assert_int_equal(mkdir(p, 0700), 0);

	assert_int_equal(pstore_scan_dir(dir, NULL, &s), 0);
	assert_int_equal(s->nitems, 1);
	/* An item is not acknowledged yet: nothing goes. */
	assert_int_equal(pstore_remove_unclaimed(s), 0);
	assert_true(exists(dir, "dmesg-efi-170000000001001"));
	assert_int_equal(pstore_remove_entries(s, 0, st), 3);
	assert_false(exists(dir, "dmesg-ramoops-0"));
	assert_false(exists(dir, "dmesg-efi-170000000001001"));
	assert_false(exists(dir, "dmesg-ramoops-2"));
	assert_true(exists(dir, "not-pstore"));
	assert_true(exists(dir, "dmesg-ramoops-3"));
	assert_true(exists(dir, "dmesg-ramoops-4"));
	assert_true(exists("/etc", "hostname"));
	pstore_scan_free(s);

	/* Nothing but a Shutdown dump: no item, removable at once. */
	write_file(dir, "dmesg-efi-170000000001001", shut, strlen(shut));
	assert_int_equal(pstore_scan_dir(dir, NULL, &s), 0);
	assert_int_equal(s->nitems, 0);
	assert_int_equal(pstore_remove_unclaimed(s), 1);
	assert_false(exists(dir, "dmesg-efi-170000000001001"));
	pstore_scan_free(s);
	test_rmtree(dir);
	test_rmtree(var);
	free(a);
	free(log);
}

/* ------------------------------------------------- real kernel output --- */

/* tests/data/qemu/NAME (OOPSD_TESTDATA overrides tests/data). */
static struct pstore_scan *scan_fixture_dir(const char *name)
{
	const char *base = getenv("OOPSD_TESTDATA");
	struct pstore_scan *s = NULL;
	char dir[1024];

	snprintf(dir, sizeof(dir), "%s/qemu/%s", base ? base : "tests/data",
		 name);
	if (pstore_scan_dir(dir, NULL, &s) < 0)
		fail_msg("cannot scan fixture directory %s", dir);
	return s;
}

/* Expected items of a capture: a text in the report, reason, files. */
struct want {
	const char *needle;
	const char *reason;
	size_t nfiles;
};

static void check_capture(const char *name, const struct want *w, size_t n,
			  bool ecc, const char *decompressed_by)
{
	struct pstore_scan *s = scan_fixture_dir(name);

	if (s->nitems != n)
		fail_msg("%s: %zu items, want %zu", name, s->nitems, n);
	for (size_t i = 0; i < n; i++) {
		const struct pstore_item *it = &s->items[i]; /* log order */

		if (strstr(it->text, w[i].needle) == NULL)
			fail_msg("%s: item %zu lacks '%s'", name, i,
				 w[i].needle);
		assert_string_equal(it->reason, w[i].reason);
		assert_int_equal(it->nfiles, w[i].nfiles);
		assert_int_equal(it->source, PSTORE_SRC_DMESG);
		assert_true(it->complete);
		assert_int_equal(it->ecc.present, ecc);
		if (decompressed_by)
			assert_string_equal(it->decompressed_by,
					    decompressed_by);
		else
			assert_null(it->decompressed_by);
		assert_true(it->time_us > 0);
	}
	pstore_scan_free(s);
}

/*
 * Captures from a real 6.1 kernel under QEMU (tests/data/qemu/README.md):
 * ramoops after bug, null, panic; each dump holds the whole log so far, so
 * the BUG report is in all three files and must come out once.
 */
static void test_qemu_oops_oops_panic(void **state)
{
	static const struct want w[] = {
		{ "crashmod_do_bug", "Oops", 3 },
		{ "crashmod_do_null", "Oops", 2 },
		{ "crashmod: panic requested", "Panic", 1 },
	};
	struct pstore_scan *s;

	/* Compressed (deflate) by the crashed kernel, decompressed by the
	 * next one, which the log says; with pstore.compress=none, not. */
	check_capture("pstore-oops-oops-panic", w, 3, false, "kernel");
	check_capture("pstore-nocompress", w, 3, false, NULL);
	/*
	 * After the second oops x86 reprints the FIRST oops's RIP (the
	 * summary after "---[ end trace ]---"): still the null report's own
	 * RIP, and no extra item.
	 */
	s = scan_fixture_dir("pstore-oops-oops-panic");
	assert_non_null(s->items[1].report);
	assert_non_null(s->items[1].report->pc);
	assert_non_null(strstr(s->items[1].report->pc, "crashmod_do_null"));
	pstore_scan_free(s);
}

static void test_qemu_shapes(void **state)
{
	static const struct want panic[] = {
		{ "crashmod: panic requested", "Panic", 1 },
	};
	static const struct want bug_panic[] = {
		{ "crashmod_do_bug", "Oops", 2 },
		{ "crashmod: panic requested", "Panic", 1 },
	};
	static const struct want null_panic[] = {
		{ "crashmod_do_null", "Oops", 2 },
		{ "crashmod: panic requested", "Panic", 1 },
	};
	/* A WARNING, a hung task and a soft lockup make no dump of their
	 * own: they are in the log of the later dumps, with no reason. */
	static const struct want lockup[] = {
		{ "crashmod_do_warn", "", 3 },
		{ "crashmod_hung", "", 3 },
		{ "soft lockup", "", 3 },
		{ "crashmod_do_bug", "Oops", 3 },
		{ "crashmod_do_null", "Oops", 2 },
		{ "crashmod: panic requested", "Panic", 1 },
	};

	check_capture("pstore-panic", panic, 1, false, "kernel");
	check_capture("pstore-ecc", bug_panic, 2, true, "kernel");
	/* The next kernel could not decompress: raw deflate, decoded here. */
	check_capture("pstore-enc-z", bug_panic, 2, false, "deflate");
	check_capture("pstore-small-record", null_panic, 2, false, "kernel");
	check_capture("pstore-small-record-nocompress", null_panic, 2, false,
		      NULL);
	check_capture("pstore-lockup-hung", lockup, 6, false, "kernel");
}

/*
 * console-ramoops from real kernel output: the serial console of the
 * QEMU bug, null, panic run (the same text a console record holds: no
 * "<level>"), cut where boot 1 starts.  With no dmesg record the last
 * report is used: the panic.  Cut before the panic and started in the
 * middle of a line (a wrapped ring), it is the null oops.
 */
static void test_qemu_console(void **state)
{
	size_t len;
	char *con = test_fixture("qemu/console-oops-oops-panic.log", &len);
	char *boot1 = strstr(con + 1, "[    0.000000] Linux version");
	char *panic = strstr(con, "Kernel panic - not syncing");
	struct pstore_scan *s = NULL;

	assert_non_null(boot1);
	assert_non_null(panic);
	struct pstore_blob b = { "console-ramoops-0", con,
				 (size_t)(boot1 - con), 0, 0 };

	assert_int_equal(pstore_scan_mem(&b, 1, NULL, &s), 0);
	assert_int_equal(s->nitems, 1);
	assert_int_equal(s->items[0].source, PSTORE_SRC_CONSOLE);
	assert_non_null(strstr(s->items[0].text, "crashmod: panic requested"));
	assert_int_equal(s->items[0].report->kind, OOPS_KIND_PANIC);
	pstore_scan_free(s);

	while (panic > con && panic[-1] != '\n')
		panic--;
	b.data = con + 10000 + 7; /* mid-line */
	b.len = (size_t)(panic - con) - 10007;
	assert_int_equal(pstore_scan_mem(&b, 1, NULL, &s), 0);
	assert_int_equal(s->nitems, 1);
	assert_non_null(strstr(s->items[0].text, "crashmod_do_null"));
	assert_true(s->items[0].time_us > 0);
	pstore_scan_free(s);
	free(con);
}

/*
 * Uninitialised RAM comes in several shapes: random bytes, all zeros
 * (cleared memory), all 0xff (erased flash / some RAM).  None is a log.
 * Text with UTF-8 (a comm or a path) is one.
 */
static void test_garbage_shapes(void **state)
{
	static char buf[8192];
	struct pstore_scan *s = NULL;
	struct pstore_blob b = { "console-ramoops-0", buf, sizeof(buf), 0, 0 };

	memset(buf, 0, sizeof(buf));
	assert_int_equal(pstore_scan_mem(&b, 1, NULL, &s), 0);
	assert_int_equal(s->nitems, 0);
	assert_int_equal(s->stats.garbage, 1);
	pstore_scan_free(s);
	memset(buf, 0xff, sizeof(buf));
	buf[100] = '\n';
	assert_int_equal(pstore_scan_mem(&b, 1, NULL, &s), 0);
	assert_int_equal(s->nitems, 0);
	assert_int_equal(s->stats.garbage, 1);
	pstore_scan_free(s);
	b.len = 0;
	for (int i = 0; i < 60; i++)
		b.len += (size_t)sprintf(buf + b.len, "[   %2d.000000] caf\xc3\xa9 "
					 "\xe2\x80\x94 ok\n", i);
	b.data = buf;
	assert_int_equal(pstore_scan_mem(&b, 1, NULL, &s), 0);
	assert_int_equal(s->stats.garbage, 0);
	assert_int_equal(s->nitems, 1);
	assert_true(s->items[0].console_tail);
	pstore_scan_free(s);
}

/*
 * printk.time=0: no "[ sec.usec]" to identify a report's place.  The
 * first line and the two after it stand in: the same oops in two dumps is
 * still one record, two different oopses stay two.
 */
static void test_no_printk_time(void **state)
{
	size_t ends[4], l0, l1;
	char *log = boot_log(ends);
	struct sbuf nt = { 0 };
	size_t e0 = 0, e1 = 0;
	struct pstore_scan *s = NULL;

	/* Drop the times: "<4>[   10.000010] x" -> "<4>x". */
	for (const char *p = log; *p;) {
		const char *nl = strchr(p, '\n'), *rb = strchr(p, ']');

		sb_add(&nt, p, 3);
		sb_add(&nt, rb + 2, (size_t)(nl + 1 - (rb + 2)));
		p = nl + 1;
		if ((size_t)(p - log) == ends[0])
			e0 = nt.len;
		if ((size_t)(p - log) == ends[1])
			e1 = nt.len;
	}
	char *a = dump_record(nt.s, 0, e0, "Oops", 1, 1, &l0);
	char *b = dump_record(nt.s, 0, e1, "Oops", 2, 1, &l1);
	struct pstore_blob blobs[2] = {
		{ "dmesg-ramoops-0", a, l0, 0, 0 },
		{ "dmesg-ramoops-1", b, l1, 0, 0 },
	};

	assert_int_equal(pstore_scan_mem(blobs, 2, NULL, &s), 0);
	assert_int_equal(s->nitems, 2);
	assert_int_equal(find_item(s, "first_crash+0x11")->nfiles, 2);
	assert_int_equal(find_item(s, "second_crash+0x11")->nfiles, 1);
	assert_int_equal(find_item(s, "first_crash+0x11")->time_us, -1);
	pstore_scan_free(s);
	free(a);
	free(b);

	/* One dump with the same oops printed twice: two items, two keys. */
	{
		struct sbuf two = { 0 };
		size_t l2;
		char *c;

		sb_add(&two, nt.s, e0);
		sb_add(&two, nt.s, e0);
		c = dump_record(two.s, 0, two.len, "Oops", 2, 1, &l2);
		struct pstore_blob blob = { "dmesg-ramoops-0", c, l2, 0, 0 };

		assert_int_equal(pstore_scan_mem(&blob, 1, NULL, &s), 0);
		assert_int_equal(s->nitems, 2);
		assert_false(s->items[0].key[0] == s->items[1].key[0] &&
			     s->items[0].key[1] == s->items[1].key[1]);
		pstore_scan_free(s);
		free(c);
		free(two.s);
	}
	free(nt.s);
	free(log);
}

/*
 * The record of each kind of item (lib/record.h): a parsed report with
 * its origin, a console tail ("unexpected kernel reboot") and an
 * undecodable dump ("corrupted report", raw bytes kept), packed and read
 * back.
 */
static void test_item_records(void **state)
{
	size_t ends[4], rl, zl;
	char *log = boot_log(ends);
	char *rec = dump_record(log, 0, ends[0], "Oops", 1, 1, &rl);
	char *z = compress_as("deflate", rec, rl, &zl);
	struct sbuf t = { 0 };
	static uint8_t buf[1 << 20];
	struct pstore_scan *s = NULL;

	const char *trailer = "\nECC: 1 Corrected bytes, 0 unrecoverable "
			      "blocks\n";

	z = realloc(z, zl + 64);
	zl += (size_t)sprintf(z + zl, "%s", trailer);
	struct pstore_blob blobs[2] = {
		{ "dmesg-ramoops-0.enc.z", z, zl, 0, 1700000000123456LL },
		{ "pmsg-ramoops-0", "x\n", 2, 0, 0 },
	};
	assert_int_equal(pstore_scan_mem(blobs, 2, NULL, &s), 0);
	assert_int_equal(s->nitems, 1);
	for (int pass = 0; pass < 3; pass++) {
		struct pstore_record pr;
		Oopsd__CrashRecord *r = NULL;
		const char *why = NULL;
		int n;

		assert_int_equal(pstore_item_record(s, 0, &pr), 0);
		n = record_pack_fit(pr.report, &pr.origin, buf, sizeof(buf));
		assert_true(n > 0);
		assert_int_equal(record_unpack(buf, (size_t)n, NULL, &r, &why), 0);
		assert_int_equal(r->origin->n_files, 1);
		assert_int_equal(r->origin->n_attachments, 1);
		assert_string_equal(r->origin->attachments[0], "pmsg-ramoops-0");
		if (pass == 0) {
			assert_int_equal(r->origin->source,
					 OOPSD__SOURCE__SOURCE_PSTORE_DMESG);
			assert_string_equal(r->origin->files[0],
					    "dmesg-ramoops-0.enc.z");
			assert_string_equal(r->origin->reason, "Oops");
			assert_string_equal(r->origin->decompressed_by, "deflate");
			assert_int_equal(r->origin->parts_expected, 1);
			assert_int_equal(r->origin->parts_found, 1);
			assert_true(r->origin->complete);
			assert_int_equal(r->origin->ecc_corrected, 1);
			assert_true(r->crash_time_us == 1700000000123456LL);
			assert_non_null(strstr(r->crash->title, "first_crash"));
		} else if (pass == 1) {
			assert_int_equal(r->origin->source,
					 OOPSD__SOURCE__SOURCE_PSTORE_CONSOLE);
			assert_string_equal(r->crash->title,
					    "unexpected kernel reboot");
			assert_int_equal(r->crash->kind,
					 OOPSD__CRASH_KIND__KIND_REBOOT);
			assert_false(r->origin->complete);
		} else {
			assert_string_equal(r->crash->title,
					    "corrupted report (undecodable "
					    "pstore record)");
			assert_true(r->crash->corrupted);
			/* The raw bytes, without the ECC trailer. */
			assert_int_equal(r->report_len, zl - strlen(trailer));
			assert_int_equal(r->origin->ecc_corrected, 1);
		}
		record_free(r);
		pstore_record_release(&pr);
		pstore_scan_free(s);
		s = NULL;
		if (pass == 0) {
			noise(&t, 1000000, 40);
			blobs[0] = (struct pstore_blob){ "console-ramoops-0", t.s,
							 t.len, 0, 0 };
		} else if (pass == 1) {
			for (size_t k = 0; k < 8; k++)
				z[k] = (char)0xa5; /* no decoder reads it */
			blobs[0] = (struct pstore_blob){ "dmesg-ramoops-0.enc.z", z,
							 zl, 0, 0 };
		} else {
			break;
		}
		assert_int_equal(pstore_scan_mem(blobs, 2, NULL, &s), 0);
		assert_int_equal(s->nitems, 1);
	}
	free(t.s);
	free(z);
	free(rec);
	free(log);
}

/*
 * A record over max_file_bytes keeps its header line and its newest tail
 * from a line boundary (the crash is at the end of the log), flagged cut:
 * the record says it is not complete.
 */
static void test_big_record_head_tail(void **state)
{
	size_t ends[4], rl;
	char *log = boot_log(ends);
	char *rec = dump_record(log, 0, ends[1], "Oops", 2, 1, &rl);
	struct pstore_options o = { .max_file_bytes = 2000 };
	struct pstore_blob b = { "dmesg-ramoops-0", rec, rl, 0, 0 };
	struct pstore_scan *s = NULL;

	assert_true(rl > 4000);
	assert_int_equal(pstore_scan_mem(&b, 1, &o, &s), 0);
	assert_true(s->files[0].cut);
	assert_true(s->files[0].raw_len <= 2000);
	assert_true(s->files[0].header_ok);
	assert_int_equal(s->files[0].hdr.count, 2);
	assert_true(s->files[0].body[0] == '<');
	assert_int_equal(s->nitems, 1);
	assert_non_null(strstr(s->items[0].text, "second_crash+0x11"));
	assert_string_equal(s->items[0].reason, "Oops");
	assert_false(s->items[0].complete);
	pstore_scan_free(s);
	free(rec);
	free(log);
}

/* ---------------------------------------------------------- archive --- */

struct arch_seen {
	char keys[16][33];
	char subdir[16][64];
	char titles[16][128];
	int n, scans;
	unsigned int bad_names, files;
	int remove_rc;
};

static void arch_cb(struct pstore_scan *s, const char *subdir, void *arg)
{
	struct arch_seen *a = arg;

	a->scans++;
	a->bad_names += s->stats.bad_names;
	a->files += s->stats.files;
	for (size_t i = 0; i < s->nitems && a->n < 16; i++) {
		pstore_item_key_hex(&s->items[i], a->keys[a->n]);
		str_lcpy(a->subdir[a->n], subdir, sizeof(a->subdir[0]));
		str_lcpy(a->titles[a->n],
			 s->items[i].report && s->items[i].report->title ?
				 s->items[i].report->title : "",
			 sizeof(a->titles[0]));
		a->n++;
	}
	/* Never deleted there. */
	if (s->nitems > 0)
		a->remove_rc = pstore_remove_entries(s, 0, "/nonexistent/state");
}

/*
 * systemd-pstore's archive, made by hand as its pstore.c lays it out: an
 * EFI dump in a subdirectory named by the record id without its last 6
 * digits, with the dmesg.txt that repeats its parts (each after a "NAME:"
 * line, highest part first); a ramoops dump of another crash at the top
 * level with the top-level dmesg.txt; a pmsg attachment; a symlink to a
 * directory and an unknown file.  Each report comes out once (the copies
 * are never read), with the key it has when read from /sys/fs/pstore, and
 * nothing can be deleted.
 */
static void test_archive(void **state)
{
	char *live = test_tmpdir(), *arch = test_tmpdir();
	char sub[1024], name[64], id[32], path[1024];
	size_t ends[4], st[16], sp[16], rl;
	char *log = boot_log(ends);
	struct sbuf txt = { 0 }, top = { 0 };
	struct pstore_scan *s = NULL;
	struct pstore_archive_stats as;
	struct arch_seen a = { 0 };
	char live_key[33];
	char *rec;
	int np;

	np = split_parts(log, line_start(log, ends[3] - 3000), ends[3], 1024, st,
			 sp, 16);
	assert_true(np >= 3);
	snprintf(id, sizeof(id), "%llu",
		 (unsigned long long)efi_id(1700000000, 1, 1));
	id[strlen(id) - 6] = '\0';
	snprintf(sub, sizeof(sub), "%s/%s", arch, id);
	assert_int_equal(mkdir(sub, 0700), 0);
	for (int k = np; k >= 1; k--) {
		size_t len;

		rec = dump_record(log, st[k - 1], sp[k - 1], "Panic", 1, k, &len);
		snprintf(name, sizeof(name), "dmesg-efi_pstore-%llu",
			 (unsigned long long)efi_id(1700000000, k, 1));
		write_file(live, name, rec, len);
		write_file(sub, name, rec, len);
		sb_printf(&txt, "%s:\n", name);
		sb_add(&txt, rec, len);
		free(rec);
	}
	write_file(sub, "dmesg.txt", txt.s, txt.len);
	/* Top level: the ramoops dump of another boot's oops. */
	rec = dump_record(log, 0, ends[0], "Oops", 1, 1, &rl);
	write_file(arch, "dmesg-ramoops-0", rec, rl);
	sb_printf(&top, "dmesg-ramoops-0:\n");
	sb_add(&top, rec, rl);
	write_file(arch, "dmesg.txt", top.s, top.len);
	write_file(arch, "pmsg-ramoops-0", "app log\n", 8);
	write_file(arch, "notes.old", "x\n", 2);
	snprintf(path, sizeof(path), "%s/link", arch);
	assert_int_equal(symlink(sub, path), 0);
	free(rec);

	assert_true(pstore_dir_is_archive(arch));
	assert_false(pstore_dir_is_archive(live));
	assert_int_equal(pstore_scan_dir(live, NULL, &s), 0);
	assert_true(s->nitems >= 1 && s->nitems < 8);

	assert_int_equal(pstore_scan_archive(arch, NULL, arch_cb, &a, &as), 0);
	assert_int_equal(as.scans, 2);		/* top level + one dump */
	assert_int_equal(a.scans, 2);
	/* dmesg.txt never counted: the dump's reports once, plus ramoops. */
	assert_int_equal(a.n, 1 + (int)s->nitems);
	assert_string_equal(a.subdir[0], "");
	assert_non_null(strstr(a.titles[0], "first_crash"));
	for (size_t i = 0; i < s->nitems; i++) {
		/* The same key in /sys/fs/pstore and in the archive. */
		pstore_item_key_hex(&s->items[i], live_key);
		assert_string_equal(a.subdir[1 + i], id);
		assert_string_equal(a.keys[1 + i], live_key);
	}
	/* notes.old and the symlink "link": names of no pstore record. */
	assert_int_equal(a.bad_names, 2);
	/* Top: ramoops, pmsg, notes.old, link; the dump: its parts. */
	assert_int_equal(a.files, 4 + (unsigned int)np);
	assert_int_equal(a.remove_rc, -EINVAL);
	assert_true(snprintf(name, sizeof(name), "%s/dmesg-efi_pstore-%llu",
			     id, (unsigned long long)efi_id(1700000000, 1, 1)) <
		    (int)sizeof(name));
	assert_true(exists(arch, name));
	assert_true(exists(arch, "dmesg-ramoops-0"));
	/* A missing archive (systemd-pstore not installed). */
	snprintf(path, sizeof(path), "%s/nope", arch);
	assert_int_equal(pstore_scan_archive(path, NULL, arch_cb, &a, &as),
			 -ENOENT);

	pstore_scan_free(s);
	free(txt.s);
	free(top.s);
	free(log);
	test_rmtree(live);
	test_rmtree(arch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_ecc),
		cmocka_unit_test(test_decompress),
		cmocka_unit_test(test_ramoops_exactly_once),
		cmocka_unit_test(test_ramoops_window_cuts_report),
		cmocka_unit_test(test_consequence_merged),
		cmocka_unit_test(test_softlockup_panic),
		cmocka_unit_test(test_efi_multipart),
		cmocka_unit_test(test_erst_missing_and_duplicate),
		cmocka_unit_test(test_erst_two_dumps),
		cmocka_unit_test(test_blk_total),
		cmocka_unit_test(test_enc_z),
		cmocka_unit_test(test_console_fallback),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_dir_hostile),
		cmocka_unit_test(test_remove_state),
		cmocka_unit_test(test_remove_unclaimed),
		cmocka_unit_test(test_qemu_oops_oops_panic),
		cmocka_unit_test(test_qemu_shapes),
		cmocka_unit_test(test_qemu_console),
		cmocka_unit_test(test_garbage_shapes),
		cmocka_unit_test(test_no_printk_time),
		cmocka_unit_test(test_item_records),
		cmocka_unit_test(test_big_record_head_tail),
		cmocka_unit_test(test_archive),
	};

	return cmocka_run_group_tests_name("pstore", tests, NULL, NULL);
}
