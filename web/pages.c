// SPDX-License-Identifier: MIT
/*
 * pages.c - the dashboard's pages and their JSON at /api/v1/...
 *
 * Each page asks the store's query layer (lib/store/store_query.c) and
 * writes either HTML (server-rendered, no script, charts as inline SVG)
 * or JSON with the field names of `oopsctl --json` (lib/store/store_json.c
 * and record_to_json()).  Every string from a record goes through
 * out_html()/out_url() on its way into HTML.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "base/conf.h"
#include "base/util.h"
#include "record/record.h"
#include "store/store_hosts.h"
#include "store/store_json.h"
#include "web.h"

#define LIST_PER_PAGE 50
#define LIST_MAX_PER_PAGE 200
#define SIG_HOSTS 20 /* as oopsctl show */
#define SIG_RECENT 20
#define SIG_DAYS 60
#define HOST_SIGS 100
#define HOST_RECENT 20
#define HOSTS_MAX 1000
#define STR_(x) #x
#define STR(x) STR_(x) /* a number macro's value as a string */
#define MAX_FILTER 256

/* ------------------------------------------------------------- framing -- */

static const char web_css[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#222;"
	"background:#fafafa}\n"
	"header{background:#263238;color:#fff;padding:.5em 1em;display:flex;"
	"gap:1.5em;align-items:baseline;flex-wrap:wrap}\n"
	"header a{color:#cfd8dc;text-decoration:none}"
	"header a.brand{color:#fff;font-weight:bold;font-size:1.2em}\n"
	"main{padding:1em;max-width:1400px}\n"
	"h1{font-size:1.4em;word-break:break-word}h2{font-size:1.15em;"
	"margin-top:1.5em}\n"
	"table{border-collapse:collapse;width:100%;background:#fff}\n"
	"th,td{border-bottom:1px solid #e0e0e0;padding:.3em .5em;"
	"text-align:left;vertical-align:top;white-space:nowrap}\n"
	"th{background:#eceff1;white-space:nowrap}th a{color:#222}\n"
	"td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
	"td.t{word-break:break-word;white-space:normal}\n"
	"a{color:#1565c0}code,.sig{font-family:monospace}\n"
	"pre{background:#fff;border:1px solid #ddd;padding:.6em;overflow-x:auto;"
	"font-size:12px;white-space:pre-wrap;word-break:break-all}\n"
	"form.filters{display:flex;flex-wrap:wrap;gap:.5em;align-items:end;"
	"margin-bottom:1em}\n"
	"form label{display:flex;flex-direction:column;font-size:.85em}\n"
	"dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}"
	"dt{font-weight:bold}dd{margin:0;word-break:break-word}\n"
	".st{padding:0 .4em;border-radius:3px;font-size:.85em}"
	".st-open{background:#ffe0b2}.st-fixed{background:#c8e6c9}"
	".st-ignored{background:#e0e0e0}\n"
	".new{background:#e3f2fd}.muted{color:#757575}"
	"table.narrow{width:auto;min-width:24em}\n"
	".pager{margin:1em 0}.pager a{margin-left:1em}\n"
	"svg.spark rect{fill:#ef6c00}svg.hist rect{fill:#1565c0}"
	"svg rect.base{fill:#b0bec5}\n"
	"@media (max-width:700px){.wide{display:none}}\n";

static void page_begin(struct web_req *r, const char *title)
{
	struct out *o = &r->o;

	out_str(o, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
		   "<meta charset=\"utf-8\">"
		   "<meta name=\"viewport\" content=\"width=device-width, "
		   "initial-scale=1\"><title>");
	out_html(o, title);
	out_str(o, " - ");
	out_html(o, r->w->cfg->title);
	out_str(o, "</title><link rel=\"stylesheet\" href=\"/style.css\">"
		   "</head><body><header><a class=\"brand\" href=\"/\">");
	out_html(o, r->w->cfg->title);
	out_str(o, "</a><a href=\"/\">Crashes</a><a href=\"/hosts\">Hosts</a>"
		   "<a href=\"/collectors\">Collectors</a>"
		   "<a href=\"/metrics\">Metrics</a></header><main>\n");
}

static void page_end(struct web_req *r)
{
	out_str(&r->o, "</main></body></html>\n");
}

/* The JSON document j becomes the answer. */
static void json_answer(struct web_req *r, struct json *j)
{
	if (j->oom)
		r->o.full = true;
	else
		out_addn(&r->o, j->buf, j->len);
	out_str(&r->o, "\n");
	json_free(j);
}

static void fail(struct web_req *r, unsigned status, const char *msg)
{
	r->status = status;
	if (r->json) {
		struct json j;

		json_init(&j);
		json_obj_begin(&j);
		json_kstr(&j, "error", msg);
		json_obj_end(&j);
		json_answer(r, &j);
		return;
	}
	page_begin(r, "Error");
	out_add(&r->o, "<h1>%u</h1><p>", status);
	out_html(&r->o, msg);
	out_str(&r->o, "</p>");
	page_end(r);
}

static void store_fail(struct web_req *r, int rc)
{
	fail(r, rc == -ENOENT ? MHD_HTTP_NOT_FOUND :
	     rc == -EINVAL    ? MHD_HTTP_BAD_REQUEST :
				MHD_HTTP_INTERNAL_SERVER_ERROR,
	     rc == -ENOENT ? "not found" :
	     rc == -EINVAL ? "bad request" :
			     "the store could not answer");
}

/* What a row callback writes into: the page (j NULL) or the JSON list j. */
struct row_out {
	struct web_req *r;
	struct json *j;
	size_t n; /* rows seen, for the callbacks that count */
};

/* {"key":[ : the start of a JSON answer around one list. */
static void json_list_begin(struct json *j, const char *key)
{
	json_init(j);
	json_obj_begin(j);
	json_key(j, key);
	json_arr_begin(j);
}

/* Close j (its list closed, its other members added) and answer it, or
 * the store's error rc < 0 instead. */
static void json_list_answer(struct web_req *r, struct json *j, int rc)
{
	json_obj_end(j);
	if (rc < 0) {
		json_free(j);
		store_fail(r, rc);
		return;
	}
	json_answer(r, j);
}

/* When the store failed (rc < 0), the page so far is dropped for the
 * error page: true then. */
static bool html_failed(struct web_req *r, int rc)
{
	if (rc >= 0)
		return false;
	out_free(&r->o);
	store_fail(r, rc);
	return true;
}

/* The first error of a page's several queries (a page is not answered
 * half-filled with 200). */
static int first_err(int err, int rc)
{
	return err < 0 ? err : rc < 0 ? rc : 0;
}

/* A JSON answer, or the store's error when one of its queries failed. */
static void json_answer_or_fail(struct web_req *r, struct json *j, int err)
{
	if (err < 0) {
		json_free(j);
		store_fail(r, err);
		return;
	}
	json_answer(r, j);
}

static void html_time(struct web_req *r, int64_t us)
{
	char buf[32];

	out_str(&r->o, web_time(us, buf, sizeof(buf)));
}

/* The rest of a row whose first cell is open: a count, then first and
 * last seen. */
static void html_count_cells(struct web_req *r, uint64_t count,
			     int64_t first_us, int64_t last_us)
{
	out_add(&r->o, "</td><td class=\"n\">%" PRIu64 "</td><td>", count);
	html_time(r, first_us);
	out_str(&r->o, "</td><td>");
	html_time(r, last_us);
	out_str(&r->o, "</td></tr>\n");
}

/* Its JSON twin: {KEY: name, count, first_seen, last_seen}. */
static void json_count_row(struct json *j, const char *key, const char *name,
			   uint64_t count, int64_t first_us, int64_t last_us)
{
	json_obj_begin(j);
	json_kstr(j, key, name);
	json_kuint(j, "count", count);
	store_json_time(j, "first_seen", first_us);
	store_json_time(j, "last_seen", last_us);
	json_obj_end(j);
}

static void html_state(struct web_req *r, const struct store_triage *t)
{
	const char *s = store_triage_name(t->state);

	out_add(&r->o, "<span class=\"st st-%s\">%s</span>", s, s);
	if (t->state == STORE_TRIAGE_FIXED && t->fixed_in) {
		out_str(&r->o, " <span class=\"muted\">in ");
		out_html(&r->o, t->fixed_in);
		out_str(&r->o, "</span>");
	}
}

static void link_sig(struct web_req *r, const char *sig, const char *text)
{
	out_str(&r->o, "<a href=\"/sig/");
	out_url(&r->o, sig);
	out_str(&r->o, "\">");
	out_html(&r->o, text);
	out_str(&r->o, "</a>");
}

static void link_to(struct web_req *r, const char *prefix, const char *key,
		    const char *text)
{
	out_str(&r->o, "<a href=\"");
	out_str(&r->o, prefix);
	out_url(&r->o, key);
	out_str(&r->o, "\">");
	out_html(&r->o, text ? text : key);
	out_str(&r->o, "</a>");
}

/* Bars of counts[0..n) as an inline SVG (no script, no style element). */
static void svg_bars(struct web_req *r, const char *cls, const uint64_t *c,
		     size_t n, unsigned bw, unsigned h, const char *label)
{
	uint64_t max = 0;

	for (size_t i = 0; i < n; i++)
		if (c[i] > max)
			max = c[i];
	out_add(&r->o,
		"<svg class=\"%s\" width=\"%zu\" height=\"%u\" "
		"viewBox=\"0 0 %zu %u\" role=\"img\"><title>",
		cls, n * bw, h, n * bw, h);
	out_html(&r->o, label);
	/* A baseline, so that the whole period shows, not only its bars. */
	out_add(&r->o, "</title><rect class=\"base\" x=\"0\" y=\"%u\" "
		       "width=\"%zu\" height=\"1\"/>",
		h - 1, n * bw);
	for (size_t i = 0; max && i < n; i++) {
		unsigned bh = (unsigned)((c[i] * (h - 1) + max - 1) / max);

		if (c[i] == 0)
			continue;
		out_add(&r->o,
			"<rect x=\"%zu\" y=\"%u\" width=\"%u\" height=\"%u\">"
			"<title>%" PRIu64 "</title></rect>",
			i * bw, h - bh, bw > 1 ? bw - 1 : 1, bh, c[i]);
	}
	out_str(&r->o, "</svg>");
}

/* ---------------------------------------------------------- crash list -- */

struct list_args {
	struct store_crash_query q;
	char since[16];
	const char *sort_name, *order;
	size_t page, per;
};

static const char *const sort_names[] = {
	[STORE_SORT_COUNT] = "count", [STORE_SORT_LAST] = "last",
	[STORE_SORT_FIRST] = "first", [STORE_SORT_HOSTS] = "hosts",
	[STORE_SORT_TITLE] = "title",
};

static bool arg_ok(const char *v)
{
	return v == NULL || strlen(v) <= MAX_FILTER;
}

static int parse_size(const char *v, size_t lo, size_t hi, size_t *out)
{
	char *end;
	unsigned long long n;

	if (v == NULL)
		return 0;
	n = strtoull(v, &end, 10);
	if (end == v || *end || v[0] == '-' || n < lo || n > hi)
		return -EINVAL;
	*out = (size_t)n;
	return 0;
}

static int list_args(struct web_req *r, struct list_args *a)
{
	const char *since = web_arg(r, "since"), *sort = web_arg(r, "sort");
	const char *source = web_arg(r, "source");
	uint64_t ms;

	memset(a, 0, sizeof(*a));
	a->q.source = -1;
	a->q.kind = web_arg(r, "kind");
	a->q.release = web_arg(r, "release");
	a->q.host = web_arg(r, "host");
	a->q.text = web_arg(r, "q");
	a->q.state = web_arg(r, "state");
	a->q.show_ignored = web_arg(r, "all") != NULL;
	a->q.now_us = r->now_us;
	a->page = 1;
	a->per = LIST_PER_PAGE;
	if (!arg_ok(a->q.kind) || !arg_ok(a->q.release) ||
	    !arg_ok(a->q.host) || !arg_ok(a->q.text) || !arg_ok(a->q.state))
		return -EINVAL;
	if (since) {
		if (strlen(since) >= sizeof(a->since) ||
		    conf_parse_duration_ms(since, &ms) < 0 || ms == 0 ||
		    ms > 3650ull * 86400000)
			return -EINVAL;
		str_lcpy(a->since, since, sizeof(a->since));
		a->q.since_us = r->now_us - (int64_t)ms * 1000;
		if (a->q.since_us <= 0)
			a->q.since_us = 1;
	}
	if (source && (a->q.source = store_source_parse(source)) < 0)
		return -EINVAL;
	if (a->q.state) {
		enum store_triage_state st;

		if (store_triage_parse(a->q.state, &st) < 0)
			return -EINVAL;
	}
	a->sort_name = "count";
	if (sort) {
		size_t i;

		for (i = 0; i < ARRAY_SIZE(sort_names); i++)
			if (strcmp(sort, sort_names[i]) == 0)
				break;
		if (i == ARRAY_SIZE(sort_names))
			return -EINVAL;
		a->q.sort = (enum store_sort)i;
		a->sort_name = sort_names[i];
	}
	a->order = web_arg(r, "order");
	if (a->order && strcmp(a->order, "asc") && strcmp(a->order, "desc"))
		return -EINVAL;
	/* Titles read A first, every number biggest first, unless asked. */
	a->q.ascending = a->order ? strcmp(a->order, "asc") == 0 :
				    a->q.sort == STORE_SORT_TITLE;
	if (parse_size(web_arg(r, "page"), 1, 1000000, &a->page) < 0 ||
	    parse_size(web_arg(r, "per"), 1, LIST_MAX_PER_PAGE, &a->per) < 0)
		return -EINVAL;
	a->q.limit = a->per;
	a->q.offset = (a->page - 1) * a->per;
	return 0;
}

/* "?a=1&b=2&" of the current filters (HTML-escaped), without the keys
 * the caller sets. */
static void list_query(struct web_req *r, const struct list_args *a,
		       bool with_sort)
{
	static const char *const keys[] = { "since", "kind", "release", "host",
					    "source", "q", "state", "all",
					    "per" };

	out_str(&r->o, "?");
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const char *v = web_arg(r, keys[i]);

		if (v == NULL)
			continue;
		out_str(&r->o, keys[i]);
		out_str(&r->o, "=");
		out_url(&r->o, v);
		out_str(&r->o, "&amp;");
	}
	if (with_sort) {
		out_add(&r->o, "sort=%s&amp;", a->sort_name);
		if (a->order)
			out_add(&r->o, "order=%s&amp;", a->order);
	}
}

