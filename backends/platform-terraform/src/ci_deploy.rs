//! `<service>/terraform/ci-deploy/`: the service's CI deploy module. It holds what the
//! service's own root cannot create for itself, so the org root (`_org/terraform/`, [`crate::org`])
//! calls it once per service, with the platform team's credentials:
//!
//! - the deploy role [`platform_ir::naming::ci_deploy_role_name`] its GitHub Actions deploys
//!   assume, with the trust policy the org root passes in and the permissions of [`ci::deploy`];
//! - the permissions boundary of the service's own roles ([`ci::boundary`]);
//! - its KMS key (for services with secrets or a database), which the service's root looks up
//!   by alias;
//! - with an org ECR registry, its image repository and image push role ([`crate::registry`]).
//!
//! Everything that depends on the service lives here, next to the root it is derived from:
//! the org root stays a few lines per service however large the build, and a reviewer sees
//! what a change to `platform.yaml` does to the service's CI permissions in the service's
//! own directory. The module knows the service's AWS names in every environment
//! (`local.names`); the org root passes only the environment's values.

use std::fmt::Write as _;

use platform_ir::{Artifact, ArtifactSet, Format, Org, Span, deploy};

use crate::ci::{self, Field, ServiceCi, Statement};
use crate::hcl::{self, Block, Body, Expr, Item, Step};
use crate::readme::{cell, code};
use crate::root::{self, Ctx, Output, Validation, Variable, arn, one_of};
use crate::{registry, versions};

/// The module's directory inside the service's Terraform.
pub const DIR: &str = "ci-deploy";

/// The module's inputs, which the org root passes through from its own variables of the same
/// names (and the trust policy it builds); `lock_table` only when the org locks state in
/// DynamoDB.
pub fn inputs(org: &Org) -> Vec<&'static str> {
    let mut out = vec!["environment", "aws_account_id", "aws_region", "eks_cluster_name", "state_bucket"];
    if org.terraform.lock_table().is_some() {
        out.push("lock_table");
    }
    out.push("trust_policy");
    out
}

/// Add the module's files under [`DIR`].
pub fn add(ctx: &Ctx<'_>, s: &ServiceCi, provenance: &[Span], artifacts: &mut ArtifactSet) {
    let main = main_body(ctx, s);
    let vars = variables(ctx);
    let outputs = outputs(s.has_key().then(|| (Expr::path("aws_kms_key.this.arn"), "The service's KMS key.")));
    let file = |text: String| Artifact::new(Format::Hcl, text, provenance.to_vec());
    artifacts.insert(&format!("{DIR}/versions.tf"), file(versions::module_versions_tf(ctx.org)));
    artifacts.insert(&format!("{DIR}/main.tf"), file(hcl::print(&main)));
    artifacts.insert(&format!("{DIR}/variables.tf"), file(root::variables_tf(vars)));
    artifacts.insert(&format!("{DIR}/outputs.tf"), file(root::outputs_tf(&outputs)));
    artifacts.insert(
        &format!("{DIR}/README.md"),
        Artifact::new(Format::Markdown, readme(ctx, s, &outputs, &main), provenance.to_vec()),
    );
}

fn variables(ctx: &Ctx<'_>) -> Vec<Variable> {
    let names: Vec<&str> = ctx.envs.iter().map(|e| e.name()).collect();
    let mut environment = Variable {
        name: "environment",
        ty: Expr::keyword("string"),
        description: "Environment this run applies to; the module holds the service's AWS names of each.".into(),
        validations: Vec::new(),
        values: Vec::new(),
    };
    environment.validations.push(Validation {
        condition: one_of(Expr::path("var.environment"), &names),
        message: format!("The environment must be one of the service's environments: {}.", names.join(", ")),
    });
    let mut out = vec![environment];
    out.extend(passed_through(ctx.org));
    out
}

/// The variables of [`inputs`] after `environment`: the environment's values the org root
/// passes through, and the deploy role's trust policy.
pub(crate) fn passed_through(org: &Org) -> Vec<Variable> {
    inputs(org)
        .into_iter()
        .skip(1)
        .map(|name| {
            let description = match name {
                "aws_account_id" => "AWS account of the environment.",
                "aws_region" => "AWS region of the environment.",
                "eks_cluster_name" => "EKS cluster of the environment, which the deploy jobs connect to.",
                "state_bucket" => "S3 bucket of the environment's Terraform state.",
                "lock_table" => "DynamoDB table of the state locks.",
                _ => "Trust policy (JSON) of the deploy role: who may assume it. The org root passes GitHub's OIDC tokens for the repository's GitHub environment.",
            };
            Variable {
                name,
                ty: Expr::keyword("string"),
                description: description.into(),
                validations: Vec::new(),
                values: Vec::new(),
            }
        })
        .collect()
}

