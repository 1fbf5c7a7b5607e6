//! The YAML and JSON outputs by what they hold: the chart's objects (a template per kind)
//! and its values per environment, alert and recording rules by name per environment,
//! workflow jobs, dashboard panels by title and catalog entities by kind and name.

use std::collections::{BTreeMap, BTreeSet};

use platform_syntax::yaml::{Kind, Node};
use serde_json::Value;

use super::{Action, Change, Layer, Tree, shorten};

fn to_json(n: &Node) -> Value {
    match &n.kind {
        Kind::Null => Value::Null,
        Kind::Bool(b) => Value::Bool(*b),
        Kind::Int(_, t) | Kind::Float(_, t) => serde_json::from_str(t).unwrap_or_else(|_| Value::String(t.clone())),
        Kind::Str(s) => Value::String(s.clone()),
        Kind::Seq(items) => Value::Array(items.iter().map(to_json).collect()),
        Kind::Map(entries) => Value::Object(entries.iter().map(|(k, v)| (k.name.clone(), to_json(v))).collect()),
    }
}

/// The documents of a YAML text, split at `---` lines: each with the index of its first
/// line and its text.
pub(crate) fn yaml_documents(text: &str) -> Vec<(usize, &str)> {
    let mut docs = Vec::new();
    let (mut first, mut from) = (0, 0);
    let mut at = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if line.trim_end_matches(['\n', '\r']) == "---" {
            docs.push((first, &text[from..at]));
            (first, from) = (i + 1, at + line.len());
        }
        at += line.len();
    }
    docs.push((first, &text[from..]));
    docs
}

/// The documents of a YAML file (split at `---` lines), or of a JSON file.
fn documents(path: &str, bytes: &[u8]) -> Vec<Value> {
    let Ok(text) = std::str::from_utf8(bytes) else { return Vec::new() };
    if path.ends_with(".json") {
        return serde_json::from_str(text).into_iter().collect();
    }
    yaml_documents(text)
        .into_iter()
        .filter_map(|(_, doc)| platform_syntax::yaml::parse(doc, platform_ir::FileId(0)).ok())
        .filter(|n| !matches!(n.kind, Kind::Null))
        .map(|n| to_json(&n))
        .collect()
}

/// The first document of a YAML or JSON file.
pub(crate) fn first_document(bytes: &[u8]) -> Option<Value> {
    documents("values.yaml", bytes).into_iter().next()
}

/// A list item's name, when it has one.
fn name_of(v: &Value) -> Option<String> {
    let o = v.as_object()?;
    for k in ["alert", "record", "name", "title", "id"] {
        if let Some(s) = o.get(k).and_then(Value::as_str) {
            let severity = o.get("labels").and_then(|l| l.get("severity")).and_then(Value::as_str);
            return Some(match severity {
                Some(sev) if k == "alert" => format!("{s} ({sev})"),
                _ => s.to_owned(),
            });
        }
    }
    None
}

/// Leaves by path; list items by their name where they have one.
fn flatten(prefix: &str, v: &Value, out: &mut BTreeMap<String, String>) {
    let join = |k: &str| if prefix.is_empty() { k.to_owned() } else { format!("{prefix}.{k}") };
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                flatten(&join(k), x, out);
            }
        }
        Value::Array(items) if items.iter().all(|i| name_of(i).is_some()) && !items.is_empty() => {
            for i in items {
                flatten(&format!("{prefix}[{}]", name_of(i).unwrap_or_default()), i, out);
            }
        }
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            out.insert(prefix.to_owned(), v.to_string());
        }
        Value::Array(items) => {
            for (n, i) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{n}]"), i, out);
            }
        }
        other => {
            out.insert(
                prefix.to_owned(),
                match other {
                    Value::String(s) => s.clone(),
                    x => x.to_string(),
                },
            );
        }
    }
}

/// Named objects of a document: `name → its leaves`.
type Objects = BTreeMap<String, BTreeMap<String, String>>;

/// Numbers that differ between two texts, in order: what a changed threshold looks like
/// inside a PromQL expression.
fn numbers(a: &str, b: &str) -> Option<String> {
    let nums = |s: &str| -> Vec<String> {
        s.split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .filter(|t| !t.is_empty() && t.chars().any(|c| c.is_ascii_digit()))
            .map(str::to_owned)
            .collect()
    };
    let (x, y) = (nums(a), nums(b));
    if x.len() != y.len() {
        return None;
    }
    let diffs: Vec<String> = x.iter().zip(&y).filter(|(p, q)| p != q).map(|(p, q)| format!("{p} → {q}")).collect();
    (!diffs.is_empty()).then(|| diffs.join(", "))
}

/// What changed between two objects' leaves.
fn detail(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> Vec<String> {
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| match (a.get(k), b.get(k)) {
            (Some(x), Some(y)) => match numbers(x, y) {
                Some(n) if x.len() > 60 => format!("{k}: {n}"),
                _ => format!("{k}: {} → {}", shorten(x), shorten(y)),
            },
            (None, Some(y)) => format!("{k}: + {}", shorten(y)),
            (Some(x), None) => format!("{k}: - {}", shorten(x)),
            (None, None) => k.clone(),
        })
        .collect()
}

/// Compare named objects; each change gets `layer`, `root` and `environment`.
fn compare(
    service: &str,
    layer: Layer,
    root: &str,
    env: Option<&str>,
    a: &Objects,
    b: &Objects,
    out: &mut Vec<Change>,
) {
    let names: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for n in names {
        let (action, detail, leaf) = match (a.get(n), b.get(n)) {
            (None, Some(y)) => (Action::Create, Vec::new(), y.keys().next().cloned()),
            (Some(_), None) => (Action::Destroy, Vec::new(), None),
            (Some(x), Some(y)) if x != y => {
                (Action::Update, detail(x, y), y.keys().find(|k| x.get(*k) != y.get(*k)).cloned())
            }
            _ => continue,
        };
        out.push(Change {
            service: service.to_owned(),
            layer,
            root: root.to_owned(),
            environment: env.map(str::to_owned),
            object: n.clone(),
            action,
            detail,
            holds_data: false,
            trace: leaf.map(|k| (root.to_owned(), k)),
            input: None,
        });
    }
}

