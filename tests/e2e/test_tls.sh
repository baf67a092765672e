#!/usr/bin/env bash
# End-to-end: the production path on loopback. vni-sim and its webhook sink serve https:// with
# a throw-away CA made here by the openssl command; plan, apply and drift of the demo inventory
# trust it through --ca-file, SSL_CERT_FILE or CURL_CA_BUNDLE (in that order) and are refused
# without it (exit 1, nothing read, the certificate problem and --ca-file named), or when the
# certificate is for another name. Through a real CONNECT proxy (tinyproxy, on a free loopback
# port) with https_proxy set, the run succeeds and the proxy logs the CONNECT; plain-http runs
# with every proxy variable set never reach the proxy, nor a listener that logs connections.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply_lib.sh"

# The runner's own trust and proxy settings must not leak into what is tested here.
unset SSL_CERT_FILE CURL_CA_BUNDLE http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy \
    ALL_PROXY no_proxy NO_PROXY
INV=$FIX/demo/inventory.yaml
PKI=$T_DIR/pki
mkdir -p "$PKI"

for tool in openssl tinyproxy; do
    command -v "$tool" >/dev/null || { not_ok "$tool is installed (make deps)"; exit 1; }
done

# ---- a throw-away CA, a server certificate for 127.0.0.1, one for another name ----
# cert NAME SAN : a key and a certificate signed by the test CA.
cert() {
    openssl req -new -newkey rsa:2048 -nodes -keyout "$PKI/$1.key" -out "$PKI/$1.csr" \
        -subj "/CN=$1" 2>/dev/null &&
        printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$2" >"$PKI/$1.ext" &&
        openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" -CAcreateserial \
            -days 2 -extfile "$PKI/$1.ext" -out "$PKI/$1.pem" 2>/dev/null
}
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PKI/ca.key" -out "$PKI/ca.pem" -days 2 \
    -subj "/CN=vni-reconcile test CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PKI/other-ca.key" -out "$PKI/other-ca.pem" \
    -days 2 -subj "/CN=another CA" 2>/dev/null
cert server "IP:127.0.0.1"
cert elsewhere "DNS:api.elsewhere.example"
check "the test CA and certificates are made" test -s "$PKI/server.pem" -a -s "$PKI/elsewhere.pem" -a -s "$PKI/other-ca.pem"
check "the server certificate verifies against the test CA" openssl verify -CAfile "$PKI/ca.pem" "$PKI/server.pem"
CA=$PKI/ca.pem

# ---- a simulator, a sink and a probe target over https ----
start_probe_listener || { not_ok "probe listener starts"; exit 1; }
probe_args "$INV"
start_sim --converge-ms 20-40 --seed 16 --tls-cert "$PKI/server.pem" --tls-key "$PKI/server.key" ||
    { not_ok "vni-sim starts over https"; exit 1; }
SIM_CA=$CA
TLS_URL=$SIM_URL
check_contains "vni-sim prints its https:// URL" "https://127.0.0.1:" "$TLS_URL"
check_contains "the simulator answers over https with the test CA" '"organizations"' \
    "$(sim_admin GET /__sim/state)"
check_eq "and refuses plain http on its port" "" \
    "$(curl -s --noproxy '*' "http://${TLS_URL#https://}/__sim/state" 2>/dev/null | head -c 20)"
printf 'hook-key-tls\n' >"$PKI/hook.key"
chmod 600 "$PKI/hook.key"
start_sink 0 --webhook-secret-file "$PKI/hook.key" --tls-cert "$PKI/server.pem" --tls-key "$PKI/server.key" ||
    { not_ok "the sink starts over https"; exit 1; }
TLS_HOOK=$HOOK
check_contains "the sink prints its https:// URL" "https://127.0.0.1:" "$TLS_HOOK"

# requests : how many requests the simulator has logged ("unreadable" when it cannot be read)
requests() {
    local n
    n=$(sim_admin GET /__sim/requests | jq length 2>/dev/null)
    echo "${n:-unreadable}"
}

