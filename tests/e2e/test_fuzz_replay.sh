#!/usr/bin/env bash
# The fuzzing regression gate (docs/fuzzing.md): every fuzz target of fuzz/, built as a replay
# program beside the binaries ($VR_BIN/../fuzz/replay_<target>, plain or ASan+UBSan like the
# rest of the build), is fed every file of its corpus fixtures/fuzz/<target>/ once, so an input
# that once crashed a parser stays fixed. One TAP line per target; a target without a corpus,
# a corpus without a target, or a missing replay program fails.
. "$(dirname "$0")/lib.sh"

REPLAY_DIR=$(cd "$VR_BIN/.." && pwd)/fuzz
targets=()
for src in "$ROOT"/fuzz/fuzz_*.c; do
    t=$(basename "$src" .c)
    targets+=("${t#fuzz_}")
done
check "fuzz/ has targets" test "${#targets[@]}" -gt 0

for t in "${targets[@]}"; do
    bin=$REPLAY_DIR/replay_$t
    corpus=$FIX/fuzz/$t
    if [ ! -x "$bin" ]; then not_ok "replay $t" "missing $bin (make build)"; continue; fi
    if [ ! -d "$corpus" ]; then not_ok "replay $t" "missing corpus $corpus"; continue; fi
    n=$(find "$corpus" -maxdepth 1 -type f ! -name '.*' | wc -l)
    timeout 120 "$bin" "$corpus" >"$T_DIR/$t.log" 2>&1
    rc=$?
    if [ "$rc" -eq 0 ] && grep -q "^replayed $n inputs$" "$T_DIR/$t.log"; then
        ok "replay $t: $n inputs"
    else
        mapfile -t tail_lines < <(tail -25 "$T_DIR/$t.log")
        not_ok "replay $t: exit $rc over $n inputs" "${tail_lines[@]}"
    fi
done

for d in "$FIX"/fuzz/*/; do
    t=$(basename "$d")
    [ -f "$ROOT/fuzz/fuzz_$t.c" ] || not_ok "corpus fixtures/fuzz/$t has a target" "no fuzz/fuzz_$t.c"
done
exit 0
