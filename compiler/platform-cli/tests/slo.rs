//! SLO outputs agree with each other (issue 5): every metric and label that the rules
//! (`prometheus` backend and the chart's `PrometheusRule`), the canary query and the
//! dashboard panels select on is one the chart's ServiceMonitor scrapes, with the labels the
//! chart sets; the canary query selects the release's namespace only (Argo's
//! `{{args.namespace}}`, wired to `.Release.Namespace`) and the canary's own pods (Argo's
//! `{{args.canary-hash}}`, kept by the ServiceMonitor); and the PROM warnings fire where
//! they should.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use platform_ir::{FileId, Org, Service, naming, slo};
use platform_syntax::yaml::{self, Kind};
use serde_json::Value;
use support::*;

/// One `metric{label op "value", …}` selector found in a PromQL expression.
#[derive(Debug)]
struct Selector {
    metric: String,
    matchers: Vec<(String, String, String)>,
}

/// Every vector selector with braces in `expr` (a small scanner: quoted strings are skipped
/// as a whole, so braces or commas inside label values do not confuse it).
fn selectors(expr: &str) -> Vec<Selector> {
    let b = expr.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'{' {
            i += 1;
            continue;
        }
        let mut start = i;
        while start > 0 && (b[start - 1].is_ascii_alphanumeric() || b[start - 1] == b'_' || b[start - 1] == b':') {
            start -= 1;
        }
        let metric = expr[start..i].to_owned();
        let mut matchers = Vec::new();
        i += 1;
        loop {
            while i < b.len() && (b[i] == b' ' || b[i] == b',') {
                i += 1;
            }
            if i >= b.len() || b[i] == b'}' {
                break;
            }
            let n0 = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            let name = expr[n0..i].to_owned();
            let o0 = i;
            while i < b.len() && matches!(b[i], b'=' | b'!' | b'~') {
                i += 1;
            }
            let op = expr[o0..i].to_owned();
            assert!(i < b.len() && b[i] == b'"', "unquoted label value in `{expr}`");
            let v0 = i + 1;
            i = v0;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            matchers.push((name, op, expr[v0..i.min(b.len())].to_owned()));
            i += 1;
        }
        out.push(Selector { metric, matchers });
        i += 1;
    }
    out
}

/// Which `namespace` matcher an expression may (or must) carry.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Namespace {
    /// None, or the dashboard's `namespace="$namespace"` (rules, panels).
    AnyOrDashboard,
    /// Exactly `namespace="{{args.namespace}}"`, the Argo argument the Rollout sets to the
    /// release's namespace (the canary analysis).
    ReleaseArg,
}

/// The namespace matcher of the canary query: Argo Rollouts' argument.
const ARGO_NAMESPACE: &str = "{{args.namespace}}";
/// The pod-hash matcher of the canary query: Argo Rollouts' argument.
const ARGO_CANARY_HASH: &str = "{{args.canary-hash}}";

