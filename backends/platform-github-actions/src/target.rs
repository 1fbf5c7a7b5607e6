//! What a deploy, promote or rollback job needs to know about one service in one
//! environment, resolved from the IR once and checked by the [`Guard`].

use platform_ir::{CanaryStep, Environment, Org, Rollback, Service, ServiceEnvironment, Sp, naming};

use crate::guard::{Guard, Kind};

/// The CI conventions of the org, checked.
pub struct Ci {
    /// Directory `platform build` writes to, relative to the repository root.
    pub generated_dir: String,
    /// Helm CLI version.
    pub helm_version: String,
    /// Terraform CLI version.
    pub terraform_version: String,
    /// Git URL of the platform CLI.
    pub platform_repository: String,
    /// Tag of the platform CLI.
    pub platform_version: String,
}

impl Ci {
    /// The org's CI settings.
    pub fn new(g: &mut Guard, org: &Org) -> Self {
        Ci {
            generated_dir: g.text(&org.ci.generated_dir, Kind::Path),
            helm_version: g.text(&org.ci.helm_version, Kind::Version),
            terraform_version: g.text(&org.ci.terraform_version, Kind::Version),
            platform_repository: g.text(&org.ci.platform_repository, Kind::Url),
            platform_version: g.text(&org.ci.platform_version, Kind::Version),
        }
    }
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
    /// Whether the service deploys with a canary.
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
}

impl Target {
    /// Resolve `env` of `svc`.
    pub fn new(g: &mut Guard, org: &Org, svc: &Service, env: &ServiceEnvironment) -> Self {
        let oe: &Environment = org.environment(env);
        let environment = g.text(&env.name, Kind::Name);
        let account = g.text(&oe.aws_account, Kind::Account);
        let namespace = g.text(&Sp::new(env.namespace.clone(), oe.namespace.span), Kind::Name);
        let canary = svc.deployment.canary.as_ref();
        Target {
            role_arn: format!(
                "arn:aws:iam::{account}:role/{}",
                naming::ci_deploy_role_name(&svc.name.value, &env.name.value)
            ),
            namespace,
            cluster: g.text(&oe.cluster, Kind::Name),
            region: g.text(&oe.aws_region, Kind::Name),
            production: oe.production.value,
            canary: canary.is_some(),
            database: env.database.is_some(),
            rollback_on_failure: svc.deployment.rollback.value == Rollback::Automatic,
            helm_timeout: "10m".to_owned(),
            canary_timeout_seconds: canary.map_or(0, |c| canary_timeout_seconds(&c.steps, &c.analysis_interval.value)),
            environment,
        }
    }
}

/// Time to follow a canary: its pauses, ten analysis intervals per analysis step, and 15
/// minutes for pods to start and the controller to react.
pub fn canary_timeout_seconds(steps: &[CanaryStep], analysis_interval: &str) -> u64 {
    let interval = seconds(analysis_interval).unwrap_or(60);
    let mut total = 15 * 60;
    for step in steps {
        total += match step {
            CanaryStep::Pause(d) => seconds(&d.value).unwrap_or(10 * 60),
            CanaryStep::Analysis(_) => 10 * interval,
            CanaryStep::SetWeight(_) => 0,
        };
    }
    total
}

/// `30s`, `5m`, `1h` → seconds.
fn seconds(d: &str) -> Option<u64> {
    let (n, unit) = d.split_at(d.find(|c: char| !c.is_ascii_digit())?);
    let n: u64 = n.parse().ok()?;
    let factor = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => return None,
    };
    n.checked_mul(factor)
}

#[cfg(test)]
mod tests {
    use platform_ir::Span;

    use super::*;

    #[test]
    fn canary_timeout_counts_pauses_and_analyses() {
        let sp = |s: &str| Sp::new(s.to_owned(), Span::default());
        let steps = vec![
            CanaryStep::SetWeight(Sp::new(10, Span::default())),
            CanaryStep::Pause(sp("2m")),
            CanaryStep::Analysis(Span::default()),
            CanaryStep::Pause(sp("1h")),
        ];
        assert_eq!(canary_timeout_seconds(&steps, "1m"), 15 * 60 + 120 + 600 + 3600);
        assert_eq!(seconds("30s"), Some(30));
        assert_eq!(seconds("m"), None);
        assert_eq!(seconds("5d"), None);
        assert_eq!(seconds("99999999999999999999h"), None);
    }
}
