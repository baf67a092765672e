# Shared helpers for end-to-end tests: TAP-style "ok"/"not ok" lines, vni-sim on an ephemeral
# loopback port, cleanup of every process started here (by PID). Source it; needs VR_BIN.
set -u
VR_BIN=${VR_BIN:-build/bin}
VR_BIN=$(cd "$VR_BIN" && pwd)
VR=$VR_BIN/vni-reconcile
VSIM=$VR_BIN/vni-sim
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FIX=$ROOT/fixtures
T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/vr-e2e.XXXXXX")
T_PIDS=()
T_N=0
T_FAILED=0

t_cleanup() {
    local p
    for p in "${T_PIDS[@]:-}"; do
        [ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    if [ "$T_FAILED" -eq 0 ]; then rm -rf "$T_DIR"; else echo "# test files kept in $T_DIR"; fi
}
trap t_cleanup EXIT

ok() { T_N=$((T_N + 1)); echo "ok $T_N - $1"; }
not_ok() {
    T_N=$((T_N + 1)); T_FAILED=$((T_FAILED + 1)); echo "not ok $T_N - $1"
    shift; local l; for l in "$@"; do echo "#   $l"; done
}

# check DESC COMMAND... : passes when the command exits 0.
check() { local d=$1; shift; if "$@" >/dev/null 2>&1; then ok "$d"; else not_ok "$d" "command: $*"; fi; }
# check_eq DESC WANT GOT
check_eq() {
    if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "want: $2" "got:  $3"; fi
}
# check_contains DESC NEEDLE HAYSTACK
check_contains() {
    case "$3" in *"$2"*) ok "$1" ;; *) not_ok "$1" "want to find: $2" "in: $(printf '%s' "$3" | head -c 2000)" ;; esac
}
check_not_contains() {
    case "$3" in *"$2"*) not_ok "$1" "found (should not): $2" ;; *) ok "$1" ;; esac
}

# run_vr ARGS... : runs vni-reconcile, leaves stdout in $OUT, stderr in $ERR, exit code in $RC.
run_vr() {
    "$VR" "$@" >"$T_DIR/out" 2>"$T_DIR/err" </dev/null
    RC=$?
    OUT=$(cat "$T_DIR/out"); ERR=$(cat "$T_DIR/err")
}

# start_sim [ARGS...] : starts vni-sim on 127.0.0.1:0 with --admin; sets SIM_URL and SIM_PID.
start_sim() {
    local fifo="$T_DIR/sim.$RANDOM.out" line i
    "$VSIM" --listen 127.0.0.1:0 --admin "$@" >"$fifo" 2>"$fifo.err" &
    SIM_PID=$!
    T_PIDS+=("$SIM_PID")
    for i in $(seq 1 100); do
        line=$(head -n1 "$fifo" 2>/dev/null)
        case "$line" in "vni-sim listening on "*) break ;; esac
        if ! kill -0 "$SIM_PID" 2>/dev/null; then echo "# vni-sim died: $(cat "$fifo.err")"; return 1; fi
        sleep 0.05
    done
    SIM_URL=${line#vni-sim listening on }
    export GENESYSCLOUD_API_URL=$SIM_URL
}

stop_sim() { kill "$SIM_PID" 2>/dev/null; wait "$SIM_PID" 2>/dev/null; }

# sim_admin METHOD PATH [BODY] : calls the simulator's admin API, prints the body. Never through
# a proxy; with SIM_CA set (a simulator on https://), trusts that CA file.
sim_admin() {
    local tls=()
    [ -n "${SIM_CA:-}" ] && tls=(--cacert "$SIM_CA")
    if [ $# -ge 3 ]; then
        curl -sS --noproxy '*' "${tls[@]}" -X "$1" -H 'Content-Type: application/json' --data "$3" "$SIM_URL$2"
    else
        curl -sS --noproxy '*' "${tls[@]}" -X "$1" "$SIM_URL$2"
    fi
}

# sim_insert ORG NAME LOCAL REMOTE SUBNET [DNS,...] [DESCRIPTION] [STATE] [TABLE]: inserts a
# live connection out of band (POST /__sim/connections, no validation); prints its id.
sim_insert() {
    sim_admin POST /__sim/connections "$(jq -cn --arg o "$1" --arg n "$2" --arg l "$3" \
        --arg r "$4" --arg s "$5" --arg d "${6:-8.8.8.8}" --arg desc "${7:-}" \
        --arg st "${8:-active}" --arg t "${9:-rt-core}" \
        '{orgId:$o, name:$n, type:"ipconnect", localIp:$l, remoteIp:$r, subnetCidr:$s,
          dnsServers:($d|split(",")), routingTableId:$t, state:$st}
         + (if $desc == "" then {} else {description:$desc} end)')" | jq -r .id
}

# start_sink PORT [ARGS...] : vni-sim --webhook-sink on 127.0.0.1:PORT (0: a free port) with
# ARGS (--webhook-secret-file, --tls-cert...); its output in $T_DIR/sink.out (started afresh).
# Sets HOOK (its URL) and SINK_PID.
start_sink() {
    local port=$1 i line=""
    shift
    : >"$T_DIR/sink.out"
    "$VSIM" --webhook-sink "127.0.0.1:$port" "$@" >"$T_DIR/sink.out" 2>"$T_DIR/sink.err" &
    SINK_PID=$!
    T_PIDS+=("$SINK_PID")
    for i in $(seq 1 100); do
        line=$(head -n1 "$T_DIR/sink.out" 2>/dev/null)
        case "$line" in "vni-sim webhook sink on "*) HOOK=${line#vni-sim webhook sink on }; return 0 ;; esac
        if ! kill -0 "$SINK_PID" 2>/dev/null; then echo "# sink died: $(cat "$T_DIR/sink.err")"; return 1; fi
        sleep 0.05
    done
    return 1
}

# A loopback TCP listener for gateway probes (vni-sim --probe-listener): sets PROBE_PORT,
# LISTENER_PID and LISTENER_OUT (its output: a line per connection after the first).
start_listener() {
    local f="$T_DIR/listener.$RANDOM"
    LISTENER_OUT=$f
    "$VSIM" --probe-listener 127.0.0.1:0 >"$f" 2>/dev/null &
    LISTENER_PID=$!
    T_PIDS+=("$LISTENER_PID")
    local i
    for i in $(seq 1 100); do
        PROBE_PORT=$(sed -n 's/^vni-sim probe listener on 127.0.0.1:\([0-9]*\)$/\1/p' "$f" | head -1)
        [ -n "$PROBE_PORT" ] && return 0
        sleep 0.05
    done
    return 1
}

# CLOSED_PORT: a loopback port that was just listened on and is now closed.
closed_port() {
    start_listener || return 1
    CLOSED_PORT=$PROBE_PORT
    kill "$LISTENER_PID" 2>/dev/null
    wait "$LISTENER_PID" 2>/dev/null
    return 0
}

t_done() { [ "$T_FAILED" -eq 0 ]; }