fn policy_document(name: &str, statements: &[Statement]) -> Block {
    let mut doc = Block::new("data", ["aws_iam_policy_document", name]);
    for st in statements {
        doc = doc.block(st.block());
    }
    doc
}

/// The service's AWS names in each environment, `null` where it has no such resource: its
/// module's `local.names_by_environment`, or what the org root passes the shared one.
pub(crate) fn names(ctx: &Ctx<'_>, s: &ServiceCi) -> Expr {
    Expr::object(ctx.envs.iter().zip(&s.fields).map(|(e, fields)| {
        (
            e.name().to_owned(),
            Expr::object(fields.iter().map(|(f, v)| (f.key(), v.as_ref().map_or(Expr::Null, Expr::str)))),
        )
    }))
}

fn main_body(ctx: &Ctx<'_>, s: &ServiceCi) -> Body {
    let svc = s.name.as_str();
    let mut body = Body::default();
    body.0.push(Item::Comment(format!(
        "The CI deploy role of {svc}, the permissions boundary of its own roles{}. Called by the org root (_org/terraform), never applied on its own.",
        if s.has_key() { " and its KMS key" } else { "" }
    )));
    body.push_block(Block::new("locals", []).attr("names_by_environment", names(ctx, s)).attr(
        "names",
        Expr::path("local.names_by_environment").then(vec![Step::By(Box::new(Expr::path("var.environment")))]),
    ));
    body.push_block(Block::new("data", ["aws_partition", "current"]));

    if s.has_key() {
        let admin = arn(vec![hcl::lit("iam::"), hcl::interp(Expr::path("var.aws_account_id")), hcl::lit(":root")]);
        let policy = key_policy(admin);
        body.0.push(Item::Comment(
            "The service's KMS key: CI may use it and hand it to RDS or ElastiCache, never administer it.".into(),
        ));
        let key = Block::new("resource", ["aws_kms_key", "this"])
            .attr("description", Expr::str(format!("Secrets and database storage of {svc}.")))
            .attr("enable_key_rotation", Expr::Bool(true))
            .attr("deletion_window_in_days", Expr::Num(30))
            .attr("policy", policy)
            .attr("tags", Expr::object([("service", Expr::str(svc))]));
        // Without its key, the service's database and secrets are unreadable: removing the
        // service from the build must not schedule the key's deletion.
        body.push_block(match ctx.prevent_destroy() {
            Some(guard) => key.blank().block(guard),
            None => key,
        });
        body.push_block(
            Block::new("resource", ["aws_kms_alias", "this"])
                .attr("name", name(Field::KmsAlias))
                .attr("target_key_id", Expr::path("aws_kms_key.this.key_id")),
        );
    }

    body.0.push(Item::Comment("The permissions boundary every role of the service's own Terraform carries.".into()));
    body.push_block(policy_document("boundary", &ci::boundary(s)));
    body.push_block(
        Block::new("resource", ["aws_iam_policy", "boundary"])
            .attr("name", name(Field::PermissionsBoundary))
            .attr(
                "description",
                Expr::str(format!("Bounds the roles of {svc}'s own Terraform to what its pods and database need.")),
            )
            .attr("policy", Expr::path("data.aws_iam_policy_document.boundary.json")),
    );

    body.0.push(Item::Comment(
        "The deploy role: apply the service's root in one environment and reach its cluster.".into(),
    ));
    let grants = ci::deploy(s);
    body.push_block(policy_document("deploy", &grants.core));
    body.push_block(
        Block::new("resource", ["aws_iam_role", "deploy"])
            .attr("name", name(Field::DeployRole))
            .attr(
                "description",
                Expr::str(format!("GitHub Actions deploys, promotions and rollbacks of {svc} in one environment.")),
            )
            .attr("assume_role_policy", Expr::path("var.trust_policy"))
            .attr("max_session_duration", Expr::Num(session_seconds(ctx))),
    );
    body.push_block(
        Block::new("resource", ["aws_iam_role_policy", "deploy"])
            .attr("name", Expr::str("deploy"))
            .attr("role", Expr::path("aws_iam_role.deploy.id"))
            .attr("policy", Expr::path("data.aws_iam_policy_document.deploy.json")),
    );
    if !grants.resources.is_empty() {
        // IAM caps a role's inline policies at 10,240 characters in all: the database and DNS
        // parts go into a managed policy named like the role.
        body.push_block(policy_document("deploy_resources", &grants.resources));
        body.push_block(
            Block::new("resource", ["aws_iam_policy", "deploy_resources"])
                .attr("name", name(Field::DeployRole))
                .attr(
                    "description",
                    Expr::str(format!("Network, database and DNS part of the deploys of {svc} in one environment.")),
                )
                .attr("policy", Expr::path("data.aws_iam_policy_document.deploy_resources.json")),
        );
        body.push_block(
            Block::new("resource", ["aws_iam_role_policy_attachment", "deploy_resources"])
                .attr("role", Expr::path("aws_iam_role.deploy.name"))
                .attr("policy_arn", Expr::path("aws_iam_policy.deploy_resources.arn")),
        );
    }
    if let Some(repo) = registry::Repository::of(ctx) {
        registry::add(ctx.org, &repo.ecr, repo.owner, &registry::Owner::of(ctx, &repo), &mut body);
    }
    if ctx.org.terraform.cluster_access.value {
        cluster_access(&Expr::str(deploy_group(svc)), &Expr::str(format!("{svc}-deploy")), &mut body);
        if let Some(dashboard) = deploy::dashboard(ctx.org, ctx.svc) {
            dashboard_access(svc, &dashboard, &mut body);
        }
    }
    body
}

