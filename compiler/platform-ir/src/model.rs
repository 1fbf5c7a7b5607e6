//! The resolved IR: defaults applied, references bound, names canonical (STYLE A4).
//!
//! Backends read these types and nothing else. Every value a user (or the org file, or the
//! built-in defaults) wrote keeps its [`Sp`] span.

use std::collections::BTreeMap;

use crate::quantity::{Cpu, Memory};
use crate::ratio::Ratio;
use crate::span::{FileId, Sp, Span};

/// The service tier; decides policies (replicas, paging, backups).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    /// Customer-facing, pages on-call.
    Critical,
    /// Normal service, tickets.
    Standard,
    /// Prototype: ticket-only alerts, no protection.
    Experimental,
}

/// The language a service is written in; picks the CI toolchain and metric conventions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Language {
    /// TypeScript on Node.js.
    Typescript,
    /// Go.
    Go,
    /// Python.
    Python,
    /// Rust.
    Rust,
    /// Java on the JVM.
    Java,
}

/// Database engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Engine {
    /// PostgreSQL (RDS).
    Postgres,
    /// Redis (ElastiCache).
    Redis,
}

impl Engine {
    /// The port it listens on: the database's security group, the pods' network policy and
    /// `platform db connect` agree on it.
    pub fn port(self) -> u16 {
        match self {
            Engine::Postgres => 5432,
            Engine::Redis => 6379,
        }
    }
}

/// How a new version replaces the old one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Strategy {
    /// Rolling update.
    Rolling,
    /// Stop all, then start all.
    Recreate,
}

/// Egress beyond the cluster, by CIDR and TCP port (a NetworkPolicy matches no host names).
#[derive(Clone, Debug)]
pub struct EgressPolicy {
    /// CIDRs of the AWS APIs every pod's IAM role calls, on port 443.
    pub aws_apis: Vec<Sp<String>>,
    /// Named destinations services may ask for: the org's allow list.
    pub destinations: BTreeMap<String, EgressDestination>,
    /// Whether a service may declare a CIDR of its own.
    pub custom: Sp<bool>,
}

/// A named egress destination.
#[derive(Clone, Debug)]
pub struct EgressDestination {
    /// Its name (where it is defined).
    pub name: Sp<String>,
    /// IPv4 CIDRs.
    pub cidrs: Vec<Sp<String>>,
    /// TCP ports.
    pub ports: Vec<Sp<u16>>,
}

/// One egress rule of a service, resolved: CIDRs and TCP ports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Egress {
    /// Where it was declared.
    pub span: Span,
    /// IPv4 CIDRs.
    pub cidrs: Vec<String>,
    /// TCP ports.
    pub ports: Vec<u16>,
}

/// How running pods pick up a changed secret (a rotated value, a new database password):
/// environment variables are read only when a container starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SecretReload {
    /// Stakater Reloader (checked against v1.4) restarts the pods of a workload annotated
    /// `secret.reloader.stakater.com/reload` when one of the named Secrets changes.
    Reloader,
    /// Nothing in the chart: the org restarts pods another way.
    Nothing,
}

/// What happens when a deploy fails its checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rollback {
    /// Abort and roll back without a person.
    Automatic,
    /// Stop and wait for a person.
    Manual,
}

/// Whether an ingress is reachable from the internet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Exposure {
    /// Internet-facing.
    Public,
    /// Only inside the org network.
    Internal,
}

/// What a tier policy does when violated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Enforcement {
    /// Fails the build.
    Error,
    /// Reported, build goes on.
    Warning,
}

macro_rules! names {
    ($t:ty { $($v:ident => $s:literal),* $(,)? }) => {
        impl $t {
            /// Every value, in declaration order.
            pub const ALL: &'static [$t] = &[$(<$t>::$v),*];
            /// The spelling used in YAML.
            pub const fn as_str(self) -> &'static str {
                match self { $(<$t>::$v => $s),* }
            }
            /// Parse the YAML spelling.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some(<$t>::$v),)* _ => None }
            }
            /// Every spelling, for "did you mean".
            pub const NAMES: &'static [&'static str] = &[$($s),*];
        }
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }
    };
}
names!(Tier { Critical => "critical", Standard => "standard", Experimental => "experimental" });
names!(Language { Typescript => "typescript", Go => "go", Python => "python", Rust => "rust", Java => "java" });
names!(Engine { Postgres => "postgres", Redis => "redis" });
names!(Strategy { Rolling => "rolling", Recreate => "recreate" });
names!(Rollback { Automatic => "automatic", Manual => "manual" });
names!(Exposure { Public => "public", Internal => "internal" });
names!(Enforcement { Error => "error", Warning => "warning" });

