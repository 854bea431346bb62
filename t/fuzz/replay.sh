#!/bin/sh
# make check: replays every fuzz target's corpus (t/fuzz/corpus/<target>/).
set -e
status=0
for target in main_cf queue_file attr_codec line_reader smtp imap pop3 tables; do
    ./t/fuzz/${target}_fuzz "$TERN_SRCDIR/t/fuzz/corpus/$target" || status=1
done
exit $status
