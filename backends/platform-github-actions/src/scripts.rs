//! Every `run:` script of the generated workflows.
//!
//! They are constants: no input value is ever pasted into a script. A script reads what it
//! needs from `env:` (set by the step from `inputs`) as a quoted shell variable, so the shell
//! never parses a value as code, and no `${{ }}` expression appears inside `run:`.

/// Build a TypeScript service.
pub const NPM_BUILD: &str = "npm ci\nnpm run build --if-present\n";
/// Test a TypeScript service.
pub const NPM_TEST: &str = "npm ci\nnpm test\n";
/// Audit a TypeScript service's production dependencies.
pub const NPM_AUDIT: &str = "npm audit --omit=dev --audit-level=high\n";

/// Build a Go service.
pub const GO_BUILD: &str = "go build ./...\n";
/// Test a Go service.
pub const GO_TEST: &str = "go vet ./...\ngo test ./...\n";

/// Build a Python service: install its pinned requirements, if it has any, and compile.
pub const PIP_BUILD: &str = r#"set -euo pipefail
if [[ -f requirements.txt ]]; then
  python -m pip install --requirement requirements.txt
fi
python -m compileall -q .
"#;
/// Test a Python service (the golden path's tests are `unittest` tests under `tests/`).
pub const PIP_TEST: &str = r#"set -euo pipefail
if [[ -f requirements.txt ]]; then
  python -m pip install --requirement requirements.txt
fi
python -m unittest discover -s tests -v
"#;

/// Install the Rust toolchain the org pins (rustup is on every GitHub-hosted runner).
pub const RUSTUP: &str = "rustup toolchain install \"${RUST_VERSION}\" --profile minimal --no-self-update\n\
rustup default \"${RUST_VERSION}\"\n";
/// Build a Rust service.
pub const CARGO_BUILD: &str = "cargo build --locked --release\n";
/// Test a Rust service.
pub const CARGO_TEST: &str = "cargo test --locked\n";

/// Build a Java service (Maven, preinstalled on GitHub's runners).
pub const MAVEN_BUILD: &str = "mvn --batch-mode --no-transfer-progress -DskipTests package\n";
/// Test a Java service.
pub const MAVEN_TEST: &str = "mvn --batch-mode --no-transfer-progress test\n";

/// Whether the registry already holds the image of this commit: a re-run of the pipeline,
/// or `platform deploy` dispatched on a commit a push already built. An ECR repository's
/// tags are immutable, so pushing the same tag again would fail the build and the deploy
/// behind it; the image there is the one built, signed and attested the first time.
pub const IMAGE_EXISTS: &str = r#"set -euo pipefail
if docker buildx imagetools inspect "${IMAGE}:${GITHUB_SHA}" >/dev/null 2>&1; then
  echo "::notice::${IMAGE}:${GITHUB_SHA} is already in the registry (a re-run, or a deploy of a commit already built): it is not built again"
  echo "found=true" >>"${GITHUB_OUTPUT}"
fi
"#;

/// Sign the pushed image and attest its SBOM, keyless (Sigstore, via the job's OIDC token).
pub const SIGN: &str = r#"set -euo pipefail
ref="${IMAGE}@${DIGEST}"
cosign sign --yes "${ref}"
cosign attest --yes --type spdxjson --predicate sbom.spdx.json "${ref}"
"#;

/// Apply the service's Terraform for one environment: init against the environment's state
/// (`backend-<env>.hcl`, written by the Terraform backend), plan to a file, apply exactly
/// that plan.
pub const TERRAFORM: &str = r#"set -euo pipefail
if [[ ! -d "${TERRAFORM_DIR}" ]]; then
  echo "no Terraform for ${SERVICE}; nothing to apply"
  exit 0
fi
cd "${TERRAFORM_DIR}"
terraform init -input=false -reconfigure -backend-config="backend-${ENVIRONMENT}.hcl"
terraform plan -input=false -var-file="${ENVIRONMENT}.tfvars" -out="${ENVIRONMENT}.tfplan"
terraform apply -input=false "${ENVIRONMENT}.tfplan"
"#;

/// Point kubectl and helm at the environment's EKS cluster.
pub const KUBECONFIG: &str = "aws eks update-kubeconfig --name \"${CLUSTER}\" --region \"${AWS_REGION}\"\n";

/// Read the pods' security groups from the Terraform outputs just applied (services with a
/// database): the group the database admits and the cluster's own group. Each must be a
/// security group id; the value itself is never printed (it could hold a workflow command).
pub const POD_SECURITY_GROUPS: &str = r#"set -euo pipefail
cd "${TERRAFORM_DIR}"
pod="$(terraform output -raw pod_security_group_id)"
cluster="$(terraform output -raw cluster_security_group_id)"
re='^sg-[0-9a-f]{8,17}$'
for id in "${pod}" "${cluster}"; do
  if [[ ! "${id}" =~ ${re} ]]; then
    echo "::error::a Terraform output is not a security group id; the pods could not reach the database"
    exit 1
  fi
done
{
  echo "pod=${pod}"
  echo "cluster=${cluster}"
} >>"${GITHUB_OUTPUT}"
"#;

/// Deliver the service's dashboard to Grafana: apply the `grafana` backend's object (a
/// ConfigMap for the dashboard sidecar, or a `GrafanaDashboard`) into the org's Grafana
/// namespace, where the deploy role may write exactly that object. Server-side apply: a
/// dashboard can outgrow the 256 KiB `last-applied-configuration` annotation of a client-side
/// apply.
pub const DASHBOARD: &str = r#"set -euo pipefail
if [[ -z "${DASHBOARD_MANIFEST}" ]]; then
  echo "no dashboard to deliver"
  exit 0
fi
kubectl apply --server-side --field-manager=platform-deploy --filename "${DASHBOARD_MANIFEST}"
"#;

/// Before Helm: when the environment's workload changes kind (canary turned on: the chart
/// now renders a Rollout where a Deployment serves; turned off: the reverse), keep the old
/// workload serving. Helm deletes what leaves the chart unless the live object carries
/// `helm.sh/resource-policy: keep` (Helm reads the live annotation before it deletes, checked
/// against Helm v4.2.3), so the old pods serve until the new workload is ready and
/// [`HANDOVER_RETIRE`] removes them. Both select the same pods' labels, so the Service never
/// loses its endpoints. (Argo Rollouts' `workloadRef` would keep the Deployment in the chart
/// for good; this leaves one workload once the move is done.)
pub const HANDOVER_KEEP: &str = r#"set -euo pipefail
if [[ "${CANARY}" == "true" ]]; then old=deployment new=rollout; else old=rollout new=deployment; fi
if kubectl get "${new}" "${RELEASE}" --namespace "${NAMESPACE}" >/dev/null 2>&1; then
  exit 0
