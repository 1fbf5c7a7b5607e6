//! The Kubernetes objects each environment of a chart renders, without Helm: an
//! environment's values are `values.yaml` with `values-<env>.yaml` merged over it (Helm's
//! own order for `-f values.yaml -f values-<env>.yaml`: mappings merge key by key, other
//! values replace), and a template renders its object where the guards that open it
//! (`{{- if .Values.a.b }}`, `{{- if not .Values.a.b }}`, `and` of those, before its
//! `kind:`) hold. (A `with` is not read: the pods' security groups are values CI sets.)
//! Comparing the two trees then shows, per environment, an object created or destroyed, a
//! workload kind swap (a Deployment destroyed and a Rollout created in one upgrade), and a
//! changed selector (the immutable `spec.selector` of a workload, from the release name).
//! A packaged chart's objects are the `define`s of the org's library chart in the same tree
//! (`_org/helm/<library>/templates/*.tpl`), read the same way.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{Action, Change, Layer, Tree};

/// Merge `over` into `base` as Helm merges values files.
fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(k) {
                    Some(x) => merge(x, v),
                    None => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, o) => *b = o.clone(),
    }
}

fn truthy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) | Some(Value::Bool(false)) => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
        Some(Value::Bool(true)) => true,
    }
}

/// Whether a template renders its object with `values`, and its kind. `None` for a
/// template with no object (`_helpers.tpl`, `NOTES.txt`). A guard this reading does not
/// understand counts as holding.
fn renders(template: &str, values: &Value) -> Option<(String, bool)> {
    let mut guard = true;
    for line in template.lines() {
        if let Some(kind) = line.strip_prefix("kind: ") {
            return Some((kind.trim().to_owned(), guard));
        }
        let t = line.trim();
        let Some(cond) = t.strip_prefix("{{- if ").or_else(|| t.strip_prefix("{{ if ")) else { continue };
        let cond = cond.trim_end_matches("}}").trim().trim_end_matches('-').trim();
        let spaced = cond.replace('(', " ( ").replace(')', " ) ");
        let tokens: Vec<&str> = spaced.split_whitespace().collect();
        let mut at = 0;
        if let Some(holds) = condition(&tokens, &mut at, values)
            && at == tokens.len()
        {
            guard &= holds;
        }
    }
    None
}

/// One Go-template condition of `.Values` paths, `not`, `and` and parentheses, from
/// `tokens[*at..]`; `None` for anything else.
fn condition(tokens: &[&str], at: &mut usize, values: &Value) -> Option<bool> {
    let token = *tokens.get(*at)?;
    *at += 1;
    match token {
        "(" => {
            let v = condition(tokens, at, values)?;
            (tokens.get(*at) == Some(&")")).then(|| *at += 1)?;
            Some(v)
        }
        "not" => condition(tokens, at, values).map(|v| !v),
        "and" => {
            let mut all = true;
            let mut n = 0;
            while *at < tokens.len() && tokens[*at] != ")" {
                all &= condition(tokens, at, values)?;
                n += 1;
            }
            (n >= 2).then_some(all)
        }
        path => {
            let path = path.strip_prefix(".Values.")?;
            let mut v = Some(values);
            for part in path.split('.') {
                v = v.and_then(|x| x.get(part));
            }
            Some(truthy(v))
        }
    }
}

/// The object templates of each library chart in `tree` (`_org/helm/<library>/templates/`):
/// the body of every `define "<library>.<object>"`, by library name.
fn libraries(tree: &Tree) -> BTreeMap<String, Vec<&str>> {
    let mut out: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (path, bytes) in tree {
        let Some(rest) = path.strip_prefix("_org/helm/") else { continue };
        let Some((library, file)) = rest.split_once("/templates/") else { continue };
        if !file.ends_with(".tpl") {
            continue;
        }
        let text = std::str::from_utf8(bytes).unwrap_or("");
        let prefix = format!("{library}.");
        let bodies = text.split("{{- define \"").skip(1).filter(|d| d.starts_with(&prefix));
        out.entry(library.to_owned()).or_default().extend(bodies);
    }
    out
}

