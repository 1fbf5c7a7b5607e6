//! The chart's templates. All but one are constants (the files next to this module), the
//! same bytes for every service; which of them a chart gets depends on what the service
//! uses. The `PrometheusRule` carries the SLO rules as literal text, made inert with
//! [`crate::literal::go_template_text`].

use platform_ir::Format;
use platform_ir::slo::{Rule, RuleGroup};
use serde_json::{Map, Value, json};

use crate::Chart;
use crate::literal::go_template_text;
use crate::yaml::to_yaml;

const HELPERS: &str = include_str!("templates/_helpers.tpl");
const NOTES: &str = include_str!("templates/NOTES.txt");
const DEPLOYMENT: &str = include_str!("templates/deployment.yaml");
const ROLLOUT: &str = include_str!("templates/rollout.yaml");
const ANALYSIS_TEMPLATE: &str = include_str!("templates/analysistemplate.yaml");
const SERVICE: &str = include_str!("templates/service.yaml");
const SERVICE_ACCOUNT: &str = include_str!("templates/serviceaccount.yaml");
const HPA: &str = include_str!("templates/hpa.yaml");
const PDB: &str = include_str!("templates/pdb.yaml");
const NETWORK_POLICY: &str = include_str!("templates/networkpolicy.yaml");
const INGRESS: &str = include_str!("templates/ingress.yaml");
const HTTP_ROUTE: &str = include_str!("templates/httproute.yaml");
const SERVICE_MONITOR: &str = include_str!("templates/servicemonitor.yaml");
const EXTERNAL_SECRET: &str = include_str!("templates/externalsecret.yaml");

/// The head of the PrometheusRule template; the rules follow as literal text.
const PROMETHEUS_RULE_HEAD: &str = r#"apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: {{ include "platform.name" . | quote }}
  namespace: {{ .Release.Namespace | quote }}
  labels:
    {{- include "platform.monitoringLabels" . | nindent 4 }}
"#;

/// `(path under templates/, format, text)` of every template the chart gets.
pub fn files(c: &Chart<'_>) -> Vec<(&'static str, Format, String)> {
    let mut out: Vec<(&'static str, Format, String)> = vec![
        ("_helpers.tpl", Format::GoTemplate, HELPERS.to_owned()),
        ("NOTES.txt", Format::GoTemplate, NOTES.to_owned()),
        ("deployment.yaml", Format::Yaml, DEPLOYMENT.to_owned()),
        ("service.yaml", Format::Yaml, SERVICE.to_owned()),
        ("serviceaccount.yaml", Format::Yaml, SERVICE_ACCOUNT.to_owned()),
        ("networkpolicy.yaml", Format::Yaml, NETWORK_POLICY.to_owned()),
        ("servicemonitor.yaml", Format::Yaml, SERVICE_MONITOR.to_owned()),
    ];
    if c.canary {
        out.push(("rollout.yaml", Format::Yaml, ROLLOUT.to_owned()));
        out.push(("analysistemplate.yaml", Format::Yaml, ANALYSIS_TEMPLATE.to_owned()));
    }
    if c.autoscaling {
        out.push(("hpa.yaml", Format::Yaml, HPA.to_owned()));
    }
    if c.pdb {
        out.push(("pdb.yaml", Format::Yaml, PDB.to_owned()));
    }
    if c.ingress && c.gateway_api {
        out.push(("httproute.yaml", Format::Yaml, HTTP_ROUTE.to_owned()));
    } else if c.ingress {
        out.push(("ingress.yaml", Format::Yaml, INGRESS.to_owned()));
    }
    if c.external_secrets {
        out.push(("externalsecret.yaml", Format::Yaml, EXTERNAL_SECRET.to_owned()));
    }
    if !c.rules.is_empty() {
        out.push(("prometheusrule.yaml", Format::Yaml, prometheus_rule(&c.rules)));
    }
    out.sort_by(|a, b| a.0.cmp(b.0));
    out
}

/// The PrometheusRule template: the head, then `spec.groups` as escaped literal YAML.
pub fn prometheus_rule(groups: &[RuleGroup]) -> String {
    let spec = json!({ "spec": { "groups": groups.iter().map(group).collect::<Vec<_>>() } });
    format!("{PROMETHEUS_RULE_HEAD}{}", go_template_text(&to_yaml(&spec)))
}

fn group(g: &RuleGroup) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(g.name));
    if let Some(i) = &g.interval {
        m.insert("interval".into(), json!(i));
    }
    m.insert("rules".into(), Value::Array(g.rules.iter().map(rule).collect()));
    Value::Object(m)
}

fn rule(r: &Rule) -> Value {
    let mut m = Map::new();
    if let Some(rec) = &r.record {
        m.insert("record".into(), json!(rec));
    }
    if let Some(a) = &r.alert {
        m.insert("alert".into(), json!(a));
    }
    m.insert("expr".into(), json!(r.expr));
    if let Some(f) = &r.for_ {
        m.insert("for".into(), json!(f));
    }
    if !r.labels.is_empty() {
        m.insert("labels".into(), json!(r.labels));
    }
    if !r.annotations.is_empty() {
        m.insert("annotations".into(), json!(r.annotations));
    }
    Value::Object(m)
}
