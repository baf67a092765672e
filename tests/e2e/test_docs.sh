#!/usr/bin/env bash
# End-to-end: the user's documentation keeps up with the binary. Every long option of every
# command's --help is in docs/cli.md and the man page; the exit-code table agrees with the
# exit codes each --help names; environment variables the code reads, regions and metric
# names are documented; command lines in the docs and CI examples use only options the
# command has; the man page renders without warnings; `make install` installs the binaries
# and the man page; the CI examples parse as YAML and keep secrets off command lines.
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1

CLI=docs/cli.md
MAN=docs/vni-reconcile.1
COMMANDS="validate plan apply drift export version"

skip() { T_N=$((T_N + 1)); echo "ok $T_N # skip $1"; }

# in_cli OPTION: --name in cli.md, not as the prefix of a longer option
in_cli() { grep -qE -- "$1([^a-z0-9-]|\$)" "$CLI"; }
# in_man OPTION: the same in the roff source, where '-' is written '\-' (or '-')
in_man() {
    local re
    re=$(printf '%s' "$1" | sed 's/-/(\\\\-|-)/g')
    grep -qE -- "$re([^a-z0-9\\\\-]|\$)" "$MAN"
}
# help_opts CMD: the long options its --help prints
help_opts() { "$VR" "$1" --help 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u; }
# help_exit_codes CMD: the exit codes its --help names ("exit: 0 ..., 1 ..." lines)
help_exit_codes() {
    "$VR" "$1" --help 2>/dev/null | awk '
        tolower($0) ~ /^exit( codes)?:/ { on = 1 }
        on && /^$/ { on = 0 }
        on { print }' |
        grep -oE '(^ *|[:,] +)[0-9]( |$)' | grep -oE '[0-9]' | sort -u
}
# cli_cell CODE COMMAND: the cell of cli.md's exit-code table for that code and command
cli_cell() {
    awk -F'|' -v code="$1" -v cmd="$2" '
        /^\| *code *\|/ { for (i = 2; i < NF; i++) { h = $i; gsub(/ /, "", h); col[h] = i }; intable = 1; next }
        intable && !/^\|/ { intable = 0 }
        intable { c = $2; gsub(/ /, "", c); if (c == code) { v = $(col[cmd]); gsub(/^ +| +$/, "", v); print v; exit } }' "$CLI"
}

# ---- the files exist ----
for f in "$CLI" "$MAN" docs/plan-file.md docs/audit.md docs/ci.md docs/ci/github-actions-plan.yml \
    docs/ci/github-actions-apply.yml docs/ci/github-actions-drift.yml docs/ci/gitlab-ci.yml; do
    if [ -s "$f" ]; then ok "$f exists"; else not_ok "$f exists"; fi
done

# ---- every command of `help`, in cli.md and in the man page ----
listed=$("$VR" help | awk '/^commands:/ { on = 1; next } on && /^$/ { on = 0 } on { print $1 }')
check_contains "help lists the commands" "validate" "$listed"
for c in $listed; do
    [ "$c" = help ] && continue
    if grep -qE "^## $c\$" "$CLI"; then ok "cli.md has a section for $c"; else not_ok "cli.md has a section for $c"; fi
    if grep -qE "^\\.B $c\$" "$MAN"; then ok "man page has an entry for $c"; else not_ok "man page has an entry for $c"; fi
done

# ---- every long option of every --help ----
for c in $COMMANDS; do
    opts=$(help_opts "$c")
    if [ -z "$opts" ]; then not_ok "$c --help prints options"; continue; fi
    missing_cli="" missing_man=""
    for o in $opts; do
        in_cli "$o" || missing_cli="$missing_cli $o"
        in_man "$o" || missing_man="$missing_man $o"
    done
    check_eq "cli.md documents every option of $c --help" "" "$missing_cli"
    check_eq "the man page documents every option of $c --help" "" "$missing_man"
done
# short options too (-f, -q, -v, -h)
for s in $(for c in $COMMANDS; do "$VR" "$c" --help; done | grep -oE '^ +-[a-z],' | tr -d ' ,' | sort -u); do
    if grep -qE -- "\`$s\`|\`$s " "$CLI"; then ok "cli.md documents $s"; else not_ok "cli.md documents $s"; fi
    if grep -qE -- "\\\\$s( |\"|\$)" "$MAN"; then ok "man page documents $s"; else not_ok "man page documents $s"; fi