/// The key policy of a service's KMS key: the account administers it (through IAM), `admin`
/// being the account's root ARN.
pub(crate) fn key_policy(admin: Expr) -> Expr {
    Expr::call(
        "jsonencode",
        vec![Expr::object([
            ("Version", Expr::str("2012-10-17")),
            (
                "Statement",
                Expr::List(vec![Expr::object([
                    ("Sid", Expr::str("AccountAdministersKey")),
                    ("Effect", Expr::str("Allow")),
                    ("Principal", Expr::object([("AWS", admin)])),
                    ("Action", Expr::str("kms:*")),
                    ("Resource", Expr::str("*")),
                ])]),
            ),
        ])],
    )
}

/// The Kubernetes group of a service's deploy role in its cluster (the same in every
/// environment: each environment has its own cluster and access entry).
pub fn deploy_group(service: &str) -> String {
    format!("platform:{service}:deploy")
}

/// What the deploy jobs do in the service's namespace: `helm upgrade` and `helm rollback`
/// of the chart (its release history is Secrets), Helm's legacy wait (pods, ReplicaSets,
/// events), and following, promoting and aborting the canary (`kubectl get` and
/// `kubectl patch --subresource status` of the Rollout, its AnalysisRuns). The kinds managed
/// are every kind the chart may render (the runtime contract
/// `every_deploy_has_its_namespace_and_may_manage_its_charts_kinds` holds them together);
/// checked against Helm v4.2.3 and Argo Rollouts v1.8.
pub const DEPLOY_RULES: &[(&str, &[&str], Verbs)] = &[
    ("", &["secrets", "serviceaccounts", "services"], Verbs::Manage),
    ("", &["endpoints", "events", "persistentvolumeclaims", "pods", "pods/log"], Verbs::Read),
    ("apps", &["deployments"], Verbs::Manage),
    ("apps", &["replicasets"], Verbs::Read),
    ("argoproj.io", &["analysistemplates", "rollouts", "rollouts/status"], Verbs::Manage),
    ("argoproj.io", &["analysisruns", "experiments"], Verbs::Read),
    ("autoscaling", &["horizontalpodautoscalers"], Verbs::Manage),
    ("external-secrets.io", &["externalsecrets"], Verbs::Manage),
    ("gateway.networking.k8s.io", &["httproutes"], Verbs::Manage),
    ("monitoring.coreos.com", &["prometheusrules", "servicemonitors"], Verbs::Manage),
    ("networking.k8s.io", &["ingresses", "networkpolicies"], Verbs::Manage),
    ("policy", &["poddisruptionbudgets"], Verbs::Manage),
    ("vpcresources.k8s.aws", &["securitygrouppolicies"], Verbs::Manage),
];

