#!/usr/bin/env bash
# Installs what the integration tests' independent peers need (tests/py/), idempotently:
#   - tshark (dissector check of everything roamsim sends),
#   - python3 with venv,
#   - a venv at target/pyenv with python-diameter 0.9.0 (independent Diameter/S6a peer),
#     cryptography (AES for the independent Milenage), hdrhistogram 0.10.8 (the independent
#     reader of intervals.hlog) and prometheus_client 0.26.0 (the /metrics exposition parser).
# Fast no-op when all of it is present. Runs as root on Debian (CI: .ci/run on a fresh machine).
# Prints what it installed; prints nothing else but one "ready" line when nothing was missing.
set -euo pipefail

cd "$(dirname "$0")/.."
VENV=target/pyenv
PY=/usr/bin/python3
DIAMETER_VERSION=0.9.0
HDRH_VERSION=0.10.8
PROMETHEUS_VERSION=0.26.0
installed=()

apt_updated=0
apt_install() {
    if [ "$apt_updated" = 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
    installed+=("apt: $*")
}

# tshark: answer the "non-superusers capture packets?" question up front so apt never prompts.
if ! command -v tshark >/dev/null 2>&1; then
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
    apt_install tshark
fi

# python3 with venv + ensurepip (Debian splits them into python3-venv).
if [ ! -x "$PY" ] || ! "$PY" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    apt_install python3 python3-venv
fi

venv_ok() {
    [ -x "$VENV/bin/python" ] && "$VENV/bin/python" - "$DIAMETER_VERSION" "$HDRH_VERSION" "$PROMETHEUS_VERSION" <<'PY' >/dev/null 2>&1
import sys
from importlib.metadata import version
import diameter, cryptography, hdrh, prometheus_client  # noqa: F401
from cryptography.hazmat.primitives.ciphers import Cipher  # noqa: F401
want = {"python-diameter": sys.argv[1], "hdrhistogram": sys.argv[2], "prometheus_client": sys.argv[3]}
sys.exit(0 if all(version(k) == v for k, v in want.items()) else 1)
PY
}

if ! venv_ok; then
    if [ -e "$VENV" ] && ! "$VENV/bin/python" -c pass >/dev/null 2>&1; then
        rm -rf "$VENV"  # left by another machine or python: unusable, make it anew
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        mkdir -p "$(dirname "$VENV")"
        "$PY" -m venv "$VENV"
        installed+=("venv: $VENV")
    fi
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check \
        "python-diameter==$DIAMETER_VERSION" cryptography \
        "hdrhistogram==$HDRH_VERSION" "prometheus_client==$PROMETHEUS_VERSION"
    installed+=("pip ($VENV): python-diameter==$DIAMETER_VERSION cryptography hdrhistogram==$HDRH_VERSION prometheus_client==$PROMETHEUS_VERSION")
    venv_ok || { echo "test-deps: $VENV still lacks python-diameter $DIAMETER_VERSION, cryptography, hdrhistogram $HDRH_VERSION or prometheus_client $PROMETHEUS_VERSION" >&2; exit 1; }
fi

if [ "${#installed[@]}" -eq 0 ]; then
    echo "test-deps: all present (tshark, python3 venv, $VENV)"
else
    for i in "${installed[@]}"; do echo "test-deps: installed $i"; done
fi
