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

/// The Renovate custom manager the book gives for bumping the packages ("Automating the
/// bump" in `book/src/packages.md`) finds, in the org file of the multi-repository golden
/// case, the version, the workflows repository and its commit, and reads a release tag back
/// as that version. Its pattern runs under Node's JavaScript regular expressions, the flavour
/// Renovate documents; without `node` (the conformance toolchain's) the test says so.
#[test]
#[allow(clippy::print_stderr)]
fn the_documented_renovate_manager_finds_the_org_pins() {
    let book = std::fs::read_to_string(repo().join("book/src/packages.md")).unwrap();
    let section = book.split("## Automating the bump").nth(1).expect("the book's section");
    let json = section.split("```json\n").nth(1).and_then(|s| s.split("```").next()).expect("its JSON block");
    let config: serde_json::Value = serde_json::from_str(json).unwrap();
    let manager = &config["customManagers"][0];
    let pattern = manager["matchStrings"][0].as_str().unwrap();
    let files = manager["managerFilePatterns"][0].as_str().unwrap().trim_matches('/').to_owned();
    let extract = manager["extractVersionTemplate"].as_str().unwrap();
    let case = repo().join("golden-tests/ok/packaged-workflows-repository/input");
    let org_file = case.join("platform-org.yaml");
    let script = r#"
const [pattern, files, extract, path, text] = process.argv.slice(1);
const m = new RegExp(pattern).exec(text);
const tag = "v" + (m ? m.groups.currentValue : ""); // a release is tagged v<version>
console.log(JSON.stringify({
  groups: m ? m.groups : null,
  file: new RegExp(files).test(path),
  version: (new RegExp(extract).exec(tag) || {groups: {}}).groups.version || null,
}));
"#;
    let text = std::fs::read_to_string(&org_file).unwrap();
    let run = std::process::Command::new("node")
        .args(["-e", script, pattern, &files, extract, "services/platform-org.yaml", &text])
        .output();
    let Ok(out) = run else {
        eprintln!("renovate test: no node on PATH (the conformance toolchain's); nothing checked");
        return;
    };
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let fe = load(&case);
    let p = &fe.org.as_ref().unwrap().packages;
    let w = p.workflows.as_ref().expect("the case pins a workflows repository");
    assert_eq!(got["groups"]["currentValue"], p.version.value.as_str(), "{got}");
    assert_eq!(got["groups"]["depName"], w.repository.value.as_str(), "{got}");
    assert_eq!(got["groups"]["currentDigest"], w.sha.value.as_str(), "{got}");
    assert_eq!(got["file"], true, "the manager does not read platform-org.yaml: {got}");
    assert_eq!(got["version"], p.version.value.as_str(), "a tag v<version> is not read back as the version: {got}");
}

/// The blocks of `main` (a module's `main.tf`) that hold an image repository and its push
/// role, as text, each from its header to its closing brace.
fn registry_blocks(main: &str) -> Vec<String> {
    let heads = [
        "resource \"aws_ecr_",
        "data \"aws_iam_policy_document\" \"image_",
        "resource \"aws_iam_role\" \"image_push\"",
        "resource \"aws_iam_role_policy\" \"image_push\"",
    ];
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in main.lines() {
        if let Some(block) = current.as_mut() {
            block.push_str(line);
            block.push('\n');
            if line == "}" {
                out.extend(current.take());
            }
        } else if heads.iter().any(|h| line.starts_with(h)) {
            current = Some(format!("{line}\n"));
        }
    }
    out
}

/// With an ECR registry, the org's shared CI deploy module creates for each service, with the
/// arguments the org root passes it, exactly the image repository, policies and push role
/// the service's own module creates in a vendored build, under the same addresses; a service
/// whose image lives elsewhere passes null and has none, as its own module has none.
#[test]
fn the_shared_module_creates_each_services_own_image_repository() {
    // The golden case, with `pdf-renderer`'s image at a vendor's registry.
    let load_case = || {
        let mut fe = load(&repo().join("golden-tests/ok/packaged-ecr/input"));
        let renderer = fe.services.iter_mut().find(|s| s.name.value == "pdf-renderer").unwrap();
        renderer.image.value = "ghcr.io/vendor/pdf-renderer".into();
        fe
    };
    let packaged = build(&load_case()).0;
    let mut fe = load_case();
    fe.org.as_mut().unwrap().packages.mode.value = platform_ir::Packaging::Vendored;
    let vendored = build(&fe).0;
    let text = |files: &BTreeMap<String, Vec<u8>>, path: &str| {
        String::from_utf8(files.get(path).unwrap_or_else(|| panic!("no {path}")).clone()).unwrap()
    };
    let shared = registry_blocks(&text(&packaged, "_org/terraform/modules/ci-deploy/main.tf"));
    assert!(!shared.is_empty(), "the shared module holds the registry's blocks");
    let root = text(&packaged, "_org/terraform/main.tf");
    for (service, repository) in [("invoice-api", Some("acme/invoice-api")), ("pdf-renderer", None)] {
        let own = registry_blocks(&text(&vendored, &format!("{service}/terraform/ci-deploy/main.tf")));
        let call = root.split(&format!("module \"{}\" {{", service.replace('-', "_"))).nth(1).unwrap();
        let call = &call[..call.find("\n}").unwrap()];
        let arg = |name: &str| {
            call.lines()
                .find_map(|l| l.trim().strip_prefix(name)?.trim().strip_prefix('=').map(|v| v.trim().to_owned()))
        };
        let Some(repository) = repository else {
            assert!(own.is_empty(), "{service}: {own:?}");
            assert_eq!(arg("image_repository").as_deref(), Some("null"), "{service}");
            assert_eq!(arg("image_push_role").as_deref(), Some("null"), "{service}");
            continue;
        };
        let role = format!("{service}-image-push");
        assert_eq!(arg("image_repository"), Some(format!("\"{repository}\"")), "{service}");
        assert_eq!(arg("image_push_role"), Some(format!("\"{role}\"")), "{service}");
        let filled: Vec<String> = shared
            .iter()
            .map(|b| {
                b.replace("(var.image_repository != null) && ", "")
                    .replace("((var.environment == \"production\"))", "(var.environment == \"production\")")
                    .replace("${var.service}", service)
                    .replace("${var.image_repository}", repository)
                    .replace("var.image_repository", &format!("\"{repository}\""))
                    .replace("var.image_push_role", &format!("\"{role}\""))
                    .replace("var.service", &format!("\"{service}\""))
            })
            .collect();
        assert_eq!(filled, own, "{service}");
    }
}
