// SPDX-License-Identifier: MIT
/* Tests for lib/record/ (record_pack.c, record_unpack.c, record_json.c): building, packing, unpacking, JSON. */
#include "testutil.h"

#include <errno.h>

#include <zlib.h>

#include "record/pbutil.h"
#include "record/record.h"
#include "parse/signature.h"

static const char report_text[] =
	"------------[ cut here ]------------\n"
	"kernel BUG at fs/ext4/ext4.h:3332!\n"
	"invalid opcode: 0000 [#1] PREEMPT SMP KASAN\n"
	"CPU: 1 PID: 5112 Comm: syz-executor213 Not tainted 6.3.0-rc4 #0\n"
	"RIP: 0010:ext4_get_group_info+0x399/0x3a0 fs/ext4/ext4.h:3332\n"
	"Call Trace:\n"
	" <TASK>\n"
	" ext4_mb_load_buddy_gfp+0xc3/0x820 fs/ext4/mballoc.c:1448\n"
	" ? ext4_discard_preallocations+0x84d/0x10e0 [ext4]\n"
	" ext4_truncate_failed_write fs/ext4/truncate.h:22 [inline]\n"
	" </TASK>\n";

static struct oops_frame frames[] = {
	{ "ext4_mb_load_buddy_gfp", NULL, 0xc3, 0x820, true, false },
	{ "ext4_discard_preallocations", "ext4", 0x84d, 0x10e0, false, false },
	{ "ext4_truncate_failed_write", NULL, 0, 0, true, true },
};

static const char *const alt_titles[] = { "BUG: corrupted list in ext4" };

static void make_report(struct oops_report *r)
{
	memset(r, 0, sizeof(*r));
	r->kind = OOPS_KIND_BUG;
	r->title = "kernel BUG in ext4_get_group_info";
	r->guilty = "ext4_get_group_info";
	r->frames = frames;
	r->nframes = ARRAY_SIZE(frames);
	r->pc = "RIP: 0010:ext4_get_group_info+0x399/0x3a0 fs/ext4/ext4.h:3332";
	r->cpu = 1;
	r->pid = 5112;
	r->comm = "syz-executor213";
	r->tainted = "G        W";
	r->release = "6.3.0-rc4";
	r->build = "#0";
	r->hardware = "Google Compute Engine";
	r->arch = "x86_64";
	r->text = (char *)report_text;
	r->text_len = strlen(report_text);
	r->start_line = 3;
	r->end_line = 13;
	r->time_us = 123456789;
	r->panicked = true;
	r->corrupted = true;
	r->alt_titles = (char **)alt_titles;
	r->nalt_titles = ARRAY_SIZE(alt_titles);
}

static const char *const files[] = { "dmesg-efi-1", "dmesg-efi-2" };
static const char *const attach[] = { "pmsg-ramoops-0" };

static void make_origin(struct record_origin *o)
{
	*o = (struct record_origin)RECORD_ORIGIN_INIT;
	o->source = RECORD_SOURCE_PSTORE_DMESG;
	o->files = files;
	o->nfiles = 2;
	o->reason = "Oops";
	o->parts_expected = 3;
	o->parts_found = 2;
	o->complete = false;
	o->decompressed_by = "zlib";
	o->lost_messages = 4;
	o->ecc_corrected = 5;
	o->ecc_unrecoverable = 6;
	o->attachments = attach;
	o->nattachments = 1;
	o->hostname = "web-17";
	o->machine_id = "0123456789abcdef0123456789abcdef";
	o->boot_id = "fedcba9876543210fedcba9876543210";
	o->boot_id_is_crashed_boot = true;
	o->collected_boot_id = "11111111111111111111111111111111";
	o->crash_time_us = 1700000000123456;
	o->collected_time_us = 1700000100000000;
	o->agent_version = "9.9.9";
}

