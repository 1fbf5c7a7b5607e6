//! The operational verbs: `platform deploy`, `platform deploy promote`, `platform deploy
//! rollback`. This module picks the service and talks to the person (confirmation, output);
//! what runs, and where, is `platform_ops`'.
//!
//! Exit codes: 0 done (or, with `--dry-run`, printed); 1 the request was refused (an unknown
//! environment, a canary weight the org does not allow, no confirmation) or the run failed;
//! 4 a tool is missing, not logged in, or failed.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use platform_driver::{Frontend, Inputs, LoadError};
use platform_ir::Service;
use platform_ops::deploy::{self, Action};
use platform_ops::tool::{Command, Runner};

/// Options every operational verb takes.
#[derive(clap::Args, Debug, Clone)]
pub struct OpsArgs {
    /// A directory holding the service's `platform.yaml` (or the file); default: the current
    /// directory, else the nearest `platform.yaml` above it.
    #[arg(long, value_name = "PATH", default_value = ".")]
    pub path: PathBuf,
    /// The service, when the path holds several.
    #[arg(long, value_name = "NAME")]
    pub service: Option<String>,
    /// Org file to use instead of the nearest `platform-org.yaml` above the service.
    #[arg(long, value_name = "FILE")]
    pub org: Option<PathBuf>,
    /// The GitHub repository (default: the current directory's, as `gh` finds it).
    #[arg(long, value_name = "OWNER/NAME")]
    pub repo: Option<String>,
    /// Print the commands that would run, one per line, and run none.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask before a production deploy, a promotion or a rollback (for CI).
    #[arg(long)]
    pub yes: bool,
    /// Dispatch and return; do not follow the run.
    #[arg(long)]
    pub no_follow: bool,
    /// How to print the result.
    #[arg(long, value_enum, default_value_t = OpsFormat::Human)]
    pub format: OpsFormat,
}

/// How an operational verb prints.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpsFormat {
    /// Lines for people.
    Human,
    /// One JSON document.
    Json,
}

/// `platform deploy promote|rollback`.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum DeployCommand {
    /// Promote the production canary to all the traffic (dispatches `<service>.yml` with `action: promote`).
    Promote {
        #[command(flatten)]
        /// Options.
        ops: OpsArgs,
    },
    /// Roll production back to the previous release (dispatches `<service>.yml` with `action: rollback`).
    Rollback {
        #[command(flatten)]
        /// Options.
        ops: OpsArgs,
    },
}

const REFUSED: u8 = 1;
const TOOL: u8 = 4;

pub mod db;
mod declare;
pub mod secrets;

/// The service the verb acts on, with the org.
fn service(a: &OpsArgs) -> Result<(Frontend, usize), (u8, String)> {
    let load = |root: PathBuf| platform_driver::load_one_in_context(&Inputs { root, org: a.org.clone() });
    let fe = match load(a.path.clone()) {
        Err(LoadError::NothingFound(_)) if a.path == Path::new(".") => {
            // From anywhere inside a service: the nearest `platform.yaml` above.
            let here = std::env::current_dir().map_err(|e| (REFUSED, e.to_string()))?;
            let Some(file) = here.ancestors().map(|d| d.join("platform.yaml")).find(|f| f.is_file()) else {
                return Err((REFUSED, "no `platform.yaml` here, below or above; pass --path".into()));
            };
            load(file).map_err(|e| (REFUSED, e.to_string()))?
        }
        r => r.map_err(|e| (REFUSED, e.to_string()))?,
    };
    if fe.has_errors() {
        let errors = fe.diagnostics.iter().filter(|d| d.is_error()).count();
        return Err((
            REFUSED,
            format!(
                "{errors} error(s) in the platform files under `{}`: nothing is dispatched from inputs that do not compile\n  help: `platform validate {}` shows them; or pass --path with the service's directory",
                a.path.display(),
                a.path.display()
            ),
        ));
    }
    let names: Vec<&str> = fe.services.iter().map(|s| s.name.value.as_str()).collect();
    let index = match &a.service {
        Some(n) => fe.services.iter().position(|s| s.name.value == *n).ok_or_else(|| {
            (REFUSED, format!("no service `{n}` under `{}`\n  help: one of: {}", a.path.display(), names.join(", ")))
        })?,
        None if fe.services.len() == 1 => 0,
        None => {
            return Err((
                REFUSED,
                format!(
                    "{} services under `{}`\n  help: pass --service NAME, one of: {}",
                    names.len(),
                    a.path.display(),
                    names.join(", ")
                ),
            ));
        }
    };
    Ok((fe, index))
}

