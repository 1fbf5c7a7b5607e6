//! Rendering with minijinja, configured like Backstage's `fetch:template` (Nunjucks with
//! `${{ }}` variables, `{% %}` blocks, `{# #}` comments, `trimBlocks` and `lstripBlocks`),
//! so one template text means the same in `platform new` and in the Backstage skeleton.

use minijinja::syntax::SyntaxConfig;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use platform_ir::{Diagnostic, FileId, Span};
use serde_json::{Value, json};

use crate::diagnostics;
use crate::templates::Template;

/// The environment: Backstage's delimiters, strict undefined variables, no escaping (the
/// output is source code and YAML, never HTML).
fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    let syntax = SyntaxConfig::builder()
        .variable_delimiters("${{", "}}")
        .block_delimiters("{%", "%}")
        .comment_delimiters("{#", "#}")
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build();
    match syntax {
        Ok(s) => env.set_syntax(s),
        Err(e) => unreachable!("the scaffolding syntax is constant and valid: {e}"),
    }
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env
}

/// Render one template (or copy it, when it is not a `.njk` file) with `values`. A broken
/// override is reported at its line; a broken built-in template is a bug, reported at
/// `fallback` so it never panics on a user's machine.
pub fn render(t: &Template, values: &Value, fallback: Span) -> Result<String, Box<Diagnostic>> {
    if !t.is_rendered() {
        return Ok(t.text.clone());
    }
    let env = environment();
    let ctx = minijinja::Value::from(minijinja::value::Serde(json!({ "values": values })));
    env.render_named_str(&t.path, &t.text, ctx).map_err(|e| {
        debug_assert!(t.file.is_some(), "built-in template {} does not render: {e:#}", t.path);
        let span = match t.file {
            Some(file) => error_span(file, &t.text, &e),
            None => fallback,
        };
        let detail = match e.detail() {
            Some(d) => format!("{}: {d}", e.kind()),
            None => e.kind().to_string(),
        };
        Box::new(diagnostics::template_error(span, &t.path, &detail))
    })
}

/// The span of a minijinja error: its byte range when it has one, else its line.
fn error_span(file: FileId, text: &str, e: &minijinja::Error) -> Span {
    let clamp = |n: usize| u32::try_from(n.min(text.len())).unwrap_or(u32::MAX);
    if let Some(r) = e.range() {
        return Span::new(file, clamp(r.start), clamp(r.end.max(r.start)));
    }
    let line = e.line().unwrap_or(1).max(1);
    let start: usize = text.split_inclusive('\n').take(line - 1).map(str::len).sum();
    let end = text[start.min(text.len())..].find('\n').map_or(text.len(), |n| start + n);
    Span::new(file, clamp(start), clamp(end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(path: &str, text: &str) -> Template {
        Template { path: path.into(), text: text.into(), file: Some(FileId(3)) }
    }

    #[test]
    fn backstage_syntax_and_whitespace() {
        let v = json!({ "name": "a", "db": "none" });
        let out = render(
            &t(
                "service/x.njk",
                "n: ${{ values.name }}\n{% if values.db != \"none\" %}\ndb: 1\n{% endif %}\n  {{ helm }}\n",
            ),
            &v,
            Span::default(),
        )
        .unwrap();
        assert_eq!(out, "n: a\n  {{ helm }}\n");
        assert_eq!(render(&t("service/x", "${{ kept }}"), &v, Span::default()).unwrap(), "${{ kept }}");
    }

    #[test]
    fn undefined_variables_point_at_their_line() {
        let d = render(&t("service/x.njk", "ok\nbad: ${{ values.nope }}\n"), &json!({}), Span::default()).unwrap_err();
        assert_eq!(d.code.id, "SCAF006");
        assert_eq!(d.primary.span.file, FileId(3));
        let text = "ok\nbad: ${{ values.nope }}\n";
        assert!(text[d.primary.span.start as usize..d.primary.span.end as usize].contains("nope"), "{d:?}");
    }
}
