//! What a service's CI deploy role may do, and the boundary of the service's own roles,
//! derived from the resources of the service's Terraform root.
//!
//! The GitHub Actions deploy, promote and rollback jobs of a service assume
//! [`naming::ci_deploy_role_name`] in each environment. The deploy applies the service's root,
//! so the role needs exactly what that root's resources need, on the names
//! [`naming`] gives them in that environment, and nothing on anything else:
//!
//! - **By name** wherever AWS has names: its IAM roles, Secrets Manager names under
//!   `<env>/<service>/`, the RDS instance and its groups, the ElastiCache group, the state
//!   object and its lock-table items, the cluster, the rotation Lambda, the DNS records of
//!   its host.
//! - **By exact ARN** for its KMS key, which the CI deploy module creates: CI may use the key,
//!   hand it to RDS and ElastiCache through grants, and never administer it.
//! - **By tag** only where AWS assigns ids (security groups, ACM certificates): created only
//!   with the `service` and `environment` tags of the service's provider, and changed only
//!   while they carry them. Security groups can be tagged only in the call that creates them
//!   (`ec2:CreateAction`), so another team's group can never be re-tagged into scope.
//!
//! The service's roles may be created and changed only with the service's permissions
//! boundary attached ([`naming::permissions_boundary_name`], [`boundary`]), which allows no
//! more than the service's own role policy: so the deploy role cannot escalate through the
//! roles it manages. It cannot touch its own role or boundary.
//!
//! The statements are written once for every service, as rules ([`deploy_rules`],
//! [`boundary_rules`]): each statement, action and resource says which services it applies
//! to by a few facts of the service's root ([`Fact`]: a key, a database and its engine,
//! rotation, a bastion, a certificate, DNS records). A service's statements are the rules
//! its own facts select ([`deploy`], [`boundary`], [`ServiceCi::facts`]); a module shared by
//! every service can hold the rules with their conditions instead.
//!
//! Statements are built as data ([`Statement`]) and printed twice: as HCL for `main.tf`
//! ([`Statement::block`]), and as the JSON AWS stores ([`policy_json`]), to keep the policy
//! inside IAM's size limits ([`INLINE_POLICY_LIMIT`]).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use platform_ir::{Engine, naming};

use crate::hcl::{self, Block, Expr, Step};
use crate::root::{Ctx, Root};

/// IAM's limit on the inline policies of one role, in characters without whitespace.
pub const INLINE_POLICY_LIMIT: usize = 10_240;
/// IAM's limit on a managed policy (the boundary), in characters without whitespace.
pub const MANAGED_POLICY_LIMIT: usize = 6_144;

/// Every block of a service root this module grants for, as `(block kind, type)`. A service
/// root holding anything else is a bug here (the tests check every golden root).
pub const COVERED: &[(&str, &str)] = &[
    ("data", "aws_partition"),
    ("data", "aws_iam_policy_document"),
    ("data", "aws_kms_key"),
    ("data", "aws_lambda_function"),
    ("data", "aws_eks_cluster"),
    ("data", "aws_subnets"),
    ("data", "aws_instance"),
    ("data", "aws_route53_zone"),
    ("resource", "aws_iam_role"),
    ("resource", "aws_iam_role_policy"),
    ("resource", "aws_iam_role_policy_attachment"),
    ("resource", "aws_secretsmanager_secret"),
    ("resource", "aws_secretsmanager_secret_rotation"),
    ("resource", "aws_secretsmanager_secret_version"),
    ("resource", "random_password"),
    ("resource", "aws_security_group"),
    ("resource", "aws_vpc_security_group_ingress_rule"),
    ("resource", "aws_vpc_security_group_egress_rule"),
    ("resource", "aws_db_subnet_group"),
    ("resource", "aws_db_parameter_group"),
    ("resource", "aws_db_instance"),
    ("resource", "aws_elasticache_subnet_group"),
    ("resource", "aws_elasticache_replication_group"),
    ("resource", "aws_acm_certificate"),
    ("resource", "aws_acm_certificate_validation"),
    ("resource", "aws_route53_record"),
];

/// A per-service, per-environment name of the CI deploy module's `local.names`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    /// The CI deploy role.
    DeployRole,
    /// The permissions boundary of the service's roles.
    PermissionsBoundary,
    /// The service's state object in the environment's state bucket.
    StateKey,
    /// The pods' IAM role.
    IamRole,
    /// The RDS enhanced monitoring role (PostgreSQL).
    RdsMonitoringRole,
    /// The alias of the service's KMS key.
    KmsAlias,
    /// The prefix of the service's Secrets Manager names, `<env>/<service>/`.
    SecretsPrefix,
    /// RDS instance identifier or ElastiCache replication group id.
    Database,
    /// The database's final snapshot.
    DatabaseFinalSnapshot,
    /// The service's host name (when the org manages its DNS here).
    Host,
    /// The service's Kubernetes namespace (when the org root grants cluster access).
    Namespace,
}

impl Field {
    /// Every field, in the order of the variable's type.
    pub const ALL: &'static [Field] = &[
        Field::DeployRole,
        Field::PermissionsBoundary,
        Field::StateKey,
        Field::IamRole,
        Field::RdsMonitoringRole,
        Field::KmsAlias,
        Field::SecretsPrefix,
        Field::Database,
        Field::DatabaseFinalSnapshot,
        Field::Host,
        Field::Namespace,
    ];

    /// The attribute name in HCL.
    pub fn key(self) -> &'static str {
        match self {
            Field::DeployRole => "deploy_role",
            Field::PermissionsBoundary => "permissions_boundary",
            Field::StateKey => "state_key",
            Field::IamRole => "iam_role",
            Field::RdsMonitoringRole => "rds_monitoring_role",
            Field::KmsAlias => "kms_alias",
            Field::SecretsPrefix => "secrets_prefix",
            Field::Database => "database",
            Field::DatabaseFinalSnapshot => "database_final_snapshot",
            Field::Host => "host",
            Field::Namespace => "namespace",
        }
    }
}

/// A piece of an ARN or condition value: literal text or a value of the CI deploy module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    /// Literal text.
    Lit(String),
    /// `data.aws_partition.current.partition`.
    Partition,
    /// `var.aws_region`.
    Region,
    /// `var.aws_account_id`.
    Account,
    /// `var.environment`.
    Environment,
    /// `var.state_bucket`.
    StateBucket,
    /// `var.lock_table` (only when the org locks state in DynamoDB).
    LockTable,
    /// `var.eks_cluster_name`.
    Cluster,
    /// `local.names.<field>`: the service's name in the environment.
    Field(Field),
    /// The ARN of the service's KMS key (`aws_kms_key.this.arn`).
    KeyArn,
    /// The ARN of the key of the shared CI deploy module, which counts it
    /// (`aws_kms_key.this[0].arn`).
    SharedKeyArn,
    /// The service's name (`var.service` in the shared module).
    Service,
    /// Its PostgreSQL database and user name (`var.database_name` in the shared module).
    DatabaseName,
}

/// A string built from pieces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text(pub Vec<Piece>);

