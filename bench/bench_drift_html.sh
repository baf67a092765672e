#!/usr/bin/env bash
# The drift page at scale: N generated interfaces (default 1,000) live in vni-sim, 1% of them
# missing, 1% different, 1% not active, plus 5 unmanaged; a history of H drift checks
# (default 30, the --history default) committed to an audit repository first. Prints the size
# of `drift --format html` (and of JSON and Markdown for comparison), the time to make it
# against `--format json` of the same run (the baseline), and, when chromium is installed
# (scripts/deps.sh --browser), the time headless Chromium takes to load and lay it out.
# Usage: bench/bench_drift_html.sh [N] [H]. Needs VR_BIN (build/bin); BENCH_HTML_OUT=FILE keeps
# the page.
set -eu
cd "$(dirname "$0")/.."
BIN=${VR_BIN:-build/bin}
N=${1:-1000}
H=${2:-30}
RUNS=${BENCH_RUNS:-5}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vr-bench-html.XXXXXX")
SIM=""
cleanup() {
    if [ -n "$SIM" ]; then kill "$SIM" 2>/dev/null || true; wait "$SIM" 2>/dev/null || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT

bash bench/gen_inventory.sh "$N" >"$TMP/inventory.yaml"
# The live state: every interface of the inventory, but for the last 1% (missing); 1% with
# another remoteIp (different), 1% provisioning (not active); 5 connections not in it.
awk -v n="$N" '
    /^  - name: / { name = $3 } /^    localIp: / { l = $2 } /^    remoteIp: / { r = $2 }
    /^    subnetCidr: / {
        i++; if (i > n - n / 100) next
        if (i % 100 == 1) r = "192.0.2.1"
        st = (i % 100 == 2) ? "provisioning" : "active"
        printf "%s{\"name\":\"%s\",\"localIp\":\"%s\",\"remoteIp\":\"%s\",\"subnetCidr\":\"%s\",", sep, name, l, r, $2
        printf "\"dnsServers\":[\"8.8.8.8\",\"8.8.4.4\"],\"routingTableId\":\"rt-core\",\"state\":\"%s\"}", st
        sep = ",\n"
    }
    END {
        for (u = 1; u <= 5; u++)
            printf ",\n{\"name\":\"hand-made-%d\",\"localIp\":\"172.16.%d.1\",\"remoteIp\":\"198.51.100.%d\",\"subnetCidr\":\"172.16.%d.0/24\",\"dnsServers\":[\"8.8.8.8\"],\"routingTableId\":\"rt-core\"}", u, u, u, u
    }' "$TMP/inventory.yaml" >"$TMP/connections.json"
{
    printf '{"organizations":[{"id":"a1b2c3d4-e5f6-7890-abcd-ef1234567890","limit":%d,' $((N * 2))
    printf '"routingTables":["rt-core"],"connections":[\n'
    cat "$TMP/connections.json"
    printf ']}],"clients":[{"id":"vni-demo","secret":"vni-demo-secret",'
    printf '"organizationId":"a1b2c3d4-e5f6-7890-abcd-ef1234567890",'
    printf '"scopes":["privateconnectivity:read","privateconnectivity:write","interface:read"]}]}\n'
} >"$TMP/state.json"

"$BIN/vni-sim" --listen 127.0.0.1:0 --state "$TMP/state.json" >"$TMP/sim.out" 2>"$TMP/sim.err" &
SIM=$!
for _ in $(seq 1 200); do
    grep -q '^vni-sim listening on ' "$TMP/sim.out" 2>/dev/null && break
    sleep 0.05
done
export GENESYSCLOUD_API_URL
GENESYSCLOUD_API_URL=$(sed -n 's/^vni-sim listening on //p' "$TMP/sim.out" | head -n1)
[ -n "$GENESYSCLOUD_API_URL" ] || { echo "bench_drift_html: vni-sim did not start: $(cat "$TMP/sim.err")" >&2; exit 1; }
export GENESYSCLOUD_OAUTHCLIENT_ID=vni-demo GENESYSCLOUD_OAUTHCLIENT_SECRET=vni-demo-secret

git init -q -b main "$TMP/audit"
DRIFT=("$BIN/vni-reconcile" drift -f "$TMP/inventory.yaml" --audit-repo "$TMP/audit" --history "$H")
for ((i = 1; i < H; i++)); do "${DRIFT[@]}" -q >/dev/null; done # the history: H-1 checks

"${DRIFT[@]}" --format html >"$TMP/page.html"
"${DRIFT[@]}" --format json >"$TMP/page.json"
"${DRIFT[@]}" --format markdown >"$TMP/page.md"
marks=$(grep -o '" x="' "$TMP/page.html" | wc -l)
# BENCH_HTML_OUT=FILE keeps a copy of the page to look at.
if [ -n "${BENCH_HTML_OUT:-}" ]; then cp "$TMP/page.html" "$BENCH_HTML_OUT"; fi
kib() { echo $(($(stat -c %s "$1") / 1024)); }
printf 'drift --format html, %d interfaces, %d checks: %d KiB (%d marks); json %d KiB, markdown %d KiB\n' \
    "$N" "$H" "$(kib "$TMP/page.html")" "$marks" "$(kib "$TMP/page.json")" "$(kib "$TMP/page.md")"

# time: html against json of the same report; both runs read the history and commit their
# report (latest.html included), so the difference is the page written to stdout
median_ms() {
    local i t0 t1 times=()
    for ((i = 0; i < RUNS; i++)); do
        t0=$(date +%s%N)
        "$@" >/dev/null 2>&1 || true
        t1=$(date +%s%N)
        times+=($(((t1 - t0) / 1000000)))
    done
    printf '%s\n' "${times[@]}" | sort -n | sed -n "$((RUNS / 2 + 1))p"
}
html_ms=$(median_ms "${DRIFT[@]}" --format html)
json_ms=$(median_ms "${DRIFT[@]}" --format json)
printf 'drift --format html: median %d ms; --format json (baseline, same run): median %d ms; ratio x%s\n' \
    "$html_ms" "$json_ms" "$(awk -v a="$html_ms" -v b="$json_ms" 'BEGIN { printf "%.2f", b ? a / b : 0 }')"

if command -v chromium >/dev/null; then
    load() {
        timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
            --disable-background-networking --disable-component-update --disable-sync \
            --user-data-dir="$(mktemp -d "$TMP/profile.XXXXXX")" --dump-dom "file://$1" >/dev/null 2>&1
    }
    printf '<!DOCTYPE html><html lang="en"><head><title>blank</title></head><body></body></html>\n' >"$TMP/blank.html"
    page_ms=$(median_ms load "$TMP/page.html")
    blank_ms=$(median_ms load "$TMP/blank.html")
    printf 'chromium --headless --dump-dom: the page median %d ms; a blank page (baseline) median %d ms\n' \
        "$page_ms" "$blank_ms"
else
    echo "chromium not installed (scripts/deps.sh --browser): page load not measured"
fi
