// SPDX-License-Identifier: MIT
/*
 * cmd_decode.c - `oopsctl decode [FILE...]`: read length-delimited crash
 * records (what `oopsctl encode` writes) and print each as a JSON Line.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "oopsctl.h"
#include "record/record.h"

static void decode_usage(FILE *out)
{
	fprintf(out,
		"Usage: oopsctl decode [FILE...]\n"
		"Read crash records and print one JSON object per record per line\n"
		"(JSON Lines).  Input (stdin when no FILE or FILE is -) is a stream\n"
		"of length-delimited CrashRecords: each record (proto/oopsd.proto)\n"
		"is preceded by its length as a protobuf varint, as protobuf's\n"
		"writeDelimitedTo() writes them and `oopsctl encode` produces.\n"
		"\n"
		"Keys: those of `oopsctl parse --json` (title, kind, corrupted,\n"
		"guilty, alt_titles, frames, cpu, pid, comm, tainted, release, build, hardware,\n"
		"arch, pc, start_line, end_line, time_us, truncated, panicked), and\n"
		"id, signature, stack_signature, host, source, files, sender, reason,\n"
		"parts_expected, parts_found, complete, decompressed_by,\n"
		"lost_messages, ecc_corrected, ecc_unrecoverable,\n"
		"parts_duplicate, attachments,\n"
		"crash_time, collected_time (RFC 3339, and *_us),\n"
		"agent_version, report_len and report (the text).  Absent values\n"
		"are null (-1 for cpu, pid and time_us, as `oopsctl parse`).\n"
		"\n"
		"Records are checked against strict limits (1 MiB per record, 1 MiB\n"
		"of text); a bad record is reported on stderr and skipped.\n"
		"Exit status: 0 records printed, 1 none, 2 error.\n");
}

static int decode_stream(FILE *in, const char *name, uint8_t *buf, size_t cap,
			 struct json *j, unsigned long *count)
{
	unsigned long index = 0;
	int status = OOPSCTL_OK;

	for (;;) {
		Oopsd__CrashRecord *rec;
		const char *reason;
		size_t len;
		int err = record_stream_read(in, buf, cap, &len);

		if (err == 0)
			break;
		index++;
		if (err < 0) {
			/* The framing is lost: nothing after it can be read. */
			fprintf(stderr, "oopsctl decode: %s: record %lu: %s\n",
				name, index,
				err == -EMSGSIZE ? "record too large"
				: err == -EIO	 ? strerror(errno)
						 : "truncated stream");
			return OOPSCTL_ERROR;
		}
		err = record_unpack(buf, len, NULL, &rec, &reason);
		if (err) {
			fprintf(stderr, "oopsctl decode: %s: record %lu: %s (%s)\n",
				name, index, strerror(-err), reason);
			status = OOPSCTL_ERROR;
			continue;
		}
		err = record_to_json(rec, j);
		record_free(rec);
		if (err || json_flush_line(j, stdout) < 0) {
			fprintf(stderr, "oopsctl decode: writing: %s\n",
				strerror(err ? -err : errno));
			return OOPSCTL_ERROR;
		}
		(*count)++;
	}
	return status;
}

int cmd_decode(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct record_limits lim = RECORD_LIMITS_INIT;
	unsigned long count = 0;
	int status = OOPSCTL_OK, c;
	struct json j;
	uint8_t *buf;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		return oopsctl_usage(c, decode_usage);
	}
	buf = malloc(lim.max_record);
	if (buf == NULL) {
		fprintf(stderr, "oopsctl decode: out of memory\n");
		return OOPSCTL_ERROR;
	}
	json_init(&j);
	if (optind >= argc) {
		status = decode_stream(stdin, "<stdin>", buf, lim.max_record,
				       &j, &count);
	}
	for (int i = optind; i < argc; i++) {
		FILE *in = strcmp(argv[i], "-") == 0 ? stdin
						     : fopen(argv[i], "rb");
		int st;

		if (in == NULL) {
			fprintf(stderr, "oopsctl decode: %s: %s\n", argv[i],
				strerror(errno));
			status = OOPSCTL_ERROR;
			continue;
		}
		st = decode_stream(in, argv[i], buf, lim.max_record, &j,
				   &count);
		if (st != OOPSCTL_OK)
			status = st;
		if (in != stdin)
			fclose(in);
	}
	json_free(&j);
	free(buf);
	if (fflush(stdout) != 0)
		status = OOPSCTL_ERROR;
	if (status == OOPSCTL_OK && count == 0)
		status = OOPSCTL_NONE;
	return status;
}