/// What kind of file a path is, and the environment it is for.
enum FileKind<'a> {
    Values(Option<&'a str>),
    Template,
    Rules(Option<&'a str>),
    Workflow,
    Dashboard,
    Catalog,
}

fn kind_of(path: &str) -> Option<FileKind<'_>> {
    let mut parts = path.splitn(3, '/');
    let (_, backend, rest) = (parts.next()?, parts.next()?, parts.next()?);
    let file = rest.rsplit('/').next()?;
    match backend {
        "helm" if rest.contains("/templates/") && file.ends_with(".yaml") => Some(FileKind::Template),
        "helm" if file == "values.yaml" => Some(FileKind::Values(None)),
        "helm" => file.strip_prefix("values-")?.strip_suffix(".yaml").map(|e| FileKind::Values(Some(e))),
        "prometheus" => {
            let stem = file.strip_suffix(".yaml")?;
            Some(FileKind::Rules(stem.strip_prefix("slo-rules-")))
        }
        "github-actions" if file.ends_with(".yml") => Some(FileKind::Workflow),
        "grafana" if file.ends_with(".json") => Some(FileKind::Dashboard),
        "backstage" if file.ends_with(".yaml") => Some(FileKind::Catalog),
        _ => None,
    }
}

/// A template's object kind: its first `kind:` line at column 0.
/// A chart template that renders the service's `PrometheusRule`: `prometheusrule.yaml`, or a
/// packaged chart's `platform.yaml`, whose rules follow the library's objects.
fn is_rule_template(path: &str, bytes: &[u8]) -> bool {
    path.contains("/templates/") && template_kind(bytes).as_deref() == Some("PrometheusRule")
}

fn template_kind(bytes: &[u8]) -> Option<String> {
    String::from_utf8_lossy(bytes).lines().find_map(|l| l.strip_prefix("kind: ").map(|k| k.trim().to_owned()))
}

fn objects(kind: &FileKind<'_>, path: &str, bytes: &[u8]) -> Objects {
    let docs = documents(path, bytes);
    let mut out = Objects::new();
    match kind {
        FileKind::Values(_) => {
            // By top-level key: `values.canary`, `values.resources`.
            for d in &docs {
                for (k, v) in d.as_object().into_iter().flatten() {
                    let mut leaves = BTreeMap::new();
                    flatten(k, v, &mut leaves);
                    out.insert(format!("values.{k}"), leaves);
                }
            }
        }
        FileKind::Rules(_) => {
            for d in &docs {
                rule_objects(d.get("groups"), &mut out);
            }
        }
        FileKind::Workflow => {
            let file = path.rsplit('/').next().unwrap_or(path);
            for d in &docs {
                for (job, v) in d.get("jobs").and_then(Value::as_object).into_iter().flatten() {
                    let mut leaves = BTreeMap::new();
                    flatten("", v, &mut leaves);
                    out.insert(format!("{file}: job {job}"), leaves);
                }
            }
        }
        FileKind::Dashboard => {
            fn panels(v: &Value, out: &mut Objects) {
                for p in v.get("panels").and_then(Value::as_array).into_iter().flatten() {
                    let mut leaves = BTreeMap::new();
                    let mut shallow = p.clone();
                    if let Some(o) = shallow.as_object_mut() {
                        o.remove("panels");
                        o.remove("gridPos");
                        o.remove("id");
                    }
                    flatten("", &shallow, &mut leaves);
                    // By id, which a title change keeps; named by its title.
                    let title = p.get("title").and_then(Value::as_str).unwrap_or("untitled");
                    let key = match p.get("id").and_then(Value::as_u64) {
                        Some(id) => format!("panel #{id}"),
                        None => format!("panel {title}"),
                    };
                    out.insert(key, leaves);
                    panels(p, out);
                }
            }
            for d in &docs {
                panels(d, &mut out);
            }
        }
        FileKind::Catalog => {
            for d in &docs {
                let kind = d.get("kind").and_then(Value::as_str).unwrap_or("");
                let name = d.get("metadata").and_then(|m| m.get("name")).and_then(Value::as_str).unwrap_or("");
                let mut leaves = BTreeMap::new();
                flatten("", d, &mut leaves);
                out.insert(format!("{kind} {name}"), leaves);
            }
        }
        FileKind::Template => {}
    }
    out
}

/// The rules of a `groups` list, by kind, name and group.
fn rule_objects(groups: Option<&Value>, out: &mut Objects) {
    for g in groups.and_then(Value::as_array).into_iter().flatten() {
        for r in g.get("rules").and_then(Value::as_array).into_iter().flatten() {
            let what = if r.get("alert").is_some() { "alert" } else { "record" };
            let mut leaves = BTreeMap::new();
            flatten("", r, &mut leaves);
            let group = g.get("name").and_then(Value::as_str).unwrap_or("");
            out.insert(format!("{what} {} [{group}]", name_of(r).unwrap_or_default()), leaves);
        }
    }
}

/// The chart's `PrometheusRule` template, read back per environment: its rules as each
/// `{{- if eq .Values.environment "<env>" }}` branch renders them. The branch for a render
/// without an environment is left out: no environment deploys it.
fn chart_rules(bytes: &[u8]) -> BTreeMap<String, Objects> {
    let mut out = BTreeMap::new();
    for (env, text) in chart_rule_texts(bytes) {
        let Some(env) = env else { continue };
        let mut objects = Objects::new();
        for d in documents("rules.yaml", text.as_bytes()) {
            rule_objects(d.get("spec").and_then(|s| s.get("groups")), &mut objects);
        }
        out.insert(env, objects);
    }
    out
}

