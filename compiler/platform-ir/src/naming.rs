//! The one naming rule (issue: "names come from one rule in the IR, never two copies").
//!
//! Every backend that needs the name of a cloud or cluster object asks here, so the Helm
//! chart's service-account annotation and the Terraform IAM role always agree.

use crate::model::Engine;

/// A derived identifier and the limit it must respect.
#[derive(Clone, Copy, Debug)]
pub struct DerivedName {
    /// What the name is for, in the user's words.
    pub what: &'static str,
    /// Maximum length in characters.
    pub max_len: usize,
    /// How it is built from `(service, environment)`.
    pub build: fn(&str, &str) -> String,
    /// Which services have it.
    pub applies: Applies,
}

/// Which services a derived name exists for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applies {
    /// Every service.
    Always,
    /// Services with a database of any engine.
    Database,
    /// Services with a database of this engine.
    Engine(Engine),
}

impl Applies {
    /// True for a service whose databases (in any environment) have these engines.
    pub fn to(self, engines: &[Engine]) -> bool {
        match self {
            Applies::Always => true,
            Applies::Database => !engines.is_empty(),
            Applies::Engine(e) => engines.contains(&e),
        }
    }
}

/// Kubernetes object / Helm release / service-account name.
pub fn k8s_name(service: &str) -> String {
    service.to_owned()
}

/// Prefix for AWS resources of one service in one environment: `payment-api-production`.
pub fn aws_name(service: &str, env: &str) -> String {
    format!("{service}-{env}")
}

/// IAM role assumed by the service's pods (IRSA).
pub fn iam_role_name(service: &str, env: &str) -> String {
    aws_name(service, env)
}

/// IAM role the service's GitHub Actions deploy, promote and rollback jobs assume in an
/// environment's account through GitHub's OIDC provider: `payment-api-production-deploy`.
/// Distinct from the pods' role ([`iam_role_name`]): CI applies Terraform and reaches the
/// cluster, the pods need neither. To be created by the Terraform backend, trusting
/// `token.actions.githubusercontent.com` for the subject `repo:<owner>/<repo>:environment:<env>`.
pub fn ci_deploy_role_name(service: &str, env: &str) -> String {
    format!("{}-deploy", aws_name(service, env))
}

/// IAM role the service's image builds on `main` assume in an ECR registry's account
/// ([`crate::Ecr`]) to push its image: `payment-api-image-push`. One per service, not per
/// environment: the registry is shared. Fits IAM's 64 characters for every name a Helm
/// release allows (53).
pub fn image_push_role_name(service: &str) -> String {
    format!("{service}-image-push")
}

/// IAM policy that bounds every role of the service's own Terraform (its pods' role, its RDS
/// monitoring role): `payment-api-production-boundary`. Created by the Terraform backend's
/// org-level root next to [`ci_deploy_role_name`]; the deploy role may create and change
/// the service's roles only with this boundary attached, so it can never grant them (or,
/// through them, itself) more than the service needs.
pub fn permissions_boundary_name(service: &str, env: &str) -> String {
    format!("{}-boundary", aws_name(service, env))
}

/// RDS instance identifier / ElastiCache replication group id.
pub fn database_identifier(service: &str, env: &str) -> String {
    aws_name(service, env)
}

/// A snapshot taken by hand (`platform db backup`) at `stamp` (`20261204-061500`, UTC): the
/// instance's identifier, `manual` and the time, so snapshots sort by time and name their
/// instance.
pub fn database_manual_snapshot_identifier(service: &str, env: &str, stamp: &str) -> String {
    format!("{}-manual-{stamp}", database_identifier(service, env))
}

/// Final snapshot taken when the RDS instance is deleted.
pub fn database_final_snapshot_identifier(service: &str, env: &str) -> String {
    format!("{}-final", database_identifier(service, env))
}

/// Database and master user name inside the engine: `payment-api` → `payment_api`.
pub fn database_name(service: &str) -> String {
    service.replace('-', "_")
}

/// IAM role RDS enhanced monitoring assumes.
pub fn rds_monitoring_role_name(service: &str, env: &str) -> String {
    format!("{}-rds-monitoring", aws_name(service, env))
}

