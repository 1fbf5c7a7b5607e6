//! The input types: what a person may write in `platform.yaml` (kind `Service`) and in the
//! org file (kind `Platform`). The JSON Schemas under `schemas/` are generated from these
//! types, and the decoder reads into them, so the schema and the compiler cannot disagree.
//!
//! Every field is a [`Field`]: missing, invalid (already reported) or present with a span.

use std::collections::BTreeMap;

use platform_syntax::Field;
use platform_syntax::field::Decimal;
use schemars::JsonSchema;
use serde::Deserialize;

/// A `platform.yaml`: one service.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "platform.yaml (kind Service)")]
#[schemars(transform = require_kind_metadata_spec)]
pub struct ServiceFile {
    /// Schema version; `platform.dev/v1` (the default).
    #[serde(default)]
    #[schemars(extend("const" = "platform.dev/v1"))]
    pub api_version: Field<String>,
    /// Always `Service`.
    #[serde(default)]
    #[schemars(extend("const" = "Service"))]
    pub kind: Field<String>,
    /// Name, owner and tier.
    #[serde(default)]
    pub metadata: Field<ServiceMetadata>,
    /// What the service is and needs.
    #[serde(default)]
    pub spec: Field<ServiceSpec>,
    /// Per-environment overrides of `spec.runtime`, `spec.database` and `spec.ingress`,
    /// merged over the base spec: mappings merge key by key, scalars and lists replace.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, EnvironmentOverride>")]
    pub environments: Field<BTreeMap<String, Field<serde::de::IgnoredAny>>>,
}

/// What an environment block may override (documentation and schema only; the compiler
/// merges the YAML and decodes it as a [`ServiceSpec`]).
#[derive(JsonSchema, Debug, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnvironmentOverride {
    /// Runtime overrides (replicas, cpu, memory, env, autoscaling).
    pub runtime: Option<Runtime>,
    /// Database overrides (size, version, …).
    pub database: Option<Database>,
    /// Ingress overrides (host, paths).
    pub ingress: Option<Ingress>,
}

/// The schema's example of `metadata.previousNames`.
const PREVIOUS_NAMES_EXAMPLE: [&str; 1] = ["payments-api"];

/// Service metadata.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(transform = require_name_team)]
pub struct ServiceMetadata {
    /// DNS-1123 label, unique in the build, short enough for every derived name.
    #[serde(default)]
    #[schemars(length(max = 63), regex(pattern = r"^[a-z]([-a-z0-9]*[a-z0-9])?$"), example = &"payment-api")]
    pub name: Field<String>,
    /// Names the service had before, oldest first. Its AWS resources (database, secrets, KMS key, roles, security groups), default image repository and Terraform state keep the oldest name, so a rename replaces nothing that holds data; the org root moves the service's CI deploy module from each old name. Keep an entry until every environment has applied the rename.
    #[serde(default)]
    #[schemars(example = &PREVIOUS_NAMES_EXAMPLE, inner(length(max = 63), regex(pattern = r"^[a-z]([-a-z0-9]*[a-z0-9])?$")))]
    pub previous_names: Field<Vec<Field<String>>>,
    /// Owning team; a key of the org file's `teams` when it has any.
    #[serde(default)]
    #[schemars(length(max = 63), regex(pattern = r"^[a-z]([-a-z0-9]*[a-z0-9])?$"), example = &"payments")]
    pub team: Field<String>,
    /// `critical`, `standard` or `experimental`.
    #[serde(default)]
    pub tier: Field<Tier>,
    /// One line for the catalog.
    #[serde(default)]
    pub description: Field<String>,
    /// Catalog system (default: the team).
    #[serde(default)]
    #[schemars(length(max = 63), regex(pattern = r"^[a-z]([-a-z0-9]*[a-z0-9])?$"))]
    pub system: Field<String>,
    /// Free tags (lowercase letters, digits and `-`).
    #[serde(default)]
    pub tags: Field<Vec<Field<String>>>,
    /// Links shown in the catalog.
    #[serde(default)]
    pub links: Field<Vec<Field<Link>>>,
    /// Risks of this change that its reviewers accept, each with the reason (at least three words), e.g. `RISK006: "the canary starts in the 12 December window"`. `platform diff` shows them as accepted and `--deny` lets them pass, only in the change that adds the entry: an entry already at the base accepts nothing, so remove it once merged.
    #[serde(default)]
    #[schemars(extend("propertyNames" = { "pattern": "^RISK[0-9]{3}$" }))]
    pub accepted_risks: Field<BTreeMap<String, Field<String>>>,
}

/// A catalog link.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Link {
    /// Title.
    #[serde(default)]
    pub title: Field<String>,
    /// `https://` URL with a host name (no credentials).
    #[serde(default)]
    #[schemars(regex(
        pattern = r"^https://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[1-9][0-9]{0,4})?([/?#][^\s\x22'<>`{}]*)?$"
    ))]
    pub url: Field<String>,
}

/// Tier.
#[derive(Deserialize, JsonSchema, Debug, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// Customer-facing, pages on-call.
    Critical,
    /// Normal service.
    Standard,
    /// Prototype.
    Experimental,
}

/// Language.
#[derive(Deserialize, JsonSchema, Debug, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// TypeScript on Node.js.
    Typescript,
    /// Go.
    Go,
    /// Python.
    Python,
    /// Rust.
    Rust,
    /// Java.
    Java,
}

