#!/usr/bin/env bash
# A saved plan is untrusted input: apply PLANFILE carries out only what the inventory and the
# live state give it again. Each tampering an artifact can suffer (a delete retargeted at an
# unmanaged connection, an id of "..", an edited payload, an edited inventory, an extra,
# removed or reordered action, a bumped --max-deletes inside the file, a plan from standard
# input, an inventory file that is a FIFO or a device) and a live change after planning are refused with exit 1, a message naming the check
# and how to get a fresh plan, and nothing written: the simulator's state and request log show
# no change, the audit log no record, the lock is free. The genuine plan still applies.
# plan --out with -f - is refused; apply's own --max-deletes and --max-replaces bound a saved
# plan.
# shellcheck disable=SC2016  # the jq programs given to tamper use jq's $variables
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply_lib.sh"

mkdir -p "$T_DIR/inv"
INV=$T_DIR/inv/inv.yaml
# prune.yaml (flt-vni-01 and -02, managed prefix flt-vni-) and two interfaces to create
cat "$FIX/apply/prune.yaml" - >"$INV" <<'EOF'
  - name: flt-vni-04
    localIp: 10.2.4.1
    remoteIp: 203.0.113.34
    subnetCidr: 10.2.4.0/24
    routingTableId: rt-core
  - name: flt-vni-06
    localIp: 10.2.6.1
    remoteIp: 203.0.113.36
    subnetCidr: 10.2.6.0/24
    routingTableId: rt-core
EOF
start_probe_listener || { not_ok "probe listener starts"; exit 1; }
probe_args "$INV"
APPLY=("${PM[@]}" --lock-dir "$LOCKS" --audit-log "$T_DIR/audit.jsonl")

start_sim --converge-ms 20-40 --seed 71
# live: the two the inventory names, two managed ones it no longer names (prune candidates),
# one unmanaged connection (another team's)
seed() { # seed NAME OCTET: a live connection; prints its id
    sim_admin POST /__sim/connections "{\"name\": \"$1\", \"localIp\": \"10.2.$2.1\", \"remoteIp\": \"203.0.113.3$2\",
        \"subnetCidr\": \"10.2.$2.0/24\", \"dnsServers\": [\"8.8.8.8\"], \"routingTableId\": \"rt-core\", \"type\": \"ipconnect\"}" | jq -r .id
}
seed flt-vni-01 1 >/dev/null
seed flt-vni-02 2 >/dev/null
OLD3=$(seed flt-vni-03 3)
seed flt-vni-05 5 >/dev/null
UNMANAGED=$(seed payroll-vni 7)

snap() { sim_admin GET /__sim/state | jq -S -c '[.organizations[].connections[] | {id, name, localIp, remoteIp, subnetCidr, routingTableId, description, state}] | sort_by(.id)'; }
writes() { sim_admin GET /__sim/requests | jq '[.[] | select(.method != "GET" and (.path | startswith("/api/")))] | length'; }
lock_free() { flock -n "$LOCKS/$ORG.lock" true; }

