#!/usr/bin/env bash
# vni-sim's admin API (/__sim) and command line: listen addresses, loopback guard, probe
# listener, state files, --save on SIGTERM.
. "$(dirname "$0")/lib.sh"

ORG=a1b2c3d4-e5f6-7890-abcd-ef1234567890
ORG2=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0
CONNS=/api/v2/organization/privateconnectivity/connections

req() {
    local m=$1 p=$2; shift 2
    ST=$(curl -sS -g -o "$T_DIR/body" -D "$T_DIR/hdr" -w '%{http_code}' -X "$m" "$@" "$SIM_URL$p")
    BODY=$(cat "$T_DIR/body")
}
jqb() { printf '%s' "$BODY" | jq -r "$@"; }
hdr() { grep -i "^$1:" "$T_DIR/hdr" | tail -1 | cut -d' ' -f2- | tr -d '\r'; }
get_token() { TOKEN=$(curl -sS -g -u "${1:-vni-demo}:${2:-vni-demo-secret}" -d grant_type=client_credentials "$SIM_URL/oauth/token" | jq -r .access_token); }
api() { req "$1" "$2" -H "Authorization: Bearer $TOKEN"; }
# start_plain ARGS...: vni-sim without --admin; sets SIM_URL, SIM_PID.
start_plain() {
    local f="$T_DIR/plain.$RANDOM" line
    "$VSIM" "$@" >"$f" 2>"$f.err" &
    SIM_PID=$!
    T_PIDS+=("$SIM_PID")
    for _ in $(seq 1 100); do
        line=$(head -n1 "$f" 2>/dev/null)
        case "$line" in "vni-sim listening on "*) break ;; esac
        kill -0 "$SIM_PID" 2>/dev/null || return 1
        sleep 0.05
    done
    FIRST_LINE=$line
    SIM_URL=${line#vni-sim listening on }
}

# --- default state ---
start_sim || { not_ok "vni-sim starts"; exit 1; }
check "cli: first line is 'vni-sim listening on http://127.0.0.1:PORT'" grep -Eq '^http://127\.0\.0\.1:[0-9]+$' <<<"$SIM_URL"
STATE=$(sim_admin GET /__sim/state)
check_eq "default: one organization, Example Org, limit 50, rt-core and rt-edge, no connections" \
    "$ORG Example Org 50 rt-core,rt-edge 0" \
    "$(jq -r '.organizations | length as $n | .[0] | "\(.id) \(.name) \(.limit) \([.routingTables[].id]|join(",")) \(.connections|length)" + (if $n == 1 then "" else " (\($n) orgs)" end)' <<<"$STATE")"
check_eq "default: client vni-demo with the three scopes" "vni-demo $ORG interface:read,privateconnectivity:read,privateconnectivity:write" \
    "$(jq -r '.clients[0] | "\(.id) \(.organizationId) \(.scopes|sort|join(","))"' <<<"$STATE")"
check_not_contains "state: secrets are not shown" "vni-demo-secret" "$STATE"
get_token
check "default: vni-demo / vni-demo-secret gets a token" test -n "$TOKEN" -a "$TOKEN" != null

# --- out-of-band connections ---
R=$(sim_admin POST /__sim/connections "{\"orgId\":\"$ORG\",\"name\":\"oob-1\",\"type\":\"ipconnect\",\"localIp\":\"10.5.0.1\",\"remoteIp\":\"203.0.113.5\",\"subnetCidr\":\"10.5.0.0/24\",\"dnsServers\":[\"1.1.1.1\"],\"routingTableId\":\"rt-edge\"}")
OOB=$(jq -r .id <<<"$R")
check_eq "admin: POST /__sim/connections inserts an active connection" "oob-1 active $ORG" "$(jq -r '"\(.name) \(.state) \(.organizationId)"' <<<"$R")"
api GET "$CONNS/$OOB"
check_eq "admin: the API sees it" "200 oob-1 10.5.0.1" "$ST $(jqb '.name + " " + .localIp')"
R=$(curl -s -w ' %{http_code}' -X POST --data '{"orgId":"nope","name":"x"}' "$SIM_URL/__sim/connections")
check_eq "admin: insert into an unknown organization is 400" 400 "${R##* }"
R=$(curl -s -w ' %{http_code}' -X POST --data '{"orgId":"'$ORG'","name":"oob-1"}' "$SIM_URL/__sim/connections")
check_eq "admin: insert of an existing name is 409" 409 "${R##* }"
R=$(curl -s -w ' %{http_code}' -X PATCH --data '{"description":"changed by hand","dnsServers":["9.9.9.9","1.1.1.1"],"remoteIp":"203.0.113.55"}' "$SIM_URL/__sim/connections/$OOB")
check_eq "admin: PATCH changes fields out of band" "200" "${R##* }"
api GET "$CONNS/$OOB"
check_eq "admin: the API sees the drift" "changed by hand 9.9.9.9,1.1.1.1 203.0.113.55 10.5.0.1" \
    "$(jqb '"\(.description) \(.dnsServers|join(",")) \(.remoteIp) \(.localIp)"')"