static void test_round_trip(void **state)
{
	struct oops_report r;
	struct record_origin o;
	Oopsd__CrashRecord *rec;
	uint8_t buf[4096], id[RECORD_ID_LEN];
	const char *reason = NULL;
	char *text;
	size_t len;
	int n;

	make_report(&r);
	make_origin(&o);
	n = record_pack(&r, &o, SIZE_MAX, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(record_unpack(buf, n, NULL, &rec, &reason), 0);

	record_make_id(&r, &o, id);
	assert_int_equal(rec->id.len, RECORD_ID_LEN);
	assert_memory_equal(rec->id.data, id, RECORD_ID_LEN);
	assert_string_equal(rec->host->hostname, "web-17");
	assert_string_equal(rec->host->machine_id, o.machine_id);
	assert_string_equal(rec->host->boot_id, o.boot_id);
	assert_true(rec->host->boot_id_is_crashed_boot);
	assert_string_equal(rec->host->collected_boot_id, o.collected_boot_id);
	assert_string_equal(rec->kernel->release, "6.3.0-rc4");
	assert_string_equal(rec->kernel->build, "#0");
	assert_string_equal(rec->kernel->arch, "x86_64");

	Oopsd__Crash *c = rec->crash;

	assert_int_equal(c->kind, OOPS_KIND_BUG);
	assert_string_equal(c->title, r.title);
	assert_true(c->title_signature == sig_title(r.title));
	assert_true(c->stack_signature ==
		    sig_stack(r.kind, r.pc, r.frames, r.nframes, r.title));
	assert_string_equal(c->guilty, r.guilty);
	assert_int_equal(c->n_alt_titles, 1);
	assert_string_equal(c->alt_titles[0], alt_titles[0]);
	assert_int_equal(c->n_frames, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(c->frames[i]->function, frames[i].function);
		if (frames[i].module)
			assert_string_equal(c->frames[i]->module,
					    frames[i].module);
		else
			assert_null(c->frames[i]->module);
		assert_true(c->frames[i]->offset == frames[i].offset);
		assert_true(c->frames[i]->size == frames[i].size);
		assert_int_equal(c->frames[i]->reliable, frames[i].reliable);
		assert_int_equal(c->frames[i]->inlined, frames[i].inlined);
	}
	assert_int_equal(c->cpu, 1);
	assert_int_equal(c->pid, 5112);
	assert_string_equal(c->comm, r.comm);
	assert_string_equal(c->tainted, r.tainted);
	assert_true(c->corrupted);
	assert_false(c->truncated);
	assert_string_equal(c->pc, r.pc);
	assert_string_equal(c->hardware, r.hardware);
	assert_true(c->panicked);

	Oopsd__Origin *og = rec->origin;

	assert_int_equal(og->source, RECORD_SOURCE_PSTORE_DMESG);
	assert_int_equal(og->n_files, 2);
	assert_string_equal(og->files[1], "dmesg-efi-2");
	assert_string_equal(og->reason, "Oops");
	assert_int_equal(og->parts_expected, 3);
	assert_int_equal(og->parts_found, 2);
	assert_false(og->complete);
	assert_string_equal(og->decompressed_by, "zlib");
	assert_int_equal(og->lost_messages, 4);
	assert_int_equal(og->ecc_corrected, 5);
	assert_int_equal(og->ecc_unrecoverable, 6);
	assert_int_equal(og->n_attachments, 1);
	assert_int_equal(og->start_line, 3);
	assert_int_equal(og->end_line, 13);
	assert_true(rec->crash_time_us == o.crash_time_us);
	assert_true(rec->collected_time_us == o.collected_time_us);
	assert_true(rec->boot_time_us == r.time_us);
	assert_string_equal(rec->agent_version, "9.9.9");

	assert_int_equal(record_text(rec, 1 << 20, &text, &len), 0);
	assert_int_equal(len, strlen(report_text));
	assert_string_equal(text, report_text);
	free(text);
	/* The text is compressed (with the details, in one stream). */
	assert_true(rec->details_z.len < strlen(report_text));
	record_free(rec);
}

static void test_absent_values(void **state)
{
	struct oops_report r;
	struct record_origin o = RECORD_ORIGIN_INIT;
	Oopsd__CrashRecord *rec;
	uint8_t buf[4096];
	const char *reason;
	int n;

	memset(&r, 0, sizeof(r));
	r.cpu = r.pid = -1;
	r.time_us = -1;
	n = record_pack(&r, &o, SIZE_MAX, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(record_unpack(buf, n, NULL, &rec, &reason), 0);
	assert_false(rec->crash->has_cpu);
	assert_false(rec->crash->has_pid);
	assert_false(rec->has_boot_time_us);
	assert_false(rec->has_crash_time_us);
	assert_false(rec->has_report_z);
	assert_true(rec->origin->complete); /* the default */
	assert_string_equal(rec->agent_version, OOPSD_VERSION);
	record_free(rec);
}

static void test_id(void **state)
{
	struct oops_report r;
	struct record_origin o, o2;
	uint8_t a[RECORD_ID_LEN], b[RECORD_ID_LEN];

	make_report(&r);
	make_origin(&o);
	record_make_id(&r, &o, a);
	/* What changes between two collections of one crash does not count. */
	o2 = o;
	o2.collected_time_us += 1000;
	o2.collected_boot_id = "22222222222222222222222222222222";
	o2.hostname = "renamed";
	o2.agent_version = "10.0";
	o2.parts_found = 3;
	record_make_id(&r, &o2, b);
	assert_memory_equal(a, b, RECORD_ID_LEN);

	/* What tells two crashes apart does. */
	o2 = o;
	o2.boot_id = "33333333333333333333333333333333";
	record_make_id(&r, &o2, b);
	assert_memory_not_equal(a, b, RECORD_ID_LEN);
	o2 = o;
	o2.machine_id = "99999999999999999999999999999999";
	record_make_id(&r, &o2, b);
	assert_memory_not_equal(a, b, RECORD_ID_LEN);
	o2 = o;
	o2.nfiles = 1;
	record_make_id(&r, &o2, b);
	assert_memory_not_equal(a, b, RECORD_ID_LEN);
	o2 = o;
	o2.source = RECORD_SOURCE_KMSG;
	record_make_id(&r, &o2, b);
	assert_memory_not_equal(a, b, RECORD_ID_LEN);
	r.time_us++;
	record_make_id(&r, &o, b);
	assert_memory_not_equal(a, b, RECORD_ID_LEN);
	make_report(&r);
	r.text_len--;
	record_make_id(&r, &o, b);
	assert_memory_not_equal(a, b, RECORD_ID_LEN);
	/* A boot id that is not the crashed boot's is left out. */
	make_report(&r);
	o2 = o;
	o2.boot_id_is_crashed_boot = false;
	record_make_id(&r, &o2, a);
	o2.boot_id = "44444444444444444444444444444444";
	record_make_id(&r, &o2, b);
	assert_memory_equal(a, b, RECORD_ID_LEN);
}

static void test_text_cut_and_fit(void **state)
{
	struct oops_report r;
	struct record_origin o;
	Oopsd__CrashRecord *rec;
	uint8_t buf[4096];
	const char *reason;
	char *text;
	size_t len;
	int full, none, n;

	make_report(&r);
	r.panicked = false;
	make_origin(&o);
	full = record_pack(&r, &o, SIZE_MAX, buf, sizeof(buf));
	none = record_pack(&r, &o, 0, buf, sizeof(buf));
	assert_true(none > 0 && none < full);
	assert_int_equal(record_unpack(buf, none, NULL, &rec, &reason), 0);
	assert_false(rec->has_report_z);
	assert_true(rec->crash->truncated);
	record_free(rec);

	n = record_pack(&r, &o, 100, buf, sizeof(buf));
	assert_int_equal(record_unpack(buf, n, NULL, &rec, &reason), 0);
	assert_int_equal(record_text(rec, 1 << 20, &text, &len), 0);
	assert_int_equal(len, 100);
	assert_memory_equal(text, report_text, 100);
	assert_true(rec->crash->truncated);
	free(text);
	record_free(rec);

	assert_int_equal(record_pack(&r, &o, SIZE_MAX, buf, full - 1),
			 -EMSGSIZE);
	n = record_pack_fit(&r, &o, buf, full - 1);
	assert_true(n > 0 && n < full);
	assert_int_equal(record_unpack(buf, n, NULL, &rec, &reason), 0);
	assert_true(rec->crash->truncated);
	record_free(rec);
	assert_int_equal(record_pack_fit(&r, &o, buf, none - 1), -EMSGSIZE);
}

static int pack_rec(Oopsd__CrashRecord *rec, uint8_t *buf, size_t cap)
{
	size_t n = oopsd__crash_record__get_packed_size(rec);

	assert_true(n <= cap);
	return (int)oopsd__crash_record__pack(rec, buf);
}

static void test_limits(void **state)
{
	struct record_limits lim = RECORD_LIMITS_INIT;
	struct oops_report r;
	struct record_origin o;
	Oopsd__CrashRecord *rec;
	uint8_t buf[4096];
	const char *reason;
	int n;

	make_report(&r);
	make_origin(&o);
	n = record_pack(&r, &o, SIZE_MAX, buf, sizeof(buf));

	lim.max_frames = 2;
	assert_int_equal(record_unpack(buf, n, &lim, &rec, &reason), -E2BIG);
	assert_string_equal(reason, "too_many_frames");
	lim = (struct record_limits)RECORD_LIMITS_INIT;
	lim.max_files = 1;
	assert_int_equal(record_unpack(buf, n, &lim, &rec, &reason), -E2BIG);
	assert_string_equal(reason, "too_many_files");
	lim = (struct record_limits)RECORD_LIMITS_INIT;
	lim.max_string = 20;
	assert_int_equal(record_unpack(buf, n, &lim, &rec, &reason), -E2BIG);
	assert_string_equal(reason, "string_length");
	lim = (struct record_limits)RECORD_LIMITS_INIT;
	lim.max_text = 100;
	assert_int_equal(record_unpack(buf, n, &lim, &rec, &reason), -E2BIG);
	assert_string_equal(reason, "report_too_long");
	lim = (struct record_limits)RECORD_LIMITS_INIT;
	lim.max_record = n - 1;
	assert_int_equal(record_unpack(buf, n, &lim, &rec, &reason),
			 -EMSGSIZE);
	assert_string_equal(reason, "too_large");
	lim = (struct record_limits)RECORD_LIMITS_INIT;
	lim.max_alloc = 512;
	assert_int_equal(record_unpack(buf, n, &lim, &rec, &reason), -E2BIG);
	assert_string_equal(reason, "alloc_budget");

	/* No id, a bad id. */
	Oopsd__CrashRecord bare = OOPSD__CRASH_RECORD__INIT;

	n = pack_rec(&bare, buf, sizeof(buf));
	assert_int_equal(record_unpack(buf, n, NULL, &rec, &reason), -EBADMSG);
	assert_string_equal(reason, "no_id");
	bare.has_id = 1;
	bare.id.data = (uint8_t *)"short";
	bare.id.len = 5;
	n = pack_rec(&bare, buf, sizeof(buf));
	assert_int_equal(record_unpack(buf, n, NULL, &rec, &reason), -EBADMSG);
	assert_string_equal(reason, "bad_id");
}

static void test_zlib_bomb_and_corrupt_text(void **state)
{
	static uint8_t zeros[4 << 20];
	static uint8_t z[64 << 10], buf[80 << 10];
	Oopsd__CrashRecord r = OOPSD__CRASH_RECORD__INIT, *rec;
	uLongf zlen = sizeof(z);
	const char *reason;
	char *text;
	size_t len;
	int n;

	/* 4 MiB of zeros deflate to ~4 KiB: claim 100 bytes. */
	assert_int_equal(compress2(z, &zlen, zeros, sizeof(zeros), 9), Z_OK);
	r.has_id = 1;
	r.id.data = zeros;
	r.id.len = RECORD_ID_LEN;
	r.has_report_z = r.has_report_len = 1;
	r.report_z.data = z;
	r.report_z.len = zlen;
	r.report_len = 100;
	n = pack_rec(&r, buf, sizeof(buf));
	assert_int_equal(record_unpack(buf, n, NULL, &rec, &reason), 0);
	assert_int_equal(record_text(rec, 1 << 20, &text, &len), -E2BIG);
	assert_null(text);
	record_free(rec);

	/* Claiming the true size is refused by the limit, before inflating. */
	r.report_len = sizeof(zeros);
	n = pack_rec(&r, buf, sizeof(buf));
	assert_int_equal(record_unpack(buf, n, NULL, &rec, &reason), -E2BIG);
	assert_string_equal(reason, "report_too_long");

	/* Claiming more than there is. */
	uint8_t small[64];
	uLongf sl = sizeof(small);

	assert_int_equal(compress2(small, &sl, (const Bytef *)"hello", 5, 9),
			 Z_OK);
	r.report_z.data = small;
	r.report_z.len = sl;
	r.report_len = 6;
	n = pack_rec(&r, buf, sizeof(buf));
	assert_int_equal(record_unpack(buf, n, NULL, &rec, &reason), 0);
	assert_int_equal(record_text(rec, 1 << 20, &text, &len), -EBADMSG);
	/* A cut stream and a corrupt one. */
	rec->report_len = 5;
	rec->report_z.len = sl - 3;
	assert_int_equal(record_text(rec, 1 << 20, &text, &len), -EBADMSG);
	rec->report_z.len = sl;
	rec->report_z.data[0] ^= 0xff;
	assert_int_equal(record_text(rec, 1 << 20, &text, &len), -EBADMSG);
	rec->report_z.data[0] ^= 0xff;
	assert_int_equal(record_text(rec, 4, &text, &len), -E2BIG);
	assert_int_equal(record_text(rec, 5, &text, &len), 0);
	assert_string_equal(text, "hello");
	free(text);

	/* JSON says why the text is missing. */
	struct json j;

	rec->report_z.data[0] ^= 0xff;
	json_init(&j);
	assert_int_equal(record_to_json(rec, &j), 0);
	assert_non_null(strstr(j.buf, "\"report\":null"));
	assert_non_null(strstr(j.buf, "\"report_error\":\"corrupt\""));
	json_free(&j);
	record_free(rec);
}

/*
 * Texts compressed without a dictionary (older agents, other tools) still
 * inflate; a dictionary this build does not know is refused, not guessed.
 */
static void test_text_dictionaries(void **state)
{
	static const char hello[] = "Call Trace:\n <TASK>\n";
	Oopsd__CrashRecord r = OOPSD__CRASH_RECORD__INIT;
	uint8_t z[256], id[RECORD_ID_LEN] = { 0 };
	uLongf zl = sizeof(z);
	char *text;
	size_t len;
	z_stream zs;

	r.has_id = 1;
	r.id.data = id;
	r.id.len = sizeof(id);
	r.has_report_z = r.has_report_len = 1;
	r.report_len = strlen(hello);
	assert_int_equal(compress2(z, &zl, (const Bytef *)hello, strlen(hello),
				   9),
			 Z_OK);
	r.report_z.data = z;
	r.report_z.len = zl;
	assert_int_equal(record_text(&r, 1 << 20, &text, &len), 0);
	assert_string_equal(text, hello);
	free(text);

	/* The same text with another preset dictionary. */
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit(&zs, 9), Z_OK);
	assert_int_equal(deflateSetDictionary(&zs, (const Bytef *)"other", 5),
			 Z_OK);
	zs.next_in = (Bytef *)hello;
	zs.avail_in = (uInt)strlen(hello);
	zs.next_out = z;
	zs.avail_out = sizeof(z);
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	r.report_z.len = sizeof(z) - zs.avail_out;
	deflateEnd(&zs);
	assert_int_equal(record_text(&r, 1 << 20, &text, &len), -EBADMSG);
	assert_null(text);

	/* Ours: the zlib header names its Adler-32 (FDICT set). */
	struct oops_report rep;
	struct record_origin o = RECORD_ORIGIN_INIT;
	Oopsd__CrashRecord *rec;
	uint8_t buf[4096];
	const char *reason;
	int n;

	make_report(&rep);
	n = record_pack(&rep, &o, SIZE_MAX, buf, sizeof(buf));
	assert_int_equal(record_unpack(buf, n, NULL, &rec, &reason), 0);
	assert_true(rec->details_z.data[1] & 0x20);
	size_t dlen;
	const char *dict = record_zdict_v1(&dlen);

	assert_non_null(dict);
	uLong a = adler32(1, (const Bytef *)dict, (uInt)dlen);
	assert_int_equal(rec->details_z.data[2], (a >> 24) & 0xff);
	assert_int_equal(rec->details_z.data[5], a & 0xff);
	record_free(rec);
}

/*
 * The dictionary the programs carry packed (record_dict_z.h) inflates to
 * the text of record_dict_v1.inc, byte for byte, and is the one records
 * name as DICTID 0xc47e2a12 (the record format: never another).
 */
static const char zdict_v1_text[] =
#include "record/record_dict_v1.inc"
	;

static void test_zdict_v1_unpacks_to_its_text(void **state)
{
	size_t len = 0;
	const char *d = record_zdict_v1(&len);

	(void)state;
	assert_non_null(d);
	assert_int_equal(len, sizeof(zdict_v1_text) - 1);
	assert_memory_equal(d, zdict_v1_text, len);
	assert_int_equal(adler32(1, (const Bytef *)d, (uInt)len), 0xc47e2a12UL);
	/* Inflated once: the second call hands back the same text. */
	assert_ptr_equal(record_zdict_v1(&len), d);
}

static void test_truncated_and_corrupt(void **state)
{
	struct oops_report r;
	struct record_origin o;
	Oopsd__CrashRecord *rec;
	uint8_t buf[4096], copy[4096];
	const char *reason;
	int n, full_ok = 0;

	make_report(&r);
	make_origin(&o);
	n = record_pack(&r, &o, SIZE_MAX, buf, sizeof(buf));
	for (int len = 0; len < n; len++) {
		/* A prefix may end on a field boundary and still decode. */
		if (record_unpack(buf, len, NULL, &rec, &reason) == 0) {
			struct json j;

			json_init(&j);
			record_to_json(rec, &j);
			json_free(&j);
			record_free(rec);
		} else {
			assert_non_null(reason);
		}
	}
	for (int i = 0; i < n; i++) {
		memcpy(copy, buf, n);
		copy[i] ^= 0xa5;
		if (record_unpack(copy, n, NULL, &rec, &reason) == 0) {
			struct json j;

			full_ok++;
			json_init(&j);
			assert_int_equal(record_to_json(rec, &j), 0);
			json_free(&j);
			record_free(rec);
		}
	}
	/* Most corruptions break the framing; some only change a value. */
	assert_true(full_ok < n);
}

/*
 * Forward compatibility: a record from a newer agent, with a field number
 * and an enum value this build does not know, decodes and prints.
 */
static void test_newer_record(void **state)
{
	struct oops_report r;
	struct record_origin o;
	Oopsd__CrashRecord *rec;
	uint8_t buf[4096];
	const char *reason;
	struct json j;
	int n;

	make_report(&r);
	make_origin(&o);
	n = record_pack(&r, &o, SIZE_MAX, buf, sizeof(buf));
	/* Field 99 varint 7, field 100 bytes "new". */
	buf[n++] = 0x98;
	buf[n++] = 0x06;
	buf[n++] = 7;
	buf[n++] = 0xa2;
	buf[n++] = 0x06;
	buf[n++] = 3;
	memcpy(buf + n, "new", 3);
	n += 3;
	/* A crash sub-message with kind 99 (merged into the crash). */
	static const uint8_t crash_kind99[] = { 0x22, 0x02, 0x08, 99 };
	/* An origin with source 77. */
	static const uint8_t origin_src77[] = { 0x2a, 0x02, 0x08, 77 };

	memcpy(buf + n, crash_kind99, sizeof(crash_kind99));
	n += sizeof(crash_kind99);
	memcpy(buf + n, origin_src77, sizeof(origin_src77));
	n += sizeof(origin_src77);
	assert_int_equal(record_unpack(buf, n, NULL, &rec, &reason), 0);
	assert_string_equal(rec->crash->title, r.title);
	assert_string_equal(record_kind_name(rec->crash->kind), "UNKNOWN");
	assert_string_equal(record_source_name(rec->origin->source), "unknown");
	json_init(&j);
	assert_int_equal(record_to_json(rec, &j), 0);
	assert_non_null(strstr(j.buf, "\"kind\":\"UNKNOWN\""));
	assert_non_null(strstr(j.buf, "\"source\":\"unknown\""));
	assert_non_null(strstr(j.buf, "\"title\":\"kernel BUG in ext4_get_group_info\""));
	json_free(&j);
	record_free(rec);
}

/*
 * protobuf-c accepts unknown fields numbered 0 or above 2^29 - 1 but
 * cannot write them back: such records are refused (found by fuzzing,
 * tests/fuzz/regress/record/).
 */
static void test_forbidden_field_numbers(void **state)
{
	static const uint8_t id[] = { 0x0a, 16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
				      11, 12, 13, 14, 15, 16 };
	static const uint8_t field0[] = { 0x00, 5 };
	static const uint8_t big[] = { 0x80, 0x80, 0x80, 0x80, 0x10, 5 };
	static const uint8_t ok[] = { 0xf8, 0xff, 0xff, 0xff, 0x0f, 5 };
	Oopsd__CrashRecord *rec;
	const char *reason;
	uint8_t buf[64];

	memcpy(buf, id, sizeof(id));
	memcpy(buf + sizeof(id), field0, sizeof(field0));
	assert_int_equal(record_unpack(buf, sizeof(id) + sizeof(field0), NULL,
				       &rec, &reason),
			 -EBADMSG);
	memcpy(buf + sizeof(id), big, sizeof(big));
	assert_int_equal(record_unpack(buf, sizeof(id) + sizeof(big), NULL,
				       &rec, &reason),
			 -EBADMSG);
	/* 2^29 - 1 is the largest field number allowed: kept, ignored. */
	memcpy(buf + sizeof(id), ok, sizeof(ok));
	assert_int_equal(record_unpack(buf, sizeof(id) + sizeof(ok), NULL,
				       &rec, &reason),
			 0);
	record_free(rec);
}

/*
 * Backward compatibility: a record from an older agent that knew only id,
 * title and kind (bytes written by hand) decodes; what it lacks is null
 * or the schema default.
 */
static void test_older_record(void **state)
{
	static const uint8_t old[] = {
		0x0a, 16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		0x22, 10, 0x08, 2, 0x12, 6, 'W', 'A', 'R', 'N', 'I', 'N',
	};
	Oopsd__CrashRecord *rec;
	const char *reason;
	struct json j;

	assert_int_equal(record_unpack(old, sizeof(old), NULL, &rec, &reason),
			 0);
	assert_int_equal(rec->crash->kind, OOPS_KIND_WARNING);
	assert_null(rec->origin);
	assert_null(rec->host);
	json_init(&j);
	assert_int_equal(record_to_json(rec, &j), 0);
	assert_non_null(strstr(j.buf, "\"id\":\"0102030405060708090a0b0c0d0e0f10\""));
	assert_non_null(strstr(j.buf, "\"kind\":\"WARNING\""));
	assert_non_null(strstr(j.buf, "\"title\":\"WARNIN\""));
	assert_non_null(strstr(j.buf, "\"cpu\":-1,\"pid\":-1"));
	assert_non_null(strstr(j.buf, "\"start_line\":0,\"end_line\":0,\"time_us\":-1"));
	assert_non_null(strstr(j.buf, "\"signature\":null"));
	assert_non_null(strstr(j.buf, "\"complete\":true"));
	assert_non_null(strstr(j.buf, "\"report\":null"));
	assert_null(strstr(j.buf, "report_error"));
	json_free(&j);
	record_free(rec);
}

static void test_json(void **state)
{
	struct oops_report r;
	struct record_origin o;
	Oopsd__CrashRecord *rec;
	uint8_t buf[4096];
	const char *reason;
	char sig[SIG_HEX_LEN + 1], want[64];
	struct json j;
	int n;

	make_report(&r);
	make_origin(&o);
	n = record_pack(&r, &o, SIZE_MAX, buf, sizeof(buf));
	assert_int_equal(record_unpack(buf, n, NULL, &rec, &reason), 0);
	json_init(&j);
	assert_int_equal(record_to_json(rec, &j), 0);
	static const char *const expect[] = {
		"{\"id\":\"",
		"\"kind\":\"BUG\"",
		"\"corrupted\":true",
		"\"guilty\":\"ext4_get_group_info\"",
		"\"alt_titles\":[\"BUG: corrupted list in ext4\"]",
		"\"frames\":[{\"function\":\"ext4_mb_load_buddy_gfp\","
		"\"offset\":195,\"size\":2080,\"module\":null,"
		"\"reliable\":true,\"inlined\":false},",
		"\"module\":\"ext4\",\"reliable\":false",
		"\"cpu\":1,\"pid\":5112,\"comm\":\"syz-executor213\"",
		"\"tainted\":\"G        W\"",
		"\"release\":\"6.3.0-rc4\",\"build\":\"#0\"",
		"\"arch\":\"x86_64\"",
		"\"start_line\":3,\"end_line\":13,\"time_us\":123456789",
		"\"truncated\":false,\"panicked\":true",
		"\"host\":{\"hostname\":\"web-17\"",
		"\"source\":\"pstore-dmesg\"",
		"\"files\":[\"dmesg-efi-1\",\"dmesg-efi-2\"]",
		"\"reason\":\"Oops\",\"parts_expected\":3,\"parts_found\":2,"
		"\"complete\":false,\"decompressed_by\":\"zlib\","
		"\"lost_messages\":4",
		"\"crash_time\":\"2023-11-14T22:13:20.123456Z\"",
		"\"agent_version\":\"9.9.9\"",
		"\"report\":\"------------[ cut here ]------------\\nkernel BUG",
	};
	for (size_t i = 0; i < ARRAY_SIZE(expect); i++)
		if (strstr(j.buf, expect[i]) == NULL)
			fail_msg("missing %s in %s", expect[i], j.buf);
	sig_format(sig_title(r.title), sig);
	snprintf(want, sizeof(want), "\"signature\":\"%s\"", sig);
	assert_non_null(strstr(j.buf, want));
	json_free(&j);
	record_free(rec);
}

/* Length-delimited streams: round trip, clean end, every broken shape. */
static void test_streams(void **state)
{
	static const uint8_t cut_prefix[] = { 0x80 };
	static const uint8_t long_prefix[] = { 0xff, 0xff, 0xff, 0xff, 0xff,
					       0xff, 0xff, 0xff, 0xff, 0xff,
					       0x01 };
	static const uint8_t cut_body[] = { 0x05, 'a', 'b' };
	static const uint8_t big[] = { 0x80, 0x02, 'x' }; /* 256 bytes */
	uint8_t out[200], buf[256];
	char *mem = NULL;
	size_t memlen = 0, len;
	FILE *f;

	f = open_memstream(&mem, &memlen);
	assert_int_equal(record_stream_write(f, (const uint8_t *)"abc", 3), 0);
	assert_int_equal(record_stream_write(f, (const uint8_t *)"", 0), 0);
	memset(buf, 'z', 150);
	assert_int_equal(record_stream_write(f, buf, 150), 0);
	fclose(f);
	assert_int_equal(memlen, 1 + 3 + 1 + 0 + 2 + 150);
	f = fmemopen(mem, memlen, "rb");
	assert_int_equal(record_stream_read(f, out, sizeof(out), &len), 1);
	assert_int_equal(len, 3);
	assert_memory_equal(out, "abc", 3);
	assert_int_equal(record_stream_read(f, out, sizeof(out), &len), 1);
	assert_int_equal(len, 0);
	assert_int_equal(record_stream_read(f, out, sizeof(out), &len), 1);
	assert_int_equal(len, 150);
	assert_int_equal(record_stream_read(f, out, sizeof(out), &len), 0);
	fclose(f);
	free(mem);

	f = fmemopen((void *)cut_prefix, sizeof(cut_prefix), "rb");
	assert_int_equal(record_stream_read(f, out, sizeof(out), &len),
			 -EBADMSG);
	fclose(f);
	f = fmemopen((void *)long_prefix, sizeof(long_prefix), "rb");
	assert_int_equal(record_stream_read(f, out, sizeof(out), &len),
			 -EBADMSG);
	fclose(f);
	f = fmemopen((void *)cut_body, sizeof(cut_body), "rb");
	assert_int_equal(record_stream_read(f, out, sizeof(out), &len),
			 -EBADMSG);
	fclose(f);
	f = fmemopen((void *)big, sizeof(big), "rb");
	assert_int_equal(record_stream_read(f, out, sizeof(out), &len),
			 -EMSGSIZE);
	fclose(f);
}

/* The kind names are those of the parser, for every kind. */
/*
 * The descriptors carry no enum names (optimize_for = CODE_SIZE), so the
 * schema itself is the reference: every "KIND_X = n;" of proto/oopsd.proto
 * is kind n of the parser, named X, and the parser has no other kind.
 */
static void test_kind_names(void **state)
{
	const char *base = getenv("OOPSD_TESTDATA");
	char path[1024], line[256], name[64];
	int n, seen = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/../../proto/oopsd.proto",
		 base ? base : "tests/data");
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, " KIND_%63[A-Z_0-9] = %d;", name, &n) != 2)
			continue;
		assert_int_equal(n, seen);
		assert_string_equal(record_kind_name(n), name);
		assert_string_equal(oops_kind_name(n), name);
		seen++;
	}
	fclose(f);
	assert_int_equal(seen, OOPS_KIND_COUNT);
	assert_string_equal(record_kind_name(OOPS_KIND_COUNT + 5), "UNKNOWN");
	assert_string_equal(record_kind_name(-1), "UNKNOWN");
}