/// `Allow` or `Deny`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Allow.
    Allow,
    /// Deny.
    Deny,
}

/// A condition of a statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    /// The operator, e.g. `StringEquals`.
    pub test: &'static str,
    /// The condition key.
    pub variable: &'static str,
    /// Its values.
    pub values: Vec<Text>,
}

/// One statement of a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// Statement id.
    pub sid: &'static str,
    /// Effect.
    pub effect: Effect,
    /// Actions, sorted.
    pub actions: Vec<&'static str>,
    /// Resources.
    pub resources: Vec<Text>,
    /// Conditions.
    pub conditions: Vec<Condition>,
}

/// What the CI deploy module of one service is derived from.
pub struct ServiceCi {
    /// Service name.
    pub name: String,
    /// Its blocks `(kind, type)` in its own root (before module mode).
    pub blocks: BTreeSet<(String, String)>,
    /// The statement ids of its pods' role policy.
    pub role_sids: Vec<String>,
    /// State is locked in the org's DynamoDB table (else by a `.tflock` object in the bucket).
    pub lock_table: bool,
    /// Its database engine.
    pub engine: Option<Engine>,
    /// The org's rotation Lambda (used when a secret rotates).
    pub rotation_lambda: String,
    /// Per environment (org order): every field's value, `None` where it does not apply.
    pub fields: Vec<Vec<(Field, Option<String>)>>,
}

impl ServiceCi {
    /// The facts of one service, from its context and its root before module mode.
    pub fn new(ctx: &Ctx<'_>, root: &Root) -> Self {
        let name = ctx.identity().to_owned();
        let blocks: BTreeSet<(String, String)> = root
            .main
            .iter()
            .filter(|(_, b)| b.kind == "resource" || b.kind == "data")
            .filter_map(|(_, b)| b.labels.first().map(|t| (b.kind.clone(), t.clone())))
            .collect();
        for (kind, ty) in &blocks {
            debug_assert!(
                COVERED.contains(&(kind.as_str(), ty.as_str())),
                "the CI deploy role grants nothing for `{kind} \"{ty}\"` of the service root"
            );
        }
        let role_sids = root
            .main
            .iter()
            .filter(|(_, b)| b.kind == "data" && b.labels == ["aws_iam_policy_document", "service"])
            .flat_map(|(_, b)| b.body.0.iter())
            .filter_map(|i| match i {
                hcl::Item::Block(st) if st.kind == "statement" => st.body.0.iter().find_map(|a| match a {
                    hcl::Item::Attr(k, Expr::Str(v)) if k == "sid" => Some(v.clone()),
                    _ => None,
                }),
                _ => None,
            })
            .collect();
        let has = |ty: &str| blocks.iter().any(|(_, t)| t == ty);
        let fields = ctx
            .envs
            .iter()
            .map(|e| {
                let env = e.name();
                Field::ALL
                    .iter()
                    .map(|f| {
                        let v = match f {
                            Field::DeployRole => Some(naming::ci_deploy_role_name(&name, env)),
                            Field::PermissionsBoundary => Some(naming::permissions_boundary_name(&name, env)),
                            Field::StateKey => Some(crate::versions::state_key(&name, env)),
                            Field::IamRole => Some(naming::iam_role_name(&name, env)),
                            Field::RdsMonitoringRole => (ctx.engine == Some(Engine::Postgres))
                                .then(|| naming::rds_monitoring_role_name(&name, env)),
                            Field::KmsAlias => has("aws_kms_key").then(|| naming::kms_alias(&name, env)),
                            Field::SecretsPrefix => has("aws_kms_key").then(|| naming::secrets_prefix(&name, env)),
                            Field::Database => ctx.engine.map(|_| naming::database_identifier(&name, env)),
                            Field::DatabaseFinalSnapshot => {
                                ctx.engine.map(|_| naming::database_final_snapshot_identifier(&name, env))
                            }
                            Field::Host => has("aws_route53_record")
                                .then(|| e.svc.host.as_ref().map(|h| h.value.clone()))
                                .flatten(),
                            Field::Namespace => ctx.org.terraform.cluster_access.value.then(|| e.svc.namespace.clone()),
                        };
                        (*f, v)
                    })
                    .collect()
            })
            .collect();
        ServiceCi {
            name,
            blocks,
            role_sids,
            engine: ctx.engine,
            rotation_lambda: ctx.org.terraform.rotation_lambda.value.clone(),
            lock_table: ctx.org.terraform.lock_table().is_some(),
            fields,
        }
    }

    fn has(&self, ty: &str) -> bool {
        self.blocks.iter().any(|(_, t)| t == ty)
    }

    /// The facts its CI permissions depend on, read from its root.
    pub fn facts(&self) -> BTreeSet<Fact> {
        let database = self.engine.is_some();
        let postgres = self.engine == Some(Engine::Postgres);
        let redis = self.engine == Some(Engine::Redis);
        // What the parts of a root add together (the golden roots run this in the tests).
        debug_assert_eq!(postgres, self.has("aws_db_instance") && self.has("aws_iam_role_policy_attachment"));
        debug_assert_eq!(redis, self.has("aws_elasticache_replication_group"));
        debug_assert_eq!(database, self.has("aws_security_group") && self.has("aws_secretsmanager_secret_version"));
        let sid = |id: &str| self.role_sids.iter().any(|s| s == id);
        debug_assert_eq!(self.has_key(), sid("ReadOwnSecrets") && sid("DecryptOwnSecrets"));
        debug_assert_eq!(postgres, sid("ConnectOwnDatabase"));
        [
            (Fact::Key, self.has_key()),
            (Fact::Database, database),
            (Fact::Postgres, postgres),
            (Fact::Redis, redis),
            (Fact::Rotation, self.has("aws_secretsmanager_secret_rotation")),
            (Fact::Bastion, self.has("aws_instance")),
            (Fact::Certificate, self.has("aws_acm_certificate")),
            (Fact::Records, self.has("aws_route53_record")),
        ]
        .into_iter()
        .filter_map(|(f, holds)| holds.then_some(f))
        .collect()
    }

    /// True when the CI deploy module creates a KMS key for the service.
    pub fn has_key(&self) -> bool {
        self.has("aws_kms_key")
    }
}

/// The sizes (characters without whitespace, as IAM counts) of the policies of `svc` in each
/// environment: the deploy role's inline and managed policies and the permissions boundary.
/// For tests against [`INLINE_POLICY_LIMIT`] and [`MANAGED_POLICY_LIMIT`].
pub struct Sizes {
    /// Environment.
    pub environment: String,
    /// The deploy role's inline policy.
    pub core: usize,
    /// The deploy role's managed policy (0: none).
    pub resources: usize,
    /// The permissions boundary.
    pub boundary: usize,
}