/// Database size class name as written (`small`, `medium`, `large`, or any the org defines).
pub type SizeName = String;

// ---------------------------------------------------------------------------------------
// The org file (kind Platform), resolved over the built-in defaults.
// ---------------------------------------------------------------------------------------

/// The golden path: everything the platform team decides once for every service.
#[derive(Clone, Debug)]
pub struct Org {
    /// Org name (`acme`), used as the Backstage namespace-free system prefix and tag.
    pub name: Sp<String>,
    /// Risks of a change accepted in the org file (`metadata.acceptedRisks`).
    pub accepted_risks: Vec<AcceptedRisk>,
    /// The org file, or the built-in defaults file.
    pub source: FileId,
    /// Container registry prefix, e.g. `ghcr.io/acme`.
    pub registry: Sp<String>,
    /// The image pull Secret every pod names; empty: none (see
    /// [`Org::registry_pull_secret`]).
    pub registry_pull_secret: Sp<String>,
    /// Base DNS domain, e.g. `acme.dev`.
    pub domain: Sp<String>,
    /// Environments in promotion order (staging before production).
    pub environments: Vec<Environment>,
    /// Tier policies.
    pub tiers: BTreeMap<Tier, TierPolicy>,
    /// Teams: routing for alerts and ownership.
    pub teams: BTreeMap<String, Team>,
    /// CI toolchains per language.
    pub languages: BTreeMap<Language, Toolchain>,
    /// Database classes and versions per engine.
    pub databases: BTreeMap<Engine, EngineCatalog>,
    /// Canary defaults.
    pub canary: CanaryPolicy,
    /// Monitoring conventions (SLO period, burn windows, metric names, label conventions).
    pub monitoring: MonitoringPolicy,
    /// Ingress conventions.
    pub ingress: IngressPolicy,
    /// Log shipping conventions.
    pub logging: LoggingPolicy,
    /// The External Secrets `ClusterSecretStore` (backed by AWS Secrets Manager) that
    /// ExternalSecrets read from.
    pub secret_store: Sp<String>,
    /// How running pods pick up a changed secret.
    pub secret_reload: Sp<SecretReload>,
    /// Egress beyond the cluster.
    pub egress: EgressPolicy,
    /// Terraform conventions: state backend, providers.
    pub terraform: TerraformPolicy,
    /// CI conventions of the generated pipelines.
    pub ci: CiPolicy,
    /// Pinned versions of external actions.
    pub actions: BTreeMap<String, ActionPin>,
    /// Backstage conventions.
    pub catalog: CatalogPolicy,
    /// Scaffolding conventions (`platform new`).
    pub scaffold: ScaffoldPolicy,
    /// The org's shared packages: their version and where they are published.
    pub packages: Packages,
}

impl Org {
    /// The image pull Secret every pod names, when the org's registry needs one.
    pub fn registry_pull_secret(&self) -> Option<&Sp<String>> {
        (!self.registry_pull_secret.value.is_empty()).then_some(&self.registry_pull_secret)
    }

    /// Whether each service's SLO rules are also written as plain rule files: as the org file
    /// says, else for vendored orgs only (the chart's `PrometheusRule` carries the same rules,
    /// and the chart needs the Prometheus Operator anyway).
    pub fn rule_files(&self) -> bool {
        self.monitoring.rule_files.as_ref().map_or(!self.packages.packaged(), |r| r.value)
    }

    /// The org's registry, when it is a private Amazon ECR registry.
    pub fn ecr(&self) -> Option<Ecr> {
        Ecr::parse(&self.registry.value)
    }

    /// The environment whose Terraform creates the ECR repositories and image push roles: the
    /// first (in promotion order) in the registry's account and region. `None` when no
    /// environment lives there (the repositories are then the org's to create) or the
    /// registry is not ECR.
    pub fn registry_environment(&self) -> Option<&Environment> {
        let ecr = self.ecr()?;
        self.environments.iter().find(|e| e.aws_account.value == ecr.account && e.aws_region.value == ecr.region)
    }
}

/// A private Amazon ECR registry, `<account>.dkr.ecr.<region>.amazonaws.com`. Its
/// repositories, their pull policy and the role that pushes to them are generated per
/// service; the build logs in through GitHub's OIDC provider, the nodes pull with their own
/// role (no pull Secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ecr {
    /// The registry host.
    pub host: String,
    /// Its AWS account (12 digits).
    pub account: String,
    /// Its AWS region.
    pub region: String,
}

