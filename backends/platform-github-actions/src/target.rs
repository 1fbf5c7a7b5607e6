//! What a deploy, promote or rollback job needs to know about one service in one
//! environment, resolved from the IR once and checked by the [`Guard`].

use platform_ir::{Environment, Org, Rollback, Service, ServiceEnvironment, Sp, deploy, naming};

use crate::guard::{Guard, Kind};

/// The CI conventions of the org, checked.
pub struct Ci {
    /// Directory `platform build` writes to, relative to the repository root.
    pub generated_dir: String,
    /// Helm CLI version.
    pub helm_version: String,
    /// `helm --wait=` value for that version ([`helm_wait`]).
    pub helm_wait: &'static str,
    /// Terraform CLI version.
    pub terraform_version: String,
    /// Git URL of the platform CLI.
    pub platform_repository: String,
    /// Tag of the platform CLI.
    pub platform_version: String,
    /// A released binary of the CLI and its SHA-256, when the org names one.
    pub platform_binary: Option<(String, String)>,
}

impl Ci {
    /// The org's CI settings.
    pub fn new(g: &mut Guard, org: &Org) -> Self {
        let helm_version = g.text(&org.ci.helm_version, Kind::Version);
        Ci {
            generated_dir: g.text(&org.ci.generated_dir, Kind::Path),
            helm_wait: helm_wait(&helm_version),
            helm_version,
            terraform_version: g.text(&org.ci.terraform_version, Kind::Version),
            platform_repository: g.text(&org.ci.platform_repository, Kind::Url),
            platform_version: g.text(&org.ci.platform_version, Kind::Version),
            platform_binary: org
                .ci
                .platform_binary
                .as_ref()
                .map(|b| (g.text(&b.url, Kind::Url), g.text(&b.sha256, Kind::Sha256))),
        }
    }
}

/// The `--wait=` strategy for `helm upgrade` and `helm rollback` with Helm `version`.
///
/// Helm 4's default strategy (`--wait`, `=watcher`) is the kstatus watcher, which reads an
/// Argo `Rollout` as `Unknown` until the timeout (no `Ready` condition; a string
/// `observedGeneration`), so a canary deploy hangs and `--rollback-on-failure` then rolls it
/// back: helm/helm#32615 and argoproj/argo-rollouts#4672, both open when checked against
/// Helm v4.2.3 (2026-12). `legacy` is Helm 3's waiter: it waits for Deployments, pods and
/// Services and passes over kinds it does not know, so a Rollout is gated by the deploy's
/// own canary-following step instead. Helm 3 takes `--wait` as a boolean: `true`.
pub fn helm_wait(version: &str) -> &'static str {
    let major = version.trim_start_matches('v').split('.').next().and_then(|m| m.parse::<u32>().ok());
    if major.is_some_and(|m| m < 4) { "true" } else { "legacy" }
}

/// One service in one environment.
pub struct Target {
    /// Environment name (also the GitHub environment).
    pub environment: String,
    /// Kubernetes namespace.
    pub namespace: String,
    /// EKS cluster name.
    pub cluster: String,
    /// AWS region.
    pub region: String,
    /// The role the jobs assume through GitHub's OIDC provider.
    pub role_arn: String,
    /// Whether this environment takes production traffic.
    pub production: bool,
    /// Whether the service deploys with a canary here ([`deploy::canary`]).
    pub canary: bool,
    /// Whether the service has a database here: its pods then need the security groups of
    /// the Terraform outputs (`podSecurityGroups` of the chart).
    pub database: bool,
    /// Whether a failed deploy rolls back without a person.
    pub rollback_on_failure: bool,
    /// `helm --timeout`.
    pub helm_timeout: String,
    /// How long the deploy follows a canary before giving up, in seconds.
    pub canary_timeout_seconds: u64,
    /// Secrets Manager names of the declared secrets here: each must have a value before
    /// the pods that read it start.
    pub secrets: Vec<String>,
    /// The Helm releases of the service's previous names in this namespace, which the deploy
    /// uninstalls once the new release serves (`metadata.previousNames`; a previous name in
    /// another namespace is outside the deploy role's reach).
    pub retired: Vec<String>,
}

impl Target {
    /// Resolve `env` of `svc`.
    pub fn new(g: &mut Guard, org: &Org, svc: &Service, env: &ServiceEnvironment) -> Self {
        let oe: &Environment = org.environment(env);
        let environment = g.text(&env.name, Kind::Name);
        let account = g.text(&oe.aws_account, Kind::Account);
        let namespace = g.text(&Sp::new(env.namespace.clone(), oe.namespace.span), Kind::Name);
        let canary = deploy::canary(svc, oe);
        Target {
            role_arn: format!(
                "arn:aws:iam::{account}:role/{}",
                naming::ci_deploy_role_name(svc.aws_identity(), &env.name.value)
            ),
            namespace,
            cluster: g.text(&oe.cluster, Kind::Name),
            region: g.text(&oe.aws_region, Kind::Name),
            production: oe.production.value,
            canary: canary.is_some(),
            database: env.database.is_some(),
            rollback_on_failure: svc.deployment.rollback.value == Rollback::Automatic,
            helm_timeout: helm_timeout(),
            canary_timeout_seconds: canary.map_or(0, deploy::canary_seconds),
            secrets: svc
                .secrets
                .iter()
                .map(|sec| {
                    let n = naming::secret_name(svc.aws_identity(), &env.name.value, &sec.name.value);
                    g.text(&Sp::new(n, sec.name.span), Kind::Path)
                })
                .collect(),
            retired: svc
                .previous_namespaces(org, env)
                .filter(|(_, ns)| *ns == env.namespace)
                .map(|(p, _)| g.text(&Sp::new(naming::k8s_name(&p.value), p.span), Kind::Name))
                .collect(),
            environment,
        }
    }
}

/// How long Helm waits for a release to become ready, as `helm --timeout` reads it: the
/// platform's one figure ([`deploy::HELM_TIMEOUT_SECONDS`]).
pub fn helm_timeout() -> String {
    format!("{}m", deploy::HELM_TIMEOUT_SECONDS / 60)
}

#[cfg(test)]
mod tests {
    #[test]
    fn helm_4_waits_the_legacy_way_helm_3_with_a_boolean() {
        assert_eq!(super::helm_wait("v4.2.3"), "legacy");
        assert_eq!(super::helm_wait("4.0.0"), "legacy");
        assert_eq!(super::helm_wait("v3.17.1"), "true");
        assert_eq!(super::helm_wait("v5.0.0"), "legacy");
    }
}