/// Checks one selector against the scrape contract of `svc`; returns a problem, if any.
fn check_selector(
    svc: &Service,
    recorded: &BTreeSet<String>,
    where_: &str,
    s: &Selector,
    namespace: Namespace,
) -> Option<String> {
    let name = &svc.name.value;
    let conv = &svc.monitoring.metrics;
    let error_label = conv.error_selector.value.split(['=', '!']).next().unwrap_or("").to_owned();
    let labels: BTreeSet<&str> = s.matchers.iter().map(|(n, _, _)| n.as_str()).collect();
    let value = |l: &str| s.matchers.iter().find(|(n, _, _)| n == l).map(|(_, op, v)| (op.as_str(), v.as_str()));
    let service_ok = value(slo::SERVICE_LABEL) == Some(("=", name.as_str()));
    let namespace_ok = match namespace {
        Namespace::AnyOrDashboard => matches!(value(slo::NAMESPACE_LABEL), None | Some(("=", "$namespace"))),
        // The canary analysis: the release's namespace and the canary's own pods only.
        Namespace::ReleaseArg => {
            value(slo::NAMESPACE_LABEL) == Some(("=", ARGO_NAMESPACE))
                && value(slo::POD_HASH_LABEL) == Some(("=", ARGO_CANARY_HASH))
        }
    };
    let (allowed, needs_service): (Vec<&str>, bool) = if slo::scraped_metrics(conv).contains(&s.metric) {
        // Application metrics: scraped by the chart's ServiceMonitor, which sets `service`
        // (from app.kubernetes.io/name), `namespace` and the pods' Argo Rollouts hash; the
        // app itself sets `le` and the error selector's label.
        (vec![slo::SERVICE_LABEL, slo::NAMESPACE_LABEL, slo::POD_HASH_LABEL, "le", &error_label], true)
    } else if s.metric.starts_with("slo:") {
        if !recorded.contains(&s.metric) {
            return Some(format!("{where_}: `{}` is not recorded by any rule of {name}", s.metric));
        }
        (vec![slo::SERVICE_LABEL, slo::SLO_LABEL, slo::NAMESPACE_LABEL], true)
    } else if s.metric == slo::INFO_RECORD {
        if !recorded.contains(&s.metric) {
            return Some(format!("{where_}: `{}` is not recorded by any rule of {name}", s.metric));
        }
        // The service list selects by team, every other read by service.
        let by_team = value(slo::TEAM_LABEL) == Some(("=~", svc.team.value.as_str()));
        (vec![slo::SERVICE_LABEL, slo::TEAM_LABEL], !by_team)
    } else if s.metric.starts_with("container_") || s.metric.starts_with("kube_pod_container_") {
        // cAdvisor / kube-state-metrics: the container is named after the service by the chart.
        if value("container") != Some(("=", naming::k8s_name(name).as_str())) {
            return Some(format!("{where_}: `{}` does not select the chart's container `{name}`", s.metric));
        }
        (vec![slo::NAMESPACE_LABEL, "container", "resource"], false)
    } else {
        return Some(format!(
            "{where_}: `{}` is neither an SLI metric of {name}, a recorded SLO series nor a container metric",
            s.metric
        ));
    };
    if let Some(bad) = labels.iter().find(|l| !allowed.contains(l)) {
        return Some(format!("{where_}: `{}` selects on label `{bad}`, which nothing attaches", s.metric));
    }
    if needs_service && !service_ok {
        return Some(format!("{where_}: `{}` does not select `service=\"{name}\"`", s.metric));
    }
    if !namespace_ok {
        return Some(match namespace {
            Namespace::AnyOrDashboard => {
                format!("{where_}: `{}` selects a namespace other than the dashboard's `$namespace`", s.metric)
            }
            Namespace::ReleaseArg => {
                format!("{where_}: `{}` does not select the release's namespace `{ARGO_NAMESPACE}`", s.metric)
            }
        });
    }
    None
}

/// Every PromQL expression of a dashboard: panel targets (not logs) and query variables.
fn dashboard_exprs(dash: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    fn panels(list: &[Value], out: &mut Vec<(String, String)>) {
        for p in list {
            let title = p["title"].as_str().unwrap_or("").to_owned();
            for t in p["targets"].as_array().into_iter().flatten() {
                let ds = t["datasource"]["type"].as_str().unwrap_or("");
                if let (Some(e), "prometheus") = (t["expr"].as_str(), ds) {
                    out.push((format!("panel `{title}`"), e.to_owned()));
                }
            }
            panels(p["panels"].as_array().map_or(&[][..], Vec::as_slice), out);
        }
    }
    panels(dash["panels"].as_array().map_or(&[][..], Vec::as_slice), &mut out);
    for v in dash["templating"]["list"].as_array().into_iter().flatten() {
        if v["type"] == "query" {
            out.push((format!("variable `{}`", v["name"]), v["query"].as_str().unwrap_or("").to_owned()));
        }
    }
    out
}

