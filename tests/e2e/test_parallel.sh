#!/usr/bin/env bash
# --parallelism N over several organizations (vni-sim --state with six organizations and six
# OAuth clients, bench/gen_orgs.sh; credentials from --credentials): what plan, drift and apply
# print, write and commit is the same with --parallelism 1 and the default (and 3), byte for
# byte once times and generated ids are taken out: plan text, JSON, Markdown and plan file;
# drift text, JSON, Markdown, audit log and Git report; apply's JSON result, audit log, webhook
# events and Git report. Progress lines are whole and name their organization. One
# organization with bad credentials: the others are planned, checked and applied, the exit
# code is 1 whatever N. --parallelism 0, 65 and x are refused. No timing is asserted; the
# simulator's request log shows the organizations' calls interleaved (at once) by default and
# one organization after the other with --parallelism 1.
. "$(dirname "$0")/lib.sh"

unset GENESYSCLOUD_OAUTHCLIENT_ID GENESYSCLOUD_OAUTHCLIENT_SECRET GENESYSCLOUD_ACCESS_TOKEN \
    GENESYSCLOUD_REGION
export VR_PROBE_LOOPBACK_ONLY=1
K=6
G=$T_DIR/g
bash "$ROOT/bench/gen_orgs.sh" "$G" $K 3 2 --drift --unmanaged --varied ||
    { not_ok "bench/gen_orgs.sh writes the run"; exit 1; }
C=(-f "$G/inv" --credentials "$G/credentials.yaml")
ORG3=00000003-0000-4000-8000-000000000003

# norm: times and generated UUIDs (run, event, correlation and new connection ids) out; the
# fixture's ids (00000k...) stay.
norm() {
    perl -pe 's/\b(?!0000)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/UUID/g;
              s/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/TIME/g; s/\d{8}T\d{6}(\.\d+)?Z/TIME/g'
}
# same DESC FILE_A FILE_B : the two files are equal after norm, and not empty.
same() {
    if [ ! -s "$2" ]; then not_ok "$1" "$2 is empty or missing"; return; fi
    if diff <(norm <"$2") <(norm <"$3") >"$T_DIR/diff" 2>&1; then ok "$1"; else
        not_ok "$1" "$(head -20 "$T_DIR/diff")"
    fi
}
# client_switches: how often the client changes from one API request to the next in the
# simulator's request log (K - 1 when the organizations went one after the other).
client_switches() {
    sim_admin GET /__sim/requests |
        jq '[.[] | select(.clientId != null) | .clientId] as $c
            | [range(1; $c | length) | select($c[.] != $c[. - 1])] | length'
}

# --- usage ---
for bad in 0 65 x; do
    run_vr plan "${C[@]}" --parallelism "$bad"
    check_eq "--parallelism $bad: refused (exit 1)" 1 "$RC"
    check_contains "--parallelism $bad: says the range" "from 1 to 64" "$ERR"
done
run_vr drift --help
check_contains "drift --help lists --parallelism" "--parallelism N" "$OUT"

# --- plan and drift: --parallelism 1, the default, 3 ---
start_sim --state "$G/state.json" --seed 11 --latency-ms 0-20 ||
    { not_ok "vni-sim starts with $K organizations"; exit 1; }
for p in 1 default 3; do
    P=()
    [ "$p" = default ] || P=(--parallelism "$p")
    sim_admin DELETE /__sim/requests >/dev/null
    "$VR" plan "${C[@]}" "${P[@]}" --out "$T_DIR/plan-$p.planfile" >"$T_DIR/plan-$p.txt" \
        2>"$T_DIR/plan-$p.err"
    echo $? >"$T_DIR/plan-$p.rc"
    client_switches >"$T_DIR/switches-$p"
    "$VR" plan "${C[@]}" "${P[@]}" --format json >"$T_DIR/plan-$p.json" 2>/dev/null
    "$VR" plan "${C[@]}" "${P[@]}" --format markdown >"$T_DIR/plan-$p.md" 2>/dev/null
    mkdir -p "$T_DIR/repo-drift-$p"
    git -C "$T_DIR/repo-drift-$p" init -q
    "$VR" drift "${C[@]}" "${P[@]}" --audit-log "$T_DIR/drift-$p.jsonl" \
        --audit-repo "$T_DIR/repo-drift-$p" --exit-code >"$T_DIR/drift-$p.txt" 2>"$T_DIR/drift-$p.err"
    echo $? >"$T_DIR/drift-$p.rc"
    "$VR" drift "${C[@]}" "${P[@]}" --format json >"$T_DIR/drift-$p.json" 2>/dev/null
    "$VR" drift "${C[@]}" "${P[@]}" --format markdown >"$T_DIR/drift-$p.md" 2>/dev/null