/*
 * Lossless through the real parser: every fixture log's reports become
 * records whose JSON holds exactly what `oopsctl parse --json` prints for
 * the report (same keys, same values, same order), and whose fields equal
 * the report's.
 */
/* JSON of a packed record, through record_unpack(). */
static char *json_of(const uint8_t *buf, size_t n)
{
	Oopsd__CrashRecord *rec;
	const char *reason;
	struct json j;
	char *s;

	assert_int_equal(record_unpack(buf, n, NULL, &rec, &reason), 0);
	json_init(&j);
	assert_int_equal(record_to_json(rec, &j), 0);
	s = strdup(j.buf);
	assert_non_null(s);
	json_free(&j);
	record_free(rec);
	return s;
}

/*
 * The compact form on the wire: frames, pc, hardware and build travel in
 * details_z (after the text, one zlib stream), the host ids as 16 bytes;
 * title, release and the indexed fields stay plain.
 */
static void test_compact_form(void **state)
{
	struct oops_report r;
	struct record_origin o;
	Oopsd__CrashRecord *raw;
	uint8_t buf[4096];
	char *det;
	size_t dlen;
	int n, none;

	make_report(&r);
	make_origin(&o);
	n = record_pack(&r, &o, SIZE_MAX, buf, sizeof(buf));
	assert_true(n > 0);
	raw = oopsd__crash_record__unpack(NULL, (size_t)n, buf);
	assert_non_null(raw);
	assert_true(raw->has_details_z);
	assert_false(raw->has_report_z);
	assert_int_equal(raw->report_len, strlen(report_text));
	assert_int_equal(raw->crash->n_frames, 0);
	assert_null(raw->crash->pc);
	assert_null(raw->crash->hardware);
	assert_null(raw->kernel->build);
	assert_null(raw->kernel->release);
	assert_string_equal(raw->kernel->arch, r.arch);
	assert_string_equal(raw->crash->title, r.title);
	assert_string_equal(raw->crash->comm, r.comm);
	assert_null(raw->host->machine_id);
	assert_int_equal(raw->host->machine_id_bin.len, 16);
	assert_int_equal(raw->host->machine_id_bin.data[0], 0x01);
	assert_int_equal(raw->host->boot_id_bin.len, 16);
	assert_int_equal(raw->host->collected_boot_id_bin.len, 16);
	assert_int_equal(record_details(raw, 1 << 20, &det, &dlen), 0);
	assert_int_equal(dlen, raw->details_len);
	assert_string_equal(det,
			    "R6.3.0-rc4\nB#0\nHGoogle Compute Engine\n"
			    "PRIP: 0010:ext4_get_group_info+0x399/0x3a0 "
			    "fs/ext4/ext4.h:3332\n"
			    "Fext4_mb_load_buddy_gfp+0xc3/0x820\n"
			    "F? ext4_discard_preallocations+0x84d/0x10e0 "
			    "[ext4]\n"
			    "Fext4_truncate_failed_write inline\n");
	free(det);
	oopsd__crash_record__free_unpacked(raw, NULL);

	/* Without the text: the details alone, still lossless. */
	none = record_pack(&r, &o, 0, buf, sizeof(buf));
	raw = oopsd__crash_record__unpack(NULL, (size_t)none, buf);
	assert_non_null(raw);
	assert_true(raw->has_details_z);
	assert_false(raw->has_report_len);
	oopsd__crash_record__free_unpacked(raw, NULL);
	char *a = json_of(buf, (size_t)none);

	assert_non_null(strstr(a, "\"function\":\"ext4_discard_preallocations"
				  "\",\"offset\":2125,\"size\":4320,"
				  "\"module\":\"ext4\",\"reliable\":false"));
	assert_non_null(strstr(a, "\"machine_id\":\"0123456789abcdef"
				  "0123456789abcdef\""));
	assert_non_null(strstr(a, "\"hardware\":\"Google Compute Engine\""));
	free(a);
}

