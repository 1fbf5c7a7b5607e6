//! `platform new`: every scaffolded service compiles at once (in process, with every
//! backend), and the command never overwrites and writes nothing on bad input.

mod support;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use platform_driver::Inputs;
use platform_ir::{Diagnostic, FileId, Language, Org, Sp, Span};
use platform_scaffold::{ServiceRequest, service};

fn org(org_file: Option<&str>) -> Org {
    let builtin = platform_syntax::yaml::parse(platform_compiler::defaults::BUILTIN, FileId(0)).unwrap();
    let file = org_file.map(|t| platform_syntax::yaml::parse(t, FileId(1)).unwrap());
    let (org, diags) =
        platform_compiler::compile_org(&platform_compiler::OrgInput { builtin: &builtin, file: file.as_ref() });
    assert!(diags.is_empty(), "{diags:?}");
    org.unwrap()
}

fn sp(s: &str) -> Sp<String> {
    Sp::new(s.to_owned(), Span::default())
}

/// Scaffold into `root/<name>/`.
fn scaffold(org: &Org, root: &Path, name: &str, lang: &str, db: &str, team: &str, tier: &str) {
    let req = ServiceRequest { name: sp(name), language: sp(lang), database: sp(db), team: sp(team), tier: sp(tier) };
    let (s, diags) = service(org, &req, &[]);
    assert!(diags.is_empty(), "{diags:?}");
    platform_cli::new::write_new_dir(&root.join(name), &s.unwrap()).unwrap();
}

fn errors(diags: &[Diagnostic]) -> Vec<String> {
    diags.iter().filter(|d| d.is_error()).map(|d| format!("{}: {}", d.code.id, d.message)).collect()
}

#[test]
fn every_scaffolded_service_compiles_with_every_backend() {
    let org = org(None);
    let dir = tempfile::tempdir().unwrap();
    let mut n = 0;
    for lang in Language::NAMES {
        for db in ["none", "postgres", "redis"] {
            for tier in ["critical", "standard", "experimental"] {
                n += 1;
                scaffold(&org, dir.path(), &format!("svc-{n}"), lang, db, "payments", tier);
            }
        }
    }
    let fe = platform_driver::load(&Inputs { root: dir.path().to_path_buf(), org: None }).unwrap();
    assert_eq!(fe.services.len(), n);
    assert!(fe.diagnostics.is_empty(), "{:#?}", fe.diagnostics);
    let (files, diags) = support::build(&fe);
    assert!(diags.is_empty(), "no error and no warning: {:#?}", errors(&diags));
    assert!(files.keys().any(|p| p.starts_with("svc-1/backstage/")));
}

#[test]
fn a_scaffolded_service_compiles_under_an_org_file() {
    let text = std::fs::read_to_string(support::repo().join("examples/monorepo/platform-org.yaml")).unwrap();
    let org = org(Some(&text));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("platform-org.yaml"), &text).unwrap();
    scaffold(&org, dir.path(), "quote-api", "python", "postgres", "shop", "critical");
    let fe = platform_driver::load(&Inputs { root: dir.path().join("quote-api"), org: None }).unwrap();
    assert!(fe.diagnostics.is_empty(), "{:#?}", fe.diagnostics);
    assert!(support::build(&fe).1.is_empty());
}

fn platform(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_platform"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn listing(dir: &Path) -> Vec<String> {
    support::read_tree(dir).into_keys().collect()
}

#[test]
fn the_command_creates_a_directory_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let args = ["new", "service", "quote-api", "--lang", "go", "--db", "none", "--team", "payments"];

    let dry = platform(d, &[&args[..], &["--dry-run"]].concat());
    assert!(dry.status.success(), "{}", String::from_utf8_lossy(&dry.stderr));
    assert!(String::from_utf8_lossy(&dry.stdout).contains("  platform.yaml ("));
    assert!(listing(d).is_empty(), "--dry-run writes nothing");

    let ok = platform(d, &args);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let before = support::read_tree(d);
    assert!(before.contains_key("quote-api/platform.yaml") && before.contains_key("quote-api/main_test.go"));

    let again = platform(d, &args);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("SCAF005"));
    assert_eq!(support::read_tree(d), before, "nothing changed");

    let bad = platform(d, &["new", "service", "Bad_Name", "--lang", "cobol", "--db", "none", "--team", "payments"]);
    assert_eq!(bad.status.code(), Some(1));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("LOW004") && err.contains("SCAF001"), "{err}");

    let missing = platform(d, &["new", "service", "other-api", "--lang", "go"]);
    assert_eq!(missing.status.code(), Some(2));
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(err.contains("SCAF007") && err.contains("--db") && err.contains("--team"), "{err}");

    assert_eq!(support::read_tree(d), before, "bad input writes nothing");
    let names: Vec<String> =
        std::fs::read_dir(d).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["quote-api"], "no staging directory is left behind");
}

#[test]
fn the_backstage_template_is_written_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ok = platform(d, &["new", "backstage-template", "--out", "tpl"]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let files = listing(&d.join("tpl"));
    assert!(files.contains(&"template.yaml".to_owned()));
    assert!(files.contains(&"skeleton/rust/platform.yaml.njk".to_owned()));
    let again = platform(d, &["new", "backstage-template", "--out", "tpl"]);
    assert_eq!(again.status.code(), Some(1));
}

/// Issue 14.5: in a monorepo the hint names the build from the root that holds the org
/// file, never a build inside the service (a second tree with its own `_org/`), and the
/// step that puts generated workflows where GitHub runs them.
#[test]
fn the_next_step_in_a_monorepo_is_the_root_build() {
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(repo.path().join(".git")).unwrap();
    std::fs::create_dir_all(repo.path().join("services")).unwrap();
    let org = std::fs::read_to_string(support::repo().join("examples/monorepo/platform-org.yaml")).unwrap();
    std::fs::write(repo.path().join("platform-org.yaml"), org).unwrap();
    let services = repo.path().join("services");
    let args = ["new", "service", "quote-api", "--lang", "go", "--db", "postgres", "--team", "shop"];
    let o = platform(&services, &args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(!err.contains("cd quote-api"), "{err}");
    assert!(err.contains("  platform build ..\n"), "{err}");
    assert!(err.contains("cp ../generated/*/github-actions/workflows/*.yml ../.github/workflows/"), "{err}");
    // What the hint says works: one tree at the root, with the org's settings.
    let o = platform(&services, &["build", ".."]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(repo.path().join("generated/quote-api/helm").is_dir() && repo.path().join("generated/_org").is_dir());
}
