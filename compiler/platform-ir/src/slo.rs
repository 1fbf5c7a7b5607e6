//! The one SLO model: SLIs, burn-rate math and Prometheus rule groups of a service.
//!
//! Every backend that needs an SLO asks here (issue 5: "one definition in the IR, used by
//! every backend that needs it, never copied between backends"): the Helm chart embeds
//! [`rule_groups`] in its `PrometheusRule` and [`error_ratio_query_in`] (scoped to the
//! release's namespace) in the canary `AnalysisTemplate`, the `prometheus` backend writes the same groups as plain rule files,
//! and the `grafana` backend builds its panels from the same queries and record names.
//!
//! # Scrape contract (what the chart's `ServiceMonitor` must attach)
//!
//! Every query here selects the service's own series by exactly these labels, and nothing
//! else that the application does not expose itself:
//!
//! - `service="<service name>"` ([`SERVICE_LABEL`]): the platform service name
//!   (`metadata.name` of `platform.yaml`, equal to [`crate::naming::k8s_name`]). The chart's
//!   `ServiceMonitor` endpoint sets it with a relabeling from the Kubernetes Service's
//!   `app.kubernetes.io/name` label:
//!   `{sourceLabels: [__meta_kubernetes_service_label_app_kubernetes_io_name], targetLabel: service, action: replace}`,
//!   so it holds the service name whatever the Service object is called. (Without a
//!   relabeling the Prometheus Operator sets `service` to the Service object's name, which
//!   the chart also names [`crate::naming::k8s_name`]: both agree.)
//! - `namespace` ([`NAMESPACE_LABEL`]): the target's namespace, which the Prometheus
//!   Operator attaches to every target by default. Recording rules keep it (`sum by
//!   (namespace)`), so staging and production in one cluster never mix and every alert
//!   says which environment burns.
//!
//! - `rollouts_pod_template_hash` ([`POD_HASH_LABEL`]): the pod's `rollouts-pod-template-hash`
//!   label, which Argo Rollouts puts on every pod of a Rollout's ReplicaSets. The chart's
//!   `ServiceMonitor` copies it with a relabeling from
//!   `__meta_kubernetes_pod_label_rollouts_pod_template_hash`, so the canary analysis
//!   ([`canary_error_ratio_query`]) reads the canary's own pods, never the stable ones.
//!
//! A Prometheus without the operator must attach the same labels in its scrape config.
//! Dashboards also read cAdvisor and kube-state-metrics series (`container_*`,
//! `kube_pod_container_resource_*`) by `namespace` and `container="<service name>"`: the chart
//! names the application container [`crate::naming::k8s_name`].
//! The application exposes the metrics of [`crate::MetricConvention`]: the request counter
//! (with the label of the error selector, e.g. `code`) and the duration histogram
//! (`_bucket` with `le`, `_count`). [`scraped_metrics`] lists them.
//!
//! # Rule shapes
//!
//! Sloth's scheme (see the reference notes): per SLO (`availability`, and `latency` when
//! the service gives a threshold) a group of recording rules `slo:sli_error:ratio_rate<w>`
//! for every window of the org's catalog plus the period, a group of meta rules
//! (`slo:objective:ratio`, `slo:error_budget:ratio`, `slo:time_period:days`,
//! `slo:current_burn_rate:ratio`, `slo:period_burn_rate:ratio`,
//! `slo:period_error_budget_remaining:ratio`, and `slo:latency_threshold:seconds` for a
//! latency SLO), and, when `monitoring.alerts` is on, one
//! multi-window burn-rate alert per catalog window (page windows only when the tier pages).
//! Every recorded series carries `service` and `slo` ([`SLO_LABEL`]) labels and keeps
//! `namespace`; alerts add `severity`, `team`, `tier`, `long_window` and `short_window`.
//! When the org's services share one dashboard ([`crate::deploy::shared_dashboard`]), a
//! service with a dashboard also records [`INFO_RECORD`], which names its metrics for it.
//!
//! Numbers are exact: objectives and budgets are [`Ratio`]s, burn-rate factors are
//! [`Rational`]s printed as exact decimals (`14.4`) or, when a decimal would not end, as a
//! PromQL fraction (`14 / 15`); where only a number fits, [`Rational::decimal_at_most`]
//! rounds down. No string here contains `{{` (label values and selectors are validated names;
//! the one exception is a placeholder a caller passes to [`error_ratio_query_in`] itself), but
//! the Helm chart must still escape the whole rule text it embeds.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::model::{BurnWindow, Environment, MetricConvention, Org, Service};
use crate::ratio::{ONE, Ratio};

/// Label that carries the platform service name on every scraped and recorded series.
pub const SERVICE_LABEL: &str = "service";
/// Label that carries the target's namespace (attached by the Prometheus Operator).
pub const NAMESPACE_LABEL: &str = "namespace";

/// The label every alert carries with its environment's name, for Alertmanager's routing.
pub const ENVIRONMENT_LABEL: &str = "environment";
/// The label every alert carries with its owning team (the service's `metadata.team`): what
/// Alertmanager routes on.
pub const TEAM_LABEL: &str = "team";
/// The label every alert carries with its severity: [`PAGE`] or `ticket`.
pub const SEVERITY_LABEL: &str = "severity";
/// The severity of an alert that pages (only where the environment pages).
pub const PAGE: &str = "page";
/// Label that names the SLO (`availability`, `latency`) on recorded series and alerts.
pub const SLO_LABEL: &str = "slo";
/// The window of `slo:current_burn_rate:ratio` and the base of the period ratio, in minutes.
pub const BASE_WINDOW_MINUTES: u32 = 5;
/// The label holding a pod's Argo Rollouts pod-template hash (see the scrape contract).
pub const POD_HASH_LABEL: &str = "rollouts_pod_template_hash";

