//! Compiler-style reports drawn by miette: code, `file:line:col`, the snippet with a label
//! on the exact span, secondary labels, help.

use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
use platform_ir::{Diagnostic, Severity, Sources};

struct Report<'a> {
    d: &'a Diagnostic,
    src: NamedSource<String>,
    labels: Vec<LabeledSpan>,
    help: String,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.d.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&super::inert(&self.d.message))
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(format!("{}({})", self.d.code.id, self.d.code.name)))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.help))
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.src)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

fn span(start: u32, len: u32) -> SourceSpan {
    (start as usize, len as usize).into()
}

/// Render.
pub fn render(sources: &Sources, diags: &[Diagnostic], color: bool) -> String {
    let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100).with_context_lines(1);
    let mut out = String::new();
    for d in diags {
        let file = sources.get(d.primary.span.file);
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            Some(super::inert(&d.primary.text)),
            span(d.primary.span.start, d.primary.span.len()),
        )];
        let mut help = super::inert(&d.help);
        for l in &d.secondary {
            if l.span.file == d.primary.span.file {
                labels.push(LabeledSpan::new_with_span(Some(super::inert(&l.text)), span(l.span.start, l.span.len())));
            } else {
                let f = sources.get(l.span.file);
                let (line, col) = f.line_col(l.span.start);
                help.push_str(&format!("\nnote: {} at {}:{line}:{col}", super::inert(&l.text), super::inert(&f.path)));
            }
        }
        let report = Report {
            d,
            src: NamedSource::new(
                super::inert(&file.path),
                super::inert_source(&platform_ir::diagnostic::mask(&file.text, d.primary.span.file, diags)),
            )
            .with_language("yaml"),
            labels,
            help,
        };
        let _ = handler.render_report(&mut out, &report);
        out.push('\n');
    }
    out
}
