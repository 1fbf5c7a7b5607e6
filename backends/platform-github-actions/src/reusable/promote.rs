//! `platform-promote.yml`: promote a paused or progressing canary to 100 % (Argo Rollouts),
//! in the environment's protected GitHub environment.

use serde_json::{Value, json};

use crate::Cx;
use crate::doc::{map, push};
use crate::reusable::deploy::{annotate, aws_credentials, kubeconfig};
use crate::scripts;
use crate::wf::{self, ID_TOKEN_AWS, Input, RUNNER, Type};

/// File name.
pub const FILE: &str = "platform-promote.yml";

/// Inputs.
pub const INPUTS: &[Input] = &[
    Input("service", Type::String, "service name (the Rollout's name)"),
    Input("environment", Type::String, "environment name (and GitHub environment)"),
    Input("namespace", Type::String, "Kubernetes namespace"),
    Input("cluster", Type::String, "EKS cluster name"),
    Input("aws-region", Type::String, "AWS region of the environment"),
    Input("aws-role-arn", Type::String, "role to assume through GitHub's OIDC provider"),
    Input("dashboard-uid", Type::String, "uid of the service's Grafana dashboard (empty: annotate org-wide)"),
    Input("grafana-url", Type::String, "Grafana base URL"),
];

/// The workflow.
pub fn workflow(cx: &mut Cx<'_>) -> Value {
    let steps = vec![
        aws_credentials(cx),
        kubeconfig(),
        wf::run(
            "Promote the canary",
            map([("RELEASE", wf::input("service")), ("NAMESPACE", wf::input("namespace"))]),
            scripts::PROMOTE,
        ),
        annotate("promote"),
    ];
    let promote = map([
        ("name", json!("Promote ${{ inputs.service }} in ${{ inputs.environment }}")),
        ("runs-on", json!(RUNNER)),
        ("environment", wf::input("environment")),
        ("permissions", wf::permissions(&[ID_TOKEN_AWS])),
        ("steps", Value::Array(steps)),
    ]);
    let mut doc = map(super::head("platform promote", wf::workflow_call(INPUTS, super::GRAFANA_SECRETS)));
    push(&mut doc, "jobs", map([("promote", promote)]));
    doc
}
