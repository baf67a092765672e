#!/usr/bin/env bash
# The files vni-reconcile writes, and what it will not touch: plan files to a FIFO, a device
# (/dev/null, /dev/full: the only devices written here, which writing cannot harm; they are
# checked to still be character devices), /dev/stdout; never through a planted symbolic link;
# no temporary left behind; metrics that cannot be written are exit 1; the webhook outbox
# holds no URL; probes refused for loopback, link-local, multicast and unspecified gateways;
# the plan file size cap; no core dumps while secrets are held.
. "$(dirname "$0")/lib.sh"

ORG=a1b2c3d4-e5f6-7890-abcd-ef1234567890
INV=$FIX/demo/inventory.yaml
export GENESYSCLOUD_OAUTHCLIENT_ID=vni-demo GENESYSCLOUD_OAUTHCLIENT_SECRET=vni-demo-secret
export VR_PROBE_LOOPBACK_ONLY=1
unset GENESYSCLOUD_ACCESS_TOKEN GENESYSCLOUD_REGION

# dev_clean NAME: no file named NAME.* or .NAME.* was made in /dev (a lock, a temporary)
dev_clean() { [ -z "$(find /dev -maxdepth 1 \( -name "$1.*" -o -name ".$1.*" \) -print -quit 2>/dev/null)" ]; }

start_sim || { not_ok "vni-sim starts"; exit 1; }

# --- plan --out: a regular file, then the same file replaced; nothing else in the folder ---
mkdir -p "$T_DIR/o"
run_vr plan -q -f "$INV" --out "$T_DIR/o/plan.json"
check_eq "plan --out FILE: exit 0" 0 "$RC"
check_eq "plan --out FILE: the plan" 5 "$(jq '.organizations[0].actions | length' "$T_DIR/o/plan.json")"
check_eq "plan --out FILE: mode 0644" 644 "$(stat -c %a "$T_DIR/o/plan.json")"
run_vr plan -q -f "$INV" --out "$T_DIR/o/plan.json"
check_eq "plan --out FILE again: replaced, and no temporary left" "plan.json" "$(find "$T_DIR/o" -mindepth 1 -printf '%f\n' | sort | tr '\n' ' ' | sed 's/ $//')"

# a write that fails half-way (a file size limit): the old plan stays, no temporary is left
cp "$T_DIR/o/plan.json" "$T_DIR/plan.before"
(ulimit -f 1 && "$VR" plan -q -f "$INV" --out "$T_DIR/o/plan.json" >"$T_DIR/out" 2>"$T_DIR/err" </dev/null)
RC=$?
ERR=$(cat "$T_DIR/err")
check_eq "plan --out over a file size limit: exit 1" 1 "$RC"
check_contains "plan --out over a file size limit: names the file and why" "plan file $T_DIR/o/plan.json: cannot write it: File too large" "$ERR"
check "plan --out over a file size limit: the old plan is untouched" cmp -s "$T_DIR/plan.before" "$T_DIR/o/plan.json"
check_eq "plan --out over a file size limit: no temporary left" "plan.json" "$(find "$T_DIR/o" -mindepth 1 -printf '%f\n' | sort | tr '\n' ' ' | sed 's/ $//')"

# --- a FIFO receives the plan, and stays a FIFO ---
mkfifo "$T_DIR/plan.fifo"
cat "$T_DIR/plan.fifo" >"$T_DIR/from-fifo.json" &
READER=$!
T_PIDS+=("$READER")
run_vr plan -q -f "$INV" --out "$T_DIR/plan.fifo"
wait "$READER"
check_eq "plan --out FIFO: exit 0" 0 "$RC"
check_eq "plan --out FIFO: the reader got the whole plan" 5 "$(jq '.organizations[0].actions | length' "$T_DIR/from-fifo.json" 2>/dev/null)"
check "plan --out FIFO: still a FIFO" test -p "$T_DIR/plan.fifo"

# --- devices: written in place, never replaced ---
run_vr plan -q -f "$INV" --out /dev/null
check_eq "plan --out /dev/null: exit 0" 0 "$RC"
check "plan --out /dev/null: still a character device" test -c /dev/null
run_vr plan -q -f "$INV" --out /dev/full
check_eq "plan --out /dev/full: exit 1" 1 "$RC"
check_contains "plan --out /dev/full: names the device and why" "plan file /dev/full: cannot write it: No space left on device" "$ERR"
check "plan --out /dev/full: still a character device" test -c /dev/full
check "devices: no lock or temporary made in /dev" bash -c "$(declare -f dev_clean); dev_clean null && dev_clean full"
run_vr plan -q -f "$INV" --out /dev/stdout
check_eq "plan --out /dev/stdout: exit 0" 0 "$RC"
check_eq "plan --out /dev/stdout: the plan on standard output" 5 "$(printf '%s' "$OUT" | jq '.organizations[0].actions | length' 2>/dev/null)"

