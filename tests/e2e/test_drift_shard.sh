#!/usr/bin/env bash
# vni-reconcile drift --shard I/N over an inventory of several organizations (vni-sim --state
# with six organizations, credentials from a --credentials file): for N = 1..4 every
# organization lands in exactly one shard, the one the documented rule names
# (1 + first 8 bytes of SHA-256(id), big-endian, mod N), the same on every run; one run
# without --shard covers them all; an empty shard is not an error.
. "$(dirname "$0")/lib.sh"

unset GENESYSCLOUD_OAUTHCLIENT_ID GENESYSCLOUD_OAUTHCLIENT_SECRET GENESYSCLOUD_ACCESS_TOKEN \
    GENESYSCLOUD_REGION

ORGS=()
for k in 1 2 3 4 5 6; do ORGS+=("5ad0${k}000-0000-4000-8000-00000000000${k}"); done

# sim state, inventory folder, credentials file
mkdir -p "$T_DIR/inv" "$T_DIR/secrets"
{
    echo '{"organizations": ['
    for k in 1 2 3 4 5 6; do
        o=${ORGS[$((k - 1))]}
        [ "$k" -gt 1 ] && echo ','
        echo "{\"id\": \"$o\", \"name\": \"Org $k\", \"limit\": 50,"
        echo " \"routingTables\": [{\"id\": \"rt-core\", \"name\": \"core\"}],"
        echo " \"connections\": [{\"id\": \"c0000000-0000-4000-8000-00000000000$k\","
        echo "   \"name\": \"shard-vni-$k\", \"type\": \"ipconnect\", \"localIp\": \"10.50.$k.1\","
        echo "   \"remoteIp\": \"203.0.113.5$k\", \"subnetCidr\": \"10.50.$k.0/24\","
        echo "   \"dnsServers\": [\"8.8.8.8\"], \"routingTableId\": \"rt-core\","
        echo "   \"state\": \"active\", \"dateCreated\": \"2026-11-01T09:00:00.000Z\"}]}"
    done
    echo '], "clients": ['
    for k in 1 2 3 4 5 6; do
        [ "$k" -gt 1 ] && echo ','
        echo "{\"id\": \"client-$k\", \"secret\": \"secret-$k-xyz\", \"organizationId\": \"${ORGS[$((k - 1))]}\","
        echo " \"scopes\": [\"privateconnectivity:read\", \"privateconnectivity:write\", \"interface:read\"]}"
    done
    echo ']}'
} >"$T_DIR/state.json"
: >"$T_DIR/credentials.yaml"
for k in 1 2 3 4 5 6; do
    o=${ORGS[$((k - 1))]}
    printf 'secret-%s-xyz\n' "$k" >"$T_DIR/secrets/org-$k"
    chmod 600 "$T_DIR/secrets/org-$k"
    printf '%s:\n  clientId: client-%s\n  clientSecretFile: secrets/org-%s\n' "$o" "$k" "$k" \
        >>"$T_DIR/credentials.yaml"
    cat >"$T_DIR/inv/org-$k.yaml" <<EOF
apiVersion: vni-reconcile/v1
kind: VniInventory
organization:
  id: $o
defaults:
  dnsServers: [8.8.8.8]
  routingTableId: rt-core
interfaces:
  - name: shard-vni-$k
    localIp: 10.50.$k.1
    remoteIp: 203.0.113.5$k
    subnetCidr: 10.50.$k.0/24
EOF
done
check "the state file is JSON" jq -e '.organizations | length == 6' "$T_DIR/state.json"

start_sim --state "$T_DIR/state.json" || { not_ok "vni-sim starts with six organizations"; exit 1; }
C=(-f "$T_DIR/inv" --credentials "$T_DIR/credentials.yaml" --format json)

# shard_rule ORG N: 1 + (first 16 hex digits of SHA-256(ORG)) mod N, digit by digit.
shard_rule() {
    local hex r=0 i
    hex=$(printf '%s' "$1" | sha256sum | cut -c1-16)
    for ((i = 0; i < 16; i++)); do r=$(((r * 16 + 16#${hex:i:1}) % $2)); done
    echo $((r + 1))
}

run_vr drift "${C[@]}" --exit-code
check_eq "no --shard: one run covers all six organizations, none drifted (exit 0)" "0 6" \
    "$RC $(jq '[.organizations[] | select(.summary.drift == false)] | length' <<<"$OUT")"
check_not_contains "no secret printed" "secret-" "$OUT$ERR"

for n in 1 2 3 4; do
    got=() bad=""
    for ((i = 1; i <= n; i++)); do
        run_vr drift "${C[@]}" --shard "$i/$n"
        [ "$RC" -eq 0 ] || bad="$bad shard $i/$n exit $RC: $ERR;"
        for o in $(jq -r '.organizations[].organization' <<<"$OUT"); do
            got+=("$o")
            [ "$(shard_rule "$o" "$n")" = "$i" ] || bad="$bad $o in shard $i/$n;"
        done
    done
    check_eq "N=$n: every organization in exactly one shard" \
        "$(printf '%s\n' "${ORGS[@]}" | sort | tr '\n' ' ')" \
        "$(printf '%s\n' "${got[@]}" | sort | tr '\n' ' ')"
    check_eq "N=$n: each in the shard the documented rule names" "" "$bad"
done

# stable: the same shard twice gives the same organizations
run_vr drift "${C[@]}" --shard 2/3
A=$(jq -r '[.organizations[].organization] | join(" ")' <<<"$OUT")
run_vr drift "${C[@]}" --shard 2/3
check_eq "the assignment is the same on every run" "$A" \
    "$(jq -r '[.organizations[].organization] | join(" ")' <<<"$OUT")"

# an empty shard: exit 0, an empty report
for ((i = 1; i <= 10; i++)); do
    n=0
    for o in "${ORGS[@]}"; do [ "$(shard_rule "$o" 10)" = "$i" ] && n=$((n + 1)); done
    [ "$n" -eq 0 ] && break
done
run_vr drift "${C[@]}" --shard "$i/10" --exit-code
check_eq "an empty shard ($i/10): exit 0, no organization" "0 0" \
    "$RC $(jq '.organizations | length' <<<"$OUT")"

check_eq "read-only: no POST or DELETE to the API" 0 \
    "$(sim_admin GET /__sim/requests | jq '[.[] | select(.method != "GET" and (.path | startswith("/api/")))] | length')"
stop_sim
t_done
