//! `platform-check.yml`: on every pull request, `platform build --check` fails when the
//! committed generated files are stale, the copies under `.github/workflows/` must equal the
//! generated workflows, and the job summary shows reviewers what the pull request changes in
//! the generated output (`platform diff`).

use serde_json::{Value, json};

use crate::Cx;
use crate::doc::{map, push};
use crate::pins::Action;
use crate::scripts;
use crate::wf::{self, CONTENTS_READ, PULL_REQUESTS_COMMENT, RUNNER, with_if};

/// File name.
pub const FILE: &str = "platform-check.yml";

/// The workflow.
pub fn workflow(cx: &mut Cx<'_>) -> Value {
    let generated = cx.ci.generated_dir.clone();
    let repository = cx.ci.platform_repository.clone();
    let version = cx.ci.platform_version.clone();
    let binary = cx.ci.platform_binary.clone();
    let checkout = wf::uses(
        &mut cx.g,
        &mut cx.pins,
        "Check out",
        Action::Checkout,
        Some(map([("persist-credentials", json!(false)), ("fetch-depth", json!(0))])),
    );
    let steps = vec![
        checkout,
        match binary {
            Some((url, sha256)) => wf::run(
                "Install the platform CLI (pinned release)",
                map([("PLATFORM_URL", json!(url)), ("PLATFORM_SHA256", json!(sha256))]),
                scripts::INSTALL_PLATFORM_BINARY,
            ),
            None => wf::run(
                "Install the platform CLI",
                map([("PLATFORM_REPOSITORY", json!(repository)), ("PLATFORM_VERSION", json!(version))]),
                scripts::INSTALL_PLATFORM,
            ),
        },
        wf::run("platform build --check", map([("GENERATED_DIR", json!(generated))]), scripts::PLATFORM_CHECK),
        wf::run(
            "Workflow copies match the generated workflows",
            map([("GENERATED_DIR", json!(generated))]),
            scripts::WORKFLOW_COPIES,
        ),
        with_if(
            wf::run(
                "Review the changes: risks, objects and files",
                map([("BASE_SHA", json!("${{ github.event.pull_request.base.sha }}"))]),
                scripts::PLATFORM_DIFF,
            ),
            "${{ !cancelled() }}",
        ),
        with_if(
            wf::run(
                "Post the review on the pull request",
                map([
                    ("GH_TOKEN", json!("${{ github.token }}")),
                    ("GH_REPO", json!("${{ github.repository }}")),
                    ("PR_NUMBER", json!("${{ github.event.pull_request.number }}")),
                ]),
                scripts::POST_REVIEW,
            ),
            "${{ !cancelled() }}",
        ),
    ];
    let check = map([
        ("name", json!("Generated files are up to date")),
        ("runs-on", json!(RUNNER)),
        ("permissions", wf::permissions(&[CONTENTS_READ, PULL_REQUESTS_COMMENT])),
        ("steps", Value::Array(steps)),
    ]);
    let mut doc = map([
        ("name", json!("platform check")),
        ("on", map([("pull_request", map([]))])),
        ("permissions", map([])),
        (
            "concurrency",
            map([
                ("group", json!("${{ github.workflow }}-${{ github.event.pull_request.number }}")),
                ("cancel-in-progress", json!(true)),
            ]),
        ),
    ]);
    push(&mut doc, "jobs", map([("check", check)]));
    doc
}
