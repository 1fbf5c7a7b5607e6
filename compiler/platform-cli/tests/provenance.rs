//! Issue 12.4: every line of every generated file resolves to the input span that produced
//! it (`platform explain PATH:LINE`), from the artifacts' own provenance, over two whole
//! golden trees; and the lines a reviewer asks about most resolve to the line they were
//! written on.

mod support;

use std::path::Path;
use std::process::Command;

use platform_cli::provenance;
use platform_driver::{Frontend, Inputs};

fn files(dir: &Path, root: &Path, out: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            files(&e.path(), root, out);
        } else {
            out.push(e.path().strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/"));
        }
    }
}

fn load(case: &str) -> (Frontend, std::path::PathBuf) {
    let dir = support::repo().join("golden-tests/ok").join(case);
    let fe = platform_driver::load(&Inputs { root: dir.join("input"), org: None }).unwrap();
    assert!(!fe.has_errors(), "{case}");
    (fe, dir.join("expected"))
}

/// The input text a generated line resolves to.
fn resolved(fe: &Frontend, rel: &str, key_line: &str) -> (String, String) {
    let (artifact, source) = platform_driver::artifact(fe, rel).unwrap_or_else(|| panic!("no {rel}"));
    let header = provenance::header_lines(artifact.format, &source);
    let full = platform_emit::header(artifact.format, &source, &artifact.contents);
    let line = full
        .lines()
        .position(|l| l.trim_start().starts_with(key_line))
        .unwrap_or_else(|| panic!("{key_line} in {rel}"))
        + 1;
    let r = provenance::resolve(&artifact, header, line).unwrap();
    let f = fe.sources.get(r.span.file);
    (f.path.clone(), f.slice(r.span).to_owned())
}

#[test]
fn every_line_of_two_golden_trees_resolves_to_an_input_span() {
    for case in ["seed-payment-api", "monorepo-three-services"] {
        let (fe, expected) = load(case);
        let mut all = Vec::new();
        files(&expected, &expected, &mut all);
        assert!(all.len() > 40, "{case}: {}", all.len());
        for rel in &all {
            let (artifact, source) =
                platform_driver::artifact(&fe, rel).unwrap_or_else(|| panic!("{case}: the build has no {rel}"));
            let header = provenance::header_lines(artifact.format, &source);
            let full = platform_emit::header(artifact.format, &source, &artifact.contents);
            assert_eq!(full, std::fs::read_to_string(expected.join(rel)).unwrap(), "{case}: {rel} is the golden file");
            let lines = provenance::resolve_all(&artifact, header);
            assert_eq!(lines.len(), full.lines().count(), "{case}: {rel}");
            for (i, r) in lines.into_iter().enumerate() {
                let line = i + 1;
                let r = r.unwrap_or_else(|| panic!("{case}: {rel}:{line} resolves to nothing"));
                assert!((r.span.file.0 as usize) < fe.sources.len(), "{case}: {rel}:{line}");
                let text = &fe.sources.get(r.span.file).text;
                assert!(r.span.start <= r.span.end && r.span.end as usize <= text.len(), "{case}: {rel}:{line}: {r:?}");
            }
        }
    }
}

#[test]
fn values_and_variables_resolve_to_the_line_they_were_written_on() {
    let (fe, _) = load("monorepo-three-services");
    let checkout = "services/checkout-api/platform.yaml";
    let (file, text) = resolved(&fe, "checkout-api/helm/checkout-api/values.yaml", "replicaCount:");
    assert!(file.ends_with(checkout) && text == "3", "{file}: {text}");
    // The staging file: the environment's override, not the base.
    let (file, text) = resolved(&fe, "checkout-api/helm/checkout-api/values-staging.yaml", "replicaCount:");
    assert!(file.ends_with(checkout) && text == "2", "{file}: {text}");
    let (file, text) = resolved(&fe, "checkout-api/helm/checkout-api/values.yaml", "memory:");
    assert!(file.ends_with(checkout) && text == "\"512Mi\"", "{file}: {text}");
    // A size class's instance comes from the size the service chose.
    let (file, text) = resolved(&fe, "checkout-api/terraform/production.tfvars", "instance_class");
    assert!(file.ends_with(checkout) && text == "medium", "{file}: {text}");
    let (file, text) = resolved(&fe, "checkout-api/terraform/production.tfvars", "aws_region");
    assert!(file.ends_with("platform-org.yaml") && text == "eu-central-1", "{file}: {text}");
    // The catalog's owner is the team, in each document of the file.
    let (file, text) = resolved(&fe, "checkout-api/backstage/catalog-info.yaml", "owner:");
    assert!(file.ends_with(checkout) && text == "shop", "{file}: {text}");
    // Rules follow the objective.
    let (file, text) = resolved(&fe, "checkout-api/prometheus/slo-rules-production.yaml", "expr:");
    assert!(file.ends_with(checkout) && text == "99.95", "{file}: {text}");
}

#[test]
fn explain_takes_a_generated_path_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let src = support::repo().join("examples/payment-api/platform.yaml");
    std::fs::copy(&src, tmp.path().join("platform.yaml")).unwrap();
    let platform = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_platform")).args(args).current_dir(tmp.path()).output().unwrap()
    };
    assert_eq!(platform(&["build"]).status.code(), Some(0));
    let values =
        std::fs::read_to_string(tmp.path().join("generated/payment-api/helm/payment-api/values.yaml")).unwrap();
    let line = values.lines().position(|l| l.starts_with("replicaCount:")).unwrap() + 1;
    let o = platform(&["explain", &format!("generated/payment-api/helm/payment-api/values.yaml:{line}")]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.contains("key:  replicaCount") && out.contains("platform.yaml:11:15"), "{out}");
    let o = platform(&["explain", "generated/payment-api/helm/payment-api/nope.yaml:1"]);
    assert_eq!(o.status.code(), Some(1));
    let o = platform(&["explain", "--defaults"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("   1  "), "numbered lines");
}
