// SPDX-License-Identifier: MIT
/*
 * oops_json.c - a report as JSON members, shared by every command that
 * prints reports (oopsctl parse, decode, pstore, netconsole).
 */
#include "base/json.h"
#include "parse/oops.h"

void oops_frame_json(struct json *j, const char *function, uint64_t offset,
		     uint64_t size, const char *module, bool reliable,
		     bool inlined)
{
	json_obj_begin(j);
	json_kstr(j, "function", function);
	json_kuint(j, "offset", offset);
	json_kuint(j, "size", size);
	json_kstr(j, "module", module);
	json_kbool(j, "reliable", reliable);
	json_kbool(j, "inlined", inlined);
	json_obj_end(j);
}

void oops_report_to_json(const struct oops_report *r, struct json *j)
{
	json_kstr(j, "title", r->title);
	json_kstr(j, "kind", oops_kind_name(r->kind));
	json_kbool(j, "corrupted", r->corrupted);
	json_kstr(j, "guilty", r->guilty);
	json_key(j, "alt_titles");
	json_arr_begin(j);
	for (size_t i = 0; i < r->nalt_titles; i++)
		json_str(j, r->alt_titles[i]);
	json_arr_end(j);
	json_key(j, "frames");
	json_arr_begin(j);
	for (size_t i = 0; i < r->nframes; i++) {
		const struct oops_frame *f = &r->frames[i];

		oops_frame_json(j, f->function, f->offset, f->size, f->module,
				f->reliable, f->inlined);
	}
	json_arr_end(j);
	json_kint(j, "cpu", r->cpu);
	json_kint(j, "pid", r->pid);
	json_kstr(j, "comm", r->comm);
	json_kstr(j, "tainted", r->tainted);
	json_kstr(j, "release", r->release);
	json_kstr(j, "build", r->build);
	json_kstr(j, "hardware", r->hardware);
	json_kstr(j, "arch", r->arch);
	json_kstr(j, "pc", r->pc);
	json_kuint(j, "start_line", r->start_line);
	json_kuint(j, "end_line", r->end_line);
	json_kint(j, "time_us", r->time_us);
	json_kbool(j, "truncated", r->truncated);
	json_kbool(j, "panicked", r->panicked);
}
