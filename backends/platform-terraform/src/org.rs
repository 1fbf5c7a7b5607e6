//! `_org/terraform/`: the bootstrap root the platform team applies once per environment,
//! with its own credentials, before any service deploys there (and again when a service is
//! added or removed, or its CI permissions change). It creates what a service's own Terraform
//! cannot create for itself:
//!
//! - GitHub's OIDC provider in the account (`token.actions.githubusercontent.com`, audience
//!   `sts.amazonaws.com`), once per account: the first environment of each account creates
//!   it. No thumbprint: AWS verifies GitHub's certificate through its own trusted CAs, and
//!   the AWS provider no longer asks for one.
//! - The trust every deploy role shares: exactly the subject
//!   `repo:<catalog.githubRepo>:environment:<env>` (the GitHub environment the GitHub Actions
//!   backend's deploy, promote and rollback jobs declare).
//! - Per service of the build, a call of the service's CI deploy module
//!   (`<service>/terraform/ci-deploy/`, [`crate::ci_deploy`]): its deploy role, the
//!   permissions boundary of its own roles and its KMS key.
//!
//! The root is a few lines per service and its variables do not grow with the build: each
//! service's names and policies live in its own module. One `main.tf` for every environment,
//! as for services; `<env>.tfvars` selects the environment (account, region, cluster, state).

use std::fmt::Write as _;

use platform_ir::backend::{org_to_service, service_dir};
use platform_ir::{
    Artifact, ArtifactSet, Diagnostic, Emitted, Environment, Format, Org, Service, Span, deploy, naming,
};

use crate::hcl::{self, Block, Body, Expr, Item};
use crate::readme::{cell, code};
use crate::root::{
    self, Ctx, Output, Validation, Variable, arn, condition, matches, one_of, principals, regional_arn, statement,
};
use crate::{checks, ci_deploy, ci_shared, diagnostics, versions};

/// GitHub Actions' OIDC issuer host.
pub const GITHUB_OIDC_HOST: &str = "token.actions.githubusercontent.com";
/// The audience `aws-actions/configure-aws-credentials` asks GitHub for.
pub const GITHUB_AUDIENCE: &str = "sts.amazonaws.com";

/// The state object of this root in an environment's bucket (never under `services/`, so no
/// deploy role can read it), one per repository: two repositories of one org sharing a
/// bucket never plan to destroy each other's deploy roles.
pub fn state_key(repository: &str, env: &str) -> String {
    format!("platform/ci-deploy/{repository}/{env}/terraform.tfstate")
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
    // A service whose own Terraform is not written (its problems are reported there) has no
    // deploy module either.
    let entries: Vec<Entry> = services
        .iter()
        .filter(|svc| !checks::check(org, svc).iter().any(Diagnostic::is_error))
        .map(|svc| Entry {
            name: svc.name.value.as_str(),
            identity: svc.aws_identity(),
            label: module_label(&svc.name.value),
            previous_labels: svc.previous_names.iter().map(|p| module_label(&p.value)).collect(),
            has_key: Ctx::new(org, svc).has_secrets(),
            namespaces: namespaces(org, svc),
            svc,
        })
        .collect();
    if entries.is_empty() || org.environments.is_empty() {
        return Emitted::default();
    }
    let mut diagnostics: Vec<Diagnostic> = secret_store_size(org, &entries).into_iter().collect();
    if let Some(ecr) = org.ecr().filter(|_| org.registry_environment().is_none()) {
        diagnostics.push(diagnostics::registry_account_has_no_environment(&org.registry, &ecr));
    }
    let vars = variables(org);
    let outputs = outputs(&entries);
    // A packaged org's one dashboard reaches each cluster with the org root, once.
    let dashboard = deploy::delivered_org_dashboard(org, services);
    let (before, after) = main_body(org, &entries, dashboard.as_ref());
    // The module calls are printed one service at a time: at 10 000 services their syntax
    // trees would outweigh the rest of the build.
    let mut main_text = hcl::print(&before);
    for (i, e) in entries.iter().enumerate() {
        if i > 0 {
            main_text.push('\n');
        }
        main_text.push_str(&hcl::print(&module_calls(org, e)));
    }
    if !after.0.is_empty() {
        main_text.push('\n');
        main_text.push_str(&hcl::print(&after));
    }

    let provenance = provenance(org, services);
    let file = |text: String| Artifact::new(Format::Hcl, text, provenance.clone());
    let mut artifacts = ArtifactSet::new();
    artifacts.insert("versions.tf", file(versions::org_versions_tf(org)));
    artifacts.insert("main.tf", file(main_text));
    artifacts.insert("variables.tf", file(root::variables_tf(vars.clone())));
    artifacts.insert("outputs.tf", file(root::outputs_tf(&outputs)));
    for (i, e) in org.environments.iter().enumerate() {
        artifacts.insert(&format!("{}.tfvars", e.name.value), file(root::tfvars(&vars, i)));
        artifacts.insert(
            &format!("backend-{}.hcl", e.name.value),
            file(versions::backend_file(org, e, &state_key(&org.catalog.github_repo.value, &e.name.value))),
        );
    }
    artifacts.insert(
        "README.md",
        Artifact::new(Format::Markdown, readme(org, &entries, &vars, &outputs, &[&before, &after]), provenance.clone()),
    );
    if org.packages.packaged() {
        for (path, artifact) in crate::parts::files(org, &provenance)
            .0
            .into_iter()
            .chain(crate::service_role::files(org, &provenance).0)
            .chain(crate::names::files(org, &provenance).0)
        {
            artifacts.insert(path.as_str(), artifact);
        }
    }
    if ci_shared::shared(org) {
        for (path, artifact) in ci_shared::files(org, &provenance).0 {
            artifacts.insert(&format!("{}/{}", ci_shared::DIR, path.as_str()), artifact);
        }
    }
    Emitted { artifacts, diagnostics }
}

