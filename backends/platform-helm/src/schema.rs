//! `values.schema.json`: a self-contained JSON Schema (draft-07) of exactly the values this
//! chart has. Every object is closed (`additionalProperties: false`) and every key of
//! `values.yaml` is required, so `--set replicaCount=abc` or a misspelt key fails
//! `helm lint`, `helm template` and `helm install` alike. A constraint used more than once
//! (a DNS label, a quantity, a port) is written once under `definitions` and referenced
//! within the same file (`#/definitions/…`, which Helm resolves in the document itself;
//! never a reference to another file, which Helm resolves differently per version:
//! helm/helm#31260).

use std::cell::RefCell;

use serde_json::{Map, Value, json};

use crate::{Chart, memo};

/// An IPv4 CIDR (the compiler checks the octets and host bits).
const CIDR: &str = r"^[0-9]{1,3}(\.[0-9]{1,3}){3}/[0-9]{1,2}$";
/// DNS-1123 label.
const LABEL: &str = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
/// DNS-1123 label or empty.
const LABEL_OR_EMPTY: &str = "^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$";
/// DNS-1123 subdomain.
const SUBDOMAIN: &str = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
/// DNS-1123 subdomain or empty.
const SUBDOMAIN_OR_EMPTY: &str = "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$";
/// A DNS host name or empty.
const HOST_OR_EMPTY: &str = "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+)?$";
/// A Kubernetes quantity as this chart writes them.
const QUANTITY: &str = "^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$";
/// A Prometheus / Argo duration.
const DURATION: &str = "^[0-9]+(ms|s|m|h|d)$";
/// An HTTP path.
const PATH: &str = "^/[A-Za-z0-9/._~-]*$";
/// An environment variable name.
const ENV_NAME: &str = "^[A-Za-z_][A-Za-z0-9_]*$";
/// A label or annotation key (optional DNS prefix, then a name).
const LABEL_KEY: &str = "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$";
/// A label value.
const LABEL_VALUE: &str = "^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$";
/// A Prometheus metric name.
const METRIC: &str = "^[a-zA-Z_:][a-zA-Z0-9_:]*$";
/// A label matcher without braces or line breaks.
const MATCHER: &str = "^[^{}\\n]+$";
/// A decimal number, as a string.
const DECIMAL: &str = "^[0-9]+(\\.[0-9]+)?$";

