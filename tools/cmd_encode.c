// SPDX-License-Identifier: MIT
/*
 * cmd_encode.c - `oopsctl encode [FILE...]`: parse kernel logs and write
 * one length-delimited crash record per report to stdout.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse/oops.h"
#include "oopsctl.h"
#include "record/record.h"
#include "parse/redact.h"
#include "base/util.h"

#define ENCODE_MAX_INPUT (256u << 20)

static void encode_usage(FILE *out)
{
	fprintf(out,
		"Usage: oopsctl encode [--no-text] [--redact] [--hostname NAME]\n"
		"                      [--machine-id ID] [--boot-id ID] [FILE...]\n"
		"Parse kernel logs (stdin when no FILE or FILE is -) and write one\n"
		"crash record per report to stdout, in input order.  The output is\n"
		"a stream of length-delimited CrashRecords (proto/oopsd.proto):\n"
		"each record is preceded by its length as a protobuf varint, as\n"
		"protobuf's writeDelimitedTo() writes them.  `oopsctl decode` reads\n"
		"them back.\n"
		"\n"
		"The record's source is \"file\" and its file name the FILE given.\n"
		"  --no-text          leave the report text out of the records\n"
		"  --redact           MAC, IP and e-mail addresses replaced, as the\n"
		"                     agent's redact = yes does\n"
		"  --hostname NAME    host identity to record (default: none)\n"
		"  --machine-id ID    machine id to record (default: none)\n"
		"  --boot-id ID       id of the boot that crashed (default: none)\n"
		"Exit status: 0 records written, 1 no report found, 2 error.\n");
}

struct encode_opts {
	bool no_text;
	bool redact;
	const char *hostname, *machine_id, *boot_id;
};

static int encode_buffer(const struct encode_opts *eo, const char *name,
			 const char *text, size_t len, uint8_t *buf,
			 size_t cap, unsigned long *count)
{
	const char *files[1] = { name };
	struct record_origin o = RECORD_ORIGIN_INIT;
	struct oops_report **reps = NULL;
	int n, status = OOPSCTL_OK;

	n = oops_parse_buffer(text, len, NULL, &reps);
	if (n < 0) {
		fprintf(stderr, "oopsctl encode: %s: %s\n", name, strerror(-n));
		return OOPSCTL_ERROR;
	}
	o.source = RECORD_SOURCE_FILE;
	o.files = files;
	o.nfiles = 1;
	o.hostname = eo->hostname;
	o.machine_id = eo->machine_id;
	o.boot_id = eo->boot_id;
	o.boot_id_is_crashed_boot = eo->boot_id != NULL;
	o.collected_time_us = now_realtime_us();
	for (int i = 0; i < n; i++) {
		struct redacted_report red = { 0 };
		const struct oops_report *r = reps[i];
		int plen = 0;

		if (ENABLE_REDACT && eo->redact) {
			plen = redact_report(&red, r);
			r = &red.r;
		}
		if (plen >= 0)
			plen = record_pack(r, &o, eo->no_text ? 0 : SIZE_MAX,
					   buf, cap);
		if (ENABLE_REDACT && eo->redact)
			redacted_report_free(&red);
		if (plen < 0) {
			fprintf(stderr, "oopsctl encode: %s: report %d: %s\n",
				name, i + 1, strerror(-plen));
			status = OOPSCTL_ERROR;
		} else {
			int err = record_stream_write(stdout, buf,
						      (size_t)plen);

			if (err) {
				fprintf(stderr, "oopsctl encode: writing: %s\n",
					strerror(-err));
				status = OOPSCTL_ERROR;
				break;
			}
			(*count)++;
		}
	}
	for (int i = 0; i < n; i++)
		oops_report_free(reps[i]);
	free(reps);
	return status;
}

/*
 * Read all of stdin, bounded: the buffer holds one byte more than is read,
 * for the NUL, and input that fills ENCODE_MAX_INPUT is refused.
 */
static int encode_read_stdin(char **out, size_t *len)
{
	size_t cap = 0, n = 0;
	char *buf = NULL;

	for (;;) {
		size_t r;

		if (n >= ENCODE_MAX_INPUT) {
			free(buf);
			return -EFBIG;
		}
		if (array_grow_bounded((void **)&buf, &cap, n + 2, 1,
				       65536 + 1, ENCODE_MAX_INPUT + 1) < 0) {
			free(buf);
			return -ENOMEM;
		}
		r = fread(buf + n, 1, cap - 1 - n, stdin);
		n += r;
		if (r == 0) {
			if (ferror(stdin)) {
				free(buf);
				return -EIO;
			}
			buf[n] = '\0';
			*out = buf;
			*len = n;
			return 0;
		}
	}
}

int cmd_encode(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "no-text", no_argument, NULL, 't' },
		{ "redact", no_argument, NULL, 'r' },
		{ "hostname", required_argument, NULL, 'H' },
		{ "machine-id", required_argument, NULL, 'm' },
		{ "boot-id", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct encode_opts eo = { 0 };
	const size_t cap = 1u << 20; /* the decoder's record limit */
	unsigned long count = 0;
	int status = OOPSCTL_OK, c, nfiles;
	uint8_t *buf;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			eo.no_text = true;
			break;
		case 'r':
			if (!ENABLE_REDACT) {
				fprintf(stderr, "oopsctl encode: --redact: built "
						"without CONFIG_REDACT\n");
				return OOPSCTL_ERROR;
			}
			eo.redact = true;
			break;
		case 'H':
			eo.hostname = optarg;
			break;
		case 'm':
			eo.machine_id = optarg;
			break;
		case 'b':
			eo.boot_id = optarg;
			break;
		default:
			return oopsctl_usage(c, encode_usage);
		}
	}
	if (isatty(STDOUT_FILENO)) {
		fprintf(stderr, "oopsctl encode: refusing to write binary "
				"records to a terminal\n");
		return OOPSCTL_ERROR;
	}
	buf = malloc(cap);
	if (buf == NULL)
		return OOPSCTL_ERROR;
	nfiles = argc - optind;
	for (int i = nfiles ? optind : -1; i < argc; i++) {
		const char *name = i < 0 ? "-" : argv[i];
		char *text = NULL;
		size_t len = 0;
		int err, st;

		if (strcmp(name, "-") == 0)
			err = encode_read_stdin(&text, &len);
		else
			err = read_file_bounded(name, ENCODE_MAX_INPUT, 0,
						&text, &len);
		if (err) {
			fprintf(stderr, "oopsctl encode: %s: %s\n", name,
				strerror(-err));
			status = OOPSCTL_ERROR;
			if (i < 0)
				break;
			continue;
		}
		st = encode_buffer(&eo, name, text, len, buf, cap, &count);
		free(text);
		if (st != OOPSCTL_OK)
			status = st;
		if (i < 0)
			break;
	}
	free(buf);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "oopsctl encode: writing: %s\n",
			strerror(errno));
		status = OOPSCTL_ERROR;
	}
	if (status == OOPSCTL_OK && count == 0)
		status = OOPSCTL_NONE;
	return status;
}
