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

use crate::render::Format;

mod dora;
mod html;

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

/// The headers of the adoption table: a service, its features, its policy and its output.
fn columns() -> Vec<&'static str> {
    ["service", "team", "tier"].into_iter().chain(FEATURES.iter().copied()).chain(["tier policy", "output"]).collect()
}

/// The headers of the by-team table.
fn team_columns() -> Vec<&'static str> {
    ["team", "services"].into_iter().chain(FEATURES.iter().copied()).collect()
}

/// The report as a terminal table or Markdown.
fn table(rows: &[Adoption], markdown: bool) -> String {
    let mut out = String::new();
    let cell = |s: &str| if markdown { crate::render::markdown::text(s) } else { crate::render::inert(s) };
    let header = columns();
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
    let mut all = vec![header.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>()];
    all.extend(body);
    all.push(summary);
    if markdown {
        let _ = writeln!(out, "## Golden path adoption\n");
        crate::render::markdown::table(&mut out, &all);
        let mut by_team = vec![team_columns().into_iter().map(str::to_owned).collect()];
        by_team.extend(teams(rows).into_iter().map(|(team, (n, used))| {
            let mut row = vec![cell(team), n.to_string()];
            row.extend(used.iter().map(|u| percent(*u, n)));
            row
        }));
        out.push_str("\n### By team\n\n");
        crate::render::markdown::table(&mut out, &by_team);
        return out;
    }
    crate::render::aligned(&mut out, &all);
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

/// How to print the report.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    /// Aligned tables.
    Human,
    /// One JSON document.
    Json,
    /// Markdown tables (a job summary, a wiki page).
    Markdown,
    /// One self-contained HTML page with charts.
    Html,
}

/// The options of `platform report` and `platform report dora`.
#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// A directory to search for `platform.yaml` files (respecting .gitignore).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Org file to use instead of the nearest `platform-org.yaml` above each service.
    #[arg(long, value_name = "FILE")]
    pub org: Option<PathBuf>,
    /// How to print the report.
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
    /// The committed output directory (default: `generated/` in the build directory).
    #[arg(long, value_name = "DIR")]
    pub generated: Option<PathBuf>,
    /// Add the DORA figures, reading the deployment records from GitHub through `gh api`.
    #[arg(long)]
    pub dora: bool,
    /// Add the DORA figures from deployment records saved in a file (`--save`), not GitHub.
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    /// The GitHub repository holding the records (default: the current directory's).
    #[arg(long, value_name = "OWNER/NAME", conflicts_with = "from")]
    pub repo: Option<String>,
    /// How far back the DORA window reaches: `30d`, `12w`, `24h`.
    #[arg(long, value_name = "SPAN", default_value = "30d")]
    pub since: String,
    /// Where the DORA window ends: a date or an RFC 3339 time (default: now).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Also write the deployment records read to this file, for `--from` later.
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,
}

/// What `platform report` shows: everything, or only the DORA figures.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum ReportCommand {
    /// Only the DORA figures: deployment frequency, lead time for changes, change failure
    /// rate and time to restore, per service and team, from the generated workflows'
    /// deployment records (GitHub through `gh api`, or `--from FILE`).
    Dora {
        #[command(flatten)]
        /// Its options.
        args: Args,
    },
}

/// `platform report` (`dora_only`: `platform report dora`).
pub fn run(a: &Args, dora_only: bool) -> anyhow::Result<ExitCode> {
    let fe = match platform_driver::load(&Inputs { root: a.path.clone(), org: a.org.clone() }) {
        Ok(fe) => fe,
        Err(e) => anyhow::bail!("{e}"),
    };
    crate::cmd::say_org(&fe);
    if fe.has_errors() {
        eprint!("{}", crate::render::render(Format::Human, &fe.sources, &fe.diagnostics, crate::color()));
        eprintln!("error: the inputs do not compile; the report needs every service");
        return Ok(ExitCode::from(1));
    }
    let rows = if dora_only {
        None
    } else {
        let fresh = crate::diff::build(&fe, &[])?;
        let dir = a.generated.clone().unwrap_or_else(|| crate::cmd::default_out(&a.path));
        let committed = dir.is_dir().then(|| crate::diff::read_generated(&dir, &[])).transpose()?;
        Some(adoption(&fe, committed.as_ref(), &fresh))
    };
    let figures = if dora_only || a.dora || a.from.is_some() {
        let window = dora::window(&a.since, a.until.as_deref())?;
        let records = dora::records(a.from.as_deref(), a.repo.as_deref(), window)?;
        if let Some(file) = &a.save {
            std::fs::write(file, serde_json::to_string_pretty(&records)? + "\n")
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", file.display()))?;
        }
        let services: Vec<(String, String)> =
            fe.services.iter().map(|s| (s.name.value.clone(), s.team.value.clone())).collect();
        Some(platform_ops::dora::compute(&records, &services, window))
    } else {
        None
    };
    let text = match a.format {
        ReportFormat::Html => html::page(rows.as_deref(), figures.as_ref()),
        ReportFormat::Json => {
            let mut doc = rows.as_deref().map_or_else(|| serde_json::json!({}), json);
            if let Some(d) = &figures {
                doc["dora"] = dora::json(d);
            }
            serde_json::to_string_pretty(&doc)? + "\n"
        }
        ReportFormat::Markdown | ReportFormat::Human => {
            let markdown = a.format == ReportFormat::Markdown;
            let mut out = rows.as_deref().map(|r| table(r, markdown)).unwrap_or_default();
            if let Some(d) = &figures {
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(&dora::table(d, markdown));
            }
            out
        }
    };
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}
