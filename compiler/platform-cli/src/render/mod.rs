//! Diagnostic renderers, one module per format (STYLE D6): people (miette), machines
//! (JSON), CI (GitHub annotations) and the one-line-per-finding form the golden tests use.

pub mod github;
pub mod human;
pub mod json;
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
}

/// Render `diags` in `format`, as the text to print.
pub fn render(format: Format, sources: &Sources, diags: &[Diagnostic], color: bool) -> String {
    match format {
        Format::Human => human::render(sources, diags, color),
        Format::Json => json::render(sources, diags),
        Format::Github => github::render(sources, diags),
        Format::Short => short::render(sources, diags),
    }
}

/// `path:line:col` of a span's start.
pub fn location(sources: &Sources, d: &Diagnostic) -> (String, u32, u32, u32, u32) {
    let f = sources.get(d.primary.span.file);
    let (l, c) = f.line_col(d.primary.span.start);
    let (el, ec) = f.line_col(d.primary.span.end);
    (f.path.clone(), l, c, el, ec)
}