/// The constraints a schema defines once when it uses them more than once, by name.
fn definitions() -> [(&'static str, Value); 17] {
    [
        ("label", pattern(LABEL)),
        ("labelOrEmpty", pattern(LABEL_OR_EMPTY)),
        ("subdomain", pattern(SUBDOMAIN)),
        ("subdomainOrEmpty", pattern(SUBDOMAIN_OR_EMPTY)),
        ("hostOrEmpty", pattern(HOST_OR_EMPTY)),
        ("quantity", pattern(QUANTITY)),
        ("duration", pattern(DURATION)),
        ("path", pattern(PATH)),
        ("envName", pattern(ENV_NAME)),
        ("labelKey", pattern(LABEL_KEY)),
        ("labelValue", pattern(LABEL_VALUE)),
        ("cidr", pattern(CIDR)),
        ("metric", pattern(METRIC)),
        ("matcher", pattern(MATCHER)),
        ("decimal", pattern(DECIMAL)),
        ("port", integer(1, 65535)),
        ("replicas", integer(1, 1000)),
    ]
}

/// `root` with every constraint of [`definitions`] it holds more than once replaced by a
/// `$ref` to its one copy under `definitions`.
fn hoist(mut root: Map<String, Value>) -> Map<String, Value> {
    fn walk(v: &mut Value, named: &[(&str, Value)], uses: &mut [usize], replace: bool) {
        if let Some(i) = named.iter().position(|(_, d)| d == v) {
            if replace && uses[i] > 1 {
                *v = json!({ "$ref": format!("#/definitions/{}", named[i].0) });
            }
            uses[i] += usize::from(!replace);
            return;
        }
        match v {
            Value::Object(m) => m.values_mut().for_each(|v| walk(v, named, uses, replace)),
            Value::Array(a) => a.iter_mut().for_each(|v| walk(v, named, uses, replace)),
            _ => {}
        }
    }
    let named = definitions();
    let mut uses = [0; 17];
    let Some(props) = root.get_mut("properties") else { return root };
    walk(props, &named, &mut uses, false);
    walk(props, &named, &mut uses, true);
    let defined: Map<String, Value> =
        named.into_iter().zip(uses).filter(|(_, n)| *n > 1).map(|((k, v), _)| (k.to_owned(), v)).collect();
    if !defined.is_empty() {
        root.insert("definitions".into(), Value::Object(defined));
    }
    root
}

/// The schema, printed as people lay JSON out by hand: a value that fits on its line
/// within [`WIDTH`] columns stays on it (`"name": { "type": "string", "pattern": "…" }`),
/// anything longer opens one member per line, but a list of names (`required`) fills its
/// lines ([`fill`]). Half the bytes of one member per line everywhere, and a changed
/// constraint is still one changed line.
///
/// A schema differs between charts only by the chart's name in its title and by the
/// features it has ([`Shape`]), so each shape is laid out once per thread and the name
/// put into its copy: at 10 000 services, building and printing the JSON value was a fifth
/// of the build's time.
pub fn schema_json(c: &Chart<'_>) -> String {
    thread_local! {
        static LAID_OUT: memo::Store<Shape, (String, String)> = const { RefCell::new(Vec::new()) };
    }
    let shape = Shape::of(c);
    let halves = memo::cached(&LAID_OUT, shape, || shape.laid_out());
    let (head, tail) = &*halves;
    let title = Value::String(title(&c.name)).to_string();
    let mut out = String::with_capacity(head.len() + title.len() + tail.len());
    out.push_str(head);
    out.push_str(&title);
    out.push_str(tail);
    out
}

/// What a chart's schema holds besides its name: one switch per optional part.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Shape {
    recording: bool,
    pdb: bool,
    ingress: bool,
    gateway_api: bool,
    external_secrets: bool,
    database: bool,
    packaged: bool,
    canary: bool,
    library_query: bool,
}

impl Shape {
    fn of(c: &Chart<'_>) -> Self {
        Shape {
            recording: c.recording.is_some(),
            pdb: c.pdb,
            ingress: c.ingress,
            gateway_api: c.gateway_api,
            external_secrets: c.external_secrets,
            database: c.database,
            packaged: c.packaged,
            canary: c.canary,
            library_query: c.library_query.is_some(),
        }
    }

    /// The laid-out schema of this shape, split where the chart's title goes (the title
    /// is a scalar on its own line, so its length never changes the layout).
    fn laid_out(self) -> (String, String) {
        let mut out = String::new();
        layout(&mut out, &schema(self, PLACEHOLDER), 0, 0);
        out.push('\n');
        let quoted = Value::String(title(PLACEHOLDER)).to_string();
        let at = out.find(&quoted).expect("the schema holds its title");
        let tail = out.split_off(at + quoted.len());
        out.truncate(at);
        (out, tail)
    }
}

/// A name no chart has (chart names are DNS labels), where the chart's name goes.
const PLACEHOLDER: &str = "<chart name>";

fn title(name: &str) -> String {
    format!("Values of the {name} chart")
}

/// The widest line [`schema_json`] puts a value on.
const WIDTH: usize = 100;

/// `v` at indentation `level`, after `used` columns of its line (indentation and key).
fn layout(out: &mut String, v: &Value, level: usize, used: usize) {
    let (open, close, members): (char, char, Vec<(Option<&String>, &Value)>) = match v {
        Value::Object(m) if !m.is_empty() => ('{', '}', m.iter().map(|(k, v)| (Some(k), v)).collect()),
        Value::Array(a) if !a.is_empty() => ('[', ']', a.iter().map(|v| (None, v)).collect()),
        _ => {
            out.push_str(&inline(v));
            return;
        }
    };
    if inline_fits(v, WIDTH.saturating_sub(used)) {
        out.push_str(&inline(v));
        return;
    }
    let indent = "  ".repeat(level + 1);
    if let Value::Array(items) = v
        && items.iter().all(|i| !i.is_object() && !i.is_array())
    {
        fill(out, items, &indent, level);
        return;
    }
    out.push(open);
    for (i, (key, member)) in members.iter().enumerate() {
        out.push('\n');
        out.push_str(&indent);
        let mut used = indent.len();
        if let Some(k) = key {
            let k = format!("{}: ", Value::String((*k).clone()));
            used += k.len();
            out.push_str(&k);
        }
        // The comma after the last character counts as part of the line.
        layout(out, member, level + 1, used + usize::from(i + 1 < members.len()));
        if i + 1 < members.len() {
            out.push(',');
        }
    }
    out.push('\n');
    out.push_str(&"  ".repeat(level));
    out.push(close);
}

