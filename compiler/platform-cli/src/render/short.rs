//! `--format short`: one line per finding, `file:line:col: error[CODE]: message; help: …`,
//! for grep and editors' problem matchers. [`render_detailed`] adds the label, the spanned
//! text and every note on indented lines: the stable form the golden tests compare.

use std::fmt::Write;

use platform_ir::{Diagnostic, Sources};

/// The finding's first line: `file:line:col: severity[CODE]: message`.
fn head(sources: &Sources, d: &Diagnostic) -> String {
    let (path, line, col, _, _) = super::location(sources, d);
    format!("{path}:{line}:{col}: {}[{}]: {}", d.severity.as_str(), d.code.id, super::inert(&d.message))
}

/// Render: one line per finding, the help at its end.
pub fn render(sources: &Sources, diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let help = super::inert(&d.help).replace('\n', " ");
        let _ = writeln!(out, "{}; help: {help}", head(sources, d).replace('\n', " "));
    }
    out
}

/// Render with the label and the text it spans (a secret's masked), notes and help on
/// indented lines after each finding's first line.
pub fn render_detailed(sources: &Sources, diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let _ = writeln!(out, "{}", head(sources, d));
        let text = if d.redact { "********" } else { sources.get(d.primary.span.file).slice(d.primary.span) };
        let shown = super::inert(text.lines().next().unwrap_or(""));
        let _ = writeln!(out, "  label: {} (`{shown}`)", super::inert(&d.primary.text));
        for l in &d.secondary {
            let f = sources.get(l.span.file);
            let (sl, sc) = f.line_col(l.span.start);
            let _ = writeln!(out, "  note: {} at {}:{sl}:{sc}", super::inert(&l.text), super::inert(&f.path));
        }
        let _ = writeln!(out, "  help: {}", super::inert(&d.help));
    }
    out
}
