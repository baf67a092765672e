#!/usr/bin/env bash
# vni-sim against the API it serves (docs/api.md), row by row, over real HTTP:
# OAuth (§2), conventions (§3), connections (§4.1-4.4), routing tables (§5), limits (§6), me (§6a).
. "$(dirname "$0")/lib.sh"

ORG=a1b2c3d4-e5f6-7890-abcd-ef1234567890
ORG2=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0
CONNS=/api/v2/organization/privateconnectivity/connections
RT=/api/v2/architect/networking/routingtables
UUID_RE='^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'

# req METHOD PATH [CURL ARGS...]: sets ST (status) and BODY; headers in $T_DIR/hdr.
req() {
    local m=$1 p=$2; shift 2
    ST=$(curl -sS -o "$T_DIR/body" -D "$T_DIR/hdr" -w '%{http_code}' -X "$m" "$@" "$SIM_URL$p")
    BODY=$(cat "$T_DIR/body")
}
# api METHOD PATH [JSON]: an API call with $TOKEN.
api() {
    local m=$1 p=$2
    if [ $# -ge 3 ]; then
        req "$m" "$p" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data-binary "$3"
    else
        req "$m" "$p" -H "Authorization: Bearer $TOKEN"
    fi
}
hdr() { grep -i "^$1:" "$T_DIR/hdr" | tail -1 | cut -d' ' -f2- | tr -d '\r'; }
jqb() { printf '%s' "$BODY" | jq -r "$@"; }
token_for() { curl -sS -u "$1:$2" -d grant_type=client_credentials "$SIM_URL/oauth/token" | jq -r .access_token; }
# conn NAME LOCAL REMOTE SUBNET [TABLE] [ORGID]: a create payload.
conn() {
    jq -cn --arg n "$1" --arg l "$2" --arg r "$3" --arg s "$4" --arg t "${5:-rt-core}" --arg o "${6:-$ORG}" \
        '{name:$n, organizationId:$o, type:"ipconnect", localIp:$l, remoteIp:$r, subnetCidr:$s,
          dnsServers:["8.8.8.8","8.8.4.4"], routingTableId:$t, description:"test"}'
}
# with BASE_JSON JQ_FILTER: a payload changed by a jq filter.
with() { printf '%s' "$1" | jq -c "$2"; }
details() { jqb '[.details[].fieldName] | sort | join(",")'; }
error_shape_ok() {
    printf '%s' "$BODY" | jq -e --argjson st "$1" \
        '(.message|type=="string") and (.code|type=="string") and .status==$st and
         (.contextId|type=="string") and (.details|type=="array") and (.messageParams|type=="object")' >/dev/null
}

# A long convergence delay: the checks right after a sync must see it still syncing, even on a
# loaded machine where two requests can be a few hundred milliseconds apart.
start_sim --state "$FIX/sim/two-orgs.json" --converge-ms 1000-1200 --seed 42 || { not_ok "vni-sim starts"; exit 1; }
ok "vni-sim starts on an ephemeral port ($SIM_URL)"

