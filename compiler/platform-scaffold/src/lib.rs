//! `platform-scaffold`: the golden path's scaffolding (`platform new`).
//!
//! Pure, like every stage (STYLE A1): the resolved org, a request and the org's override
//! templates come in; files (path → text) and diagnostics come out. The CLI reads the
//! overrides, asks for missing values and writes the result atomically.
//!
//! - [`service`]: a new service directory: `platform.yaml` (schema modeline, only what
//!   differs from the golden path, a comment on each field), a runnable app for the
//!   language (HTTP on port 8080, `/healthz`, `/readyz`, Prometheus metrics under the names of the org's conventions, JSON logs, one
//!   test), a Dockerfile for a small non-root image, `.dockerignore` and a README.
//! - [`backstage_template`]: a `scaffolder.backstage.io/v1beta3` Template and a skeleton per
//!   language whose `fetch:template` steps produce the same files.
//!
//! Templates are Nunjucks-compatible minijinja (see [`render`]), embedded in the binary
//! ([`templates`]); the variables are one `values` object ([`values`]).

pub mod backstage;
pub mod codes;
pub mod diagnostics;
pub mod render;
pub mod templates;
pub mod values;

use std::collections::BTreeMap;

use platform_compiler::lower::checks::is_dns_label;
use platform_ir::{Diagnostic, Language, Org, Sp, Span, Tier};

pub use templates::TemplateFile;

/// What `platform new service` was asked for. Each value keeps the span it was given at
/// (the CLI makes a source file of the command line), so problems point at it.
#[derive(Clone, Debug)]
pub struct ServiceRequest {
    /// The service name (`metadata.name`).
    pub name: Sp<String>,
    /// `typescript`, `go`, `python`, `rust` or `java`.
    pub language: Sp<String>,
    /// `none`, `postgres` or `redis`.
    pub database: Sp<String>,
    /// The owning team.
    pub team: Sp<String>,
    /// `critical`, `standard` or `experimental`.
    pub tier: Sp<String>,
}

/// One part of a request, checkable alone (the CLI checks prompted values as they come).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The service name.
    Name,
    /// The language.
    Language,
    /// The database.
    Database,
    /// The team.
    Team,
    /// The tier.
    Tier,
}

/// Files to write, relative to the directory to create, in path order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scaffold {
    /// Path (`/`-separated) → text.
    pub files: BTreeMap<String, String>,
}

/// The database value meaning "no database".
pub const NO_DATABASE: &str = "none";

/// The values a part may take in this org (empty for names and for teams of an org that
/// lists none).
pub fn choices(org: &Org, part: Part, overrides: &[TemplateFile]) -> Vec<String> {
    match part {
        Part::Name => Vec::new(),
        Part::Language => templates::languages(overrides)
            .into_iter()
            .filter(|l| org.languages.contains_key(l))
            .map(|l| l.as_str().to_owned())
            .collect(),
        Part::Database => {
            std::iter::once(NO_DATABASE.to_owned()).chain(org.databases.keys().map(|e| e.as_str().to_owned())).collect()
        }
        Part::Team => org.teams.keys().cloned().collect(),
        Part::Tier => Tier::ALL.iter().map(|t| t.as_str().to_owned()).collect(),
    }
}

/// The team to use when none is given: the org's only team, if it has exactly one.
pub fn default_team(org: &Org) -> Option<String> {
    (org.teams.len() == 1).then(|| org.teams.keys().next().cloned()).flatten()
}

/// Check one part of a request by the rules `platform.yaml` obeys.
pub fn check(org: &Org, part: Part, value: &Sp<String>, overrides: &[TemplateFile]) -> Vec<Diagnostic> {
    let offered = choices(org, part, overrides);
    match part {
        Part::Name => platform_compiler::lower::service::check_name(org, value),
        Part::Language => {
            if offered.contains(&value.value) {
                return Vec::new();
            }
            vec![diagnostics::unknown_language(value, Language::parse(&value.value).is_some(), &offered)]
        }
        Part::Database => {
            if offered.contains(&value.value) {
                return Vec::new();
            }
            vec![diagnostics::unknown_database(value, &offered)]
        }
        Part::Team => {
            if !is_dns_label(&value.value) {
                return vec![diagnostics::invalid_team(value)];
            }
            if !offered.is_empty() && !offered.contains(&value.value) {
                return vec![diagnostics::unknown_team(value, &offered)];
            }
            Vec::new()
        }
        Part::Tier => {
            if Tier::parse(&value.value).is_some() {
                return Vec::new();
            }
            vec![diagnostics::unknown_tier(value, &offered)]
        }
    }
}

/// Problems with the override files themselves: paths that cannot be written, and two
/// files of one group that write the same file.
pub fn check_overrides(overrides: &[TemplateFile]) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let mut seen: BTreeMap<(String, String), &str> = BTreeMap::new();
    for o in overrides {
        let whole = Span::new(o.file, 0, 0);
        if let Some(p) = templates::path_problem(&o.path) {
            diags.push(diagnostics::template_path(whole, &p));
            continue;
        }
        let Some(out) = templates::output_path(&o.path) else { continue };
        let key = (templates::group(&o.path).to_owned(), out.to_owned());
        if let Some(prev) = seen.insert(key, &o.path) {
            diags.push(diagnostics::template_path(whole, &format!("`{}` and `{prev}` both write `{out}`", o.path)));
        }
    }
    diags
}

/// Scaffold a service. Every problem of the request is reported at once; no files come
/// back when there is any.
pub fn service(org: &Org, req: &ServiceRequest, overrides: &[TemplateFile]) -> (Option<Scaffold>, Vec<Diagnostic>) {
    let mut diags = check_overrides(overrides);
    for (part, v) in [
        (Part::Name, &req.name),
        (Part::Language, &req.language),
        (Part::Database, &req.database),
        (Part::Team, &req.team),
        (Part::Tier, &req.tier),
    ] {
        diags.extend(check(org, part, v, overrides));
    }
    let language = Language::parse(&req.language.value);
    let (Some(language), false) = (language, diags.iter().any(Diagnostic::is_error)) else {
        return (None, diags);
    };
    let chosen = values::Chosen {
        name: &req.name.value,
        team: &req.team.value,
        tier: &req.tier.value,
        database: &req.database.value,
    };
    let values = values::values(org, language, &chosen, &mut diags);
    let mut files = BTreeMap::new();
    for (path, t) in templates::resolve(language, overrides) {
        match render::render(&t, &values, req.name.span) {
            Ok(text) => {
                files.insert(path, text);
            }
            Err(d) => diags.push(*d),
        }
    }
    if diags.iter().any(Diagnostic::is_error) {
        return (None, diags);
    }
    (Some(Scaffold { files }), diags)
}

/// Scaffold the Backstage software template (see [`backstage`]). `at` is where problems
/// that have no better place are reported (the command line).
pub fn backstage_template(org: &Org, overrides: &[TemplateFile], at: Span) -> (Option<Scaffold>, Vec<Diagnostic>) {
    backstage::template(org, overrides, at)
}

#[cfg(test)]
mod tests;