/// The org's shared service dashboard (packaged orgs).
const SHARED_DASHBOARD: &str = "_org/grafana/platform-service.json";

/// The shared dashboard's expressions as Grafana runs them for `svc`: `$service` is its
/// name, the metric-name variables hold the labels of the info series its rules record, and
/// the repeated SLO row is there once per SLO it records. An expression that selects an SLO
/// the service does not have (the latency threshold line of a service without one) is empty
/// by design and left out.
fn shared_dashboard_exprs(
    dash: &Value,
    svc: &Service,
    groups: &[slo::RuleGroup],
    problems: &mut Vec<String>,
) -> Vec<(String, String)> {
    let name = &svc.name.value;
    let rules = || groups.iter().flat_map(|g| &g.rules);
    let Some(info) = rules().find(|r| r.record.as_deref() == Some(slo::INFO_RECORD)) else {
        problems.push(format!("{name}: the shared dashboard cannot list it: no `{}` series", slo::INFO_RECORD));
        return Vec::new();
    };
    let kinds: BTreeSet<&str> = rules().filter_map(|r| r.labels.get(slo::SLO_LABEL)).map(String::as_str).collect();
    let mut out = Vec::new();
    for (what, expr) in dashboard_exprs(dash) {
        let mut e = expr.replace("$service", name).replace("$team", &svc.team.value);
        for label in slo::INFO_METRIC_LABELS {
            let value = info.labels.get(label).cloned().unwrap_or_default();
            e = e.replace(&format!("${{{label}:raw}}"), &value).replace(&format!("${{{label}}}"), &value);
        }
        let each: Vec<String> =
            if e.contains("$slo") { kinds.iter().map(|k| e.replace("$slo", k)).collect() } else { vec![e] };
        for e in each {
            let other_slo = (kinds.is_empty() && e.contains("slo:"))
                || ["availability", "latency"]
                    .iter()
                    .any(|k| !kinds.contains(k) && e.contains(&format!("{}=\"{k}\"", slo::SLO_LABEL)));
            if e.contains('$') && !e.contains("$namespace") && !e.contains("$__rate_interval") {
                problems.push(format!("{name}: shared dashboard {what}: a variable is left in `{e}`"));
            } else if !other_slo {
                out.push((format!("shared dashboard {what}"), e));
            }
        }
    }
    out
}

fn text(files: &BTreeMap<String, Vec<u8>>, path: &str) -> Option<String> {
    files.get(path).map(|b| String::from_utf8_lossy(b).into_owned())
}

/// The string at `path` (keys) in a YAML document.
fn yaml_str(doc: &str, path: &[&str]) -> Option<String> {
    let mut node = yaml::parse(doc, FileId(0)).ok()?;
    for key in path {
        let Kind::Map(entries) = node.kind else { return None };
        node = entries.into_iter().find(|(k, _)| k.name == *key)?.1;
    }
    match node.kind {
        Kind::Str(s) => Some(s),
        _ => None,
    }
}

/// The canary side: the chart's analysis query (from its values), and the wiring that makes
/// Argo fill in `{{args.namespace}}` with the release's namespace: the AnalysisTemplate
/// declares the argument, the Rollout's analysis step sets it from `.Release.Namespace`.
/// A chart's template of one object: its own file, or for a packaged chart (one template
/// that includes the org's library) the library's `define` of that object.
fn chart_template(files: &BTreeMap<String, Vec<u8>>, root: &str, object: &str) -> Option<String> {
    if let Some(t) = text(files, &format!("{root}/templates/{object}.yaml")) {
        return Some(t);
    }
    let packaged = text(files, &format!("{root}/templates/platform.yaml"))?;
    let library = packaged.split('"').nth(1)?.strip_suffix(".objects")?;
    let objects = text(files, &format!("_org/helm/{library}/templates/_objects.tpl"))?;
    let body = objects.split(&format!("{{{{- define \"{library}.{object}\" }}}}\n")).nth(1)?;
    Some(body.split("{{- define \"").next()?.to_owned())
}

