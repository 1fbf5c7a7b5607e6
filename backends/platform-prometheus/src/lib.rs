//! Prometheus backend: the SLO rules of a service as plain rule-group files.
//!
//! `slo-rules-<env>.yaml` holds, per environment, every group of
//! [`platform_ir::slo::rule_groups`] (SLI recording rules per window, meta rules,
//! multi-window burn-rate alerts labelled with the environment, paging only where it
//! pages), loadable with `rule_files:` by that environment's Prometheus without the
//! operator. The Helm chart ships the very same groups as a `PrometheusRule`; nothing here
//! is computed twice. A service without an SLO gets no file, and no service does where the
//! org writes no rule files ([`platform_ir::Org::rule_files`]: packaged orgs by default).
//!
//! `_org/prometheus/alertmanager.yaml` ([`alertmanager`]) routes those alerts to their
//! owning teams, from the org file's team contacts.

pub mod alertmanager;
pub mod codes;
mod diagnostics;
mod rules;

use platform_ir::{Artifact, ArtifactSet, Backend, BackendId, Emitted, Format, Org, Service, slo};

/// The backend.
pub struct Prometheus;

/// Its id.
pub const ID: BackendId = BackendId("prometheus");

/// The rule file of an environment, relative to the backend's root.
pub fn rules_file(environment: &str) -> String {
    format!("slo-rules-{environment}.yaml")
}

impl Backend for Prometheus {
    fn id(&self) -> BackendId {
        ID
    }

    fn emit_service(&self, org: &Org, service: &Service) -> Emitted {
        let diagnostics = diagnostics::check(org, service);
        let mut artifacts = ArtifactSet::new();
        // The chart's PrometheusRule carries the same rules; files only where the org asks.
        for env in service.environments.iter().filter(|_| org.rule_files()) {
            let oe = org.environment(env);
            let groups = slo::rule_groups(org, service, Some(oe));
            if groups.is_empty() {
                continue;
            }
            let mut provenance = vec![service.name.span, oe.paging.span];
            provenance.extend(service.monitoring.slo.as_ref().map(|s| s.span));
            provenance.extend(service.monitoring.latency.as_ref().map(|l| l.objective.span));
            // Every group follows the objectives; the first recorded wins for a line.
            let mut origins = Vec::new();
            origins.extend(service.monitoring.slo.as_ref().map(|s| ("groups".to_owned(), s.span)));
            origins.extend(service.monitoring.latency.as_ref().map(|l| ("groups".to_owned(), l.threshold_ms.span)));
            let artifact = Artifact::new(Format::Yaml, rules::file(&groups), provenance).with_origins(origins);
            artifacts.insert(&rules_file(&env.name.value), artifact);
        }
        Emitted { artifacts, diagnostics }
    }

    fn emit_org(&self, org: &Org, services: &[&Service]) -> Emitted {
        let (text, diagnostics) = alertmanager::emit(org, services);
        let mut artifacts = ArtifactSet::new();
        if let Some(text) = text {
            let mut provenance: Vec<_> = org.teams.values().map(|t| t.name.span).collect();
            provenance.extend(services.iter().map(|s| s.team.span));
            provenance.sort();
            provenance.dedup();
            artifacts.insert(alertmanager::FILE, Artifact::new(Format::Yaml, text, provenance));
        }
        Emitted { artifacts, diagnostics }
    }
}
