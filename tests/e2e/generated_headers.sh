#!/bin/bash
# generated_headers - the committed generated headers are what their
# generators make of their sources today (an edit of the skip list or of
# the prefilter anchors without regenerating fails here).
set -u
fail=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
check() { # HEADER GENERATOR...
	local h=$1
	shift
	if ! "$@" > "$tmp" || ! cmp -s "$tmp" "$h"; then
		echo "FAIL: $h is not what '$*' prints: regenerate it"
		fail=1
	else
		echo "ok: $h"
	fi
}
command -v python3 >/dev/null || { echo "python3 not installed"; exit 77; }
check lib/parse/oops_prefilter.h python3 scripts/gen-oops-prefilter
check lib/parse/oops_skiplist.h python3 scripts/gen-oops-skiplist
check lib/parse/sig_plumbing.h python3 scripts/gen-sig-plumbing
check lib/record/record_dict_z.h python3 scripts/gen-record-zdict
exit $fail
