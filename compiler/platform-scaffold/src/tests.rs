//! Tests of the request checks, the rendered skeletons, overrides and the Backstage
//! template, against the built-in golden path.

use platform_compiler::{OrgInput, compile_org, defaults};
use platform_ir::{FileId, Language, Org, Sp, Span};
use serde_json::Value;

use crate::{Scaffold, ServiceRequest, TemplateFile, backstage_template, service};

fn org_from(text: &str) -> Org {
    let builtin = platform_syntax::yaml::parse(defaults::BUILTIN, FileId(0)).unwrap();
    let file = platform_syntax::yaml::parse(text, FileId(1)).unwrap();
    let (org, diags) = compile_org(&OrgInput { builtin: &builtin, file: Some(&file) });
    assert!(diags.is_empty(), "{diags:?}");
    org.unwrap()
}

fn org() -> Org {
    let builtin = platform_syntax::yaml::parse(defaults::BUILTIN, FileId(0)).unwrap();
    compile_org(&OrgInput { builtin: &builtin, file: None }).0.unwrap()
}

fn sp(s: &str) -> Sp<String> {
    Sp::new(s.to_owned(), Span::new(FileId(9), 0, u32::try_from(s.len()).unwrap()))
}

fn request(name: &str, lang: &str, db: &str, team: &str, tier: &str) -> ServiceRequest {
    ServiceRequest { name: sp(name), language: sp(lang), database: sp(db), team: sp(team), tier: sp(tier) }
}

/// Scaffold and expect success.
fn check(req: &ServiceRequest, overrides: &[TemplateFile]) -> Scaffold {
    let (s, diags) = service(&org(), req, overrides);
    assert!(diags.is_empty(), "{diags:#?}");
    s.unwrap()
}

fn codes(req: &ServiceRequest) -> Vec<&'static str> {
    let (s, diags) = service(&org(), req, &[]);
    assert!(s.is_none());
    diags.iter().map(|d| d.code.id).collect()
}

#[test]
fn a_standard_service_writes_its_tier_only_by_default_and_two_pods_for_its_budget() {
    let s = check(&request("quote-api", "go", "none", "payments", "standard"), &[]);
    let yaml = &s.files["platform.yaml"];
    assert!(!yaml.contains("tier:"), "{yaml}");
    assert!(yaml.contains("  runtime:\n") && yaml.contains("    replicas: 2\n"), "{yaml}");
}

#[test]
fn every_language_and_database_renders() {
    for lang in Language::NAMES {
        for db in ["none", "postgres", "redis"] {
            let s = check(&request("quote-api", lang, db, "payments", "critical"), &[]);
            let yaml = &s.files["platform.yaml"];
            assert!(
                yaml.starts_with("# yaml-language-server: $schema=https://platform.dev/schemas/platform.schema.json\n")
            );
            assert!(yaml.contains(&format!("  language: {lang}\n")), "{yaml}");
            // Only what differs from the golden path: a critical service's minimum is
            // already two pods, the framework is the toolchain's, the size the default.
            for absent in ["runtime:", "size:", "port:", "health:", "deployment:"] {
                assert!(!yaml.contains(absent), "{lang}: `{absent}` repeats a default:\n{yaml}");
            }
            // The framework is written only where the skeleton's is not the toolchain's.
            let language = Language::parse(lang).unwrap();
            let toolchain = org().languages[&language].framework.as_ref().map(|f| f.value.clone());
            let differs = toolchain.as_deref() != Some(crate::values::framework(language));
            assert_eq!(yaml.contains("  framework: "), differs, "{lang}:\n{yaml}");
            assert!(yaml.contains("  tier: critical\n"), "{yaml}");
            assert_eq!(yaml.contains(&format!("    type: {db}\n")), db != "none", "{yaml}");
            assert!(!yaml.contains("\n\n"), "no blank lines left by blocks:\n{yaml}");
            for must in ["Dockerfile", ".dockerignore", "README.md"] {
                assert!(s.files.contains_key(must), "{lang}: {must} missing");
            }
            for (path, text) in &s.files {
                assert!(!text.contains("${{") && !text.contains("{%"), "{lang} {path}: unrendered template");
                assert!(text.ends_with('\n'), "{lang} {path}: no trailing newline");
                assert!(!path.ends_with(".njk"), "{path}");
            }
            let dockerfile = &s.files["Dockerfile"];
            assert!(dockerfile.contains("USER 10001:10001") && dockerfile.contains("EXPOSE 8080"), "{lang}");
        }
    }
}

