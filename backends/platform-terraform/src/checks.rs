//! What this backend checks before it writes anything: AWS naming rules beyond length (the
//! compiler checks lengths against `naming::DERIVED`), the state backend and version pins of
//! the org file, one database engine across environments, and size classes that RDS and
//! ElastiCache would refuse. Each finding points at the span that causes it.

use platform_ir::{Diagnostic, Engine, Org, Service, naming};

use crate::diagnostics;
use crate::versions::state_bucket;

/// Every problem with this service's Terraform, sorted later by the driver.
pub fn check(org: &Org, svc: &Service) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    identifiers(org, svc, &mut out);
    backend(org, svc, &mut out);
    databases(svc, &mut out);
    out
}

/// Character rules of the identifiers derived from the service name.
fn identifiers(org: &Org, svc: &Service, out: &mut Vec<Diagnostic>) {
    let name = &svc.name;
    let Some(env) = org.environments.first() else { return };
    let env = &env.name.value;
    let fixed = name.value.split('-').filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-");
    if svc.database.is_some() || svc.environments.iter().any(|e| e.database.is_some()) {
        let id = naming::database_identifier(&name.value, env);
        if id.contains("--") {
            let what = match svc.database.as_ref().map(|d| d.engine.value) {
                Some(Engine::Redis) => "ElastiCache replication group id",
                _ => "RDS instance identifier",
            };
            out.push(diagnostics::invalid_aws_identifier(
                name,
                what,
                &id,
                "it may not contain two hyphens in a row",
                Some(fixed.clone()),
            ));
        }
        let sg = naming::pod_security_group_name(&name.value, env);
        if sg.starts_with("sg-") {
            out.push(diagnostics::invalid_aws_identifier(
                name,
                "security group name",
                &sg,
                "security group names may not start with `sg-`",
                None,
            ));
        }
    }
}

/// The state bucket, lock table and version constraints of the org file.
fn backend(org: &Org, svc: &Service, out: &mut Vec<Diagnostic>) {
    let tf = &org.terraform;
    for e in &svc.environments {
        let env = org.environment(e);
        let bucket = state_bucket(org, &crate::root::Env { org: env, svc: e });
        if !is_bucket_name(&bucket) {
            out.push(diagnostics::invalid_state_backend(
                &tf.state_bucket,
                "state bucket",
                Some(&env.name.value),
                &bucket,
                "S3 bucket names are 3 to 63 lowercase letters, digits, `.` and `-`, starting and ending with a letter or digit; the placeholders are `{env}` and `{account}`",
            ));
            break;
        }
    }
    if let Some(table) = tf.lock_table() {
        let ok =
            (3..=255).contains(&table.len()) && table.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b));
        if !ok {
            out.push(diagnostics::invalid_state_backend(
                table,
                "lock table",
                None,
                table,
                "DynamoDB table names are 3 to 255 letters, digits, `_`, `-` and `.`",
            ));
        }
    }
    let source = tf.module_source.value.trim();
    if !source.is_empty() && !is_pinned_module_source(source) {
        out.push(diagnostics::module_source_not_pinned(&tf.module_source));
    }
    for (setting, what) in [
        (&tf.required_version, "Terraform"),
        (&tf.aws_provider, "the AWS provider"),
        (&tf.random_provider, "the random provider"),
        (&tf.kubernetes_provider, "the Kubernetes provider"),
    ] {
        if !is_version_constraint(&setting.value) {
            out.push(diagnostics::invalid_version_constraint(setting, what));
        }
    }
    if tf.lock_table().is_none()
        && is_version_constraint(&tf.required_version.value)
        && admits_below(&tf.required_version.value, LOCKFILE_SINCE)
    {
        out.push(diagnostics::lockfile_needs_terraform(&tf.required_version, &tf.lock_table));
    }
}

/// The first Terraform release whose S3 backend locks state with a `.tflock` object.
pub const LOCKFILE_SINCE: [u64; 3] = [1, 11, 0];

/// True when the constraint admits some version below `floor`: its lower bound (the highest
/// of its `>=`, `>`, `~>` and `=` terms; none means 0) is below `floor`. For a constraint
/// [`is_version_constraint`] accepts.
pub fn admits_below(constraint: &str, floor: [u64; 3]) -> bool {
    let mut lower = [0u64; 3];
    for term in constraint.split(',') {
        let t = term.trim();
        let op = ["~>", ">=", "<=", "!=", ">", "<", "="].into_iter().find(|op| t.starts_with(op)).unwrap_or("=");
        if matches!(op, "<" | "<=" | "!=") {
            continue;
        }
        let rest = t.strip_prefix(op).unwrap_or(t).trim();
        let core = rest.split('-').next().unwrap_or(rest);
        let mut v = [0u64; 3];
        for (slot, n) in v.iter_mut().zip(core.split('.')) {
            *slot = n.parse().unwrap_or(0);
        }
        lower = lower.max(v);
    }
    lower < floor
}