/// Ask on the terminal; without one, `--yes` must have been given.
fn confirm(a: &OpsArgs, question: &str) -> Result<(), (u8, String)> {
    if a.yes || a.dry_run {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err((
            REFUSED,
            format!("{question}: no terminal to ask on\n  help: pass --yes to go ahead without asking"),
        ));
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    if matches!(line.trim(), "y" | "Y" | "yes") { Ok(()) } else { Err((REFUSED, "nothing was done".into())) }
}

/// The org of a loaded service (absent only when the org file does not compile).
fn org(fe: &Frontend) -> Result<&platform_ir::Org, (u8, String)> {
    fe.org.as_ref().ok_or((REFUSED, "the org file does not compile; fix it first (`platform validate`)".to_owned()))
}

/// A request `platform_ops` refused, as the verb's error.
fn refused(r: platform_ops::Refused) -> (u8, String) {
    (REFUSED, r.to_string())
}

/// Whether `env` is one of the org's production environments (the verbs ask before acting there).
fn is_production(org: &platform_ir::Org, env: &str) -> bool {
    org.environments.iter().any(|e| e.name.value == env && e.production.value)
}

fn argv(c: &Command) -> Vec<String> {
    std::iter::once(c.tool.program.to_owned()).chain(c.args.iter().cloned()).collect()
}

fn tool_error(e: platform_ops::tool::Error) -> (u8, String) {
    (TOOL, e.to_string())
}

/// The exit code of a verb's result, its error printed.
fn finish(r: Result<ExitCode, (u8, String)>) -> ExitCode {
    r.unwrap_or_else(|(code, message)| {
        eprintln!("error: {message}");
        ExitCode::from(code)
    })
}

/// `platform deploy`, `platform deploy promote`, `platform deploy rollback`.
pub fn deploy(a: &OpsArgs, action: &Action) -> anyhow::Result<ExitCode> {
    Ok(finish(run(a, action)))
}

fn run(a: &OpsArgs, action: &Action) -> Result<ExitCode, (u8, String)> {
    let (fe, i) = service(a)?;
    let svc: &Service = &fe.services[i];
    let org = org(&fe)?;
    let (file, inputs) = deploy::dispatch(org, svc, action).map_err(refused)?;
    let name = &svc.name.value;
    let what = match action {
        Action::Deploy { environment, .. } => format!("deploy {name} to {environment}"),
        Action::Promote => format!("promote the canary of {name} in production"),
        Action::Rollback => format!("roll {name} back in production"),
    };
    let risky = match action {
        Action::Deploy { environment, .. } => is_production(org, environment),
        Action::Promote | Action::Rollback => true,
    };
    if risky {
        confirm(a, &format!("{}?", capitalized(&what)))?;
    }
    let repo = a.repo.as_deref();
    let mut runner = Runner::new(a.dry_run);
    let follow = !a.no_follow;
    let before = if follow { deploy::newest(&mut runner, &file, repo).map_err(tool_error)? } else { None };
    runner.output(deploy::run_command(&file, &inputs, repo)).map_err(tool_error)?;
    let mut started = None;
    let mut failed = false;
    if follow {
        started = deploy::started_run(&mut runner, &file, repo, before.map(|r| r.id)).map_err(tool_error)?;
        let id = started.as_ref().map_or_else(|| "<run id>".to_owned(), |r| r.id.to_string());
        if started.is_some() || a.dry_run {
            if let Some(r) = &started
                && a.format == OpsFormat::Human
            {
                eprintln!("following {} (Ctrl-C stops following; the run goes on)", r.url);
            }
            let watch = deploy::watch_command(&id, repo);
            let result =
                if a.format == OpsFormat::Json { runner.output(watch).map(drop) } else { runner.stream(watch) };
            match result {
                Ok(()) => {}
                Err(platform_ops::tool::Error::Failed { .. }) => failed = true,
                Err(e) => return Err(tool_error(e)),
            }
        } else {
            eprintln!("warning: the run did not show up in `gh run list`; see the Actions tab");
        }
    }
    let commands: Vec<Vec<String>> = runner.commands.iter().map(argv).collect();
    match a.format {
        OpsFormat::Json => {
            let doc = serde_json::json!({
                "service": name,
                "action": what,
                "workflow": file,
                "inputs": inputs.iter().map(|(k, v)| (k.clone(), serde_json::json!(v))).collect::<serde_json::Map<_, _>>(),
                "dryRun": a.dry_run,
                "commands": commands,
                "run": started,
                "result": if a.dry_run { "printed" } else if failed { "failed" } else if follow && started.is_some() { "succeeded" } else { "dispatched" },
            });
            println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
        OpsFormat::Human if a.dry_run => print_dry_run(a, &runner, &what),
        OpsFormat::Human => {
            let outcome = if failed {
                "failed"
            } else if started.is_some() {
                "done"
            } else {
                "dispatched"
            };
            eprintln!("{}: {outcome}", capitalized(&what));
        }
    }
    Ok(if failed { ExitCode::from(REFUSED) } else { ExitCode::SUCCESS })
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// What `platform logs` asks for, beside the common options.
#[derive(clap::Args, Debug, Clone)]
pub struct LogsArgs {
    /// The environment.
    #[arg(long, value_name = "ENV")]
    pub env: String,
    /// Only logs newer than this (`10m`, `1h`, `2d`).
    #[arg(long, value_name = "SPAN")]
    pub since: Option<String>,
    /// Keep streaming new lines.
    #[arg(long, short = 'f')]
    pub follow: bool,
    /// One container of the pods (default: all of them).
    #[arg(long, value_name = "NAME")]
    pub container: Option<String>,
    /// Only the canary's pods (a Rollout's current pod-template hash).
    #[arg(long)]
    pub canary: bool,
}

fn place(org: &platform_ir::Org, svc: &Service, env: &str) -> Result<platform_ops::kube::Place, (u8, String)> {
    platform_ops::kube::place(org, svc, env).map_err(refused)
}

fn kube_error(p: &platform_ops::kube::Place, e: &platform_ops::tool::Error) -> (u8, String) {
    (TOOL, format!("{e}\n  help: for {} in {}: {}", p.release, p.environment, p.connect_help()))
}

/// `platform logs`.
pub fn logs(a: &OpsArgs, l: &LogsArgs) -> anyhow::Result<ExitCode> {
    Ok(finish(logs_run(a, l)))
}

fn logs_run(a: &OpsArgs, l: &LogsArgs) -> Result<ExitCode, (u8, String)> {
    if let Some(s) = &l.since
        && platform_ops::time::span(s).is_none()
    {
        return Err((2, format!("--since {s:?} is not a span\n  help: write it like 10m, 1h or 2d")));
    }
    let (fe, i) = service(a)?;
    let svc = &fe.services[i];
    let org = org(&fe)?;
    let p = place(org, svc, &l.env)?;
    let mut runner = Runner::new(a.dry_run);
    let mut hash = None;
    if l.canary {
        if !p.rollout {
            return Err((
                REFUSED,
                format!("{} runs no canary in {}\n  help: leave out --canary", p.release, p.environment),
            ));
        }
        let out = runner.output(platform_ops::kube::canary_hash_command(&p)).map_err(|e| kube_error(&p, &e))?;
        let h = out.trim().to_owned();
        hash = Some(if a.dry_run {
            "<canary hash>".to_owned()
        } else if h.is_empty() {
            return Err((REFUSED, format!("the Rollout {} in {} has no current pods", p.release, p.environment)));
        } else {
            h
        });
    }
    let logs =
        platform_ops::kube::Logs { since: l.since.clone(), follow: l.follow, container: l.container.clone(), hash };
    runner.stream(platform_ops::kube::logs_command(&p, &logs)).map_err(|e| kube_error(&p, &e))?;
    print_dry_run(a, &runner, &format!("show the logs of {} in {}", p.release, p.environment));
    Ok(ExitCode::SUCCESS)
}

fn print_dry_run(a: &OpsArgs, runner: &Runner, what: &str) {
    if !a.dry_run {
        return;
    }
    if a.format == OpsFormat::Json {
        let commands: Vec<Vec<String>> = runner.commands.iter().map(argv).collect();
        let doc = serde_json::json!({ "action": what, "dryRun": true, "commands": commands });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        return;
    }
    eprintln!("would {what}, running:");
    for c in &runner.commands {
        println!("{c}");
    }
}

/// What `platform status` asks for, beside the common options.
#[derive(clap::Args, Debug, Clone)]
pub struct StatusArgs {
    /// Only this environment (default: every one of the service's).
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
}

/// `platform status`.
pub fn status(a: &OpsArgs, s: &StatusArgs) -> anyhow::Result<ExitCode> {
    Ok(finish(status_run(a, s)))
}

fn status_run(a: &OpsArgs, s: &StatusArgs) -> Result<ExitCode, (u8, String)> {
    use platform_ops::kube;
    let (fe, i) = service(a)?;
    let svc = &fe.services[i];
    let org = org(&fe)?;
    let name = &svc.name.value;
    let envs: Vec<String> = match &s.env {
        Some(e) => vec![place(org, svc, e)?.environment],
        None => svc.environments.iter().map(|e| e.name.value.clone()).collect(),
    };
    let mut runner = Runner::new(a.dry_run);
    let mut failed = false;
    // The last run of the service's pipeline.
    let file = platform_ir::naming::workflow_file(name);
    let mut args: Vec<String> =
        ["run", "list", "--workflow", &file, "--limit", "1", "--json"].map(str::to_owned).to_vec();
    args.push("databaseId,status,conclusion,event,headSha,createdAt,url".into());
    if let Some(r) = &a.repo {
        args.extend(["--repo".to_owned(), r.clone()]);
    }
    let last_run = match runner.output(Command::new(&platform_ops::tool::GH, args)) {
        Ok(out) => serde_json::from_str::<Vec<serde_json::Value>>(&out).ok().and_then(|v| v.into_iter().next()),
        Err(e) => {
            failed = true;
            eprintln!("warning: the last run is unknown: {e}");
            None
        }
    };
    let mut rows = Vec::new();
    for env in &envs {
        let p = place(org, svc, env)?;
        let (state, error) = match runner.output(kube::workload_command(&p)) {
            Ok(_) if a.dry_run => (None, None::<String>),
            Ok(out) => match kube::state(&out) {
                Some(st) => (Some(st), None),
                None => (None, Some("the workload's state could not be read".into())),
            },
            Err(e) => {
                failed = true;
                (None, Some(kube_error(&p, &e).1))
            }
        };
        let mut slo = serde_json::Map::new();
        if svc.monitoring.slo.is_some() && error.is_none() {
            for (label, query) in kube::budget_queries(name) {
                let Some(cmd) = kube::prometheus_query_command(&p, &org.monitoring.prometheus_url.value, &query) else {
                    break;
                };
                if let Ok(out) = runner.output(cmd)
                    && let Some(v) = kube::query_value(&out)
                {
                    slo.insert(label.to_owned(), serde_json::json!(v));
                }
            }
        }
        rows.push((p, state, error, slo));
    }
    if a.dry_run {
        print_dry_run(a, &runner, &format!("show the status of {name}"));
        return Ok(ExitCode::SUCCESS);
    }
    let dashboard = platform_ir::deploy::dashboard_url(org, svc);
    let runbook = platform_ir::naming::runbook_url(&org.monitoring.runbook_base_url.value, name);
    if a.format == OpsFormat::Json {
        let environments: Vec<serde_json::Value> = rows
            .iter()
            .map(|(p, st, err, slo)| {
                serde_json::json!({
                    "environment": p.environment, "context": p.context, "namespace": p.namespace,
                    "workload": st, "error": err, "slo": slo,
                })
            })
            .collect();
        let doc = serde_json::json!({
            "service": name, "team": svc.team.value, "tier": svc.tier.value.as_str(),
            "links": { "dashboard": dashboard, "runbook": runbook },
            "lastRun": last_run, "environments": environments,
        });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        print!("{}", status_text(svc, dashboard.as_deref(), &runbook, last_run.as_ref(), &rows));
    }
    Ok(if failed { ExitCode::from(TOOL) } else { ExitCode::SUCCESS })
}

type Row = (
    platform_ops::kube::Place,
    Option<platform_ops::kube::State>,
    Option<String>,
    serde_json::Map<String, serde_json::Value>,
);

fn status_text(
    svc: &Service,
    dashboard: Option<&str>,
    runbook: &str,
    last_run: Option<&serde_json::Value>,
    rows: &[Row],
) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "{} (team {}, tier {})", svc.name.value, svc.team.value, svc.tier.value.as_str());
    if let Some(d) = dashboard {
        let _ = writeln!(out, "  dashboard  {d}");
    }
    let _ = writeln!(out, "  runbook    {runbook}");
    if let Some(r) = last_run {
        let s = |k: &str| r[k].as_str().unwrap_or_default().to_owned();
        let result = if s("status") == "completed" { s("conclusion") } else { s("status") };
        let sha: String = s("headSha").chars().take(12).collect();
        let _ = writeln!(out, "  last run   {result} ({}, {sha}, {}) {}", s("event"), s("createdAt"), s("url"));
    }
    for (p, st, err, slo) in rows {
        let _ = writeln!(out, "\n{} (namespace {}, context {})", p.environment, p.namespace, p.context);
        if let Some(e) = err {
            let _ = writeln!(out, "  unknown: {}", e.replace('\n', "\n  "));
            continue;
        }
        let Some(st) = st else { continue };
        let mut line = format!("  {}  {}/{} ready", st.kind, st.ready, st.replicas);
        if let Some(t) = &st.tag {
            let _ = write!(line, "  image {t}");
        }
        if let Some(ph) = &st.phase {
            let _ = write!(line, "  {ph}");
        }
        if let Some((step, total)) = st.step {
            let _ = write!(line, " at step {}/{total}", step.min(total));
        }
        if let Some(w) = st.canary_weight.filter(|w| *w > 0) {
            let _ = write!(line, ", canary {w}%");
        }
        if let Some(m) = &st.message {
            let _ = write!(line, ": {m}");
        }
        let _ = writeln!(out, "{}", crate::render::inert(&line));
        if !slo.is_empty() {
            let parts: Vec<String> = slo
                .iter()
                .map(|(k, v)| {
                    let v = v.as_f64().unwrap_or_default();
                    if k.starts_with("error budget") { format!("{k} {:.0}%", v * 100.0) } else { format!("{k} {v:.2}") }
                })
                .collect();
            let _ = writeln!(out, "  SLO  {}", parts.join(", "));
        }
    }
    out
}
