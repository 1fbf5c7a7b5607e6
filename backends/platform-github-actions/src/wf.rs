//! Small builders shared by every workflow: steps, permissions, inputs.

use platform_ir::Org;
use serde_json::{Value, json};

use crate::doc::{commented, map, push};
use crate::guard::Guard;
use crate::pins::{Action, Pins};

/// The runner every job uses. A fixed image version, not `ubuntu-latest`, so a runner image
/// upgrade is a reviewed change of the generator rather than a surprise.
pub const RUNNER: &str = "ubuntu-24.04";

/// A permission scope with the reason it is granted (zizmor's `undocumented-permissions`).
#[derive(Clone, Copy)]
pub struct Grant(pub &'static str, pub &'static str, pub &'static str);

/// Read the repository's code.
pub const CONTENTS_READ: Grant = Grant("contents", "read", "to check out the code");
/// Mint an OIDC token for AWS.
pub const ID_TOKEN_AWS: Grant = Grant("id-token", "write", "to assume the deploy role in AWS (GitHub's OIDC provider)");
/// Mint an OIDC token for keyless signing.
pub const ID_TOKEN_SIGN: Grant = Grant("id-token", "write", "to sign the image keyless with Sigstore");
/// Mint an OIDC token for keyless signing and for the image push role of the org's ECR.
pub const ID_TOKEN_SIGN_ECR: Grant =
    Grant("id-token", "write", "to sign the image keyless with Sigstore and push it to ECR with the image push role");
/// Mint an OIDC token for the image push role of the org's ECR (pull to scan).
pub const ID_TOKEN_ECR: Grant =
    Grant("id-token", "write", "to pull the image from ECR with the image push role through GitHub's OIDC provider");
/// Push images to ghcr.io.
pub const PACKAGES_WRITE: Grant = Grant("packages", "write", "to push the image to ghcr.io");
/// Pull images from ghcr.io.
pub const PACKAGES_READ: Grant = Grant("packages", "read", "to pull the image from ghcr.io");
/// Mark deployments failed.
pub const DEPLOYMENTS_WRITE: Grant = Grant("deployments", "write", "to mark the rolled-back deployment failed");
/// Post the review of a pull request as its comment.
pub const PULL_REQUESTS_COMMENT: Grant =
    Grant("pull-requests", "write", "to post the review of the change as a comment (a fork's token stays read-only)");
/// Record the service's own deployment.
pub const DEPLOYMENTS_RECORD: Grant = Grant("deployments", "write", "to record the service's deployment (DORA)");
/// Pull the org's library chart (`spec.packages.charts`).
pub const CHART_PULL: Grant =
    Grant("packages", "read", "to pull the org's library chart from the GitHub Container Registry");

/// What a deploy job may do: check out, assume the deploy role, record the deployment
/// ([`pulling_charts`] adds the library chart's registry).
pub const DEPLOY: &[Grant] = &[CONTENTS_READ, ID_TOKEN_AWS, DEPLOYMENTS_RECORD];

/// `grants` of a job that builds a chart's dependencies, and [`CHART_PULL`] when the org
/// publishes its library chart to a registry (`spec.packages.charts`), unless the job reads
/// packages already.
pub fn pulling_charts(org: &Org, grants: &[Grant]) -> Vec<Grant> {
    let mut out = grants.to_vec();
    if org.packages.charts.is_some() && !grants.iter().any(|g| g.0 == CHART_PULL.0) {
        out.push(CHART_PULL);
    }
    out
}

/// With the library chart in a registry (`spec.packages.charts`, on ghcr.io): the step that
/// logs Helm in to it with the job's own token, before `helm dependency build`.
pub fn chart_login(org: &Org) -> Option<Value> {
    let registry = org.packages.chart_registry()?;
    Some(run(
        "Log in to the chart registry",
        map([
            ("CHART_REGISTRY", json!(registry)),
            ("REGISTRY_USER", json!("${{ github.actor }}")),
            ("REGISTRY_TOKEN", json!("${{ github.token }}")),
        ]),
        crate::scripts::CHART_LOGIN,
    ))
}

/// A `permissions:` mapping, each scope commented with its reason.
pub fn permissions(grants: &[Grant]) -> Value {
    let mut m = map([]);
    for Grant(scope, level, why) in grants {
        push(&mut m, scope, commented(*level, why));
    }
    m
}

/// A step that runs a constant script with `env:` values.
pub fn run(name: &str, env: Value, script: &'static str) -> Value {
    let mut step = map([("name", json!(name))]);
    if env.as_object().is_some_and(|m| !m.is_empty()) {
        push(&mut step, "env", env);
    }
    push(&mut step, "run", json!(script));
    step
}

/// A step that uses a pinned action.
pub fn uses(g: &mut Guard, pins: &mut Pins<'_>, name: &str, action: Action, with: Option<Value>) -> Value {
    let mut step = map([("name", json!(name)), ("uses", pins.uses(g, action))]);
    if let Some(w) = with {
        push(&mut step, "with", w);
    }
    step
}

/// Give a step an `id` (placed right after its `name`).
pub fn with_id(step: Value, id: &str) -> Value {
    after_name(step, "id", json!(id))
}

/// Check out the repository without leaving the token in `.git/config` (zizmor `artipacked`).
pub fn checkout(g: &mut Guard, pins: &mut Pins<'_>) -> Value {
    uses(g, pins, "Check out", Action::Checkout, Some(map([("persist-credentials", json!(false))])))
}

/// Add `if:` to a step or job (placed right after `name`, where readers look for it).
pub fn with_if(step: Value, condition: &str) -> Value {
    after_name(step, "if", json!(condition))
}

/// Insert `key: value` into a mapping right after its `name` (at the end without one).
fn after_name(step: Value, key: &str, value: Value) -> Value {
    let Value::Object(m) = step else { return step };
    let mut out = serde_json::Map::new();
    let mut value = Some(value);
    for (k, v) in m {
        let is_name = k == "name";
        out.insert(k, v);
        if is_name && let Some(v) = value.take() {
            out.insert(key.to_owned(), v);
        }
    }
    if let Some(v) = value {
        out.insert(key.to_owned(), v);
    }
    Value::Object(out)
}

/// The type of a `workflow_call` input.
#[derive(Clone, Copy)]
pub enum Type {
    /// `string`.
    String,
    /// `boolean`.
    Boolean,
    /// `number`.
    Number,
    /// `string`, not required: empty when a caller leaves it out.
    Optional,
}

/// One `workflow_call` input: name, type, description.
#[derive(Clone, Copy)]
pub struct Input(pub &'static str, pub Type, pub &'static str);

/// `on: workflow_call` with the given inputs (required, but for [`Type::Optional`] ones) and
/// optional secrets.
pub fn workflow_call(inputs: &[Input], secrets: &[(&'static str, &'static str)]) -> Value {
    workflow_call_with(inputs, secrets, &[])
}

/// [`workflow_call`], where an input named in `defaults` is not required and defaults to
/// the value given.
pub fn workflow_call_with(
    inputs: &[Input],
    secrets: &[(&'static str, &'static str)],
    defaults: &[(&'static str, Value)],
) -> Value {
    let mut ins = map([]);
    for Input(name, ty, description) in inputs {
        let (ty, default) = match ty {
            Type::String => ("string", None),
            Type::Boolean => ("boolean", None),
            Type::Number => ("number", None),
            Type::Optional => ("string", Some(json!(""))),
        };
        let default = defaults.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).or(default);
        let mut input =
            map([("description", json!(description)), ("type", json!(ty)), ("required", json!(default.is_none()))]);
        if let Some(d) = default {
            push(&mut input, "default", d);
        }
        push(&mut ins, name, input);
    }
    let mut call = map([("inputs", ins)]);
    if !secrets.is_empty() {
        let mut s = map([]);
        for (name, description) in secrets {
            push(&mut s, name, map([("description", json!(description)), ("required", json!(false))]));
        }
        push(&mut call, "secrets", s);
    }
    map([("workflow_call", call)])
}

/// `${{ inputs.<name> }}`.
pub fn input(name: &str) -> Value {
    json!(format!("${{{{ inputs.{name} }}}}"))
}
