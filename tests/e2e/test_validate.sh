#!/usr/bin/env bash
# End-to-end: `vni-reconcile validate` on the fixtures: exit codes, located diagnostics on
# stderr, the summary on stdout, JSON output, stdin, folders, usage errors.
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1

run_vr validate -f fixtures/valid/inventory.yaml
check_eq "valid inventory exits 0" 0 "$RC"
check_eq "valid summary" "valid: 1 organization, 50 interfaces in 1 file" "$OUT"
check_eq "valid inventory: nothing on stderr" "" "$ERR"

run_vr validate -f fixtures/valid/split
check_eq "folder exits 0" 0 "$RC"
check_eq "folder: files merged" "valid: 1 organization, 4 interfaces in 3 files" "$OUT"

run_vr validate -f fixtures/valid/two-orgs/org-a.yaml -f fixtures/valid/two-orgs/org-b.yaml
check_eq "repeated -f, two organizations sharing addresses" \
    "valid: 2 organizations, 4 interfaces in 2 files" "$OUT"

run_vr validate fixtures/demo/inventory.yaml
check_eq "positional path" "valid: 1 organization, 5 interfaces in 1 file" "$OUT"

"$VR" validate -f - <fixtures/valid/inventory.yaml >"$T_DIR/out" 2>"$T_DIR/err"
check_eq "stdin via -f - exits 0" 0 "$?"
check_eq "stdin summary" "valid: 1 organization, 50 interfaces in 1 file" "$(cat "$T_DIR/out")"

"$VR" validate -f - <fixtures/invalid/unknown-key.yaml >"$T_DIR/out" 2>"$T_DIR/err"
check_eq "invalid stdin exits 3" 3 "$?"
check_contains "stdin is named <stdin>" \
    "<stdin>:13:5: error: unknown key 'locaIp' in interfaces[0]; did you mean 'localIp'?" \
    "$(cat "$T_DIR/err")"

run_vr validate -f fixtures/invalid/local-broadcast.yaml
check_eq "invalid exits 3" 3 "$RC"
check_eq "invalid: located message on stderr" \
    "fixtures/invalid/local-broadcast.yaml:10:14: error: localIp 10.0.1.255 is the broadcast address of 10.0.1.0/24; use a host address inside it" \
    "$ERR"
check_eq "invalid summary" "invalid: 1 error, 0 warnings" "$OUT"

# all errors of a run, sorted by file, line, column; a file that does not parse stops alone
run_vr validate -f fixtures/invalid/tag.yaml -f fixtures/invalid/syntax-error.yaml fixtures/invalid/not-a-mapping.yaml
check_eq "several files exit 3" 3 "$RC"
check_eq "every error, sorted" "fixtures/invalid/not-a-mapping.yaml:1:1: error: the top level must be a mapping (apiVersion, kind, organization, interfaces), not a sequence
fixtures/invalid/syntax-error.yaml:14:1: error: invalid YAML: did not find expected ',' or ']' while parsing a flow sequence (line 13, column 18)
fixtures/invalid/tag.yaml:13:18: error: YAML tags (!!str) are not allowed; remove the tag" "$ERR"
check_eq "several files summary" "invalid: 3 errors, 0 warnings" "$OUT"

# files of one organization are merged: the same interface in two files is a duplicate name
run_vr validate -f fixtures/invalid/tag.yaml -f fixtures/invalid/subnet-overlap.yaml
check_contains "merged files: duplicate name across files" \
    "fixtures/invalid/subnet-overlap.yaml:9:11: error: name 'vni-a' is defined twice in organization a1b2c3d4-e5f6-7890-abcd-ef1234567890; first at fixtures/invalid/tag.yaml:9:11" "$ERR"

run_vr validate -f fixtures/invalid/duplicate-name-split
check_eq "duplicate name across files exits 3" 3 "$RC"
check_contains "duplicate name names both places" \
    "fixtures/invalid/duplicate-name-split/b.yaml:9:11: error: name 'vni-a' is defined twice in organization a1b2c3d4-e5f6-7890-abcd-ef1234567890; first at fixtures/invalid/duplicate-name-split/a.yaml:9:11" \
    "$ERR"

for f in nul-byte invalid-utf8 too-deep empty syntax-error multi-document not-a-mapping; do
    run_vr validate -f "fixtures/invalid/$f.yaml"
    check_eq "hostile input $f: exit 3, no crash" 3 "$RC"
    check_contains "hostile input $f: located" "fixtures/invalid/$f.yaml:" "$ERR"
done

big=$T_DIR/big.yaml
truncate -s $((16 * 1024 * 1024 + 1)) "$big"
run_vr validate -f "$big"
check_eq "file over 16 MiB exits 3" 3 "$RC"
check_contains "file over 16 MiB is refused" "$big: error: file is 16777217 bytes; the limit is 16 MiB" "$ERR"

# warnings: over the documented default limit
bash bench/gen_inventory.sh 51 >"$T_DIR/51.yaml"
run_vr validate -f "$T_DIR/51.yaml"
check_eq "over the default limit is valid (exit 0)" 0 "$RC"
check_eq "over the default limit: summary counts the warning" \
    "valid: 1 organization, 51 interfaces in 1 file (1 warning)" "$OUT"
check_contains "over the default limit: warning" "$T_DIR/51.yaml:4:7: warning: organization a1b2c3d4-e5f6-7890-abcd-ef1234567890 has 51 interfaces" "$ERR"
run_vr validate -q -f "$T_DIR/51.yaml"
check_eq "-q: no summary" "" "$OUT"
check_eq "-q: no warnings" "" "$ERR"

# JSON
run_vr validate --format json -f fixtures/invalid/local-network.yaml
check_eq "json invalid exits 3" 3 "$RC"
check_eq "json: valid false" "false" "$(printf '%s' "$OUT" | jq -r .valid)"
check_eq "json: diagnostic" "error fixtures/invalid/local-network.yaml 10 14 invalid.value" \
    "$(printf '%s' "$OUT" | jq -r '.diagnostics[0] | "\(.severity) \(.file) \(.line) \(.column) \(.code)"')"
run_vr validate --format=json -f fixtures/valid/two-orgs
check_eq "json valid exits 0" 0 "$RC"
check_eq "json: organizations" "a1b2c3d4-e5f6-7890-abcd-ef1234567890:2 0f0e0d0c-0b0a-4998-8776-655443322110:2" \
    "$(printf '%s' "$OUT" | jq -r '[.organizations[] | "\(.id):\(.interfaces)"] | join(" ")')"

# usage
run_vr validate
check_eq "no path: exit 1" 1 "$RC"
check_contains "no path: message" "no inventory given; use -f PATH" "$ERR"
run_vr validate -f fixtures/valid/inventory.yaml --format yaml
check_eq "bad --format: exit 1" 1 "$RC"
check_contains "bad --format: message" "--format 'yaml' is not known; use text or json" "$ERR"
run_vr validate --fromat json
check_eq "unknown option: exit 1" 1 "$RC"
check_contains "unknown option: suggestion" "did you mean --format?" "$ERR"
run_vr validate --help
check_eq "--help exits 0" 0 "$RC"
check_contains "--help shows usage" "usage: vni-reconcile validate -f PATH" "$OUT"
run_vr help validate
check_eq "help validate exits 0" 0 "$RC"
run_vr validate -f fixtures/no-such-file.yaml
check_eq "missing file: exit 3" 3 "$RC"
check_contains "missing file: message" "fixtures/no-such-file.yaml: error: cannot read file: No such file or directory" "$ERR"

t_done
