//! A packaged chart's SLO burn-rate alerts, from the org's library chart: one alert per
//! window of the org's catalog ([`platform_ir::slo::alert_group`]) is the same text for
//! every service but for its name, team and tier, its objective's numbers, and the
//! environment it is rendered for. The library writes them once
//! (`platform-service.sloAlerts`, in `templates/_slo.tpl`, beside the recording rules of
//! [`crate::slo_records`]), from the same function run on placeholders that become template
//! actions: one text per kind of SLO and per whether the tier pages (the org's tiers that
//! page are a list in the library). A chart keeps the choice of its environments, which sets
//! `$environment` and `$severity` exactly as its own alerts would, and passes both:
//!
//! ```text
//! {{- include "platform-service.sloAlerts" (dict "Values" .Values "environment" $environment "severity" $severity) }}
//! ```
//!
//! Each chart's alerts are rendered back from the placeholders with its values, in every
//! environment and without one, and compared field by field with its own: where anything
//! would differ (a name YAML would read as another type, a service without a dashboard),
//! the chart keeps its literal alerts. `tests/helm.rs` renders every packaged chart with
//! real Helm and compares its objects with the vendored chart's.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::rc::Rc;

use platform_ir::slo::{self, Alerting, ENVIRONMENT_LABEL, PAGE, RuleGroup, SEVERITY_LABEL, Slo, SloKind};
use platform_ir::span::{Sp, Span};
use platform_ir::{BurnWindow, MetricConvention, Org, Tier, deploy, naming};
use serde_json::{Value, json};

use crate::library::NAME;
use crate::slo_records::{
    ERRORS, HISTOGRAM, Hole, KINDS, REQUESTS, SERVICE, block, fill, groups_text, placeholder_slo, plain, quoted,
    with_actions,
};
use crate::{Chart, memo};

const TEAM: Hole = Hole { placeholder: "platform-placeholder-team", action: "{{ $team }}" };
const TIER: Hole = Hole { placeholder: "platform-placeholder-tier", action: "{{ $tier }}" };
/// The environment the library's text is written for: one that pages, so a page window's
/// severity is the chart's `$severity`.
const ENVIRONMENT: &str = "platform-placeholder-environment";

/// The placeholders of an SLO's numbers in its alerts, each in its context, and their
/// actions: the budget in the threshold, the budget and the objective in percent, and a
/// latency threshold in milliseconds.
fn number_holes(s: &Slo) -> Vec<(String, &'static str)> {
    let mut out = vec![
        (format!("* {})", s.budget()), "* {{ $o.budget }})"),
        (format!("budget of {} %", s.budget().percent()), "budget of {{ $o.budgetPercent }} %"),
        (format!("(objective {} %", s.objective.percent()), "(objective {{ $o.objectivePercent }} %"),
    ];
    if let Some(ms) = s.threshold_ms {
        out.push((format!("slower than {ms} ms"), "slower than {{ $o.ms }} ms"));
    }
    out
}

/// Every placeholder of the alerts of an SLO of `kind`, and its action.
fn holes(kind: SloKind) -> Vec<(String, &'static str)> {
    let mut out = number_holes(&placeholder_slo(kind));
    out.extend([&SERVICE, &TEAM, &TIER].map(|h| (h.placeholder.to_owned(), h.action)));
    out
}

/// What fills the holes of [`holes`] for a chart's SLO `s`.
fn values_of(c: &Chart<'_>, s: &Slo) -> Vec<String> {
    let mut out: Vec<String> = number_holes(s).into_iter().map(|(v, _)| v).collect();
    out.extend([c.name.clone(), c.svc.team.value.clone(), c.svc.tier.value.as_str().to_owned()]);
    out
}

/// The alerts of an SLO of `kind` with placeholders, for a tier that pages or not, in
/// `environment` (its name, and whether it pages).
fn placeholders(org: &Org, kind: SloKind, paging: bool, environment: Option<(&str, bool)>) -> Rc<Option<RuleGroup>> {
    type Key = (SloKind, bool, Option<(String, bool)>, u32, Vec<BurnWindow>, String, String);
    thread_local! {
        static MADE: memo::Store<Key, Option<RuleGroup>> = const { RefCell::new(Vec::new()) };
    }
    let runbook = naming::runbook_url(&org.monitoring.runbook_base_url.value, SERVICE.placeholder);
    let dashboard = deploy::dashboard_url_of(org, SERVICE.placeholder);
    let key = (
        kind,
        paging,
        environment.map(|(e, p)| (e.to_owned(), p)),
        org.monitoring.slo_period_days.value,
        org.monitoring.windows.clone(),
        runbook.clone(),
        dashboard.clone(),
    );
    memo::cached(&MADE, key, || placeholders_of(org, kind, paging, environment, runbook, dashboard))
}

