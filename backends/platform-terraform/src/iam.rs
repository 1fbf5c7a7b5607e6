//! The IAM role the service's pods assume through IRSA, trusted for exactly one service
//! account, and its least-privilege inline policy (statements added by the parts that own
//! the resources: its secrets, its key, its database). Every role of the service carries
//! the permissions boundary its CI deploy module creates for it
//! ([`platform_ir::naming::permissions_boundary_name`]): CI may only create and change the
//! service's roles with that boundary attached.

use platform_ir::naming;

use crate::hcl::{self, Block, Expr};
use crate::root::{
    Ctx, Name, NameField, NameRule, Output, Place, Root, Section, arn, condition, permissions_boundary, principals,
    statement,
};

/// The AWS names of the role: its own and its permissions boundary's.
pub const NAMES: [Name; 2] = [
    (
        "iam_role",
        "IAM role of the service account",
        naming::iam_role_name,
        NameRule::Iam { what: "The IAM role name", max: 64 },
    ),
    (
        "permissions_boundary",
        "permissions boundary of the service's roles",
        naming::permissions_boundary_name,
        NameRule::Iam { what: "The permissions boundary name", max: 128 },
    ),
];

/// Add the role and its trust policy.
pub fn add(ctx: &Ctx<'_>, root: &mut Root) {
    root.names.extend(NAMES.map(|(key, what, name, rule)| NameField::per_env(ctx, key, what, name, rule)));
    for b in role_blocks(Place::Root(ctx)) {
        root.add(Section::Iam, b);
    }
    root.outputs.push(Output {
        name: "iam_role_arn",
        description: "ARN of the service account's IAM role (the `eks.amazonaws.com/role-arn` annotation).".into(),
        value: Expr::path("aws_iam_role.service.arn"),
        sensitive: false,
    });
}

/// The role's trust policy, for exactly the service's account in its namespace, and the
/// role: in a root, or in the org's module of the role ([`crate::service_role`]), which reads
/// the service and its service account from variables.
pub fn role_blocks(place: Place<'_, '_>) -> [Block; 2] {
    let (service_account, description) = match place {
        Place::Root(ctx) => (
            Expr::path("local.service_account"),
            Expr::str(format!(
                "Pods of {} (service account {}) through IRSA.",
                ctx.name(),
                naming::k8s_name(ctx.name())
            )),
        ),
        Place::Module => (
            Expr::path("var.service_account"),
            hcl::template(vec![
                hcl::lit("Pods of "),
                hcl::interp(Expr::path("var.service")),
                hcl::lit(" (service account "),
                hcl::interp(Expr::path("var.service_account")),
                hcl::lit(") through IRSA."),
            ]),
        ),
    };
    let oidc = || Expr::path("var.oidc_provider");
    let trust = Block::new("data", ["aws_iam_policy_document", "service_trust"]).block(
        Block::new("statement", [])
            .attr("sid", Expr::str("ServiceAccount"))
            .attr("effect", Expr::str("Allow"))
            .attr("actions", Expr::strs(["sts:AssumeRoleWithWebIdentity"]))
            .block(principals(
                "Federated",
                Expr::List(vec![arn(vec![
                    hcl::lit("iam::"),
                    hcl::interp(Expr::path("var.aws_account_id")),
                    hcl::lit(":oidc-provider/"),
                    hcl::interp(oidc()),
                ])]),
            ))
            .block(condition(
                "StringEquals",
                hcl::template(vec![hcl::interp(oidc()), hcl::lit(":sub")]),
                Expr::List(vec![hcl::template(vec![
                    hcl::lit("system:serviceaccount:"),
                    hcl::interp(Expr::path("var.kubernetes_namespace")),
                    hcl::lit(":"),
                    hcl::interp(service_account),
                ])]),
            ))
            .block(condition(
                "StringEquals",
                hcl::template(vec![hcl::interp(oidc()), hcl::lit(":aud")]),
                Expr::strs(["sts.amazonaws.com"]),
            )),
    );
    let role = Block::new("resource", ["aws_iam_role", "service"])
        .attr("name", Expr::path("var.names.iam_role"))
        .attr("description", description)
        .attr("assume_role_policy", Expr::path("data.aws_iam_policy_document.service_trust.json"))
        .attr("permissions_boundary", permissions_boundary())
        .attr("max_session_duration", Expr::Num(3600));
    [trust, role]
}

/// Add the inline policy, once every part has added its statements. A role with nothing to
/// grant gets no policy (an empty policy document is invalid).
pub fn finish(root: &mut Root) {
    let mut statements = Vec::new();
    if !root.secret_arns.is_empty() {
        let arns = Expr::List(std::mem::take(&mut root.secret_arns));
        statements.push(statement(
            "ReadOwnSecrets",
            &["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
            arns,
        ));
    }
    statements.append(&mut root.policy);
    if statements.is_empty() {
        return;
    }
    let mut doc = Block::new("data", ["aws_iam_policy_document", "service"]);
    for st in statements {
        doc = doc.block(st);
    }
    root.add(Section::Iam, doc);
    root.add(
        Section::Iam,
        Block::new("resource", ["aws_iam_role_policy", "service"])
            .attr("name", Expr::str("least-privilege"))
            .attr("role", Expr::path("aws_iam_role.service.id"))
            .attr("policy", Expr::path("data.aws_iam_policy_document.service.json")),
    );
}
