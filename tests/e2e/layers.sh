#!/bin/bash
# layers - the one-way include rule of lib/LAYERS holds on the tree, and
# scripts/check-layers does fail on each kind of wrong include, injected
# into a scratch copy: one pointing up, one sideways, a private header from
# another folder, a program including a sibling program, a file left
# directly in lib/.
set -u
command -v python3 >/dev/null || { echo "python3 not installed"; exit 77; }
fail=0
if ! python3 scripts/check-layers; then
	echo "FAIL: the tree breaks its own layer rule"
	fail=1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
inject() { # NAME FILE LINE EXPECT
	rm -rf "$tmp/t" && mkdir "$tmp/t"
	git ls-files lib agent collector tools | tar -cf - -T - | tar -xf - -C "$tmp/t"
	printf '%s\n' "$3" >> "$tmp/t/$2"
	if out=$(python3 scripts/check-layers "$tmp/t"); then
		echo "FAIL: $1: check-layers passed a tree with $3 in $2"
		fail=1
	elif ! grep -q -- "$4" <<<"$out"; then
		echo "FAIL: $1: expected '$4', got: $out"
		fail=1
	else
		echo "ok: $1: $out"
	fi
}
inject up lib/parse/oops.c '#include "store/store.h"' 'points up'
inject sideways lib/store/store.c '#include "pstore/pstore.h"' 'points sideways'
inject private lib/record/record_pack.c '#include "parse/oops_internal.h"' 'private to lib/parse'
inject program agent/core.c '#include "../collector/ingest.h"' 'points sideways'
inject bare lib/store/store.c '#include "util.h"' 'no file of the tree'
inject stray lib/stray.c '/* nothing */' 'directly in lib/'
exit $fail
