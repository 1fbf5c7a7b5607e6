//! The dashboard: Grafana's classic JSON model, schemaVersion 42.
//!
//! Rows, top to bottom: one per SLO (objective, achieved over the period, budget remaining,
//! current burn rate, budget over time, burn rate per window), RED (request rate, error
//! ratio, latency p50/p90/p99), saturation (CPU and memory against requests and limits) and
//! logs. Every query comes from [`platform_ir::slo`], so the panels read exactly the series
//! the rules record and the chart scrapes.

use platform_ir::slo::{self, Scope, Slo, SloKind};
use platform_ir::span::{Sp, Span};
use platform_ir::{MetricConvention, Org, Service, deploy, naming};
use serde_json::{Map, Value, json};

use crate::panels::{self, Grid, Spec, hidden_target, math, number, rational, target, thresholds, timeseries};

/// The Grafana schema version written (the latest migration of Grafana 12).
pub const SCHEMA_VERSION: u32 = 42;

/// Tags a deployment annotation must carry to appear on the dashboard: `deploy` and
/// `service:<name>` (posted to Grafana's annotation API by the deploy pipeline).
pub fn deploy_tags(service: &str) -> Vec<String> {
    vec!["deploy".to_owned(), format!("service:{service}")]
}

/// What a dashboard shows: one service, or whichever service the org's shared dashboard's
/// `service` variable picks, whose metric names come from variables too.
struct Subject {
    /// The service name in queries: `payment-api`, or `$service`.
    service: String,
    /// The application container's name: the service's Kubernetes name, or `$service`.
    container: String,
    /// The service's metric names, or the variables that hold them.
    metrics: MetricConvention,
    /// Whether the dashboard has a logs row.
    logs: bool,
}

