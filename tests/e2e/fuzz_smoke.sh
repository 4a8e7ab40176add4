#!/bin/bash
# fuzz_smoke - the short fuzz pass of `make check`: build every libFuzzer
# harness (tests/fuzz/fuzz_*.c), replay its regression inputs
# (tests/fuzz/regress/NAME/, each once crashed or hung) and fuzz it for a
# few seconds from the seed corpus.  Any finding fails the scenario; the
# input is in $O/fuzz/crashes/.  Long campaigns: make fuzz FUZZ_SECONDS=N.
set -u
O=${O:-build}
command -v clang >/dev/null || { echo "clang not installed"; exit 77; }
ls tests/fuzz/fuzz_*.c >/dev/null 2>&1 || { echo "no harnesses"; exit 77; }
O=$O FUZZ_SECONDS=${FUZZ_SMOKE_SECONDS:-5} FUZZ_JOBS=2 scripts/run-fuzz
