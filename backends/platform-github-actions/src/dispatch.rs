//! `<service>-promote.yml` and `<service>-rollback.yml`: run by hand (`workflow_dispatch`,
//! "Run workflow" in the Actions tab) against the production environments, through their
//! protected GitHub environments.
//!
//! They take no inputs on purpose: each file does one thing to one service, so nothing a
//! person types reaches the pipeline (checkov `CKV_GHA_7`: dispatch inputs must be empty).
//! `platform deploy promote` and `platform deploy rollback` dispatch them.

use serde_json::{Value, json};

use crate::caller::{EnvJob, Facts};
use crate::doc::map;
use crate::reusable::{promote, rollback};
use crate::target::Target;
use crate::wf::{DEPLOYMENTS_WRITE, ID_TOKEN_AWS};

/// File name of a service's promote workflow.
pub fn promote_file(service: &str) -> String {
    platform_ir::naming::promote_workflow_file(service)
}

/// File name of a service's rollback workflow.
pub fn rollback_file(service: &str) -> String {
    platform_ir::naming::rollback_workflow_file(service)
}

/// The environments a person promotes in or rolls back: the production ones, or the last
/// environment when none is marked production.
fn targets(f: &Facts) -> Vec<&Target> {
    let prod: Vec<&Target> = f.targets.iter().filter(|t| t.production).collect();
    if prod.is_empty() { f.targets.last().into_iter().collect() } else { prod }
}

/// `<service>-promote.yml` (canary services only).
pub fn promote(f: &Facts) -> Value {
    let mut jobs = map([]);
    for t in targets(f) {
        let (id, job) = EnvJob {
            kind: "promote",
            title: format!("Promote in {}", t.environment),
            gate: Vec::new(),
            file: promote::FILE,
            permissions: &[ID_TOKEN_AWS],
            inputs: Vec::new(),
        }
        .build(f, t);
        crate::doc::push(&mut jobs, &id, job);
    }
    head(&format!("{} promote", f.name), jobs)
}

/// `<service>-rollback.yml`.
pub fn rollback(f: &Facts) -> Value {
    let mut jobs = map([]);
    for t in targets(f) {
        let (id, job) = EnvJob {
            kind: "rollback",
            title: format!("Roll back in {}", t.environment),
            gate: Vec::new(),
            file: rollback::FILE,
            permissions: &[ID_TOKEN_AWS, DEPLOYMENTS_WRITE],
            inputs: vec![("canary", json!(t.canary)), ("helm-timeout", json!(t.helm_timeout))],
        }
        .build(f, t);
        crate::doc::push(&mut jobs, &id, job);
    }
    head(&format!("{} rollback", f.name), jobs)
}

fn head(name: &str, jobs: Value) -> Value {
    map([
        ("name", json!(name)),
        ("on", map([("workflow_dispatch", map([]))])),
        ("permissions", map([])),
        ("jobs", jobs),
    ])
}
