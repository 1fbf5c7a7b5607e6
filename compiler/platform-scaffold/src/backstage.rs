//! The Backstage software template: `template.yaml` (`scaffolder.backstage.io/v1beta3`) and
//! `skeleton/<language>/`, the same templates `platform new service` renders.
//!
//! One `fetch:template` step per language (guarded by `if`) renders that language's
//! skeleton with `templateFileExtension`, `trimBlocks` and `lstripBlocks` on, and with a
//! `values` object built by [`values::values`] from Backstage expressions
//! (`${{ parameters.name }}`) instead of concrete values. The org's settings (metric names,
//! toolchain versions, replicas per tier) are written into the template when it is
//! generated: regenerate it when the org file changes.
//!
//! `template.yaml` is a typed document serialised once (STYLE C3): no parameter or org value
//! is pasted into YAML text.

use std::collections::BTreeMap;

use platform_ir::{Diagnostic, Language, Org, Sp, Span, Tier};
use serde_json::{Map, Value, json};

use crate::templates::{self, TemplateFile};
use crate::values::{self, Chosen};
use crate::{NO_DATABASE, Part, Scaffold, choices};

/// Directory the `fetch:template` steps render into; the pull request copies it.
const WORKSPACE_DIR: &str = "./service";
/// Default directory of new services in the repository.
const DEFAULT_PARENT: &str = "services";

/// Build the template and its skeletons.
pub fn template(org: &Org, overrides: &[TemplateFile], at: Span) -> (Option<Scaffold>, Vec<Diagnostic>) {
    let mut diags = crate::check_overrides(overrides);
    if diags.iter().any(Diagnostic::is_error) {
        return (None, diags);
    }
    let languages: Vec<Language> =
        templates::languages(overrides).into_iter().filter(|l| org.languages.contains_key(l)).collect();
    let mut files = BTreeMap::new();
    let mut steps = Vec::new();
    for &language in &languages {
        // Render every template once with sample values, so a broken override is reported
        // here rather than in the portal.
        for database in choices(org, Part::Database, overrides) {
            let sample =
                Chosen { name: "example-service", team: "example-team", tier: "standard", database: &database };
            let v = values::values(org, language, &sample, &mut Vec::new());
            for t in templates::resolve(language, overrides).values() {
                if let Err(d) = crate::render::render(t, &v, at)
                    && !diags.contains(&d)
                {
                    diags.push(*d);
                }
            }
        }
        for t in templates::resolve(language, overrides).into_values() {
            let rel = t.path.split_once('/').map_or(t.path.as_str(), |(_, r)| r);
            files.insert(format!("skeleton/{language}/{rel}"), t.text);
        }
        let placeholders = Chosen {
            name: "${{ parameters.name }}",
            team: "${{ parameters.team }}",
            tier: "${{ parameters.tier }}",
            database: "${{ parameters.database }}",
        };
        let v = values::values(org, language, &placeholders, &mut diags);
        steps.push(json!({
            "id": format!("fetch-{language}"),
            "name": format!("Render the {language} skeleton"),
            "if": format!("${{{{ parameters.language == '{language}' }}}}"),
            "action": "fetch:template",
            "input": {
                "url": format!("./skeleton/{language}"),
                "targetPath": WORKSPACE_DIR,
                "templateFileExtension": true,
                "trimBlocks": true,
                "lstripBlocks": true,
                "values": v,
            },
        }));
    }
    if languages.is_empty() {
        diags.push(Diagnostic::error(
            &crate::codes::SCAF001,
            "the org's golden path offers no language with a skeleton",
            at,
            "nothing to scaffold",
            "list at least one of typescript, go, python, rust, java under `spec.languages`",
        ));
    }
    if diags.iter().any(Diagnostic::is_error) {
        return (None, diags);
    }
    steps.push(publish_step(org));
    let doc = json!({
        "apiVersion": "scaffolder.backstage.io/v1beta3",
        "kind": "Template",
        "metadata": {
            "name": "platform-service",
            "title": "Service on the golden path",
            "description": format!(
                "A service of {}: platform.yaml, a runnable app with probes, Prometheus metrics and JSON logs, \
                 a Dockerfile and a README. `platform build` generates its Helm chart, Terraform, CI workflows, \
                 SLO alerts, dashboard and catalog entry.",
                org.name.value
            ),
            "tags": ["platform", "golden-path"],
        },
        "spec": {
            "type": "service",
            "lifecycle": "production",
            "parameters": parameters(org, overrides, &languages),
            "steps": steps,
            "output": {
                "links": [{ "title": "Pull request", "url": "${{ steps['publish'].output.remoteUrl }}" }],
            },
        },
    });
    let mut text = serde_saphyr::to_string(&doc).unwrap_or_default();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    files.insert("template.yaml".to_owned(), text);
    (Some(Scaffold { files }), diags)
}

