//! `--format markdown`: findings as a Markdown list, for a pull-request comment or a job
//! summary; and the escapes every Markdown the CLI prints goes through, so no user string
//! opens a table cell, an HTML tag or a code fence it should not.

use std::fmt::Write;

use platform_ir::{Diagnostic, Sources};

/// Text for a table cell or a list item: unsafe characters escaped, line breaks as spaces,
/// and `|`, `<`, `>`, `&`, `*`, `_`, `` ` ``, `[` and `]` as entities or escapes, so the
/// text stays text.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in super::inert(s).chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '*' | '_' | '`' | '[' | ']' | '\\' | '#' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A fenced code block holding `body` as it is: the fence is longer than any run of
/// backticks inside.
pub fn fence(lang: &str, body: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in body.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let ticks = "`".repeat(longest.max(2) + 1);
    let body = super::inert_source(body);
    let nl = if body.ends_with('\n') { "" } else { "\n" };
    format!("{ticks}{lang}\n{body}{nl}{ticks}\n")
}

/// Render: one list item per finding.
pub fn render(sources: &Sources, diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let (file, line, col, _, _) = super::location(sources, d);
        let _ = writeln!(
            out,
            "- **{}[{}]** {}:{line}:{col}: {} (help: {})",
            d.severity.as_str(),
            d.code.id,
            text(&file),
            text(&d.message),
            text(&d.help)
        );
    }
    out
}

/// Rows as a Markdown table, the first row the header; the cells are already escaped.
pub fn table(out: &mut String, rows: &[Vec<String>]) {
    use std::fmt::Write;
    let Some((head, body)) = rows.split_first() else { return };
    let _ = writeln!(out, "| {} |", head.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(head.len()));
    for row in body {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_stays_text() {
        assert_eq!(text("a|b<script>\n`x`"), "a\\|b&lt;script&gt; \\`x\\`");
        assert_eq!(text("**bold** [l](u)"), "\\*\\*bold\\*\\* \\[l\\](u)");
        let f = fence("diff", "a ```` b\n");
        assert!(f.starts_with("`````diff\n") && f.ends_with("\n`````\n"), "{f}");
    }
}
