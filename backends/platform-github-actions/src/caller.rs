//! `<service>.yml`: the one small workflow a service gets. It owns no steps: it calls the
//! org's reusable workflows in order — build, then test and security, then each environment
//! in promotion order through its protected GitHub environment — and, dispatched by hand
//! with another action, promotes or rolls back production instead ([`crate::dispatch`]).

use platform_ir::{Diagnostic, Org, Packages, Service, deploy as timing, naming};
use serde_json::{Value, json};

use crate::doc::{commented, map, push};
use crate::guard::Kind;
use crate::reusable::{build, deploy, security, test};
use crate::target::Target;
use crate::wf::{
    self, CONTENTS_READ, Grant, ID_TOKEN_ECR, ID_TOKEN_SIGN, ID_TOKEN_SIGN_ECR, PACKAGES_READ, PACKAGES_WRITE,
};
use crate::{Cx, codes};

/// The branch that deploys.
pub const MAIN: &str = "main";

/// Runs that build, scan and push the image: every one but a pull request's (a push to
/// main, or `platform deploy`'s dispatch).
const PUBLISHES: &str = "${{ github.event_name != 'pull_request' }}";

/// The `if` of the deploy job of the first of `rest` (the environments from it on, in
/// order): on main, a push deploys everywhere, a dispatch (`platform deploy --env E`) up to
/// and including E. Environment names are DNS labels (checked by the compiler), so a quoted
/// one is a literal in the expression and nothing else. Every dispatched deploy reaches the
/// first environment (`all`: `rest` is every environment the dispatch may choose), so its
/// job tests no environment.
fn deploys_to(rest: &[Target], all: bool) -> String {
    let dispatched = "github.event_name == 'workflow_dispatch' && inputs.action == 'deploy'";
    let names: Vec<String> = rest.iter().map(|t| format!("inputs.environment == '{}'", t.environment)).collect();
    let dispatched = if all { dispatched.to_owned() } else { format!("{dispatched} && ({})", names.join(" || ")) };
    format!("github.ref == 'refs/heads/main' && (github.event_name == 'push' || {dispatched})")
}

/// The `if` of the build (and so of everything after it): every run but a dispatch of
/// another action than a deploy.
const BUILDS: &str = "github.event_name != 'workflow_dispatch' || inputs.action == 'deploy'";

/// The dispatch: what to run (`platform deploy`, `deploy promote`, `deploy rollback`), how
/// far a deploy goes, and the canary's first weight. All are choices, which GitHub refuses
/// any other value for, and reach the deploy scripts only through `env`.
fn dispatch(f: &Facts, canary: bool, weight: Option<&timing::FirstWeight>) -> Value {
    let skip = "checkov:skip=CKV_GHA_7:choices only, which GitHub validates, reaching scripts through env";
    let names: Vec<&str> = f.targets.iter().map(|t| t.environment.as_str()).collect();
    let actions = crate::dispatch::actions(canary);
    let what = if canary {
        "deploy (build, test, scan, then deploy up to the environment below), promote the production canary, or roll production back"
    } else {
        "deploy (build, test, scan, then deploy up to the environment below), or roll production back"
    };
    let mut inputs = map([
        (
            "action",
            map([
                ("description", json!(what)),
                ("type", commented("choice", skip)),
                ("options", json!(actions)),
                ("required", json!(true)),
                ("default", json!(actions[0])),
            ]),
        ),
        (
            "environment",
            map([
                ("description", json!("deploy up to this environment; each one before it deploys first")),
                ("type", json!("choice")),
                ("options", json!(names)),
                ("required", json!(true)),
                ("default", json!(names.first().copied().unwrap_or_default())),
            ]),
        ),
    ]);
    if let Some(w) = weight.filter(|_| f.targets.iter().any(|t| t.canary)) {
        let options: Vec<String> = w.allowed.iter().map(u32::to_string).collect();
        push(
            &mut inputs,
            "canary-weight",
            map([
                (
                    "description",
                    json!("the canary's first traffic weight, in percent (at most the configured first step)"),
                ),
                ("type", json!("choice")),
                ("options", json!(options)),
                ("required", json!(true)),
                ("default", json!(w.default.to_string())),
            ]),
        );
    }
    map([("inputs", inputs)])
}

