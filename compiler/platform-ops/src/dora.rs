//! The four DORA metrics, from the deployment records the generated workflows create.
//!
//! Each production deploy of a service is a GitHub deployment with environment
//! `<environment>/<service>`, task `deploy`, `production_environment: true` and the service
//! in its payload (`platform-deploy.yml`, step "Record the deployment"); its statuses say how
//! it went: `in_progress`, then `success` or `failure` (`error` when the run was cancelled),
//! and a rollback adds `failure` ("rolled back") to a deploy that had succeeded.
//! GitHub itself marks an older deployment `inactive` when a newer one of the same
//! environment succeeds, which says nothing about the older one and is ignored.
//!
//! Over a window, by a deploy's creation time:
//! - **deployment frequency**: deploys that reached production (a `success` status), per week;
//! - **lead time for changes**: the median, over the commits those deploys brought (the
//!   commits since the service's previous deploy that reached production), from the commit's
//!   committer date to the deploy's `success`;
//! - **change failure rate**: deploys that failed (a `failure` status: the canary's analysis,
//!   the rollout, or a rollback afterwards) over deploys that ended (`success` or `failure`;
//!   a cancelled run is neither);
//! - **time to restore**: the median, over failed deploys, from the `failure` status to the
//!   next `success` of the same service; a failure not restored within the window is counted
//!   apart, as `unrestored`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::time;

/// One deployment record: GitHub's deployment object, with its statuses and the commits it
/// brought (what `platform report dora --save` writes and `--from` reads).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Deployment {
    /// GitHub's id.
    pub id: u64,
    /// The commit deployed.
    pub sha: String,
    /// `<environment>/<service>`.
    pub environment: String,
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// Whether users reach the environment.
    #[serde(default)]
    pub production_environment: bool,
    /// `deploy` for the generated workflows' records.
    #[serde(default = "deploy_task")]
    pub task: String,
    /// `{"service": …}`.
    #[serde(default)]
    pub payload: serde_json::Value,
    /// Its statuses, in any order.
    #[serde(default)]
    pub statuses: Vec<Status>,
    /// The commits it brought.
    #[serde(default)]
    pub commits: Vec<Commit>,
}

fn deploy_task() -> String {
    "deploy".into()
}

/// A deployment status.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub struct Status {
    /// `in_progress`, `success`, `failure`, `error`, `inactive`, …
    pub state: String,
    /// When (RFC 3339).
    pub created_at: String,
    /// Why, if said (`rolled back`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A commit a deploy brought.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub struct Commit {
    /// Its sha.
    pub sha: String,
    /// Its committer date (RFC 3339).
    pub committed_at: String,
}

impl Deployment {
    /// The service it deployed: the payload's, else the environment's part after `/`.
    pub fn service(&self) -> Option<&str> {
        self.payload
            .get("service")
            .and_then(serde_json::Value::as_str)
            .or_else(|| self.environment.split_once('/').map(|(_, s)| s))
            .filter(|s| !s.is_empty())
    }

    fn first(&self, state: &str) -> Option<i64> {
        self.statuses.iter().filter(|s| s.state == state).filter_map(|s| time::parse(&s.created_at)).min()
    }

    /// When it was created (`None`: a time GitHub would not write).
    pub fn created(&self) -> Option<i64> {
        time::parse(&self.created_at)
    }

    /// When it reached production, if it did.
    pub fn succeeded_at(&self) -> Option<i64> {
        self.first("success")
    }

    /// When it was found failed, if it was.
    pub fn failed_at(&self) -> Option<i64> {
        self.first("failure")
    }
}

/// The window the figures cover: `[since, until)` in Unix seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// Start.
    pub since: i64,
    /// End.
    pub until: i64,
}

/// The four metrics over one set of deploys.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Figures {
    /// Production deploys created in the window.
    pub deployments: usize,
    /// Of those, how many reached production.
    pub deployed: usize,
    /// Deploys that reached production, per week.
    pub per_week: f64,
    /// Median lead time for changes, in seconds.
    pub lead_time: Option<i64>,
    /// Failed over ended deploys.
    pub change_failure_rate: Option<f64>,
    /// Median time to restore, in seconds.
    pub time_to_restore: Option<i64>,
    /// Failures with no later success in the window.
    pub unrestored: usize,
}

/// The figures overall, per service and per team.
#[derive(Clone, Debug, PartialEq)]
pub struct Dora {
    /// The window.
    pub window: Window,
    /// Every service together.
    pub overall: Figures,
    /// Per service: name, team, figures; every service of the repository, deployed or not.
    pub services: Vec<(String, String, Figures)>,
    /// Per team.
    pub teams: Vec<(String, Figures)>,
}

fn median(mut v: Vec<i64>) -> Option<i64> {
    v.sort_unstable();
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2),
    }
}

/// One service's deploys in the window, and after it for restores: the per-deploy facts.
#[derive(Default)]
struct Facts {
    deployed: usize,
    ended: usize,
    failed: usize,
    leads: Vec<i64>,
    restores: Vec<i64>,
    unrestored: usize,
    deployments: usize,
}