fi
if ! kubectl get "${old}" "${RELEASE}" --namespace "${NAMESPACE}" >/dev/null 2>&1; then
  exit 0
fi
echo "::notice::${RELEASE} moves from a ${old} to a ${new}: the ${old} keeps serving until the ${new} is ready"
kubectl annotate "${old}" "${RELEASE}" --namespace "${NAMESPACE}" --overwrite helm.sh/resource-policy=keep
"#;

/// After the new workload is ready (Helm's wait, and the canary followed to `Healthy`):
/// delete the old workload [`HANDOVER_KEEP`] kept, and only one it kept.
pub const HANDOVER_RETIRE: &str = r#"set -euo pipefail
if [[ "${CANARY}" == "true" ]]; then old=deployment; else old=rollout; fi
if ! kubectl get "${old}" "${RELEASE}" --namespace "${NAMESPACE}" >/dev/null 2>&1; then
  exit 0
fi
policy="$(kubectl get "${old}" "${RELEASE}" --namespace "${NAMESPACE}" \
  --output 'jsonpath={.metadata.annotations.helm\.sh/resource-policy}')"
if [[ "${policy}" != "keep" ]]; then
  echo "::warning::a ${old} ${RELEASE} that the deploy did not keep is in ${NAMESPACE}; it is left alone"
  exit 0
fi
kubectl delete "${old}" "${RELEASE}" --namespace "${NAMESPACE}" --wait=false
echo "the ${old} ${RELEASE} is retired: the new workload serves alone"
"#;

/// After a rename (`metadata.previousNames`), uninstall the releases of the service's previous
/// names in its namespace, once the release under the new name serves: until then both serve.
/// A release that is not there (already uninstalled, or never deployed here) is skipped.
pub const RETIRE_RELEASES: &str = r#"set -euo pipefail
read -ra releases <<<"${RETIRED}"
for release in "${releases[@]}"; do
  if [[ ! "${release}" =~ ^[a-z]([-a-z0-9]*[a-z0-9])?$ ]]; then
    echo "::error::a previous release name is not a service name"
    exit 1
  fi
  if helm status "${release}" --namespace "${NAMESPACE}" >/dev/null 2>&1; then
    helm uninstall "${release}" --namespace "${NAMESPACE}" --wait --timeout 5m
    echo "the release ${release} of the service's previous name is uninstalled"
  fi
done
"#;

/// Upgrade the release to the image built from this commit. With automatic rollback, Helm
/// rolls the release back itself when it does not become ready. `HELM_WAIT` is the wait
/// strategy ([`crate::target::helm_wait`]): never Helm 4's kstatus watcher, which cannot read
/// a Rollout; the canary is followed by [`CANARY_WAIT`]. A service with a database
/// gets its pods' security groups (`podSecurityGroups`, a `SecurityGroupPolicy`): the JSON
/// is built only from ids that match the security group pattern. A canary weight picked for
/// this deploy (`platform deploy --canary 5%`) becomes `rollout.firstWeight`, a value of its
/// own: `--set rollout.steps[0].setWeight=5` would replace the whole list of steps
/// (helm/helm#8231, #11734). A packaged chart gets its library chart first (`helm dependency
/// build`, offline from the `file://` path: without it Helm finds none of the objects).
pub const HELM_UPGRADE: &str = r#"set -euo pipefail
args=(upgrade --install "${RELEASE}" "${CHART_DIR}"
  --namespace "${NAMESPACE}"
  --values "${CHART_DIR}/values-${ENVIRONMENT}.yaml"
  --set-string "image.tag=${IMAGE_TAG}"
  --wait="${HELM_WAIT}" --timeout "${HELM_TIMEOUT}")
if [[ "${ROLLBACK_ON_FAILURE}" == "true" ]]; then
  args+=(--rollback-on-failure)
fi
if [[ "${CANARY}" == "true" && -n "${CANARY_WEIGHT}" ]]; then
  if [[ ! "${CANARY_WEIGHT}" =~ ^[1-9][0-9]?$ ]]; then
    echo "::error::the canary weight ${CANARY_WEIGHT} is not a percentage from 1 to 99"
    exit 1
  fi
  args+=(--set "rollout.firstWeight=${CANARY_WEIGHT}")
  echo "the canary starts at ${CANARY_WEIGHT}% of the traffic"
fi
if [[ "${DATABASE}" == "true" ]]; then
  re='^sg-[0-9a-f]{8,17}$'
  for id in "${POD_SECURITY_GROUP_ID}" "${CLUSTER_SECURITY_GROUP_ID}"; do
    if [[ ! "${id}" =~ ${re} ]]; then
      echo "::error::no valid pod security groups from the Terraform outputs; the pods could not reach the database"
      exit 1
    fi
  done
  args+=(--set-json "podSecurityGroups=[\"${POD_SECURITY_GROUP_ID}\",\"${CLUSTER_SECURITY_GROUP_ID}\"]")
fi
# A packaged chart's objects come from the org's library chart, a dependency by path in this
# repository; a vendored chart has no dependency and this does nothing.
helm dependency build "${CHART_DIR}"
helm "${args[@]}"
"#;

/// Log Helm in to the registry of the org's library chart with the job's token (read from
/// standard input, never an argument).
pub const CHART_LOGIN: &str = r#"set -euo pipefail
printf '%s' "${REGISTRY_TOKEN}" | helm registry login "${CHART_REGISTRY}" --username "${REGISTRY_USER}" --password-stdin
"#;