done
check_eq "plan: exit 0 with each --parallelism" "0 0 0" \
    "$(cat "$T_DIR"/plan-1.rc "$T_DIR"/plan-default.rc "$T_DIR"/plan-3.rc | tr '\n' ' ' | sed 's/ $//')"
check_eq "plan text: all $K organizations, in inventory order" \
    "$(for k in $(seq 1 $K); do printf '0000000%s-0000-4000-8000-00000000000%s\n' "$k" "$k"; done)" \
    "$(sed -n 's/^organization \([^:]*\):.*/\1/p' "$T_DIR/plan-default.txt")"
for p in default 3; do
    same "plan text: --parallelism $p as --parallelism 1" "$T_DIR/plan-1.txt" "$T_DIR/plan-$p.txt"
    same "plan JSON: --parallelism $p as 1" "$T_DIR/plan-1.json" "$T_DIR/plan-$p.json"
    same "plan Markdown: --parallelism $p as 1" "$T_DIR/plan-1.md" "$T_DIR/plan-$p.md"
    same "plan file: --parallelism $p as 1" "$T_DIR/plan-1.planfile" "$T_DIR/plan-$p.planfile"
    same "drift text: --parallelism $p as 1" "$T_DIR/drift-1.txt" "$T_DIR/drift-$p.txt"
    same "drift JSON: --parallelism $p as 1" "$T_DIR/drift-1.json" "$T_DIR/drift-$p.json"
    same "drift Markdown: --parallelism $p as 1" "$T_DIR/drift-1.md" "$T_DIR/drift-$p.md"
    same "drift audit log: --parallelism $p as 1 (records in the same order)" \
        "$T_DIR/drift-1.jsonl" "$T_DIR/drift-$p.jsonl"
    git -C "$T_DIR/repo-drift-$p" log --reverse --format=%s vni-audit >"$T_DIR/drift-git-$p"
    git -C "$T_DIR/repo-drift-$p" ls-tree -r --name-only vni-audit >>"$T_DIR/drift-git-$p"
    git -C "$T_DIR/repo-drift-$p" show "vni-audit:drift/$ORG3/latest.json" >>"$T_DIR/drift-git-$p"
    git -C "$T_DIR/repo-drift-1" log --reverse --format=%s vni-audit >"$T_DIR/drift-git-1"
    git -C "$T_DIR/repo-drift-1" ls-tree -r --name-only vni-audit >>"$T_DIR/drift-git-1"
    git -C "$T_DIR/repo-drift-1" show "vni-audit:drift/$ORG3/latest.json" >>"$T_DIR/drift-git-1"
    same "drift Git report: --parallelism $p as 1 (commits in order, files, contents)" \
        "$T_DIR/drift-git-1" "$T_DIR/drift-git-$p"
done
check_eq "drift --exit-code: 2 (drift) with each --parallelism" "2 2 2" \
    "$(cat "$T_DIR"/drift-1.rc "$T_DIR"/drift-default.rc "$T_DIR"/drift-3.rc | tr '\n' ' ' | sed 's/ $//')"
check_eq "drift audit log: one record per interface and unmanaged connection" \
    "$((K * 3 + K + 6))" "$(wc -l <"$T_DIR/drift-default.jsonl")"
check_eq "drift: $K commits on the audit branch" "$K" \
    "$(git -C "$T_DIR/repo-drift-default" rev-list --count vni-audit)"
check_eq "--parallelism 1: one organization after the other (the client changes K-1 times)" \
    "$((K - 1))" "$(cat "$T_DIR/switches-1")"
if [ "$(cat "$T_DIR/switches-default")" -gt "$((K - 1))" ]; then
    ok "default: the organizations' calls interleave (several at once)"
else
    not_ok "default: the organizations' calls interleave" "switches: $(cat "$T_DIR/switches-default")"
fi
check_not_contains "no secret printed" "of-the-bench" "$(cat "$T_DIR"/*.txt "$T_DIR"/*.err "$T_DIR"/*.json)"
stop_sim

