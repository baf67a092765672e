#!/usr/bin/env bash
# Benchmarks, run by `make bench` (which builds first). Each section prints its figures;
# docs/benchmarks.md records them with the machine they were taken on. Sections are appended
# below; generated inputs live in a temporary folder that is removed at the end.
set -eu
cd "$(dirname "$0")/.."
BIN=${VR_BIN:-build/bin}
BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/vr-bench.XXXXXX")
trap 'rm -rf "$BENCH_TMP"' EXIT
RUNS=${BENCH_RUNS:-5}

# bench_ms COMMAND... : runs the command RUNS times (output discarded); prints the wall-clock
# milliseconds of each run, sorted, one line.
bench_ms() {
    local i t0 t1 times=()
    for ((i = 0; i < RUNS; i++)); do
        t0=$(date +%s%N)
        "$@" >/dev/null 2>&1 || true
        t1=$(date +%s%N)
        times+=($(((t1 - t0) / 1000000)))
    done
    printf '%s\n' "${times[@]}" | sort -n | tr '\n' ' '
}

# summary LABEL "MS MS MS..." : min and median.
summary() {
    local -a t
    read -r -a t <<<"$2"
    printf '%-52s min %5d ms   median %5d ms   (%d runs)\n' "$1" "${t[0]}" "${t[$((${#t[@]} / 2))]}" "${#t[@]}"
}

echo "== vni-reconcile benchmarks ($(uname -m), $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ))"

## validate: load and check a 100,000-interface inventory (one organization, one file)
bash bench/gen_inventory.sh 100000 >"$BENCH_TMP/inventory-100k.yaml"
"$BIN/vni-reconcile" validate -q -f "$BENCH_TMP/inventory-100k.yaml" || {
    echo "validate: the generated inventory is not valid" >&2
    exit 1
}
V_MS=$(bench_ms "$BIN/vni-reconcile" validate -q -f "$BENCH_TMP/inventory-100k.yaml")
summary "validate -f (100,000 interfaces, $(($(stat -c %s "$BENCH_TMP/inventory-100k.yaml") / 1048576)) MiB)" "$V_MS"
# the baseline, same file, same run: libyaml's event parser alone (bench/yaml_parse.c)
P_MS=$(bench_ms "$BIN/../bench/yaml_parse" "$BENCH_TMP/inventory-100k.yaml")
summary "  libyaml's parser alone, same file" "$P_MS"
read -r -a v <<<"$V_MS"
read -r -a p <<<"$P_MS"
awk -v v="${v[$((${#v[@]} / 2))]}" -v p="${p[$((${#p[@]} / 2))]}" \
    'BEGIN { printf "  validate over the parser alone (medians): x%.2f\n", v / p }'
TMP=$BENCH_TMP
. bench/lib.sh
peak "$BENCH_TMP/validate" "$BIN/vni-reconcile" validate -q -f "$BENCH_TMP/inventory-100k.yaml"
echo "  peak memory of validate: $(mib "$PEAK_KIB") MiB (goal: under 64 MiB); exit $PEAK_RC"

## plan: 10,000 interfaces against 10,000 live connections (bench/bench_plan.sh)
VR_BIN=$BIN bash bench/bench_plan.sh "${BENCH_PLAN_N:-10000}"

## apply: N interfaces against vni-sim, convergence delays of a few hundred ms (bench/bench_apply.sh)
VR_BIN=$BIN bash bench/bench_apply.sh "${BENCH_APPLY_N:-20}"

## many organizations: drift and plan over 100, apply over 20, by --parallelism (bench/bench_parallel.sh)
VR_BIN=$BIN BENCH_RUNS=${BENCH_PARALLEL_RUNS:-3} bash bench/bench_parallel.sh
## patience: the same apply against `vni-sim --rate-429 0.3 --rate-5xx 0.1`, RUNS times, beside
## runs without faults (bench/bench_patience.sh)
VR_BIN=$BIN bash bench/bench_patience.sh "${BENCH_PATIENCE_N:-20}"
## drift --format html: the page's size at 1,000 interfaces and 30 checks, its time against
## --format json, Chromium's load against a blank page (bench/bench_drift_html.sh)
VR_BIN=$BIN bash bench/bench_drift_html.sh 1000 30