static void json_trend(struct json *j, const uint64_t *t, size_t n)
{
	json_key(j, "trend");
	json_arr_begin(j);
	for (size_t i = 0; i < n; i++)
		json_uint(j, t[i]);
	json_arr_end(j);
}

static int list_row(const struct store_crash *c, void *arg)
{
	struct row_out *lo = arg;
	struct web_req *r = lo->r;
	const struct store_sig *s = &c->sig;
	size_t shown;

	if (lo->j) {
		json_obj_begin(lo->j);
		store_json_sig_fields(lo->j, s);
		store_json_triage(lo->j, &c->triage);
		json_trend(lo->j, c->trend, STORE_TREND_DAYS);
		json_obj_end(lo->j);
		return 0;
	}
	out_str(&r->o, "<tr><td class=\"sig\">");
	link_sig(r, s->signature, s->signature);
	out_str(&r->o, "</td><td class=\"t\">");
	link_sig(r, s->signature, s->title);
	out_str(&r->o, "</td><td>");
	out_html(&r->o, s->kind);
	out_add(&r->o, "</td><td class=\"n\">%" PRIu64 "</td>"
		       "<td class=\"n\">%" PRIu64 "</td><td class=\"wide\">",
		s->count, s->hosts);
	html_time(r, s->first_seen_us);
	out_str(&r->o, "</td><td>");
	html_time(r, s->last_seen_us);
	out_str(&r->o, "</td><td class=\"wide\">");
	/* The newest releases: a rollout looks at the last ones. */
	shown = s->n_releases > 3 ? s->n_releases - 3 : 0;
	for (size_t i = s->n_releases; i > shown; i--) {
		link_to(r, "/release/", s->releases[i - 1].release, NULL);
		if (i - 1 > shown)
			out_str(&r->o, "<br>");
	}
	if (shown)
		out_add(&r->o, " <span class=\"muted\">+%zu</span>", shown);
	out_str(&r->o, "</td><td>");
	svg_bars(r, "spark", c->trend, STORE_TREND_DAYS, 5, 16,
		 "records per day, last 14 days");
	out_str(&r->o, "</td><td>");
	html_state(r, &c->triage);
	out_str(&r->o, "</td></tr>\n");
	return 0;
}