/// One Prometheus rule: a recording rule (`record`) or an alerting rule (`alert`).
///
/// Serializes to Prometheus' rule-file format (keys in its documented order, empty parts
/// left out), so every backend that writes rules writes the same shape.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Rule {
    /// Recorded series name, for a recording rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// Alert name, for an alerting rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alert: Option<String>,
    /// PromQL expression.
    pub expr: String,
    /// `for:` duration of an alert (`2m`).
    #[serde(rename = "for", skip_serializing_if = "Option::is_none")]
    pub for_: Option<String>,
    /// Labels added to the result.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Alert annotations (plain text, no templates).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// A named group of rules evaluated together.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RuleGroup {
    /// Group name, unique per service and file.
    pub name: String,
    /// Evaluation interval (`None`: the server's global interval).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    /// Rules in evaluation order.
    pub rules: Vec<Rule>,
}

/// Which SLI an SLO measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SloKind {
    /// Share of requests that did not fail (error selector of the conventions).
    Availability,
    /// Share of requests faster than the latency threshold.
    Latency,
}

impl SloKind {
    /// The value of the `slo` label: `availability` or `latency`.
    pub const fn as_str(self) -> &'static str {
        match self {
            SloKind::Availability => "availability",
            SloKind::Latency => "latency",
        }
    }

    /// Alert name of the burn-rate alerts of this SLO.
    pub const fn alert_name(self) -> &'static str {
        match self {
            SloKind::Availability => "AvailabilityErrorBudgetBurn",
            SloKind::Latency => "LatencyErrorBudgetBurn",
        }
    }
}

/// One SLO of a service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slo {
    /// What it measures.
    pub kind: SloKind,
    /// The objective (`0.999`).
    pub objective: Ratio,
    /// The latency threshold in milliseconds, for a latency SLO.
    pub threshold_ms: Option<u32>,
}

impl Slo {
    /// The error budget `1 - objective` (`0.001`).
    pub fn budget(&self) -> Ratio {
        self.objective.complement()
    }
}

/// Where a query looks and what its result keeps.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    /// Extra label matchers after the service's own (e.g. a dashboard's
    /// `namespace=~"$namespace"`). Written verbatim: callers pass their own constants.
    pub matchers: Vec<String>,
    /// Labels the `sum` keeps (`sum by (namespace)`); empty sums everything.
    pub by: Vec<String>,
}

impl Scope {
    /// All of the service's series summed into one.
    pub fn all() -> Scope {
        Scope::default()
    }

    /// One result per namespace: what the recording rules use.
    pub fn per_namespace() -> Scope {
        Scope { matchers: Vec::new(), by: vec![NAMESPACE_LABEL.to_owned()] }
    }

    /// The service's series in one namespace, summed: `namespace="<namespace>"`, the value
    /// written verbatim (see [`error_ratio_query_in`]).
    pub fn namespace(namespace: &str) -> Scope {
        debug_assert!(!namespace.contains(['"', '\\']), "namespace {namespace:?} would break the matcher");
        Scope { matchers: vec![format!("{NAMESPACE_LABEL}=\"{namespace}\"")], by: Vec::new() }
    }
}

/// An exact non-negative fraction, always reduced, for burn-rate factors and thresholds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rational {
    /// Numerator.
    pub num: u128,
    /// Denominator (never 0).
    pub den: u128,
}

impl Rational {
    /// `num / den`, reduced. A zero denominator gives zero (never produced from the IR).
    pub fn new(num: u128, den: u128) -> Rational {
        if den == 0 {
            return Rational { num: 0, den: 1 };
        }
        let g = gcd(num, den);
        Rational { num: num / g, den: den / g }
    }

    /// A [`Ratio`] as a fraction.
    pub fn from_ratio(r: Ratio) -> Rational {
        Rational::new(u128::from(r.0), u128::from(ONE))
    }

    /// The product, reduced (saturating on absurd inputs).
    pub fn times(self, other: Rational) -> Rational {
        let (a, d) = (gcd(self.num, other.den), gcd(other.num, self.den));
        let num = (self.num / a).saturating_mul(other.num / d);
        let den = (self.den / d).saturating_mul(other.den / a);
        Rational::new(num, den)
    }

    /// True when `self >= 1`.
    pub fn at_least_one(self) -> bool {
        self.num >= self.den
    }

    /// The exact decimal, if the fraction has one (`14.4`, `0.0144`), else `None` (`14/15`).
    pub fn decimal(self) -> Option<String> {
        let (mut twos, mut fives, mut rest) = (0u32, 0u32, self.den);
        while rest.is_multiple_of(2) {
            rest /= 2;
            twos += 1;
        }
        while rest.is_multiple_of(5) {
            rest /= 5;
            fives += 1;
        }
        if rest != 1 {
            return None;
        }
        let scale = twos.max(fives);
        let factor = 10u128.checked_pow(scale)? / self.den;
        let value = self.num.checked_mul(factor)?;
        let div = 10u128.pow(scale);
        let (int, frac) = (value / div, value % div);
        if frac == 0 {
            return Some(int.to_string());
        }
        let s = format!("{frac:0width$}", width = scale as usize);
        Some(format!("{int}.{}", s.trim_end_matches('0')))
    }
}

impl Rational {
    /// A decimal for a place that takes only a number: the exact decimal when it has at
    /// most `scale` places, else rounded *down* to `scale` places (`14 / 15` at 6 places is
    /// `0.933333`). Down, because the callers print upper limits: a limit a little lower than
    /// the exact one is stricter, never more lenient.
    pub fn decimal_at_most(self, scale: u32) -> String {
        let int = self.num / self.den;
        let mut rest = self.num % self.den;
        let mut digits = String::new();
        for _ in 0..scale {
            if rest == 0 {
                break;
            }
            // `rest < den`, so `rest * 10` only overflows for denominators above 3.4e37,
            // which no SLO produces; saturating keeps the result a (too low) decimal.
            let scaled = rest.saturating_mul(10);
            digits.push(char::from(b'0' + u8::try_from(scaled / self.den).unwrap_or(9).min(9)));
            rest = scaled % self.den;
        }
        let digits = digits.trim_end_matches('0');
        if digits.is_empty() { int.to_string() } else { format!("{int}.{digits}") }
    }
}