fn canary_query(files: &BTreeMap<String, Vec<u8>>, svc: &Service, problems: &mut Vec<String>) -> Option<String> {
    let name = &svc.name.value;
    let root = format!("{name}/helm/{}", naming::k8s_name(name));
    svc.deployment.canary.as_ref()?;
    let template = chart_template(files, &root, "analysistemplate")?;
    let values = text(files, &format!("{root}/values.yaml")).unwrap_or_default();
    let Some(query) = yaml_str(&values, &["rollout", "analysis", "query"]).or_else(|| library_query(files, &values))
    else {
        problems.push(format!("{name}: an AnalysisTemplate but no `rollout.analysis.query` value"));
        return None;
    };
    if !template.contains("  args:\n") || !template.contains("    - name: namespace\n") {
        problems.push(format!("{name}: the AnalysisTemplate does not declare the argument `namespace`"));
    }
    if !template.contains("query: {{ .Values.rollout.analysis.query | quote }}") {
        problems.push(format!("{name}: the AnalysisTemplate does not print the query value verbatim"));
    }
    let from_library = yaml_str(&values, &["rollout", "analysis", "query"]).is_none();
    if from_library && !template.contains("query: {{ include \"platform-service.canaryQuery\" . | quote }}") {
        problems.push(format!("{name}: the AnalysisTemplate does not print the library's query"));
    }
    let rollout = chart_template(files, &root, "rollout").unwrap_or_default();
    let wired = rollout.lines().collect::<Vec<_>>().windows(3).any(|w| {
        w[0].trim() == "args:"
            && w[1].trim() == "- name: namespace"
            && w[2].trim() == "value: {{ $.Release.Namespace | quote }}"
    });
    if !wired {
        problems.push(format!("{name}: the Rollout's analysis step does not set `namespace` to the release's"));
    }
    Some(query)
}

/// A packaged chart's canary query: the org's library chart's `canaryQuery`, filled with the
/// chart's values the way Helm prints them (each `{{ .Values.… }}` its value, each string
/// constant `{{ "…" }}` itself). `None` without `rollout.analysis.minRequests`.
fn library_query(files: &BTreeMap<String, Vec<u8>>, values: &str) -> Option<String> {
    let min = yaml_str(values, &["rollout", "analysis", "minRequests"])?;
    let slo = text(files, "_org/helm/platform-service/templates/_slo.tpl")?;
    let body = slo.split("{{- define \"platform-service.canaryQuery\" -}}\n").nth(1)?.split("\n{{- end }}").next()?;
    let mut out = body.to_owned();
    for (action, path) in [
        ("{{ .Values.name }}", &["name"][..]),
        ("{{ .Values.slo.metrics.requests }}", &["slo", "metrics", "requests"]),
        ("{{ .Values.slo.metrics.errors }}", &["slo", "metrics", "errors"]),
    ] {
        out = out.replace(action, &yaml_str(values, path)?);
    }
    out = out.replace("{{ .Values.rollout.analysis.minRequests }}", &min);
    for arg in ["{{args.namespace}}", "{{args.canary-hash}}"] {
        out = out.replace(&format!("{{{{ \"{arg}\" }}}}"), arg);
    }
    Some(out)
}

