#!/usr/bin/env bash
# vni-sim fault injection: every knob, on the command line and at run time (POST /__sim/faults),
# and seeded replay.
. "$(dirname "$0")/lib.sh"

ORG=a1b2c3d4-e5f6-7890-abcd-ef1234567890
CONNS=/api/v2/organization/privateconnectivity/connections
RT=/api/v2/architect/networking/routingtables

req() {
    local m=$1 p=$2; shift 2
    ST=$(curl -sS -o "$T_DIR/body" -D "$T_DIR/hdr" -w '%{http_code}' -X "$m" "$@" "$SIM_URL$p" 2>"$T_DIR/curl.err")
    CURL_RC=$?
    BODY=$(cat "$T_DIR/body" 2>/dev/null)
}
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
get_token() { TOKEN=$(curl -sS -u vni-demo:vni-demo-secret -d grant_type=client_credentials "$SIM_URL/oauth/token" | jq -r .access_token); }
conn() {
    jq -cn --arg n "$1" --arg l "10.$2.0.1" --arg s "10.$2.0.0/24" --arg o "$ORG" \
        '{name:$n, organizationId:$o, type:"ipconnect", localIp:$l, remoteIp:"203.0.113.1", subnetCidr:$s,
          dnsServers:["8.8.8.8"], routingTableId:"rt-core"}'
}
faults() { sim_admin POST /__sim/faults "$1" >/dev/null; }

# --- 429 ---
start_sim --rate-429 1 --retry-after 0 --seed 1
req POST /oauth/token -u vni-demo:vni-demo-secret -d grant_type=client_credentials
check_eq "429: the token endpoint is rate limited too, Retry-After 0 allowed" "429 0" "$ST $(hdr Retry-After)"
req GET /api/v2/organizations/me
check_eq "429: API calls get 429 with Retry-After before authentication" "429 0 too.many.requests" "$ST $(hdr Retry-After) $(jqb .code)"
check "429: has ININ-Correlation-Id" test -n "$(hdr ININ-Correlation-Id)"
check_eq "429: admin calls are never faulted" "0" "$(sim_admin GET /__sim/faults | jq .retryAfter)"
check_eq "429: the log records retryAfter" "0 0" "$(sim_admin GET /__sim/requests | jq -r '[.[].retryAfter] | unique | map(tostring) | join(" ")') $(sim_admin GET /__sim/requests | jq '[.[] | select(.status != 429)] | length')"
faults '{"rate429": 0}'
get_token
api GET /api/v2/organizations/me
check_eq "429: switched off at run time" 200 "$ST"
faults '{"rate429": 1, "retryAfter": 3}'
api GET $CONNS
check_eq "429: switched on at run time with Retry-After 3" "429 3" "$ST $(hdr Retry-After)"
stop_sim

# --- 5xx, and seeded replay ---
statuses() { # prints status:content-type-kind:retry-after for 30 calls
    local i
    for i in $(seq 1 30); do
        req GET /api/v2/organizations/me
        case "$(hdr Content-Type)" in application/json*) k=json ;; text/html*) k=html ;; *) k=other ;; esac
        printf '%s:%s:%s ' "$ST" "$k" "$(hdr Retry-After)"
    done
}
start_sim --rate-5xx 1 --seed 7 --retry-after 2
RUN1=$(statuses)
stop_sim
start_sim --rate-5xx 1 --seed 7 --retry-after 2
RUN2=$(statuses)
check_eq "5xx: the same seed replays the same faults" "$RUN1" "$RUN2"
check "5xx: only 500, 502, 503, 504" test -z "$(tr ' ' '\n' <<<"$RUN1" | grep -v '^$' | grep -Ev '^50[0234]:')"
check "5xx: a mix of statuses" test "$(tr ' ' '\n' <<<"$RUN1" | cut -d: -f1 | sort -u | grep -c .)" -ge 3
check_contains "5xx: some bodies are HTML, not JSON" ":html:" "$RUN1"
check_contains "5xx: some JSON bodies" ":json:" "$RUN1"
check_contains "5xx: some 503s carry Retry-After" "503:json:2" "${RUN1//503:html:2/503:json:2}"
req POST /oauth/token -u vni-demo:vni-demo-secret -d grant_type=client_credentials
check "5xx: the token endpoint fails too" grep -Eq '^50[0234]$' <<<"$ST"
faults '{"rate5xx": 0}'
get_token
api GET /api/v2/organizations/me
check_eq "5xx: switched off at run time" 200 "$ST"
stop_sim
start_sim --rate-5xx 1 --seed 8 --retry-after 2
OTHER=$(statuses)
check "5xx: another seed gives another sequence" test "$OTHER" != "$RUN1"
faults '{"seed": 7}'
check_eq "5xx: reseeding at run time replays from the start" "$RUN1" "$(statuses)"
stop_sim

