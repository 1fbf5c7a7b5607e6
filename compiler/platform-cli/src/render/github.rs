//! `--format github`: workflow commands that GitHub shows as annotations on the PR diff.

use std::fmt::Write;

use platform_ir::{Diagnostic, Severity, Sources};

fn esc_data(s: &str) -> String {
    super::inert(&s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A"))
}

fn esc_prop(s: &str) -> String {
    esc_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Render.
pub fn render(sources: &Sources, diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let (file, line, col, end_line, end_col) = super::location(sources, d);
        let kind = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        out.push_str(&annotation(
            kind,
            &file,
            (line, col, end_line, end_col),
            &format!("{} {}", d.code.id, d.code.name),
            &format!("{}\nhelp: {}", d.message, d.help),
        ));
    }
    out
}

/// A path as GitHub matches it to a file of the pull request: relative to the checkout,
/// without a leading `./` (GitHub attaches an annotation whose path starts with `./` to no
/// file of the diff; checked against crate-ci/typos#1496 and adrienverge/yamllint#764).
fn repo_path(path: &str) -> &str {
    let mut p = path;
    while let Some(rest) = p.strip_prefix("./") {
        p = rest;
    }
    p
}

/// One workflow command: `kind` is `error`, `warning` or `notice`; `at` is line, column,
/// end line and end column.
pub fn annotation(kind: &str, file: &str, at: (u32, u32, u32, u32), title: &str, text: &str) -> String {
    let (line, col, end_line, end_col) = at;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "::{kind} file={},line={line},col={col},endLine={end_line},endColumn={end_col},title={}::{}",
        esc_prop(repo_path(file)),
        esc_prop(title),
        esc_data(text),
    );
    out
}

/// One annotation for a generated file that differs from what the inputs produce
/// (`build --check`): `status` is `changed`, `missing` or `stale`.
pub fn drift(path: &str, status: &str) -> String {
    let what = match status {
        "missing" => "is missing: the inputs produce it",
        "stale" => "is stale: the inputs no longer produce it",
        _ => "differs from what the inputs produce",
    };
    format!(
        "::error file={},title={}::{}\n",
        esc_prop(repo_path(path)),
        esc_prop("platform build --check"),
        esc_data(&format!("{path} {what}; run `platform build` and commit the result"))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_relative_to_the_checkout() {
        assert_eq!(repo_path("./services/api/platform.yaml"), "services/api/platform.yaml");
        assert_eq!(repo_path("././a"), "a");
        assert_eq!(repo_path("platform.yaml"), "platform.yaml");
        assert!(annotation("error", "./a.yaml", (1, 1, 1, 2), "t", "m").starts_with("::error file=a.yaml,line=1,"));
    }

    #[test]
    fn escapes_everything_that_could_end_the_command() {
        assert_eq!(esc_prop("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(esc_data("x\r\ny::z"), "x%0D%0Ay::z");
    }
}