# --- §2 OAuth ---
req POST /oauth/token -u vni-demo:vni-demo-secret -d grant_type=client_credentials
check_eq "oauth: Basic credentials give 200" 200 "$ST"
check_eq "oauth: token_type bearer, expires_in 86400" "bearer 86400" "$(jqb '.token_type + " " + (.expires_in|tostring)')"
TOKEN=$(jqb .access_token)
check "oauth: an access_token is issued" test -n "$TOKEN"
req POST /oauth/token -d grant_type=client_credentials -d client_id=vni-demo -d client_secret=vni-demo-secret
check_eq "oauth: client_id/client_secret in the body give 200" 200 "$ST"
req POST /oauth/token -u vni-demo:wrong -d grant_type=password
check_eq "oauth: unsupported grant is 400 (checked before credentials)" "400 unsupported_grant_type" "$ST $(jqb .error)"
req POST /oauth/token -d client_id=vni-demo -d client_secret=vni-demo-secret
check_eq "oauth: missing grant_type is 400 unsupported_grant_type" "400 unsupported_grant_type" "$ST $(jqb .error)"
req POST /oauth/token -u vni-demo:wrong -d grant_type=client_credentials
check_eq "oauth: wrong secret is 401 invalid_client" "401 invalid_client" "$ST $(jqb .error)"
req POST /oauth/token -u nobody:x -d grant_type=client_credentials
check_eq "oauth: unknown client is 401 invalid_client" "401 invalid_client" "$ST $(jqb .error)"
req POST /oauth/token -d grant_type=client_credentials
check_eq "oauth: no credentials is 401 invalid_client" "401 invalid_client" "$ST $(jqb .error)"
req GET /oauth/token
check_eq "oauth: GET on the token endpoint is 405" 405 "$ST"

# --- §3 conventions ---
api GET /api/v2/organizations/me
check_eq "me: 200 with the client's organization" "200 $ORG Example Org /api/v2/organizations/$ORG" \
    "$ST $(jqb '.id + " " + .name + " " + .selfUri')"
check "every response: ININ-Correlation-Id is a uuid" grep -Eq "$UUID_RE" <<<"$(hdr ININ-Correlation-Id)"
check_eq "every response: Content-Type application/json" "application/json" "$(hdr Content-Type)"
req GET $CONNS
check_eq "no token: 401" 401 "$ST"
check "401 carries the error body shape" error_shape_ok 401
check "401 carries ININ-Correlation-Id" grep -Eq "$UUID_RE" <<<"$(hdr ININ-Correlation-Id)"
check_eq "error bodies: contextId is the ININ-Correlation-Id" "$(hdr ININ-Correlation-Id)" "$(jqb .contextId)"
req GET $CONNS -H "Authorization: Bearer not-a-token"
check_eq "invalid token: 401" 401 "$ST"
req GET /api/v2/nothing-here -H "Authorization: Bearer $TOKEN"
check_eq "unknown path: 404 not.found" "404 not.found" "$ST $(jqb .code)"
check_eq "404 has JSON Content-Type" "application/json" "$(hdr Content-Type)"
req PUT $CONNS -H "Authorization: Bearer $TOKEN"
check_eq "wrong method: 405 with Allow" "405 GET, POST" "$ST $(hdr Allow)"
req GET /__sim/requests/x
check_eq "unknown admin path: 404" 404 "$ST"

RO=$(token_for vni-readonly vni-readonly-secret)
req GET $CONNS -H "Authorization: Bearer $RO"
check_eq "scope: privateconnectivity:read lists connections" 200 "$ST"
req GET /api/v2/organizations/limits/namespaces/privateconnectivity -H "Authorization: Bearer $RO"
check_eq "scope: privateconnectivity:read reads limits" 200 "$ST"
req POST $CONNS -H "Authorization: Bearer $RO" --data-binary "$(conn ro-1 10.1.0.1 203.0.113.1 10.1.0.0/24)"
check_eq "scope: create without privateconnectivity:write is 403 missing.any.permissions" \
    "403 missing.any.permissions" "$ST $(jqb .code)"
check "403 carries the error body shape" error_shape_ok 403
req DELETE $CONNS/x -H "Authorization: Bearer $RO"
check_eq "scope: delete without privateconnectivity:write is 403" "403 missing.any.permissions" "$ST $(jqb .code)"
req GET $RT -H "Authorization: Bearer $RO"
check_eq "scope: routing tables without interface:read is 403" "403 missing.any.permissions" "$ST $(jqb .code)"
req POST $RT/rt-core/sync -H "Authorization: Bearer $RO" --data-binary '{"forceSync":true}'
check_eq "scope: sync without interface:read is 403" "403 missing.any.permissions" "$ST $(jqb .code)"
req GET /api/v2/organizations/me -H "Authorization: Bearer $RO"
check_eq "scope: any valid token may read organizations/me" 200 "$ST"

