//! `_org/prometheus/alertmanager.yaml`: the Alertmanager configuration that routes the build's
//! SLO alerts to their owning teams, from the org file's team contacts.
//!
//! Every alert carries `team` and `severity` ([`slo::TEAM_LABEL`], [`slo::SEVERITY_LABEL`]),
//! and `severity: page` only where the environment pages. So per team of the build: pages go
//! to its PagerDuty (its Slack channel when it has none), tickets to its Slack channel.
//! Credentials never appear here: each receiver reads them from files of the team's Secret
//! `alerting-<team>` (keys [`PAGERDUTY_KEY`] and [`SLACK_KEY`]), which the Prometheus
//! Operator mounts under [`SECRETS_DIR`] when the `Alertmanager` lists it in `spec.secrets`.
//! Checked with `amtool check-config` (Alertmanager 0.25) in the conformance stage.
//!
//! An org file without teams routes nothing (no file): the alerts still carry their labels.

use std::collections::BTreeSet;

use platform_ir::{Diagnostic, Org, Service, slo};
use serde_json::{Value, json};

use crate::codes;

/// The file, relative to the backend's org directory.
pub const FILE: &str = "alertmanager.yaml";
/// Where the Prometheus Operator mounts each Secret of `Alertmanager.spec.secrets`
/// (`<dir>/<secret name>/<key>`).
pub const SECRETS_DIR: &str = "/etc/alertmanager/secrets";
/// The key of a team's PagerDuty Events API v2 integration (routing) key.
pub const PAGERDUTY_KEY: &str = "pagerduty-routing-key";
/// The key of a team's Slack incoming-webhook URL.
pub const SLACK_KEY: &str = "slack-webhook-url";
/// The receiver of alerts no route claims.
pub const UNROUTED: &str = "unrouted";

/// The Secret holding a team's alerting credentials.
pub fn secret_name(team: &str) -> String {
    format!("alerting-{team}")
}

/// The configuration (YAML text) and its warnings; no text when the org names no teams or
/// no service of the build alerts.
pub fn emit(org: &Org, services: &[&Service]) -> (Option<String>, Vec<Diagnostic>) {
    let mut warnings = Vec::new();
    if org.teams.is_empty() {
        return (None, warnings);
    }
    let teams: BTreeSet<&str> = services
        .iter()
        .filter(|s| s.monitoring.alerts.value && !slo::slos(s).is_empty())
        .map(|s| s.team.value.as_str())
        .collect();
    if teams.is_empty() {
        return (None, warnings);
    }
    let file = |team: &str, key: &str| format!("{SECRETS_DIR}/{}/{key}", secret_name(team));
    let mut routes = Vec::new();
    let mut receivers = vec![json!({ "name": UNROUTED })];
    for team in teams {
        let contacts = org.teams.get(team);
        let pagerduty = contacts.and_then(|t| t.pagerduty.as_ref());
        let slack = contacts.and_then(|t| t.slack.as_ref());
        let matcher = |label: &str, value: &str| format!("{label}=\"{value}\"");
        let page = format!("{team}-page");
        let ticket = format!("{team}-ticket");
        if pagerduty.is_some() {
            receivers.push(json!({
                "name": page,
                "pagerduty_configs": [{ "routing_key_file": file(team, PAGERDUTY_KEY), "send_resolved": true }],
            }));
        }
        if let Some(channel) = slack {
            receivers.push(json!({
                "name": ticket,
                "slack_configs": [{ "api_url_file": file(team, SLACK_KEY), "channel": channel.value, "send_resolved": true }],
            }));
        }
        let page_to = if pagerduty.is_some() { Some(&page) } else { slack.map(|_| &ticket) };
        if let Some(receiver) = page_to {
            routes.push(json!({
                "receiver": receiver,
                "matchers": [matcher(slo::TEAM_LABEL, team), matcher(slo::SEVERITY_LABEL, slo::PAGE)],
            }));
        }
        if slack.is_some() {
            routes.push(json!({ "receiver": ticket, "matchers": [matcher(slo::TEAM_LABEL, team)] }));
        } else if let Some(t) = contacts {
            warnings.push(Diagnostic::warning(
                &codes::PROM003,
                format!("team `{team}` has no Slack channel: its ticket alerts reach no one"),
                t.name.span,
                "no `slack`",
                format!("add `slack: \"#{team}-alerts\"` to the team, the channel its tickets go to"),
            ));
        }
    }
    let doc = json!({
        "route": {
            "receiver": UNROUTED,
            "group_by": ["alertname", slo::SERVICE_LABEL, slo::ENVIRONMENT_LABEL, slo::SLO_LABEL],
            "routes": routes,
        },
        "receivers": receivers,
    });
    (Some(text(&doc)), warnings)
}

fn text(doc: &Value) -> String {
    let mut s = serde_saphyr::to_string(doc).unwrap_or_default();
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}