/// Per chart directory: each environment's objects (kind → rendered), and its selector.
type Rendered = BTreeMap<(String, String), (BTreeMap<String, bool>, String)>;

/// A chart's files: its base values, each environment's values, its templates.
#[derive(Default)]
struct Chart<'a> {
    base: Option<Value>,
    envs: BTreeMap<String, Value>,
    templates: Vec<&'a str>,
}

/// A chart file's directory (`<service>/helm/<chart>`) and its path inside it.
fn chart_of(path: &str) -> Option<(String, &str)> {
    let mut parts = path.splitn(3, '/');
    let (Some(service), Some("helm"), Some(rest)) = (parts.next(), parts.next(), parts.next()) else { return None };
    let (chart, file) = rest.split_once('/')?;
    Some((format!("{service}/helm/{chart}"), file))
}

/// The charts of `tree` among `dirs`, rendered per environment.
fn rendered(tree: &Tree, dirs: &BTreeSet<String>) -> Rendered {
    let libraries = libraries(tree);
    let mut charts: BTreeMap<String, Chart<'_>> = BTreeMap::new();
    for (path, bytes) in tree {
        let Some((dir, file)) = chart_of(path) else { continue };
        if !dirs.contains(&dir) {
            continue;
        }
        let entry = charts.entry(dir).or_default();
        let parse = || super::documents::first_document(bytes);
        if file == "values.yaml" {
            entry.base = parse();
        } else if let Some(env) = file.strip_prefix("values-").and_then(|f| f.strip_suffix(".yaml")) {
            if let Some(v) = parse() {
                entry.envs.insert(env.to_owned(), v);
            }
        } else if file.starts_with("templates/") {
            let text = std::str::from_utf8(bytes).unwrap_or("");
            // A packaged chart: every object of the library it includes, and its own (the SLO
            // rules) after the include.
            let included = libraries.iter().find(|(l, _)| text.contains(&format!("include \"{l}.objects\"")));
            match included {
                Some((_, objects)) => {
                    entry.templates.extend(objects.iter().copied());
                    if text.lines().any(|l| l.starts_with("kind: ")) {
                        entry.templates.push(text);
                    }
                }
                None => entry.templates.push(text),
            }
        }
    }
    let mut out = Rendered::new();
    for (dir, Chart { base, envs, templates }) in charts {
        let Some(base) = base else { continue };
        for (env, over) in envs {
            let mut values = base.clone();
            merge(&mut values, &over);
            let objects: BTreeMap<String, bool> = templates.iter().filter_map(|t| renders(t, &values)).collect();
            let selector = values.get("name").and_then(Value::as_str).unwrap_or("").to_owned();
            out.insert((dir.clone(), env), (objects, selector));
        }
    }
    out
}

const WORKLOADS: &[&str] = &["Deployment", "Rollout"];