# --- a planted symbolic link: refused, what it points to untouched ---
printf 'precious\n' >"$T_DIR/victim"
ln -s "$T_DIR/victim" "$T_DIR/linked.json"
run_vr plan -q -f "$INV" --out "$T_DIR/linked.json"
check_eq "plan --out LINK: exit 1" 1 "$RC"
check_contains "plan --out LINK: says it will not write through a link" "plan file $T_DIR/linked.json: cannot write it: it is a symbolic link" "$ERR"
check_eq "plan --out LINK: the link's target is untouched" "precious" "$(cat "$T_DIR/victim")"
check "plan --out LINK: the link is still a link" test -L "$T_DIR/linked.json"
ln -s "$T_DIR/victim" "$T_DIR/audit-link.jsonl"
run_vr drift -f "$INV" --audit-log "$T_DIR/audit-link.jsonl"
check_eq "--audit-log LINK: exit 1" 1 "$RC"
check_contains "--audit-log LINK: says it is a link" "audit log $T_DIR/audit-link.jsonl: cannot open it: it is a symbolic link" "$ERR"
check_eq "--audit-log LINK: the link's target is untouched" "precious" "$(cat "$T_DIR/victim")"

# --- metrics: a file that cannot be written is exit 1 and named; /dev/stdout in place ---
run_vr drift -f "$INV" --metrics-file /dev/full
check_eq "drift --metrics-file /dev/full: exit 1" 1 "$RC"
check_contains "drift --metrics-file /dev/full: names it and why" "metrics file /dev/full: cannot write it: No space left on device" "$ERR"
check "drift --metrics-file /dev/full: still a character device, no lock beside it" bash -c "test -c /dev/full && $(declare -f dev_clean); dev_clean full"
run_vr drift -q -f "$INV" --metrics-file /dev/stdout
check_eq "drift --metrics-file /dev/stdout: exit 0" 0 "$RC"
check_contains "drift --metrics-file /dev/stdout: the metrics on standard output" "vni_reconcile_drift_interfaces{org=\"$ORG\",kind=\"missing\"} 5" "$OUT"
check "drift --metrics-file /dev/stdout: no lock beside it" bash -c "$(declare -f dev_clean); dev_clean stdout"
ln -s "$T_DIR/victim" "$T_DIR/m-link.prom"
run_vr drift -f "$INV" --metrics-file "$T_DIR/m-link.prom"
check_eq "drift --metrics-file LINK: exit 1" 1 "$RC"
check_eq "drift --metrics-file LINK: the link's target is untouched" "precious" "$(cat "$T_DIR/victim")"

# --- the webhook outbox keys events by the URL's hash: neither the URL nor its path in it ---
closed_port
HOOK="http://127.0.0.1:$CLOSED_PORT/services/T0KEN-IN-PATH/xyz"
HOOK_SHA=$(printf '%s' "$HOOK" | sha256sum | cut -d' ' -f1)
OLD_HOOK="http://127.0.0.1:$CLOSED_PORT/old/SECRET-OF-OLD-FORMAT"
mkdir -p "$T_DIR/hook"
# an outbox of the previous format (with the URL itself): migrated by the next run
printf '{"url":"%s","event":"drift_check","delivery":"old-1","body":"{}","queuedAt":"2026-11-24T10:00:00.000Z"}\n' \
    "$OLD_HOOK" >"$T_DIR/hook/a.jsonl.outbox"
run_vr drift -f "$INV" --audit-log "$T_DIR/hook/a.jsonl" --webhook-url "$HOOK"
check_eq "outbox: drift with the receiver down still exits 0" 0 "$RC"
OB=$(cat "$T_DIR/hook/a.jsonl.outbox" 2>/dev/null)
check_eq "outbox: this run's events kept (one per drift check)" "$(wc -l <"$T_DIR/hook/a.jsonl")" "$(jq -r "select(.urlSha256 == \"$HOOK_SHA\") | .delivery" <<<"$OB" | wc -l)"
check_not_contains "outbox: not the URL" "$HOOK" "$OB"
check_not_contains "outbox: not the URL's path" "T0KEN-IN-PATH" "$OB"
check_not_contains "outbox: the old line's URL is gone" "SECRET-OF-OLD-FORMAT" "$OB"
check_eq "outbox: the old line is kept, under its URL's hash" "$(printf '%s' "$OLD_HOOK" | sha256sum | cut -d' ' -f1)" \
    "$(jq -r 'select(.delivery == "old-1") | .urlSha256' <<<"$OB")"
check_eq "outbox: no line has a url key left" false "$(jq -s 'map(has("url")) | any' "$T_DIR/hook/a.jsonl.outbox")"
check_not_contains "outbox: the URL's path is not on stderr" "T0KEN-IN-PATH" "$ERR"

# --- an outbox that cannot be written is an error naming it ---
run_vr drift -f "$INV" --webhook-url "$HOOK" --audit-log "$T_DIR/no/such/dir/a.jsonl"
check_eq "outbox: an audit log in a missing folder is exit 1" 1 "$RC"
mkdir -p "$T_DIR/ob-link"
ln -s "$T_DIR/victim" "$T_DIR/ob-link/a.jsonl.outbox"
run_vr drift -f "$INV" --webhook-url "$HOOK" --audit-log "$T_DIR/ob-link/a.jsonl"
check_eq "outbox through a planted link: exit 1" 1 "$RC"
check_contains "outbox through a planted link: names it" "webhook outbox $T_DIR/ob-link/a.jsonl.outbox: cannot write it: it is a symbolic link" "$ERR"
check_eq "outbox through a planted link: its target is untouched" "precious" "$(cat "$T_DIR/victim")"
stop_sim