/// Security group of the service's pods (EKS security groups for pods).
pub fn pod_security_group_name(service: &str, env: &str) -> String {
    format!("{}-pods", aws_name(service, env))
}

/// Security group of the service's database: admits only the pods' group.
pub fn database_security_group_name(service: &str, env: &str) -> String {
    format!("{}-database", aws_name(service, env))
}

/// KMS alias of the service's customer-managed key (secrets, storage, Performance Insights).
pub fn kms_alias(service: &str, env: &str) -> String {
    format!("alias/{}", aws_name(service, env))
}

/// The prefix of every Secrets Manager name of the service in `env` (`<env>/<service>/`):
/// what its deploy role manages, its pods read and the org's secret store may read.
pub fn secrets_prefix(service: &str, env: &str) -> String {
    format!("{env}/{service}/")
}

/// Secrets Manager name of a declared secret.
pub fn secret_name(service: &str, env: &str, secret: &str) -> String {
    format!("{}{secret}", secrets_prefix(service, env))
}

/// Secrets Manager name of the database credentials.
pub fn database_secret_name(service: &str, env: &str) -> String {
    secret_name(service, env, "database")
}

/// Keys of the JSON object stored under [`database_secret_name`], each with the environment
/// variable the service's pods read it as. PostgreSQL uses the structure of AWS RDS
/// credentials secrets, which the Secrets Manager rotation functions expect; Redis keeps the
/// ElastiCache auth token under `password`. The Terraform backend writes these keys; the Helm
/// chart maps them into the pod, TLS included: the database refuses plain connections
/// (`rds.force_ssl`, ElastiCache in-transit encryption), so the app is told (`sslmode`, `tls`).
pub fn database_secret_keys(engine: Engine) -> &'static [(&'static str, &'static str)] {
    match engine {
        Engine::Postgres => &[
            ("host", "DATABASE_HOST"),
            ("port", "DATABASE_PORT"),
            ("dbname", "DATABASE_NAME"),
            ("username", "DATABASE_USER"),
            ("password", "DATABASE_PASSWORD"),
            ("sslmode", "DATABASE_SSLMODE"),
        ],
        Engine::Redis => {
            &[("host", "REDIS_HOST"), ("port", "REDIS_PORT"), ("password", "REDIS_PASSWORD"), ("tls", "REDIS_TLS")]
        }
    }
}

/// A service's Kubernetes namespace in an environment: the org's namespace scheme with
/// `{team}`, `{service}` and `{env}` filled in.
pub fn namespace(scheme: &str, team: &str, service: &str, env: &str) -> String {
    scheme.replace("{team}", team).replace("{service}", service).replace("{env}", env)
}

/// Kubernetes Secret name an ExternalSecret materialises for a declared secret.
pub fn k8s_secret_name(service: &str, secret: &str) -> String {
    format!("{service}-{secret}")
}

/// Kubernetes Secret name for the database credentials.
pub fn k8s_database_secret_name(service: &str) -> String {
    format!("{service}-database")
}

/// Environment variable a secret is exposed as: `stripe-key` → `STRIPE_KEY`.
pub fn secret_env_var(secret: &str) -> String {
    secret.replace('-', "_").to_ascii_uppercase()
}

/// The service's workflow file (`.github/workflows/<file>`): build, test, scan and deploy,
/// and by hand promote or roll back; `platform deploy` (and `deploy promote`, `deploy
/// rollback`) dispatches it with its `action`.
pub fn workflow_file(service: &str) -> String {
    format!("{service}.yml")
}

/// The kubeconfig context of an EKS cluster: the cluster's ARN, the name `aws eks
/// update-kubeconfig --name CLUSTER --region REGION` gives it (the deploy workflows connect
/// that way too).
pub fn eks_context(account: &str, region: &str, cluster: &str) -> String {
    format!("arn:aws:eks:{region}:{account}:cluster/{cluster}")
}

/// The service's runbook: `<base>/<service>`.
pub fn runbook_url(base: &str, service: &str) -> String {
    format!("{}/{service}", base.trim_end_matches('/'))
}

