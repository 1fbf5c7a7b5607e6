//! Risks of a change: the same inputs built at a base revision and now (`platform diff
//! --base`), compared for what a reviewer must not read as a routine text diff: a data
//! store destroyed or replaced, a service removed or renamed without its history, a move to
//! another region, account or cluster, a workload kind swap, new public exposure, weaker
//! alerting, a changed canary judgement, wider access, a removed secret, a major database
//! upgrade, less capacity.
//!
//! Each risk has a stable code (`RISKnnn`, `platform explain RISK001`) and one grade
//! ([`grade`]); it points at the input that causes it: a line of the work tree, or, for
//! something removed, the line of the base that is gone ([`Side`]). Services are matched
//! across a rename (`metadata.previousNames`), environments by name.

use platform_ir as ir;
use platform_ir::{Diagnostic, Engine, Exposure, Span};

/// The `RISK` codes: append-only, like every registry.
pub mod codes {
    platform_ir::codes! {
        RISK001 "data-store-destroyed" "a database is removed, and with it its data"
            "Grade: danger.\n\nA service's `database` is gone in an environment where the base had one. The next `terraform apply` of the service destroys the RDS instance or ElastiCache group; the final snapshot (taken only where the tier keeps one) is all that is left of the data.\n\nFix: keep the database until its data is moved or no longer needed; then remove it on purpose.";
        RISK002 "data-store-replaced" "a database is replaced by one of another engine"
            "Grade: danger.\n\nThe database of a service changes engine (PostgreSQL to Redis or back) in an environment. Terraform destroys the old store and creates an empty new one: nothing is migrated.\n\nFix: add the new store next to the old one (as a second service or a later change), move the data, then remove the old one.";
        RISK003 "service-removed" "a service is removed"
            "Grade: danger.\n\nA `platform.yaml` of the base is gone. The org root no longer declares the service's CI deploy module and namespace, so its next apply destroys the deploy role and deletes the namespace with every object in it; the service's own Terraform root (its database, role, security groups, DNS record) is applied by no one any more and stays, orphaned, in each environment's state.\n\nFix: destroy the service's own root in each environment first (a final snapshot is taken where the tier keeps one), then remove the file; or keep the file.";
        RISK004 "rename-without-history" "a service is renamed without `metadata.previousNames`"
            "Grade: danger.\n\nA `platform.yaml` at the same place has a new `metadata.name` and does not list the old one. Every AWS name, the Terraform state key and the namespace derive from the name, so the build plans a new, empty service (a new database) beside an orphaned old one.\n\nFix: add `previousNames: [<old name>]` under `metadata`: the service keeps its AWS names and state, and the org root moves its module.";
        RISK005 "location-change" "an environment moves to another region, account or cluster"
            "Grade: danger.\n\nAn org environment's `awsRegion`, `awsAccount` or `cluster` changes, or the environment is removed. Every service's resources there are created anew in the new place (empty databases), and the old ones stay, orphaned, in the old one.\n\nFix: add a new environment for the new place, move services and data to it, then retire the old one.";
        RISK006 "workload-kind-swap" "the workload changes between a Deployment and an Argo Rollout"
            "Grade: warn.\n\nTurning the canary on or off in a production environment swaps the service's workload kind. Helm deletes the old object and creates the new one in the same upgrade: every pod is replaced at once, without a canary, and a selector that does not match the old pods leaves no overlap.\n\nFix: make the change in a quiet window, or add the canary to a new service first; the review names the environments it affects.";
        RISK007 "public-exposure-added" "a service becomes reachable from the internet"
            "Grade: danger.\n\nAn ingress is added with `exposure: public`, or an internal ingress becomes public. Anyone on the internet can reach the service's paths.\n\nFix: keep `exposure: internal` unless the service is meant for the internet and its security review is done.";
        RISK008 "alerting-change" "the SLO, its alerts or its paging change"
            "Grade: warn.\n\nThe availability or latency objective changes, alerts are turned off, or an environment stops (or starts) paging. The burn-rate alert thresholds, the error budget and the canary's rollback threshold all follow the objective.\n\nFix: agree the new objective with whoever is paged; the review prints old and new values.";
        RISK009 "canary-analysis-change" "the canary is judged differently"
            "Grade: warn.\n\nThe canary's steps, analysis interval, failure limit or minimum request count change. What a bad release can do before it is rolled back changes with them.\n\nFix: check the new steps and limits against the service's traffic; the review prints old and new values.";
        RISK010 "access-widened" "the service may reach more than before"
            "Grade: warn.\n\nA dependency on another service or an egress destination is added: the NetworkPolicy, security groups and (for AWS APIs) the IAM policy let the pods reach more.\n\nFix: check that the new access is needed; the review names it.";
        RISK011 "secret-removed" "a secret is removed"
            "Grade: warn.\n\nA secret listed under `spec.secrets` at the base is gone. Its ExternalSecret and variable leave the pods; code that still reads it fails at start, and the value in the secret store is no longer synchronised.\n\nFix: remove the code that reads it first; delete the value in the secret store afterwards.";
        RISK012 "database-major-upgrade" "a database moves to a new major version"
            "Grade: warn.\n\nRDS and ElastiCache upgrade a major version in place, with downtime, and cannot go back (VAL009): a failed upgrade is a restore into a new database.\n\nFix: take a snapshot, test the application against the new major in staging first, and apply in a quiet window.";
        RISK013 "capacity-reduced" "a workload gets fewer replicas or smaller pods"
            "Grade: info.\n\nReplicas, the autoscaling maximum, or the CPU or memory request go down in an environment. Less headroom at peak; less memory can mean OOM kills.\n\nFix: check the service's load and memory use in the dashboard before merging.";
    }
}