/// A chart template's text as the review compares it line by line: a `PrometheusRule`
/// template as every branch renders it, one after the other (so it holds the lines of
/// each environment's rule file), any other file as it is.
pub fn rendered<'a>(path: &str, bytes: &'a [u8]) -> std::borrow::Cow<'a, [u8]> {
    if !matches!(kind_of(path), Some(FileKind::Template)) || template_kind(bytes).as_deref() != Some("PrometheusRule") {
        return bytes.into();
    }
    let texts = chart_rule_texts(bytes);
    if texts.is_empty() {
        return bytes.into();
    }
    texts.into_iter().map(|(_, t)| t).collect::<String>().into_bytes().into()
}

/// Each branch of a chart's `PrometheusRule` template (`None`: the render without an
/// environment) and the `spec` it renders: the groups ahead of the choice, the branch's own,
/// then the one copy after the choice with the variables the branch sets filled in, with
/// the escaped `{{` of the rule text restored.
fn chart_rule_texts(bytes: &[u8]) -> Vec<(Option<String>, String)> {
    struct Branch {
        env: Option<String>,
        body: String,
        vars: BTreeMap<String, String>,
    }
    let text = String::from_utf8_lossy(bytes);
    let mut shared = String::new();
    let mut defaults = BTreeMap::new();
    let mut branches: Vec<Branch> = Vec::new();
    let mut tail: Vec<String> = Vec::new();
    let (mut in_spec, mut chosen) = (false, false);
    for line in text.lines() {
        let restored = line.replace("{{ \"{{\" }}", "{{");
        if chosen {
            tail.push(restored);
            continue;
        }
        if let Some(control) = line.strip_prefix("{{- ").and_then(|c| c.strip_suffix(" }}")) {
            let env = control
                .strip_prefix("if eq .Values.environment ")
                .or_else(|| control.strip_prefix("else if eq .Values.environment "))
                .map(|e| e.trim_matches('"').to_owned());
            if control.starts_with("if ") || control.starts_with("else") {
                branches.push(Branch { env, body: String::new(), vars: defaults.clone() });
            } else if control == "end" {
                chosen = true;
            } else if let Some((name, value)) = control.split_once(" := ").or_else(|| control.split_once(" = ")) {
                let value = value.trim_matches('"').to_owned();
                match branches.last_mut() {
                    Some(b) => b.vars.insert(name.to_owned(), value),
                    None => defaults.insert(name.to_owned(), value),
                };
            }
            continue;
        }
        in_spec |= line.starts_with("spec:");
        let line = format!("{restored}\n");
        match branches.last_mut() {
            Some(b) => b.body.push_str(&line),
            None if in_spec => shared.push_str(&line),
            None => {}
        }
    }
    branches.into_iter().map(|b| (b.env, format!("{shared}{}{}", b.body, filled(&tail, &b.vars)))).collect()
}

