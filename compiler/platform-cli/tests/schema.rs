//! F6: the committed JSON Schemas are the ones the input types generate.

mod support;

use std::io::Write;

#[test]
fn committed_schemas_match_the_input_types() {
    let dir = support::repo().join("schemas");
    for (file, text) in [
        ("platform.schema.json", platform_compiler::schema::service_schema()),
        ("platform-org.schema.json", platform_compiler::schema::org_schema()),
    ] {
        let path = dir.join(file);
        if support::bless() {
            std::fs::write(&path, &text).unwrap();
            continue;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(committed == text, "schemas/{file} is stale: run `PLATFORM_BLESS=1 cargo test --test schema`");
    }
}

/// A parsed YAML tree as JSON, for a standard validator.
fn to_json(n: &platform_syntax::yaml::Node) -> serde_json::Value {
    use platform_syntax::yaml::Kind;
    use serde_json::Value;
    match &n.kind {
        Kind::Null => Value::Null,
        Kind::Bool(b) => Value::Bool(*b),
        Kind::Int(i, _) => Value::from(*i),
        Kind::Float(f, _) => Value::from(*f),
        Kind::Str(s) => Value::from(s.as_str()),
        Kind::Seq(items) => Value::Array(items.iter().map(to_json).collect()),
        Kind::Map(entries) => Value::Object(entries.iter().map(|(k, v)| (k.name.clone(), to_json(v))).collect()),
    }
}

/// The schema's verdict on one input file: `None` when it validates, else the first error.
fn verdict(validator: &jsonschema::Validator, file: &std::path::Path) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    let node = platform_syntax::yaml::parse(&text, platform_ir::FileId(0)).ok()?;
    let doc = to_json(&node);
    validator.iter_errors(&doc).next().map(|e| format!("{}: {e}", e.instance_path()))
}

/// Err cases whose mistake the JSON Schemas cannot express: they need the org file, other
/// services, other fields, the file's bytes or YAML syntax, or arithmetic on a value. Every
/// other err case must be rejected by the schema, so an editor flags it as it is typed.
const NOT_EXPRESSIBLE: &[&str] = &[
    // Below JSON: the bytes or the YAML itself (no document, or not one a validator sees).
    "alias-bomb",
    "alias-long-string-amplified",
    "binary-file",
    "comments-only",
    "duplicate-key",
    "empty-file",
    "multiple-documents",
    "nesting-5000-levels",
    "tab-indentation",
    "yaml-syntax-error",
    "yaml-bad-indentation",
    // A service against its org's values: the org admits no egress of a service's own.
    "egress-custom-forbidden",
    // A service against its org's values: tier policies, teams, size tables, allowed
    // engine versions, environment names (which set how long derived names get).
    "critical-with-one-replica",
    "critical-without-alerts",
    "database-version-not-allowed",
    "database-version-not-allowed-in-production",
    "name-too-long-for-elasticache",
    "name-too-long-with-long-org-environment-names",
    "redis-size-not-in-org-table",
    "unknown-database-size",
    "unknown-team",
    "terraform-database-engine-differs",
    // Across services, or the repository's layout (directory and workflow file names).
    "duplicate-service-name",
    "self-dependency",
    "unknown-dependency",
    "github-actions-unsafe-service-path",
    "github-actions-workflow-name-collision",
    // What a backend derives: an RDS identifier from the name (only with a database), a
    // namespace rendered from the org's template, a value's use inside a workflow.
    "terraform-name-with-double-hyphen",
    "helm-org-names-invalid",
    "github-actions-org-value-expression",
    // Org settings checked by meaning: windows ordered by arithmetic, a version constraint
    // against the locking it needs, an instance class against its map key's engine, a
    // module source's pin.
    "org-burn-window-inverted",
    "terraform-lockfile-needs-1-11",
    "terraform-org-settings-invalid",
    "terraform-module-source-not-pinned",
];

/// Issue 14: the schemas check values. A standard JSON Schema validator accepts every
/// input the compiler accepts (the examples and every golden ok case), and rejects every
/// golden err case whose mistake a schema can express.
#[test]
fn a_standard_validator_agrees_with_the_compiler() {
    let repo = support::repo();
    let load = |f: &str| {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(repo.join("schemas").join(f)).unwrap()).unwrap();
        jsonschema::validator_for(&v).unwrap()
    };
    let (service, org) = (load("platform.schema.json"), load("platform-org.schema.json"));
    let validator_for = |p: &std::path::Path| {
        if p.file_name().is_some_and(|n| n == "platform-org.yaml") { &org } else { &service }
    };
    // The input files under `dir` (an example's `generated/` tree holds none).
    let inputs = |dir: &std::path::Path| -> Vec<std::path::PathBuf> {
        let mut out = support::files(dir, "/platform.yaml");
        out.extend(support::files(dir, "/platform-org.yaml"));
        out.sort();
        out
    };
    let mut ok_dirs: Vec<std::path::PathBuf> =
        support::cases(&repo.join("golden-tests/ok")).into_iter().map(|c| c.join("input")).collect();
    ok_dirs.extend(support::cases(&repo.join("examples")));
    let mut accepted = 0;
    let mut problems = Vec::new();
    for dir in &ok_dirs {
        for file in inputs(dir) {
            match verdict(validator_for(&file), &file) {
                None => accepted += 1,
                Some(e) => problems.push(format!("{}: rejected by the schema: {e}", file.display())),
            }
        }
    }
    let (mut rejected, mut listed) = (0, 0);
    for case in support::cases(&repo.join("golden-tests/err")) {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let errors: Vec<String> =
            inputs(&case.join("input")).iter().filter_map(|f| verdict(validator_for(f), f)).collect();
        match (errors.is_empty(), NOT_EXPRESSIBLE.contains(&name.as_str())) {
            (false, false) => rejected += 1,
            (true, true) => listed += 1,
            (true, false) => problems
                .push(format!("err/{name}: accepted by the schema (tighten it, or list the case in NOT_EXPRESSIBLE)")),
            (false, true) => problems
                .push(format!("err/{name}: listed as not expressible, but the schema rejects it: {}", errors[0])),
        }
    }
    // Straight to stderr (the harness captures `println!` of passing tests): CI logs show it.
    let _ = writeln!(
        std::io::stderr(),
        "schema check: {accepted} ok input files accepted; {rejected} err cases rejected by the schema; {listed} err cases the schema cannot express"
    );
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}