/// [`Sizes`] of `svc` in each environment.
pub fn policy_sizes(org: &platform_ir::Org, svc: &platform_ir::Service) -> Vec<Sizes> {
    let ctx = Ctx::new(org, svc);
    let root = crate::resources(&ctx);
    let s = ServiceCi::new(&ctx, &root);
    let size = |json: String| json.chars().filter(|c| !c.is_whitespace()).count();
    ctx.envs
        .iter()
        .zip(&s.fields)
        .map(|(e, fields)| {
            let bucket = crate::versions::state_bucket(org, e);
            let v = Values {
                service: &s.name,
                region: &e.org.aws_region.value,
                account: &e.org.aws_account.value,
                environment: e.name(),
                state_bucket: &bucket,
                lock_table: &org.terraform.lock_table.value,
                cluster: &e.org.cluster.value,
                fields,
            };
            let d = deploy(&s);
            Sizes {
                environment: e.name().to_owned(),
                core: size(policy_json(&d.core, &v)),
                resources: if d.resources.is_empty() { 0 } else { size(policy_json(&d.resources, &v)) },
                boundary: size(policy_json(&boundary(&s), &v)),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Building statements.
// ---------------------------------------------------------------------------------------

fn lit(s: impl Into<String>) -> Piece {
    Piece::Lit(s.into())
}

fn text(pieces: Vec<Piece>) -> Text {
    Text(pieces)
}

fn plain(s: &str) -> Text {
    Text(vec![lit(s)])
}

/// `arn:<partition>:<service>:<region>:<account>:<rest>`.
fn regional(service: &str, rest: Vec<Piece>) -> Text {
    let mut p = vec![
        lit("arn:"),
        Piece::Partition,
        lit(format!(":{service}:")),
        Piece::Region,
        lit(":"),
        Piece::Account,
        lit(":"),
    ];
    p.extend(rest);
    Text(p)
}

/// `arn:<partition>:iam::<account>:<rest>`.
fn iam(rest: Vec<Piece>) -> Text {
    let mut p = vec![lit("arn:"), Piece::Partition, lit(":iam::"), Piece::Account, lit(":")];
    p.extend(rest);
    Text(p)
}

/// `arn:<partition>:<service>:::<rest>` (S3, Route 53).
fn global(service: &str, rest: Vec<Piece>) -> Text {
    let mut p = vec![lit("arn:"), Piece::Partition, lit(format!(":{service}:::"))];
    p.extend(rest);
    Text(p)
}

fn role(field: Field) -> Text {
    iam(vec![lit("role/"), Piece::Field(field)])
}

fn boundary_arn() -> Text {
    iam(vec![lit("policy/"), Piece::Field(Field::PermissionsBoundary)])
}

// ---------------------------------------------------------------------------------------
// What applies to which service.
// ---------------------------------------------------------------------------------------

/// A fact about a service's root that what its CI may do depends on. A service's CI deploy
/// module is the same for every service given these facts ([`ServiceCi::facts`]): the
/// vendored module is [`deploy`] and [`boundary`] for the service's own facts, the org's
/// shared module holds every rule with its [`When`] and reads the facts from its inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fact {
    /// It has secrets or a database, so a KMS key and secrets its pods read.
    Key,
    /// It has a database (PostgreSQL or Redis): credentials in Secrets Manager, security groups.
    Database,
    /// Its database is PostgreSQL (RDS, with enhanced monitoring and IAM authentication).
    Postgres,
    /// Its database is Redis (ElastiCache).
    Redis,
    /// A declared secret is rotated by the org's Lambda.
    Rotation,
    /// The org reaches databases through a bastion, which the root looks up.
    Bastion,
    /// It has an ACM certificate of its host.
    Certificate,
    /// It has DNS records of its host.
    Records,
}

impl Fact {
    /// Every fact, in the order of the module's `features` input.
    pub const ALL: &'static [Fact] = &[
        Fact::Key,
        Fact::Database,
        Fact::Postgres,
        Fact::Redis,
        Fact::Rotation,
        Fact::Bastion,
        Fact::Certificate,
        Fact::Records,
    ];

    /// The attribute name in HCL.
    pub fn key(self) -> &'static str {
        match self {
            Fact::Key => "key",
            Fact::Database => "database",
            Fact::Postgres => "postgres",
            Fact::Redis => "redis",
            Fact::Rotation => "rotation",
            Fact::Bastion => "bastion",
            Fact::Certificate => "certificate",
            Fact::Records => "records",
        }
    }
}

/// When a rule, an action or a resource applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum When {
    /// To every service.
    Always,
    /// Where the fact holds.
    Is(Fact),
    /// Where the fact does not hold.
    Not(Fact),
    /// Where every fact holds.
    All(Vec<Fact>),
    /// Where no fact holds.
    None(Vec<Fact>),
}

impl When {
    /// Whether it applies to a service with `facts`.
    pub fn holds(&self, facts: &BTreeSet<Fact>) -> bool {
        match self {
            When::Always => true,
            When::Is(f) => facts.contains(f),
            When::Not(f) => !facts.contains(f),
            When::All(all) => all.iter().all(|f| facts.contains(f)),
            When::None(none) => !none.iter().any(|f| facts.contains(f)),
        }
    }
}

/// A statement of a service's CI policies, with when it and each of its actions and
/// resources apply. [`Rule::of`] is the statement of one service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// When the statement applies at all.
    pub when: When,
    /// Statement id.
    pub sid: &'static str,
    /// Effect.
    pub effect: Effect,
    /// Actions, each with when it applies.
    pub actions: Vec<(When, &'static str)>,
    /// Resources, each with when it applies.
    pub resources: Vec<(When, Text)>,
    /// Conditions.
    pub conditions: Vec<Condition>,
}

impl Rule {
    /// The statement of a service with `facts`, named `service` (whose PostgreSQL database is
    /// `database`), or `None` where the rule does not apply.
    pub fn of(&self, facts: &BTreeSet<Fact>, service: &str, database: &str) -> Option<Statement> {
        if !self.when.holds(facts) {
            return None;
        }
        let mut actions: Vec<&'static str> =
            self.actions.iter().filter(|(w, _)| w.holds(facts)).map(|(_, a)| *a).collect();
        actions.sort_unstable();
        actions.dedup();
        let text = |t: &Text| t.named(service, database);
        Some(Statement {
            sid: self.sid,
            effect: self.effect,
            actions,
            resources: self.resources.iter().filter(|(w, _)| w.holds(facts)).map(|(_, t)| text(t)).collect(),
            conditions: self
                .conditions
                .iter()
                .map(|c| Condition { test: c.test, variable: c.variable, values: c.values.iter().map(text).collect() })
                .collect(),
        })
    }

    /// Only where `when` holds.
    fn only(mut self, when: When) -> Self {
        self.when = when;
        self
    }

