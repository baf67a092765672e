# Helpers of the apply end-to-end tests (test_apply*.sh); sourced after lib.sh.
export VR_PROBE_LOOPBACK_ONLY=1
export GENESYSCLOUD_OAUTHCLIENT_ID=vni-demo GENESYSCLOUD_OAUTHCLIENT_SECRET=vni-demo-secret
ORG=a1b2c3d4-e5f6-7890-abcd-ef1234567890
CONNS=/api/v2/organization/privateconnectivity/connections
LOCKS=$T_DIR/locks
export XDG_STATE_HOME=$T_DIR/state # the default webhook outbox stays inside the test folder

# probe_args INVENTORY [PORT] : PM=(--probe-map IP=127.0.0.1:PORT ...) for every remoteIp in it.
probe_args() {
    local ip port=${2:-$PROBE_PORT}
    PM=()
    for ip in $(sed -n 's/^ *remoteIp: *\([0-9a-fA-F.:]*\).*/\1/p' "$1" | sort -u); do
        PM+=(--probe-map "$ip=127.0.0.1:$port")
    done
}

# live_states : one line "STATE" per live connection of the default organization.
live_states() { sim_admin GET /__sim/state | jq -r '.organizations[0].connections[].state'; }
# live_names : the names, sorted.
live_names() { sim_admin GET /__sim/state | jq -r '.organizations[0].connections[].name' | sort; }

# count_req METHOD PATH : how many requests of the log match exactly.
count_req() {
    sim_admin GET /__sim/requests | jq --arg m "$1" --arg p "$2" '[.[] | select(.method == $m and .path == $p)] | length'
}

# wait_for_req METHOD PATH N : waits (up to 10 s) until the log has N such requests.
wait_for_req() {
    local i
    for i in $(seq 1 200); do
        [ "$(count_req "$1" "$2")" -ge "$3" ] && return 0
        sleep 0.05
    done
    return 1
}

# retry_after_violations : requests sent again before the Retry-After of the answer before them
# (the client is sequential: the request after a 429/503 with Retry-After is its repeat).
retry_after_violations() {
    sim_admin GET /__sim/requests | jq '[. as $l | range(0; length - 1) | select($l[.].retryAfter != null
        and ($l[.].status == 429 or $l[.].status == 503) and ($l[. + 1].tMs - $l[.].tMs) < ($l[.].retryAfter * 1000))] | length'
}

# start_listener, tried twice (on a loaded machine a start can miss lib.sh's 5 s window).
start_probe_listener() { start_listener || start_listener; }
