// SPDX-License-Identifier: MIT
/*
 * Tests for lib/spool.c: durability across reopen (the state a kill -9
 * leaves), interrupted writes, corrupt files, limits, deduplication and
 * the index under random put/remove sequences.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "testutil.h"

#include "base/log.h"
#include "wire/spool.h"

static int warnings;

static void count_warnings(enum log_level level, const char *line)
{
	if (level <= LOG_LEVEL_WARN)
		warnings++;
}

static int setup(void **state)
{
	*state = test_tmpdir();
	warnings = 0;
	log_set_hook(count_warnings);
	return 0;
}

static int teardown(void **state)
{
	log_set_hook(NULL);
	test_rmtree(*state);
	return 0;
}

static struct spool *open_spool(const char *dir, uint64_t max_bytes,
				uint64_t max_records)
{
	int err = 0;
	struct spool *s = spool_open(dir, max_bytes, max_records, &err);

	assert_non_null(s);
	assert_int_equal(err, 0);
	return s;
}

/* Record i: id "id-<i>", meta "m<i>", body of i % 700 + 1 bytes. */
static uint64_t put_rec(struct spool *s, int i)
{
	char id[32], meta[32], body[1024];
	uint64_t seq = 0;
	size_t blen = (size_t)(i % 700) + 1;

	snprintf(id, sizeof(id), "id-%d", i);
	snprintf(meta, sizeof(meta), "m%d", i);
	memset(body, 'a' + i % 26, blen);
	assert_int_equal(spool_put(s, id, strlen(id), meta, strlen(meta), body,
				   blen, &seq),
			 1);
	assert_true(seq > 0);
	return seq;
}

static void check_rec(struct spool *s, uint64_t seq, int i)
{
	struct spool_item it;
	char id[32], meta[32];

	snprintf(id, sizeof(id), "id-%d", i);
	snprintf(meta, sizeof(meta), "m%d", i);
	assert_int_equal(spool_load(s, seq, &it), 0);
	assert_int_equal(it.seq, seq);
	assert_int_equal(it.id_len, strlen(id));
	assert_memory_equal(it.id, id, it.id_len);
	assert_int_equal(it.meta_len, strlen(meta));
	assert_memory_equal(it.meta, meta, it.meta_len);
	assert_int_equal(it.rec_len, (size_t)(i % 700) + 1);
	for (size_t k = 0; k < it.rec_len; k++)
		assert_int_equal(it.rec[k], 'a' + i % 26);
	assert_true(it.created_us > 0);
	spool_item_clear(&it);
}

static int count_files(const char *dir, const char *sub)
{
	char cmd[512];
	FILE *f;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A '%s/%s' 2>/dev/null | grep -c .",
		 dir, sub);
	f = popen(cmd, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &n), 1);
	pclose(f);
	return n;
}