/// Grafana dashboard uid (≤ 40 characters).
pub fn grafana_uid(service: &str) -> String {
    format!("svc-{service}")
}

/// Every derived name with a length limit; validation checks each against the longest
/// environment name, so a too-long service name is reported at its span, once.
pub const DERIVED: &[DerivedName] = &[
    DerivedName {
        what: "Kubernetes label value `app.kubernetes.io/instance`",
        max_len: 63,
        build: |s, _| k8s_name(s),
        applies: Applies::Always,
    },
    DerivedName { what: "Helm release name", max_len: 53, build: |s, _| k8s_name(s), applies: Applies::Always },
    DerivedName { what: "IAM role name", max_len: 64, build: iam_role_name, applies: Applies::Always },
    DerivedName {
        what: "IAM role name for CI deploys",
        max_len: 64,
        build: ci_deploy_role_name,
        applies: Applies::Always,
    },
    DerivedName {
        what: "IAM permissions boundary name",
        max_len: 128,
        build: permissions_boundary_name,
        applies: Applies::Always,
    },
    DerivedName {
        what: "RDS instance identifier",
        max_len: 63,
        build: database_identifier,
        applies: Applies::Engine(Engine::Postgres),
    },
    DerivedName {
        what: "ElastiCache replication group id",
        max_len: 40,
        build: database_identifier,
        applies: Applies::Engine(Engine::Redis),
    },
    DerivedName {
        what: "RDS final snapshot identifier",
        max_len: 255,
        build: database_final_snapshot_identifier,
        applies: Applies::Database,
    },
    DerivedName {
        what: "PostgreSQL database and user name",
        max_len: 63,
        build: |s, _| database_name(s),
        applies: Applies::Engine(Engine::Postgres),
    },
    DerivedName {
        what: "IAM role name for RDS enhanced monitoring",
        max_len: 64,
        build: rds_monitoring_role_name,
        applies: Applies::Engine(Engine::Postgres),
    },
    DerivedName {
        what: "pod security group name",
        max_len: 255,
        build: pod_security_group_name,
        applies: Applies::Database,
    },
    DerivedName {
        what: "database security group name",
        max_len: 255,
        build: database_security_group_name,
        applies: Applies::Database,
    },
    DerivedName { what: "KMS alias", max_len: 256, build: kms_alias, applies: Applies::Always },
    DerivedName { what: "Grafana dashboard uid", max_len: 40, build: |s, _| grafana_uid(s), applies: Applies::Always },
    DerivedName {
        what: "Kubernetes Secret name for the database",
        max_len: 63,
        build: |s, _| k8s_database_secret_name(s),
        applies: Applies::Database,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_agree() {
        assert_eq!(iam_role_name("payment-api", "production"), "payment-api-production");
        assert_eq!(secret_env_var("stripe-key"), "STRIPE_KEY");
        assert_eq!(secret_name("payment-api", "staging", "stripe-key"), "staging/payment-api/stripe-key");
        let longest = DERIVED.iter().map(|d| (d.build)("a", "production").len()).max().unwrap();
        assert!(longest < 40);
        assert_eq!(image_push_role_name(&"a".repeat(53)).len(), 64);
    }

    #[test]
    fn ecr_registries() {
        let ecr = crate::Ecr::parse("123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme").unwrap();
        assert_eq!((ecr.account.as_str(), ecr.region.as_str()), ("123456789012", "eu-west-1"));
        assert_eq!(ecr.host, "123456789012.dkr.ecr.eu-west-1.amazonaws.com");
        assert_eq!(ecr.repository("123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme/api"), Some("acme/api"));
        assert_eq!(ecr.repository("123456789012.dkr.ecr.eu-west-1.amazonaws.com.evil/api"), None);
        assert_eq!(ecr.repository("ghcr.io/acme/api"), None);
        for other in [
            "ghcr.io/acme",
            "12345678901.dkr.ecr.eu-west-1.amazonaws.com",
            "123456789012.dkr.ecr..amazonaws.com",
            "123456789012.dkr.ecr.EU.amazonaws.com",
            "public.ecr.aws/acme",
        ] {
            assert_eq!(crate::Ecr::parse(other), None, "{other}");
        }
    }
}
