//! `platform diff --format markdown`: the review as a pull-request comment. Changes no
//! apply can make and risks first, then a table of what changes per service and
//! environment, then each service's objects and file diffs in a collapsible section; capped
//! below GitHub's comment limit with a note saying what was left out.

use std::collections::BTreeMap;
use std::fmt::Write;

use platform_compiler::risks::{Grade, Risk};
use platform_ir::{Diagnostic, Sources};

use crate::changes::{Action, Change};
use crate::render::markdown::{fence, text};
use crate::review::Sides;

/// GitHub refuses comments over 65 536 characters; this leaves room for a bot's own text.
pub const LIMIT: usize = 60_000;

/// Everything the comment shows.
pub struct Review<'a> {
    /// The base revision as given.
    pub base: &'a str,
    /// Changes no apply can make (VAL009, VAL010), spanned in the work tree.
    pub impossible: &'a [Diagnostic],
    /// The work tree's sources, for `impossible`.
    pub head: &'a Sources,
    /// Risks, gravest first.
    pub risks: &'a [Risk],
    /// Their sources.
    pub sides: &'a Sides<'a>,
    /// The change model (mirrors left out).
    pub objects: &'a [Change],
    /// Files: path, `added|changed|removed`, unified diff.
    pub files: &'a [(String, &'static str, String)],
    /// Mirror → the files it repeats.
    pub mirrors: &'a BTreeMap<String, Vec<String>>,
    /// Leave the file diffs out.
    pub stat: bool,
}

fn place(sources: &Sources, d: &Diagnostic) -> String {
    let (file, line, col, _, _) = crate::render::location(sources, d);
    format!("`{}:{line}:{col}`", file.replace('`', "'"))
}

/// Text inside an HTML element (`<summary>`), where Markdown escapes do not apply.
fn html(s: &str) -> String {
    crate::render::inert(s).replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The comment, at most [`LIMIT`] characters.
pub fn render(r: &Review<'_>) -> String {
    let mut head = String::new();
    let _ = writeln!(head, "## platform diff against `{}`\n", r.base.replace('`', "'"));
    let services: std::collections::BTreeSet<&str> =
        r.files.iter().map(|(p, _, _)| p.split('/').next().unwrap_or("")).collect();
    let counted = services.iter().filter(|s| **s != "_org").count();
    if r.files.is_empty() && r.risks.is_empty() && r.impossible.is_empty() {
        head.push_str("No change to the generated files.\n");
        return head;
    }
    let tally = crate::review::tally(r.risks);
    let _ = writeln!(
        head,
        "**{}** · {} service{}{} · {} object{} · {} file{}\n",
        if tally.is_empty() { "no risk".to_owned() } else { tally },
        counted,
        if counted == 1 { "" } else { "s" },
        if services.contains("_org") { " and the org" } else { "" },
        r.objects.len(),
        if r.objects.len() == 1 { "" } else { "s" },
        r.files.len(),
        if r.files.len() == 1 { "" } else { "s" },
    );
    if !r.impossible.is_empty() {
        head.push_str("### Changes no apply can make\n\n");
        for d in r.impossible {
            let _ = writeln!(
                head,
                "- **{}** {}: {} (help: {})",
                d.code.id,
                place(r.head, d),
                text(&d.message),
                text(&d.help)
            );
        }
        head.push('\n');
    }
    if !r.risks.is_empty() {
        head.push_str(
            "### Risks\n\n| grade | risk | service | environments | what | where |\n|---|---|---|---|---|---|\n",
        );
        for risk in r.risks {
            let d = &risk.diagnostic;
            let grade = match (&risk.accepted, risk.grade) {
                (Some(_), g) => format!("{} (accepted)", g.as_str()),
                (None, Grade::Danger) => "**danger**".to_owned(),
                (None, g) => g.as_str().to_owned(),
            };
            let mut what = text(&d.message);
            if let Some(a) = &risk.accepted {
                let _ = write!(what, "<br>accepted: {}", text(&a.reason.value));
            }
            let _ = writeln!(
                head,
                "| {grade} | {} `{}` | {} | {} | {what} | {} |",
                d.code.id,
                d.code.name,
                risk.service.as_deref().map_or("(org)".to_owned(), text),
                if risk.environments.is_empty() { "every".to_owned() } else { text(&risk.environments.join(", ")) },
                place(r.sides.of(risk), d),
            );
        }
        head.push('\n');
    }
    head.push_str(&summary(r));
    let mut out = head;
    let mut left_out = Vec::new();
    for service in &services {
        let section = section(r, service);
        if out.len() + section.len() + 400 > LIMIT {
            left_out.push(*service);
            continue;
        }
        out.push_str(&section);
    }
    if !left_out.is_empty() {
        let _ = writeln!(
            out,
            "\n> **Truncated**: the details of {} were left out to stay under GitHub's comment limit; run `platform diff` for everything.",
            left_out.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", "),
        );
    }
    out
}