impl fmt::Display for Rational {
    /// The exact decimal when there is one, else `num / den` (valid PromQL either way).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.decimal() {
            Some(d) => f.write_str(&d),
            None => write!(f, "{} / {}", self.num, self.den),
        }
    }
}

/// The SLOs of a service: availability when it has an objective, latency when it gives a
/// threshold.
pub fn slos(svc: &Service) -> Vec<Slo> {
    let mut out = Vec::new();
    if let Some(slo) = &svc.monitoring.slo {
        out.push(Slo { kind: SloKind::Availability, objective: slo.value, threshold_ms: None });
    }
    if let Some(l) = &svc.monitoring.latency {
        out.push(Slo {
            kind: SloKind::Latency,
            objective: l.objective.value,
            threshold_ms: Some(l.threshold_ms.value),
        });
    }
    out
}

/// Burn-rate factor of a window: the share of the budget it consumes, times the period,
/// over the long window (`0.02 * 720h / 1h = 14.4`).
pub fn burn_factor(period_days: u32, window: &BurnWindow) -> Rational {
    let period_minutes = u128::from(period_days) * 1440;
    let consumed = Rational::from_ratio(window.budget_consumed.value);
    consumed.times(Rational::new(period_minutes, u128::from(window.long_minutes.value.max(1))))
}

/// The error-ratio threshold of a window for an objective: `factor * (1 - objective)`.
pub fn burn_threshold(period_days: u32, window: &BurnWindow, objective: Ratio) -> Rational {
    burn_factor(period_days, window).times(Rational::from_ratio(objective.complement()))
}

/// The threshold as PromQL, showing how it is made: `(14.4 * 0.001)`.
pub fn threshold_expr(period_days: u32, window: &BurnWindow, objective: Ratio) -> String {
    format!("({} * {})", burn_factor(period_days, window), objective.complement())
}

/// A window of minutes as a Prometheus duration in its largest whole unit (`5m`, `1h`, `3d`).
pub fn duration(minutes: u32) -> String {
    if minutes > 0 && minutes.is_multiple_of(1440) {
        format!("{}d", minutes / 1440)
    } else if minutes > 0 && minutes.is_multiple_of(60) {
        format!("{}h", minutes / 60)
    } else {
        format!("{minutes}m")
    }
}

/// Every window recorded for a service (minutes, ascending): the base window and every short
/// and long window of the catalog. The period is recorded separately.
pub fn recorded_windows(org: &Org) -> Vec<u32> {
    let mut set = BTreeSet::from([BASE_WINDOW_MINUTES]);
    for w in &org.monitoring.windows {
        set.insert(w.short_minutes.value);
        set.insert(w.long_minutes.value);
    }
    set.into_iter().collect()
}

/// Name of the recorded error ratio over a window: `slo:sli_error:ratio_rate5m`.
pub fn sli_record(window: &str) -> String {
    format!("slo:sli_error:ratio_rate{window}")
}

/// The SLO period as a Prometheus duration (`30d`).
pub fn period(org: &Org) -> String {
    format!("{}d", org.monitoring.slo_period_days.value)
}

/// The matchers that select one SLO's recorded series: `service="payment-api",slo="availability"`.
pub fn slo_matchers(svc: &Service, kind: SloKind) -> String {
    matchers(&svc.name.value, kind)
}

/// [`slo_matchers`] of a service by name (or a dashboard variable standing for one).
pub fn matchers(service: &str, kind: SloKind) -> String {
    format!("{SERVICE_LABEL}=\"{service}\",{SLO_LABEL}=\"{}\"", kind.as_str())
}

/// The metric names the SLIs and panels read, which the application must expose.
pub fn scraped_metrics(metrics: &MetricConvention) -> BTreeSet<String> {
    let h = &metrics.duration_histogram.value;
    BTreeSet::from([metrics.requests_total.value.clone(), format!("{h}_bucket"), format!("{h}_count")])
}

/// PromQL of the availability SLI as an error ratio over `window` (e.g. `5m`), summed over
/// all of the service's series in every namespace. It is `0`, not empty, when there are
/// requests but no errors. A canary must not use it: see [`error_ratio_query_in`].
pub fn error_ratio_query(svc: &Service, window: &str) -> String {
    availability_error_ratio(&svc.name.value, &svc.monitoring.metrics, window, &Scope::all())
}

/// [`error_ratio_query`] of the service's series in one namespace only: the query canary
/// analysis runs, so that a canary in production never reads staging's errors when both
/// share a cluster (and Prometheus). `namespace` is written verbatim between double quotes:
/// a namespace name, or a placeholder the caller's tool fills in (the Helm chart passes
/// Argo Rollouts' `{{args.namespace}}`). It must not contain `"` or `\`.
pub fn error_ratio_query_in(svc: &Service, window: &str, namespace: &str) -> String {
    availability_error_ratio(&svc.name.value, &svc.monitoring.metrics, window, &Scope::namespace(namespace))
}