/// How much a risk matters; `--deny` fails on this grade and above.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Grade {
    /// Worth a look.
    Info,
    /// Worth a second reviewer.
    Warn,
    /// Destroys or replaces something, or exposes it.
    Danger,
}

impl Grade {
    /// `info`, `warn` or `danger`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Grade::Info => "info",
            Grade::Warn => "warn",
            Grade::Danger => "danger",
        }
    }
}

/// The grade of a risk code: one per code, and its docs say it (a test checks).
pub fn grade(code: &ir::Code) -> Grade {
    match code.id {
        "RISK001" | "RISK002" | "RISK003" | "RISK004" | "RISK005" | "RISK007" => Grade::Danger,
        "RISK013" => Grade::Info,
        _ => Grade::Warn,
    }
}

/// Which build a risk's span points into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    /// The base: something removed, shown where it was.
    Base,
    /// The work tree.
    Head,
}

/// One risk.
#[derive(Clone, Debug)]
pub struct Risk {
    /// From the code, by [`grade`].
    pub grade: Grade,
    /// The service (its head name), or `None` for an org-wide risk.
    pub service: Option<String>,
    /// The environments it is about (in the org's order), or none for every one.
    pub environments: Vec<String>,
    /// Which build's sources the diagnostic's spans point into.
    pub side: Side,
    /// Code, message, span, label and help.
    pub diagnostic: Diagnostic,
    /// The acceptance this change adds for it (`metadata.acceptedRisks`, in the work tree).
    pub accepted: Option<ir::AcceptedRisk>,
}

/// One build of the inputs.
#[derive(Clone, Copy)]
pub struct Build<'a> {
    /// Its org.
    pub org: &'a ir::Org,
    /// Its services.
    pub services: &'a [ir::Service],
}

struct Out {
    risks: Vec<Risk>,
}

