//! `platform db create|connect|backup`. A database is configuration: `db create` adds it to
//! `platform.yaml` and the merge's pipeline creates it. A backup is an operation: `db
//! backup` takes a manual RDS snapshot named by `naming::database_manual_snapshot_identifier`
//! and lists the ones there are.

use std::process::ExitCode;

use platform_ops::aws;
use platform_ops::tool::Runner;

use super::{OpsArgs, OpsFormat, REFUSED, confirm, is_production, org, print_dry_run, refused, service, tool_error};

/// A database engine, as `platform.yaml` writes it.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbType {
    /// PostgreSQL on RDS.
    Postgres,
    /// Redis on ElastiCache.
    Redis,
}

/// `platform db …`.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum DbCommand {
    /// Give the service a database: adds `spec.database` to `platform.yaml` and rebuilds;
    /// the merge's pipeline creates it.
    Create {
        /// The engine.
        #[arg(long = "type", value_enum)]
        kind: DbType,
        /// A size of the org's table (`small`, `medium`, `large` by default).
        #[arg(long, default_value = "small")]
        size: String,
        /// An engine version the org allows (default: the org's).
        #[arg(long, value_name = "VERSION")]
        engine_version: Option<String>,
        #[command(flatten)]
        /// Options.
        ops: OpsArgs,
    },
    /// Open a session to the environment's database: an SSM port forward through the org's
    /// bastion (`environments[].databaseBastion`) to a local port, until Ctrl-C.
    Connect {
        /// The environment.
        #[arg(long, value_name = "ENV")]
        env: String,
        /// The local port (default: the database's port + 10000).
        #[arg(long, value_name = "PORT")]
        local_port: Option<u16>,
        #[command(flatten)]
        /// Options.
        ops: OpsArgs,
    },
    /// Take a manual snapshot of the environment's database now, then list the manual ones.
    Backup {
        /// The environment.
        #[arg(long, value_name = "ENV")]
        env: String,
        /// Only list the manual snapshots.
        #[arg(long)]
        list: bool,
        #[command(flatten)]
        /// Options.
        ops: OpsArgs,
    },
}

/// Run a `platform db` command.
pub fn run(c: &DbCommand) -> anyhow::Result<ExitCode> {
    let r = match c {
        DbCommand::Create { kind, size, engine_version, ops } => create(ops, *kind, size, engine_version.as_deref()),
        DbCommand::Backup { env, list, ops } => backup(ops, env, *list),
        DbCommand::Connect { env, local_port, ops } => connect(ops, env, *local_port),
    };
    Ok(super::finish(r))
}

/// A word safe to write into YAML as a plain scalar.
fn plain(what: &str, s: &str) -> Result<(), (u8, String)> {
    let ok = !s.is_empty() && s.len() <= 32 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if ok { Ok(()) } else { Err((REFUSED, format!("`{s}` is not a {what}\n  help: letters, digits, `-` and `.`"))) }
}

fn create(a: &OpsArgs, kind: DbType, size: &str, version: Option<&str>) -> Result<ExitCode, (u8, String)> {
    plain("size", size)?;
    if let Some(v) = version {
        plain("version", v)?;
    }
    let (fe, i) = service(a)?;
    let svc = &fe.services[i];
    if let Some(db) = &svc.database {
        let at = fe.sources.get(db.engine.span.file).line_col(db.engine.span.start);
        return Err((
            REFUSED,
            format!(
                "{} already has a database ({} {}, at line {})\n  help: change `spec.database` there; a service has one",
                svc.name.value,
                db.engine.value.as_str(),
                db.size.value.as_str(),
                at.0
            ),
        ));
    }
    let engine = match kind {
        DbType::Postgres => "postgres",
        DbType::Redis => "redis",
    };
    let mut block = format!("type: {engine}\nsize: {size}");
    if let Some(v) = version {
        block.push_str(&format!("\nversion: \"{v}\""));
    }
    let edit = move |text: &str| platform_syntax::edit::add_key(text, &["spec"], "database", &block);
    super::declare::declare(
        a,
        &fe,
        i,
        &edit,
        &format!("add a {engine} database ({size})"),
        "the merge's deploy creates it in each environment (Terraform), and the pods get its address and credentials",
    )
}

