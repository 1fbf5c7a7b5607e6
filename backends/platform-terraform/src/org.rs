//! `_org/terraform/`: the bootstrap root the platform team applies once per environment,
//! with its own credentials, before any service deploys there (and again when a service is
//! added or removed). It creates what a service's own Terraform cannot create for itself:
//!
//! - GitHub's OIDC provider in the account (`token.actions.githubusercontent.com`, audience
//!   `sts.amazonaws.com`), once per account: the first environment of each account creates
//!   it. No thumbprint: AWS verifies GitHub's certificate through its own trusted CAs, and
//!   the AWS provider no longer asks for one.
//! - Per service of the build, the CI deploy role [`platform_ir::naming::ci_deploy_role_name`], trusted
//!   for exactly the subject `repo:<catalog.githubRepo>:environment:<env>` (the GitHub
//!   environment the GitHub Actions backend's deploy, promote and rollback jobs declare),
//!   with the policy of [`ci::deploy`].
//! - Per service, the permissions boundary of its own roles ([`ci::boundary`]) and its KMS
//!   key (for services with secrets or a database), which the service's root looks up by
//!   alias.
//!
//! One `main.tf` for every environment, as for services: the service list is the same in
//! every environment, and `<env>.tfvars` selects the environment (account, region, cluster,
//! state, and every service's names there).

use std::fmt::Write as _;

use platform_ir::{Artifact, ArtifactSet, Diagnostic, Emitted, Environment, Format, Org, Service, Span};

use crate::ci::{self, Field, ServiceCi, Statement};
use crate::hcl::{self, Block, Body, Expr, Item, Step};
use crate::readme::{cell, code};
use crate::root::{
    self, Ctx, Output, Root, Validation, Variable, and, arn, condition, matches, max_len, one_of, principals,
};
use crate::{checks, diagnostics, versions};

/// GitHub Actions' OIDC issuer host.
pub const GITHUB_OIDC_HOST: &str = "token.actions.githubusercontent.com";
/// The audience `aws-actions/configure-aws-credentials` asks GitHub for.
pub const GITHUB_AUDIENCE: &str = "sts.amazonaws.com";

/// The state object of this root in an environment's bucket (never under `services/`, so no
/// deploy role can read it).
pub fn state_key(env: &str) -> String {
    format!("platform/ci-deploy/{env}/terraform.tfstate")
}

/// The OIDC subject a deploy role trusts: what GitHub puts into the token of a job that
/// declares `environment: <env>` in `repository`.
pub fn github_subject(repository: &str, env: &str) -> String {
    format!("repo:{repository}:environment:{env}")
}

/// A GitHub repository `owner/repo`: an owner of letters, digits and single inner hyphens
/// (at most 39), a name of letters, digits, `.`, `_` and `-` (at most 100, not `.` or `..`).
pub fn is_github_repository(s: &str) -> bool {
    let Some((owner, repo)) = s.split_once('/') else { return false };
    let owner_ok = (1..=39).contains(&owner.len())
        && owner.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !owner.starts_with('-')
        && !owner.ends_with('-')
        && !owner.contains("--");
    let repo_ok = (1..=100).contains(&repo.len())
        && repo.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        && repo != "."
        && repo != "..";
    owner_ok && repo_ok
}

