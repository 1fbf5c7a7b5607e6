//! `platform secrets list|set|rotate`. A secret's name is configuration, in `platform.yaml`;
//! its value is not, and goes straight to Secrets Manager on the AWS CLI's standard input:
//! never in argv (shell history, `ps`), an environment variable or a file left behind.

use std::io::{IsTerminal, Read};
use std::process::ExitCode;

use platform_ops::aws::{self, SecretPlace};
use platform_ops::tool::Runner;

use super::{
    OpsArgs, OpsFormat, REFUSED, TOOL, confirm, is_production, org, print_dry_run, refused, service, tool_error,
};

/// `platform secrets …`.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum SecretsCommand {
    /// Each declared secret per environment: its Secrets Manager name, whether it has a value,
    /// when it last changed, and its rotation (never the value).
    List {
        /// Only this environment.
        #[arg(long, value_name = "ENV")]
        env: Option<String>,
        #[command(flatten)]
        /// Options.
        ops: OpsArgs,
    },
    /// Set a secret's value in an environment, read from standard input (or typed at a prompt
    /// that does not echo). A secret not yet in `platform.yaml` is declared there first.
    Set {
        /// The secret's name (`api-key`; `API_KEY` is read as `api-key`).
        name: String,
        /// The environment (required to set a value).
        #[arg(long, value_name = "ENV")]
        env: Option<String>,
        #[command(flatten)]
        /// Options.
        ops: OpsArgs,
    },
    /// Rotate now the secrets whose rotation is configured (`rotationDays`).
    Rotate {
        /// One secret.
        name: Option<String>,
        /// Every rotating secret.
        #[arg(long, conflicts_with = "name")]
        all: bool,
        /// Only this environment.
        #[arg(long, value_name = "ENV")]
        env: Option<String>,
        #[command(flatten)]
        /// Options.
        ops: OpsArgs,
    },
}

/// Run a `platform secrets` command.
pub fn run(c: &SecretsCommand) -> anyhow::Result<ExitCode> {
    let r = match c {
        SecretsCommand::List { env, ops } => list(ops, env.as_deref()),
        SecretsCommand::Set { name, env, ops } => set(ops, name, env.as_deref()),
        SecretsCommand::Rotate { name, all, env, ops } => rotate(ops, name.as_deref(), *all, env.as_deref()),
    };
    Ok(super::finish(r))
}

fn list(a: &OpsArgs, env: Option<&str>) -> Result<ExitCode, (u8, String)> {
    let (fe, i) = service(a)?;
    let svc = &fe.services[i];
    let org = org(&fe)?;
    let places = aws::secrets(org, svc, env, None).map_err(refused)?;
    if places.is_empty() {
        eprintln!("{} declares no secret; add one with `platform secrets set NAME`", svc.name.value);
        return Ok(ExitCode::SUCCESS);
    }
    let mut runner = Runner::new(a.dry_run);
    let mut rows = Vec::new();
    let mut failed = false;
    for p in &places {
        let state = match runner.output(aws::describe_secret(p)) {
            Ok(out) => aws::secret_state(&out),
            Err(e) => {
                failed = true;
                eprintln!("warning: {}: {e}", p.name);
                None
            }
        };
        rows.push((p, state));
    }
    if a.dry_run {
        print_dry_run(a, &runner, &format!("list the secrets of {}", svc.name.value));
        return Ok(ExitCode::SUCCESS);
    }
    if a.format == OpsFormat::Json {
        let doc: Vec<serde_json::Value> =
            rows.iter().map(|(p, s)| serde_json::json!({ "place": p, "state": s })).collect();
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        let mut table = vec![
            ["environment", "secret", "secrets manager", "value", "last changed", "rotation"]
                .map(str::to_owned)
                .to_vec(),
        ];
        for (p, s) in &rows {
            let rotation = match (p.rotation_days, s.as_ref().and_then(|s| s.next_rotation.clone())) {
                (Some(d), Some(next)) => format!("every {d}d, next {next}"),
                (Some(d), None) => format!("every {d}d"),
                (None, _) => "-".into(),
            };
            table.push(vec![
                p.environment.clone(),
                p.secret.clone(),
                p.name.clone(),
                s.as_ref().map_or("unknown", |s| if s.has_value { "set" } else { "EMPTY" }).to_owned(),
                s.as_ref().and_then(|s| s.last_changed.clone()).unwrap_or_else(|| "-".into()),
                rotation,
            ]);
        }
        let mut out = String::new();
        crate::render::aligned(&mut out, &table);
        print!("{}", crate::render::inert(&out));
    }
    Ok(if failed { ExitCode::from(TOOL) } else { ExitCode::SUCCESS })
}

/// A secret's name as `platform.yaml` writes it: `API_KEY` → `api-key`.
fn secret_name(name: &str) -> Result<String, (u8, String)> {
    if let Some((n, _)) = name.split_once('=') {
        return Err((
            REFUSED,
            format!(
                "a secret's value is never an argument: it would stay in your shell's history and show in `ps` to everyone on this machine\n  help: `platform secrets set {n} --env ENV` and type the value at the prompt, or pipe it: `platform secrets set {n} --env ENV < file`"
            ),
        ));
    }
    let n = name.to_ascii_lowercase().replace('_', "-");
    // The compiler's rule for a secret's name: nothing else can reach the edited file.
    if !platform_compiler::lower::checks::is_dns_label(&n) {
        return Err((
            REFUSED,
            format!(
                "`{name}` is not a secret name\n  help: a lowercase letter, then lowercase letters, digits and `-`, like `api-key`"
            ),
        ));
    }
    if n != name {
        eprintln!(
            "note: `{name}` is the secret `{n}` (its environment variable is `{}`)",
            platform_ir::naming::secret_env_var(&n)
        );
    }
    Ok(n)
}

