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
    /// Promote the production canary to all the traffic (dispatches `<service>-promote.yml`).
    Promote {
        #[command(flatten)]
        /// Options.
        ops: OpsArgs,
    },
    /// Roll production back to the previous release (dispatches `<service>-rollback.yml`).
    Rollback {
        #[command(flatten)]
        /// Options.
        ops: OpsArgs,
    },
}

const REFUSED: u8 = 1;
const TOOL: u8 = 4;

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

fn argv(c: &Command) -> Vec<String> {
    std::iter::once(c.tool.program.to_owned()).chain(c.args.iter().cloned()).collect()
}

fn tool_error(e: &platform_ops::tool::Error) -> (u8, String) {
    (TOOL, e.to_string())
}

/// `platform deploy`, `platform deploy promote`, `platform deploy rollback`.
pub fn deploy(a: &OpsArgs, action: &Action) -> anyhow::Result<ExitCode> {
    match run(a, action) {
        Ok(code) => Ok(code),
        Err((code, message)) => {
            eprintln!("error: {message}");
            Ok(ExitCode::from(code))
        }
    }
}

fn run(a: &OpsArgs, action: &Action) -> Result<ExitCode, (u8, String)> {
    let (fe, i) = service(a)?;
    let svc: &Service = &fe.services[i];
    let Some(org) = fe.org.as_ref() else {
        return Err((REFUSED, "the org file does not compile; fix it first (`platform validate`)".into()));
    };
    let (file, inputs) = deploy::dispatch(org, svc, action).map_err(|r| (REFUSED, r.to_string()))?;
    let name = &svc.name.value;
    let what = match action {
        Action::Deploy { environment, .. } => format!("deploy {name} to {environment}"),
        Action::Promote => format!("promote the canary of {name} in production"),
        Action::Rollback => format!("roll {name} back in production"),
    };
    let risky = match action {
        Action::Deploy { environment, .. } => {
            svc.environments.iter().any(|e| e.name.value == *environment && org.environment(e).production.value)
        }
        Action::Promote | Action::Rollback => true,
    };
    if risky {
        confirm(a, &format!("{}?", capitalized(&what)))?;
    }
    let repo = a.repo.as_deref();
    let mut runner = Runner::new(a.dry_run);
    let follow = !a.no_follow;
    let before = if follow { deploy::newest(&mut runner, &file, repo).map_err(|e| tool_error(&e))? } else { None };
    runner.output(deploy::run_command(&file, &inputs, repo)).map_err(|e| tool_error(&e))?;
    let mut started = None;
    let mut failed = false;
    if follow {
        started = deploy::started_run(&mut runner, &file, repo, before.map(|r| r.id)).map_err(|e| tool_error(&e))?;
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
                Err(e) => return Err(tool_error(&e)),
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
        OpsFormat::Human if a.dry_run => {
            eprintln!("would {what}, running:");
            for c in &runner.commands {
                println!("{c}");
            }
        }
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
