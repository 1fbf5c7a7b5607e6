//! Golden tests (STYLE F1, F2, F7): `golden-tests/ok/<case>/input` must build without errors
//! into exactly `expected/`; `golden-tests/err/<case>/input` must fail with exactly
//! `diagnostics.txt`. A case with `expected-packages/` also builds the org packages
//! (`platform build --org-packages`) into exactly that tree. `PLATFORM_BLESS=1 cargo test
//! --test golden` rewrites expectations.

mod support;

use std::path::Path;

use support::*;

#[test]
fn ok_cases_build_into_their_expected_trees() {
    let dir = repo().join("golden-tests/ok");
    let cases = cases(&dir);
    assert!(!cases.is_empty(), "no ok cases under {}", dir.display());
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let input = case.join("input");
        let fe = load(&input);
        let mut diags = fe.diagnostics.clone();
        let (files, backend_diags) = if fe.has_errors() { Default::default() } else { build(&fe) };
        diags.extend(backend_diags);
        if diags.iter().any(|d| d.is_error()) {
            failures.push(format!("{name}: expected no errors, got:\n{}", short(&fe, &diags, &input)));
            continue;
        }
        let mut trees = vec![(case.join("expected"), files)];
        let packages_dir = case.join("expected-packages");
        if packages_dir.is_dir() {
            let (packages, diags) = build_packages(&fe);
            if diags.iter().any(|d| d.is_error()) {
                failures.push(format!("{name}: packages: {}", short(&fe, &diags, &input)));
            }
            trees.push((packages_dir, packages));
        }
        for (dir, files) in trees {
            if bless() {
                write_tree(&dir, &files);
                continue;
            }
            for p in compare(&read_tree(&dir), &files) {
                failures.push(format!("{name}: {p}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} golden mismatches (bless with PLATFORM_BLESS=1 after review):\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn err_cases_report_their_expected_diagnostics() {
    let dir = repo().join("golden-tests/err");
    let cases = cases(&dir);
    assert!(cases.len() >= 25, "only {} err cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let input = case.join("input");
        let fe = load(&input);
        let mut diags = fe.diagnostics.clone();
        if !fe.has_errors() {
            let (_, backend) = build(&fe);
            diags.extend(backend);
            platform_compiler::finish(&mut diags);
        }
        if !diags.iter().any(|d| d.is_error()) {
            failures.push(format!("{name}: expected at least one error, got none"));
            continue;
        }
        let text = short(&fe, &diags, &input);
        let path = case.join("diagnostics.txt");
        if bless() {
            std::fs::write(&path, &text).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        if want != text {
            let diff =
                similar::TextDiff::from_lines(&want, &text).unified_diff().header("expected", "actual").to_string();
            failures.push(format!("{name}:\n{diff}"));
        }
    }
    assert!(failures.is_empty(), "{} err cases differ:\n\n{}", failures.len(), failures.join("\n"));
}

/// F7: building with the input files in another order gives the same bytes.
#[test]
fn builds_are_byte_identical_whatever_the_input_order() {
    for case in cases(&repo().join("golden-tests/ok")).iter().chain(cases(&repo().join("examples")).iter()) {
        let input = if case.join("input").is_dir() { case.join("input") } else { case.clone() };
        let (mut paths, _) = platform_syntax::discover::service_files(&input);
        let inputs = platform_driver::Inputs { root: input.clone(), org: None };
        let first = build(&platform_driver::load_paths(&inputs, &paths)).0;
        paths.reverse();
        let n = paths.len();
        if n > 2 {
            paths.swap(0, n / 2);
        }
        let second = build(&platform_driver::load_paths(&inputs, &paths)).0;
        assert_eq!(first.keys().collect::<Vec<_>>(), second.keys().collect::<Vec<_>>(), "{}", case.display());
        for (p, bytes) in &first {
            assert!(second[p] == *bytes, "{}: {p} differs between input orders", case.display());
        }
        let third = build(&platform_driver::load_paths(&inputs, &paths)).0;
        assert_eq!(second, third, "{}: two identical builds differ", case.display());
    }
}

/// F5: every example compiles with no errors and no warnings.
#[test]
fn every_example_compiles() {
    let examples = cases(&repo().join("examples"));
    assert!(examples.len() >= 2);
    for ex in examples {
        let fe = load(&ex);
        let (files, diags) = if fe.has_errors() { Default::default() } else { build(&fe) };
        let all: Vec<_> = fe.diagnostics.iter().chain(diags.iter()).cloned().collect();
        assert!(all.is_empty(), "{}:\n{}", ex.display(), short(&fe, &all, Path::new(&ex)));
        assert!(!files.is_empty(), "{} produced no files", ex.display());
    }
}