/// The service spec.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(transform = require_language)]
pub struct ServiceSpec {
    /// Language; picks the CI toolchain and metric conventions.
    #[serde(default)]
    pub language: Field<Language>,
    /// Framework (`fastify`, `gin`, …).
    #[serde(default)]
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9._-]{0,62}$"))]
    pub framework: Field<String>,
    /// Image repository without tag (default `<registry>/<name>`); CI sets the tag.
    #[serde(default)]
    #[schemars(regex(pattern = r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[1-9][0-9]{0,4})?(/[a-z0-9]+([._-][a-z0-9]+)*)+$"))]
    pub image: Field<String>,
    /// Container port (default 8080).
    #[serde(default)]
    #[schemars(range(min = 1), extend("default" = 8080))]
    pub port: Field<u16>,
    /// Health-check paths.
    #[serde(default)]
    pub health: Field<Health>,
    /// Replicas, resources, environment variables, autoscaling.
    #[serde(default)]
    pub runtime: Field<Runtime>,
    /// A database owned by the service.
    #[serde(default)]
    pub database: Field<Database>,
    /// Secrets the service reads: names only, never values.
    #[serde(default)]
    pub secrets: Field<Vec<Field<Secret>>>,
    /// HTTP ingress (TLS always).
    #[serde(default)]
    pub ingress: Field<Ingress>,
    /// Other services this one calls: `component:<name>`.
    #[serde(default)]
    #[schemars(inner(regex(pattern = r"^component:[a-z]([-a-z0-9]*[a-z0-9])?$")))]
    pub depends_on: Field<Vec<Field<String>>>,
    /// Destinations outside the cluster the pods may reach (the NetworkPolicy admits DNS, dependencies, the database and the AWS APIs already): an org destination by name (`to: stripe`), or a CIDR and its TCP ports.
    #[serde(default)]
    pub egress: Field<Vec<Field<Egress>>>,
    /// Alerts, dashboard and objectives.
    #[serde(default)]
    pub monitoring: Field<Monitoring>,
    /// Log format and shipping.
    #[serde(default)]
    pub logging: Field<Logging>,
    /// Strategy, canary, rollback.
    #[serde(default)]
    pub deployment: Field<Deployment>,
}

/// Health-check paths.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Health {
    /// Liveness probe path (default `/healthz`).
    #[serde(default)]
    pub liveness: Field<String>,
    /// Readiness probe path (default `/readyz`).
    #[serde(default)]
    pub readiness: Field<String>,
    /// Startup probe path (default: the liveness path).
    #[serde(default)]
    pub startup: Field<String>,
}

/// Runtime.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(transform = env_without_secrets)]
pub struct Runtime {
    /// Replicas (1–100); the tier sets the minimum.
    #[serde(default)]
    #[schemars(range(min = 1, max = 100))]
    pub replicas: Field<u32>,
    /// CPU request as a quoted quantity: `"500m"` or `"2"`.
    #[serde(default)]
    #[schemars(regex(pattern = r"^([1-9][0-9]*m|([0-9]+(\.[0-9]{1,3})?|\.[0-9]{1,3}))$"), extend("default" = "250m"), example = &"500m")]
    pub cpu: Field<String>,
    /// Memory request and limit: `"512Mi"`.
    #[serde(default)]
    #[schemars(regex(pattern = r"^[1-9][0-9]*(Ki|Mi|Gi|Ti|k|M|G|T)$"), extend("default" = "256Mi"), example = &"512Mi")]
    pub memory: Field<String>,
    /// CPU limit (none by default).
    #[serde(default)]
    #[schemars(regex(pattern = r"^([1-9][0-9]*m|([0-9]+(\.[0-9]{1,3})?|\.[0-9]{1,3}))$"), example = &"1")]
    pub cpu_limit: Field<String>,
    /// Plain environment variables (never secrets: declare those under `secrets`).
    #[serde(default)]
    pub env: Field<BTreeMap<String, Field<String>>>,
    /// Variables of `env` that read as secrets but are not, each with the reason (at least three words), e.g. `PASSWORD_POLICY: "the policy's name, not a password"`: the compiler then takes the value as it is.
    #[serde(default)]
    pub env_not_secret: Field<BTreeMap<String, Field<String>>>,
    /// Horizontal autoscaling.
    #[serde(default)]
    pub autoscaling: Field<Autoscaling>,
}

/// Autoscaling.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Autoscaling {
    /// Minimum replicas (default: `runtime.replicas`).
    #[serde(default)]
    #[schemars(range(min = 1, max = 100))]
    pub min: Field<u32>,
    /// Maximum replicas.
    #[serde(default)]
    #[schemars(range(min = 1, max = 500))]
    pub max: Field<u32>,
    /// Target CPU utilisation percent (default 70).
    #[serde(default, rename = "targetCPU")]
    #[schemars(range(min = 10, max = 100), extend("default" = 70))]
    pub target_cpu: Field<u32>,
}

/// Database engine.
#[derive(Deserialize, JsonSchema, Debug, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// PostgreSQL (RDS).
    Postgres,
    /// Redis (ElastiCache).
    Redis,
}

/// A database.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Database {
    /// `postgres` or `redis`.
    #[serde(default, rename = "type")]
    pub engine: Field<Engine>,
    /// Size class from the org file: `small`, `medium`, `large`.
    #[serde(default)]
    pub size: Field<String>,
    /// Engine version (default and allowed list from the org file).
    #[serde(default)]
    pub version: Field<String>,
    /// Backup retention in days (default from the tier).
    #[serde(default)]
    #[schemars(range(max = 35))]
    pub backup_retention_days: Field<u32>,
    /// Deletion protection (default from the tier).
    #[serde(default)]
    pub deletion_protection: Field<bool>,
}