/*
 * Backward compatibility: the same record written the old way (Frame
 * messages, pc/hardware/build fields, hex ids, report_z) decodes to the
 * same JSON as the compact one.
 */
static void test_plain_form_still_decodes(void **state)
{
	struct oops_report r;
	struct record_origin o;
	Oopsd__CrashRecord *rec;
	static uint8_t buf[8192], old[8192];
	const char *reason;
	uint8_t *z;
	size_t zlen;
	char *a, *b;
	int n, m;

	make_report(&r);
	make_origin(&o);
	n = record_pack(&r, &o, SIZE_MAX, buf, sizeof(buf));
	a = json_of(buf, (size_t)n);
	/* The decoded record holds the plain fields: drop the compact ones
	 * and pack it as an older agent would have. */
	assert_int_equal(record_unpack(buf, n, NULL, &rec, &reason), 0);
	rec->has_details_z = rec->has_details_len = 0;
	rec->host->has_machine_id_bin = rec->host->has_boot_id_bin = 0;
	rec->host->has_collected_boot_id_bin = 0;
	assert_int_equal(record_compress_text(report_text, strlen(report_text),
					      &z, &zlen),
			 0);
	ProtobufCBinaryData saved = rec->report_z;

	rec->has_report_z = 1;
	rec->report_z = (ProtobufCBinaryData){ zlen, z };
	m = pack_rec(rec, old, sizeof(old));
	rec->report_z = saved;
	rec->has_report_z = 0;
	record_free(rec);
	free(z);
	rec = oopsd__crash_record__unpack(NULL, (size_t)m, old);
	assert_non_null(rec);
	assert_false(rec->has_details_z);
	assert_int_equal(rec->crash->n_frames, 3);
	assert_string_equal(rec->host->machine_id, o.machine_id);
	oopsd__crash_record__free_unpacked(rec, NULL);
	b = json_of(old, (size_t)m);
	assert_string_equal(a, b);
	assert_true(m > n);
	free(a);
	free(b);
}