/// A list of scalars too long for one line (the `required` names of a large object), its
/// items filling lines of at most [`WIDTH`] columns in order, as rustfmt lays out short
/// items: a few lines instead of one per name.
fn fill(out: &mut String, items: &[Value], indent: &str, level: usize) {
    out.push('[');
    let mut line = String::new();
    for (i, item) in items.iter().enumerate() {
        let text = format!("{}{}", item, if i + 1 < items.len() { "," } else { "" });
        if !line.is_empty() && indent.len() + line.len() + 1 + text.len() > WIDTH {
            out.push('\n');
            out.push_str(indent);
            out.push_str(&line);
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&text);
    }
    out.push('\n');
    out.push_str(indent);
    out.push_str(&line);
    out.push('\n');
    out.push_str(&"  ".repeat(level));
    out.push(']');
}

/// Whether [`inline`] of `v` is at most `budget` bytes long, measured only as far as the
/// budget: a large object is not printed whole at every level to find it does not fit.
fn inline_fits(v: &Value, budget: usize) -> bool {
    fn len(v: &Value, budget: usize) -> Option<usize> {
        let within = |n: usize| (n <= budget).then_some(n);
        match v {
            Value::Object(m) if !m.is_empty() => {
                let mut n = 4 + 2 * (m.len() - 1);
                for (k, v) in m {
                    n = within(n + Value::String(k.clone()).to_string().len() + 2)?;
                    n = within(n + len(v, budget - n)?)?;
                }
                Some(n)
            }
            Value::Array(a) if !a.is_empty() => {
                let mut n = within(4 + 2 * (a.len() - 1))?;
                for v in a {
                    n = within(n + len(v, budget - n)?)?;
                }
                Some(n)
            }
            other => within(other.to_string().len()),
        }
    }
    len(v, budget).is_some()
}

/// `v` on one line: `{ "a": 1, "b": [ 1, 2 ] }`.
fn inline(v: &Value) -> String {
    match v {
        Value::Object(m) if !m.is_empty() => {
            let members: Vec<String> =
                m.iter().map(|(k, v)| format!("{}: {}", Value::String(k.clone()), inline(v))).collect();
            format!("{{ {} }}", members.join(", "))
        }
        Value::Array(a) if !a.is_empty() => {
            format!("[ {} ]", a.iter().map(inline).collect::<Vec<_>>().join(", "))
        }
        other => other.to_string(),
    }
}