run_vr plan -f "$INV" --prune --out "$T_DIR/plan.json"
check_eq "plan: saved (exit 0)" 0 "$RC"
check_eq "plan: delete flt-vni-03, create flt-vni-04 and flt-vni-06 (flt-vni-05 deferred)" \
    "delete:flt-vni-03:$OLD3 create:flt-vni-04:null create:flt-vni-06:null" \
    "$(jq -r '[.organizations[0].actions[] | "\(.action):\(.name):\(.payload.id // "null")"] | join(" ")' "$T_DIR/plan.json")"
check_eq "plan: the options and the inventory file recorded" "true 1 null $INV" \
    "$(jq -r '"\(.options.prune) \(.options.maxDeletes) \(.options.shard) \(.inventory.files[0].path)"' "$T_DIR/plan.json")"
STATE0=$(snap)
sim_admin DELETE /__sim/requests >/dev/null

# refused DESC PLANFILE MESSAGE [APPLY ARGS...]: apply refuses the plan with exit 1, says why and
# how to get a fresh plan, and writes nothing anywhere.
refused() {
    local desc=$1 file=$2 msg=$3
    shift 3
    run_vr apply "$file" "${APPLY[@]}" "$@"
    check_eq "$desc: exit 1" 1 "$RC"
    check_contains "$desc: says which check failed" "$msg" "$ERR"
    check_contains "$desc: says what to do, and that nothing was changed" "nothing was changed" "$ERR"
    check_not_contains "$desc: nothing applied" "Apply complete" "$OUT"
    check_eq "$desc: the platform's state is unchanged" "$STATE0" "$(snap)"
    check_eq "$desc: no write request reached the platform" 0 "$(writes)"
    check "$desc: no audit record" test ! -s "$T_DIR/audit.jsonl"
    check "$desc: no lock left" lock_free
}
# tamper NAME JQ [ARGS...]: $T_DIR/NAME.json is the plan edited by the jq program.
tamper() { local name=$1 prog=$2; shift 2; jq "$@" "$prog" "$T_DIR/plan.json" >"$T_DIR/$name.json"; }
RENUMBER='.organizations[0].actions |= [to_entries[] | .value.seq = .key + 1 | .value]'

tamper retarget '.organizations[0].actions[0].payload.id = $id' --arg id "$UNMANAGED"
refused "delete retargeted at an unmanaged connection" "$T_DIR/retarget.json" \
    "action 1: the saved plan deletes flt-vni-03 (id $UNMANAGED); a new plan deletes flt-vni-03 (id $OLD3)"
check_contains "delete retargeted: a mismatch with a new plan" "is not what a new plan of organization $ORG gives" "$ERR"

tamper retarget2 '.organizations[0].actions[0] |= (.name = "payroll-vni" | .payload.name = "payroll-vni" | .payload.id = $id)' --arg id "$UNMANAGED"
refused "delete of the unmanaged connection by name and id" "$T_DIR/retarget2.json" \
    "the saved plan deletes payroll-vni (id $UNMANAGED); a new plan deletes flt-vni-03"

tamper dotdot '.organizations[0].actions[0].payload.id = ".."'
refused "delete id .." "$T_DIR/dotdot.json" "organizations[0].actions[0].payload: id is not a connection id"

tamper payload '.organizations[0].actions[1].payload.remoteIp = "198.51.100.66"'
refused "edited payload" "$T_DIR/payload.json" \
    "action 2 (creates flt-vni-04): payload remoteIp is \"198.51.100.66\" in the saved plan, \"203.0.113.34\" in a new plan"

tamper extra '.organizations[0].actions += [.organizations[0].actions[2] | .name = "flt-vni-66" | .payload.name = "flt-vni-66"
    | .payload.localIp = "10.2.66.1" | .payload.subnetCidr = "10.2.66.0/24"] | '"$RENUMBER"
refused "an extra action" "$T_DIR/extra.json" "action 4 (creates flt-vni-66) is only in the saved plan"

tamper removed 'del(.organizations[0].actions[2])'
refused "a removed action" "$T_DIR/removed.json" "action 3 (creates flt-vni-06) is only in a new plan"

tamper reordered '.organizations[0].actions |= [.[0], .[2], .[1]] | '"$RENUMBER"
refused "reordered actions" "$T_DIR/reordered.json" "action 2: the saved plan creates flt-vni-06; a new plan creates flt-vni-04"

tamper bumped '.options.maxDeletes = 2'
refused "--max-deletes bumped inside the file" "$T_DIR/bumped.json" "action 2: the saved plan creates flt-vni-04; a new plan deletes flt-vni-05 (id"
tamper bumped2 '.options.maxDeletes = 2 | .organizations[0].actions |= [.[0], (.[0] | .name = "flt-vni-05"
    | .payload.name = "flt-vni-05" | .payload.id = $id), .[1], .[2]] | '"$RENUMBER" \
    --arg id "$(sim_admin GET /__sim/state | jq -r '.organizations[0].connections[] | select(.name == "flt-vni-05") | .id')"
refused "--max-deletes bumped and a delete added: apply's own --max-deletes" "$T_DIR/bumped2.json" \
    "the saved plan deletes 2 interfaces of organization $ORG, more than --max-deletes 1 allows"

tamper region '.organizations[0].region = "mypurecloud.ie"'
refused "region edited (another platform host)" "$T_DIR/region.json" "has another region than the inventory gives it"

tamper stdin '.inventory.files[0].path = "<stdin>"'
refused "inventory named as standard input" "$T_DIR/stdin.json" "made from standard input"
tamper gone '.inventory.files[0].path = ($d + "/gone.yaml")' --arg d "$T_DIR/inv"
refused "inventory file missing" "$T_DIR/gone.json" "gone.yaml cannot be read (No such file or directory)"
# a plan naming a FIFO or a device as its inventory file: refused at once (a FIFO with no
# writer would block a plain open; /dev/zero never ends), nothing read from it
mkfifo "$T_DIR/inv.fifo"
for special in fifo:"$T_DIR/inv.fifo" device:/dev/zero; do
    tamper "${special%%:*}" '.inventory.files[0].path = $p' --arg p "${special#*:}"
    timeout 30 "$VR" apply "$T_DIR/${special%%:*}.json" "${APPLY[@]}" >/dev/null 2>&1 </dev/null
    rc=$?
    check_eq "inventory named as a ${special%%:*}: apply does not wait on it (exit 1, not a timeout)" 1 "$rc"
    [ "$rc" = 1 ] && refused "inventory named as a ${special%%:*}" "$T_DIR/${special%%:*}.json" \
        "${special#*:} cannot be read (not a regular file: a FIFO, a device, a socket or a folder)"
done
tamper old 'del(.options)'
refused "a plan without recorded options" "$T_DIR/old.json" "records no options"

