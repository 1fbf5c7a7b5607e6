//! Every diagnostic of the scaffolder (STYLE D3): code, span, label and help together.

use platform_ir::{Diagnostic, Sp, Span};

use crate::codes;

fn list(items: &[String]) -> String {
    items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}

fn suggestion(word: &str, choices: &[String], fallback: String) -> String {
    match platform_ir::diagnostic::did_you_mean(word, choices.iter().map(String::as_str)) {
        Some(s) => format!("did you mean `{s}`? ({fallback})"),
        None => fallback,
    }
}

/// SCAF001.
pub fn unknown_language(v: &Sp<String>, known: bool, offered: &[String]) -> Diagnostic {
    let msg = if known {
        format!("the org's golden path has no toolchain for `{}`", v.value)
    } else {
        format!("unknown language `{}`", v.value)
    };
    let help = suggestion(&v.value, offered, format!("the org offers {}", list(offered)));
    Diagnostic::error(&codes::SCAF001, msg, v.span, "unknown language", help)
}

/// SCAF002.
pub fn unknown_database(v: &Sp<String>, offered: &[String]) -> Diagnostic {
    let help = suggestion(&v.value, offered, format!("use {}", list(offered)));
    Diagnostic::error(&codes::SCAF002, format!("unknown database `{}`", v.value), v.span, "unknown database", help)
}

/// SCAF003.
pub fn unknown_tier(v: &Sp<String>, tiers: &[String]) -> Diagnostic {
    let help = suggestion(&v.value, tiers, format!("use {}", list(tiers)));
    Diagnostic::error(&codes::SCAF003, format!("unknown tier `{}`", v.value), v.span, "unknown tier", help)
}

/// SCAF004: not a DNS-1123 label.
pub fn invalid_team(v: &Sp<String>) -> Diagnostic {
    Diagnostic::error(
        &codes::SCAF004,
        format!("team name `{}` is not a valid DNS-1123 label", v.value),
        v.span,
        "not a DNS-1123 label",
        "use lowercase letters, digits and `-`, starting with a letter, as in `metadata.team`",
    )
}

/// SCAF004: not one of the org's teams.
pub fn unknown_team(v: &Sp<String>, teams: &[String]) -> Diagnostic {
    let help = suggestion(&v.value, teams, format!("the org's teams are {}", list(teams)));
    Diagnostic::error(&codes::SCAF004, format!("unknown team `{}`", v.value), v.span, "not in the org's teams", help)
}

/// SCAF006 for an override template.
pub fn template_error(span: Span, path: &str, detail: &str) -> Diagnostic {
    Diagnostic::error(
        &codes::SCAF006,
        format!("template `{path}` does not render: {detail}"),
        span,
        "here",
        "fix the template; the variables are `values.name`, `values.team`, `values.language`, … (see the book's scaffolding chapter)",
    )
}

/// SCAF006 for an override path that cannot be written.
pub fn template_path(span: Span, problem: &str) -> Diagnostic {
    Diagnostic::error(
        &codes::SCAF006,
        format!("override template path: {problem}"),
        span,
        "this file",
        "put templates under `service/` or a language directory (`typescript/`, `go/`, …) with relative paths",
    )
}

/// SCAF008.
pub fn org_value_not_plain(v: &Sp<String>) -> Diagnostic {
    Diagnostic::error(
        &codes::SCAF008,
        format!("`{}` cannot be written into scaffolded files", v.value),
        v.span,
        "not a plain word",
        "use letters, digits and `.`, `_`, `-`, `/`, `:`, `~`, `+`, `@` only",
    )
}

/// SCAF005.
pub fn target_exists(span: Span, path: &str) -> Diagnostic {
    Diagnostic::error(
        &codes::SCAF005,
        format!("`{path}` already exists"),
        span,
        "would be created here",
        "`platform new` never overwrites: pick another name or directory, or remove it yourself",
    )
}

/// SCAF007.
pub fn missing_value(span: Span, what: &str, flag: &str, example: &str) -> Diagnostic {
    Diagnostic::error(
        &codes::SCAF007,
        format!("missing {what}, and standard input is not a terminal to ask for it"),
        span,
        format!("`{flag}` is missing"),
        format!("pass `{flag} {example}`"),
    )
}
