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

use crate::Cx;
use crate::doc::map;
use crate::pins::Action;
use crate::wf::{self, with_if};

/// Log in to the image registry: ghcr.io with the job's token, any other registry with the
/// `registry-username` / `registry-password` secrets. `when` is an extra condition.
fn registry_login(cx: &mut Cx<'_>, when: Option<&str>) -> Vec<Value> {
    let both = |c: &str| match when {
        Some(w) => format!("{w} && {c}"),
        None => c.to_owned(),
    };
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
    vec![with_if(ghcr, &both("inputs.registry == 'ghcr.io'")), with_if(other, &both("inputs.registry != 'ghcr.io'"))]
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