# --- apply: a fresh simulator for each run; probes to a loopback listener ---
start_listener || { not_ok "probe listener starts"; exit 1; }
PM=()
for i in 1 2 3 4 5; do PM+=(--probe-map "203.0.113.$i=127.0.0.1:$PROBE_PORT"); done
# apply_run NAME CREDENTIALS [ARGS...] : one apply on a fresh simulator, with every output.
apply_run() {
    local name=$1 creds=$2
    shift 2
    start_sim --state "$G/state.json" --seed 5 --latency-ms 0-10 --converge-ms 20-60 ||
        { not_ok "vni-sim starts ($name)"; return 1; }
    start_sink 0 || { not_ok "webhook sink starts ($name)"; return 1; }
    mkdir -p "$T_DIR/repo-$name"
    git -C "$T_DIR/repo-$name" init -q
    "$VR" apply -f "$G/inv" --credentials "$creds" --auto-approve --format json "${PM[@]}" \
        --lock-dir "$T_DIR/locks" --audit-log "$T_DIR/$name.jsonl" --audit-repo "$T_DIR/repo-$name" \
        --webhook-url "$HOOK" "$@" >"$T_DIR/$name.json" 2>"$T_DIR/$name.err" </dev/null
    echo $? >"$T_DIR/$name.rc"
    sim_admin GET /__sim/state | jq -r '.organizations[] | "\(.id) \(.connections | length)"' \
        >"$T_DIR/$name.live"
    stop_sim
    kill "$SINK_PID" 2>/dev/null
    wait "$SINK_PID" 2>/dev/null
    # what does not depend on timing: per organization the steps and counts; per record the
    # action, interface, status and error; the webhook's events in order; the Git commits
    jq -S '{organizations: [.organizations[] | {organization, counts: (.counts | del(.polls)),
            steps: [.steps[] | {seq, action, name, status, error}]}], totals: (.totals | del(.polls))}' \
        "$T_DIR/$name.json" >"$T_DIR/$name.result" 2>/dev/null # (not JSON with --format text)
    jq -c '{action, interfaceName, status, error}' "$T_DIR/$name.jsonl" >"$T_DIR/$name.records"
    tail -n +2 "$T_DIR/sink.out" |
        jq -c '{event, signature, body: (.body | {action, interfaceName, status})}' \
            >"$T_DIR/$name.events" 2>/dev/null
    {
        git -C "$T_DIR/repo-$name" log --reverse --format=%s vni-audit
        git -C "$T_DIR/repo-$name" ls-tree -r --name-only vni-audit
    } >"$T_DIR/$name.git"
}
apply_run apply-1 "$G/credentials.yaml" --parallelism 1
apply_run apply-default "$G/credentials.yaml"
check_eq "apply: exit 0 with --parallelism 1 and the default" "0 0" \
    "$(cat "$T_DIR/apply-1.rc") $(cat "$T_DIR/apply-default.rc")"
check_eq "apply: every missing interface created in each organization" \
    "$(cat "$T_DIR/apply-1.live")" "$(cat "$T_DIR/apply-default.live")"
check_eq "apply: $K organizations in the result" "$K" \
    "$(jq '.organizations | length' "$T_DIR/apply-default.result")"
same "apply JSON result: the default as --parallelism 1" "$T_DIR/apply-1.result" "$T_DIR/apply-default.result"
same "apply audit log: the same records in the same order" "$T_DIR/apply-1.records" "$T_DIR/apply-default.records"
same "apply webhook: the same events in the same order" "$T_DIR/apply-1.events" "$T_DIR/apply-default.events"
same "apply Git report: the same commits in order, the same files" "$T_DIR/apply-1.git" "$T_DIR/apply-default.git"
check_eq "apply audit log: organization by organization, in inventory order" \
    "$(jq -r '.interfaceName[0:6]' "$T_DIR/apply-1.jsonl" | uniq | tr '\n' ' ')" \
    "$(jq -r '.interfaceName[0:6]' "$T_DIR/apply-default.jsonl" | uniq | tr '\n' ' ')"
check_eq "apply audit log: $K organizations, each once" "$K" \
    "$(jq -r '.interfaceName[0:6]' "$T_DIR/apply-default.jsonl" | uniq | wc -l)"
check_eq "apply: no spool file left beside the audit log (held records appended at their turn)" "" \
    "$(ls -A "$T_DIR/apply-default.jsonl.spool" 2>/dev/null)"