/// Before the chart scan: each chart of the service gets its dependencies (a packaged chart's
/// library chart, by path in the repository; nothing for a vendored chart).
pub const CHART_DEPENDENCIES: &str = r#"set -euo pipefail
for chart in "${CHARTS}"/*/; do
  helm dependency build "${chart}"
done
"#;

/// Before Helm: every declared secret must have a current value. Terraform creates the
/// entries empty; an ExternalSecret cannot sync an empty one, and the pods reading it would
/// wait in `CreateContainerConfigError` until the deploy times out. Names are checked
/// against the naming rule (`<env>/<service>/<secret>`) before use; values are never read.
pub const SECRET_VALUES: &str = r#"set -euo pipefail
read -ra names <<<"${SECRETS}"
missing=0
re='^[a-z0-9-]+/[a-z0-9-]+/[a-z0-9-]+$'
for name in "${names[@]}"; do
  if [[ ! "${name}" =~ ${re} ]]; then
    echo "::error::a declared secret name does not follow the naming rule"
    exit 1
  fi
  current="$(aws secretsmanager list-secret-version-ids --secret-id "${name}"     --query 'length(Versions[?contains(VersionStages, `AWSCURRENT`)])' --output text)"
  if [[ "${current}" == "0" ]]; then
    echo "::error::the secret ${name} has no value yet, so the pods reading it could not start"
    echo "set it once, from standard input:"
    echo "  aws secretsmanager put-secret-value --secret-id ${name} --secret-string file:///dev/stdin"
    missing=1
  fi
done
exit "${missing}"
"#;

/// Follow a canary (Argo Rollouts) until it is fully promoted or aborted. An aborted
/// rollout (failed analysis: automatic rollback) fails the job, which marks the GitHub
/// deployment failed. An inconclusive analysis (the canary served too few requests to
/// judge) pauses the Rollout with the reason `InconclusiveAnalysisRun` (Argo Rollouts
/// v1.8, `PauseReasonInconclusiveAnalysis`): the job stops at once and says how to promote
/// or roll back, instead of waiting out its timeout.
pub const CANARY_WAIT: &str = r#"set -euo pipefail
if ! kubectl get rollout "${RELEASE}" --namespace "${NAMESPACE}" >/dev/null 2>&1; then
  echo "no Rollout ${RELEASE} in ${NAMESPACE}: this environment deploys without a canary"
  exit 0
fi
deadline=$((SECONDS + CANARY_TIMEOUT_SECONDS))
while true; do
  generation="$(kubectl get rollout "${RELEASE}" --namespace "${NAMESPACE}" --output 'jsonpath={.metadata.generation}')"
  observed="$(kubectl get rollout "${RELEASE}" --namespace "${NAMESPACE}" --output 'jsonpath={.status.observedGeneration}')"
  phase="$(kubectl get rollout "${RELEASE}" --namespace "${NAMESPACE}" --output 'jsonpath={.status.phase}')"
  paused="$(kubectl get rollout "${RELEASE}" --namespace "${NAMESPACE}" --output 'jsonpath={.status.pauseConditions[*].reason}')"
  if [[ "${paused}" == *InconclusiveAnalysisRun* ]]; then
    echo "::error::the canary analysis of ${RELEASE} was inconclusive: its pods served too few requests to judge, or none were scraped"
    echo "the canary is paused and takes part of the traffic; promote it (platform deploy promote) or drop it (platform deploy rollback)"
    exit 1
  fi
  if [[ "${observed}" == "${generation}" ]]; then
    case "${phase}" in
      Healthy)
        echo "canary of ${RELEASE} promoted"
        exit 0
        ;;
      Degraded)
        echo "::error::the canary of ${RELEASE} was aborted (failed analysis); traffic is back on the stable version"
        exit 1
        ;;
    esac
  fi
  if ((SECONDS > deadline)); then
    echo "::error::the canary of ${RELEASE} did not finish in time (phase ${phase}); promote or roll back by hand"
    exit 1
  fi
  echo "canary of ${RELEASE}: ${phase:-pending}"
  sleep 20
done
"#;

/// Promote a canary to 100 % now (what `kubectl argo rollouts promote --full` does).
pub const PROMOTE: &str = r#"set -euo pipefail
if ! kubectl get rollout "${RELEASE}" --namespace "${NAMESPACE}" >/dev/null 2>&1; then
  echo "::error::no Rollout ${RELEASE} in ${NAMESPACE}: nothing to promote"
  exit 1
fi
kubectl patch rollout "${RELEASE}" --namespace "${NAMESPACE}" --subresource status --type merge \
  --patch '{"status":{"promoteFull":true}}'
"#;

/// Roll back: abort a running canary (traffic back to stable), then return the release to
/// its previous revision.
pub const ROLLBACK: &str = r#"set -euo pipefail
if [[ "${CANARY}" == "true" ]] && kubectl get rollout "${RELEASE}" --namespace "${NAMESPACE}" >/dev/null 2>&1; then
  kubectl patch rollout "${RELEASE}" --namespace "${NAMESPACE}" --subresource status --type merge \
    --patch '{"status":{"abort":true}}'
fi
helm rollback "${RELEASE}" --namespace "${NAMESPACE}" --wait="${HELM_WAIT}" --timeout "${HELM_TIMEOUT}"
"#;

/// DORA: record a real deploy of one service as a GitHub deployment of its own, in the
/// deployment environment `<environment>/<service>` (task `deploy`), in progress until
/// [`RECORD_OUTCOME`] sets how it ended. The job's GitHub environment (`<environment>`, its
/// protection rules and the deploy role's OIDC subject) records every job of every service
/// that declares it, promotions and rollbacks too, so DORA figures read these records
/// instead: one per service, and only deploys. Best effort: a record that cannot be written
/// is a warning, never a failed deploy.
pub const RECORD_DEPLOYMENT: &str = r#"set -euo pipefail
body="$(jq --null-input --arg ref "${GITHUB_SHA}" --arg environment "${ENVIRONMENT}/${SERVICE}" \
  --argjson production "${PRODUCTION}" --arg service "${SERVICE}" \
  '{ref: $ref, environment: $environment, task: "deploy", auto_merge: false, required_contexts: [],
    production_environment: $production, transient_environment: false, payload: {service: $service},
    description: ("deploy " + $service)}')"
if ! id="$(gh api --method POST "repos/${GITHUB_REPOSITORY}/deployments" --input - --jq '.id' <<<"${body}")"; then
  echo "::warning::could not record the deployment of ${SERVICE} in ${ENVIRONMENT}/${SERVICE}"
  exit 0
fi
run_url="${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}"
gh api --method POST "repos/${GITHUB_REPOSITORY}/deployments/${id}/statuses" \
  -f state=in_progress -f log_url="${run_url}" >/dev/null || true
echo "id=${id}" >>"${GITHUB_OUTPUT}"
"#;

/// DORA: how the deploy [`RECORD_DEPLOYMENT`] recorded ended: `success` when the job
/// succeeded, `error` when it was cancelled, else `failure`.
pub const RECORD_OUTCOME: &str = r#"set -euo pipefail
if [[ -z "${DEPLOYMENT_ID}" ]]; then
  echo "no deployment record to finish"
  exit 0
fi
case "${JOB_STATUS}" in
  success) state=success ;;
  cancelled) state=error ;;
  *) state=failure ;;
esac
run_url="${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}"
gh api --method POST "repos/${GITHUB_REPOSITORY}/deployments/${DEPLOYMENT_ID}/statuses" \
  -f state="${state}" -f log_url="${run_url}" >/dev/null \
  || echo "::warning::could not record how the deployment of ${SERVICE} ended"
"#;

/// DORA: mark the deploy this rollback undoes as failed, so the change failure rate counts
/// it: the newest record of the service's own deployment environment `<environment>/<service>`
/// (only [`RECORD_DEPLOYMENT`] writes there; a rollback records none).
pub const MARK_ROLLED_BACK: &str = r#"set -euo pipefail
id="$(gh api "repos/${GITHUB_REPOSITORY}/deployments?environment=${ENVIRONMENT}/${SERVICE}&task=deploy&per_page=1" \
  --jq '.[0].id // empty')"
if [[ -z "${id}" ]]; then
  echo "no deployment of ${SERVICE} in ${ENVIRONMENT} to mark"
  exit 0
fi
run_url="${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}"
gh api --method POST "repos/${GITHUB_REPOSITORY}/deployments/${id}/statuses" \
  -f state=failure -f description="rolled back" -f log_url="${run_url}" >/dev/null
echo "deployment ${id} of ${SERVICE} in ${ENVIRONMENT} marked failed (rolled back)"
"#;

/// Annotate the service's Grafana dashboard with the deploy and its outcome. Best effort: a
/// missing token or an unreachable Grafana is a warning, never a failed deploy.
pub const ANNOTATE: &str = r#"set -euo pipefail
if [[ -z "${GRAFANA_TOKEN:-}" ]]; then
  echo "::warning::no grafana-token secret: the deployment is not annotated in Grafana"
  exit 0
fi
run_url="${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}"
body="$(jq --null-input \
  --arg uid "${DASHBOARD_UID}" --arg service "${SERVICE}" --arg environment "${ENVIRONMENT}" \
  --arg event "${EVENT}" --arg status "${JOB_STATUS}" --arg sha "${GITHUB_SHA}" --arg url "${run_url}" \
  '{tags: ["deploy", ("service:" + $service), ("environment:" + $environment), ("event:" + $event), ("status:" + $status)],
    text: ($event + " " + $service + " " + $sha[0:12] + " to " + $environment + ": " + $status + " (" + $url + ")")}
   + (if $uid == "" then {} else {dashboardUID: $uid} end)')"
curl --silent --show-error --fail --max-time 15 --request POST "${GRAFANA_URL}/api/annotations" \
  --header "Authorization: Bearer ${GRAFANA_TOKEN}" --header "Content-Type: application/json" \
  --data "${body}" >/dev/null || echo "::warning::could not annotate the Grafana dashboard"
"#;

/// Install the released platform CLI the org pins, checked against its SHA-256 before it
/// runs: no Rust compiled on every pull request. A `.tar.gz` must hold a file `platform`.
pub const INSTALL_PLATFORM_BINARY: &str = r#"set -euo pipefail
dir="${RUNNER_TEMP}/platform-cli"
mkdir -p "${dir}/bin"
curl --silent --show-error --fail --location --max-time 300 --output "${dir}/download" "${PLATFORM_URL}"
echo "${PLATFORM_SHA256}  ${dir}/download" | sha256sum --check --strict -
case "${PLATFORM_URL}" in
  *.tar.gz | *.tgz)
    tar -xzf "${dir}/download" -C "${dir}"
    bin="$(find "${dir}" -type f -name platform -not -path "${dir}/bin/*" | head -n 1)"
    if [[ -z "${bin}" ]]; then
      echo "::error::the archive holds no file named platform"
      exit 1
    fi
    mv "${bin}" "${dir}/bin/platform"
    ;;
  *) mv "${dir}/download" "${dir}/bin/platform" ;;
esac
chmod +x "${dir}/bin/platform"
echo "${dir}/bin" >>"${GITHUB_PATH}"
"#;

/// Install the platform CLI the org pins (cargo is on every GitHub-hosted runner).
pub const INSTALL_PLATFORM: &str = r#"set -euo pipefail
cargo install --locked --git "${PLATFORM_REPOSITORY}" --tag "${PLATFORM_VERSION}" platform-cli
"#;

/// `platform build --check`: fail when the committed output is stale, with one annotation
/// per drifted file (`--format github`), and show reviewers the drift in the job summary.
pub const PLATFORM_CHECK: &str = r####"set -euo pipefail
status=0
platform build --check --format github --out "${GENERATED_DIR}" . || status=$?
if [[ "${status}" -ne 0 ]]; then
  platform build --check --out "${GENERATED_DIR}" . >drift.diff 2>/dev/null || true
  {
    echo "### Generated files are out of date"
    echo
    echo "Run \`platform build\` and commit the result. Drift:"
    echo
    echo '```diff'
    head -c 60000 drift.diff
    echo '```'
  } >>"${GITHUB_STEP_SUMMARY}"
fi
exit "${status}"
"####;

/// Show reviewers what the pull request changes in the generated output. A change no apply
/// can make (`platform diff` exits 1: a database downgrade, a storage shrink) comes first and
/// fails the check; a diff that cannot run (the base does not compile) only says so.
pub const PLATFORM_DIFF: &str = r####"set -euo pipefail
status=0
platform diff --base "${BASE_SHA}" --deny danger --format markdown . >review.md 2>impossible.txt || status=$?
if [[ "${status}" -ne 0 && "${status}" -ne 1 ]]; then
  echo "platform diff failed; see the log" >review.md
fi
# Each risk as an annotation on the input line that causes it (not one per changed file).
platform diff --base "${BASE_SHA}" --stat --format github . 2>/dev/null | grep '^::[a-z]* file=[^,]*,line=' || true
# The review is capped below GitHub's limits by platform itself.
head -c 900000 review.md >>"${GITHUB_STEP_SUMMARY}"
cat impossible.txt >&2
if [[ "${status}" -eq 1 ]]; then
  echo "::error::this pull request asks for a change no apply can make (a database downgrade or a storage shrink)" \
    "or carries a danger no one accepted (metadata.acceptedRisks); see the job summary"
  exit 1
fi
"####;

/// The review (`review.md`, written by [`PLATFORM_DIFF`]) as the pull request's comment,
/// kept up to date: `gh pr comment --edit-last --create-if-none` edits this workflow's last
/// comment, or posts the first (both flags in the gh manual, gh-pr-comment(1), 2026). A
/// fork's token is read-only: the review then stays in the job summary, and the check does
/// not fail for it.
pub const POST_REVIEW: &str = r#"set -euo pipefail
if [[ ! -s review.md ]]; then
  exit 0
fi
if ! gh pr comment "${PR_NUMBER}" --edit-last --create-if-none --body-file review.md; then
  echo "::notice::the review could not be posted as a comment (a fork's token is read-only); it is in the job summary"
fi
"#;

/// The copies of the generated workflows under `.github/workflows/` must equal the generated
/// files (GitHub only reads that one flat directory), and a generated copy nothing generates
/// any more (a renamed service's, or the promote and rollback workflows of a version before
/// they became actions of the service's workflow) must go: it would still run.
pub const WORKFLOW_COPIES: &str = r##"set -euo pipefail
status=0
for f in "${GENERATED_DIR}"/*/github-actions/workflows/*.yml; do
  copy=".github/workflows/$(basename "${f}")"
  if ! cmp --silent "${f}" "${copy}"; then
    echo "::error file=${copy}::${copy} differs from ${f}; copy the generated workflow over it"
    status=1
  fi
done
for copy in .github/workflows/*.yml; do
  [ -e "${copy}" ] || continue
  IFS= read -r first < "${copy}" || true
  case "${first}" in "# Code generated by platform "*) ;; *) continue ;; esac
  found=0
  for f in "${GENERATED_DIR}"/*/github-actions/workflows/"$(basename "${copy}")"; do
    if [ -e "${f}" ]; then found=1; fi
  done
  if [ "${found}" = 0 ]; then
    echo "::error file=${copy}::${copy} was generated by platform, which no longer writes it; delete it"
    status=1
  fi
