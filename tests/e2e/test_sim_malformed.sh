#!/usr/bin/env bash
# vni-sim under malformed input: not HTTP, oversized bodies and headers, bad JSON, broken
# encodings, half-sent requests, concurrency, connection limits. After each, the server must
# still answer.
. "$(dirname "$0")/lib.sh"

ORG=a1b2c3d4-e5f6-7890-abcd-ef1234567890
CONNS=/api/v2/organization/privateconnectivity/connections

# shellcheck disable=SC2119  # start_sim takes optional arguments; none here on purpose
start_sim || { not_ok "vni-sim starts"; exit 1; }
PORT=${SIM_URL##*:}
TOKEN=$(curl -sS -u vni-demo:vni-demo-secret -d grant_type=client_credentials "$SIM_URL/oauth/token" | jq -r .access_token)
alive() { # DESC: the server still issues a token and lists connections
    local a b
    a=$(curl -s -o /dev/null -w '%{http_code}' -u vni-demo:vni-demo-secret -d grant_type=client_credentials "$SIM_URL/oauth/token")
    b=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$SIM_URL$CONNS")
    check_eq "still serving after $1" "200 200" "$a $b"
}
# raw BYTES_FILE: sends bytes on a raw TCP connection, prints what comes back (2 s at most).
raw() {
    # shellcheck disable=SC2016  # single quotes on purpose: the $ is for jq, GitHub or the inner shell
    timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/'"$PORT"'; cat "$1" >&3; timeout 2 cat <&3' _ "$1" 2>/dev/null
}
code() { curl -s -o "$T_DIR/body" -w '%{http_code}' "$@"; }

printf '\x00\x01\x02garbage that is not HTTP\r\n\r\n\xff\xfe' >"$T_DIR/g1"
R=$(raw "$T_DIR/g1" | head -c 200 | tr -d '\0')
# shellcheck disable=SC2016  # single quotes on purpose: the $ is for jq, GitHub or the inner shell
check "not HTTP: refused with a 4xx or a closed connection" bash -c '[ -z "$1" ] || grep -q "HTTP/1.[01] 4" <<<"$1"' _ "$R"
alive "bytes that are not HTTP"

head -c 100000 /dev/urandom >"$T_DIR/g2"
raw "$T_DIR/g2" >/dev/null
alive "100 KB of random bytes"

printf 'GET /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nshort' >"$T_DIR/g3"
# shellcheck disable=SC2016  # single quotes on purpose: the $ is for jq, GitHub or the inner shell
timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/'"$PORT"'; cat "$1" >&3; exec 3>&-' _ "$T_DIR/g3"
alive "a request whose body stops half-way"

printf 'POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n' >"$T_DIR/g4"
R=$(raw "$T_DIR/g4" | head -1 | tr -d '\r')
# shellcheck disable=SC2016  # single quotes on purpose: the $ is for jq, GitHub or the inner shell
check "negative Content-Length: a 4xx or a closed connection" bash -c '[ -z "$1" ] || grep -q " 4[0-9][0-9]" <<<"$1"' _ "$R"
alive "a negative Content-Length"

head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' 'a' >"$T_DIR/big"
R=$(code -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data-binary @"$T_DIR/big" "$SIM_URL$CONNS")
check_eq "2 MiB body: 413" 413 "$R"
check_eq "413: JSON error body" "request.entity.too.large 413" "$(jq -r '"\(.code) \(.status)"' "$T_DIR/body" 2>/dev/null)"
alive "a 2 MiB body"
R=$(code -H "Authorization: Bearer $TOKEN" -H 'Transfer-Encoding: chunked' --data-binary @"$T_DIR/big" "$SIM_URL$CONNS")
check "2 MiB chunked body (no Content-Length): 413 or closed" grep -Eq '^(413|000)$' <<<"$R"
alive "a 2 MiB chunked body"
R=$(code -H 'Transfer-Encoding: chunked' --data-binary @"$T_DIR/big" "$SIM_URL/oauth/token")
check "2 MiB body on the token endpoint: 413 or closed" grep -Eq '^(413|000)$' <<<"$R"
alive "a 2 MiB token request"

# Just under 1 MiB is read and judged on its content: a description far too long is a 422.
{
    printf '{"name":"big-desc","organizationId":"%s","type":"ipconnect","localIp":"10.3.0.1",' "$ORG"
    printf '"remoteIp":"203.0.113.3","subnetCidr":"10.3.0.0/24","dnsServers":["8.8.8.8"],'
    printf '"routingTableId":"rt-core","description":"'
    head -c $((1024 * 1024 - 400)) /dev/zero | tr '\0' 'd'
    printf '"}'
} >"$T_DIR/almost"
R=$(code -H "Authorization: Bearer $TOKEN" --data-binary @"$T_DIR/almost" "$SIM_URL$CONNS")
check_eq "a body just under 1 MiB is accepted and judged (422 description)" "422 description" "$R $(jq -r '.details[0].fieldName' "$T_DIR/body" 2>/dev/null)"

# The limit is exact: 1 MiB is read (and judged: not JSON, 400), 1 MiB + 1 byte is 413.
head -c $((1024 * 1024)) /dev/zero | tr '\0' ' ' >"$T_DIR/exact"
R=$(code -H "Authorization: Bearer $TOKEN" --data-binary @"$T_DIR/exact" "$SIM_URL$CONNS")
check_eq "a body of exactly 1 MiB is read (400 bad.request: no JSON in it)" 400 "$R"
printf ' ' >>"$T_DIR/exact"
R=$(code -H "Authorization: Bearer $TOKEN" --data-binary @"$T_DIR/exact" "$SIM_URL$CONNS")
check_eq "a body of 1 MiB + 1 byte is 413" 413 "$R"

HBIG=$(head -c $((100 * 1024)) /dev/zero | tr '\0' 'h')
R=$(code -H "X-Big: $HBIG" -H "Authorization: Bearer $TOKEN" "$SIM_URL$CONNS")
check "100 KiB header: a 4xx or a closed connection" grep -Eq '^(4[0-9][0-9]|000)$' <<<"$R"
alive "a 100 KiB header"
HMID=$(head -c $((70 * 1024)) /dev/zero | tr '\0' 'h')
R=$(code -H "X-Big: $HMID" -H "Authorization: Bearer $TOKEN" "$SIM_URL$CONNS")
check_eq "70 KiB header (over 64 KiB): 431" 431 "$R"
R=$(code "$SIM_URL/api/v2/$HBIG")
check "100 KiB URL: a 4xx or a closed connection" grep -Eq '^(4[0-9][0-9]|000)$' <<<"$R"
alive "a 100 KiB URL"

for body in '{' '{"name":' 'null' '"text"' '12' '{"a":1}}' '{"name":"\ud800"}'; do
    R=$(code -H "Authorization: Bearer $TOKEN" --data-binary "$body" "$SIM_URL$CONNS")
    check "bad JSON body '$body': a 4xx" grep -Eq '^4[0-9][0-9]$' <<<"$R"
done
printf '{"name":"x\0y","organizationId":"%s"}' "$ORG" >"$T_DIR/nul"
R=$(code -H "Authorization: Bearer $TOKEN" --data-binary @"$T_DIR/nul" "$SIM_URL$CONNS")
check "a NUL byte inside the JSON: a 4xx" grep -Eq '^4[0-9][0-9]$' <<<"$R"
head -c 200000 /dev/zero | tr '\0' '[' >"$T_DIR/nest"
R=$(code -H "Authorization: Bearer $TOKEN" --data-binary @"$T_DIR/nest" "$SIM_URL$CONNS")
check_eq "200000 nested brackets: 400" 400 "$R"
alive "bad JSON"

R=$(code -H "Authorization: Bearer $TOKEN" "$SIM_URL$CONNS?pageSize=%zz")
check_eq "broken percent-encoding in the query: 400" 400 "$R"
R=$(code -H "Authorization: Bearer $TOKEN" "$SIM_URL$CONNS?pageSize=99999999999999999999999")
check_eq "a huge pageSize: 400" 400 "$R"
R=$(code -H "Authorization: Basic !!!notbase64" -d grant_type=client_credentials "$SIM_URL/oauth/token")
check_eq "broken Basic credentials: 401" 401 "$R"
# shellcheck disable=SC2020  # tr maps NUL to Q; the second Q is harmless
R=$(code -H "Authorization: Basic $(head -c 3000 /dev/zero | tr '\0' 'QQ')" -d grant_type=client_credentials "$SIM_URL/oauth/token")
check_eq "oversized Basic credentials: 401" 401 "$R"
R=$(code -H "Authorization: Bearer $(head -c 20000 /dev/zero | tr '\0' 't')" "$SIM_URL$CONNS")
check_eq "an oversized bearer token: 401" 401 "$R"
R=$(code -d 'grant_type=client_credentials&client_id=%&client_secret=%zz' "$SIM_URL/oauth/token")
check_eq "broken form encoding: 401" 401 "$R"
R=$(code -X BREW "$SIM_URL$CONNS")
check_eq "an unknown method: 405" 405 "$R"
alive "broken credentials and encodings"

PAR=()
for _ in $(seq 1 20); do
    curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $TOKEN" "$SIM_URL$CONNS" >>"$T_DIR/par" &
    PAR+=($!)
done
wait "${PAR[@]}"
check_eq "20 requests at once are all answered" "20" "$(grep -c '^200$' "$T_DIR/par")"
check "the process is still running" kill -0 "$SIM_PID"
stop_sim

# --- connection limits: past them a new connection is closed, the others are still served,
# and once connections are released new ones are served again ---
# hold N: opens N idle connections on fds 10.. (closed by release)
hold() { local i; for ((i = 0; i < $1; i++)); do eval "exec $((10 + i))<>/dev/tcp/127.0.0.1/$PORT"; done; }
release() { local i; for ((i = 0; i < $1; i++)); do eval "exec $((10 + i))>&-"; done; }
token_code() { curl -s -m 5 -o /dev/null -w '%{http_code}' -u vni-demo:vni-demo-secret -d grant_type=client_credentials "$SIM_URL/oauth/token"; }
for limit in "--max-connections-per-ip 3" "--max-connections 3"; do
    # shellcheck disable=SC2086
    start_sim $limit || { not_ok "vni-sim starts with $limit"; continue; }
    PORT=${SIM_URL##*:}
    check_eq "$limit: served below the limit" 200 "$(token_code)"
    hold 3
    sleep 1 # the server accepts the held connections first (on a loaded machine, not at once)
    check_eq "$limit: a connection past the limit is closed without an answer" 000 "$(token_code)"
    check "$limit: the process is still running" kill -0 "$SIM_PID"
    release 3
    sleep 0.3
    check_eq "$limit: served again once connections are released" 200 "$(token_code)"
    stop_sim
done
run_sim_bad() { "$VSIM" "$@" >/dev/null 2>"$T_DIR/bad.err" </dev/null; }
run_sim_bad --max-connections 0
check_eq "--max-connections 0 is refused (exit 2)" 2 "$?"
check_contains "--max-connections: the message names the option" "--max-connections" "$(cat "$T_DIR/bad.err")"
run_sim_bad --max-connections-per-ip x
check_eq "--max-connections-per-ip x is refused (exit 2)" 2 "$?"

t_done
