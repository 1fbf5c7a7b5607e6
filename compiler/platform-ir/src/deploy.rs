//! How a deploy of a service runs in one environment, where two outputs must agree on it:
//! whether it goes through a canary (the Helm chart renders the Rollout, the GitHub Actions
//! deploy follows it), and how long the deploy may take (the deploy job's timeout and the
//! AWS session it asks for, and the longest session the Terraform deploy role allows), and
//! how the service's dashboard reaches Grafana (the `grafana` backend writes the object, the
//! GitHub Actions deploy applies it, the Terraform deploy role may write exactly it).

use crate::model::{Canary, CanaryStep, Environment, Org, Service};
use crate::quantity::duration_seconds;

/// `helm upgrade --wait --timeout`: how long a release may take to become ready.
pub const HELM_TIMEOUT_SECONDS: u64 = 10 * 60;

/// What a deploy allows `terraform plan` and `apply` of the service's root: a new RDS
/// instance or ElastiCache group takes 10 to 20 minutes, a Multi-AZ one up to 40.
pub const TERRAFORM_SECONDS: u64 = 45 * 60;

/// Checkout, tools, cluster login and annotations around the main steps.
pub const OVERHEAD_SECONDS: u64 = 10 * 60;

/// The longest session an IAM role may allow (12 hours).
pub const MAX_SESSION_SECONDS: u64 = 12 * 3600;

/// The shortest one, and the default of `aws-actions/configure-aws-credentials` (1 hour).
pub const MIN_SESSION_SECONDS: u64 = 3600;

/// How long one job may run on a GitHub-hosted runner (6 hours).
pub const GITHUB_HOSTED_JOB_SECONDS: u64 = 6 * 3600;

/// The Kubernetes object that delivers a service's dashboard to Grafana, in the org's
/// `grafanaNamespace`: a ConfigMap for the Grafana dashboard sidecar, or a `GrafanaDashboard`
/// with `grafanaOperator: true`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DashboardDelivery {
    /// File name under `<service>/grafana/`.
    pub file: &'static str,
    /// API group of the kind (`""` for the core group).
    pub api_group: &'static str,
    /// Resource (plural) of the kind, as RBAC names it.
    pub resource: &'static str,
    /// The object's name.
    pub name: String,
    /// The namespace it lives in (the one Grafana's sidecar or operator reads).
    pub namespace: String,
}

/// The uid of the org's one service dashboard, which packaged orgs (`spec.packages.mode:
/// packaged`) deliver once instead of a copy per service; its `service` variable picks the
/// service.
pub const ORG_DASHBOARD_UID: &str = "platform-service";

/// Whether the org's services share its one dashboard ([`ORG_DASHBOARD_UID`]) instead of
/// each carrying its own: packaged orgs do.
pub fn shared_dashboard(org: &Org) -> bool {
    org.packages.packaged()
}

/// Where the dashboard of `svc` opens, or `None` when it has none: its own dashboard, or the
/// org's shared one with the `service` variable set.
pub fn dashboard_url(org: &Org, svc: &Service) -> Option<String> {
    svc.monitoring.dashboard.value.then(|| dashboard_url_of(org, &svc.name.value))
}

/// The dashboard of the service called `name`, when it has one: the org's shared dashboard
/// with the service picked, or its own.
pub fn dashboard_url_of(org: &Org, name: &str) -> String {
    let grafana = org.monitoring.grafana_url.value.trim_end_matches('/');
    if shared_dashboard(org) {
        format!("{grafana}/d/{ORG_DASHBOARD_UID}?var-service={name}")
    } else {
        format!("{grafana}/d/{}", crate::naming::grafana_uid(name))
    }
}

/// How the dashboard of `svc` reaches Grafana with the service's deploy, or `None` when the
/// deploy delivers none: the service has no dashboard, or it shares the org's
/// ([`org_dashboard`], which the platform team delivers once).
pub fn dashboard(org: &Org, svc: &Service) -> Option<DashboardDelivery> {
    if !svc.monitoring.dashboard.value || shared_dashboard(org) {
        return None;
    }
    Some(delivery(org, format!("{}-dashboard", crate::naming::k8s_name(&svc.name.value))))
}

/// How the org's shared dashboard reaches Grafana (whether or not its services use it yet: an
/// org publishes its packages before it switches to them).
pub fn org_dashboard(org: &Org) -> DashboardDelivery {
    delivery(org, format!("{ORG_DASHBOARD_UID}-dashboard"))
}

/// Whether `svc` is shown on the org's shared dashboard (and so records the series it is
/// listed by): it has a dashboard, and the org shares one.
pub fn on_shared_dashboard(org: &Org, svc: &Service) -> bool {
    shared_dashboard(org) && svc.monitoring.dashboard.value
}

/// The org's shared dashboard as a build of `services` delivers it (`_org/grafana/`, applied
/// by the org root), or `None` when none of them is shown on it.
pub fn delivered_org_dashboard(org: &Org, services: &[&Service]) -> Option<DashboardDelivery> {
    services.iter().any(|s| on_shared_dashboard(org, s)).then(|| org_dashboard(org))
}

fn delivery(org: &Org, name: String) -> DashboardDelivery {
    let (file, api_group, resource) = if org.monitoring.grafana_operator.value {
        ("grafanadashboard.yaml", "grafana.integreatly.org", "grafanadashboards")
    } else {
        ("configmap.yaml", "", "configmaps")
    };
    DashboardDelivery { file, api_group, resource, name, namespace: org.monitoring.grafana_namespace.value.clone() }
}

