//! The dashboard: Grafana's classic JSON model, schemaVersion 42.
//!
//! Rows, top to bottom: one per SLO (objective, achieved over the period, budget remaining,
//! current burn rate, budget over time, burn rate per window), RED (request rate, error
//! ratio, latency p50/p90/p99), saturation (CPU and memory against requests and limits) and
//! logs. Every query comes from [`platform_ir::slo`], so the panels read exactly the series
//! the rules record and the chart scrapes.

use platform_ir::slo::{self, Scope, Slo};
use platform_ir::{Org, Service, naming};
use serde_json::{Value, json};

use crate::panels::{self, Grid, Spec, hidden_target, math, number, rational, target, thresholds, timeseries};

/// The Grafana schema version written (the latest migration of Grafana 12).
pub const SCHEMA_VERSION: u32 = 42;

/// Tags a deployment annotation must carry to appear on the dashboard: `deploy` and
/// `service:<name>` (posted to Grafana's annotation API by the deploy pipeline).
pub fn deploy_tags(service: &str) -> Vec<String> {
    vec!["deploy".to_owned(), format!("service:{service}")]
}

/// The dashboard of one service.
pub fn dashboard(org: &Org, svc: &Service) -> Value {
    let name = &svc.name.value;
    let scope = Scope { matchers: vec!["namespace=\"$namespace\"".to_owned()], by: Vec::new() };
    let mut grid = Grid::new();
    for s in slo::slos(svc) {
        slo_row(&mut grid, org, svc, &s);
    }
    red_row(&mut grid, svc, &scope);
    saturation_row(&mut grid, svc);
    if svc.logging.ship.value {
        grid.row("Logs");
        let expr = format!("{{namespace=\"$namespace\", container=\"{}\"}}", naming::k8s_name(name));
        let description = format!("Logs of the `{name}` containers, from {}.", org.logging.aggregator.value);
        grid.add(24, 10, panels::logs("Logs", &description, &expr));
    }

    let mut tags = vec![
        "platform".to_owned(),
        format!("service:{name}"),
        format!("team:{}", svc.team.value),
        format!("tier:{}", svc.tier.value),
    ];
    tags.sort();
    json!({
        "uid": naming::grafana_uid(name),
        "title": name,
        "description": svc.description.value,
        "tags": tags,
        "timezone": "browser",
        "editable": false,
        "graphTooltip": 1,
        "time": { "from": "now-6h", "to": "now" },
        "refresh": "1m",
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "links": links(org, svc),
        "annotations": { "list": annotations(name) },
        "templating": { "list": variables(org, svc) },
        "panels": grid.finish(),
    })
}

fn variables(org: &Org, svc: &Service) -> Vec<Value> {
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
    if svc.logging.ship.value {
        out.push(datasource("logs", "Logs", "loki", &m.logs_datasource.value));
    }
    let requests = &svc.monitoring.metrics.requests_total.value;
    out.push(json!({
        "name": "namespace",
        "label": "Namespace",
        "type": "query",
        "datasource": panels::prometheus(),
        "query": format!("label_values({requests}{{{}=\"{}\"}}, {})", slo::SERVICE_LABEL, svc.name.value, slo::NAMESPACE_LABEL),
        "refresh": 2,
        "sort": 1,
        "hide": 0,
        "includeAll": false,
        "multi": false,
        "regex": "",
    }));
    out
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

fn links(org: &Org, svc: &Service) -> Vec<Value> {
    let link = |title: &str, kind: &str, url: &str, tags: Vec<String>, tooltip: &str| {
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
    };
    let name = &svc.name.value;
    let runbook = platform_ir::naming::runbook_url(&org.monitoring.runbook_base_url.value, name);
    let mut out = vec![link("Runbook", "link", &runbook, Vec::new(), "What to do when this service alerts")];
    for d in &svc.depends_on {
        let dep = &d.service.value;
        out.push(link(dep, "dashboards", "", vec![format!("service:{dep}")], "Dashboard of a service this one calls"));
    }
    out
}

fn slo_row(grid: &mut Grid, org: &Org, svc: &Service, s: &Slo) {
    let days = org.monitoring.slo_period_days.value;
    let objective = s.objective.percent();
    let title = match s.threshold_ms {
        Some(ms) => format!("Latency SLO: {objective} % of requests faster than {ms} ms over {days} days"),
        None => format!("Availability SLO: {objective} % of requests succeed over {days} days"),
    };
    grid.row(&title);
    let sel = slo::slo_matchers(svc, s.kind);
    let here = format!("{sel},{}=\"$namespace\"", slo::NAMESPACE_LABEL);
    let period = slo::period(org);
    let kind = s.kind.as_str();
    let objective_n = number(&s.objective.to_string());
    let budget = s.budget().to_string();

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
            thresholds: thresholds("red", &[(objective_n, "green")]),
        }),
    );
    let remaining = format!("slo:period_error_budget_remaining:ratio{{{here}}}");
    grid.add(
        6,
        4,
        panels::stat(Spec {
            title: "Error budget remaining",
            description: &format!("Share of the {period} error budget ({} %) not yet spent.", s.budget().percent()),
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
            target(&ref_id(i), &format!("{}{{{here}}} / {budget}", slo::sli_record(&w)), &w)
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

fn red_row(grid: &mut Grid, svc: &Service, scope: &Scope) {
    let name = &svc.name.value;
    let m = &svc.monitoring.metrics;
    let w = "$__rate_interval";
    grid.row("Requests: rate, errors, duration");
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
    let objective_line: Vec<(Value, &str)> = svc
        .monitoring
        .slo
        .as_ref()
        .map(|o| vec![(number(&o.value.complement().to_string()), "red")])
        .unwrap_or_default();
    grid.add(
        8,
        8,
        timeseries(
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
                thresholds: thresholds("transparent", &objective_line),
            },
            !objective_line.is_empty(),
        ),
    );
    let latency_line: Vec<(Value, &str)> = svc
        .monitoring
        .latency
        .as_ref()
        .map(|l| vec![(number(&platform_ir::ratio::decimal(u64::from(l.threshold_ms.value), 3)), "red")])
        .unwrap_or_default();
    let quantiles = [("A", "0.5", "p50"), ("B", "0.9", "p90"), ("C", "0.99", "p99")];
    grid.add(
        8,
        8,
        timeseries(
            Spec {
                title: "Latency",
                description: "Request duration quantiles from the duration histogram; the dashed line is the latency objective's threshold.",
                targets: quantiles.iter().map(|(r, q, l)| target(r, &slo::latency_quantile(name, m, q, w, scope), l)).collect(),
                unit: "s",
                thresholds: thresholds("transparent", &latency_line),
            },
            !latency_line.is_empty(),
        ),
    );
}

fn saturation_row(grid: &mut Grid, svc: &Service) {
    let c = naming::k8s_name(&svc.name.value);
    let sel = format!("namespace=\"$namespace\",container=\"{c}\"");
    let resource =
        |metric: &str, r: &str| format!("max(kube_pod_container_resource_{metric}{{{sel},resource=\"{r}\"}})");
    grid.row("Saturation");
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

/// `A`, `B`, … `Z`, then `A1`, `B1`, … for long target lists.
fn ref_id(i: usize) -> String {
    let letter = char::from(b'A' + u8::try_from(i % 26).unwrap_or(0));
    if i < 26 { letter.to_string() } else { format!("{letter}{}", i / 26) }
}
