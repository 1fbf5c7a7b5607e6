//! The service's image repository in the org's private Amazon ECR registry
//! ([`platform_ir::Ecr`]), added to its CI deploy module ([`crate::ci_deploy`]):
//!
//! - the repository, named as the image's path in the registry: tags are immutable (the build
//!   tags each image with its commit, which a later push must never move), every push is
//!   scanned, contents are encrypted with ECR's KMS key;
//! - a lifecycle policy that keeps the newest [`KEEP_IMAGES`] images. ECR counts an image
//!   index's untagged children with their index, so a kept image is pulled whole;
//! - a repository policy that lets the org's other accounts pull (their EKS nodes pull with
//!   their own role; no pull Secret);
//! - the image push role the build assumes on `main` through GitHub's OIDC provider
//!   ([`naming::image_push_role_name`]), which may push to and read this repository only.
//!
//! The registry is shared by every environment, so only one environment creates these: the
//! first in the registry's account and region ([`platform_ir::Org::registry_environment`]).
//! The module is applied in every environment; the others count zero of each.

use platform_ir::{Ecr, Environment, Org, naming};

use crate::hcl::{self, BinOp, Block, Body, Expr, Item};
use crate::org::{GITHUB_OIDC_HOST, github_trust};
use crate::root::{Ctx, arn, principals, statement};

/// Images a repository keeps (each build pushes its image, a signature and an attestation).
pub const KEEP_IMAGES: i64 = 500;

/// The branch whose builds push images.
pub const PUSH_BRANCH: &str = "refs/heads/main";

/// What the service's image needs of the org's ECR registry: the registry, the repository,
/// and the environment that creates it. `None` when the org's registry is not ECR, the
/// service's image lives elsewhere, or no environment is in the registry's account and
/// region ([`crate::checks`] warns).
pub struct Repository<'a> {
    /// The registry.
    pub ecr: Ecr,
    /// The repository's name.
    pub name: &'a str,
    /// The environment whose apply creates it.
    pub owner: &'a Environment,
}

impl<'a> Repository<'a> {
    /// The repository of the service of `ctx`, if the org's ECR registry holds its image.
    pub fn of(ctx: &Ctx<'a>) -> Option<Repository<'a>> {
        let ecr = ctx.org.ecr()?;
        let name = ecr.repository(&ctx.svc.image.value)?;
        let owner = ctx.org.registry_environment()?;
        Some(Repository { ecr, name, owner })
    }
}

/// The accounts besides the registry's whose environments run the org's services: they may
/// pull.
fn pullers<'o>(org: &'o Org, ecr: &Ecr) -> Vec<&'o str> {
    let mut out: Vec<&str> =
        org.environments.iter().map(|e| e.aws_account.value.as_str()).filter(|a| *a != ecr.account).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Whose repository the blocks create: one service's in its own module (literal text), or
/// the calling service's in the org's shared module ([`crate::ci_shared`], from the
/// module's variables).
pub struct Owner {
    /// The service, in descriptions and tags.
    pub service: Expr,
    /// How the comment above the blocks names it.
    pub called: String,
    /// The repository's name.
    pub repository: Expr,
    /// The image push role's name.
    pub push_role: Expr,
    /// Where only some calls have a repository: what holds where one does.
    pub present: Option<Expr>,
}

impl Owner {
    /// The owner of `repo`, the repository of the service of `ctx`.
    pub fn of(ctx: &Ctx<'_>, repo: &Repository<'_>) -> Owner {
        let svc = ctx.svc.name.value.as_str();
        Owner {
            service: Expr::str(svc),
            called: svc.to_owned(),
            repository: Expr::str(repo.name),
            push_role: Expr::str(naming::image_push_role_name(ctx.identity())),
            present: None,
        }
    }

    /// `count = 1` in the owning environment (where a repository is present), `0` elsewhere.
    fn count(&self, owner: &Environment) -> Expr {
        let here =
            Expr::Binary(Box::new(Expr::path("var.environment")), BinOp::Eq, Box::new(Expr::str(&owner.name.value)));
        let test = match &self.present {
            Some(p) => Expr::Binary(Box::new(p.clone()), BinOp::And, Box::new(here)),
            None => here,
        };
        Expr::cond(test, Expr::Num(1), Expr::Num(0))
    }

    /// The push role's description: a template of the service and the repository (text
    /// where they are text, which prints as one string).
    fn push_role_description(&self) -> Expr {
        let part = |e: &Expr| match e {
            Expr::Str(text) => hcl::lit(text.as_str()),
            other => hcl::interp(other.clone()),
        };
        hcl::template(vec![
            hcl::lit("Builds of "),
            part(&self.service),
            hcl::lit(" on main push its image to "),
            part(&self.repository),
            hcl::lit("."),
        ])
    }
}