static void sort_header(struct web_req *r, const struct list_args *a,
			const char *key, const char *label, const char *cls)
{
	bool cur = strcmp(a->sort_name, key) == 0;
	bool asc = cur && a->q.ascending;
	/* A click on the current key turns it round; a new key starts
	 * the way it reads best (titles A first, numbers biggest first). */
	const char *next = cur ? (asc ? "desc" : "asc") :
			   strcmp(key, "title") == 0 ? "asc" : "desc";

	out_add(&r->o, "<th%s><a href=\"/", cls);
	list_query(r, a, false);
	out_add(&r->o, "sort=%s&amp;order=%s\">%s%s</a></th>", key, next,
		label, cur ? (asc ? " &#9650;" : " &#9660;") : "");
}

static int kind_keep(const struct store_kind_count *k, void *arg)
{
	struct web_kinds *ks = arg;

	if (ks->n >= WEB_KINDS_MAX)
		return 1;
	str_lcpy(ks->name[ks->n++], k->kind ? k->kind : "",
		 sizeof(ks->name[0]));
	return 0;
}

/* The kinds the store has, asked again once a minute: a new kind is
 * rare and the question reads every signature. */
static void kind_options(struct web_req *r)
{
	struct web_kinds *ks = &r->w->kinds;
	const char *cur = web_arg(r, "kind");

	if (ks->loaded_us == 0 || r->now_us - ks->loaded_us > WEB_KINDS_TTL_US ||
	    r->now_us < ks->loaded_us) {
		ks->n = 0;
		if (store_kinds(r->w->st, kind_keep, ks) >= 0)
			ks->loaded_us = r->now_us;
	}
	for (size_t i = 0; i < ks->n; i++) {
		out_str(&r->o, "<option");
		if (cur && strcmp(cur, ks->name[i]) == 0)
			out_str(&r->o, " selected");
		out_str(&r->o, ">");
		out_html(&r->o, ks->name[i]);
		out_str(&r->o, "</option>");
	}
}

static void select_opts(struct web_req *r, const char *name,
			const char *const *vals, const char *const *labels)
{
	const char *cur = web_arg(r, name);

	out_add(&r->o, "<select name=\"%s\">", name);
	for (size_t i = 0; vals[i]; i++)
		out_add(&r->o, "<option value=\"%s\"%s>%s</option>", vals[i],
			(cur ? strcmp(cur, vals[i]) == 0 : !vals[i][0]) ?
				" selected" :
				"",
			labels[i]);
	out_str(&r->o, "</select>");
}

static void text_input(struct web_req *r, const char *name, const char *label)
{
	out_add(&r->o, "<label>%s<input name=\"%s\" value=\"", label, name);
	out_html(&r->o, web_arg(r, name));
	out_str(&r->o, "\"></label>");
}

static void list_filters(struct web_req *r)
{
	static const char *const since_v[] = { "", "1h", "24h", "7d", "30d",
					       NULL };
	static const char *const since_l[] = { "all time", "last hour",
					       "last day", "last 7 days",
					       "last 30 days" };
	static const char *const src_v[] = { "", "pstore", "netconsole",
					     "kmsg", "file", NULL };
	static const char *const src_l[] = { "any", "pstore", "netconsole",
					     "kmsg", "file" };
	static const char *const st_v[] = { "", "open", "fixed", "ignored",
					    NULL };
	static const char *const st_l[] = { "any", "open", "fixed",
					    "ignored" };

	out_str(&r->o, "<form class=\"filters\" method=\"get\" action=\"/\">"
		       "<label>Window");
	select_opts(r, "since", since_v, since_l);
	out_str(&r->o, "</label><label>Kind<select name=\"kind\">"
		       "<option value=\"\">any</option>");
	kind_options(r);
	out_str(&r->o, "</select></label>");
	text_input(r, "release", "Release");
	text_input(r, "host", "Host");
	out_str(&r->o, "<label>Source");
	select_opts(r, "source", src_v, src_l);
	out_str(&r->o, "</label>");
	text_input(r, "q", "Title contains");
	out_str(&r->o, "<label>Triage");
	select_opts(r, "state", st_v, st_l);
	out_add(&r->o, "</label><label>Ignored<input type=\"checkbox\" "
		       "name=\"all\" value=\"1\"%s></label>"
		       "<button type=\"submit\">Filter</button></form>\n",
		web_arg(r, "all") ? " checked" : "");
}

static void page_list(struct web_req *r)
{
	struct list_args a;
	struct row_out lo = { r, NULL, 0 };
	struct json j;
	uint64_t total = 0;
	size_t pages;
	int rc;

	if (list_args(r, &a) < 0) {
		fail(r, MHD_HTTP_BAD_REQUEST, "bad filter value");
		return;
	}
	if (r->json) {
		json_list_begin(&j, "crashes");
		lo.j = &j;
		rc = store_crashes(r->w->st, &a.q, list_row, &lo, &total);
		json_arr_end(&j);
		json_kuint(&j, "total", total);
		json_kuint(&j, "page", a.page);
		json_kuint(&j, "per_page", a.per);
		json_list_answer(r, &j, rc);
		return;
	}
	page_begin(r, "Crashes");
	out_str(&r->o, "<h1>Crashes</h1>");
	list_filters(r);
	out_str(&r->o, "<table><thead><tr><th>Signature</th>");
	sort_header(r, &a, "title", "Title", "");
	out_str(&r->o, "<th>Kind</th>");
	sort_header(r, &a, "count", "Count", "");
	sort_header(r, &a, "hosts", "Hosts", "");
	sort_header(r, &a, "first", "First seen", " class=\"wide\"");
	sort_header(r, &a, "last", "Last seen", "");
	out_str(&r->o, "<th class=\"wide\">Releases</th><th>14 days</th>"
		       "<th>Triage</th></tr></thead><tbody>\n");
	rc = store_crashes(r->w->st, &a.q, list_row, &lo, &total);
	out_str(&r->o, "</tbody></table>\n");
	if (html_failed(r, rc))
		return;
	pages = (size_t)((total + a.per - 1) / a.per);
	out_add(&r->o, "<p class=\"pager\"><span id=\"total\">%" PRIu64
		       "</span> signature%s",
		total, total == 1 ? "" : "s");
	if (a.page > 1) {
		out_str(&r->o, " <a rel=\"prev\" href=\"/");
		list_query(r, &a, true);
		out_add(&r->o, "page=%zu\">&laquo; previous</a>", a.page - 1);
	}
	if (pages > 1)
		out_add(&r->o, " page %zu of %zu", a.page, pages);
	if (a.page < pages) {
		out_str(&r->o, " <a rel=\"next\" href=\"/");
		list_query(r, &a, true);
		out_add(&r->o, "page=%zu\">next &raquo;</a>", a.page + 1);
	}
	out_str(&r->o, "</p>");
	page_end(r);
}

/* ------------------------------------------------------------ signature -- */

static Oopsd__CrashRecord *unpack(const uint8_t *buf, size_t len)
{
	Oopsd__CrashRecord *rec = NULL;
	const char *reason = NULL;

	if (buf == NULL || record_unpack(buf, len, NULL, &rec, &reason) < 0)
		return NULL;
	return rec;
}

static char *report_text(const Oopsd__CrashRecord *rec)
{
	static const struct record_limits lim = RECORD_LIMITS_INIT;
	char *text = NULL;
	size_t len;

	if (rec == NULL || record_text(rec, lim.max_text, &text, &len) < 0)
		return NULL;
	return text;
}

static int recent_row(const struct store_rec *rec, void *arg)
{
	struct row_out *ro = arg;
	struct web_req *r = ro->r;
	char id[2 * STORE_MAX_ID_BYTES + 1];
	Oopsd__CrashRecord *cr = unpack(rec->packed, rec->packed_len);
	const char *hostname = cr && cr->host && cr->host->hostname ?
				       cr->host->hostname :
				       rec->host_key;

	hex_encode(rec->id, rec->id_len <= STORE_MAX_ID_BYTES ? rec->id_len : 0,
		   id);
	if (ro->j) {
		json_obj_begin(ro->j);
		json_kstr(ro->j, "id", id);
		json_kstr(ro->j, "signature", rec->signature);
		json_kstr(ro->j, "title",
			  cr && cr->crash ? cr->crash->title : NULL);
		json_kstr(ro->j, "host", rec->host_key);
		json_kstr(ro->j, "hostname", hostname);
		json_kstr(ro->j, "release", rec->release);
		json_kstr(ro->j, "sender", rec->sender);
		store_json_time(ro->j, "seen", rec->seen_us);
		store_json_time(ro->j, "received", rec->received_us);
		json_obj_end(ro->j);
	} else {
		out_str(&r->o, "<tr><td>");
		html_time(r, rec->seen_us);
		out_str(&r->o, "</td><td>");
		link_to(r, "/host/", rec->host_key, hostname);
		out_str(&r->o, "</td><td>");
		if (rec->release)
			link_to(r, "/release/", rec->release, NULL);
		out_str(&r->o, "</td><td class=\"t\">");
		if (cr && cr->crash && cr->crash->title)
			link_sig(r, rec->signature, cr->crash->title);
		out_str(&r->o, "</td><td class=\"sig\">");
		link_to(r, "/record/", id, id);
		out_str(&r->o, "</td></tr>\n");
	}
	if (cr)
		record_free(cr);
	return 0;
}