/// The canary of `svc` in `env`: only production environments take traffic worth a canary;
/// the others roll out directly. The one rule for every backend.
pub fn canary<'a>(svc: &'a Service, env: &Environment) -> Option<&'a Canary> {
    svc.deployment.canary.as_ref().filter(|_| env.production.value)
}

/// Time to follow a canary: its pauses, ten analysis intervals per analysis step, and 15
/// minutes for pods to start and the controller to react.
pub fn canary_seconds(canary: &Canary) -> u64 {
    let interval = duration_seconds(&canary.analysis_interval.value).unwrap_or(60);
    let mut total: u64 = 15 * 60;
    for step in &canary.steps {
        total = total.saturating_add(match step {
            CanaryStep::Pause(d) => duration_seconds(&d.value).unwrap_or(10 * 60),
            CanaryStep::Analysis(_) => interval.saturating_mul(10),
            CanaryStep::SetWeight(_) => 0,
        });
    }
    total
}

/// How long a deploy of `svc` in `env` may take: Terraform, Helm, following the canary, and
/// the steps around them.
pub fn deploy_seconds(svc: &Service, env: &Environment) -> u64 {
    (TERRAFORM_SECONDS + HELM_TIMEOUT_SECONDS + OVERHEAD_SECONDS)
        .saturating_add(canary(svc, env).map_or(0, canary_seconds))
}

/// The AWS session a deploy job of `svc` asks for, and its deploy role allows: the longest
/// deploy of any environment, rounded up to a quarter hour, within IAM's limits. One value
/// for every environment, so the role (one module for all environments) and the jobs agree.
pub fn session_seconds(org: &Org, svc: &Service) -> u64 {
    longest_deploy_seconds(org, svc).div_ceil(900).saturating_mul(900).clamp(MIN_SESSION_SECONDS, MAX_SESSION_SECONDS)
}

/// The longest [`deploy_seconds`] of `svc` in any of its environments.
pub fn longest_deploy_seconds(org: &Org, svc: &Service) -> u64 {
    svc.environments.iter().map(|e| deploy_seconds(svc, org.environment(e))).max().unwrap_or(0)
}

/// The weights a person may start a canary at when deploying by hand (`platform deploy
/// --canary 10%`, the service workflow's `canary-weight` input).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FirstWeight {
    /// Index, in the canary's steps, of the first `setWeight` step: the one a hand-picked
    /// weight replaces (`rollout.steps[N].setWeight` in the chart's values).
    pub step: usize,
    /// That step's weight: what a deploy uses when no one picks one.
    pub default: u32,
    /// Every weight allowed, ascending: the steps of [`LADDER`] below the default, and the
    /// default. The steps the org (or the service) wrote are the most a new version may take
    /// at first; a person may start smaller, never larger.
    pub allowed: Vec<u32>,
}

/// The weights a hand-picked first canary step chooses from, up to the configured one.
pub const LADDER: [u32; 7] = [1, 2, 5, 10, 20, 25, 50];

/// The first weights of `canary` (`None`: its steps set no weight).
pub fn first_weight(canary: &Canary) -> Option<FirstWeight> {
    let (step, default) = canary.steps.iter().enumerate().find_map(|(i, s)| match s {
        CanaryStep::SetWeight(w) => Some((i, w.value)),
        _ => None,
    })?;
    let mut allowed: Vec<u32> = LADDER.iter().copied().filter(|w| *w < default).collect();
    allowed.push(default);
    Some(FirstWeight { step, default, allowed })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Sp, Span};

    fn canary(steps: Vec<CanaryStep>) -> Canary {
        Canary {
            span: Span::default(),
            steps,
            analysis_interval: Sp::new("1m".to_owned(), Span::default()),
            failure_limit: Sp::new(1, Span::default()),
            min_requests: Sp::new(50, Span::default()),
        }
    }

    #[test]
    fn canary_time_counts_pauses_and_analyses() {
        let sp = |s: &str| Sp::new(s.to_owned(), Span::default());
        let c = canary(vec![
            CanaryStep::SetWeight(Sp::new(10, Span::default())),
            CanaryStep::Pause(sp("2m")),
            CanaryStep::Analysis(Span::default()),
            CanaryStep::Pause(sp("1h")),
        ]);
        assert_eq!(canary_seconds(&c), 15 * 60 + 120 + 600 + 3600);
        let huge = canary(vec![CanaryStep::Pause(sp("5000000000000000000s")); 4]);
        assert_eq!(canary_seconds(&huge), u64::MAX);
    }

    #[test]
    fn pauses_in_days_count_in_full() {
        let sp = |s: &str| Sp::new(s.to_owned(), Span::default());
        let c = canary(vec![CanaryStep::Pause(sp("1d"))]);
        assert_eq!(canary_seconds(&c), 15 * 60 + 86_400);
    }

    #[test]
    fn a_hand_picked_first_weight_is_at_most_the_configured_one() {
        let w = |n| CanaryStep::SetWeight(Sp::new(n, Span::default()));
        let pause = CanaryStep::Pause(Sp::new("2m".to_owned(), Span::default()));
        let first = first_weight(&canary(vec![pause.clone(), w(20), w(50)])).unwrap();
        assert_eq!(first, FirstWeight { step: 1, default: 20, allowed: vec![1, 2, 5, 10, 20] });
        // A configured weight off the ladder is allowed as written.
        assert_eq!(first_weight(&canary(vec![w(3)])).unwrap().allowed, vec![1, 2, 3]);
        assert_eq!(first_weight(&canary(vec![pause])), None);
    }
}
