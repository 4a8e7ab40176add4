// SPDX-License-Identifier: MIT
/*
 * fuzz_parser.c - the crash parser (lib/oops*.c) on arbitrary logs fed in
 * arbitrary chunks.
 *
 * Input: one byte of flags, eight chunk lengths, then the log.
 *   flags & 1: tiny limits (max_report_bytes 256, max_frames 4,
 *              max_line_bytes 64) so truncation paths run constantly
 *   flags & 2: time moves and oops_parser_tick() runs at each deadline
 *   flags & 4: feed lines with oops_parser_feed_line() instead of bytes
 * The log is fed in chunks of the eight lengths in turn (0 means 1).
 * Checked: every report respects the limits and is well formed, and
 * without ticking the reports equal those of oops_parse_buffer() on the
 * whole log (streaming must not depend on where the chunks split).
 *
 * Seeds: tests/fuzz/corpus/parser/NAME-F is tests/data/parser/NAME.log
 * (its first 6000 bytes) behind the header: flags F, chunk lengths
 * 1 7 64 3 255 16 2 128.  seeds.sh adds the raw fixtures too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse/oops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct oops_report *r,
		  const struct oops_parser_config *cfg)
{
	if (r->title == NULL || r->text == NULL ||
	    strlen(r->text) != r->text_len)
		abort();
	if (r->text_len > cfg->max_report_bytes)
		abort();
	if (r->nframes > cfg->max_frames)
		abort();
	if (r->start_line == 0 || r->end_line < r->start_line)
		abort();
	if ((int)r->kind < 0 || r->kind >= OOPS_KIND_COUNT)
		abort();
	for (size_t i = 0; i < r->nframes; i++)
		if (r->frames[i].function == NULL)
			abort();
}

static int same(const struct oops_report *a, const struct oops_report *b)
{
	return strcmp(a->title, b->title) == 0 && a->kind == b->kind &&
	       a->start_line == b->start_line && a->end_line == b->end_line &&
	       a->text_len == b->text_len &&
	       memcmp(a->text, b->text, a->text_len) == 0 &&
	       a->nframes == b->nframes && a->truncated == b->truncated;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oops_parser_config cfg = OOPS_PARSER_CONFIG_INIT;
	struct oops_report **whole = NULL, *r;
	struct oops_parser *p;
	const char *log;
	size_t len, off = 0, k = 0, got = 0;
	uint8_t flags, lens[8];
	uint64_t now = 0;
	int nwhole;

	if (size < 9)
		return 0;
	flags = data[0];
	memcpy(lens, data + 1, 8);
	log = (const char *)data + 9;
	len = size - 9;
	if (flags & 1) {
		cfg.max_report_bytes = 256;
		cfg.max_frames = 4;
		cfg.max_line_bytes = 64;
	}
	cfg.idle_ms = 100;
	nwhole = oops_parse_buffer(log, len, &cfg, &whole);
	if (nwhole < 0)
		return 0;
	for (int i = 0; i < nwhole; i++)
		check(whole[i], &cfg);

	p = oops_parser_new(&cfg);
	if (p == NULL)
		abort();
	while (off < len) {
		size_t n = lens[k++ % 8];

		if (n == 0)
			n = 1;
		if (n > len - off)
			n = len - off;
		if (flags & 4) {
			const char *nl = memchr(log + off, '\n', len - off);

			n = (size_t)((nl ? nl + 1 : log + len) - (log + off));
			oops_parser_feed_line(p, log + off, n, now);
		} else {
			oops_parser_feed(p, log + off, n, now);
		}
		off += n;
		if (flags & 2) {
			now += n;
			if (oops_parser_deadline(p) <= now)
				oops_parser_tick(p, now);
		}
		while ((r = oops_parser_next(p)) != NULL) {
			check(r, &cfg);
			if (!(flags & 2) &&
			    (got >= (size_t)nwhole || !same(r, whole[got])))
				abort();
			got++;
			oops_report_free(r);
		}
	}
	oops_parser_finish(p, now);
	while ((r = oops_parser_next(p)) != NULL) {
		check(r, &cfg);
		if (!(flags & 2) &&
		    (got >= (size_t)nwhole || !same(r, whole[got])))
			abort();
		got++;
		oops_report_free(r);
	}
	if (!(flags & 2) && got != (size_t)nwhole)
		abort();
	oops_parser_free(p);
	for (int i = 0; i < nwhole; i++)
		oops_report_free(whole[i]);
	free(whole);
	return 0;
}