/// A reference line on a time-series panel: a fixed threshold, or a recorded series.
enum Line {
    None,
    Threshold(Value),
    Series { expr: String, legend: &'static str },
}

/// The dashboard of one service.
pub fn dashboard(org: &Org, svc: &Service) -> Value {
    let name = &svc.name.value;
    let subject = Subject {
        service: name.clone(),
        container: naming::k8s_name(name),
        metrics: svc.monitoring.metrics.clone(),
        logs: svc.logging.ship.value,
    };
    let mut grid = Grid::new();
    for s in slo::slos(svc) {
        slo_row(&mut grid, org, &SloRow::of(org, svc, &s));
    }
    let error_line = match &svc.monitoring.slo {
        Some(o) => Line::Threshold(number(&o.value.complement().to_string())),
        None => Line::None,
    };
    let latency_line = match &svc.monitoring.latency {
        Some(l) => Line::Threshold(number(&platform_ir::ratio::decimal(u64::from(l.threshold_ms.value), 3))),
        None => Line::None,
    };
    red_row(&mut grid, &subject, error_line, latency_line);
    saturation_row(&mut grid, &subject);
    logs_row(&mut grid, org, &subject);

    let mut tags = vec![
        "platform".to_owned(),
        format!("service:{name}"),
        format!("team:{}", svc.team.value),
        format!("tier:{}", svc.tier.value),
    ];
    tags.sort();
    let mut links = links(org, name);
    for d in &svc.depends_on {
        let dep = &d.service.value;
        links.push(link(
            dep,
            "dashboards",
            "",
            vec![format!("service:{dep}")],
            "Dashboard of a service this one calls",
        ));
    }
    let mut variables = datasources(org, subject.logs);
    variables.push(namespace(&subject));
    let head = Head {
        uid: naming::grafana_uid(name),
        title: name,
        description: &svc.description.value,
        tags,
        links,
        variables,
    };
    model(head, &subject, grid)
}

/// The org's one service dashboard (packaged orgs, uid [`deploy::ORG_DASHBOARD_UID`]): the
/// `service` variable lists every service of the picked `team` that records
/// [`slo::INFO_RECORD`], whose labels fill the hidden metric-name variables; one row per SLO
/// the service records repeats over the hidden `slo` variable; objective lines come from
/// recorded series, not copied numbers.
pub fn org_dashboard(org: &Org) -> Value {
    let [requests, errors, duration] = slo::INFO_METRIC_LABELS;
    let sp = |v: &str| Sp::new(v.to_owned(), Span::default());
    let subject = Subject {
        service: "$service".to_owned(),
        container: "$service".to_owned(),
        metrics: MetricConvention {
            requests_total: sp(&format!("${{{requests}}}")),
            error_selector: sp(&format!("${{{errors}:raw}}")),
            duration_histogram: sp(&format!("${{{duration}}}")),
        },
        logs: true,
    };
    let mut grid = Grid::new();
    slo_row(&mut grid, org, &SloRow::repeated(org));
    let selector = |kind: SloKind| slo::matchers("$service", kind);
    let error_line = Line::Series {
        expr: format!("1 - slo:objective:ratio{{{}}}", selector(SloKind::Availability)),
        legend: "error budget",
    };
    let latency_line = Line::Series {
        expr: format!("{}{{{}}}", slo::LATENCY_THRESHOLD_RECORD, selector(SloKind::Latency)),
        legend: "latency threshold",
    };
    red_row(&mut grid, &subject, error_line, latency_line);
    saturation_row(&mut grid, &subject);
    logs_row(&mut grid, org, &subject);

    let info = slo::INFO_RECORD;
    let this = format!("{}=\"$service\"", slo::SERVICE_LABEL);
    let mut variables = datasources(org, true);
    let mut team = query_variable("team", "Team", &format!("label_values({info}, {})", slo::TEAM_LABEL), false);
    if let Value::Object(m) = &mut team {
        m.insert("includeAll".into(), json!(true));
        m.insert("allValue".into(), json!(".*"));
        m.insert("current".into(), json!({ "text": "All", "value": "$__all" }));
    }
    variables.push(team);
    let of_team = format!("label_values({info}{{{}=~\"$team\"}}, {})", slo::TEAM_LABEL, slo::SERVICE_LABEL);
    variables.push(query_variable("service", "Service", &of_team, false));
    for label in slo::INFO_METRIC_LABELS {
        variables.push(query_variable(label, label, &format!("label_values({info}{{{this}}}, {label})"), true));
    }
    variables.push(namespace(&subject));
    let mut slos =
        query_variable("slo", "SLO", &format!("label_values(slo:objective:ratio{{{this}}}, {})", slo::SLO_LABEL), true);
    if let Value::Object(m) = &mut slos {
        m.insert("includeAll".into(), json!(true));
        m.insert("multi".into(), json!(true));
        m.insert("current".into(), json!({ "text": ["All"], "value": ["$__all"] }));
    }
    variables.push(slos);
    let description = "Any service of the org: pick it in `service`. Its metric names, SLOs and objectives come from the series its rules record.";
    let head = Head {
        uid: deploy::ORG_DASHBOARD_UID.to_owned(),
        title: "Service",
        description,
        tags: vec!["platform".to_owned()],
        links: links(org, "$service"),
        variables,
    };
    model(head, &subject, grid)
}

/// What names a dashboard and sits above its panels.
struct Head<'a> {
    uid: String,
    title: &'a str,
    description: &'a str,
    tags: Vec<String>,
    links: Vec<Value>,
    variables: Vec<Value>,
}

fn model(head: Head<'_>, subject: &Subject, grid: Grid) -> Value {
    json!({
        "uid": head.uid,
        "title": head.title,
        "description": head.description,
        "tags": head.tags,
        "timezone": "browser",
        "editable": false,
        "graphTooltip": 1,
        "time": { "from": "now-6h", "to": "now" },
        "refresh": "1m",
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "links": head.links,
        "annotations": { "list": annotations(&subject.service) },
        "templating": { "list": head.variables },
        "panels": grid.finish(),
    })
}

fn datasources(org: &Org, logs: bool) -> Vec<Value> {
    let m = &org.monitoring;
    let datasource = |name: &str, label: &str, plugin: &str, current: &str| {
        json!({
            "name": name,
            "label": label,
            "type": "datasource",
            "query": plugin,
            "current": { "text": current, "value": current },
            "hide": 0,
            "includeAll": false,
            "multi": false,
            "refresh": 1,
            "regex": "",
        })
    };
    let mut out = vec![datasource("datasource", "Prometheus", "prometheus", &m.prometheus_datasource.value)];
    if logs {
        out.push(datasource("logs", "Logs", "loki", &m.logs_datasource.value));
    }
    out
}

