//! The promote and rollback jobs of `<service>.yml`: run by hand (`workflow_dispatch` with
//! `action: promote` or `action: rollback`, "Run workflow" in the Actions tab) against the
//! production environments, through their protected GitHub environments.
//!
//! What a person picks is a choice of the service's one workflow, which GitHub refuses any
//! other value for, and it reaches only `if:` expressions: no text a person types reaches the
//! pipeline. `platform deploy promote` and `platform deploy rollback` dispatch them.

use serde_json::{Value, json};

use crate::caller::{EnvJob, Facts};
use crate::reusable::{promote, rollback};
use crate::target::Target;
use crate::wf::{DEPLOYMENTS_WRITE, ID_TOKEN_AWS};

/// The dispatch actions of a service's workflow, the first the default: a deploy, a
/// promotion of its canary (canary services only) and a rollback.
pub fn actions(canary: bool) -> Vec<&'static str> {
    if canary { vec!["deploy", "promote", "rollback"] } else { vec!["deploy", "rollback"] }
}

/// The `if` of the jobs a dispatch with `action` runs, on main only.
pub fn on_action(action: &str) -> String {
    format!(
        "github.ref == 'refs/heads/main' && github.event_name == 'workflow_dispatch' && inputs.action == '{action}'"
    )
}

/// The environments a person promotes in or rolls back: the production ones, or the last
/// environment when none is marked production.
fn targets(f: &Facts) -> Vec<&Target> {
    let prod: Vec<&Target> = f.targets.iter().filter(|t| t.production).collect();
    if prod.is_empty() { f.targets.last().into_iter().collect() } else { prod }
}

/// The promote jobs (canary services) and the rollback jobs, by job id.
pub fn jobs(f: &Facts, canary: bool) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    if canary {
        out.extend(targets(f).into_iter().map(|t| {
            EnvJob {
                kind: "promote",
                title: format!("Promote in {}", t.environment),
                gate: vec![("if", json!(on_action("promote")))],
                file: promote::FILE,
                permissions: &[ID_TOKEN_AWS],
                inputs: Vec::new(),
            }
            .build(f, t)
        }));
    }
    out.extend(targets(f).into_iter().map(|t| {
        EnvJob {
            kind: "rollback",
            title: format!("Roll back in {}", t.environment),
            gate: vec![("if", json!(on_action("rollback")))],
            file: rollback::FILE,
            permissions: &[ID_TOKEN_AWS, DEPLOYMENTS_WRITE],
            inputs: vec![("canary", json!(t.canary)), ("helm-timeout", json!(t.helm_timeout))],
        }
        .build(f, t)
    }));
    out
}