# --- probes: loopback, link-local, multicast, unspecified gateways are refused, not probed ---
start_sim
start_listener
cat >"$T_DIR/special.yaml" <<EOF
apiVersion: vni-reconcile/v1
kind: VniInventory
organization:
  id: $ORG
defaults:
  type: ipconnect
  dnsServers: [8.8.8.8]
  routingTableId: rt-core
interfaces:
  - {name: gw-loopback, localIp: 10.0.71.1, remoteIp: 127.0.0.1, subnetCidr: 10.0.71.0/24, probe: {port: $PROBE_PORT}}
  - {name: gw-metadata, localIp: 10.0.72.1, remoteIp: 169.254.169.254, subnetCidr: 10.0.72.0/24}
  - {name: gw-multicast, localIp: 10.0.73.1, remoteIp: 224.0.0.251, subnetCidr: 10.0.73.0/24}
  - {name: gw-unspecified, localIp: 10.0.74.1, remoteIp: 0.0.0.0, subnetCidr: 10.0.74.0/24}
EOF
run_vr plan -f "$T_DIR/special.yaml" --probe --out "$T_DIR/special-plan.json"
check_eq "probe: special gateways make the plan impossible (exit 3)" 3 "$RC"
for g in "gw-loopback: gateway 127.0.0.1: not probed: 127.0.0.1 is a loopback address" \
    "gw-metadata: gateway 169.254.169.254: not probed: 169.254.169.254 is a link-local address" \
    "gw-multicast: gateway 224.0.0.251: not probed: 224.0.0.251 is a multicast address" \
    "gw-unspecified: gateway 0.0.0.0: not probed: 0.0.0.0 is an unspecified address"; do
    check_contains "probe refused: ${g%%:*}" "$g" "$OUT$ERR"
done
check_eq "probe refused: a finding in the plan file, one per gateway" "probe-refused probe-refused probe-refused probe-refused" \
    "$(jq -r '[.organizations[0].diagnostics[] | select(.code == "probe-refused") | .code] | join(" ")' "$T_DIR/special-plan.json")"
sleep 0.3 # time for the listener to print a connection, were there one
check_eq "probe refused: nothing connected to the listener at 127.0.0.1:$PROBE_PORT (the loopback gateway's port)" 0 \
    "$(grep -c 'connection from' "$LISTENER_OUT")"
MAP=()
for ip in 127.0.0.1 169.254.169.254 224.0.0.251 0.0.0.0; do MAP+=(--probe-map "$ip=127.0.0.1:$PROBE_PORT"); done
run_vr plan -f "$T_DIR/special.yaml" --probe "${MAP[@]}"
check_eq "probe: --probe-map sends them to a listener instead (exit 0)" 0 "$RC"
for _ in $(seq 1 40); do # the listener prints each connection as it accepts it
    [ "$(grep -c 'connection from' "$LISTENER_OUT")" -ge 4 ] && break
    sleep 0.05
done
check_eq "probe: with the map, the listener saw the four probes" 4 "$(grep -c 'connection from' "$LISTENER_OUT")"
run_vr apply -f "$T_DIR/special.yaml" --auto-approve
check_eq "apply: a refused gateway fails the step (exit 1)" 1 "$RC"
check_contains "apply: says the probe was refused" "gateway 127.0.0.1 of gw-loopback: not probed: 127.0.0.1 is a loopback address" "$OUT$ERR"
check_eq "apply: nothing was created" 0 \
    "$(sim_admin GET /__sim/requests | jq '[.[] | select(.method == "POST" and (.path | endswith("/connections")))] | length')"
stop_sim

# --- a plan file over the cap is refused, naming the cap ---
head -c $((64 * 1024 * 1024 + 1)) /dev/zero | tr '\0' ' ' >"$T_DIR/huge-plan.json"
run_vr apply "$T_DIR/huge-plan.json" --api-url http://127.0.0.1:9
check_eq "apply of a plan file over 64 MiB: exit 1" 1 "$RC"
check_contains "apply of a plan file over 64 MiB: names the limit" "larger than 64 MiB" "$ERR"
rm -f "$T_DIR/huge-plan.json"

# --- no core dumps while secrets are held ---
start_sim --latency-ms 800-800
"$VR" drift -f "$INV" >/dev/null 2>&1 </dev/null &
DRIFT=$!
T_PIDS+=("$DRIFT")
LIM=""
for _ in $(seq 1 40); do # the shell's own limit may be soft 0 already: wait for the hard one
    LIM=$(awk '/^Max core file size/ {print $5, $6}' "/proc/$DRIFT/limits" 2>/dev/null)
    [ "$LIM" = "0 0" ] && break
    sleep 0.05
done
check_eq "a running drift has RLIMIT_CORE 0 (soft and hard)" "0 0" "$LIM"
wait "$DRIFT"
stop_sim

t_done