/// Every object an environment starts or stops rendering, with kind swaps and selector
/// changes named.
pub fn changes(base: &Tree, head: &Tree, out: &mut Vec<Change>) {
    // Only the charts a file of which changed: the others render as they did.
    let changed: BTreeSet<String> = base
        .iter()
        .filter(|(p, b)| head.get(*p) != Some(*b))
        .chain(head.iter().filter(|(p, _)| !base.contains_key(*p)))
        .filter_map(|(p, _)| chart_of(p).map(|(d, _)| d))
        .collect();
    let (a, b) = (rendered(base, &changed), rendered(head, &changed));
    let keys: BTreeSet<&(String, String)> = a.keys().chain(b.keys()).collect();
    let empty = (BTreeMap::new(), String::new());
    for key in keys {
        let (dir, env) = key;
        let ((was, old_sel), (now, new_sel)) = (a.get(key).unwrap_or(&empty), b.get(key).unwrap_or(&empty));
        if !a.contains_key(key) || !b.contains_key(key) {
            // A new or removed environment or chart: its files say it.
            continue;
        }
        let on = |m: &BTreeMap<String, bool>, k: &str| m.get(k).copied().unwrap_or(false);
        let gone: Vec<&str> = WORKLOADS.iter().copied().filter(|k| on(was, k) && !on(now, k)).collect();
        let came: Vec<&str> = WORKLOADS.iter().copied().filter(|k| !on(was, k) && on(now, k)).collect();
        let kinds: BTreeSet<&String> = was.keys().chain(now.keys()).collect();
        for kind in kinds {
            let (x, y) = (on(was, kind), on(now, kind));
            let mut detail = Vec::new();
            let action = match (x, y) {
                (true, false) => Action::Destroy,
                (false, true) => Action::Create,
                (true, true) if WORKLOADS.contains(&kind.as_str()) && old_sel != new_sel => {
                    detail.push(format!("selector (immutable): {old_sel} → {new_sel}; the workload is replaced"));
                    Action::Replace
                }
                _ => continue,
            };
            if WORKLOADS.contains(&kind.as_str()) && !gone.is_empty() && !came.is_empty() {
                detail.push(format!(
                    "kind swap: {} → {}; every pod is replaced in one upgrade",
                    gone.join(", "),
                    came.join(", ")
                ));
            }
            out.push(Change {
                service: dir.split('/').next().unwrap_or("").to_owned(),
                layer: Layer::Kubernetes,
                root: format!("{dir}/values-{env}.yaml"),
                environment: Some(env.clone()),
                object: format!("{kind} (rendered)"),
                action,
                detail,
                holds_data: false,
                trace: None,
                input: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::changes::tree;

    const DEPLOYMENT: &str =
        "{{- if not .Values.rollout.enabled }}\napiVersion: apps/v1\nkind: Deployment\n{{- end }}\n";
    const ROLLOUT: &str =
        "{{- if .Values.rollout.enabled }}\napiVersion: argoproj.io/v1alpha1\nkind: Rollout\n{{- end }}\n";

    fn chart(canary_in_production: bool) -> Tree {
        let production = format!("rollout:\n  enabled: {canary_in_production}\n");
        tree(&[
            ("api/helm/api/values.yaml", "name: api\nrollout:\n  enabled: false\n"),
            ("api/helm/api/values-staging.yaml", "replicaCount: 1\n"),
            ("api/helm/api/values-production.yaml", &production),
            ("api/helm/api/templates/deployment.yaml", DEPLOYMENT),
            ("api/helm/api/templates/rollout.yaml", ROLLOUT),
        ])
    }

    #[test]
    fn a_canary_turned_on_swaps_the_workload_in_its_environment_only() {
        let mut out = Vec::new();
        changes(&chart(false), &chart(true), &mut out);
        let got: Vec<(&str, Action, Option<&str>)> =
            out.iter().map(|c| (c.object.as_str(), c.action, c.environment.as_deref())).collect();
        assert_eq!(
            got,
            [
                ("Deployment (rendered)", Action::Destroy, Some("production")),
                ("Rollout (rendered)", Action::Create, Some("production")),
            ]
        );
        assert!(out[0].detail[0].starts_with("kind swap: Deployment → Rollout"), "{:?}", out[0]);
    }

    #[test]
    fn guards_follow_helms_merge_and_truthiness() {
        let mut v = serde_json::json!({"a": {"b": true, "c": 1}});
        merge(&mut v, &serde_json::json!({"a": {"b": false}}));
        assert_eq!(v, serde_json::json!({"a": {"b": false, "c": 1}}));
        assert_eq!(renders(ROLLOUT, &v), Some(("Rollout".into(), false)), "no rollout key: the guard is false");
        let with = serde_json::json!({"rollout": {"enabled": true}});
        assert_eq!(renders(ROLLOUT, &with), Some(("Rollout".into(), true)));
        assert_eq!(renders(DEPLOYMENT, &with), Some(("Deployment".into(), false)));
        assert_eq!(renders("{{/* helpers */}}\n", &with), None);
        let route = "{{- if and .Values.ingress (not .Values.ingress.gateway) }}\nkind: Ingress\n";
        let gateway = serde_json::json!({"ingress": {"gateway": {"name": "g"}}});
        assert_eq!(renders(route, &gateway), Some(("Ingress".into(), false)));
        assert_eq!(renders(route, &serde_json::json!({"ingress": {"host": "h"}})), Some(("Ingress".into(), true)));
        assert_eq!(renders(route, &serde_json::json!({})), Some(("Ingress".into(), false)));
    }

    /// A packaged chart's objects come from the library chart's defines in the same tree.
    #[test]
    fn a_packaged_chart_renders_the_objects_of_its_library() {
        let library = format!(
            "{{{{- define \"platform-service.deployment\" }}}}\n{DEPLOYMENT}{{{{- end }}}}\n\n\
             {{{{- define \"platform-service.rollout\" }}}}\n{ROLLOUT}{{{{- end }}}}\n\n\
             {{{{- define \"platform-service.objects\" }}}}\n{{{{- end }}}}\n"
        );
        let packaged = |canary: bool| {
            let mut t = chart(canary);
            t.retain(|p, _| !p.contains("/templates/"));
            t.extend(tree(&[
                ("api/helm/api/templates/platform.yaml", "{{- include \"platform-service.objects\" . }}\n"),
                ("_org/helm/platform-service/templates/_objects.tpl", &library),
            ]));
            t
        };
        let mut out = Vec::new();
        changes(&packaged(false), &packaged(true), &mut out);
        let got: Vec<(&str, Action)> = out.iter().map(|c| (c.object.as_str(), c.action)).collect();
        assert_eq!(got, [("Deployment (rendered)", Action::Destroy), ("Rollout (rendered)", Action::Create)]);
    }

    /// A packaged chart's SLO rules follow the library's objects in its one template: a
    /// vendored chart's `prometheusrule.yaml` moved there renders the same rule.
    #[test]
    fn the_rules_after_a_packaged_charts_include_are_its_own_objects() {
        const RULE: &str = "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\n";
        let library = format!(
            "{{{{- define \"platform-service.deployment\" }}}}\n{DEPLOYMENT}{{{{- end }}}}\n\n\
             {{{{- define \"platform-service.rollout\" }}}}\n{ROLLOUT}{{{{- end }}}}\n"
        );
        let mut vendored = chart(false);
        vendored.extend(tree(&[("api/helm/api/templates/prometheusrule.yaml", RULE)]));
        let mut packaged = chart(false);
        packaged.retain(|p, _| !p.contains("/templates/"));
        let objects = format!("{{{{- include \"platform-service.objects\" . }}}}\n---\n{RULE}");
        packaged.extend(tree(&[
            ("api/helm/api/templates/platform.yaml", &objects),
            ("_org/helm/platform-service/templates/_objects.tpl", &library),
        ]));
        let mut out = Vec::new();
        changes(&vendored, &packaged, &mut out);
        assert_eq!(out, Vec::new(), "the same objects render on both sides");
        let mut without = packaged.clone();
        without.insert(
            "api/helm/api/templates/platform.yaml".into(),
            b"{{- include \"platform-service.objects\" . }}\n".to_vec(),
        );
        changes(&vendored, &without, &mut out);
        let got: Vec<(&str, Action)> = out.iter().map(|c| (c.object.as_str(), c.action)).collect();
        assert_eq!(
            got,
            [("PrometheusRule (rendered)", Action::Destroy), ("PrometheusRule (rendered)", Action::Destroy)]
        );
    }
}