/// The verbs of a rule of [`DEPLOY_RULES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verbs {
    /// Create, change and delete.
    Manage,
    /// Read and watch.
    Read,
}

impl Verbs {
    /// The Kubernetes verbs.
    pub fn verbs(self) -> &'static [&'static str] {
        match self {
            Verbs::Manage => &["create", "delete", "get", "list", "patch", "update", "watch"],
            Verbs::Read => &["get", "list", "watch"],
        }
    }
}

/// The deploy role's way into the cluster: an EKS access entry in the service's own
/// Kubernetes group, and a Role in the service's namespace ([`DEPLOY_RULES`]) bound to that
/// group. The org root creates the namespace and configures the Kubernetes provider.
pub(crate) fn cluster_access(group: &Expr, role_name: &Expr, body: &mut Body) {
    body.0.push(Item::Comment(
        "The deploy role's access to the cluster: its own Kubernetes group, bound to a Role in the service's namespace that may manage the chart's kinds and nothing else.".into(),
    ));
    body.push_block(
        Block::new("resource", ["aws_eks_access_entry", "deploy"])
            .attr("cluster_name", Expr::path("var.eks_cluster_name"))
            .attr("principal_arn", Expr::path("aws_iam_role.deploy.arn"))
            .attr("kubernetes_groups", Expr::List(vec![group.clone()]))
            .attr("type", Expr::str("STANDARD")),
    );
    let metadata =
        || Block::new("metadata", []).attr("name", role_name.clone()).attr("namespace", name(Field::Namespace));
    let mut role = Block::new("resource", ["kubernetes_role_v1", "deploy"]).block(metadata());
    for (api_group, resources, verbs) in DEPLOY_RULES {
        role = role.blank().block(
            Block::new("rule", [])
                .attr("api_groups", Expr::strs([*api_group]))
                .attr("resources", Expr::strs(resources.iter()))
                .attr("verbs", Expr::strs(verbs.verbs().iter())),
        );
    }
    body.push_block(role);
    body.push_block(role_binding("deploy", metadata(), group.clone()));
}

/// `kubernetes_role_binding_v1.<label>`: the Role `kubernetes_role_v1.<label>` bound to the
/// deploy role's Kubernetes group (once its access entry exists).
fn role_binding(label: &str, metadata: Block, group: Expr) -> Block {
    Block::new("resource", ["kubernetes_role_binding_v1", label])
        .block(metadata)
        .blank()
        .block(
            Block::new("role_ref", [])
                .attr("api_group", Expr::str("rbac.authorization.k8s.io"))
                .attr("kind", Expr::str("Role"))
                .attr("name", Expr::path(&format!("kubernetes_role_v1.{label}.metadata[0].name"))),
        )
        .blank()
        .block(
            Block::new("subject", [])
                .attr("api_group", Expr::str("rbac.authorization.k8s.io"))
                .attr("kind", Expr::str("Group"))
                .attr("name", group),
        )
        .blank()
        .attr("depends_on", Expr::List(vec![Expr::path("aws_eks_access_entry.deploy")]))
}

/// The deploy role may deliver the service's dashboard: a Role in Grafana's namespace that
/// may create the dashboard's kind and change or delete only the service's own object
/// (RBAC cannot limit `create` by name), bound to the deploy role's group.
fn dashboard_access(svc: &str, to: &deploy::DashboardDelivery, body: &mut Body) {
    let group = deploy_group(svc);
    let name = format!("{svc}-dashboard");
    body.0.push(Item::Comment(format!(
        "The deploy delivers the service's dashboard into Grafana's namespace ({}): it may create it and change only its own.",
        to.namespace
    )));
    let metadata =
        || Block::new("metadata", []).attr("name", Expr::str(&name)).attr("namespace", Expr::str(&to.namespace));
    let rule = |verbs: &[&str], names: bool| {
        let mut b = Block::new("rule", [])
            .attr("api_groups", Expr::strs([to.api_group]))
            .attr("resources", Expr::strs([to.resource]));
        if names {
            b = b.attr("resource_names", Expr::strs([to.name.as_str()]));
        }
        b.attr("verbs", Expr::strs(verbs.iter()))
    };
    body.push_block(
        Block::new("resource", ["kubernetes_role_v1", "dashboard"])
            .block(metadata())
            .blank()
            .block(rule(&["create"], false))
            .blank()
            .block(rule(&["delete", "get", "patch", "update"], true)),
    );
    body.push_block(role_binding("dashboard", metadata(), Expr::str(group)));
}