/* The sizes of the record files in dir, as the file system sees them. */
static uint64_t dir_bytes(const char *dir)
{
	char cmd[512];
	FILE *f;
	unsigned long long n = 0;

	snprintf(cmd, sizeof(cmd),
		 "find '%s' -maxdepth 1 -name '*.rec' -printf '%%s\\n' |"
		 " awk '{ s += $1 } END { print s + 0 }'",
		 dir);
	f = popen(cmd, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%llu", &n), 1);
	pclose(f);
	return n;
}

static void rename_rec(const char *dir, uint64_t from, uint64_t to)
{
	char a[512], b[512];

	snprintf(a, sizeof(a), "%s/%016" PRIx64 ".rec", dir, from);
	snprintf(b, sizeof(b), "%s/%016" PRIx64 ".rec", dir, to);
	assert_int_equal(rename(a, b), 0);
}

/* What survives a close (or a kill -9: nothing is cached) is everything. */
static void test_reopen_keeps_order_and_contents(void **state)
{
	const char *dir = *state;
	struct spool *s = open_spool(dir, 0, 0);
	struct spool_stats st;
	uint64_t seqs[50], seq;

	for (int i = 0; i < 50; i++)
		seqs[i] = put_rec(s, i);
	spool_free(s);

	s = open_spool(dir, 0, 0);
	spool_get_stats(s, &st);
	assert_int_equal(st.pending, 50);
	assert_true(st.oldest_us > 0);
	seq = 0;
	for (int i = 0; i < 50; i++) {
		assert_int_equal(spool_next(s, seq, &seq), 0);
		assert_int_equal(seq, seqs[i]);
		check_rec(s, seq, i);
	}
	assert_int_equal(spool_next(s, seq, &seq), -ENOENT);
	/* New records go after the old ones. */
	assert_true(put_rec(s, 99) > seqs[49]);
	spool_free(s);
	assert_int_equal(warnings, 0);
}

/* A crash before the rename leaves a temporary file: it is not a record. */
static void test_interrupted_write_is_discarded(void **state)
{
	const char *dir = *state;
	struct spool *s = open_spool(dir, 0, 0);
	struct spool_stats st;
	char path[512];
	int fd;

	put_rec(s, 1);
	spool_free(s);
	snprintf(path, sizeof(path), "%s/.0000000000000002.rec.tmp", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "OOPSSP01half", 12), 12);
	close(fd);

	s = open_spool(dir, 0, 0);
	spool_get_stats(s, &st);
	assert_int_equal(st.pending, 1);
	assert_int_equal(st.quarantined, 0);
	assert_int_equal(access(path, F_OK), -1);
	spool_free(s);
}

static void corrupt_file(const char *dir, uint64_t seq, int how)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%016llx.rec", dir,
		 (unsigned long long)seq);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	switch (how) {
	case 0: /* torn: cut in the middle of the body */
		assert_int_equal(ftruncate(fd, 40), 0);
		break;
	case 1: /* one flipped byte in the body */
		assert_int_equal(pwrite(fd, "Z", 1, 33), 1);
		break;
	case 2: /* bad magic */
		assert_int_equal(pwrite(fd, "XXXX", 4, 0), 4);
		break;
	case 3: /* empty */
		assert_int_equal(ftruncate(fd, 0), 0);
		break;
	case 4: /* a length field claiming 4 GB */
		assert_int_equal(pwrite(fd, "\xff\xff\xff\xff", 4, 16), 4);
		break;
	}
	close(fd);
}

static void test_corrupt_files_are_quarantined(void **state)
{
	const char *dir = *state;
	struct spool *s = open_spool(dir, 0, 0);
	struct spool_stats st;
	uint64_t seqs[8], seq;

	for (int i = 0; i < 8; i++)
		seqs[i] = put_rec(s, i + 100);
	spool_free(s);
	for (int how = 0; how < 5; how++)
		corrupt_file(dir, seqs[how], how);

	s = open_spool(dir, 0, 0);
	spool_get_stats(s, &st);
	assert_int_equal(st.pending, 3);
	assert_int_equal(st.quarantined, 5);
	assert_int_equal(count_files(dir, "quarantine"), 5);
	assert_true(warnings >= 5);
	seq = 0;
	for (int i = 5; i < 8; i++) {
		assert_int_equal(spool_next(s, seq, &seq), 0);
		assert_int_equal(seq, seqs[i]);
		check_rec(s, seq, i + 100);
	}
	/* Corruption after open is caught when the record is read back. */
	corrupt_file(dir, seqs[6], 1);
	{
		struct spool_item it;

		assert_int_equal(spool_load(s, seqs[6], &it), -EBADMSG);
		assert_int_equal(spool_load(s, seqs[6], &it), -ENOENT);
	}
	spool_get_stats(s, &st);
	assert_int_equal(st.pending, 2);
	assert_int_equal(st.quarantined, 6);
	spool_free(s);
}

static void test_record_limit_drops_oldest(void **state)
{
	const char *dir = *state;
	struct spool *s = open_spool(dir, 0, 3);
	struct spool_stats st;
	uint64_t seqs[5], seq;

	for (int i = 0; i < 5; i++)
		seqs[i] = put_rec(s, i);
	spool_get_stats(s, &st);
	assert_int_equal(st.pending, 3);
	assert_int_equal(st.dropped, 2);
	assert_true(warnings >= 1);
	assert_int_equal(spool_next(s, 0, &seq), 0);
	assert_int_equal(seq, seqs[2]);
	spool_free(s);
	assert_int_equal(count_files(dir, ""), 3);
}

