//! `platform report`: whether the golden path is adopted, computed offline from the
//! repository — every service and team, which of the path's features each uses (canary,
//! automatic rollback, SLO alerts, dashboard, a self-service database, secrets with
//! rotation), whether it meets its tier's policy, and whether its committed output is the
//! output its inputs give today. A terminal table, one JSON document, or Markdown.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use platform_driver::{Frontend, Inputs};
use platform_ir::{Rollback, Service};

use crate::InputArgs;
use crate::render::Format;

/// The features of the golden path a service can use, in report order.
pub const FEATURES: &[&str] =
    &["canary", "automatic rollback", "SLO alerts", "dashboard", "database", "secret rotation"];

/// One service's adoption.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Adoption {
    /// Name.
    pub service: String,
    /// Owning team.
    pub team: String,
    /// Tier.
    pub tier: String,
    /// Per feature of [`FEATURES`], whether it is used.
    pub features: Vec<bool>,
    /// Codes of the tier-policy findings against it (VAL004, VAL005, VAL007); empty: compliant.
    pub policy: Vec<&'static str>,
    /// `current`, `stale` (its committed output differs from a fresh build) or
    /// `not generated`.
    pub output: &'static str,
}

fn features(s: &Service) -> Vec<bool> {
    vec![
        s.deployment.canary.is_some(),
        s.deployment.rollback.value == Rollback::Automatic,
        s.monitoring.alerts.value && s.monitoring.slo.is_some(),
        s.monitoring.dashboard.value,
        s.database.is_some() || s.environments.iter().any(|e| e.database.is_some()),
        s.secrets.iter().any(|x| x.rotation_days.is_some()),
    ]
}

/// Every service's adoption; `generated` is the committed output tree, if there is one.
pub fn adoption(
    fe: &Frontend,
    generated: Option<&crate::changes::Tree>,
    fresh: &crate::changes::Tree,
) -> Vec<Adoption> {
    fe.services
        .iter()
        .map(|s| {
            let mut policy: Vec<&'static str> = fe
                .diagnostics
                .iter()
                .filter(|d| d.primary.span.file == s.source && matches!(d.code.id, "VAL004" | "VAL005" | "VAL007"))
                .map(|d| d.code.id)
                .collect();
            policy.dedup();
            let prefix = format!("{}/", s.name.value);
            let output = match generated {
                None => "not generated",
                Some(g) if !g.keys().any(|p| p.starts_with(&prefix)) => "not generated",
                Some(g) => {
                    let old = g.range(prefix.clone()..).take_while(|(p, _)| p.starts_with(&prefix));
                    let new = fresh.range(prefix.clone()..).take_while(|(p, _)| p.starts_with(&prefix));
                    if old.eq(new) { "current" } else { "stale" }
                }
            };
            Adoption {
                service: s.name.value.clone(),
                team: s.team.value.clone(),
                tier: s.tier.value.as_str().to_owned(),
                features: features(s),
                policy,
                output,
            }
        })
        .collect()
}

/// Per team: services, and how many use each feature.
fn teams(rows: &[Adoption]) -> BTreeMap<&str, (usize, Vec<usize>)> {
    let mut out: BTreeMap<&str, (usize, Vec<usize>)> = BTreeMap::new();
    for r in rows {
        let e = out.entry(r.team.as_str()).or_insert_with(|| (0, vec![0; FEATURES.len()]));
        e.0 += 1;
        for (n, used) in e.1.iter_mut().zip(&r.features) {
            *n += usize::from(*used);
        }
    }
    out
}

fn percent(n: usize, of: usize) -> String {
    (n * 100).checked_div(of).map_or_else(|| "-".into(), |p| format!("{p}%"))
}

