#!/bin/sh
# records.sh - crash record sizes (issue: records).
#
# Targets: the record of ../shared/corpus/seeds/cases/ext4-bug.log is at
# most 1.2 KB with its report text and 400 bytes without.  When the
# evaluation corpus is present, the sizes over all of it: median and max of
# record size / report text size.  Prints figures, never fails on one.
set -eu
O=${O:-build}
CORPUS=${CORPUS:-../shared/corpus}
[ -d "$CORPUS" ] || CORPUS=/work/shared/corpus
if ! grep -q 'oops.*\.o' lib/Build.mk; then
	echo "records: skipped: the parser is not in lib/ yet"
	exit 0
fi
make --no-print-directory -s "$O/bench/bin/records" >/dev/null
case $O in /*) B=$O/bench/bin/records ;; *) B=$(pwd)/$O/bench/bin/records ;; esac

ext4=$CORPUS/seeds/cases/ext4-bug.log
if [ -f "$ext4" ]; then
	echo "records: ext4-bug.log (target: <= 1228 B with text, <= 400 B without)"
	echo "records:  as an agent ships it (pstore, host name, machine id, boot ids, times):"
	line=$("$B" -v "$ext4" | sed -n 1p)
	echo "$line" | sed 's/^/records:   /'
	# "... record N B (r), without text M B ...": the verdict on both.
	echo "$line" | awk '{
		for (i = 1; i <= NF; i++) {
			if ($i == "record") w = $(i + 1);
			if ($i == "text" && $(i - 1) == "without") n = $(i + 1);
		}
		printf "records:   ext4 target: with text %d B (%s), without text %d B (%s)\n",
			w, w <= 1228 ? "met" : "NOT met", n, n <= 400 ? "met" : "NOT met"
	}'
	echo "records:  as oopsctl encode writes it (source file, no host identity):"
	(cd "$(dirname "$ext4")" && "$B" -v -f ext4-bug.log) | sed -n 1p |
		sed 's/^/records:   /'
else
	echo "records: $ext4 absent: the ext4-bug.log figure is skipped"
fi

if [ -d "$CORPUS/syzkaller/cases" ]; then
	echo "records: whole corpus ($CORPUS: seeds + syzkaller)"
	# shellcheck disable=SC2046
	"$B" $(ls "$CORPUS"/seeds/cases/*.log "$CORPUS"/syzkaller/cases/*.log) |
		sed 's/^/records:   /'
else
	echo "records: no corpus at $CORPUS: the corpus figures are skipped"
fi
