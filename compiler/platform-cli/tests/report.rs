//! Issue 13 (first slice): `platform report` computes the golden path's adoption offline:
//! the features each service of the monorepo example uses, the tier policy, and whether its
//! committed output is current.

mod support;

use std::path::Path;
use std::process::{Command, Output};

fn platform(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_platform")).args(args).current_dir(dir).env("NO_COLOR", "1").output().unwrap()
}

fn report(dir: &Path) -> serde_json::Value {
    let o = platform(dir, &["report", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn service<'a>(doc: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    doc["services"].as_array().unwrap().iter().find(|s| s["service"] == name).unwrap()
}

#[test]
fn adoption_is_read_from_the_services_and_their_committed_output() {
    let tmp = tempfile::tempdir().unwrap();
    support::copy_tree(&support::repo().join("examples/monorepo"), tmp.path());
    let doc = report(tmp.path());
    let checkout = service(&doc, "checkout-api");
    for f in ["canary", "automatic rollback", "SLO alerts", "dashboard", "database", "secret rotation"] {
        assert_eq!(checkout["features"][f], true, "checkout-api uses {f}");
    }
    let worker = service(&doc, "notification-worker");
    assert_eq!(worker["features"]["dashboard"], true);
    for f in ["canary", "automatic rollback", "SLO alerts", "database", "secret rotation"] {
        assert_eq!(worker["features"][f], false, "notification-worker: {f}");
    }
    assert_eq!(service(&doc, "user-api")["features"]["database"], true);
    assert!(doc["services"].as_array().unwrap().iter().all(|s| s["output"] == "not generated"), "{doc:#}");
    let shop = doc["teams"].as_array().unwrap().iter().find(|t| t["team"] == "shop").unwrap();
    assert_eq!((shop["services"].as_u64(), shop["features"]["canary"].as_u64()), (Some(1), Some(1)));

    assert_eq!(platform(tmp.path(), &["build"]).status.code(), Some(0));
    let doc = report(tmp.path());
    assert!(doc["services"].as_array().unwrap().iter().all(|s| s["output"] == "current"), "{doc:#}");
    // A committed file an older compiler wrote: that service's output is stale, no other's.
    let values = tmp.path().join("generated/user-api/helm/user-api/values.yaml");
    let text = std::fs::read_to_string(&values).unwrap();
    std::fs::write(&values, text.replace("replicaCount: 2", "replicaCount: 1")).unwrap();
    let doc = report(tmp.path());
    assert_eq!(service(&doc, "user-api")["output"], "stale");
    assert_eq!(service(&doc, "checkout-api")["output"], "current");
}

#[test]
fn a_service_below_its_tier_policy_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    support::copy_tree(&support::repo().join("examples/monorepo"), tmp.path());
    let org = tmp.path().join("platform-org.yaml");
    let text = std::fs::read_to_string(&org).unwrap();
    std::fs::write(&org, text.replacen("spec:\n", "spec:\n  tiers:\n    critical:\n      enforcement: warning\n", 1))
        .unwrap();
    let svc = tmp.path().join("services/checkout-api/platform.yaml");
    let text = std::fs::read_to_string(&svc).unwrap();
    std::fs::write(&svc, text.replacen("replicas: 3", "replicas: 1", 1)).unwrap();
    let doc = report(tmp.path());
    assert_eq!(service(&doc, "checkout-api")["policy"], serde_json::json!(["VAL004"]), "{doc:#}");
    assert_eq!(service(&doc, "user-api")["policy"], serde_json::json!([]));
    let o = platform(tmp.path(), &["report", "--format", "markdown"]);
    let md = String::from_utf8_lossy(&o.stdout);
    assert!(md.starts_with("## Golden path adoption") && md.contains("| checkout-api | shop | critical |"), "{md}");
    assert!(md.contains("| VAL004 |"), "{md}");
}

// DORA over `golden-tests/report/deployments.json`, window 2026-11-01 to 2026-11-29 (28 days,
// 4 weeks), computed by hand:
//
// checkout-api (team shop), production deploys created in the window:
//   101 success 11-02 09:30, later `inactive` (GitHub's, ignored); commits c1 11-01 09:30
//       (lead 24h) and c2 11-02 07:30 (2h)
//   102 success 11-03 10:30, then `failure` "rolled back" 11-03 11:00; c3 11-03 06:30 (4h)
//   103 success 11-03 13:30; c4 11-03 12:30 (1h). Restores 102: 13:30 - 11:00 = 2h 30m
//   104 failure 11-10 09:40 (the canary's analysis), never reached production
//   105 error (cancelled): neither success nor failure
//   106 success 11-11 10:00; c5 11-10 08:00 (26h), c6 11-11 09:00 (1h). Restores 104:
//       11-11 10:00 - 11-10 09:40 = 24h 20m
//   (100 is before the window; 107 is staging.)
//   deploys 6; reached production 4 (101, 102, 103, 106): 4 / 4 weeks = 1.00 a week;
//   lead times 1h 1h 2h 4h 24h 26h: median (2h + 4h) / 2 = 3h = 10 800 s;
//   ended 5 (105 is not), failed 2 (102, 104): 40%;
//   restores 2h 30m and 24h 20m: median 13h 25m = 48 300 s.
// user-api (team identity):
//   108 success 11-20 15:10; c7 11-20 14:10 (1h)
//   109 success 11-27 08:20, no payload (the service from `production/user-api`); c8
//       11-26 08:20 (24h)
//   (110 is after the window.)
//   deploys 2, reached 2: 0.50 a week; lead median (1h + 24h) / 2 = 12h 30m = 45 000 s;
//   failure rate 0 of 2; no restore.
// notification-worker (messaging): no deploy.
// All: deploys 8, reached 6: 1.50 a week; leads 1h 1h 1h 2h 4h 24h 24h 26h: median 3h;
//   failed 2 of 7 ended: 2/7; restore median 13h 25m.
const UNTIL: &str = "2026-11-29";

fn records_file() -> std::path::PathBuf {
    support::repo().join("golden-tests/report/deployments.json")
}

fn figures(doc: &serde_json::Value, key: &str, name: &str) -> serde_json::Value {
    doc[key].as_array().unwrap().iter().find(|s| s[&key[..key.len() - 1]] == name).unwrap()["figures"].clone()
}

#[test]
fn dora_figures_from_deployment_records_match_the_hand_computed_ones() {
    let monorepo = support::repo().join("examples/monorepo");
    let from = records_file();
    let o = platform(
        &monorepo,
        &["report", "dora", "--from", from.to_str().unwrap(), "--until", UNTIL, "--since", "28d", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let dora = &doc["dora"];
    assert_eq!(dora["window"], serde_json::json!({"since": "2026-11-01T00:00:00Z", "until": "2026-11-29T00:00:00Z"}));
    let expect = |deployments, deployed, week: f64, lead: Option<i64>, cfr: Option<f64>, restore: Option<i64>| {
        serde_json::json!({
            "deployments": deployments, "deployed": deployed, "deploysPerWeek": week,
            "leadTimeSeconds": lead, "changeFailureRate": cfr, "timeToRestoreSeconds": restore, "unrestored": 0,
        })
    };
    assert_eq!(figures(dora, "services", "checkout-api"), expect(6, 4, 1.0, Some(10_800), Some(0.4), Some(48_300)));
    assert_eq!(figures(dora, "services", "user-api"), expect(2, 2, 0.5, Some(45_000), Some(0.0), None));
    assert_eq!(figures(dora, "services", "notification-worker"), expect(0, 0, 0.0, None, None, None));
    assert_eq!(figures(dora, "teams", "shop"), figures(dora, "services", "checkout-api"));
    assert_eq!(dora["overall"], expect(8, 6, 1.5, Some(10_800), Some(2.0 / 7.0), Some(48_300)));
    assert!(doc.get("services").is_none(), "`report dora` shows only DORA: {doc:#}");

    let o =
        platform(&monorepo, &["report", "dora", "--from", from.to_str().unwrap(), "--until", UNTIL, "--since", "28d"]);
    let text = String::from_utf8_lossy(&o.stdout);
    let row = text.lines().find(|l| l.starts_with("checkout-api")).unwrap();
    let cells: Vec<&str> = row.split("  ").map(str::trim).filter(|c| !c.is_empty()).collect();
    assert_eq!(cells, ["checkout-api", "shop", "6", "4", "1.00", "3h", "40%", "13h 25m", "0"], "{text}");
}

#[test]
fn the_html_report_is_one_self_contained_page_with_adoption_and_dora() {
    let tmp = tempfile::tempdir().unwrap();
    support::copy_tree(&support::repo().join("examples/monorepo"), tmp.path());
    // A record's payload is anyone's string: a hostile service name (before the window, so
    // the figures stay the hand-computed ones) reaches the page as text, never as markup.
    let mut records: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(records_file()).unwrap()).unwrap();
    let mut hostile = records[0].clone();
    hostile["payload"] = serde_json::json!({"service": "<script>x</script>"});
    hostile["created_at"] = serde_json::json!("2026-10-01T00:00:00Z");
    records.push(hostile);
    let from = tmp.path().join("records.json");
    std::fs::write(&from, serde_json::to_string(&records).unwrap()).unwrap();
    let o = platform(
        tmp.path(),
        &["report", "--format", "html", "--from", from.to_str().unwrap(), "--until", UNTIL, "--since", "28d"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let html = String::from_utf8(o.stdout).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    for section in
        ["Golden path adoption", "DORA metrics", "services using each feature", "deploys per week by service"]
    {
        assert!(html.contains(section), "{section}");
    }
    // Adoption: checkout-api uses every feature; the hand-computed DORA figures.
    assert!(html.contains("<td>checkout-api</td><td>shop</td><td>critical</td>"), "{html}");
    for figure in [
        "<b>1.50</b>deploys per week",
        "<b>3h</b>lead time",
        "<b>29%</b>change failure",
        "<b>13h 25m</b>time to restore",
    ] {
        assert!(html.contains(figure), "{figure}");
    }
    assert!(html.contains("<td>6</td><td>4</td><td>1.00</td><td>3h</td><td>40%</td><td>13h 25m</td>"), "{html}");
    // Nothing is fetched at view time, and no user string is markup.
    for outside in ["<script", "src=", "href=", "url(", "@import", "http://", "https://"] {
        assert!(!html.contains(outside), "{outside}");
    }
    assert!(html.contains("<td>&lt;script&gt;x&lt;/script&gt;</td><td>unknown</td><td>0</td>"), "{html}");
}

#[test]
fn dora_reads_the_records_through_gh_api_with_the_calls_it_needs() {
    let tmp = tempfile::tempdir().unwrap();
    let fake = tmp.path();
    let path = support::fake_tools(fake, &["gh"]);
    let records: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(records_file()).unwrap()).unwrap();
    // What gh prints after its `--jq`: one compact JSON value per line.
    let line = |v: serde_json::Value| serde_json::to_string(&v).unwrap() + "\n";
    let list: String = records
        .iter()
        .filter(|r| r["production_environment"] == true)
        .map(|r| {
            let mut r = r.clone();
            let o = r.as_object_mut().unwrap();
            o.remove("statuses");
            o.remove("commits");
            line(r)
        })
        .collect();
    support::fake_answer(fake, "gh", "repos/acme/shop/deployments?task=deploy&per_page=100", &list);
    for r in &records {
        let statuses: String = r["statuses"].as_array().unwrap().iter().map(|s| line(s.clone())).collect();
        support::fake_answer(
            fake,
            "gh",
            &format!("repos/acme/shop/deployments/{}/statuses?per_page=100", r["id"]),
            &statuses,
        );
    }
    let commits = |id: u64| -> String {
        let r = records.iter().find(|r| r["id"] == id).unwrap();
        r["commits"].as_array().unwrap().iter().map(|c| line(c.clone())).collect()
    };
    for (key, id) in [
        ("compare/c0...c2", 101),
        ("compare/c2...c3", 102),
        ("compare/c3...c4", 103),
        ("compare/c4...c6", 106),
        ("commits/c7", 108),
        ("compare/c7...c8", 109),
    ] {
        support::fake_answer(fake, "gh", &format!("repos/acme/shop/{key}"), &commits(id));
    }
    let monorepo = support::repo().join("examples/monorepo");
    let run = |extra: &[&str]| {
        let mut args = vec!["report", "dora", "--until", UNTIL, "--since", "28d", "--format", "json"];
        args.extend_from_slice(extra);
        Command::new(env!("CARGO_BIN_EXE_platform"))
            .args(&args)
            .current_dir(&monorepo)
            .env("PATH", &path)
            .output()
            .unwrap()
    };
    let saved = tmp.path().join("saved.json");
    let o = run(&["--repo", "acme/shop", "--save", saved.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let through_gh: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let o = platform(
        &monorepo,
        &[
            "report",
            "dora",
            "--from",
            records_file().to_str().unwrap(),
            "--until",
            UNTIL,
            "--since",
            "28d",
            "--format",
            "json",
        ],
    );
    let from_file: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(through_gh, from_file, "the same figures through gh as from the file");
    // What was saved reads back to the same figures.
    let o = platform(
        &monorepo,
        &["report", "dora", "--from", saved.to_str().unwrap(), "--until", UNTIL, "--since", "28d", "--format", "json"],
    );
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap(), from_file);

    let calls: Vec<String> = support::fake_log(fake).iter().map(|argv| argv[..argv.len().min(4)].join(" ")).collect();
    assert_eq!(calls[0], "gh api --paginate repos/acme/shop/deployments?task=deploy&per_page=100");
    // Statuses of every production deploy in the window and of the one just before it; none
    // of the staging deploy (107) or of the one after the window (110).
    let statuses: Vec<&str> = calls.iter().filter(|c| c.contains("/statuses")).map(String::as_str).collect();
    assert_eq!(statuses.len(), 9, "{calls:#?}");
    assert!(!calls.iter().any(|c| c.contains("/107/") || c.contains("/110/")), "{calls:#?}");
    assert!(calls.contains(&"gh api repos/acme/shop/compare/c4...c6 --jq".to_owned()), "{calls:#?}");

    // No gh: which tool, and how to install it. gh not logged in: how to log in.
    let o = Command::new(env!("CARGO_BIN_EXE_platform"))
        .args(["report", "dora", "--repo", "acme/shop"])
        .current_dir(&monorepo)
        .env("PATH", tmp.path().join("nothing"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("`gh` was not found on PATH") && err.contains("https://cli.github.com"), "{err}");
    assert_ne!(o.status.code(), Some(0));
    std::fs::write(
        fake.join("answers/gh_repos_acme_shop_deployments_task_deploy_per_page_100.fail"),
        "To get started with GitHub CLI, please run:  gh auth login\n",
    )
    .unwrap();
    let o = run(&["--repo", "acme/shop"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("`gh` is not logged in") && err.contains("help: run `gh auth login`"), "{err}");
}