impl Ecr {
    /// Parse a registry or image reference whose host is an ECR registry (a path after the
    /// host is ignored).
    pub fn parse(reference: &str) -> Option<Ecr> {
        let host = reference.split('/').next()?;
        let rest = host.strip_suffix(".amazonaws.com")?;
        let (account, region) = rest.split_once(".dkr.ecr.")?;
        let region_ok = !region.is_empty()
            && region
                .split('-')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) && region_ok).then(|| Ecr {
            host: host.to_owned(),
            account: account.to_owned(),
            region: region.to_owned(),
        })
    }

    /// The repository of an image in this registry (`<host>/acme/api` → `acme/api`); `None`
    /// for an image elsewhere.
    pub fn repository<'a>(&self, image: &'a str) -> Option<&'a str> {
        image.strip_prefix(self.host.as_str())?.strip_prefix('/').filter(|r| !r.is_empty())
    }
}

/// One deployment environment.
#[derive(Clone, Debug)]
pub struct Environment {
    /// `staging`, `production`, …
    pub name: Sp<String>,
    /// Kubernetes cluster name (EKS).
    pub cluster: Sp<String>,
    /// AWS account id (12 digits).
    pub aws_account: Sp<String>,
    /// AWS region.
    pub aws_region: Sp<String>,
    /// DNS domain of the environment, e.g. `staging.acme.dev`.
    pub domain: Sp<String>,
    /// Namespace scheme with `{team}` / `{service}` / `{env}` placeholders.
    pub namespace: Sp<String>,
    /// Production-like: requires approval, gets canaries and paging.
    pub production: Sp<bool>,
    /// Whether page-severity alerts page here (default: `production`); elsewhere they are
    /// tickets.
    pub paging: Sp<bool>,
    /// The cluster's IAM OIDC provider host (for IRSA trust), e.g.
    /// `oidc.eks.eu-west-1.amazonaws.com/id/ABC`.
    pub oidc_provider: Sp<String>,
    /// The `Name` tag of the EC2 instance people reach databases through (SSM), if any.
    pub database_bastion: Option<Sp<String>>,
}

/// What a tier demands.
#[derive(Clone, Debug)]
pub struct TierPolicy {
    /// Lowest replica count allowed.
    pub min_replicas: Sp<u32>,
    /// Whether `monitoring.alerts` must be on.
    pub require_alerts: Sp<bool>,
    /// Whether page (not only ticket) alerts are emitted.
    pub paging: Sp<bool>,
    /// Emit a PodDisruptionBudget.
    pub pdb: Sp<bool>,
    /// Spread pods across zones.
    pub topology_spread: Sp<bool>,
    /// Database backup retention in days.
    pub backup_days: Sp<u32>,
    /// Database deletion protection and final snapshot.
    pub deletion_protection: Sp<bool>,
    /// Multi-AZ database.
    pub multi_az: Sp<bool>,
    /// Whether violations of this policy fail the build or only warn.
    pub enforcement: Sp<Enforcement>,
    /// Backstage lifecycle for services of this tier.
    pub lifecycle: Sp<String>,
}

/// A team: routing targets.
#[derive(Clone, Debug)]
pub struct Team {
    /// Team id (`payments`).
    pub name: Sp<String>,
    /// PagerDuty service id for pages.
    pub pagerduty: Option<Sp<String>>,
    /// Slack channel for tickets.
    pub slack: Option<Sp<String>>,
}

/// CI toolchain for a language.
#[derive(Clone, Debug)]
pub struct Toolchain {
    /// Toolchain version (`22` for Node, `1.23` for Go).
    pub version: Sp<String>,
    /// Default framework when the service names none.
    pub framework: Option<Sp<String>>,
    /// Metric conventions of the default instrumentation.
    pub metrics: MetricConvention,
}

/// How a language's default instrumentation names its HTTP metrics.
#[derive(Clone, Debug)]
pub struct MetricConvention {
    /// Counter of requests, e.g. `http_requests_total`.
    pub requests_total: Sp<String>,
    /// Label selector that marks an error request, e.g. `code=~"5.."`.
    pub error_selector: Sp<String>,
    /// Histogram of request durations (seconds), base name without `_bucket`.
    pub duration_histogram: Sp<String>,
}

/// Sizes and versions for one database engine.
#[derive(Clone, Debug)]
pub struct EngineCatalog {
    /// Size classes by name.
    pub sizes: BTreeMap<SizeName, SizeClass>,
    /// Default engine version.
    pub default_version: Sp<String>,
    /// Versions a service may ask for.
    pub allowed_versions: Vec<Sp<String>>,
}

