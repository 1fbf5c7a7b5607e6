//! The org-level root (`_org/terraform/`) agrees with everything that depends on it, on every
//! golden ok case and example:
//!
//! - every block of every service root is one the CI deploy role grants for;
//! - the org root calls the CI deploy module of exactly the services with Terraform, and
//!   every module source resolves inside the output tree;
//! - the names in each service's CI deploy module equal the names in its own tfvars, or
//!   those the org's names module gives it (the naming rule in HCL agrees with Rust's);
//! - the role each service's GitHub Actions caller assumes in an environment is the org
//!   root's deploy role in that environment's account, and the reusable workflows declare
//!   the GitHub environment the roles trust (`repo:<repo>:environment:<env>`), for the
//!   repository the Backstage catalog names too;
//! - the AWS session each deploy job asks for is one its deploy role allows, and lasts as long
//!   as the job may run;
//! - every deploy policy and permissions boundary fits IAM's size limits.
//!
//! Runs the real front end through `platform-driver` (a dev-dependency only).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use platform_driver::Inputs;
use platform_terraform::ci;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn dirs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|r| r.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

/// `key = "value"` pairs of the first object opened by the line `opener` (`names = {` of a
/// tfvars file, `<env> = {` of a CI deploy module's names).
fn object(text: &str, opener: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut inside = false;
    for line in text.lines() {
        let t = line.trim();
        if !inside {
            inside = t == opener;
            continue;
        }
        if t.starts_with('}') {
            break;
        }
        if let Some((k, v)) = t.split_once(" = ").or_else(|| t.split_once('=')) {
            let v = v.trim();
            if let Some(v) = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
                out.insert(k.trim().to_owned(), v.to_owned());
            }
        }
    }
    out
}

/// The `module "<label>"` block of a root's `main.tf`.
fn call_of(main: &str, label: &str) -> String {
    let start = main.find(&format!("\nmodule \"{label}\" {{\n")).unwrap_or_else(|| panic!("no module {label}"));
    let rest = &main[start + 1..];
    rest[..rest.find("\n}\n").map_or(rest.len(), |e| e + 3)].to_owned()
}

fn attr(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once('=')?;
        (k.trim() == key).then(|| v.trim().trim_matches('"').to_owned())
    })
}

/// A service root's AWS names in `env`: its tfvars' `names`, or where its root calls the
/// org's names module, the module's outputs filled the way Terraform interpolates them
/// with the service and environment the call passes.
fn root_names(expected: &Path, svc: &Path, env: &str) -> BTreeMap<String, String> {
    let own = object(&read(&svc.join(format!("terraform/{env}.tfvars"))), "names = {");
    let main = read(&svc.join("terraform/main.tf"));
    if !own.is_empty() || !main.contains("\nmodule \"names\" {\n") {
        return own;
    }
    let call = call_of(&main, "names");
    let service = match attr(&call, "service").unwrap() {
        s if s == "local.service" => attr(&main, "service").unwrap(),
        s => s,
    };
    assert_eq!(attr(&call, "environment").as_deref(), Some("var.environment"), "{}", svc.display());
    let outputs = read(&expected.join("_org/terraform/modules/names/outputs.tf"));
    let mut out = BTreeMap::new();
    for block in outputs.split("output \"").skip(1) {
        let (key, body) = block.split_once('"').unwrap();
        let value = attr(body, "value").unwrap();
        out.insert(key.to_owned(), value.replace("${var.service}", &service).replace("${var.environment}", env));
    }
    assert!(out.values().all(|v| !v.contains("${")), "{}: {out:?}", svc.display());
    // The names the root reads: its own references, and the fields of `names` each module it
    // passes them to declares.
    let mut used: Vec<String> = main
        .split("module.names.")
        .skip(1)
        .map(|r| r.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect())
        .collect();
    for call in main.split("\nmodule \"").skip(1).filter(|c| {
        c.contains("names")
            && c.split("\n}\n").next().unwrap().lines().any(|l| l.trim().replace(' ', "") == "names=module.names")
    }) {
        let source = attr(call, "source").unwrap();
        let variables = read(&svc.join("terraform").join(source).join("variables.tf"));
        let names = variables.split("variable \"names\" {").nth(1).unwrap().split("})").next().unwrap().to_owned();
        used.extend(names.lines().filter_map(|l| l.trim().strip_suffix("= string").map(|k| k.trim().to_owned())));
    }
    out.retain(|k, _| used.contains(k));
    out
}

