//! `platform-security.yml`: dependency audit (the language's lockfile, through Trivy, plus
//! `npm audit` for TypeScript), a scan of the pushed image, and a scan of the service's
//! generated Terraform and Helm chart for misconfigurations. High and critical findings fail.

use serde_json::{Value, json};

use crate::doc::{map, push};
use crate::pins::Action;
use crate::toolchain::{self, Purpose};
use crate::wf::{self, CONTENTS_READ, ID_TOKEN_ECR, Input, PACKAGES_READ, RUNNER, Type, with_if};
use crate::{Cx, scripts};

/// File name.
pub const FILE: &str = "platform-security.yml";

/// Inputs.
pub const INPUTS: &[Input] = &[
    Input("service", Type::String, "service name"),
    Input("language", Type::String, "service language: typescript, go, python, rust or java"),
    Input("working-directory", Type::String, "the service's directory, relative to the repository root"),
    Input("image", Type::String, "image repository without tag; the tag is the commit SHA"),
    Input("registry", Type::String, "host of the image registry"),
    Input(
        "scan-image",
        Type::Boolean,
        "scan the image pushed for this commit (false on pull requests: nothing is pushed)",
    ),
    Input("generated-dir", Type::String, "directory `platform build` writes to, relative to the repository root"),
];

fn trivy(cx: &mut Cx<'_>, name: &str, scan_type: &str, target: (&str, Value)) -> Value {
    wf::uses(
        &mut cx.g,
        &mut cx.pins,
        name,
        Action::Trivy,
        Some(map([
            ("scan-type", json!(scan_type)),
            target,
            ("severity", json!("HIGH,CRITICAL")),
            ("ignore-unfixed", json!(true)),
            ("exit-code", json!("1")),
            ("cache", json!("false")),
        ])),
    )
}

/// The workflow.
pub fn workflow(cx: &mut Cx<'_>) -> Value {
    let mut dep_steps = vec![wf::checkout(&mut cx.g, &mut cx.pins)];
    dep_steps.extend(toolchain::steps(&mut cx.g, &mut cx.pins, cx.org, Purpose::Audit));
    let mut lockfiles = trivy(cx, "Audit dependencies (lockfile)", "fs", ("scan-ref", wf::input("working-directory")));
    if let Some(with) = lockfiles.get_mut("with") {
        push(with, "scanners", json!("vuln"));
    }
    dep_steps.push(lockfiles);
    let dependencies = map([
        ("name", json!("Dependencies of ${{ inputs.service }}")),
        ("runs-on", json!(RUNNER)),
        ("permissions", wf::permissions(&[CONTENTS_READ])),
        ("defaults", map([("run", map([("working-directory", wf::input("working-directory"))]))])),
        ("steps", Value::Array(dep_steps)),
    ]);

    let mut image_steps = super::registry_login(cx, None);
    image_steps.push(trivy(
        cx,
        "Scan the image",
        "image",
        ("image-ref", json!("${{ inputs.image }}:${{ github.sha }}")),
    ));
    let image = with_if(
        map([
            ("name", json!("Image of ${{ inputs.service }}")),
            ("runs-on", json!(RUNNER)),
            ("permissions", wf::permissions(&super::registry_grants(cx, &[PACKAGES_READ], &[ID_TOKEN_ECR]))),
            ("steps", Value::Array(image_steps)),
        ]),
        "inputs.scan-image",
    );

    let tf_dir = "${{ inputs.generated-dir }}/${{ inputs.service }}/terraform";
    let chart_dir = "${{ inputs.generated-dir }}/${{ inputs.service }}/helm";
    let mut iac_steps = vec![wf::checkout(&mut cx.g, &mut cx.pins)];
    let tf = trivy(cx, "Scan the generated Terraform", "config", ("scan-ref", json!(tf_dir)));
    iac_steps
        .push(with_if(tf, "hashFiles(format('{0}/{1}/terraform/**', inputs.generated-dir, inputs.service)) != ''"));
    // A packaged chart's objects are in the org's library chart: Trivy renders a chart whose
    // dependency is missing as nothing, silently (aquasecurity/trivy#3813).
    let has_chart = "hashFiles(format('{0}/{1}/helm/**', inputs.generated-dir, inputs.service)) != ''";
    let helm_version = cx.ci.helm_version.clone();
    let setup_helm = wf::uses(
        &mut cx.g,
        &mut cx.pins,
        "Set up Helm",
        Action::SetupHelm,
        Some(map([("version", json!(helm_version))])),
    );
    iac_steps.push(with_if(setup_helm, has_chart));
    if let Some(login) = wf::chart_login(cx.org) {
        iac_steps.push(with_if(login, has_chart));
    }
    let library =
        wf::run("Build the chart's dependencies", map([("CHARTS", json!(chart_dir))]), scripts::CHART_DEPENDENCIES);
    iac_steps.push(with_if(library, has_chart));
    let chart = trivy(cx, "Scan the generated Helm chart", "config", ("scan-ref", json!(chart_dir)));
    iac_steps.push(with_if(chart, has_chart));
    let iac = map([
        ("name", json!("Generated infrastructure of ${{ inputs.service }}")),
        ("runs-on", json!(RUNNER)),
        ("permissions", wf::permissions(&wf::pulling_charts(cx.org, &[CONTENTS_READ]))),
        ("steps", Value::Array(iac_steps)),
    ]);

    let mut doc = map(super::head(
        "platform security",
        wf::workflow_call(&super::registry_inputs(cx, INPUTS), super::REGISTRY_SECRETS),
    ));
    push(&mut doc, "jobs", map([("dependencies", dependencies), ("image", image), ("iac", iac)]));
    doc
}
