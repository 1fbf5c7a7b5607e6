//! Helm backend: one production-grade chart per service.
//!
//! # Layout
//!
//! Everything lands under `<service>/helm/<chart>/`, where the chart (and directory) name is
//! the service's Kubernetes name ([`platform_ir::naming::k8s_name`]), as `helm lint` wants:
//!
//! | file | what |
//! |---|---|
//! | `Chart.yaml` | apiVersion v2, name, description, version, appVersion, team/tier annotations |
//! | `values.yaml` | the service's values, independent of any environment |
//! | `values-<env>.yaml` | one per environment: runtime, namespaces, IAM role, host, secret keys, canary switch |
//! | `values.schema.json` | a self-contained, strict schema of the values (`additionalProperties: false`) |
//! | `templates/_helpers.tpl`, `templates/NOTES.txt` | names, labels, the pod template; install notes |
//! | `templates/*.yaml` | Deployment or Rollout, Service, ServiceAccount, NetworkPolicy, ServiceMonitor, and when they apply HPA, PodDisruptionBudget, Ingress or HTTPRoute, PrometheusRule, AnalysisTemplate, ExternalSecrets, SecurityGroupPolicy |
//!
//! Packaged (`spec.packages.mode: packaged`), the object templates and helpers live once for
//! the org in the library chart `platform-service` ([`library`], under `_org/helm/`), and a
//! chart holds `Chart.yaml` (depending on it), the values, the schema and one template that
//! includes `platform-service.objects` and the library's SLO recording rules and alerts
//! (each where they render as the chart's own), then holds the rest of its SLO rules.
//!
//! CI installs a chart with its environment's file: `helm upgrade --install <service>
//! <chart> -n <namespace> -f values-<env>.yaml --set image.tag=<git sha>`. `values.yaml`
//! alone renders (lint and review) but carries no environment: no IAM role, no dependency
//! namespaces, no secret-store keys.
//!
//! # No user text in template source
//!
//! Helm templates are Go templates, so a string pasted into one could run as template code
//! or break the YAML around it. The templates here are constants of this crate (files
//! under `src/templates/`): the same bytes for every service. Everything a service says
//! reaches them only through `.Values`, written by the YAML serializer and checked by
//! `values.schema.json`; templates print strings with `quote` (Go-escaped double-quoted
//! scalars, valid YAML) or `toYaml`. The one template built per service is the
//! `PrometheusRule`, whose rule text comes from [`platform_ir::slo::rule_groups`]: it is
//! serialized as YAML and then passed through [`literal::go_template_text`], which turns
//! every `{{` into the action `{{ "{{" }}` so Helm prints it back verbatim.
//!
//! # Canary only where it counts
//!
//! A service with `deployment.canary` gets a `Rollout` (Argo Rollouts, full pod template)
//! and an `AnalysisTemplate` in *production-like* environments (`production: true` in the
//! org file) and a plain `Deployment` everywhere else. The switch is the value
//! `rollout.enabled`: `false` in `values.yaml`, `true` in `values-<env>.yaml` of each
//! production-like environment. Staging deploys roll as usual; production shifts traffic
//! by the canary steps. The analysis queries the SLO's error ratio in the release's own
//! namespace ([`platform_ir::slo::error_ratio_query_in`] with Argo's `{{args.namespace}}`,
//! which the Rollout's analysis step sets to `{{ .Release.Namespace }}`), so a canary never
//! reads another environment's errors when environments share a cluster, and compares it
//! with the fastest page burn-rate threshold of the org's window catalog, printed as a
//! decimal rounded down ([`values::max_error_ratio`]). An empty result (no traffic) or `NaN`
//! never passes: with `rollback: automatic` such a measurement fails and the Rollout
//! aborts; with `rollback: manual` it is inconclusive and the Rollout pauses for a person.
//!
//! # Things the chart trusts the platform for
//!
//! - The IAM role `arn:aws:iam::<account>:role/<naming::iam_role_name>` (Terraform backend).
//! - Secrets Manager entries [`platform_ir::naming::secret_name`] (a plain string) and
//!   [`platform_ir::naming::database_secret_name`] (a JSON object with the keys of
//!   [`platform_ir::naming::database_secret_keys`]), read by the org's `ClusterSecretStore`.
//! - The pods' security group (Terraform output `pod_security_group_id`), which the database
//!   admits, and the cluster's own group (`cluster_security_group_id`): only known after
//!   `terraform apply`, so the deploy passes them as
//!   `--set-json podSecurityGroups='["sg-…","sg-…"]'` and the chart renders a
//!   `SecurityGroupPolicy`.
//! - The Prometheus Operator, cert-manager, Argo Rollouts and External Secrets controllers.

mod canary_query;
mod chart;
pub mod codes;
mod diagnostics;
mod library;
pub mod literal;
mod memo;
mod schema;
mod slo_alerts;
mod slo_records;
mod templates;

pub use templates::prometheus_rule_per_environment;
mod values;
mod yaml;

use platform_ir::slo::{self, RuleGroup};
use platform_ir::{Artifact, ArtifactSet, Backend, BackendId, Emitted, Format, Org, Service, Span, naming};

/// The backend.
pub struct Helm;

/// Its id.
pub const ID: BackendId = BackendId("helm");

impl Backend for Helm {
    fn id(&self) -> BackendId {
        ID
    }

    fn emit_service(&self, org: &Org, service: &Service) -> Emitted {
        let diagnostics = diagnostics::check(org, service);
        if diagnostics.iter().any(platform_ir::Diagnostic::is_error) {
            return Emitted { artifacts: ArtifactSet::new(), diagnostics };
        }
        let chart = Chart::new(org, service);
        Emitted { artifacts: chart.files(), diagnostics }
    }

