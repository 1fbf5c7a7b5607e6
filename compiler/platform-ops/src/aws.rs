//! Secrets and databases through the AWS CLI, at the names the Terraform the build writes
//! gives them: `naming::secret_name` of the service's AWS identity (its oldest name, which
//! its AWS resources keep across a rename), `naming::database_identifier`, each in its
//! environment's region. A secret's value only ever travels on the CLI's standard input
//! (`--secret-string file:///dev/stdin`), the way the deploy's own message tells people to
//! set one.

use platform_ir::{Org, Service, naming};
use serde_json::Value;

use crate::tool::{AWS, Command};
use crate::{Refused, refused};

/// A declared secret in one environment.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SecretPlace {
    /// The environment.
    pub environment: String,
    /// The secret's name in `platform.yaml`.
    pub secret: String,
    /// Its Secrets Manager name.
    pub name: String,
    /// The environment's region.
    pub region: String,
    /// The environment's account.
    pub account: String,
    /// Days between rotations, if it rotates.
    pub rotation_days: Option<u32>,
}

/// The environments of `svc` to act in: `only`, or all of them.
pub fn environments<'a>(
    svc: &'a Service,
    only: Option<&str>,
) -> Result<Vec<&'a platform_ir::ServiceEnvironment>, Refused> {
    match only {
        None => Ok(svc.environments.iter().collect()),
        Some(e) => crate::environment(svc, e, "one of").map(|x| vec![x]),
    }
}

/// Every declared secret of `svc` (or only `secret`) in the environments given.
pub fn secrets(org: &Org, svc: &Service, env: Option<&str>, secret: Option<&str>) -> Result<Vec<SecretPlace>, Refused> {
    let mut out = Vec::new();
    for e in environments(svc, env)? {
        let oe = org.environment(e);
        for s in svc.secrets.iter().filter(|s| secret.is_none_or(|n| s.name.value == n)) {
            out.push(SecretPlace {
                environment: e.name.value.clone(),
                secret: s.name.value.clone(),
                name: naming::secret_name(svc.aws_identity(), &e.name.value, &s.name.value),
                region: oe.aws_region.value.clone(),
                account: oe.aws_account.value.clone(),
                rotation_days: s.rotation_days.as_ref().map(|d| d.value),
            });
        }
    }
    Ok(out)
}

/// `aws ARGS --region REGION`.
fn in_region(args: &[&str], region: &str) -> Command {
    let mut all: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    all.extend(["--region".to_owned(), region.to_owned()]);
    Command::new(&AWS, all)
}

/// `aws ARGS --region REGION --output json`: a call whose answer is read.
fn aws(args: &[&str], region: &str) -> Command {
    let mut c = in_region(args, region);
    c.args.extend(["--output".to_owned(), "json".to_owned()]);
    c
}

/// `aws secretsmanager describe-secret`: metadata only, never the value.
pub fn describe_secret(p: &SecretPlace) -> Command {
    aws(&["secretsmanager", "describe-secret", "--secret-id", &p.name], &p.region)
}

/// `aws secretsmanager put-secret-value`, the value on standard input.
pub fn put_secret(p: &SecretPlace, value: String) -> Command {
    aws(
        &["secretsmanager", "put-secret-value", "--secret-id", &p.name, "--secret-string", "file:///dev/stdin"],
        &p.region,
    )
    .stdin_secret(value)
}

/// `aws secretsmanager rotate-secret`: run the rotation the secret's Terraform configured.
pub fn rotate_secret(p: &SecretPlace) -> Command {
    aws(&["secretsmanager", "rotate-secret", "--secret-id", &p.name], &p.region)
}

/// What `describe-secret` says about a secret.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SecretState {
    /// It has a current value.
    pub has_value: bool,
    /// When its value last changed.
    pub last_changed: Option<String>,
    /// Rotation is on.
    pub rotation: bool,
    /// When it rotates next.
    pub next_rotation: Option<String>,
}

/// Read `describe-secret`'s answer.
pub fn secret_state(json: &str) -> Option<SecretState> {
    let v: Value = serde_json::from_str(json).ok()?;
    let text =
        |k: &str| v[k].as_str().map(str::to_owned).or_else(|| v[k].as_f64().map(|t| crate::time::format(t as i64)));
    let has_value = v["VersionIdsToStages"]
        .as_object()
        .is_some_and(|m| m.values().any(|s| s.as_array().is_some_and(|a| a.iter().any(|x| x == "AWSCURRENT"))));
    Some(SecretState {
        has_value,
        last_changed: text("LastChangedDate"),
        rotation: v["RotationEnabled"].as_bool().unwrap_or(false),
        next_rotation: text("NextRotationDate"),
    })
}

/// The service's database in one environment.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DatabasePlace {
    /// The environment.
    pub environment: String,
    /// `postgres` or `redis`.
    pub engine: String,
    /// The RDS instance (or ElastiCache group) identifier.
    pub identifier: String,
    /// The region.
    pub region: String,
    /// The port it listens on.
    pub port: u16,
    /// The database (and master user) name.
    pub database: String,
    /// The Secrets Manager secret holding its credentials.
    pub secret: String,
    /// The `Name` tag of the org's bastion in the environment, if it names one.
    pub bastion: Option<String>,
}

