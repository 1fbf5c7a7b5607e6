//! The org's reusable workflows (`on: workflow_call`), one module per file. Teams do not
//! write pipelines: every service's caller runs these, so when the platform team improves a
//! pipeline, every service gets it with the next `platform build`.

pub mod build;
pub mod deploy;
pub mod promote;
pub mod rollback;
pub mod security;
pub mod test;

use serde_json::{Value, json};

use platform_ir::Org;

use crate::Cx;
use crate::doc::{map, push};
use crate::guard::Kind;
use crate::pins::Action;
use crate::wf::{self, Grant, Input, RUNNER, Type, with_if};

/// Log in to the image registry: ghcr.io with the job's token, the org's ECR with the image
/// push role (`inputs.aws-role-arn`, through GitHub's OIDC provider; `docker/login-action`
/// asks ECR for a token with the AWS credentials the job then holds), any other registry
/// with the `registry-username` / `registry-password` secrets. `when` is an extra condition.
fn registry_login(cx: &mut Cx<'_>, when: Option<&str>) -> Vec<Value> {
    let both = |c: &str| match when {
        Some(w) => format!("{w} && {c}"),
        None => c.to_owned(),
    };
    let ecr = cx.org.ecr().is_some();
    let ghcr = wf::uses(
        &mut cx.g,
        &mut cx.pins,
        "Log in to ghcr.io",
        Action::DockerLogin,
        Some(map([
            ("registry", json!("ghcr.io")),
            ("username", json!("${{ github.actor }}")),
            ("password", json!("${{ github.token }}")),
        ])),
    );
    let mut out = vec![with_if(ghcr, &both("inputs.registry == 'ghcr.io'"))];
    if ecr {
        let on_ecr = both("inputs.aws-role-arn != ''");
        let credentials = wf::uses(
            &mut cx.g,
            &mut cx.pins,
            "Assume the image push role",
            Action::ConfigureAwsCredentials,
            Some(map([("role-to-assume", wf::input("aws-role-arn")), ("aws-region", wf::input("aws-region"))])),
        );
        let login = wf::uses(
            &mut cx.g,
            &mut cx.pins,
            "Log in to Amazon ECR",
            Action::DockerLogin,
            Some(map([("registry", wf::input("registry"))])),
        );
        out.extend([with_if(credentials, &on_ecr), with_if(login, &on_ecr)]);
    }
    let other = wf::uses(
        &mut cx.g,
        &mut cx.pins,
        "Log in to the registry",
        Action::DockerLogin,
        Some(map([
            ("registry", wf::input("registry")),
            ("username", json!("${{ secrets.registry-username }}")),
            ("password", json!("${{ secrets.registry-password }}")),
        ])),
    );
    let elsewhere =
        if ecr { "inputs.registry != 'ghcr.io' && inputs.aws-role-arn == ''" } else { "inputs.registry != 'ghcr.io'" };
    out.push(with_if(other, &both(elsewhere)));
    out
}

/// `inputs` and, with an org ECR registry, the inputs [`registry_login`] assumes the image
/// push role with.
fn registry_inputs(cx: &Cx<'_>, inputs: &[Input]) -> Vec<Input> {
    let mut out = inputs.to_vec();
    if cx.org.ecr().is_some() {
        out.extend([
            Input("aws-region", Type::String, "region of the org's ECR registry (empty: the image is elsewhere)"),
            Input(
                "aws-role-arn",
                Type::String,
                "the service's image push role in the ECR registry's account, assumed through GitHub's OIDC provider (empty: the image is elsewhere)",
            ),
        ]);
    }
    out
}

/// The grants of a job that logs in to the image registry: `ghcr` (with the job's token), or
/// with an org ECR registry `ecr` (an OIDC token for the image push role) instead.
fn registry_grants(cx: &Cx<'_>, ghcr: &[Grant], ecr: &[Grant]) -> Vec<Grant> {
    if cx.org.ecr().is_some() { ecr.to_vec() } else { ghcr.to_vec() }
}

/// The secrets of a workflow that logs in to a registry other than ghcr.io.
const REGISTRY_SECRETS: &[(&str, &str)] = &[
    ("registry-username", "user for a registry other than ghcr.io"),
    ("registry-password", "password or token for a registry other than ghcr.io"),
];