# --- the same seed gives the same connection ids and convergence delays ---
replay() {
    start_sim --seed 5
    get_token
    api POST $CONNS "$(conn replay-1 1)"
    printf '%s ' "$(jqb .id)"
    api POST $RT/rt-core/sync '{"forceSync":true}'
    printf '%s' "$(jqb .estimatedConvergenceMs)"
    stop_sim
}
R1=$(replay)
check "seed: a run yields an id and a delay" grep -Eq '^[0-9a-f-]{36} [0-9]+$' <<<"$R1"
check_eq "seed: ids and delays replay" "$R1" "$(replay)"

# --- latency ---
start_sim --latency-ms 250-300
get_token
T0=$(date +%s%N)
api GET /api/v2/organizations/me
T1=$(date +%s%N)
check "latency: a call takes at least 250 ms" test $(((T1 - T0) / 1000000)) -ge 250
faults '{"latencyMs": "0-0"}'
T0=$(date +%s%N); api GET /api/v2/organizations/me; T1=$(date +%s%N)
check "latency: switched off at run time" test $(((T1 - T0) / 1000000)) -lt 250
stop_sim

# --- convergence delay and stuck tables ---
start_sim --converge-ms 100-150 --stuck-table rt-core
get_token
api POST $CONNS "$(conn stuck-1 1)"
ID=$(jqb .id)
api POST $RT/rt-core/sync '{"forceSync":true}'
EST=$(jqb .estimatedConvergenceMs)
check "converge-ms: estimatedConvergenceMs within --converge-ms" test "$EST" -ge 100 -a "$EST" -le 150
api POST $RT/rt-edge/sync '{"forceSync":true}'
sleep 0.35
api GET $RT/rt-core
check_eq "stuck-table: never converges" syncing "$(jqb .state)"
api GET "$CONNS/$ID"
check_eq "stuck-table: its connections stay provisioning" provisioning "$(jqb .state)"
api GET $RT/rt-edge
check_eq "stuck-table: other tables converge" converged "$(jqb .state)"
faults '{"stuckTable": null}'
api GET $RT/rt-core
check_eq "stuck-table: released at run time, it converges" converged "$(jqb .state)"
api GET "$CONNS/$ID"
check_eq "stuck-table: and its connections become active" active "$(jqb .state)"
faults '{"stuckTable": ["rt-edge"], "convergeMs": "0-0"}'
api POST $RT/rt-edge/sync '{"forceSync":true}'
api GET $RT/rt-edge
check_eq "stuck-table: set at run time" syncing "$(jqb .state)"
stop_sim

