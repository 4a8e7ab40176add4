// SPDX-License-Identifier: MIT
/*
 * record_json.c - names and the JSON form of crash records: the one place
 * every tool prints a record (record.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "record/record.h"
#include "record/record_internal.h"
#include "parse/signature.h"
#include "base/util.h"

/* -------------------------------------------------------------- names -- */

const char *record_kind_name(int kind)
{
	/* CrashKind's values are enum oops_kind's (the descriptors carry no
	 * names: see optimize_for in proto/oopsd.proto). */
	return oops_kind_name((enum oops_kind)kind);
}

const char *record_source_name(int source)
{
	static const char *const names[] = {
		[RECORD_SOURCE_UNKNOWN] = "unknown",
		[RECORD_SOURCE_PSTORE_DMESG] = "pstore-dmesg",
		[RECORD_SOURCE_PSTORE_CONSOLE] = "pstore-console",
		[RECORD_SOURCE_PSTORE_PMSG] = "pstore-pmsg",
		[RECORD_SOURCE_NETCONSOLE] = "netconsole",
		[RECORD_SOURCE_KMSG] = "kmsg",
		[RECORD_SOURCE_FILE] = "file",
		[RECORD_SOURCE_KDUMP] = "kdump",
		[RECORD_SOURCE_JOURNAL] = "journal",
	};

	if (source < 0 || (size_t)source >= ARRAY_SIZE(names))
		return "unknown";
	return names[source];
}

/* --------------------------------------------------------------- JSON -- */

static void json_kopt_int(struct json *j, const char *key, bool has,
			  int64_t v)
{
	json_key(j, key);
	if (has)
		json_int(j, v);
	else
		json_null(j);
}

static void json_kopt_uint(struct json *j, const char *key, bool has,
			   uint64_t v)
{
	json_key(j, key);
	if (has)
		json_uint(j, v);
	else
		json_null(j);
}

static void json_khex(struct json *j, const char *key, bool has,
		      const ProtobufCBinaryData *b)
{
	char hex[2 * 64 + 1];

	json_key(j, key);
	if (!has) {
		json_null(j);
		return;
	}
	hex_encode(b->data, b->len < 64 ? b->len : 64, hex);
	json_str(j, hex);
}

static void json_ksig(struct json *j, const char *key, bool has, uint64_t v)
{
	char hex[SIG_HEX_LEN + 1];

	json_key(j, key);
	if (!has) {
		json_null(j);
		return;
	}
	sig_format(v, hex);
	json_str(j, hex);
}

/* RFC 3339 UTC with microseconds, or null. */
static void json_ktime(struct json *j, const char *key, bool has, int64_t us)
{
	char buf[64];
	struct tm tm;
	time_t t;
	int64_t frac;

	json_key(j, key);
	if (!has) {
		json_null(j);
		return;
	}
	frac = us % 1000000;
	t = (time_t)(us / 1000000);
	if (frac < 0) {
		frac += 1000000;
		t--;
	}
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		json_null(j);
		return;
	}
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), ".%06lldZ",
		 (long long)frac);
	json_str(j, buf);
}

static void json_kstrs(struct json *j, const char *key, char **s, size_t n)
{
	json_key(j, key);
	json_arr_begin(j);
	for (size_t i = 0; i < n; i++)
		json_str(j, s[i]);
	json_arr_end(j);
}

