//! JSON Schemas of the two input files, generated from [`crate::raw`].

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::Value;

use crate::raw;

/// JSON Schema of `platform.yaml`, pretty-printed with a trailing newline.
pub fn service_schema() -> String {
    render(schemars::schema_for!(raw::ServiceFile), "https://platform.dev/schemas/platform.schema.json")
}

/// JSON Schema of `platform-org.yaml`.
pub fn org_schema() -> String {
    render(schemars::schema_for!(raw::OrgFile), "https://platform.dev/schemas/platform-org.schema.json")
}

fn render(schema: schemars::Schema, id: &str) -> String {
    let mut v = schema.to_value();
    if let Some(o) = v.as_object_mut() {
        o.insert("$id".into(), serde_json::Value::String(id.into()));
    }
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

/// Where a key of `platform.yaml` is allowed, for the help of an unknown key: `cpu` →
/// `` `spec.runtime` ``. Places under `environments.<env>` are named only when the key is
/// allowed nowhere else. `None` for a key allowed nowhere.
pub fn service_key_places(key: &str) -> Option<String> {
    static INDEX: OnceLock<BTreeMap<String, Vec<String>>> = OnceLock::new();
    let index = INDEX.get_or_init(|| key_index(&schemars::schema_for!(raw::ServiceFile).to_value()));
    let all = index.get(key)?;
    let base: Vec<&String> = all.iter().filter(|p| !p.starts_with("environments.")).collect();
    let places = if base.is_empty() { all.iter().collect() } else { base };
    let shown: Vec<String> = places.into_iter().take(3).map(|p| format!("`{p}`")).collect();
    Some(shown.join(" or "))
}

/// Every property name of a JSON Schema with the dotted paths of the objects that allow it.
fn key_index(schema: &Value) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    walk(schema, schema, "", 0, &mut out);
    for v in out.values_mut() {
        v.sort_by_key(|p| (p.matches('.').count(), p.clone()));
        v.dedup();
    }
    out
}

fn walk(root: &Value, node: &Value, path: &str, depth: usize, out: &mut BTreeMap<String, Vec<String>>) {
    if depth > 8 {
        return;
    }
    if let Some(r) = node.get("$ref").and_then(Value::as_str) {
        let target = r.strip_prefix("#/$defs/").and_then(|d| root.get("$defs")?.get(d));
        if let Some(t) = target {
            walk(root, t, path, depth + 1, out);
        }
    }
    for alt in ["anyOf", "oneOf", "allOf"] {
        for a in node.get(alt).and_then(Value::as_array).into_iter().flatten() {
            walk(root, a, path, depth + 1, out);
        }
    }
    if let Some(props) = node.get("properties").and_then(Value::as_object) {
        for (k, v) in props {
            if !path.is_empty() {
                out.entry(k.clone()).or_default().push(path.to_owned());
            }
            let child = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
            walk(root, v, &child, depth + 1, out);
        }
    }
    if let Some(add) = node.get("additionalProperties").filter(|a| a.is_object()) {
        walk(root, add, &format!("{path}.<name>"), depth + 1, out);
    }
    if let Some(items) = node.get("items") {
        walk(root, items, &format!("{path}[]"), depth + 1, out);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_one_level_down_are_found() {
        assert_eq!(super::service_key_places("cpu").as_deref(), Some("`spec.runtime`"));
        assert_eq!(super::service_key_places("slo").as_deref(), Some("`spec.monitoring`"));
        assert_eq!(super::service_key_places("nonsense"), None);
    }
}