static const char recent_head[] =
	"<table><thead><tr><th>Seen</th><th>Host</th><th>Release</th>"
	"<th>Title</th><th>Record</th></tr></thead><tbody>\n";

static int variant_row(const struct store_variant *v, void *arg)
{
	struct row_out *vo = arg;

	if (vo->j) {
		json_count_row(vo->j, "stack_signature", v->stack_signature,
			       v->count, v->first_seen_us, v->last_seen_us);
		return 0;
	}
	out_str(&vo->r->o, "<tr><td class=\"sig\">");
	out_html(&vo->r->o, v->stack_signature ? v->stack_signature :
						 "(no reliable frames)");
	html_count_cells(vo->r, v->count, v->first_seen_us, v->last_seen_us);
	return 0;
}

static void html_frames(struct web_req *r, const Oopsd__CrashRecord *rec)
{
	if (rec == NULL || rec->crash == NULL || rec->crash->n_frames == 0)
		return;
	out_str(&r->o, "<h2>Frames</h2><ol class=\"frames\">");
	for (size_t i = 0; i < rec->crash->n_frames; i++) {
		const Oopsd__Frame *f = rec->crash->frames[i];

		out_str(&r->o, "<li><code>");
		if (f->has_reliable && !f->reliable)
			out_str(&r->o, "? ");
		out_html(&r->o, f->function);
		if (f->has_offset)
			out_add(&r->o, "+0x%" PRIx64, f->offset);
		if (f->has_size)
			out_add(&r->o, "/0x%" PRIx64, f->size);
		if (f->module) {
			out_str(&r->o, " [");
			out_html(&r->o, f->module);
			out_str(&r->o, "]");
		}
		out_str(&r->o, "</code></li>");
	}
	out_str(&r->o, "</ol>\n");
}

static void html_report(struct web_req *r, const Oopsd__CrashRecord *rec)
{
	char *text = report_text(rec);

	out_str(&r->o, "<h2>Report</h2>");
	if (text == NULL) {
		out_str(&r->o, "<p class=\"muted\">(no report text)</p>");
		return;
	}
	out_str(&r->o, "<pre id=\"report\">");
	out_html(&r->o, text);
	out_str(&r->o, "</pre>\n");
	free(text);
}

/* A bug link is shown as a link only when it is an http(s) URL. */
static void html_bug(struct web_req *r, const char *bug)
{
	if (strncmp(bug, "https://", 8) == 0 ||
	    strncmp(bug, "http://", 7) == 0) {
		out_str(&r->o, "<a rel=\"noreferrer\" href=\"");
		out_html(&r->o, bug);
		out_str(&r->o, "\">");
		out_html(&r->o, bug);
		out_str(&r->o, "</a>");
	} else {
		out_html(&r->o, bug);
	}
}

static void html_triage(struct web_req *r, const char *sig,
			const struct store_triage *t)
{
	static const char *const states[] = { "open", "fixed", "ignored" };

	out_str(&r->o, "<h2>Triage</h2><dl><dt>State</dt><dd id=\"triage\">");
	html_state(r, t);
	out_str(&r->o, "</dd>");
	if (t->bug) {
		out_str(&r->o, "<dt>Bug</dt><dd>");
		html_bug(r, t->bug);
		out_str(&r->o, "</dd>");
	}
	if (t->note) {
		out_str(&r->o, "<dt>Note</dt><dd>");
		out_html(&r->o, t->note);
		out_str(&r->o, "</dd>");
	}
	if (t->updated_us) {
		out_str(&r->o, "<dt>Updated</dt><dd>");
		html_time(r, t->updated_us);
		out_str(&r->o, "</dd>");
	}
	out_str(&r->o, "</dl>");
	if (!r->w->writable) {
		out_str(&r->o, "<p class=\"muted\">Read-only dashboard: set "
			       "triage with <code>oopsctl triage</code>, or "
			       "give oops-web a users_file.</p>");
		return;
	}
	out_str(&r->o, "<form class=\"filters\" method=\"post\" "
		       "action=\"/sig/");
	out_url(&r->o, sig);
	out_str(&r->o, "/triage\"><label>State<select name=\"state\">");
	for (size_t i = 0; i < ARRAY_SIZE(states); i++)
		out_add(&r->o, "<option%s>%s</option>",
			(size_t)t->state == i ? " selected" : "", states[i]);
	out_str(&r->o, "</select></label><label>Fixed in<input "
		       "name=\"fixed_in\" value=\"");
	out_html(&r->o, t->fixed_in);
	out_str(&r->o, "\"></label><label>Bug<input name=\"bug\" value=\"");
	out_html(&r->o, t->bug);
	out_str(&r->o, "\"></label><label>Note<input name=\"note\" value=\"");
	out_html(&r->o, t->note);
	out_str(&r->o, "\"></label><button type=\"submit\">Save</button>"
		       "</form>\n");
}

