#!/bin/bash
# doc_links - every relative link and #anchor of README.md and doc/*.md
# resolves, the README stays under 300 lines and starts with `make demo` and
# `make check` (scripts/check-doc-links); and the checker does fail on each
# kind of fault injected into a scratch copy: a dead file link, a dead
# anchor in another file and in the same file, a README too long, and the
# README's first commands changed.  A link inside a code block is text.
set -u
command -v python3 >/dev/null || { echo "python3 not installed"; exit 77; }
fail=0
if ! python3 scripts/check-doc-links; then
	echo "FAIL: the documentation has dead links"
	fail=1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A scratch tree: its own README.md and doc/, the rest of the tree linked.
scratch() {
	rm -rf "$tmp/t" && mkdir "$tmp/t"
	cp README.md "$tmp/t/" && cp -r doc "$tmp/t/"
	for f in *; do
		[ -e "$tmp/t/$f" ] || ln -s "$PWD/$f" "$tmp/t/$f"
	done
}
problems() { python3 scripts/check-doc-links "$tmp/t" | grep -c ': ' ; }
inject() { # NAME FILE TEXT EXPECT
	scratch
	printf '%s\n' "$3" >> "$tmp/t/$2"
	if out=$(python3 scripts/check-doc-links "$tmp/t"); then
		echo "FAIL: $1: check-doc-links passed with $3 in $2"
		fail=1
	elif ! grep -qF -- "$4" <<<"$out"; then
		echo "FAIL: $1: expected '$4', got: $out"
		fail=1
	else
		echo "ok: $1: $(grep -F -- "$4" <<<"$out")"
	fi
}
inject dead-file doc/agent.md 'See [the gone page](gone.md).' 'doc/agent.md:'"$(( $(wc -l < doc/agent.md) + 1 ))"': dead link gone.md'
inject dead-dir README.md 'See [x](doc/nowhere/).' 'dead link doc/nowhere/'
inject dead-anchor README.md 'See [x](doc/testing.md#no-such-heading).' 'dead anchor doc/testing.md#no-such-heading'
inject dead-self-anchor doc/formats.md 'See [x](#not-a-heading).' 'dead anchor #not-a-heading'
inject readme-long README.md "$(yes 'filler' | head -n 300)" 'more than 300'

# The first commands must stay `make demo` then `make check`.
scratch
sed -i '0,/^make demo/s//make all /' "$tmp/t/README.md"
if out=$(python3 scripts/check-doc-links "$tmp/t") || ! grep -q 'first commands' <<<"$out"; then
	echo "FAIL: a README not starting with make demo passed: $out"; fail=1
else
	echo "ok: first-commands: $(grep 'first commands' <<<"$out")"
fi

# Text that only looks like a link, in a code block or a code span, is not
# checked: it adds no problem.
scratch
before=$(problems)
printf '```\n[x](gone.md)\n```\nUse `[x](gone.md#y)` literally.\n' >> "$tmp/t/doc/testing.md"
after=$(problems)
if [ "$before" != "$after" ]; then
	echo "FAIL: a link in code was checked ($before problems, then $after)"; fail=1
else
	echo "ok: links in code blocks and spans are text"
fi
exit $fail
