//! The book's generated chapters (STYLE G3): the diagnostics reference from the code
//! registries and the `platform.yaml` / org file references from the JSON Schemas.
//! A test fails on drift; `PLATFORM_BLESS=1` rewrites them.

mod support;

use std::fmt::Write;

use serde_json::Value;

fn diagnostics_reference() -> String {
    let mut s = String::from(
        "# Diagnostics reference\n\n<!-- Generated from the code registries by `PLATFORM_BLESS=1 cargo test -p platform-cli --test book`; do not edit. -->\n\n",
    );
    s.push_str("Every diagnostic has a code, shown by `platform explain CODE`.\nScopes: `SYN` reading YAML, `LOW` the meaning of one file, `VAL` checks across services and against the org's policies, `DRV` the set of inputs, one scope per backend, and `RISK` the risks of a change that `platform diff` reports (graded info, warn or danger; see the chapter \"Reviewing a change\").\n\n");
    s.push_str("| code | name | summary |\n|---|---|---|\n");
    let codes = platform_driver::codes();
    for c in &codes {
        let _ = writeln!(s, "| [{}](#{}) | `{}` | {} |", c.id, c.id.to_lowercase(), c.name, c.summary);
    }
    for c in &codes {
        let _ = write!(s, "\n## {}\n\n`{}`: {}\n\n{}\n", c.id, c.name, c.summary, c.docs);
    }
    s
}

fn type_of(v: &Value) -> String {
    if let Some(r) = v.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r);
        return format!("[{name}](#{})", name.to_lowercase());
    }
    if let Some(e) = v.get("enum").and_then(Value::as_array) {
        return e.iter().filter_map(Value::as_str).map(|x| format!("`{x}`")).collect::<Vec<_>>().join(" \\| ");
    }
    if let Some(one) = v.get("oneOf").and_then(Value::as_array) {
        let mut vals = Vec::new();
        for o in one {
            if let Some(c) = o.get("const").and_then(Value::as_str) {
                vals.push(format!("`{c}`"));
            } else if let Some(e) = o.get("enum").and_then(Value::as_array) {
                vals.extend(e.iter().filter_map(Value::as_str).map(|x| format!("`{x}`")));
            } else {
                vals.push(type_of(o));
            }
        }
        return vals.join(" \\| ");
    }
    match v.get("type") {
        Some(Value::String(t)) if t == "array" => {
            format!("list of {}", v.get("items").map(type_of).unwrap_or_default())
        }
        Some(Value::String(t)) if t == "object" => match v.get("additionalProperties") {
            Some(a @ Value::Object(_)) => format!("map of {}", type_of(a)),
            _ => "mapping".into(),
        },
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => {
            ts.iter().filter_map(Value::as_str).filter(|t| *t != "null").collect::<Vec<_>>().join(" or ")
        }
        _ => "any".into(),
    }
}

fn object_table(s: &mut String, v: &Value) {
    let Some(props) = v.get("properties").and_then(Value::as_object) else { return };
    s.push_str("| field | type | description |\n|---|---|---|\n");
    for (k, p) in props {
        let desc = p.get("description").and_then(Value::as_str).unwrap_or("").replace('\n', " ");
        let _ = writeln!(s, "| `{k}` | {} | {desc} |", type_of(p));
    }
}

fn schema_reference(title: &str, schema: &str, intro: &str) -> String {
    let v: Value = serde_json::from_str(schema).unwrap();
    let mut s = format!(
        "# {title}\n\n<!-- Generated from the JSON Schema by `PLATFORM_BLESS=1 cargo test -p platform-cli --test book`; do not edit. -->\n\n{intro}\n\n"
    );
    object_table(&mut s, &v);
    if let Some(defs) = v.get("$defs").and_then(Value::as_object) {
        for (name, d) in defs {
            let _ = write!(s, "\n## {name}\n\n");
            if let Some(desc) = d.get("description").and_then(Value::as_str) {
                let _ = write!(s, "{desc}\n\n");
            }
            if d.get("properties").is_some() {
                object_table(&mut s, d);
            } else {
                let _ = writeln!(s, "One of: {}", type_of(d));
            }
        }
    }
    s
}

#[test]
fn generated_book_chapters_are_current() {
    let dir = support::repo().join("book/src/reference");
    let chapters = [
        ("diagnostics.md", diagnostics_reference()),
        (
            "platform-yaml.md",
            schema_reference(
                "`platform.yaml` reference",
                &platform_compiler::schema::service_schema(),
                "Every field of a service file. Everything but `metadata.name`, `metadata.team` and `spec.language` has a default (from the org file, or built in).",
            ),
        ),
        (
            "org-file.md",
            schema_reference(
                "`platform-org.yaml` reference",
                &platform_compiler::schema::org_schema(),
                "Every field of the org file. It is merged over the built-in defaults (`platform schema --kind org`; the defaults are in `compiler/platform-compiler/src/defaults/platform-org.yaml`): mappings merge key by key, scalars and lists replace.",
            ),
        ),
    ];
    for (file, text) in chapters {
        let path = dir.join(file);
        if support::bless() {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &text).unwrap();
            continue;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == text,
            "book/src/reference/{file} is stale: run `PLATFORM_BLESS=1 cargo test -p platform-cli --test book`"
        );
    }
}

/// G3: the worked examples are included straight from the golden tests; every include must
/// resolve, so a renamed case cannot leave the book pointing at nothing.
#[test]
fn book_includes_resolve() {
    let src = support::repo().join("book/src");
    let mut pages = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "md") {
                pages.push(p);
            }
        }
    }
    let mut includes = 0;
    for page in pages {
        let text = std::fs::read_to_string(&page).unwrap();
        for part in text.split("{{#include ").skip(1) {
            let target = part.split("}}").next().unwrap().trim();
            let target = target.split(':').next().unwrap();
            let resolved = page.parent().unwrap().join(target);
            assert!(resolved.is_file(), "{}: include `{target}` does not exist", page.display());
            includes += 1;
        }
    }
    assert!(includes >= 1, "the book includes no worked example");
}

/// The smallest service the book shows (the ```` ```yaml minimal ```` block of
/// `service-file.md`) compiles with every backend, with no error and no warning.
#[test]
fn the_minimal_service_of_the_book_compiles() {
    let chapter = std::fs::read_to_string(support::repo().join("book/src/service-file.md")).unwrap();
    let block = chapter.split("```yaml minimal\n").nth(1).and_then(|rest| rest.split("```").next());
    let yaml = block.expect("service-file.md shows no ```yaml minimal block");
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("platform.yaml"), yaml).unwrap();
    let fe = support::load(tmp.path());
    let (_, backend) = if fe.has_errors() { Default::default() } else { support::build(&fe) };
    let all: Vec<String> =
        fe.diagnostics.iter().chain(&backend).map(|d| format!("{}: {}", d.code.id, d.message)).collect();
    assert!(all.is_empty() && !fe.services.is_empty(), "the book's minimal service does not compile cleanly: {all:?}");
}