# --- drop-create ---
start_sim --drop-create 2
get_token
api POST $CONNS "$(conn drop-1 1)"
check_eq "drop-create: the first create is answered" 201 "$ST"
api POST $CONNS "$(conn drop-2 2)"
check "drop-create: the second create gets no answer (connection closed)" test "$CURL_RC" -ne 0 -a "$ST" = 000
api GET $CONNS
check_eq "drop-create: yet it was committed" "drop-1 drop-2" "$(jqb '[.entities[].name] | join(" ")')"
api POST $CONNS "$(conn drop-2 2)"
check_eq "drop-create: sending it again answers 409 name.duplicate" "409 name.duplicate" "$ST $(jqb .code)"
api POST $CONNS "$(conn drop-3 3)"
check_eq "drop-create: only the Nth create is dropped" 201 "$ST"
check_eq "drop-create: the log records it as dropped (status 0)" "0 true" \
    "$(sim_admin GET /__sim/requests | jq -r '[.[] | select(.dropped)] | "\(.[0].status) \(length == 1)"')"
faults '{"dropCreate": 1}'
api POST $CONNS "$(conn drop-4 4)"
check "drop-create: set at run time (counts from then)" test "$ST" = 000
check_eq "drop-create: server still serving" 200 "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$SIM_URL$CONNS")"
stop_sim

# --- insert-while-paging ---
start_sim --insert-while-paging
get_token
for i in 1 2 3; do api POST $CONNS "$(conn page-$i $i)"; done
api GET "$CONNS?pageSize=2"
P1=$BODY
check_eq "insert-while-paging: page 1 sees 3" 3 "$(jqb .total)"
api GET "$CONNS?pageSize=2&pageNumber=2"
P2=$BODY
check_eq "insert-while-paging: page 2 sees 4 (another actor inserted)" 4 "$(jqb .total)"
check_eq "insert-while-paging: the insert shifts pages (page 2 repeats page 1's last entity)" \
    "$(jq -r '.entities[1].id' <<<"$P1")" "$(jq -r '.entities[0].id' <<<"$P2")"
check "insert-while-paging: the inserted one is active and valid" \
    jq -e 'any(.organizations[0].connections[]; (.name|startswith("sim-actor-")) and .state == "active")' <(sim_admin GET /__sim/state)
api GET "$CONNS?pageSize=2"
T1=$(jqb .total)
api GET "$CONNS?pageSize=2&pageNumber=2"
check_eq "insert-while-paging: once means once" "4 4" "$T1 $(jqb .total)"
faults '{"insertWhilePaging": "always"}'
api GET "$CONNS?pageSize=2"; A=$(jqb .total)
api GET "$CONNS?pageSize=2"; B=$(jqb .total)
api GET "$CONNS?pageSize=2"; C=$(jqb .total)
check_eq "insert-while-paging: always inserts after every page 1" "4 5 6" "$A $B $C"
api GET "$CONNS?pageSize=100"; A=$(jqb .total)
api GET "$CONNS?pageSize=100"
check_eq "insert-while-paging: a one-page listing is left alone" "$A" "$(jqb .total)"
stop_sim

# --- token lifetime ---
start_sim --token-lifetime 1
req POST /oauth/token -u vni-demo:vni-demo-secret -d grant_type=client_credentials
check_eq "token-lifetime: expires_in 1" 1 "$(jqb .expires_in)"
TOKEN=$(jqb .access_token)
api GET /api/v2/organizations/me
check_eq "token-lifetime: valid at first" 200 "$ST"
sleep 1.1
api GET /api/v2/organizations/me
check_eq "token-lifetime: expired token is 401" "401 bad.credentials" "$ST $(jqb .code)"
faults '{"tokenLifetime": 600}'
req POST /oauth/token -u vni-demo:vni-demo-secret -d grant_type=client_credentials
check_eq "token-lifetime: set at run time" 600 "$(jqb .expires_in)"
stop_sim