/* What a line cannot carry stays in the plain fields, losslessly. */
static void test_compact_fallback(void **state)
{
	static struct oops_frame odd[] = {
		{ "weird name", "mod", 1, 2, true, false },
	};
	struct oops_report r;
	struct record_origin o;
	Oopsd__CrashRecord *rec;
	uint8_t buf[4096];
	const char *reason;
	int n;

	make_report(&r);
	make_origin(&o);
	o.machine_id = "0123456789ABCDEF0123456789ABCDEF"; /* not canonical */
	r.frames = odd;
	r.nframes = 1;
	n = record_pack(&r, &o, SIZE_MAX, buf, sizeof(buf));
	rec = oopsd__crash_record__unpack(NULL, (size_t)n, buf);
	assert_non_null(rec);
	assert_false(rec->has_details_z);
	assert_true(rec->has_report_z);
	assert_false(rec->host->has_machine_id_bin);
	assert_true(rec->host->has_boot_id_bin);
	oopsd__crash_record__free_unpacked(rec, NULL);
	assert_int_equal(record_unpack(buf, n, NULL, &rec, &reason), 0);
	assert_string_equal(rec->crash->frames[0]->function, "weird name");
	assert_string_equal(rec->host->machine_id, o.machine_id);
	assert_string_equal(rec->host->boot_id, o.boot_id);
	assert_string_equal(rec->crash->pc, r.pc);
	record_free(rec);
}

