//! Grafana backend: one dashboard per service (when `monitoring.dashboard` is on), or, in a
//! packaged org, one service dashboard for the whole org (`_org/grafana/`, and the `grafana`
//! package) whose `service` variable picks the service ([`dashboard::org_dashboard`]).
//!
//! - `<service>.json`: the dashboard in Grafana's classic JSON model (schemaVersion 42), with
//!   the stable uid of [`platform_ir::naming::grafana_uid`] and a `datasource` template
//!   variable instead of `__inputs`, so it can be provisioned from a file as it is.
//! - `configmap.yaml`: the same JSON in a ConfigMap labelled `grafana_dashboard: "1"` for the
//!   Grafana sidecar; or `grafanadashboard.yaml`, a Grafana Operator `GrafanaDashboard`, when
//!   the org file sets `monitoring.grafanaOperator: true`.
//!
//! Deployment markers come from Grafana annotations tagged `deploy` and `service:<name>`
//! ([`dashboard::deploy_tags`]), which the deploy pipeline posts.

pub mod codes;
pub mod dashboard;
pub mod delivery;
mod panels;

use platform_ir::{Artifact, ArtifactSet, Backend, BackendId, Emitted, Format, Org, Service};

/// The backend.
pub struct Grafana;

/// Its id.
pub const ID: BackendId = BackendId("grafana");

impl Backend for Grafana {
    fn id(&self) -> BackendId {
        ID
    }

    fn emit_service(&self, org: &Org, service: &Service) -> Emitted {
        let mut artifacts = ArtifactSet::new();
        let Some(to) = platform_ir::deploy::dashboard(org, service) else {
            return Emitted::default();
        };
        let provenance = vec![service.name.span, service.monitoring.dashboard.span];
        let file = format!("{}.json", service.name.value);
        let json = to_json(&dashboard::dashboard(org, service));
        let object = delivery::object(org, &delivery::Owner::service(service), &to, &file, &json);
        artifacts.insert(to.file, Artifact::new(Format::Yaml, to_yaml(&object), provenance.clone()));
        artifacts.insert(&file, Artifact::new(Format::Json, json, provenance));
        Emitted { artifacts, diagnostics: Vec::new() }
    }

    /// A packaged org's one service dashboard, when any service has a dashboard.
    fn emit_org(&self, org: &Org, services: &[&Service]) -> Emitted {
        match platform_ir::deploy::delivered_org_dashboard(org, services) {
            Some(_) => self.emit_packages(org),
            None => Emitted::default(),
        }
    }

    /// The org's service dashboard. Written in either mode, so an org can publish it before
    /// its services switch to it (vendored services do not record the series it lists
    /// services by).
    fn emit_packages(&self, org: &Org) -> Emitted {
        let to = platform_ir::deploy::org_dashboard(org);
        let mut artifacts = ArtifactSet::new();
        let provenance = vec![org.packages.mode.span];
        let file = format!("{}.json", platform_ir::deploy::ORG_DASHBOARD_UID);
        let json = to_json(&dashboard::org_dashboard(org));
        let object = delivery::object(org, &delivery::Owner::org(), &to, &file, &json);
        artifacts.insert(to.file, Artifact::new(Format::Yaml, to_yaml(&object), provenance.clone()));
        artifacts.insert(&file, Artifact::new(Format::Json, json, provenance));
        Emitted { artifacts, diagnostics: Vec::new() }
    }
}

/// Pretty JSON, two-space indent, one trailing newline.
fn to_json(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

fn to_yaml(v: &serde_json::Value) -> String {
    let mut s = serde_saphyr::to_string(v).unwrap_or_default();
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}