/// The report as a terminal table or Markdown.
fn table(rows: &[Adoption], markdown: bool) -> String {
    let mut out = String::new();
    let cell = |s: &str| if markdown { crate::render::markdown::text(s) } else { crate::render::inert(s) };
    let mut header = vec!["service", "team", "tier"];
    header.extend_from_slice(FEATURES);
    header.extend(["tier policy", "output"]);
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut row = vec![cell(&r.service), cell(&r.team), r.tier.clone()];
            row.extend(r.features.iter().map(|f| if *f { "yes" } else { "-" }.to_owned()));
            row.push(if r.policy.is_empty() { "meets".into() } else { r.policy.join(", ") });
            row.push(r.output.to_owned());
            row
        })
        .collect();
    let total = rows.len();
    let mut summary = vec![format!("{total} services"), format!("{} teams", teams(rows).len()), String::new()];
    for i in 0..FEATURES.len() {
        summary.push(percent(rows.iter().filter(|r| r.features[i]).count(), total));
    }
    summary.push(percent(rows.iter().filter(|r| r.policy.is_empty()).count(), total));
    summary.push(percent(rows.iter().filter(|r| r.output == "current").count(), total));
    if markdown {
        let _ = writeln!(out, "## Golden path adoption\n");
        let _ = writeln!(out, "| {} |", header.join(" | "));
        let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
        for row in body.iter().chain(std::iter::once(&summary)) {
            let _ = writeln!(out, "| {} |", row.join(" | "));
        }
        out.push_str("\n### By team\n\n| team | services |");
        for f in FEATURES {
            let _ = write!(out, " {f} |");
        }
        let _ = writeln!(out, "\n|{}", "---|".repeat(FEATURES.len() + 2));
        for (team, (n, used)) in teams(rows) {
            let cells: Vec<String> = used.iter().map(|u| percent(*u, n)).collect();
            let _ = writeln!(out, "| {} | {n} | {} |", cell(team), cells.join(" | "));
        }
        return out;
    }
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in body.iter().chain(std::iter::once(&summary)) {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        let parts: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        format!("{}\n", parts.join("  ").trim_end())
    };
    out.push_str(&line(&header.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>()));
    for row in &body {
        out.push_str(&line(row));
    }
    out.push_str(&line(&summary));
    out.push_str("\nby team:\n");
    for (team, (n, used)) in teams(rows) {
        let parts: Vec<String> = FEATURES.iter().zip(&used).map(|(f, u)| format!("{f} {}", percent(*u, n))).collect();
        let _ = writeln!(out, "  {} ({n}): {}", cell(team), parts.join(", "));
    }
    out
}

/// The report as one JSON document.
fn json(rows: &[Adoption]) -> serde_json::Value {
    let services: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            let features: serde_json::Map<String, serde_json::Value> =
                FEATURES.iter().zip(&r.features).map(|(f, u)| ((*f).to_owned(), serde_json::json!(u))).collect();
            serde_json::json!({
                "service": r.service, "team": r.team, "tier": r.tier, "features": features,
                "policy": r.policy, "output": r.output,
            })
        })
        .collect();
    let teams: Vec<serde_json::Value> = teams(rows)
        .into_iter()
        .map(|(team, (n, used))| {
            let features: serde_json::Map<String, serde_json::Value> =
                FEATURES.iter().zip(&used).map(|(f, u)| ((*f).to_owned(), serde_json::json!(u))).collect();
            serde_json::json!({ "team": team, "services": n, "features": features })
        })
        .collect();
    serde_json::json!({ "services": services, "teams": teams })
}

/// `platform report`.
pub fn run(a: &InputArgs, generated: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let fe = match platform_driver::load(&Inputs { root: a.path.clone(), org: a.org.clone() }) {
        Ok(fe) => fe,
        Err(e) => anyhow::bail!("{e}"),
    };
    crate::cmd::say_org(&fe);
    if fe.has_errors() {
        eprint!("{}", crate::render::render(a.format, &fe.sources, &fe.diagnostics, crate::color()));
        eprintln!("error: the inputs do not compile; the report needs every service");
        return Ok(ExitCode::from(1));
    }
    let fresh = crate::diff::build(&fe, &[])?;
    let dir = generated.unwrap_or_else(|| crate::cmd::default_out(&a.path));
    let committed = dir.is_dir().then(|| crate::diff::read_generated(&dir, &[])).transpose()?;
    let rows = adoption(&fe, committed.as_ref(), &fresh);
    match a.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&json(&rows))?),
        Format::Markdown => print!("{}", table(&rows, true)),
        Format::Human | Format::Short | Format::Github => print!("{}", table(&rows, false)),
    }
    Ok(ExitCode::SUCCESS)
}
