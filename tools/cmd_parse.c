// SPDX-License-Identifier: MIT
/*
 * cmd_parse.c - `oopsctl parse [--json] [FILE...]`: find the kernel crash
 * reports in log files (stdin when none) and print each one, in input
 * order, as a readable summary or as one JSON object per line.
 *
 * Exit status: 0 when at least one report was found, 1 when none, 2 on
 * error (like grep).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/termesc.h"
#include "base/json.h"
#include "parse/oops.h"
#include "oopsctl.h"

#define PARSE_CHUNK (256 * 1024)

struct parse_opts {
	bool json;
	size_t max_frames_shown;
};

static void parse_usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: oopsctl parse [--json] [FILE...]\n"
	    "Find kernel crash reports (oopses, BUGs, WARNINGs, KASAN, lockdep,\n"
	    "hangs, stalls, panics, OOM kills, ...) in kernel logs and print one\n"
	    "summary per report, in input order.  Reads stdin when no FILE is\n"
	    "given or FILE is -.  Console prefixes ([ time], [ T123] caller ids, <N> levels,\n"
	    "/dev/kmsg records, syslog/journal lines, LAVA/KernelCI job logs)\n"
	    "are understood.\n"
	    "\n"
	    "  -j, --json   print JSON Lines: one object per report with the keys\n"
	    "               title, kind, corrupted, guilty, alt_titles (other\n"
	    "               names of the same crash), frames[{function,\n"
	    "               offset, size, module, reliable, inlined}], cpu, pid,\n"
	    "               comm, tainted, release, build, hardware, arch, pc,\n"
	    "               start_line, end_line (1-based, per file), time_us,\n"
	    "               truncated, panicked\n"
	    "  -h, --help   show this help\n"
	    "\n"
	    "Exit status: 0 if a report was found, 1 if none, 2 on error.\n");
}

static void print_text(const struct oops_report *r, const char *name,
		       unsigned long n)
{
	char t[1200], t2[1200], t3[256];

	printf("report %lu: %s lines %llu-%llu\n", n, TERMESC(t, name),
	       (unsigned long long)r->start_line,
	       (unsigned long long)r->end_line);
	printf("  title:    %s\n", TERMESC(t, r->title));
	printf("  kind:     %s%s%s%s\n", oops_kind_name(r->kind),
	       r->corrupted ? " (corrupted)" : "",
	       r->truncated ? " (truncated)" : "",
	       r->panicked ? " (panicked)" : "");
	if (r->guilty)
		printf("  guilty:   %s\n", TERMESC(t, r->guilty));
	if (r->cpu >= 0 || r->pid >= 0 || r->comm)
		printf("  task:     cpu %d pid %d comm %s\n", r->cpu, r->pid,
		       TERMESC(t, r->comm ? r->comm : "?"));
	if (r->release)
		printf("  kernel:   %s %s%s%s\n", TERMESC(t, r->release),
		       TERMESC(t2, r->build ? r->build : ""),
		       r->tainted ? " tainted: " : "",
		       TERMESC(t3, r->tainted ? r->tainted : ""));
	if (r->hardware)
		printf("  hardware: %s\n", TERMESC(t, r->hardware));
	if (r->arch)
		printf("  arch:     %s\n", TERMESC(t, r->arch));
	if (r->pc)
		printf("  pc:       %s\n", TERMESC(t, r->pc));
	for (size_t i = 0; i < r->nframes; i++) {
		const struct oops_frame *f = &r->frames[i];

		printf("  %s %s%s", i == 0 ? "frames:  " : "         ",
		       f->reliable ? "" : "? ", TERMESC(t, f->function));
		if (f->offset || f->size)
			printf("+0x%llx/0x%llx", (unsigned long long)f->offset,
			       (unsigned long long)f->size);
		printf("%s%s%s%s\n", f->module ? " [" : "",
		       TERMESC(t2, f->module ? f->module : ""),
		       f->module ? "]" : "",
		       f->inlined ? " [inline]" : "");
	}
	printf("\n");
}

static int emit(struct oops_parser *p, const struct parse_opts *o,
		const char *name, unsigned long *count, struct json *j)
{
	struct oops_report *r;

	while ((r = oops_parser_next(p)) != NULL) {
		(*count)++;
		if (o->json) {
			json_obj_begin(j);
			oops_report_to_json(r, j);
			json_obj_end(j);
			if (json_flush_line(j, stdout) < 0) {
				oops_report_free(r);
				return -EIO;
			}
		} else {
			print_text(r, name, *count);
		}
		oops_report_free(r);
	}
	return 0;
}

static int parse_fd(int fd, const char *name, const struct parse_opts *o,
		    unsigned long *count, struct json *j, char *buf)
{
	struct oops_parser *p = oops_parser_new(NULL);
	int rc = 0;

	if (p == NULL) {
		fprintf(stderr, "oopsctl parse: out of memory\n");
		return -ENOMEM;
	}
	for (;;) {
		ssize_t n = read(fd, buf, PARSE_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			fprintf(stderr, "oopsctl parse: %s: %s\n", name,
				strerror(errno));
			break;
		}
		if (n == 0)
			break;
		rc = oops_parser_feed(p, buf, (size_t)n, 0);
		if (rc == 0)
			rc = emit(p, o, name, count, j);
		if (rc < 0)
			break;
	}
	oops_parser_finish(p, 0);
	if (emit(p, o, name, count, j) < 0 && rc == 0)
		rc = -EIO;
	oops_parser_free(p);
	return rc;
}

int cmd_parse(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct parse_opts o = {.json = false};
	unsigned long count = 0;
	struct json j;
	static char buf[PARSE_CHUNK];
	int c, status = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o.json = true;
			break;
		default:
			return oopsctl_usage(c, parse_usage);
		}
	}
	json_init(&j);
	if (optind == argc) {
		if (parse_fd(STDIN_FILENO, "<stdin>", &o, &count, &j, buf) < 0)
			status = OOPSCTL_ERROR;
	}
	for (int i = optind; i < argc; i++) {
		int fd;

		if (strcmp(argv[i], "-") == 0) {
			if (parse_fd(STDIN_FILENO, "<stdin>", &o, &count, &j,
				     buf) < 0)
				status = OOPSCTL_ERROR;
			continue;
		}
		fd = open(argv[i], O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			fprintf(stderr, "oopsctl parse: %s: %s\n", argv[i],
				strerror(errno));
			status = OOPSCTL_ERROR;
			continue;
		}
		if (parse_fd(fd, argv[i], &o, &count, &j, buf) < 0)
			status = OOPSCTL_ERROR;
		close(fd);
	}
	json_free(&j);
	if (fflush(stdout) != 0)
		status = OOPSCTL_ERROR;
	if (status)
		return status;
	return count > 0 ? OOPSCTL_OK : OOPSCTL_NONE;
}
