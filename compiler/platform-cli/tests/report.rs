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