/// The org root's files, or only diagnostics.
pub fn emit(org: &Org, services: &[&Service]) -> Emitted {
    let repo = &org.catalog.github_repo;
    if !is_github_repository(&repo.value) {
        return Emitted {
            artifacts: ArtifactSet::new(),
            diagnostics: vec![diagnostics::invalid_github_repository(repo)],
        };
    }
    // A service whose own Terraform is not written (its problems are reported there) gets
    // no role either.
    let cis: Vec<ServiceCi> = services
        .iter()
        .filter(|svc| !checks::check(org, svc).iter().any(Diagnostic::is_error))
        .map(|svc| {
            let ctx = Ctx::new(org, svc);
            let root = crate::resources(&ctx);
            ServiceCi::new(&ctx, &root)
        })
        .collect();
    if cis.is_empty() || org.environments.is_empty() {
        return Emitted::default();
    }
    let vars = variables(org, &cis);
    let outputs = outputs(&cis);
    let main = main_body(org, &cis);

    let provenance = provenance(org, services);
    let file = |text: String| Artifact::new(Format::Hcl, text, provenance.clone());
    let mut artifacts = ArtifactSet::new();
    artifacts.insert("versions.tf", file(versions::versions_tf(org, &Root::default())));
    artifacts.insert("main.tf", file(hcl::print(&main)));
    artifacts.insert("variables.tf", file(root::variables_tf(vars.clone())));
    artifacts.insert("outputs.tf", file(root::outputs_tf(&outputs)));
    for (i, e) in org.environments.iter().enumerate() {
        artifacts.insert(&format!("{}.tfvars", e.name.value), file(root::tfvars(&vars, i)));
        artifacts.insert(
            &format!("backend-{}.hcl", e.name.value),
            file(versions::backend_file(org, e, &state_key(&e.name.value))),
        );
    }
    artifacts.insert(
        "README.md",
        Artifact::new(Format::Markdown, readme(org, &cis, &vars, &outputs, &main), provenance.clone()),
    );
    Emitted { artifacts, diagnostics: Vec::new() }
}

/// The org's environments, the repository, the state settings and every service's name.
fn provenance(org: &Org, services: &[&Service]) -> Vec<Span> {
    let mut spans = vec![org.catalog.github_repo.span, org.terraform.state_bucket.span, org.terraform.lock_table.span];
    spans.extend(org.environments.iter().map(|e| e.name.span));
    spans.extend(services.iter().map(|s| s.name.span));
    spans.sort();
    spans.dedup();
    spans
}

/// True for the first environment of each AWS account: it creates GitHub's OIDC provider,
/// which an account holds once.
fn creates_oidc_provider(envs: &[Environment], index: usize) -> bool {
    let account = &envs[index].aws_account.value;
    !envs[..index].iter().any(|e| &e.aws_account.value == account)
}