/// One egress destination of a service: `to` (a destination of the org file), or `cidr` with `ports`.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(transform = egress_shape)]
pub struct Egress {
    /// A destination the org file names (`spec.egress.destinations`).
    #[serde(default)]
    #[schemars(example = &"stripe")]
    pub to: Field<String>,
    /// An IPv4 CIDR (`203.0.113.0/24`); the NetworkPolicy matches addresses, not host names.
    #[serde(default)]
    #[schemars(regex(pattern = r"^((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])/([0-9]|[12][0-9]|3[0-2])$"), example = &"203.0.113.0/24")]
    pub cidr: Field<String>,
    /// TCP ports of the CIDR.
    #[serde(default)]
    #[schemars(inner(range(min = 1, max = 65535)))]
    pub ports: Field<Vec<Field<u16>>>,
}

/// A secret: a name, never a value.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(transform = require_name)]
pub struct Secret {
    /// Name (DNS-1123 label); exposed to the pod as an upper-case env variable.
    #[serde(default)]
    #[schemars(length(max = 63), regex(pattern = r"^[a-z]([-a-z0-9]*[a-z0-9])?$"), example = &"stripe-key")]
    #[schemars(extend("not" = {"const": "database"}))]
    pub name: Field<String>,
    /// Rotation period in days.
    #[serde(default)]
    #[schemars(range(min = 1, max = 365))]
    pub rotation_days: Field<u32>,
    /// Never allowed: secret values do not belong in a file. Present only so a literal value
    /// is reported as such.
    #[serde(default)]
    #[schemars(skip)]
    pub value: Field<serde::de::IgnoredAny>,
}

/// Exposure.
#[derive(Deserialize, JsonSchema, Debug, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum Exposure {
    /// Internet-facing.
    Public,
    /// Org network only.
    Internal,
}

/// Ingress.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Ingress {
    /// `false` for a service that takes no HTTP traffic from outside its namespace (a
    /// worker): no Ingress, no certificate, no DNS record. Default `true`.
    #[serde(default)]
    pub enabled: Field<bool>,
    /// Host (default `<name>.<environment domain>`).
    #[serde(default)]
    pub host: Field<String>,
    /// `public` or `internal` (default `internal`).
    #[serde(default)]
    pub exposure: Field<Exposure>,
    /// Path prefixes (default `/`).
    #[serde(default)]
    pub paths: Field<Vec<Field<String>>>,
}

/// Monitoring.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Monitoring {
    /// Emit SLO alert rules (default true).
    #[serde(default)]
    pub alerts: Field<bool>,
    /// Emit a Grafana dashboard (default true).
    #[serde(default)]
    pub dashboard: Field<bool>,
    /// Availability objective in percent, strictly between 0 and 100: `99.9`.
    #[serde(default)]
    #[schemars(extend("exclusiveMinimum" = 0, "exclusiveMaximum" = 100), example = 99.9)]
    pub slo: Field<Decimal>,
    /// Latency objective.
    #[serde(default)]
    pub latency: Field<Latency>,
    /// Override the SLI metrics of the language's conventions.
    #[serde(default)]
    pub metrics: Field<Metrics>,
}

/// Latency objective: `objective` percent of requests faster than `thresholdMs`.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(transform = require_threshold)]
pub struct Latency {
    /// Threshold in milliseconds.
    #[serde(default)]
    #[schemars(range(min = 1, max = 60000))]
    pub threshold_ms: Field<u32>,
    /// Percent of requests that must be faster (default 99).
    #[serde(default)]
    #[schemars(extend("exclusiveMinimum" = 0, "exclusiveMaximum" = 100, "default" = 99))]
    pub objective: Field<Decimal>,
}

/// SLI metric names.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Metrics {
    /// Request counter, e.g. `http_requests_total`.
    #[serde(default)]
    pub requests_total: Field<String>,
    /// Label matcher of error requests, e.g. `code=~"5.."`.
    #[serde(default)]
    pub error_selector: Field<String>,
    /// Duration histogram base name (seconds).
    #[serde(default)]
    pub duration_histogram: Field<String>,
}

/// Log format.
#[derive(Deserialize, JsonSchema, Debug, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Structured JSON (default).
    Json,
    /// Plain text.
    Text,
}

/// Logging.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Logging {
    /// `json` (default) or `text`.
    #[serde(default)]
    pub format: Field<LogFormat>,
    /// Ship logs to the org's aggregator (default true).
    #[serde(default)]
    pub ship: Field<bool>,
}

/// Strategy.
#[derive(Deserialize, JsonSchema, Debug, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// Rolling update.
    Rolling,
    /// Stop all, then start all.
    Recreate,
}

/// Egress beyond the cluster. A vanilla NetworkPolicy matches addresses and ports, never host names: every destination is CIDRs and TCP ports.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EgressPolicy {
    /// CIDRs of the AWS APIs every pod's IAM role calls (STS for IRSA first), on port 443: `0.0.0.0/0` for the public endpoints, the VPC's CIDR when the org reaches them through interface endpoints.
    #[serde(default)]
    pub aws_apis: Field<Vec<Field<String>>>,
    /// Named destinations services may ask for with `egress: [{to: <name>}]`: the org's allow list.
    #[serde(default)]
    pub destinations: Field<BTreeMap<String, Field<EgressDestination>>>,
    /// Whether a service may declare a CIDR of its own (`egress: [{cidr, ports}]`); `false`: only the org's destinations.
    #[serde(default)]
    pub custom: Field<bool>,
}

/// A named egress destination of the org.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EgressDestination {
    /// IPv4 CIDRs.
    #[serde(default)]
    pub cidrs: Field<Vec<Field<String>>>,
    /// TCP ports.
    #[serde(default)]
    #[schemars(inner(range(min = 1, max = 65535)))]
    pub ports: Field<Vec<Field<u16>>>,
}