# --- limits endpoint, ratelimit headers, count field, estimate ---
start_sim --no-limits-endpoint --ratelimit-headers --count-field totalCount --no-estimate
req POST /oauth/token -u vni-demo:vni-demo-secret -d grant_type=client_credentials
check_eq "ratelimit-headers: on the token endpoint" "1 300" "$(hdr inin-ratelimit-count) $(hdr inin-ratelimit-allowed)"
TOKEN=$(jqb .access_token)
api GET /api/v2/organizations/limits/namespaces/privateconnectivity
check_eq "no-limits-endpoint: 404" "404 not.found" "$ST $(jqb .code)"
check_eq "ratelimit-headers: count goes up, reset in seconds" "2 300 ok" \
    "$(hdr inin-ratelimit-count) $(hdr inin-ratelimit-allowed) $( [ "$(hdr inin-ratelimit-reset)" -ge 1 ] && [ "$(hdr inin-ratelimit-reset)" -le 60 ] && echo ok)"
api GET $CONNS
check_eq "count-field totalCount: totalCount only" "0 false" "$(jqb '"\(.totalCount) \(has("total"))"')"
api POST $RT/rt-core/sync '{"forceSync":true}'
check_eq "no-estimate: estimatedConvergenceMs left out" "202 false" "$ST $(jqb 'has("estimatedConvergenceMs")')"
faults '{"countField": "both", "noLimitsEndpoint": false, "ratelimitHeaders": false, "noEstimate": false}'
api GET $CONNS
check_eq "count-field both: total and totalCount" "0 0" "$(jqb '"\(.total) \(.totalCount)"')"
check_eq "ratelimit-headers: off at run time" "" "$(hdr inin-ratelimit-count)"
api GET /api/v2/organizations/limits/namespaces/privateconnectivity
check_eq "no-limits-endpoint: off at run time" 200 "$ST"
api POST $RT/rt-core/sync '{"forceSync":true}'
check_eq "no-estimate: off at run time" true "$(jqb 'has("estimatedConvergenceMs")')"
faults '{"countField": "total"}'
api GET $CONNS
check_eq "count-field total: total only" "0 false" "$(jqb '"\(.total) \(has("totalCount"))"')"

# --- the faults endpoint itself ---
R=$(curl -s -w ' %{http_code}' -X POST --data '{"rate429": 2}' "$SIM_URL/__sim/faults")
check_eq "faults: a probability over 1 is 400" "400 bad.request" "${R##* } $(jq -r .code <<<"${R% *}")"
R=$(curl -s -w ' %{http_code}' -X POST --data '{"nope": 1}' "$SIM_URL/__sim/faults")
check_eq "faults: an unknown knob is 400" 400 "${R##* }"
R=$(curl -s -w ' %{http_code}' -X POST --data '{"latencyMs": "9-3"}' "$SIM_URL/__sim/faults")
check_eq "faults: a reversed range is 400" 400 "${R##* }"
check_eq "faults: a bad POST changes nothing" 0 "$(sim_admin GET /__sim/faults | jq .rate429)"
check_eq "faults: GET /__sim/faults shows every knob" \
    "convergeMs,countField,dropCreate,insertWhilePaging,latencyMs,noEstimate,noLimitsEndpoint,rate429,rate5xx,rateLimit,ratelimitHeaders,retryAfter,stuckTable,tokenLifetime,unavailableFor" \
    "$(sim_admin GET /__sim/faults | jq -r 'keys | join(",")')"
stop_sim

# --- faults from the command line are validated ---
"$VSIM" --rate-429 1.5 >/dev/null 2>"$T_DIR/err"
check_eq "cli: --rate-429 1.5 is refused (exit 2)" 2 "$?"
"$VSIM" --latency-ms 5-1 >/dev/null 2>"$T_DIR/err"
check_eq "cli: --latency-ms 5-1 is refused (exit 2)" 2 "$?"
"$VSIM" --count-field everything >/dev/null 2>"$T_DIR/err"
check_eq "cli: --count-field everything is refused (exit 2)" 2 "$?"
check_contains "cli: the message names the knob" "countField" "$(cat "$T_DIR/err")"

t_done
