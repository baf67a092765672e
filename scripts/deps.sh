#!/bin/sh
# Installs the Debian packages vni-reconcile needs, only those missing. Idempotent.
# --browser: also the browser and the HTML checker of tests/e2e/test_drift_html.sh (chromium,
# tidy), which that test asks for when it runs; `make deps` does not install them.
# --fuzz: also clang and its libFuzzer runtime, for `make fuzz` (docs/fuzzing.md).
set -eu
# tinyproxy-bin: the CONNECT proxy of tests/e2e/test_tls.sh (the binary only: the `tinyproxy`
# package would also start a system service).
PKGS="gcc make pkg-config libyaml-dev libcurl4-openssl-dev libcjson-dev libgit2-dev \
libmicrohttpd-dev libcmocka-dev libssl-dev curl jq git openssl ca-certificates procps bsdutils \
tinyproxy-bin clang-format shellcheck time"
if [ "${1:-}" = "--browser" ]; then
    # chromium renders the drift page headless; fonts-dejavu-core gives it a font to draw text.
    PKGS="$PKGS chromium fonts-dejavu-core tidy"
fi
if [ "${1:-}" = "--fuzz" ]; then
    PKGS="$PKGS clang libclang-rt-14-dev"
fi
missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "deps: missing packages:$missing (run as root, or install them)" >&2; exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2