/// One row per service and environment: how many objects each action touches, and files.
fn summary(r: &Review<'_>) -> String {
    let mut rows: BTreeMap<(&str, &str), [usize; 4]> = BTreeMap::new();
    for c in r.objects {
        let env = c.environment.as_deref().unwrap_or("every");
        let slot = match c.action {
            Action::Destroy => 0,
            Action::Replace => 1,
            Action::Update => 2,
            Action::Create => 3,
        };
        rows.entry((c.service.as_str(), env)).or_default()[slot] += 1;
    }
    let mut files: BTreeMap<&str, usize> = BTreeMap::new();
    for (p, _, _) in r.files {
        *files.entry(p.split('/').next().unwrap_or("")).or_default() += 1;
    }
    let mut out = String::from(
        "### What changes\n\n| service | environment | destroy | replace | update | create | files |\n|---|---|---|---|---|---|---|\n",
    );
    let mut seen = std::collections::BTreeSet::new();
    for ((service, env), n) in &rows {
        let f =
            if seen.insert(*service) { files.get(service).copied().unwrap_or(0).to_string() } else { String::new() };
        let cell = |k: usize, strong: bool| match (n[k], strong) {
            (0, _) => String::new(),
            (v, true) => format!("**{v}**"),
            (v, false) => v.to_string(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {f} |",
            text(service),
            text(env),
            cell(0, true),
            cell(1, true),
            cell(2, false),
            cell(3, false)
        );
    }
    for (service, n) in &files {
        if !seen.contains(service) {
            let _ = writeln!(out, "| {} | | | | | | {n} |", text(service));
        }
    }
    out.push('\n');
    out
}

/// A service's objects and file diffs, collapsed.
fn section(r: &Review<'_>, service: &str) -> String {
    let objects: Vec<Change> = r.objects.iter().filter(|c| c.service == service).cloned().collect();
    let files: Vec<&(String, &str, String)> =
        r.files.iter().filter(|(p, _, _)| p.split('/').next() == Some(service)).collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<details><summary>{}: {} object{}, {} file{}</summary>\n",
        html(service),
        objects.len(),
        if objects.len() == 1 { "" } else { "s" },
        files.len(),
        if files.len() == 1 { "" } else { "s" }
    );
    if !objects.is_empty() {
        out.push_str(&fence("text", &crate::changes::human(&objects)));
        out.push('\n');
    }
    for (p, kind, _) in files {
        match r.mirrors.get(p) {
            Some(of) => {
                let _ = writeln!(out, "- `{}` {kind}: repeats {}", p.replace('`', "'"), text(&of.join(", ")));
            }
            None => {
                let _ = writeln!(out, "- `{}` {kind}", p.replace('`', "'"));
            }
        }
    }
    if !r.stat {
        let diffs: String = r
            .files
            .iter()
            .filter(|(p, _, _)| p.split('/').next() == Some(service) && !r.mirrors.contains_key(p))
            .map(|(_, _, d)| d.as_str())
            .collect();
        if !diffs.is_empty() {
            out.push('\n');
            out.push_str(&fence("diff", &diffs));
        }
    }
    out.push_str("\n</details>\n\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_comment_stays_under_the_limit_and_says_what_it_left_out() {
        let big = format!("--- a/x\n+++ b/x\n{}", "+ a line of a long generated file\n".repeat(1000));
        let files: Vec<(String, &'static str, String)> =
            (0..10).map(|i| (format!("svc-{i}/helm/values.yaml"), "changed", big.clone())).collect();
        let (none, mirrors) = (Sources::default(), BTreeMap::new());
        let sides = Sides { base: &none, head: &none };
        let review = Review {
            base: "main",
            impossible: &[],
            head: &none,
            risks: &[],
            sides: &sides,
            objects: &[],
            files: &files,
            mirrors: &mirrors,
            stat: false,
        };
        let out = render(&review);
        assert!(out.len() <= LIMIT, "{}", out.len());
        assert!(out.contains("**Truncated**") && out.contains("`svc-9`"), "{out}");
        assert!(out.contains("<details><summary>svc-0: 0 objects, 1 file</summary>"));
        assert!(out.contains("| svc-9 | | | | | | 1 |"), "every service stays in the table");
    }
}
