#!/bin/sh
# The include rule of docs/architecture.md: each folder includes headers of the folders it may
# use only. Checks the "#include "vr_x.h"" lines of every .c and .h; prints each breach and
# exits 1 when there is one.
set -eu
cd "$(dirname "$0")/.."

# allowed FOLDER: the folders whose headers FOLDER's files may include (itself included)
allowed() {
    case "$1" in
    model) echo "model" ;;
    desired) echo "model desired" ;;
    live) echo "model live" ;;
    reconcile) echo "model desired live reconcile" ;;
    report) echo "model live reconcile report" ;;
    cmd) echo "model desired live reconcile report cmd" ;;
    sim) echo "model sim" ;;
    *) echo "" ;;
    esac
}

status=0
for dir in model desired live reconcile report cmd sim; do
    ok=$(allowed "$dir")
    for src in "$dir"/*.c "$dir"/*.h; do
        [ -f "$src" ] || continue
        # header names have no spaces: word splitting is what we want
        # shellcheck disable=SC2013
        for hdr in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$src"); do
            home=""
            for d in model desired live reconcile report cmd sim; do
                if [ -f "$d/$hdr" ]; then home=$d; fi
            done
            [ -n "$home" ] || continue # a header outside the folders (none today)
            case " $ok " in
            *" $home "*) ;;
            *)
                echo "$src includes $home/$hdr: $dir/ may include only $ok" >&2
                status=1
                ;;
            esac
        done
    done
done
exit $status