/// The query of a canary analysis: [`error_ratio_query_in`] of the canary's own pods only
/// (`rollouts_pod_template_hash="<canary_hash>"`), and only when those pods served at least
/// `min_requests` requests in `window`; otherwise the result is empty, which the analysis
/// reads as inconclusive. Without the pod hash, one bad canary pod among four stable ones
/// is diluted below the threshold and promoted; without the floor, a quiet service's canary
/// fails on `0 / 0`. `namespace` and `canary_hash` are written verbatim like
/// [`error_ratio_query_in`]'s (Argo Rollouts' `{{args.namespace}}` and `{{args.canary-hash}}`).
pub fn canary_error_ratio_query(
    service: &str,
    m: &MetricConvention,
    window: &str,
    namespace: &str,
    canary_hash: &str,
    min_requests: u32,
) -> String {
    debug_assert!(!canary_hash.contains(['"', '\\']), "hash {canary_hash:?} would break the matcher");
    let mut scope = Scope::namespace(namespace);
    scope.matchers.push(format!("{POD_HASH_LABEL}=\"{canary_hash}\""));
    let ratio = availability_error_ratio(service, m, window, &scope);
    let served = format!("sum(increase({}{{{}}}[{window}]))", m.requests_total.value, selector(service, &scope, None));
    format!("(\n{ratio}\n)\nand\n{served} >= {min_requests}")
}

/// The availability error ratio over `window` in a scope.
pub fn availability_error_ratio(service: &str, m: &MetricConvention, window: &str, scope: &Scope) -> String {
    let total = request_rate(service, m, window, scope);
    let errors = error_rate(service, m, window, scope);
    format!("(\n  {errors}\n  or\n  0 * {total}\n)\n/\n{total}")
}

/// The latency error ratio (share of requests slower than the threshold) over `window`.
pub fn latency_error_ratio(
    service: &str,
    m: &MetricConvention,
    threshold_ms: u32,
    window: &str,
    scope: &Scope,
) -> String {
    let h = &m.duration_histogram.value;
    let le = le_matcher(threshold_ms);
    let fast = sum_rate(&format!("{h}_bucket"), &selector(service, scope, Some(&le)), window, scope);
    let total = sum_rate(&format!("{h}_count"), &selector(service, scope, None), window, scope);
    format!("1 - (\n  {fast}\n  /\n  {total}\n)")
}

/// Requests per second over `window`.
pub fn request_rate(service: &str, m: &MetricConvention, window: &str, scope: &Scope) -> String {
    sum_rate(&m.requests_total.value, &selector(service, scope, None), window, scope)
}

/// Failed requests per second over `window` (the error selector of the conventions).
pub fn error_rate(service: &str, m: &MetricConvention, window: &str, scope: &Scope) -> String {
    sum_rate(&m.requests_total.value, &selector(service, scope, Some(&m.error_selector.value)), window, scope)
}

/// A latency quantile (`0.99`) in seconds over `window`, from the duration histogram.
pub fn latency_quantile(service: &str, m: &MetricConvention, quantile: &str, window: &str, scope: &Scope) -> String {
    let mut by: Vec<&str> = scope.by.iter().map(String::as_str).collect();
    by.push("le");
    let sel = selector(service, scope, None);
    format!(
        "histogram_quantile({quantile}, sum by ({}) (rate({}_bucket{{{sel}}}[{window}])))",
        by.join(", "),
        m.duration_histogram.value
    )
}

/// The error ratio of one SLO over `window`.
pub fn slo_error_ratio(service: &str, m: &MetricConvention, slo: &Slo, window: &str, scope: &Scope) -> String {
    match (slo.kind, slo.threshold_ms) {
        (SloKind::Latency, Some(ms)) => latency_error_ratio(service, m, ms, window, scope),
        _ => availability_error_ratio(service, m, window, scope),
    }
}

/// The `le` matcher of a threshold in milliseconds. Client libraries print whole seconds
/// either as `1` or `1.0` (Prometheus 3 normalises to `1.0`), so those match both.
pub fn le_matcher(threshold_ms: u32) -> String {
    let secs = crate::ratio::decimal(u64::from(threshold_ms), 3);
    if threshold_ms.is_multiple_of(1000) { format!("le=~\"{secs}|{secs}[.]0\"") } else { format!("le=\"{secs}\"") }
}

/// Every rule group of a service (recording rules per window, meta rules, burn-rate
/// alerts), empty when it has none. For an environment, every alert carries its
/// `environment` label, and page windows are tickets where the environment does not page
/// (`paging`, by default only production): staging never wakes the on-call. Without an
/// environment (`None`: the chart's fallback when no environment's values are given) nothing
/// pages either.
pub fn rule_groups(org: &Org, svc: &Service, env: Option<&Environment>) -> Vec<RuleGroup> {
    let spec = Spec {
        alerting: alerting(org, svc, env),
        metrics: &svc.monitoring.metrics,
        slos: slos(svc),
        recorded: recorded_windows(org),
        alerts: svc.monitoring.alerts.value,
    };
    let mut out = groups(&spec);
    if crate::deploy::on_shared_dashboard(org, svc) {
        out.push(info_group(svc, env));
    }
    out
}

/// The threshold of a latency SLO in seconds, recorded beside its objective so a dashboard
/// can draw it without a copy of the number.
pub const LATENCY_THRESHOLD_RECORD: &str = "slo:latency_threshold:seconds";

/// The series that tells the org's shared dashboard which service exists and how its
/// metrics are named: `platform:service:info{service, team, requests_metric, error_selector,
/// duration_histogram[, environment]} 1`. The dashboard lists services by it and reads the
/// metric names into its variables, so one dashboard serves every language's conventions.
pub const INFO_RECORD: &str = "platform:service:info";

/// The labels of [`INFO_RECORD`] that name the service's metrics, in the order the shared
/// dashboard reads them: the request counter, the error selector, the duration histogram.
pub const INFO_METRIC_LABELS: [&str; 3] = ["requests_metric", "error_selector", "duration_histogram"];

fn info_group(svc: &Service, env: Option<&Environment>) -> RuleGroup {
    info_group_of(&svc.name.value, &svc.team.value, &svc.monitoring.metrics, env.map(|e| e.name.value.as_str()))
}