static void test_byte_limit_drops_oldest(void **state)
{
	const char *dir = *state;
	/* Records 600..609 are ~630-640 bytes on disk: 2 fit in 1400. */
	struct spool *s = open_spool(dir, 1400, 0);
	struct spool_stats st;
	char big[2000];

	for (int i = 600; i < 610; i++) {
		put_rec(s, i);
		spool_get_stats(s, &st);
		assert_true(st.bytes <= 1400);
	}
	assert_int_equal(st.pending, 2);
	assert_int_equal(st.dropped, 8);
	/* A record larger than the whole spool is refused, nothing dropped. */
	memset(big, 'x', sizeof(big));
	assert_int_equal(spool_put(s, "big", 3, NULL, 0, big, sizeof(big),
				   NULL),
			 -EFBIG);
	spool_get_stats(s, &st);
	assert_int_equal(st.pending, 2);
	spool_free(s);
}

static void test_duplicate_id_not_stored(void **state)
{
	const char *dir = *state;
	struct spool *s = open_spool(dir, 0, 0);
	struct spool_stats st;
	uint64_t seq;

	put_rec(s, 7);
	assert_int_equal(spool_put(s, "id-7", 4, NULL, 0, "other", 5, NULL), 0);
	spool_free(s);
	/* Still a duplicate after a restart; free again once removed. */
	s = open_spool(dir, 0, 0);
	assert_int_equal(spool_put(s, "id-7", 4, NULL, 0, "other", 5, NULL), 0);
	spool_get_stats(s, &st);
	assert_int_equal(st.duplicates, 1);
	assert_int_equal(st.pending, 1);
	assert_int_equal(spool_next(s, 0, &seq), 0);
	assert_int_equal(spool_remove(s, seq), 0);
	assert_int_equal(spool_remove(s, seq), -ENOENT);
	assert_int_equal(spool_put(s, "id-7", 4, NULL, 0, "other", 5, NULL), 1);
	spool_free(s);
}

static void test_bad_sizes(void **state)
{
	struct spool *s = open_spool(*state, 0, 0);
	char id[SPOOL_MAX_ID + 1];

	memset(id, 'i', sizeof(id));
	assert_int_equal(spool_put(s, id, 0, NULL, 0, "r", 1, NULL), -EINVAL);
	assert_int_equal(spool_put(s, id, sizeof(id), NULL, 0, "r", 1, NULL),
			 -EINVAL);
	assert_int_equal(spool_put(s, id, 1, NULL, SPOOL_MAX_META + 1, "r", 1,
				   NULL),
			 -EINVAL);
	spool_free(s);
}

static void test_unusable_dir(void **state)
{
	char path[512];
	int err = 0;

	snprintf(path, sizeof(path), "%s/file", (char *)*state);
	close(open(path, O_WRONLY | O_CREAT, 0600));
	assert_null(spool_open(path, 0, 0, &err));
	assert_int_equal(err, -ENOTDIR);
}

/*
 * Random puts and removes against a model: iteration order, lookups and
 * the removed-slot compaction stay right, and a reopen (the state after a
 * kill -9) sees exactly the model's records.
 */
