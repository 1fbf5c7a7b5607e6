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
        artifacts.insert("catalog-info.yaml", Artifact::new(Format::Yaml, text, vec![service.name.span]));
        Emitted { artifacts, diagnostics: Vec::new() }
    }
}

fn to_yaml(v: &serde_json::Value) -> String {
    let mut s = serde_saphyr::to_string(v).unwrap_or_default();
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}