    /// More actions, where `when` holds.
    fn actions_if(mut self, when: &When, actions: &[&'static str]) -> Self {
        self.actions.extend(actions.iter().map(|a| (when.clone(), *a)));
        self
    }

    /// One more resource, where `when` holds.
    fn resource_if(mut self, when: When, resource: Text) -> Self {
        self.resources.push((when, resource));
        self
    }

    fn when(mut self, test: &'static str, variable: &'static str, values: Vec<Text>) -> Self {
        self.conditions.push(Condition { test, variable, values });
        self
    }

    /// Only on resources carrying the service's `service` and `environment` tags.
    fn tagged(self) -> Self {
        self.when("StringEquals", "aws:ResourceTag/service", vec![text(vec![Piece::Service])]).when(
            "StringEquals",
            "aws:ResourceTag/environment",
            vec![text(vec![Piece::Environment])],
        )
    }

    /// Only in requests that tag what they create with the service's tags.
    fn tagging(self) -> Self {
        self.when("StringEquals", "aws:RequestTag/service", vec![text(vec![Piece::Service])]).when(
            "StringEquals",
            "aws:RequestTag/environment",
            vec![text(vec![Piece::Environment])],
        )
    }
}

fn allow(sid: &'static str, actions: &[&'static str], resources: Vec<Text>) -> Rule {
    Rule {
        when: When::Always,
        sid,
        effect: Effect::Allow,
        actions: actions.iter().map(|a| (When::Always, *a)).collect(),
        resources: resources.into_iter().map(|r| (When::Always, r)).collect(),
        conditions: Vec::new(),
    }
}

/// A deploy role's permissions, in two policies, because IAM limits the inline policies of a
/// role to [`INLINE_POLICY_LIMIT`] characters in all: the role's inline policy (state,
/// cluster, roles, key, secrets, security groups) and, for services with a database or DNS
/// records, a managed policy attached to it (named like the role) with those parts.
pub struct Deploy {
    /// The inline policy.
    pub core: Vec<Statement>,
    /// The attached managed policy (empty: none).
    pub resources: Vec<Statement>,
}

impl Deploy {
    /// Every statement.
    pub fn all(&self) -> impl Iterator<Item = &Statement> {
        self.core.iter().chain(&self.resources)
    }
}

/// The deploy role's permissions of one service.
pub fn deploy(s: &ServiceCi) -> Deploy {
    let (facts, database) = (s.facts(), naming::database_name(&s.name));
    let rules = deploy_rules(s.lock_table, &s.rotation_lambda);
    let of = |rules: &[Rule]| rules.iter().filter_map(|r| r.of(&facts, &s.name, &database)).collect();
    Deploy { core: of(&rules.core), resources: of(&rules.resources) }
}

/// The permissions boundary of one service's roles.
pub fn boundary(s: &ServiceCi) -> Vec<Statement> {
    let (facts, database) = (s.facts(), naming::database_name(&s.name));
    boundary_rules().iter().filter_map(|r| r.of(&facts, &s.name, &database)).collect()
}

/// [`Deploy`] for every service, as rules.
pub struct DeployRules {
    /// The inline policy's.
    pub core: Vec<Rule>,
    /// The attached managed policy's.
    pub resources: Vec<Rule>,
}