/// Where the database of `svc` is in `env`.
pub fn database(svc: &Service, org: &Org, env: &str) -> Result<DatabasePlace, Refused> {
    let e = environments(svc, Some(env))?[0];
    let Some(db) = e.database.as_ref() else {
        return Err(refused(
            format!("{} has no database in {env}", svc.name.value),
            "add one with `platform db create --type postgres --size small`".into(),
        ));
    };
    Ok(DatabasePlace {
        environment: env.to_owned(),
        engine: db.engine.value.as_str().to_owned(),
        identifier: naming::database_identifier(svc.aws_identity(), env),
        region: org.environment(e).aws_region.value.clone(),
        port: db.engine.value.port(),
        database: naming::database_name(svc.aws_identity()),
        secret: naming::database_secret_name(svc.aws_identity(), env),
        bastion: org.environment(e).database_bastion.as_ref().map(|b| b.value.clone()),
    })
}

/// `aws ec2 describe-instances` for the running bastion's instance ids.
pub fn bastion_command(p: &DatabasePlace, bastion: &str) -> Command {
    let tag = format!("Name=tag:Name,Values={bastion}");
    aws(
        &[
            "ec2",
            "describe-instances",
            "--filters",
            &tag,
            "Name=instance-state-name,Values=running",
            "--query",
            "Reservations[].Instances[].InstanceId",
        ],
        &p.region,
    )
}

/// `aws rds describe-db-instances` (or `elasticache describe-replication-groups`) for the
/// database's address.
pub fn endpoint_command(p: &DatabasePlace) -> Command {
    if p.engine == "postgres" {
        aws(
            &[
                "rds",
                "describe-db-instances",
                "--db-instance-identifier",
                &p.identifier,
                "--query",
                "DBInstances[0].Endpoint.Address",
            ],
            &p.region,
        )
    } else {
        aws(
            &[
                "elasticache",
                "describe-replication-groups",
                "--replication-group-id",
                &p.identifier,
                "--query",
                "ReplicationGroups[0].NodeGroups[0].PrimaryEndpoint.Address",
            ],
            &p.region,
        )
    }
}

/// `aws ssm start-session` forwarding `local` on this machine to the database through the
/// bastion (AWS's `AWS-StartPortForwardingSessionToRemoteHost` document; it needs the Session
/// Manager plugin).
pub fn forward_command(p: &DatabasePlace, instance: &str, endpoint: &str, local: u16) -> Command {
    let parameters = serde_json::json!({
        "host": [endpoint],
        "portNumber": [p.port.to_string()],
        "localPortNumber": [local.to_string()],
    })
    .to_string();
    // The session prints as it goes: no `--output`.
    in_region(
        &[
            "ssm",
            "start-session",
            "--target",
            instance,
            "--document-name",
            "AWS-StartPortForwardingSessionToRemoteHost",
            "--parameters",
            &parameters,
        ],
        &p.region,
    )
}

/// The first string of a JSON answer: a string, or the first of a list.
pub fn first_string(json: &str) -> Option<String> {
    let v: Value = serde_json::from_str(json).ok()?;
    v.as_str().or_else(|| v.get(0).and_then(Value::as_str)).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// A UTC stamp for a snapshot name: `20261204-061500`.
pub fn stamp(t: i64) -> String {
    let s = crate::time::format(t);
    format!("{}{}{}-{}{}{}", &s[0..4], &s[5..7], &s[8..10], &s[11..13], &s[14..16], &s[17..19])
}

/// `aws rds create-db-snapshot`, named by [`naming::database_manual_snapshot_identifier`].
pub fn snapshot(svc: &Service, p: &DatabasePlace, stamp: &str) -> Result<Command, Refused> {
    if p.engine != "postgres" {
        return Err(refused(
            format!("a backup of a {} database is not a `platform db backup` yet", p.engine),
            "use `aws elasticache create-snapshot`; ElastiCache keeps its own daily snapshots".into(),
        ));
    }
    let name = naming::database_manual_snapshot_identifier(svc.aws_identity(), &p.environment, stamp);
    Ok(aws(
        &["rds", "create-db-snapshot", "--db-instance-identifier", &p.identifier, "--db-snapshot-identifier", &name],
        &p.region,
    ))
}

/// `aws rds describe-db-snapshots` of the instance's manual snapshots.
pub fn snapshots(p: &DatabasePlace) -> Command {
    aws(
        &["rds", "describe-db-snapshots", "--db-instance-identifier", &p.identifier, "--snapshot-type", "manual"],
        &p.region,
    )
}

/// Read `describe-db-snapshots`: (identifier, created, status), oldest first.
pub fn snapshot_list(json: &str) -> Vec<(String, String, String)> {
    let v: Value = serde_json::from_str(json).unwrap_or_default();
    let mut out: Vec<(String, String, String)> = v["DBSnapshots"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| {
                    let t = |k: &str| s[k].as_str().unwrap_or_default().to_owned();
                    (t("DBSnapshotIdentifier"), t("SnapshotCreateTime"), t("Status"))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_state_is_read_without_its_value() {
        let json = r#"{"Name":"production/pay/stripe-key","RotationEnabled":true,"LastChangedDate":"2026-11-01T10:00:00Z",
            "NextRotationDate":"2027-01-30T00:00:00Z","VersionIdsToStages":{"v1":["AWSCURRENT"]}}"#;
        let s = secret_state(json).unwrap();
        assert!(s.has_value && s.rotation);
        assert_eq!(s.next_rotation.as_deref(), Some("2027-01-30T00:00:00Z"));
        let s = secret_state(r#"{"VersionIdsToStages":{"v1":["AWSPENDING"]},"LastChangedDate":1700000000}"#).unwrap();
        assert!(!s.has_value);
        assert_eq!(s.last_changed.as_deref(), Some("2023-11-14T22:13:20Z"));
        assert_eq!(stamp(crate::time::parse("2026-12-04T06:15:09Z").unwrap()), "20261204-061509");
    }
}