/// The schema as a value.
fn schema(c: Shape, name: &str) -> Value {
    let mut props: Vec<(&str, Value)> = vec![
        ("name", pattern(LABEL)),
        ("component", pattern(LABEL)),
        ("partOf", pattern(LABEL)),
        ("team", pattern(LABEL)),
        ("tier", enumeration(&["critical", "standard", "experimental"])),
        ("environment", pattern(LABEL_OR_EMPTY)),
        ("namespace", pattern(LABEL_OR_EMPTY)),
        (
            "image",
            object(vec![
                ("repository", pattern("^[a-z0-9]([a-z0-9._/:-]*[a-z0-9])?$")),
                ("tag", pattern("^([A-Za-z0-9_][A-Za-z0-9._-]{0,127})?$")),
                ("pullPolicy", enumeration(&["Always", "IfNotPresent", "Never"])),
            ]),
        ),
        ("replicaCount", integer(0, 1000)),
        ("strategy", enumeration(&["RollingUpdate", "Recreate"])),
        (
            "resources",
            object(vec![
                ("requests", object(vec![("cpu", pattern(QUANTITY)), ("memory", pattern(QUANTITY))])),
                (
                    "limits",
                    object_optional(vec![("cpu", pattern(QUANTITY)), ("memory", pattern(QUANTITY))], &["memory"]),
                ),
            ]),
        ),
        (
            "autoscaling",
            object(vec![
                ("enabled", boolean()),
                ("minReplicas", integer(1, 1000)),
                ("maxReplicas", integer(1, 1000)),
                ("targetCPUUtilizationPercentage", integer(1, 100)),
            ]),
        ),
        ("containerPort", integer(1, 65535)),
        ("service", object(vec![("port", integer(1, 65535))])),
        ("probes", object(vec![("liveness", pattern(PATH)), ("readiness", pattern(PATH)), ("startup", pattern(PATH))])),
        ("env", map(ENV_NAME, json!({ "type": "string" }))),
        (
            "secretEnv",
            array(object(vec![
                ("name", pattern(ENV_NAME)),
                ("secretName", pattern(SUBDOMAIN)),
                ("key", pattern("^[-._A-Za-z0-9]+$")),
            ])),
        ),
        ("secretReload", json!({ "enum": ["reloader", "none"] })),
        ("imagePullSecrets", array(object(vec![("name", pattern(SUBDOMAIN))]))),
        ("podAnnotations", map(LABEL_KEY, json!({ "type": "string" }))),
        ("topologySpread", boolean()),
        ("tmpSizeLimit", pattern(QUANTITY)),
        (
            "serviceAccount",
            object(vec![("roleArn", pattern("^(arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+)?$"))]),
        ),
        (
            "networkPolicy",
            object(vec![
                ("ingressNamespaces", array(pattern(LABEL))),
                ("ingressCidrs", array(pattern(CIDR))),
                ("dependents", array(object(vec![("name", pattern(LABEL)), ("namespace", pattern(LABEL))]))),
                (
                    "dependencies",
                    array(object(vec![
                        ("name", pattern(LABEL)),
                        ("namespace", pattern(LABEL)),
                        ("port", integer(1, 65535)),
                    ])),
                ),
                ("databasePorts", array(integer(1, 65535))),
                (
                    "egress",
                    array(object(vec![
                        ("cidrs", json!({ "type": "array", "minItems": 1, "items": pattern(CIDR) })),
                        ("ports", json!({ "type": "array", "minItems": 1, "items": integer(1, 65535) })),
                    ])),
                ),
            ]),
        ),
        (
            "monitoring",
            object(vec![
                ("path", pattern(PATH)),
                ("interval", pattern(DURATION)),
                ("selectorLabels", map(LABEL_KEY, pattern(LABEL_VALUE))),
            ]),
        ),
        ("rollout", rollout(c)),
    ];
    if c.recording {
        props.push(("slo", slo()));
    }
    if c.pdb {
        props.push(("podDisruptionBudget", object(vec![("maxUnavailable", integer(1, 1000))])));
    }
    if c.ingress {
        let mut p = vec![
            ("host", pattern(HOST_OR_EMPTY)),
            ("exposure", enumeration(&["public", "internal"])),
            ("paths", json!({ "type": "array", "minItems": 1, "items": pattern(PATH) })),
        ];
        if c.gateway_api {
            p.push(("gateway", object(vec![("namespace", pattern(LABEL)), ("name", pattern(SUBDOMAIN))])));
        } else {
            p.push(("className", pattern(SUBDOMAIN)));
            // Empty when TLS comes from ACM (the load balancer), not cert-manager.
            p.push(("clusterIssuer", pattern(SUBDOMAIN_OR_EMPTY)));
        }
        props.push(("ingress", object(p)));
    }
    if c.external_secrets {
        props.push((
            "externalSecrets",
            object(vec![
                (
                    "store",
                    object(vec![
                        ("kind", enumeration(&["ClusterSecretStore", "SecretStore"])),
                        ("name", pattern(SUBDOMAIN)),
                    ]),
                ),
                ("refreshInterval", pattern(DURATION)),
                (
                    "secrets",
                    array(object(vec![
                        ("name", pattern(SUBDOMAIN)),
                        ("remoteKey", pattern("^[A-Za-z0-9/_+=.@-]+$")),
                        ("json", boolean()),
                    ])),
                ),
            ]),
        ));
    }
    if c.database {
        props.push(("podSecurityGroups", array(pattern("^sg-[0-9a-f]{8,17}$"))));
    }
    let mut root = Map::new();
    root.insert("$schema".into(), json!("http://json-schema.org/draft-07/schema#"));
    root.insert("title".into(), json!(title(name)));
    root.insert(
        "description".into(),
        json!("Generated by platform from the service definition; every key is required and no other key is allowed."),
    );
    if let Value::Object(body) = object(props) {
        root.extend(body);
    }
    if c.packaged {
        // Helm gives every dependency its own key in the values it checks, the library chart
        // too (holding nothing); it is not one of the chart's own values, so not required.
        root["properties"][crate::library::NAME] = json!({ "type": "object" });
    }
    Value::Object(hoist(root))
}