/// How pods pick up a changed secret.
#[derive(Deserialize, JsonSchema, Debug, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum SecretReload {
    /// Stakater Reloader restarts the pods when a Secret they read changes.
    Reloader,
    /// Nothing in the chart: the org restarts pods another way.
    #[serde(rename = "none")]
    Nothing,
}

/// Rollback mode.
#[derive(Deserialize, JsonSchema, Debug, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum Rollback {
    /// Roll back without a person.
    Automatic,
    /// Wait for a person.
    Manual,
}

/// Deployment.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Deployment {
    /// `rolling` (default) or `recreate`.
    #[serde(default)]
    pub strategy: Field<Strategy>,
    /// Progressive delivery with Argo Rollouts in production-like environments.
    #[serde(default)]
    pub canary: Field<bool>,
    /// Canary steps (default from the org file).
    #[serde(default)]
    pub steps: Field<Vec<Field<CanaryStep>>>,
    /// `automatic` (default) or `manual`.
    #[serde(default)]
    pub rollback: Field<Rollback>,
}

/// A canary step.
#[derive(Deserialize, JsonSchema, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub enum CanaryStep {
    /// Percent of traffic to the canary.
    SetWeight(#[schemars(range(min = 1, max = 99))] u32),
    /// Wait, e.g. `5m`.
    Pause(#[schemars(regex(pattern = r"^[1-9][0-9]*(s|m|h|d|w)$"))] String),
    /// Run the SLI analysis.
    Analysis,
}

// ------------------------------------------------------------------------------------
// The org file
// ------------------------------------------------------------------------------------

/// The org file (kind `Platform`): the golden path. Merged over the built-in defaults:
/// mappings merge key by key, scalars and lists replace.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "platform-org.yaml (kind Platform)")]
#[schemars(transform = require_kind)]
pub struct OrgFile {
    /// `platform.dev/v1`.
    #[serde(default)]
    #[schemars(extend("const" = "platform.dev/v1"))]
    pub api_version: Field<String>,
    /// Always `Platform`.
    #[serde(default)]
    #[schemars(extend("const" = "Platform"))]
    pub kind: Field<String>,
    /// The org's name.
    #[serde(default)]
    pub metadata: Field<OrgMetadata>,
    /// The golden path.
    #[serde(default)]
    pub spec: Field<OrgSpec>,
}

/// Org metadata.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrgMetadata {
    /// Org name.
    #[serde(default)]
    #[schemars(regex(pattern = r"^[a-z]([-a-z0-9]*[a-z0-9])?$"))]
    pub name: Field<String>,
    /// Risks of this change that its reviewers accept for what no service file holds (an environment moved or removed, a service removed), each with the reason (at least three words). Like a service's `metadata.acceptedRisks`: only in the change that adds the entry.
    #[serde(default)]
    #[schemars(extend("propertyNames" = { "pattern": "^RISK[0-9]{3}$" }))]
    pub accepted_risks: Field<BTreeMap<String, Field<String>>>,
}

/// The golden path.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrgSpec {
    /// Container registry prefix. A private Amazon ECR registry (`<account>.dkr.ecr.<region>.amazonaws.com[/prefix]`) gets a repository per service (scan on push, immutable tags, lifecycle policy, pull by the other environments' accounts) and an image push role for builds on `main`, created by the first environment in the registry's account and region.
    #[serde(default)]
    #[schemars(regex(pattern = r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[1-9][0-9]{0,4})?(/[a-z0-9]+([._-][a-z0-9]+)*)*$"))]
    pub registry: Field<String>,
    /// The `kubernetes.io/dockerconfigjson` Secret every pod pulls its image with (the org puts it in every service namespace); empty: the nodes pull on their own (ECR through the node role, or a public registry). With an ECR registry the built-in default is empty.
    #[serde(default)]
    #[schemars(example = &"registry-pull")]
    pub registry_pull_secret: Field<String>,
    /// Base domain.
    #[serde(default)]
    #[schemars(regex(pattern = r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z0-9]([-a-z0-9]*[a-z0-9])?$"))]
    pub domain: Field<String>,
    /// Environments in promotion order.
    #[serde(default)]
    pub environments: Field<Vec<Field<OrgEnvironment>>>,
    /// Tier policies.
    #[serde(default)]
    pub tiers: Field<BTreeMap<String, Field<TierPolicy>>>,
    /// Teams and their alert routing.
    #[serde(default)]
    pub teams: Field<BTreeMap<String, Field<Team>>>,
    /// CI toolchains and metric conventions per language.
    #[serde(default)]
    pub languages: Field<BTreeMap<String, Field<Toolchain>>>,
    /// Database sizes and versions per engine.
    #[serde(default)]
    pub databases: Field<BTreeMap<String, Field<EngineCatalog>>>,
    /// Canary defaults.
    #[serde(default)]
    pub canary: Field<CanaryPolicy>,
    /// Monitoring conventions.
    #[serde(default)]
    pub monitoring: Field<MonitoringPolicy>,
    /// Ingress conventions.
    #[serde(default)]
    pub ingress: Field<IngressPolicy>,
    /// Logging conventions.
    #[serde(default)]
    pub logging: Field<LoggingPolicy>,
    /// Name of the External Secrets `ClusterSecretStore` (backed by AWS Secrets Manager) that
    /// the charts' ExternalSecrets read secrets and database credentials from.
    #[serde(default)]
    pub secret_store: Field<String>,
    /// How running pods pick up a changed secret (a rotated value, a new database password): `reloader` (the default) annotates every workload that reads a secret for Stakater Reloader, which restarts its pods when the synced Secret changes; `none`: the org restarts them another way.
    #[serde(default)]
    pub secret_reload: Field<SecretReload>,
    /// Egress beyond the cluster: where the AWS APIs are, and the destinations services may name.
    #[serde(default)]
    pub egress: Field<EgressPolicy>,
    /// Terraform conventions and provider pins.
    #[serde(default)]
    pub terraform: Field<TerraformPolicy>,
    /// CI conventions: where the generated files live in the repository, and the versions of
    /// the tools the generated pipelines install.
    #[serde(default)]
    pub ci: Field<CiPolicy>,
    /// Pinned GitHub Actions by short name.
    #[serde(default)]
    pub actions: Field<BTreeMap<String, Field<ActionPin>>>,
    /// Backstage conventions.
    #[serde(default)]
    pub catalog: Field<CatalogPolicy>,
    /// Scaffolding conventions (`platform new`).
    #[serde(default)]
    pub scaffold: Field<ScaffoldPolicy>,
    /// The golden path as versioned org packages: their version, and where they are published.
    #[serde(default)]
    pub packages: Field<Packages>,
}