/// The lines after a chart's environment choice as a branch's variables render them:
/// `{{ $name }}` is the variable's value, `{{- with $name }}` keeps what it encloses (where
/// `{{ . }}` is the value) only when the value is not empty.
fn filled(tail: &[String], vars: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut with: Option<Option<&str>> = None;
    for line in tail {
        if let Some(name) = line.strip_prefix("{{- with ").and_then(|c| c.strip_suffix(" }}")) {
            with = Some(vars.get(name).map(String::as_str).filter(|v| !v.is_empty()));
            continue;
        }
        if line == "{{- end }}" {
            with = None;
            continue;
        }
        let mut line = line.clone();
        match with {
            Some(None) => continue,
            Some(Some(value)) => line = line.replace("{{ . }}", value),
            None => {}
        }
        for (name, value) in vars {
            line = line.replace(&format!("{{{{ {name} }}}}"), value);
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// The library chart that `tree`'s chart of the template at `path` includes its objects
/// from, when that library defines an object of `kind` (`_org/helm/<library>/templates/`).
fn library_kind(tree: &Tree, path: &str, kind: &str) -> Option<String> {
    let chart = path.split("/templates/").next()?;
    let prefix = format!("{chart}/templates/");
    let includes = |library: &str| {
        tree.iter().any(|(p, b)| {
            p.starts_with(&prefix) && String::from_utf8_lossy(b).contains(&format!("include \"{library}.objects\""))
        })
    };
    tree.iter().find_map(|(p, b)| {
        let (library, _) = p.strip_prefix("_org/helm/")?.split_once("/templates/")?;
        let defines =
            String::from_utf8_lossy(b).lines().any(|l| l.strip_prefix("kind: ").is_some_and(|k| k.trim() == kind));
        (defines && includes(library)).then(|| library.to_owned())
    })
}

/// The body of each branch of the `range` of the library's define `name` in `tpl` (its
/// `_slo.tpl`), by the branch's test (`eq $o.kind "availability"`, or for the alerts of a
/// tier that pages `and $pages (eq $o.kind "availability")`): its lines up to the next
/// branch or the end of the choice, any `with` block within kept as it is.
fn library_branches(tpl: &str, name: &str) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    let (mut inside, mut ranged, mut depth) = (false, false, 0usize);
    let mut current: Option<String> = None;
    for l in tpl.lines() {
        if let Some(rest) = l.strip_prefix("{{- define \"") {
            inside = rest.split('"').next() == Some(name);
            (ranged, current, depth) = (false, None, 0);
            continue;
        }
        if !inside || !ranged {
            ranged |= inside && l.starts_with("{{- range ");
            continue;
        }
        let test =
            l.strip_prefix("{{- if ").or_else(|| l.strip_prefix("{{- else if ")).and_then(|t| t.strip_suffix(" }}"));
        match test {
            Some(t) if depth == 0 => {
                out.entry(t.to_owned()).or_default();
                current = Some(t.to_owned());
                continue;
            }
            _ => {}
        }
        if l.starts_with("{{- with ") {
            depth += 1;
        } else if l == "{{- end }}" {
            if depth == 0 {
                (inside, current) = (false, None);
                continue;
            }
            depth -= 1;
        }
        if let Some(t) = current.as_ref().and_then(|k| out.get_mut(k)) {
            t.push_str(l);
            t.push('\n');
        }
    }
    out
}

/// The text of the library's define `name` in `tpl`, without the lines that set its
/// variables (`{{- $svc := .Values.name }}`); any `with` block within kept as it is.
fn library_body(tpl: &str, name: &str) -> String {
    let mut out = String::new();
    let (mut inside, mut depth) = (false, 0usize);
    for l in tpl.lines() {
        if let Some(rest) = l.strip_prefix("{{- define \"") {
            inside = rest.split('"').next() == Some(name);
            continue;
        }
        if !inside || (l.starts_with("{{- $") && l.contains(" := ")) {
            continue;
        }
        if l.starts_with("{{- with ") {
            depth += 1;
        } else if l == "{{- end }}" {
            if depth == 0 {
                break;
            }
            depth -= 1;
        }
        out.push_str(l);
        out.push('\n');
    }
    out
}

/// A packaged chart's rule template with the org's library SLO rules in place of their
/// includes, filled with the chart's values as Helm would fill them: per objective of
/// `slo.objectives`, the library's text for its kind (and for the alerts, whether the
/// chart's tier is one the library's `$pages` lists), with `$svc`, `$team` and `$tier` (the
/// chart's `name`, `team` and `tier`), `$m.<metric>` and `$o.<field>` set. The recording
/// rules replace `{{- include "<library>.sloRecords" . }}`; the alerts replace the line
/// including `<library>.sloAlerts`, keeping their `with $environment` blocks and
/// `$severity` for the chart's environment choice to fill. Any other template as it is.
fn with_library_records<'b>(tree: &Tree, path: &str, bytes: &'b [u8]) -> std::borrow::Cow<'b, [u8]> {
    let text = String::from_utf8_lossy(bytes);
    let Some(line) = text.lines().find(|l| l.starts_with("{{- include \"") && l.ends_with(".sloRecords\" . }}")) else {
        return bytes.into();
    };
    let library = line.trim_start_matches("{{- include \"").trim_end_matches(".sloRecords\" . }}");
    let chart = path.split("/templates/").next().unwrap_or("");
    let (Some(tpl), Some(values)) = (
        tree.get(&format!("_org/helm/{library}/templates/_slo.tpl")),
        tree.get(&format!("{chart}/values.yaml")).and_then(|v| first_document(v)),
    ) else {
        return bytes.into();
    };
    let tpl = String::from_utf8_lossy(tpl);
    let str_of = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
    let slo = values.get("slo").cloned().unwrap_or_default();
    let metrics = slo.get("metrics").cloned().unwrap_or_default();
    let fill = |t: &str, o: &Value| {
        let mut t = t.replace("{{ $svc }}", &str_of(&values, "name"));
        for (var, key) in [("team", "team"), ("tier", "tier")] {
            t = t.replace(&format!("{{{{ ${var} }}}}"), &str_of(&values, key));
        }
        for m in ["requests", "errors", "histogram"] {
            t = t.replace(&format!("{{{{ $m.{m} }}}}"), &str_of(&metrics, m));
        }
        for f in ["objective", "budget", "le", "seconds", "budgetPercent", "objectivePercent", "ms"] {
            t = t.replace(&format!("{{{{ $o.{f} }}}}"), &str_of(o, f));
        }
        t
    };
    let objectives: Vec<&Value> = slo.get("objectives").and_then(Value::as_array).into_iter().flatten().collect();
    let records = library_branches(&tpl, &format!("{library}.sloRecords"));
    let alerts = library_branches(&tpl, &format!("{library}.sloAlerts"));
    // `{{- $pages := has $tier (list "critical") }}`: the tiers whose alerts page.
    let pages = tpl
        .lines()
        .find_map(|l| l.strip_prefix("{{- $pages := has $tier (list"))
        .is_some_and(|tiers| tiers.split('"').skip(1).step_by(2).any(|t| t == str_of(&values, "tier")));
    let (mut recorded, mut alerted) = (String::new(), String::new());
    for o in objectives {
        let kind = format!("eq $o.kind \"{}\"", str_of(o, "kind"));
        recorded.push_str(&records.get(&kind).map(|t| fill(t, o)).unwrap_or_default());
        let paging = format!("and $pages ({kind})");
        let alert = if pages { alerts.get(&paging) } else { alerts.get(&kind) };
        alerted.push_str(&alert.map(|t| fill(t, o)).unwrap_or_default());
    }
    let mut out = String::new();
    for l in text.split_inclusive('\n') {
        let bare = l.trim_end_matches('\n');
        if bare == line {
            out.push_str(&recorded);
        } else if bare.starts_with(&format!("{{{{- include \"{library}.sloAlerts\" ")) {
            out.push_str(&alerted);
        } else if bare.starts_with(&format!("{{{{- include \"{library}.sloInfo\" ")) {
            out.push_str(&fill(&library_body(&tpl, &format!("{library}.sloInfo")), &Value::Null));
        } else {
            out.push_str(l);
        }
    }
    out.into_bytes().into()
}

/// The template of `service`'s chart in `tree` that renders its `PrometheusRule`, with the
/// library's recording rules in place ([`with_library_records`]).
fn rule_template<'t>(tree: &'t Tree, service: &str) -> Option<(&'t String, std::borrow::Cow<'t, [u8]>)> {
    let prefix = format!("{service}/helm/");
    let (path, bytes) = tree.iter().find(|(p, b)| p.starts_with(&prefix) && is_rule_template(p, b))?;
    Some((path, with_library_records(tree, path, bytes)))
}

/// The rules of environment `env` in the `PrometheusRule` of `service`'s chart in `tree`.
fn chart_rules_of(tree: &Tree, service: &str, env: &str) -> Option<Objects> {
    chart_rules(&rule_template(tree, service)?.1).remove(env)
}

