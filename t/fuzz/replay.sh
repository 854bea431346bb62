#!/bin/sh
# make check: replays every fuzz target's corpus: t/fuzz/corpus/<target>/ is
# fed to ./t/fuzz/<target>_fuzz. A corpus without its target is an error.
set -e
status=0
for corpus in "$TERN_SRCDIR"/t/fuzz/corpus/*/; do
    target=$(basename "$corpus")
    ./t/fuzz/${target}_fuzz "$corpus" || status=1
done
exit $status
