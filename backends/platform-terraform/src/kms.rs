//! The service's customer-managed KMS key, looked up by its alias: it encrypts the service's
//! secrets, its database storage and Performance Insights.
//!
//! The key itself (yearly rotation, 30-day deletion window, a key policy that leaves access
//! to IAM) is created by the service's CI deploy module ([`crate::ci_deploy`]), which the
//! platform team applies through the org root. CI may then use the key but never administer it: scoping key
//! administration to one service's key would need tag-based access control, and KMS lets
//! anyone who may tag a new key tag every key in the account.

use platform_ir::naming;

use crate::hcl::{self, Block, Expr};
use crate::root::{Ctx, Name, NameField, NameRule, Output, Root, Section, condition, statement};

/// The key's ARN, for the resources it encrypts.
pub const KEY_ARN: &str = "data.aws_kms_key.service.arn";

/// The condition that a key is used through Secrets Manager in the environment's region only
/// (`kms:ViaService`): how the pods' role and the org's secret store decrypt secrets.
pub fn via_secrets_manager() -> Block {
    condition(
        "StringEquals",
        Expr::str("kms:ViaService"),
        Expr::List(vec![hcl::template(vec![
            hcl::lit("secretsmanager."),
            hcl::interp(Expr::path("var.aws_region")),
            hcl::lit(".amazonaws.com"),
        ])]),
    )
}

/// The key's AWS name: its alias.
pub const NAME: Name = ("kms_alias", "KMS key alias", naming::kms_alias, NameRule::KmsAlias);

/// Add the key lookup (only for services with secrets or a database).
pub fn add(ctx: &Ctx<'_>, root: &mut Root) {
    if !ctx.has_secrets() {
        return;
    }
    let (key, what, name, rule) = NAME;
    root.names.push(NameField::per_env(ctx, key, what, name, rule));
    root.add(
        Section::Kms,
        Block::new("data", ["aws_kms_key", "service"]).attr("key_id", Expr::path("var.names.kms_alias")),
    );
    root.policy.push(
        statement("DecryptOwnSecrets", &["kms:Decrypt"], Expr::List(vec![Expr::path(KEY_ARN)]))
            .block(via_secrets_manager()),
    );
    root.outputs.push(Output {
        name: "kms_key_arn",
        description: "ARN of the service's KMS key.".into(),
        value: Expr::path(KEY_ARN),
        sensitive: false,
    });
}