fn variables(org: &Org, cis: &[ServiceCi]) -> Vec<Variable> {
    let envs = &org.environments;
    let per_env = |f: &dyn Fn(&Environment) -> Expr| envs.iter().map(f).collect::<Vec<_>>();
    let names: Vec<&str> = envs.iter().map(|e| e.name.value.as_str()).collect();
    let string = || Expr::keyword("string");
    let iam_name = |field: &str, limit: i64| {
        let v = Expr::path("s").then(vec![Step::Attr(field.to_owned())]);
        Expr::call(
            "alltrue",
            vec![Expr::for_list(
                "s",
                Expr::call("values", vec![Expr::path("var.services")]),
                and(max_len(v.clone(), limit), matches(v, "^[A-Za-z0-9+=,.@_-]+$")),
            )],
        )
    };
    vec![
        Variable {
            name: "environment",
            ty: string(),
            description: "Environment this run applies to; the state backend and the other variables must be the same environment's.".into(),
            validations: vec![Validation {
                condition: one_of(Expr::path("var.environment"), &names),
                message: format!("The environment must be one of the org's environments: {}.", names.join(", ")),
            }],
            values: per_env(&|e| Expr::str(&e.name.value)),
        },
        Variable {
            name: "aws_account_id",
            ty: string(),
            description: "AWS account of the environment; the provider refuses to run against any other.".into(),
            validations: vec![Validation {
                condition: matches(Expr::path("var.aws_account_id"), "^[0-9]{12}$"),
                message: "The AWS account id must be 12 digits.".into(),
            }],
            values: per_env(&|e| Expr::str(&e.aws_account.value)),
        },
        Variable {
            name: "aws_region",
            ty: string(),
            description: "AWS region of the environment.".into(),
            validations: vec![Validation {
                condition: matches(Expr::path("var.aws_region"), "^[a-z]{2}(-[a-z]+)+-[0-9]+$"),
                message: "The AWS region must look like eu-west-1.".into(),
            }],
            values: per_env(&|e| Expr::str(&e.aws_region.value)),
        },
        Variable {
            name: "eks_cluster_name",
            ty: string(),
            description: "EKS cluster of the environment, which the deploy jobs connect to.".into(),
            validations: vec![Validation {
                condition: matches(Expr::path("var.eks_cluster_name"), "^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$"),
                message: "The EKS cluster name must be 1 to 100 letters, digits, - and _, starting with a letter or digit.".into(),
            }],
            values: per_env(&|e| Expr::str(&e.cluster.value)),
        },
        Variable {
            name: "state_bucket",
            ty: string(),
            description: "S3 bucket of the environment's Terraform state; each deploy role may read and write only its service's object.".into(),
            validations: vec![Validation {
                condition: matches(Expr::path("var.state_bucket"), "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"),
                message: "The state bucket must be an S3 bucket name.".into(),
            }],
            values: per_env(&|e| Expr::str(versions::bucket_of(org, e))),
        },
        Variable {
            name: "lock_table",
            ty: string(),
            description: "DynamoDB table of the state locks; each deploy role may lock only its service's state.".into(),
            validations: vec![Validation {
                condition: matches(Expr::path("var.lock_table"), "^[A-Za-z0-9_.-]{3,255}$"),
                message: "The lock table must be a DynamoDB table name.".into(),
            }],
            values: per_env(&|_| Expr::str(&org.terraform.lock_table.value)),
        },
        Variable {
            name: "create_github_oidc_provider",
            ty: Expr::keyword("bool"),
            description: "Whether this environment creates GitHub's OIDC provider: true for the first environment of each AWS account (an account holds the provider once), false for the others, which trust the one already there.".into(),
            validations: Vec::new(),
            values: (0..envs.len()).map(|i| Expr::Bool(creates_oidc_provider(envs, i))).collect(),
        },
        Variable {
            name: "services",
            ty: Expr::call(
                "map",
                vec![Expr::call("object", vec![Expr::object(Field::ALL.iter().map(|f| (f.key(), string())))])],
            ),
            description: "Every service of the build with its AWS names in this environment, from the platform's one naming rule (null where the service has no such resource).".into(),
            validations: vec![
                Validation {
                    condition: iam_name("deploy_role", 64),
                    message: "Every deploy role name must be at most 64 letters, digits and +=,.@_- characters.".into(),
                },
                Validation {
                    condition: iam_name("permissions_boundary", 128),
                    message: "Every permissions boundary name must be at most 128 letters, digits and +=,.@_- characters.".into(),
                },
            ],
            values: (0..envs.len())
                .map(|i| {
                    Expr::object(cis.iter().map(|c| {
                        let fields = c.fields.get(i).map(Vec::as_slice).unwrap_or_default();
                        (
                            c.name.clone(),
                            Expr::object(
                                fields.iter().map(|(f, v)| (f.key(), v.as_ref().map_or(Expr::Null, Expr::str))),
                            ),
                        )
                    }))
                })
                .collect(),
        },
    ]
}

/// `var.services["<service>"].<field>`.
fn field(service: &str, f: Field) -> Expr {
    Expr::path("var.services").then(vec![Step::Key(service.to_owned()), Step::Attr(f.key().to_owned())])
}

fn policy_document(name: &str, statements: &[Statement], c: &ServiceCi) -> Block {
    let mut doc = Block::new("data", ["aws_iam_policy_document", name]);
    for st in statements {
        doc = doc.block(st.block(&c.label, &c.name));
    }
    doc
}