static void page_sig(struct web_req *r, const char *sig)
{
	struct store_sig_detail *d = NULL;
	struct store_triage t;
	struct store_export_query eq = { .limit = SIG_RECENT,
					 .newest_first = true };
	uint64_t hist[SIG_DAYS];
	Oopsd__CrashRecord *ex = NULL;
	struct json j;
	struct row_out ro = { r, NULL, 0 };
	const struct store_sig *s;
	int rc, qerr;

	rc = store_show(r->w->st, sig, SIG_HOSTS, &d);
	if (rc < 0) {
		if (rc == -EEXIST)
			fail(r, MHD_HTTP_BAD_REQUEST,
			     "prefix matches several signatures");
		else
			store_fail(r, rc);
		return;
	}
	s = &d->sig;
	eq.signature = s->signature;
	rc = store_triage_get(r->w->st, s->signature, &t);
	if ((rc < 0 && rc != -ENOENT) ||
	    (rc = store_sig_histogram(r->w->st, s->signature, r->now_us, 24,
				      SIG_DAYS, hist)) < 0) {
		store_sig_detail_free(d);
		store_fail(r, rc);
		return;
	}
	ex = unpack(d->example, d->example_len);
	if (r->json) {
		json_init(&j);
		ro.j = &j;
		json_obj_begin(&j);
		store_json_sig_fields(&j, s);
		store_json_triage(&j, &t);
		store_json_sig_places(&j, d);
		json_key(&j, "histogram");
		json_obj_begin(&j);
		json_kuint(&j, "bucket_hours", 24);
		json_key(&j, "counts");
		json_arr_begin(&j);
		for (size_t i = 0; i < SIG_DAYS; i++)
			json_uint(&j, hist[i]);
		json_arr_end(&j);
		json_obj_end(&j);
		json_key(&j, "variants");
		json_arr_begin(&j);
		qerr = store_sig_variants(r->w->st, s->signature, variant_row,
					  &ro);
		json_arr_end(&j);
		json_key(&j, "recent");
		json_arr_begin(&j);
		qerr = first_err(qerr, store_export(r->w->st, &eq, recent_row,
						    &ro));
		json_arr_end(&j);
		json_key(&j, "example");
		if (ex)
			record_to_json(ex, &j);
		else
			json_null(&j);
		json_obj_end(&j);
		json_answer_or_fail(r, &j, qerr);
		goto out;
	}
	page_begin(r, s->title ? s->title : s->signature);
	out_str(&r->o, "<h1 id=\"title\">");
	out_html(&r->o, s->title);
	out_str(&r->o, "</h1><dl><dt>Signature</dt><dd class=\"sig\">");
	out_html(&r->o, s->signature);
	out_str(&r->o, "</dd><dt>Kind</dt><dd>");
	out_html(&r->o, s->kind);
	out_add(&r->o, "</dd><dt>Count</dt><dd id=\"count\">%" PRIu64
		       "</dd><dt>Hosts</dt><dd>%" PRIu64
		       "</dd><dt>First seen</dt><dd>",
		s->count, s->hosts);
	html_time(r, s->first_seen_us);
	out_str(&r->o, "</dd><dt>Last seen</dt><dd>");
	html_time(r, s->last_seen_us);
	out_str(&r->o, "</dd></dl>");
	html_triage(r, s->signature, &t);
	out_add(&r->o, "<h2>Records per day, last %d days</h2>", SIG_DAYS);
	svg_bars(r, "hist", hist, SIG_DAYS, 10, 60, "records per day");
	{
		char a[32], b[32];
		uint64_t peak = 0;

		for (size_t i = 0; i < SIG_DAYS; i++)
			if (hist[i] > peak)
				peak = hist[i];
		out_add(&r->o,
			"<p class=\"muted\">From %s to %s (UTC days, the last "
			"one ending now); peak: %" PRIu64 " a day.</p>",
			web_time(r->now_us - (int64_t)SIG_DAYS * 86400000000LL,
				 a, sizeof(a)),
			web_time(r->now_us, b, sizeof(b)), peak);
	}
	out_str(&r->o, "<h2>Kernel releases</h2><table><thead><tr>"
		       "<th>Release</th><th>Count</th><th>First seen</th>"
		       "<th>Last seen</th></tr></thead><tbody>\n");
	for (size_t i = 0; i < s->n_releases; i++) {
		out_str(&r->o, "<tr><td>");
		link_to(r, "/release/", s->releases[i].release, NULL);
		html_count_cells(r, s->releases[i].count,
				 s->releases[i].first_seen_us,
				 s->releases[i].last_seen_us);
	}
	out_add(&r->o, "</tbody></table><h2>Hosts</h2><p class=\"muted\">"
		       "The %d with the most records.</p><table><thead>"
		       "<tr><th>Host</th><th>Count</th><th>First seen</th>"
		       "<th>Last seen</th></tr></thead><tbody>\n",
		SIG_HOSTS);
	for (size_t i = 0; i < d->n_hosts; i++) {
		out_str(&r->o, "<tr><td>");
		link_to(r, "/host/", d->hosts[i].host_key,
			d->hosts[i].hostname);
		html_count_cells(r, d->hosts[i].count,
				 d->hosts[i].first_seen_us,
				 d->hosts[i].last_seen_us);
	}
	out_add(&r->o, "</tbody></table><h2>Stack variants</h2>"
		       "<p class=\"muted\">Among the newest %d records.</p>"
		       "<table><thead><tr><th>Stack signature</th><th>Count"
		       "</th><th>First seen</th><th>Last seen</th></tr>"
		       "</thead><tbody>\n",
		STORE_VARIANT_WINDOW);
	qerr = store_sig_variants(r->w->st, s->signature, variant_row, &ro);
	out_str(&r->o, "</tbody></table><h2>Latest records</h2>");
	out_str(&r->o, recent_head);
	qerr = first_err(qerr, store_export(r->w->st, &eq, recent_row, &ro));
	out_str(&r->o, "</tbody></table>");
	if (html_failed(r, qerr))
		goto out;
	if (ex) {
		out_str(&r->o, "<h2>Example</h2><p>From ");
		out_html(&r->o, ex->host && ex->host->hostname ?
					ex->host->hostname :
					"an unknown host");
		out_str(&r->o, " on ");
		out_html(&r->o, ex->kernel && ex->kernel->release ?
					ex->kernel->release :
					"an unknown kernel");
		out_str(&r->o, ".</p>");
		html_frames(r, ex);
		html_report(r, ex);
	}
	page_end(r);
out:
	if (ex)
		record_free(ex);
	store_sig_detail_free(d);
}

/* POST /sig/SIG/triage: state, fixed_in, bug, note from the form. */
static void post_triage(struct web_req *r, const char *sig)
{
	char state[16], fixed[STORE_TRIAGE_MAX_FIELD + 1],
		bug[STORE_TRIAGE_MAX_FIELD + 1], note[STORE_TRIAGE_MAX_FIELD + 1];
	struct store_triage t = { 0 };
	struct store_sig_detail *d = NULL;
	bool too_long = false;
	int rc;

	if (web_form(r, "state", state, sizeof(state), &too_long) == NULL ||
	    store_triage_parse(state, &t.state) < 0) {
		fail(r, MHD_HTTP_BAD_REQUEST, "state: open, fixed or ignored");
		return;
	}
	t.fixed_in = web_form(r, "fixed_in", fixed, sizeof(fixed), &too_long);
	t.bug = web_form(r, "bug", bug, sizeof(bug), &too_long);
	t.note = web_form(r, "note", note, sizeof(note), &too_long);
	if (too_long) {
		fail(r, MHD_HTTP_BAD_REQUEST, "a field is longer than 1024 bytes");
		return;
	}
	rc = store_show(r->w->st, sig, 0, &d);
	if (rc < 0) {
		store_fail(r, rc == -EEXIST ? -EINVAL : rc);
		return;
	}
	str_lcpy(t.sig, d->sig.signature, sizeof(t.sig));
	store_sig_detail_free(d);
	t.updated_us = r->now_us;
	rc = store_triage_set(r->w->st, &t);
	if (rc < 0) {
		store_fail(r, rc);
		return;
	}
	if (r->json) {
		struct json j;

		json_init(&j);
		json_obj_begin(&j);
		json_kstr(&j, "signature", t.sig);
		store_json_triage(&j, &t);
		json_kstr(&j, "by", r->user);
		json_obj_end(&j);
		json_answer(r, &j);
		return;
	}
	/* Post/redirect/get: a reload does not post again. */
	r->status = MHD_HTTP_SEE_OTHER;
	snprintf(r->location, sizeof(r->location), "/sig/%s", t.sig);
	link_sig(r, t.sig, "saved");
	out_str(&r->o, "\n");
}

/* ------------------------------------------------------------- release -- */

struct release_out {
	struct web_req *r;
	struct json *j;
	struct out all; /* HTML: rows of the all-crashes table, kept apart */
	size_t n_new, n;
	bool show_ignored; /* ?all: asked once, not per row */
};

static int release_row(const struct store_release_sig *rs, void *arg)
{
	struct release_out *ro = arg;
	struct web_req *r = ro->r;

	ro->n++;
	ro->n_new += rs->is_new;
	if (rs->triage.state == STORE_TRIAGE_IGNORED && !ro->show_ignored &&
	    !ro->j)
		return 0;
	if (ro->j) {
		json_obj_begin(ro->j);
		store_json_sig_fields(ro->j, &rs->sig);
		json_key(ro->j, "on_release");
		json_obj_begin(ro->j);
		json_kuint(ro->j, "count", rs->on.count);
		store_json_time(ro->j, "first_seen", rs->on.first_seen_us);
		store_json_time(ro->j, "last_seen", rs->on.last_seen_us);
		json_obj_end(ro->j);
		json_kbool(ro->j, "new", rs->is_new);
		store_json_triage(ro->j, &rs->triage);
		json_obj_end(ro->j);
		return 0;
	}
	/* One walk: the row goes to the all-crashes table, and when new
	 * to the new-in-release table as well. */
	{
		size_t start = r->o.len;

		out_str(&r->o, rs->is_new ?
				       "<tr class=\"new\"><td class=\"t\">" :
				       "<tr><td class=\"t\">");
		link_sig(r, rs->sig.signature, rs->sig.title);
		out_str(&r->o, "</td><td>");
		out_html(&r->o, rs->sig.kind);
		out_add(&r->o, "</td><td class=\"n\">%" PRIu64 "</td>"
			       "<td class=\"n\">%" PRIu64 "</td><td>",
			rs->on.count, rs->sig.count);
		html_time(r, rs->on.first_seen_us);
		out_str(&r->o, "</td><td>");
		html_time(r, rs->on.last_seen_us);
		out_str(&r->o, "</td><td>");
		html_state(r, &rs->triage);
		out_str(&r->o, "</td></tr>\n");
		if (r->o.full)
			return 1;
		out_addn(&ro->all, r->o.p + start, r->o.len - start);
		if (!rs->is_new) {
			r->o.len = start;
			r->o.p[start] = '\0';
		}
	}
	return 0;
}

static const char release_head[] =
	"<table><thead><tr><th>Title</th><th>Kind</th><th>On this release"
	"</th><th>All releases</th><th>First seen here</th>"
	"<th>Last seen here</th><th>Triage</th></tr></thead><tbody>\n";

