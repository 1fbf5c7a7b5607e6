#!/usr/bin/env bash
# Scaffolding smoke test (issue 7), run by CI after the conformance stage:
#   1. `platform new service` for every language (with a database, a tier and a team each),
#      `platform build` over all of them, and the conformance stage over the output;
#   2. each skeleton's own test: TypeScript (npm ci + npm test), Python (unittest),
#      Rust (cargo test --locked), Go (go test) and Java (JUnit 5); Go and Java toolchains
#      are installed from Debian when missing, and Java's JUnit comes from Debian's junit5
#      package because Maven Central is not among the registries CI reaches;
#   3. `platform new backstage-template`: validated by the conformance stage's catalog check
#      (`conformance/tools/conformance.mjs catalog`: the Backstage catalog model plus the
#      scaffolder's own Template v1beta3 validator), and its fetch:template steps rendered with
#      Nunjucks the way Backstage does, which must give byte-identical files to step 1.
# Installs what it needs from the registries (npm, Debian). Prints one PASS/FAIL/SKIP line per
# check and ends with `scaffold-smoke: N passed, M failed[, K skipped]`; exits 1 on a failure.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO="$PWD"
export NO_COLOR=1 CARGO_TERM_COLOR=never

cargo build ${SMOKE_CARGO_LOCKED---locked} -q -p platform-cli || { echo "scaffold-smoke: 0 passed, 1 failed"; exit 1; }
P="${CARGO_TARGET_DIR:-$REPO/target}/debug/platform"
WORK="$(mktemp -d -t scaffold-smoke.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
TOOLS="${CONFORMANCE_PREFIX:-$REPO/.tools}"

PASS=0 FAIL=0 SKIP=0 FAILED=()
check() {  # check NAME CMD...: run, keep the log, print PASS/FAIL (and the log's tail on failure)
  local name="$1"; shift
  local log="$WORK/logs/$(printf '%s' "$name" | tr -c 'A-Za-z0-9._-' '_').log" t0=$SECONDS
  mkdir -p "$WORK/logs"
  if "$@" >"$log" 2>&1; then
    PASS=$((PASS + 1)); printf 'PASS  %-60s %4ss\n' "$name" $((SECONDS - t0))
  else
    FAIL=$((FAIL + 1)); FAILED+=("$name"); printf 'FAIL  %-60s %4ss\n' "$name" $((SECONDS - t0))
    tail -n 40 "$log" | sed 's/^/      /'
  fi
}
skip() { SKIP=$((SKIP + 1)); printf 'SKIP  %s\n' "$*"; }
apt_install() {  # apt_install PKG...: Debian packages, as root only
  [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null || return 1
  apt-get install -y -q "$@" >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "$@" >/dev/null 2>&1; }
}

# --- 1. scaffold every language, build, conformance -----------------------------------------
declare -A DB=([typescript]=postgres [go]=none [python]=redis [rust]=none [java]=postgres)
declare -A TIER=([typescript]=critical [go]=standard [python]=experimental [rust]=critical [java]=standard)
LANGS=(typescript go python rust java)
mkdir -p "$WORK/services"
for l in "${LANGS[@]}"; do
  check "new service ($l, --db ${DB[$l]}, --tier ${TIER[$l]})" \
    "$P" new service "smoke-$l" --lang "$l" --db "${DB[$l]}" --tier "${TIER[$l]}" --team payments \
    --dir "$WORK/services/smoke-$l"
done
check "platform build (${#LANGS[@]} scaffolded services)" "$P" build "$WORK/services" --out "$WORK/generated"
# setup.sh is a no-op when the toolchain matches the pins, and rebuilds it when they changed
if bash conformance/setup.sh "$TOOLS" >"$WORK/setup.log" 2>&1; then
  check "conformance of the generated files" bash "$REPO/conformance/run.sh" -p "$TOOLS" -w "$WORK/conformance" "$WORK/generated"
  grep -E '^conformance: ' "$WORK/logs/conformance_of_the_generated_files.log" | sed 's/^/      /'
else
  FAIL=$((FAIL + 1)); FAILED+=("conformance setup"); echo "FAIL  conformance setup (see conformance/setup.sh)"
fi