#[test]
fn apps_expose_the_metric_names_of_the_org_conventions() {
    let org = org_from(
        "kind: Platform\nspec:\n  languages:\n    go:\n      version: \"1.23\"\n      metrics:\n        requestsTotal: api_requests_total\n        errorSelector: 'status_code=~\"5..\"'\n        durationHistogram: api_latency_seconds\n",
    );
    let (s, diags) = service(&org, &request("quote-api", "go", "none", "payments", "standard"), &[]);
    assert!(diags.is_empty(), "{diags:?}");
    let s = s.unwrap();
    let metrics = &s.files["metrics.go"];
    assert!(metrics.contains("requestsTotal = \"api_requests_total\""), "{metrics}");
    assert!(metrics.contains("duration      = \"api_latency_seconds\""), "{metrics}");
    assert!(metrics.contains("statusLabel   = \"status_code\""), "{metrics}");
    assert!(s.files["main_test.go"].contains("api_requests_total{"), "the test checks the org's names");
    // Java's convention counts requests with the histogram's `_count`.
    let java = check(&request("quote-api", "java", "none", "payments", "standard"), &[]);
    assert!(java.files["src/main/java/app/Metrics.java"].contains("\"http_server_requests_seconds_count\""));
}

#[test]
fn every_problem_of_a_request_is_reported_at_once() {
    assert_eq!(
        codes(&request("Quote_API", "cobol", "mysql", "Payments", "gold")),
        ["LOW004", "SCAF001", "SCAF002", "SCAF004", "SCAF003"]
    );
    let (_, diags) = service(&org(), &request("quote-api", "typescrpt", "postgress", "payments", "standard"), &[]);
    assert!(diags[0].help.contains("did you mean `typescript`?"), "{}", diags[0].help);
    assert!(diags[1].help.contains("did you mean `postgres`?"), "{}", diags[1].help);
    assert_eq!(diags[0].primary.span.file, FileId(9), "points at the command line");
}

#[test]
fn names_follow_the_platform_yaml_rules() {
    let long = "a-very-long-service-name-for-elasticache";
    assert_eq!(codes(&request(long, "go", "none", "payments", "standard")), ["LOW005"]);
    let max = crate::backstage::max_name_len(&org());
    assert!(check(&request(&"a".repeat(max), "go", "none", "payments", "standard"), &[]).files.contains_key("go.mod"));
    assert_eq!(codes(&request(&"a".repeat(max + 1), "go", "none", "payments", "standard")), ["LOW005"]);
}

#[test]
fn teams_must_be_the_orgs_when_it_lists_them() {
    let org = org_from("kind: Platform\nspec:\n  teams:\n    payments: {}\n    identity: {}\n");
    let (_, diags) = service(&org, &request("quote-api", "go", "none", "payment", "standard"), &[]);
    assert_eq!(diags[0].code.id, "SCAF004");
    assert!(diags[0].help.contains("did you mean `payments`?"), "{}", diags[0].help);
    assert_eq!(
        crate::default_team(&org_from("kind: Platform\nspec:\n  teams:\n    solo: {}\n")).as_deref(),
        Some("solo")
    );
}