/* A details block that does not parse, or a bad binary id, is refused. */
/* Give rec the details block det (compressed into *z, freed by the
 * caller) and pack it into buf; returns the packed length. */
static int pack_details(Oopsd__CrashRecord *rec, const char *det,
			uint8_t **z, uint8_t *buf, size_t cap)
{
	size_t zlen;

	assert_int_equal(record_compress_parts(NULL, 0, det, strlen(det), z,
					       &zlen),
			 0);
	rec->has_details_z = rec->has_details_len = 1;
	rec->details_z = (ProtobufCBinaryData){ zlen, *z };
	rec->details_len = (uint32_t)strlen(det);
	return pack_rec(rec, buf, cap);
}

static void test_bad_details(void **state)
{
	static const char *const bad[] = {
		"xwhat\n", "\n", "Ffn+0xzz/0x1\n", "Ffn [mod\n", "Ffn junk\n",
		"Bno newline", "F\n",
	};
	Oopsd__CrashRecord rec = OOPSD__CRASH_RECORD__INIT;
	Oopsd__Host host = OOPSD__HOST__INIT;
	uint8_t id[RECORD_ID_LEN] = { 1 }, buf[1024], *z;
	Oopsd__CrashRecord *out;
	const char *reason;
	int n;

	rec.has_id = 1;
	rec.id = (ProtobufCBinaryData){ sizeof(id), id };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		n = pack_details(&rec, bad[i], &z, buf, sizeof(buf));
		assert_int_equal(record_unpack(buf, n, NULL, &out, &reason),
				 -EBADMSG);
		assert_string_equal(reason, "bad_details");
		/* A details_len that lies. */
		rec.details_len++;
		n = pack_rec(&rec, buf, sizeof(buf));
		assert_true(record_unpack(buf, n, NULL, &out, &reason) < 0);
		free(z);
	}
	rec.has_details_z = rec.has_details_len = 0;
	host.has_machine_id_bin = 1;
	host.machine_id_bin = (ProtobufCBinaryData){ 5, id };
	rec.host = &host;
	n = pack_rec(&rec, buf, sizeof(buf));
	assert_int_equal(record_unpack(buf, n, NULL, &out, &reason), -EBADMSG);
	assert_string_equal(reason, "bad_host_id");
}