fn backup(a: &OpsArgs, env: &str, list_only: bool) -> Result<ExitCode, (u8, String)> {
    let (fe, i) = service(a)?;
    let svc = &fe.services[i];
    let org = org(&fe)?;
    let place = aws::database(svc, org, env).map_err(refused)?;
    let mut runner = Runner::new(a.dry_run);
    if !list_only {
        let stamp = aws::stamp(platform_ops::time::now());
        let cmd = aws::snapshot(svc, &place, &stamp).map_err(refused)?;
        confirm(a, &format!("Snapshot {} in {env} now?", place.identifier)).or_else(|e| {
            // Taking a snapshot changes nothing a person could regret: no confirmation unless
            // asked on a terminal, and none needed elsewhere.
            if a.dry_run || !std::io::IsTerminal::is_terminal(&std::io::stdin()) { Ok(()) } else { Err(e) }
        })?;
        runner.output(cmd).map_err(tool_error)?;
    }
    let listed = runner.output(aws::snapshots(&place)).map_err(tool_error)?;
    if a.dry_run {
        print_dry_run(a, &runner, &format!("back up {} in {env}", place.identifier));
        return Ok(ExitCode::SUCCESS);
    }
    let snaps = aws::snapshot_list(&listed);
    if a.format == OpsFormat::Json {
        let doc: Vec<serde_json::Value> = snaps
            .iter()
            .map(|(id, created, status)| serde_json::json!({ "id": id, "created": created, "status": status }))
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "database": place, "snapshots": doc }))
                .unwrap_or_default()
        );
    } else {
        let mut rows = vec![["snapshot", "created", "status"].map(str::to_owned).to_vec()];
        rows.extend(snaps.into_iter().map(|(a, b, c)| vec![a, b, c]));
        let mut out = String::new();
        crate::render::aligned(&mut out, &rows);
        print!("{}", crate::render::inert(&out));
    }
    Ok(ExitCode::SUCCESS)
}

fn connect(a: &OpsArgs, env: &str, local_port: Option<u16>) -> Result<ExitCode, (u8, String)> {
    let (fe, i) = service(a)?;
    let svc = &fe.services[i];
    let org = org(&fe)?;
    let place = aws::database(svc, org, env).map_err(refused)?;
    let Some(bastion) = place.bastion.clone() else {
        return Err((
            REFUSED,
            format!(
                "the org names no way into the databases of {env}\n  help: the platform team sets `databaseBastion` on the environment in the org file: the Name tag of an instance with the SSM agent in the cluster's VPC; the databases then admit it"
            ),
        ));
    };
    let local = local_port.unwrap_or(place.port.saturating_add(10_000));
    if is_production(org, env) {
        confirm(a, &format!("Open a session to the production database {}?", place.identifier))?;
    }
    let mut runner = Runner::new(a.dry_run);
    let out = runner.output(aws::bastion_command(&place, &bastion)).map_err(tool_error)?;
    let instance = match aws::first_string(&out) {
        Some(i) => i,
        None if a.dry_run => "<instance id>".to_owned(),
        None => {
            return Err((REFUSED, format!("no running instance tagged Name={bastion} in {env} ({})", place.region)));
        }
    };
    let out = runner.output(aws::endpoint_command(&place)).map_err(tool_error)?;
    let endpoint = match aws::first_string(&out) {
        Some(e) => e,
        None if a.dry_run => "<endpoint>".to_owned(),
        None => return Err((REFUSED, format!("{} in {env} has no address yet", place.identifier))),
    };
    let forward = aws::forward_command(&place, &instance, &endpoint, local);
    if a.dry_run {
        runner.output(forward).map_err(tool_error)?;
        print_dry_run(a, &runner, &format!("connect to {} in {env}", place.identifier));
        return Ok(ExitCode::SUCCESS);
    }
    let client = if place.engine == "postgres" {
        format!("psql \"host=127.0.0.1 port={local} dbname={db} user={db} sslmode=require\"", db = place.database)
    } else {
        format!("redis-cli -h 127.0.0.1 -p {local} --tls --insecure --askpass")
    };
    eprintln!(
        "forwarding 127.0.0.1:{local} to {} through {instance} (Ctrl-C ends it); in another terminal:",
        place.identifier
    );
    eprintln!("  {client}");
    eprintln!(
        "  the password: aws secretsmanager get-secret-value --secret-id {} --region {} --query SecretString --output text | jq -r .password",
        place.secret, place.region
    );
    match runner.stream(forward) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(platform_ops::tool::Error::Failed { stderr, .. }) if stderr.contains("SessionManagerPlugin") => Err((
            super::TOOL,
            "the AWS CLI needs the Session Manager plugin for a port forward\n  help: install it: https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html".into(),
        )),
        Err(e) => Err(tool_error(e)),
    }
}
