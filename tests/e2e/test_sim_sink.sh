#!/usr/bin/env bash
# vni-sim --webhook-sink: signatures checked (valid, invalid, absent), --sink-fail-first, loopback only.
. "$(dirname "$0")/lib.sh"

printf 'sink-key\n' >"$T_DIR/key"
post() { # BODY [SIGNATURE]: prints the status
    if [ $# -ge 2 ]; then
        curl -sS -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
            -H 'X-Vni-Event: vni_provisioning' -H 'X-Vni-Delivery: d-1' -H "X-Vni-Signature-256: $2" \
            --data-binary "$1" "$HOOK/events"
    else
        curl -sS -o /dev/null -w '%{http_code}' -X POST --data-binary "$1" "$HOOK/events"
    fi
}

start_sink 0 --webhook-secret-file "$T_DIR/key" --sink-fail-first 1
BODY='{"eventId":"e1","action":"vni_provisioning"}'
SIG="sha256=$(printf '%s' "$BODY" | openssl dgst -sha256 -hmac sink-key -r | cut -d' ' -f1)"
check_eq "fail-first: the first delivery gets 503" 503 "$(post "$BODY" "$SIG")"
check_eq "then 204" 204 "$(post "$BODY" "$SIG")"
post "$BODY" "sha256=00" >/dev/null
post "$BODY" >/dev/null
check_eq "signatures: valid, valid, invalid, absent" "valid valid invalid absent" \
    "$(tail -n +2 "$T_DIR/sink.out" | jq -r .signature | xargs)"
check_eq "event and delivery headers recorded" "vni_provisioning d-1" \
    "$(sed -n 3p "$T_DIR/sink.out" | jq -r '"\(.event) \(.delivery)"')"
check_eq "the body is kept as JSON" e1 "$(sed -n 2p "$T_DIR/sink.out" | jq -r .body.eventId)"
kill "$SINK_PID"; wait "$SINK_PID" 2>/dev/null
"$VSIM" --webhook-sink 192.0.2.1:0 >/dev/null 2>"$T_DIR/nl.err"
check_eq "a non-loopback address is refused" 2 "$?"
check_contains "and says why" "not loopback" "$(cat "$T_DIR/nl.err")"
t_done