# ---- refused without the CA: nothing read ----
before=$(requests)
check "the simulator's request log is readable" test "$before" -ge 0
run_vr plan -f "$INV"
check_eq "no CA given: exit 1" 1 "$RC"
check_contains "no CA given: the certificate problem is named" "unable to get local issuer certificate" "$ERR"
check_contains "no CA given: says to use --ca-file" "--ca-file" "$ERR"
check_eq "no CA given: the simulator served nothing" "$before" "$(requests)"
check_eq "no CA given: no plan on stdout" "" "$OUT"

run_vr plan -f "$INV" --ca-file "$PKI/other-ca.pem"
check_eq "another CA: exit 1" 1 "$RC"
check_contains "another CA: names the file in use" "other-ca.pem (from --ca-file)" "$ERR"
check_eq "another CA: nothing read" "$before" "$(requests)"

run_vr plan -f "$INV" --ca-file "$PKI/missing.pem"
check_eq "a missing CA file: exit 1" 1 "$RC"
check_contains "a missing CA file: named, and why" "cannot read the CA file $PKI/missing.pem (from --ca-file): No such file" "$ERR"
SSL_CERT_FILE=$PKI/server.key run_vr plan -f "$INV"
check_eq "SSL_CERT_FILE without a certificate: exit 1" 1 "$RC"
check_contains "SSL_CERT_FILE without a certificate: named" "$PKI/server.key (from SSL_CERT_FILE) holds no PEM certificate" "$ERR"
check_eq "bad CA files: nothing read" "$before" "$(requests)"

# ---- plan, apply, drift over https with --ca-file; webhooks over https ----
run_vr plan -f "$INV" --ca-file "$CA"
check_eq "plan over https with --ca-file: exit 0" 0 "$RC"
check_contains "plan over https: the demo's five creations" "Plan: 5 to create, 0 to delete" "$OUT"
run_vr apply -f "$INV" --ca-file "$CA" --auto-approve "${PM[@]}" --lock-dir "$LOCKS" \
    --audit-log "$T_DIR/audit.jsonl" --webhook-url "$TLS_HOOK/events" --webhook-secret-file "$PKI/hook.key"
check_eq "apply over https with --ca-file: exit 0" 0 "$RC"
check_contains "apply over https: five created" "Apply complete: 5 created, 0 deleted, 0 failed" "$OUT"
check_eq "apply over https: five live connections" 5 "$(live_names | wc -l)"
sleep 0.2
EV=$(tail -n +2 "$T_DIR/sink.out")
check_eq "webhook over https with --ca-file: every audit record delivered, validly signed" \
    "$(jq -s length "$T_DIR/audit.jsonl") valid" \
    "$(jq -s length <<<"$EV") $(jq -rs 'map(.signature) | unique | join(",")' <<<"$EV")"
check_not_contains "webhook over https: nothing left undelivered" "not delivered" "$ERR"
run_vr drift -f "$INV" --ca-file "$CA" --exit-code
check_eq "drift over https with --ca-file: no drift (exit 0)" 0 "$RC"
check_contains "drift over https: summary" "No drift: 5 unchanged" "$OUT"

# ---- the environment: SSL_CERT_FILE, then CURL_CA_BUNDLE; --ca-file first ----
SSL_CERT_FILE=$CA run_vr plan -f "$INV"
check_eq "SSL_CERT_FILE: plan over https succeeds" "0 5 unchanged" "$RC $(grep -o '5 unchanged' <<<"$OUT")"
CURL_CA_BUNDLE=$CA run_vr drift -f "$INV"
check_eq "CURL_CA_BUNDLE: drift over https succeeds" 0 "$RC"
SSL_CERT_FILE=$CA CURL_CA_BUNDLE=$PKI/other-ca.pem run_vr plan -f "$INV"
check_eq "SSL_CERT_FILE comes before CURL_CA_BUNDLE" 0 "$RC"
SSL_CERT_FILE=$PKI/other-ca.pem CURL_CA_BUNDLE=$CA run_vr plan -f "$INV"
check_eq "a wrong SSL_CERT_FILE is not rescued by CURL_CA_BUNDLE (exit 1)" 1 "$RC"
check_contains "and the message names SSL_CERT_FILE" "(from SSL_CERT_FILE)" "$ERR"
SSL_CERT_FILE=$PKI/other-ca.pem CURL_CA_BUNDLE=$PKI/other-ca.pem run_vr plan -f "$INV" --ca-file "$CA"
check_eq "--ca-file comes before both variables" 0 "$RC"