/// File name of a service's caller.
pub fn file(service: &str) -> String {
    naming::workflow_file(service)
}

/// `uses:` of one of the org's reusable workflows.
///
/// In this repository: the workspace-relative form, which GitHub resolves to the caller's own
/// commit, so it is pinned with the caller. zizmor's `self-repository` audit prefers GitHub's
/// newer `$/` form, which actionlint (up to 1.7.12) rejects and GitHub Enterprise Server
/// lacks; the inline ignore records that choice (the book's GitHub Actions chapter says
/// why). In the org's workflows repository (`spec.packages.workflows`): pinned by commit,
/// with the release tag as the comment Dependabot and Renovate read, so a new release is one
/// changed line per caller.
pub fn reusable(packages: &Packages, file: &str) -> Value {
    match &packages.workflows {
        None => commented(format!("./.github/workflows/{file}"), "zizmor: ignore[self-repository]"),
        Some(w) => {
            commented(format!("{}/.github/workflows/{file}@{}", w.repository.value, w.sha.value), &packages.tag())
        }
    }
}

/// What the deploy, promote and rollback jobs share about one service.
pub struct Facts {
    /// Service name.
    pub name: String,
    /// Its directory.
    pub dir: String,
    /// Image repository.
    pub image: String,
    /// Host of the image registry.
    pub registry: String,
    /// With an org ECR registry ([`platform_ir::Ecr`]): the image push role the build assumes
    /// and the registry's region; empty strings for an image elsewhere.
    pub ecr_push: Option<(String, String)>,
    /// Dashboard uid, empty when the service has no dashboard of its own.
    pub dashboard_uid: String,
    /// Grafana base URL.
    pub grafana_url: String,
    /// The generated dashboard object the deploy applies (relative to the repository root),
    /// empty when the service has no dashboard ([`platform_ir::deploy::dashboard`]).
    pub dashboard_manifest: String,
    /// One entry per environment, in promotion order.
    pub targets: Vec<Target>,
    /// The AWS session a deploy asks for in every environment, which its role allows
    /// ([`timing::session_seconds`]).
    pub session_seconds: u64,
    /// The org's values of the environment workflows' inputs, which a caller leaves out
    /// ([`crate::reusable::defaults`]).
    pub defaults: Vec<(&'static str, Value)>,
    /// Where the org's reusable workflows are.
    pub packages: Packages,
}

impl Facts {
    /// Resolve and check everything the workflows of `svc` contain.
    pub fn new(cx: &mut Cx<'_>, svc: &Service) -> Self {
        let org: &Org = cx.org;
        let name = cx.g.text(&svc.name, Kind::Name);
        let dir = cx.g.service_dir(svc);
        let image = cx.g.text(&svc.image, Kind::Image);
        let registry = registry_host(&image);
        let ecr_push = org.ecr().map(|ecr| match ecr.repository(&image) {
            Some(_) => (
                format!("arn:aws:iam::{}:role/{}", ecr.account, naming::image_push_role_name(svc.aws_identity())),
                ecr.region,
            ),
            None => (String::new(), String::new()),
        });
        // A service's own dashboard holds its deploy annotations; on the org's shared one they
        // are org annotations, which the dashboard selects by their `service:` tag.
        let dashboard_uid = match platform_ir::deploy::dashboard(org, svc) {
            Some(_) => naming::grafana_uid(&name),
            None => String::new(),
        };
        let grafana_url = cx.g.text(&org.monitoring.grafana_url, Kind::Url).trim_end_matches('/').to_owned();
        let targets = svc.environments.iter().map(|e| Target::new(&mut cx.g, org, svc, e)).collect();
        let longest = timing::longest_deploy_seconds(org, svc);
        if let Some(canary) = svc.deployment.canary.as_ref().filter(|_| longest > timing::GITHUB_HOSTED_JOB_SECONDS) {
            cx.g.diagnostics.push(Diagnostic::warning(
                &codes::GHA006,
                format!(
                    "a deploy of `{}` may take {} minutes, longer than the {} minutes a GitHub-hosted runner runs one job",
                    svc.name.value,
                    longest / 60,
                    timing::GITHUB_HOSTED_JOB_SECONDS / 60
                ),
                canary.span,
                "the canary's pauses and analyses make the deploy job this long",
                "shorten the canary's pauses, or run the deploys on self-hosted runners (up to 5 days per job)",
            ));
        }
        let session_seconds = timing::session_seconds(org, svc);
        let dashboard_manifest = platform_ir::deploy::dashboard(org, svc)
            .map(|d| format!("{}/{name}/grafana/{}", cx.ci.generated_dir, d.file))
            .unwrap_or_default();
        Facts {
            name,
            dir,
            image,
            registry,
            ecr_push,
            dashboard_uid,
            grafana_url,
            dashboard_manifest,
            targets,
            session_seconds,
            defaults: crate::reusable::defaults(org),
            packages: org.packages.clone(),
        }
    }