static void record_json_crash(const Oopsd__CrashRecord *rec, struct json *j)
{
	static const Oopsd__Crash none = OOPSD__CRASH__INIT;
	static const Oopsd__Kernel nok = OOPSD__KERNEL__INIT;
	const Oopsd__Crash *c = rec->crash ? rec->crash : &none;
	const Oopsd__Kernel *k = rec->kernel ? rec->kernel : &nok;
	const Oopsd__Origin *o = rec->origin;

	json_kstr(j, "title", c->title);
	json_kstr(j, "kind", record_kind_name(c->has_kind ? (int)c->kind : 0));
	json_kbool(j, "corrupted", c->corrupted);
	json_kstr(j, "guilty", c->guilty);
	json_kstrs(j, "alt_titles", c->alt_titles, c->n_alt_titles);
	json_key(j, "frames");
	json_arr_begin(j);
	for (size_t i = 0; i < c->n_frames; i++) {
		const Oopsd__Frame *f = c->frames[i];

		oops_frame_json(j, f->function, f->offset, f->size, f->module,
				f->reliable, f->inlined);
	}
	json_arr_end(j);
	/* As `oopsctl parse --json` (lib/oops_json.c): -1 when unknown. */
	json_kint(j, "cpu", c->has_cpu ? c->cpu : -1);
	json_kint(j, "pid", c->has_pid ? c->pid : -1);
	json_kstr(j, "comm", c->comm);
	json_kstr(j, "tainted", c->tainted);
	json_kstr(j, "release", k->release);
	json_kstr(j, "build", k->build);
	json_kstr(j, "hardware", c->hardware);
	json_kstr(j, "arch", k->arch);
	json_kstr(j, "pc", c->pc);
	json_kuint(j, "start_line", o ? o->start_line : 0);
	json_kuint(j, "end_line", o ? o->end_line : 0);
	json_kint(j, "time_us", rec->has_boot_time_us ? rec->boot_time_us : -1);
	json_kbool(j, "truncated", c->truncated);
	json_kbool(j, "panicked", c->panicked);
	json_ksig(j, "signature", c->has_title_signature, c->title_signature);
	json_ksig(j, "stack_signature", c->has_stack_signature,
		  c->stack_signature);
}

static void record_json_origin(const Oopsd__CrashRecord *rec, struct json *j)
{
	static const Oopsd__Origin none = OOPSD__ORIGIN__INIT;
	static const Oopsd__Host noh = OOPSD__HOST__INIT;
	const Oopsd__Origin *o = rec->origin ? rec->origin : &none;
	const Oopsd__Host *h = rec->host ? rec->host : &noh;

	json_key(j, "host");
	json_obj_begin(j);
	json_kstr(j, "hostname", h->hostname);
	json_kstr(j, "machine_id", h->machine_id);
	json_kstr(j, "boot_id", h->boot_id);
	json_kbool(j, "boot_id_is_crashed_boot", h->boot_id_is_crashed_boot);
	json_kstr(j, "collected_boot_id", h->collected_boot_id);
	json_obj_end(j);
	json_kstr(j, "source",
		  record_source_name(o->has_source ? (int)o->source : 0));
	json_kstrs(j, "files", o->files, o->n_files);
	json_kstr(j, "sender", o->sender);
	json_kstr(j, "reason", o->reason);
	json_kopt_uint(j, "parts_expected", o->has_parts_expected,
		       o->parts_expected);
	json_kopt_uint(j, "parts_found", o->has_parts_found, o->parts_found);
	json_kbool(j, "complete", o->complete);
	json_kstr(j, "decompressed_by", o->decompressed_by);
	json_kuint(j, "lost_messages", o->lost_messages);
	json_kuint(j, "ecc_corrected", o->ecc_corrected);
	json_kuint(j, "ecc_unrecoverable", o->ecc_unrecoverable);
	json_kuint(j, "parts_duplicate", o->parts_duplicate);
	if (o->loss_unknown)
		json_kbool(j, "loss_unknown", true);
	json_kstrs(j, "attachments", o->attachments, o->n_attachments);
}

int record_to_json(const Oopsd__CrashRecord *rec, struct json *j)
{
	static const struct record_limits lim = RECORD_LIMITS_INIT;
	char *text = NULL;
	size_t len = 0;
	int err;

	json_obj_begin(j);
	json_khex(j, "id", rec->has_id, &rec->id);
	record_json_crash(rec, j);
	record_json_origin(rec, j);
	json_ktime(j, "crash_time", rec->has_crash_time_us,
		   rec->crash_time_us);
	json_kopt_int(j, "crash_time_us", rec->has_crash_time_us,
		      rec->crash_time_us);
	json_ktime(j, "collected_time", rec->has_collected_time_us,
		   rec->collected_time_us);
	json_kopt_int(j, "collected_time_us", rec->has_collected_time_us,
		      rec->collected_time_us);
	json_kstr(j, "agent_version", rec->agent_version);
	json_kopt_uint(j, "report_len", rec->has_report_len, rec->report_len);
	err = record_text(rec, lim.max_text, &text, &len);
	json_key(j, "report");
	if (err == 0 && text)
		json_strn(j, text, len);
	else
		json_null(j);
	if (err)
		json_kstr(j, "report_error",
			  err == -E2BIG ? "too_long" : "corrupt");
	free(text);
	json_obj_end(j);
	return j->oom ? -ENOMEM : 0;
}