/// The chart side: the ServiceMonitor relabels `service` from `app.kubernetes.io/name`, the
/// chart's name value is the service name, and its PrometheusRule carries the very rules.
fn check_chart(files: &BTreeMap<String, Vec<u8>>, org: &Org, svc: &Service, problems: &mut Vec<String>) {
    let name = &svc.name.value;
    let root = format!("{name}/helm/{}", naming::k8s_name(name));
    let Some(monitor) = chart_template(files, &root, "servicemonitor") else { return };
    let relabel = monitor.find("__meta_kubernetes_service_label_app_kubernetes_io_name").map(|i| &monitor[i..]);
    if !relabel.is_some_and(|r| r.lines().take(3).any(|l| l.trim() == "targetLabel: service")) {
        problems.push(format!("{name}: the ServiceMonitor does not set `service` from app.kubernetes.io/name"));
    }
    let hash = monitor.find("__meta_kubernetes_pod_label_rollouts_pod_template_hash").map(|i| &monitor[i..]);
    let target = format!("targetLabel: {}", slo::POD_HASH_LABEL);
    if !hash.is_some_and(|r| r.lines().take(3).any(|l| l.trim() == target)) {
        problems.push(format!("{name}: the ServiceMonitor does not keep the pods' rollouts-pod-template-hash"));
    }
    let values = text(files, &format!("{root}/values.yaml")).unwrap_or_default();
    if !values.lines().any(|l| l == format!("name: {name}")) {
        problems.push(format!("{name}: the chart's `name` value is not `{name}`"));
    }
    let groups = slo::rule_groups(org, svc, None);
    if groups.is_empty() {
        return;
    }
    // Its own template, or a packaged chart's one template after the library's objects.
    let rule = ["prometheusrule.yaml", "platform.yaml"]
        .iter()
        .filter_map(|t| text(files, &format!("{root}/templates/{t}")))
        .find(|t| t.lines().any(|l| l == "kind: PrometheusRule"));
    let Some(rule) = rule else {
        problems.push(format!("{name}: SLO rules but no PrometheusRule in the chart"));
        return;
    };
    // A packaged chart's recording rules: the org's library chart's, with the chart's
    // metric names and name filled in (real Helm renders them in tests/helm.rs).
    let library = if rule.contains("include \"platform-service.sloRecords\"") {
        let values = text(files, &format!("{root}/values.yaml")).unwrap_or_default();
        let metric = |key: &str| yaml_str(&values, &["slo", "metrics", key]).unwrap_or_default();
        text(files, "_org/helm/platform-service/templates/_slo.tpl")
            .unwrap_or_default()
            .replace("{{ $svc }}", &naming::k8s_name(name))
            .replace("{{ $m.requests }}", &metric("requests"))
            .replace("{{ $m.errors }}", &metric("errors"))
            .replace("{{ $m.histogram }}", &metric("histogram"))
            .replace(
                "{{ $o.le }}",
                &slo::slos(svc).iter().find_map(|s| s.threshold_ms).map(slo::le_matcher).unwrap_or_default(),
            )
    } else {
        String::new()
    };
    let library_alerts = rule.contains("include \"platform-service.sloAlerts\"");
    for r in groups.iter().flat_map(|g| &g.rules) {
        let from = if (r.record.is_some() || library_alerts) && !library.is_empty() { &library } else { &rule };
        // The library's numbers are each objective's values (`{{ $o.objective }}`, the budget
        // an alert's threshold multiplies).
        let budget = slo::slos(svc)
            .iter()
            .find(|s| Some(s.kind.as_str()) == r.labels.get("slo").map(String::as_str))
            .map(|s| s.budget().to_string());
        let own = |l: &&str| {
            let as_library = budget.as_ref().map(|b| l.replace(&format!("* {b})"), "* {{ $o.budget }})"));
            from.contains(*l)
                || from == &library && (l.starts_with("vector(") || as_library.is_some_and(|x| from.contains(&x)))
        };
        if let Some(l) = r.expr.lines().find(|l| !own(l)) {
            problems.push(format!("{name}: the chart's PrometheusRule lacks the rule line `{l}`"));
        }
    }
}

