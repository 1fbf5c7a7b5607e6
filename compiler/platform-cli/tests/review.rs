//! Issue 12: `platform diff` as a change review. Each row of the book's table ("What the
//! review shows", `book/src/review.md`) is a change to the monorepo example, committed in a
//! scratch repository and diffed against that commit: the risks it must raise (and none
//! other), the changes no apply can make, and what `--deny` and `--exit-code` make of them.

mod support;

use std::path::Path;
use std::process::{Command, Output};

fn platform(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_platform")).args(args).current_dir(dir).env("NO_COLOR", "1").output().unwrap()
}

/// The monorepo example, committed as the only commit of a new repository.
fn committed_monorepo() -> tempfile::TempDir {
    committed_monorepo_with(&[])
}

/// The monorepo example with `edits`, committed as the only commit of a new repository.
/// Vendored: the rows read each object in its own file (a packaged chart's objects are the
/// library's, chosen by values; see `a_packaged_database_removed_destroys_its_data`).
fn committed_monorepo_with(edits: &[(&str, &str, &str)]) -> tempfile::TempDir {
    committed_monorepo_as(edits, "vendored")
}

/// The monorepo example in packaging `mode`, with `edits`, committed.
fn committed_monorepo_as(edits: &[(&str, &str, &str)], mode: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    support::copy_tree(&support::repo().join("examples/monorepo"), tmp.path());
    let org = tmp.path().join(ORG);
    let text = std::fs::read_to_string(&org).unwrap();
    std::fs::write(&org, format!("{text}  packages:\n    mode: {mode}\n")).unwrap();
    for (file, from, to) in edits {
        edit(tmp.path(), file, from, to);
    }
    let git = |args: &[&str]| {
        let o = Command::new("git").args(args).current_dir(tmp.path()).output().unwrap();
        assert!(o.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base"]);
    tmp
}

/// Replace `from` by `to` in `file` (relative to the repository), once; the text must be there.
fn edit(repo: &Path, file: &str, from: &str, to: &str) {
    let path = repo.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "`{from}` is not in {file}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

/// The review of the work tree against HEAD, as JSON, and the exit status.
fn review(repo: &Path, extra: &[&str]) -> (serde_json::Value, Option<i32>, String) {
    let mut args = vec!["diff", "--format", "json", "--stat"];
    args.extend_from_slice(extra);
    let o = platform(repo, &args);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let doc = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    (doc, o.status.code(), stderr)
}

fn codes(doc: &serde_json::Value) -> Vec<String> {
    let mut c: Vec<String> =
        doc["risks"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap().to_owned()).collect();
    c.dedup();
    c
}

/// Whether `got` is `object`, or `object` read through the org module a packaged root
/// calls (`module.database.aws_db_instance.this`).
fn in_module_or_root(got: &serde_json::Value, object: &str) -> bool {
    let got = got.as_str().unwrap_or_default();
    got == object
        || got.strip_prefix("module.").and_then(|r| r.split_once('.')).is_some_and(|(_, address)| address == object)
}

/// The document validates against the committed `schemas/output/diff-v1.schema.json`.
fn matches_schema(doc: &serde_json::Value, what: &str) {
    let path = support::repo().join("schemas/output/diff-v1.schema.json");
    let schema: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let v = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = v.iter_errors(doc).map(|e| format!("{}: {e}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{what}: {}", errors.join("\n"));
}

/// `platform diff --format markdown --stat` equals `golden-tests/review/<what>.md`
/// (`PLATFORM_BLESS=1` rewrites it).
fn golden_comment(repo: &Path, what: &str) {
    let o = platform(repo, &["diff", "--format", "markdown", "--stat"]);
    let got = String::from_utf8(o.stdout).unwrap();
    let slug: String = what.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    let path = support::repo().join("golden-tests/review").join(format!("{slug}.md"));
    if std::env::var_os("PLATFORM_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(want == got, "{what}: the comment differs from {} (PLATFORM_BLESS=1 rewrites it):\n{got}", path.display());
}

struct Row {
    what: &'static str,
    /// Edits made before the base commit.
    base: &'static [(&'static str, &'static str, &'static str)],
    edits: &'static [(&'static str, &'static str, &'static str)],
    risks: &'static [&'static str],
    /// A change no apply can make, reported on standard error (VAL009, VAL010).
    impossible: Option<&'static str>,
    /// Objects the change model must show: service, layer, environment (`None`: every
    /// one), action, object.
    objects: &'static [Object],
    /// Actions on objects it must not show (action, object).
    absent: &'static [(&'static str, &'static str)],
}

