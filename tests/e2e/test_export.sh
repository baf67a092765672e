#!/usr/bin/env bash
# vni-reconcile export against vni-sim: an organization full of awkward values (names that
# YAML reads as booleans, numbers, nulls and dates; descriptions and routing table ids with
# quotes, backslashes, colons, hashes, controls, line separators, non-ASCII) is exported, and
# the export validates, plans to nothing and drifts to nothing against the same simulator.
# Connections the inventory refuses are written commented out and reported on stderr; one
# not active carries its state. --out (atomically, and in place through /dev/stdout), --org
# with --credentials, the organization guard, bad credentials and usage errors.
. "$(dirname "$0")/lib.sh"

ORG=a1b2c3d4-e5f6-7890-abcd-ef1234567890
ORG2=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0
export GENESYSCLOUD_OAUTHCLIENT_ID=vni-demo GENESYSCLOUD_OAUTHCLIENT_SECRET=vni-demo-secret
unset GENESYSCLOUD_ACCESS_TOKEN GENESYSCLOUD_REGION

# names NAME-LINES: the "- name:" values of an export, in file order, one per line
names() { sed -n 's/^  - name: //p' "$1"; }

# --- awkward values: export, validate, plan, drift ---
start_sim --state "$FIX/sim/awkward.json"
run_vr export
check_eq "export: exit 0" 0 "$RC"
EXP=$T_DIR/export.yaml
printf '%s\n' "$OUT" >"$EXP"
check_contains "export: the summary on stderr" "organization $ORG: 14 interfaces written to standard output; 0 commented out, 0 not active" "$ERR"
check_contains "header: names the organization (its name escaped onto one line)" \
    "# vni-reconcile export of organization $ORG (Example \"Org\": #1 ü\\nsecond line)" "$OUT"
check "header: the time of the reading and the count" \
    grep -qE '^# read at 20[0-9-]+T[0-9:.]+Z: 14 live connections \(limit 50\)$' "$EXP"
check_eq "header: what was written" "# 14 interfaces written" "$(sed -n 3p "$EXP")"
check_eq "shared values in defaults" "$(printf 'defaults:\n  type: ipconnect\n  dnsServers: ["8.8.8.8", "2001:4860:4860::8888"]\ninterfaces:')" \
    "$(sed -n '/^defaults:/,/^interfaces:/p' "$EXP")"
check_eq "interfaces sorted by name, every name YAML could misread quoted" \
    '"-" ".inf" "0777" "0x1F" "1_000" "1e3" "2026-01-01" "Off" arch-vni-prod-01 "null" "on" "true" v6-vni "yes"' \
    "$(names "$EXP" | tr '\n' ' ' | sed 's/ $//')"
check_contains "a description with a colon and a hash is quoted" 'description: "a: b # c"' "$OUT"
check_contains "controls are escaped" 'description: "controls \x01\x1b[31mred\x1b[0m\x7f"' "$OUT"
check_contains "line separators, NEL, BOM and bidi controls are escaped" \
    'description: "\u2028ls \u2029ps \x85nel \ufeffbom \u202erlo \uffff"' "$OUT"
check_contains "backslashes are escaped" 'description: "back\\slash \\n is not a newline\\"' "$OUT"
check_contains "non-ASCII is kept as it is" 'description: "café 日本語 😀' "$OUT"
check_contains "a routing table id that YAML reads as a boolean is quoted, its name beside it" \
    'routingTableId: "true"  # a table named true' "$OUT"
check_contains "addresses are kept as written" 'localIp: "2001:DB8:5::1"' "$OUT"
check_not_contains "no description where the connection has none" \
    "$(printf 'routingTableId: rt-core  # core\n    description:\n  - name: \"null\"')" "$OUT"
run_vr validate -f "$EXP"
check_eq "the export validates" "0|valid: 1 organization, 14 interfaces in 1 file" "$RC|$OUT"
run_vr plan -f "$EXP" --detailed-exitcode
check_eq "the export plans to nothing (--detailed-exitcode 0)" 0 "$RC"
check_contains "plan: every interface unchanged" "Plan: 0 to create, 0 to delete, 0 to replace, 14 unchanged, 0 drifted" "$OUT"
run_vr drift -f "$EXP" --exit-code
check_eq "the export drifts to nothing (--exit-code 0)" 0 "$RC"
check_contains "drift: every interface unchanged" "No drift: 14 unchanged" "$OUT"
check_eq "export only reads: no POST or DELETE to the API" 0 \
    "$(sim_admin GET /__sim/requests | jq '[.[] | select(.method != "GET" and (.path | startswith("/api/")))] | length')"

# --- --out: whole, atomically, nothing left beside it; through /dev/stdout in place ---
mkdir "$T_DIR/outdir"
printf 'old content\n' >"$T_DIR/outdir/inv.yaml"
run_vr export --out "$T_DIR/outdir/inv.yaml" -q
check_eq "--out: exit 0, nothing on stdout or stderr (-q)" "0||" "$RC|$OUT|$ERR"
check_eq "--out: the same inventory as standard output (but for the time)" \
    "$(grep -v '^# read at' "$EXP")" "$(grep -v '^# read at' "$T_DIR/outdir/inv.yaml")"