fn placeholders_of(
    org: &Org,
    kind: SloKind,
    paging: bool,
    environment: Option<(&str, bool)>,
    runbook: String,
    dashboard: String,
) -> Option<RuleGroup> {
    let alerting = Alerting {
        service: SERVICE.placeholder,
        team: TEAM.placeholder,
        tier: TIER.placeholder,
        paging,
        period_days: org.monitoring.slo_period_days.value,
        windows: &org.monitoring.windows,
        environment,
        runbook,
        dashboard: Some(dashboard),
    };
    slo::alert_group(&alerting, &placeholder_slo(kind))
}

/// A label of the library's alerts: the environment only where there is one, a page
/// window's severity the chart's `$severity`, any other as it is.
fn label(k: &str, v: &str) -> String {
    match k {
        ENVIRONMENT_LABEL => format!("{{{{- with $environment }}}}\n        {k}: {{{{ . }}}}\n{{{{- end }}}}\n"),
        SEVERITY_LABEL if v == PAGE => format!("        {k}: {{{{ $severity }}}}\n"),
        _ => format!("        {k}: {v}\n"),
    }
}

/// The tiers of the org that page, as the library's `list` of them.
fn paging_tiers(org: &Org) -> String {
    let tiers: Vec<String> =
        Tier::ALL.iter().filter(|t| org.tier(**t).paging.value).map(|t| format!("{:?}", t.as_str())).collect();
    if tiers.is_empty() { "(list)".to_owned() } else { format!("(list {})", tiers.join(" ")) }
}

/// The library's `platform-service.sloAlerts`: the alerts of every objective in
/// `.Values.slo`, for the `environment` and `severity` the including chart passes.
pub fn define(org: &Org) -> String {
    let mut out = crate::library::define_head(
        "The SLO burn-rate alerts of a service, from its values `name`, `team`, `tier` and `slo`; a packaged chart's templates/platform.yaml includes it after its environment choice, with (dict \"Values\" .Values \"environment\" $environment \"severity\" $severity).",
        "sloAlerts",
        &[
            ("svc", ".Values.name"),
            ("team", ".Values.team"),
            ("tier", ".Values.tier"),
            ("environment", ".environment"),
            ("severity", ".severity"),
        ],
    );
    let _ = writeln!(out, "{{{{- $pages := has $tier {} }}}}", paging_tiers(org));
    out.push_str("{{- range $o := .Values.slo.objectives }}\n");
    let mut first = true;
    for kind in KINDS {
        for paging in [true, false] {
            let keyword = if first { "if" } else { "else if" };
            first = false;
            let test = format!("eq $o.kind \"{}\"", kind.as_str());
            let test = if paging { format!("and $pages ({test})") } else { test };
            let _ = writeln!(out, "{{{{- {keyword} {test} }}}}");
            if let Some(g) = &*placeholders(org, kind, paging, Some((ENVIRONMENT, true))) {
                let holes = holes(kind);
                out.push_str(&with_actions(&groups_text(std::slice::from_ref(g), label), &holes));
            }
        }
    }
    out.push_str("{{- end }}\n{{- end }}\n{{- end }}\n");
    out
}

/// The placeholders of the info series and their actions.
fn info_holes() -> Vec<(String, &'static str)> {
    [&SERVICE, &TEAM, &REQUESTS, &ERRORS, &HISTOGRAM].map(|h| (h.placeholder.to_owned(), h.action)).to_vec()
}

/// The info series as a chart's one copy of its rules writes it after its alerts, with
/// placeholders: in an environment (its `environment` label in a `with $environment`
/// block) and without one.
fn info_placeholder_text() -> Option<&'static str> {
    static TEXT: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    TEXT.get_or_init(info_text).as_deref()
}

fn info_text() -> Option<String> {
    let hole = |h: &Hole| Sp::new(h.placeholder.to_owned(), Span::default());
    let metrics = MetricConvention {
        requests_total: hole(&REQUESTS),
        error_selector: hole(&ERRORS),
        duration_histogram: hole(&HISTOGRAM),
    };
    let info = |env| [slo::info_group_of(SERVICE.placeholder, TEAM.placeholder, &metrics, env)];
    let (with_env, without) = (info(Some(ENVIRONMENT)), info(None));
    let variants: [(Option<&str>, &[RuleGroup]); 2] = [(Some(ENVIRONMENT), &with_env), (None, &without)];
    let (_, tails) = crate::templates::one_tail(&variants, true, 0)?;
    Some(tails.concat())
}