static void test_random_against_model(void **state)
{
	const char *dir = *state;
	struct spool *s = open_spool(dir, 0, 0);
	enum { N = 3000 };
	static uint64_t seq_of[N];
	static bool live[N];
	int next = 0, nlive = 0;
	unsigned rnd = 12345;
	struct spool_stats st;

	for (int op = 0; op < 6000; op++) {
		rnd = rnd * 1103515245u + 12345u;
		if ((rnd >> 16) % 3 != 0 && next < N) {
			seq_of[next] = put_rec(s, next);
			live[next++] = true;
			nlive++;
		} else if (nlive > 0) {
			/* Mostly the oldest (acks come in order), some not. */
			int k = 0;

			if ((rnd >> 8) % 4 == 0)
				k = (int)((rnd >> 4) % (unsigned)next);
			while (k < next && !live[k])
				k++;
			if (k == next)
				continue;
			assert_int_equal(spool_remove(s, seq_of[k]), 0);
			/* Its slot is dead now, not yet compacted: a lookup
			 * that lands on it must not find it. */
			assert_int_equal(spool_remove(s, seq_of[k]), -ENOENT);
			live[k] = false;
			nlive--;
		}
	}
	for (int pass = 0; pass < 2; pass++) {
		uint64_t seq = 0;

		spool_get_stats(s, &st);
		assert_int_equal(st.pending, (uint64_t)nlive);
		/* Sizes are not kept per record: the count must still be
		 * exact after thousands of puts and removals. */
		assert_int_equal(st.bytes, dir_bytes(dir));
		for (int i = 0; i < next; i++) {
			if (!live[i])
				continue;
			assert_int_equal(spool_next(s, seq, &seq), 0);
			assert_int_equal(seq, seq_of[i]);
			if (i % 97 == 0)
				check_rec(s, seq, i);
		}
		/* Among dead slots, a live one is still found by its seq. */
		for (int i = 0; i < next; i++) {
			struct spool_item it;
			int want = live[i] ? 0 : -ENOENT;

			assert_int_equal(spool_load(s, seq_of[i], &it), want);
			spool_item_clear(&it);
		}
		assert_int_equal(spool_next(s, seq, &seq), -ENOENT);
		spool_free(s);
		s = open_spool(dir, 0, 0);
	}
	spool_free(s);
	assert_int_equal(count_files(dir, ""), nlive);
}

/*
 * Sequence numbers are kept relative to the oldest pending one in 32 bits:
 * a spool whose numbers span more is handled (rebased when it can be,
 * refused with -EOVERFLOW when it cannot), and a file numbered too far
 * from the others is quarantined, not lost.
 */
static void test_far_sequence_numbers(void **state)
{
	const char *dir = *state;
	struct spool *s = open_spool(dir, 0, 0);
	struct spool_stats st;
	char id[] = "id-9", body[] = "x";
	uint64_t seq = 0;

	assert_int_equal(put_rec(s, 0), 1);
	assert_int_equal(put_rec(s, 1), 2);
	spool_free(s);
	rename_rec(dir, 2, 0xffffffffu);
	s = open_spool(dir, 0, 0);
	/* Seq 1 and 0xffffffff pending: 0x100000000 cannot be numbered. */
	assert_int_equal(spool_put(s, id, strlen(id), NULL, 0, body, 1, &seq),
			 -EOVERFLOW);
	spool_get_stats(s, &st);
	assert_int_equal(st.write_errors, 1);
	assert_int_equal(spool_remove(s, 1), 0);
	/* Now the oldest is 0xffffffff: the numbering moves up to it. */
	seq = put_rec(s, 2);
	assert_int_equal(seq, 0x100000000ull);
	assert_int_equal(spool_next(s, 0, &seq), 0);
	assert_int_equal(seq, 0xffffffffu);
	check_rec(s, seq, 1);
	assert_int_equal(spool_next(s, seq, &seq), 0);
	assert_int_equal(seq, 0x100000000ull);
	check_rec(s, seq, 2);
	spool_get_stats(s, &st);
	assert_int_equal(st.bytes, dir_bytes(dir));
	spool_free(s);

	/* A hand-made name 2^40 away from the rest: quarantined. */
	rename_rec(dir, 0x100000000ull, 0x10000000000ull);
	s = open_spool(dir, 0, 0);
	spool_get_stats(s, &st);
	assert_int_equal(st.pending, 1);
	assert_int_equal(st.quarantined, 1);
	assert_int_equal(count_files(dir, "quarantine"), 1);
	assert_int_equal(spool_next(s, 0, &seq), 0);
	check_rec(s, seq, 1);
	spool_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_reopen_keeps_order_and_contents, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_interrupted_write_is_discarded, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_corrupt_files_are_quarantined, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_limit_drops_oldest,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_byte_limit_drops_oldest,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_id_not_stored,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_sizes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unusable_dir, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_random_against_model,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_far_sequence_numbers,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