/// The label of a service's module call (`payment-api` → `payment_api`).
fn module_label(service: &str) -> String {
    service.replace('-', "_")
}

/// The service's namespace in each of its environments, and those its previous names had
/// (a rename must not plan to delete a namespace, which `prevent_destroy` refuses).
fn namespaces(org: &Org, svc: &Service) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = svc.environments.iter().map(|e| (e.index, e.namespace.clone())).collect();
    for e in &svc.environments {
        out.extend(svc.previous_namespaces(org, e).map(|(_, ns)| (e.index, ns)));
    }
    out
}

/// What the org root needs of one service.
struct Entry<'a> {
    /// Service name.
    name: &'a str,
    /// The name its AWS resources keep ([`Service::aws_identity`]).
    identity: &'a str,
    /// Its module's label ([`module_label`]).
    label: String,
    /// The labels its module had under its previous names, oldest first.
    previous_labels: Vec<String>,
    /// True when its module creates a KMS key (secrets or a database).
    has_key: bool,
    /// Its namespace in each of its environments (by index into the org's environments).
    namespaces: Vec<(usize, String)>,
    /// The service, for its call of the org's shared CI deploy module ([`ci_shared::shared`]),
    /// derived when the call is printed so that no build holds every service's call at once.
    svc: &'a Service,
}