/// Checks one case; returns how many selectors it checked and how many services it read
/// through the org's shared dashboard.
fn check_case(input: &Path, problems: &mut Vec<String>) -> (usize, usize) {
    let fe = load(input);
    assert!(!fe.has_errors(), "{}: has errors", input.display());
    let (mut files, _) = build(&fe);
    // A library chart published to a registry is the one the org packages hold.
    let (packages, _) = build_packages(&fe);
    for (path, bytes) in packages {
        if let Some(rest) = path.strip_prefix("helm/") {
            files.entry(format!("_org/helm/{rest}")).or_insert(bytes);
        }
    }
    let org = fe.org.as_ref().unwrap();
    let (mut checked, mut shared) = (0, 0);
    for svc in &fe.services {
        let name = &svc.name.value;
        let groups = slo::rule_groups(org, svc, None);
        let recorded: BTreeSet<String> =
            groups.iter().flat_map(|g| &g.rules).filter_map(|r| r.record.clone()).collect();
        let mut exprs: Vec<(String, String)> = Vec::new();
        for g in &groups {
            for r in &g.rules {
                let what = r.record.clone().or_else(|| r.alert.clone()).unwrap_or_default();
                exprs.push((format!("rule `{what}` of group `{}`", g.name), r.expr.clone()));
                let slo_series = r.record.as_deref().is_some_and(|m| m.starts_with("slo:"));
                if r.record.is_some()
                    && (r.labels.get(slo::SERVICE_LABEL) != Some(name)
                        || (slo_series && !r.labels.contains_key(slo::SLO_LABEL)))
                {
                    problems.push(format!("{name}: recording rule `{what}` lacks the service/slo labels"));
                }
            }
        }
        for env in svc.environments.iter().filter(|_| !groups.is_empty() && org.rule_files()) {
            let file = format!("{name}/prometheus/slo-rules-{}.yaml", env.name.value);
            if let Some(rules) = text(&files, &file) {
                for (what, e) in &exprs {
                    if let Some(l) = e.lines().find(|l| !rules.contains(l)) {
                        problems.push(format!("{file} lacks {what} (line `{l}`)"));
                    }
                }
            } else {
                problems.push(format!("{name}: SLO rules but no {file}"));
            }
        }
        let mut exprs: Vec<(String, String, Namespace)> =
            exprs.into_iter().map(|(w, e)| (w, e, Namespace::AnyOrDashboard)).collect();
        if let Some(q) = canary_query(&files, svc, problems) {
            exprs.push(("canary query".into(), q, Namespace::ReleaseArg));
        } else if svc.deployment.canary.is_some() {
            problems.push(format!("{name}: a canary but no AnalysisTemplate in the chart"));
        }
        if let Some(json) = text(&files, &format!("{name}/grafana/{name}.json")) {
            let dash: Value = serde_json::from_str(&json).unwrap();
            exprs.extend(dashboard_exprs(&dash).into_iter().map(|(w, e)| (w, e, Namespace::AnyOrDashboard)));
        } else if let Some(json) = svc.monitoring.dashboard.value.then(|| text(&files, SHARED_DASHBOARD)).flatten() {
            let dash: Value = serde_json::from_str(&json).unwrap();
            let shared = shared_dashboard_exprs(&dash, svc, &groups, problems);
            exprs.extend(shared.into_iter().map(|(w, e)| (w, e, Namespace::AnyOrDashboard)));
        } else if svc.monitoring.dashboard.value {
            problems.push(format!("{name}: a dashboard but neither its own nor the org's"));
        }
        shared += usize::from(text(&files, SHARED_DASHBOARD).is_some() && svc.monitoring.dashboard.value);
        for (what, e, namespace) in &exprs {
            let found = selectors(e);
            // The shared dashboard's service list reads the info series whole.
            let listing = *e == format!("label_values({}, {})", slo::INFO_RECORD, slo::TEAM_LABEL);
            if listing && !recorded.contains(slo::INFO_RECORD) {
                problems.push(format!("{name}: {what} lists services by a series it does not record"));
            }
            if found.is_empty() && !e.starts_with("vector(") && !listing {
                problems.push(format!("{name}: {what} selects nothing: `{e}`"));
            }
            for s in found {
                checked += 1;
                if let Some(p) = check_selector(svc, &recorded, &format!("{name}: {what}"), &s, *namespace) {
                    problems.push(p);
                }
            }
        }
        check_chart(&files, org, svc, problems);
    }
    (checked, shared)
}