fn main_body(org: &Org, cis: &[ServiceCi]) -> Body {
    let mut body = Body::default();
    body.0.push(Item::Comment("Provider and shared values.".into()));
    body.push_block(
        Block::new("provider", ["aws"])
            .attr("region", Expr::path("var.aws_region"))
            .attr("allowed_account_ids", Expr::List(vec![Expr::path("var.aws_account_id")]))
            .block(Block::new("default_tags", []).attr("tags", Expr::path("local.tags"))),
    );
    body.push_block(
        Block::new("locals", [])
            .attr(
                "tags",
                Expr::object([
                    ("environment", Expr::path("var.environment")),
                    ("managed-by", Expr::str("platform")),
                    ("purpose", Expr::str("ci-deploy")),
                ]),
            )
            .attr(
                "github_oidc_provider_arn",
                arn(vec![
                    hcl::lit("iam::"),
                    hcl::interp(Expr::path("var.aws_account_id")),
                    hcl::lit(format!(":oidc-provider/{GITHUB_OIDC_HOST}")),
                ]),
            )
            .attr(
                "github_subject",
                hcl::template(vec![
                    hcl::lit(format!("repo:{}:environment:", org.catalog.github_repo.value)),
                    hcl::interp(Expr::path("var.environment")),
                ]),
            ),
    );
    body.push_block(Block::new("data", ["aws_partition", "current"]));

    body.0.push(Item::Comment(
        "GitHub's OIDC provider (one per account, created by the account's first environment) and the trust every deploy role shares."
            .into(),
    ));
    body.push_block(
        Block::new("resource", ["aws_iam_openid_connect_provider", "github"])
            .attr("count", Expr::cond(Expr::path("var.create_github_oidc_provider"), Expr::Num(1), Expr::Num(0)))
            .blank()
            .attr("url", Expr::str(format!("https://{GITHUB_OIDC_HOST}")))
            .attr("client_id_list", Expr::strs([GITHUB_AUDIENCE])),
    );
    body.push_block(
        Block::new("data", ["aws_iam_policy_document", "github_deploy_trust"]).block(
            Block::new("statement", [])
                .attr("sid", Expr::str("GithubEnvironment"))
                .attr("effect", Expr::str("Allow"))
                .attr("actions", Expr::strs(["sts:AssumeRoleWithWebIdentity"]))
                .block(principals("Federated", Expr::List(vec![Expr::path("local.github_oidc_provider_arn")])))
                .block(condition(
                    "StringEquals",
                    Expr::str(format!("{GITHUB_OIDC_HOST}:aud")),
                    Expr::strs([GITHUB_AUDIENCE]),
                ))
                .block(condition(
                    "StringEquals",
                    Expr::str(format!("{GITHUB_OIDC_HOST}:sub")),
                    Expr::List(vec![Expr::path("local.github_subject")]),
                )),
        ),
    );

    for c in cis {
        let (svc, label) = (c.name.as_str(), c.label.as_str());
        body.0.push(Item::Comment(format!(
            "Service {svc}: {}the permissions boundary of its own roles, and its deploy role.",
            if c.has_key() { "its KMS key, " } else { "" }
        )));
        if c.has_key() {
            let admin = arn(vec![hcl::lit("iam::"), hcl::interp(Expr::path("var.aws_account_id")), hcl::lit(":root")]);
            let policy = Expr::call(
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
            );
            body.push_block(
                Block::new("resource", ["aws_kms_key", label])
                    .attr("description", Expr::str(format!("Secrets and database storage of {svc}.")))
                    .attr("enable_key_rotation", Expr::Bool(true))
                    .attr("deletion_window_in_days", Expr::Num(30))
                    .attr("policy", policy)
                    .attr("tags", Expr::object([("service", Expr::str(svc))])),
            );
            body.push_block(
                Block::new("resource", ["aws_kms_alias", label])
                    .attr("name", field(svc, Field::KmsAlias))
                    .attr("target_key_id", Expr::reference(["aws_kms_key", label, "key_id"])),
            );
        }
        let boundary = format!("{label}_boundary");
        body.push_block(policy_document(&boundary, &ci::boundary(c), c));
        body.push_block(
            Block::new("resource", ["aws_iam_policy", &boundary])
                .attr("name", field(svc, Field::PermissionsBoundary))
                .attr(
                    "description",
                    Expr::str(format!("Bounds the roles of {svc}'s own Terraform to what its pods and database need.")),
                )
                .attr("policy", Expr::reference(["data", "aws_iam_policy_document", &boundary, "json"])),
        );
        let deploy = format!("{label}_deploy");
        let grants = ci::deploy(c);
        body.push_block(policy_document(&deploy, &grants.core, c));
        body.push_block(
            Block::new("resource", ["aws_iam_role", &deploy])
                .attr("name", field(svc, Field::DeployRole))
                .attr(
                    "description",
                    Expr::str(format!("GitHub Actions deploys, promotions and rollbacks of {svc} in one environment.")),
                )
                .attr("assume_role_policy", Expr::path("data.aws_iam_policy_document.github_deploy_trust.json"))
                .attr("max_session_duration", Expr::Num(3600))
                .blank()
                .attr("depends_on", Expr::List(vec![Expr::path("aws_iam_openid_connect_provider.github")])),
        );
        body.push_block(
            Block::new("resource", ["aws_iam_role_policy", &deploy])
                .attr("name", Expr::str("deploy"))
                .attr("role", Expr::reference(["aws_iam_role", &deploy, "id"]))
                .attr("policy", Expr::reference(["data", "aws_iam_policy_document", &deploy, "json"])),
        );
        if !grants.resources.is_empty() {
            // IAM caps a role's inline policies at 10,240 characters in all: the database
            // and DNS parts go into a managed policy named like the role.
            let resources = format!("{label}_deploy_resources");
            body.push_block(policy_document(&resources, &grants.resources, c));
            body.push_block(
                Block::new("resource", ["aws_iam_policy", &deploy])
                    .attr("name", field(svc, Field::DeployRole))
                    .attr(
                        "description",
                        Expr::str(format!(
                            "Network, database and DNS part of the deploys of {svc} in one environment."
                        )),
                    )
                    .attr("policy", Expr::reference(["data", "aws_iam_policy_document", &resources, "json"])),
            );
            body.push_block(
                Block::new("resource", ["aws_iam_role_policy_attachment", &deploy])
                    .attr("role", Expr::reference(["aws_iam_role", &deploy, "name"]))
                    .attr("policy_arn", Expr::reference(["aws_iam_policy", &deploy, "arn"])),
            );
        }
    }
    body
}

