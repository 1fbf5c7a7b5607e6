//! `file:line:col: error[CODE]: message`, then the label and help indented. Stable text for
//! golden tests and grep.

use std::fmt::Write;

use platform_ir::{Diagnostic, Sources};

/// Render.
pub fn render(sources: &Sources, diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let (path, line, col, _, _) = super::location(sources, d);
        let _ = writeln!(out, "{path}:{line}:{col}: {}[{}]: {}", d.severity.as_str(), d.code.id, d.message);
        let text = sources.get(d.primary.span.file).slice(d.primary.span);
        let masked = if d.redact { "********".to_owned() } else { String::new() };
        let text = if d.redact { masked.as_str() } else { text };
        let _ = writeln!(out, "  label: {} (`{}`)", d.primary.text, text.lines().next().unwrap_or(""));
        for l in &d.secondary {
            let f = sources.get(l.span.file);
            let (sl, sc) = f.line_col(l.span.start);
            let _ = writeln!(out, "  note: {} at {}:{sl}:{sc}", l.text, f.path);
        }
        let _ = writeln!(out, "  help: {}", d.help);
    }
    out
}
