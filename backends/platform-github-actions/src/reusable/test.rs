//! `platform-test.yml`: the service's tests, with the org's toolchain.

use serde_json::{Value, json};

use crate::Cx;
use crate::doc::{map, push};
use crate::toolchain::{self, Purpose};
use crate::wf::{self, CONTENTS_READ, Input, RUNNER, Type};

/// File name.
pub const FILE: &str = "platform-test.yml";

/// Inputs.
pub const INPUTS: &[Input] = &[
    Input("service", Type::String, "service name"),
    Input("language", Type::String, "service language: typescript, go, python, rust or java"),
    Input("working-directory", Type::String, "the service's directory, relative to the repository root"),
];

/// The workflow.
pub fn workflow(cx: &mut Cx<'_>) -> Value {
    let mut steps = vec![wf::checkout(&mut cx.g, &mut cx.pins)];
    steps.extend(toolchain::steps(&mut cx.g, &mut cx.pins, cx.org, Purpose::Test));
    let test = map([
        ("name", json!("Test ${{ inputs.service }}")),
        ("runs-on", json!(RUNNER)),
        ("permissions", wf::permissions(&[CONTENTS_READ])),
        ("defaults", map([("run", map([("working-directory", wf::input("working-directory"))]))])),
        ("steps", Value::Array(steps)),
    ]);
    let mut doc = map(super::head("platform test", wf::workflow_call(INPUTS, &[])));
    push(&mut doc, "jobs", map([("test", test)]));
    doc
}