# --- 2. each skeleton's own test ---------------------------------------------------------------
ts_test() ( cd "$WORK/services/smoke-typescript" && npm ci --no-audit --no-fund && npm test )
py_test() ( cd "$WORK/services/smoke-python" && PYTHONDONTWRITEBYTECODE=1 python3 -m unittest discover -s tests -v )
rs_test() ( cd "$WORK/services/smoke-rust" && CARGO_TARGET_DIR="$WORK/rust-target" cargo test --locked )
go_test() ( cd "$WORK/services/smoke-go" && GOFLAGS=-mod=mod GOPROXY=off GOCACHE="$WORK/go-cache" go test -v ./... )
java_test() (
  cd "$WORK/services/smoke-java" || exit 1
  local cp; cp="$(ls /usr/share/java/junit-jupiter-api.jar /usr/share/java/apiguardian-api.jar 2>/dev/null | paste -sd:)"
  javac -d "$WORK/java-classes" -cp "$cp" $(find src -name '*.java') &&
    java -jar /usr/share/java/junit-platform-console-standalone.jar -cp "$WORK/java-classes" \
      --select-package app --disable-banner --details=tree --fail-if-no-tests
)
if command -v node >/dev/null && command -v npm >/dev/null; then check "typescript skeleton test (npm ci, npm test)" ts_test
else skip "typescript skeleton test: no node/npm"; fi
if command -v python3 >/dev/null; then check "python skeleton test (unittest)" py_test
else skip "python skeleton test: no python3"; fi
if command -v cargo >/dev/null; then check "rust skeleton test (cargo test)" rs_test
else skip "rust skeleton test: no cargo"; fi
if command -v go >/dev/null || apt_install golang-go; then check "go skeleton test (go test)" go_test
else skip "go skeleton test: no go toolchain, and none installable here"; fi
if { command -v javac >/dev/null || apt_install default-jdk-headless; } &&
   { [[ -f /usr/share/java/junit-platform-console-standalone.jar ]] || apt_install junit5; }; then
  check "java skeleton test (JUnit 5)" java_test
else skip "java skeleton test: no JDK or JUnit 5, and none installable here"; fi

# --- 3. the Backstage template ------------------------------------------------------------------
NPM="$WORK/npm"; mkdir -p "$NPM"
npm_setup() (
  cd "$NPM" && npm init -y >/dev/null &&
    npm install --no-audit --no-fund --ignore-scripts nunjucks@3.2.4 yaml@2.9.1
)
check "backstage: new backstage-template" "$P" new backstage-template --out "$WORK/backstage"
check "backstage: npm (nunjucks 3.2.4)" npm_setup
if [[ -d "$TOOLS/node/node_modules/@backstage/plugin-scaffolder-common" ]]; then
  check "backstage: template.yaml (conformance catalog check, Template v1beta3)" env CONFORMANCE_NODE_DIR="$TOOLS/node" \
    node "$REPO/conformance/tools/conformance.mjs" catalog "$WORK/backstage/template.yaml"
else
  FAIL=$((FAIL + 1)); FAILED+=("backstage catalog model")
  echo "FAIL  backstage: no @backstage/plugin-scaffolder-common in $TOOLS/node (run conformance/setup.sh)"
fi
same_files() {  # same_files LANG: the template's steps render what `platform new service` writes
  local l="$1" params="$WORK/params-$l.json"
  printf '{"name":"smoke-%s","team":"payments","tier":"%s","language":"%s","database":"%s","directory":"services"}' \
    "$l" "${TIER[$l]}" "$l" "${DB[$l]}" >"$params"
  RENDER_NODE_DIR="$NPM" node "$REPO/scripts/scaffold-smoke/backstage-render.mjs" "$WORK/backstage/template.yaml" "$params" \
    "$WORK/rendered-$l" &&
    diff -r "$WORK/rendered-$l/service" "$WORK/pristine/smoke-$l"
}
mkdir -p "$WORK/pristine"
for l in "${LANGS[@]}"; do
  "$P" new service "smoke-$l" --lang "$l" --db "${DB[$l]}" --tier "${TIER[$l]}" --team payments \
    --dir "$WORK/pristine/smoke-$l" >/dev/null 2>&1
  check "backstage: fetch:template ($l) = platform new service" same_files "$l"
done

echo
((FAIL)) && printf 'failed: %s\n' "${FAILED[@]}"
summary="scaffold-smoke: $PASS passed, $FAIL failed"
((SKIP)) && summary="$summary, $SKIP skipped"
echo "$summary"
((FAIL == 0))
