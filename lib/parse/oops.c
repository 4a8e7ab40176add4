// SPDX-License-Identifier: MIT
/*
 * oops.c - the streaming crash-report parser.
 *
 * While no report is open (nearly all of a log), a line costs one pass of
 * the prefilter (oops_pf_scan(): line end and header anchors in one loop)
 * and nothing else: no copy, no allocation.  A header line opens a report
 * in the line's context (console, no timestamp, or a caller id such as
 * "[ T123]"); lines of the same context are appended, prefixes stripped,
 * up to max_report_bytes.  A report ends at
 *   - its end marker ("---[ end trace", the closing "=====" of sanitizer
 *     reports), after a short tail in which the consequences of the crash
 *     still attach to it (the "Kernel panic - not syncing: Fatal
 *     exception", the x86 register summary reprinted after it);
 *   - a new header in its context (except headers that normally appear
 *     inside a report: "invalid opcode", "Kernel panic", "Oops", ...);
 *   - 50 lines of its context without a frame (end of the stack sections);
 *   - the idle deadline (oops_parser_tick()) or oops_parser_finish().
 * Its title and fields are then computed from the buffered text and the
 * buffers are released, so an idle parser holds only struct oops_parser.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "oops_internal.h"
#include "base/util.h"

#define OOPS_MAX_OPEN 4 /* concurrently open reports (contexts) */
#define OOPS_TAIL_LINES 16 /* lines after the end marker to wait for */
#define OOPS_QUIET_LINES 50 /* frame-less lines that end the stack part */
#define OOPS_QUIET_FIRST 200 /* the same before the first frame */
#define OOPS_TITLE_LINES 22 /* after this, a panic ends the title text */

struct oops_open {
	enum oops_hdr hdr;
	enum oops_ctx_type ctx_type;
	char ctx_id[OOPS_CTX_ID_MAX];
	char *text;
	size_t len, cap;
	size_t title_len; /* text used for the title; 0 = all of it */
	size_t nlines;
	uint64_t start_line, end_line;
	int64_t time_us;
	uint64_t last_ms;
	unsigned int tail; /* lines seen since the end marker */
	unsigned int quiet; /* same-context lines since the last frame */
	bool framed; /* a frame line was seen */
	size_t core_len; /* text up to the last line that looked like */
	uint64_t core_line; /* part of a report (frame, indented, registers) */
	bool ended; /* end marker seen: in the tail */
	bool truncated;
	bool panicked;
	bool nmi_all; /* "Sending NMI from CPU": keep every [ Cn] line */
	bool kernel_hdr; /* the header line had a kernel-only prefix */
	/*
	 * An old-format "WARNING: at file:line f()" (before 3.11) prints its
	 * WARN() message after the header, before the "Pid:"/"CPU:" line:
	 * a header there ("Watchdog detected hard LOCKUP") is the message.
	 */
	bool warn_msg;
	/* A hung task, stall or lockup report: a panic that is not its
	 * consequence (sysrq, another bug) is a crash of its own. */
	bool hang;
	/*
	 * A later report started in the same caller-id context: this one's
	 * own text ends at own_len / own_end, but its title still looks at
	 * the following text of the context (the caller id already isolates
	 * it from other tasks), so lines keep being appended.
	 */
	bool shadow;
	size_t own_len;
	uint64_t own_end;
};

struct oops_parser {
	struct oops_parser_config cfg;
	uint64_t line_no;
	uint64_t now_ms;
	char *part; /* a line split across feed() calls */
	size_t part_len;
	struct oops_open *open[OOPS_MAX_OPEN];
	size_t nopen;
	struct oops_report **done; /* completed, waiting for next() */
	size_t ndone, done_cap;
	int err;
};

static const char *const kind_names[OOPS_KIND_COUNT] = {
    [OOPS_KIND_UNKNOWN] = "UNKNOWN",
    [OOPS_KIND_BUG] = "BUG",
    [OOPS_KIND_WARNING] = "WARNING",
    [OOPS_KIND_PANIC] = "PANIC",
    [OOPS_KIND_KASAN] = "KASAN",
    [OOPS_KIND_KMSAN] = "KMSAN",
    [OOPS_KIND_KCSAN] = "KCSAN",
    [OOPS_KIND_KFENCE] = "KFENCE",
    [OOPS_KIND_UBSAN] = "UBSAN",
    [OOPS_KIND_LOCKDEP] = "LOCKDEP",
    [OOPS_KIND_HANG] = "HANG",
    [OOPS_KIND_STALL] = "STALL",
    [OOPS_KIND_LOCKUP] = "LOCKUP",
    [OOPS_KIND_GPF] = "GPF",
    [OOPS_KIND_NULL_DEREF] = "NULL_DEREF",
    [OOPS_KIND_PAGING] = "PAGING",
    [OOPS_KIND_OOM] = "OOM",
    [OOPS_KIND_MCE] = "MCE",
    [OOPS_KIND_LEAK] = "LEAK",
    [OOPS_KIND_TRAP] = "TRAP",
    [OOPS_KIND_REBOOT] = "REBOOT",
    [OOPS_KIND_ARM_FAULT] = "ARM_FAULT",
    [OOPS_KIND_OTHER] = "OTHER",
};

const char *oops_kind_name(enum oops_kind kind)
{
	if ((int)kind < 0 || kind >= OOPS_KIND_COUNT || !kind_names[kind])
		return "UNKNOWN";
	return kind_names[kind];
}

enum oops_kind oops_kind_from_name(const char *name)
{
	if (name == NULL)
		return OOPS_KIND_UNKNOWN;
	for (int k = 0; k < OOPS_KIND_COUNT; k++)
		if (kind_names[k] && strcmp(kind_names[k], name) == 0)
			return (enum oops_kind)k;
	return OOPS_KIND_UNKNOWN;
}

void oops_report_free(struct oops_report *r)
{
	if (r == NULL)
		return;
	free(r->title);
	free(r->guilty);
	for (size_t i = 0; i < r->nalt_titles; i++)
		free(r->alt_titles[i]);
	free(r->alt_titles);
	for (size_t i = 0; i < r->nframes; i++) {
		free(r->frames[i].function);
		free(r->frames[i].module);
	}
	free(r->frames);
	free(r->pc);
	free(r->comm);
	free(r->tainted);
	free(r->release);
	free(r->build);
	free(r->hardware);
	free(r->arch);
	free(r->text);
	free(r);
}