static void page_release(struct web_req *r, const char *release)
{
	struct release_out ro = { .r = r,
				  .show_ignored = web_arg(r, "all") != NULL };
	struct json j;
	int rc;

	if (strlen(release) > MAX_FILTER) {
		fail(r, MHD_HTTP_BAD_REQUEST, "release name too long");
		return;
	}
	if (r->json) {
		json_init(&j);
		ro.j = &j;
		json_obj_begin(&j);
		json_kstr(&j, "release", release);
		json_key(&j, "signatures");
		json_arr_begin(&j);
		rc = store_release_sigs(r->w->st, release, STORE_PAGE_MAX,
					release_row, &ro);
		json_arr_end(&j);
		json_kuint(&j, "count", ro.n);
		json_kuint(&j, "new", ro.n_new);
		json_obj_end(&j);
		if (rc < 0) {
			json_free(&j);
			store_fail(r, rc);
		} else if (rc == 0) {
			json_free(&j);
			fail(r, MHD_HTTP_NOT_FOUND, "no crash on this release");
		} else {
			json_answer(r, &j);
		}
		return;
	}
	page_begin(r, release);
	out_str(&r->o, "<h1>Kernel ");
	out_html(&r->o, release);
	out_str(&r->o, "</h1><h2>New in this release</h2>"
		       "<p class=\"muted\">Signatures no earlier release "
		       "had.</p><div id=\"new\">");
	out_str(&r->o, release_head);
	rc = store_release_sigs(r->w->st, release, STORE_PAGE_MAX,
				release_row, &ro);
	out_str(&r->o, "</tbody></table></div>");
	if (rc <= 0) {
		out_free(&r->o);
		out_free(&ro.all);
		if (rc == 0)
			fail(r, MHD_HTTP_NOT_FOUND, "no crash on this release");
		else
			store_fail(r, rc);
		return;
	}
	out_add(&r->o, "<h2>All crashes on this release "
		       "(<span id=\"count\">%zu</span>, %zu new)</h2>",
		ro.n, ro.n_new);
	out_str(&r->o, release_head);
	out_addn(&r->o, ro.all.p ? ro.all.p : "", ro.all.len);
	if (ro.all.full)
		r->o.full = true;
	out_free(&ro.all);
	out_str(&r->o, "</tbody></table>");
	page_end(r);
}

/* ---------------------------------------------------------------- host -- */

struct host_out {
	struct web_req *r;
	struct json *j;
	const char *host_key;
	bool found;
	struct store_hb_copy hbc;
};

static int host_sig_row(const struct store_sig *s, void *arg)
{
	struct host_out *ho = arg;
	struct web_req *r = ho->r;

	if (ho->j) {
		json_obj_begin(ho->j);
		store_json_sig_fields(ho->j, s);
		json_obj_end(ho->j);
		return 0;
	}
	out_str(&r->o, "<tr><td class=\"t\">");
	link_sig(r, s->signature, s->title);
	out_str(&r->o, "</td><td>");
	out_html(&r->o, s->kind);
	html_count_cells(r, s->count, s->first_seen_us, s->last_seen_us);
	return 0;
}

static int host_rel_row(const struct store_release *rel, void *arg)
{
	struct host_out *ho = arg;
	struct web_req *r = ho->r;

	if (ho->j) {
		json_count_row(ho->j, "release", rel->release, rel->count,
			       rel->first_seen_us, rel->last_seen_us);
		return 0;
	}
	out_str(&r->o, "<tr><td>");
	if (rel->release)
		link_to(r, "/release/", rel->release, NULL);
	else
		out_str(&r->o, "unknown");
	html_count_cells(r, rel->count, rel->first_seen_us, rel->last_seen_us);
	return 0;
}

/* The host's heartbeat, copied out of the store's row. */
static int host_hb_row(const struct store_heartbeat *hb, void *arg)
{
	struct host_out *ho = arg;

	if (hb->host_key == NULL || strcmp(hb->host_key, ho->host_key) != 0)
		return 0;
	ho->found = true;
	store_hb_copy_set(&ho->hbc, hb);
	return 1;
}

/* The rule of `oopsctl hosts` (store_heartbeat_silent()). */
static bool host_silent(const struct web_req *r,
			const struct store_heartbeat *hb)
{
	return store_heartbeat_silent(hb, r->now_us,
				      (int64_t)r->w->cfg->silent_after * 1000);
}

static void page_host(struct web_req *r, const char *key)
{
	struct host_out ho = { .r = r, .host_key = key };
	struct row_out ro = { r, NULL, 0 };
	struct store_host h;
	struct json j;
	int rc, qerr;

	if (strlen(key) > STORE_HOST_KEY_MAX) {
		fail(r, MHD_HTTP_BAD_REQUEST, "host name too long");
		return;
	}
	rc = store_host_get(r->w->st, key, &h);
	/* A host may have checked in without ever crashing.  A store
	 * without heartbeats (older collectors) has simply none. */
	store_heartbeat_get(r->w->st, key, host_hb_row, &ho);
	if (rc == -ENOENT && ho.found) {
		memset(&h, 0, sizeof(h));
		h.host_key = (char *)key;
		h.hostname = (char *)ho.hbc.hb.hostname;
		rc = 0;
	}
	if (rc < 0) {
		store_fail(r, rc);
		goto out;
	}
	if (r->json) {
		json_init(&j);
		ho.j = ro.j = &j;
		json_obj_begin(&j);
		json_kstr(&j, "host", h.host_key);
		json_kstr(&j, "hostname", h.hostname);
		json_kstr(&j, "machine_id", h.machine_id);
		json_kstr(&j, "last_release", h.last_release);
		json_kstr(&j, "last_sender", h.last_sender);
		json_kuint(&j, "count", h.count);
		json_kuint(&j, "signatures", h.signatures);
		store_json_time(&j, "first_seen", h.first_seen_us);
		store_json_time(&j, "last_seen", h.last_seen_us);
		json_key(&j, "heartbeat");
		if (ho.found) {
			json_obj_begin(&j);
			json_kstr(&j, "agent_version", ho.hbc.hb.agent_version);
			json_kstr(&j, "release", ho.hbc.hb.release);
			json_kstr(&j, "boot_id", ho.hbc.hb.boot_id);
			json_kstr(&j, "sender", ho.hbc.hb.sender);
			json_kint(&j, "backlog", ho.hbc.hb.backlog);
			json_kint(&j, "interval_s", ho.hbc.hb.interval_s);
			store_json_time(&j, "received", ho.hbc.hb.received_us);
			json_kbool(&j, "silent",
				   host_silent(r, &ho.hbc.hb));
			json_obj_end(&j);
		} else {
			json_null(&j);
		}
		json_key(&j, "crashes");
		json_arr_begin(&j);
		qerr = store_host_sigs(r->w->st, key, HOST_SIGS, host_sig_row,
				       &ho);
		json_arr_end(&j);
		json_key(&j, "kernels");
		json_arr_begin(&j);
		qerr = first_err(qerr, store_host_releases(r->w->st, key,
							   host_rel_row, &ho));
		json_arr_end(&j);
		json_key(&j, "recent");
		json_arr_begin(&j);
		qerr = first_err(qerr, store_host_records(r->w->st, key,
							  HOST_RECENT,
							  recent_row, &ro));
		json_arr_end(&j);
		json_obj_end(&j);
		json_answer_or_fail(r, &j, qerr);
		goto out;
	}
	page_begin(r, h.hostname ? h.hostname : h.host_key);
	out_str(&r->o, "<h1>Host ");
	out_html(&r->o, h.hostname ? h.hostname : h.host_key);
	out_str(&r->o, "</h1><dl><dt>Host key</dt><dd class=\"sig\">");
	out_html(&r->o, h.host_key);
	out_str(&r->o, "</dd><dt>Machine id</dt><dd class=\"sig\">");
	out_html(&r->o, h.machine_id ? h.machine_id : "-");
	out_add(&r->o, "</dd><dt>Crashes</dt><dd id=\"count\">%" PRIu64
		       "</dd><dt>Signatures</dt><dd>%" PRIu64
		       "</dd><dt>Last crash</dt><dd>",
		h.count, h.signatures);
	html_time(r, h.last_seen_us);
	out_str(&r->o, "</dd><dt>Last kernel</dt><dd>");
	out_html(&r->o, h.last_release ? h.last_release : "-");
	out_str(&r->o, "</dd><dt>Last check-in</dt><dd id=\"checkin\">");
	if (ho.found) {
		html_time(r, ho.hbc.hb.received_us);
		out_str(&r->o, host_silent(r, &ho.hbc.hb) ?
				       " <span class=\"st st-open\">silent"
				       "</span>" :
				       " <span class=\"st st-fixed\">reporting"
				       "</span>");
		out_add(&r->o, " (agent ");
		out_html(&r->o, ho.hbc.hb.agent_version);
		out_add(&r->o, ", backlog %" PRId64 ")", ho.hbc.hb.backlog);
	} else {
		out_str(&r->o, "no heartbeat received");
	}
	out_str(&r->o, "</dd></dl><h2>Crashes</h2><table><thead><tr>"
		       "<th>Title</th><th>Kind</th><th>Count</th>"
		       "<th>First seen</th><th>Last seen</th></tr></thead>"
		       "<tbody>\n");
	qerr = store_host_sigs(r->w->st, key, HOST_SIGS, host_sig_row, &ho);
	out_str(&r->o, "</tbody></table><h2>Kernels</h2><table><thead><tr>"
		       "<th>Release</th><th>Records</th><th>First seen</th>"
		       "<th>Last seen</th></tr></thead><tbody>\n");
	qerr = first_err(qerr, store_host_releases(r->w->st, key, host_rel_row,
						   &ho));
	out_str(&r->o, "</tbody></table><h2>Latest records</h2>");
	out_str(&r->o, recent_head);
	qerr = first_err(qerr, store_host_records(r->w->st, key, HOST_RECENT,
						  recent_row, &ro));
	out_str(&r->o, "</tbody></table>");
	if (html_failed(r, qerr))
		goto out;
	page_end(r);
out:
	store_hb_copy_free(&ho.hbc);
}

