#!/usr/bin/env bash
# make demo: starts vni-sim on a loopback port and runs validate, plan, apply, a second plan,
# drift, the replacement of a hand-changed interface and a last drift against it, with an audit
# log, a local webhook receiver, metrics and an audit Git repository. Every process started here
# is ended by its PID on exit. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${VR_BIN:-build/bin}
BIN=$(cd "$BIN" && pwd)
VR=$BIN/vni-reconcile
INV=fixtures/demo/inventory.yaml
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vni-demo.XXXXXX")
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
    say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
    say() { printf '\n== %s\n' "$*"; }
fi
show() { printf '$ %s\n' "$*" | sed "s|$BIN/||g; s|$WORK|\$DEMO|g"; }
run() { show "$*"; set +e; "$@"; local rc=$?; set -e; echo "(exit $rc)"; return 0; }

# first_line FILE PREFIX: waits for a process's first line and prints what follows PREFIX.
first_line() {
    local line
    for _ in $(seq 1 200); do
        line=$(head -n1 "$1" 2>/dev/null || true)
        case "$line" in "$2"*) printf '%s' "${line#"$2"}"; return 0 ;; esac
        sleep 0.05
    done
    echo "demo: no '$2' from a helper process; see $1" >&2
    return 1
}

say "starting vni-sim, a probe listener and a webhook receiver on loopback"
"$BIN/vni-sim" --listen 127.0.0.1:0 --admin --converge-ms 150-400 --seed 42 \
    --save "$WORK/sim-state.json" >"$WORK/sim.out" 2>"$WORK/sim.err" &
PIDS+=($!)
API=$(first_line "$WORK/sim.out" "vni-sim listening on ")
"$BIN/vni-sim" --probe-listener 127.0.0.1:0 >"$WORK/probe.out" 2>&1 &
PIDS+=($!)
PROBE=$(first_line "$WORK/probe.out" "vni-sim probe listener on ")
printf 'demo-webhook-key\n' >"$WORK/webhook.key"
chmod 600 "$WORK/webhook.key"
"$BIN/vni-sim" --webhook-sink 127.0.0.1:0 --webhook-secret-file "$WORK/webhook.key" \
    >"$WORK/webhooks.jsonl" 2>"$WORK/sink.err" &
PIDS+=($!)
HOOK=$(first_line "$WORK/webhooks.jsonl" "vni-sim webhook sink on ")
echo "API and OAuth: $API   gateway probes -> $PROBE   webhooks -> $HOOK"

git init -q -b main "$WORK/audit-repo"
git -C "$WORK/audit-repo" -c user.name=demo -c user.email=demo@localhost commit -q --allow-empty -m "network team repository"

export GENESYSCLOUD_API_URL=$API
export GENESYSCLOUD_OAUTHCLIENT_ID=vni-demo
export GENESYSCLOUD_OAUTHCLIENT_SECRET=vni-demo-secret
export VR_PROBE_LOOPBACK_ONLY=1 # never probe a fixture's real remoteIp
PROBE_ARGS=()
# shellcheck disable=SC2013  # addresses have no spaces: word splitting is what we want
for ip in $(sed -n 's/^ *remoteIp: *//p' "$INV"); do PROBE_ARGS+=(--probe-map "$ip=$PROBE"); done
AUDIT=(--audit-log "$WORK/audit.jsonl" --webhook-url "$HOOK/vni-events"
       --webhook-secret-file "$WORK/webhook.key" --metrics-file "$WORK/vni.prom"
       --audit-repo "$WORK/audit-repo")

say "1. validate: the inventory alone, no network"
run "$VR" validate -f "$INV"
run "$VR" validate -f fixtures/demo/broken.yaml

say "2. plan: the diff against the live organization (empty at first)"
run "$VR" plan -f "$INV" --out "$WORK/plan.json" --no-color "${PROBE_ARGS[@]}" --probe

say "3. apply the saved plan: one interface at a time, waiting for each routing table"
run "$VR" apply "$WORK/plan.json" --no-color "${PROBE_ARGS[@]}" "${AUDIT[@]}"

