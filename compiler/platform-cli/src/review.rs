//! The risks of a change (`platform_compiler::risks`) in each `--format`: what `platform
//! diff` prints before any file. Each risk points at the input line that causes it, in the
//! work tree or, for something removed, in the base.

use std::fmt::Write;

use platform_compiler::risks::{Grade, Risk, Side};
use platform_ir::{AcceptedRisk, Sources};

use crate::render::{Format, inert};

/// The sources of the two builds a risk's span may point into.
pub struct Sides<'a> {
    /// The base revision's inputs.
    pub base: &'a Sources,
    /// The work tree's inputs.
    pub head: &'a Sources,
}

impl Sides<'_> {
    /// The sources a risk's spans point into.
    pub fn of(&self, r: &Risk) -> &Sources {
        match r.side {
            Side::Base => self.base,
            Side::Head => self.head,
        }
    }
}

/// `--deny` on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Deny {
    /// Fail on every risk.
    Info,
    /// Fail on `warn` and `danger`.
    Warn,
    /// Fail on `danger` only.
    Danger,
}

impl Deny {
    /// The lowest grade that fails.
    pub fn grade(self) -> Grade {
        match self {
            Deny::Info => Grade::Info,
            Deny::Warn => Grade::Warn,
            Deny::Danger => Grade::Danger,
        }
    }
}

/// `file`, `line`, `column`, `endLine`, `endColumn` of a risk's span.
fn place(sides: &Sides<'_>, r: &Risk) -> (String, u32, u32, u32, u32) {
    crate::render::location(sides.of(r), &r.diagnostic)
}

/// "2 danger, 1 warn, 1 accepted": the count by grade, gravest first, accepted ones apart.
pub fn tally(risks: &[Risk]) -> String {
    let mut parts = Vec::new();
    for g in [Grade::Danger, Grade::Warn, Grade::Info] {
        let n = risks.iter().filter(|r| r.grade == g && r.accepted.is_none()).count();
        if n > 0 {
            parts.push(format!("{n} {}", g.as_str()));
        }
    }
    let accepted = risks.iter().filter(|r| r.accepted.is_some()).count();
    if accepted > 0 {
        parts.push(format!("{accepted} accepted"));
    }
    parts.join(", ")
}

/// Where an acceptance is written, and its reason: `file:line:col: "reason"`.
fn acceptance(sides: &Sides<'_>, a: &AcceptedRisk) -> String {
    let f = sides.head.get(a.reason.span.file);
    let (line, col) = f.line_col(a.reason.span.start);
    format!("{}:{line}:{col}: \"{}\"", inert(&f.path), inert(&a.reason.value))
}

/// The grade as printed: `danger`, or `danger, accepted`.
fn grade(r: &Risk) -> String {
    match r.accepted {
        Some(_) => format!("{}, accepted", r.grade.as_str()),
        None => r.grade.as_str().to_owned(),
    }
}

/// The risks as text in `format` (JSON has its own, [`json`]).
pub fn render(format: Format, sides: &Sides<'_>, risks: &[Risk], color: bool) -> String {
    let mut out = String::new();
    match format {
        Format::Human => {
            if risks.is_empty() {
                return out;
            }
            let _ = writeln!(out, "risks ({}):\n", tally(risks));
            for r in risks {
                let _ = write!(out, "{}: ", grade(r));
                out.push_str(
                    crate::render::human::render(sides.of(r), std::slice::from_ref(&r.diagnostic), color).trim_start(),
                );
                if let Some(a) = &r.accepted {
                    let _ = writeln!(out, "  accepted at {}\n", acceptance(sides, a));
                }
            }
        }
        Format::Short => {
            for r in risks {
                let (file, line, col, _, _) = place(sides, r);
                let _ = write!(
                    out,
                    "{file}:{line}:{col}: {}[{}]: {}; help: {}",
                    grade(r),
                    r.diagnostic.code.id,
                    inert(&r.diagnostic.message),
                    inert(&r.diagnostic.help)
                );
                match &r.accepted {
                    Some(a) => {
                        let _ = writeln!(out, "; accepted at {}", acceptance(sides, a));
                    }
                    None => out.push('\n'),
                }
            }
        }
        Format::Github => {
            for r in risks {
                let (file, line, col, end_line, end_col) = place(sides, r);
                let kind = match (r.grade, &r.accepted) {
                    (_, Some(_)) | (Grade::Info, None) => "notice",
                    (Grade::Danger, None) => "error",
                    (Grade::Warn, None) => "warning",
                };
                let d = &r.diagnostic;
                let mut text = format!("{}\nhelp: {}", d.message, d.help);
                if let Some(a) = &r.accepted {
                    text.push_str(&format!("\naccepted at {}", acceptance(sides, a)));
                }
                out.push_str(&crate::render::github::annotation(
                    kind,
                    &file,
                    (line, col, end_line, end_col),
                    &format!("{} {} ({})", d.code.id, d.code.name, grade(r)),
                    &text,
                ));
            }
        }
        // JSON and Markdown are whole documents: `json` and `crate::comment`.
        Format::Json | Format::Markdown => {}
    }
    out
}

/// The risks as the `risks` array of `diff --format json`.
pub fn json(sides: &Sides<'_>, risks: &[Risk]) -> serde_json::Value {
    risks
        .iter()
        .map(|r| {
            let (file, line, column, end_line, end_column) = place(sides, r);
            let d = &r.diagnostic;
            serde_json::json!({
                "code": d.code.id,
                "name": d.code.name,
                "grade": r.grade.as_str(),
                "service": r.service,
                "environments": r.environments,
                "side": match r.side { Side::Base => "base", Side::Head => "head" },
                "message": d.message,
                "file": file,
                "line": line,
                "column": column,
                "endLine": end_line,
                "endColumn": end_column,
                "label": d.primary.text,
                "help": d.help,
                "accepted": r.accepted.as_ref().map(|a| {
                    let f = sides.head.get(a.reason.span.file);
                    let (line, column) = f.line_col(a.reason.span.start);
                    serde_json::json!({ "reason": a.reason.value, "file": f.path, "line": line, "column": column })
                }),
            })
        })
        .collect()
}
