#!/usr/bin/env bash
# plan --from-audit: drift and apply with --audit-repo record each organization's live state on
# the audit branch (state/<org>.json); with vni-sim stopped, no credentials and every address
# pointing at a listener that counts connections, plan plans against that state (text, JSON,
# Markdown, --detailed-exitcode 0 and 2) and says so with the commit and the time; an
# organization with no recorded state, --out, --probe, a state edited by hand or of another
# format version are refused; the work tree of the repository is never touched.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply_lib.sh"

INV=$FIX/demo/inventory.yaml
TWO=$FIX/valid/two-orgs
ORG_B=0f0e0d0c-0b0a-4998-8776-655443322110
STATE=state/$ORG.json
unset GENESYSCLOUD_ACCESS_TOKEN GENESYSCLOUD_REGION NO_COLOR

# insert NAME LOCAL REMOTE SUBNET TABLE [DESCRIPTION]: a live connection put in place out of band.
insert() {
    sim_admin POST /__sim/connections "$(jq -cn --arg o "$ORG" --arg n "$1" --arg l "$2" \
        --arg r "$3" --arg s "$4" --arg t "$5" --arg d "${6:-}" \
        '{orgId:$o, name:$n, type:"ipconnect", localIp:$l, remoteIp:$r, subnetCidr:$s,
          dnsServers:["8.8.8.8","8.8.4.4"], routingTableId:$t, state:"active"}
         + (if $d == "" then {} else {description:$d} end)')" | jq -r .id
}
# new_repo DIR: a work tree with a commit on main and an untracked file.
new_repo() {
    git init -q -b main "$1"
    git -C "$1" -c user.name=t -c user.email=t@t commit -q --allow-empty -m init
    echo work >"$1/untracked.txt"
}
# recorded_plan ARGS...: plan --from-audit with no credentials in the environment, the API URL
# and every other option that would reach out pointing at the counting listener, and
# credentials files that do not exist (reading them would fail).
recorded_plan() {
    env -u GENESYSCLOUD_OAUTHCLIENT_ID -u GENESYSCLOUD_OAUTHCLIENT_SECRET \
        GENESYSCLOUD_API_URL="http://127.0.0.1:$NET_PORT" SSL_CERT_FILE=/nonexistent/ca.pem \
        "$VR" plan --client-secret-file /nonexistent/secret "$@" \
        >"$T_DIR/out" 2>"$T_DIR/err" </dev/null
    RC=$?
    OUT=$(cat "$T_DIR/out")
    ERR=$(cat "$T_DIR/err")
}
# connections_seen: connections the counting listener took (its first line is its address).
connections_seen() { tail -n +2 "$NET_OUT" | grep -c .; }
# edited_branch NAME JQ: branch NAME = vni-audit with state/<org>.json rewritten by the jq
# filter (plumbing only, as a hand edit pushed to the branch would be).
edited_branch() {
    local blob tree commit idx=$T_DIR/index.$1
    blob=$(git -C "$REPO" show "vni-audit:$STATE" | jq "$2" | git -C "$REPO" hash-object -w --stdin)
    GIT_INDEX_FILE=$idx git -C "$REPO" read-tree vni-audit
    GIT_INDEX_FILE=$idx git -C "$REPO" update-index --cacheinfo "100644,$blob,$STATE"
    tree=$(GIT_INDEX_FILE=$idx git -C "$REPO" write-tree)
    commit=$(git -C "$REPO" -c user.name=t -c user.email=t@t commit-tree "$tree" -p vni-audit -m edit)
    git -C "$REPO" update-ref "refs/heads/$1" "$commit"
}

# ---- the live organization: one interface as the inventory says, one changed by hand, one
#      the inventory does not name; the other three are missing ----
# shellcheck disable=SC2119  # start_sim takes optional arguments; none here on purpose
start_sim || { not_ok "vni-sim starts"; exit 1; }
insert arch-vni-prod-01 10.0.50.1 203.0.113.10 10.0.50.0/24 rt-core "Production architecture VNI" >/dev/null
insert arch-vni-edge-02 10.0.61.1 198.51.100.99 10.0.61.0/24 rt-edge >/dev/null
insert hand-made-vni 10.0.90.1 203.0.113.90 10.0.90.0/24 rt-edge >/dev/null
run_vr plan -f "$INV" --format json
check_eq "live plan: exit 0" 0 "$RC"
LIVE_JSON=$OUT
run_vr export --out "$T_DIR/exported.yaml"
check_eq "export of the live organization: exit 0" 0 "$RC"

