//! Secrets Manager: one secret per name declared in `spec.secrets`, with no value (the value
//! is put into the store out of band, never into Terraform), encrypted with the service's
//! key, rotated by the org's rotation Lambda when the secret asks for rotation.

use platform_ir::{Engine, naming};

use crate::hcl::{Block, Expr, Step};
use crate::root::{Ctx, NameField, Output, Place, Root, Section, Validation, matches};

/// Why a declared secret without `rotationDays` is not rotated (an inline checkov skip).
const NOT_REQUESTED: &str =
    "checkov:skip=CKV2_AWS_57:platform.yaml asks for no rotation of this secret (no rotationDays)";

/// Why the generated database credentials are not rotated by a Lambda.
pub const OWNED_BY_TERRAFORM: &str = "checkov:skip=CKV2_AWS_57:the credentials are generated and owned by Terraform (random_password); a rotation Lambda would fight the state, so rotate with terraform apply -replace";

/// The Terraform label of a declared secret's resources: `stripe-key` → `stripe_key`.
pub fn label(secret: &str) -> String {
    secret.replace('-', "_")
}

/// A Secrets Manager secret resource with the service's key; `skip` is the inline checkov
/// skip of a secret that is not rotated by a Lambda.
pub fn secret(place: Place<'_, '_>, label: &str, name: Expr, description: Expr, skip: Option<&str>) -> Block {
    let mut b = Block::new("resource", ["aws_secretsmanager_secret", label]);
    if let Some(skip) = skip {
        b = b.comment(skip);
    }
    b.attr("name", name)
        .attr("description", description)
        .attr("kms_key_id", Expr::path(crate::kms::KEY_ARN))
        .attr("recovery_window_in_days", place.recovery_days())
}

/// The JSON document of the database secret: `engine`, then every key of
/// [`naming::database_secret_keys`] (the keys the Helm chart maps into the pod) with its value
/// from `value`.
pub fn credentials(engine: Engine, value: impl Fn(&str) -> Option<Expr>) -> Expr {
    let mut items = vec![("engine".to_owned(), Expr::str(engine.as_str()))];
    for (key, _) in naming::database_secret_keys(engine) {
        let v = value(key);
        debug_assert!(v.is_some(), "no value for database secret key {key:?} of {engine}");
        items.extend(v.map(|v| ((*key).to_owned(), v)));
    }
    Expr::call("jsonencode", vec![Expr::object(items)])
}

/// Add the declared secrets.
pub fn add(ctx: &Ctx<'_>, root: &mut Root) {
    let secrets = &ctx.svc.secrets;
    if secrets.is_empty() {
        return;
    }
    root.names.push(NameField {
        key: "secrets",
        ty: Expr::call("map", vec![Expr::keyword("string")]),
        what: "Secrets Manager names of the declared secrets",
        values: ctx.per_env(|e| {
            Expr::object(secrets.iter().map(|s| {
                (s.name.value.clone(), Expr::str(naming::secret_name(ctx.identity(), e.name(), &s.name.value)))
            }))
        }),
        check: Some(Validation {
            condition: Expr::call(
                "alltrue",
                vec![Expr::for_list(
                    "n",
                    Expr::call("values", vec![Expr::path("var.names.secrets")]),
                    matches(Expr::path("n"), "^[A-Za-z0-9/_+=.@-]{1,512}$"),
                )],
            ),
            message: "Secrets Manager names must be 1 to 512 letters, digits and /_+=.@- characters.".into(),
        }),
    });
    if secrets.iter().any(|s| s.rotation_days.is_some()) {
        root.add(
            Section::Secrets,
            Block::new("data", ["aws_lambda_function", "rotation"])
                .attr("function_name", Expr::str(&ctx.org.terraform.rotation_lambda.value)),
        );
    }
    let mut arns = Vec::new();
    for s in secrets {
        let l = label(&s.name.value);
        let name = Expr::path("var.names.secrets").then(vec![Step::Key(s.name.value.clone())]);
        let description =
            format!("{} of {}; the value is set in Secrets Manager, never in Terraform.", s.name.value, ctx.name());
        root.add(
            Section::Secrets,
            secret(
                Place::Root(ctx),
                &l,
                name,
                Expr::str(description),
                s.rotation_days.is_none().then_some(NOT_REQUESTED),
            ),
        );
        if let Some(days) = &s.rotation_days {
            root.add(
                Section::Secrets,
                Block::new("resource", ["aws_secretsmanager_secret_rotation", &l])
                    .attr("secret_id", Expr::reference(["aws_secretsmanager_secret", &l, "id"]))
                    .attr("rotation_lambda_arn", Expr::path("data.aws_lambda_function.rotation.arn"))
                    .block(
                        Block::new("rotation_rules", [])
                            .attr("automatically_after_days", Expr::Num(i64::from(days.value))),
                    ),
            );
        }
        arns.push((s.name.value.clone(), Expr::reference(["aws_secretsmanager_secret", &l, "arn"])));
    }
    root.secret_arns.extend(arns.iter().map(|(_, a)| a.clone()));
    root.outputs.push(Output {
        name: "secret_arns",
        description: "ARNs of the declared secrets, by secret name.".into(),
        value: Expr::object(arns),
        sensitive: false,
    });
}
