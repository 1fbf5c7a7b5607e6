//! Org packages (`spec.packages`): what an upgrade of the packages shows, and that a change
//! of the library chart's templates can show only in the library.

mod support;

use std::collections::BTreeMap;

use support::*;

/// The packaged monorepo golden case built at `version`.
fn packaged_at(version: &str) -> BTreeMap<String, Vec<u8>> {
    let mut fe = load(&repo().join("golden-tests/ok/packaged-monorepo/input"));
    assert!(fe.org.as_ref().unwrap().packages.packaged(), "the case is packaged");
    fe.org.as_mut().unwrap().packages.version.value = version.to_owned();
    let (files, diags) = build(&fe);
    assert!(!diags.iter().any(|d| d.is_error()), "{diags:?}");
    files
}

/// Lines of `a` and `b` that differ, as `-old` and `+new`.
fn changed_lines(a: &[u8], b: &[u8]) -> Vec<String> {
    let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
    similar::TextDiff::from_lines(a.as_ref(), b.as_ref())
        .iter_all_changes()
        .filter(|c| c.tag() != similar::ChangeTag::Equal)
        .map(|c| format!("{}{}", c.tag(), c.value().trim_end()))
        .collect()
}

/// A new release of the packages is one changed line per service (its chart's dependency)
/// and the library's own files, nothing else.
#[test]
fn an_upgrade_is_one_version_line_per_service() {
    let (old, new) = (packaged_at("1.0.0"), packaged_at("1.1.0"));
    assert_eq!(old.keys().collect::<Vec<_>>(), new.keys().collect::<Vec<_>>());
    let mut per_service = BTreeMap::new();
    for (path, bytes) in &old {
        let lines = changed_lines(bytes, &new[path]);
        if lines.is_empty() {
            continue;
        }
        if path.starts_with("_org/helm/platform-service/") {
            continue;
        }
        assert!(path.ends_with("/Chart.yaml"), "{path} changed with the packages' version: {lines:?}");
        assert_eq!(lines, ["-  version: \"1.0.0\"", "+  version: \"1.1.0\""], "{path}");
        per_service.insert(path.split('/').next().unwrap().to_owned(), lines.len());
    }
    assert_eq!(per_service.len(), 3, "{per_service:?}");
    let library =
        changed_lines(&old["_org/helm/platform-service/Chart.yaml"], &new["_org/helm/platform-service/Chart.yaml"]);
    assert_eq!(library, ["-version: \"1.0.0\"", "+version: \"1.1.0\""]);
}

/// No service's file holds a line of the library's object templates: a change to one of
/// them can only show in `_org/helm/platform-service/`, once.
#[test]
fn library_templates_live_only_in_the_library() {
    for case in ["packaged-monorepo", "packaged-seed-payment-api"] {
        let files = read_tree(&repo().join("golden-tests/ok").join(case).join("expected"));
        let library = String::from_utf8_lossy(&files["_org/helm/platform-service/templates/_objects.tpl"]).into_owned();
        // Lines that belong to the templates alone (not plain YAML keys every chart has).
        let marks: Vec<&str> = library.lines().filter(|l| l.contains(".Values.") && l.len() > 40).collect();
        assert!(marks.len() > 30, "{case}: only {} template lines", marks.len());
        for (path, bytes) in files.iter().filter(|(p, _)| !p.starts_with("_org/helm/")) {
            let text = String::from_utf8_lossy(bytes);
            if let Some(line) = marks.iter().find(|m| text.contains(**m)) {
                panic!("{case}: {path} copies the library's line `{line}`");
            }
        }
    }
}