/// The `namespace` variable: the namespaces the subject's request counter is scraped in.
fn namespace(subject: &Subject) -> Value {
    let requests = &subject.metrics.requests_total.value;
    let query =
        format!("label_values({requests}{{{}=\"{}\"}}, {})", slo::SERVICE_LABEL, subject.service, slo::NAMESPACE_LABEL);
    query_variable("namespace", "Namespace", &query, false)
}

/// A variable filled by a Prometheus query, refreshed when the time range changes;
/// `hidden` ones only feed queries.
fn query_variable(name: &str, label: &str, query: &str, hidden: bool) -> Value {
    json!({
        "name": name,
        "label": label,
        "type": "query",
        "datasource": panels::prometheus(),
        "query": query,
        "refresh": 2,
        "sort": 1,
        "hide": if hidden { 2 } else { 0 },
        "includeAll": false,
        "multi": false,
        "regex": "",
    })
}

fn annotations(service: &str) -> Vec<Value> {
    vec![
        json!({
            "builtIn": 1,
            "datasource": { "type": "grafana", "uid": "-- Grafana --" },
            "enable": true,
            "hide": true,
            "iconColor": "rgba(0, 211, 255, 1)",
            "name": "Annotations & Alerts",
            "type": "dashboard",
        }),
        json!({
            "datasource": { "type": "grafana", "uid": "-- Grafana --" },
            "enable": true,
            "hide": false,
            "iconColor": "purple",
            "name": "Deployments",
            "target": { "type": "tags", "tags": deploy_tags(service), "matchAny": false, "limit": 100 },
        }),
    ]
}

fn link(title: &str, kind: &str, url: &str, tags: Vec<String>, tooltip: &str) -> Value {
    json!({
        "title": title,
        "type": kind,
        "url": url,
        "tags": tags,
        "tooltip": tooltip,
        "icon": if kind == "link" { "doc" } else { "dashboard" },
        "asDropdown": false,
        "includeVars": false,
        "keepTime": true,
        "targetBlank": kind == "link",
    })
}

/// The runbook link of `service` (a name, or `$service`, which Grafana fills in links too).
fn links(org: &Org, service: &str) -> Vec<Value> {
    let runbook = naming::runbook_url(&org.monitoring.runbook_base_url.value, service);
    vec![link("Runbook", "link", &runbook, Vec::new(), "What to do when this service alerts")]
}

/// One SLO's row: what differs between a service's own dashboard, which knows the SLO, and
/// the org's, which repeats the row over the SLOs the picked service records.
struct SloRow {
    title: String,
    /// The SLO's kind in descriptions: `availability`, or `$slo`.
    kind: String,
    /// Matchers of the SLO's recorded series.
    sel: String,
    /// The variable the row repeats over, if any.
    repeat: Option<&'static str>,
    /// The achieved SLI's thresholds: red below the objective when it is known.
    achieved: Value,
    /// The error budget in words, for the budget panel's description.
    budget: String,
    /// What divides an error ratio to make it a burn rate: the budget, or the recorded one.
    per_budget: String,
}

impl SloRow {
    fn of(org: &Org, svc: &Service, s: &Slo) -> SloRow {
        let days = org.monitoring.slo_period_days.value;
        let objective = s.objective.percent();
        let title = match s.threshold_ms {
            Some(ms) => format!("Latency SLO: {objective} % of requests faster than {ms} ms over {days} days"),
            None => format!("Availability SLO: {objective} % of requests succeed over {days} days"),
        };
        SloRow {
            title,
            kind: s.kind.as_str().to_owned(),
            sel: slo::slo_matchers(svc, s.kind),
            repeat: None,
            achieved: thresholds("red", &[(number(&s.objective.to_string()), "green")]),
            budget: format!(" ({} %)", s.budget().percent()),
            per_budget: format!(" / {}", s.budget()),
        }
    }

    fn repeated(org: &Org) -> SloRow {
        let sel = format!("{}=\"$service\",{}=\"$slo\"", slo::SERVICE_LABEL, slo::SLO_LABEL);
        SloRow {
            title: format!("SLO $slo over {} days", org.monitoring.slo_period_days.value),
            kind: "$slo".to_owned(),
            per_budget: format!(" / scalar(slo:error_budget:ratio{{{sel}}})"),
            sel,
            repeat: Some("slo"),
            achieved: thresholds("blue", &[]),
            budget: String::new(),
        }
    }
}