/// Golden `expected/` trees that have an org root.
fn golden() -> Vec<PathBuf> {
    dirs(&repo().join("golden-tests/ok"))
        .into_iter()
        .map(|c| c.join("expected"))
        .filter(|e| e.join("_org/terraform/main.tf").is_file())
        .collect()
}

#[test]
fn every_block_of_every_service_root_is_granted_for() {
    let mut checked = 0;
    for expected in golden() {
        for svc in dirs(&expected).into_iter().filter(|d| !d.ends_with("_org")) {
            let main = read(&svc.join("terraform/main.tf"));
            for line in main.lines() {
                let mut words = line.split('"');
                let (Some(kind), Some(ty)) = (words.next(), words.next()) else { continue };
                let kind = kind.trim();
                if kind != "resource" && kind != "data" {
                    continue;
                }
                checked += 1;
                assert!(
                    ci::COVERED.contains(&(kind, ty)),
                    "{}: `{kind} \"{ty}\"` is in the service root, but the deploy role grants nothing for it",
                    svc.display()
                );
            }
        }
    }
    assert!(checked > 100, "only {checked} blocks checked");
}

#[test]
fn the_org_root_calls_the_deploy_module_of_every_service() {
    let mut checked = 0;
    for expected in golden() {
        let org = expected.join("_org/terraform");
        let main = read(&org.join("main.tf"));
        let sources: Vec<String> = main
            .lines()
            .filter_map(|l| l.trim().strip_prefix("source = \"").and_then(|v| v.strip_suffix('"')).map(str::to_owned))
            .collect();
        for source in &sources {
            let dir = org.join(source);
            assert!(dir.join("main.tf").is_file(), "{}: module source {source} is not in the tree", expected.display());
            assert!(dir.canonicalize().unwrap().starts_with(expected.canonicalize().unwrap()));
            checked += 1;
        }
        // A packaged org's services share one module in the org root; otherwise each service
        // has its own next to its root.
        let shared = org.join("modules/ci-deploy/main.tf").is_file();
        let with_terraform: Vec<String> = dirs(&expected)
            .into_iter()
            .filter(|d| !d.ends_with("_org") && d.join("terraform/main.tf").is_file())
            .map(|d| match shared {
                true => "./modules/ci-deploy".to_owned(),
                false => format!("../../{}/terraform/ci-deploy", d.file_name().unwrap().to_string_lossy()),
            })
            .collect();
        assert_eq!(sources, with_terraform, "{}: modules called by the org root", expected.display());
        // Every module output the org root reads is one the module declares.
        let outputs = read(&org.join("outputs.tf"));
        for reference in outputs.split("module.").skip(1) {
            let mut parts = reference.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).take(2);
            let (Some(label), Some(output)) = (parts.next(), parts.next()) else { continue };
            let dir = dirs(&expected)
                .into_iter()
                .find(|d| d.file_name().is_some_and(|n| n.to_string_lossy().replace('-', "_") == label))
                .unwrap_or_else(|| panic!("{}: no service for module.{label}", expected.display()));
            let declared = match shared {
                true => read(&org.join("modules/ci-deploy/outputs.tf")),
                false => read(&dir.join("terraform/ci-deploy/outputs.tf")),
            };
            assert!(
                declared.contains(&format!("output \"{output}\" {{")),
                "{}: the org root reads module.{label}.{output}, which the module does not declare",
                expected.display()
            );
            checked += 1;
        }
    }
    assert!(checked > 10, "only {checked} module calls checked");
}