/// A database size class.
#[derive(Clone, Debug)]
pub struct SizeClass {
    /// Instance class or node type (`db.t4g.small`, `cache.t4g.small`).
    pub instance_class: Sp<String>,
    /// Allocated storage in GiB (ignored for redis).
    pub storage_gib: Sp<u32>,
}

/// Canary defaults.
#[derive(Clone, Debug)]
pub struct CanaryPolicy {
    /// Steps when the service gives none.
    pub steps: Vec<CanaryStep>,
    /// Analysis interval, e.g. `1m`.
    pub analysis_interval: Sp<String>,
    /// Failed measurements before the analysis fails.
    pub failure_limit: Sp<u32>,
    /// Requests the canary's pods must serve in the analysis window for a measurement to
    /// count; fewer make it inconclusive.
    pub min_requests: Sp<u32>,
}

/// One canary step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CanaryStep {
    /// Send this percentage of traffic to the canary.
    SetWeight(Sp<u32>),
    /// Wait this long (`5m`).
    Pause(Sp<String>),
    /// Run the SLI analysis.
    Analysis(Span),
}

/// Monitoring conventions.
#[derive(Clone, Debug)]
pub struct MonitoringPolicy {
    /// SLO period in days (30 or 28).
    pub slo_period_days: Sp<u32>,
    /// Burn-rate alert windows.
    pub windows: Vec<BurnWindow>,
    /// Labels the org's Prometheus selects ServiceMonitors and PrometheusRules by.
    pub rule_selector_labels: BTreeMap<String, String>,
    /// Prometheus HTTP address the canary analysis queries, e.g.
    /// `http://prometheus-operated.monitoring.svc:9090`.
    pub prometheus_url: Sp<String>,
    /// Namespace of the Prometheus that scrapes services (admitted by their NetworkPolicy).
    pub prometheus_namespace: Sp<String>,
    /// Runbook base URL; a service's runbook is `<base>/<service>`.
    pub runbook_base_url: Sp<String>,
    /// Grafana base URL for dashboard links.
    pub grafana_url: Sp<String>,
    /// Prometheus datasource uid/name in Grafana.
    pub prometheus_datasource: Sp<String>,
    /// Logs datasource (Loki) in Grafana.
    pub logs_datasource: Sp<String>,
    /// Deliver dashboards as `GrafanaDashboard` resources instead of sidecar ConfigMaps.
    pub grafana_operator: Sp<bool>,
    /// Namespace of the dashboard ConfigMap or `GrafanaDashboard` (the one Grafana watches).
    pub grafana_namespace: Sp<String>,
    /// Labels of the Grafana instances a `GrafanaDashboard` selects.
    pub grafana_instance_selector: BTreeMap<String, String>,
    /// Whether SLO rules are also written as plain rule files; `None`: the org did not say
    /// ([`Org::rule_files`] decides).
    pub rule_files: Option<Sp<bool>>,
}

/// One multi-window burn-rate alert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BurnWindow {
    /// `page` or `ticket`.
    pub severity: Sp<String>,
    /// Long window (`1h`), in minutes.
    pub long_minutes: Sp<u32>,
    /// Short window (`5m`), in minutes.
    pub short_minutes: Sp<u32>,
    /// Share of the period's error budget this alert fires at, when burnt within the long
    /// window (2 % in 1 h of a 30-day period → burn-rate factor 14.4).
    pub budget_consumed: Sp<Ratio>,
    /// `for:` duration of the alert in minutes.
    pub for_minutes: Sp<u32>,
}

/// Ingress conventions.
#[derive(Clone, Debug)]
pub struct IngressPolicy {
    /// Whether a service that writes no `ingress:` gets one (internal, TLS).
    pub by_default: Sp<bool>,
    /// IngressClass of public services.
    pub class: Sp<String>,
    /// IngressClass of internal services.
    pub internal_class: Sp<String>,
    /// Where TLS certificates come from (one place: cert-manager or ACM).
    pub tls: Sp<TlsSource>,
    /// cert-manager ClusterIssuer.
    pub cluster_issuer: Sp<String>,
    /// Emit Gateway API HTTPRoutes instead of Ingresses.
    pub gateway_api: Sp<bool>,
    /// Namespace of the public ingress controller (for NetworkPolicy).
    pub controller_namespace: Sp<String>,
    /// Namespace of the internal ingress controller.
    pub internal_controller_namespace: Sp<String>,
    /// CIDRs load balancers reach pods from directly (IP-mode targets).
    pub load_balancer_cidrs: Vec<Sp<String>>,
    /// Parent gateway `namespace/name` of public services when `gateway_api` is on.
    pub gateway: Sp<String>,
    /// Parent gateway `namespace/name` of internal services.
    pub internal_gateway: Sp<String>,
}