fn slo_row(grid: &mut Grid, org: &Org, row: &SloRow) {
    let days = org.monitoring.slo_period_days.value;
    grid.row(&row.title, row.repeat);
    let sel = &row.sel;
    let here = format!("{sel},{}=\"$namespace\"", slo::NAMESPACE_LABEL);
    let period = slo::period(org);
    let kind = &row.kind;

    let mut factors: Vec<_> = org.monitoring.windows.iter().map(|w| slo::burn_factor(days, w)).collect();
    factors.sort_by(|a, b| (a.num * b.den).cmp(&(b.num * a.den)));
    factors.dedup();
    let colors = ["yellow", "orange", "red", "dark-red"];
    let burn_steps: Vec<(Value, &str)> =
        factors.iter().enumerate().map(|(i, f)| (rational(*f), colors[i.min(colors.len() - 1)])).collect();

    grid.add(
        6,
        4,
        panels::stat(Spec {
            title: "Objective",
            description: &format!("The {kind} objective the service promises over {days} days."),
            targets: vec![target("A", &format!("slo:objective:ratio{{{sel}}}"), "objective")],
            unit: "percentunit",
            thresholds: thresholds("blue", &[]),
        }),
    );
    grid.add(
        6,
        4,
        panels::stat(Spec {
            title: &format!("Achieved over {period}"),
            description: &format!("The {kind} SLI over the SLO period; red below the objective."),
            targets: vec![target("A", &format!("1 - {}{{{here}}}", slo::sli_record(&period)), "achieved")],
            unit: "percentunit",
            thresholds: row.achieved.clone(),
        }),
    );
    let remaining = format!("slo:period_error_budget_remaining:ratio{{{here}}}");
    grid.add(
        6,
        4,
        panels::stat(Spec {
            title: "Error budget remaining",
            description: &format!("Share of the {period} error budget{} not yet spent.", row.budget),
            targets: vec![target("A", &remaining, "remaining")],
            unit: "percentunit",
            thresholds: thresholds("red", &[(json!(0), "orange"), (number("0.25"), "green")]),
        }),
    );
    grid.add(
        6,
        4,
        panels::stat(Spec {
            title: "Burn rate (5m)",
            description: "How fast the budget burns now: 1 spends exactly the budget over the period.",
            targets: vec![target("A", &format!("slo:current_burn_rate:ratio{{{here}}}"), "burn rate")],
            unit: "suffix:x",
            thresholds: thresholds("green", &burn_steps),
        }),
    );
    grid.add(
        12,
        8,
        timeseries(
            Spec {
                title: "Error budget remaining",
                description: &format!("Share of the {period} error budget left, over time."),
                targets: vec![target("A", &remaining, "remaining")],
                unit: "percentunit",
                thresholds: thresholds("red", &[(json!(0), "green")]),
            },
            true,
        ),
    );
    let windows: Vec<Value> = slo::recorded_windows(org)
        .into_iter()
        .enumerate()
        .map(|(i, w)| {
            let w = slo::duration(w);
            target(&ref_id(i), &format!("{}{{{here}}}{}", slo::sli_record(&w), row.per_budget), &w)
        })
        .collect();
    grid.add(
        12,
        8,
        timeseries(
            Spec {
                title: "Burn rate per window",
                description: "Error ratio over each alert window divided by the error budget; dashed lines are the alert thresholds.",
                targets: windows,
                unit: "suffix:x",
                thresholds: thresholds("transparent", &burn_steps),
            },
            true,
        ),
    );
}

/// `spec` with `line` drawn: a dashed threshold, or one more query.
fn with_line(mut spec: Spec, line: Line) -> Map<String, Value> {
    match line {
        Line::None => timeseries(spec, false),
        Line::Threshold(v) => {
            spec.thresholds = thresholds("transparent", &[(v, "red")]);
            timeseries(spec, true)
        }
        Line::Series { expr, legend } => {
            let id = ref_id(spec.targets.len());
            spec.targets.push(target(&id, &expr, legend));
            timeseries(spec, false)
        }
    }
}