done
exit "${status}"
"##;

/// Every script, for the tests.
#[cfg(test)]
pub const ALL: &[&str] = &[
    NPM_BUILD,
    NPM_TEST,
    NPM_AUDIT,
    GO_BUILD,
    GO_TEST,
    PIP_BUILD,
    PIP_TEST,
    RUSTUP,
    CARGO_BUILD,
    CARGO_TEST,
    MAVEN_BUILD,
    MAVEN_TEST,
    SIGN,
    TERRAFORM,
    POD_SECURITY_GROUPS,
    KUBECONFIG,
    HELM_UPGRADE,
    CHART_DEPENDENCIES,
    CHART_LOGIN,
    CANARY_WAIT,
    HANDOVER_KEEP,
    HANDOVER_RETIRE,
    RETIRE_RELEASES,
    DASHBOARD,
    PROMOTE,
    ROLLBACK,
    RECORD_DEPLOYMENT,
    RECORD_OUTCOME,
    MARK_ROLLED_BACK,
    ANNOTATE,
    INSTALL_PLATFORM,
    PLATFORM_CHECK,
    PLATFORM_DIFF,
    POST_REVIEW,
    WORKFLOW_COPIES,
];

#[cfg(test)]
mod tests {
    use super::ALL;

    #[test]
    fn scripts_hold_no_expressions_and_end_with_a_newline() {
        for s in ALL {
            assert!(!s.contains("${{"), "{s}");
            assert!(s.ends_with('\n') && !s.contains('\t'), "{s}");
            for line in s.lines() {
                assert!(!(line.contains("curl") && line.contains("secret")), "checkov CKV_GHA_3: {line}");
                assert!(line.len() <= 160, "long line: {line}");
            }
        }
    }