impl Out {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        code: &'static ir::Code,
        side: Side,
        service: Option<&str>,
        environment: Option<&str>,
        span: Span,
        message: String,
        label: &str,
        help: String,
    ) {
        let grade = grade(code);
        let diagnostic = if grade == Grade::Danger {
            Diagnostic::error(code, message, span, label, help)
        } else {
            Diagnostic::warning(code, message, span, label, help)
        };
        self.risks.push(Risk {
            grade,
            service: service.map(str::to_owned),
            environments: environment.map(str::to_owned).into_iter().collect(),
            side,
            diagnostic,
            accepted: None,
        });
    }
}

/// Every risk of going from `base` to `head`, the gravest first.
pub fn risks(base: Build<'_>, head: Build<'_>) -> Vec<Risk> {
    let mut out = Out { risks: Vec::new() };
    locations(base.org, head.org, &mut out);
    let matched = |b: &ir::Service| {
        head.services
            .iter()
            .find(|s| s.name.value == b.name.value || s.previous_names.iter().any(|p| p.value == b.name.value))
    };
    for was in base.services {
        if matched(was).is_some() {
            continue;
        }
        let name = &was.name.value;
        match head.services.iter().find(|s| s.dir == was.dir && !base.services.iter().any(|b| b.name.value == s.name.value)) {
            Some(now) => out.push(
                &codes::RISK004,
                Side::Head,
                Some(&now.name.value),
                None,
                now.name.span,
                format!("`{name}` is renamed to `{}` without its history: a new, empty service would replace it", now.name.value),
                "the old name is not in `metadata.previousNames`",
                format!("add `previousNames: [{name}]` under `metadata`: the service keeps its AWS names, its state and its database"),
            ),
            None => out.push(
                &codes::RISK003,
                Side::Base,
                Some(name),
                None,
                was.name.span,
                format!(
                    "`{name}` is removed: the org root deletes its namespace and deploy role, and its own resources{} are left orphaned",
                    if was.database.is_some() || was.environments.iter().any(|e| e.database.is_some()) {
                        ", its database among them,"
                    } else {
                        ""
                    }
                ),
                "this service is gone",
                "destroy the service's own Terraform root in each environment first, then remove the file; or keep it".into(),
            ),
        }
    }
    for now in head.services {
        match crate::changes::counterpart(base.services, now) {
            Some(was) => service(base, was, head, now, &mut out),
            // A new service is new access for no one, but may be new public exposure.
            None => exposure(None, now, &mut out),
        }
    }
    merge_environments(&mut out.risks);
    accept(&mut out.risks, base, head);
    out.risks.sort_by(|a, b| {
        (b.grade, &a.service, a.diagnostic.code.id, &a.environments).cmp(&(
            a.grade,
            &b.service,
            b.diagnostic.code.id,
            &b.environments,
        ))
    });
    out.risks
}

/// Mark the risks this change accepts: a service's in its file, the rest (an environment
/// moved, a service removed) in the org file; an acceptance counts only where the base does
/// not have it already, so one left behind after its merge accepts nothing later.
fn accept(risks: &mut [Risk], base: Build<'_>, head: Build<'_>) {
    for r in risks {
        let now = r.service.as_deref().and_then(|s| head.services.iter().find(|h| h.name.value == s));
        let (added, before) = match now {
            Some(now) => {
                let was_name = base_name(base, head, &now.name.value);
                let was = base.services.iter().find(|b| b.name.value == was_name);
                (&now.accepted_risks, was.map_or(&[][..], |w| &w.accepted_risks[..]))
            }
            None => (&head.org.accepted_risks, &base.org.accepted_risks[..]),
        };
        r.accepted = added
            .iter()
            .find(|a| {
                a.code == r.diagnostic.code.id
                    && !before.iter().any(|b| b.code == a.code && b.reason.value == a.reason.value)
            })
            .cloned();
    }
}

