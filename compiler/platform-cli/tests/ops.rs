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

const DISPATCH: &str = "gh workflow run payment-api.yml --ref main -f environment=production -f canary-weight=10";

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
    assert!(wf.contains("  workflow_dispatch:\n    inputs:\n      environment:"), "{wf}");
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
    assert_eq!(doc["inputs"], serde_json::json!({"environment": "production", "canary-weight": "10"}));
    assert_eq!(doc["result"], "printed");
    let dispatch: Vec<String> = DISPATCH.split(' ').map(str::to_owned).collect();
    assert!(doc["commands"].as_array().unwrap().contains(&serde_json::json!(dispatch)), "{doc:#}");

    let o = platform(&seed(), &path, &["deploy", "promote", "--dry-run"]);
    assert!(text(&o.stdout).lines().any(|l| l == "gh workflow run payment-api-promote.yml --ref main"));
    let o = platform(&seed(), &path, &["deploy", "rollback", "--dry-run", "--repo", "acme/pay"]);
    assert!(
        text(&o.stdout).lines().any(|l| l == "gh workflow run payment-api-rollback.yml --ref main --repo acme/pay")
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
            "gh workflow run payment-api.yml --ref main -f environment=staging",
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
        "  dashboard  https://grafana.example.com/d/svc-payment-api",
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