/// The library's `platform-service.sloInfo`: the info series of the service in the
/// `environment` the including chart passes.
pub fn info_define() -> String {
    let mut out = crate::library::define_head(
        "The info series of a service (platform:service:info), from its values `name`, `team` and `slo.metrics`; a packaged chart's templates/platform.yaml includes it after its alerts, with (dict \"Values\" .Values \"environment\" $environment).",
        "sloInfo",
        &[
            ("svc", ".Values.name"),
            ("team", ".Values.team"),
            ("m", ".Values.slo.metrics"),
            ("environment", ".environment"),
        ],
    );
    out.push_str(&with_actions(info_placeholder_text().unwrap_or_default(), &info_holes()));
    out.push_str("{{- end }}\n");
    out
}

/// `tail` (a chart's rules after its alerts) with its info series, where it ends with the
/// library's filled with the chart's values, included from the library instead.
fn with_library_info(c: &Chart<'_>, tail: String) -> String {
    let m = &c.svc.monitoring.metrics;
    let values =
        [&c.name, &c.svc.team.value, &m.requests_total.value, &m.error_selector.value, &m.duration_histogram.value]
            .map(String::clone);
    let Some(own) = info_placeholder_text().map(|t| fill(t, &info_holes(), &values)) else { return tail };
    match tail.strip_suffix(&own) {
        Some(rest) if !own.is_empty() => format!(
            "{rest}{{{{- include \"{NAME}.sloInfo\" (dict \"Values\" .Values \"environment\" $environment) }}}}\n"
        ),
        _ => tail,
    }
}

/// The line of a chart's template that includes the library's alerts.
pub fn include() -> String {
    format!(
        "{{{{- include \"{NAME}.sloAlerts\" (dict \"Values\" .Values \"environment\" $environment \"severity\" $severity) }}}}\n"
    )
}

/// Whether the library's alerts of the SLO `s`, filled with the chart's `values`, are
/// exactly `own` (the chart's alerts of `s` in `environment`), each value where the
/// library's text reads it back as written: a label bare, an annotation between double
/// quotes with nothing in a value to escape.
fn renders_as(placeholders: Option<&RuleGroup>, kind: SloKind, values: &[String], own: Option<&RuleGroup>) -> bool {
    let holes = holes(kind);
    let f = |t: &str| fill(t, &holes, values);
    match (placeholders, own) {
        (None, None) => true,
        (Some(p), Some(g)) => {
            f(&p.name) == g.name
                && plain(&g.name)
                && p.rules.len() == g.rules.len()
                && p.rules.iter().zip(&g.rules).all(|(pr, r)| {
                    let filled = |m: &std::collections::BTreeMap<String, String>| {
                        m.iter().map(|(k, v)| (k.clone(), f(v))).collect::<std::collections::BTreeMap<_, _>>()
                    };
                    pr.alert == r.alert
                        && r.record.is_none()
                        && f(&pr.expr) == r.expr
                        && block(&r.expr)
                        && pr.for_ == r.for_
                        && r.for_.as_deref().is_none_or(plain)
                        && filled(&pr.labels) == r.labels
                        && r.labels.values().all(|v| plain(v))
                        && pr.annotations.len() == r.annotations.len()
                        && pr
                            .annotations
                            .iter()
                            .all(|(k, v)| r.annotations.get(k).map(|x| quoted(x)) == Some(f(&quoted(v))))
                })
        }
        _ => false,
    }
}