    /// Packaged, the library chart the services' charts depend on, in this repository
    /// (unless the org publishes it to a chart repository).
    fn emit_org(&self, org: &Org, _services: &[&Service]) -> Emitted {
        if !org.packages.packaged() || org.packages.charts.is_some() {
            return Emitted::default();
        }
        self.emit_packages(org)
    }

    /// The library chart `platform-service`, ready for `helm package`.
    fn emit_packages(&self, org: &Org) -> Emitted {
        Emitted { artifacts: library::files(org), diagnostics: Vec::new() }
    }
}

/// What one chart contains, decided once from the IR.
pub(crate) struct Chart<'a> {
    /// The org.
    pub org: &'a Org,
    /// The service.
    pub svc: &'a Service,
    /// Chart (and directory) name.
    pub name: String,
    /// Rollout + AnalysisTemplate in production-like environments.
    pub canary: bool,
    /// Some environment (or the base) autoscales.
    pub autoscaling: bool,
    /// The tier asks for a PodDisruptionBudget.
    pub pdb: bool,
    /// The service has an ingress.
    pub ingress: bool,
    /// Routes are Gateway API HTTPRoutes rather than Ingresses.
    pub gateway_api: bool,
    /// ExternalSecrets are needed (declared secrets or a database in some environment).
    pub external_secrets: bool,
    /// Some environment (or the base) has a database: the pods may need their security
    /// group (`podSecurityGroups`).
    pub database: bool,
    /// The SLO rule groups (empty: no PrometheusRule).
    pub rules: Vec<RuleGroup>,
    /// The rule groups of each environment, by name (alerts labelled with it).
    pub env_rules: Vec<(String, Vec<RuleGroup>)>,
    /// The objects come from the org's library chart ([`library`]).
    pub packaged: bool,
    /// The values `slo` when the library chart writes the SLO recording rules
    /// ([`slo_records::values`]), decided once.
    pub recording: Option<serde_json::Value>,
    /// The library chart also writes the SLO alerts: the chart's rules after the library's
    /// recording rules ([`slo_alerts::extend`]), decided and written once.
    pub library_alerts: Option<String>,
    /// The library chart writes the canary query: the value `minRequests` that fills it
    /// ([`canary_query::min_requests`]), decided once.
    pub library_query: Option<String>,
}

impl<'a> Chart<'a> {
    fn new(org: &'a Org, svc: &'a Service) -> Self {
        let runtimes = std::iter::once(&svc.runtime).chain(svc.environments.iter().map(|e| &e.runtime));
        let database_anywhere = svc.database.is_some() || svc.environments.iter().any(|e| e.database.is_some());
        let mut chart = Chart {
            org,
            svc,
            name: naming::k8s_name(&svc.name.value),
            canary: svc.deployment.canary.is_some(),
            autoscaling: runtimes.into_iter().any(|r| r.autoscaling.is_some()),
            pdb: org.tier(svc.tier.value).pdb.value,
            ingress: svc.ingress.is_some(),
            gateway_api: org.ingress.gateway_api.value,
            external_secrets: !svc.secrets.is_empty() || database_anywhere,
            database: database_anywhere,
            rules: slo::rule_groups(org, svc, None),
            env_rules: svc
                .environments
                .iter()
                .map(|e| (e.name.value.clone(), slo::rule_groups(org, svc, Some(org.environment(e)))))
                .collect(),
            packaged: org.packages.packaged(),
            recording: None,
            library_alerts: None,
            library_query: None,
        };
        if let Some(mut slo) = slo_records::values(&chart) {
            chart.library_alerts = slo_alerts::extend(&chart, &mut slo);
            chart.recording = Some(slo);
        }
        chart.library_query = canary_query::min_requests(&chart);
        chart
    }

    /// Every file of the chart, under `<chart>/`.
    fn files(&self) -> ArtifactSet {
        let mut out = ArtifactSet::new();
        let prov = self.provenance();
        let (base, envs) = values::all(self);
        let values_file = |text: String, env: Option<&platform_ir::ServiceEnvironment>| {
            Artifact::new(Format::Yaml, text, prov.clone()).with_origins(values::origins(self, env))
        };
        out.insert(&format!("{}/values.yaml", self.name), values_file(yaml::to_yaml(&base), None));
        for (env, v) in envs {
            let e = self.svc.environments.iter().find(|e| e.name.value == env);
            out.insert(&format!("{}/values-{env}.yaml", self.name), values_file(yaml::to_yaml(&v), e));
        }
        let mut add = |path: &str, format: Format, text: String| {
            out.insert(&format!("{}/{path}", self.name), Artifact::new(format, text, prov.clone()));
        };
        add("Chart.yaml", Format::Yaml, chart::chart_yaml(self));
        add("values.schema.json", Format::Json, schema::schema_json(self));
        for (path, format, text) in templates::files(self) {
            add(&format!("templates/{path}"), format, text);
        }
        out
    }

    /// The spans the chart is derived from: the service name and the settings that shape it.
    fn provenance(&self) -> Vec<Span> {
        let s = self.svc;
        let mut spans = vec![s.name.span, s.tier.span, s.runtime.replicas.span, s.deployment.strategy.span];
        spans.extend(s.deployment.canary.as_ref().map(|c| c.span));
        spans.extend(s.monitoring.slo.as_ref().map(|x| x.span));
        spans
    }
}
