//! Changes no apply can make: the same services built at a base revision and now
//! (`platform diff --base`), compared environment by environment. A service is matched
//! across a rename (`metadata.previousNames`).
//!
//! - `VAL009`: a database version lower than the base's. RDS and ElastiCache upgrade in
//!   place and never downgrade (`ModifyDBInstance` refuses a lower `EngineVersion`); going
//!   back is a restore into a new database.
//! - `VAL010`: PostgreSQL storage smaller than the base's. RDS never shrinks allocated
//!   storage.

use platform_ir as ir;
use platform_ir::{Database, Diagnostic, Engine};

use crate::codes;

/// The base's build of the work tree's service `now`: the service of the same name, or
/// one `now` was renamed from (`metadata.previousNames`). The one rule by which a review
/// matches services across a change.
pub fn counterpart<'a>(base: &'a [ir::Service], now: &ir::Service) -> Option<&'a ir::Service> {
    base.iter()
        .find(|b| b.name.value == now.name.value)
        .or_else(|| base.iter().find(|b| now.previous_names.iter().any(|p| p.value == b.name.value)))
}

/// Every change from `base` to `head` that no apply can make.
pub fn impossible(base: &[ir::Service], head: &[ir::Service]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for svc in head {
        let Some(was) = counterpart(base, svc) else { continue };
        for env in &svc.environments {
            let Some(old_env) = was.environments.iter().find(|e| e.name.value == env.name.value) else { continue };
            let (Some(now), Some(before)) = (&env.database, &old_env.database) else { continue };
            if now.engine.value != before.engine.value {
                continue;
            }
            databases(&svc.name.value, &env.name.value, before, now, &mut out);
        }
    }
    ir::diagnostic::sort(&mut out);
    out.dedup_by(|a, b| a.code == b.code && a.primary.span == b.primary.span);
    out
}

fn databases(svc: &str, env: &str, before: &Database, now: &Database, out: &mut Vec<Diagnostic>) {
    let engine = now.engine.value;
    if version_key(&now.version.value) < version_key(&before.version.value) {
        out.push(Diagnostic::error(
            &codes::VAL009,
            format!(
                "the {engine} database of `{svc}` in {env} would go from version {} down to {}",
                before.version.value, now.version.value
            ),
            now.version.span,
            "lower than the version it runs",
            format!(
                "{} upgrades in place but never downgrades: keep `version: {}`; to go back, restore a snapshot into a new database and move the service to it",
                if engine == Engine::Redis { "ElastiCache" } else { "RDS" },
                before.version.value
            ),
        ));
    }
    if engine == Engine::Postgres && now.storage_gib.value < before.storage_gib.value {
        out.push(Diagnostic::error(
            &codes::VAL010,
            format!(
                "the database of `{svc}` in {env} would shrink from {} GiB to {} GiB of storage",
                before.storage_gib.value, now.storage_gib.value
            ),
            now.size.span,
            "less storage than it has",
            format!(
                "RDS never shrinks allocated storage: keep a size with at least {} GiB, or move the data to a new, smaller database",
                before.storage_gib.value
            ),
        ));
    }
}

/// `16.4` → `[16, 4]`; a part that is not a number counts as 0.
fn version_key(v: &str) -> Vec<u32> {
    v.split('.').map(|p| p.parse().unwrap_or(0)).collect()
}

#[cfg(test)]
mod tests {
    use super::version_key;

    #[test]
    fn versions_compare_by_number() {
        assert!(version_key("15.10") > version_key("15.9"));
        assert!(version_key("16") > version_key("15.12"));
        assert!(version_key("16.0") > version_key("16"));
        assert_eq!(version_key("7.1"), vec![7, 1]);
    }
}