    /// The `secrets:` a caller passes to build and security: registry credentials, only for
    /// a registry other than ghcr.io (where the job's own token is used) and the org's ECR
    /// (where the image push role is assumed).
    fn registry_secrets(&self) -> Option<Value> {
        (self.registry != "ghcr.io" && !self.on_ecr()).then(|| {
            map([
                ("registry-username", json!("${{ secrets.REGISTRY_USERNAME }}")),
                ("registry-password", json!("${{ secrets.REGISTRY_PASSWORD }}")),
            ])
        })
    }
}

impl Facts {
    /// True when the service's image is in the org's ECR registry.
    fn on_ecr(&self) -> bool {
        self.ecr_push.as_ref().is_some_and(|(role, _)| !role.is_empty())
    }

    /// `uses:` of the org's reusable workflow `file` ([`reusable`]).
    pub fn uses(&self, file: &str) -> Value {
        reusable(&self.packages, file)
    }

    /// The ECR inputs of build and security, when the org's registry is ECR.
    fn ecr_inputs(&self, with: &mut Value) {
        if let Some((role, region)) = &self.ecr_push {
            push(with, "aws-region", json!(region));
            push(with, "aws-role-arn", json!(role));
        }
    }
}

/// The registry host of an image repository (`ghcr.io/acme/x` → `ghcr.io`; no host means
/// Docker Hub).
pub fn registry_host(image: &str) -> String {
    match image.split_once('/') {
        Some((host, _)) if host.contains('.') || host.contains(':') || host == "localhost" => host.to_owned(),
        _ => "docker.io".to_owned(),
    }
}

/// Job id of an environment's job: `deploy-production`.
pub fn job_id(prefix: &str, environment: &str) -> String {
    let env: String =
        environment.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '-' }).collect();
    format!("{prefix}-{env}")
}