#[test]
fn rules_panels_and_chart_select_what_is_scraped() {
    let mut inputs: Vec<_> = cases(&repo().join("golden-tests/ok")).into_iter().map(|c| c.join("input")).collect();
    inputs.extend(cases(&repo().join("examples")));
    let mut problems = Vec::new();
    let (mut checked, mut shared) = (0, 0);
    for input in &inputs {
        let (c, s) = check_case(input, &mut problems);
        checked += c;
        shared += s;
    }
    assert!(checked > 100, "only {checked} selectors checked");
    assert!(shared >= 4, "only {shared} services read through the shared dashboard");
    assert!(problems.is_empty(), "{} disagreements:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn selector_scanner() {
    let s = selectors(r#"sum(rate(x_total{service="a",code=~"5.."}[5m])) / on (service) slo:y{slo="b"} and z"#);
    assert_eq!(s.len(), 2);
    assert_eq!(s[0].metric, "x_total");
    assert_eq!(
        s[0].matchers,
        vec![("service".into(), "=".into(), "a".into()), ("code".into(), "=~".into(), "5..".into())]
    );
    assert_eq!(s[1].metric, "slo:y");
}

fn warnings_of(files: &[(&str, &str)]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    for (path, body) in files {
        std::fs::write(dir.path().join(path), body).unwrap();
    }
    let fe = load(dir.path());
    assert!(!fe.has_errors(), "{:?}", fe.diagnostics);
    let (_, diags) = build(&fe);
    diags.iter().filter(|d| d.code.id.starts_with("PROM")).map(|d| format!("{}: {}", d.code.id, d.message)).collect()
}

#[test]
fn dead_and_missing_alerts_are_reported() {
    let low = "kind: Service\nmetadata:\n  name: lab-api\n  team: lab\n  tier: critical\nspec:\n  language: go\n  runtime:\n    replicas: 2\n  monitoring:\n    slo: 90\n";
    assert_eq!(
        warnings_of(&[("platform.yaml", low)]),
        ["PROM001: the availability objective of 90 % leaves so little room that the 5m/1h window can never fire"]
    );
    let page_only = "kind: Platform\nmetadata:\n  name: acme\nspec:\n  monitoring:\n    windows:\n      - {severity: page, long: 1h, short: 5m, budgetPercent: 2, for: 2m}\n";
    let standard = "kind: Service\nmetadata:\n  name: lab-api\n  team: lab\n  tier: standard\nspec:\n  language: go\n  monitoring:\n    slo: 99.9\n";
    assert_eq!(
        warnings_of(&[("platform-org.yaml", page_only), ("platform.yaml", standard)]),
        ["PROM002: alerts are on but no burn-rate window of the org applies to tier `standard`"]
    );
    let fine = "kind: Service\nmetadata:\n  name: lab-api\n  team: lab\n  tier: standard\nspec:\n  language: go\n  monitoring:\n    slo: 99.9\n";
    assert!(warnings_of(&[("platform.yaml", fine)]).is_empty());
    // The org routes alerts by team: a team without a Slack channel has nowhere for tickets.
    let pager_only = "kind: Platform\nmetadata:\n  name: acme\nspec:\n  teams:\n    lab:\n      pagerduty: PLAB001\n";
    assert_eq!(
        warnings_of(&[("platform-org.yaml", pager_only), ("platform.yaml", fine)]),
        ["PROM003: team `lab` has no Slack channel: its ticket alerts reach no one"]
    );
    let both = "kind: Platform\nmetadata:\n  name: acme\nspec:\n  teams:\n    lab:\n      pagerduty: PLAB001\n      slack: \"#lab\"\n";
    assert!(warnings_of(&[("platform-org.yaml", both), ("platform.yaml", fine)]).is_empty());
}