# --- §4.1 list, empty ---
api GET $CONNS
check_eq "list: empty list has pageCount 0, total 0, no entities, no nextUri" "0 0 0 false" \
    "$(jqb '"\(.pageCount) \(.total) \(.entities|length) \(has("nextUri"))"')"
check_eq "list: default pageSize 25, pageNumber 1, total (not totalCount)" "25 1 false" \
    "$(jqb '"\(.pageSize) \(.pageNumber) \(has("totalCount"))"')"
for q in pageSize=0 pageSize=201 pageSize=-1 pageSize=abc pageNumber=0 pageNumber=-3 pageNumber=x; do
    api GET "$CONNS?$q"
    check_eq "list: $q is 400 bad.request" "400 bad.request" "$ST $(jqb .code)"
done
api GET "$CONNS?pageSize=200"
check_eq "list: pageSize 200 is allowed" 200 "$ST"

# --- §4.3 create ---
GOOD=$(conn vni-a 10.0.50.1 203.0.113.10 10.0.50.0/24)
api POST $CONNS "$GOOD"
check_eq "create: 201" 201 "$ST"
check_eq "create: state provisioning, fields echoed" "provisioning vni-a 10.0.50.1 rt-core $ORG" \
    "$(jqb '"\(.state) \(.name) \(.localIp) \(.routingTableId) \(.organizationId)"')"
A_ID=$(jqb .id)
check "create: id is a uuid" grep -Eq "$UUID_RE" <<<"$A_ID"
check_eq "create: selfUri" "$CONNS/$A_ID" "$(jqb .selfUri)"
check "create: dateCreated is ISO 8601 UTC" grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z$' <<<"$(jqb .dateCreated)"

api POST $CONNS 'not json'
check_eq "create: body not JSON is 400 bad.request" "400 bad.request" "$ST $(jqb .code)"
check "400 carries the error body shape" error_shape_ok 400
api POST $CONNS '[1,2]'
check_eq "create: body not an object is 400 bad.request" "400 bad.request" "$ST $(jqb .code)"
api POST $CONNS "$(with "$GOOD" '.organizationId="00000000-0000-4000-8000-000000000000"')"
check_eq "create: other organizationId is 403 organization.mismatch" "403 organization.mismatch" "$ST $(jqb .code)"
api POST $CONNS "$(with "$GOOD" 'del(.organizationId)')"
check_eq "create: missing organizationId is 403 organization.mismatch" "403 organization.mismatch" "$ST $(jqb .code)"
api POST $CONNS "$(with "$GOOD" '.organizationId="x" | .name="bad name" | .localIp="zz"')"
check_eq "create: 403 comes before 422" "403 organization.mismatch" "$ST $(jqb .code)"