/// Adds to the chart's values `slo` (from [`crate::slo_records::values`]) what the
/// library's alerts read (each objective's `budgetPercent` and `objectivePercent`, and a
/// latency objective's `ms`) when they render as the chart's own alerts in each of its
/// environments and without one, and says whether they do. They do not when the service has
/// no alerts or no environment, or where any alert would differ. Returns the chart's rules
/// after the library's recording rules as the template writes them
/// ([`crate::templates::library_alerts`]).
pub fn extend(c: &Chart<'_>, slo_values: &mut Value) -> Option<String> {
    if !c.svc.monitoring.alerts.value || c.env_rules.is_empty() {
        return None;
    }
    let slos = slo::slos(c.svc);
    let tail = crate::templates::library_alerts(&c.env_rules, &c.rules, 2 * slos.len())?;
    let paging = c.org.tier(c.svc.tier.value).paging.value;
    let variants: Vec<_> = c
        .svc
        .environments
        .iter()
        .map(|e| {
            let oe = c.org.environment(e);
            Some((oe.name.value.as_str(), oe.paging.value))
        })
        .zip(c.env_rules.iter().map(|(_, g)| g))
        .chain([(None, &c.rules)])
        .collect();
    for s in &slos {
        let (name, values) = (format!("slo-alerts-{}-{}", c.name, s.kind.as_str()), values_of(c, s));
        for (environment, groups) in &variants {
            let own = groups.iter().find(|g| g.name == name);
            let library = placeholders(c.org, s.kind, paging, *environment);
            if !renders_as((*library).as_ref(), s.kind, &values, own) {
                return None;
            }
        }
    }
    let objectives = slo_values.get_mut("objectives").and_then(Value::as_array_mut)?;
    for (o, s) in objectives.iter_mut().zip(&slos) {
        o["budgetPercent"] = json!(s.budget().percent());
        o["objectivePercent"] = json!(s.objective.percent());
        if let Some(ms) = s.threshold_ms {
            o["ms"] = json!(ms.to_string());
        }
    }
    Some(with_library_info(c, tail))
}

#[cfg(test)]
mod tests {
    use platform_ir::BurnWindow;
    use platform_ir::ratio::Ratio;
    use platform_ir::span::{Sp, Span};

    use super::*;

    fn window(severity: &str, long: u32, short: u32, percent: &str, for_: u32) -> BurnWindow {
        let sp = |v| Sp::new(v, Span::default());
        BurnWindow {
            severity: Sp::new(severity.to_owned(), Span::default()),
            long_minutes: sp(long),
            short_minutes: sp(short),
            budget_consumed: Sp::new(Ratio::from_percent_text(percent).unwrap(), Span::default()),
            for_minutes: sp(for_),
        }
    }

    fn alerting<'a>(
        who: (&'a str, &'a str),
        paging: bool,
        period_days: u32,
        windows: &'a [BurnWindow],
        environment: Option<(&'a str, bool)>,
    ) -> Alerting<'a> {
        Alerting {
            service: who.0,
            team: who.1,
            tier: "critical",
            paging,
            period_days,
            windows,
            environment,
            runbook: format!("https://runbooks.example.com/{}", who.0),
            dashboard: Some(format!("https://grafana.example.com/d/platform-service?var-service={}", who.0)),
        }
    }

    /// The library's alerts filled with a service's values are its own alerts in each
    /// environment and without one, for a tier that pages and one that does not; a team YAML
    /// would read as a boolean, another period, or another tier's windows are not.
    #[test]
    fn the_library_renders_a_services_own_alerts() {
        let windows = [window("page", 60, 5, "2", 2), window("ticket", 1440, 120, "10", 60)];
        let placeholder = (SERVICE.placeholder, TEAM.placeholder);
        for (kind, threshold) in [(SloKind::Availability, None), (SloKind::Latency, Some(300))] {
            let s = Slo { kind, objective: Ratio::from_percent_text("99.9").unwrap(), threshold_ms: threshold };
            let values = |team: &str| {
                let mut v: Vec<String> = number_holes(&s).into_iter().map(|(v, _)| v).collect();
                v.extend(["payment-api", team, "critical"].map(String::from));
                v
            };
            for env in [Some(("production", true)), Some(("staging", false)), None] {
                for paging in [true, false] {
                    let library = slo::alert_group(
                        &Alerting { tier: TIER.placeholder, ..alerting(placeholder, paging, 30, &windows, env) },
                        &placeholder_slo(kind),
                    );
                    let own = |team, paging, days| {
                        slo::alert_group(&alerting(("payment-api", team), paging, days, &windows, env), &s)
                    };
                    let check = |team, paging, days| {
                        renders_as(library.as_ref(), kind, &values(team), own(team, paging, days).as_ref())
                    };
                    let at = format!("{kind:?} {env:?} paging {paging}");
                    assert!(check("payments", paging, 30), "{at}");
                    assert!(!check("yes", paging, 30), "{at}: a team read as a boolean");
                    assert!(!check("payments", paging, 28), "{at}: another period");
                    assert!(!check("payments", !paging, 30), "{at}: another tier's windows");
                }
            }
        }
    }
}
