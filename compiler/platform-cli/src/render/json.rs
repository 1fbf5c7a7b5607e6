//! `--format json`: one document, stable keys, for editors and bots.

use platform_ir::{Diagnostic, Severity, Sources};
use serde_json::{Value, json};

/// The versioned contract of the document, committed as `schemas/output/diagnostics-v1.schema.json`.
pub const SCHEMA: &str = "https://platform.dev/schemas/output/diagnostics-v1.schema.json";

/// Render.
pub fn render(sources: &Sources, diags: &[Diagnostic]) -> String {
    to_text(&document(sources, diags))
}

/// The document as pretty JSON with a final newline. serde escapes control characters; the
/// line separators and text-direction overrides it leaves raw are escaped too (`\u2028`),
/// the same string to a JSON reader, no line break or reordered text to a person or a
/// JavaScript `eval`. They can only occur inside strings, where the escape is valid.
pub fn to_text(doc: &Value) -> String {
    let raw = serde_json::to_string_pretty(doc).unwrap_or_default();
    let mut s = String::with_capacity(raw.len() + 1);
    for c in raw.chars() {
        // serde escaped the control characters; the others can only be inside strings.
        if platform_ir::text::is_unsafe(c) && !c.is_control() {
            s.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            s.push(c);
        }
    }
    s.push('\n');
    s
}

/// The document: `errors`, `warnings` and `diagnostics`; commands add their own keys.
pub fn document(sources: &Sources, diags: &[Diagnostic]) -> Value {
    let items: Vec<Value> = diags
        .iter()
        .map(|d| {
            let (file, line, column, end_line, end_column) = super::location(sources, d);
            let labels: Vec<Value> = d
                .secondary
                .iter()
                .map(|l| {
                    let f = sources.get(l.span.file);
                    let (line, column) = f.line_col(l.span.start);
                    json!({ "file": f.path, "line": line, "column": column, "message": l.text })
                })
                .collect();
            json!({
                "severity": d.severity.as_str(),
                "code": d.code.id,
                "name": d.code.name,
                "message": d.message,
                "file": file,
                "line": line,
                "column": column,
                "endLine": end_line,
                "endColumn": end_column,
                "offset": d.primary.span.start,
                "length": d.primary.span.len(),
                "label": d.primary.text,
                "help": d.help,
                "labels": labels,
            })
        })
        .collect();
    let errors = diags.iter().filter(|d| d.severity == Severity::Error).count();
    json!({ "$schema": SCHEMA, "errors": errors, "warnings": diags.len() - errors, "diagnostics": items })
}