impl IngressPolicy {
    /// The IngressClass of a service with `exposure`.
    pub fn class_for(&self, exposure: Exposure) -> &Sp<String> {
        match exposure {
            Exposure::Public => &self.class,
            Exposure::Internal => &self.internal_class,
        }
    }

    /// The namespace of the ingress controller of a service with `exposure`.
    pub fn controller_namespace_for(&self, exposure: Exposure) -> &Sp<String> {
        match exposure {
            Exposure::Public => &self.controller_namespace,
            Exposure::Internal => &self.internal_controller_namespace,
        }
    }

    /// The parent gateway `namespace/name` of a service with `exposure`.
    pub fn gateway_for(&self, exposure: Exposure) -> &Sp<String> {
        match exposure {
            Exposure::Public => &self.gateway,
            Exposure::Internal => &self.internal_gateway,
        }
    }
}

/// Where TLS certificates come from: one place, so nothing is made that nothing uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TlsSource {
    /// cert-manager issues a Secret per host (the Ingress names it); no ACM certificate.
    CertManager,
    /// An ACM certificate per host (the service's Terraform), presented by the load balancer;
    /// the Ingress lists the host for certificate discovery and names no Secret.
    Acm,
}

/// Log shipping conventions.
#[derive(Clone, Debug)]
pub struct LoggingPolicy {
    /// Aggregator name (`loki`), used in annotations.
    pub aggregator: Sp<String>,
}

/// Terraform conventions.
#[derive(Clone, Debug)]
pub struct TerraformPolicy {
    /// `required_version` constraint.
    pub required_version: Sp<String>,
    /// AWS provider version constraint.
    pub aws_provider: Sp<String>,
    /// Random provider version constraint.
    pub random_provider: Sp<String>,
    /// Kubernetes provider version constraint (the org root, with `cluster_access`).
    pub kubernetes_provider: Sp<String>,
    /// Whether the org root creates the services' namespaces and the deploy roles' cluster
    /// access (EKS access entries and namespaced RBAC).
    pub cluster_access: Sp<bool>,
    /// State bucket name pattern with `{env}` / `{account}` placeholders.
    pub state_bucket: Sp<String>,
    /// DynamoDB lock table; empty: S3's own locking (`use_lockfile`), see
    /// [`TerraformPolicy::lock_table`].
    pub lock_table: Sp<String>,
    /// Whether DNS records and certificates are managed by the service's Terraform.
    pub manage_dns: Sp<bool>,
    /// Source of the platform team's module.
    pub module_source: Sp<String>,
    /// Name of the Secrets Manager rotation Lambda function in every environment's account.
    pub rotation_lambda: Sp<String>,
    /// IAM role name the External Secrets `ClusterSecretStore` reads Secrets Manager with;
    /// see [`TerraformPolicy::secret_store_role`].
    pub secret_store_role: Sp<String>,
    /// Host name service DNS records point to, with `{exposure}` / `{domain}` placeholders.
    pub dns_target: Sp<String>,
}

impl TerraformPolicy {
    /// The DynamoDB table that locks Terraform state, when the org keeps one; `None`: the
    /// state bucket locks it itself (a `.tflock` object next to the state, Terraform 1.11+).
    pub fn lock_table(&self) -> Option<&Sp<String>> {
        (!self.lock_table.value.is_empty()).then_some(&self.lock_table)
    }

    /// The IAM role of the External Secrets `ClusterSecretStore`, when the org root grants it
    /// read and decrypt on each service's secrets; `None`: the org grants that itself.
    pub fn secret_store_role(&self) -> Option<&Sp<String>> {
        (!self.secret_store_role.value.is_empty()).then_some(&self.secret_store_role)
    }
}

/// CI conventions of the generated GitHub Actions pipelines.
#[derive(Clone, Debug)]
pub struct CiPolicy {
    /// Directory `platform build` writes to, relative to the repository root (`generated`).
    pub generated_dir: Sp<String>,
    /// Helm CLI version the pipelines install.
    pub helm_version: Sp<String>,
    /// Terraform CLI version the pipelines install.
    pub terraform_version: Sp<String>,
    /// Git URL of the platform CLI the pull-request check installs.
    pub platform_repository: Sp<String>,
    /// Tag of the platform CLI the pull-request check installs.
    pub platform_version: Sp<String>,
    /// A released binary the check downloads and verifies instead of compiling the CLI.
    pub platform_binary: Option<PlatformBinary>,
}