/// The org's shared packages (`platform build --org-packages DIR` writes them).
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Packages {
    /// `packaged` (the default): the shared pieces are org packages (the Helm library chart `platform-service`, the org's one dashboard, the CI deploy module and the Terraform modules in the org root), and each service's output references them at `version`. `vendored`: every build carries the whole golden path in its own output (chart templates in each chart, a CI deploy module and a dashboard per service), with no shared dependency.
    #[serde(default)]
    pub mode: Field<Packaging>,
    /// Version of the org's packages (`MAJOR.MINOR.PATCH`): the packages' own metadata, and the comment after every pinned reference to them, where Dependabot and Renovate read it.
    #[serde(default)]
    #[schemars(regex(pattern = r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$"), example = &"1.4.0")]
    pub version: Field<String>,
    /// The repository the reusable workflows are published from. Absent: they live in this repository, and callers use `./.github/workflows/…`.
    #[serde(default)]
    pub workflows: Field<WorkflowsRepository>,
    /// Packaged, the OCI repository the library chart `platform-service` is published to (`helm push`), on the GitHub Container Registry: the deploy and the security scan log in with the job's own token (`packages: read`). Absent: the library is in this repository (`_org/helm/`), found by path.
    #[serde(default)]
    #[schemars(regex(pattern = r"^oci://ghcr\.io(/[a-z0-9]+([._-][a-z0-9]+)*)+$"), example = &"oci://ghcr.io/acme/charts")]
    pub charts: Field<String>,
}

/// Where the golden path's shared pieces live.
#[derive(Deserialize, JsonSchema, Debug, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum Packaging {
    /// Every service's output holds its own copy.
    Vendored,
    /// Services reference the org packages.
    Packaged,
}

/// A repository of the org's reusable workflows, pinned by commit.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkflowsRepository {
    /// `owner/name` on GitHub.
    #[serde(default)]
    #[schemars(regex(pattern = r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$"), example = &"acme/platform-workflows")]
    pub repository: Field<String>,
    /// The full commit SHA (40 lowercase hex digits) of that repository at the tag `v<version>`; callers pin it.
    #[serde(default)]
    #[schemars(regex(pattern = r"^[0-9a-f]{40}$"))]
    pub sha: Field<String>,
}

/// An environment.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrgEnvironment {
    /// Name (`staging`, `production`).
    #[serde(default)]
    pub name: Field<String>,
    /// EKS cluster name.
    #[serde(default)]
    pub cluster: Field<String>,
    /// AWS account id (12 digits, quoted).
    #[serde(default)]
    pub aws_account: Field<String>,
    /// AWS region.
    #[serde(default)]
    pub aws_region: Field<String>,
    /// Environment domain.
    #[serde(default)]
    #[schemars(regex(pattern = r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z0-9]([-a-z0-9]*[a-z0-9])?$"))]
    pub domain: Field<String>,
    /// Namespace scheme: `{team}`, `{service}`, `{env}` placeholders.
    #[serde(default)]
    pub namespace: Field<String>,
    /// Production-like (approval, canary, paging).
    #[serde(default)]
    pub production: Field<bool>,
    /// Whether page-severity alerts of this environment page (default: `production`); where
    /// they do not, they are tickets.
    #[serde(default)]
    pub paging: Field<bool>,
    /// The cluster's IAM OIDC provider (without `https://`).
    #[serde(default)]
    #[schemars(regex(pattern = r"^[a-z0-9.-]+(/[A-Za-z0-9._-]+)*$"))]
    pub oidc_provider: Field<String>,
    /// The `Name` tag of an EC2 instance in the cluster's VPC, running the SSM agent, through which people reach the environment's databases (`platform db connect`: an SSM port forward). Every database of the environment admits the instance's security groups on its port. Absent: databases admit only their service's pods.
    #[serde(default)]
    #[schemars(regex(pattern = r"^[A-Za-z0-9][A-Za-z0-9 ._:/=+@-]{0,127}$"))]
    pub database_bastion: Field<String>,
}

