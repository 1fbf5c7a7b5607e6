//! `platform-promote.yml`: promote a paused or progressing canary to 100 % (Argo Rollouts),
//! in the environment's protected GitHub environment.

use serde_json::Value;

use crate::Cx;
use crate::doc::map;
use crate::reusable::deploy::{annotate, aws_credentials, kubeconfig};
use crate::scripts;
use crate::wf::{self, ID_TOKEN_AWS};

/// File name.
pub const FILE: &str = "platform-promote.yml";

/// The workflow.
pub fn workflow(cx: &mut Cx<'_>) -> Value {
    let steps = vec![
        aws_credentials(cx, false),
        kubeconfig(),
        wf::run(
            "Promote the canary",
            map([("RELEASE", wf::input("service")), ("NAMESPACE", wf::input("namespace"))]),
            scripts::PROMOTE,
        ),
        annotate("promote"),
    ];
    super::EnvironmentWorkflow {
        name: "platform promote",
        job: "promote",
        title: "Promote ${{ inputs.service }} in ${{ inputs.environment }}",
        permissions: &[ID_TOKEN_AWS],
        timeout: false,
        extra: &[],
        steps,
        defaults: &super::defaults(cx.org),
    }
    .build()
}