fn facts(deploys: &[&Deployment], w: Window) -> Facts {
    let mut f = Facts::default();
    for d in deploys {
        let Some(at) = d.created().filter(|t| (w.since..w.until).contains(t)) else { continue };
        f.deployments += 1;
        if let Some(ok) = d.succeeded_at() {
            f.deployed += 1;
            f.leads.extend(d.commits.iter().filter_map(|c| time::parse(&c.committed_at)).map(|c| (ok - c).max(0)));
        }
        match (d.failed_at(), d.succeeded_at()) {
            (Some(failed), _) => {
                f.ended += 1;
                f.failed += 1;
                let restored = deploys
                    .iter()
                    .filter(|n| n.created().is_some_and(|c| c > at))
                    .filter_map(|n| n.succeeded_at())
                    .filter(|ok| *ok > failed && *ok < w.until)
                    .min();
                match restored {
                    Some(ok) => f.restores.push(ok - failed),
                    None => f.unrestored += 1,
                }
            }
            (None, Some(_)) => f.ended += 1,
            (None, None) => {}
        }
    }
    f
}

fn figures(all: Vec<Facts>, w: Window) -> Figures {
    let mut t = Facts::default();
    for f in all {
        t.deployments += f.deployments;
        t.deployed += f.deployed;
        t.ended += f.ended;
        t.failed += f.failed;
        t.leads.extend(f.leads);
        t.restores.extend(f.restores);
        t.unrestored += f.unrestored;
    }
    let weeks = (w.until - w.since) as f64 / (7.0 * 86_400.0);
    Figures {
        deployments: t.deployments,
        deployed: t.deployed,
        per_week: if weeks > 0.0 { t.deployed as f64 / weeks } else { 0.0 },
        lead_time: median(t.leads),
        change_failure_rate: (t.ended > 0).then(|| t.failed as f64 / t.ended as f64),
        time_to_restore: median(t.restores),
        unrestored: t.unrestored,
    }
}

/// The figures of `records` over `window`, for the repository's `services` (name, team);
/// records of other services count under the team `unknown`.
pub fn compute(records: &[Deployment], services: &[(String, String)], window: Window) -> Dora {
    let mut by_service: BTreeMap<&str, Vec<&Deployment>> = BTreeMap::new();
    for r in records.iter().filter(|r| r.production_environment && r.task == "deploy") {
        if let Some(s) = r.service() {
            by_service.entry(s).or_default().push(r);
        }
    }
    let mut team_of: BTreeMap<&str, &str> = services.iter().map(|(s, t)| (s.as_str(), t.as_str())).collect();
    for s in by_service.keys() {
        team_of.entry(s).or_insert("unknown");
    }
    let facts_of = |s: &str| facts(by_service.get(s).map_or(&[][..], Vec::as_slice), window);
    let services: Vec<(String, String, Figures)> =
        team_of.iter().map(|(s, t)| ((*s).to_owned(), (*t).to_owned(), figures(vec![facts_of(s)], window))).collect();
    let mut teams: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (s, t) in &team_of {
        teams.entry(t).or_default().push(s);
    }
    let teams = teams
        .into_iter()
        .map(|(t, members)| (t.to_owned(), figures(members.iter().map(|s| facts_of(s)).collect(), window)))
        .collect();
    let overall = figures(team_of.keys().map(|s| facts_of(s)).collect(), window);
    Dora { window, overall, services, teams }
}

/// Read records from a file's JSON: an array of [`Deployment`].
pub fn parse(text: &str) -> Result<Vec<Deployment>, String> {
    serde_json::from_str(text).map_err(|e| format!("not a list of deployment records: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deploy(id: u64, created: &str, statuses: &[(&str, &str)]) -> Deployment {
        Deployment {
            id,
            sha: format!("s{id}"),
            environment: "production/api".into(),
            created_at: created.into(),
            production_environment: true,
            task: "deploy".into(),
            payload: serde_json::json!({"service": "api"}),
            statuses: statuses
                .iter()
                .map(|(s, t)| Status { state: (*s).into(), created_at: (*t).into(), description: None })
                .collect(),
            commits: vec![],
        }
    }

    #[test]
    fn a_failure_with_no_later_success_is_unrestored_and_inactive_is_no_outcome() {
        let w = Window { since: time::parse("2026-11-01").unwrap(), until: time::parse("2026-11-08").unwrap() };
        let records = [
            deploy(
                1,
                "2026-11-02T10:00:00Z",
                &[("success", "2026-11-02T10:10:00Z"), ("inactive", "2026-11-03T00:00:00Z")],
            ),
            deploy(2, "2026-11-03T10:00:00Z", &[("failure", "2026-11-03T10:10:00Z")]),
            // After the window: it restores nothing the window sees.
            deploy(3, "2026-11-09T10:00:00Z", &[("success", "2026-11-09T10:10:00Z")]),
        ];
        let d = compute(&records, &[("api".into(), "core".into())], w);
        let f = &d.services[0].2;
        assert_eq!((f.deployments, f.deployed, f.unrestored, f.time_to_restore), (2, 1, 1, None));
        assert_eq!(f.change_failure_rate, Some(0.5));
        assert!((f.per_week - 1.0).abs() < 1e-9);
    }
}
