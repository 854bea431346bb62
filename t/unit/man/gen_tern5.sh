#!/bin/sh
# Regenerates man/man5/tern.5 from the parameter registry. Run from a build
# directory: sh $srcdir/t/unit/man/gen_tern5.sh
set -e
srcdir=$(cd "$(dirname "$0")/../../.." && pwd)
make -s t/unit/man/gen_tern5
./t/unit/man/gen_tern5 > "$srcdir/man/man5/tern.5"
echo "wrote $srcdir/man/man5/tern.5"