# 422 rows: one bad field each -> "status code fieldNames"
check_422() { # DESC FILTER WANT_FIELDS
    api POST $CONNS "$(with "$GOOD" "$2")"
    check_eq "create 422: $1" "422 invalid.field $3" "$ST $(jqb .code) $(details)"
}
check_422 "name with a space" '.name="bad name"' name
check_422 "name of 65 characters" ".name=\"$(printf 'a%.0s' $(seq 65))\"" name
check_422 "empty name" '.name=""' name
check_422 "name missing" 'del(.name)' name
check_422 "name not a string" '.name=5' name
check_422 "type not ipconnect" '.type="gre"' type
check_422 "type missing" 'del(.type)' type
check_422 "localIp not an address" '.localIp="10.0.50.300"' localIp
check_422 "remoteIp not an address" '.remoteIp="gateway"' remoteIp
check_422 "remoteIp not a string" '.remoteIp=[1]' remoteIp
check_422 "subnetCidr not a CIDR" '.subnetCidr="10.0.50.0"' subnetCidr
check_422 "subnetCidr with host bits" '.subnetCidr="10.0.50.1/24" | .localIp="10.0.50.2"' subnetCidr
check_422 "IPv4 prefix /25 not allowed" '.subnetCidr="10.0.50.0/25"' subnetCidr
check_422 "IPv4 prefix /12 not allowed" '.subnetCidr="10.0.0.0/12"' subnetCidr
check_422 "IPv6 prefix /60 not allowed" '.subnetCidr="2001:db8:9::/60" | .localIp="2001:db8:9::1"' subnetCidr
check_422 "localIp outside subnetCidr" '.localIp="10.0.51.1"' localIp
check_422 "localIp the network address" '.localIp="10.0.50.0"' localIp
check_422 "localIp the IPv4 broadcast address" '.localIp="10.0.50.255"' localIp
check_422 "localIp the IPv6 network address" '.subnetCidr="2001:db8:9::/64" | .localIp="2001:db8:9::"' localIp
check_422 "dnsServers empty" '.dnsServers=[]' dnsServers
check_422 "dnsServers missing" 'del(.dnsServers)' dnsServers
check_422 "dnsServers over 4" '.dnsServers=["1.1.1.1","1.0.0.1","8.8.8.8","8.8.4.4","9.9.9.9"]' dnsServers
check_422 "dnsServers entry not an address" '.dnsServers=["8.8.8.8","dns.example"]' dnsServers
check_422 "dnsServers not a list" '.dnsServers="8.8.8.8"' dnsServers
check_422 "description over 256 characters" ".description=\"$(printf 'd%.0s' $(seq 257))\"" description
check_422 "description not a string" '.description=7' description
check_422 "routingTableId unknown" '.routingTableId="rt-nowhere"' routingTableId
check_422 "routingTableId of another organization" '.routingTableId="rt-second"' routingTableId
check_422 "routingTableId missing" 'del(.routingTableId)' routingTableId
api POST $CONNS "$(with "$GOOD" '.name="a b" | .type="x" | .remoteIp="nope" | .dnsServers=[] | .routingTableId="rt-x" | .description=("x"*300)')"
check_eq "create 422: every bad field is listed, not only the first" \
    "422 description,dnsServers,name,remoteIp,routingTableId,type" "$ST $(printf '%s' "$BODY" | jq -r '[.details[].fieldName]|unique|join(",")')"
check "422 details carry fieldName, errorCode, errorMessage" \
    jq -e 'all(.details[]; (.fieldName|type=="string") and (.errorCode|type=="string") and (.errorMessage|type=="string"))' "$T_DIR/body"
check "422 carries the error body shape" error_shape_ok 422
api POST $CONNS "$(with "$GOOD" '.localIp="10.0.50.0"')"
check_eq "create: 422 comes before 409 name.duplicate" 422 "$ST"
api POST $CONNS "$(conn v6-ok 2001:db8:9::ffff:ffff:ffff:ffff 2001:db8:ff::1 2001:db8:9::/64)"
check_eq "create: the last IPv6 address is a host (IPv6 has no broadcast)" 201 "$ST"

# 409 rows
api POST $CONNS "$GOOD"
check_eq "create: same name is 409 name.duplicate" "409 name.duplicate" "$ST $(jqb .code)"
check "409 carries the error body shape" error_shape_ok 409
api POST $CONNS "$(conn vni-b 10.0.60.1 203.0.113.11 10.0.50.0/24)"
check_eq "create: a different subnet check needs localIp inside: 422" 422 "$ST"
api POST $CONNS "$(conn vni-b 203.0.113.10 203.0.113.99 203.0.113.0/24)"
check_eq "create: localIp equal to an existing remoteIp is 409 ip.allocated" "409 ip.allocated" "$ST $(jqb .code)"
api POST $CONNS "$(conn vni-b 10.0.50.1 203.0.113.99 10.0.0.0/16)"
check_eq "create: localIp equal to an existing localIp is 409 ip.allocated (before subnet.overlap)" \
    "409 ip.allocated" "$ST $(jqb .code)"
