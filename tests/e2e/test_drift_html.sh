#!/usr/bin/env bash
# drift --format html as a person sees it: the page of a drift with every kind of finding (and
# a history of four checks in which one interface went missing, not active, ok, different) is
# rendered in headless Chromium; the DOM it dumps has the counts, the names, the history
# marks in order, and the hostile strings from the platform as text (no injected element); a
# screenshot is not blank; light and dark differ; it prints to PDF; tidy finds nothing to say.
# With --audit-repo the branch gets drift/<org>/latest.html and index.html listing every
# organization, the one already on the branch included. Chromium and tidy are installed by
# scripts/deps.sh --browser when this test runs; without them the test fails.
. "$(dirname "$0")/lib.sh"

ORG=a1b2c3d4-e5f6-7890-abcd-ef1234567890
OTHER=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0
INV=$FIX/drift/inventory.yaml
HOSTILE="<script>alert(1)</script> & \"q\" 's"
export GENESYSCLOUD_OAUTHCLIENT_ID=vni-demo GENESYSCLOUD_OAUTHCLIENT_SECRET=vni-demo-secret
unset GENESYSCLOUD_ACCESS_TOKEN GENESYSCLOUD_REGION NO_COLOR

# --- the browser and the validator ---
if "$ROOT/scripts/deps.sh" --browser >"$T_DIR/deps.log" 2>&1 && command -v chromium >/dev/null &&
    command -v tidy >/dev/null; then
    ok "chromium and tidy are installed (scripts/deps.sh --browser)"
else
    not_ok "chromium and tidy are installed (scripts/deps.sh --browser)" "$(tail -5 "$T_DIR/deps.log")"
    exit 1