#[test]
fn overrides_replace_and_add_files() {
    let overrides = [
        TemplateFile { path: "typescript/Dockerfile".into(), text: "FROM scratch\n".into(), file: FileId(5) },
        TemplateFile {
            path: "service/CODEOWNERS.njk".into(),
            text: "* @${{ values.org }}/${{ values.team }}\n".into(),
            file: FileId(6),
        },
    ];
    let s = check(&request("quote-api", "typescript", "none", "payments", "standard"), &overrides);
    assert_eq!(s.files["Dockerfile"], "FROM scratch\n");
    assert_eq!(s.files["CODEOWNERS"], "* @example-org/payments\n");
}

#[test]
fn a_broken_override_points_at_its_line() {
    let text = "ok\n{% if values.tier == \"x\" %}\nno end\n";
    let overrides = [TemplateFile { path: "service/NOTES.md.njk".into(), text: text.into(), file: FileId(5) }];
    let (s, diags) = service(&org(), &request("quote-api", "go", "none", "payments", "standard"), &overrides);
    assert!(s.is_none());
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!((diags[0].code.id, diags[0].primary.span.file), ("SCAF006", FileId(5)));
    let bad = [TemplateFile { path: "../x".into(), text: String::new(), file: FileId(5) }];
    assert_eq!(
        service(&org(), &request("quote-api", "go", "none", "payments", "standard"), &bad).1[0].code.id,
        "SCAF006"
    );
}

/// What Backstage does with a step's `values`: each `${{ parameters.x }}` becomes the
/// parameter's value.
fn substitute(v: &Value, params: &[(&str, &str)]) -> Value {
    match v {
        Value::String(s) => {
            let mut s = s.clone();
            for (k, val) in params {
                s = s.replace(&format!("${{{{ parameters.{k} }}}}"), val);
            }
            Value::String(s)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| substitute(x, params)).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, x)| (k.clone(), substitute(x, params))).collect()),
        other => other.clone(),
    }
}

#[test]
fn the_backstage_skeleton_renders_the_same_files() {
    let (t, diags) = backstage_template(&org(), &[], Span::default());
    assert!(diags.is_empty(), "{diags:?}");
    let t = t.unwrap();
    let doc: Value = serde_saphyr::from_str(&t.files["template.yaml"]).unwrap();
    assert_eq!(doc["apiVersion"], "scaffolder.backstage.io/v1beta3");
    let steps = doc["spec"]["steps"].as_array().unwrap();
    assert_eq!(steps.len(), Language::ALL.len() + 1);
    assert_eq!(doc["spec"]["parameters"][0]["properties"]["name"]["maxLength"], crate::backstage::max_name_len(&org()));
    for step in &steps[..Language::ALL.len()] {
        let lang = step["input"]["url"].as_str().unwrap().trim_start_matches("./skeleton/").to_owned();
        assert_eq!(step["if"], format!("${{{{ parameters.language == '{lang}' }}}}"));
        for db in ["none", "postgres"] {
            let params = [("name", "quote-api"), ("team", "payments"), ("tier", "critical"), ("database", db)];
            let values = substitute(&step["input"]["values"], &params);
            let want = check(&request("quote-api", &lang, db, "payments", "critical"), &[]);
            let prefix = format!("skeleton/{lang}/");
            let mut got = std::collections::BTreeMap::new();
            for (path, text) in t.files.iter().filter(|(p, _)| p.starts_with(&prefix)) {
                let rel = &path[prefix.len()..];
                let tpl = crate::templates::Template { path: format!("{lang}/{rel}"), text: text.clone(), file: None };
                let out = rel.strip_suffix(".njk").unwrap_or(rel).to_owned();
                got.insert(out, crate::render::render(&tpl, &values, Span::default()).unwrap());
            }
            assert_eq!(got, want.files, "{lang} {db}");
        }
    }
}

#[test]
fn backstage_template_yaml_is_stable() {
    let a = backstage_template(&org(), &[], Span::default()).0.unwrap();
    let b = backstage_template(&org(), &[], Span::default()).0.unwrap();
    assert_eq!(a, b);
}