done

# ---- exit codes: cli.md's table against each --help, and the man page ----
for c in plan apply drift validate export; do
    codes=$(help_exit_codes "$c" | tr '\n' ' ')
    case "$codes" in *0*) ;; *) not_ok "$c --help names its exit codes" "got: $codes"; continue ;; esac
    for code in 0 1 2 3; do
        cell=$(cli_cell "$code" "$c")
        case " $codes " in
        *" $code "*)
            if [ -n "$cell" ] && [ "$cell" != "—" ] && [ "$cell" != "-" ]; then
                ok "exit table: $c exit $code is described"
            else
                not_ok "exit table: $c exit $code is described" "$c --help names exit $code; cli.md says: '$cell'"
            fi ;;
        *)
            if [ "$cell" = "—" ] || [ "$cell" = "-" ]; then
                ok "exit table: $c has no exit $code"
            else
                not_ok "exit table: $c has no exit $code" "$c --help does not name exit $code; cli.md says: '$cell'"
            fi ;;
        esac
    done
done
man_exit=$(awk '/^\.SH EXIT STATUS/ { on = 1; next } /^\.SH/ { on = 0 } on && prev == ".TP" && /^\.B [0-9]$/ { print $2 } { prev = $0 }' "$MAN" | tr '\n' ' ')
check_eq "man page EXIT STATUS lists 0 1 2 3" "0 1 2 3 " "$man_exit"

# ---- the man page: sections, rendering ----
for sec in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS ENVIRONMENT "EXIT STATUS" FILES EXAMPLES "SEE ALSO"; do
    if grep -qxF ".SH $sec" "$MAN"; then ok "man page has $sec"; else not_ok "man page has $sec"; fi
