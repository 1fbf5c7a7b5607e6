//! One customer-managed KMS key per service and environment, with yearly rotation: it
//! encrypts the service's secrets, its database storage and Performance Insights.

use platform_ir::naming;

use crate::hcl::{self, Block, Expr};
use crate::root::{
    Ctx, NameField, Output, Root, Section, Validation, and, arn, condition, matches, max_len, statement,
};

/// Add the key (only for services with secrets or a database).
pub fn add(ctx: &Ctx<'_>, root: &mut Root) {
    if !ctx.has_secrets() {
        return;
    }
    root.names.push(NameField {
        key: "kms_alias",
        ty: Expr::keyword("string"),
        what: "KMS key alias",
        values: ctx.per_env(|e| Expr::str(naming::kms_alias(ctx.name(), e.name()))),
        check: Validation {
            condition: and(
                max_len(Expr::path("var.names.kms_alias"), 256),
                matches(Expr::path("var.names.kms_alias"), "^alias/[A-Za-z0-9/_-]+$"),
            ),
            message: "The KMS alias must start with alias/ and use letters, digits, /, _ and -.".into(),
        },
    });
    // A key policy, not an IAM policy: `Resource = "*"` means this key. Written inline
    // because IAM-policy checks do not apply to it.
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
    root.add(
        Section::Kms,
        Block::new("resource", ["aws_kms_key", "service"])
            .attr("description", Expr::str(format!("Secrets and database storage of {}.", ctx.name())))
            .attr("enable_key_rotation", Expr::Bool(true))
            .attr("deletion_window_in_days", Expr::Num(30))
            .attr("policy", policy),
    );
    root.add(
        Section::Kms,
        Block::new("resource", ["aws_kms_alias", "service"])
            .attr("name", Expr::path("var.names.kms_alias"))
            .attr("target_key_id", Expr::path("aws_kms_key.service.key_id")),
    );
    root.policy.push(
        statement("DecryptOwnSecrets", &["kms:Decrypt"], Expr::List(vec![Expr::path("aws_kms_key.service.arn")]))
            .block(condition(
                "StringEquals",
                Expr::str("kms:ViaService"),
                Expr::List(vec![hcl::template(vec![
                    hcl::lit("secretsmanager."),
                    hcl::interp(Expr::path("var.aws_region")),
                    hcl::lit(".amazonaws.com"),
                ])]),
            )),
    );
    root.outputs.push(Output {
        name: "kms_key_arn",
        description: "ARN of the service's KMS key.".into(),
        value: Expr::path("aws_kms_key.service.arn"),
        sensitive: false,
    });
}