/// Add the repository, its policies and the image push role of `who` to the module's
/// `body`, created by the registry's environment `owner`.
pub fn add(org: &Org, ecr: &Ecr, owner: &Environment, who: &Owner, body: &mut Body) {
    body.0.push(Item::Comment(format!(
        "The image repository of {} in the org's ECR registry and the role its builds on main push with; the registry is shared, so only {} (the first environment in its account and region) creates them.",
        who.called, owner.name.value
    )));
    let repository = Block::new("resource", ["aws_ecr_repository", "this"])
        .attr("count", who.count(owner))
        .blank()
        .attr("name", who.repository.clone())
        .attr("image_tag_mutability", Expr::str("IMMUTABLE"))
        .blank()
        .block(Block::new("image_scanning_configuration", []).attr("scan_on_push", Expr::Bool(true)))
        .blank()
        .block(Block::new("encryption_configuration", []).attr("encryption_type", Expr::str("KMS")))
        .blank()
        .attr("tags", Expr::object([("service", who.service.clone())]));
    body.push_block(repository);
    let name = || Expr::path("aws_ecr_repository.this[0].name");
    body.push_block(
        Block::new("resource", ["aws_ecr_lifecycle_policy", "this"])
            .attr("count", who.count(owner))
            .blank()
            .attr("repository", name())
            .attr("policy", lifecycle_policy()),
    );
    let pullers = pullers(org, ecr);
    if !pullers.is_empty() {
        let roots = pullers.iter().map(|a| arn(vec![hcl::lit(format!("iam::{a}:root"))])).collect();
        body.push_block(
            Block::new("data", ["aws_iam_policy_document", "image_pull"]).block(
                Block::new("statement", [])
                    .attr("sid", Expr::str("OtherEnvironmentsPull"))
                    .attr("effect", Expr::str("Allow"))
                    .attr(
                        "actions",
                        Expr::strs([
                            "ecr:BatchCheckLayerAvailability",
                            "ecr:BatchGetImage",
                            "ecr:GetDownloadUrlForLayer",
                        ]),
                    )
                    .block(principals("AWS", Expr::List(roots))),
            ),
        );
        body.push_block(
            Block::new("resource", ["aws_ecr_repository_policy", "this"])
                .attr("count", who.count(owner))
                .blank()
                .attr("repository", name())
                .attr("policy", Expr::path("data.aws_iam_policy_document.image_pull.json")),
        );
    }
    push_role(org, owner, who, body);
}

/// Keep the newest [`KEEP_IMAGES`] images, whatever their tags.
fn lifecycle_policy() -> Expr {
    let rule = Expr::object([
        ("rulePriority", Expr::Num(1)),
        ("description", Expr::str(format!("Keep the newest {KEEP_IMAGES} images"))),
        (
            "selection",
            Expr::object([
                ("tagStatus", Expr::str("any")),
                ("countType", Expr::str("imageCountMoreThan")),
                ("countNumber", Expr::Num(KEEP_IMAGES)),
            ]),
        ),
        ("action", Expr::object([("type", Expr::str("expire"))])),
    ]);
    Expr::call("jsonencode", vec![Expr::object([("rules", Expr::List(vec![rule]))])])
}

/// The image push role: GitHub's OIDC tokens of the repository's `main` branch (the build job
/// declares no environment) may assume it, and it may push to and read the repository.
fn push_role(org: &Org, owner: &Environment, who: &Owner, body: &mut Body) {
    let provider = arn(vec![
        hcl::lit("iam::"),
        hcl::interp(Expr::path("var.aws_account_id")),
        hcl::lit(format!(":oidc-provider/{GITHUB_OIDC_HOST}")),
    ]);
    let subject = format!("repo:{}:ref:{PUSH_BRANCH}", org.catalog.github_repo.value);
    body.push_block(github_trust("image_push_trust", "GithubMainBranch", provider, Expr::strs([subject])));
    body.push_block(
        Block::new("data", ["aws_iam_policy_document", "image_push"])
            .attr("count", who.count(owner))
            .blank()
            .block(statement("RegistryLogin", &["ecr:GetAuthorizationToken"], Expr::strs(["*"])))
            .block(statement(
                "PushAndReadTheImage",
                &[
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:BatchGetImage",
                    "ecr:CompleteLayerUpload",
                    "ecr:DescribeImages",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:InitiateLayerUpload",
                    "ecr:PutImage",
                    "ecr:UploadLayerPart",
                ],
                Expr::List(vec![Expr::path("aws_ecr_repository.this[0].arn")]),
            )),
    );
    body.push_block(
        Block::new("resource", ["aws_iam_role", "image_push"])
            .attr("count", who.count(owner))
            .blank()
            .attr("name", who.push_role.clone())
            .attr("description", who.push_role_description())
            .attr("assume_role_policy", Expr::path("data.aws_iam_policy_document.image_push_trust.json")),
    );
    body.push_block(
        Block::new("resource", ["aws_iam_role_policy", "image_push"])
            .attr("count", who.count(owner))
            .blank()
            .attr("name", Expr::str("image-push"))
            .attr("role", Expr::path("aws_iam_role.image_push[0].id"))
            .attr("policy", Expr::path("data.aws_iam_policy_document.image_push[0].json")),
    );
}
