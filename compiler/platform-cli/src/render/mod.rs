//! Diagnostic renderers, one module per format (STYLE D6): people (miette), machines
//! (JSON), CI (GitHub annotations) and the one-line-per-finding form the golden tests use.

pub mod github;
pub mod human;
pub mod json;
pub mod markdown;
pub mod short;

use platform_ir::{Diagnostic, Sources};

/// Output format of diagnostics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Compiler-style reports with source snippets.
    Human,
    /// One JSON document on stdout.
    Json,
    /// GitHub Actions workflow commands (`::error file=…`).
    Github,
    /// One line per finding: `file:line:col: error[CODE]: message`.
    Short,
    /// Markdown for a pull-request comment or a job summary.
    Markdown,
}

/// Render `diags` in `format`, as the text to print.
pub fn render(format: Format, sources: &Sources, diags: &[Diagnostic], color: bool) -> String {
    match format {
        Format::Human => human::render(sources, diags, color),
        Format::Json => json::render(sources, diags),
        Format::Github => github::render(sources, diags),
        Format::Short => short::render(sources, diags),
        Format::Markdown => markdown::render(sources, diags),
    }
}

/// User text made printable: each unsafe character as its escape (`\u{1b}`).
pub fn inert(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if platform_ir::text::is_unsafe(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// A source text shown under a report, unsafe characters replaced by `?` byte for byte, so
/// every span still points at the same bytes.
pub fn inert_source(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if platform_ir::text::is_unsafe(c) {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    out
}

/// `path:line:col` of a span's start.
pub fn location(sources: &Sources, d: &Diagnostic) -> (String, u32, u32, u32, u32) {
    let f = sources.get(d.primary.span.file);
    let (l, c) = f.line_col(d.primary.span.start);
    let (el, ec) = f.line_col(d.primary.span.end);
    (inert(&f.path), l, c, el, ec)
}

/// Rows as aligned columns, the first row the header.
pub fn aligned(out: &mut String, rows: &[Vec<String>]) {
    use std::fmt::Write as _;
    let mut widths = vec![0; rows.iter().map(Vec::len).max().unwrap_or(0)];
    for row in rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    for row in rows {
        let parts: Vec<String> = row.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        let _ = writeln!(out, "{}", parts.join("  ").trim_end());
    }
}
