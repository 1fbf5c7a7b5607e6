//! Workflow documents: `serde_json::Value` trees with keys in insertion order, printed by
//! serde-saphyr (STYLE C3).
//!
//! Two things a plain `Value` cannot say are expressed with a marker object that only this
//! module builds and reads: a trailing `# comment` after a scalar (the version of a pinned
//! action, the reason for a permission). The printer turns the marker into
//! [`serde_saphyr::Commented`]. Marker keys start with a NUL byte, which no workflow key can
//! contain, so a marker can never be confused with data.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Map, Value, json};

const VALUE: &str = "\u{0}value";
const COMMENT: &str = "\u{0}comment";

/// A scalar followed by `# comment` on the same line.
pub fn commented(value: impl Into<Value>, comment: &str) -> Value {
    json!({ VALUE: value.into(), COMMENT: comment })
}

/// An ordered mapping from `(key, value)` pairs (keys in the order given, STYLE E4).
pub fn map<const N: usize>(entries: [(&str, Value); N]) -> Value {
    let mut m = Map::new();
    for (k, v) in entries {
        let prev = m.insert(k.to_owned(), v);
        debug_assert!(prev.is_none(), "duplicate key {k:?} in a workflow mapping");
    }
    Value::Object(m)
}

/// Insert `key: value` into a mapping built with [`map`] (for optional keys).
pub fn push(target: &mut Value, key: &str, value: Value) {
    if let Value::Object(m) = target {
        let prev = m.insert(key.to_owned(), value);
        debug_assert!(prev.is_none(), "duplicate key {key:?} in a workflow mapping");
    } else {
        debug_assert!(false, "push into a non-mapping");
    }
}

/// Print a workflow: YAML with 2-space indentation, `on:` unquoted, one trailing newline.
pub fn to_yaml(doc: &Value) -> String {
    // Single-line values up to 160 characters stay on one line (the default folds at 80,
    // which would split `if:` conditions over two lines); scripts are literal blocks.
    let options = serde_saphyr::ser_options! { folded_wrap_chars: 160 };
    let mut text = serde_saphyr::to_string_with_options(&Printed(doc), options).unwrap_or_default();
    // serde-saphyr quotes the key `on` because YAML 1.1 reads it as a boolean; GitHub reads it
    // as the string `on`, and the file reads better without quotes. Only the top-level key is
    // touched: it is always written by this crate, never taken from an input.
    if let Some(rest) = text.strip_prefix("\"on\":") {
        text = format!("on:{rest}");
    } else if let Some(pos) = text.find("\n\"on\":") {
        text.replace_range(pos + 1..pos + 6, "on:");
    }
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

struct Printed<'a>(&'a Value);

impl Serialize for Printed<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(m) if m.len() == 2 && m.contains_key(VALUE) && m.contains_key(COMMENT) => {
                let comment = m[COMMENT].as_str().unwrap_or_default().to_owned();
                serde_saphyr::Commented(Printed(&m[VALUE]), comment).serialize(s)
            }
            Value::Object(m) => {
                let mut out = s.serialize_map(Some(m.len()))?;
                for (k, v) in m {
                    out.serialize_entry(k, &Printed(v))?;
                }
                out.end()
            }
            Value::Array(items) => {
                let mut out = s.serialize_seq(Some(items.len()))?;
                for v in items {
                    out.serialize_element(&Printed(v))?;
                }
                out.end()
            }
            scalar => scalar.serialize(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_is_unquoted_and_comments_follow_scalars() {
        let doc = map([
            ("name", json!("x")),
            ("on", map([("push", json!({}))])),
            ("permissions", map([("contents", commented("read", "to check out the code"))])),
            (
                "jobs",
                map([("a", map([("if", json!("${{ inputs.x == 'on' }}")), ("with", map([("on", json!("on"))]))]))]),
            ),
        ]);
        let text = to_yaml(&doc);
        assert!(text.contains("\non:\n  push: {}\n"), "{text}");
        assert!(text.contains("contents: read # to check out the code\n"), "{text}");
        assert!(text.contains("\"on\": \"on\""), "nested keys keep their quotes: {text}");
        assert!(text.ends_with('\n') && !text.ends_with("\n\n"));
    }

    #[test]
    fn multi_line_scripts_are_literal_blocks() {
        let doc = map([("run", json!("set -euo pipefail\necho \"${SERVICE}\"\n"))]);
        assert_eq!(to_yaml(&doc), "run: |\n  set -euo pipefail\n  echo \"${SERVICE}\"\n");
    }
}