/// One engine everywhere, and size classes RDS / ElastiCache accept.
fn databases(svc: &Service, out: &mut Vec<Diagnostic>) {
    let envs = &svc.environments;
    match &svc.database {
        Some(base) => {
            let expected = format!("has a {} database", base.engine.value);
            for env in envs {
                let found = match &env.database {
                    None => "no database".to_owned(),
                    Some(d) if d.engine.value != base.engine.value => format!("a {} database", d.engine.value),
                    Some(_) => continue,
                };
                let at = env.database.as_ref().map_or(base.engine.span, |d| d.engine.span);
                out.push(diagnostics::database_differs(at, &env.name.value, &found, &expected, base.engine.span));
                return;
            }
        }
        None => {
            if let Some((env, d)) = envs.iter().find_map(|e| e.database.as_ref().map(|d| (e, d))) {
                let found = format!("a {} database", d.engine.value);
                out.push(diagnostics::database_differs(
                    d.engine.span,
                    &env.name.value,
                    &found,
                    "has none in `spec`",
                    svc.name.span,
                ));
                return;
            }
        }
    }
    let mut seen = Vec::new();
    for db in svc.environments.iter().filter_map(|e| e.database.as_ref()) {
        if seen.contains(&db.size.value) {
            continue;
        }
        seen.push(db.size.value.clone());
        let (want, engine) = match db.engine.value {
            Engine::Postgres => ("db.", "postgres"),
            Engine::Redis => ("cache.", "redis"),
        };
        let class = &db.instance_class.value;
        let parts: Vec<&str> = class.split('.').collect();
        let class_ok = class.starts_with(want)
            && parts.len() == 3
            && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        if !class_ok {
            out.push(diagnostics::invalid_instance_class(&db.instance_class, engine, want));
        }
    }
    let database = svc.environments.iter().find_map(|e| e.database.as_ref());
    if let (Some(db), Some(s)) = (database, svc.secrets.iter().find(|s| s.name.value == "database")) {
        out.push(diagnostics::secret_name_collision(&s.name, db.engine.span));
    }
}

/// An S3 bucket name (general purpose buckets).
pub fn is_bucket_name(s: &str) -> bool {
    let b = s.as_bytes();
    (3..=63).contains(&b.len())
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'.' || *c == b'-')
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && !s.contains("..")
        && !s.split('.').all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
}

/// A module source that cannot move: a local path, or a git source whose `ref` is a full
/// commit hash.
pub fn is_pinned_module_source(s: &str) -> bool {
    if s.starts_with("./") || s.starts_with("../") {
        return true;
    }
    let git = s.starts_with("git::") || s.starts_with("github.com/") || s.starts_with("git@");
    let sha = s.rsplit_once("ref=").map(|(_, r)| r.split('&').next().unwrap_or(r));
    git && sha.is_some_and(|r| r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A Terraform version constraint: comma-separated `[op] version` terms.
pub fn is_version_constraint(s: &str) -> bool {
    !s.trim().is_empty()
        && s.split(',').all(|term| {
            let t = term.trim();
            let rest =
                ["~>", ">=", "<=", "!=", ">", "<", "="].iter().find_map(|op| t.strip_prefix(op)).unwrap_or(t).trim();
            let (core, pre) = rest.split_once('-').map_or((rest, None), |(c, p)| (c, Some(p)));
            let nums: Vec<&str> = core.split('.').collect();
            (1..=3).contains(&nums.len())
                && nums.iter().all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                && pre.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_bounds_of_constraints() {
        for below in [">= 1.6.0", "> 1.10.5", "~> 1.10", "1.9.8", "< 2.0.0", "!= 1.12.0", ">= 1.10, < 1.12"] {
            assert!(admits_below(below, LOCKFILE_SINCE), "{below}");
        }
        for not in [">= 1.11.0", "~> 1.11", "= 1.14.6", ">= 1.6.0, >= 1.11", "1.12.0-beta1", ">= 2"] {
            assert!(!admits_below(not, LOCKFILE_SINCE), "{not}");
        }
    }

    #[test]
    fn bucket_names() {
        assert!(is_bucket_name("acme-staging-terraform-state"));
        assert!(!is_bucket_name("Acme_State"));
        assert!(!is_bucket_name("ab"));
        assert!(!is_bucket_name("a..b"));
        assert!(!is_bucket_name("192.168.1.1"));
        assert!(!is_bucket_name("acme-{region}-state"));
    }

    #[test]
    fn module_sources() {
        assert!(is_pinned_module_source("./modules/platform-service"));
        assert!(is_pinned_module_source(
            "git::https://github.com/acme/m.git//svc?ref=0123456789abcdef0123456789abcdef01234567"
        ));
        assert!(!is_pinned_module_source("git::https://github.com/acme/m.git//svc?ref=v3.2.0"));
        assert!(!is_pinned_module_source("git::https://github.com/acme/m.git//svc"));
        assert!(!is_pinned_module_source("acme/platform-service/aws"));
    }

    #[test]
    fn version_constraints() {
        for ok in ["~> 5.99", ">= 1.6.0", ">= 1.6, < 2.0", "= 3.6.3", "3.6", "1.0.0-beta1"] {
            assert!(is_version_constraint(ok), "{ok}");
        }
        for bad in ["", "5.x", "~>", "latest", ">= 1.6.0,", "v5"] {
            assert!(!is_version_constraint(bad), "{bad}");
        }
    }
}