check_eq "--out: no temporary file left beside it" "inv.yaml" "$(ls -A "$T_DIR/outdir")"
check_eq "--out: mode 0644" 644 "$(stat -c %a "$T_DIR/outdir/inv.yaml")"
run_vr export --out /dev/stdout -q
check_eq "--out /dev/stdout: written in place" "0|$(grep -v '^# read at' "$EXP")" \
    "$RC|$(printf '%s\n' "$OUT" | grep -v '^# read at')"
run_vr export --out "$T_DIR/no/such/dir/inv.yaml"
check_eq "--out in a missing folder: exit 1" 1 "$RC"
check_contains "--out in a missing folder: names the file" "export file $T_DIR/no/such/dir/inv.yaml: cannot write it" "$ERR"

# --- --org with --credentials; the organization guard; usage errors ---
printf 'vni-second-secret\n' >"$T_DIR/second.secret"
chmod 600 "$T_DIR/second.secret"
printf '%s:\n  clientId: vni-second\n  clientSecretFile: second.secret\n' "$ORG2" >"$T_DIR/credentials.yaml"
run_vr export --org "$ORG2" --credentials "$T_DIR/credentials.yaml" --out "$T_DIR/second.yaml"
check_eq "--org with --credentials: exit 0" 0 "$RC"
check_contains "--org: that organization" "id: \"$ORG2\"" "$(cat "$T_DIR/second.yaml")"
check_eq "--org: its connections" "second-vni-01" "$(names "$T_DIR/second.yaml")"
run_vr plan -f "$T_DIR/second.yaml" --credentials "$T_DIR/credentials.yaml" --detailed-exitcode
check_eq "--org: its export plans to nothing" 0 "$RC"
run_vr export --org "$(printf '%s' "$ORG2" | tr a-f A-F)" --credentials "$T_DIR/credentials.yaml" -q
check_eq "--org in upper case: the same organization" "0|second-vni-01" "$RC|$(printf '%s\n' "$OUT" | sed -n 's/^  - name: //p')"
run_vr export --org "$ORG2"
check_eq "--org of another organization than the credentials': exit 1" 1 "$RC"
check_contains "--org: the guard names both" "belong to organization $ORG" "$ERR"
check_contains "--org: the guard says --org named the other (export reads no inventory)" "not to $ORG2, which --org names" "$ERR"
check_contains "--org: the platform's organization name shown escaped (no raw line break)" '(Example "Org": #1 ü\nsecond line)' "$ERR"
check_eq "--org refused: nothing on stdout" "" "$OUT"
run_vr export --credentials "$T_DIR/credentials.yaml"
check_eq "--credentials without --org: exit 1" 1 "$RC"
check_contains "--credentials without --org: says to pick one" "--org ID" "$ERR"
run_vr export --org not-a-uuid
check_eq "--org that is not a UUID: exit 1" 1 "$RC"
run_vr export -f "$EXP"
check_eq "export with -f: exit 1" 1 "$RC"
check_contains "export with -f: says export reads no inventory" "export reads no inventory" "$ERR"
run_vr export --audit-log "$T_DIR/a.jsonl" -q
check_eq "--audit-log: accepted, no effect" "0|no" "$RC|$([ -e "$T_DIR/a.jsonl" ] && echo yes || echo no)"
GENESYSCLOUD_OAUTHCLIENT_SECRET=wrong run_vr export --out "$T_DIR/bad.yaml"
check_eq "bad credentials: exit 1" 1 "$RC"
check_contains "bad credentials: says so" "401" "$ERR"
check_not_contains "bad credentials: the secret is not printed" "wrong" "$OUT$ERR"
check "bad credentials: no file written" test ! -e "$T_DIR/bad.yaml"
stop_sim