/// The alert-layer changes of the `PrometheusRule` of `service`'s chart per environment,
/// whichever template holds it on each side, where the tree has no rule file of that
/// environment to report them (`monitoring.ruleFiles` off).
fn chart_rule_changes(base: &Tree, head: &Tree, service: &str, out: &mut Vec<Change>) {
    let (ta, tb) = (rule_template(base, service), rule_template(head, service));
    let Some(path) = tb.as_ref().or(ta.as_ref()).map(|(p, _)| *p) else { return };
    let (a, b) = (ta.as_ref().map(|(_, x)| chart_rules(x)), tb.as_ref().map(|(_, x)| chart_rules(x)));
    let empty = BTreeMap::new();
    let (a, b) = (a.as_ref().unwrap_or(&empty), b.as_ref().unwrap_or(&empty));
    let envs: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let none = Objects::new();
    for env in envs {
        let file = format!("{service}/prometheus/slo-rules-{env}.yaml");
        if base.contains_key(&file) || head.contains_key(&file) {
            continue;
        }
        compare(service, Layer::Alerts, path, Some(env), a.get(env).unwrap_or(&none), b.get(env).unwrap_or(&none), out);
    }
}

/// The other template of the chart of the template at `path` that holds an object of `kind`
/// in `to` but not in `from`: where a template's object moved (a vendored chart's
/// `prometheusrule.yaml` into a packaged chart's `platform.yaml`).
fn moved_within_chart(from: &Tree, to: &Tree, path: &str, kind: &str) -> Option<String> {
    let (chart, _) = path.split_once("/templates/")?;
    let prefix = format!("{chart}/templates/");
    let has = |b: &Vec<u8>| template_kind(b).as_deref() == Some(kind);
    to.iter().find_map(|(p, b)| {
        let moved = p != path && p.starts_with(&prefix) && has(b) && !from.get(p).is_some_and(has);
        moved.then(|| p.rsplit('/').next().unwrap_or(p).to_owned())
    })
}

