//! `platform-rollback.yml`: abort a canary (Argo Rollouts) and return the Helm release to its
//! previous revision, then mark the undone deployment failed so the change failure rate and
//! the time to restore can be read from GitHub's deployment records.

use serde_json::{Value, json};

use crate::Cx;
use crate::doc::{map, push};
use crate::pins::Action;
use crate::reusable::deploy::{annotate, aws_credentials, kubeconfig};
use crate::scripts;
use crate::wf::{self, DEPLOYMENTS_WRITE, ID_TOKEN_AWS, Input, RUNNER, Type};

/// File name.
pub const FILE: &str = "platform-rollback.yml";

/// Inputs.
pub const INPUTS: &[Input] = &[
    Input("service", Type::String, "service name (Helm release and Kubernetes name)"),
    Input("environment", Type::String, "environment name (and GitHub environment)"),
    Input("namespace", Type::String, "Kubernetes namespace"),
    Input("cluster", Type::String, "EKS cluster name"),
    Input("aws-region", Type::String, "AWS region of the environment"),
    Input("aws-role-arn", Type::String, "role to assume through GitHub's OIDC provider"),
    Input("canary", Type::Boolean, "the service deploys with a canary (Argo Rollouts)"),
    Input("helm-timeout", Type::String, "how long helm waits for the previous revision to become ready"),
    Input("dashboard-uid", Type::String, "uid of the service's Grafana dashboard (empty: annotate org-wide)"),
    Input("grafana-url", Type::String, "Grafana base URL"),
];

/// The workflow.
pub fn workflow(cx: &mut Cx<'_>) -> Value {
    let helm = cx.ci.helm_version.clone();
    let steps = vec![
        aws_credentials(cx),
        wf::uses(&mut cx.g, &mut cx.pins, "Set up Helm", Action::SetupHelm, Some(map([("version", json!(helm))]))),
        kubeconfig(),
        wf::run(
            "Roll back",
            map([
                ("RELEASE", wf::input("service")),
                ("NAMESPACE", wf::input("namespace")),
                ("CANARY", wf::input("canary")),
                ("HELM_TIMEOUT", wf::input("helm-timeout")),
            ]),
            scripts::ROLLBACK,
        ),
        wf::run(
            "Mark the rolled-back deployment failed",
            map([("ENVIRONMENT", wf::input("environment")), ("GH_TOKEN", json!("${{ github.token }}"))]),
            scripts::MARK_ROLLED_BACK,
        ),
        annotate("rollback"),
    ];
    let rollback = map([
        ("name", json!("Roll back ${{ inputs.service }} in ${{ inputs.environment }}")),
        ("runs-on", json!(RUNNER)),
        ("environment", wf::input("environment")),
        ("permissions", wf::permissions(&[ID_TOKEN_AWS, DEPLOYMENTS_WRITE])),
        ("steps", Value::Array(steps)),
    ]);
    let mut doc = map(super::head("platform rollback", wf::workflow_call(INPUTS, super::GRAFANA_SECRETS)));
    push(&mut doc, "jobs", map([("rollback", rollback)]));
    doc
}