/*
 * The hosts: every host known from its crashes or its agent's heartbeats,
 * with the state and fields of `oopsctl hosts --json` (reporting, silent,
 * or no_agent), in the order of store_fleet_walk(); HOSTS_MAX rows at most.
 */
static int host_out(const struct store_host *h,
		    const struct store_heartbeat *hb, enum store_host_state st,
		    void *arg)
{
	struct row_out *ho = arg;
	struct web_req *r = ho->r;
	/* Called with a crash host, a heartbeat or both. */
	const char *key = store_fleet_key(h, hb);
	const char *name = store_fleet_hostname(h, hb);

	if (ho->n++ >= HOSTS_MAX)
		return 0;
	if (ho->j) {
		store_json_fleet_host(ho->j, h, hb, st);
		return 0;
	}
	out_str(&r->o, "<tr><td>");
	link_to(r, "/host/", key, name);
	out_add(&r->o, "</td><td><span class=\"st st-%s\">%s</span></td><td>",
		st == STORE_HOST_REPORTING ? "fixed" :
		st == STORE_HOST_SILENT	   ? "open" :
					     "ignored",
		store_host_state_name(st));
	html_time(r, hb ? hb->received_us : 0);
	out_str(&r->o, "</td><td>");
	out_html(&r->o, hb ? hb->agent_version : NULL);
	out_str(&r->o, "</td><td>");
	out_html(&r->o, hb ? hb->release : NULL);
	out_str(&r->o, "</td><td class=\"n\">");
	if (hb)
		out_add(&r->o, "%" PRId64, hb->backlog);
	out_add(&r->o, "</td><td class=\"n\">%" PRIu64 "</td><td>",
		h ? h->count : 0);
	html_time(r, h ? h->last_seen_us : 0);
	out_str(&r->o, "</td><td>");
	if (h && h->last_release)
		link_to(r, "/release/", h->last_release, NULL);
	out_str(&r->o, "</td></tr>\n");
	return 0;
}

static void page_hosts(struct web_req *r)
{
	struct store_fleet f = {
		.now_us = r->now_us,
		.silent_after_us = (int64_t)r->w->cfg->silent_after * 1000,
	};
	struct row_out ho = { r, NULL, 0 };
	struct json j;
	int rc;

	rc = store_fleet_load(r->w->st, &f);
	if (rc < 0) {
		store_fail(r, rc);
		goto out;
	}
	if (r->json) {
		json_list_begin(&j, "hosts");
		ho.j = &j;
	} else {
		page_begin(r, "Hosts");
		out_str(&r->o, "<h1>Hosts</h1><table><thead><tr><th>Host</th>"
			       "<th>Agent</th><th>Last check-in</th>"
			       "<th>Version</th><th>Running kernel</th>"
			       "<th>Backlog</th><th>Crashes</th>"
			       "<th>Last crash</th><th>Crashed kernel</th></tr>"
			       "</thead><tbody>\n");
	}
	rc = store_fleet_walk(r->w->st, &f, host_out, &ho);
	if (r->json) {
		json_arr_end(&j);
		json_kuint(&j, "reporting", f.by_state[STORE_HOST_REPORTING]);
		json_kuint(&j, "silent", f.by_state[STORE_HOST_SILENT]);
		json_kuint(&j, "no_agent", f.by_state[STORE_HOST_NO_AGENT]);
		json_list_answer(r, &j, rc);
		goto out;
	}
	out_add(&r->o, "</tbody></table><p><span id=\"reporting\">%zu</span> "
		       "reporting, <span id=\"silent\">%zu</span> silent, "
		       "<span id=\"no_agent\">%zu</span> without an agent "
		       "(crashes, never a heartbeat)%s.</p>",
		f.by_state[STORE_HOST_REPORTING], f.by_state[STORE_HOST_SILENT],
		f.by_state[STORE_HOST_NO_AGENT],
		ho.n > HOSTS_MAX ? "; the first " STR(HOSTS_MAX) " are listed" : "");
	if (!html_failed(r, rc))
		page_end(r);
out:
	store_fleet_free(&f);
}

/* -------------------------------------------------------------- record -- */

struct record_out {
	struct web_req *r;
	bool done;
};

static void dl_str(struct web_req *r, const char *k, const char *v)
{
	if (v == NULL || !*v)
		return;
	out_add(&r->o, "<dt>%s</dt><dd>", k);
	out_html(&r->o, v);
	out_str(&r->o, "</dd>");
}

static void dl_u64(struct web_req *r, const char *k, bool has, uint64_t v)
{
	if (has)
		out_add(&r->o, "<dt>%s</dt><dd>%" PRIu64 "</dd>", k, v);
}

static int record_row(const struct store_rec *rec, void *arg)
{
	struct record_out *ro = arg;
	struct web_req *r = ro->r;
	Oopsd__CrashRecord *cr = unpack(rec->packed, rec->packed_len);
	const Oopsd__Origin *og = cr ? cr->origin : NULL;
	char id[2 * STORE_MAX_ID_BYTES + 1], sig[STORE_SIG_LEN];

	ro->done = true;
	if (cr == NULL) {
		fail(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
		     "the stored record does not decode");
		return 1;
	}
	if (r->json) {
		struct json j;

		json_init(&j);
		record_to_json(cr, &j);
		/* What the collector adds, as `oopsctl export` does. */
		json_obj_reopen(&j);
		json_kstr(&j, "received_from", rec->sender);
		store_json_time(&j, "seen", rec->seen_us);
		store_json_time(&j, "received", rec->received_us);
		json_obj_end(&j);
		json_answer(r, &j);
		record_free(cr);
		return 1;
	}
	hex_encode(rec->id, rec->id_len <= STORE_MAX_ID_BYTES ? rec->id_len : 0,
		   id);
	page_begin(r, cr->crash && cr->crash->title ? cr->crash->title : id);
	out_str(&r->o, "<h1 id=\"title\">");
	out_html(&r->o, cr->crash && cr->crash->title ? cr->crash->title :
							"(no title)");
	out_str(&r->o, "</h1><dl><dt>Record</dt><dd class=\"sig\">");
	out_str(&r->o, id);
	out_str(&r->o, "</dd><dt>Signature</dt><dd class=\"sig\">");
	link_sig(r, rec->signature, rec->signature);
	out_str(&r->o, "</dd><dt>Host</dt><dd>");
	link_to(r, "/host/", rec->host_key,
		cr->host && cr->host->hostname ? cr->host->hostname : NULL);
	out_str(&r->o, "</dd>");
	if (cr->host) {
		dl_str(r, "Machine id", cr->host->machine_id);
		dl_str(r, "Boot id", cr->host->boot_id);
		dl_str(r, "Collected in boot", cr->host->collected_boot_id);
	}
	if (cr->kernel) {
		if (cr->kernel->release) {
			out_str(&r->o, "<dt>Kernel</dt><dd>");
			link_to(r, "/release/", cr->kernel->release, NULL);
			out_str(&r->o, "</dd>");
		}
		dl_str(r, "Build", cr->kernel->build);
		dl_str(r, "Arch", cr->kernel->arch);
	}
	if (cr->crash) {
		dl_str(r, "Kind", record_kind_name(cr->crash->kind));
		if (cr->crash->has_stack_signature) {
			store_sig_hex(cr->crash->stack_signature, sig);
			dl_str(r, "Stack signature", sig);
		}
		dl_str(r, "Guilty", cr->crash->guilty);
		dl_str(r, "Comm", cr->crash->comm);
		if (cr->crash->has_cpu)
			out_add(&r->o, "<dt>CPU</dt><dd>%d</dd>",
				cr->crash->cpu);
		if (cr->crash->has_pid)
			out_add(&r->o, "<dt>PID</dt><dd>%d</dd>",
				cr->crash->pid);
		dl_str(r, "Tainted", cr->crash->tainted);
		dl_str(r, "Hardware", cr->crash->hardware);
	}
	if (og) {
		dl_str(r, "Source", record_source_name(og->source));
		for (size_t i = 0; i < og->n_files; i++)
			dl_str(r, "pstore file", og->files[i]);
		dl_str(r, "netconsole sender", og->sender);
		dl_str(r, "Reason", og->reason);
		dl_u64(r, "Parts expected", og->has_parts_expected,
		       og->parts_expected);
		dl_u64(r, "Parts found", og->has_parts_found, og->parts_found);
		if (og->has_complete && !og->complete)
			dl_str(r, "Complete", "no: parts of the report are "
					      "missing");
		dl_u64(r, "Lost messages", og->has_lost_messages,
		       og->lost_messages);
		dl_str(r, "Decompressed by", og->decompressed_by);
		dl_u64(r, "ECC corrected", og->has_ecc_corrected,
		       og->ecc_corrected);
		dl_u64(r, "ECC unrecoverable", og->has_ecc_unrecoverable,
		       og->ecc_unrecoverable);
	}
	out_str(&r->o, "<dt>Seen</dt><dd>");
	html_time(r, rec->seen_us);
	out_str(&r->o, "</dd><dt>Received</dt><dd>");
	html_time(r, rec->received_us);
	out_str(&r->o, "</dd>");
	dl_str(r, "Received from", rec->sender);
	dl_str(r, "Agent", cr->agent_version);
	out_str(&r->o, "</dl>");
	html_frames(r, cr);
	html_report(r, cr);
	page_end(r);
	record_free(cr);
	return 1;
}

