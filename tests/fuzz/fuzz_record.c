// SPDX-License-Identifier: MIT
/*
 * fuzz_record.c - libFuzzer harness for the record decoder (lib/record/record_unpack.c).
 *
 * The input is tried twice: as one packed CrashRecord, and as a
 * length-delimited stream of them (what `oopsctl decode` reads).  Every
 * record that decodes is printed with record_to_json() (which inflates
 * the text under the limit), and must survive a re-pack: protobuf-c's
 * encoding of it decodes again, checks again, and re-encodes to the same
 * bytes.  abort() when a property fails.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "record/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_one(const uint8_t *data, size_t size)
{
	Oopsd__CrashRecord *rec, *again;
	const char *reason;
	struct json j;
	uint8_t *b1, *b2;
	size_t n1, n2;
	char *text;
	size_t len;

	if (record_unpack(data, size, NULL, &rec, &reason) != 0)
		return;
	json_init(&j);
	if (record_to_json(rec, &j) != 0)
		abort();
	json_free(&j);
	if (record_text(rec, 4096, &text, &len) == 0) {
		if (len > 4096 || (text && text[len] != '\0'))
			abort();
		free(text);
	}
	n1 = oopsd__crash_record__get_packed_size(rec);
	b1 = malloc(n1 + 1);
	if (b1 == NULL)
		abort();
	oopsd__crash_record__pack(rec, b1);
	if (record_unpack(b1, n1, NULL, &again, &reason) != 0)
		abort();
	n2 = oopsd__crash_record__get_packed_size(again);
	b2 = malloc(n2 + 1);
	if (b2 == NULL)
		abort();
	oopsd__crash_record__pack(again, b2);
	if (n1 != n2 || memcmp(b1, b2, n1) != 0)
		abort();
	free(b1);
	free(b2);
	record_free(again);
	record_free(rec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[1u << 16];
	FILE *f;
	size_t len;

	fuzz_one(data, size);
	if (size == 0)
		return 0;
	f = fmemopen((void *)data, size, "rb");
	if (f == NULL)
		return 0;
	while (record_stream_read(f, buf, sizeof(buf), &len) == 1)
		fuzz_one(buf, len);
	fclose(f);
	return 0;
}