fn outputs(cis: &[ServiceCi]) -> Vec<Output> {
    let by_service = |ty: &str, suffix: &str, only: &dyn Fn(&ServiceCi) -> bool| {
        Expr::object(
            cis.iter()
                .filter(|c| only(c))
                .map(|c| (c.name.clone(), Expr::reference([ty, &format!("{}{suffix}", c.label), "arn"]))),
        )
    };
    let mut out = vec![
        Output {
            name: "github_oidc_provider_arn",
            description: "GitHub's OIDC provider in the account.".into(),
            value: Expr::path("local.github_oidc_provider_arn"),
            sensitive: false,
        },
        Output {
            name: "deploy_role_arns",
            description: "The CI deploy role of each service (the `aws-role-arn` its GitHub Actions deploys assume)."
                .into(),
            value: by_service("aws_iam_role", "_deploy", &|_| true),
            sensitive: false,
        },
        Output {
            name: "permissions_boundary_arns",
            description: "The permissions boundary of each service's own roles.".into(),
            value: by_service("aws_iam_policy", "_boundary", &|_| true),
            sensitive: false,
        },
    ];
    if cis.iter().any(ServiceCi::has_key) {
        out.push(Output {
            name: "kms_key_arns",
            description: "The KMS key of each service with secrets or a database.".into(),
            value: by_service("aws_kms_key", "", &ServiceCi::has_key),
            sensitive: false,
        });
    }
    out
}

