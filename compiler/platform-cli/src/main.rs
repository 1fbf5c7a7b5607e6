//! `platform`: the command-line interface.
//!
//! Exit codes: 0 success; 1 errors in the inputs, or drift with `--check`; 2 usage errors;
//! 3 I/O failures while writing; 101 internal compiler error (a bug: please report it).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use platform_cli::{InputArgs, bench, cmd, fuzz};

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

/// mimalloc: a build allocates and frees many small strings and maps (a profile of a
/// 2 000-service rebuild spent about a third of its samples in the system allocator).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Compile `platform.yaml` files into Helm charts, Terraform, CI workflows, SLO alerts,
/// dashboards and catalog entries. Never touches live infrastructure.
#[derive(Parser, Debug)]
#[command(name = "platform", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Compile services and write every generated file (atomically; unchanged files are not rewritten).
    Build {
        #[command(flatten)]
        input: InputArgs,
        /// Output directory (default: `generated/` in the build directory).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Also write the org's shared packages (the reusable workflows' repository, …) into
        /// this directory, one subdirectory per backend, each ready to publish.
        #[arg(long, value_name = "DIR")]
        org_packages: Option<PathBuf>,
        /// Write nothing; print a diff of what would change and exit 1 on drift.
        #[arg(long)]
        check: bool,
        /// Run only these backends (repeatable): backstage, …
        #[arg(long, value_name = "BACKEND")]
        only: Vec<String>,
        /// Print the peak memory of the build (used by `platform bench`).
        #[arg(long, hide = true)]
        report_peak_memory: bool,
    },
    /// Show what a change to the inputs does to the generated files (against a git revision).
    Diff {
        #[command(flatten)]
        input: InputArgs,
        /// The revision to compare with.
        #[arg(long, default_value = "HEAD")]
        base: String,
        /// Run only these backends (repeatable).
        #[arg(long, value_name = "BACKEND")]
        only: Vec<String>,
        /// Print only the summary by service and backend (JSON: no hunks).
        #[arg(long)]
        stat: bool,
        /// Exit like `git diff --exit-code`: 0 nothing changed, 1 changes, 2 a change no
        /// apply can make or a denied risk (without it: 1 only for those).
        #[arg(long)]
        exit_code: bool,
        /// Fail on risks of this grade and above (`platform explain RISK001`).
        #[arg(long, value_enum, value_name = "GRADE")]
        deny: Option<platform_cli::review::Deny>,
        /// Compare a fresh build with the generated directory as committed (default: the
        /// build's output directory), not with a revision: what a new `platform` or new
        /// built-in defaults change.
        /// (`--against-generated=DIR`: with a space, the next word is the PATH to review.)
        #[arg(long, value_name = "DIR", num_args = 0..=1, require_equals = true, conflicts_with = "base")]
        against_generated: Option<Option<PathBuf>>,
    },
    /// Check the inputs and print diagnostics; write nothing.
    Validate {
        #[command(flatten)]
        input: InputArgs,
    },
    /// Report how the golden path is adopted: per service and team, the features used, the
    /// tier policy met, and whether the committed output is current (offline).
    ///
    /// With `--dora` or `--from FILE`, also the DORA figures; `platform report dora` shows
    /// only those.
    #[command(args_conflicts_with_subcommands = true)]
    Report {
        #[command(flatten)]
        args: platform_cli::report::Args,
        #[command(subcommand)]
        what: Option<platform_cli::report::ReportCommand>,
    },
    /// Deploy the service through its pipeline: dispatch its generated workflow (`gh workflow
    /// run`) up to `--env`, and follow the run. `promote` and `rollback` dispatch the same
    /// workflow with that action.
    #[command(args_conflicts_with_subcommands = true)]
    Deploy {
        /// The environment to deploy up to; the ones before it deploy first.
        #[arg(long, value_name = "ENV")]
        env: Option<String>,
        /// The canary's first traffic weight (`10%`), at most the org's first step.
        #[arg(long, value_name = "PERCENT")]
        canary: Option<String>,
        #[command(flatten)]
        ops: platform_cli::ops::OpsArgs,
        #[command(subcommand)]
        what: Option<platform_cli::ops::DeployCommand>,
    },
    /// Show a service per environment: the deployed image, the Rollout or Deployment state
    /// with the canary's step and weight, its error budget, the last pipeline run, and links.
    Status {
        /// The service (default: the one under --path).
        #[arg(value_name = "SERVICE")]
        name: Option<String>,
        #[command(flatten)]
        what: platform_cli::ops::StatusArgs,
        #[command(flatten)]
        ops: platform_cli::ops::OpsArgs,
    },
    /// Show the logs of a service's pods in an environment (`kubectl logs` by the chart's labels).
    Logs {
        /// The service (default: the one under --path).
        #[arg(value_name = "SERVICE")]
        name: Option<String>,
        #[command(flatten)]
        what: platform_cli::ops::LogsArgs,
        #[command(flatten)]
        ops: platform_cli::ops::OpsArgs,
    },
    /// List a service's secrets, set a value (from standard input, never an argument), or
    /// rotate them now.
    Secrets {
        #[command(subcommand)]
        what: platform_cli::ops::secrets::SecretsCommand,
    },
    /// Give a service a database (a change of `platform.yaml`), or back one up now.
    Db {
        #[command(subcommand)]
        what: platform_cli::ops::db::DbCommand,
    },
    /// Print the JSON Schema of `platform.yaml` (or of the org file), or write both to a directory.
    Schema {
        /// Which schema to print.
        #[arg(long, value_enum, default_value_t = cmd::SchemaKind::Service)]
        kind: cmd::SchemaKind,
        /// Write `platform.schema.json` and `platform-org.schema.json` into this directory.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Explain a diagnostic code (`platform explain LOW008`), list all codes, or show where
    /// each resolved setting of a service came from (`platform explain --service NAME PATH`).
    Explain {
        /// A code (`LOW009`, `RISK001`), or a generated file with a line
        /// (`generated/api/helm/api/values.yaml:10`): the input that produced it. Omit to
        /// list every code.
        code: Option<String>,
        /// Explain the resolved settings of this service instead.
        #[arg(long, value_name = "NAME")]
        service: Option<String>,
        /// Print the built-in defaults, with line numbers (what `<built-in defaults>:LINE`
        /// points at).
        #[arg(long, conflicts_with_all = ["code", "service"])]
        defaults: bool,
        /// Where to find the inputs (with `--service`, default `.`; with a generated file,
        /// default: the directory above its output directory).
        #[arg(long, value_name = "PATH")]
        path: Option<PathBuf>,
        /// Org file (with `--service`).
        #[arg(long, value_name = "FILE")]
        org: Option<PathBuf>,
        /// How to print `--service`: a table, or one JSON document.
        #[arg(long, value_enum, default_value_t = platform_cli::render::Format::Human)]
        format: platform_cli::render::Format,
    },
    /// Scaffold a new service on the golden path, or the Backstage template that does the same.
    New {
        #[command(subcommand)]
        what: platform_cli::new::NewCommand,
    },
    /// Print shell completions.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Fuzz the whole pipeline: mutated corpus inputs and schema-generated documents, each
    /// built twice and checked (no panic, time and memory budgets, every file parses, builds
    /// byte-identical). A development command; see CONTRIBUTING.md.
    #[command(hide = true)]
    Fuzz {
        /// Number of inputs.
        #[arg(long, default_value_t = 10_000)]
        inputs: usize,
        /// Generator seed: the same seed runs the same inputs.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Worker threads (default: the available cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Directories holding `platform.yaml` and `platform-org.yaml` files (default:
        /// `golden-tests` and `examples` of the current directory).
        #[arg(long, value_name = "DIR")]
        corpus: Vec<PathBuf>,
        /// Where failing inputs are saved.
        #[arg(long, value_name = "DIR", default_value = "fuzz-failures")]
        failures: PathBuf,
    },
    /// Benchmark: build N synthetic services and compare with `cp -r` of the output.
    Bench {
        /// Number of services.
        #[arg(long, default_value_t = 1000)]
        services: usize,
        /// Work directory (default: a new directory under the system temp dir, removed after).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Build against the org packages (`spec.packages.mode: packaged`, the default).
        #[arg(long, conflicts_with = "vendored")]
        packaged: bool,
        /// Vendor the golden path into every service (`spec.packages.mode: vendored`).
        #[arg(long)]
        vendored: bool,
    },
}

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        // A reader that closed the pipe (`platform diff | head`) is no bug: stop quietly,
        // with the status a shell gives a process killed by SIGPIPE.
        let text = info.payload().downcast_ref::<String>().map(String::as_str).unwrap_or_default();
        if text.starts_with("failed printing to std") && text.contains("Broken pipe") {
            std::process::exit(141);
        }
        eprintln!("error: internal compiler error: {info}");
        eprintln!("This is a bug in platform, not in your files. Please report it with the input that caused it.");
    }));
    let cli = Cli::parse();
    let result = std::panic::catch_unwind(|| run(cli));
    match result {
        Ok(Ok(code)) => code,
        Ok(Err(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(3)
        }
        Err(_) => ExitCode::from(101),
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Build { input, out, org_packages, check, only, report_peak_memory } => {
            let code = cmd::build(&input, out, org_packages, check, &only);
            if report_peak_memory && let Some(k) = bench::peak_rss_kib() {
                eprintln!("peak-rss-kib: {k}");
            }
            code
        }
        Command::Validate { input } => cmd::validate(&input),
        Command::Diff { input, base, only, stat, exit_code, deny, against_generated } => {
            let options = platform_cli::diff::Options { base, only, stat, exit_code, deny, against_generated };
            platform_cli::diff::diff(&input, &options)
        }
        Command::Schema { kind, out } => cmd::schema(kind, out),
        Command::Secrets { what } => platform_cli::ops::secrets::run(&what),
        Command::Db { what } => platform_cli::ops::db::run(&what),
        Command::Status { name, what, mut ops } => {
            ops.service = name.or(ops.service);
            platform_cli::ops::status(&ops, &what)
        }
        Command::Logs { name, what, mut ops } => {
            ops.service = name.or(ops.service);
            platform_cli::ops::logs(&ops, &what)
        }
        Command::Deploy { what: Some(platform_cli::ops::DeployCommand::Promote { ops }), .. } => {
            platform_cli::ops::deploy(&ops, &platform_ops::deploy::Action::Promote)
        }
        Command::Deploy { what: Some(platform_cli::ops::DeployCommand::Rollback { ops }), .. } => {
            platform_cli::ops::deploy(&ops, &platform_ops::deploy::Action::Rollback)
        }
        Command::Deploy { env, canary, ops, what: None } => {
            let Some(environment) = env else {
                eprintln!("error: which environment? pass --env ENV (`platform explain --service NAME` lists them)");
                return Ok(ExitCode::from(2));
            };
            let canary = match canary.as_deref().map(|c| (c, platform_ops::deploy::parse_weight(c))) {
                None => None,
                Some((_, Some(w))) => Some(w),
                Some((c, None)) => {
                    eprintln!("error: --canary {c:?} is not a percentage\n  help: write it like 10% or 10");
                    return Ok(ExitCode::from(2));
                }
            };
            platform_cli::ops::deploy(&ops, &platform_ops::deploy::Action::Deploy { environment, canary })
        }
        Command::Report { what: Some(platform_cli::report::ReportCommand::Dora { args }), .. } => {
            platform_cli::report::run(&args, true)
        }
        Command::Report { args, what: None } => platform_cli::report::run(&args, false),
        Command::Explain { defaults: true, .. } => {
            for (i, line) in platform_compiler::defaults::BUILTIN.lines().enumerate() {
                println!("{:>4}  {line}", i + 1);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { service: Some(name), path, org, format, .. } => {
            let path = path.unwrap_or_else(|| PathBuf::from("."));
            let input = InputArgs { path, org, format };
            platform_cli::origin::explain_service(&input, &name)
        }
        Command::Explain { code: Some(file), path, org, .. } if file.contains('/') => {
            platform_cli::provenance::explain(&file, path.as_deref(), org)
        }
        Command::Explain { code, .. } => Ok(cmd::explain(code.as_deref())),
        Command::New { what } => platform_cli::new::run(what),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "platform", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench { services, dir, packaged: _, vendored } => bench::run(services, dir, !vendored),
        Command::Fuzz { inputs, seed, threads, corpus, failures } => {
            let corpus = if corpus.is_empty() { fuzz::default_corpus(Path::new(".")) } else { corpus };
            let threads = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
            let settings = fuzz::Settings {
                inputs,
                seed,
                threads,
                budget: std::time::Duration::from_secs(10),
                failures: Some(failures),
            };
            fuzz::run(&corpus, &settings)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