/// The form: name, team and tier; language and database; where in the repository.
fn parameters(org: &Org, overrides: &[TemplateFile], languages: &[Language]) -> Value {
    let mut team = Map::new();
    team.insert("title".into(), json!("Team"));
    team.insert("type".into(), json!("string"));
    team.insert("description".into(), json!("The owning team: it owns the catalog entry and receives the alerts."));
    let teams = choices(org, Part::Team, overrides);
    if teams.is_empty() {
        team.insert("pattern".into(), json!(DNS_LABEL));
    } else {
        team.insert("enum".into(), json!(teams));
    }
    let databases = choices(org, Part::Database, overrides);
    let languages: Vec<&str> = languages.iter().map(|l| l.as_str()).collect();
    json!([
        {
            "title": "Service",
            "required": ["name", "team", "tier"],
            "properties": {
                "name": {
                    "title": "Name",
                    "type": "string",
                    "description": "A DNS-1123 label: Kubernetes, AWS and Grafana names are derived from it.",
                    "pattern": DNS_LABEL,
                    "maxLength": max_name_len(org),
                    "ui:autofocus": true,
                },
                "team": Value::Object(team),
                "tier": {
                    "title": "Tier",
                    "type": "string",
                    "description": "Sets minimum replicas, paging and backups.",
                    "enum": Tier::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
                    "default": Tier::Standard.as_str(),
                },
            },
        },
        {
            "title": "Stack",
            "required": ["language", "database"],
            "properties": {
                "language": {
                    "title": "Language",
                    "type": "string",
                    "description": "Picks the skeleton app, the CI toolchain and the metric names the SLO alerts select on.",
                    "enum": languages,
                    "default": languages.first().copied().unwrap_or_default(),
                },
                "database": {
                    "title": "Database",
                    "type": "string",
                    "description": "A database owned by the service, or none.",
                    "enum": databases,
                    "default": NO_DATABASE,
                },
            },
        },
        {
            "title": "Repository",
            "required": ["directory"],
            "properties": {
                "directory": {
                    "title": "Directory",
                    "type": "string",
                    "description": format!("Where the service goes in {}.", org.catalog.github_repo.value),
                    "pattern": "^[a-z0-9][-a-z0-9_]*(/[a-z0-9][-a-z0-9_]*)*$",
                    "default": DEFAULT_PARENT,
                },
            },
        },
    ])
}

/// The pull request that adds the service to the org's repository.
fn publish_step(org: &Org) -> Value {
    let repo = &org.catalog.github_repo.value;
    let (owner, name) = repo.split_once('/').unwrap_or((repo.as_str(), ""));
    json!({
        "id": "publish",
        "name": "Open a pull request",
        "action": "publish:github:pull-request",
        "input": {
            "repoUrl": format!("github.com?owner={owner}&repo={name}"),
            "branchName": "new-service-${{ parameters.name }}",
            "title": "New service ${{ parameters.name }}",
            "description": "Scaffolded from the golden path (the `platform-service` template). \
                            Run `platform build` in the service directory and commit `generated/` before merging.",
            "sourcePath": WORKSPACE_DIR,
            "targetPath": "${{ parameters.directory }}/${{ parameters.name }}",
        },
    })
}

/// `[a-z]([-a-z0-9]*[a-z0-9])?`, the rule of `metadata.name`.
const DNS_LABEL: &str = "^[a-z]([-a-z0-9]*[a-z0-9])?$";

/// The longest service name the org's derived names allow, found with the compiler's own
/// check so the two cannot disagree.
pub fn max_name_len(org: &Org) -> usize {
    (1..=63)
        .rev()
        .find(|&n| {
            let name = Sp::new("a".repeat(n), Span::default());
            platform_compiler::lower::service::check_name(org, &name).is_empty()
        })
        .unwrap_or(1)
}
