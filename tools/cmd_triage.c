// SPDX-License-Identifier: MIT
/*
 * cmd_triage.c - `oopsctl triage SIGNATURE --state open|fixed|ignored
 * [--fixed-in RELEASE] [--bug URL] [--note TEXT] [--json]`: record what an
 * operator decided about a signature.  The store is opened for writing;
 * fields not given keep their value ("" clears one).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/util.h"
#include "oopsctl.h"
#include "store/store_json.h"
#include "store_cli.h"

static void triage_usage(FILE *out)
{
	fprintf(out,
		"Usage: oopsctl triage SIGNATURE [--state open|fixed|ignored]\n"
		"                      [--fixed-in RELEASE] [--bug URL] "
		"[--note TEXT] [--json]\n"
		"                      " STORE_CLI_USAGE "\n"
		"Set what is known about a signature (16 hex digits, or a\n"
		"unique prefix of at least 4).  Ignored signatures are hidden\n"
		"from `top` and the dashboard; a fixed one seen again on\n"
		"RELEASE or later is a regression.  Fields not given keep\n"
		"their value; an empty value clears one.  Without options,\n"
		"prints the current triage.\n");
}

static const char *keep(const char *given, const char *old)
{
	if (given == NULL)
		return old;
	return given[0] ? given : NULL;
}

int cmd_triage(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "fixed-in", required_argument, NULL, 'f' },
		{ "bug", required_argument, NULL, 'b' },
		{ "note", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		STORE_CLI_OPTIONS,
	};
	struct store_cli_opts so = { 0 };
	const char *state = NULL, *fixed_in = NULL, *bug = NULL, *note = NULL;
	struct store_sig_detail *d = NULL;
	struct store_triage t, old;
	struct store *st = NULL;
	char *spec = NULL, *o_fixed = NULL, *o_bug = NULL, *o_note = NULL;
	bool json = false, write;
	int c, rc, ret = OOPSCTL_ERROR;

	while ((c = store_cli_getopt(argc, argv, opts, &so)) != -1) {
		switch (c) {
		case 's':
			state = optarg;
			break;
		case 'f':
			fixed_in = optarg;
			break;
		case 'b':
			bug = optarg;
			break;
		case 'n':
			note = optarg;
			break;
		case 'j':
			json = true;
			break;
		default:
			return oopsctl_usage(c, triage_usage);
		}
	}
	if (optind + 1 != argc) {
		triage_usage(stderr);
		return OOPSCTL_ERROR;
	}
	memset(&t, 0, sizeof(t));
	if (state && store_triage_parse(state, &t.state) < 0) {
		fprintf(stderr, "oopsctl triage: --state: '%s' is not one of "
				"open, fixed, ignored\n", state);
		return OOPSCTL_ERROR;
	}
	if ((fixed_in && strlen(fixed_in) > STORE_TRIAGE_MAX_FIELD) ||
	    (bug && strlen(bug) > STORE_TRIAGE_MAX_FIELD) ||
	    (note && strlen(note) > STORE_TRIAGE_MAX_FIELD)) {
		fprintf(stderr, "oopsctl triage: a value is longer than %d "
				"bytes\n", STORE_TRIAGE_MAX_FIELD);
		return OOPSCTL_ERROR;
	}
	write = state || fixed_in || bug || note;
	spec = store_cli_spec(so.store, so.config);
	if (spec == NULL)
		return OOPSCTL_ERROR;
	rc = store_open(spec, write ? 0 : STORE_READONLY, &st);
	if (rc < 0) {
		char shown[512];

		fprintf(stderr, "oopsctl: cannot open store %s: %s\n",
			store_spec_redact(spec, shown, sizeof(shown)),
			strerror(-rc));
		goto out;
	}
	/* A prefix names one signature that exists. */
	rc = store_show(st, argv[optind], 0, &d);
	if (rc < 0) {
		fprintf(stderr, "oopsctl triage: '%s' %s\n", argv[optind],
			rc == -ENOENT ? "is no signature of the store" :
			rc == -EEXIST ? "matches several signatures" :
			rc == -EINVAL ? "is not 4-16 hex digits" :
					"cannot be looked up");
		ret = rc == -ENOENT ? OOPSCTL_NONE : OOPSCTL_ERROR;
		goto out;
	}
	rc = store_triage_get(st, d->sig.signature, &old);
	if (rc < 0 && rc != -ENOENT)
		goto out;
	/* old's strings are the store's until its next call: copy them. */
	o_fixed = old.fixed_in ? strdup(old.fixed_in) : NULL;
	o_bug = old.bug ? strdup(old.bug) : NULL;
	o_note = old.note ? strdup(old.note) : NULL;
	if (write) {
		str_lcpy(t.sig, d->sig.signature, sizeof(t.sig));
		if (state == NULL)
			t.state = old.state;
		t.fixed_in = keep(fixed_in, o_fixed);
		t.bug = keep(bug, o_bug);
		t.note = keep(note, o_note);
		t.updated_us = now_realtime_us();
		rc = store_triage_set(st, &t);
		if (rc < 0) {
			fprintf(stderr, "oopsctl triage: cannot write: %s\n",
				strerror(-rc));
			goto out;
		}
	} else {
		t = old;
		t.fixed_in = o_fixed;
		t.bug = o_bug;
		t.note = o_note;
	}
	if (json) {
		struct json j;

		json_init(&j);
		json_obj_begin(&j);
		json_kstr(&j, "signature", d->sig.signature);
		json_kstr(&j, "title", d->sig.title);
		store_json_triage(&j, &t);
		json_obj_end(&j);
		rc = json_flush_line(&j, stdout);
		json_free(&j);
		if (rc < 0)
			goto out;
	} else {
		char e1[200], e2[1200], e3[1200];

		printf("%s  %s%s%s%s%s  %s\n", d->sig.signature,
		       store_triage_name(t.state),
		       t.fixed_in ? " in " : "",
		       t.fixed_in ? store_cli_text(t.fixed_in, e1, sizeof(e1)) : "",
		       t.bug ? " " : "",
		       t.bug ? store_cli_text(t.bug, e2, sizeof(e2)) : "",
		       store_cli_text(d->sig.title, e3, sizeof(e3)));
	}
	ret = fflush(stdout) == 0 ? OOPSCTL_OK : OOPSCTL_ERROR;
out:
	free(o_fixed);
	free(o_bug);
	free(o_note);
	store_sig_detail_free(d);
	store_close(st);
	free(spec);
	return ret;
}