# --- SIGKILL with --parallelism 3 after a create of an organization not first in line: its
# intent record (started) was spooled, fsync'd, beside the log; the next run that opens the log
# (here a drift) appends it, in the sequential order, and removes the spool ---
start_sim --state "$G/state.json" --seed 5 --converge-ms 5000 || { not_ok "vni-sim starts (crash)"; exit 1; }
count_created() {
    sim_admin GET /__sim/requests |
        jq '[.[] | select(.method == "POST" and (.path | endswith("/connections")) and .status == 201)] | length'
}
CL=$T_DIR/crash.jsonl
"$VR" apply -f "$G/inv" --credentials "$G/credentials.yaml" --auto-approve --parallelism 3 "${PM[@]}" \
    --lock-dir "$T_DIR/locks" --audit-log "$CL" >"$T_DIR/crash.out" 2>"$T_DIR/crash.err" </dev/null &
APPLY_PID=$!
T_PIDS+=("$APPLY_PID")
for _ in $(seq 1 500); do
    [ "$(count_created)" -ge 3 ] && break
    kill -0 "$APPLY_PID" 2>/dev/null || break
    sleep 0.02
done
kill -9 "$APPLY_PID" 2>/dev/null
wait "$APPLY_PID" 2>/dev/null
check_eq "crash: the apply was killed while three organizations converged" 137 "$?"
MADE=$(comm -13 <(jq -r '.organizations[].connections[].name' "$G/state.json" | sort) \
    <(sim_admin GET /__sim/state | jq -r '.organizations[].connections[].name' | sort))
check_eq "crash: organizations 1 to 3 each created one interface" "org001 org002 org003" \
    "$(printf '%s\n' "$MADE" | cut -c1-6 | tr '\n' ' ' | sed 's/ $//')"
check_eq "crash: the log holds the intent of the first organization's create only" \
    "$(printf '%s\n' "$MADE" | grep '^org001')" "$(jq -r 'select(.status == "started") | .interfaceName' "$CL")"
check_eq "crash: the others' intents are in their spool files (organizations 2 and 3)" \
    "$(printf '%s\n' "$MADE" | grep -v '^org001')" \
    "$(cat "$CL.spool"/*-1.jsonl "$CL.spool"/*-2.jsonl 2>/dev/null | jq -r 'select(.status == "started") | .interfaceName')"
check_eq "crash: spool folder 0700, spool files 0600" "700 600 600" \
    "$(stat -c %a "$CL.spool" "$CL.spool"/*.jsonl 2>/dev/null | tr '\n' ' ' | sed 's/ $//')"
run_vr drift -f "$G/inv" --credentials "$G/credentials.yaml" --audit-log "$CL"
check_contains "recovery: the next run says how many records it recovered" \
    "recovered 2 records that a killed run had spooled" "$ERR"
check_eq "recovery: every created interface has its intent record in the log, in the sequential order" \
    "$MADE" "$(jq -r 'select(.status == "started") | .interfaceName' "$CL")"
check_eq "recovery: the recovered records come before the drift's own" \
    "vni_provisioning vni_provisioning vni_provisioning drift_check" \
    "$(jq -r '.action' "$CL" | head -4 | tr '\n' ' ' | sed 's/ $//')"
check_eq "recovery: the spool is removed" "" "$(ls -A "$CL.spool" 2>/dev/null)"
check "recovery: every line of the log whole JSON" jq -e -s 'all(.[]; has("eventId"))' "$CL"
run_vr drift -f "$G/inv" --credentials "$G/credentials.yaml" --audit-log "$CL"
check_not_contains "recovery: a run after that recovers nothing" "recovered" "$ERR"
stop_sim
# progress (text format, -v: a line when each step starts too): whole lines, each naming its
# organization (the run covers several)
apply_run apply-text-1 "$G/credentials.yaml" --format text -v --parallelism 1
apply_run apply-text-default "$G/credentials.yaml" --format text -v
check_eq "apply progress: $((2 * K)) lines (start and end of each step)" "$((2 * K))" \
    "$(grep -c '\[1/1\]' "$T_DIR/apply-text-default.err")"
bad=$(grep -v '^vni-reconcile apply' "$T_DIR/apply-text-default.err" |
    grep -Evc '^0000000([1-6])-0000-4000-8000-00000000000\1 \[1/1\] org00\1-vni-00[3-5]: (create\.\.\.|created, converged in [0-9]+ ms)$' || true)
check_eq "apply progress: every line whole and naming its organization" 0 "$bad"
check_eq "apply progress: the same lines as --parallelism 1 (in any order)" \
    "$(grep '\[' "$T_DIR/apply-text-1.err" | sed 's/[0-9]* ms$//' | sort)" \
    "$(grep '\[' "$T_DIR/apply-text-default.err" | sed 's/[0-9]* ms$//' | sort)"