/// A job that calls the reusable workflow of one kind of change (`deploy`, `promote`,
/// `rollback`) for a service in one environment.
pub struct EnvJob<'a> {
    /// The kind: the job id's prefix and the concurrency group's ([`concurrency`]).
    pub kind: &'a str,
    /// The job's name.
    pub title: String,
    /// Keys between the name and `uses` (`needs`, `if`).
    pub gate: Vec<(&'static str, Value)>,
    /// The reusable workflow's file.
    pub file: &'a str,
    /// The job's permissions.
    pub permissions: &'a [Grant],
    /// Inputs after where the service runs and before its dashboard.
    pub inputs: Vec<(&'static str, Value)>,
}

impl EnvJob<'_> {
    /// The job id and the job: the service's place and role in `t`'s environment, the
    /// inputs, the dashboard, and the Grafana token for deploy annotations.
    pub fn build(self, f: &Facts, t: &Target) -> (String, Value) {
        let place = [
            ("service", json!(f.name)),
            ("environment", json!(t.environment)),
            ("namespace", json!(t.namespace)),
            ("cluster", json!(t.cluster)),
            ("aws-region", json!(t.region)),
            ("aws-role-arn", json!(t.role_arn)),
        ];
        let inputs = place
            .into_iter()
            .chain(self.inputs)
            .chain([("dashboard-uid", json!(f.dashboard_uid)), ("grafana-url", json!(f.grafana_url))]);
        // An empty value of an optional input ([`wf::Type::Optional`]) is its default, and so
        // is the org's value of an input every service passes alike.
        let default = |k: &str, v: &Value| {
            (*v == json!("") && crate::reusable::optional(k)) || f.defaults.iter().any(|(d, dv)| *d == k && dv == v)
        };
        let mut with = map([]);
        for (k, v) in inputs.filter(|(k, v)| !default(k, v)) {
            push(&mut with, k, v);
        }
        let mut job = map([("name", json!(self.title))]);
        for (k, v) in self.gate {
            push(&mut job, k, v);
        }
        push(&mut job, "uses", f.uses(self.file));
        push(&mut job, "concurrency", concurrency(self.kind, &f.name, &t.environment));
        push(&mut job, "permissions", wf::permissions(self.permissions));
        push(&mut job, "with", with);
        push(&mut job, "secrets", map([("grafana-token", json!("${{ secrets.GRAFANA_TOKEN }}"))]));
        (job_id(self.kind, &t.environment), job)
    }
}

/// The concurrency group of one kind of change (`deploy`, `promote`, `rollback`) to a service
/// in an environment: runs of the same kind queue behind each other and a running one is
/// never cancelled. The kinds have separate groups on purpose: a person promotes or rolls
/// back a canary while its deploy job is still following it. Written as the group's name
/// alone: GitHub cancels a running job of the group only with `cancel-in-progress: true`
/// (docs.github.com, "Control the concurrency of workflows and jobs").
pub fn concurrency(kind: &str, service: &str, environment: &str) -> Value {
    json!(format!("{kind}-{service}-{environment}"))
}

