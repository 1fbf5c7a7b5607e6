//! The one YAML printer of this crate: typed JSON values through serde-saphyr, which quotes
//! every string a YAML 1.1 reader (Helm's) could misread (`"NO"`, `"1.10"`, `"*x"`, `"a: b"`).

use serde_json::Value;

/// A document as YAML text ending in exactly one newline.
pub fn to_yaml(v: &Value) -> String {
    let mut s = match serde_saphyr::to_string(v) {
        Ok(s) => s,
        Err(e) => unreachable!("a JSON value always serializes to YAML: {e}"),
    };
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}
