//! `platform-rollback.yml`: abort a canary (Argo Rollouts) and return the Helm release to its
//! previous revision, then mark the undone deployment failed so the change failure rate and
//! the time to restore can be read from GitHub's deployment records.

use serde_json::{Value, json};

use crate::Cx;
use crate::doc::map;
use crate::pins::Action;
use crate::reusable::deploy::{annotate, aws_credentials, kubeconfig};
use crate::scripts;
use crate::wf::{self, DEPLOYMENTS_WRITE, ID_TOKEN_AWS, Input, Type};

/// File name.
pub const FILE: &str = "platform-rollback.yml";

/// Inputs between the role and the dashboard.
const EXTRA: &[Input] = &[
    Input("canary", Type::Boolean, "the service deploys with a canary (Argo Rollouts)"),
    Input("helm-timeout", Type::String, "how long helm waits for the previous revision to become ready"),
];

/// The workflow.
pub fn workflow(cx: &mut Cx<'_>) -> Value {
    let helm = cx.ci.helm_version.clone();
    let helm_wait = cx.ci.helm_wait;
    let steps = vec![
        aws_credentials(cx, false),
        wf::uses(&mut cx.g, &mut cx.pins, "Set up Helm", Action::SetupHelm, Some(map([("version", json!(helm))]))),
        kubeconfig(),
        wf::run(
            "Roll back",
            map([
                ("RELEASE", wf::input("service")),
                ("NAMESPACE", wf::input("namespace")),
                ("CANARY", wf::input("canary")),
                ("HELM_TIMEOUT", wf::input("helm-timeout")),
                ("HELM_WAIT", json!(helm_wait)),
            ]),
            scripts::ROLLBACK,
        ),
        wf::run(
            "Mark the rolled-back deployment failed",
            map([
                ("SERVICE", wf::input("service")),
                ("ENVIRONMENT", wf::input("environment")),
                ("GH_TOKEN", json!("${{ github.token }}")),
            ]),
            scripts::MARK_ROLLED_BACK,
        ),
        annotate("rollback"),
    ];
    super::EnvironmentWorkflow {
        name: "platform rollback",
        job: "rollback",
        title: "Roll back ${{ inputs.service }} in ${{ inputs.environment }}",
        permissions: &[ID_TOKEN_AWS, DEPLOYMENTS_WRITE],
        timeout: false,
        extra: EXTRA,
        steps,
        defaults: &super::defaults(cx.org),
    }
    .build()
}