/* A details line of a newer agent (an unknown upper-case letter) is
 * skipped; the lines around it still decode. */
static void test_details_unknown_line_skipped(void **state)
{
	static const char det[] = "R6.1.0-test\nZa field from the future\n"
				  "Ffn_a+0x10/0x20\nQ\nFfn_b+0x1/0x2 [mod]\n";
	Oopsd__CrashRecord rec = OOPSD__CRASH_RECORD__INIT;
	uint8_t id[RECORD_ID_LEN] = { 1 }, buf[1024], *z;
	Oopsd__CrashRecord *out;
	const char *reason;
	int n;

	rec.has_id = 1;
	rec.id = (ProtobufCBinaryData){ sizeof(id), id };
	n = pack_details(&rec, det, &z, buf, sizeof(buf));
	assert_int_equal(record_unpack(buf, n, NULL, &out, &reason), 0);
	assert_string_equal(out->kernel->release, "6.1.0-test");
	assert_int_equal(out->crash->n_frames, 2);
	assert_string_equal(out->crash->frames[0]->function, "fn_a");
	assert_string_equal(out->crash->frames[1]->function, "fn_b");
	assert_string_equal(out->crash->frames[1]->module, "mod");
	record_free(out);
	free(z);
}

static void test_fixture_round_trip(void **state)
{
	static const char *const names[] = {
		"ext4-bug-debian-6.1.0-13.log", "ext4-bug-debian-6.1.0-21.log",
		"warn-mlx5-x86_64.log", "warn-mlx5-arm64.log",
		"nullderef-tg3.log",
	};
	static uint8_t buf[1 << 20];
	struct record_origin o;
	int total = 0;

	make_origin(&o);
	for (size_t f = 0; f < ARRAY_SIZE(names); f++) {
		struct oops_report **reps = NULL;
		char path[256], *log;
		size_t len;
		int n;

		snprintf(path, sizeof(path), "records/%s", names[f]);
		log = test_fixture(path, &len);
		n = oops_parse_buffer(log, len, NULL, &reps);
		assert_true(n >= 1);
		for (int i = 0; i < n; i++) {
			struct oops_report *r = reps[i];
			Oopsd__CrashRecord *rec;
			const char *reason;
			struct json pj, rj;
			char *text;
			size_t tl;
			int pl;

			pl = record_pack(r, &o, SIZE_MAX, buf, sizeof(buf));
			assert_true(pl > 0);
			assert_int_equal(record_unpack(buf, pl, NULL, &rec,
						       &reason),
					 0);
			assert_int_equal(rec->crash->n_frames, r->nframes);
			assert_int_equal(record_text(rec, 1 << 20, &text, &tl),
					 0);
			assert_int_equal(tl, r->text_len);
			assert_memory_equal(text, r->text, tl);
			free(text);

			json_init(&pj);
			json_obj_begin(&pj);
			oops_report_to_json(r, &pj);
			json_obj_end(&pj);
			json_init(&rj);
			assert_int_equal(record_to_json(rec, &rj), 0);
			/* {"title":...,"panicked":x} minus the braces. */
			pj.buf[pj.len - 1] = '\0';
			if (strstr(rj.buf, pj.buf + 1) == NULL)
				fail_msg("record JSON\n%s\nlacks parse JSON\n%s",
					 rj.buf, pj.buf + 1);
			json_free(&pj);
			json_free(&rj);
			record_free(rec);
			oops_report_free(r);
			total++;
		}
		free(reps);
		free(log);
	}
	assert_true(total >= 5);
}