/// One risk for every environment where the same input line does the same thing: "the
/// database of `api` in staging and production is destroyed", not one report per
/// environment.
fn merge_environments(risks: &mut Vec<Risk>) {
    let mut merged: Vec<Risk> = Vec::with_capacity(risks.len());
    for r in risks.drain(..) {
        let [env] = r.environments.as_slice() else {
            merged.push(r);
            continue;
        };
        let general = |m: &str, e: &str| m.replacen(&format!(" in {e}"), " in {}", 1);
        let same = merged.iter_mut().find(|m| {
            m.diagnostic.code.id == r.diagnostic.code.id
                && m.service == r.service
                && m.side == r.side
                && m.diagnostic.primary.span == r.diagnostic.primary.span
                && m.environments.len() == 1
                && general(&m.diagnostic.message, &m.environments[0]) == general(&r.diagnostic.message, env)
        });
        match same {
            Some(m) => {
                let first = m.environments[0].clone();
                m.diagnostic.message =
                    m.diagnostic.message.replacen(&format!(" in {first}"), &format!(" in {first} and {env}"), 1);
                m.environments.push(env.clone());
            }
            None => merged.push(r),
        }
    }
    *risks = merged;
}

fn locations(base: &ir::Org, head: &ir::Org, out: &mut Out) {
    for was in &base.environments {
        let env = &was.name.value;
        let Some(now) = head.environments.iter().find(|e| &e.name.value == env) else {
            out.push(
                &codes::RISK005,
                Side::Base,
                None,
                Some(env),
                was.name.span,
                format!("environment `{env}` is removed: every service's resources there are left orphaned"),
                "this environment is gone",
                "move the services out of it first (remove it from their `environments`), then retire it".into(),
            );
            continue;
        };
        for (what, old, new) in [
            ("AWS region", &was.aws_region, &now.aws_region),
            ("AWS account", &was.aws_account, &now.aws_account),
            ("cluster", &was.cluster, &now.cluster),
        ] {
            if old.value != new.value {
                out.push(
                    &codes::RISK005,
                    Side::Head,
                    None,
                    Some(env),
                    new.span,
                    format!(
                        "environment `{env}` moves from {what} `{}` to `{}`: every service there is created anew, with empty databases",
                        old.value, new.value
                    ),
                    "a new place for every service",
                    format!("keep `{}` and add a new environment for the new {what}; move the services to it one by one", old.value),
                );
            }
        }
    }
}

/// The base's name of a head service: its own, a previous name, or that of the service
/// whose file was at the same place.
fn base_name<'a>(base: Build<'a>, head: Build<'a>, name: &'a str) -> &'a str {
    let Some(now) = head.services.iter().find(|s| s.name.value == name) else { return name };
    crate::changes::counterpart(base.services, now)
        .or_else(|| base.services.iter().find(|b| b.dir == now.dir))
        .map_or(name, |b| b.name.value.as_str())
}

fn service(base: Build<'_>, was: &ir::Service, head: Build<'_>, now: &ir::Service, out: &mut Out) {
    let (base_org, head_org) = (base.org, head.org);
    let svc = now.name.value.as_str();
    alerting(base_org, was, head_org, now, out);
    canary_analysis(was, now, out);
    exposure(Some(was), now, out);
    access(was, now, |n| base_name(base, head, n), out);
    for secret in &was.secrets {
        if !now.secrets.iter().any(|s| s.name.value == secret.name.value) {
            out.push(
                &codes::RISK011,
                Side::Base,
                Some(svc),
                None,
                secret.name.span,
                format!(
                    "secret `{}` of `{svc}` is removed: code that still reads it fails at start",
                    secret.name.value
                ),
                "this secret is gone",
                "remove the code that reads it first; delete its value in the secret store afterwards".into(),
            );
        }
    }
    for env in &now.environments {
        let Some(old) = was.environments.iter().find(|e| e.name.value == env.name.value) else { continue };
        let name = env.name.value.as_str();
        databases(svc, name, was, old, env, out);
        let (canary_was, canary_now) =
            (ir::deploy::canary(was, base_org.environment(old)), ir::deploy::canary(now, head_org.environment(env)));
        match (canary_was, canary_now) {
            (None, Some(c)) => out.push(
                &codes::RISK006,
                Side::Head,
                Some(svc),
                Some(name),
                c.span,
                format!("`{svc}` in {name} swaps its Deployment for an Argo Rollout: every pod is replaced at once"),
                "the canary starts here",
                "deploy the change in a quiet window; the canary judges the releases after it".into(),
            ),
            (Some(c), None) => out.push(
                &codes::RISK006,
                Side::Base,
                Some(svc),
                Some(name),
                c.span,
                format!(
                    "`{svc}` in {name} swaps its Argo Rollout for a Deployment: every pod is replaced at once, and no canary judges releases any more"
                ),
                "the canary was here",
                "keep the canary, or deploy the change in a quiet window".into(),
            ),
            _ => {}
        }
        capacity(svc, name, &old.runtime, &env.runtime, out);
    }
}

