//! `<service>-promote.yml` and `<service>-rollback.yml`: run by hand (`workflow_dispatch`,
//! "Run workflow" in the Actions tab) against the production environments, through their
//! protected GitHub environments.
//!
//! They take no inputs on purpose: each file does one thing to one service, so nothing a
//! person types reaches the pipeline (checkov `CKV_GHA_7`: dispatch inputs must be empty).

use serde_json::{Value, json};

use crate::caller::{Facts, concurrency, job_id, local};
use crate::doc::map;
use crate::reusable::{promote, rollback};
use crate::target::Target;
use crate::wf::{self, DEPLOYMENTS_WRITE, ID_TOKEN_AWS};

/// File name of a service's promote workflow.
pub fn promote_file(service: &str) -> String {
    format!("{service}-promote.yml")
}

/// File name of a service's rollback workflow.
pub fn rollback_file(service: &str) -> String {
    format!("{service}-rollback.yml")
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
        let job = map([
            ("name", json!(format!("Promote in {}", t.environment))),
            ("uses", local(promote::FILE)),
            ("concurrency", concurrency("promote", &f.name, &t.environment)),
            ("permissions", wf::permissions(&[ID_TOKEN_AWS])),
            (
                "with",
                map([
                    ("service", json!(f.name)),
                    ("environment", json!(t.environment)),
                    ("namespace", json!(t.namespace)),
                    ("cluster", json!(t.cluster)),
                    ("aws-region", json!(t.region)),
                    ("aws-role-arn", json!(t.role_arn)),
                    ("dashboard-uid", json!(f.dashboard_uid)),
                    ("grafana-url", json!(f.grafana_url)),
                ]),
            ),
            ("secrets", map([("grafana-token", json!("${{ secrets.GRAFANA_TOKEN }}"))])),
        ]);
        crate::doc::push(&mut jobs, &job_id("promote", &t.environment), job);
    }
    head(&format!("{} promote", f.name), jobs)
}

/// `<service>-rollback.yml`.
pub fn rollback(f: &Facts) -> Value {
    let mut jobs = map([]);
    for t in targets(f) {
        let job = map([
            ("name", json!(format!("Roll back in {}", t.environment))),
            ("uses", local(rollback::FILE)),
            ("concurrency", concurrency("rollback", &f.name, &t.environment)),
            ("permissions", wf::permissions(&[ID_TOKEN_AWS, DEPLOYMENTS_WRITE])),
            (
                "with",
                map([
                    ("service", json!(f.name)),
                    ("environment", json!(t.environment)),
                    ("namespace", json!(t.namespace)),
                    ("cluster", json!(t.cluster)),
                    ("aws-region", json!(t.region)),
                    ("aws-role-arn", json!(t.role_arn)),
                    ("canary", json!(t.canary)),
                    ("helm-timeout", json!(t.helm_timeout)),
                    ("dashboard-uid", json!(f.dashboard_uid)),
                    ("grafana-url", json!(f.grafana_url)),
                ]),
            ),
            ("secrets", map([("grafana-token", json!("${{ secrets.GRAFANA_TOKEN }}"))])),
        ]);
        crate::doc::push(&mut jobs, &job_id("rollback", &t.environment), job);
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