/// The longest session the deploy role allows: as long as the service's longest deploy job
/// ([`deploy::session_seconds`]), which asks for exactly that.
pub(crate) fn session_seconds(ctx: &Ctx<'_>) -> i64 {
    i64::try_from(deploy::session_seconds(ctx.org, ctx.svc)).unwrap_or(i64::MAX)
}

/// `local.names.<field>`.
pub(crate) fn name(f: Field) -> Expr {
    Expr::path("local.names").then(vec![Step::Attr(f.key().to_owned())])
}

/// The module's outputs; `key`: the key's ARN and what it is, where the module has one.
pub(crate) fn outputs(key: Option<(Expr, &str)>) -> Vec<Output> {
    let mut out = vec![
        Output {
            name: "deploy_role_arn",
            description: "The CI deploy role (the `aws-role-arn` the service's GitHub Actions deploys assume).".into(),
            value: Expr::path("aws_iam_role.deploy.arn"),
            sensitive: false,
        },
        Output {
            name: "permissions_boundary_arn",
            description: "The permissions boundary of the service's own roles.".into(),
            value: Expr::path("aws_iam_policy.boundary.arn"),
            sensitive: false,
        },
    ];
    out.extend(key.map(|(value, description)| Output {
        name: "kms_key_arn",
        description: description.into(),
        value,
        sensitive: false,
    }));
    out
}

/// What each statement of a deploy role is for, in a reviewer's words.
pub(crate) fn purpose(sid: &str) -> &'static str {
    match sid {
        "TerraformState" => "read and write the service's own state object (and list the bucket's key names)",
        "TerraformLock" => "lock only the service's own state (its `.tflock` object, or its items in the lock table)",
        "Cluster" => "look up the environment's EKS cluster (kubeconfig, subnets)",
        "OwnRoles" => "read, tag and delete the service's own roles",
        "OwnRolesWithinBoundary" => "create and change them only with the service's permissions boundary",
        "RdsMonitoringPolicy" => "attach exactly AmazonRDSEnhancedMonitoringRole to the RDS monitoring role",
        "PassRdsMonitoringRole" => "hand the monitoring role to RDS only",
        "DatabaseServiceLinkedRole" => "create the database service's linked role, if the account lacks it",
        "DescribeOwnKey" => "look up the service's KMS key",
        "GrantOwnKeyToAws" => "let RDS / ElastiCache use the key (grants for AWS services only)",
        "OwnKeyThroughSecretsManager" => "encrypt and decrypt the service's secrets, through Secrets Manager only",
        "OwnSecrets" => "manage secrets named `<env>/<service>/…`",
        "RotationFunction" => "attach the org's rotation Lambda",
        "ReadNetwork" => "read subnets, VPCs and security groups",
        "CreateOwnSecurityGroups" => "create security groups carrying the service's tags",
        "CreateSecurityGroupsInVpc" => "… in the cluster's VPC",
        "TagOnCreate" => "tag security groups and rules only while creating them",
        "OwnSecurityGroups" => "change and delete only groups tagged as the service's",
        "RulesOfOwnSecurityGroups" => "manage the rules of those groups",
        "OwnDatabase" => {
            "manage the RDS instance, subnet and parameter groups and final snapshot named for the service"
        }
        "DefaultOptionGroup" => "use RDS's default option group",
        "OwnCache" => "manage the ElastiCache group, its nodes, subnet group and final snapshot named for the service",
        "RequestOwnCertificate" => "request a certificate for the service's host only",
        "TagOwnCertificateOnRequest" => "tag it with the service's tags",
        "OwnCertificates" => "manage certificates tagged as the service's",
        "ListZones" => "list hosted zones (to find the host's)",
        "ReadZones" => "read hosted zones and their records; follow record changes until they are in sync",
        "OwnRecords" => "change only CNAME records of the service's host and its validation records",
        _ => "",
    }
}

