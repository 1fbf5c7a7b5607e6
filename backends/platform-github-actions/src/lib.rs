//! GitHub Actions backend: the org's reusable pipelines and one small caller per service.
//!
//! # What is generated
//!
//! Per service, under `<out>/<service>/github-actions/workflows/`:
//! - `<service>.yml`: on pushes to `main` and on pull requests that touch the service's
//!   directory (or its generated files), it calls the org's workflows: build → test and
//!   security → each environment in promotion order (staging, then production with a canary
//!   when the service has one). Pull requests stop after build, test and security.
//!   Dispatched by hand (`workflow_dispatch`), it deploys up to an environment, or with
//!   `action: rollback` (and, for canary services, `action: promote`) acts on the production
//!   environments instead.
//!
//! Once per org, under `<out>/_org/github-actions/workflows/` ([`Backend::emit_org`]): the
//! reusable workflows `platform-build.yml`, `platform-test.yml`, `platform-security.yml`,
//! `platform-deploy.yml`, `platform-promote.yml`, `platform-rollback.yml`
//! (`on: workflow_call`), and the pull-request workflow `platform-check.yml`.
//!
//! # Where the files go in a repository
//!
//! GitHub reads workflows only from the flat directory `.github/workflows/` at the root of
//! the repository. Copy every generated workflow there, keeping its file name:
//!
//! ```sh
//! platform build            # at the repository root; writes generated/
//! cp generated/*/github-actions/workflows/*.yml .github/workflows/
//! ```
//!
//! A caller references the org's workflows in the same repository by path:
//! `uses: ./.github/workflows/platform-build.yml` (a monorepo). `platform-check.yml` fails a
//! pull request whose copies differ from the generated files. The pipelines assume
//! `platform build` runs at the repository root, so service directories and the output
//! directory (`spec.ci.generatedDir` of the org file) are paths from the root.
//!
//! # Security by construction
//!
//! `permissions: {}` at the top of every workflow and least privilege per job, each grant
//! commented with its reason; OIDC to AWS with the environment's deploy role (no static
//! keys); every action pinned by full commit SHA from the org's lock table (`spec.actions`)
//! with its tag as a comment; deploys queue per service and environment and are never
//! cancelled; checkouts do not persist the token; no `${{ }}` inside `run:` (scripts are
//! constants that read `env:`); every value written into a workflow is checked
//! ([`guard`]).

mod caller;
mod check;
pub mod codes;
mod dispatch;
mod doc;
mod guard;
mod package;
mod pins;
mod reusable;
mod scripts;
mod target;
mod toolchain;
mod wf;

use std::collections::BTreeMap;

use platform_ir::{Artifact, ArtifactSet, Backend, BackendId, Emitted, Format, Org, Service};
use serde_json::Value;

use crate::guard::Guard;
use crate::pins::Pins;
use crate::target::Ci;

/// The backend.
pub struct GithubActions;

/// Its id.
pub const ID: BackendId = BackendId("github-actions");

/// Everything a workflow builder needs: the org, its checked CI settings, the pin table and
/// the diagnostics found so far.
pub struct Cx<'a> {
    g: Guard,
    pins: Pins<'a>,
    org: &'a Org,
    ci: Ci,
}

impl<'a> Cx<'a> {
    fn new(org: &'a Org) -> Self {
        let mut g = Guard::default();
        let ci = Ci::new(&mut g, org);
        Cx { g, pins: Pins::new(org), org, ci }
    }

    fn finish(self, artifacts: ArtifactSet) -> Emitted {
        let mut g = self.g;
        self.pins.finish(&mut g);
        Emitted { artifacts, diagnostics: g.diagnostics }
    }
}

impl Backend for GithubActions {
    fn id(&self) -> BackendId {
        ID
    }

    fn emit_service(&self, org: &Org, service: &Service) -> Emitted {
        let mut cx = Cx::new(org);
        if !org.languages.contains_key(&service.language.value) {
            cx.g.missing_toolchain(service);
        }
        let facts = caller::Facts::new(&mut cx, service);
        let provenance = vec![service.name.span, service.language.span, service.deployment.strategy.span];
        let mut artifacts = ArtifactSet::new();
        let mut put = |file: String, doc: &Value| {
            artifacts.insert(
                &format!("workflows/{file}"),
                Artifact::new(Format::Yaml, doc::to_yaml(doc), provenance.clone()),
            );
        };
        put(caller::file(&facts.name), &caller::workflow(&mut cx, service, &facts));
        cx.finish(artifacts)
    }

    fn emit_org(&self, org: &Org, services: &[&Service]) -> Emitted {
        let mut cx = Cx::new(org);
        let mut docs = vec![(check::FILE, check::workflow(&mut cx))];
        if org.packages.workflows.is_none() {
            docs.extend(reusable_workflows(&mut cx));
        }
        let mut artifacts = ArtifactSet::new();
        for (file, doc) in &docs {
            artifacts.insert(&format!("workflows/{file}"), yaml(org, doc));
        }
        collisions(&mut cx.g, &docs.iter().map(|(f, _)| *f).collect::<Vec<_>>(), services);
        cx.finish(artifacts)
    }

    /// The reusable workflows as the root of their own repository: `.github/workflows/`, and
    /// a README that says how to publish a release and what callers pin.
    fn emit_packages(&self, org: &Org) -> Emitted {
        let mut cx = Cx::new(org);
        let mut artifacts = ArtifactSet::new();
        let docs = reusable_workflows(&mut cx);
        for (file, doc) in &docs {
            artifacts.insert(&format!(".github/workflows/{file}"), yaml(org, doc));
        }
        let files: Vec<&str> = docs.iter().map(|(f, _)| *f).collect();
        artifacts
            .insert("README.md", Artifact::new(Format::Markdown, package::readme(org, &files), vec![org.name.span]));
        cx.finish(artifacts)
    }
}

/// The org's reusable workflows (`on: workflow_call`), by file name.
fn reusable_workflows(cx: &mut Cx<'_>) -> Vec<(&'static str, Value)> {
    vec![
        (reusable::build::FILE, reusable::build::workflow(cx)),
        (reusable::test::FILE, reusable::test::workflow(cx)),
        (reusable::security::FILE, reusable::security::workflow(cx)),
        (reusable::deploy::FILE, reusable::deploy::workflow(cx)),
        (reusable::promote::FILE, reusable::promote::workflow(cx)),
        (reusable::rollback::FILE, reusable::rollback::workflow(cx)),
    ]
}

/// An org workflow as a file.
fn yaml(org: &Org, doc: &Value) -> Artifact {
    Artifact::new(Format::Yaml, doc::to_yaml(doc), vec![org.name.span])
}

/// `GHA005`: every file that lands in `.github/workflows/` must have its own name.
fn collisions(g: &mut Guard, org_files: &[&str], services: &[&Service]) {
    let mut taken: BTreeMap<String, String> =
        org_files.iter().map(|f| ((*f).to_owned(), "the org's workflow".to_owned())).collect();
    for svc in services {
        let name = &svc.name.value;
        let file = caller::file(name);
        match taken.get(&file) {
            Some(owner) => g.collision(&file, svc, owner),
            None => {
                taken.insert(file, format!("the workflow of service `{name}`"));
            }
        }
    }
}
