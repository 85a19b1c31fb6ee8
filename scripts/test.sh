#!/usr/bin/env bash
# The whole test suite, as CI and a new user run it: installs what the tests need (idempotent),
# then runs every test of the crate. Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-deps.sh
cargo test --all-targets --locked
