//! The AWS provider, the values every part shares (`locals`), and the variables that place a
//! run of the root: environment, account, region, namespace, OIDC provider.

use platform_ir::naming;

use crate::hcl::{Block, Expr};
use crate::root::{Ctx, Root, Section, Validation, Variable, and, matches, one_of};

/// Add the provider, locals and identity variables.
pub fn add(ctx: &Ctx<'_>, root: &mut Root) {
    let env_names: Vec<&str> = ctx.envs.iter().map(|e| e.name()).collect();
    root.identity.push(Variable {
        name: "environment",
        ty: Expr::keyword("string"),
        description: "Environment this run applies to; the state backend, account and sizes of the other variables must be the same environment's.".into(),
        validations: vec![Validation {
            condition: one_of(Expr::path("var.environment"), &env_names),
            message: format!("The environment must be one of the org's environments: {}.", env_names.join(", ")),
        }],
        values: ctx.per_env(|e| Expr::str(e.name())),
    });
    root.identity.push(Variable { values: ctx.per_env(|e| Expr::str(&e.org.aws_account.value)), ..account() });
    root.identity.push(Variable {
        name: "aws_region",
        ty: Expr::keyword("string"),
        description: "AWS region of the environment.".into(),
        validations: vec![Validation {
            condition: matches(Expr::path("var.aws_region"), "^[a-z]{2}(-[a-z]+)+-[0-9]+$"),
            message: "The AWS region must look like eu-west-1.".into(),
        }],
        values: ctx.per_env(|e| Expr::str(&e.org.aws_region.value)),
    });
    root.identity.push(Variable { values: ctx.per_env(|e| Expr::str(&e.svc.namespace)), ..namespace() });
    root.identity.push(Variable { values: ctx.per_env(|e| Expr::str(&e.org.oidc_provider.value)), ..oidc_provider() });

    let provider = Block::new("provider", ["aws"])
        .attr("region", Expr::path("var.aws_region"))
        .attr("allowed_account_ids", Expr::List(vec![Expr::path("var.aws_account_id")]))
        .block(Block::new("default_tags", []).attr("tags", Expr::path("local.tags")));
    root.add(Section::Provider, provider);

    let svc = ctx.svc;
    let mut locals = Block::new("locals", [])
        .attr("service", Expr::str(ctx.name()))
        .attr("service_account", Expr::str(naming::k8s_name(ctx.name())));
    if ctx.engine == Some(platform_ir::Engine::Postgres) {
        locals = locals.attr("database_name", Expr::str(naming::database_name(ctx.identity())));
    }
    locals = locals.attr(
        "tags",
        Expr::object([
            ("service", Expr::path("local.service")),
            ("team", Expr::str(&svc.team.value)),
            ("tier", Expr::str(svc.tier.value.as_str())),
            ("environment", Expr::path("var.environment")),
            ("managed-by", Expr::str("platform")),
        ]),
    );
    root.add(Section::Provider, locals);
    root.add(Section::Provider, Block::new("data", ["aws_partition", "current"]));
}

/// The AWS account variable, without values: a root's, and the org's role module's
/// ([`crate::service_role`]), which checks it for every root that calls it.
pub fn account() -> Variable {
    Variable {
        name: "aws_account_id",
        ty: Expr::keyword("string"),
        description: "AWS account of the environment; the provider refuses to run against any other.".into(),
        validations: vec![Validation {
            condition: matches(Expr::path("var.aws_account_id"), "^[0-9]{12}$"),
            message: "The AWS account id must be 12 digits.".into(),
        }],
        values: Vec::new(),
    }
}

/// The namespace variable, without values (see [`account`]).
pub fn namespace() -> Variable {
    Variable {
        name: "kubernetes_namespace",
        ty: Expr::keyword("string"),
        description: "Kubernetes namespace the service runs in; the IAM role trusts only its service account there."
            .into(),
        validations: vec![Validation {
            condition: and(
                matches(Expr::path("var.kubernetes_namespace"), "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"),
                crate::root::max_len(Expr::path("var.kubernetes_namespace"), 63),
            ),
            message: "The namespace must be a DNS-1123 label.".into(),
        }],
        values: Vec::new(),
    }
}

/// The OIDC provider variable, without values (see [`account`]).
pub fn oidc_provider() -> Variable {
    Variable {
        name: "oidc_provider",
        ty: Expr::keyword("string"),
        description: "Host and path of the cluster's IAM OIDC provider, without `https://`.".into(),
        validations: vec![Validation {
            condition: matches(Expr::path("var.oidc_provider"), "^[a-z0-9.-]+(/[A-Za-z0-9._-]+)*$"),
            message: "The OIDC provider must be a host and path without a scheme, like oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE.".into(),
        }],
        values: Vec::new(),
    }
}