#[test]
fn names_agree_between_the_roots_and_the_workflows() {
    let mut checked = 0;
    for expected in golden() {
        let org = expected.join("_org/terraform");
        let org_main = read(&org.join("main.tf"));
        let slug_of = |svc: &Path| {
            read(&svc.join("backstage/catalog-info.yaml"))
                .lines()
                .find_map(|l| l.trim().strip_prefix("github.com/project-slug: ").map(str::to_owned))
        };
        // The reusable workflows: in the tree, or in the workflows repository of the org packages.
        let mut flows = expected.join("_org/github-actions/workflows");
        if !flows.join("platform-deploy.yml").is_file() {
            flows = expected.with_file_name("expected-packages").join("github-actions/.github/workflows");
        }
        let deploy = read(&flows.join("platform-deploy.yml"));
        for wf in ["platform-deploy.yml", "platform-promote.yml", "platform-rollback.yml"] {
            let text = read(&flows.join(wf));
            assert!(
                text.lines().any(|l| l == "    environment: ${{ inputs.environment }}"),
                "{}: {wf} does not declare the GitHub environment the deploy roles trust",
                expected.display()
            );
        }
        assert!(!deploy.is_empty());
        let mut all_tfvars: Vec<PathBuf> = std::fs::read_dir(&org)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "tfvars"))
            .collect();
        all_tfvars.sort();
        for tfvars in all_tfvars {
            let env = tfvars.file_stem().unwrap().to_string_lossy().into_owned();
            let text = read(&tfvars);
            let account = attr(&text, "aws_account_id").unwrap();
            for svc in dirs(&expected).into_iter().filter(|d| !d.ends_with("_org")) {
                let name = svc.file_name().unwrap().to_string_lossy().into_owned();
                if !svc.join("terraform").is_dir() {
                    continue;
                }
                // Where the service's names and session are written: its own module, or its
                // call of the org's shared module.
                let module = match org.join("modules/ci-deploy/main.tf").is_file() {
                    true => call_of(&org_main, &name.replace('-', "_")),
                    false => read(&svc.join("terraform/ci-deploy/main.tf")),
                };
                let ours = object(&module, &format!("{env} = {{"));
                assert!(!ours.is_empty(), "{}: no names for {env} in {name}'s CI deploy module", expected.display());
                // The service root's own names.
                let theirs = root_names(&expected, &svc, &env);
                for key in ["iam_role", "permissions_boundary", "kms_alias", "database", "database_final_snapshot"] {
                    if let Some(v) = theirs.get(key) {
                        checked += 1;
                        assert_eq!(ours.get(key), Some(v), "{name} in {env}: `{key}` differs between the roots");
                    }
                }
                assert_eq!(
                    ours.get("state_key"),
                    attr(&read(&svc.join(format!("terraform/backend-{env}.hcl"))), "key").as_ref(),
                    "{name} in {env}: state key"
                );
                // The role the service's caller assumes there.
                let caller = read(&svc.join(format!("github-actions/workflows/{name}.yml")));
                let mut in_env = false;
                let (mut role, mut session, mut timeout) = (None, None, None);
                for l in caller.lines() {
                    let t = l.trim();
                    if let Some(e) = t.strip_prefix("environment: ") {
                        in_env = e == env;
                    }
                    if !in_env {
                        continue;
                    }
                    if let Some(r) = t.strip_prefix("aws-role-arn: ") {
                        role = Some(r.to_owned());
                    }
                    if let Some(v) = t.strip_prefix("aws-session-seconds: ") {
                        session = v.parse::<u64>().ok();
                    }
                    if let Some(v) = t.strip_prefix("timeout-minutes: ") {
                        timeout = v.parse::<u64>().ok();
                    }
                }
                // The session the deploy asks for is one its role allows, and lasts the job.
                let allowed = attr(&module, "max_session_duration")
                    .or_else(|| attr(&module, "session_seconds"))
                    .and_then(|v| v.parse::<u64>().ok());
                assert!(
                    session.is_some() && session <= allowed && allowed <= Some(43_200),
                    "{name} in {env}: the deploy asks for a {session:?} s session, its role allows {allowed:?} s"
                );
                assert!(
                    timeout.is_some_and(|m| Some(m * 60) <= session),
                    "{name} in {env}: the job may run {timeout:?} min, longer than its {session:?} s session"
                );
                let deploy_role = ours.get("deploy_role").unwrap();
                assert_eq!(
                    role,
                    Some(format!("arn:aws:iam::{account}:role/{deploy_role}")),
                    "{name} in {env}: the caller assumes another role than the org root creates"
                );
                // The repository the roles trust is the catalog's.
                if let Some(slug) = slug_of(&svc) {
                    assert!(
                        org_main.contains(&format!("\"repo:{slug}:environment:${{var.environment}}\"")),
                        "{}: the deploy roles do not trust repo:{slug}",
                        expected.display()
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "only {checked} names checked");
}

#[test]
#[allow(clippy::print_stderr)]
fn policies_fit_iam_limits() {
    let mut inputs: Vec<PathBuf> = dirs(&repo().join("golden-tests/ok")).into_iter().map(|c| c.join("input")).collect();
    inputs.extend(dirs(&repo().join("examples")));
    let mut largest = (0, String::new());
    for input in inputs {
        let fe = platform_driver::load(&Inputs { root: input.clone(), org: None }).unwrap();
        assert!(!fe.has_errors(), "{}: {:?}", input.display(), fe.diagnostics);
        let org = fe.org.as_ref().unwrap();
        for svc in &fe.services {
            for s in ci::policy_sizes(org, svc) {
                let at = format!("{} {} in {}", input.display(), svc.name.value, s.environment);
                assert!(s.core < ci::INLINE_POLICY_LIMIT, "{at}: inline deploy policy of {} characters", s.core);
                assert!(s.resources < ci::MANAGED_POLICY_LIMIT, "{at}: managed deploy policy of {}", s.resources);
                assert!(s.boundary < ci::MANAGED_POLICY_LIMIT, "{at}: boundary of {} characters", s.boundary);
                let fullest =
                    (s.core * 100 / ci::INLINE_POLICY_LIMIT).max(s.resources * 100 / ci::MANAGED_POLICY_LIMIT);
                if fullest > largest.0 {
                    largest = (fullest, at);
                }
            }
        }
    }
    assert!(largest.0 > 0);
    eprintln!("fullest deploy policy: {} % of its IAM limit ({})", largest.0, largest.1);
    // Room to grow: every policy stays well inside its limit.
    assert!(largest.0 < 80, "{} % of the limit: {}", largest.0, largest.1);
}

/// The secret store role's grant for a repository lists every service with a key; past IAM's
/// inline-policy limit the build says so (TF011) instead of an apply failing halfway.
#[test]
fn the_secret_store_grant_warns_before_it_outgrows_iam() {
    use platform_ir::Backend as _;
    let seed = read(&repo().join("examples/payment-api/platform.yaml"));
    let codes = |n: usize| {
        let dir = std::env::temp_dir().join(format!("platform-tf011-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for i in 0..n {
            let svc = dir.join(format!("s{i}"));
            std::fs::create_dir_all(&svc).unwrap();
            let text = seed.replace("name: payment-api", &format!("name: service-number-{i}"));
            std::fs::write(svc.join("platform.yaml"), text).unwrap();
        }
        let fe = platform_driver::load(&Inputs { root: dir.clone(), org: None }).unwrap();
        assert!(!fe.has_errors(), "{:?}", fe.diagnostics);
        let services: Vec<_> = fe.services.iter().collect();
        let emitted = platform_terraform::Terraform.emit_org(fe.org.as_ref().unwrap(), &services);
        let _ = std::fs::remove_dir_all(&dir);
        emitted.diagnostics.iter().map(|d| d.code.id).collect::<Vec<_>>()
    };
    assert_eq!(codes(3), Vec::<&str>::new());
    assert_eq!(codes(80), vec!["TF011"]);
}