api POST $CONNS "$(conn vni-a 10.0.50.1 203.0.113.99 10.0.0.0/16)"
check_eq "create: name.duplicate comes before ip.allocated" "409 name.duplicate" "$ST $(jqb .code)"
api POST $CONNS "$(conn v6-b 2001:db8:9:0:ffff:ffff:ffff:ffff 2001:db8:ff::2 2001:db8:9::/48)"
check_eq "create: IPv6 addresses compared as addresses (2001:db8:9:0:ffff:... equals 2001:db8:9::ffff:...)" \
    "409 ip.allocated" "$ST $(jqb .code)"
api POST $CONNS "$(conn vni-b 10.0.1.1 203.0.113.12 10.0.0.0/16)"
check_eq "create: overlapping subnetCidr is 409 subnet.overlap" "409 subnet.overlap" "$ST $(jqb .code)"
api POST $CONNS "$(conn vni-b 10.0.51.1 203.0.113.12 10.0.51.0/24)"
check_eq "create: a neighbouring subnet is fine" 201 "$ST"
B_ID=$(jqb .id)

TOK2=$(token_for vni-second vni-second-secret)
req GET /api/v2/organizations/me -H "Authorization: Bearer $TOK2"
check_eq "me: the second client sees its own organization" "$ORG2 Second Org" "$(jqb '.id + " " + .name')"
req GET /api/v2/organizations/limits/namespaces/privateconnectivity -H "Authorization: Bearer $TOK2"
check_eq "limits: the second organization's limit" "200 privateconnectivity connections.max 3" \
    "$ST $(jqb '.namespace + " " + .limits[0].key + " " + (.limits[0].value|tostring)')"
req GET $CONNS -H "Authorization: Bearer $TOK2"
check_eq "list: organizations see only their own connections" "1 second-vni-01" "$(jqb '"\(.total) \(.entities[0].name)"')"
req GET "$CONNS/$A_ID" -H "Authorization: Bearer $TOK2"
check_eq "get: another organization's connection is 404" 404 "$ST"
for i in 2 3; do
    req POST $CONNS -H "Authorization: Bearer $TOK2" --data-binary "$(conn second-0$i 10.9.$i.1 198.51.100.$i 10.9.$i.0/24 rt-second $ORG2)"
    [ $i = 2 ] && C_ID=$(jqb .id)
done
check_eq "create: up to the limit" 201 "$ST"
req POST $CONNS -H "Authorization: Bearer $TOK2" --data-binary "$(conn second-04 10.9.4.1 198.51.100.4 10.9.4.0/24 rt-second $ORG2)"
check_eq "create: at the limit is 409 limit.exceeded" "409 limit.exceeded" "$ST $(jqb .code)"
req POST $CONNS -H "Authorization: Bearer $TOK2" --data-binary "$(conn second-01b 198.51.100.9 198.51.100.99 198.51.100.0/24 rt-second $ORG2)"
check_eq "create: ip.allocated against an existing remoteIp comes before limit.exceeded" "409 ip.allocated" "$ST $(jqb .code)"
api POST $CONNS "$(conn second-04 10.9.4.1 198.51.100.4 10.9.4.0/24)"
check_eq "create: names, addresses and limits are per organization" 201 "$ST"

# --- §4.2 get one, §4.1 paging ---
api GET "$CONNS/$A_ID"
check_eq "get: 200 with the connection" "200 vni-a" "$ST $(jqb .name)"
api GET "$CONNS/00000000-0000-4000-8000-000000000000"
check_eq "get: unknown id is 404 not.found" "404 not.found" "$ST $(jqb .code)"
check "404 carries the error body shape" error_shape_ok 404

