//! `platform-build.yml`: compile with the org's toolchain, then build the image, and on
//! `main` push it tagged with the commit SHA, sign it and attest its SBOM.

use serde_json::{Value, json};

use crate::Cx;
use crate::doc::{map, push};
use crate::pins::Action;
use crate::scripts;
use crate::toolchain::{self, Purpose};
use crate::wf::{self, CONTENTS_READ, ID_TOKEN_SIGN, ID_TOKEN_SIGN_ECR, Input, PACKAGES_WRITE, RUNNER, Type, with_if};

/// File name.
pub const FILE: &str = "platform-build.yml";

/// Inputs.
pub const INPUTS: &[Input] = &[
    Input("service", Type::String, "service name"),
    Input("language", Type::String, "service language: typescript, go, python, rust or java"),
    Input("working-directory", Type::String, "the service's directory, relative to the repository root"),
    Input("image", Type::String, "image repository without tag; the tag is the commit SHA"),
    Input("registry", Type::String, "host of the image registry"),
    Input("push", Type::Boolean, "push, sign and attest the image (false on pull requests: build only)"),
];

/// The image of this commit is not in the registry yet ([`scripts::IMAGE_EXISTS`]).
const NEW: &str = "steps.existing.outputs.found != 'true'";

/// This run pushes the image of this commit: sign it and attest its SBOM.
const PUSHED: &str = "inputs.push && steps.existing.outputs.found != 'true'";

/// The workflow.
pub fn workflow(cx: &mut Cx<'_>) -> Value {
    let mut compile_steps = vec![wf::checkout(&mut cx.g, &mut cx.pins)];
    compile_steps.extend(toolchain::steps(&mut cx.g, &mut cx.pins, cx.org, Purpose::Build));
    let compile = map([
        ("name", json!("Compile ${{ inputs.service }}")),
        ("runs-on", json!(RUNNER)),
        ("permissions", wf::permissions(&[CONTENTS_READ])),
        ("defaults", map([("run", map([("working-directory", wf::input("working-directory"))]))])),
        ("steps", Value::Array(compile_steps)),
    ]);

    let mut image_steps = vec![
        wf::checkout(&mut cx.g, &mut cx.pins),
        wf::uses(&mut cx.g, &mut cx.pins, "Set up Docker Buildx", Action::SetupBuildx, None),
    ];
    image_steps.extend(super::registry_login(cx, Some("inputs.push")));
    let exists =
        wf::run("Skip an image this commit already has", map([("IMAGE", wf::input("image"))]), scripts::IMAGE_EXISTS);
    image_steps.push(with_if(wf::with_id(exists, "existing"), "inputs.push"));
    let build = wf::uses(
        &mut cx.g,
        &mut cx.pins,
        "Build the image",
        Action::BuildPush,
        Some(map([
            ("context", wf::input("working-directory")),
            ("push", wf::input("push")),
            ("tags", json!("${{ inputs.image }}:${{ github.sha }}")),
        ])),
    );
    image_steps.push(with_if(wf::with_id(build, "build"), NEW));
    let sbom = wf::uses(
        &mut cx.g,
        &mut cx.pins,
        "Generate the SBOM",
        Action::Trivy,
        Some(map([
            ("scan-type", json!("image")),
            ("image-ref", json!("${{ inputs.image }}@${{ steps.build.outputs.digest }}")),
            ("format", json!("spdx-json")),
            ("output", json!("sbom.spdx.json")),
            ("cache", json!("false")),
        ])),
    );
    image_steps.push(with_if(sbom, PUSHED));
    let cosign = wf::uses(&mut cx.g, &mut cx.pins, "Install cosign", Action::CosignInstaller, None);
    image_steps.push(with_if(cosign, PUSHED));
    let sign = wf::run(
        "Sign the image and attest its SBOM",
        map([("IMAGE", wf::input("image")), ("DIGEST", json!("${{ steps.build.outputs.digest }}"))]),
        scripts::SIGN,
    );
    image_steps.push(with_if(sign, PUSHED));
    let image = map([
        ("name", json!("Image of ${{ inputs.service }}")),
        ("needs", json!(["compile"])),
        ("runs-on", json!(RUNNER)),
        (
            "permissions",
            wf::permissions(&super::registry_grants(
                cx,
                &[CONTENTS_READ, PACKAGES_WRITE, ID_TOKEN_SIGN],
                &[CONTENTS_READ, ID_TOKEN_SIGN_ECR],
            )),
        ),
        ("steps", Value::Array(image_steps)),
    ]);

    let mut doc = map(super::head(
        "platform build",
        wf::workflow_call(&super::registry_inputs(cx, INPUTS), super::REGISTRY_SECRETS),
    ));
    push(&mut doc, "jobs", map([("compile", compile), ("image", image)]));
    doc
}