/// What the library's SLO recording rules and alerts read ([`crate::slo_records`],
/// [`crate::slo_alerts`]): metric names, a matcher without braces or line breaks, decimals.
fn slo() -> Value {
    object(vec![
        (
            "metrics",
            object(vec![("requests", pattern(METRIC)), ("errors", pattern(MATCHER)), ("histogram", pattern(METRIC))]),
        ),
        (
            "objectives",
            array(object_optional(
                vec![
                    ("kind", enumeration(&["availability", "latency"])),
                    ("objective", pattern(DECIMAL)),
                    ("budget", pattern(DECIMAL)),
                    ("le", pattern(MATCHER)),
                    ("seconds", pattern(DECIMAL)),
                    ("budgetPercent", pattern(DECIMAL)),
                    ("objectivePercent", pattern(DECIMAL)),
                    ("ms", pattern("^[0-9]+$")),
                ],
                &["kind", "objective", "budget"],
            )),
        ),
    ])
}

fn rollout(c: Shape) -> Value {
    if !c.canary {
        return object(vec![("enabled", json!({ "type": "boolean", "const": false }))]);
    }
    let step = json!({
        "oneOf": [
            object(vec![("setWeight", integer(1, 100))]),
            object(vec![("pause", pattern(DURATION))]),
            object(vec![("analysis", json!({ "type": "boolean", "const": true }))]),
        ]
    });
    object(vec![
        ("enabled", boolean()),
        ("automaticRollback", boolean()),
        ("steps", json!({ "type": "array", "minItems": 1, "items": step })),
        ("firstWeight", integer(0, 100)),
        (
            "analysis",
            object(vec![
                ("interval", pattern(DURATION)),
                ("count", integer(1, 100)),
                ("failureLimit", integer(0, 100)),
                ("maxErrorRatio", pattern(DECIMAL)),
                ("prometheusUrl", pattern("^https?://[A-Za-z0-9.:/_-]+$")),
                if c.library_query {
                    (crate::canary_query::MIN_REQUESTS_KEY, pattern("^[0-9]+$"))
                } else {
                    ("query", json!({ "type": "string", "minLength": 1 }))
                },
            ]),
        ),
    ])
}

/// A closed object whose every property is required.
fn object(props: Vec<(&str, Value)>) -> Value {
    let required: Vec<String> = props.iter().map(|(k, _)| (*k).to_owned()).collect();
    let required: Vec<&str> = required.iter().map(String::as_str).collect();
    object_optional(props, &required)
}

/// A closed object with the given required properties.
fn object_optional(props: Vec<(&str, Value)>, required: &[&str]) -> Value {
    let mut p = Map::new();
    for (k, v) in props {
        p.insert(k.to_owned(), v);
    }
    json!({ "type": "object", "additionalProperties": false, "required": required, "properties": Value::Object(p) })
}

/// A map with keys matching `key` and values matching `value`.
fn map(key: &str, value: Value) -> Value {
    json!({ "type": "object", "propertyNames": pattern(key), "additionalProperties": value })
}

fn array(items: Value) -> Value {
    json!({ "type": "array", "items": items })
}

fn pattern(p: &str) -> Value {
    json!({ "type": "string", "pattern": p })
}

fn enumeration(values: &[&str]) -> Value {
    json!({ "type": "string", "enum": values })
}

fn integer(min: u32, max: u32) -> Value {
    json!({ "type": "integer", "minimum": min, "maximum": max })
}