fi
# browse ARGS... URL: headless Chromium with a throw-away profile, no network of its own.
browse() {
    timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$(mktemp -d "$T_DIR/profile.XXXXXX")" "$@" 2>>"$T_DIR/chromium.err"
}
# png_size FILE: "WIDTHxHEIGHT" from the PNG header (empty when it is not a PNG).
png_size() {
    [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || return 0
    local w h
    w=$(od -An -tu1 -j16 -N4 "$1" | awk '{print $1*16777216 + $2*65536 + $3*256 + $4}')
    h=$(od -An -tu1 -j20 -N4 "$1" | awk '{print $1*16777216 + $2*65536 + $3*256 + $4}')
    echo "${w}x${h}"
}
bytes() { wc -c <"$1" | tr -d ' '; }

# --- a history of four checks on an audit branch that already holds another organization ---
# shellcheck disable=SC2119  # start_sim takes optional arguments; none here on purpose
start_sim || { not_ok "vni-sim starts"; exit 1; }
REPO=$T_DIR/audit
git init -q -b main "$REPO"
git -C "$REPO" -c user.name=t -c user.email=t@localhost commit -q --allow-empty -m init
git clone -q "$REPO" "$T_DIR/seed" 2>/dev/null
mkdir -p "$T_DIR/seed/drift/$OTHER"
cat >"$T_DIR/seed/drift/$OTHER/latest.json" <<EOF
{"formatVersion": 1, "command": "drift", "organization": "$OTHER",
 "createdAt": "2026-01-02T03:04:05.000Z", "interfaces": [],
 "summary": {"interfaces": 9, "unchanged": 8, "missing": 0, "different": 1, "unmanaged": 0,
             "notActive": 0, "ignoredInterfaces": 0, "ignoredFields": 0, "drift": true}}
EOF
git -C "$T_DIR/seed" checkout -q -b vni-audit
git -C "$T_DIR/seed" add drift
git -C "$T_DIR/seed" -c user.name=t -c user.email=t@localhost commit -q -m "other org"
git -C "$T_DIR/seed" push -q origin vni-audit 2>/dev/null

sim_insert "$ORG" drift-ok 10.40.1.1 203.0.113.41 10.40.1.0/24 8.8.8.8 fine >/dev/null
IDLE_ID=$(sim_insert "$ORG" drift-idle 10.40.4.1 203.0.113.44 10.40.4.0/24 8.8.8.8 "" provisioning)
sim_insert "$ORG" stray-01 10.40.9.1 203.0.113.49 10.40.9.0/24 8.8.8.8 "" active rt-edge >/dev/null
run_vr drift -f "$INV" --audit-repo "$REPO" # check 1: drift-diff missing
check_eq "check 1 committed" 0 "$RC"
DIFF_ID=$(sim_insert "$ORG" drift-diff 10.40.3.1 203.0.113.43 10.40.3.0/24 8.8.8.8 wanted provisioning)
run_vr drift -f "$INV" --audit-repo "$REPO" # check 2: drift-diff not active
sim_admin PATCH "/__sim/connections/$DIFF_ID" '{"state": "active"}' >/dev/null
run_vr drift -f "$INV" --audit-repo "$REPO" # check 3: drift-diff ok
# check 4: drift-diff different, with hostile strings wherever the platform sets them
sim_admin PATCH "/__sim/connections/$DIFF_ID" \
    "$(jq -cn --arg d "$HOSTILE" '{remoteIp: "203.0.113.99", description: $d}')" >/dev/null
sim_admin PATCH "/__sim/connections/$IDLE_ID" '{"state": "<marquee>bad</marquee> & <iframe>worse</iframe>"}' >/dev/null
sim_insert "$ORG" '<img src=x onerror=alert(2)>' 10.40.8.1 203.0.113.48 10.40.8.0/24 8.8.8.8 \
    "" failed >/dev/null
run_vr drift -f "$INV" --audit-repo "$REPO" --format html --exit-code
check_eq "drift --format html --exit-code: exit 2 (drift)" 2 "$RC"
printf '%s\n' "$OUT" >"$T_DIR/page.html"
check_eq "the page is the only thing on stdout: one document" "1 1" \
    "$(grep -c '^<!DOCTYPE html>$' "$T_DIR/page.html") $(grep -c '^</html>$' "$T_DIR/page.html")"
check_not_contains "self-contained: no URL of anything outside the file" "://" "$OUT"
check_not_contains "self-contained: no url() in the CSS" "url(" "$OUT"

# --- what the browser makes of it ---
browse --dump-dom "file://$T_DIR/page.html" >"$T_DIR/dom.html"
DOM=$(cat "$T_DIR/dom.html")
check_contains "dom: the browser built the page" '<h1>vni-reconcile drift</h1>' "$DOM"
check_contains "dom: summary" "Drift: 1 missing, 1 different, 2 unmanaged, 2 not active; 1 unchanged" "$DOM"
for c in missing:1 different:1 unmanaged:2 not_active:2 ok:1; do
    check_contains "dom: count ${c%%:*} is ${c#*:}" "<li class=\"c-${c%%:*}\"><b>${c#*:}</b>" "$DOM"
done
for n in drift-diff drift-idle drift-missing drift-ok stray-01; do
    check_contains "dom: $n is listed" "<th scope=\"row\">$n" "$DOM"
done
check_eq "dom: rows and their states (attention first, then ok)" \
    "different:drift-diff not_active:drift-idle missing:drift-missing ok:drift-ok" \
    "$(sed -n 's/.*<tr class="if" data-state="\([a-z_]*\)"><th scope="row">\([a-z-]*\).*/\1:\2/p' "$T_DIR/dom.html" | tr '\n' ' ' | sed 's/ $//')"
# marks in the history strip of a row: the shapes, oldest first
marks() { grep "<th scope=\"row\">$1<" "$T_DIR/dom.html" | sed 's/.*<svg class="strip"//' |
    grep -o 'href="#m-[a-z_]*"' | sed 's/href="#m-//; s/"//' | tr '\n' ' ' | sed 's/ $//'; }
check_eq "dom: drift-diff's history: missing, not active, ok, different" \
    "missing not_active ok different" "$(marks drift-diff)"
check_eq "dom: drift-ok's history: four ok" "ok ok ok ok" "$(marks drift-ok)"
check_eq "dom: drift-missing's history: four missing" "missing missing missing missing" "$(marks drift-missing)"
check_contains "dom: a mark's title: its check's time and state" " UTC: not active</title>" "$DOM"
check_contains "dom: a run of equal marks: one title" " UTC: ok (4 checks)</title>" "$DOM"
check_contains "dom: the strip says what it shows" 'aria-label="history over 4 checks: 1 ok 1 different 1 missing 1 not active"' "$DOM"
check_contains "dom: uptime of drift-diff" "<b>25.0%</b><small>1 of 4 checks</small>" "$DOM"
check_contains "dom: inventory value beside the live value" '<td class="inv mono">203.0.113.43</td><td class="live mono">203.0.113.99</td>' "$DOM"
# the hostile strings are text: escaped in the serialised DOM, and no element was injected
check_contains "dom: hostile description shown as text" '&lt;script&gt;alert(1)&lt;/script&gt; &amp; "q" '"'"'s' "$DOM"
check_contains "dom: hostile state shown as text" '&lt;marquee&gt;bad&lt;/marquee&gt; &amp; &lt;iframe&gt;worse&lt;/iframe&gt;' "$DOM"
check_contains "dom: hostile unmanaged name shown as text" '&lt;img src=x onerror=alert(2)&gt;' "$DOM"
check_eq "dom: no script, img, marquee or iframe element came from the platform's strings" \
    "0 0 0 0" "$(for e in script img marquee iframe; do grep -c "<$e" "$T_DIR/dom.html"; done | tr '\n' ' ' | sed 's/ $//')"

# --- what a person sees: a screenshot that is not blank, light and dark, a printout ---
printf '<!DOCTYPE html><html lang="en"><head><title>blank</title></head><body></body></html>\n' \
    >"$T_DIR/blank.html"
browse --window-size=1280,1600 --screenshot="$T_DIR/blank.png" "file://$T_DIR/blank.html" >/dev/null
browse --window-size=1280,1600 --screenshot="$T_DIR/page.png" "file://$T_DIR/page.html" >/dev/null
check_eq "screenshot: a PNG of the window's size" "1280x1600" "$(png_size "$T_DIR/page.png")"
PAGE_B=$(bytes "$T_DIR/page.png"); BLANK_B=$(bytes "$T_DIR/blank.png")
if [ "$PAGE_B" -gt $((BLANK_B * 5)) ] && [ "$PAGE_B" -gt 20000 ]; then
    ok "screenshot: not blank ($PAGE_B bytes; a blank page of that size: $BLANK_B)"
else
    not_ok "screenshot: not blank" "page $PAGE_B bytes, blank $BLANK_B bytes"
fi
browse --window-size=1280,1600 --force-dark-mode --blink-settings=preferredColorScheme=0 \
    --screenshot="$T_DIR/dark.png" "file://$T_DIR/page.html" >/dev/null
if [ -s "$T_DIR/dark.png" ] && ! cmp -s "$T_DIR/page.png" "$T_DIR/dark.png"; then
    ok "screenshot: the dark colour scheme looks different"
else
    not_ok "screenshot: the dark colour scheme looks different"
fi
browse --no-pdf-header-footer --print-to-pdf="$T_DIR/page.pdf" "file://$T_DIR/page.html" >/dev/null
check_eq "print: a PDF" "%PDF" "$(head -c 4 "$T_DIR/page.pdf" 2>/dev/null)"

# --- an HTML validator: tidy has nothing to say (exit 0: no warning, no error) ---
tidy -q -e "$T_DIR/page.html" >"$T_DIR/tidy.out" 2>&1
check_eq "tidy: the page is clean" "0" "$?$(head -3 "$T_DIR/tidy.out")"

# --- the audit branch: latest.html, index.html with both organizations ---
check_eq "branch: latest.html, index.html and drift/index.json written" \
    "drift/$ORG/latest.html drift/index.json index.html" \
    "$(git -C "$REPO" ls-tree -r --name-only vni-audit | grep -E 'html$|index.json$' | sort | tr '\n' ' ' | sed 's/ $//')"
git -C "$REPO" show "vni-audit:drift/$ORG/latest.html" >"$T_DIR/latest.html"
check_contains "branch: latest.html is the organization's page" "Organization <code>$ORG</code>" "$(cat "$T_DIR/latest.html")"
check_contains "branch: latest.html links back to the index" '<a href="../../index.html">' "$(cat "$T_DIR/latest.html")"
git -C "$REPO" show vni-audit:index.html >"$T_DIR/index.html"
browse --dump-dom "file://$T_DIR/index.html" >"$T_DIR/index-dom.html"
IDX=$(cat "$T_DIR/index-dom.html")
check_contains "index: two organizations, both with drift" "2 organizations, 2 with drift" "$IDX"
case "$IDX" in
*"<a href=\"drift/$ORG/latest.html\">"*"</td><td>1</td><td>1</td><td>2</td><td>2</td><td>1</td><td>4</td>"*) ok "index: this organization's counts" ;;
*) not_ok "index: this organization's counts" "$IDX" ;;
esac
case "$IDX" in
*"<a href=\"drift/$OTHER/latest.html\">"*"</td><td>0</td><td>1</td><td>0</td><td>0</td><td>8</td><td>9</td><td>2026-01-02 03:04:05 UTC"*) ok "index: the organization already on the branch, read from its report" ;;
*) not_ok "index: the organization already on the branch, read from its report" "$IDX" ;;
esac
tidy -q -e "$T_DIR/index.html" >"$T_DIR/tidy-index.out" 2>&1
check_eq "tidy: the index is clean" "0" "$?$(head -3 "$T_DIR/tidy-index.out")"

# --- --format html without an audit repository: this check alone ---
run_vr drift -f "$INV" --format html
check_eq "html without --audit-repo: exit 0" 0 "$RC"
check_contains "html without --audit-repo: says there is no history" "no history kept" "$OUT"
check_eq "html without --audit-repo: one mark per interface" 4 "$(grep -o '" x="' <<<"$OUT" | wc -l | tr -d ' ')"

t_done
