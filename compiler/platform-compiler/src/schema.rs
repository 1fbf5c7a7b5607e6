//! JSON Schemas of the two input files, generated from [`crate::raw`].

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
