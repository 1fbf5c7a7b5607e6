//! The DORA part of `platform report`: where the records come from (`--from FILE`, or
//! GitHub through `gh api`), and the figures as a table, Markdown or JSON.

use std::fmt::Write;
use std::path::Path;

use platform_ops::dora::{self, Deployment, Dora, Figures, Window};
use platform_ops::time;

/// The records: from a file, or read from GitHub.
pub fn records(from: Option<&Path>, repo: Option<&str>, window: Window) -> anyhow::Result<Vec<Deployment>> {
    if let Some(file) = from {
        let text = std::fs::read_to_string(file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
        return dora::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()));
    }
    let mut run = platform_ops::tool::Runner::new(false);
    let records = platform_ops::github::deployments(&mut run, repo.unwrap_or("{owner}/{repo}"), window)?;
    Ok(records)
}

/// The window ending at `until` (RFC 3339, default now) and `since` long (`30d`).
pub fn window(since: &str, until: Option<&str>) -> anyhow::Result<Window> {
    let span = time::span(since)
        .ok_or_else(|| anyhow::anyhow!("--since {since:?}: expected a span like 30d, 12w, 24h or 90m"))?;
    let until = match until {
        None => time::now(),
        Some(u) => time::parse(u).ok_or_else(|| {
            anyhow::anyhow!("--until {u:?}: expected a date (2026-11-29) or an RFC 3339 time (2026-11-29T12:00:00Z)")
        })?,
    };
    Ok(Window { since: until - span, until })
}

/// A duration cell.
pub fn duration(d: Option<i64>) -> String {
    d.map_or_else(|| "-".into(), time::human)
}

/// A rate cell.
pub fn rate(r: Option<f64>) -> String {
    r.map_or_else(|| "-".into(), |r| format!("{:.0}%", r * 100.0))
}

/// Deploys per week, as a cell.
pub fn per_week(f: &Figures) -> String {
    format!("{:.2}", f.per_week)
}

/// The cells of one set of figures, in [`HEAD`]'s order.
pub fn cells(f: &Figures) -> Vec<String> {
    vec![
        f.deployments.to_string(),
        f.deployed.to_string(),
        per_week(f),
        duration(f.lead_time),
        rate(f.change_failure_rate),
        duration(f.time_to_restore),
        f.unrestored.to_string(),
    ]
}

fn row(name: &str, team: Option<&str>, f: &Figures) -> Vec<String> {
    let mut row = vec![name.to_owned()];
    row.extend(team.map(str::to_owned));
    row.extend(cells(f));
    row
}

/// The headers of the figures' columns.
pub const HEAD: [&str; 7] =
    ["deploys", "reached prod", "per week", "lead time", "change failure rate", "time to restore", "unrestored"];

/// The window, in words.
pub fn window_text(w: Window) -> String {
    format!("{} to {} ({})", time::format(w.since), time::format(w.until), time::human(w.until - w.since))
}

/// The figures as a terminal table or Markdown.
pub fn table(d: &Dora, markdown: bool) -> String {
    let cell = |s: &str| if markdown { crate::render::markdown::text(s) } else { crate::render::inert(s) };
    let mut services: Vec<Vec<String>> = vec![];
    let mut head = vec!["service".to_owned(), "team".to_owned()];
    head.extend(HEAD.iter().map(|h| (*h).to_owned()));
    services.push(head);
    for (s, t, f) in &d.services {
        services.push(row(&cell(s), Some(&cell(t)), f));
    }
    services.push(row("all services", Some(""), &d.overall));
    let mut teams: Vec<Vec<String>> = vec![];
    let mut head = vec!["team".to_owned()];
    head.extend(HEAD.iter().map(|h| (*h).to_owned()));
    teams.push(head);
    for (t, f) in &d.teams {
        teams.push(row(&cell(t), None, f));
    }
    let mut out = String::new();
    if markdown {
        let _ = writeln!(out, "## DORA metrics\n\nProduction deploys from {}.\n", window_text(d.window));
        crate::render::markdown::table(&mut out, &services);
        out.push_str("\n### By team\n\n");
        crate::render::markdown::table(&mut out, &teams);
        return out;
    }
    let _ = writeln!(out, "DORA metrics, production deploys from {}:\n", window_text(d.window));
    crate::render::aligned(&mut out, &services);
    out.push_str("\nby team:\n");
    crate::render::aligned(&mut out, &teams);
    out
}

/// One set of figures as JSON.
pub fn figures_json(f: &Figures) -> serde_json::Value {
    serde_json::json!({
        "deployments": f.deployments,
        "deployed": f.deployed,
        "deploysPerWeek": f.per_week,
        "leadTimeSeconds": f.lead_time,
        "changeFailureRate": f.change_failure_rate,
        "timeToRestoreSeconds": f.time_to_restore,
        "unrestored": f.unrestored,
    })
}

/// The figures as JSON.
pub fn json(d: &Dora) -> serde_json::Value {
    let services: Vec<serde_json::Value> = d
        .services
        .iter()
        .map(|(s, t, f)| serde_json::json!({ "service": s, "team": t, "figures": figures_json(f) }))
        .collect();
    let teams: Vec<serde_json::Value> =
        d.teams.iter().map(|(t, f)| serde_json::json!({ "team": t, "figures": figures_json(f) })).collect();
    serde_json::json!({
        "window": { "since": time::format(d.window.since), "until": time::format(d.window.until) },
        "overall": figures_json(&d.overall),
        "services": services,
        "teams": teams,
    })
}