/// A released binary of the platform CLI, pinned by its digest.
#[derive(Clone, Debug)]
pub struct PlatformBinary {
    /// `https://` URL of the binary or of a `.tar.gz` holding `platform`.
    pub url: Sp<String>,
    /// Its SHA-256 (64 lowercase hex digits).
    pub sha256: Sp<String>,
}

/// A pinned external GitHub Action.
#[derive(Clone, Debug)]
pub struct ActionPin {
    /// `owner/repo` (or `owner/repo/path`).
    pub uses: Sp<String>,
    /// Full commit SHA.
    pub sha: Sp<String>,
    /// The tag the SHA was taken from, for the comment.
    pub version: Sp<String>,
}

/// Backstage conventions.
#[derive(Clone, Debug)]
pub struct CatalogPolicy {
    /// Source-location base URL (`https://github.com/acme/monorepo/tree/main/`).
    pub source_base_url: Sp<String>,
    /// GitHub `owner/repo` of the monorepo, for annotations.
    pub github_repo: Sp<String>,
}

/// Scaffolding conventions (`platform new`).
#[derive(Clone, Debug, Default)]
pub struct ScaffoldPolicy {
    /// Directory of template overrides as written, relative to the org file.
    pub templates: Option<Sp<String>>,
}

/// The golden path as versioned org packages (`platform build --org-packages DIR`).
#[derive(Clone, Debug)]
pub struct Packages {
    /// Whether services reference the org packages or carry their own copy.
    pub mode: Sp<Packaging>,
    /// `MAJOR.MINOR.PATCH`: the packages' metadata and the comment after every pinned reference.
    pub version: Sp<String>,
    /// Where the reusable workflows are published; `None`: in this repository.
    pub workflows: Option<WorkflowsRepository>,
    /// The OCI repository of the library chart (`oci://ghcr.io/…`); `None`: in this
    /// repository, by path.
    pub charts: Option<Sp<String>>,
}

/// Where the golden path's shared pieces live.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Packaging {
    /// Every service's output holds its own copy (self-contained, no shared dependency).
    Vendored,
    /// Services reference the org packages at the org's version.
    Packaged,
}

impl Packages {
    /// True when services reference the org packages.
    pub fn packaged(&self) -> bool {
        self.mode.value == Packaging::Packaged
    }

    /// The registry host of [`Packages::charts`] (`ghcr.io`), which the deploy logs in to.
    pub fn chart_registry(&self) -> Option<&str> {
        self.charts.as_ref().and_then(|c| c.value.strip_prefix("oci://")?.split('/').next())
    }

    /// The tag a release of the packages carries: `v<version>`.
    pub fn tag(&self) -> String {
        format!("v{}", self.version.value)
    }
}

/// A repository of the org's reusable workflows, pinned by commit.
#[derive(Clone, Debug)]
pub struct WorkflowsRepository {
    /// `owner/name`.
    pub repository: Sp<String>,
    /// Full commit SHA of the release callers pin.
    pub sha: Sp<String>,
}

// ---------------------------------------------------------------------------------------
// A service (kind Service), resolved.
// ---------------------------------------------------------------------------------------