# ---- drift records the live state ----
REPO=$T_DIR/audit-repo
new_repo "$REPO"
HEAD_BEFORE=$(git -C "$REPO" rev-parse HEAD)
STATUS_BEFORE=$(git -C "$REPO" status --porcelain)
run_vr drift -f "$INV" --audit-repo "$REPO"
check_eq "drift --audit-repo: exit 0" 0 "$RC"
S=$(git -C "$REPO" show "vni-audit:$STATE" 2>&1)
check_eq "drift: the state file is on the branch, format 1, of the organization, by drift" \
    "1 $ORG drift" "$(jq -r '"\(.formatVersion) \(.organizationId) \(.command)"' <<<"$S")"
check_eq "drift: every live connection, by name" "arch-vni-edge-02 arch-vni-prod-01 hand-made-vni" \
    "$(jq -r '[.connections[].name] | join(" ")' <<<"$S")"
check_eq "drift: the limit and the routing tables" "50 false rt-core,rt-edge" \
    "$(jq -r '"\(.limit) \(.limitDefaulted) \([.routingTables[].id] | join(","))"' <<<"$S")"
check_eq "drift: the live fingerprint is the plan's" \
    "$(jq -r '.organizations[0].liveFingerprint' <<<"$LIVE_JSON")" "$(jq -r .liveFingerprint <<<"$S")"
check_eq "drift: the connections as the platform gives them" \
    "$(sim_admin GET /__sim/state | jq -S '[.organizations[0].connections[] | {id, name, remoteIp, state}] | sort_by(.name)')" \
    "$(jq -S '[.connections[] | {id, name, remoteIp, state}]' <<<"$S")"
check_eq "drift: the state is in the same commit as the report" \
    "$(git -C "$REPO" log -1 --format=%H vni-audit -- "drift/$ORG/latest.json")" \
    "$(git -C "$REPO" log -1 --format=%H vni-audit -- "$STATE")"
check_eq "drift: HEAD not moved" "$HEAD_BEFORE" "$(git -C "$REPO" rev-parse HEAD)"
check_eq "drift: work tree and index untouched" "$STATUS_BEFORE" "$(git -C "$REPO" status --porcelain)"
check_not_contains "the state file holds no secret" "vni-demo-secret" "$S"
COMMIT=$(git -C "$REPO" rev-parse vni-audit)
SHORT=${COMMIT:0:12}
AT=$(jq -r .recordedAt <<<"$S")
# a later drift of another organization's report does not change which commit recorded it
git -C "$REPO" update-ref refs/heads/vni-audit "$(git -C "$REPO" -c user.name=t -c user.email=t@t \
    commit-tree "$(git -C "$REPO" rev-parse 'vni-audit^{tree}')" -p vni-audit -m 'another commit')"

# ---- the platform goes away; nothing may reach out ----
stop_sim
start_listener || { not_ok "counting listener starts"; exit 1; }
NET_PORT=$PROBE_PORT
NET_OUT=$LISTENER_OUT

recorded_plan -f "$INV" --from-audit "$REPO"
check_eq "from-audit text: exit 0 (changes, without --detailed-exitcode)" 0 "$RC"
check_contains "from-audit text: says it planned against the recorded state, with time and commit" \
    "  planned against the state recorded by drift at $AT (branch vni-audit, commit $SHORT), not against the platform" "$OUT"
check_contains "from-audit text: the plan of the recorded state" "Plan: 3 to create, 0 to delete, 0 to replace, 1 unchanged, 1 drifted" "$OUT"
check_contains "from-audit text: the drift recorded" "~ drift arch-vni-edge-02" "$OUT"
check_contains "from-audit text: the unmanaged connection recorded" "? unmanaged hand-made-vni" "$OUT"
check_contains "from-audit: the credentials options are said to have no effect" \
    "warning: --client-secret-file has no effect with --from-audit" "$ERR"

