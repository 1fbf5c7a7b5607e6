//! The rule-group file: `groups:` in Prometheus' `rule_files` format, keys in the order
//! Prometheus documents them.

use platform_ir::slo::{Rule, RuleGroup};
use serde_json::{Map, Value, json};

/// The YAML text of a rule file holding `groups`.
pub fn file(groups: &[RuleGroup]) -> String {
    let doc = json!({ "groups": groups.iter().map(group).collect::<Vec<_>>() });
    let mut s = serde_saphyr::to_string(&doc).unwrap_or_default();
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

/// One group as a JSON value.
pub fn group(g: &RuleGroup) -> Value {
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