/// The deploy role's permissions: apply the service's root in one environment and reach its
/// cluster. `lock_table`: the org locks state in DynamoDB (else by a `.tflock` object).
pub fn deploy_rules(lock_table: bool, rotation_lambda: &str) -> DeployRules {
    use Fact::{Bastion, Certificate, Database, Key, Postgres, Records, Redis, Rotation};
    let state_object = || vec![Piece::StateBucket, lit("/"), Piece::Field(Field::StateKey)];
    let mut out = vec![
        // `s3:ListBucket` applies to the bucket only, the object actions to the object only.
        allow(
            "TerraformState",
            &["s3:GetObject", "s3:ListBucket", "s3:PutObject"],
            vec![global("s3", vec![Piece::StateBucket]), global("s3", state_object())],
        ),
        if lock_table {
            allow(
                "TerraformLock",
                &["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"],
                vec![regional("dynamodb", vec![lit("table/"), Piece::LockTable])],
            )
            .when(
                "ForAllValues:StringEquals",
                "dynamodb:LeadingKeys",
                vec![text(state_object()), text([state_object(), vec![lit("-md5")]].concat())],
            )
        } else {
            // The S3 backend's own lock: a `.tflock` object next to the state.
            allow(
                "TerraformLock",
                &["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
                vec![global("s3", [state_object(), vec![lit(".tflock")]].concat())],
            )
        },
        allow("Cluster", &["eks:DescribeCluster"], vec![regional("eks", vec![lit("cluster/"), Piece::Cluster])]),
    ];

    // IAM: the pods' role, and RDS's monitoring role; changed only inside the boundary.
    let manage = [
        "iam:DeleteRole",
        "iam:DeleteRolePolicy",
        "iam:GetRole",
        "iam:GetRolePolicy",
        "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfilesForRole",
        "iam:ListRolePolicies",
        "iam:ListRoleTags",
        "iam:TagRole",
        "iam:UntagRole",
        "iam:UpdateAssumeRolePolicy",
        "iam:UpdateRole",
        "iam:UpdateRoleDescription",
    ];
    out.push(
        allow("OwnRoles", &manage, vec![role(Field::IamRole)])
            .actions_if(&When::Is(Postgres), &["iam:DetachRolePolicy"])
            .resource_if(When::Is(Postgres), role(Field::RdsMonitoringRole)),
    );
    out.push(
        allow(
            "OwnRolesWithinBoundary",
            &["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy"],
            vec![role(Field::IamRole)],
        )
        .resource_if(When::Is(Postgres), role(Field::RdsMonitoringRole))
        .when("StringEquals", "iam:PermissionsBoundary", vec![boundary_arn()]),
    );
    out.push(
        allow("RdsMonitoringPolicy", &["iam:AttachRolePolicy"], vec![role(Field::RdsMonitoringRole)])
            .only(When::Is(Postgres))
            .when("StringEquals", "iam:PermissionsBoundary", vec![boundary_arn()])
            .when(
                "ArnEquals",
                "iam:PolicyARN",
                vec![text(vec![
                    lit("arn:"),
                    Piece::Partition,
                    lit(":iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"),
                ])],
            ),
    );
    out.push(
        allow("PassRdsMonitoringRole", &["iam:PassRole"], vec![role(Field::RdsMonitoringRole)])
            .only(When::Is(Postgres))
            .when("StringEquals", "iam:PassedToService", vec![plain("monitoring.rds.amazonaws.com")]),
    );
    for (engine, service, role_name) in [
        (Postgres, "rds.amazonaws.com", "AWSServiceRoleForRDS"),
        (Redis, "elasticache.amazonaws.com", "AWSServiceRoleForElastiCache"),
    ] {
        out.push(
            allow(
                "DatabaseServiceLinkedRole",
                &["iam:CreateServiceLinkedRole"],
                vec![iam(vec![lit(format!("role/aws-service-role/{service}/{role_name}"))])],
            )
            .only(When::Is(engine))
            .when("StringEquals", "iam:AWSServiceName", vec![plain(service)]),
        );
    }

    // The KMS key (the CI deploy module's): use, never administer.
    let key = || vec![text(vec![Piece::KeyArn])];
    out.push(allow("DescribeOwnKey", &["kms:DescribeKey"], key()).only(When::Is(Key)));
    out.push(allow("GrantOwnKeyToAws", &["kms:CreateGrant"], key()).only(When::All(vec![Key, Database])).when(
        "Bool",
        "kms:GrantIsForAWSResource",
        vec![plain("true")],
    ));
    out.push(
        allow("OwnKeyThroughSecretsManager", &["kms:Decrypt", "kms:GenerateDataKey"], key()).only(When::Is(Key)).when(
            "StringEquals",
            "kms:ViaService",
            vec![text(vec![lit("secretsmanager."), Piece::Region, lit(".amazonaws.com")])],
        ),
    );
    out.push(
        allow(
            "OwnSecrets",
            &[
                "secretsmanager:CreateSecret",
                "secretsmanager:DeleteSecret",
                "secretsmanager:DescribeSecret",
                "secretsmanager:GetResourcePolicy",
                // The deploy checks that every declared secret has a value before Helm runs.
                "secretsmanager:ListSecretVersionIds",
                "secretsmanager:TagResource",
                "secretsmanager:UntagResource",
                "secretsmanager:UpdateSecret",
            ],
            vec![regional("secretsmanager", vec![lit("secret:"), Piece::Field(Field::SecretsPrefix), lit("*")])],
        )
        .only(When::Is(Key))
        // The database's credentials are a secret value Terraform writes.
        .actions_if(
            &When::Is(Database),
            &[
                "secretsmanager:GetSecretValue",
                "secretsmanager:PutSecretValue",
                "secretsmanager:UpdateSecretVersionStage",
            ],
        )
        .actions_if(&When::Is(Rotation), &["secretsmanager:CancelRotateSecret", "secretsmanager:RotateSecret"]),
    );
    out.push(
        allow(
            "RotationFunction",
            &[
                "lambda:GetFunction",
                "lambda:GetFunctionCodeSigningConfig",
                "lambda:InvokeFunction",
                "lambda:ListVersionsByFunction",
            ],
            vec![regional("lambda", vec![lit(format!("function:{rotation_lambda}"))])],
        )
        .only(When::Is(Rotation)),
    );

    // Security groups (a database's): created with the service's tags, tagged only while
    // being created.
    let group = || regional("ec2", vec![lit("security-group/*")]);
    let rule = || regional("ec2", vec![lit("security-group-rule/*")]);
    out.push(
        allow(
            "ReadNetwork",
            &[
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSecurityGroupRules",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSubnets",
                "ec2:DescribeVpcs",
            ],
            vec![plain("*")],
        )
        .only(When::Is(Database)),
    );
    // The org's bastion (`databaseBastion`), read by the `aws_instance` data source: it
    // describes the instance, its attributes, credit specification and volumes. Only
    // DescribeInstanceAttribute takes an instance ARN; the others take none.
    out.push(
        allow(
            "ReadBastion",
            &[
                "ec2:DescribeInstanceCreditSpecifications",
                "ec2:DescribeInstances",
                "ec2:DescribeTags",
                "ec2:DescribeVolumes",
            ],
            vec![plain("*")],
        )
        .only(When::All(vec![Database, Bastion])),
    );
    out.push(
        allow(
            "ReadBastionAttributes",
            &["ec2:DescribeInstanceAttribute"],
            vec![regional("ec2", vec![lit("instance/*")])],
        )
        .only(When::All(vec![Database, Bastion])),
    );
    out.push(
        allow("CreateOwnSecurityGroups", &["ec2:CreateSecurityGroup"], vec![group()])
            .only(When::Is(Database))
            .tagging(),
    );
    out.push(
        allow("CreateSecurityGroupsInVpc", &["ec2:CreateSecurityGroup"], vec![regional("ec2", vec![lit("vpc/*")])])
            .only(When::Is(Database)),
    );
    out.push(allow("TagOnCreate", &["ec2:CreateTags"], vec![group(), rule()]).only(When::Is(Database)).when(
        "StringEquals",
        "ec2:CreateAction",
        vec![
            plain("AuthorizeSecurityGroupEgress"),
            plain("AuthorizeSecurityGroupIngress"),
            plain("CreateSecurityGroup"),
        ],
    ));
    let rules = [
        "ec2:AuthorizeSecurityGroupEgress",
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:ModifySecurityGroupRules",
        "ec2:RevokeSecurityGroupEgress",
        "ec2:RevokeSecurityGroupIngress",
        "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
        "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
    ];
    let mut own = rules.to_vec();
    own.extend(["ec2:CreateTags", "ec2:DeleteSecurityGroup", "ec2:DeleteTags"]);
    out.push(allow("OwnSecurityGroups", &own, vec![group()]).only(When::Is(Database)).tagged());
    // Rules are authorised on their group too, which must be the service's.
    out.push(allow("RulesOfOwnSecurityGroups", &rules, vec![rule()]).only(When::Is(Database)));

    let core = std::mem::take(&mut out);

    // The database, by name.
    let rds = |prefix: &str, field: Field| regional("rds", vec![lit(prefix), Piece::Field(field)]);
    out.push(
        allow(
            "OwnDatabase",
            &[
                "rds:AddTagsToResource",
                "rds:CreateDBInstance",
                "rds:CreateDBParameterGroup",
                "rds:CreateDBSnapshot",
                "rds:CreateDBSubnetGroup",
                "rds:DeleteDBInstance",
                "rds:DeleteDBParameterGroup",
                "rds:DeleteDBSubnetGroup",
                "rds:DescribeDBInstances",
                "rds:DescribeDBParameterGroups",
                "rds:DescribeDBParameters",
                "rds:DescribeDBSubnetGroups",
                "rds:ListTagsForResource",
                "rds:ModifyDBInstance",
                "rds:ModifyDBParameterGroup",
                "rds:ModifyDBSubnetGroup",
                "rds:RemoveTagsFromResource",
                "rds:ResetDBParameterGroup",
            ],
            vec![
                rds("db:", Field::Database),
                rds("subgrp:", Field::Database),
                // The parameter group is `<database>-<family>` (postgres.rs).
                regional("rds", vec![lit("pg:"), Piece::Field(Field::Database), lit("-postgres*")]),
                rds("snapshot:", Field::DatabaseFinalSnapshot),
            ],
        )
        .only(When::Is(Postgres)),
    );
    out.push(
        allow(
            "DefaultOptionGroup",
            &["rds:CreateDBInstance", "rds:ModifyDBInstance"],
            vec![regional("rds", vec![lit("og:default:postgres-*")])],
        )
        .only(When::Is(Postgres)),
    );
    let ec = |prefix: &str, field: Field, suffix: &str| {
        regional("elasticache", vec![lit(prefix), Piece::Field(field), lit(suffix)])
    };
    out.push(
        allow(
            "OwnCache",
            &[
                "elasticache:AddTagsToResource",
                "elasticache:CreateCacheSubnetGroup",
                "elasticache:CreateReplicationGroup",
                "elasticache:CreateSnapshot",
                "elasticache:DeleteCacheSubnetGroup",
                "elasticache:DeleteReplicationGroup",
                "elasticache:DescribeCacheClusters",
                "elasticache:DescribeCacheSubnetGroups",
                "elasticache:DescribeReplicationGroups",
                "elasticache:ListTagsForResource",
                "elasticache:ModifyCacheSubnetGroup",
                "elasticache:ModifyReplicationGroup",
                "elasticache:RemoveTagsFromResource",
            ],
            vec![
                ec("replicationgroup:", Field::Database, ""),
                ec("cluster:", Field::Database, "-00?"),
                ec("subnetgroup:", Field::Database, ""),
                ec("snapshot:", Field::DatabaseFinalSnapshot, ""),
                regional("elasticache", vec![lit("parametergroup:default.redis*")]),
            ],
        )
        .only(When::Is(Redis)),
    );

    // The certificate and DNS records of the service's host.
    let host = || Piece::Field(Field::Host);
    let certificates = || regional("acm", vec![lit("certificate/*")]);
    out.push(
        allow("RequestOwnCertificate", &["acm:RequestCertificate"], vec![plain("*")])
            .only(When::Is(Certificate))
            .when("ForAllValues:StringEquals", "acm:DomainNames", vec![text(vec![host()])])
            .tagging(),
    );
    out.push(
        allow("TagOwnCertificateOnRequest", &["acm:AddTagsToCertificate"], vec![certificates()])
            .only(When::Is(Certificate))
            .tagging(),
    );
    out.push(
        allow(
            "OwnCertificates",
            &[
                "acm:AddTagsToCertificate",
                "acm:DeleteCertificate",
                "acm:DescribeCertificate",
                "acm:ListTagsForCertificate",
                "acm:RemoveTagsFromCertificate",
                "acm:UpdateCertificateOptions",
            ],
            vec![certificates()],
        )
        .only(When::Is(Certificate))
        .tagged(),
    );
    let zones = || global("route53", vec![lit("hostedzone/*")]);
    out.push(allow("ListZones", &["route53:ListHostedZones"], vec![plain("*")]).only(When::Is(Records)));
    out.push(
        allow(
            "ReadZones",
            &[
                "route53:GetChange",
                "route53:GetHostedZone",
                "route53:ListResourceRecordSets",
                "route53:ListTagsForResource",
            ],
            vec![zones(), global("route53", vec![lit("change/*")])],
        )
        .only(When::Is(Records)),
    );
    out.push(
        allow("OwnRecords", &["route53:ChangeResourceRecordSets"], vec![zones()])
            .only(When::Is(Records))
            .when(
                "ForAllValues:StringLike",
                "route53:ChangeResourceRecordSetsNormalizedRecordNames",
                vec![text(vec![host()]), text(vec![lit("_*."), host()])],
            )
            .when("ForAllValues:StringEquals", "route53:ChangeResourceRecordSetsRecordTypes", vec![plain("CNAME")]),
    );
    DeployRules { core, resources: out }
}

/// The permissions boundary of the service's roles: no more than its pods' role policy
/// grants (statement by statement, the same ids: its secrets and key where it has them, its
/// PostgreSQL user) and what RDS enhanced monitoring needs. A service whose roles need
/// nothing gets a boundary that allows nothing.
pub fn boundary_rules() -> Vec<Rule> {
    use Fact::{Key, Postgres};
    vec![
        allow(
            "ReadOwnSecrets",
            &["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
            vec![regional("secretsmanager", vec![lit("secret:"), Piece::Field(Field::SecretsPrefix), lit("*")])],
        )
        .only(When::Is(Key)),
        allow("DecryptOwnSecrets", &["kms:Decrypt"], vec![text(vec![Piece::KeyArn])]).only(When::Is(Key)).when(
            "StringEquals",
            "kms:ViaService",
            vec![text(vec![lit("secretsmanager."), Piece::Region, lit(".amazonaws.com")])],
        ),
        allow(
            "ConnectOwnDatabase",
            &["rds-db:connect"],
            vec![regional("rds-db", vec![lit("dbuser:*/"), Piece::DatabaseName])],
        )
        .only(When::Is(Postgres)),
        // What the AWS-managed AmazonRDSEnhancedMonitoringRole grants, in this account and region.
        allow(
            "RdsEnhancedMonitoringGroups",
            &["logs:CreateLogGroup", "logs:PutRetentionPolicy"],
            vec![regional("logs", vec![lit("log-group:RDS*")])],
        )
        .only(When::Is(Postgres)),
        allow(
            "RdsEnhancedMonitoringStreams",
            &["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:GetLogEvents", "logs:PutLogEvents"],
            vec![regional("logs", vec![lit("log-group:RDS*:log-stream:*")])],
        )
        .only(When::Is(Postgres)),
        Rule {
            when: When::None(vec![Key, Postgres]),
            sid: "NothingToGrant",
            effect: Effect::Deny,
            actions: vec![(When::Always, "*")],
            resources: vec![(When::Always, plain("*"))],
            conditions: Vec::new(),
        },
    ]
}

// ---------------------------------------------------------------------------------------
// Printing.
// ---------------------------------------------------------------------------------------

impl Piece {
    fn expr(&self) -> Option<Expr> {
        Some(match self {
            Piece::Lit(_) => return None,
            Piece::Partition => Expr::path("data.aws_partition.current.partition"),
            Piece::Region => Expr::path("var.aws_region"),
            Piece::Account => Expr::path("var.aws_account_id"),
            Piece::Environment => Expr::path("var.environment"),
            Piece::StateBucket => Expr::path("var.state_bucket"),
            Piece::LockTable => Expr::path("var.lock_table"),
            Piece::Cluster => Expr::path("var.eks_cluster_name"),
            Piece::Field(f) => Expr::path("local.names").then(vec![Step::Attr(f.key().to_owned())]),
            Piece::KeyArn => Expr::path("aws_kms_key.this.arn"),
            Piece::SharedKeyArn => Expr::path("aws_kms_key.this[0].arn"),
            Piece::Service => Expr::path("var.service"),
            Piece::DatabaseName => Expr::path("var.database_name"),
        })
    }
}

impl Text {
    /// The HCL expression: a literal, a bare reference, or a template.
    pub fn expr(&self) -> Expr {
        match self.0.as_slice() {
            [Piece::Lit(s)] => Expr::str(s),
            [one] => one.expr().unwrap_or(Expr::Null),
            pieces => hcl::template(
                pieces
                    .iter()
                    .map(|p| match p {
                        Piece::Lit(s) => hcl::lit(s),
                        other => hcl::interp(other.expr().unwrap_or(Expr::Null)),
                    })
                    .collect(),
            ),
        }
    }

    /// The text of one service: its name and database name in place of [`Piece::Service`]
    /// and [`Piece::DatabaseName`], next to the literal text around them.
    pub fn named(&self, service: &str, database: &str) -> Text {
        let mut out: Vec<Piece> = Vec::new();
        for p in &self.0 {
            let name = match p {
                Piece::Service => service,
                Piece::DatabaseName => database,
                other => {
                    out.push(other.clone());
                    continue;
                }
            };
            match out.last_mut() {
                Some(Piece::Lit(before)) => before.push_str(name),
                _ => out.push(lit(name)),
            }
        }
        Text(out)
    }

    /// The value in one environment.
    pub fn value(&self, v: &Values<'_>) -> String {
        self.0
            .iter()
            .map(|p| match p {
                Piece::Lit(s) => s.clone(),
                Piece::Partition => "aws".to_owned(),
                Piece::Region => v.region.to_owned(),
                Piece::Account => v.account.to_owned(),
                Piece::Environment => v.environment.to_owned(),
                Piece::StateBucket => v.state_bucket.to_owned(),
                Piece::LockTable => v.lock_table.to_owned(),
                Piece::Cluster => v.cluster.to_owned(),
                Piece::Field(f) => {
                    v.fields.iter().find(|(g, _)| g == f).and_then(|(_, x)| x.clone()).unwrap_or_default()
                }
                Piece::KeyArn | Piece::SharedKeyArn => {
                    format!("arn:aws:kms:{}:{}:key/00000000-0000-0000-0000-000000000000", v.region, v.account)
                }
                Piece::Service => v.service.to_owned(),
                Piece::DatabaseName => naming::database_name(v.service),
            })
            .collect()
    }
}

/// The values of one environment, for [`policy_json`].
pub struct Values<'a> {
    /// The service.
    pub service: &'a str,
    /// Region.
    pub region: &'a str,
    /// Account.
    pub account: &'a str,
    /// Environment name.
    pub environment: &'a str,
    /// State bucket.
    pub state_bucket: &'a str,
    /// Lock table.
    pub lock_table: &'a str,
    /// Cluster.
    pub cluster: &'a str,
    /// The service's fields.
    pub fields: &'a [(Field, Option<String>)],
}

impl Statement {
    /// The `statement` block of an `aws_iam_policy_document` in the CI deploy module.
    pub fn block(&self) -> Block {
        let mut b = Block::new("statement", [])
            .attr("sid", Expr::str(self.sid))
            .attr("effect", Expr::str(if self.effect == Effect::Allow { "Allow" } else { "Deny" }))
            .attr("actions", Expr::strs(&self.actions))
            .attr("resources", Expr::List(self.resources.iter().map(|r| r.expr()).collect()));
        for c in &self.conditions {
            b = b.block(
                Block::new("condition", [])
                    .attr("test", Expr::str(c.test))
                    .attr("variable", Expr::str(c.variable))
                    .attr("values", Expr::List(c.values.iter().map(|v| v.expr()).collect())),
            );
        }
        b
    }
}

fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn json_list(out: &mut String, items: impl IntoIterator<Item = String>) {
    out.push('[');
    for (i, s) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_str(out, &s);
    }
    out.push(']');
}