struct oops_parser *oops_parser_new(const struct oops_parser_config *cfg)
{
	struct oops_parser *p = calloc(1, sizeof(*p));
	const struct oops_parser_config def = OOPS_PARSER_CONFIG_INIT;

	if (p == NULL)
		return NULL;
	p->cfg = def;
	if (cfg != NULL) {
		if (cfg->max_report_bytes)
			p->cfg.max_report_bytes = cfg->max_report_bytes;
		if (cfg->max_frames)
			p->cfg.max_frames = cfg->max_frames;
		if (cfg->max_line_bytes)
			p->cfg.max_line_bytes = cfg->max_line_bytes;
		if (cfg->idle_ms)
			p->cfg.idle_ms = cfg->idle_ms;
	}
	/* A report must hold at least its header line. */
	if (p->cfg.max_report_bytes < 256)
		p->cfg.max_report_bytes = 256;
	if (p->cfg.max_line_bytes < 64)
		p->cfg.max_line_bytes = 64;
	return p;
}

static void open_free(struct oops_open *o)
{
	if (o == NULL)
		return;
	free(o->text);
	free(o);
}

void oops_parser_free(struct oops_parser *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->nopen; i++)
		open_free(p->open[i]);
	/* done is NULL only when ndone is 0. */
	for (size_t i = 0; i < p->ndone; i++)
		// NOLINTNEXTLINE(clang-analyzer-core.NullDereference)
		oops_report_free(p->done[i]);
	free(p->done);
	free(p->part);
	free(p);
}

static bool frame_like(const char *s, size_t n);

/* ------------------------------------------------------ report fields -- */