recorded_plan -f "$INV" --from-audit "$REPO" --format json --api-url "http://127.0.0.1:$NET_PORT"
check_eq "from-audit json: exit 0" 0 "$RC"
check_eq "from-audit json: where the state came from" "vni-audit $COMMIT $AT drift" \
    "$(jq -r '.organizations[0].recordedState | "\(.branch) \(.commit) \(.recordedAt) \(.command)"' <<<"$OUT")"
PICK='.organizations[0] | {limit, liveCount, liveFingerprint, actions, unchanged, drift, unmanaged, notActive, diagnostics}'
check_eq "from-audit json: the same plan as against the live platform" \
    "$(jq -S "$PICK" <<<"$LIVE_JSON")" "$(jq -S "$PICK" <<<"$OUT")"

recorded_plan -f "$INV" --from-audit "$REPO" --format markdown
check_eq "from-audit markdown: exit 0" 0 "$RC"
check_contains "from-audit markdown: says so for the organization" \
    "> Planned against the state recorded by \`drift\` at $AT (branch \`vni-audit\`, commit \`$SHORT\`), not against the platform." "$OUT"
check_contains "from-audit markdown: the plan's table" "| 1 | ➕ create | arch-vni-prod-02 |" "$OUT"

recorded_plan -f "$INV" --from-audit "$REPO" --detailed-exitcode
check_eq "from-audit --detailed-exitcode with changes: exit 2" 2 "$RC"
recorded_plan -f "$T_DIR/exported.yaml" --from-audit "$REPO" --detailed-exitcode
check_eq "from-audit --detailed-exitcode, the export of the same state: exit 0" 0 "$RC"
check_contains "from-audit, no changes: nothing to create" "Plan: 0 to create, 0 to delete, 0 to replace, 3 unchanged, 0 drifted" "$OUT"

# ---- refusals ----
recorded_plan -f "$FIX/valid/two-orgs/org-b.yaml" --from-audit "$REPO"
check_eq "unknown organization: exit 1" 1 "$RC"
check_contains "unknown organization: named" "organization $ORG_B has no recorded live state (state/$ORG_B.json on branch vni-audit" "$ERR"
check_eq "unknown organization: no plan printed" "" "$OUT"
recorded_plan -f "$TWO" --from-audit "$REPO" --format json
check_eq "one organization of two recorded: exit 1" 1 "$RC"
check_contains "one of two: the one without a state is named" "organization $ORG_B has no recorded live state" "$ERR"
check_not_contains "one of two: the recorded one is not" "organization $ORG has no" "$ERR"
check_eq "one of two: the recorded one is planned and shown" "$ORG $COMMIT" \
    "$(jq -r '.organizations[] | "\(.id) \(.recordedState.commit)"' <<<"$OUT")"
recorded_plan -f "$INV" --from-audit "$REPO" --audit-branch elsewhere
check_eq "a branch that does not exist: exit 1" 1 "$RC"
check_contains "a branch that does not exist: named" "on branch elsewhere of $REPO" "$ERR"
recorded_plan -f "$INV" --from-audit "$T_DIR/no-such-repo"
check_eq "no repository there: exit 1" 1 "$RC"
check_contains "no repository there: named" "audit repository $T_DIR/no-such-repo" "$ERR"
recorded_plan -f "$INV" --from-audit "$REPO" --out "$T_DIR/plan.json"
check_eq "--out with --from-audit: exit 1" 1 "$RC"
check_contains "--out with --from-audit: why" "--out cannot be used with --from-audit: a plan made from a recorded state can never be applied" "$ERR"
check "--out with --from-audit: no plan file" test ! -e "$T_DIR/plan.json"
check_eq "--out with --from-audit: nothing printed" "" "$OUT"
recorded_plan -f "$INV" --from-audit "$REPO" --probe
check_eq "--probe with --from-audit: exit 1" 1 "$RC"
check_contains "--probe with --from-audit: why" "--probe cannot be used with --from-audit" "$ERR"
recorded_plan -f "$FIX/demo/broken.yaml" --from-audit "$REPO"
check_eq "an invalid inventory: exit 3" 3 "$RC"

