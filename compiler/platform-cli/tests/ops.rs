//! Issue 13: `platform deploy`, `deploy promote` and `deploy rollback` dispatch the service's
//! generated workflows through `gh` — tested against a fake `gh` first on `PATH` that records
//! its argv and answers from files: the exact commands, the refusals that run nothing, a
//! missing or logged-out `gh`, and a failed run.

mod support;

use std::path::Path;
use std::process::{Command, Output};

fn seed() -> std::path::PathBuf {
    support::repo().join("examples/payment-api")
}

fn platform(dir: &Path, path: &std::ffi::OsStr, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_platform"))
        .args(args)
        .current_dir(dir)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const DISPATCH: &str =
    "gh workflow run payment-api.yml --ref main -f action=deploy -f environment=production -f canary-weight=10";

#[test]
fn a_dry_run_prints_the_dispatch_of_the_generated_workflow_and_runs_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let path = support::fake_tools(tmp.path(), &["gh"]);
    let o = platform(&seed(), &path, &["deploy", "--env", "production", "--canary", "10%", "--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.lines().any(|l| l == DISPATCH), "{out}");
    assert!(out.lines().any(|l| l == "gh run watch '<run id>' --exit-status"), "{out}");
    assert!(support::fake_log(tmp.path()).is_empty(), "a dry run runs nothing");
    // The dispatched file and inputs are the generated workflow's own.
    let out = tmp.path().join("out");
    let o = platform(&seed(), &path, &["build", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let wf = std::fs::read_to_string(out.join("payment-api/github-actions/workflows/payment-api.yml")).unwrap();
    assert!(wf.contains("  workflow_dispatch:\n    inputs:\n      action:"), "{wf}");
    for input in ["action", "environment"] {
        assert!(wf.contains(&format!("\n      {input}:\n")), "{wf}");
    }
    for action in ["deploy", "promote", "rollback"] {
        assert!(wf.contains(&format!("        - {action}\n")), "{wf}");
    }
    assert!(wf.contains("inputs.action == 'promote'") && wf.contains("inputs.action == 'rollback'"), "{wf}");
    assert!(wf.contains("      canary-weight:") && wf.contains("        - \"10\"\n"), "{wf}");

    // From a directory inside the service's: the nearest platform.yaml above.
    let deep = tmp.path().join("service/src/handlers");
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::copy(seed().join("platform.yaml"), tmp.path().join("service/platform.yaml")).unwrap();
    let o =
        platform(&deep, &path, &["deploy", "--env", "production", "--canary", "10", "--dry-run", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["workflow"], "payment-api.yml");
    assert_eq!(
        doc["inputs"],
        serde_json::json!({"action": "deploy", "environment": "production", "canary-weight": "10"})
    );
    assert_eq!(doc["result"], "printed");
    let dispatch: Vec<String> = DISPATCH.split(' ').map(str::to_owned).collect();
    assert!(doc["commands"].as_array().unwrap().contains(&serde_json::json!(dispatch)), "{doc:#}");

    let o = platform(&seed(), &path, &["deploy", "promote", "--dry-run"]);
    assert!(text(&o.stdout).lines().any(|l| l == "gh workflow run payment-api.yml --ref main -f action=promote"));
    let o = platform(&seed(), &path, &["deploy", "rollback", "--dry-run", "--repo", "acme/pay"]);
    assert!(
        text(&o.stdout)
            .lines()
            .any(|l| l == "gh workflow run payment-api.yml --ref main -f action=rollback --repo acme/pay")
    );
}

#[test]
fn a_request_the_pipeline_would_not_take_is_refused_before_any_tool_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let path = support::fake_tools(tmp.path(), &["gh"]);
    for (args, says) in [
        (&["deploy", "--env", "production", "--canary", "30%", "--yes"][..], "pick one of 1%, 2%, 5%, 10%"),
        (&["deploy", "--env", "prod", "--yes"][..], "deploy to one of: staging, production"),
        (&["deploy", "--env", "staging", "--canary", "5%"][..], "only production environments take one"),
        // No terminal to ask on: a production deploy, a promotion, a rollback need --yes.
        (&["deploy", "--env", "production"][..], "pass --yes"),
        (&["deploy", "rollback"][..], "pass --yes"),
        (&["deploy", "promote"][..], "pass --yes"),
    ] {
        let o = platform(&seed(), &path, args);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    let o = platform(&seed(), &path, &["deploy", "--env", "production", "--canary", "ten"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(support::fake_log(tmp.path()).is_empty(), "{:?}", support::fake_log(tmp.path()));
}

#[test]
fn a_deploy_dispatches_follows_the_new_run_and_reports_how_it_ended() {
    let tmp = tempfile::tempdir().unwrap();
    let fake = tmp.path();
    let path = support::fake_tools(fake, &["gh"]);
    // The newest dispatched run before the dispatch is 41; after it, the new run 42.
    let run = |id: u64| {
        format!(
            r#"[{{"databaseId":{id},"url":"https://github.com/acme/pay/actions/runs/{id}","createdAt":"2026-12-04T06:00:00Z"}}]"#
        )
    };
    support::fake_answer(fake, "gh", "run list", &run(41));
    std::fs::write(fake.join("answers/gh_run_list.then"), run(42)).unwrap();
    support::fake_answer(fake, "gh", "workflow run", "");
    support::fake_answer(fake, "gh", "run watch", "✓ main payment-api · 42\n");
    let o = platform(&seed(), &path, &["deploy", "--env", "staging", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((doc["result"].as_str(), doc["run"]["id"].as_u64()), (Some("succeeded"), Some(42)), "{doc:#}");
    let calls: Vec<String> = support::fake_log(fake).iter().map(|a| a.join(" ")).collect();
    assert_eq!(
        calls,
        [
            "gh run list --workflow payment-api.yml --event workflow_dispatch --branch main --limit 1 --json databaseId,url,createdAt",
            "gh workflow run payment-api.yml --ref main -f action=deploy -f environment=staging",
            "gh run list --workflow payment-api.yml --event workflow_dispatch --branch main --limit 1 --json databaseId,url,createdAt",
            "gh run watch 42 --exit-status",
        ]
    );

    // The run fails: so does the verb.
    std::fs::write(fake.join("answers/gh_run_watch.fail"), "X main payment-api · 42 failed\n").unwrap();
    std::fs::remove_file(fake.join("answers/gh_run_list.used")).unwrap();
    let o = platform(&seed(), &path, &["deploy", "rollback", "--yes", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((o.status.code(), doc["result"].as_str()), (Some(1), Some("failed")), "{doc:#}");
}

#[test]
fn a_missing_or_logged_out_gh_is_named_with_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    let o = platform(&seed(), tmp.path().join("empty").as_os_str(), &["deploy", "--env", "staging", "--no-follow"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert!(err.contains("`gh` was not found on PATH") && err.contains("install the GitHub CLI"), "{err}");

    let path = support::fake_tools(tmp.path(), &["gh"]);
    std::fs::write(
        tmp.path().join("answers/gh_workflow_run.fail"),
        "To get started with GitHub CLI, please run:  gh auth login\n",
    )
    .unwrap();
    let o = platform(&seed(), &path, &["deploy", "--env", "staging", "--no-follow"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert!(err.contains("`gh` is not logged in") && err.contains("help: run `gh auth login`"), "{err}");
}

const PROD: &str = "--context arn:aws:eks:eu-west-1:222222222222:cluster/production --namespace payments";

#[test]
fn logs_read_the_pods_by_the_charts_labels_and_the_canary_by_its_hash() {
    let tmp = tempfile::tempdir().unwrap();
    let fake = tmp.path();
    let path = support::fake_tools(fake, &["kubectl"]);
    support::fake_match(fake, "jsonpath={.status.currentPodHash}", "6d8f7c9b5\n");
    support::fake_match(fake, " logs ", "[pod/payment-api-6d8f7c9b5-x/app] listening on :8080\n");
    let o = platform(&seed(), &path, &["logs", "payment-api", "--env", "production", "--since", "1h", "--canary"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("listening on :8080"));
    let calls: Vec<String> = support::fake_log(fake).iter().map(|a| a.join(" ")).collect();
    assert_eq!(
        calls,
        [
            format!("kubectl {PROD} get rollout payment-api --output jsonpath={{.status.currentPodHash}}"),
            format!(
                "kubectl {PROD} logs --selector app.kubernetes.io/name=payment-api,app.kubernetes.io/instance=payment-api,rollouts-pod-template-hash=6d8f7c9b5 --prefix --max-log-requests 20 --all-containers --since 1h"
            ),
        ]
    );
    // Staging runs no canary; a span must be one.
    let o = platform(&seed(), &path, &["logs", "--env", "staging", "--canary"]);
    assert!(o.status.code() == Some(1) && text(&o.stderr).contains("runs no canary in staging"), "{}", text(&o.stderr));
    let o = platform(&seed(), &path, &["logs", "--env", "staging", "--since", "an hour"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    // No kube context for the cluster: the command that makes one.
    std::fs::remove_file(fake.join("answers/match")).unwrap();
    let o = platform(&seed(), &path, &["logs", "--env", "production", "--follow"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert!(err.contains("aws eks update-kubeconfig --name production --region eu-west-1"), "{err}");
}

#[test]
fn status_shows_each_environment_the_run_and_the_error_budget() {
    let tmp = tempfile::tempdir().unwrap();
    let fake = tmp.path();
    let path = support::fake_tools(fake, &["kubectl", "gh"]);
    let rollout = r#"{"kind":"Rollout","spec":{"replicas":3,"strategy":{"canary":{"steps":[{},{},{},{},{},{}]}},
        "template":{"spec":{"containers":[{"image":"ghcr.io/example-org/payment-api:0123abcdef99"}]}}},
        "status":{"availableReplicas":3,"phase":"Paused","currentStepIndex":1,
        "canary":{"weights":{"canary":{"weight":10}}},"message":"CanaryPauseStep"}}"#;
    let deployment = r#"{"kind":"Deployment","spec":{"replicas":2,
        "template":{"spec":{"containers":[{"image":"ghcr.io/example-org/payment-api:0123abcdef99"}]}}},
        "status":{"readyReplicas":2}}"#;
    support::fake_match(fake, "get rollout payment-api --output json", rollout);
    support::fake_match(fake, "get deployment payment-api --output json", deployment);
    support::fake_match(fake, "current_burn_rate", r#"{"status":"success","data":{"result":[{"value":[0,"0.5"]}]}}"#);
    support::fake_match(fake, "budget_remaining", r#"{"status":"success","data":{"result":[{"value":[0,"0.875"]}]}}"#);
    support::fake_match(
        fake,
        "gh run list",
        r#"[{"databaseId":42,"status":"completed","conclusion":"success","event":"workflow_dispatch","headSha":"0123abcdef99","createdAt":"2026-12-04T06:00:00Z","url":"https://github.com/acme/pay/actions/runs/42"}]"#,
    );
    let o = platform(&seed(), &path, &["status", "payment-api"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    for line in [
        // The seed is packaged: the org's one dashboard with the service picked.
        "  dashboard  https://grafana.example.com/d/platform-service?var-service=payment-api",
        "  last run   success (workflow_dispatch, 0123abcdef99, 2026-12-04T06:00:00Z) https://github.com/acme/pay/actions/runs/42",
        "  Deployment  2/2 ready  image 0123abcdef99",
        "  Rollout  3/3 ready  image 0123abcdef99  Paused at step 1/6, canary 10%: CanaryPauseStep",
        "  SLO  burn rate (5m) 0.50, error budget left 88%",
    ] {
        assert!(out.lines().any(|l| l == line), "{line:?} in\n{out}");
    }
    let o = platform(&seed(), &path, &["status", "--env", "production", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let prod = &doc["environments"][0];
    assert_eq!(
        (prod["environment"].as_str(), prod["workload"]["canary_weight"].as_u64()),
        (Some("production"), Some(10))
    );
    assert_eq!(doc["environments"].as_array().unwrap().len(), 1);
    // The error budget comes from the cluster's own Prometheus, through the API server.
    let calls: Vec<String> = support::fake_log(fake).iter().map(|a| a.join(" ")).collect();
    assert!(
        calls.iter().any(|c| c.starts_with(
            "kubectl --context arn:aws:eks:eu-west-1:222222222222:cluster/production get --raw /api/v1/namespaces/monitoring/services/prometheus-operated:9090/proxy/api/v1/query?query="
        )),
        "{calls:#?}"
    );
}

fn monorepo() -> std::path::PathBuf {
    support::repo().join("examples/monorepo")
}

fn with_stdin(dir: &Path, path: &std::ffi::OsStr, args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_platform"))
        .args(args)
        .current_dir(dir)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn a_secret_value_goes_to_secrets_manager_on_stdin_and_never_in_argv() {
    let tmp = tempfile::tempdir().unwrap();
    let fake = tmp.path();
    let path = support::fake_tools(fake, &["aws"]);
    support::fake_match(fake, "put-secret-value", "{\"VersionId\":\"v2\"}\n");
    let value = "sk_live_51H-not-a-real-key";
    let o = with_stdin(
        &monorepo(),
        &path,
        &["secrets", "set", "stripe-key", "--env", "staging", "--service", "checkout-api"],
        &format!("{value}\n"),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let log = support::fake_log(fake);
    assert_eq!(log.len(), 1, "{log:?}");
    let argv = &log[0];
    let (stdin, args): (Vec<&String>, Vec<&String>) = argv.iter().partition(|a| a.starts_with("stdin:"));
    assert_eq!(stdin, [&format!("stdin:{value}")], "the value, without its newline, on standard input");
    assert!(!args.iter().any(|a| a.contains(value)), "the value in argv: {args:?}");
    assert_eq!(
        args.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "),
        "aws secretsmanager put-secret-value --secret-id staging/checkout-api/stripe-key --secret-string file:///dev/stdin --region eu-central-1 --output json"
    );
    assert!(!text(&o.stdout).contains(value) && !text(&o.stderr).contains(value));

    // In argv, the value is refused before anything runs; production needs --yes off a terminal.
    let before = support::fake_log(fake).len();
    let o = platform(&monorepo(), &path, &["secrets", "set", "STRIPE_KEY=sk_live", "--service", "checkout-api"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("never an argument") && !text(&o.stderr).contains("sk_live\n"));
    let o = with_stdin(
        &monorepo(),
        &path,
        &["secrets", "set", "stripe-key", "--env", "production", "--service", "checkout-api"],
        "x\n",
    );
    assert!(o.status.code() == Some(1) && text(&o.stderr).contains("pass --yes"), "{}", text(&o.stderr));
    assert_eq!(support::fake_log(fake).len(), before);
}

#[test]
fn secrets_are_listed_by_state_and_rotated_where_rotation_is_configured() {
    let tmp = tempfile::tempdir().unwrap();
    let fake = tmp.path();
    let path = support::fake_tools(fake, &["aws"]);
    support::fake_match(
        fake,
        "describe-secret --secret-id staging/",
        r#"{"RotationEnabled":true,"LastChangedDate":"2026-11-01T10:00:00Z","NextRotationDate":"2027-01-30T00:00:00Z","VersionIdsToStages":{"v1":["AWSCURRENT"]}}"#,
    );
    support::fake_match(fake, "describe-secret --secret-id production/", r#"{"VersionIdsToStages":{}}"#);
    support::fake_match(fake, "rotate-secret", "{}");
    let o = platform(&monorepo(), &path, &["secrets", "list", "--service", "checkout-api"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    let row = |env: &str| {
        out.lines().find(|l| l.starts_with(env)).unwrap_or_default().split_whitespace().collect::<Vec<_>>().join(" ")
    };
    assert_eq!(
        row("staging"),
        "staging stripe-key staging/checkout-api/stripe-key set 2026-11-01T10:00:00Z every 90d, next 2027-01-30T00:00:00Z"
    );
    assert!(
        row("production").starts_with("production stripe-key production/checkout-api/stripe-key EMPTY - every 90d"),
        "{out}"
    );

    let o = platform(&monorepo(), &path, &["secrets", "rotate", "--all", "--yes", "--service", "checkout-api"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let rotated: Vec<String> =
        support::fake_log(fake).iter().map(|a| a.join(" ")).filter(|c| c.contains("rotate-secret")).collect();
    assert_eq!(rotated.len(), 2, "{rotated:?}");
    assert!(rotated[0].starts_with("aws secretsmanager rotate-secret --secret-id staging/checkout-api/stripe-key"));

    // An expired AWS session: which tool, and how to log in again.
    std::fs::remove_file(fake.join("answers/match")).unwrap();
    std::fs::write(
        fake.join("answers/aws_secretsmanager_rotate-secret.fail"),
        "An error occurred (ExpiredTokenException) when calling the RotateSecret operation: The security token included in the request is expired\n",
    )
    .unwrap();
    let o = platform(&monorepo(), &path, &["secrets", "rotate", "stripe-key", "--yes", "--service", "checkout-api"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert!(err.contains("`aws` is not logged in") && err.contains("aws sso login"), "{err}");
}

/// An edit of `platform.yaml`, compared with its golden file (PLATFORM_BLESS=1 rewrites it).
fn golden_edit(name: &str, actual: &str) {
    let file = support::repo().join("golden-tests/edits").join(name);
    if support::bless() {
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&file).unwrap_or_default();
    assert_eq!(actual, expected, "{name} differs from {} (PLATFORM_BLESS=1 rewrites it)", file.display());
}

#[test]
fn declaring_a_secret_or_a_database_edits_platform_yaml_in_place_and_rebuilds() {
    let tmp = tempfile::tempdir().unwrap();
    let path = support::fake_tools(tmp.path(), &[]);
    let svc = tmp.path().join("svc");
    std::fs::create_dir_all(&svc).unwrap();
    let seed_text = std::fs::read_to_string(seed().join("platform.yaml")).unwrap();
    // A comment and a blank line, to show they stay where they are.
    let seed_text = seed_text.replace("  monitoring:\n", "\n  # what pages whom\n  monitoring:\n");
    std::fs::write(svc.join("platform.yaml"), &seed_text).unwrap();
    let o = platform(&svc, &path, &["secrets", "set", "API_KEY"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("next: commit `platform.yaml` and `generated`"), "{}", text(&o.stderr));
    let edited = std::fs::read_to_string(svc.join("platform.yaml")).unwrap();
    golden_edit("secret-declared.yaml", &edited);
    let values = std::fs::read_to_string(svc.join("generated/payment-api/helm/payment-api/values.yaml")).unwrap();
    assert!(values.contains("payment-api-api-key"), "the rebuild reads the new secret");

    // A second secret goes after the first, in the same list.
    assert_eq!(platform(&svc, &path, &["secrets", "set", "webhook-token"]).status.code(), Some(0));
    golden_edit("secret-appended.yaml", &std::fs::read_to_string(svc.join("platform.yaml")).unwrap());

    // A database where there is none; one where there is one is refused.
    let without: String = seed_text.replace("  database:\n    type: postgres\n    size: small\n", "");
    std::fs::write(svc.join("platform.yaml"), &without).unwrap();
    let o = platform(&svc, &path, &["db", "create", "--type", "postgres", "--size", "medium"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    golden_edit("database-added.yaml", &std::fs::read_to_string(svc.join("platform.yaml")).unwrap());
    let o = platform(&svc, &path, &["db", "create", "--type", "redis"]);
    assert!(o.status.code() == Some(1) && text(&o.stderr).contains("already has a database"), "{}", text(&o.stderr));

    // An edit that would not compile leaves the file as it was, and says why.
    std::fs::write(svc.join("platform.yaml"), &without).unwrap();
    let o = platform(&svc, &path, &["db", "create", "--type", "postgres", "--size", "huge"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("the org's sizes for postgres are") && text(&o.stderr).contains("unchanged"));
    assert_eq!(std::fs::read_to_string(svc.join("platform.yaml")).unwrap(), without);
    let o = platform(&svc, &path, &["db", "create", "--type", "postgres", "--size", "small\nevil: 1"]);
    assert_eq!(o.status.code(), Some(1), "a size is one word: {}", text(&o.stderr));
    for name in ["x\nevil: 1", "9lives", "a b", "x-"] {
        let o = platform(&svc, &path, &["secrets", "set", name]);
        assert_eq!(o.status.code(), Some(1), "{name:?}: {}", text(&o.stderr));
    }
    assert_eq!(std::fs::read_to_string(svc.join("platform.yaml")).unwrap(), without);
}

#[test]
fn a_backup_is_a_snapshot_named_by_the_rule_then_the_list() {
    let tmp = tempfile::tempdir().unwrap();
    let fake = tmp.path();
    let path = support::fake_tools(fake, &["aws"]);
    support::fake_match(fake, "create-db-snapshot", "{}");
    support::fake_match(
        fake,
        "describe-db-snapshots",
        r#"{"DBSnapshots":[{"DBSnapshotIdentifier":"payment-api-production-manual-20261201-090000","SnapshotCreateTime":"2026-12-01T09:00:00Z","Status":"available"}]}"#,
    );
    let o = platform(&seed(), &path, &["db", "backup", "--env", "production"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("payment-api-production-manual-20261201-090000  2026-12-01T09:00:00Z  available"));
    let calls: Vec<String> = support::fake_log(fake).iter().map(|a| a.join(" ")).collect();
    assert!(
        calls[0].starts_with("aws rds create-db-snapshot --db-instance-identifier payment-api-production --db-snapshot-identifier payment-api-production-manual-2"),
        "{calls:?}"
    );
    assert!(calls[0].ends_with("--region eu-west-1 --output json"), "{calls:?}");
    let o = platform(&seed(), &path, &["db", "backup", "--env", "staging", "--list"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        support::fake_log(fake)
            .last()
            .unwrap()
            .join(" ")
            .contains("describe-db-snapshots --db-instance-identifier payment-api-staging")
    );
}

#[test]
fn connect_forwards_a_local_port_through_the_orgs_bastion() {
    let tmp = tempfile::tempdir().unwrap();
    let fake = tmp.path();
    let path = support::fake_tools(fake, &["aws"]);
    support::fake_match(fake, "ec2 describe-instances", "[\"i-0123456789abcdef0\"]\n");
    support::fake_match(
        fake,
        "rds describe-db-instances",
        "\"checkout-api-production.abc.eu-central-1.rds.amazonaws.com\"\n",
    );
    support::fake_match(fake, "ssm start-session", "Starting session with SessionId: me-0123\n");
    let args = ["db", "connect", "--env", "production", "--service", "checkout-api"];
    let o = platform(&monorepo(), &path, &args);
    assert!(o.status.code() == Some(1) && text(&o.stderr).contains("pass --yes"), "{}", text(&o.stderr));
    assert!(support::fake_log(fake).is_empty());
    let o = platform(&monorepo(), &path, &[&args[..], &["--yes"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(
        err.contains("psql \"host=127.0.0.1 port=15432 dbname=checkout_api user=checkout_api sslmode=require\""),
        "{err}"
    );
    assert!(err.contains("--secret-id production/checkout-api/database"), "{err}");
    let calls: Vec<String> = support::fake_log(fake).iter().map(|a| a.join(" ")).collect();
    assert_eq!(
        calls[2],
        "aws ssm start-session --target i-0123456789abcdef0 --document-name AWS-StartPortForwardingSessionToRemoteHost --parameters {\"host\":[\"checkout-api-production.abc.eu-central-1.rds.amazonaws.com\"],\"portNumber\":[\"5432\"],\"localPortNumber\":[\"15432\"]} --region eu-central-1"
    );
    // Staging names no bastion: the org file is where that is decided.
    let o = platform(&monorepo(), &path, &["db", "connect", "--env", "staging", "--service", "checkout-api"]);
    assert!(o.status.code() == Some(1) && text(&o.stderr).contains("databaseBastion"), "{}", text(&o.stderr));
}