/// One service, fully resolved against the org.
#[derive(Clone, Debug)]
pub struct Service {
    /// DNS-1123 name, unique in the build.
    pub name: Sp<String>,
    /// The names it had before, oldest first (`metadata.previousNames`): its AWS resources and
    /// Terraform state keep the oldest ([`Service::aws_identity`]), and the org root moves its
    /// CI deploy module from each.
    pub previous_names: Vec<Sp<String>>,
    /// Risks of a change its reviewers accept (`metadata.acceptedRisks`).
    pub accepted_risks: Vec<AcceptedRisk>,
    /// The `platform.yaml` it came from.
    pub source: FileId,
    /// Index of its org in the build's list of orgs (services under different org files may
    /// be built together).
    pub org: usize,
    /// Directory of that file relative to the build root (`services/payment-api`, or `.`).
    pub dir: String,
    /// Owning team.
    pub team: Sp<String>,
    /// Tier.
    pub tier: Sp<Tier>,
    /// One-line description.
    pub description: Sp<String>,
    /// Catalog system (defaults to the team).
    pub system: Sp<String>,
    /// Free tags (lowercase, sorted, unique).
    pub tags: Vec<Sp<String>>,
    /// Links for the catalog.
    pub links: Vec<Link>,
    /// Language.
    pub language: Sp<Language>,
    /// Framework (`fastify`, `gin`, …).
    pub framework: Option<Sp<String>>,
    /// Image repository without tag (`ghcr.io/acme/payment-api`); CI sets the tag.
    pub image: Sp<String>,
    /// Container port.
    pub port: Sp<u16>,
    /// Health-check paths.
    pub health: Health,
    /// Base runtime (before environment overrides).
    pub runtime: Runtime,
    /// Base database, if any.
    pub database: Option<Database>,
    /// Secrets by name (sorted).
    pub secrets: Vec<Secret>,
    /// Base ingress, if any.
    pub ingress: Option<Ingress>,
    /// Resolved dependencies on other services in the build (sorted by name).
    pub depends_on: Vec<Dependency>,
    /// Destinations outside the cluster the pods may reach (besides DNS, dependencies, the
    /// database and the AWS APIs).
    pub egress: Vec<Egress>,
    /// Services in the build that depend on this one (sorted by name).
    pub dependents: Vec<Dependent>,
    /// Monitoring.
    pub monitoring: Monitoring,
    /// Logging.
    pub logging: Logging,
    /// Deployment.
    pub deployment: Deployment,
    /// One entry per org environment, in promotion order, with overrides applied.
    pub environments: Vec<ServiceEnvironment>,
}

impl Service {
    /// The name every AWS resource and the Terraform state of the service are named after:
    /// its first name. A rename (`metadata.previousNames`) changes the Kubernetes, GitHub and
    /// catalog names, never the database, its secrets, keys, roles or state, which AWS could
    /// only replace (an RDS database name, a Secrets Manager name and a subnet group name
    /// cannot change in place).
    pub fn aws_identity(&self) -> &str {
        self.previous_names.first().unwrap_or(&self.name).value.as_str()
    }

    /// Each previous name with the namespace it had in `env` (the org's namespace scheme
    /// applied to that name): where its old release and namespace are.
    pub fn previous_namespaces<'a>(
        &'a self,
        org: &'a Org,
        env: &'a ServiceEnvironment,
    ) -> impl Iterator<Item = (&'a Sp<String>, String)> + 'a {
        let oe = org.environment(env);
        self.previous_names.iter().map(move |p| {
            (p, crate::naming::namespace(&oe.namespace.value, &self.team.value, &p.value, &env.name.value))
        })
    }
}

/// A catalog link.
#[derive(Clone, Debug)]
pub struct Link {
    /// Title.
    pub title: Sp<String>,
    /// URL.
    pub url: Sp<String>,
}

/// Health-check paths.
#[derive(Clone, Debug)]
pub struct Health {
    /// Liveness probe path.
    pub liveness: Sp<String>,
    /// Readiness probe path.
    pub readiness: Sp<String>,
    /// Startup probe path.
    pub startup: Sp<String>,
}

/// Runtime sizing and environment.
#[derive(Clone, Debug)]
pub struct Runtime {
    /// Replica count (the HPA minimum when autoscaling).
    pub replicas: Sp<u32>,
    /// CPU request.
    pub cpu: Sp<Cpu>,
    /// Memory request (and limit: memory limits equal requests on the golden path).
    pub memory: Sp<Memory>,
    /// CPU limit, if any (none by default, to avoid throttling).
    pub cpu_limit: Option<Sp<Cpu>>,
    /// Plain environment variables (sorted by name).
    pub env: Vec<EnvVar>,
    /// Autoscaling, if on.
    pub autoscaling: Option<Autoscaling>,
}

/// A plain environment variable.
#[derive(Clone, Debug)]
pub struct EnvVar {
    /// Name (`[A-Z_][A-Z0-9_]*`).
    pub name: Sp<String>,
    /// Value (never a secret: literal secrets are rejected).
    pub value: Sp<String>,
}

/// Horizontal autoscaling.
#[derive(Clone, Debug)]
pub struct Autoscaling {
    /// Minimum replicas.
    pub min: Sp<u32>,
    /// Maximum replicas.
    pub max: Sp<u32>,
    /// Target CPU utilisation percent.
    pub target_cpu_percent: Sp<u32>,
}