static void page_record(struct web_req *r, const char *idhex)
{
	uint8_t id[STORE_MAX_ID_BYTES];
	size_t n = strlen(idhex);
	struct record_out ro = { r, false };
	int rc;

	if (n == 0 || n % 2 || n > 2 * STORE_MAX_ID_BYTES ||
	    hex_decode(idhex, id, n / 2) < 0) {
		fail(r, MHD_HTTP_BAD_REQUEST, "a record id is hex");
		return;
	}
	rc = store_record_get(r->w->st, id, n / 2, record_row, &ro);
	if (rc < 0 && !ro.done)
		store_fail(r, rc);
}

/* ---------------------------------------------------------- collectors -- */

/* Whether a collector's row is fresh: it rewrites it every few seconds. */
#define COLLECTOR_STALE_US (60 * 1000000LL)

static void ctr_json(enum web_ctr_event ev, const char *name,
		     const char *key, int64_t v, void *arg)
{
	struct json *j = arg;

	if (ev == WEB_CTR_OPEN) {
		json_key(j, name);
		json_obj_begin(j);
	} else if (ev == WEB_CTR_CLOSE) {
		json_obj_end(j);
	} else {
		json_kint(j, key ? key : name, v);
	}
}

static void ctr_html(enum web_ctr_event ev, const char *name,
		     const char *key, int64_t v, void *arg)
{
	struct web_req *r = arg;

	/* The row's own fields show above the table. */
	if (ev != WEB_CTR_VALUE || (key == NULL && (strcmp(name, "pid") == 0 ||
						    strcmp(name, "started_us") == 0 ||
						    strcmp(name, "updated_us") == 0)))
		return;
	out_str(&r->o, "<tr><td>");
	out_html(&r->o, name);
	if (key) {
		out_str(&r->o, " ");
		out_html(&r->o, key);
	}
	out_add(&r->o, "</td><td class=\"n\">%" PRId64 "</td></tr>\n", v);
}

static int coll_row(const struct store_collector *c, void *arg)
{
	struct row_out *co = arg;
	struct web_req *r = co->r;
	bool stale = r->now_us - c->updated_us > COLLECTOR_STALE_US;

	co->n++;
	if (co->j) {
		json_obj_begin(co->j);
		json_kstr(co->j, "name", c->name);
		json_kstr(co->j, "version", c->version);
		store_json_time(co->j, "started", c->started_us);
		store_json_time(co->j, "updated", c->updated_us);
		json_kbool(co->j, "stale", stale);
		/* The counters are the collector's own JSON object; it is
		 * passed through only when it is one. */
		json_key(co->j, "counters");
		if (web_counters_parse(c->counters_json, NULL, NULL) >= 0) {
			json_obj_begin(co->j);
			web_counters_parse(c->counters_json, ctr_json, co->j);
			json_obj_end(co->j);
		} else {
			json_null(co->j);
		}
		json_obj_end(co->j);
		return 0;
	}
	out_str(&r->o, "<h2>");
	out_html(&r->o, c->name);
	out_str(&r->o, stale ? " <span class=\"st st-open\">stale</span>" :
			       " <span class=\"st st-fixed\">up</span>");
	out_str(&r->o, "</h2><dl><dt>Version</dt><dd>");
	out_html(&r->o, c->version);
	out_str(&r->o, "</dd><dt>Started</dt><dd>");
	html_time(r, c->started_us);
	out_str(&r->o, "</dd><dt>Updated</dt><dd>");
	html_time(r, c->updated_us);
	out_str(&r->o, "</dd></dl><table class=\"narrow\"><thead><tr>"
		       "<th>Counter</th><th>Value</th></tr></thead><tbody>\n");
	if (web_counters_parse(c->counters_json, NULL, NULL) >= 0)
		web_counters_parse(c->counters_json, ctr_html, r);
	else
		out_str(&r->o, "<tr><td colspan=\"2\">(counters do not "
			       "parse)</td></tr>");
	out_str(&r->o, "</tbody></table>");
	return 0;
}

static void page_collectors(struct web_req *r)
{
	struct row_out co = { r, NULL, 0 };
	struct json j;
	int rc;

	if (r->json) {
		json_list_begin(&j, "collectors");
		co.j = &j;
		rc = store_collectors(r->w->st, coll_row, &co);
		json_arr_end(&j);
		json_list_answer(r, &j, rc);
		return;
	}
	page_begin(r, "Collectors");
	out_str(&r->o, "<h1>Collectors</h1>");
	rc = store_collectors(r->w->st, coll_row, &co);
	if (html_failed(r, rc))
		return;
	if (co.n == 0)
		out_str(&r->o, "<p>No collector has written its counters to "
			       "this store yet.</p>");
	page_end(r);
}

/* -------------------------------------------------------------- router -- */

/* The rest of path after prefix (non-empty), or NULL. */
static const char *after(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(path, prefix, n) != 0 || path[n] == '\0')
		return NULL;
	return path + n;
}

void web_route(struct web_req *r)
{
	const char *p = r->path, *rest;

	if (r->post) {
		const char *slash;
		char sig[STORE_SIG_LEN + 1];

		rest = after(p, "/sig/");
		slash = rest ? strchr(rest, '/') : NULL;
		if (slash == NULL || strcmp(slash, "/triage") != 0 ||
		    (size_t)(slash - rest) >= sizeof(sig)) {
			fail(r, MHD_HTTP_METHOD_NOT_ALLOWED,
			     "only /sig/SIGNATURE/triage takes a POST");
			return;
		}
		memcpy(sig, rest, (size_t)(slash - rest));
		sig[slash - rest] = '\0';
		post_triage(r, sig);
		return;
	}
	if (!r->json && strcmp(p, "/style.css") == 0) {
		r->ctype = "text/css";
		out_str(&r->o, web_css);
	} else if (!r->json && strcmp(p, "/metrics") == 0) {
		web_metrics(r);
	} else if (strcmp(p, "/") == 0) {
		page_list(r);
	} else if ((rest = after(p, "/sig/")) != NULL) {
		page_sig(r, rest);
	} else if ((rest = after(p, "/release/")) != NULL) {
		page_release(r, rest);
	} else if ((rest = after(p, "/host/")) != NULL) {
		page_host(r, rest);
	} else if (strcmp(p, "/hosts") == 0) {
		page_hosts(r);
	} else if ((rest = after(p, "/record/")) != NULL) {
		page_record(r, rest);
	} else if (strcmp(p, "/collectors") == 0) {
		page_collectors(r);
	} else {
		fail(r, MHD_HTTP_NOT_FOUND, "no such page");
	}
}