# ---- a certificate for another name, signed by the trusted CA ----
# a webhook receiver with it: the run is not failed, and the warning names the problem
start_sink 0 --tls-cert "$PKI/elsewhere.pem" --tls-key "$PKI/elsewhere.key" ||
    { not_ok "a sink with another name's certificate starts"; exit 1; }
run_vr drift -f "$INV" --ca-file "$CA" --webhook-url "$HOOK/events"
check_eq "webhook certificate for another name: the drift still succeeds" 0 "$RC"
check_contains "webhook certificate for another name: the warning names the refusal" \
    "the receiver's TLS certificate was refused" "$ERR"
check_contains "webhook certificate for another name: and the name problem" "127.0.0.1" \
    "$(grep -i 'subject name\|does not match' <<<"$ERR")"
check_eq "webhook certificate for another name: nothing delivered" 1 "$(wc -l <"$T_DIR/sink.out")"
kill "$SINK_PID" 2>/dev/null
wait "$SINK_PID" 2>/dev/null
MAIN_SIM_PID=$SIM_PID
start_sim --tls-cert "$PKI/elsewhere.pem" --tls-key "$PKI/elsewhere.key" ||
    { not_ok "a second vni-sim starts"; exit 1; }
# its admin API is read under the name the certificate is for
ELSE_PORT=${SIM_URL##*:}
else_requests() {
    local n
    n=$(curl -sS --noproxy '*' --cacert "$CA" --resolve "api.elsewhere.example:$ELSE_PORT:127.0.0.1" \
        "https://api.elsewhere.example:$ELSE_PORT/__sim/requests" | jq length 2>/dev/null)
    echo "${n:-unreadable}"
}
before=$(else_requests)
check "another name: its request log is readable" test "$before" -ge 0
run_vr plan -f "$INV" --ca-file "$CA"
check_eq "a certificate for another name: exit 1" 1 "$RC"
check_contains "another name: the mismatch is named" "127.0.0.1" "$(grep -i 'subject name\|does not match' <<<"$ERR")"
check_contains "another name: says what to do" "--ca-file" "$ERR"
check_eq "another name: nothing read" "$before" "$(else_requests)"
stop_sim
SIM_PID=$MAIN_SIM_PID
SIM_URL=$TLS_URL
export GENESYSCLOUD_API_URL=$TLS_URL

# ---- a real CONNECT proxy: tinyproxy on a free loopback port ----
# start_tinyproxy : tinyproxy in the foreground on a port the kernel just handed out (tinyproxy
# cannot take port 0); tried again on another port when that one is taken meanwhile. Sets
# PROXY (its URL), PROXY_LOG and PROXY_PID.
start_tinyproxy() {
    PROXY_LOG=$T_DIR/tinyproxy.log
    for _ in 1 2 3 4 5; do
        closed_port || continue
        : >"$PROXY_LOG"
        cat >"$T_DIR/tinyproxy.conf" <<EOF
Port $CLOSED_PORT
Listen 127.0.0.1
Timeout 30
MaxClients 20
LogFile "$PROXY_LOG"
LogLevel Info
DisableViaHeader Yes
EOF
        tinyproxy -d -c "$T_DIR/tinyproxy.conf" >"$T_DIR/tinyproxy.out" 2>&1 &
        PROXY_PID=$!
        T_PIDS+=("$PROXY_PID")
        for _ in $(seq 1 100); do
            if grep -q "Accepting connections" "$PROXY_LOG" 2>/dev/null; then
                PROXY=http://127.0.0.1:$CLOSED_PORT
                return 0
            fi
            kill -0 "$PROXY_PID" 2>/dev/null || break
            sleep 0.05
        done
        kill "$PROXY_PID" 2>/dev/null
        wait "$PROXY_PID" 2>/dev/null
    done
    echo "# tinyproxy did not start: $(cat "$T_DIR/tinyproxy.out" "$PROXY_LOG" 2>/dev/null | tail -5)"
    return 1
}
start_tinyproxy || { not_ok "tinyproxy starts on a free loopback port"; exit 1; }
ok "tinyproxy starts on a free loopback port"
# proxy_lines FROM : the request lines the proxy logged after line FROM
proxy_lines() { tail -n +"$(($1 + 1))" "$PROXY_LOG" | grep -E 'Request \(file descriptor|Connect \(file descriptor' || true; }
mark() { wc -l <"$PROXY_LOG"; }

SIM_PORT=${TLS_URL##*:}
HOOK_PORT=${TLS_HOOK##*:}
m=$(mark)
https_proxy=$PROXY run_vr plan -f "$INV" --ca-file "$CA"
check_eq "https_proxy: plan over https through the proxy succeeds" "0 5 unchanged" "$RC $(grep -o '5 unchanged' <<<"$OUT")"
check_contains "https_proxy: the proxy logged the CONNECT to the API" "CONNECT 127.0.0.1:$SIM_PORT " "$(proxy_lines "$m")"
m=$(mark)
HTTPS_PROXY=$PROXY run_vr drift -f "$INV" --ca-file "$CA" --webhook-url "$TLS_HOOK/events" \
    --webhook-secret-file "$PKI/hook.key"
check_eq "HTTPS_PROXY: drift with an https webhook through the proxy succeeds" 0 "$RC"
check_contains "HTTPS_PROXY: the proxy logged the CONNECT to the API" "CONNECT 127.0.0.1:$SIM_PORT " "$(proxy_lines "$m")"
check_contains "HTTPS_PROXY: and the CONNECT to the webhook" "CONNECT 127.0.0.1:$HOOK_PORT " "$(proxy_lines "$m")"
check_not_contains "the proxy never saw a credential (TLS inside the tunnel)" "vni-demo-secret" "$(cat "$PROXY_LOG")"
m=$(mark)
https_proxy=$PROXY no_proxy=127.0.0.1 run_vr plan -f "$INV" --ca-file "$CA"
check_eq "no_proxy exempts the host: plan succeeds" 0 "$RC"
check_eq "no_proxy exempts the host: the proxy saw nothing" "" "$(proxy_lines "$m")"
m=$(mark)
https_proxy=$PROXY run_vr plan -f "$INV"
check_eq "through the proxy, without the CA: still refused (exit 1)" 1 "$RC"
check_contains "through the proxy, without the CA: says to use --ca-file" "--ca-file" "$ERR"

# ---- plain http: never through a proxy, whatever the variables say ----
kill "$MAIN_SIM_PID" 2>/dev/null
wait "$MAIN_SIM_PID" 2>/dev/null
SIM_CA=
start_sim --converge-ms 20-40 --seed 17 || { not_ok "a plain-http vni-sim starts"; exit 1; }
PLAIN_URL=$SIM_URL
check_contains "the plain simulator is http://" "http://127.0.0.1:" "$PLAIN_URL"
start_sink 0 --webhook-secret-file "$PKI/hook.key" || { not_ok "a plain sink starts"; exit 1; }
PLAIN_HOOK=$HOOK
start_listener || { not_ok "a listener that must see no connection starts"; exit 1; }
TRAP=http://127.0.0.1:$PROBE_PORT
TRAP_OUT=$LISTENER_OUT
check "the trap listener takes a connection" bash -c "exec 3<>/dev/tcp/127.0.0.1/$PROBE_PORT"
sleep 0.1
check_contains "and logs it (so it would tell)" "connection from 127.0.0.1" "$(tail -n +2 "$TRAP_OUT")"
trap_lines() { tail -n +"$(($1 + 1))" "$TRAP_OUT"; }
tm=$(wc -l <"$TRAP_OUT")

# every variable at once, pointing at the real proxy (which would forward the call) ...
m=$(mark)
env http_proxy="$PROXY" HTTP_PROXY="$PROXY" https_proxy="$PROXY" HTTPS_PROXY="$PROXY" \
    all_proxy="$PROXY" ALL_PROXY="$PROXY" "$VR" plan -f "$INV" >"$T_DIR/out" 2>"$T_DIR/err" </dev/null
check_eq "plain http, every proxy variable on the proxy: plan succeeds" 0 "$?"
env http_proxy="$PROXY" HTTP_PROXY="$PROXY" https_proxy="$PROXY" HTTPS_PROXY="$PROXY" \
    all_proxy="$PROXY" ALL_PROXY="$PROXY" "$VR" apply -f "$INV" --auto-approve "${PM[@]}" \
    --lock-dir "$LOCKS" --webhook-url "$PLAIN_HOOK/events" --webhook-secret-file "$PKI/hook.key" \
    >"$T_DIR/out" 2>"$T_DIR/err" </dev/null
check_eq "plain http, every proxy variable on the proxy: apply with a webhook succeeds" 0 "$?"
check_contains "plain http: apply created the five" "Apply complete: 5 created" "$(cat "$T_DIR/out")"
env http_proxy="$PROXY" HTTP_PROXY="$PROXY" all_proxy="$PROXY" ALL_PROXY="$PROXY" \
    "$VR" drift -f "$INV" --webhook-url "$PLAIN_HOOK/events" --webhook-secret-file "$PKI/hook.key" \
    >"$T_DIR/out" 2>"$T_DIR/err" </dev/null
check_eq "plain http, every proxy variable on the proxy: drift succeeds" 0 "$?"
check_eq "plain http: the proxy saw no request at all" "" "$(proxy_lines "$m")"
sleep 0.2
check_eq "plain http: the webhook events went straight to the sink, signed" \
    "$(jq -s length <<<"$(tail -n +2 "$T_DIR/sink.out")") valid" \
    "$(($(wc -l <"$T_DIR/sink.out") - 1)) $(tail -n +2 "$T_DIR/sink.out" | jq -rs 'map(.signature) | unique | join(",")')"
check "plain http: the sink got the events of apply (and drift)" test "$(wc -l <"$T_DIR/sink.out")" -gt 5

# ... and at a listener that logs every connection
env http_proxy="$TRAP" HTTP_PROXY="$TRAP" https_proxy="$TRAP" HTTPS_PROXY="$TRAP" \
    all_proxy="$TRAP" ALL_PROXY="$TRAP" "$VR" plan -f "$INV" >"$T_DIR/out" 2>"$T_DIR/err" </dev/null
check_eq "plain http, every proxy variable on the trap: plan succeeds" 0 "$?"
env http_proxy="$TRAP" HTTP_PROXY="$TRAP" all_proxy="$TRAP" ALL_PROXY="$TRAP" \
    "$VR" apply -f "$INV" --auto-approve "${PM[@]}" --lock-dir "$LOCKS" \
    --webhook-url "$PLAIN_HOOK/events" >"$T_DIR/out" 2>"$T_DIR/err" </dev/null
check_eq "plain http, every proxy variable on the trap: apply succeeds" 0 "$?"
sleep 0.1
check_eq "plain http: the trap listener saw no connection" "" "$(trap_lines "$tm")"
check_not_contains "plain http: nothing about a proxy on stderr" "proxy" "$(cat "$T_DIR/err")"

kill "$PROXY_PID" 2>/dev/null
wait "$PROXY_PID" 2>/dev/null
stop_sim
t_done