    /// A temporary directory with fake tools first on `PATH`, removed when dropped.
    struct Sandbox(std::path::PathBuf);

    impl Sandbox {
        /// A new directory holding `tools`, each a name and the bash after its shebang (a
        /// tool finds the directory as `$(dirname "$0")`).
        fn new(tools: &[(&str, &str)]) -> Sandbox {
            use std::os::unix::fs::PermissionsExt;
            static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let dir = std::env::temp_dir().join(format!("platform-gha-{}-{run}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            for (name, body) in tools {
                let bin = dir.join(name);
                std::fs::write(&bin, format!("#!/usr/bin/env bash\n{body}")).unwrap();
                std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
            }
            Sandbox(dir)
        }

        /// Run `script` with bash in the directory: the tools first on `PATH`,
        /// `GITHUB_OUTPUT` a file `output` in it, and `env`.
        fn run(&self, script: &str, env: &[(&str, &str)]) -> std::process::Output {
            let path = format!("{}:{}", self.0.display(), std::env::var("PATH").unwrap_or_default());
            std::process::Command::new("bash")
                .args(["-c", script])
                .env("PATH", path)
                .env("GITHUB_OUTPUT", self.0.join("output"))
                .envs(env.iter().copied())
                .current_dir(&self.0)
                .output()
                .expect("bash")
        }

        /// The text of a file in the directory, empty when there is none.
        fn read(&self, name: &str) -> String {
            std::fs::read_to_string(self.0.join(name)).unwrap_or_default()
        }
    }

    impl Drop for Sandbox {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// A copy under `.github/workflows/` must equal its generated workflow, and a generated
    /// copy nothing generates any more is an error; a hand-written workflow is left alone.
    #[test]
    fn workflow_copies_are_current_and_none_is_left_over() {
        let sandbox = Sandbox::new(&[]);
        let put = |path: &str, text: &str| {
            let file = sandbox.0.join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, text).unwrap();
        };
        let generated = "# Code generated by platform from platform.yaml; DO NOT EDIT.\nname: api\n";
        put("generated/api/github-actions/workflows/api.yml", generated);
        put(".github/workflows/api.yml", generated);
        put(".github/workflows/release.yml", "name: release\n");
        let env = [("GENERATED_DIR", "generated")];
        let out = sandbox.run(super::WORKFLOW_COPIES, &env);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
        put(".github/workflows/api-rollback.yml", generated);
        let out = sandbox.run(super::WORKFLOW_COPIES, &env);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!out.status.success() && stdout.contains("api-rollback.yml was generated by platform"), "{stdout}");
        assert!(!stdout.contains("release.yml"), "{stdout}");
        std::fs::remove_file(sandbox.0.join(".github/workflows/api-rollback.yml")).unwrap();
        put(".github/workflows/api.yml", "# Code generated by platform from platform.yaml; DO NOT EDIT.\nname: old\n");
        let out = sandbox.run(super::WORKFLOW_COPIES, &env);
        assert!(!out.status.success() && String::from_utf8_lossy(&out.stdout).contains("differs from"));
    }

    /// Run `script` with bash, a fake `<tool>` on `PATH` that prints its arguments one per
    /// line (or, for `terraform output -raw <name>`, the value given for `<name>`), and `env`.
    /// Returns (success, stdout).
    fn run_with_fake(script: &str, tool: &str, outputs: &[(&str, &str)], env: &[(&str, &str)]) -> (bool, String) {
        let mut fake = String::new();
        for (name, value) in outputs {
            fake.push_str(&format!(
                "if [[ \"$*\" == \"output -raw {name}\" ]]; then printf '%s' '{value}'; exit 0; fi\n"
            ));
        }
        fake.push_str("printf '%s\\n' \"$@\"\n");
        let sandbox = Sandbox::new(&[(tool, &fake)]);
        let out = sandbox.run(script, env);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned() + &sandbox.read("output");
        (out.status.success(), stdout)
    }