fn red_row(grid: &mut Grid, subject: &Subject, error_line: Line, latency_line: Line) {
    let name = &subject.service;
    let m = &subject.metrics;
    let scope = &Scope::namespace("$namespace");
    let w = "$__rate_interval";
    grid.row("Requests: rate, errors, duration", None);
    grid.add(
        8,
        8,
        timeseries(
            Spec {
                title: "Request rate",
                description: "Requests per second.",
                targets: vec![
                    target("A", &slo::request_rate(name, m, w, scope), "all"),
                    target("B", &slo::error_rate(name, m, w, scope), "failed"),
                ],
                unit: "reqps",
                thresholds: thresholds("green", &[]),
            },
            false,
        ),
    );
    grid.add(
        8,
        8,
        with_line(
            Spec {
                title: "Error ratio",
                description: &format!(
                    "Share of failed requests (`{}`); the dashed line is the error budget.",
                    m.error_selector.value
                ),
                targets: vec![
                    hidden_target("A", &slo::error_rate(name, m, w, scope)),
                    hidden_target("B", &slo::request_rate(name, m, w, scope)),
                    math("C", "$A / $B"),
                ],
                unit: "percentunit",
                thresholds: thresholds("transparent", &[]),
            },
            error_line,
        ),
    );
    let quantiles = [("A", "0.5", "p50"), ("B", "0.9", "p90"), ("C", "0.99", "p99")];
    grid.add(
        8,
        8,
        with_line(
            Spec {
                title: "Latency",
                description: "Request duration quantiles from the duration histogram; the dashed line is the latency objective's threshold.",
                targets: quantiles.iter().map(|(r, q, l)| target(r, &slo::latency_quantile(name, m, q, w, scope), l)).collect(),
                unit: "s",
                thresholds: thresholds("transparent", &[]),
            },
            latency_line,
        ),
    );
}

fn saturation_row(grid: &mut Grid, subject: &Subject) {
    let c = &subject.container;
    let sel = format!("namespace=\"$namespace\",container=\"{c}\"");
    let resource =
        |metric: &str, r: &str| format!("max(kube_pod_container_resource_{metric}{{{sel},resource=\"{r}\"}})");
    grid.row("Saturation", None);
    grid.add(
        12,
        8,
        timeseries(
            Spec {
                title: "CPU",
                description: "CPU used per pod (cores) against the container's request and limit.",
                targets: vec![
                    target(
                        "A",
                        &format!("sum by (pod) (rate(container_cpu_usage_seconds_total{{{sel}}}[$__rate_interval]))"),
                        "{{pod}}",
                    ),
                    target("B", &resource("requests", "cpu"), "request"),
                    target("C", &resource("limits", "cpu"), "limit"),
                ],
                unit: "short",
                thresholds: thresholds("green", &[]),
            },
            false,
        ),
    );
    grid.add(
        12,
        8,
        timeseries(
            Spec {
                title: "Memory",
                description: "Working-set memory per pod against the container's request and limit.",
                targets: vec![
                    target("A", &format!("sum by (pod) (container_memory_working_set_bytes{{{sel}}})"), "{{pod}}"),
                    target("B", &resource("requests", "memory"), "request"),
                    target("C", &resource("limits", "memory"), "limit"),
                ],
                unit: "bytes",
                thresholds: thresholds("green", &[]),
            },
            false,
        ),
    );
}

fn logs_row(grid: &mut Grid, org: &Org, subject: &Subject) {
    if !subject.logs {
        return;
    }
    grid.row("Logs", None);
    let expr = format!("{{namespace=\"$namespace\", container=\"{}\"}}", subject.container);
    let description = format!("Logs of the `{}` containers, from {}.", subject.service, org.logging.aggregator.value);
    grid.add(24, 10, panels::logs("Logs", &description, &expr));
}

/// `A`, `B`, … `Z`, then `A1`, `B1`, … for long target lists.
fn ref_id(i: usize) -> String {
    let letter = char::from(b'A' + u8::try_from(i % 26).unwrap_or(0));
    if i < 26 { letter.to_string() } else { format!("{letter}{}", i / 26) }
}