cp "$INV" "$T_DIR/inv.orig"
printf '# edited after the plan\n' >>"$INV"
refused "inventory edited after planning" "$T_DIR/plan.json" "inventory file $INV changed since the plan was made"
cp "$T_DIR/inv.orig" "$INV"

# a live change after planning: stale (and when it is undone, the plan is good again)
EXTRA=$(seed hand-made-vni 8)
STATE0=$(snap)
sim_admin DELETE /__sim/requests >/dev/null
refused "live change after planning" "$T_DIR/plan.json" "the saved plan is stale for organization $ORG"
check_contains "stale: names what was added" "added since the plan: 1 (hand-made-vni)" "$ERR"
sim_admin DELETE "/__sim/connections/$EXTRA" >/dev/null
STATE0=$(snap)
sim_admin DELETE /__sim/requests >/dev/null

# apply's own --max-deletes and --max-replaces bound a saved plan
run_vr plan -f "$INV" --prune --max-deletes 2 --out "$T_DIR/two.json"
check_eq "two deletions planned" 2 "$(jq '[.organizations[0].actions[] | select(.action == "delete")] | length' "$T_DIR/two.json")"
refused "a saved plan over apply's --max-deletes" "$T_DIR/two.json" "more than --max-deletes 1 allows"
check_contains "over --max-deletes: how to apply it anyway" "apply it with --max-deletes 2" "$ERR"
run_vr plan -f "$INV" --replace flt-vni-01 --replace flt-vni-02 --max-replaces 2 --out "$T_DIR/rep.json"
refused "a saved plan over apply's --max-replaces" "$T_DIR/rep.json" \
    "the saved plan replaces 2 interfaces of organization $ORG, more than --max-replaces 1 allows"

# plan --out with -f -: refused before anything is read
run_vr plan -f - --out "$T_DIR/from-stdin.json" <"$INV"
check_eq "plan --out with -f -: exit 1" 1 "$RC"
check_contains "plan --out with -f -: says why" "--out cannot save a plan made from standard input (-f -)" "$ERR"
check "plan --out with -f -: no file" test ! -e "$T_DIR/from-stdin.json"
"$VR" plan -f - <"$INV" >/dev/null 2>&1
check_eq "plan -f - without --out still works" 0 "$?"

# the genuine plan still applies, after all that
run_vr apply "$T_DIR/plan.json" "${APPLY[@]}"
check_eq "genuine plan: exit 0" 0 "$RC"
check_contains "genuine plan: applied" "Apply complete: 2 created, 1 deleted, 0 failed, 0 not attempted" "$OUT"
check_eq "genuine plan: flt-vni-03 deleted, the unmanaged one kept" \
    "flt-vni-01 flt-vni-02 flt-vni-04 flt-vni-05 flt-vni-06 payroll-vni" "$(live_names | tr '\n' ' ' | sed 's/ $//')"
check_eq "genuine plan: audited (intent, sync, outcome per change)" \
    "vni_deletion:started routing_sync:deleted vni_deletion:deleted vni_provisioning:started routing_sync:provisioned vni_provisioning:provisioned vni_provisioning:started routing_sync:provisioned vni_provisioning:provisioned" \
    "$(jq -r '"\(.action):\(.status)"' "$T_DIR/audit.jsonl" | tr '\n' ' ' | sed 's/ $//')"
run_vr apply "$T_DIR/plan.json" "${APPLY[@]}"
check_eq "genuine plan used twice: refused as stale" 1 "$RC"
check_contains "genuine plan used twice: stale" "the saved plan is stale" "$ERR"
stop_sim

# a sharded plan records its shard and is made again for the same organizations
start_sim --converge-ms 20-40 --seed 72
OTHER=""
for i in 1 2; do # the shard of two that does not hold the organization
    run_vr plan -f "$INV" --shard "$i/2" --out "$T_DIR/half.json"
    [ "$(jq '.organizations | length' "$T_DIR/half.json")" = 0 ] && OTHER=$i/2
done
check "one shard of two holds no organization" test -n "$OTHER"
run_vr plan -f "$INV" --shard 1/1 --out "$T_DIR/shard.json"
check_eq "--shard recorded in the plan" "1/1" "$(jq -r .options.shard "$T_DIR/shard.json")"
jq --arg s "$OTHER" '.options.shard = $s' "$T_DIR/shard.json" >"$T_DIR/shard2.json"
STATE0=$(snap)
rm -f "$T_DIR/audit.jsonl"
sim_admin DELETE /__sim/requests >/dev/null
refused "--shard edited in the file" "$T_DIR/shard2.json" "is not an organization of the inventory (with the recorded --shard)"
run_vr apply "$T_DIR/shard.json" "${APPLY[@]}"
check_eq "the sharded plan applies" "0 4 created" "$RC $(grep -o '4 created' <<<"$OUT")"
stop_sim

t_done
