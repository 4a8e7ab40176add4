// SPDX-License-Identifier: MIT
/*
 * fuzz_pstore.c - libFuzzer harness for the pstore reader (lib/pstore*.c).
 *
 * The reader's core works on an in-memory list of (name, bytes), so the
 * input is a whole pstore directory image and no file system is needed:
 *
 *	@@ dmesg-efi_pstore-170000000001001
 *	<contents up to the next "\n@@ " line>
 *	@@ console-ramoops-0
 *	...
 *
 * An input without the "@@ " form is one file, scanned as a dmesg record,
 * a console record or a still-compressed .enc.z record as its length
 * modulo 3 says (so plain pstore files from tests/data are good seeds,
 * and one scan per input instead of three keeps the harness fast).
 *
 * Seeds: tests/fuzz/corpus/pstore/ holds small directory images written
 * by hand in this format (ramoops dumps repeating a report, EFI parts,
 * ERST with a missing part, pstore/blk "Total" header, console only,
 * raw deflate and zlib .enc.z with an ECC trailer); seeds.sh adds images
 * of the QEMU captures in tests/data/qemu/.
 *
 * Properties checked (abort() when broken): every item links at least one
 * existing file, parts_found <= parts_expected unless parts are missing
 * from the count, text stays within the per-file bound, every item packs
 * into a record, and a second scan of the same image gives the same keys.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pstore/pstore_record.h"
#include "record/record.h"

#define MAX_BLOBS 32
#define MAX_FILE (256u << 10)

static void check_scan(const struct pstore_scan *s)
{
	for (size_t i = 0; i < s->nitems; i++) {
		const struct pstore_item *it = &s->items[i];
		struct pstore_record pr;
		static uint8_t buf[1u << 20];

		if (it->nfiles == 0 && !it->console_tail)
			abort();
		for (size_t k = 0; k < it->nfiles; k++)
			if (it->files[k] >= s->nfiles)
				abort();
		if (it->parts_found > it->parts_expected)
			abort();
		if (it->report == NULL && it->text_len > MAX_FILE)
			abort();
		if (pstore_item_record(s, i, &pr) < 0)
			continue;
		if (record_pack_fit(pr.report, &pr.origin, buf, sizeof(buf)) < 0)
			abort();
		pstore_record_release(&pr);
	}
}

static void scan(const struct pstore_blob *b, size_t n, bool twice)
{
	struct pstore_options o = { .max_file_bytes = MAX_FILE,
				    .max_total_bytes = 4u << 20 };
	struct pstore_scan *s1 = NULL, *s2 = NULL;

	if (pstore_scan_mem(b, n, &o, &s1) < 0)
		return;
	check_scan(s1);
	if (twice && pstore_scan_mem(b, n, &o, &s2) == 0) {
		if (s2->nitems != s1->nitems)
			abort();
		for (size_t i = 0; i < s1->nitems; i++)
			if (s1->items[i].key[0] != s2->items[i].key[0] ||
			    s1->items[i].key[1] != s2->items[i].key[1])
				abort();
	}
	pstore_scan_free(s1);
	pstore_scan_free(s2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct pstore_blob b[MAX_BLOBS];
	char names[MAX_BLOBS][128];
	size_t n = 0;

	/* The helpers on their own too. */
	{
		struct pstore_name pn;
		struct pstore_header h;
		struct pstore_ecc e;
		char nm[128];
		size_t l = size < sizeof(nm) - 1 ? size : sizeof(nm) - 1;

		memcpy(nm, data, l);
		nm[l] = '\0';
		pstore_parse_name(nm, &pn);
		pstore_parse_header(p, size, &h);
		if (pstore_strip_ecc(p, size, &e) > size)
			abort();
	}
	if (size < 3 || memcmp(p, "@@ ", 3) != 0) {
		static const char *const as[] = { "dmesg-ramoops-0",
						  "console-ramoops-0",
						  "dmesg-ramoops-1.enc.z" };

		b[0] = (struct pstore_blob){ as[size % 3], data, size, 0, 0 };
		scan(b, 1, false);
		return 0;
	}
	while (p < end && n < MAX_BLOBS) {
		const char *nl, *next;
		size_t nlen;

		/* p is at "@@ NAME\n". */
		p += 3;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		nlen = (size_t)(nl - p);
		if (nlen >= sizeof(names[0]))
			nlen = sizeof(names[0]) - 1;
		memcpy(names[n], p, nlen);
		names[n][nlen] = '\0';
		p = nl < end ? nl + 1 : end;
		next = memmem(p, (size_t)(end - p), "\n@@ ", 4);
		b[n] = (struct pstore_blob){ names[n], p,
					     (size_t)((next ? next : end) - p),
					     0, 0 };
		/* A name ending in "!" stands for a file that cannot be read. */
		if (nlen > 0 && names[n][nlen - 1] == '!') {
			names[n][nlen - 1] = '\0';
			b[n].error = -5;
			b[n].data = NULL;
			b[n].len = 0;
		}
		n++;
		p = next ? next + 1 : end;
	}
	scan(b, n, true);
	return 0;
}