    /// `SECRET_VALUES` with a fake `aws` that reports no current version for names ending
    /// in `-empty`: (success, stdout).
    fn secret_values(secrets: &str) -> (bool, String) {
        let sandbox = Sandbox::new(&[("aws", "if [[ \"$*\" == *\"-empty \"* ]]; then echo 0; else echo 1; fi\n")]);
        let out = sandbox.run(super::SECRET_VALUES, &[("SECRETS", secrets)]);
        (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
    }

    #[test]
    fn a_declared_secret_without_a_value_stops_the_deploy_before_helm() {
        assert!(secret_values("").0);
        assert!(secret_values("staging/pay/stripe-key staging/pay/smtp").0);
        let (ok, out) = secret_values("staging/pay/stripe-key staging/pay/smtp-empty");
        assert!(!ok, "{out}");
        assert!(
            out.contains("::error::the secret staging/pay/smtp-empty has no value") && out.contains("put-secret-value"),
            "{out}"
        );
        assert!(!out.contains("stripe-key has no value"), "{out}");
        let (ok, out) = secret_values("staging/pay/x;id");
        assert!(!ok && out.contains("does not follow the naming rule"), "{out}");
    }

    #[test]
    fn an_image_already_in_the_registry_is_not_pushed_again() {
        let check = |docker: &str| {
            let sandbox = Sandbox::new(&[("docker", docker)]);
            let out = sandbox.run(
                super::IMAGE_EXISTS,
                &[("IMAGE", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/pay"), ("GITHUB_SHA", "0123abc")],
            );
            (out.status.success(), sandbox.read("output"), String::from_utf8_lossy(&out.stdout).into_owned())
        };
        let (ok, output, log) = check(
            "[[ \"$*\" == \"buildx imagetools inspect 123456789012.dkr.ecr.eu-west-1.amazonaws.com/pay:0123abc\" ]]\n",
        );
        assert!(ok && output.contains("found=true") && log.contains("is not built again"), "{output}{log}");
        let (ok, output, _) = check("exit 1\n");
        assert!(ok && !output.contains("found"), "a new image is built and pushed: {output}");
    }

    /// `INSTALL_PLATFORM_BINARY` with a fake `curl` that downloads `content`, expecting
    /// `sha256`: (success, the installed binary's text if any).
    fn install_binary(content: &str, sha256: &str) -> (bool, Option<String>) {
        let curl = format!(
            "while [[ $# -gt 0 ]]; do if [[ $1 == --output ]]; then printf '%s' '{content}' >\"$2\"; fi; shift; done\n"
        );
        let sandbox = Sandbox::new(&[("curl", &curl)]);
        let temp = sandbox.0.display().to_string();
        let github_path = sandbox.0.join("github_path").display().to_string();
        let out = sandbox.run(
            super::INSTALL_PLATFORM_BINARY,
            &[
                ("RUNNER_TEMP", &temp),
                ("GITHUB_PATH", &github_path),
                ("PLATFORM_URL", "https://releases.example.com/platform-v1-linux-amd64"),
                ("PLATFORM_SHA256", sha256),
            ],
        );
        let installed = std::fs::read_to_string(sandbox.0.join("platform-cli/bin/platform")).ok();
        (out.status.success(), installed)
    }

    #[test]
    fn the_released_cli_runs_only_with_its_digest() {
        // The digest of the content the fake downloads, as `sha256sum` prints it.
        let out = std::process::Command::new("bash")
            .args(["-c", "printf '%s' platform | sha256sum | cut -d' ' -f1"])
            .output()
            .unwrap();
        let real = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        assert_eq!(real.len(), 64);
        let (ok, installed) = install_binary("platform", &real);
        assert!(ok && installed.as_deref() == Some("platform"));
        let (ok, installed) = install_binary("tampered", &real);
        assert!(!ok && installed.is_none(), "a binary that does not match its digest was installed");
    }

    /// `script` with a fake `gh` that logs every call (its arguments, then its standard input
    /// for `--input -`) to `gh.log` and answers `--jq` queries with `42`: (success, the log,
    /// `$GITHUB_OUTPUT`).
    fn with_fake_gh(script: &str, env: &[(&str, &str)]) -> (bool, String, String) {
        let gh = "log=\"$(dirname \"$0\")/gh.log\"\necho \"gh $*\" >>\"${log}\"\nif [[ \"$*\" == *'--input -'* ]]; then cat >>\"${log}\"; fi\nif [[ \"$*\" == *--jq* ]]; then echo 42; fi\n";
        let sandbox = Sandbox::new(&[("gh", gh)]);
        let mut all = vec![
            ("GITHUB_REPOSITORY", "acme/shop"),
            ("GITHUB_SERVER_URL", "https://github.com"),
            ("GITHUB_RUN_ID", "7"),
            ("GITHUB_SHA", "0123abc"),
        ];
        all.extend_from_slice(env);
        let out = sandbox.run(script, &all);
        (out.status.success(), sandbox.read("gh.log"), sandbox.read("output"))
    }

    #[test]
    fn deploys_are_recorded_per_service_and_a_rollback_marks_the_services_own() {
        let env = [("SERVICE", "payment-api"), ("ENVIRONMENT", "production"), ("PRODUCTION", "true")];
        let (ok, log, output) = with_fake_gh(super::RECORD_DEPLOYMENT, &env);
        assert!(ok, "{log}");
        let body: serde_json::Value = serde_json::from_str(
            log.lines().skip(1).take_while(|l| !l.starts_with("gh ")).collect::<String>().as_str(),
        )
        .unwrap();
        assert_eq!(body["environment"], "production/payment-api");
        assert_eq!(body["task"], "deploy");
        assert_eq!(body["production_environment"], true);
        assert_eq!(body["required_contexts"], serde_json::json!([]));
        assert!(log.contains("deployments/42/statuses -f state=in_progress"), "{log}");
        assert_eq!(output, "id=42\n");

        for (status, state) in [("success", "success"), ("failure", "failure"), ("cancelled", "error")] {
            let env = [("SERVICE", "payment-api"), ("DEPLOYMENT_ID", "42"), ("JOB_STATUS", status)];
            let (ok, log, _) = with_fake_gh(super::RECORD_OUTCOME, &env);
            assert!(ok && log.contains(&format!("deployments/42/statuses -f state={state} ")), "{status}: {log}");
        }

        let (ok, log, _) = with_fake_gh(super::MARK_ROLLED_BACK, &env);
        assert!(ok, "{log}");
        assert!(log.contains("deployments?environment=production/payment-api&task=deploy&per_page=1"), "{log}");
        assert!(log.contains("deployments/42/statuses -f state=failure"), "{log}");
    }

    /// `script` with a fake `kubectl` that knows the workloads `live` (`deployment`,
    /// `rollout`; a kept one as `deployment:keep`) and logs every call: (success, the log).
    fn with_workloads(script: &str, canary: bool, live: &[&str]) -> (bool, String) {
        let mut kubectl = String::from("echo \"kubectl $*\" >>\"$(dirname \"$0\")/kubectl.log\"\n");
        for w in live {
            let (kind, keep) = w.split_once(':').map_or((*w, ""), |(k, p)| (k, p));
            kubectl.push_str(&format!(
                "if [[ \"$1 $2\" == 'get {kind}' ]]; then [[ \"$*\" == *jsonpath* ]] && printf '%s' '{keep}'; exit 0; fi\n"
            ));
        }
        kubectl.push_str("if [[ \"$1\" == get ]]; then exit 1; fi\n");
        let sandbox = Sandbox::new(&[("kubectl", &kubectl)]);
        let env =
            [("RELEASE", "payment-api"), ("NAMESPACE", "payments"), ("CANARY", if canary { "true" } else { "false" })];
        let out = sandbox.run(script, &env);
        (out.status.success(), sandbox.read("kubectl.log"))
    }

    #[test]
    fn a_workload_that_changes_kind_keeps_serving_until_the_new_one_is_ready() {
        let keeps = |canary, live: &[&str]| {
            let (ok, log) = with_workloads(super::HANDOVER_KEEP, canary, live);
            assert!(ok, "{log}");
            log.lines().find(|l| l.starts_with("kubectl annotate")).map(str::to_owned)
        };
        // Canary turned on for a live service: its Deployment is kept; nothing else is touched.
        assert_eq!(
            keeps(true, &["deployment"]).as_deref(),
            Some(
                "kubectl annotate deployment payment-api --namespace payments --overwrite helm.sh/resource-policy=keep"
            )
        );
        assert_eq!(keeps(true, &[]), None, "a new service");
        assert_eq!(keeps(true, &["rollout", "deployment"]), None, "the Rollout exists already");
        // Canary turned off: the Rollout is kept while the Deployment starts.
        assert!(keeps(false, &["rollout"]).is_some_and(|l| l.starts_with("kubectl annotate rollout payment-api")));
        assert_eq!(keeps(false, &["deployment"]), None);

        let retires = |canary, live: &[&str]| {
            let (ok, log) = with_workloads(super::HANDOVER_RETIRE, canary, live);
            assert!(ok, "{log}");
            log.lines().find(|l| l.starts_with("kubectl delete")).map(str::to_owned)
        };
        assert_eq!(
            retires(true, &["rollout", "deployment:keep"]).as_deref(),
            Some("kubectl delete deployment payment-api --namespace payments --wait=false")
        );
        assert_eq!(retires(true, &["rollout"]), None, "nothing was kept");
        assert_eq!(retires(true, &["rollout", "deployment"]), None, "a Deployment the deploy did not keep");
        assert!(
            retires(false, &["deployment", "rollout:keep"]).is_some_and(|l| l.starts_with("kubectl delete rollout"))
        );
    }

    #[test]
    fn a_rename_uninstalls_only_the_previous_releases_that_are_there() {
        // A fake helm: `status` succeeds for the releases in `live`; every call is logged.
        let helm = r#"echo "helm $*" >>"$(dirname "$0")/log"
if [[ "$1" == "status" ]]; then [[ " ${LIVE} " == *" $2 "* ]]; exit $?; fi"#;
        let sandbox = Sandbox::new(&[("helm", helm)]);
        let env = [("RETIRED", "accounts-api users"), ("NAMESPACE", "identity"), ("LIVE", "accounts-api")];
        let out = sandbox.run(super::RETIRE_RELEASES, &env);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let uninstalled: Vec<String> =
            sandbox.read("log").lines().filter(|l| l.starts_with("helm uninstall")).map(str::to_owned).collect();
        assert_eq!(uninstalled, ["helm uninstall accounts-api --namespace identity --wait --timeout 5m"]);
        // A name that is no service name is refused before helm runs.
        let sandbox = Sandbox::new(&[("helm", helm)]);
        let out = sandbox.run(super::RETIRE_RELEASES, &[("RETIRED", "x;rm"), ("NAMESPACE", "identity"), ("LIVE", "")]);
        assert!(!out.status.success());
        assert_eq!(sandbox.read("log"), "");
    }

    #[test]
    fn the_pull_request_check_fails_on_a_change_no_apply_can_make() {
        let run = |code: u8| {
            let platform = format!(
                "if [[ \"$*\" == *markdown* ]]; then echo '## platform diff'; echo '### Changes no apply can make'; echo '- VAL009'; fi\necho 'error[VAL009]: a downgrade' >&2\nexit {code}"
            );
            let sandbox = Sandbox::new(&[("platform", &platform)]);
            let summary = sandbox.0.join("summary");
            let env = [("BASE_SHA", "abc"), ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())];
            let out = sandbox.run(super::PLATFORM_DIFF, &env);
            (out.status.success(), sandbox.read("summary"))
        };
        let (ok, summary) = run(1);
        assert!(!ok && summary.starts_with("## platform diff") && summary.contains("VAL009"), "{summary}");
        assert!(super::PLATFORM_DIFF.contains("--deny danger"), "an unaccepted danger fails the check");
        let (ok, summary) = run(0);
        assert!(ok && summary.starts_with("## platform diff"), "{summary}");
        let (ok, summary) = run(3);
        assert!(ok && summary.contains("platform diff failed"), "{summary}");
    }

    #[test]
    fn the_review_is_posted_and_a_read_only_token_does_not_fail_the_check() {
        let run = |code: u8, review: &str| {
            let gh = format!("echo \"$*\" >\"$(dirname \"$0\")/gh-args\"\nexit {code}");
            let sandbox = Sandbox::new(&[("gh", &gh)]);
            std::fs::write(sandbox.0.join("review.md"), review).unwrap();
            let out = sandbox.run(super::POST_REVIEW, &[("PR_NUMBER", "7")]);
            let args = std::fs::read_to_string(sandbox.0.join("gh-args")).unwrap_or_default();
            (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), args)
        };
        let (ok, _, args) = run(0, "## platform diff\n");
        assert!(ok && args.contains("pr comment 7 --edit-last --create-if-none --body-file review.md"), "{args}");
        let (ok, out, _) = run(1, "## platform diff\n");
        assert!(ok && out.contains("::notice::"), "{out}");
        let (ok, _, args) = run(0, "");
        assert!(ok && args.is_empty(), "nothing to post: {args}");
    }

    /// `CANARY_WAIT` with a fake `kubectl` that answers each jsonpath query from `status`:
    /// (success, stdout).
    fn canary_wait(status: &[(&str, &str)]) -> (bool, String) {
        let mut kubectl = String::new();
        for (path, value) in status {
            kubectl.push_str(&format!(
                "if [[ \"$*\" == *'jsonpath={{{path}}}'* ]]; then printf '%s' '{value}'; exit 0; fi\n"
            ));
        }
        let sandbox = Sandbox::new(&[("kubectl", &kubectl)]);
        let env = [("RELEASE", "payment-api"), ("NAMESPACE", "payments"), ("CANARY_TIMEOUT_SECONDS", "-1")];
        let out = sandbox.run(super::CANARY_WAIT, &env);
        (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
    }

    #[test]
    fn an_inconclusive_canary_stops_the_deploy_with_what_to_do() {
        let state = |phase: &'static str, reasons: &'static str| {
            vec![
                (".metadata.generation", "2"),
                (".status.observedGeneration", "2"),
                (".status.phase", phase),
                (".status.pauseConditions[*].reason", reasons),
            ]
        };
        assert!(canary_wait(&state("Healthy", "")).0);
        let (ok, out) = canary_wait(&state("Degraded", ""));
        assert!(!ok && out.contains("was aborted"), "{out}");
        let (ok, out) = canary_wait(&state("Paused", "InconclusiveAnalysisRun"));
        assert!(!ok && out.contains("was inconclusive") && out.contains("platform deploy promote"), "{out}");
        // A pause step is no reason to stop: the job waits (here: past its deadline at once).
        let (ok, out) = canary_wait(&state("Paused", "CanaryPauseStep"));
        assert!(!ok && out.contains("did not finish in time"), "{out}");
    }

    fn helm_env<'a>(database: &'a str, pod: &'a str, cluster: &'a str) -> Vec<(&'a str, &'a str)> {
        vec![
            ("RELEASE", "payment-api"),
            ("CHART_DIR", "generated/payment-api/helm/payment-api"),
            ("NAMESPACE", "payments"),
            ("ENVIRONMENT", "production"),
            ("IMAGE_TAG", "0123abc"),
            ("HELM_TIMEOUT", "10m"),
            ("HELM_WAIT", "legacy"),
            ("ROLLBACK_ON_FAILURE", "true"),
            ("CANARY", "true"),
            ("CANARY_WEIGHT", ""),
            ("DATABASE", database),
            ("POD_SECURITY_GROUP_ID", pod),
            ("CLUSTER_SECURITY_GROUP_ID", cluster),
        ]
    }

    #[test]
    fn a_picked_canary_weight_is_its_own_value_and_only_a_percentage() {
        let with = |canary: &'static str, weight: &'static str| {
            let mut env = helm_env("false", "", "");
            for (k, v) in &mut env {
                match *k {
                    "CANARY" => *v = canary,
                    "CANARY_WEIGHT" => *v = weight,
                    _ => {}
                }
            }
            run_with_fake(super::HELM_UPGRADE, "helm", &[], &env)
        };
        let (ok, args) = with("true", "5");
        assert!(ok && args.contains("--set\nrollout.firstWeight=5\n"), "{args}");
        let (ok, args) = with("false", "5");
        assert!(ok && !args.contains("firstWeight"), "no canary here: {args}");
        for bad in ["0", "100", "5,rollout.enabled=false", "x"] {
            let (ok, args) = with("true", bad);
            assert!(!ok && !args.contains("upgrade"), "{bad:?}: helm ran with {args}");
        }
    }

    #[test]
    fn helm_upgrade_passes_the_pod_security_groups_as_json() {
        let (ok, args) =
            run_with_fake(super::HELM_UPGRADE, "helm", &[], &helm_env("true", "sg-0123456789abcdef0", "sg-0fedcba9"));
        assert!(ok, "{args}");
        assert!(args.contains("--set-json\npodSecurityGroups=[\"sg-0123456789abcdef0\",\"sg-0fedcba9\"]\n"), "{args}");
        assert!(args.contains("--rollback-on-failure\n"), "{args}");
        assert!(args.contains("--wait=legacy\n"), "the kstatus watcher cannot read a Rollout: {args}");
        let dependencies = args.find("dependency\nbuild\ngenerated/payment-api/helm/payment-api\n");
        assert!(
            dependencies.is_some_and(|d| Some(d) < args.find("upgrade\n")),
            "no library chart before the upgrade: {args}"
        );

        let (ok, args) = run_with_fake(super::HELM_UPGRADE, "helm", &[], &helm_env("false", "", ""));
        assert!(ok && !args.contains("podSecurityGroups"), "{args}");
        assert!(!args.contains("firstWeight"), "no weight picked: the steps as written: {args}");

        for (pod, cluster) in [
            ("", "sg-0fedcba9"),
            ("sg-0123456789abcdef0", ""),
            ("sg-1\"],\"x\":[\"", "sg-0fedcba9"),
            ("sg-0123456789abcdef0\nsg-0123456789abcdef0", "sg-0fedcba9"),
            ("sg-0123456789ABCDEF0", "sg-0fedcba9"),
            ("sg-0123456", "sg-0fedcba9"),
        ] {
            let (ok, args) = run_with_fake(super::HELM_UPGRADE, "helm", &[], &helm_env("true", pod, cluster));
            assert!(!ok && !args.contains("upgrade"), "{pod:?} {cluster:?}: helm ran with {args}");
        }
    }

    #[test]
    fn pod_security_groups_come_from_the_terraform_outputs() {
        let env = [("TERRAFORM_DIR", ".")];
        let good = [("pod_security_group_id", "sg-0123456789abcdef0"), ("cluster_security_group_id", "sg-0fedcba9")];
        let (ok, out) = run_with_fake(super::POD_SECURITY_GROUPS, "terraform", &good, &env);
        assert!(ok, "{out}");
        assert!(out.ends_with("pod=sg-0123456789abcdef0\ncluster=sg-0fedcba9\n"), "{out}");

        let bad = [("pod_security_group_id", "sg-1::set-env"), ("cluster_security_group_id", "sg-0fedcba9")];
        let (ok, out) = run_with_fake(super::POD_SECURITY_GROUPS, "terraform", &bad, &env);
        assert!(!ok && !out.contains("pod=") && !out.contains("set-env"), "{out}");
    }

    #[test]
    fn scripts_parse_as_bash() {
        for s in ALL {
            let out = std::process::Command::new("bash").args(["-n", "-c", s]).output().expect("bash");
            assert!(out.status.success(), "{s}\n{}", String::from_utf8_lossy(&out.stderr));
        }
    }
}