R=$(curl -s -w ' %{http_code}' -X PATCH --data '{"description":null,"state":"failed"}' "$SIM_URL/__sim/connections/$OOB")
api GET "$CONNS/$OOB"
check_eq "admin: PATCH removes description with null and sets state" "false failed" "$(jqb '"\(has("description")) \(.state)"')"
R=$(curl -s -w ' %{http_code}' -X PATCH --data '{"localIp":5}' "$SIM_URL/__sim/connections/$OOB")
check_eq "admin: PATCH with a bad value is 400 and changes nothing" "400 10.5.0.1" "${R##* } $(sim_admin GET /__sim/state | jq -r '.organizations[0].connections[0].localIp')"
R=$(curl -s -w ' %{http_code}' -X PATCH --data '{"name":"x"}' "$SIM_URL/__sim/connections/nope")
check_eq "admin: PATCH of an unknown id is 404" 404 "${R##* }"
R=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$SIM_URL/__sim/connections/$OOB")
check_eq "admin: DELETE /__sim/connections/{id} is 204" 204 "$R"
api GET "$CONNS/$OOB"
check_eq "admin: the API no longer sees it" 404 "$ST"
R=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$SIM_URL/__sim/connections/$OOB")
check_eq "admin: DELETE again is 404" 404 "$R"
R=$(curl -s -o /dev/null -w '%{http_code}' -X PUT "$SIM_URL/__sim/state")
check_eq "admin: wrong method is 405" 405 "$R"

# --- request log ---
LOG=$(sim_admin GET /__sim/requests)
check "admin: GET /__sim/requests lists the API calls (not admin calls)" \
    jq -e 'length >= 5 and all(.[]; (.path|startswith("/__sim")) | not)' <<<"$LOG"
# shellcheck disable=SC2016  # single quotes on purpose: the $ is for jq, GitHub or the inner shell
check "admin: seq increases, tMs never goes back" jq -e '[.[].seq] as $s | [.[].tMs] as $t | ($s == ($s|sort)) and ($t == ($t|sort))' <<<"$LOG"
check "admin: correlationId in the log matches the response header" \
    grep -q "$(hdr ININ-Correlation-Id)" <<<"$LOG"
check_eq "admin: entry fields" "GET $CONNS/$OOB 404 null vni-demo" \
    "$(jq -r '.[-1] | "\(.method) \(.path) \(.status) \(.retryAfter) \(.clientId)"' <<<"$LOG")"
R=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$SIM_URL/__sim/requests")
check_eq "admin: DELETE /__sim/requests clears it" "204 0" "$R $(sim_admin GET /__sim/requests | jq length)"
req POST /oauth/token -u vni-demo:bad -d grant_type=client_credentials
check_eq "admin: a failed token request is logged without a client" "401 null" "$(sim_admin GET /__sim/requests | jq -r '.[-1] | "\(.status) \(.clientId)"')"
stop_sim

# --- without --admin ---
start_plain --listen 127.0.0.1:0 || not_ok "vni-sim starts without --admin"
check_eq "cli: the first stdout line, exactly" "vni-sim listening on $SIM_URL" "$FIRST_LINE"
for p in /__sim/requests /__sim/state /__sim/faults; do
    R=$(curl -s -o /dev/null -w '%{http_code}' "$SIM_URL$p")
    check_eq "no --admin: GET $p is 404" 404 "$R"
done
kill "$SIM_PID"; wait "$SIM_PID" 2>/dev/null

# --- IPv6 loopback ---
if start_plain --listen '[::1]:0'; then
    check "cli: [::1]:0 prints http://[::1]:PORT" grep -Eq '^http://\[::1\]:[0-9]+$' <<<"$SIM_URL"
    get_token
    check "cli: serves on ::1" test -n "$TOKEN" -a "$TOKEN" != null
    kill "$SIM_PID"; wait "$SIM_PID" 2>/dev/null
else
    ok "# SKIP no IPv6 loopback here"
fi

# --- loopback guard, bad arguments ---
"$VSIM" --listen 0.0.0.0:0 >"$T_DIR/o" 2>"$T_DIR/e"
check_eq "cli: 0.0.0.0 refused without --allow-non-loopback (exit 2)" 2 "$?"
check_contains "cli: the refusal says why" "not loopback" "$(cat "$T_DIR/e")"
"$VSIM" --listen 192.0.2.1:0 >/dev/null 2>&1
check_eq "cli: a non-loopback address is refused" 2 "$?"
"$VSIM" --listen nonsense >/dev/null 2>&1
check_eq "cli: a malformed --listen is refused" 2 "$?"
"$VSIM" --bogus >/dev/null 2>"$T_DIR/e"
check_eq "cli: an unknown option is refused (exit 2)" 2 "$?"
"$VSIM" --help >"$T_DIR/o" 2>&1
check_contains "cli: --help lists the options" "--insert-while-paging" "$(cat "$T_DIR/o")"
if start_plain --listen 0.0.0.0:0 --allow-non-loopback; then
    check "cli: --allow-non-loopback permits 0.0.0.0" grep -q '^http://0\.0\.0\.0:' <<<"$SIM_URL"
    kill "$SIM_PID"; wait "$SIM_PID" 2>/dev/null
