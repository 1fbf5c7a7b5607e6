//! Prometheus backend: the SLO rules of a service as a plain rule-group file.
//!
//! `slo-rules.yaml` holds every group of [`platform_ir::slo::rule_groups`] (SLI recording
//! rules per window, meta rules, multi-window burn-rate alerts), loadable with
//! `rule_files:` by a Prometheus without the operator. The Helm chart ships the very same
//! groups as a `PrometheusRule`; nothing here is computed twice. A service without an SLO
//! gets no file.

pub mod codes;
mod diagnostics;
mod rules;

use platform_ir::{Artifact, ArtifactSet, Backend, BackendId, Emitted, Format, Org, Service, slo};

/// The backend.
pub struct Prometheus;

/// Its id.
pub const ID: BackendId = BackendId("prometheus");

/// The rule file, relative to the backend's root.
pub const RULES_FILE: &str = "slo-rules.yaml";

impl Backend for Prometheus {
    fn id(&self) -> BackendId {
        ID
    }

    fn emit_service(&self, org: &Org, service: &Service) -> Emitted {
        let diagnostics = diagnostics::check(org, service);
        let groups = slo::rule_groups(org, service);
        let mut artifacts = ArtifactSet::new();
        if !groups.is_empty() {
            let mut provenance = vec![service.name.span];
            provenance.extend(service.monitoring.slo.as_ref().map(|s| s.span));
            provenance.extend(service.monitoring.latency.as_ref().map(|l| l.objective.span));
            artifacts.insert(RULES_FILE, Artifact::new(Format::Yaml, rules::file(&groups), provenance));
        }
        Emitted { artifacts, diagnostics }
    }
}