static char *dupn(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static void trim(const char **s, size_t *n)
{
	while (*n > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

static int parse_int(const char *s, size_t n)
{
	long v = 0;
	size_t i = 0;

	if (i >= n || s[i] < '0' || s[i] > '9')
		return -1;
	while (i < n && s[i] >= '0' && s[i] <= '9' && v < 100000000)
		v = v * 10 + (s[i++] - '0');
	return (int)v;
}

/* Number after key in a line, or -1. */
static int int_after(const char *s, size_t n, const char *key)
{
	const char *p = oops_memstr(s, n, key);

	if (p == NULL)
		return -1;
	p += strlen(key);
	return parse_int(p, n - (size_t)(p - s));
}

/* The comm ends at the taint; RHEL kernels put " Kdump: loaded" between. */
static size_t comm_len(const char *c, const char *taint)
{
	const char *k = oops_memstr(c, (size_t)(taint - c), " Kdump: ");

	return (size_t)((k != NULL ? k : taint) - c);
}

/*
 * "CPU: 0 PID: 5078 Comm: syz-executor Tainted: G   W   6.3.0-rc4 #0 ..."
 * and "... Not tainted 4.12.0-rc7+ #2".
 */
static void parse_cpu_line(struct oops_report *r, const char *s, size_t n)
{
	const char *c = oops_memstr(s, n, "Comm: "), *end = s + n, *e, *t;
	const char *rest, *hash, *rel;
	size_t rn;

	r->cpu = int_after(s, n, "CPU: ");
	r->pid = int_after(s, n, "PID: ");
	if (c == NULL)
		return;
	c += 6;
	t = oops_memstr(c, (size_t)(end - c), " Not tainted");
	e = oops_memstr(c, (size_t)(end - c), " Tainted: ");
	if (t == NULL && e == NULL) {
		const char *sp = memchr(c, ' ', (size_t)(end - c));

		r->comm = dupn(c, (size_t)((sp ? sp : end) - c));
		return;
	}
	if (t == NULL || (e != NULL && e < t)) {
		r->comm = dupn(c, comm_len(c, e));
		rest = e + 10;
	} else {
		r->comm = dupn(c, comm_len(c, t));
		rest = t + 12;
	}
	hash = oops_memstr(rest, (size_t)(end - rest), " #");
	if (hash == NULL)
		return;
	rel = hash;
	while (rel > rest && rel[-1] != ' ')
		rel--;
	if (rel < hash)
		r->release = dupn(rel, (size_t)(hash - rel));
	r->build = dupn(hash + 1, (size_t)(end - hash - 1));
	if (e != NULL && (t == NULL || e < t)) {
		const char *f = rest;

		rn = (size_t)(rel - f);
		trim(&f, &rn);
		if (rn > 0)
			r->tainted = dupn(f, rn);
	}
}

/*
 * The release on a line that states the taint without the CPU/Comm form:
 * the hung-task report's "      Not tainted 6.1.0-rc1 #1", old kernels'
 * "Pid: 0, comm: swapper Not tainted 3.8.9-200.fc18.x86_64 #1", lockdep's
 * "4.14.0-rc3+ #22 Not tainted".
 */
static void release_from_taint_line(struct oops_report *r, const char *s,
				    size_t n)
{
	const char *end = s + n, *p, *e;

	p = oops_memstr(s, n, "Not tainted ");
	if (p != NULL) {
		p += 12;
	} else if ((p = oops_memstr(s, n, "Tainted: ")) != NULL) {
		/* Flags are capital letters and spaces, then the release. */
		p += 9;
		while (p < end && (*p == ' ' || (*p >= 'A' && *p <= 'Z')))
			p++;
	} else if (n > 12 && memcmp(end - 12, " Not tainted", 12) == 0 &&
		   (e = oops_memstr(s, n, " #")) != NULL) {
		p = e;
		while (p > s && p[-1] != ' ')
			p--;
		if (e > p && (*p >= '0' && *p <= '9'))
			r->release = dupn(p, (size_t)(e - p));
		return;
	} else {
		return;
	}
	e = p;
	while (e < end && *e != ' ')
		e++;
	/* A release starts with a digit: "6.1.0", "3.8.9-200.fc18". */
	if (e > p && *p >= '0' && *p <= '9' && e - p < 128)
		r->release = dupn(p, (size_t)(e - p));
}

/* Before 3.x: "Pid: 22919, comm: modprobe Not tainted 3.2.0-1-amd64 #1". */
static void parse_old_pid_line(struct oops_report *r, const char *s, size_t n)
{
	const char *c = oops_memstr(s, n, ", comm: ") + 8, *end = s + n;
	const char *e = c;

	r->pid = int_after(s, n, "Pid: ");
	while (e < end && *e != ' ')
		e++;
	if (e > c)
		r->comm = dupn(c, (size_t)(e - c));
}

static bool line_starts_trim(const char *s, size_t n, const char *p)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	return oops_starts(s, n, p);
}

static bool is_pc_line(const char *s, size_t n)
{
	/* Every key starts with one of these letters: skip the rest fast. */
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	if (n == 0 || strchr("REIpPNeK", *s) == NULL)
		return false;
	static const char *const keys[] = {
	    "RIP: ",  "EIP: ",	   "IP: ",	"pc : ",      "PC is at ",
	    "NIP [",  "epc : ",	   "epc: ",	"EIP is at ", "Krnl PSW : ",
	    NULL,
	};

	for (int i = 0; keys[i]; i++)
		if (line_starts_trim(s, n, keys[i]))
			return true;
	return false;
}

static const char *guess_arch(const char *text, size_t n)
{
	if (oops_has(text, n, "\nRIP: ") || oops_has(text, n, "\nRSP: ") ||
	    oops_has(text, n, " <TASK>") || oops_has(text, n, "RIP: 0010:"))
		return "x86_64";
	if (oops_has(text, n, "Krnl PSW : "))
		return "s390";
	if (oops_has(text, n, "\nepc   : ") || oops_has(text, n, "\n$ 0   : "))
		return "mips";
	if (oops_has(text, n, "\nEIP: ") || oops_has(text, n, " EIP: ") ||
	    oops_has(text, n, "\nEIP is at "))
		return "x86";
	if (oops_has(text, n, "PC is at ") || oops_has(text, n, "LR is at ") ||
	    oops_has(text, n, ") from [<"))
		return "arm";
	if (oops_has(text, n, "\npc : ") || oops_has(text, n, "\nlr : ") ||
	    oops_has(text, n, " el1h_64_") || oops_has(text, n, "ESR = 0x"))
		return "arm64";
	if (oops_has(text, n, "epc : ") || oops_has(text, n, " badaddr: ") ||
	    oops_has(text, n, "\n ra : "))
		return "riscv";
	if (oops_has(text, n, "\nNIP ") || oops_has(text, n, "\nNIP:") ||
	    oops_has(text, n, "\nMSR: ") || oops_has(text, n, "(unreliable)"))
		return "powerpc";
	if (oops_has(text, n, "Call Trace:"))
		return "x86_64";
	return NULL;
}

static bool frame_section_marker(const char *s, size_t n)
{
	const char *p = s;
	size_t k = n;

	trim(&p, &k);
	if (k == 0)
		return true;
	return p[0] == '<' || oops_starts(p, k, "---") ||
	       oops_starts(p, k, "Exception stack") ||
	       oops_starts(p, k, "RIP: ") || oops_starts(p, k, "Code: ") ||
	       (k > 4 && p[0] == 'R' && p[3] == ':') ||
	       oops_starts(p, k, "FS: ") || oops_starts(p, k, "CS: ") ||
	       oops_starts(p, k, "CR2: ") || oops_starts(p, k, "DR") ||
	       oops_starts(p, k, "Exception stack");
}

/* Frames of the first call trace (or the first stack after the header). */
static int collect_frames(struct oops_parser *p, struct oops_report *r,
			  const struct oops_tline *l, size_t nl)
{
	size_t i = 0, cap = 0;
	bool marker = false;

	for (size_t k = 0; k < nl; k++) {
		if (line_starts_trim(l[k].s, l[k].n, "Call Trace") ||
		    line_starts_trim(l[k].s, l[k].n, "Call trace") ||
		    line_starts_trim(l[k].s, l[k].n, "Backtrace:") ||
		    line_starts_trim(l[k].s, l[k].n, "backtrace:")) {
			i = k + 1;
			marker = true;
			break;
		}
	}
	if (!marker)
		i = 1;
	for (; i < nl; i++) {
		struct oops_frame f;

		if (!oops_frame_parse(l[i].s, l[i].n, &f)) {
			if (r->nframes > 0 &&
			    !frame_section_marker(l[i].s, l[i].n))
				break;
			continue;
		}
		if (r->nframes >= p->cfg.max_frames) {
			free(f.function);
			free(f.module);
			r->truncated = true;
			break;
		}
		if (array_grow_bounded((void **)&r->frames, &cap,
				       r->nframes + 1, sizeof(*r->frames), 16,
				       p->cfg.max_frames) < 0) {
			free(f.function);
			free(f.module);
			return -ENOMEM;
		}
		r->frames[r->nframes++] = f;
	}
	return 0;
}

/* Split text into lines; the title code skips unreliable frame lines. */
static size_t split_lines(const char *text, size_t len, struct oops_tline *l,
			  size_t max, bool drop_unreliable)
{
	size_t n = 0;
	const char *s = text, *end = text + len;

	while (s < end && n < max) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t k = (size_t)((nl ? nl : end) - s);

		if (!drop_unreliable ||
		    ((!oops_has(s, k, " ? ") || oops_has(s, k, "<EOI>")) &&
		     !(k >= 13 &&
		       memcmp(s + k - 13, " (unreliable)", 13) == 0))) {
			l[n].s = s;
			l[n].n = k;
			n++;
		}
		if (nl == NULL)
			break;
		s = nl + 1;
	}
	return n;
}

/*
 * A line only the kernel's report printers write: the CPU/PID line of
 * dump_stack(), a call trace heading, a PC or register line, the modules
 * line, the hardware name, the end marker, or a frame with an offset.
 * Bootloaders, firmware and user space print "WARNING:" and "INFO:" lines
 * too, but none of these after them.
 */
static bool kernel_structure_line(const char *s, size_t n)
{
	static const char *const starts[] = {
	    "Call Trace", "Call trace:",      "Backtrace:", "Hardware name: ",
	    "Modules linked in:",	      "---[ end trace", "Code: ",
	    "stack backtrace:",		      "Stack:",	    "Exception stack",
	    NULL,
	};

	for (int i = 0; starts[i]; i++)
		if (line_starts_trim(s, n, starts[i]))
			return true;
	if (oops_has(s, n, "CPU: ") && oops_has(s, n, "PID: "))
		return true;
	if (oops_has(s, n, "Not tainted") || oops_has(s, n, "Tainted: "))
		return true;
	if (is_pc_line(s, n))
		return true;
	trim(&s, &n);
	return oops_has(s, n, "+0x") && frame_like(s, n);
}

static bool kernel_structure(const struct oops_tline *l, size_t nl)
{
	for (size_t i = 1; i < nl; i++)
		if (kernel_structure_line(l[i].s, l[i].n))
			return true;
	return false;
}

static int build_report(struct oops_parser *p, struct oops_open *o,
			struct oops_report **out)
{
	struct oops_report *r = calloc(1, sizeof(*r));
	struct oops_title_result tr;
	struct oops_tline *l = NULL;
	size_t nl, maxl, tlen;
	int rc = -ENOMEM;

	*out = NULL;
	if (r == NULL)
		return -ENOMEM;
	r->cpu = -1;
	r->pid = -1;
	r->time_us = o->time_us;
	r->start_line = o->start_line;
	r->end_line = o->shadow ? o->own_end : o->end_line;
	r->truncated = o->truncated;
	r->panicked = o->panicked;
	/* Lines: at most one per 1 byte of text + 1. */
	maxl = 1;
	for (size_t i = 0; i < o->len; i++)
		maxl += o->text[i] == '\n';
	l = malloc(maxl * sizeof(*l));
	if (l == NULL)
		goto out;

	tlen = o->title_len ? o->title_len : o->len;
	nl = split_lines(o->text, tlen, l, maxl, o->ctx_type != OOPS_CTX_NONE);
	oops_title_compute(l, nl, o->hdr, &tr);
	/*
	 * A header no rule knows is the kernel's when its line has a kernel
	 * prefix (a bootloader's or firmware's lines before the kernel runs
	 * have no printk timestamp) or kernel structure follows it.
	 */
	if (((tr.generic && !o->kernel_hdr) || tr.need_body) &&
	    !kernel_structure(l, nl))
		tr.discard = true;
	if (tr.discard) {
		rc = 0;
		goto out;
	}
	r->title = strdup(tr.title);
	if (r->title == NULL)
		goto out;
	if (tr.guilty[0] && (r->guilty = strdup(tr.guilty)) == NULL)
		goto out;
	r->kind = tr.kind;
	r->corrupted = tr.corrupted;
	if (tr.nalt > 0) {
		r->alt_titles = calloc(tr.nalt, sizeof(*r->alt_titles));
		if (r->alt_titles == NULL)
			goto out;
		for (size_t i = 0; i < tr.nalt; i++) {
			/* An alt equal to the title or an earlier alt says
			 * nothing new. */
			bool dup = strcmp(tr.alt[i], tr.title) == 0;

			for (size_t k = 0; k < r->nalt_titles && !dup; k++)
				dup = strcmp(r->alt_titles[k], tr.alt[i]) == 0;
			if (dup)
				continue;
			r->alt_titles[r->nalt_titles] = strdup(tr.alt[i]);
			if (r->alt_titles[r->nalt_titles] == NULL)
				goto out;
			r->nalt_titles++;
		}
	}

	if (o->shadow && o->own_len < o->len)
		o->len = o->own_len;
	nl = split_lines(o->text, o->len, l, maxl, false);
	if (collect_frames(p, r, l, nl) < 0)
		goto out;
	for (size_t i = 0; i < nl; i++) {
		const char *s = l[i].s;
		size_t n = l[i].n;

		if (r->pc == NULL && is_pc_line(s, n)) {
			const char *t = s;
			size_t k = n;

			trim(&t, &k);
			r->pc = dupn(t, k);
		}
		if (r->comm == NULL && oops_has(s, n, "CPU: ") &&
		    oops_has(s, n, " PID: ") && oops_has(s, n, "Comm: "))
			parse_cpu_line(r, s, n);
		else if (r->comm == NULL && oops_starts(s, n, "Pid: ") &&
			 oops_has(s, n, ", comm: "))
			parse_old_pid_line(r, s, n);
		if (r->hardware == NULL &&
		    oops_starts(s, n, "Hardware name: ")) {
			const char *t = s + 15;
			size_t k = n - 15;

			trim(&t, &k);
			r->hardware = dupn(t, k);
		}
	}
	for (size_t i = 0; i < nl && r->release == NULL; i++)
		release_from_taint_line(r, l[i].s, l[i].n);
	if (r->comm == NULL && nl > 0 &&
	    oops_has(l[0].s, l[0].n, "INFO: task ")) {
		/* "INFO: task java:21873 blocked for more than 120 seconds." */
		const char *c = oops_memstr(l[0].s, l[0].n, "INFO: task ") + 11;
		const char *e =
		    oops_memstr(c, l[0].n - (size_t)(c - l[0].s), " blocked");
		const char *colon = NULL;

		for (const char *q = c; e != NULL && q < e; q++)
			if (*q == ':')
				colon = q;
		if (colon != NULL) {
			r->comm = dupn(c, (size_t)(colon - c));
			r->pid = parse_int(colon + 1, (size_t)(e - colon - 1));
		}
	}
	if (r->cpu < 0 && nl > 0)
		r->cpu = int_after(l[0].s, l[0].n, "CPU: ");
	if (r->pid < 0 && nl > 0)
		r->pid = int_after(l[0].s, l[0].n, "PID: ");
	{
		const char *a = guess_arch(o->text, o->len);

		if (a && (r->arch = strdup(a)) == NULL)
			goto out;
	}
	/* The text is handed over as is, shrunk to its size. */
	r->text = o->text;
	r->text_len = o->len;
	o->text = NULL;
	if (r->text == NULL) {
		r->text = strdup("");
		if (r->text == NULL)
			goto out;
	} else {
		char *t = realloc(r->text, r->text_len + 1);

		if (t)
			r->text = t;
		r->text[r->text_len] = '\0';
	}
	*out = r;
	r = NULL;
	rc = 0;
out:
	free(l);
	oops_report_free(r);
	return rc;
}

/* --------------------------------------------------------- the machine -- */

static int push_done(struct oops_parser *p, struct oops_report *r)
{
	if (array_grow_bounded((void **)&p->done, &p->done_cap, p->ndone + 1,
			       sizeof(*p->done), 4, SIZE_MAX) < 0)
		return -ENOMEM;
	p->done[p->ndone++] = r;
	return 0;
}

/*
 * An open report that will be dropped as not the kernel's (a header no
 * rule knows, no kernel prefix, no kernel structure so far): a header
 * that normally comes inside a report (a panic) must not vanish with it.
 * Called only when such a header arrives, so its cost does not matter.
 */
static bool not_kernel_so_far(const struct oops_open *o)
{
	struct oops_tline l[64];
	struct oops_title_result tr;
	size_t nl;

	if (o->kernel_hdr || o->len == 0)
		return false;
	nl = split_lines(o->text, o->len, l, 64, false);
	oops_title_compute(l, nl, o->hdr, &tr);
	return (tr.generic || tr.need_body) && !kernel_structure(l, nl);
}

/* Complete open report i: compute its fields and queue it. */
static int complete(struct oops_parser *p, size_t i)
{
	struct oops_open *o = p->open[i];
	struct oops_report *r;
	int rc;

	p->open[i] = p->open[--p->nopen];
	p->open[p->nopen] = NULL;
	rc = build_report(p, o, &r);
	open_free(o);
	if (rc == 0 && r != NULL)
		rc = push_done(p, r);
	if (rc < 0) {
		oops_report_free(r);
		p->err = rc;
	}
	return rc;
}

/* Complete report i and the shadows of its context (they end with it). */
static int complete_ctx(struct oops_parser *p, size_t i)
{
	struct oops_open *o = p->open[i];
	enum oops_ctx_type t = o->ctx_type;
	char id[OOPS_CTX_ID_MAX];
	int rc;

	memcpy(id, o->ctx_id, sizeof(id));
	rc = complete(p, i);
	for (size_t k = 0; rc == 0 && k < p->nopen;) {
		struct oops_open *x = p->open[k];

		if (x->shadow && x->ctx_type == t &&
		    strcmp(x->ctx_id, id) == 0) {
			rc = complete(p, k);
			continue;
		}
		k++;
	}
	return rc;
}

static int append(struct oops_parser *p, struct oops_open *o, const char *s,
		  size_t n)
{
	size_t need;

	o->end_line = p->line_no;
	o->last_ms = p->now_ms;
	o->nlines++;
	if (o->truncated)
		return 0;
	need = o->len + n + 1;
	if (need > p->cfg.max_report_bytes) {
		o->truncated = true;
		return 0;
	}
	if (array_grow_bounded((void **)&o->text, &o->cap, need, 1, 1024,
			       p->cfg.max_report_bytes) < 0)
		return -ENOMEM;
	/* A NUL from a damaged log would end the text early for C callers. */
	for (size_t i = 0; i < n; i++)
		o->text[o->len + i] = s[i] ? s[i] : ' ';
	o->len += n;
	o->text[o->len++] = '\n';
	return 0;
}

static int open_report(struct oops_parser *p, const struct oops_line *l,
		       enum oops_hdr h)
{
	struct oops_open *o;

	if (p->nopen == OOPS_MAX_OPEN) {
		size_t old = OOPS_MAX_OPEN;

		for (size_t i = 0; i < p->nopen; i++)
			if (p->open[i]->shadow &&
			    (old == OOPS_MAX_OPEN ||
			     p->open[i]->start_line < p->open[old]->start_line))
				old = i;
		if (old == OOPS_MAX_OPEN)
			return 0; /* too many contexts at once: noise */
		int rc = complete(p, old);

		if (rc < 0)
			return rc;
	}
	o = calloc(1, sizeof(*o));
	if (o == NULL)
		return -ENOMEM;
	o->hdr = h;
	o->ctx_type = l->ctx_type;
	memcpy(o->ctx_id, l->ctx_id, sizeof(o->ctx_id));
	o->start_line = p->line_no;
	o->time_us = l->time_us;
	o->kernel_hdr = l->kernel;
	o->warn_msg = h == HDR_WARNING && oops_has(l->text, l->len, "WARNING: at ");
	o->hang = (h == HDR_INFO &&
		   ((oops_has(l->text, l->len, "INFO: task ") &&
		     oops_has(l->text, l->len, " blocked for more than")) ||
		    (oops_has(l->text, l->len, "INFO: rcu_") &&
		     oops_has(l->text, l->len, "stall")))) ||
		  (h == HDR_BUG && oops_has(l->text, l->len, "soft lockup"));
	p->open[p->nopen++] = o;
	return append(p, o, l->text, l->len);
}

/* A "Kernel panic - not syncing" that an earlier report caused. */
static bool panic_consequence(const char *s, size_t n)
{
	const char *m = oops_memstr(s, n, "not syncing: ");

	/* Every key below has "not syncing: ": without it, none matches. */
	if (m == NULL)
		return false;
	/* die()'s panic: "Fatal exception", arm64 "Oops: Fatal exception",
	 * "Oops - BUG: Fatal exception", "Fatal exception in interrupt"
	 * (and so "not syncing: Fatal exception" itself). */
	if (oops_has(m, n - (size_t)(m - s), "Fatal exception"))
		return true;
	return oops_has(s, n, "not syncing: panic_on_warn set") ||
	       oops_has(s, n, "not syncing: softlockup: hung tasks") ||
	       oops_has(s, n, "not syncing: hung_task: blocked tasks") ||
	       oops_has(s, n, "not syncing: Attempted to kill") ||
	       oops_has(s, n, "not syncing: Aiee, killing interrupt") ||
	       oops_has(s, n, "not syncing: Fatal machine check") ||
	       oops_has(s, n, "not syncing: rcu_") ||
	       oops_has(s, n, "not syncing: hardlockup") ||
	       oops_has(s, n, "not syncing: Hard LOCKUP") ||
	       oops_has(s, n, "not syncing: softlockup") ||
	       oops_has(s, n, "not syncing: Out of memory");
}

/*
 * scripts/decode_stacktrace.sh turns "Code: ..." into a disassembly of
 * many lines ("All code", "========", "   0:\t48 89 e5  mov ...",
 * "Code starting with the faulting instruction"): still the report.
 */
static bool decoded_code_line(const char *s, size_t n)
{
	const char *p = s;
	size_t k = n, i = 0;

	trim(&p, &k);
	if (oops_starts(p, k, "All code") ||
	    oops_starts(p, k, "Code starting with the faulting instruction"))
		return true;
	if (k >= 8 && p[0] == '=' && p[k - 1] == '=')
		return true;
	while (i < k && i < 8 &&
	       ((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
		i++;
	return i > 0 && i < k && p[i] == ':' && i + 1 < k &&
	       (p[i + 1] == '\t' || p[i + 1] == '*' || p[i + 1] == ' ');
}

/* Lines after the end marker that still belong to the report. */
static bool tail_line(const char *s, size_t n)
{
	static const char keys[] =
	    "RIP: \0"
	    "RSP: \0"
	    "RAX: \0"
	    "RDX: \0"
	    "RBP: \0"
	    "R10: \0"
	    "R13: \0"
	    "FS: \0"
	    "CS: \0"
	    "CR2: \0"
	    "DR0: \0"
	    "DR3: \0"
	    "PKRU: \0"
	    "Code: \0"
	    "Kernel Offset: \0"
	    "---[ end Kernel panic\0"
	    "Rebooting in \0"
	    "SMP: stopping secondary CPUs\0"
	    "Dumping ftrace buffer\0"
	    "Kernel panic - not syncing\0"
	    "EIP: \0"
	    "EAX: \0"
	    "ESI: \0"
	    "DS: \0"
	    "CR0: \0"
	    "Modules linked in:\0"
	    "CPU: \0";

	const char *t = s;
	size_t m, tn = n;

	while (tn > 0 && (*t == ' ' || *t == '\t')) {
		t++;
		tn--;
	}
	/*
	 * "a\0b\0": no pointer per key; the blanks are trimmed once.  The
	 * analyzer loses track of a string with NULs inside: keys ends at
	 * its "\0\0", every byte is set.
	 */
	// NOLINTNEXTLINE(clang-analyzer-core.uninitialized.Branch)
	for (const char *k = keys; *k; k += m + 1) {
		m = strlen(k);
		if (tn >= m && memcmp(t, k, m) == 0)
			return true;
	}
	return decoded_code_line(s, n);
}

static bool end_marker(const char *s, size_t n)
{
	if (oops_starts(s, n, "---[ end trace"))
		return true;
	/* The closing line of sanitizer reports. */
	return n >= 40 && s[0] == '=' && s[n - 1] == '=' && s[20] == '=';
}

static bool frame_like(const char *s, size_t n)
{
	const char *name, *n2;
	size_t l2;

	return oops_frame_symbol(s, n, &name, &n2, &l2) > 0 ||
	       oops_has(s, n, " [inline]");
}

/* Lines that look like part of a report rather than the log going on. */
static bool core_line(const char *s, size_t n)
{
	if (n == 0)
		return false;
	if (s[0] == ' ' || s[0] == '\t' || s[0] == '<' || s[0] == '>' ||
	    s[0] == '[' || s[0] == '#')
		return true;
	/* Registers ("RAX: ", "R10: ", "x29: "), "Code: ", markers. */
	if (n > 4 && (s[2] == ':' || s[3] == ':' || s[4] == ':'))
		return true;
	return frame_like(s, n) || oops_starts(s, n, "---") ||
	       oops_starts(s, n, "===");
}

static struct oops_open *find_open(struct oops_parser *p,
				   const struct oops_line *l, size_t *idx)
{
	for (size_t i = 0; i < p->nopen; i++) {
		struct oops_open *o = p->open[i];

		if (o->shadow)
			continue;
		if (oops_line_same_ctx(l, o->ctx_type, o->ctx_id) ||
		    (o->nmi_all && l->ctx_type == OOPS_CTX_CALLER &&
		     l->ctx_id[0] == 'C')) {
			*idx = i;
			return o;
		}
	}
	return NULL;
}

/* Count a line against reports in their tail; complete the expired ones. */
static int age_tails(struct oops_parser *p, const struct oops_open *except,
		     const struct oops_line *l)
{
	struct oops_open *expired = NULL;
	bool looked = false;

	for (size_t i = 0; i < p->nopen; i++) {
		struct oops_open *o = p->open[i];

		if (o == except || o->shadow || !o->ended)
			continue;
		/*
		 * decode_stacktrace.sh prints its disassembly without a
		 * prefix: not a line that ages a tail.  Looked at once, and
		 * only when a report is in its tail (most lines of a report
		 * are not).
		 */
		if (!looked) {
			if (l->ctx_type == OOPS_CTX_NONE &&
			    decoded_code_line(l->text, l->len))
				return 0;
			looked = true;
		}
		if (++o->tail > OOPS_TAIL_LINES && expired == NULL)
			expired = o;
	}
	/* At most one per line: the others expire on the next lines. */
	for (size_t i = 0; expired != NULL && i < p->nopen; i++)
		if (p->open[i] == expired)
			return complete_ctx(p, i);
	return 0;
}

/* Append a line to the shadows of its context (title text only). */
static int feed_shadows(struct oops_parser *p, const struct oops_line *l,
			enum oops_hdr h)
{
	for (size_t i = 0; i < p->nopen; i++) {
		struct oops_open *o = p->open[i];
		int rc;

		if (!o->shadow ||
		    !oops_line_same_ctx(l, o->ctx_type, o->ctx_id))
			continue;
		if (h == HDR_KPANIC && o->nlines > OOPS_TITLE_LINES &&
		    o->title_len == 0)
			o->title_len = o->len;
		if (o->title_len != 0)
			continue;
		rc = append(p, o, l->text, l->len);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static size_t index_of(const struct oops_parser *p, const struct oops_open *o)
{
	for (size_t i = 0; i < p->nopen; i++)
		if (p->open[i] == o)
			return i;
	return (size_t)-1;
}

static int process_line(struct oops_parser *p, const char *s, size_t n)
{
	struct oops_line l;
	struct oops_open *o;
	enum oops_hdr h = HDR_NONE;
	size_t idx = 0;
	int rc;

	/*
	 * A line is the same line whichever way it was fed (bytes, lines, or
	 * a long line kept in part): cut to the limit, then without the
	 * trailing CR/LF of CRLF logs (serial consoles captured elsewhere).
	 */
	if (n > p->cfg.max_line_bytes)
		n = p->cfg.max_line_bytes;
	while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	if (oops_header_maybe(s, n))
		h = oops_header_find(s, n);
	if (p->nopen == 0 && h == HDR_NONE)
		return 0;
	oops_line_parse(s, n, &l);
	if (l.kmsg_cont)
		return 0;
	if (oops_starts(l.text, l.len,
			"Disabling lock debugging due to kernel taint"))
		return 0;
	/* A header that was only a printk replay is not a report. */
	if (oops_has(l.text, l.len,
		     "** replaying previous printk message **")) {
		for (size_t i = 0; i < p->nopen; i++) {
			o = p->open[i];
			if (o->nlines == 1 && o->start_line + 1 == p->line_no) {
				p->open[i] = p->open[--p->nopen];
				p->open[p->nopen] = NULL;
				open_free(o);
				break;
			}
		}
		return 0;
	}
	o = find_open(p, &l, &idx);
	rc = age_tails(p, o, &l);
	if (rc == 0)
		rc = feed_shadows(p, &l, h);
	if (rc < 0)
		return rc;
	if (o != NULL && (idx = index_of(p, o)) == (size_t)-1)
		o = NULL;
	/*
	 * The report's own header line again, same timestamp: a second
	 * console (serial and netconsole, two UARTs) printed it too.
	 */
	if (o != NULL && h == o->hdr && l.time_us >= 0 &&
	    l.time_us == o->time_us && o->len > l.len &&
	    memcmp(o->text, l.text, l.len) == 0 && o->text[l.len] == '\n')
		return 0;
	if (o != NULL && !o->ended && h != HDR_NONE) {
		/* SLUB prints its report's details as "INFO: ..." lines. */
		if (o->hdr == HDR_SLUB && h == HDR_INFO)
			h = HDR_NONE;
		/* A Rust panic ends in BUG(): "kernel BUG at rust/helpers.c". */
		else if (o->hdr == HDR_RUST && h == HDR_KBUG)
			h = HDR_NONE;
		/* The workqueue watchdog prints one line per stuck pool in
		 * one pass: one report. */
		else if (o->hdr == HDR_BUG && h == HDR_BUG &&
			 oops_has(l.text, l.len, "BUG: workqueue lockup") &&
			 oops_has(o->text, o->len, "BUG: workqueue lockup"))
			h = HDR_NONE;
		else if (o->warn_msg && h != HDR_WARNING)
			h = HDR_NONE;
	}
	if (o != NULL && o->warn_msg &&
	    (oops_has(l.text, l.len, "Pid: ") ||
	     oops_has(l.text, l.len, "CPU: ") ||
	     oops_has(l.text, l.len, "Call Trace")))
		o->warn_msg = false;

	if (o == NULL && h == HDR_KPANIC && panic_consequence(l.text, l.len)) {
		/*
		 * The panic an oops causes may be printed from another context
		 * ("[ C1]" after a "[ T123]" oops): it is still the consequence
		 * of the latest open report.
		 */
		struct oops_open *cause = NULL;

		for (size_t i = 0; i < p->nopen; i++)
			if (!p->open[i]->shadow &&
			    (cause == NULL ||
			     p->open[i]->start_line > cause->start_line))
				cause = p->open[i];
		if (cause != NULL) {
			cause->panicked = true;
			if (cause->ended)
				cause->tail = 0;
			return append(p, cause, l.text, l.len);
		}
	}
	if (o == NULL) {
		if (h == HDR_NONE)
			return 0;
		return open_report(p, &l, h);
	}
	if (o->ended) {
		if (h == HDR_KPANIC && panic_consequence(l.text, l.len)) {
			o->panicked = true;
			return append(p, o, l.text, l.len);
		}
		if (h == HDR_NONE && tail_line(l.text, l.len))
			return append(p, o, l.text, l.len);
		if (h != HDR_NONE || ++o->tail > OOPS_TAIL_LINES) {
			rc = complete_ctx(p, idx);
			if (rc < 0 || h == HDR_NONE)
				return rc;
			return open_report(p, &l, h);
		}
		return 0;
	}
	if (h == HDR_OOM && o->hdr == HDR_OOM &&
	    !oops_has(l.text, l.len, "invoked oom-killer")) {
		/* "Out of memory: Killed process" ends the OOM report. */
		rc = append(p, o, l.text, l.len);
		o->ended = true;
		o->tail = 0;
		if (o->title_len == 0)
			o->title_len = o->len;
		return rc;
	}
	if (h != HDR_NONE && !oops_header_in_report(h)) {
		if (o->ctx_type == OOPS_CTX_CALLER) {
			/* Same task, new report: o keeps reading for its title.
			 */
			o->shadow = true;
			o->own_len = o->len;
			o->own_end = o->end_line;
			rc = append(p, o, l.text, l.len);
		} else {
			rc = complete_ctx(p, idx);
		}
		if (rc < 0)
			return rc;
		return open_report(p, &l, h);
	}
	if (oops_line_cuts_report(l.text, l.len))
		return complete_ctx(p, idx);
	if ((h == HDR_KPANIC && o->hang && !panic_consequence(l.text, l.len)) ||
	    (oops_header_in_report(h) && not_kernel_so_far(o))) {
		/* "sysrq triggered crash" after a hung-task report; a panic
		 * after a bootloader's "WARNING:" line. */
		rc = complete_ctx(p, idx);
		if (rc < 0)
			return rc;
		return open_report(p, &l, h);
	}
	if (h == HDR_KPANIC) {
		o->panicked = true;
		if (o->nlines > OOPS_TITLE_LINES && o->title_len == 0)
			o->title_len = o->len;
	}
	if (oops_starts(l.text, l.len, "Sending NMI from CPU"))
		o->nmi_all = true;
	if (frame_like(l.text, l.len)) {
		o->quiet = 0;
		o->framed = true;
	} else if (++o->quiet >
		   (o->framed ? OOPS_QUIET_LINES : OOPS_QUIET_FIRST)) {
		o->ended = true;
		o->tail = o->quiet;
		if (o->title_len == 0)
			o->title_len = o->len;
		/* The frame-less lines after the stack were the log going on.
		 */
		if (o->framed && !o->truncated && o->core_len > 0) {
			o->len = o->core_len;
			o->end_line = o->core_line;
			if (o->title_len > o->len)
				o->title_len = o->len;
		}
		return 0;
	}
	rc = append(p, o, l.text, l.len);
	if (rc < 0)
		return rc;
	if (!o->truncated && core_line(l.text, l.len)) {
		o->core_len = o->len;
		o->core_line = o->end_line;
	}
	if (o->nlines > 1 && end_marker(l.text, l.len)) {
		o->ended = true;
		o->tail = 0;
		if (o->title_len == 0)
			o->title_len = o->len;
	}
	return 0;
}

/* Save the start of a line that continues in the next feed() call. */
static int keep_partial(struct oops_parser *p, const char *s, size_t n)
{
	size_t room;

	if (p->part == NULL) {
		p->part = malloc(p->cfg.max_line_bytes);
		if (p->part == NULL)
			return -ENOMEM;
	}
	room = p->cfg.max_line_bytes - p->part_len;
	if (n > room)
		n = room;
	memcpy(p->part + p->part_len, s, n);
	p->part_len += n;
	return 0;
}

static int flush_partial(struct oops_parser *p)
{
	int rc;

	p->line_no++;
	rc = process_line(p, p->part, p->part_len);
	p->part_len = 0;
	/* An idle parser keeps no buffers. */
	if (p->nopen == 0) {
		free(p->part);
		p->part = NULL;
	}
	return rc;
}

int oops_parser_feed(struct oops_parser *p, const char *buf, size_t len,
		     uint64_t now_ms)
{
	const char *s = buf, *end = buf + len;
	int rc;

	p->now_ms = now_ms;
	if (p->part != NULL && p->part_len + 0 > 0) {
		const char *nl = memchr(s, '\n', len);

		rc = keep_partial(p, s, (size_t)((nl ? nl : end) - s));
		if (rc < 0 || nl == NULL)
			return rc;
		rc = flush_partial(p);
		if (rc < 0)
			return rc;
		s = nl + 1;
	}
	while (s < end) {
		const char *nl;

		if (p->nopen == 0) {
			bool cand = false;

			nl = oops_pf_scan(s, end, &cand);
			if (nl == NULL)
				return keep_partial(p, s, (size_t)(end - s));
			p->line_no++;
			if (cand) {
				rc = process_line(p, s, (size_t)(nl - s));
				if (rc < 0)
					return rc;
			}
		} else {
			nl = memchr(s, '\n', (size_t)(end - s));
			if (nl == NULL)
				return keep_partial(p, s, (size_t)(end - s));
			p->line_no++;
			rc = process_line(p, s, (size_t)(nl - s));
			if (rc < 0)
				return rc;
		}
		s = nl + 1;
	}
	return 0;
}

int oops_parser_feed_line(struct oops_parser *p, const char *line, size_t len,
			  uint64_t now_ms)
{
	p->now_ms = now_ms;
	if (p->part_len > 0) {
		int rc = flush_partial(p);

		if (rc < 0)
			return rc;
	}
	p->line_no++;
	return process_line(p, line, len);
}

void oops_parser_tick(struct oops_parser *p, uint64_t now_ms)
{
	p->now_ms = now_ms;
	for (size_t i = 0; i < p->nopen;) {
		if (p->open[i]->last_ms + p->cfg.idle_ms <= now_ms) {
			if (complete(p, i) < 0)
				return;
			continue;
		}
		i++;
	}
}

void oops_parser_finish(struct oops_parser *p, uint64_t now_ms)
{
	p->now_ms = now_ms;
	if (p->part_len > 0)
		(void)flush_partial(p);
	while (p->nopen > 0)
		if (complete(p, p->nopen - 1) < 0)
			break;
	free(p->part);
	p->part = NULL;
	p->part_len = 0;
}

uint64_t oops_parser_deadline(const struct oops_parser *p)
{
	uint64_t d = UINT64_MAX;

	for (size_t i = 0; i < p->nopen; i++) {
		uint64_t t = p->open[i]->last_ms + p->cfg.idle_ms;

		if (t < d)
			d = t;
	}
	return d;
}

size_t oops_parser_footprint(const struct oops_parser *p)
{
	size_t n = sizeof(*p);

	if (p->part != NULL)
		n += p->cfg.max_line_bytes;
	for (size_t i = 0; i < p->nopen; i++)
		n += sizeof(*p->open[i]) + p->open[i]->cap;
	n += p->done_cap * sizeof(*p->done);
	return n;
}

struct oops_report *oops_parser_next(struct oops_parser *p)
{
	size_t best = 0;
	struct oops_report *r;

	if (p->ndone == 0)
		return NULL;
	for (size_t i = 1; i < p->ndone; i++)
		if (p->done[i]->start_line < p->done[best]->start_line)
			best = i;
	/* Input order: an earlier report still open goes first. */
	for (size_t i = 0; i < p->nopen; i++)
		if (p->open[i]->start_line < p->done[best]->start_line)
			return NULL;
	r = p->done[best];
	memmove(&p->done[best], &p->done[best + 1],
		(p->ndone - best - 1) * sizeof(*p->done));
	p->ndone--;
	if (p->ndone == 0) {
		free(p->done);
		p->done = NULL;
		p->done_cap = 0;
	}
	return r;
}

int oops_parse_buffer(const char *buf, size_t len,
		      const struct oops_parser_config *cfg,
		      struct oops_report ***out)
{
	struct oops_parser *p = oops_parser_new(cfg);
	struct oops_report **v = NULL, *r;
	size_t n = 0, cap = 0;
	int rc;

	*out = NULL;
	if (p == NULL)
		return -ENOMEM;
	rc = oops_parser_feed(p, buf, len, 0);
	oops_parser_finish(p, 0);
	if (rc == 0 && p->err)
		rc = p->err;
	while ((r = oops_parser_next(p)) != NULL) {
		if (array_grow_bounded((void **)&v, &cap, n + 1, sizeof(*v), 4,
				       SIZE_MAX) < 0) {
			oops_report_free(r);
			rc = -ENOMEM;
			continue;
		}
		v[n++] = r;
	}
	oops_parser_free(p);
	if (rc < 0) {
		for (size_t i = 0; i < n; i++)
			oops_report_free(v[i]);
		free(v);
		return rc;
	}
	*out = v;
	return (int)n;
}