/// The group of [`INFO_RECORD`] of a service (its name and team, its metric conventions) in
/// an environment (by name), or without one.
pub fn info_group_of(service: &str, team: &str, m: &MetricConvention, environment: Option<&str>) -> RuleGroup {
    let mut labels =
        BTreeMap::from([(SERVICE_LABEL.to_owned(), service.to_owned()), (TEAM_LABEL.to_owned(), team.to_owned())]);
    let values = [&m.requests_total.value, &m.error_selector.value, &m.duration_histogram.value];
    for (label, value) in INFO_METRIC_LABELS.iter().zip(values) {
        labels.insert((*label).to_owned(), value.clone());
    }
    if let Some(e) = environment {
        labels.insert(ENVIRONMENT_LABEL.to_owned(), e.to_owned());
    }
    let info = Rule {
        record: Some(INFO_RECORD.to_owned()),
        alert: None,
        expr: "vector(1)".to_owned(),
        for_: None,
        labels,
        annotations: BTreeMap::new(),
    };
    RuleGroup { name: format!("platform-info-{service}"), interval: None, rules: vec![info] }
}

/// Everything [`rule_groups`] reads, flattened so the rules can be tested alone.
struct Spec<'a> {
    alerting: Alerting<'a>,
    metrics: &'a MetricConvention,
    slos: Vec<Slo>,
    recorded: Vec<u32>,
    alerts: bool,
}

/// Who a service's burn-rate alerts are about and where they lead: everything
/// [`alert_group`] reads besides the SLO. The org's Helm library chart fills it with
/// placeholders to write the alerts once for every service.
#[derive(Clone, Debug)]
pub struct Alerting<'a> {
    /// The service's name.
    pub service: &'a str,
    /// Its team (the `team` label).
    pub team: &'a str,
    /// Its tier (the `tier` label).
    pub tier: &'a str,
    /// The tier pages: without it, page windows alert nowhere.
    pub paging: bool,
    /// The SLO period in days.
    pub period_days: u32,
    /// The org's burn-rate windows.
    pub windows: &'a [BurnWindow],
    /// The environment's name and whether it pages (`None`: no environment is known).
    pub environment: Option<(&'a str, bool)>,
    /// The runbook every alert links to.
    pub runbook: String,
    /// The dashboard every alert links to, if the service has one.
    pub dashboard: Option<String>,
}

/// The [`Alerting`] of `svc` in `env`.
pub fn alerting<'a>(org: &'a Org, svc: &'a Service, env: Option<&'a Environment>) -> Alerting<'a> {
    let name = &svc.name.value;
    Alerting {
        service: name,
        team: &svc.team.value,
        tier: svc.tier.value.as_str(),
        paging: org.tier(svc.tier.value).paging.value,
        period_days: org.monitoring.slo_period_days.value,
        windows: &org.monitoring.windows,
        environment: env.map(|e| (e.name.value.as_str(), e.paging.value)),
        runbook: crate::naming::runbook_url(&org.monitoring.runbook_base_url.value, name),
        dashboard: crate::deploy::dashboard_url(org, svc),
    }
}

/// The burn-rate alerts of one SLO (`slo-alerts-<service>-<kind>`): one per window of the
/// org's catalog, but page windows when the tier does not page. `None` when no window
/// alerts.
pub fn alert_group(a: &Alerting, slo: &Slo) -> Option<RuleGroup> {
    let kind = slo.kind.as_str();
    let sel = format!("{SERVICE_LABEL}=\"{}\",{SLO_LABEL}=\"{kind}\"", a.service);
    let rules: Vec<Rule> =
        a.windows.iter().filter(|w| a.paging || w.severity.value != PAGE).map(|w| alert(a, slo, &sel, w)).collect();
    (!rules.is_empty()).then(|| RuleGroup { name: format!("slo-alerts-{}-{kind}", a.service), interval: None, rules })
}

/// Recording groups first, then the alerts: the recording rules are the same in every
/// environment, so a chart writes them once ahead of its per-environment alerts.
fn groups(spec: &Spec) -> Vec<RuleGroup> {
    let mut out = Vec::new();
    let mut alert_groups = Vec::new();
    let a = &spec.alerting;
    for slo in &spec.slos {
        out.extend(recording_groups(a.service, spec.metrics, slo, a.period_days, &spec.recorded));
        if spec.alerts {
            alert_groups.extend(alert_group(a, slo));
        }
    }
    out.extend(alert_groups);
    out
}

/// The recording groups of one SLO of a service: its error ratio over every recorded window
/// and over the period (`slo-sli-<service>-<kind>`), then its objective, budget, period and
/// burn rates (`slo-meta-<service>-<kind>`). The same in every environment. The org's Helm
/// library chart writes them once from placeholders in `service` and `metrics`.
pub fn recording_groups(
    service: &str,
    metrics: &MetricConvention,
    slo: &Slo,
    period_days: u32,
    recorded: &[u32],
) -> [RuleGroup; 2] {
    let kind = slo.kind.as_str();
    let sel = format!("{SERVICE_LABEL}=\"{service}\",{SLO_LABEL}=\"{kind}\"");
    let labels =
        BTreeMap::from([(SERVICE_LABEL.to_owned(), service.to_owned()), (SLO_LABEL.to_owned(), kind.to_owned())]);
    let record = |name: String, expr: String| Rule {
        record: Some(name),
        alert: None,
        expr,
        for_: None,
        labels: labels.clone(),
        annotations: BTreeMap::new(),
    };
    let mut sli = Vec::new();
    for &w in recorded {
        let w = duration(w);
        sli.push(record(sli_record(&w), slo_error_ratio(service, metrics, slo, &w, &Scope::per_namespace())));
    }
    let base = sli_record(&duration(BASE_WINDOW_MINUTES));
    let period = format!("{}d", period_days);
    let period_record = sli_record(&period);
    sli.push(record(
        period_record.clone(),
        format!("sum_over_time({base}{{{sel}}}[{period}])\n/\ncount_over_time({base}{{{sel}}}[{period}])"),
    ));
    let sli = RuleGroup { name: format!("slo-sli-{service}-{kind}"), interval: None, rules: sli };

    let per_budget = |series: &str| {
        format!("{series}{{{sel}}}\n/ on ({SERVICE_LABEL}, {SLO_LABEL}) group_left\nslo:error_budget:ratio{{{sel}}}")
    };
    let mut meta = vec![
        record("slo:objective:ratio".into(), format!("vector({})", slo.objective)),
        record("slo:error_budget:ratio".into(), format!("vector({})", slo.budget())),
        record("slo:time_period:days".into(), format!("vector({})", period_days)),
        record("slo:current_burn_rate:ratio".into(), per_budget(&base)),
        record("slo:period_burn_rate:ratio".into(), per_budget(&period_record)),
        record("slo:period_error_budget_remaining:ratio".into(), format!("1 - slo:period_burn_rate:ratio{{{sel}}}")),
    ];
    if let Some(ms) = slo.threshold_ms {
        let seconds = crate::ratio::decimal(u64::from(ms), 3);
        meta.push(record(LATENCY_THRESHOLD_RECORD.into(), format!("vector({seconds})")));
    }
    [sli, RuleGroup { name: format!("slo-meta-{service}-{kind}"), interval: None, rules: meta }]
}