edited_branch edited '.connections[0].remoteIp = "198.51.100.21"'
recorded_plan -f "$INV" --from-audit "$REPO" --audit-branch edited
check_eq "a state edited by hand: exit 1" 1 "$RC"
check_contains "a state edited by hand: refused, and why" \
    "the recorded live state of organization $ORG cannot be used: $STATE (branch edited, commit" "$ERR"
check_contains "a state edited by hand: the fingerprint" "does not match the connections recorded" "$ERR"
edited_branch future '.formatVersion = 2'
recorded_plan -f "$INV" --from-audit "$REPO" --audit-branch future
check_eq "a state of another format version: exit 1" 1 "$RC"
check_contains "a state of another format version: says which" "formatVersion 2 is not supported; vni-reconcile" "$ERR"
edited_branch broken '.connections'
recorded_plan -f "$INV" --from-audit "$REPO" --audit-branch broken
check_eq "a state that is not an object: exit 1" 1 "$RC"
check_contains "a state that is not an object: says so" "not a JSON object" "$ERR"

# a saved plan from the JSON output is not a plan apply takes
recorded_plan -f "$INV" --from-audit "$REPO" --format json
printf '%s\n' "$OUT" >"$T_DIR/recorded-plan.json"
run_vr apply "$T_DIR/recorded-plan.json"
check_eq "apply of a plan printed by --from-audit: exit 1" 1 "$RC"
check_contains "apply of a plan printed by --from-audit: refused, and why" "planned against a recorded state (plan --from-audit)" "$ERR"

check_eq "no connection was made by any --from-audit plan" 0 "$(connections_seen)"
check_eq "the audit repository's work tree is still untouched" "$STATUS_BEFORE" "$(git -C "$REPO" status --porcelain)"

# ---- apply records the state after its run ----
kill "$LISTENER_PID" 2>/dev/null
# shellcheck disable=SC2119  # start_sim takes optional arguments; none here on purpose
start_sim || { not_ok "vni-sim starts again"; exit 1; }
start_probe_listener || { not_ok "probe listener starts"; exit 1; }
probe_args "$INV"
REPO2=$T_DIR/audit-repo-2
new_repo "$REPO2"
run_vr apply -f "$INV" --auto-approve "${PM[@]}" --lock-dir "$LOCKS" --audit-repo "$REPO2"
check_eq "apply --audit-repo: exit 0" 0 "$RC"
S=$(git -C "$REPO2" show "vni-audit:$STATE" 2>&1)
check_eq "apply: the state after the run, by apply" "apply 5" "$(jq -r '"\(.command) \(.liveCount)"' <<<"$S")"
check_eq "apply: the connections it created, as live" \
    "$(sim_admin GET /__sim/state | jq -c '[.organizations[0].connections[] | {id, name}] | sort_by(.name)')" \
    "$(jq -c '[.connections[] | {id, name}]' <<<"$S")"
check_eq "apply: the state is in the commit of the report" \
    "$(git -C "$REPO2" log -1 --format=%H vni-audit -- "reports/$ORG")" "$(git -C "$REPO2" log -1 --format=%H vni-audit -- "$STATE")"
stop_sim
APPLY_COMMIT=$(git -C "$REPO2" rev-parse vni-audit)
recorded_plan -f "$INV" --from-audit "$REPO2" --detailed-exitcode
check_eq "from-audit after apply --detailed-exitcode: exit 0 (nothing left to do)" 0 "$RC"
check_contains "from-audit after apply: recorded by apply, with its commit" \
    "planned against the state recorded by apply at $(jq -r .recordedAt <<<"$S") (branch vni-audit, commit ${APPLY_COMMIT:0:12})" "$OUT"
check_contains "from-audit after apply: everything unchanged" "Plan: 0 to create, 0 to delete, 0 to replace, 5 unchanged, 0 drifted" "$OUT"

t_done