/// A tier policy.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TierPolicy {
    /// Lowest replica count.
    #[serde(default)]
    pub min_replicas: Field<u32>,
    /// Alerts must be on.
    #[serde(default)]
    pub require_alerts: Field<bool>,
    /// Page (not only ticket) alerts.
    #[serde(default)]
    pub paging: Field<bool>,
    /// PodDisruptionBudget.
    #[serde(default)]
    pub pdb: Field<bool>,
    /// Spread pods across zones.
    #[serde(default)]
    pub topology_spread: Field<bool>,
    /// Database backup days.
    #[serde(default)]
    pub backup_days: Field<u32>,
    /// Database deletion protection.
    #[serde(default)]
    pub deletion_protection: Field<bool>,
    /// Multi-AZ database.
    #[serde(default)]
    pub multi_az: Field<bool>,
    /// `error` or `warning`.
    #[serde(default)]
    pub enforcement: Field<Enforcement>,
    /// Backstage lifecycle.
    #[serde(default)]
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9._-]{0,62}$"))]
    pub lifecycle: Field<String>,
}

/// Enforcement.
#[derive(Deserialize, JsonSchema, Debug, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum Enforcement {
    /// Fail the build.
    Error,
    /// Warn.
    Warning,
}

/// A team.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Team {
    /// PagerDuty service id.
    #[serde(default)]
    #[schemars(regex(pattern = r"^[A-Za-z0-9_-]{1,64}$"))]
    pub pagerduty: Field<String>,
    /// Slack channel.
    #[serde(default)]
    #[schemars(regex(pattern = r"^#?[a-z0-9._-]{1,80}$"))]
    pub slack: Field<String>,
}

/// A language toolchain.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Toolchain {
    /// Toolchain version.
    #[serde(default)]
    pub version: Field<String>,
    /// Default framework.
    #[serde(default)]
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9._-]{0,62}$"))]
    pub framework: Field<String>,
    /// Metric conventions.
    #[serde(default)]
    pub metrics: Field<Metrics>,
}

/// Sizes and versions of an engine.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EngineCatalog {
    /// Default version.
    #[serde(default)]
    pub default_version: Field<String>,
    /// Allowed versions.
    #[serde(default)]
    pub allowed_versions: Field<Vec<Field<String>>>,
    /// Size classes.
    #[serde(default)]
    pub sizes: Field<BTreeMap<String, Field<SizeClass>>>,
}

/// A size class.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SizeClass {
    /// Instance class or node type.
    #[serde(default)]
    pub instance_class: Field<String>,
    /// Storage in GiB.
    #[serde(default, rename = "storageGiB")]
    pub storage_gib: Field<u32>,
}

/// Canary defaults.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CanaryPolicy {
    /// Default steps.
    #[serde(default)]
    pub steps: Field<Vec<Field<CanaryStep>>>,
    /// Analysis interval.
    #[serde(default)]
    pub analysis_interval: Field<String>,
    /// Failed measurements tolerated (0 to 10).
    #[serde(default)]
    #[schemars(range(max = 10))]
    pub failure_limit: Field<u32>,
    /// Requests the canary's own pods must serve in the analysis window (5 minutes) for a measurement to count. Fewer: the measurement is inconclusive, never a pass or a failure, and the Rollout pauses for a person (Argo Rollouts' inconclusive analysis).
    #[serde(default)]
    #[schemars(range(min = 1), extend("default" = 50))]
    pub min_requests: Field<u32>,
}

/// Monitoring conventions.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MonitoringPolicy {
    /// SLO period in days: 30 or 28.
    #[serde(default)]
    #[schemars(extend("enum" = [28, 30]))]
    pub slo_period_days: Field<u32>,
    /// Burn-rate alert windows.
    #[serde(default)]
    pub windows: Field<Vec<Field<BurnWindow>>>,
    /// Labels the org's Prometheus selects ServiceMonitors and rules by.
    #[serde(default)]
    pub rule_selector_labels: Field<BTreeMap<String, Field<String>>>,
    /// Prometheus HTTP address that canary analyses query, e.g.
    /// `http://prometheus-operated.monitoring.svc:9090`.
    #[serde(default)]
    pub prometheus_url: Field<String>,
    /// Namespace of the Prometheus that scrapes services: their NetworkPolicies admit it.
    #[serde(default)]
    pub prometheus_namespace: Field<String>,
    /// Runbook base URL.
    #[serde(default)]
    pub runbook_base_url: Field<String>,
    /// Grafana base URL.
    #[serde(default)]
    pub grafana_url: Field<String>,
    /// Prometheus datasource uid.
    #[serde(default)]
    #[schemars(regex(pattern = r"^[A-Za-z0-9._-]{1,40}$"))]
    pub prometheus_datasource: Field<String>,
    /// Logs datasource uid.
    #[serde(default)]
    #[schemars(regex(pattern = r"^[A-Za-z0-9._-]{1,40}$"))]
    pub logs_datasource: Field<String>,
    /// Deliver dashboards as grafana-operator resources.
    #[serde(default)]
    pub grafana_operator: Field<bool>,
    /// Namespace the dashboard ConfigMap (or `GrafanaDashboard`) is created in: the one
    /// Grafana's dashboard sidecar (or the Grafana Operator) watches.
    #[serde(default)]
    pub grafana_namespace: Field<String>,
    /// Labels of the Grafana instances a `GrafanaDashboard` selects (with `grafanaOperator`).
    #[serde(default)]
    pub grafana_instance_selector: Field<BTreeMap<String, Field<String>>>,
    /// Write each service's SLO rules also as plain rule files (`<service>/prometheus/`), for
    /// a Prometheus that loads `rule_files:` instead of the chart's `PrometheusRule`. Default:
    /// on for vendored orgs, off for packaged ones.
    #[serde(default)]
    pub rule_files: Field<bool>,
}

