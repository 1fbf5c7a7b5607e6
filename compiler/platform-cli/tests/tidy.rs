//! Tidy (STYLE F9): the rules that keep the boundaries from eroding.

mod support;

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n == "target" || n == "templates" || n == "skeletons") {
                continue;
            }
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn sources() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for top in ["compiler", "backends"] {
        rust_files(&support::repo().join(top), &mut files);
    }
    files.sort();
    files
}

/// A2: a backend depends on the IR and format crates only.
#[test]
fn backends_depend_only_on_the_ir_and_format_crates() {
    const ALLOWED: &[&str] = &["platform-ir", "serde", "serde_json", "serde-saphyr", "hcl-rs", "sha2"];
    for dir in support::cases(&support::repo().join("backends")) {
        let toml = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        let mut section = String::new();
        for line in toml.lines() {
            let t = line.trim();
            if t.starts_with('[') {
                section = t.to_owned();
                continue;
            }
            if section != "[dependencies]" || t.is_empty() || t.starts_with('#') {
                continue;
            }
            let name = t.split(['=', '.', ' ']).next().unwrap_or("").trim();
            assert!(ALLOWED.contains(&name), "{}: backend depends on `{name}`; allowed: {ALLOWED:?}", dir.display());
        }
    }
}

/// G4/G5: every module starts with `//!` docs; no trailing whitespace; no tabs.
#[test]
fn modules_are_documented_and_clean() {
    for f in sources() {
        let text = std::fs::read_to_string(&f).unwrap();
        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        assert!(first.starts_with("//!"), "{}: module has no `//!` doc comment", f.display());
        for (i, line) in text.lines().enumerate() {
            assert!(!line.ends_with(' ') && !line.ends_with('\t'), "{}:{}: trailing whitespace", f.display(), i + 1);
        }
    }
}

/// D3: every code has a summary and long docs, ids are unique and well-formed.
#[test]
fn every_code_is_registered_once_with_docs() {
    let codes = platform_driver::codes();
    let mut seen = std::collections::BTreeSet::new();
    for c in codes {
        assert!(seen.insert(c.id), "{} registered twice", c.id);
        let scope_len = c.id.len() - 3;
        assert!(
            c.id[..scope_len].bytes().all(|b| b.is_ascii_uppercase())
                && c.id[scope_len..].bytes().all(|b| b.is_ascii_digit()),
            "{} is not <SCOPE><NNN>",
            c.id
        );
        assert!(
            c.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
            "{}: name `{}` is not kebab-case",
            c.id,
            c.name
        );
        assert!(!c.summary.is_empty() && c.docs.len() > 40, "{}: missing docs", c.id);
    }
}

/// Every code that a crate defines is reported somewhere (no dead codes) — checked by
/// looking for `codes::ID` uses in the sources.
#[test]
fn every_code_is_used() {
    let all: String = sources().iter().map(|f| std::fs::read_to_string(f).unwrap()).collect();
    for c in platform_driver::codes() {
        let uses = all.matches(&format!("::{}", c.id)).count() + all.matches(&format!("{}.", c.id)).count();
        assert!(uses > 0, "{} is never reported", c.id);
    }
}