fn alert(spec: &Alerting, slo: &Slo, sel: &str, w: &BurnWindow) -> Rule {
    let (long, short) = (duration(w.long_minutes.value), duration(w.short_minutes.value));
    let threshold = threshold_expr(spec.period_days, w, slo.objective);
    let expr =
        format!("{}{{{sel}}} > {threshold}\nand\n{}{{{sel}}} > {threshold}", sli_record(&short), sli_record(&long));
    // Only an environment that pages pages: elsewhere, and where no environment is known (a
    // chart rendered without an environment's values), a page window is a ticket.
    let severity = match spec.environment {
        Some((_, true)) => w.severity.value.clone(),
        _ if w.severity.value == PAGE => "ticket".to_owned(),
        _ => w.severity.value.clone(),
    };
    let mut labels = BTreeMap::from([
        (SEVERITY_LABEL.to_owned(), severity),
        (TEAM_LABEL.to_owned(), spec.team.to_owned()),
        ("tier".to_owned(), spec.tier.to_owned()),
        (SERVICE_LABEL.to_owned(), spec.service.to_owned()),
        (SLO_LABEL.to_owned(), slo.kind.as_str().to_owned()),
        ("long_window".to_owned(), long.clone()),
        ("short_window".to_owned(), short.clone()),
    ]);
    if let Some((name, _)) = spec.environment {
        labels.insert(ENVIRONMENT_LABEL.to_owned(), name.to_owned());
    }
    let what = match slo.threshold_ms {
        Some(ms) => format!("requests slower than {ms} ms"),
        None => "failed requests".to_owned(),
    };
    let factor = burn_factor(spec.period_days, w);
    let consumed = w.budget_consumed.value.percent();
    let mut annotations = BTreeMap::from([
        ("summary".to_owned(), format!("{} is burning its {} error budget too fast", spec.service, slo.kind.as_str())),
        (
            "description".to_owned(),
            format!(
                "The share of {what} of {svc} is above {factor} times its error budget of {budget} % \
                 (objective {objective} % over {days} days) over both the last {long} and {short}. \
                 At this rate {consumed} % of the budget of the period is spent within {long}.",
                svc = spec.service,
                budget = slo.budget().percent(),
                objective = slo.objective.percent(),
                days = spec.period_days,
            ),
        ),
        ("runbook_url".to_owned(), spec.runbook.clone()),
    ]);
    if let Some(d) = &spec.dashboard {
        annotations.insert("dashboard".to_owned(), d.clone());
    }
    Rule {
        record: None,
        alert: Some(slo.kind.alert_name().to_owned()),
        expr,
        for_: (w.for_minutes.value > 0).then(|| duration(w.for_minutes.value)),
        labels,
        annotations,
    }
}

/// `sum by (..) (rate(metric{selector}[window]))`.
fn sum_rate(metric: &str, selector: &str, window: &str, scope: &Scope) -> String {
    if scope.by.is_empty() {
        return format!("sum(rate({metric}{{{selector}}}[{window}]))");
    }
    format!("sum by ({}) (rate({metric}{{{selector}}}[{window}]))", scope.by.join(", "))
}