/// A database owned by the service.
#[derive(Clone, Debug)]
pub struct Database {
    /// Engine.
    pub engine: Sp<Engine>,
    /// Size class name.
    pub size: Sp<SizeName>,
    /// Resolved instance class / node type.
    pub instance_class: Sp<String>,
    /// Storage in GiB (postgres).
    pub storage_gib: Sp<u32>,
    /// Engine version.
    pub version: Sp<String>,
    /// Backup retention in days.
    pub backup_days: Sp<u32>,
    /// Deletion protection and final snapshot.
    pub deletion_protection: Sp<bool>,
    /// Multi-AZ.
    pub multi_az: Sp<bool>,
}

/// A declared secret: a name, never a value.
#[derive(Clone, Debug)]
pub struct Secret {
    /// Name (DNS-1123 label).
    pub name: Sp<String>,
    /// Rotation period in days, if rotated.
    pub rotation_days: Option<Sp<u32>>,
}

/// Ingress.
#[derive(Clone, Debug)]
pub struct Ingress {
    /// Host; defaults to `<service>.<env domain>`.
    pub host: Option<Sp<String>>,
    /// Public or internal.
    pub exposure: Sp<Exposure>,
    /// Path prefixes (default `/`).
    pub paths: Vec<Sp<String>>,
}

/// A resolved dependency on another service of the same build.
#[derive(Clone, Debug)]
pub struct Dependency {
    /// Target service name; the span is the user's `component:x` entry.
    pub service: Sp<String>,
    /// Target's container port.
    pub port: u16,
    /// Target's team (for namespaces).
    pub team: String,
}

/// A service of the same build that depends on this one.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dependent {
    /// Its name.
    pub service: String,
    /// Its team (for namespaces).
    pub team: String,
}

/// Monitoring settings.
#[derive(Clone, Debug)]
pub struct Monitoring {
    /// Emit alert rules.
    pub alerts: Sp<bool>,
    /// Emit a dashboard.
    pub dashboard: Sp<bool>,
    /// Availability objective, if any.
    pub slo: Option<Sp<Ratio>>,
    /// Latency objective, if any.
    pub latency: Option<LatencyObjective>,
    /// The SLI metrics (from the org's language conventions, overridable per service).
    pub metrics: MetricConvention,
}

/// "`percent` of requests faster than `threshold_ms`".
#[derive(Clone, Debug)]
pub struct LatencyObjective {
    /// Threshold in milliseconds (must be a histogram bucket bound).
    pub threshold_ms: Sp<u32>,
    /// Share of requests that must be faster.
    pub objective: Sp<Ratio>,
}

/// Logging settings.
#[derive(Clone, Debug)]
pub struct Logging {
    /// Structured JSON logs.
    pub json: Sp<bool>,
    /// Ship to the org's aggregator.
    pub ship: Sp<bool>,
}

/// Deployment settings.
#[derive(Clone, Debug)]
pub struct Deployment {
    /// Strategy.
    pub strategy: Sp<Strategy>,
    /// Canary, if on.
    pub canary: Option<Canary>,
    /// Rollback mode.
    pub rollback: Sp<Rollback>,
}

/// A risk of a change that its reviewers accept (`metadata.acceptedRisks`), read by
/// `platform diff`; no backend uses it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AcceptedRisk {
    /// The risk's code, `RISKnnn` (spanned at the reason: map keys carry no span).
    pub code: String,
    /// Why, as written.
    pub reason: Sp<String>,
}

/// Canary settings.
#[derive(Clone, Debug)]
pub struct Canary {
    /// Where `canary: true` (or the canary block) was written.
    pub span: Span,
    /// Steps.
    pub steps: Vec<CanaryStep>,
    /// Analysis interval.
    pub analysis_interval: Sp<String>,
    /// Failed measurements before failing.
    pub failure_limit: Sp<u32>,
    /// Requests the canary's pods must serve in the analysis window for a measurement to
    /// count (the org's `canary.minRequests`).
    pub min_requests: Sp<u32>,
}

/// A service in one environment: the overrides applied.
#[derive(Clone, Debug)]
pub struct ServiceEnvironment {
    /// Environment name.
    pub name: Sp<String>,
    /// Index into [`Org::environments`].
    pub index: usize,
    /// Resolved namespace.
    pub namespace: String,
    /// Resolved ingress host (if the service has an ingress).
    pub host: Option<Sp<String>>,
    /// Runtime with overrides.
    pub runtime: Runtime,
    /// Database with overrides.
    pub database: Option<Database>,
}

impl Org {
    /// The environment a service environment runs in.
    pub fn environment(&self, env: &ServiceEnvironment) -> &Environment {
        &self.environments[env.index]
    }

    /// The policy of a tier (always present: the defaults define all three).
    pub fn tier(&self, tier: Tier) -> &TierPolicy {
        &self.tiers[&tier]
    }
}