else
    not_ok "cli: --allow-non-loopback permits 0.0.0.0"
fi

# --- probe listener ---
start_listener
check "probe-listener: prints its port" test -n "$PROBE_PORT"
check "probe-listener: accepts a TCP connection" bash -c "exec 3<>/dev/tcp/127.0.0.1/$PROBE_PORT"
check "probe-listener: and another" bash -c "exec 3<>/dev/tcp/127.0.0.1/$PROBE_PORT"
kill "$LISTENER_PID"; wait "$LISTENER_PID" 2>/dev/null
check "probe-listener: gone once killed" bash -c "! exec 3<>/dev/tcp/127.0.0.1/$PROBE_PORT" 

# --- state file, --save ---
start_sim --state "$FIX/sim/two-orgs.json" --save "$T_DIR/saved.json"
STATE=$(sim_admin GET /__sim/state)
check_eq "state: two organizations loaded" "Example Org,Second Org" "$(jq -r '[.organizations[].name]|join(",")' <<<"$STATE")"
check_eq "state: connections loaded" "second-vni-01 active 2026-11-01T09:00:00.000Z" \
    "$(jq -r '.organizations[1].connections[0] | "\(.name) \(.state) \(.dateCreated)"' <<<"$STATE")"
get_token vni-second vni-second-secret
api GET $CONNS
check_eq "state: the second client reads its connection" "1 second-vni-01" "$(jqb '"\(.total) \(.entities[0].name)"')"
req POST $CONNS -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data-binary \
    "{\"name\":\"saved-1\",\"organizationId\":\"$ORG2\",\"type\":\"ipconnect\",\"localIp\":\"10.8.0.1\",\"remoteIp\":\"198.51.100.8\",\"subnetCidr\":\"10.8.0.0/24\",\"dnsServers\":[\"9.9.9.9\"],\"routingTableId\":\"rt-second\"}"
SAVED_ID=$(jqb .id)
kill -TERM "$SIM_PID"; wait "$SIM_PID"
check_eq "save: SIGTERM shuts down cleanly with exit 0" 0 "$?"
check "save: the state file was written" test -s "$T_DIR/saved.json"
check_eq "save: it is private (0600)" 600 "$(stat -c %a "$T_DIR/saved.json")"
check_eq "save: it holds the new connection" "saved-1 $SAVED_ID" \
    "$(jq -r '.organizations[1].connections[] | select(.name=="saved-1") | "\(.name) \(.id)"' "$T_DIR/saved.json")"
start_sim --state "$T_DIR/saved.json"
get_token vni-second vni-second-secret
api GET "$CONNS/$SAVED_ID"
check_eq "save: a saved state loads again" "200 saved-1 provisioning" "$ST $(jqb '.name + " " + .state')"
stop_sim
start_plain --listen 127.0.0.1:0 --save "$T_DIR/saved2.json"
kill -INT "$SIM_PID"; wait "$SIM_PID"
check_eq "save: SIGINT also exits 0 and saves" "0 yes" "$? $([ -s "$T_DIR/saved2.json" ] && echo yes)"

echo '{"organizations": [{"name": "no id"}], "clients": []}' >"$T_DIR/bad.json"
"$VSIM" --state "$T_DIR/bad.json" >/dev/null 2>"$T_DIR/e"
check_eq "state: an invalid state file is refused (exit 2)" 2 "$?"
check_contains "state: the message names the problem" "needs a string id" "$(cat "$T_DIR/e")"
echo 'not json' >"$T_DIR/bad.json"
"$VSIM" --state "$T_DIR/bad.json" >/dev/null 2>&1
check_eq "state: a state file that is not JSON is refused" 2 "$?"
"$VSIM" --state "$T_DIR/missing.json" >/dev/null 2>&1
check_eq "state: a missing state file is refused" 2 "$?"
echo '{"organizations": [{"id": "o1", "routingTables": ["rt-1"]}], "clients": [{"id": "c", "secret": "s", "organizationId": "o1", "scopes": ["privateconnectivity:read"]}], "faults": {"countField": "both"}}' >"$T_DIR/small.json"
start_sim --state "$T_DIR/small.json"
check_eq "state: faults in the state file apply; routing tables may be plain ids" "both rt-1" \
    "$(sim_admin GET /__sim/faults | jq -r .countField) $(sim_admin GET /__sim/state | jq -r '.organizations[0].routingTables[0].id')"
stop_sim

t_done