fn boolean() -> Value {
    json!({ "type": "boolean" })
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::{WIDTH, hoist, inline, inline_fits, integer, layout, pattern};

    fn print(v: &Value) -> String {
        let mut out = String::new();
        layout(&mut out, v, 0, 0);
        out
    }

    /// The layout changes only whitespace: the text reads back as the value, and no line
    /// is wider than [`WIDTH`] unless one key and scalar alone are.
    #[test]
    fn the_layout_reads_back_and_keeps_lines_short() {
        let long = "x".repeat(120);
        let v = json!({
            "type": "object",
            "required": ["a", "b"],
            "properties": {
                "a": { "type": "string", "pattern": "^[a-z]+$" },
                "b": { "type": "array", "items": { "type": "object", "properties": {
                    "c": { "type": "integer", "minimum": 0, "maximum": 65535, "description": "a port, quoted \"like this\"" },
                    "d": { "enum": [long.clone(), "y"] },
                    "e": {}, "f": [],
                } } },
            },
        });
        let names: Vec<String> = (0..40).map(|i| format!("property{i}")).collect();
        let mut v = v;
        v["properties"]["g"] = json!({ "required": names, "enum": [long.clone(), long.clone()] });
        let text = print(&v);
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), v, "{text}");
        for line in text.lines() {
            assert!(line.len() <= WIDTH || line.contains(&long), "{line:?} in\n{text}");
        }
        // A long list of names fills its lines; one longer than a line holds each alone.
        assert!(text.contains(r#""property0", "property1", "property2","#), "{text}");
        assert!(text.lines().filter(|l| l.contains("\"property")).count() < 10, "{text}");
        assert!(text.contains(&format!("\n        \"{long}\",\n        \"{long}\"\n")), "{text}");
        assert!(text.contains(r#""a": { "type": "string", "pattern": "^[a-z]+$" },"#), "{text}");
        assert!(text.contains(r#""e": {},"#) && text.contains(r#""f": []"#), "{text}");
    }

    /// Whether a value fits is what its one-line text says, for every budget.
    #[test]
    fn fitting_is_measured_as_printed() {
        let values = [
            json!({ "type": "string", "pattern": "^[a-z]+$" }),
            json!({ "a": [1, "two \"quoted\"", { "b": [] }], "c": {}, "d": null }),
            json!([]),
            json!("x"),
        ];
        for v in &values {
            let len = inline(v).len();
            for budget in 0..len + 3 {
                assert_eq!(inline_fits(v, budget), len <= budget, "{v} within {budget}");
            }
        }
    }

    /// `v` with every `$ref` replaced by the definition it names.
    fn expand(v: &Value, defs: &Value) -> Value {
        match v {
            Value::Object(m) => match m.get("$ref").and_then(Value::as_str) {
                Some(r) => defs[r.trim_start_matches("#/definitions/")].clone(),
                None => Value::Object(m.iter().map(|(k, v)| (k.clone(), expand(v, defs))).collect()),
            },
            Value::Array(a) => Value::Array(a.iter().map(|v| expand(v, defs)).collect()),
            other => other.clone(),
        }
    }

    /// A constraint used twice is defined once and referenced twice, one used once stays
    /// where it is, and the references expand back to the schema as written.
    #[test]
    fn repeated_constraints_are_defined_once() {
        let label = pattern(super::LABEL);
        let port = integer(1, 65535);
        let written = json!({
            "type": "object",
            "properties": {
                "name": label, "team": label, "port": port,
                "deps": { "type": "array", "items": { "properties": { "name": label, "port": port } } },
                "path": pattern(super::PATH),
            },
        });
        let Value::Object(m) = written.clone() else { unreachable!() };
        let hoisted = Value::Object(hoist(m));
        let defs = &hoisted["definitions"];
        assert_eq!(
            defs.as_object().map(|d| d.keys().cloned().collect::<Vec<_>>()),
            Some(vec!["label".into(), "port".into()])
        );
        assert_eq!(hoisted["properties"]["team"], json!({ "$ref": "#/definitions/label" }));
        assert_eq!(
            hoisted["properties"]["deps"]["items"]["properties"]["port"],
            json!({ "$ref": "#/definitions/port" })
        );
        assert_eq!(hoisted["properties"]["path"], pattern(super::PATH));
        let mut back = expand(&hoisted, defs);
        back.as_object_mut().map(|m| m.remove("definitions"));
        assert_eq!(back, written);
    }
}