/// The value: all of standard input, or typed at a prompt that does not echo.
fn read_value(name: &str) -> Result<String, (u8, String)> {
    let mut value = String::new();
    if std::io::stdin().is_terminal() {
        eprint!("value of {name} (not shown): ");
        let echo = |on: &str| {
            std::process::Command::new("stty")
                .arg(on)
                .stdin(std::process::Stdio::inherit())
                .status()
                .is_ok_and(|s| s.success())
        };
        let hidden = echo("-echo");
        let read = std::io::stdin().read_line(&mut value);
        if hidden {
            echo("echo");
        }
        eprintln!();
        read.map_err(|e| (REFUSED, format!("cannot read the value: {e}")))?;
    } else {
        std::io::stdin().read_to_string(&mut value).map_err(|e| (REFUSED, format!("cannot read the value: {e}")))?;
    }
    let value = value.strip_suffix('\n').map(|v| v.strip_suffix('\r').unwrap_or(v)).unwrap_or(&value).to_owned();
    if value.is_empty() {
        return Err((REFUSED, "the value is empty; nothing was set".into()));
    }
    Ok(value)
}

fn set(a: &OpsArgs, name: &str, env: Option<&str>) -> Result<ExitCode, (u8, String)> {
    let name = secret_name(name)?;
    let (fe, i) = service(a)?;
    let svc = &fe.services[i];
    let org = org(&fe)?;
    if !svc.secrets.iter().any(|s| s.name.value == name) {
        let has_list = !svc.secrets.is_empty();
        let item = format!("name: {name}");
        let edit = move |text: &str| {
            if has_list {
                platform_syntax::edit::append_item(text, &["spec", "secrets"], &item)
            } else {
                platform_syntax::edit::add_key(text, &["spec"], "secrets", &format!("- {item}"))
            }
        };
        return super::declare::declare(
            a,
            &fe,
            i,
            &edit,
            &format!("declare the secret `{name}`"),
            &format!(
                "once it is deployed, each environment has an empty `{name}`: set it with `platform secrets set {name} --env ENV` (a deploy waits for every declared secret to have a value)"
            ),
        );
    }
    let Some(env) = env else {
        let names: Vec<&str> = svc.environments.iter().map(|e| e.name.value.as_str()).collect();
        return Err((2, format!("which environment? pass --env, one of: {}", names.join(", "))));
    };
    let place: SecretPlace = aws::secrets(org, svc, Some(env), Some(&name)).map_err(refused)?.remove(0);
    let mut runner = Runner::new(a.dry_run);
    if a.dry_run {
        runner.output(aws::put_secret(&place, String::new())).map_err(tool_error)?;
        print_dry_run(a, &runner, &format!("set {} in {env}", place.name));
        return Ok(ExitCode::SUCCESS);
    }
    if is_production(org, env) {
        confirm(a, &format!("Set {} in production?", place.name))?;
    }
    let value = read_value(&name)?;
    runner.output(aws::put_secret(&place, value)).map_err(tool_error)?;
    eprintln!(
        "{} in {env} has a new value ({}; pods read it at their next restart, Reloader restarts them where the org runs it)",
        place.name, place.account
    );
    Ok(ExitCode::SUCCESS)
}

fn rotate(a: &OpsArgs, name: Option<&str>, all: bool, env: Option<&str>) -> Result<ExitCode, (u8, String)> {
    if name.is_none() && !all {
        return Err((2, "which secret? name one, or pass --all".into()));
    }
    let name = name.map(secret_name).transpose()?;
    let (fe, i) = service(a)?;
    let svc = &fe.services[i];
    let org = org(&fe)?;
    let places = aws::secrets(org, svc, env, name.as_deref()).map_err(refused)?;
    if let Some(n) = &name
        && places.is_empty()
    {
        return Err((REFUSED, format!("{} declares no secret `{n}`", svc.name.value)));
    }
    let (rotating, fixed): (Vec<&SecretPlace>, Vec<&SecretPlace>) =
        places.iter().partition(|p| p.rotation_days.is_some());
    for p in &fixed {
        eprintln!(
            "note: {} does not rotate (no `rotationDays` in platform.yaml): set a new value with `platform secrets set {} --env {}`",
            p.name, p.secret, p.environment
        );
    }
    if rotating.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    confirm(a, &format!("Rotate {} secret(s) of {} now?", rotating.len(), svc.name.value))?;
    let mut runner = Runner::new(a.dry_run);
    for p in &rotating {
        runner.output(aws::rotate_secret(p)).map_err(tool_error)?;
        if !a.dry_run {
            eprintln!("{} in {}: rotation started", p.name, p.environment);
        }
    }
    print_dry_run(a, &runner, &format!("rotate the secrets of {}", svc.name.value));
    Ok(ExitCode::SUCCESS)
}