done
if command -v man >/dev/null 2>&1 && command -v nroff >/dev/null 2>&1; then
    warn=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$MAN" 2>&1 >/dev/null)
    check_eq "man -l renders the man page without warnings" "" "$warn"
    text=$(LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$MAN" 2>/dev/null)
    check_contains "the rendered man page shows the synopsis" "vni-reconcile plan -f PATH..." "$text"
elif command -v groff >/dev/null 2>&1; then
    warn=$(groff -man -Tutf8 -ww -z "$MAN" 2>&1)
    check_eq "groff renders the man page without warnings" "" "$warn"
    skip "man is not installed (rendered with groff only)"
else
    skip "neither man nor groff is installed: the man page was not rendered"
    skip "neither man nor groff is installed"
fi

# ---- environment variables: the ones the code reads, and the ones the spec names ----
man_env=$(awk '/^\.SH ENVIRONMENT/ { on = 1; next } /^\.SH/ { on = 0 } on && /^\.BR? / { print }' "$MAN")
code_env=$(grep -rhoE 'getenv\("[A-Z_]+"\)' model desired live reconcile cmd | sed 's/getenv("\(.*\)")/\1/' | sort -u)
check_contains "the code reads GENESYSCLOUD_API_URL (the scan works)" "GENESYSCLOUD_API_URL" "$code_env"
for v in $code_env GENESYSCLOUD_OAUTHCLIENT_ID GENESYSCLOUD_OAUTHCLIENT_SECRET GENESYSCLOUD_ACCESS_TOKEN; do
    if grep -qE "(^|[^A-Z_])$v([^A-Z_]|\$)" "$CLI"; then ok "cli.md documents $v"; else not_ok "cli.md documents $v"; fi
    if printf '%s\n' "$man_env" | grep -qE "(^|[^A-Z_])$v([^A-Z_]|\$)"; then ok "man page ENVIRONMENT has $v"; else not_ok "man page ENVIRONMENT has $v"; fi
done
# the credential variables are read through a helper: check the code still names them
for v in GENESYSCLOUD_OAUTHCLIENT_ID GENESYSCLOUD_OAUTHCLIENT_SECRET GENESYSCLOUD_ACCESS_TOKEN; do
    check "live/ still reads $v" grep -q "\"$v\"" live/vr_auth.c
done

# ---- regions: every entry of the code's table, with its domain ----
regions=$(grep -oE '\{"[a-z0-9-]+", "[a-z0-9.-]+"\}' model/vr_regions.c | sed 's/[{}",]//g')
n=$(printf '%s\n' "$regions" | grep -c .)
check_eq "the region table has 17 regions" 17 "$n"
missing=""
man_flat=$(tr '\n' ' ' <"$MAN")
while read -r name domain; do
    [ -n "$name" ] || continue
    grep -qF "| $name | $domain |" "$CLI" || missing="$missing $name"
    printf '%s' "$man_flat" | grep -qF "$name $domain" || missing="$missing man:$name"
done <<<"$regions"
check_eq "every region and its domain is documented" "" "$missing"

# ---- metric names ----
metrics=$(grep -oE '#define VR_METRIC_[A-Z_]+ "[a-z_]+"' report/vr_metrics.h | grep -oE '"[a-z_]+"' | tr -d '"')
check_contains "the metrics header names metrics (the scan works)" "vni_reconcile_actions_total" "$metrics"
missing=""
for m in $metrics; do
    grep -qF "$m" "$CLI" || missing="$missing cli:$m"
    grep -qF "$m" docs/audit.md || missing="$missing audit:$m"
done
check_eq "every metric is in cli.md and audit.md" "" "$missing"

# ---- error codes: the tool's own come from model/vr_errcode.h, and cli.md lists each ----
codes=$(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' model/vr_errcode.h |
    grep -oE '^#define VR_ERR_[A-Z_]+ +"[a-z0-9_.]+"' | grep -oE '"[a-z0-9_.]+"' | tr -d '"')
check_contains "vr_errcode.h names codes (the scan works, continued lines too)" "plan.invalid" "$codes"
missing=""
for c in $codes; do grep -qF "| \`$c\` |" "$CLI" || missing="$missing $c"; done
check_eq "every code of vr_errcode.h is in cli.md's error-code table" "" "$missing"
literal=$(grep -nE 'vr_error_set\([^,]+, *"' model/*.c desired/*.c live/*.c reconcile/*.c report/*.c cmd/*.c)
check_eq "no code is set as a string literal outside vr_errcode.h" "" "$literal"

# ---- audit record fields and webhook headers (docs/api.md §9, §8) ----
line=$(grep -oE '"eventId".*' report/vr_audit.h | head -1)
for k in eventId runId timestamp action interfaceName interfaceId status latencyMs uptimeRate correlationIds error; do
    if grep -qF "| \`$k\` |" docs/audit.md; then ok "audit.md describes $k"; else not_ok "audit.md describes $k"; fi
done
for h in X-Vni-Event X-Vni-Delivery X-Vni-Signature-256; do
    check "vr_webhook.h still sends $h" grep -q "$h" report/vr_webhook.h
    if grep -qF "$h" "$CLI" && grep -qF "$h" docs/audit.md; then ok "$h documented"; else not_ok "$h documented"; fi
done

# ---- command lines in the docs and CI examples use real options ----
# Joins continued lines, finds "vni-reconcile CMD ...", and checks each --option against CMD --help.
bad=""
for f in "$CLI" docs/ci.md docs/plan-file.md docs/audit.md docs/inventory.md docs/ci/*.yml; do
    while read -r cmd rest; do
        opts=$(help_opts "$cmd")
        for o in $(printf '%s\n' "$rest" | grep -oE -- '(^|[ =("])--[a-z][a-z0-9-]*' | grep -oE -- '--[a-z][a-z0-9-]*'); do
            printf '%s\n' "$opts" | grep -qxF -- "$o" || bad="$bad $f:$cmd:$o"
        done
    done < <(awk '{ if (sub(/\\$/, "")) { buf = buf $0 " "; next } print buf $0; buf = "" }' "$f" |
        grep -oE 'vni-reconcile (validate|plan|apply|drift|export|version)( [^`|#]*)?' | sed 's/^vni-reconcile //')
done
check_eq "command lines in the docs use options their command has" "" "$bad"

# ---- CI examples: YAML, and secrets never on a command line ----
yaml_tool=""
if command -v python3 >/dev/null 2>&1 && python3 -c 'import yaml' 2>/dev/null; then
    yaml_tool=python3
elif command -v ruby >/dev/null 2>&1 && ruby -ryaml -e '1' 2>/dev/null; then
    yaml_tool=ruby
fi
for y in docs/ci/*.yml; do
    case "$yaml_tool" in
    python3)
        # GitLab's !reference tag is accepted as a plain sequence
        if err=$(python3 - "$y" 2>&1 <<'EOF'
import sys, yaml
class L(yaml.SafeLoader): pass
L.add_constructor('!reference', lambda l, n: l.construct_sequence(n))
doc = yaml.load(open(sys.argv[1]), Loader=L)
assert isinstance(doc, dict) and doc, "not a mapping"
EOF
        ); then ok "$y parses as YAML"; else not_ok "$y parses as YAML" "$err"; fi ;;
    ruby)
        if err=$(ruby -ryaml -e 'd = YAML.safe_load(File.read(ARGV[0]), aliases: true); raise "not a mapping" unless d.is_a?(Hash)' "$y" 2>&1); then
            ok "$y parses as YAML"
        else
            not_ok "$y parses as YAML" "$err"
        fi ;;
    *) skip "no YAML parser (python3 with PyYAML, or ruby): $y not parsed" ;;
    esac
    leaks=$(awk '{ if (sub(/\\$/, "")) { buf = buf $0 " "; next } print buf $0; buf = "" }' "$y" |
        grep -E 'vni-reconcile (validate|plan|apply|drift|export)' | grep -E 'secrets\.|secrets\[|\$\{?[A-Z_]*(SECRET|TOKEN)' || true)
    check_eq "$y: no secret on a vni-reconcile command line" "" "$leaks"
done
for y in docs/ci/github-actions-*.yml; do
    # a secret in a GitHub workflow only in an env: mapping ("NAME: ${{ secrets.X }}")
    leaks=$(grep -nE 'secrets[.[]' "$y" | grep -vE '^[0-9]+: +[A-Z_]+: \$\{\{ secrets[.[][^}]*\}\}$' || true)
    check_eq "$y: secrets only in env mappings" "" "$leaks"
done
check_contains "the plan workflow uses --detailed-exitcode" "--detailed-exitcode" "$(cat docs/ci/github-actions-plan.yml)"
# shellcheck disable=SC2016  # single quotes on purpose: the $ is for jq, GitHub or the inner shell
check_contains "the drift workflow shards" '--shard "${{ matrix.shard }}/4"' "$(cat docs/ci/github-actions-drift.yml)"
check_contains "the GitLab drift job uses parallel:" "parallel: 4" "$(cat docs/ci/gitlab-ci.yml)"

# ---- make install ----
BUILD_DIR=$(dirname "$VR_BIN")
case "$BUILD_DIR" in "$ROOT"/*) BUILD_DIR=${BUILD_DIR#"$ROOT"/} ;; esac
MAKE_ARGS=(BUILD="$BUILD_DIR")
# the asan tree is built with the sanitizer flags of `make asan`: keep them, so that the build
# step of install has nothing to redo (or redoes it the same way)
case "$BUILD_DIR" in
*asan) MAKE_ARGS+=(SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" CFLAGS="-O1 -g") ;;
esac
DEST=$T_DIR/destdir
if make -s -C "$ROOT" install DESTDIR="$DEST" PREFIX=/usr "${MAKE_ARGS[@]}" >"$T_DIR/install.out" 2>&1; then
    ok "make install DESTDIR=... PREFIX=/usr succeeds"
else
    not_ok "make install DESTDIR=... PREFIX=/usr succeeds" "$(tail -20 "$T_DIR/install.out")"
fi
for f in bin/vni-reconcile bin/vni-sim; do
    if [ -x "$DEST/usr/$f" ]; then ok "installs $f (executable)"; else not_ok "installs $f (executable)"; fi
done
if [ -f "$DEST/usr/share/man/man1/vni-reconcile.1" ] && cmp -s "$DEST/usr/share/man/man1/vni-reconcile.1" "$MAN"; then
    ok "installs share/man/man1/vni-reconcile.1"
else
    not_ok "installs share/man/man1/vni-reconcile.1"
fi
out=$("$DEST/usr/bin/vni-reconcile" version 2>&1)
check_contains "the installed binary runs" "vni-reconcile " "$out"
ver=$(sed -n 's/^VERSION *:= *//p' Makefile)
check_contains "the man page names the version of the Makefile ($ver)" "\"vni-reconcile $ver\"" "$(sed -n 1,3p "$MAN")"

t_done