/// The org's environments, the repository, the state settings and every service's name.
fn provenance(org: &Org, services: &[&Service]) -> Vec<Span> {
    let mut spans = vec![org.catalog.github_repo.span, org.terraform.state_bucket.span];
    spans.extend(org.terraform.lock_table().map(|t| t.span));
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

fn variables(org: &Org) -> Vec<Variable> {
    let envs = &org.environments;
    let per_env = |f: &dyn Fn(&Environment) -> Expr| envs.iter().map(f).collect::<Vec<_>>();
    let names: Vec<&str> = envs.iter().map(|e| e.name.value.as_str()).collect();
    let string = || Expr::keyword("string");
    let mut vars = vec![
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
            description: "S3 bucket of the environment's Terraform state; each deploy role may read and write only its service's object (and its lock).".into(),
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
    ];
    // Without a lock table the state bucket locks the state itself.
    vars.retain(|v| v.name != "lock_table" || org.terraform.lock_table().is_some());
    vars
}

/// `main.tf` before and after the module calls ([`module_calls`]).
fn main_body(org: &Org, entries: &[Entry<'_>], dashboard: Option<&deploy::DashboardDelivery>) -> (Body, Body) {
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
    if org.terraform.cluster_access.value {
        cluster_access(org, entries, &mut body);
        if let Some(d) = dashboard {
            org_dashboard(d, &mut body);
        }
    }

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
    body.push_block(github_trust(
        "github_deploy_trust",
        "GithubEnvironment",
        Expr::path("local.github_oidc_provider_arn"),
        Expr::List(vec![Expr::path("local.github_subject")]),
    ));

    body.0.push(Item::Comment(
        if ci_shared::shared(org) {
            "Per service: the org's CI deploy module (deploy role, permissions boundary, KMS key) with the service's name, AWS names and what its own Terraform has."
        } else {
            "Per service: its CI deploy module (deploy role, permissions boundary, KMS key), generated next to the service's own Terraform."
        }
        .into(),
    ));
    let mut after = Body::default();
    secret_store_grant(org, entries, &mut after);
    (body, after)
}

/// The call of one service's CI deploy module, and the moves of its earlier labels.
fn module_calls(org: &Org, e: &Entry<'_>) -> Body {
    let mut body = Body::default();
    let mut call = if ci_shared::shared(org) {
        let ctx = Ctx::new(org, e.svc);
        let facts = crate::ci::ServiceCi::new(&ctx, &crate::resources(&ctx));
        let mut call =
            Block::new("module", [e.label.as_str()]).attr("source", Expr::str(format!("./{}", ci_shared::DIR))).blank();
        for (name, value) in ci_shared::arguments(&ctx, &facts) {
            call = call.attr(name, value);
        }
        call
    } else {
        Block::new("module", [e.label.as_str()])
            .attr("source", Expr::str(format!("{}/{}", org_to_service(e.name, crate::ID), ci_deploy::DIR)))
    }
    .blank();
    for input in ci_deploy::inputs(org) {
        let value = match input {
            "trust_policy" => Expr::path("data.aws_iam_policy_document.github_deploy_trust.json"),
            other => Expr::path(&format!("var.{other}")),
        };
        call = call.attr(input, value);
    }
    let mut depends = vec![Expr::path("aws_iam_openid_connect_provider.github")];
    if org.terraform.cluster_access.value {
        depends.push(Expr::path("kubernetes_namespace_v1.service"));
    }
    body.push_block(call.blank().attr("depends_on", Expr::List(depends)));
    // A rename keeps the module's state (its KMS key above all) under the new label: one
    // chain oldest to newest, as Terraform refuses two moves to one address.
    let chain: Vec<&String> = e.previous_labels.iter().chain([&e.label]).collect();
    for pair in chain.windows(2) {
        body.push_block(
            Block::new("moved", [])
                .attr("from", Expr::path(&format!("module.{}", pair[0])))
                .attr("to", Expr::path(&format!("module.{}", pair[1]))),
        );
    }
    body
}

/// `data.aws_iam_policy_document.<label>`: GitHub's OIDC tokens (`provider`, audience
/// [`GITHUB_AUDIENCE`]) with exactly one of `subjects` may assume the role.
pub fn github_trust(label: &str, sid: &str, provider: Expr, subjects: Expr) -> Block {
    Block::new("data", ["aws_iam_policy_document", label]).block(
        Block::new("statement", [])
            .attr("sid", Expr::str(sid))
            .attr("effect", Expr::str("Allow"))
            .attr("actions", Expr::strs(["sts:AssumeRoleWithWebIdentity"]))
            .block(principals("Federated", Expr::List(vec![provider])))
            .block(condition(
                "StringEquals",
                Expr::str(format!("{GITHUB_OIDC_HOST}:aud")),
                Expr::strs([GITHUB_AUDIENCE]),
            ))
            .block(condition("StringEquals", Expr::str(format!("{GITHUB_OIDC_HOST}:sub")), subjects)),
    )
}

/// The Kubernetes provider (the environment's cluster, with the applier's own AWS
/// credentials) and every namespace of the build's services in the environment, which the
/// services' deploys never create (their deploy roles may act only inside them). Each CI
/// deploy module binds its deploy role to a Role in its namespace ([`ci_deploy`]).
fn cluster_access(org: &Org, entries: &[Entry<'_>], body: &mut Body) {
    body.0.push(Item::Comment(
        "The environment's cluster: the services' namespaces, and each deploy role's access to its own (in its module).".into(),
    ));
    body.push_block(Block::new("data", ["aws_eks_cluster", "this"]).attr("name", Expr::path("var.eks_cluster_name")));
    body.push_block(
        Block::new("data", ["aws_eks_cluster_auth", "this"]).attr("name", Expr::path("var.eks_cluster_name")),
    );
    body.push_block(
        Block::new("provider", ["kubernetes"])
            .attr("host", Expr::path("data.aws_eks_cluster.this.endpoint"))
            .attr(
                "cluster_ca_certificate",
                Expr::call("base64decode", vec![Expr::path("data.aws_eks_cluster.this.certificate_authority[0].data")]),
            )
            .attr("token", Expr::path("data.aws_eks_cluster_auth.this.token")),
    );
    let by_env = org.environments.iter().enumerate().map(|(i, env)| {
        let mut names: Vec<&str> = entries
            .iter()
            .flat_map(|e| e.namespaces.iter())
            .filter(|(j, _)| *j == i)
            .map(|(_, n)| n.as_str())
            .collect();
        names.sort_unstable();
        names.dedup();
        (env.name.value.clone(), Expr::strs(names))
    });
    body.push_block(Block::new("locals", []).attr("namespaces_by_environment", Expr::object(by_env)));
    // A namespace holds every workload in it: removing the last service of a namespace from
    // the build must not delete what else lives there.
    body.push_block(
        Block::new("resource", ["kubernetes_namespace_v1", "service"])
            .attr(
                "for_each",
                Expr::call(
                    "toset",
                    vec![
                        Expr::path("local.namespaces_by_environment")
                            .then(vec![hcl::Step::By(Box::new(Expr::path("var.environment")))]),
                    ],
                ),
            )
            .blank()
            .block(
                Block::new("metadata", [])
                    .attr("name", Expr::path("each.key"))
                    .attr("labels", Expr::object([("app.kubernetes.io/managed-by", Expr::str("platform"))])),
            )
            .blank()
            .block(Block::new("lifecycle", []).attr("prevent_destroy", Expr::Bool(true))),
    );
}

/// The org's one service dashboard (packaged orgs), applied to the environment's cluster
/// from the very object the `grafana` backend writes beside this root (`_org/grafana/`), so
/// the object has one source: no deploy applies it, and it reaches Grafana wherever the
/// platform team applies the org root.
fn org_dashboard(d: &deploy::DashboardDelivery, body: &mut Body) {
    body.0.push(Item::Comment(format!(
        "The org's service dashboard ({}/{} in {}), from the object in _org/grafana/.",
        if d.api_group.is_empty() { "v1" } else { d.api_group },
        d.resource,
        d.namespace
    )));
    let file = hcl::template(vec![hcl::interp(Expr::path("path.module")), hcl::lit(format!("/../grafana/{}", d.file))]);
    body.push_block(
        Block::new("resource", ["kubernetes_manifest", "dashboard"])
            .attr("manifest", Expr::call("yamldecode", vec![Expr::call("file", vec![file])])),
    );
}

/// The inline policy of the org's secret store role ([`secret_store_policy_name`]) on the
/// role the External Secrets `ClusterSecretStore` reads with: read each service's secrets
/// (`<env>/<service>/…`) and decrypt them with the service's key, through Secrets Manager
/// only. Without it the ExternalSecrets of a service with a customer-managed key never sync.
fn secret_store_grant(org: &Org, entries: &[Entry<'_>], body: &mut Body) {
    let Some(role) = org.terraform.secret_store_role() else { return };
    let keyed: Vec<&Entry<'_>> = entries.iter().filter(|e| e.has_key).collect();
    if keyed.is_empty() {
        return;
    }
    let secrets = keyed.iter().map(|e| {
        regional_arn(
            "secretsmanager",
            vec![
                hcl::lit("secret:"),
                hcl::interp(Expr::path("var.environment")),
                hcl::lit(format!("/{}/*", e.identity)),
            ],
        )
    });
    let keys = keyed.iter().map(|e| Expr::reference(["module", e.label.as_str(), "kms_key_arn"]));
    body.0.push(Item::Comment(format!(
        "The External Secrets ClusterSecretStore reads with the role {}: it may read each service's secrets and decrypt them with the service's key, through Secrets Manager only.",
        role.value
    )));
    body.push_block(
        Block::new("data", ["aws_iam_policy_document", "secret_store"])
            .block(statement(
                "ReadServiceSecrets",
                &["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
                Expr::List(secrets.collect()),
            ))
            .block(
                statement("DecryptServiceSecrets", &["kms:Decrypt"], Expr::List(keys.collect()))
                    .block(crate::kms::via_secrets_manager()),
            ),
    );
    body.push_block(
        Block::new("resource", ["aws_iam_role_policy", "secret_store"])
            .attr("name", Expr::str(secret_store_policy_name(&org.catalog.github_repo.value)))
            .attr("role", Expr::str(&role.value))
            .attr("policy", Expr::path("data.aws_iam_policy_document.secret_store.json")),
    );
}

/// TF011 when the secret store grant would not fit IAM's limit on a role's inline policies,
/// estimated for the longest partition name and a key id in every key ARN.
fn secret_store_size(org: &Org, entries: &[Entry<'_>]) -> Option<Diagnostic> {
    let role = org.terraform.secret_store_role()?;
    let keyed: Vec<&Entry<'_>> = entries.iter().filter(|e| e.has_key).collect();
    let size = org
        .environments
        .iter()
        .map(|env| {
            let (region, env) = (env.aws_region.value.len(), env.name.value.len());
            // `"arn:aws-us-gov:secretsmanager:<region>:<account>:secret:<env>/<service>/*",`
            // and `"arn:aws-us-gov:kms:<region>:<account>:key/<uuid>",`
            let per = |svc: &str| (47 + region + env + svc.len()) + (38 + region + 36);
            400 + keyed.iter().map(|e| per(e.identity)).sum::<usize>()
        })
        .max()
        .unwrap_or(0);
    (size > crate::ci::INLINE_POLICY_LIMIT).then(|| diagnostics::secret_store_grant_too_large(role, keyed.len(), size))
}

/// The name of the secret store role's inline policy this repository's org root owns: one per
/// repository, so two repositories of one org never overwrite each other's grants.
pub fn secret_store_policy_name(repository: &str) -> String {
    // IAM names an inline policy in at most 128 characters; repository names are longer.
    format!("platform-secrets-{}", repository.replace('/', "-")).chars().take(128).collect()
}

fn outputs(entries: &[Entry<'_>]) -> Vec<Output> {
    let by_service = |output: &str, only: &dyn Fn(&Entry<'_>) -> bool| {
        Expr::object(
            entries
                .iter()
                .filter(|e| only(e))
                .map(|e| (e.name.to_owned(), Expr::reference(["module", e.label.as_str(), output]))),
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
            value: by_service("deploy_role_arn", &|_| true),
            sensitive: false,
        },
        Output {
            name: "permissions_boundary_arns",
            description: "The permissions boundary of each service's own roles.".into(),
            value: by_service("permissions_boundary_arn", &|_| true),
            sensitive: false,
        },
    ];
    if entries.iter().any(|e| e.has_key) {
        out.push(Output {
            name: "kms_key_arns",
            description: "The KMS key of each service with secrets or a database.".into(),
            value: by_service("kms_key_arn", &|e| e.has_key),
            sensitive: false,
        });
    }
    out
}

fn readme(org: &Org, entries: &[Entry<'_>], vars: &[Variable], outputs: &[Output], main: &[&Body]) -> String {
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
         Apply it once per environment, in the environment's AWS account, before the first deploy of any service there, and again whenever a service is added to or removed from the build or its CI deploy module changes.\n\n```sh\n",
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
    out.push_str(" module (in the build's output) |\n|---|---|");
    for _ in envs {
        out.push_str("---|");
    }
    out.push_str("---|\n");
    for s in entries {
        let _ = write!(out, "| {} | {} |", code(s.name), if s.has_key { "yes" } else { "no" });
        for e in envs {
            let _ = write!(out, " {} |", code(&naming::ci_deploy_role_name(s.identity, &e.name.value)));
        }
        let module = if ci_shared::shared(org) {
            format!("_org/terraform/{}/", ci_shared::DIR)
        } else {
            format!("{}/{}/", service_dir(s.name, crate::ID), ci_deploy::DIR)
        };
        let _ = writeln!(out, " {} |", code(&module));
    }
    if ci_shared::shared(org) {
        out.push_str(
            "\nEach service's deploy role, the permissions boundary of its own roles and, with secrets or a database, its KMS key are declared by the org's one CI deploy module (`modules/ci-deploy/`), which this root calls once per service with the service's name, its AWS names in every environment and what its own Terraform has (`features`).\n\
             The module's README lists what a role may do, statement by statement, and where each statement applies.\n\n",
        );
    } else {
        out.push_str(
            "\nEach service's deploy role, the permissions boundary of its own roles and, with secrets or a database, its KMS key are declared in the service's CI deploy module, generated next to the service's own Terraform from the resources that Terraform declares.\n\
             The module's README lists what the role may do, statement by statement, and the service's names in every environment.\n\n",
        );
    }

    if let Some(role) = org.terraform.secret_store_role().filter(|_| entries.iter().any(|e| e.has_key)) {
        out.push_str("## The secret store\n\n");
        let _ = writeln!(
            out,
            "The External Secrets `ClusterSecretStore` {} reads Secrets Manager with the IAM role {} (`terraform.secretStoreRole` in the org file), which must exist in every environment's account.\n\
             Each service's secrets are encrypted with the service's own KMS key, so this root gives that role one inline policy, {}: read on each service's secrets (`<env>/<service>/*`) and decrypt with each service's key, through Secrets Manager only.\n\
             Without it no ExternalSecret of these services would sync. Set `secretStoreRole: \"\"` if the org grants that itself.\n",
            code(&org.secret_store.value),
            code(&role.value),
            code(&secret_store_policy_name(repo)),
        );
    }

    if org.packages.packaged() {
        out.push_str(&crate::readme::service_roots(org));
    }

    out.push_str("## Cluster access\n\n");
    if org.terraform.cluster_access.value {
        out.push_str(
            "The deploy jobs also run `helm` and `kubectl` in the service's namespace, which they never create.\n\
             So this root connects to the environment's cluster (the Kubernetes provider, with the applier's AWS credentials: they need cluster-admin access there) and creates every namespace of the build's services (`kubernetes_namespace_v1.service`, protected by `prevent_destroy`: a namespace holds every workload in it).\n\
             Each service's module gives its deploy role an EKS access entry in the Kubernetes group `platform:<service>:deploy`, bound to a Role in the service's namespace that may manage exactly the kinds the chart renders, read its pods, events and canary analyses, and nothing outside the namespace.\n\
             The Role includes Secrets: Helm keeps its release history there, so a deploy role can read the other Secrets of its namespace (services of one team share it).\n\
             The cluster must accept access entries (authentication mode `API` or `API_AND_CONFIG_MAP`).\n\
             A namespace that already exists is imported once: `terraform import -var-file=<env>.tfvars 'kubernetes_namespace_v1.service[\"<namespace>\"]' <namespace>`.\n\n",
        );
        let has_dashboard = main
            .iter()
            .flat_map(|m| m.0.iter())
            .any(|i| matches!(i, Item::Block(b) if b.labels == ["kubernetes_manifest", "dashboard"]));
        if has_dashboard {
            out.push_str(
                "The org's one service dashboard (packaged services carry none) is applied here too, from the object in `_org/grafana/` (`kubernetes_manifest.dashboard`): one object per cluster, in Grafana's namespace, which must exist. \
                 `kubernetes_manifest` reads the cluster's API during `terraform plan` as well.\n\n",
            );
        }
    } else {
        out.push_str(
            "The deploy jobs also run `helm` and `kubectl` in the service's namespace.\n\
             That is Kubernetes access, which the cluster's owners grant (`terraform.clusterAccess: false` in the org file): the namespace, and an EKS access entry for each deploy role (or an `aws-auth` mapping) bound to a Role in the service's namespace that may manage the chart's kinds (Deployments, Services, Argo Rollouts and AnalysisTemplates, ServiceMonitors and PrometheusRules, ExternalSecrets, SecurityGroupPolicies, …).\n\n",
        );
    }

    out.push_str("## Resources\n\n| address | what |\n|---|---|\n");
    crate::readme::resource_rows(&mut out, main.iter().flat_map(|b| crate::readme::blocks(b)));
    let _ = writeln!(
        out,
        "| `module.<service>` | one CI deploy module per service, {} in all (see above) |",
        entries.len()
    );
    let env_names: Vec<&str> = envs.iter().map(|e| e.name.value.as_str()).collect();
    crate::readme::inputs_section(&mut out, &env_names, vars);
    crate::readme::outputs_section(&mut out, outputs);
    out.push_str(crate::readme::NOT_CHECKED);
    out.push_str(
        "It cannot run `terraform validate` or `plan`, and no offline tool evaluates IAM policies: whether each deploy role may do exactly what its service's `terraform apply` needs is first shown by the first deploy.\n",
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
        assert!(!state_key("acme/shop", "staging").starts_with("services/"));
        assert_ne!(state_key("acme/shop", "staging"), state_key("acme/billing", "staging"));
    }
}