/// What each statement of a deploy role is for, in a reviewer's words.
fn purpose(sid: &str) -> &'static str {
    match sid {
        "TerraformState" => "read and write the service's own state object (and list the bucket's key names)",
        "TerraformLock" => "lock only the service's own state in the lock table",
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

fn readme(org: &Org, cis: &[ServiceCi], vars: &[Variable], outputs: &[Output], main: &Body) -> String {
    let repo = &org.catalog.github_repo.value;
    let envs = &org.environments;
    let mut out = String::new();
    out.push_str("# CI deploy roles\n\n");
    let _ = writeln!(
        out,
        "The AWS side of the GitHub Actions deploys of every service in this build, generated by `platform` from the org file and the services' `platform.yaml`.\nChange those files and rebuild; do not edit these files.\n"
    );
    out.push_str("## Who applies it, and when\n\n");
    out.push_str(
        "The platform team, with its own administrator credentials, never CI: a service's own Terraform cannot create the role that applies it.\n\
         Apply it once per environment, in the environment's AWS account, before the first deploy of any service there, and again whenever a service is added to or removed from the build.\n\n```sh\n",
    );
    for e in envs {
        let _ = writeln!(
            out,
            "terraform init -reconfigure -backend-config=backend-{0}.hcl\nterraform plan -var-file={0}.tfvars -out={0}.tfplan\nterraform apply {0}.tfplan",
            e.name.value
        );
    }
    out.push_str("```\n\n");
    let shared: Vec<String> =
        (0..envs.len()).filter(|&i| !creates_oidc_provider(envs, i)).map(|i| code(&envs[i].name.value)).collect();
    out.push_str(
        "GitHub's OIDC provider exists once per AWS account: the first environment of each account creates it (`create_github_oidc_provider = true`).\n",
    );
    if !shared.is_empty() {
        let _ = writeln!(
            out,
            "{} share an account with an earlier environment and trust the provider it created, so apply that one first.",
            shared.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "If the account already has the provider (from another tool), import it before the first apply:\n\n```sh\nterraform import -var-file=<env>.tfvars 'aws_iam_openid_connect_provider.github[0]' arn:aws:iam::<account>:oidc-provider/{GITHUB_OIDC_HOST}\n```\n"
    );
    out.push_str(
        "The provider lists no certificate thumbprint: AWS verifies GitHub's certificate through its own library of trusted certificate authorities, and the AWS provider (5.81 and later) no longer asks for one.\n\n",
    );

    out.push_str("## The GitHub side\n\n");
    let _ = writeln!(
        out,
        "Every deploy role trusts tokens of the repository {} issued to a job that declares one of the GitHub environments below, for the audience {}.",
        code(repo),
        code(GITHUB_AUDIENCE)
    );
    out.push_str(
        "The deploy, promote and rollback jobs declare the environment by its org name, so the repository needs GitHub environments with exactly these names; their protection rules (deployment branches, required reviewers) decide who may deploy.\n\n| environment | trusted subject | account |\n|---|---|---|\n",
    );
    for e in envs {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            code(&e.name.value),
            code(&github_subject(repo, &e.name.value)),
            code(&e.aws_account.value)
        );
    }
    out.push_str(
        "\nEvery service of the repository trusts the same subject in an environment: a job that passes the environment's protection rules could assume any service's role there.\nThe environments' rules are the boundary between the services of one repository.\n\n",
    );

    out.push_str("## Per service\n\n| service | KMS key |");
    for e in envs {
        let _ = write!(out, " deploy role in {} |", cell(&e.name.value));
    }
    out.push_str("\n|---|---|");
    for _ in envs {
        out.push_str("---|");
    }
    out.push('\n');
    for c in cis {
        let _ = write!(out, "| {} | {} |", code(&c.name), if c.has_key() { "yes" } else { "no" });
        for fields in &c.fields {
            let role = fields.iter().find(|(f, _)| *f == Field::DeployRole).and_then(|(_, v)| v.clone());
            let _ = write!(out, " {} |", code(&role.unwrap_or_default()));
        }
        out.push('\n');
    }
    out.push_str(
        "\nIn environment `<env>`, service `<service>` gets the deploy role `<service>-<env>-deploy`, the permissions boundary `<service>-<env>-boundary` and, with secrets or a database, the KMS key `alias/<service>-<env>`.\n",
    );
    out.push_str(
        "\nA service's KMS key is created here, not by the service's Terraform, which looks it up by its alias: CI may use the key and hand it to RDS or ElastiCache, never administer it.\n\
         The service's own roles (its pods' role, RDS's monitoring role) carry the permissions boundary, which allows no more than those roles need; the deploy role may create and change them only with that boundary attached, so it cannot grant more through them.\n\n",
    );

    out.push_str("## What a deploy role may do\n\nEach statement of `<service>_deploy` (the role's inline policy) and `<service>_deploy_resources` (its database and DNS part, a managed policy named like the role, because IAM caps a role's inline policies at 10,240 characters), on the service's own names in the environment (see `main.tf`):\n\n| statement | for |\n|---|---|\n");
    let mut sids: Vec<&str> = Vec::new();
    for c in cis {
        for st in ci::deploy(c).all() {
            if !sids.contains(&st.sid) {
                sids.push(st.sid);
            }
        }
    }
    for sid in sids {
        let _ = writeln!(out, "| {} | {} |", code(sid), cell(purpose(sid)));
    }
    out.push_str(
        "\nResources with AWS-assigned ids are scoped by the `service` and `environment` tags the service's Terraform puts on everything: security groups can be tagged only in the call that creates them, so another team's group can never be tagged into scope.\n\
         ACM certificates have no such guard: a role could tag another team's certificate as its own and then delete it, which ACM refuses while the certificate is in use.\n\n",
    );

    out.push_str("## Cluster access\n\n");
    out.push_str(
        "The deploy jobs also run `helm` and `kubectl` in the service's namespace.\n\
         That is Kubernetes access, which the cluster's owners grant: an EKS access entry for each deploy role (or an `aws-auth` mapping) bound to a Role in the service's namespace that may manage the chart's kinds (Deployments, Services, Argo Rollouts and AnalysisTemplates, ServiceMonitors and PrometheusRules, ExternalSecrets, SecurityGroupPolicies, …).\n\n",
    );

    out.push_str("## Resources\n\n| address | what |\n|---|---|\n");
    for item in &main.0 {
        if let Item::Block(b) = item
            && b.kind == "resource"
            && b.labels.len() == 2
        {
            let _ = writeln!(
                out,
                "| {} | {} |",
                code(&format!("{}.{}", b.labels[0], b.labels[1])),
                crate::readme::what(&b.labels[0])
            );
        }
    }
    out.push_str("\n## Inputs\n\nEvery input is set by the environment's `.tfvars` file.\n\n| name | description |");
    for e in envs {
        let _ = write!(out, " {} |", cell(&e.name.value));
    }
    out.push_str("\n|---|---|");
    for _ in envs {
        out.push_str("---|");
    }
    out.push('\n');
    for v in vars {
        let _ = write!(out, "| {} | {} |", code(v.name), cell(&v.description));
        for val in &v.values {
            let shown = if v.name == "services" { "see the table above".to_owned() } else { code(&hcl::compact(val)) };
            let _ = write!(out, " {shown} |");
        }
        out.push('\n');
    }
    out.push_str("\n## Outputs\n\n| name | description |\n|---|---|\n");
    for o in outputs {
        let _ = writeln!(out, "| {} | {} |", code(o.name), cell(&o.description));
    }
    out.push_str(
        "\n## Not checked by `platform build`\n\n\
         The build checks that these files are formatted as `terraform fmt` formats them, that they parse, that every resource type and argument exists in the AWS provider's schema, and checkov.\n\
         It cannot run `terraform validate` or `plan`, and no offline tool evaluates IAM policies: whether each deploy role may do exactly what its service's `terraform apply` needs is first shown by the first deploy.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_repositories() {
        for ok in ["acme/monorepo", "example-org/services", "a/b.c_d-e", "A1/x"] {
            assert!(is_github_repository(ok), "{ok}");
        }
        for bad in [
            "",
            "acme",
            "acme/",
            "/repo",
            "https://github.com/acme/monorepo",
            "acme/mono/repo",
            "-acme/x",
            "ac--me/x",
            "acme/*",
            "acme/..",
            "acme/x y",
            "acme/${x}",
        ] {
            assert!(!is_github_repository(bad), "{bad}");
        }
    }

    #[test]
    fn subjects_and_state() {
        assert_eq!(github_subject("acme/monorepo", "production"), "repo:acme/monorepo:environment:production");
        assert!(!state_key("staging").starts_with("services/"));
    }
}