say "4. a second plan: nothing left to do"
run "$VR" plan -f "$INV" --detailed-exitcode --no-color

say "5. someone changes an interface out of band, and another appears"
ID=$(curl -sS "$API/__sim/state" | jq -r '.organizations[0].connections[] | select(.name=="arch-vni-edge-02") | .id')
show "curl -X PATCH \$API/__sim/connections/$ID -d '{\"remoteIp\":\"198.51.100.99\"}'"
curl -sS -X PATCH -H 'Content-Type: application/json' -d '{"remoteIp":"198.51.100.99"}' \
    "$API/__sim/connections/$ID" >/dev/null
curl -sS -X POST -H 'Content-Type: application/json' "$API/__sim/connections" -d '{
  "orgId":"a1b2c3d4-e5f6-7890-abcd-ef1234567890","name":"hand-made-vni","type":"ipconnect",
  "localIp":"10.0.99.1","remoteIp":"203.0.113.99","subnetCidr":"10.0.99.0/24",
  "dnsServers":["8.8.8.8"],"routingTableId":"rt-core"}' >/dev/null

say "6. drift: what differs from the inventory, and the command that would repair it"
run "$VR" drift -f "$INV" --exit-code --no-color "${AUDIT[@]}"

say "7. repair the hand-changed interface: plan its replacement, then apply the saved plan"
run "$VR" plan -f "$INV" --replace-drifted --out "$WORK/repair.json" --no-color "${PROBE_ARGS[@]}" --probe
run "$VR" apply "$WORK/repair.json" --no-color "${PROBE_ARGS[@]}" "${AUDIT[@]}"

say "8. drift again: no interface differs (the hand-made one is still unmanaged)"
run "$VR" drift -f "$INV" --exit-code --no-color "${AUDIT[@]}"

say "9. a pull request from a fork: plan against the state drift recorded, no credentials"
run env -u GENESYSCLOUD_OAUTHCLIENT_ID -u GENESYSCLOUD_OAUTHCLIENT_SECRET -u GENESYSCLOUD_API_URL \
    "$VR" plan -f "$INV" --from-audit "$WORK/audit-repo" --detailed-exitcode --no-color

say "10. drift once more, as a page for people: one self-contained HTML file, with the history"
# One more check committed to the audit branch: the page shows the three checks as marks.
show "$VR drift -f $INV --format html --audit-repo $WORK/audit-repo > $WORK/drift.html"
set +e
"$VR" drift -f "$INV" --format html --audit-repo "$WORK/audit-repo" >"$WORK/drift.html"
echo "(exit $?)"
set -e

say "where everything went"
echo "audit log ($WORK/audit.jsonl), the first change: its intent (written before the create), then its outcome:"
jq -s '[.[] | select(.action == "vni_provisioning")][:2][]' "$WORK/audit.jsonl"
echo "webhook deliveries received: $(grep -c '"event"' "$WORK/webhooks.jsonl" || true)," \
     "signatures valid: $(grep -c '"signature":"valid"' "$WORK/webhooks.jsonl" || true)"
echo "audit branch in $WORK/audit-repo:"
git -C "$WORK/audit-repo" log --format='  %h %s' vni-audit
echo "the checked-out branch is untouched: $(git -C "$WORK/audit-repo" rev-parse --abbrev-ref HEAD), $(git -C "$WORK/audit-repo" log --oneline main | wc -l) commit"
echo "drift page: $WORK/drift.html (open it in a browser; no network needed)"
echo "  on the audit branch too: drift/<org>/latest.html and index.html (git -C $WORK/audit-repo show vni-audit:index.html)"
echo "metrics ($WORK/vni.prom):"
grep -E '^vni_reconcile_(actions_total|replacements_total|drift_interfaces)' "$WORK/vni.prom" | head -12 | sed 's/^/  /'
echo
echo "demo files kept in $WORK (vni-sim state saved to sim-state.json)"
