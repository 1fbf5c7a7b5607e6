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

use platform_ir::{Ecr, Environment, naming};

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

    /// The accounts besides the registry's whose environments run the service: they may pull.
    fn pullers<'c>(&self, ctx: &Ctx<'c>) -> Vec<&'c str> {
        let mut out: Vec<&str> = ctx
            .org
            .environments
            .iter()
            .map(|e| e.aws_account.value.as_str())
            .filter(|a| *a != self.ecr.account)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// `count = 1` in the owning environment, `0` elsewhere.
fn count(owner: &Environment) -> Expr {
    Expr::cond(
        Expr::Binary(Box::new(Expr::path("var.environment")), BinOp::Eq, Box::new(Expr::str(&owner.name.value))),
        Expr::Num(1),
        Expr::Num(0),
    )
}

/// Add the repository, its policies and the image push role to the module's `body`.
pub fn add(ctx: &Ctx<'_>, repo: &Repository<'_>, body: &mut Body) {
    let svc = ctx.svc.name.value.as_str();
    body.0.push(Item::Comment(format!(
        "The image repository of {svc} in the org's ECR registry and the role its builds on main push with; the registry is shared, so only {} (the first environment in its account and region) creates them.",
        repo.owner.name.value
    )));
    let repository = Block::new("resource", ["aws_ecr_repository", "this"])
        .attr("count", count(repo.owner))
        .blank()
        .attr("name", Expr::str(repo.name))
        .attr("image_tag_mutability", Expr::str("IMMUTABLE"))
        .blank()
        .block(Block::new("image_scanning_configuration", []).attr("scan_on_push", Expr::Bool(true)))
        .blank()
        .block(Block::new("encryption_configuration", []).attr("encryption_type", Expr::str("KMS")))
        .blank()
        .attr("tags", Expr::object([("service", Expr::str(svc))]));
    body.push_block(repository);
    let name = || Expr::path("aws_ecr_repository.this[0].name");
    body.push_block(
        Block::new("resource", ["aws_ecr_lifecycle_policy", "this"])
            .attr("count", count(repo.owner))
            .blank()
            .attr("repository", name())
            .attr("policy", lifecycle_policy()),
    );
    let pullers = repo.pullers(ctx);
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
                .attr("count", count(repo.owner))
                .blank()
                .attr("repository", name())
                .attr("policy", Expr::path("data.aws_iam_policy_document.image_pull.json")),
        );
    }
    push_role(ctx, repo, body);
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
fn push_role(ctx: &Ctx<'_>, repo: &Repository<'_>, body: &mut Body) {
    let svc = ctx.svc.name.value.as_str();
    let provider = arn(vec![
        hcl::lit("iam::"),
        hcl::interp(Expr::path("var.aws_account_id")),
        hcl::lit(format!(":oidc-provider/{GITHUB_OIDC_HOST}")),
    ]);
    let subject = format!("repo:{}:ref:{PUSH_BRANCH}", ctx.org.catalog.github_repo.value);
    body.push_block(github_trust("image_push_trust", "GithubMainBranch", provider, Expr::strs([subject])));
    body.push_block(
        Block::new("data", ["aws_iam_policy_document", "image_push"])
            .attr("count", count(repo.owner))
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
            .attr("count", count(repo.owner))
            .blank()
            .attr("name", Expr::str(naming::image_push_role_name(ctx.identity())))
            .attr("description", Expr::str(format!("Builds of {svc} on main push its image to {}.", repo.name)))
            .attr("assume_role_policy", Expr::path("data.aws_iam_policy_document.image_push_trust.json")),
    );
    body.push_block(
        Block::new("resource", ["aws_iam_role_policy", "image_push"])
            .attr("count", count(repo.owner))
            .blank()
            .attr("name", Expr::str("image-push"))
            .attr("role", Expr::path("aws_iam_role.image_push[0].id"))
            .attr("policy", Expr::path("data.aws_iam_policy_document.image_push[0].json")),
    );
}