/// A burn-rate window pair.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BurnWindow {
    /// `page` or `ticket`.
    #[serde(default)]
    pub severity: Field<String>,
    /// Long window, e.g. `1h`.
    #[serde(default)]
    pub long: Field<String>,
    /// Short window, e.g. `5m`.
    #[serde(default)]
    pub short: Field<String>,
    /// Percent of the period's error budget burnt within the long window (e.g. 2).
    #[serde(default)]
    pub budget_percent: Field<Decimal>,
    /// `for:` of the alert, e.g. `2m`.
    #[serde(default, rename = "for")]
    pub for_: Field<String>,
}

/// Ingress conventions.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IngressPolicy {
    /// Give every service an ingress with TLS (internal unless it says `exposure: public`)
    /// without writing `ingress:`; a service opts out with `ingress: {enabled: false}`.
    #[serde(default)]
    pub by_default: Field<bool>,
    /// IngressClass of public services (`exposure: public`): the internet-facing load balancer.
    #[serde(default)]
    pub class: Field<String>,
    /// IngressClass of internal services (the default exposure): a controller behind an internal load balancer.
    #[serde(default)]
    pub internal_class: Field<String>,
    /// Where TLS certificates come from: `cert-manager` (the ClusterIssuer below issues a Secret per host; no ACM certificate is made) or `acm` (each service's Terraform requests an ACM certificate for its host, which the load balancer presents; the Ingress names no Secret).
    #[serde(default)]
    pub tls: Field<TlsSource>,
    /// cert-manager ClusterIssuer (with `tls: cert-manager`).
    #[serde(default)]
    pub cluster_issuer: Field<String>,
    /// Use Gateway API HTTPRoutes.
    #[serde(default)]
    pub gateway_api: Field<bool>,
    /// Namespace of the public ingress controller (the NetworkPolicy admits traffic from it).
    #[serde(default)]
    pub controller_namespace: Field<String>,
    /// Namespace of the internal ingress controller (the one of `internalClass`).
    #[serde(default)]
    pub internal_controller_namespace: Field<String>,
    /// CIDRs the load balancers reach pods from directly (AWS Load Balancer Controller in IP mode: the VPC's subnets); the NetworkPolicy admits them on the service's port. Empty when traffic comes through an in-cluster controller.
    #[serde(default)]
    pub load_balancer_cidrs: Field<Vec<Field<String>>>,
    /// Parent gateway `namespace/name` of public services.
    #[serde(default)]
    pub gateway: Field<String>,
    /// Parent gateway `namespace/name` of internal services.
    #[serde(default)]
    pub internal_gateway: Field<String>,
}

/// Where TLS certificates come from.
#[derive(Deserialize, JsonSchema, Debug, Clone, Copy)]
pub enum TlsSource {
    /// cert-manager issues a Secret per host.
    #[serde(rename = "cert-manager")]
    CertManager,
    /// An ACM certificate per host, presented by the load balancer.
    #[serde(rename = "acm")]
    Acm,
}

/// Logging conventions.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LoggingPolicy {
    /// Aggregator name.
    #[serde(default)]
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9._-]{0,62}$"))]
    pub aggregator: Field<String>,
}

/// Terraform conventions.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TerraformPolicy {
    /// `required_version`.
    #[serde(default)]
    pub required_version: Field<String>,
    /// AWS provider constraint.
    #[serde(default)]
    pub aws_provider: Field<String>,
    /// Random provider constraint.
    #[serde(default)]
    pub random_provider: Field<String>,
    /// Kubernetes provider constraint (the org root's namespaces and deploy roles' RBAC, with `clusterAccess`).
    #[serde(default)]
    #[schemars(example = &"~> 3.2")]
    pub kubernetes_provider: Field<String>,
    /// The org root creates each service's namespace and gives each CI deploy role an EKS access entry bound to a Role in that namespace, which may manage exactly the chart's kinds. `false`: the cluster's owners grant that access themselves.
    #[serde(default)]
    pub cluster_access: Field<bool>,
    /// State bucket pattern (`{env}`, `{account}`).
    #[serde(default)]
    pub state_bucket: Field<String>,
    /// DynamoDB table that locks the Terraform state. Empty (the default): the state bucket locks it itself with a `.tflock` object (`use_lockfile`, Terraform 1.11 and later, where DynamoDB locking is deprecated).
    #[serde(default)]
    pub lock_table: Field<String>,
    /// Manage DNS and certificates.
    #[serde(default)]
    pub manage_dns: Field<bool>,
    /// Platform module source.
    #[serde(default)]
    pub module_source: Field<String>,
    /// Name of the org's Secrets Manager rotation Lambda function, deployed in every environment's account and region; rotates secrets that set `rotationDays`.
    #[serde(default)]
    pub rotation_lambda: Field<String>,
    /// IAM role (name) the External Secrets `ClusterSecretStore` reads Secrets Manager with, the same name in every environment's account. The org root grants it read and decrypt on each service's secrets; empty: the org grants that itself.
    #[serde(default)]
    #[schemars(regex(pattern = r"^[A-Za-z0-9+=,.@_-]{0,64}$"), example = &"external-secrets")]
    pub secret_store_role: Field<String>,
    /// Host name that service DNS records point to (CNAME), with `{exposure}` (`public` or `internal`) and `{domain}` (the environment's domain) placeholders.
    #[serde(default)]
    pub dns_target: Field<String>,
}

