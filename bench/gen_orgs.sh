#!/usr/bin/env bash
# Writes a run over K organizations, for benchmarks and tests: a vni-sim state (K
# organizations, one OAuth client each), one inventory file per organization, a --credentials
# file with its secret files. Each organization names N interfaces, of which the first L are
# live (matching) in the state: N - L creations to make. Organization k (1-based) has id
# 0000000k-0000-4000-8000-00000000000k (hex), subnets 10.k.i.0/24 and its own client
# org-k / secret-k.
#   --drift      the first live interface's description differs live (one drift per org)
#   --unmanaged  one more live connection the inventory does not name (unmanaged)
#   --varied     organization k names N + (k mod 3) interfaces, L + (k mod 3) of them live
# Usage: bench/gen_orgs.sh DIR K N L [--drift] [--unmanaged] [--varied]
# Leaves DIR/state.json, DIR/inv/org-K.yaml, DIR/credentials.yaml, DIR/secrets/org-K.
set -eu
dir=${1:?usage: gen_orgs.sh DIR K N L [--drift] [--unmanaged] [--varied]}
k_n=${2:?K} n_if=${3:?N} n_live=${4:?L}
shift 4
drift=0 unmanaged=0 varied=0
for a in "$@"; do
    case "$a" in
    --drift) drift=1 ;;
    --unmanaged) unmanaged=1 ;;
    --varied) varied=1 ;;
    *) echo "gen_orgs.sh: unknown option $a" >&2; exit 1 ;;
    esac
done
for v in "$k_n" "$n_if" "$n_live"; do
    case "$v" in '' | *[!0-9]*) echo "gen_orgs.sh: K, N and L must be whole numbers" >&2; exit 1 ;; esac
done
if [ "$k_n" -lt 1 ] || [ "$k_n" -gt 250 ] || [ "$n_if" -gt 250 ] || [ "$n_live" -gt "$n_if" ]; then
    echo "gen_orgs.sh: 1 <= K <= 250, L <= N <= 250" >&2
    exit 1
fi
mkdir -p "$dir/inv" "$dir/secrets"
awk -v dir="$dir" -v K="$k_n" -v N="$n_if" -v L="$n_live" -v drift="$drift" \
    -v unmanaged="$unmanaged" -v varied="$varied" '
function org_id(k) { return sprintf("%08x-0000-4000-8000-%012x", k, k) }
BEGIN {
    state = dir "/state.json"; creds = dir "/credentials.yaml"
    printf "{\"organizations\": [\n" > state
    for (k = 1; k <= K; k++) {
        n = N + (varied ? k % 3 : 0); l = L + (varied ? k % 3 : 0)
        id = org_id(k)
        inv = sprintf("%s/inv/org-%03d.yaml", dir, k)
        printf "apiVersion: vni-reconcile/v1\nkind: VniInventory\norganization:\n  id: %s\n", id > inv
        printf "defaults:\n  type: ipconnect\n  dnsServers: [8.8.8.8]\n  routingTableId: rt-core\n" > inv
        printf "interfaces:\n" > inv
        printf "%s{\"id\": \"%s\", \"name\": \"Org %d\", \"limit\": 500,\n", (k > 1 ? ",\n" : ""), id, k > state
        printf " \"routingTables\": [{\"id\": \"rt-core\", \"name\": \"core\"}],\n \"connections\": [" > state
        sep = ""
        for (i = 0; i < n; i++) {
            name = sprintf("org%03d-vni-%03d", k, i + 1)
            printf "  - name: %s\n    localIp: 10.%d.%d.1\n    remoteIp: 203.0.113.%d\n    subnetCidr: 10.%d.%d.0/24\n    description: interface %d of org %d\n", \
                name, k, i, i + 1, k, i, i + 1, k > inv
            if (i >= l) continue
            desc = sprintf("interface %d of org %d", i + 1, k)
            if (drift && i == 0) desc = desc " (edited live)"
            printf "%s\n  {\"id\": \"%08x-1111-4000-8000-%012x\", \"name\": \"%s\", \"type\": \"ipconnect\", \"localIp\": \"10.%d.%d.1\", \"remoteIp\": \"203.0.113.%d\", \"subnetCidr\": \"10.%d.%d.0/24\", \"dnsServers\": [\"8.8.8.8\"], \"routingTableId\": \"rt-core\", \"description\": \"%s\", \"state\": \"active\", \"dateCreated\": \"2026-11-01T09:%02d:%02d.000Z\"}", \
                sep, k, i + 1, name, k, i, i + 1, k, i, desc, int(i / 60), i % 60 > state
            sep = ","
        }
        if (unmanaged)
            printf "%s\n  {\"id\": \"%08x-2222-4000-8000-%012x\", \"name\": \"legacy-%03d\", \"type\": \"ipconnect\", \"localIp\": \"10.%d.250.1\", \"remoteIp\": \"198.51.100.1\", \"subnetCidr\": \"10.%d.250.0/24\", \"dnsServers\": [\"8.8.8.8\"], \"routingTableId\": \"rt-core\", \"state\": \"active\", \"dateCreated\": \"2026-10-01T09:00:00.000Z\"}", \
                sep, k, k, k, k, k > state
        printf "]}" > state
        close(inv)
        printf "%s:\n  clientId: org-%d\n  clientSecretFile: secrets/org-%d\n", id, k, k > creds
        sec = sprintf("%s/secrets/org-%d", dir, k)
        printf "secret-%d-of-the-bench\n", k > sec
        close(sec)
    }
    printf "\n], \"clients\": [\n" > state
    for (k = 1; k <= K; k++)
        printf "%s{\"id\": \"org-%d\", \"secret\": \"secret-%d-of-the-bench\", \"organizationId\": \"%s\", \"scopes\": [\"privateconnectivity:read\", \"privateconnectivity:write\", \"interface:read\"]}", \
            (k > 1 ? ",\n" : ""), k, k, org_id(k) > state
    printf "\n]}\n" > state
}'
chmod 600 "$dir"/secrets/*