/// Secrets of the workflows that annotate Grafana.
const GRAFANA_SECRETS: &[(&str, &str)] = &[(
    "grafana-token",
    "Grafana service-account token with annotation rights (optional: without it nothing is annotated)",
)];

/// The `name:`, `on:` and `permissions: {}` head every reusable workflow starts with.
fn head(name: &str, on: Value) -> [(&'static str, Value); 3] {
    [("name", json!(name)), ("on", on), ("permissions", map([]))]
}

/// A workflow that changes one service in one environment (deploy, promote, rollback): one
/// job in the GitHub environment `inputs.environment` (its protection rules, and a GitHub
/// deployment record), taking where the service runs and the role it assumes there, then
/// `extra` inputs, then its dashboard: the inputs the callers' `EnvJob` passes, in order.
struct EnvironmentWorkflow<'a> {
    /// The workflow's name.
    name: &'a str,
    /// The job's id.
    job: &'a str,
    /// The job's name.
    title: &'a str,
    /// The job's permissions.
    permissions: &'a [Grant],
    /// The job stops after `inputs.timeout-minutes` (an input in `extra`).
    timeout: bool,
    /// Inputs between the role and the dashboard.
    extra: &'a [Input],
    /// The job's steps.
    steps: Vec<Value>,
    /// The org's values of its inputs ([`defaults`]).
    defaults: &'a [(&'static str, Value)],
}

/// The dashboard every environment workflow annotates.
const DASHBOARD_UID: Input =
    Input("dashboard-uid", Type::Optional, "uid of the service's Grafana dashboard (empty: annotate org-wide)");

/// Whether a caller may leave `input` out (an empty value is its default): an optional input
/// of the environment workflows.
pub fn optional(input: &str) -> bool {
    std::iter::once(&DASHBOARD_UID).chain(deploy::EXTRA).any(|i| i.0 == input && matches!(i.1, Type::Optional))
}

/// The inputs of the environment workflows that every service of the org passes alike,
/// with that value: each is declared with it as its default, and a caller passing the same
/// value leaves it out: the org's Grafana, the platform's one Helm timeout, rolling a release
/// back when it does not become ready (a service that turns it off passes `false`), and an
/// environment that is not production, deployed without a canary.
/// Where a service runs (cluster, region, role) stays in its own caller, for its reviewer.
/// A value a workflow could not hold inertly is no default: callers pass it, and the
/// caller's guard reports it.
pub fn defaults(org: &Org) -> Vec<(&'static str, Value)> {
    let mut out = Vec::new();
    let grafana = org.monitoring.grafana_url.value.trim_end_matches('/');
    if Kind::Url.allows(&org.monitoring.grafana_url.value) {
        out.push(("grafana-url", json!(grafana)));
    }
    out.push(("helm-timeout", json!(crate::target::helm_timeout())));
    out.push(("rollback-on-failure", json!(true)));
    // An environment that is not production and a deploy without a canary, which a
    // production environment and a canary service say otherwise.
    out.extend([("canary", json!(false)), ("production", json!(false)), ("canary-timeout-seconds", json!(0))]);
    out
}

impl EnvironmentWorkflow<'_> {
    fn build(self) -> Value {
        let mut inputs = vec![
            Input("service", Type::String, "service name (Helm release and Kubernetes name)"),
            Input("environment", Type::String, "environment name (and GitHub environment)"),
            Input("namespace", Type::String, "Kubernetes namespace"),
            Input("cluster", Type::String, "EKS cluster name"),
            Input("aws-region", Type::String, "AWS region of the environment"),
            Input("aws-role-arn", Type::String, "role to assume through GitHub's OIDC provider"),
        ];
        inputs.extend_from_slice(self.extra);
        inputs.extend([DASHBOARD_UID, Input("grafana-url", Type::String, "Grafana base URL")]);
        let mut job = map([("name", json!(self.title)), ("runs-on", json!(RUNNER))]);
        if self.timeout {
            push(&mut job, "timeout-minutes", wf::input("timeout-minutes"));
        }
        push(&mut job, "environment", wf::input("environment"));
        push(&mut job, "permissions", wf::permissions(self.permissions));
        push(&mut job, "steps", Value::Array(self.steps));
        let mut doc = map(head(self.name, wf::workflow_call_with(&inputs, GRAFANA_SECRETS, self.defaults)));
        let mut jobs = map([]);
        push(&mut jobs, self.job, job);
        push(&mut doc, "jobs", jobs);
        doc
    }
}