api GET "$CONNS?pageSize=2"
P1=$BODY
check_eq "paging: page 1 of 2 (4 connections, pageSize 2)" "2 4 2 true" \
    "$(jqb '"\(.entities|length) \(.total) \(.pageCount) \(has("nextUri"))"')"
check_eq "paging: nextUri names page 2" "$CONNS?pageSize=2&pageNumber=2" "$(jqb .nextUri)"
check_eq "paging: firstUri and lastUri" "$CONNS?pageSize=2&pageNumber=1 $CONNS?pageSize=2&pageNumber=2" "$(jqb '.firstUri + " " + .lastUri')"
api GET "$CONNS?pageSize=2&pageNumber=2"
P2=$BODY
check_eq "paging: last page has no nextUri" "2 false" "$(jqb '"\(.entities|length) \(has("nextUri"))"')"
api GET "$CONNS?pageSize=2&pageNumber=3"
check_eq "paging: a page past the last is 200 with no entities" "200 0 false" "$ST $(jqb '"\(.entities|length) \(has("nextUri"))"')"
for n in 1000000001 9223372036854775807 99999999999999999999999; do
    api GET "$CONNS?pageSize=200&pageNumber=$n"
    check_eq "paging: pageNumber $n (far past the last) is 200 with no entities" "200 0 4" \
        "$ST $(jqb '"\(.entities|length) \(.total)"')"
done
ALL=$(jq -cn --argjson a "$P1" --argjson b "$P2" '[$a.entities[], $b.entities[]] | map([.dateCreated, .id])')
check_eq "paging: entities ordered by dateCreated, then id" "$(jq -c 'sort' <<<"$ALL")" "$ALL"
check_eq "paging: no connection on two pages" 4 "$(jq 'map(.[1]) | unique | length' <<<"$ALL")"

# --- §5 routing tables ---
api GET $RT
check_eq "tables: list (paged) with total 2" "200 2 1 rt-core,rt-edge" "$ST $(jqb '"\(.total) \(.pageCount) \([.entities[].id]|join(","))"')"
api GET "$RT?pageSize=1"
check_eq "tables: paged like connections" "1 2 true" "$(jqb '"\(.entities|length) \(.pageCount) \(has("nextUri"))"')"
api GET "$RT?pageSize=0"
check_eq "tables: bad pageSize is 400" 400 "$ST"
api GET $RT/rt-core
check_eq "tables: get one" "200 rt-core converged 4" "$ST $(jqb '"\(.id) \(.state) \(.routeCount)"')"
check "tables: get one has currentHash and selfUri" jq -e '(.currentHash|length) > 0 and .selfUri == "/api/v2/architect/networking/routingtables/rt-core"' "$T_DIR/body"
HASH0=$(jqb .currentHash)
api GET $RT/rt-nowhere
check_eq "tables: unknown id is 404 not.found" "404 not.found" "$ST $(jqb .code)"
api POST $RT/rt-nowhere/sync '{"forceSync":true}'
check_eq "tables: sync of an unknown table is 404" 404 "$ST"
api POST $RT/rt-core/sync 'nope'
check_eq "tables: sync with a body that is not JSON is 400" 400 "$ST"
api GET $RT/rt-core
check_eq "without a sync, currentHash does not move" "$HASH0 converged" "$(jqb '.currentHash + " " + .state')"
api GET "$CONNS/$A_ID"
check_eq "without a sync, connections stay provisioning" provisioning "$(jqb .state)"

api POST $RT/rt-core/sync '{"forceSync":true}'
check_eq "sync: 202" 202 "$ST"
check "sync: routingTableId, expectedHash, estimatedConvergenceMs" \
    jq -e '.routingTableId == "rt-core" and (.expectedHash|length) == 64 and (.estimatedConvergenceMs|type) == "number"' "$T_DIR/body"