fn databases(
    svc: &str,
    env: &str,
    was: &ir::Service,
    old: &ir::ServiceEnvironment,
    new: &ir::ServiceEnvironment,
    out: &mut Out,
) {
    match (&old.database, &new.database) {
        (Some(before), None) => {
            let span = was.database.as_ref().map_or(before.engine.span, |d| d.engine.span);
            out.push(
                &codes::RISK001,
                Side::Base,
                Some(svc),
                Some(env),
                span,
                format!("the {} database of `{svc}` in {env} is destroyed, and its data with it", before.engine.value),
                "this database is gone",
                "keep the database until its data is moved or no longer needed".into(),
            );
        }
        (Some(before), Some(after)) if before.engine.value != after.engine.value => out.push(
            &codes::RISK002,
            Side::Head,
            Some(svc),
            Some(env),
            after.engine.span,
            format!(
                "the {} database of `{svc}` in {env} is replaced by an empty {} one",
                before.engine.value, after.engine.value
            ),
            "a new engine is a new database",
            "add the new store beside the old one, move the data, then remove the old one".into(),
        ),
        (Some(before), Some(after)) if major(&after.version.value) > major(&before.version.value) => out.push(
            &codes::RISK012,
            Side::Head,
            Some(svc),
            Some(env),
            after.version.span,
            format!(
                "the {} database of `{svc}` in {env} upgrades from major version {} to {}: downtime, and no way back",
                after.engine.value, before.version.value, after.version.value
            ),
            "a new major version",
            format!(
                "snapshot first and test the service against {} {} in staging; {} cannot downgrade",
                after.engine.value,
                after.version.value,
                if after.engine.value == Engine::Redis { "ElastiCache" } else { "RDS" }
            ),
        ),
        _ => {}
    }
}

fn major(version: &str) -> u32 {
    version.split('.').next().and_then(|m| m.parse().ok()).unwrap_or(0)
}

fn alerting(base_org: &ir::Org, was: &ir::Service, head_org: &ir::Org, now: &ir::Service, out: &mut Out) {
    let svc = now.name.value.as_str();
    let (a, b) = (&was.monitoring, &now.monitoring);
    let slo = |m: &ir::Monitoring| m.slo.as_ref().map(|s| (format!("{}%", s.value.percent()), s.span));
    objective(
        out,
        now,
        "availability objective",
        slo(a),
        slo(b),
        ": its error budget, burn-rate alerts and canary rollback threshold follow",
    );
    let latency = |m: &ir::Monitoring| {
        m.latency.as_ref().map(|l| {
            (format!("{}% under {} ms", l.objective.value.percent(), l.threshold_ms.value), l.threshold_ms.span)
        })
    };
    objective(out, now, "latency objective", latency(a), latency(b), "");
    if a.alerts.value && !b.alerts.value {
        out.push(
            &codes::RISK008,
            Side::Head,
            Some(svc),
            None,
            b.alerts.span,
            format!("`{svc}` stops alerting: nobody hears when it breaks its objective"),
            "alerts turned off",
            "keep alerts on; to silence a noisy alert, fix its objective instead".into(),
        );
    }
    for env in &now.environments {
        let Some(old) = was.environments.iter().find(|e| e.name.value == env.name.value) else { continue };
        let paged = |org: &ir::Org, s: &ir::Service, e: &ir::ServiceEnvironment| {
            s.monitoring.alerts.value && org.environment(e).paging.value && org.tier(s.tier.value).paging.value
        };
        let (before, after) = (paged(base_org, was, old), paged(head_org, now, env));
        if before && !after {
            let name = env.name.value.as_str();
            let span =
                if now.tier.value != was.tier.value { now.tier.span } else { head_org.environment(env).paging.span };
            out.push(
                &codes::RISK008,
                Side::Head,
                Some(svc),
                Some(name),
                span,
                format!("`{svc}` in {name} stops paging: its alerts reach a channel, not a person"),
                "paging stops here",
                "keep paging for a service whose outage someone must answer at night".into(),
            );
        }
    }
}