/// `service="x"`, then the scope's matchers, then an extra one.
fn selector(service: &str, scope: &Scope, extra: Option<&str>) -> String {
    let mut parts = vec![format!("{SERVICE_LABEL}=\"{service}\"")];
    parts.extend(scope.matchers.iter().cloned());
    parts.extend(extra.map(str::to_owned));
    parts.join(",")
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::{Sp, Span};

    fn sp<T>(v: T) -> Sp<T> {
        Sp::new(v, Span::default())
    }

    fn window(severity: &str, long: u32, short: u32, percent: &str, for_: u32) -> BurnWindow {
        BurnWindow {
            severity: sp(severity.to_owned()),
            long_minutes: sp(long),
            short_minutes: sp(short),
            budget_consumed: sp(Ratio(Ratio::from_percent_text(percent).unwrap().0)),
            for_minutes: sp(for_),
        }
    }

    /// The org's default catalog: 5m/1h 2 %, 30m/6h 5 %, 2h/1d 10 %, 6h/3d 10 %.
    fn catalog() -> Vec<BurnWindow> {
        vec![
            window("page", 60, 5, "2", 2),
            window("page", 360, 30, "5", 15),
            window("ticket", 1440, 120, "10", 60),
            window("ticket", 4320, 360, "10", 60),
        ]
    }

    fn objective(text: &str) -> Ratio {
        Ratio::from_percent_text(text).unwrap()
    }

    fn thresholds(period_days: u32, slo: &str) -> Vec<String> {
        catalog().iter().map(|w| burn_threshold(period_days, w, objective(slo)).to_string()).collect()
    }

    #[test]
    fn burn_factors_30d_and_28d() {
        let f = |days| catalog().iter().map(|w| burn_factor(days, w).to_string()).collect::<Vec<_>>();
        assert_eq!(f(30), ["14.4", "6", "3", "1"]);
        assert_eq!(f(28), ["13.44", "5.6", "2.8", "14 / 15"]);
    }

    #[test]
    fn thresholds_for_common_objectives() {
        assert_eq!(thresholds(30, "99"), ["0.144", "0.06", "0.03", "0.01"]);
        assert_eq!(thresholds(30, "99.5"), ["0.072", "0.03", "0.015", "0.005"]);
        assert_eq!(thresholds(30, "99.9"), ["0.0144", "0.006", "0.003", "0.001"]);
        assert_eq!(thresholds(30, "99.95"), ["0.0072", "0.003", "0.0015", "0.0005"]);
        assert_eq!(thresholds(30, "99.99"), ["0.00144", "0.0006", "0.0003", "0.0001"]);
        assert_eq!(thresholds(28, "99.9"), ["0.01344", "0.0056", "0.0028", "7 / 7500"]);
        let w = &catalog()[0];
        assert_eq!(threshold_expr(30, w, objective("99.9")), "(14.4 * 0.001)");
        assert_eq!(threshold_expr(28, &catalog()[3], objective("99.95")), "(14 / 15 * 0.0005)");
        assert!(burn_threshold(30, w, objective("90")).at_least_one());
    }

    #[test]
    fn durations_and_le() {
        assert_eq!([5, 30, 60, 360, 1440, 4320, 90].map(duration), ["5m", "30m", "1h", "6h", "1d", "3d", "90m"]);
        assert_eq!(le_matcher(300), "le=\"0.3\"");
        assert_eq!(le_matcher(1500), "le=\"1.5\"");
        assert_eq!(le_matcher(2000), "le=~\"2|2[.]0\"");
    }

    fn metrics() -> MetricConvention {
        MetricConvention {
            requests_total: sp("http_requests_total".into()),
            error_selector: sp("code=~\"5..\"".into()),
            duration_histogram: sp("http_request_duration_seconds".into()),
        }
    }

    fn check(slos: Vec<Slo>, alerts: bool, paging: bool, expect: &[(&str, usize)]) -> Vec<RuleGroup> {
        check_in(slos, alerts, paging, None, expect)
    }

    fn check_in(
        slos: Vec<Slo>,
        alerts: bool,
        paging: bool,
        environment: Option<(&str, bool)>,
        expect: &[(&str, usize)],
    ) -> Vec<RuleGroup> {
        let (m, windows) = (metrics(), catalog());
        let spec = Spec {
            alerting: Alerting {
                service: "payment-api",
                team: "payments",
                tier: "critical",
                paging,
                period_days: 30,
                windows: &windows,
                environment,
                runbook: "https://runbooks.example.com/services/payment-api".into(),
                dashboard: Some("https://grafana.example.com/d/svc-payment-api".into()),
            },
            metrics: &m,
            slos,
            recorded: vec![5, 30, 60, 120, 360, 1440, 4320],
            alerts,
        };
        let got = groups(&spec);
        let shape: Vec<(&str, usize)> = got.iter().map(|g| (g.name.as_str(), g.rules.len())).collect();
        assert_eq!(shape, expect);
        got
    }

    fn availability(text: &str) -> Slo {
        Slo { kind: SloKind::Availability, objective: objective(text), threshold_ms: None }
    }

    #[test]
    fn seed_rules() {
        let g = check_in(
            vec![availability("99.9")],
            true,
            true,
            Some(("production", true)),
            &[
                ("slo-sli-payment-api-availability", 8),
                ("slo-meta-payment-api-availability", 6),
                ("slo-alerts-payment-api-availability", 4),
            ],
        );
        assert_eq!(
            g[0].rules[0].expr,
            "(\n  sum by (namespace) (rate(http_requests_total{service=\"payment-api\",code=~\"5..\"}[5m]))\n  or\n  0 * sum by (namespace) (rate(http_requests_total{service=\"payment-api\"}[5m]))\n)\n/\nsum by (namespace) (rate(http_requests_total{service=\"payment-api\"}[5m]))"
        );
        assert_eq!(g[0].rules[7].record.as_deref(), Some("slo:sli_error:ratio_rate30d"));
        assert_eq!(g[1].rules[0].expr, "vector(0.999)");
        assert_eq!(g[1].rules[1].expr, "vector(0.001)");
        let page = &g[2].rules[0];
        assert_eq!(
            page.expr,
            "slo:sli_error:ratio_rate5m{service=\"payment-api\",slo=\"availability\"} > (14.4 * 0.001)\nand\nslo:sli_error:ratio_rate1h{service=\"payment-api\",slo=\"availability\"} > (14.4 * 0.001)"
        );
        assert_eq!(page.for_.as_deref(), Some("2m"));
        assert_eq!(page.labels["severity"], "page");
        assert_eq!(page.labels["team"], "payments");
        // Without a known environment (a chart rendered with no environment's values), nothing pages.
        let unknown = check(
            vec![availability("99.9")],
            true,
            true,
            &[
                ("slo-sli-payment-api-availability", 8),
                ("slo-meta-payment-api-availability", 6),
                ("slo-alerts-payment-api-availability", 4),
            ],
        );
        assert!(unknown[2].rules.iter().all(|r| r.labels["severity"] == "ticket"));
        assert!(
            g.iter()
                .flat_map(|g| &g.rules)
                .all(|r| !r.expr.contains("{{") && r.annotations.values().all(|a| !a.contains("{{")))
        );
    }

    #[test]
    fn ticket_only_without_paging_and_no_alerts_when_off() {
        let g = check(
            vec![availability("99")],
            true,
            false,
            &[
                ("slo-sli-payment-api-availability", 8),
                ("slo-meta-payment-api-availability", 6),
                ("slo-alerts-payment-api-availability", 2),
            ],
        );
        assert!(g[2].rules.iter().all(|r| r.labels["severity"] == "ticket"));
        check(
            vec![availability("99")],
            false,
            true,
            &[("slo-sli-payment-api-availability", 8), ("slo-meta-payment-api-availability", 6)],
        );
        check(Vec::new(), true, true, &[]);
    }

    #[test]
    fn staging_never_pages_and_every_alert_names_its_environment() {
        let groups = [
            ("slo-sli-payment-api-availability", 8),
            ("slo-meta-payment-api-availability", 6),
            ("slo-alerts-payment-api-availability", 4),
        ];
        let staging = check_in(vec![availability("99.9")], true, true, Some(("staging", false)), &groups);
        assert!(
            staging[2].rules.iter().all(|r| r.labels["severity"] == "ticket" && r.labels["environment"] == "staging")
        );
        let production = check_in(vec![availability("99.9")], true, true, Some(("production", true)), &groups);
        assert_eq!(production[2].rules.iter().filter(|r| r.labels["severity"] == "page").count(), 2);
        assert!(production[2].rules.iter().all(|r| r.labels["environment"] == "production"));
    }

    #[test]
    fn latency_slo() {
        let latency = Slo { kind: SloKind::Latency, objective: objective("99"), threshold_ms: Some(300) };
        let g = check(
            vec![availability("99.9"), latency],
            true,
            true,
            &[
                ("slo-sli-payment-api-availability", 8),
                ("slo-meta-payment-api-availability", 6),
                ("slo-sli-payment-api-latency", 8),
                ("slo-meta-payment-api-latency", 7),
                ("slo-alerts-payment-api-availability", 4),
                ("slo-alerts-payment-api-latency", 4),
            ],
        );
        let threshold = &g[3].rules[6];
        assert_eq!(
            (threshold.record.as_deref(), threshold.expr.as_str()),
            (Some(LATENCY_THRESHOLD_RECORD), "vector(0.3)")
        );
        assert_eq!(
            g[2].rules[0].expr,
            "1 - (\n  sum by (namespace) (rate(http_request_duration_seconds_bucket{service=\"payment-api\",le=\"0.3\"}[5m]))\n  /\n  sum by (namespace) (rate(http_request_duration_seconds_count{service=\"payment-api\"}[5m]))\n)"
        );
        assert_eq!(g[5].rules[0].alert.as_deref(), Some("LatencyErrorBudgetBurn"));
        assert!(g[5].rules[0].expr.contains("> (14.4 * 0.01)"));
    }

    #[test]
    fn decimals_for_numeric_places_round_down() {
        assert_eq!(Rational::new(72, 5).decimal_at_most(15), "14.4");
        assert_eq!(Rational::new(7, 7500).decimal_at_most(15), "0.000933333333333");
        assert_eq!(Rational::new(2, 3).decimal_at_most(4), "0.6666");
        assert_eq!(Rational::new(1, 3).decimal_at_most(0), "0");
        assert_eq!(Rational::new(6, 1).decimal_at_most(3), "6");
        assert_eq!(Rational::new(1, 1_000_000_000_000_000_000).decimal_at_most(15), "0");
        // Exact decimals stay exact; every result parses and never exceeds the fraction.
        for (n, d) in [(72u128, 5u128), (7, 7500), (14, 15), (1, 7), (999, 1000), (1, 3)] {
            let r = Rational::new(n, d);
            let s = r.decimal_at_most(15);
            if let Some(exact) = r.decimal() {
                assert_eq!(s, exact);
            }
            let f: f64 = s.parse().unwrap();
            assert!(f <= n as f64 / d as f64, "{s} > {n}/{d}");
        }
    }

    #[test]
    fn canary_query_in_one_namespace() {
        let q = availability_error_ratio("payment-api", &metrics(), "5m", &Scope::namespace("{{args.namespace}}"));
        assert_eq!(
            q,
            "(\n  sum(rate(http_requests_total{service=\"payment-api\",namespace=\"{{args.namespace}}\",code=~\"5..\"}[5m]))\n  or\n  0 * sum(rate(http_requests_total{service=\"payment-api\",namespace=\"{{args.namespace}}\"}[5m]))\n)\n/\nsum(rate(http_requests_total{service=\"payment-api\",namespace=\"{{args.namespace}}\"}[5m]))"
        );
    }

    #[test]
    fn canary_query_reads_the_canary_pods_with_enough_traffic() {
        let q =
            canary_error_ratio_query("payment-api", &metrics(), "5m", "{{args.namespace}}", "{{args.canary-hash}}", 50);
        let sel = "service=\"payment-api\",namespace=\"{{args.namespace}}\",rollouts_pod_template_hash=\"{{args.canary-hash}}\"";
        assert_eq!(
            q,
            format!(
                "(\n(\n  sum(rate(http_requests_total{{{sel},code=~\"5..\"}}[5m]))\n  or\n  0 * sum(rate(http_requests_total{{{sel}}}[5m]))\n)\n/\nsum(rate(http_requests_total{{{sel}}}[5m]))\n)\nand\nsum(increase(http_requests_total{{{sel}}}[5m])) >= 50"
            )
        );
    }

    #[test]
    fn canary_query_sums_everything() {
        let q = availability_error_ratio("payment-api", &metrics(), "1m", &Scope::all());
        assert_eq!(
            q,
            "(\n  sum(rate(http_requests_total{service=\"payment-api\",code=~\"5..\"}[1m]))\n  or\n  0 * sum(rate(http_requests_total{service=\"payment-api\"}[1m]))\n)\n/\nsum(rate(http_requests_total{service=\"payment-api\"}[1m]))"
        );
    }
}