# --- refused and not-active connections ---
cat >"$T_DIR/refused.json" <<'EOF'
{"organizations": [{"id": "a1b2c3d4-e5f6-7890-abcd-ef1234567890", "name": "Example Org",
  "routingTables": ["rt-core"],
  "connections": [
   {"name": "good-01", "localIp": "10.1.0.1", "remoteIp": "203.0.113.1", "subnetCidr": "10.1.0.0/24",
    "dnsServers": ["8.8.8.8"], "routingTableId": "rt-core", "description": "kept"},
   {"name": "bad name", "localIp": "10.2.0.1", "remoteIp": "203.0.113.2", "subnetCidr": "10.2.0.0/24",
    "dnsServers": ["8.8.8.8"], "routingTableId": "rt-core"},
   {"name": "outside-01", "localIp": "10.3.9.1", "remoteIp": "203.0.113.3", "subnetCidr": "10.3.0.0/24",
    "dnsServers": ["8.8.8.8"], "routingTableId": "rt-core"},
   {"name": "overlap-a", "localIp": "10.20.0.1", "remoteIp": "203.0.113.4", "subnetCidr": "10.20.0.0/16",
    "dnsServers": ["8.8.8.8"], "routingTableId": "rt-core"},
   {"name": "overlap-b", "localIp": "10.20.5.1", "remoteIp": "203.0.113.5", "subnetCidr": "10.20.5.0/24",
    "dnsServers": ["8.8.8.8"], "routingTableId": "rt-core"},
   {"name": "evil\n- name: injected", "localIp": "10.6.0.1", "remoteIp": "203.0.113.6",
    "subnetCidr": "10.6.0.0/24", "dnsServers": ["8.8.8.8"], "routingTableId": "rt-core"},
   {"name": "bad-utf8", "localIp": "10.7.0.1", "remoteIp": "203.0.113.7", "subnetCidr": "10.7.0.0/24",
    "dnsServers": ["8.8.8.8"], "routingTableId": "rt-core", "description": "caf@BYTE@"},
   {"name": "prov-01", "localIp": "10.8.0.1", "remoteIp": "203.0.113.8", "subnetCidr": "10.8.0.0/24",
    "dnsServers": ["8.8.8.8"], "routingTableId": "rt-core", "state": "provisioning"},
   {"name": "failed-01", "localIp": "10.9.0.1", "remoteIp": "203.0.113.9", "subnetCidr": "10.9.0.0/24",
    "dnsServers": ["8.8.8.8"], "routingTableId": "rt-core", "state": "failed"}
  ]}],
 "clients": [{"id": "vni-demo", "secret": "vni-demo-secret",
  "organizationId": "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
  "scopes": ["privateconnectivity:read", "privateconnectivity:write", "interface:read"]}]}
EOF
sed -i "s/@BYTE@/$(printf '\351')/" "$T_DIR/refused.json" # a byte that is not UTF-8
start_sim --state "$T_DIR/refused.json"
run_vr export --out "$T_DIR/refused.yaml"
check_eq "refusals: still exit 0" 0 "$RC"
R=$(cat "$T_DIR/refused.yaml")
check_eq "refusals: five connections reported on stderr" 5 "$(printf '%s\n' "$ERR" | grep -c 'is written commented out')"
check_contains "refusals: the bad name, with the rule" \
    "connection bad name (id " "$ERR"
check_contains "refusals: the reason on stderr" "localIp 10.3.9.1 is outside subnetCidr 10.3.0.0/24" "$ERR"
check_contains "refusals: a name with a line break is shown escaped on stderr" 'connection evil\n- name: injected' "$ERR"
check_contains "refusals: the overlap names the kept one" \
    "subnetCidr 10.20.5.0/24 of 'overlap-b' overlaps subnetCidr 10.20.0.0/16 of 'overlap-a'" "$ERR"
check_contains "refusals: text that is not UTF-8" "description is not valid UTF-8" "$ERR"
check_contains "refusals: commented out in the file, with the reason" \
    "$(printf "  # refused by the inventory's rules: localIp 10.3.9.1 is outside subnetCidr 10.3.0.0/24\n  # - name: outside-01\n  #   type: ipconnect\n  #   localIp: \"10.3.9.1\"")" "$R"
check_contains "refusals: the injected name stays inside its comment" \
    '  # - name: "evil\n- name: injected"' "$R"
check_contains "not active: its state as a comment" "$(printf '  # state: provisioning (not active)\n  - name: prov-01')" "$R"
check_contains "failed: its state as a comment" "$(printf '  # state: failed (not active)\n  - name: failed-01')" "$R"
check_contains "header: the counts" "$(printf "9 live connections (limit 50)\n# 4 interfaces written; 5 commented out, refused by the inventory's rules (the reasons are above each); 2 not active")" "$R"
check_eq "refusals: only the connections the rules accept are interfaces" \
    "failed-01 good-01 overlap-a prov-01" "$(names "$T_DIR/refused.yaml" | tr '\n' ' ' | sed 's/ $//')"
run_vr validate -f "$T_DIR/refused.yaml"
check_eq "refusals: the export validates" "0|valid: 1 organization, 4 interfaces in 1 file" "$RC|$OUT"
run_vr plan -f "$T_DIR/refused.yaml" --format json
check_eq "refusals: the plan is possible, nothing drifted" "0 0" \
    "$RC $(printf '%s' "$OUT" | jq '.organizations[0].drift | length')"
check_eq "refusals: the only action a plan may hold is the replacement of the failed one" "ok" \
    "$(printf '%s' "$OUT" | jq -r '[.organizations[0].actions[].name] - ["failed-01"] | if length == 0 then "ok" else tostring end')"
check_eq "refusals: the commented-out connections are unmanaged, never deleted" 5 \
    "$(printf '%s' "$OUT" | jq '.organizations[0].unmanaged | length')"
run_vr drift -f "$T_DIR/refused.yaml"
check_contains "drift: the provisioning one is not active" "not active prov-01" "$OUT"
check_not_contains "drift: nothing exported differs" "~ different" "$OUT"
stop_sim

t_done