/// The policy as IAM stores it (minified JSON) in one environment: what counts against
/// IAM's size limits.
pub fn policy_json(statements: &[Statement], v: &Values<'_>) -> String {
    let mut out = String::from("{\"Version\":\"2012-10-17\",\"Statement\":[");
    for (i, st) in statements.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"Sid\":");
        json_str(&mut out, st.sid);
        out.push_str(",\"Effect\":");
        json_str(&mut out, if st.effect == Effect::Allow { "Allow" } else { "Deny" });
        out.push_str(",\"Action\":");
        json_list(&mut out, st.actions.iter().map(|a| (*a).to_owned()));
        out.push_str(",\"Resource\":");
        json_list(&mut out, st.resources.iter().map(|r| r.value(v)));
        if !st.conditions.is_empty() {
            out.push_str(",\"Condition\":{");
            let mut tests: Vec<&str> = st.conditions.iter().map(|c| c.test).collect();
            tests.dedup();
            for (n, test) in tests.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                json_str(&mut out, test);
                out.push_str(":{");
                for (m, c) in st.conditions.iter().filter(|c| c.test == *test).enumerate() {
                    if m > 0 {
                        out.push(',');
                    }
                    json_str(&mut out, c.variable);
                    out.push(':');
                    json_list(&mut out, c.values.iter().map(|x| x.value(v)));
                }
                out.push('}');
            }
            out.push('}');
        }
        out.push('}');
    }
    out.push_str("]}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(blocks: &[&str], engine: Option<Engine>, sids: &[&str]) -> ServiceCi {
        let fields = Field::ALL.iter().map(|f| (*f, Some(format!("payment-api-production-{}", f.key())))).collect();
        ServiceCi {
            name: "payment-api".into(),
            blocks: blocks.iter().map(|t| ("resource".to_owned(), (*t).to_owned())).collect(),
            role_sids: sids.iter().map(|s| (*s).to_owned()).collect(),
            engine,
            rotation_lambda: "secrets-rotation".into(),
            lock_table: true,
            fields: vec![fields],
        }
    }

    /// Every part a root can have with one engine.
    fn everything(engine: Engine) -> ServiceCi {
        let other = match engine {
            Engine::Postgres => ["aws_elasticache_replication_group", "aws_elasticache_subnet_group"],
            Engine::Redis => ["aws_db_instance", "aws_iam_role_policy_attachment"],
        };
        let sids: &[&str] = match engine {
            Engine::Postgres => &["ReadOwnSecrets", "DecryptOwnSecrets", "ConnectOwnDatabase"],
            Engine::Redis => &["ReadOwnSecrets", "DecryptOwnSecrets"],
        };
        service(
            &COVERED
                .iter()
                .filter(|(k, t)| *k == "resource" && !other.contains(t))
                .map(|(_, t)| *t)
                .chain(["aws_kms_key"])
                .collect::<Vec<_>>(),
            Some(engine),
            sids,
        )
    }

    const ENGINES: [Engine; 2] = [Engine::Postgres, Engine::Redis];

    /// The largest real services: every part a root can have with one engine, and names as
    /// long as the compiler allows (`<service>-<env>` is at most 40 characters, LOW005).
    fn largest(engine: Engine) -> ServiceCi {
        let mut s = everything(engine);
        let (svc, env) = ("a-service-name-of-29-characte", "production");
        s.name = svc.into();
        assert_eq!(format!("{svc}-{env}").len(), 40);
        s.fields = vec![
            Field::ALL
                .iter()
                .map(|f| {
                    let v = match f {
                        Field::DeployRole => naming::ci_deploy_role_name(svc, env),
                        Field::PermissionsBoundary => naming::permissions_boundary_name(svc, env),
                        Field::StateKey => crate::versions::state_key(svc, env),
                        Field::IamRole => naming::iam_role_name(svc, env),
                        Field::RdsMonitoringRole => naming::rds_monitoring_role_name(svc, env),
                        Field::KmsAlias => naming::kms_alias(svc, env),
                        Field::SecretsPrefix => naming::secrets_prefix(svc, env),
                        Field::Database => naming::database_identifier(svc, env),
                        Field::DatabaseFinalSnapshot => naming::database_final_snapshot_identifier(svc, env),
                        Field::Host => format!("{svc}.{env}.platform-services.example.com"),
                        Field::Namespace => format!("{svc}-{env}"),
                    };
                    (*f, Some(v))
                })
                .collect(),
        ];
        s
    }

    fn values<'a>(s: &'a ServiceCi) -> Values<'a> {
        Values {
            service: &s.name,
            region: "ap-southeast-2",
            account: "123456789012",
            environment: "production",
            state_bucket: "example-org-production-terraform-state",
            lock_table: "terraform-locks",
            cluster: "production",
            fields: &s.fields[0],
        }
    }

    fn size(json: &str) -> usize {
        json.chars().filter(|c| !c.is_whitespace()).count()
    }

    #[test]
    fn the_largest_policies_fit_iam_limits() {
        for engine in [Engine::Postgres, Engine::Redis] {
            let s = largest(engine);
            let v = Values {
                service: &s.name,
                region: "ap-southeast-2",
                account: "123456789012",
                environment: "production",
                state_bucket: "a-platform-team-production-terraform-state-in-ap-southeast-2",
                lock_table: "platform-terraform-state-locks",
                cluster: "platform-production-ap-southeast-2",
                fields: &s.fields[0],
            };
            // A quarter of each limit stays free for hosts and tables with longer names.
            let d = deploy(&s);
            let core = policy_json(&d.core, &v);
            assert!(size(&core) * 4 < INLINE_POLICY_LIMIT * 3, "{engine}: {} characters: {core}", size(&core));
            let resources = policy_json(&d.resources, &v);
            assert!(size(&resources) * 4 < MANAGED_POLICY_LIMIT * 3, "{engine}: {} characters", size(&resources));
            let boundary = policy_json(&boundary(&s), &v);
            assert!(size(&boundary) * 2 < MANAGED_POLICY_LIMIT, "{engine}: {} characters", size(&boundary));
        }
    }

    #[test]
    fn state_locks_are_the_services_own() {
        let mut s = everything(Engine::Postgres);
        let lock = |s: &ServiceCi| deploy(s).core.into_iter().find(|st| st.sid == "TerraformLock").unwrap();
        let v = values(&s);
        let table = lock(&s);
        assert!(table.actions.iter().all(|a| a.starts_with("dynamodb:")));
        assert_eq!(
            table.conditions[0].values.iter().map(|t| t.value(&v)).collect::<Vec<_>>(),
            [
                "example-org-production-terraform-state/payment-api-production-state_key",
                "example-org-production-terraform-state/payment-api-production-state_key-md5"
            ]
        );
        s.lock_table = false;
        let object = lock(&s);
        assert_eq!(object.actions, ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]);
        assert_eq!(
            object.resources.iter().map(|t| t.value(&values(&s))).collect::<Vec<_>>(),
            ["arn:aws:s3:::example-org-production-terraform-state/payment-api-production-state_key.tflock"]
        );
    }

    #[test]
    fn nothing_is_granted_on_every_resource_but_reads_and_creation() {
        // `*` only for actions AWS cannot scope to a resource.
        let unscoped = [
            "acm:RequestCertificate",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeSecurityGroupRules",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeSubnets",
            "ec2:DescribeVpcs",
            "route53:ListHostedZones",
        ];
        for st in ENGINES
            .iter()
            .flat_map(|e| deploy(&everything(*e)).core.into_iter().chain(deploy(&everything(*e)).resources))
        {
            let st = &st;
            if st.resources.iter().any(|r| r.0 == [lit("*")]) {
                assert!(st.actions.iter().all(|a| unscoped.contains(a)), "{}: {:?}", st.sid, st.actions);
            }
            for a in &st.actions {
                assert!(!a.contains('*'), "{}: wildcard action {a}", st.sid);
                assert!(*a != "iam:DeleteRolePermissionsBoundary", "{}", st.sid);
                let key_use = ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"];
                assert!(!a.starts_with("kms:") || key_use.contains(a), "{}: administers keys: {a}", st.sid);
            }
        }
    }

    #[test]
    fn roles_change_only_within_the_boundary() {
        let all: Vec<Deploy> = ENGINES.iter().map(|e| deploy(&everything(*e))).collect();
        let statements: Vec<&Statement> = all.iter().flat_map(Deploy::all).collect();
        let creating =
            ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"];
        for st in &statements {
            if st.actions.iter().any(|a| creating.contains(a)) {
                let c = st.conditions.iter().find(|c| c.variable == "iam:PermissionsBoundary");
                assert!(c.is_some_and(|c| c.test == "StringEquals" && c.values == [boundary_arn()]), "{}", st.sid);
            }
            // The deploy role's own role and the boundary policy are never resources.
            for r in &st.resources {
                assert!(!r.0.contains(&Piece::Field(Field::DeployRole)), "{}", st.sid);
                assert!(!r.0.contains(&Piece::Field(Field::PermissionsBoundary)), "{}", st.sid);
            }
        }
    }

    #[test]
    fn tag_scoped_statements_pin_service_and_environment() {
        for st in ENGINES
            .iter()
            .flat_map(|e| deploy(&everything(*e)).core.into_iter().chain(deploy(&everything(*e)).resources))
        {
            let st = &st;
            let tags: Vec<&str> = st.conditions.iter().map(|c| c.variable).filter(|v| v.starts_with("aws:")).collect();
            if tags.iter().any(|t| t.contains("Tag/service")) {
                assert!(tags.iter().any(|t| t.contains("Tag/environment")), "{}", st.sid);
            }
            if st.actions.contains(&"ec2:CreateTags") && !tags.iter().any(|t| t.starts_with("aws:ResourceTag")) {
                let on_create = st.conditions.iter().any(|c| c.variable == "ec2:CreateAction");
                assert!(on_create, "{}: security groups could be re-tagged into scope", st.sid);
            }
        }
    }

    #[test]
    fn boundary_follows_the_role_policy() {
        let s = service(&[], None, &[]);
        let b = boundary(&s);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].effect, Effect::Deny);
        let sids: Vec<&str> = boundary(&everything(Engine::Postgres)).iter().map(|s| s.sid).collect();
        assert_eq!(
            sids,
            [
                "ReadOwnSecrets",
                "DecryptOwnSecrets",
                "ConnectOwnDatabase",
                "RdsEnhancedMonitoringGroups",
                "RdsEnhancedMonitoringStreams"
            ]
        );
    }

    #[test]
    fn texts_print_as_literals_references_or_templates() {
        let one = Text(vec![Piece::Field(Field::Host)]);
        assert_eq!(hcl::compact(&one.expr()), "local.names.host");
        assert_eq!(hcl::compact(&plain("*").expr()), "\"*\"");
        assert_eq!(hcl::compact(&Text(vec![Piece::KeyArn]).expr()), "aws_kms_key.this.arn");
        let t = role(Field::IamRole);
        assert_eq!(
            hcl::compact(&t.expr()),
            "\"arn:${data.aws_partition.current.partition}:iam::${var.aws_account_id}:role/${local.names.iam_role}\""
        );
        let s = everything(Engine::Postgres);
        assert_eq!(t.value(&values(&s)), "arn:aws:iam::123456789012:role/payment-api-production-iam_role");
    }
}