/*
 * A record that did not come through record_unpack() (plain protobuf-c,
 * as agent/fit.c does) still cannot make record_text()/record_details()
 * allocate what a hostile details_len claims.
 */
static void test_details_len_bounded_outside_unpack(void **state)
{
	Oopsd__CrashRecord r = OOPSD__CRASH_RECORD__INIT;
	uint8_t z[8] = { 0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01 };
	char *out = NULL;
	size_t len = 0;

	r.has_details_z = 1;
	r.details_z.data = z;
	r.details_z.len = sizeof(z);
	r.has_details_len = 1;
	r.details_len = 0xfffffff0u;
	r.has_report_len = 1;
	r.report_len = 10;
	assert_int_equal(record_details(&r, 1 << 20, &out, &len), -E2BIG);
	assert_null(out);
	assert_int_equal(record_text(&r, 1 << 20, &out, &len), -E2BIG);
	assert_null(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_zdict_v1_unpacks_to_its_text),
		cmocka_unit_test(test_details_len_bounded_outside_unpack),
		cmocka_unit_test(test_absent_values),
		cmocka_unit_test(test_id),
		cmocka_unit_test(test_text_cut_and_fit),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_zlib_bomb_and_corrupt_text),
		cmocka_unit_test(test_text_dictionaries),
		cmocka_unit_test(test_truncated_and_corrupt),
		cmocka_unit_test(test_newer_record),
		cmocka_unit_test(test_older_record),
		cmocka_unit_test(test_forbidden_field_numbers),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_streams),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_fixture_round_trip),
		cmocka_unit_test(test_compact_form),
		cmocka_unit_test(test_plain_form_still_decodes),
		cmocka_unit_test(test_compact_fallback),
		cmocka_unit_test(test_bad_details),
		cmocka_unit_test(test_details_unknown_line_skipped),
	};

	return cmocka_run_group_tests_name("record", tests, NULL, NULL);
}