EXPECTED=$(jqb .expectedHash)
check "sync: expectedHash differs from the hash before the creates" test "$EXPECTED" != "$HASH0"
api GET $RT/rt-core
check_eq "sync: syncing until converged, currentHash unchanged" "syncing $HASH0" "$(jqb '.state + " " + .currentHash')"
api POST $CONNS "$(conn vni-late 10.0.70.1 203.0.113.70 10.0.70.0/24)"
LATE_ID=$(jqb .id)
sleep 1.5
api GET $RT/rt-core
check_eq "sync: converged after the delay, currentHash is expectedHash" "converged $EXPECTED" "$(jqb '.state + " " + .currentHash')"
api GET "$CONNS/$A_ID"
check_eq "sync: connections attached at the sync become active" active "$(jqb .state)"
api GET "$CONNS/$LATE_ID"
check_eq "sync: a connection created after the sync stays provisioning" provisioning "$(jqb .state)"
req GET "$CONNS/$C_ID" -H "Authorization: Bearer $TOK2"
check_eq "sync: connections of another organization are untouched" "200 provisioning" "$ST $(jqb .state)"
api GET $RT/rt-edge
check_eq "sync: other tables are untouched" converged "$(jqb .state)"

api POST $RT/rt-core/sync '{"forceSync":true}'
FIRST=$(jqb .expectedHash)
api DELETE "$CONNS/$B_ID"
api POST $RT/rt-core/sync '{"forceSync":true}'
SECOND=$(jqb .expectedHash)
check "sync: a change after a sync needs a new sync (new expectedHash)" test "$FIRST" != "$SECOND"
sleep 1.5
api GET $RT/rt-core
check_eq "sync: a new sync replaces the pending one" "converged $SECOND" "$(jqb '.state + " " + .currentHash')"
api GET "$CONNS/$LATE_ID"
check_eq "sync: the late connection becomes active with the next sync" active "$(jqb .state)"

# --- §4.4 delete ---
api DELETE "$CONNS/$A_ID"
check_eq "delete: 204" 204 "$ST"
check "delete: 204 carries ININ-Correlation-Id" grep -Eq "$UUID_RE" <<<"$(hdr ININ-Correlation-Id)"
api GET "$CONNS/$A_ID"
check_eq "delete: the connection is gone" 404 "$ST"
api GET $CONNS
check_eq "delete: it leaves the list at once" false "$(jqb "[.entities[].id] | index(\"$A_ID\") != null")"
api DELETE "$CONNS/$A_ID"
check_eq "delete: again is 404 not.found" "404 not.found" "$ST $(jqb .code)"
api GET $RT/rt-core
check "delete: the table's target changes (routeCount drops)" test "$(jqb .routeCount)" = 3

# --- §6 limits ---
api GET /api/v2/organizations/limits/namespaces/privateconnectivity
check_eq "limits: 200 connections.max 50" "200 privateconnectivity connections.max 50" \
    "$ST $(jqb '.namespace + " " + .limits[0].key + " " + (.limits[0].value|tostring)')"

# The request log saw every call with its status and client.
LOG=$(sim_admin GET /__sim/requests)
check "log: every call is recorded with seq, method, path, status, tMs, retryAfter, clientId, correlationId" \
    jq -e 'length > 50 and all(.[]; has("seq") and has("method") and has("path") and has("status") and has("tMs") and has("retryAfter") and has("clientId") and has("correlationId"))' <<<"$LOG"
check "log: clientId of the second client is recorded" jq -e 'any(.[]; .clientId == "vni-second")' <<<"$LOG"
check "log: paths keep their query" jq -e 'any(.[]; .path | endswith("?pageSize=2&pageNumber=2"))' <<<"$LOG"
check_not_contains "log: no token or secret in the log" "vni-demo-secret" "$LOG"
check_not_contains "log: no access token in the log" "$TOKEN" "$LOG"

t_done