/// The workflow.
pub fn workflow(cx: &mut Cx<'_>, svc: &Service, f: &Facts) -> Value {
    let generated = cx.ci.generated_dir.clone();
    // A service at the repository's root is built by any change; elsewhere, by its own
    // directory, its generated files and its workflow.
    let paths = if f.dir == "." {
        json!(["**"])
    } else {
        json!([
            format!("{}/**", f.dir),
            format!("{generated}/{}/**", f.name),
            format!(".github/workflows/{}", file(&f.name))
        ])
    };
    let first_weight = svc.deployment.canary.as_ref().and_then(timing::first_weight);
    let on = map([
        ("push", map([("branches", json!([MAIN])), ("paths", paths.clone())])),
        ("pull_request", map([("paths", paths)])),
        ("workflow_dispatch", dispatch(f, svc.deployment.canary.is_some(), first_weight.as_ref())),
    ]);
    let language = svc.language.value.as_str();

    let mut jobs = map([]);
    let mut build_job = map([
        ("name", json!("Build")),
        ("if", json!(BUILDS)),
        ("uses", f.uses(build::FILE)),
        (
            "permissions",
            wf::permissions(if f.on_ecr() {
                &[CONTENTS_READ, ID_TOKEN_SIGN_ECR]
            } else {
                &[CONTENTS_READ, PACKAGES_WRITE, ID_TOKEN_SIGN]
            }),
        ),
        (
            "with",
            map([
                ("service", json!(f.name)),
                ("language", json!(language)),
                ("working-directory", json!(f.dir)),
                ("image", json!(f.image)),
                ("registry", json!(f.registry)),
                ("push", json!(PUBLISHES)),
            ]),
        ),
    ]);
    if let Some(with) = build_job.get_mut("with") {
        f.ecr_inputs(with);
    }
    if let Some(s) = f.registry_secrets() {
        push(&mut build_job, "secrets", s);
    }
    push(&mut jobs, "build", build_job);
    push(
        &mut jobs,
        "test",
        map([
            ("name", json!("Test")),
            ("needs", json!(["build"])),
            ("uses", f.uses(test::FILE)),
            ("permissions", wf::permissions(&[CONTENTS_READ])),
            (
                "with",
                map([("service", json!(f.name)), ("language", json!(language)), ("working-directory", json!(f.dir))]),
            ),
        ]),
    );
    let mut security_job = map([
        ("name", json!("Security")),
        ("needs", json!(["build"])),
        ("uses", f.uses(security::FILE)),
        (
            "permissions",
            // The called job asks for what the org's registry needs, whatever registry this
            // service's image is in: a caller that grants less fails to start.
            wf::permissions(&wf::pulling_charts(
                cx.org,
                if cx.org.ecr().is_some() { &[CONTENTS_READ, ID_TOKEN_ECR] } else { &[CONTENTS_READ, PACKAGES_READ] },
            )),
        ),
        (
            "with",
            map([
                ("service", json!(f.name)),
                ("language", json!(language)),
                ("working-directory", json!(f.dir)),
                ("image", json!(f.image)),
                ("registry", json!(f.registry)),
                ("scan-image", json!(PUBLISHES)),
                ("generated-dir", json!(generated)),
            ]),
        ),
    ]);
    if let Some(with) = security_job.get_mut("with") {
        f.ecr_inputs(with);
    }
    if let Some(s) = f.registry_secrets() {
        push(&mut security_job, "secrets", s);
    }
    push(&mut jobs, "security", security_job);

    let deploy_grants = wf::pulling_charts(cx.org, wf::DEPLOY);
    let mut needs = json!(["test", "security"]);
    for (i, t) in f.targets.iter().enumerate() {
        let weight = if t.canary && first_weight.is_some() { "${{ inputs.canary-weight }}" } else { "" };
        let (id, job) = EnvJob {
            kind: "deploy",
            title: format!("Deploy to {}", t.environment),
            gate: vec![("needs", needs), ("if", json!(deploys_to(&f.targets[i..], i == 0)))],
            file: deploy::FILE,
            permissions: &deploy_grants,
            inputs: vec![
                // Empty: the org's layout, which the deploy workflow finds from the service.
                (
                    "chart-dir",
                    json!(if naming::k8s_name(&f.name) == f.name {
                        String::new()
                    } else {
                        format!("{generated}/{}/helm/{}", f.name, naming::k8s_name(&f.name))
                    }),
                ),
                ("terraform-dir", json!("")),
                ("canary", json!(t.canary)),
                ("canary-weight", json!(weight)),
                ("dashboard-manifest", json!(f.dashboard_manifest)),
                ("production", json!(t.production)),
                ("database", json!(t.database)),
                ("secrets", json!(t.secrets.join(" "))),
                ("retired-releases", json!(t.retired.join(" "))),
                ("rollback-on-failure", json!(t.rollback_on_failure)),
                ("helm-timeout", json!(t.helm_timeout)),
                ("canary-timeout-seconds", json!(t.canary_timeout_seconds)),
                ("timeout-minutes", json!(f.session_seconds / 60)),
                ("aws-session-seconds", json!(f.session_seconds)),
            ],
        }
        .build(f, t);
        push(&mut jobs, &id, job);
        needs = json!([id]);
    }
    for (id, job) in crate::dispatch::jobs(f, svc.deployment.canary.is_some()) {
        push(&mut jobs, &id, job);
    }

    let concurrency = map([
        ("group", json!("${{ github.workflow }}-${{ github.event.pull_request.number || github.run_id }}")),
        ("cancel-in-progress", json!("${{ github.event_name == 'pull_request' }}")),
    ]);
    map([("name", json!(f.name)), ("on", on), ("permissions", map([])), ("concurrency", concurrency), ("jobs", jobs)])
}