/// RISK008 for an objective (`what`) that changes, shown as text, at the work tree's line,
/// or at the base's for one removed.
fn objective(
    out: &mut Out,
    now: &ir::Service,
    what: &str,
    before: Option<(String, Span)>,
    after: Option<(String, Span)>,
    consequence: &str,
) {
    let text = |o: &Option<(String, Span)>| o.as_ref().map_or("none".to_owned(), |(t, _)| t.clone());
    if text(&before) == text(&after) {
        return;
    }
    let (side, span) = match (&after, &before) {
        (Some((_, s)), _) => (Side::Head, *s),
        (None, Some((_, s))) => (Side::Base, *s),
        (None, None) => (Side::Head, now.name.span),
    };
    let svc = now.name.value.as_str();
    out.push(
        &codes::RISK008,
        side,
        Some(svc),
        None,
        span,
        format!("the {what} of `{svc}` goes from {} to {}{consequence}", text(&before), text(&after)),
        &format!("a new {what}"),
        "agree the new objective with whoever is paged for this service".into(),
    );
}

fn canary_analysis(was: &ir::Service, now: &ir::Service, out: &mut Out) {
    let (Some(a), Some(b)) = (&was.deployment.canary, &now.deployment.canary) else { return };
    let svc = now.name.value.as_str();
    let steps = |c: &ir::Canary| {
        c.steps
            .iter()
            .map(|s| match s {
                ir::CanaryStep::SetWeight(w) => format!("{}%", w.value),
                ir::CanaryStep::Pause(d) => format!("pause {}", d.value),
                ir::CanaryStep::Analysis(_) => "analysis".to_owned(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut changed = Vec::new();
    let mut span = None;
    if steps(a) != steps(b) {
        changed.push(format!("steps [{}] → [{}]", steps(a), steps(b)));
        span = span.or(Some(b.span));
    }
    if a.analysis_interval.value != b.analysis_interval.value {
        changed.push(format!("analysis interval {} → {}", a.analysis_interval.value, b.analysis_interval.value));
        span = span.or(Some(b.analysis_interval.span));
    }
    if a.failure_limit.value != b.failure_limit.value {
        changed.push(format!("failure limit {} → {}", a.failure_limit.value, b.failure_limit.value));
        span = span.or(Some(b.failure_limit.span));
    }
    if a.min_requests.value != b.min_requests.value {
        changed.push(format!("minimum requests {} → {}", a.min_requests.value, b.min_requests.value));
        span = span.or(Some(b.min_requests.span));
    }
    if let Some(span) = span {
        out.push(
            &codes::RISK009,
            Side::Head,
            Some(svc),
            None,
            span,
            format!("the canary of `{svc}` is judged differently: {}", changed.join("; ")),
            "a new canary judgement",
            "check the new steps and limits against the service's traffic".into(),
        );
    }
}

fn exposure(was: Option<&ir::Service>, now: &ir::Service, out: &mut Out) {
    let Some(ingress) = &now.ingress else { return };
    if ingress.exposure.value != Exposure::Public {
        return;
    }
    let before = was.map(|w| w.ingress.as_ref().map(|i| i.exposure.value));
    if before == Some(Some(Exposure::Public)) {
        return;
    }
    let svc = now.name.value.as_str();
    out.push(
        &codes::RISK007,
        Side::Head,
        Some(svc),
        None,
        ingress.exposure.span,
        format!(
            "`{svc}` becomes reachable from the internet{}",
            match before {
                Some(Some(_)) => " (its ingress was internal)",
                Some(None) => " (it had no ingress)",
                None => " (a new service)",
            }
        ),
        "public from here",
        "keep `exposure: internal` unless the service is meant for the internet and its security review is done".into(),
    );
}

fn access<'a>(was: &ir::Service, now: &'a ir::Service, base_name: impl Fn(&'a str) -> &'a str, out: &mut Out) {
    let svc = now.name.value.as_str();
    for dep in &now.depends_on {
        if !was.depends_on.iter().any(|d| d.service.value == base_name(&dep.service.value)) {
            out.push(
                &codes::RISK010,
                Side::Head,
                Some(svc),
                None,
                dep.service.span,
                format!("`{svc}` may now reach `{}` on port {}", dep.service.value, dep.port),
                "new access",
                "check that the dependency is needed; its NetworkPolicy opens the port to this service's pods".into(),
            );
        }
    }
    for egress in &now.egress {
        let old = was.egress.iter().any(|e| e.cidrs == egress.cidrs && e.ports == egress.ports);
        if !old {
            out.push(
                &codes::RISK010,
                Side::Head,
                Some(svc),
                None,
                egress.span,
                format!(
                    "`{svc}` may now reach {} on port{} {}",
                    egress.cidrs.join(", "),
                    if egress.ports.len() == 1 { "" } else { "s" },
                    egress.ports.iter().map(u16::to_string).collect::<Vec<_>>().join(", ")
                ),
                "new egress",
                "check that the destination is needed and as narrow as it can be".into(),
            );
        }
    }
}

fn capacity(svc: &str, env: &str, was: &ir::Runtime, now: &ir::Runtime, out: &mut Out) {
    let mut less = Vec::new();
    let mut span = None;
    if now.replicas.value < was.replicas.value {
        less.push(format!("replicas {} → {}", was.replicas.value, now.replicas.value));
        span = span.or(Some(now.replicas.span));
    }
    if let (Some(a), Some(b)) = (&was.autoscaling, &now.autoscaling)
        && b.max.value < a.max.value
    {
        less.push(format!("autoscaling maximum {} → {}", a.max.value, b.max.value));
        span = span.or(Some(b.max.span));
    }
    if now.cpu.value < was.cpu.value {
        less.push(format!("cpu {} → {}", was.cpu.value, now.cpu.value));
        span = span.or(Some(now.cpu.span));
    }
    if now.memory.value < was.memory.value {
        less.push(format!("memory {} → {}", was.memory.value, now.memory.value));
        span = span.or(Some(now.memory.span));
    }
    if let Some(span) = span {
        out.push(
            &codes::RISK013,
            Side::Head,
            Some(svc),
            Some(env),
            span,
            format!("`{svc}` in {env} gets less capacity: {}", less.join(", ")),
            "less capacity",
            "check the service's load and memory use in its dashboard before merging".into(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_says_its_grade() {
        for c in codes::ALL {
            assert!(c.docs.starts_with(&format!("Grade: {}.", grade(c).as_str())), "{}", c.id);
        }
    }

    #[test]
    fn majors_compare_by_number() {
        assert!(major("17.2") > major("16.9"));
        assert_eq!(major("7.1"), 7);
        assert_eq!(major("x"), 0);
    }
}