/// Every object change of the YAML and JSON outputs.
pub fn changes(base: &Tree, head: &Tree, out: &mut Vec<Change>) {
    let paths: BTreeSet<&String> = base.keys().chain(head.keys()).collect();
    let mut rules_of = BTreeSet::new();
    for path in paths {
        let Some(kind) = kind_of(path) else { continue };
        let (a, b) = (base.get(path), head.get(path));
        if a == b {
            continue;
        }
        let service = path.split('/').next().unwrap_or("");
        // A packaged chart's recording rules are its values filled into the library's.
        if matches!(kind, FileKind::Values(None)) {
            rules_of.insert(service);
        }
        let (layer, env) = match &kind {
            FileKind::Values(e) => (Layer::Kubernetes, *e),
            FileKind::Template => (Layer::Kubernetes, None),
            FileKind::Rules(e) => (Layer::Alerts, *e),
            FileKind::Workflow => (Layer::Workflows, None),
            FileKind::Dashboard => (Layer::Dashboard, None),
            FileKind::Catalog => (Layer::Catalog, None),
        };
        if let FileKind::Template = kind {
            if a.into_iter().chain(b).any(|x| is_rule_template(path, x)) {
                rules_of.insert(service);
            }
            // One object kind per template; what renders it is the values' business.
            let name = b.or(a).and_then(|x| template_kind(x)).unwrap_or_else(|| path.clone());
            let action = match (a, b) {
                (None, Some(_)) => Action::Create,
                (Some(_), None) => Action::Destroy,
                _ => Action::Update,
            };
            let file = path.rsplit('/').next().unwrap_or(path);
            // An object whose template moved within its chart: one change, from the side
            // that lost the template.
            if action == Action::Create && moved_within_chart(head, base, path, &name).is_some() {
                continue;
            }
            let moved = if action == Action::Destroy { moved_within_chart(base, head, path, &name) } else { None };
            // A template the other side's chart takes from the org's library chart instead
            // (a switch between vendored and packaged) moved; the objects each environment
            // renders are compared on their own ([`super::charts`]).
            let library = match action {
                Action::Destroy => library_kind(head, path, &name),
                Action::Create => library_kind(base, path, &name),
                _ => None,
            };
            let (action, detail) = match (moved, library) {
                (Some(to), _) => (Action::Update, format!("template {file} → {to}")),
                (None, Some(library)) => (Action::Update, format!("template {file} ↔ the library chart {library}")),
                (None, None) => (action, format!("template {file}")),
            };
            out.push(Change {
                service: service.to_owned(),
                layer,
                root: path.clone(),
                environment: None,
                object: name,
                action,
                detail: vec![detail],
                holds_data: false,
                trace: None,
                input: None,
            });
            continue;
        }
        let empty = Objects::new();
        // An environment's rule file written on one side only: the other side's rules of
        // that environment are its chart's (`monitoring.ruleFiles` switched), not none.
        let in_chart = |tree: &Tree| match kind {
            FileKind::Rules(Some(env)) => chart_rules_of(tree, service, env),
            _ => None,
        };
        let oa = a.map(|x| objects(&kind, path, x)).or_else(|| in_chart(base));
        let ob = b.map(|x| objects(&kind, path, x)).or_else(|| in_chart(head));
        let (oa, ob) = (oa.as_ref().unwrap_or(&empty), ob.as_ref().unwrap_or(&empty));
        let from = out.len();
        compare(service, layer, path, env, oa, ob, out);
        for c in &mut out[from..] {
            // A catalog file records origins for its Component only.
            if matches!(kind, FileKind::Catalog) && !c.object.starts_with("Component ") {
                c.trace = None;
            }
            // A panel is keyed by its id and named by its title too.
            if let Some(title) = ob.get(&c.object).or_else(|| oa.get(&c.object)).and_then(|l| l.get("title"))
                && c.object.starts_with("panel #")
            {
                c.object = format!("{} {title}", c.object);
            }
        }
    }
    for service in rules_of {
        chart_rule_changes(base, head, service, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::changes::tree;

    #[test]
    fn rules_are_compared_by_name_and_thresholds_by_number() {
        let rules = |t: &str| {
            format!(
                "groups:\n- name: slo\n  rules:\n  - alert: Burn\n    expr: sum(rate(errors_total{{service=\"api\"}}[5m])) / sum(rate(requests_total{{service=\"api\"}}[5m])) > (14.4 * {t})\n    labels:\n      severity: page\n"
            )
        };
        let base = tree(&[("api/prometheus/slo-rules-production.yaml", &rules("0.001"))]);
        let head = tree(&[("api/prometheus/slo-rules-production.yaml", &rules("0.0005"))]);
        let mut out = Vec::new();
        changes(&base, &head, &mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].object, "alert Burn (page) [slo]");
        assert_eq!(out[0].environment.as_deref(), Some("production"));
        assert_eq!(out[0].detail, ["expr: 0.001 → 0.0005"]);
    }

    /// Without rule files (`monitoring.ruleFiles` off) the chart's PrometheusRule is read per
    /// environment, as the chart writes it: a changed objective shows as alert changes of each
    /// environment; with the rule files, only they report it.
    #[test]
    fn chart_rules_are_read_per_environment_without_rule_files() {
        use platform_ir::slo::{Rule, RuleGroup};
        let group = |name: &str, expr: &str, labels: &[(&str, &str)]| RuleGroup {
            name: name.into(),
            interval: None,
            rules: vec![Rule {
                record: labels.is_empty().then(|| "slo:sli_error:ratio_rate5m".to_owned()),
                alert: (!labels.is_empty()).then(|| "Burn".to_owned()),
                expr: expr.into(),
                for_: None,
                labels: labels.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
                annotations: BTreeMap::from([("summary".to_owned(), "{{ $labels.service }} burns".to_owned())]),
            }],
        };
        // Alerts that name their environment are written once for all environments; alerts
        // that differ otherwise are written once per environment. Both read the same.
        for named in [true, false] {
            let chart = |budget: &str| {
                let recording = group("slo-sli", "sum(rate(errors_total[5m]))", &[]);
                let alert = |sev: &str, env: Option<&str>| {
                    let mut labels = vec![("severity", sev)];
                    labels.extend(env.filter(|_| named).map(|e| ("environment", e)));
                    group("slo-alerts", &format!("slo:sli_error:ratio_rate5m > (14.4 * {budget})"), &labels)
                };
                platform_helm::prometheus_rule_per_environment(
                    &[
                        ("staging".to_owned(), vec![recording.clone(), alert("ticket", Some("staging"))]),
                        ("production".to_owned(), vec![recording.clone(), alert("page", Some("production"))]),
                    ],
                    &[recording.clone(), alert("ticket", None)],
                )
            };
            let path = "api/helm/api/templates/prometheusrule.yaml";
            assert_eq!(chart("0.001").matches("- name: slo-alerts").count(), if named { 1 } else { 3 });
            let (base, head) = (tree(&[(path, &chart("0.001"))]), tree(&[(path, &chart("0.0005"))]));
            let mut out = Vec::new();
            changes(&base, &head, &mut out);
            let got: Vec<(Layer, &str, Option<&str>, &[String])> = out
                .iter()
                .map(|c| (c.layer, c.object.as_str(), c.environment.as_deref(), c.detail.as_slice()))
                .filter(|c| c.0 == Layer::Alerts)
                .collect();
            let detail =
                ["expr: slo:sli_error:ratio_rate5m > (14.4 * 0.001) → slo:sli_error:ratio_rate5m > (14.4 * 0.0005)"
                    .to_owned()];
            assert_eq!(
                got,
                [
                    (Layer::Alerts, "alert Burn (page) [slo-alerts]", Some("production"), &detail[..]),
                    (Layer::Alerts, "alert Burn (ticket) [slo-alerts]", Some("staging"), &detail[..]),
                ]
            );
            let objects = chart_rules(chart("0.001").as_bytes());
            let burn = |env: &str| {
                let (_, fields) = objects[env].iter().find(|(name, _)| name.contains("Burn")).unwrap();
                format!("{fields:?}")
            };
            assert_eq!(
                burn("production").contains(r#""labels.environment": "production""#),
                named,
                "{}",
                burn("production")
            );
            assert!(!burn("staging").contains("production"), "{}", burn("staging"));
            let rules = "api/prometheus/slo-rules-staging.yaml";
            let base = tree(&[(path, &chart("0.001")), (rules, "groups: []\n")]);
            let mut out = Vec::new();
            changes(&base, &head, &mut out);
            assert!(out.iter().all(|c| c.environment.as_deref() != Some("staging") || c.root != path), "{out:?}");
        }
    }

    /// Switching between vendored and packaged moves rules and templates, it destroys
    /// nothing: an environment's rule file gone where the chart holds the same rules, and a
    /// template gone where the chart now takes the object from the org's library chart.
    #[test]
    fn rules_and_templates_that_move_are_not_destroyed() {
        use platform_ir::slo::{Rule, RuleGroup};
        let group = RuleGroup {
            name: "slo-alerts".into(),
            interval: None,
            rules: vec![Rule {
                record: None,
                alert: Some("Burn".into()),
                expr: "vector(1) > 0".into(),
                for_: None,
                labels: BTreeMap::from([("severity".to_owned(), "ticket".to_owned())]),
                annotations: BTreeMap::new(),
            }],
        };
        let chart = platform_helm::prometheus_rule_per_environment(
            &[("staging".to_owned(), vec![group.clone()])],
            std::slice::from_ref(&group),
        );
        let rules = "groups:\n- name: slo-alerts\n  rules:\n  - alert: Burn\n    expr: vector(1) > 0\n    labels:\n      severity: ticket\n";
        let rule_path = "api/helm/api/templates/prometheusrule.yaml";
        let base = tree(&[
            (rule_path, &chart),
            ("api/prometheus/slo-rules-staging.yaml", rules),
            ("api/helm/api/templates/deployment.yaml", "apiVersion: apps/v1\nkind: Deployment\n"),
        ]);
        // A packaged chart's rules follow the library's objects in its one template.
        let objects = format!("{{{{- include \"platform-service.objects\" . }}}}\n---\n{chart}");
        let head = tree(&[
            ("api/helm/api/templates/platform.yaml", &objects),
            (
                "_org/helm/platform-service/templates/_objects.tpl",
                "{{- define \"platform-service.deployment\" }}\napiVersion: apps/v1\nkind: Deployment\n{{- end }}\n",
            ),
        ]);
        let mut out = Vec::new();
        changes(&base, &head, &mut out);
        assert!(out.iter().all(|c| c.layer != Layer::Alerts), "{out:?}");
        let deployment = out.iter().find(|c| c.object == "Deployment").unwrap();
        assert_eq!(deployment.action, Action::Update);
        assert_eq!(deployment.detail, ["template deployment.yaml ↔ the library chart platform-service"]);
        let rule: Vec<_> = out.iter().filter(|c| c.object == "PrometheusRule").collect();
        assert_eq!(rule.len(), 1, "one change for the moved template: {out:?}");
        assert_eq!(
            (rule[0].action, rule[0].detail.as_slice()),
            (Action::Update, &["template prometheusrule.yaml → platform.yaml".to_owned()][..])
        );
        // Without rule files, the alerts are each side's chart's, whichever template holds them.
        let mut without = base.clone();
        without.remove("api/prometheus/slo-rules-staging.yaml");
        let mut out = Vec::new();
        changes(&without, &head, &mut out);
        assert!(out.iter().all(|c| c.layer != Layer::Alerts), "{out:?}");
        // Without the chart's rules, the rule file's rules are gone.
        let bare = tree(&[("api/prometheus/slo-rules-staging.yaml", rules)]);
        let mut out = Vec::new();
        changes(&bare, &tree(&[]), &mut out);
        assert!(out.iter().any(|c| c.layer == Layer::Alerts && c.action == Action::Destroy), "{out:?}");
    }

    /// A packaged chart's recording rules are the library's filled with its values: a
    /// changed objective in `values.yaml` alone changes the recorded objective, and the
    /// rules are never read as gone.
    #[test]
    fn library_recording_rules_are_read_with_the_charts_values() {
        let library = "{{- define \"platform-service.sloRecords\" }}\n{{- $svc := .Values.name }}\n{{- range $o := .Values.slo.objectives }}\n{{- if eq $o.kind \"availability\" }}\n  - name: slo-meta-{{ $svc }}-availability\n    rules:\n    - record: slo:objective:ratio\n      expr: |-\n        vector({{ $o.objective }})\n      labels:\n        service: {{ $svc }}\n{{- end }}\n{{- end }}\n{{- end }}\n";
        let info = "  - name: info\n    rules:\n    - record: platform:service:info\n      expr: vector(1)\n";
        let template = format!(
            "{{{{- include \"platform-service.objects\" . }}}}\n---\napiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nspec:\n  groups:\n{{{{- include \"platform-service.sloRecords\" . }}}}\n{{{{- if eq .Values.environment \"staging\" }}}}\n{info}{{{{- else }}}}\n{info}{{{{- end }}}}\n"
        );
        let values = |objective: &str| {
            format!(
                "name: api\nslo:\n  metrics:\n    requests: r\n  objectives:\n  - kind: availability\n    objective: \"{objective}\"\n"
            )
        };
        let chart = |objective: &str| {
            tree(&[
                ("api/helm/api/templates/platform.yaml", &template),
                ("api/helm/api/values.yaml", &values(objective)),
                ("_org/helm/platform-service/templates/_slo.tpl", library),
            ])
        };
        let rules = chart_rules_of(&chart("0.999"), "api", "staging").unwrap();
        assert!(rules.keys().any(|k| k.starts_with("record slo:objective:ratio")), "{rules:?}");
        let mut out = Vec::new();
        changes(&chart("0.999"), &chart("0.9995"), &mut out);
        let alerts: Vec<&Change> = out.iter().filter(|c| c.layer == Layer::Alerts).collect();
        assert_eq!(alerts.len(), 1, "{out:?}");
        assert!(alerts[0].object.starts_with("record slo:objective:ratio") && alerts[0].action == Action::Update);
        assert!(alerts[0].detail.iter().any(|d| d.contains("0.999") && d.contains("0.9995")), "{:?}", alerts[0]);
    }

    /// A packaged chart's alerts are the library's filled with its values, in each of its
    /// environments as its choice sets `$environment` and `$severity`, and with the text of
    /// its tier: a tier the library's `$pages` lists pages in production, another has no page
    /// window; a changed objective in `values.yaml` alone changes the alerts.
    #[test]
    fn library_alerts_are_read_with_the_charts_values_and_environment() {
        let branch = |sev: &str| {
            format!(
                "  - name: slo-alerts-{{{{ $svc }}}}-availability\n    rules:\n    - alert: Burn\n      expr: |-\n        x > (14.4 * {{{{ $o.budget }}}})\n      labels:\n{{{{- with $environment }}}}\n        environment: {{{{ . }}}}\n{{{{- end }}}}\n        severity: {sev}\n        team: {{{{ $team }}}}\n      annotations:\n        description: \"budget of {{{{ $o.budgetPercent }}}} %\"\n"
            )
        };
        let library = format!(
            "{{{{- define \"platform-service.sloRecords\" }}}}\n{{{{- range $o := .Values.slo.objectives }}}}\n{{{{- end }}}}\n{{{{- end }}}}\n{{{{- define \"platform-service.sloAlerts\" }}}}\n{{{{- $pages := has $tier (list \"critical\") }}}}\n{{{{- range $o := .Values.slo.objectives }}}}\n{{{{- if and $pages (eq $o.kind \"availability\") }}}}\n{}{{{{- else if eq $o.kind \"availability\" }}}}\n{{{{- end }}}}\n{{{{- end }}}}\n{{{{- end }}}}\n",
            branch("{{ $severity }}")
        );
        let template = "{{- include \"platform-service.objects\" . }}\n---\napiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nspec:\n  groups:\n{{- include \"platform-service.sloRecords\" . }}\n{{- $environment := \"\" }}\n{{- $severity := \"ticket\" }}\n{{- if eq .Values.environment \"staging\" }}\n{{- $environment = \"staging\" }}\n{{- else if eq .Values.environment \"production\" }}\n{{- $environment = \"production\" }}\n{{- $severity = \"page\" }}\n{{- end }}\n{{- include \"platform-service.sloAlerts\" (dict \"Values\" .Values \"environment\" $environment \"severity\" $severity) }}\n";
        let values = |tier: &str, budget: &str| {
            format!(
                "name: api\nteam: pay\ntier: {tier}\nslo:\n  objectives:\n  - kind: availability\n    budget: \"{budget}\"\n    budgetPercent: \"x\"\n"
            )
        };
        let chart = |tier: &str, budget: &str| {
            tree(&[
                ("api/helm/api/templates/platform.yaml", template),
                ("api/helm/api/values.yaml", &values(tier, budget)),
                ("_org/helm/platform-service/templates/_slo.tpl", &library),
            ])
        };
        let alert = |tier: &str, env: &str| {
            let rules = chart_rules_of(&chart(tier, "0.001"), "api", env).unwrap();
            rules.into_iter().map(|(k, v)| (k, format!("{v:?}"))).collect::<Vec<_>>()
        };
        let production = alert("critical", "production");
        assert_eq!(production.len(), 1, "{production:?}");
        assert!(production[0].0.starts_with("alert Burn (page)"), "{production:?}");
        assert!(production[0].1.contains("\"labels.environment\": \"production\""), "{production:?}");
        assert!(production[0].1.contains("(14.4 * 0.001)") && production[0].1.contains("\"labels.team\": \"pay\""));
        assert!(alert("critical", "staging")[0].0.starts_with("alert Burn (ticket)"));
        assert!(alert("standard", "production").is_empty());
        let mut out = Vec::new();
        changes(&chart("critical", "0.001"), &chart("critical", "0.0005"), &mut out);
        let alerts: Vec<&Change> = out.iter().filter(|c| c.layer == Layer::Alerts).collect();
        assert_eq!(alerts.len(), 2, "{out:?}");
        assert!(alerts.iter().all(|c| c.action == Action::Update && c.detail.iter().any(|d| d.contains("0.0005"))));
    }

    /// The library's info series is read with the chart's values, its environment label
    /// where the chart's environment choice sets one.
    #[test]
    fn library_info_is_read_with_the_charts_values_and_environment() {
        let library = "{{- define \"platform-service.sloRecords\" }}\n{{- range $o := .Values.slo.objectives }}\n{{- end }}\n{{- end }}\n{{- define \"platform-service.sloInfo\" }}\n{{- $svc := .Values.name }}\n{{- $team := .Values.team }}\n{{- $m := .Values.slo.metrics }}\n{{- $environment := .environment }}\n  - name: platform-info-{{ $svc }}\n    rules:\n    - record: platform:service:info\n      expr: vector(1)\n      labels:\n{{- with $environment }}\n        environment: {{ . }}\n{{- end }}\n        requests_metric: {{ $m.requests }}\n        team: {{ $team }}\n{{- end }}\n";
        let template = "{{- include \"platform-service.objects\" . }}\n---\napiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nspec:\n  groups:\n{{- include \"platform-service.sloRecords\" . }}\n{{- $environment := \"\" }}\n{{- if eq .Values.environment \"production\" }}\n{{- $environment = \"production\" }}\n{{- end }}\n{{- include \"platform-service.sloInfo\" (dict \"Values\" .Values \"environment\" $environment) }}\n";
        let values = "name: api\nteam: pay\nslo:\n  metrics:\n    requests: http_requests_total\n  objectives: []\n";
        let chart = tree(&[
            ("api/helm/api/templates/platform.yaml", template),
            ("api/helm/api/values.yaml", values),
            ("_org/helm/platform-service/templates/_slo.tpl", library),
        ]);
        let rules = |env: &str| {
            let rules = chart_rules_of(&chart, "api", env).unwrap();
            rules.into_iter().map(|(k, v)| format!("{k}: {v:?}")).collect::<Vec<_>>()
        };
        let production = rules("production");
        assert_eq!(production.len(), 1, "{production:?}");
        assert!(production[0].starts_with("record platform:service:info"), "{production:?}");
        for label in ["\"labels.environment\": \"production\"", "\"labels.team\": \"pay\"", "http_requests_total"] {
            assert!(production[0].contains(label), "{label} in {production:?}");
        }
        let staging = chart_rules(&rule_template(&chart, "api").unwrap().1);
        assert!(staging.values().flat_map(|o| o.values()).all(|v| !format!("{v:?}").contains("{{")), "{staging:?}");
    }

    #[test]
    fn values_templates_and_jobs_are_objects() {
        let base = tree(&[
            ("api/helm/api/values-staging.yaml", "replicaCount: 2\ncanary:\n  enabled: false\n"),
            ("api/helm/api/templates/rollout.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\n"),
            (
                "api/github-actions/workflows/api.yml",
                "jobs:\n  build:\n    runs-on: ubuntu-24.04\n  deploy:\n    needs: build\n",
            ),
        ]);
        let head = tree(&[
            ("api/helm/api/values-staging.yaml", "replicaCount: 3\ncanary:\n  enabled: false\n"),
            ("api/github-actions/workflows/api.yml", "jobs:\n  build:\n    runs-on: ubuntu-24.04\n"),
        ]);
        let mut out = Vec::new();
        changes(&base, &head, &mut out);
        let got: Vec<(Layer, &str, Action, Option<&str>)> =
            out.iter().map(|c| (c.layer, c.object.as_str(), c.action, c.environment.as_deref())).collect();
        assert_eq!(
            got,
            [
                (Layer::Workflows, "api.yml: job deploy", Action::Destroy, None),
                (Layer::Kubernetes, "Rollout", Action::Destroy, None),
                (Layer::Kubernetes, "values.replicaCount", Action::Update, Some("staging")),
            ]
        );
        assert_eq!(out[2].detail, ["replicaCount: 2 → 3"]);
    }
}