fn readme(ctx: &Ctx<'_>, s: &ServiceCi, outputs: &[Output], main: &Body) -> String {
    let svc = s.name.as_str();
    let envs = &ctx.envs;
    let mut out = String::new();
    let _ = writeln!(out, "# CI deploy role of {}\n", code(svc));
    let _ = writeln!(
        out,
        "What the GitHub Actions deploys of {} may do in AWS, generated by `platform` from `platform.yaml` and the org file.\nChange those files and rebuild; do not edit these files.\n",
        code(svc)
    );
    out.push_str("## Who applies it\n\n");
    out.push_str(
        "Nobody applies this directory on its own: it is a module, and the org root (`_org/terraform/`) calls it once per service, applied by the platform team with its own credentials.\n\
         A service's own Terraform cannot create the role that applies it, so a change here reaches AWS when the platform team next applies the org root.\n\
         Protect this directory like the org root (for example with a CODEOWNERS entry for `*/terraform/ci-deploy/`): it decides what the service's CI may do.\n\n",
    );

    out.push_str("## Names\n\n| name |");
    for e in envs {
        let _ = write!(out, " {} |", cell(e.name()));
    }
    out.push_str("\n|---|");
    for _ in envs {
        out.push_str("---|");
    }
    out.push('\n');
    for f in Field::ALL {
        if s.fields.iter().all(|fields| fields.iter().all(|(g, v)| g != f || v.is_none())) {
            continue;
        }
        let _ = write!(out, "| {} |", code(f.key()));
        for fields in &s.fields {
            let v = fields.iter().find(|(g, _)| g == f).and_then(|(_, v)| v.as_deref()).unwrap_or("");
            let _ = write!(out, " {} |", if v.is_empty() { String::new() } else { code(v) });
        }
        out.push('\n');
    }
    out.push_str(
        "\nThe service's own roles (its pods' role, RDS's monitoring role) carry the permissions boundary, which allows no more than those roles need; the deploy role may create and change them only with that boundary attached, so it cannot grant more through them.\n",
    );
    if s.has_key() {
        out.push_str(
            "The KMS key is created here, not by the service's Terraform, which looks it up by its alias: CI may use the key and hand it to RDS or ElastiCache, never administer it.\n",
        );
    }

    let _ = writeln!(
        out,
        "The deploy role allows sessions of up to {} minutes: the service's longest deploy job (Terraform, Helm and, in production, following the canary), which asks for exactly that.",
        session_seconds(ctx) / 60
    );
    out.push_str("\n## What the deploy role may do\n\n");
    let grants = ci::deploy(s);
    out.push_str("Each statement of its inline policy (`deploy`)");
    if !grants.resources.is_empty() {
        out.push_str(
            " and of `deploy_resources` (the database and DNS part, a managed policy named like the role, because IAM caps a role's inline policies at 10,240 characters)",
        );
    }
    out.push_str(
        ", on the service's own names in the environment (see `main.tf`):\n\n| statement | for |\n|---|---|\n",
    );
    for st in grants.all() {
        let _ = writeln!(out, "| {} | {} |", code(st.sid), cell(purpose(st.sid)));
    }
    out.push_str(
        "\nResources with AWS-assigned ids are scoped by the `service` and `environment` tags the service's Terraform puts on everything: security groups can be tagged only in the call that creates them, so another team's group can never be tagged into scope.\n",
    );
    if grants.all().any(|st| st.sid == "OwnCertificates") {
        out.push_str(
            "ACM certificates have no such guard: the role could tag another team's certificate as its own and then delete it, which ACM refuses while the certificate is in use.\n",
        );
    }

    out.push_str("\n## Resources\n\n| address | what |\n|---|---|\n");
    crate::readme::resource_rows(&mut out, crate::readme::blocks(main));
    let _ = writeln!(
        out,
        "\n## Inputs\n\n{}, all passed through by the org root from its environment's `.tfvars`.",
        inputs(ctx.org).iter().map(|i| code(i)).collect::<Vec<_>>().join(", ")
    );
    crate::readme::outputs_section(&mut out, outputs);
    out.push_str(crate::readme::NOT_CHECKED);
    out.push_str(
        "No offline tool evaluates IAM policies: whether the deploy role may do exactly what the service's `terraform apply` needs is first shown by its first deploy.\n",
    );
    out
}