/// CI conventions of the generated GitHub Actions pipelines.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CiPolicy {
    /// Directory `platform build` writes to, relative to the repository root where it runs
    /// (`generated`); the deploy jobs find each service's chart and Terraform there.
    #[serde(default)]
    pub generated_dir: Field<String>,
    /// Helm CLI version the deploy and rollback jobs install (`v4.2.3`).
    #[serde(default)]
    pub helm_version: Field<String>,
    /// Terraform CLI version the deploy jobs install (`1.14.6`).
    #[serde(default)]
    pub terraform_version: Field<String>,
    /// `https://` git URL of the platform CLI that the pull-request check installs.
    #[serde(default)]
    pub platform_repository: Field<String>,
    /// Tag of the platform CLI that the pull-request check installs (`v0.1.0`).
    #[serde(default)]
    pub platform_version: Field<String>,
    /// A released platform CLI for the pull-request check: downloaded and checked against
    /// its SHA-256 instead of compiled with `cargo install` on every pull request.
    #[serde(default)]
    pub platform_binary: Field<PlatformBinary>,
}

/// A released binary of the platform CLI.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlatformBinary {
    /// `https://` URL of the binary, or of a `.tar.gz` holding one named `platform`.
    #[serde(default)]
    #[schemars(regex(pattern = r"^https://"))]
    pub url: Field<String>,
    /// Its SHA-256, 64 lowercase hex digits.
    #[serde(default)]
    #[schemars(regex(pattern = r"^[0-9a-f]{64}$"))]
    pub sha256: Field<String>,
}

/// A pinned action.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ActionPin {
    /// `owner/repo`.
    #[serde(default)]
    pub uses: Field<String>,
    /// Full commit SHA (40 hex).
    #[serde(default)]
    pub sha: Field<String>,
    /// Tag, for the comment.
    #[serde(default)]
    pub version: Field<String>,
}

/// Backstage conventions.
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CatalogPolicy {
    /// Source base URL.
    #[serde(default)]
    pub source_base_url: Field<String>,
    /// GitHub `owner/repo`.
    #[serde(default)]
    #[schemars(regex(pattern = r"^[A-Za-z0-9][-A-Za-z0-9]*/[A-Za-z0-9._-]+$"))]
    pub github_repo: Field<String>,
}

/// Scaffolding conventions (`platform new`).
#[derive(Deserialize, JsonSchema, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScaffoldPolicy {
    /// Directory of template overrides, relative to the org file: a file there replaces the
    /// built-in template at the same path (`service/platform.yaml`, `typescript/Dockerfile`,
    /// …) or adds a new one. Same variables as the built-in templates.
    #[serde(default)]
    pub templates: Field<String>,
}

// What a file must state, for the JSON Schemas: every field is a `Field` with a serde
// default (so the decoder reports a missing one itself, at its parent's span), which makes
// schemars list none as required. These put back the fields the compiler requires.

fn require(schema: &mut schemars::Schema, keys: &[&str]) {
    let list: Vec<serde_json::Value> = keys.iter().map(|k| serde_json::Value::from(*k)).collect();
    schema.insert("required".into(), serde_json::Value::Array(list));
}

fn require_kind_metadata_spec(s: &mut schemars::Schema) {
    require(s, &["kind", "metadata", "spec"]);
}

fn require_name_team(s: &mut schemars::Schema) {
    require(s, &["name", "team"]);
}

/// The language, and an SLO whenever something reads one: alerts (on unless `alerts:
/// false`) and a canary's analysis.
fn require_language(s: &mut schemars::Schema) {
    require(s, &["language"]);
    let needs_slo = serde_json::json!({
        "required": ["monitoring"],
        "properties": { "monitoring": { "required": ["slo"] } }
    });
    let alerts_off = serde_json::json!({
        "required": ["monitoring"],
        "properties": { "monitoring": { "required": ["alerts"], "properties": { "alerts": { "const": false } } } }
    });
    let canary_on = serde_json::json!({
        "required": ["deployment"],
        "properties": { "deployment": { "required": ["canary"], "properties": { "canary": { "const": true } } } }
    });
    s.insert(
        "allOf".into(),
        serde_json::json!([
            { "if": { "not": alerts_off }, "then": needs_slo },
            { "if": canary_on, "then": needs_slo }
        ]),
    );
}

/// An egress entry is `to` alone, or `cidr` with `ports`.
fn egress_shape(s: &mut schemars::Schema) {
    s.insert(
        "oneOf".into(),
        serde_json::json!([
            { "required": ["to"], "not": { "anyOf": [{ "required": ["cidr"] }, { "required": ["ports"] }] } },
            { "required": ["cidr", "ports"], "not": { "required": ["to"] } },
        ]),
    );
}

fn require_name(s: &mut schemars::Schema) {
    require(s, &["name"]);
}

fn require_threshold(s: &mut schemars::Schema) {
    require(s, &["thresholdMs"]);
}

fn require_kind(s: &mut schemars::Schema) {
    require(s, &["kind"]);
}

/// `runtime.env` refuses a value shaped like a well-known secret or a URL with credentials,
/// from the compiler's own prefix list (LOW009). Secrets by name the schema leaves to the
/// compiler: a reasoned waiver (`envNotSecret`) lifts them, which a schema cannot see.
fn env_without_secrets(s: &mut schemars::Schema) {
    use crate::lower::literal_secrets::SECRET_PREFIXES;
    let escape = |t: &str| {
        t.chars()
            .map(|c| if ".^$*+?()[]{}|\\".contains(c) { format!("\\{c}") } else { c.to_string() })
            .collect::<String>()
    };
    let shapes = SECRET_PREFIXES.iter().map(|p| escape(p)).collect::<Vec<_>>().join("|");
    let value = serde_json::json!({
        "type": "string",
        "not": { "pattern": format!("^({shapes})|://[^/@]*:[^/@]*@") }
    });
    let Some(env) = s.get_mut("properties").and_then(|p| p.get_mut("env")).and_then(|e| e.as_object_mut()) else {
        return;
    };
    env.insert("additionalProperties".into(), value);
}