type Object = (&'static str, &'static str, Option<&'static str>, &'static str, &'static str);

const CHECKOUT: &str = "services/checkout-api/platform.yaml";
const USERS: &str = "services/user-api/platform.yaml";
const WORKER: &str = "services/notification-worker/platform.yaml";
const ORG: &str = "platform-org.yaml";

const ROWS: &[Row] = &[
    Row {
        base: &[],
        what: "a Redis database removed",
        edits: &[(USERS, "  database:\n    type: redis\n", "")],
        risks: &["RISK001"],
        impossible: None,
        objects: &[("user-api", "terraform", None, "destroy", "aws_elasticache_replication_group.this")],
        absent: &[],
    },
    Row {
        base: &[],
        what: "a service renamed without previousNames",
        edits: &[
            (USERS, "name: user-api", "name: account-api"),
            (CHECKOUT, "component:user-api", "component:account-api"),
        ],
        risks: &["RISK004"],
        impossible: None,
        objects: &[
            ("user-api", "terraform", None, "destroy", "aws_elasticache_replication_group.this"),
            ("account-api", "terraform", None, "create", "aws_elasticache_replication_group.this"),
        ],
        absent: &[],
    },
    Row {
        base: &[],
        what: "a service renamed with previousNames",
        edits: &[
            (USERS, "name: user-api", "name: account-api\n  previousNames: [user-api]"),
            (CHECKOUT, "component:user-api", "component:account-api"),
        ],
        risks: &[],
        impossible: None,
        objects: &[],
        absent: &[
            ("destroy", "aws_elasticache_replication_group.this"),
            ("replace", "aws_elasticache_replication_group.this"),
            ("create", "aws_elasticache_replication_group.this"),
        ],
    },
    Row {
        base: &[],
        what: "the canary turned off",
        edits: &[(CHECKOUT, "canary: true", "canary: false")],
        risks: &["RISK006"],
        impossible: None,
        objects: &[
            ("checkout-api", "kubernetes", None, "destroy", "Rollout"),
            ("checkout-api", "kubernetes", Some("production"), "destroy", "Rollout (rendered)"),
            ("checkout-api", "kubernetes", Some("production"), "create", "Deployment (rendered)"),
        ],
        absent: &[("destroy", "Rollout (rendered)@staging")],
    },
    Row {
        base: &[],
        what: "a database size shrunk",
        edits: &[(CHECKOUT, "    size: medium\n", "    size: small\n")],
        risks: &[],
        impossible: Some("VAL010"),
        objects: &[("checkout-api", "terraform", Some("production"), "update", "aws_db_instance.this")],
        absent: &[],
    },
    Row {
        base: &[],
        what: "the engine version downgraded",
        edits: &[(CHECKOUT, "    size: medium\n", "    size: medium\n    version: \"16\"\n")],
        risks: &[],
        impossible: Some("VAL009"),
        objects: &[("checkout-api", "terraform", Some("production"), "replace", "aws_db_parameter_group.this")],
        absent: &[],
    },
    Row {
        base: &[],
        what: "the production region changed",
        edits: &[(
            ORG,
            "awsRegion: eu-central-1\n      domain: acme.dev\n      namespace: \"{team}\"\n      production: true",
            "awsRegion: eu-west-1\n      domain: acme.dev\n      namespace: \"{team}\"\n      production: true",
        )],
        risks: &["RISK005"],
        impossible: None,
        objects: &[("checkout-api", "terraform", Some("production"), "replace", "aws_db_instance.this")],
        absent: &[("replace", "aws_db_instance.this@staging")],
    },
    Row {
        base: &[],
        what: "the SLO lowered",
        edits: &[(CHECKOUT, "slo: 99.95", "slo: 99.9")],
        risks: &["RISK008"],
        impossible: None,
        objects: &[(
            "checkout-api",
            "alerts",
            Some("production"),
            "update",
            "alert AvailabilityErrorBudgetBurn (page) [slo-alerts-checkout-api-availability]",
        )],
        absent: &[],
    },
    Row {
        base: &[],
        what: "replicas raised",
        edits: &[(CHECKOUT, "replicas: 3", "replicas: 4")],
        risks: &[],
        impossible: None,
        objects: &[("checkout-api", "kubernetes", None, "update", "values.replicaCount")],
        absent: &[],
    },
    Row {
        base: &[],
        what: "replicas lowered",
        edits: &[(CHECKOUT, "replicas: 3", "replicas: 2")],
        risks: &["RISK013"],
        impossible: None,
        objects: &[("checkout-api", "kubernetes", None, "update", "values.replicaCount")],
        absent: &[],
    },
    Row {
        base: &[],
        what: "a new dependency",
        edits: &[(WORKER, "  egress:\n", "  dependsOn:\n    - component:user-api\n  egress:\n")],
        risks: &["RISK010"],
        impossible: None,
        objects: &[("notification-worker", "kubernetes", Some("production"), "update", "values.networkPolicy")],
        absent: &[],
    },
    Row {
        base: &[],
        what: "a service made public",
        edits: &[(USERS, "ingress: {}", "ingress:\n    exposure: public")],
        risks: &["RISK007"],
        impossible: None,
        objects: &[("user-api", "terraform", Some("production"), "update", "aws_route53_record.service")],
        absent: &[],
    },
    Row {
        base: &[],
        what: "a secret removed",
        edits: &[(WORKER, "  secrets:\n    - name: smtp-password\n", "")],
        risks: &["RISK011"],
        impossible: None,
        objects: &[("notification-worker", "terraform", None, "destroy", "aws_secretsmanager_secret.smtp_password")],
        absent: &[],
    },
    Row {
        base: &[(CHECKOUT, "    size: medium\n", "    size: medium\n    version: \"16\"\n")],
        what: "a major database upgrade",
        edits: &[(CHECKOUT, "    version: \"16\"\n", "    version: \"17\"\n")],
        risks: &["RISK012"],
        impossible: None,
        objects: &[("checkout-api", "terraform", Some("production"), "update", "aws_db_instance.this")],
        absent: &[],
    },
];

/// Every row again with the monorepo packaged (the default): the same risks, and the same
/// objects but for the ones a vendored chart's own template files are (a packaged chart
/// takes its objects from the library, so it has no template to add or remove; the objects
/// each environment renders are the same), with a module's resources read through its call.
#[test]
fn each_change_raises_the_same_risks_packaged() {
    for row in ROWS {
        let repo = committed_monorepo_as(row.base, "packaged");
        for (file, from, to) in row.edits {
            edit(repo.path(), file, from, to);
        }
        let (doc, status, stderr) = review(repo.path(), &[]);
        assert_eq!(codes(&doc), row.risks, "{} (packaged): {doc:#}\n{stderr}", row.what);
        assert_eq!(status, Some(if row.impossible.is_some() { 1 } else { 0 }), "{} (packaged): {stderr}", row.what);
        let objects = doc["objects"].as_array().unwrap();
        let template_level = |layer: &str, env: Option<&str>, object: &str| {
            layer == "kubernetes" && env.is_none() && !object.starts_with("values.")
        };
        for (service, layer, env, action, object) in row.objects {
            if template_level(layer, *env, object) {
                continue;
            }
            assert!(
                objects.iter().any(|o| o["service"] == *service
                    && o["layer"] == *layer
                    && o["environment"].as_str() == *env
                    && o["action"] == *action
                    && in_module_or_root(&o["object"], object)),
                "{} (packaged): no {action} of {object} ({service}, {layer}, {env:?}) in {:#}",
                row.what,
                doc["objects"]
            );
        }
        for (action, object) in row.absent {
            let (object, env) = object.split_once('@').map_or((*object, None), |(o, e)| (o, Some(e)));
            assert!(
                !objects.iter().any(|o| o["action"] == *action
                    && in_module_or_root(&o["object"], object)
                    && env.is_none_or(|e| o["environment"] == e)),
                "{} (packaged): {action} of {object} in {:#}",
                row.what,
                doc["objects"]
            );
        }
    }
}

#[test]
fn each_change_raises_its_risks_and_no_other() {
    for row in ROWS {
        let repo = committed_monorepo_with(row.base);
        for (file, from, to) in row.edits {
            edit(repo.path(), file, from, to);
        }
        let (doc, status, stderr) = review(repo.path(), &[]);
        assert_eq!(codes(&doc), row.risks, "{}: {doc:#}\n{stderr}", row.what);
        match row.impossible {
            Some(code) => {
                assert!(stderr.contains(code), "{}: {stderr}", row.what);
                assert_eq!(status, Some(1), "{}", row.what);
            }
            None => assert_eq!(status, Some(0), "{}: {stderr}", row.what),
        }
        golden_comment(repo.path(), row.what);
        matches_schema(&doc, row.what);
        let objects = doc["objects"].as_array().unwrap();
        for (service, layer, env, action, object) in row.objects {
            assert!(
                objects.iter().any(|o| o["service"] == *service
                    && o["layer"] == *layer
                    && o["environment"].as_str() == *env
                    && o["action"] == *action
                    && in_module_or_root(&o["object"], object)),
                "{}: no {action} of {object} ({service}, {layer}, {env:?}) in {:#}",
                row.what,
                doc["objects"]
            );
        }
        for (action, object) in row.absent {
            let (object, env) = object.split_once('@').map_or((*object, None), |(o, e)| (o, Some(e)));
            assert!(
                !objects.iter().any(|o| o["action"] == *action
                    && o["object"] == object
                    && env.is_none_or(|e| o["environment"] == e)),
                "{}: {action} of {object} in {:#}",
                row.what,
                doc["objects"]
            );
        }
        for risk in doc["risks"].as_array().unwrap() {
            // Each risk points at an input line that exists, in the work tree or the base.
            let file = risk["file"].as_str().unwrap();
            assert!(file.ends_with("platform.yaml") || file.ends_with("platform-org.yaml"), "{}: {risk}", row.what);
            assert!(risk["line"].as_u64().unwrap() > 0, "{}: {risk}", row.what);
        }
    }
}

/// A packaged root calls the org's database module: removing the database destroys the
/// module's data store and its secret, each read through the call, not a routine change of
/// a module call.
#[test]
fn a_packaged_database_removed_destroys_its_data() {
    let repo = committed_monorepo_as(&[], "packaged");
    edit(repo.path(), USERS, "  database:\n    type: redis\n", "");
    let (doc, status, stderr) = review(repo.path(), &[]);
    assert_eq!(codes(&doc), ["RISK001"], "{doc:#}\n{stderr}");
    assert_eq!(status, Some(0), "{stderr}");
    let destroyed: Vec<&str> = doc["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["service"] == "user-api" && o["action"] == "destroy" && o["holdsData"] == true)
        .filter_map(|o| o["object"].as_str())
        .collect();
    for object in
        ["module.database.aws_elasticache_replication_group.this", "module.database.aws_secretsmanager_secret.database"]
    {
        assert!(destroyed.contains(&object), "{object} not destroyed in {destroyed:?}");
    }
    // The services whose roots did not change show nothing.
    let others: Vec<&serde_json::Value> =
        doc["objects"].as_array().unwrap().iter().filter(|o| o["service"] == "checkout-api").collect();
    assert!(others.is_empty(), "{others:?}");
}

#[test]
fn each_object_names_the_input_line_that_changed_it() {
    let repo = committed_monorepo();
    edit(repo.path(), CHECKOUT, "    size: medium\n", "    size: large\n");
    edit(repo.path(), CHECKOUT, "replicas: 3", "replicas: 4");
    let (doc, _, _) = review(repo.path(), &[]);
    let input = |object: &str, env: Option<&str>| {
        doc["objects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| in_module_or_root(&o["object"], object) && o["environment"].as_str() == env)
            .and_then(|o| o["input"].as_str())
            .unwrap_or_else(|| panic!("{object}: {doc:#}"))
            .to_owned()
    };
    let text = std::fs::read_to_string(repo.path().join(CHECKOUT)).unwrap();
    let line_of = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    assert!(
        input("aws_db_instance.this", Some("production"))
            .ends_with(&format!("{CHECKOUT}:{}:11", line_of("size: large")))
    );
    assert!(input("values.replicaCount", None).ends_with(&format!("{CHECKOUT}:{}:15", line_of("replicas: 4"))));
}

#[test]
fn a_removed_database_is_one_risk_at_the_removed_line_for_every_environment() {
    let repo = committed_monorepo();
    edit(repo.path(), USERS, "  database:\n    type: redis\n", "");
    let (doc, _, _) = review(repo.path(), &[]);
    let risks = doc["risks"].as_array().unwrap();
    assert_eq!(risks.len(), 1, "{doc:#}");
    let r = &risks[0];
    assert_eq!(r["grade"], "danger");
    assert_eq!(r["side"], "base", "the line is gone from the work tree");
    assert_eq!(r["environments"], serde_json::json!(["staging", "production"]));
    assert_eq!(r["line"], 15, "{r}");
    assert!(r["file"].as_str().unwrap().ends_with("services/user-api/platform.yaml"), "{r}");
}

#[test]
fn a_removed_service_is_a_danger_where_it_was() {
    let repo = committed_monorepo();
    // The worker goes, and with it every dependency on it.
    std::fs::remove_file(repo.path().join(WORKER)).unwrap();
    edit(repo.path(), USERS, "  dependsOn:\n    - component:notification-worker\n", "");
    edit(repo.path(), CHECKOUT, "    - component:notification-worker\n", "");
    let (doc, status, stderr) = review(repo.path(), &[]);
    assert_eq!(status, Some(0), "{stderr}");
    assert_eq!(codes(&doc), ["RISK003"], "{doc:#}");
    assert_eq!(doc["risks"][0]["service"], "notification-worker");
}

#[test]
fn deny_fails_from_its_grade_and_exit_code_says_why() {
    let repo = committed_monorepo();
    edit(repo.path(), CHECKOUT, "slo: 99.95", "slo: 99.9");
    // A warn: `--deny danger` lets it pass, `--deny warn` fails.
    assert_eq!(review(repo.path(), &["--deny", "danger"]).1, Some(0));
    assert_eq!(review(repo.path(), &["--deny", "warn"]).1, Some(1));
    assert_eq!(review(repo.path(), &["--deny", "danger", "--exit-code"]).1, Some(1), "changes");
    assert_eq!(review(repo.path(), &["--deny", "warn", "--exit-code"]).1, Some(2), "a denied risk");
    // Every format names the risk at its input line.
    let short = platform(repo.path(), &["diff", "--format", "short", "--stat"]);
    let out = String::from_utf8_lossy(&short.stdout);
    assert!(out.contains("services/checkout-api/platform.yaml:38:10: warn[RISK008]"), "{out}");
    let gh = platform(repo.path(), &["diff", "--format", "github", "--stat"]);
    let out = String::from_utf8_lossy(&gh.stdout);
    assert!(out.lines().any(|l| l.starts_with("::warning file=services/checkout-api/platform.yaml,line=38,")), "{out}");
    let human = platform(repo.path(), &["diff", "--stat"]);
    let out = String::from_utf8_lossy(&human.stdout);
    assert!(out.starts_with("risks (1 warn):"), "{out}");
    assert!(out.contains("warn: RISK008(alerting-change)"), "{out}");
    assert!(!out.contains("platform-diff-"), "no temporary path in the review: {out}");
}

#[test]
fn an_acceptance_added_with_the_change_lets_its_risk_pass_and_is_shown() {
    let repo = committed_monorepo();
    edit(repo.path(), CHECKOUT, "slo: 99.95", "slo: 99.9");
    edit(
        repo.path(),
        CHECKOUT,
        "  tier: critical\n",
        "  tier: critical\n  acceptedRisks:\n    RISK008: agreed with the shop on-call rota\n",
    );
    let (doc, status, stderr) = review(repo.path(), &["--deny", "warn", "--exit-code"]);
    assert_eq!(status, Some(1), "changes, no denied risk: {stderr}");
    let accepted = &doc["risks"][0]["accepted"];
    assert_eq!(accepted["reason"], "agreed with the shop on-call rota", "{doc:#}");
    assert_eq!(accepted["line"], 8);
    let human = String::from_utf8_lossy(&platform(repo.path(), &["diff", "--stat"]).stdout).into_owned();
    assert!(human.starts_with("risks (1 accepted):"), "{human}");
    assert!(human.contains("warn, accepted: RISK008"), "{human}");
    assert!(human.contains("platform.yaml:8:14: \"agreed with the shop on-call rota\""), "{human}");
    let gh =
        String::from_utf8_lossy(&platform(repo.path(), &["diff", "--stat", "--format", "github"]).stdout).into_owned();
    assert!(gh.lines().next().is_some_and(|l| l.starts_with("::notice ") && l.contains("RISK008")), "{gh}");
}

#[test]
fn an_acceptance_already_at_the_base_accepts_nothing() {
    let repo = committed_monorepo_with(&[(
        CHECKOUT,
        "  tier: critical\n",
        "  tier: critical\n  acceptedRisks:\n    RISK008: agreed with the shop on-call rota\n",
    )]);
    edit(repo.path(), CHECKOUT, "slo: 99.95", "slo: 99.9");
    let (doc, status, _) = review(repo.path(), &["--deny", "warn"]);
    assert_eq!(status, Some(1), "{doc:#}");
    assert!(doc["risks"][0]["accepted"].is_null(), "{doc:#}");
}

#[test]
fn a_removed_service_is_accepted_in_the_org_file() {
    let repo = committed_monorepo();
    std::fs::remove_file(repo.path().join(WORKER)).unwrap();
    edit(repo.path(), USERS, "  dependsOn:\n    - component:notification-worker\n", "");
    edit(repo.path(), CHECKOUT, "    - component:notification-worker\n", "");
    let org = std::fs::read_to_string(repo.path().join(ORG)).unwrap();
    let name = org.lines().find(|l| l.trim_start().starts_with("name:")).unwrap().to_owned();
    edit(
        repo.path(),
        ORG,
        &format!("{name}\n"),
        &format!("{name}\n  acceptedRisks:\n    RISK003: its root was destroyed on 3 December\n"),
    );
    let (doc, status, stderr) = review(repo.path(), &["--deny", "danger"]);
    assert_eq!(status, Some(0), "{doc:#}\n{stderr}");
    assert_eq!(doc["risks"][0]["accepted"]["reason"], "its root was destroyed on 3 December");
}

#[test]
fn an_acceptance_names_a_risk_and_says_why() {
    let repo = committed_monorepo();
    edit(
        repo.path(),
        CHECKOUT,
        "  tier: critical\n",
        "  tier: critical\n  acceptedRisks:\n    RISK999: a risk that is not one\n    RISK008: fine\n",
    );
    let o = platform(repo.path(), &["validate", "--format", "short"]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("`RISK999` is not a risk code"), "{out}");
    assert!(out.contains("the acceptance of RISK008 gives no reason"), "{out}");
}

/// Issue 12.5: the committed output against a fresh build, as after an upgrade of
/// `platform` or of its built-in defaults: nothing when it is current, and each object an
/// older compiler wrote differently.
#[test]
fn against_generated_reviews_the_committed_output() {
    let repo = committed_monorepo();
    let o = platform(repo.path(), &["build"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let (doc, status, stderr) = review(repo.path(), &["--against-generated", "--exit-code"]);
    assert_eq!(status, Some(0), "{doc:#}\n{stderr}");
    assert!(doc["changes"].as_array().unwrap().is_empty() && doc["risks"].as_array().unwrap().is_empty());
    // What an older compiler wrote.
    edit(repo.path(), "generated/user-api/helm/user-api/values.yaml", "replicaCount: 2", "replicaCount: 1");
    let (doc, status, _) = review(repo.path(), &["--against-generated=generated", "--exit-code"]);
    assert_eq!(status, Some(1), "{doc:#}");
    assert_eq!(doc["base"], "generated");
    let objects = doc["objects"].as_array().unwrap();
    assert!(
        objects.iter().any(|o| o["object"] == "values.replicaCount"
            && o["action"] == "update"
            && o["detail"][0] == "replicaCount: 1 → 2"),
        "{doc:#}"
    );
    assert_eq!(doc["changes"].as_array().unwrap().len(), 1, "{doc:#}");
    // With a space, the next word is the path to review, never swallowed as the directory.
    let (doc, status, stderr) = review(repo.path(), &["--against-generated", ".", "--exit-code"]);
    assert_eq!(status, Some(1), "{doc:#}\n{stderr}");
    assert_eq!(doc["base"], "generated", "{doc:#}");
}

/// Issue 12, done when: on a clean tree, the review of the monorepo example says nothing
/// changed, from the repository root and from inside the example.
#[test]
fn a_clean_tree_reviews_as_unchanged_from_anywhere_in_the_repository() {
    let tmp = tempfile::tempdir().unwrap();
    let example = tmp.path().join("examples/monorepo");
    support::copy_tree(&support::repo().join("examples/monorepo"), &example);
    let git = |args: &[&str]| {
        let o = Command::new("git").args(args).current_dir(tmp.path()).output().unwrap();
        assert!(o.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base"]);
    for (dir, path) in
        [(tmp.path().to_path_buf(), "examples/monorepo"), (example.clone(), "."), (example.join("services"), "..")]
    {
        let o = platform(&dir, &["diff", path, "--base", "HEAD", "--exit-code"]);
        let out = String::from_utf8_lossy(&o.stdout);
        assert_eq!(o.status.code(), Some(0), "{}: {out}{}", dir.display(), String::from_utf8_lossy(&o.stderr));
        assert!(out.starts_with("no change to the generated files since `HEAD`"), "{}: {out}", dir.display());
    }
}
