//! Backstage backend: one `catalog-info.yaml` per service.
//!
//! A `Component` (type `service`) owned by the team's group, in the team's system, with
//! `dependsOn` edges to the services it calls and to its database, which is emitted as a
//! `Resource` in the same file. Well-known annotations link the entity to its source, its
//! Kubernetes objects, its dashboard and its on-call rotation.

mod component;

use platform_ir::{Artifact, ArtifactSet, Backend, BackendId, Emitted, Format, Org, Service};

/// The backend.
pub struct Backstage;

/// Its id.
pub const ID: BackendId = BackendId("backstage");

impl Backend for Backstage {
    fn id(&self) -> BackendId {
        ID
    }

    fn emit_service(&self, org: &Org, service: &Service) -> Emitted {
        let docs = component::entities(org, service);
        let mut text = String::new();
        for (i, doc) in docs.iter().enumerate() {
            if i > 0 {
                text.push_str("---\n");
            }
            text.push_str(&to_yaml(doc));
        }
        let mut artifacts = ArtifactSet::new();
        let artifact = Artifact::new(Format::Yaml, text, vec![service.name.span]).with_origins(origins(org, service));
        artifacts.insert("catalog-info.yaml", artifact);
        Emitted { artifacts, diagnostics: Vec::new() }
    }
}

/// Where the Component's fields come from, by key path ([`platform_ir::Artifact::origins`]);
/// the file's later documents (the database Resource) have none.
fn origins(org: &Org, s: &Service) -> Vec<(String, platform_ir::Span)> {
    let mut o = vec![
        ("metadata.name".to_owned(), s.name.span),
        ("metadata.description".to_owned(), s.description.span),
        ("spec.owner".to_owned(), s.team.span),
        ("spec.system".to_owned(), s.system.span),
        ("spec.lifecycle".to_owned(), org.tier(s.tier.value).lifecycle.span),
        ("metadata.annotations".to_owned(), org.catalog.source_base_url.span),
    ];
    if let Some(t) = s.tags.first() {
        o.push(("metadata.tags".to_owned(), t.span));
    }
    if let Some(l) = s.links.first() {
        o.push(("metadata.links".to_owned(), l.url.span));
    }
    o
}

fn to_yaml(v: &serde_json::Value) -> String {
    let mut s = serde_saphyr::to_string(v).unwrap_or_default();
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}