# --- one organization with bad credentials among good ones ---
sed "s|secrets/org-3|secrets/bad|" "$G/credentials.yaml" >"$G/bad-credentials.yaml"
printf 'not-the-secret\n' >"$G/secrets/bad"
chmod 600 "$G/secrets/bad"
B=(-f "$G/inv" --credentials "$G/bad-credentials.yaml")
start_sim --state "$G/state.json" --seed 11 --latency-ms 0-10 || { not_ok "vni-sim starts"; exit 1; }
for p in 1 default; do
    P=()
    [ "$p" = default ] || P=(--parallelism "$p")
    "$VR" plan "${B[@]}" "${P[@]}" --out "$T_DIR/bad-$p.planfile" >"$T_DIR/bad-plan-$p.txt" \
        2>"$T_DIR/bad-plan-$p.err"
    echo $? >"$T_DIR/bad-plan-$p.rc"
    "$VR" drift "${B[@]}" "${P[@]}" --format json >"$T_DIR/bad-drift-$p.json" 2>"$T_DIR/bad-drift-$p.err"
    echo $? >"$T_DIR/bad-drift-$p.rc"
done
stop_sim
check_eq "bad credentials: plan exits 1 with --parallelism 1 and the default" "1 1" \
    "$(cat "$T_DIR/bad-plan-1.rc") $(cat "$T_DIR/bad-plan-default.rc")"
check_eq "bad credentials: the other $((K - 1)) organizations are planned" "$((K - 1))" \
    "$(grep -c '^organization ' "$T_DIR/bad-plan-default.txt")"
check_not_contains "bad credentials: the failed organization is not in the plan" "$ORG3" \
    "$(cat "$T_DIR/bad-plan-default.txt")"
check_contains "bad credentials: stderr names the organization" "organization $ORG3:" \
    "$(cat "$T_DIR/bad-plan-default.err")"
check_contains "bad credentials: and why" "HTTP 401" "$(cat "$T_DIR/bad-plan-default.err")"
check_contains "bad credentials: no plan file is saved" "the plan was not saved" \
    "$(cat "$T_DIR/bad-plan-default.err")"
check "bad credentials: no plan file left" test ! -e "$T_DIR/bad-default.planfile"
same "bad credentials: plan text as with --parallelism 1" "$T_DIR/bad-plan-1.txt" "$T_DIR/bad-plan-default.txt"
check_eq "bad credentials: drift exits 1 with --parallelism 1 and the default" "1 1" \
    "$(cat "$T_DIR/bad-drift-1.rc") $(cat "$T_DIR/bad-drift-default.rc")"
check_eq "bad credentials: drift reports the other $((K - 1))" "$((K - 1))" \
    "$(jq '.organizations | length' "$T_DIR/bad-drift-default.json")"
same "bad credentials: drift JSON as with --parallelism 1" "$T_DIR/bad-drift-1.json" "$T_DIR/bad-drift-default.json"
check_not_contains "bad credentials: no secret printed" "not-the-secret" \
    "$(cat "$T_DIR"/bad-*.err "$T_DIR"/bad-*.txt)"

apply_run bad-apply-1 "$G/bad-credentials.yaml" --parallelism 1
apply_run bad-apply-default "$G/bad-credentials.yaml"
check_eq "bad credentials: apply exits 1 with --parallelism 1 and the default" "1 1" \
    "$(cat "$T_DIR/bad-apply-1.rc") $(cat "$T_DIR/bad-apply-default.rc")"
check_eq "bad credentials: the others applied, the failed one untouched" \
    "$(jq -r '.organizations[] | "\(.id) \(.connections | length)"' "$G/state.json" |
        while read -r id n; do
            if [ "$id" = "$ORG3" ]; then echo "$id $n"; else echo "$id $((n + 1))"; fi
        done)" "$(cat "$T_DIR/bad-apply-default.live")"
check_eq "bad credentials: apply result lists the $((K - 1)) that ran" "$((K - 1))" \
    "$(jq '.organizations | length' "$T_DIR/bad-apply-default.result")"
same "bad credentials: apply result as with --parallelism 1" "$T_DIR/bad-apply-1.result" "$T_DIR/bad-apply-default.result"
same "bad credentials: audit log as with --parallelism 1" "$T_DIR/bad-apply-1.records" "$T_DIR/bad-apply-default.records"
same "bad credentials: Git report as with --parallelism 1" "$T_DIR/bad-apply-1.git" "$T_DIR/bad-apply-default.git"
t_done
