//! Constructors of every diagnostic this backend reports (STYLE D3): code, span and help are
//! arguments, so none can be left out.

use platform_ir::{Diagnostic, Sp, Span};

use crate::codes;

/// TF001: an AWS identifier derived from the service name breaks a character rule.
pub fn invalid_aws_identifier(
    service: &Sp<String>,
    what: &str,
    identifier: &str,
    rule: &str,
    suggestion: Option<String>,
) -> Diagnostic {
    let help = match suggestion {
        Some(s) => format!("{rule}; rename the service, e.g. `{s}`"),
        None => format!("{rule}; rename the service"),
    };
    Diagnostic::error(
        &codes::TF001,
        format!("service name `{}` gives the invalid {what} `{identifier}`", service.value),
        service.span,
        format!("invalid as part of the {what}"),
        help,
    )
}

/// TF002: a state bucket (in environment `env`) or lock table (`env` = `None`) that AWS
/// would refuse.
pub fn invalid_state_backend(
    setting: &Sp<String>,
    what: &str,
    env: Option<&str>,
    resolved: &str,
    rule: &str,
) -> Diagnostic {
    let message = match env {
        Some(env) => format!("the {what} of environment `{env}` would be `{resolved}`, which is not a valid name"),
        None => format!("the {what} `{resolved}` is not a valid name"),
    };
    Diagnostic::error(
        &codes::TF002,
        message,
        setting.span,
        format!("invalid {what}"),
        format!("{rule}; correct the org file"),
    )
}

/// TF003: a malformed version constraint.
pub fn invalid_version_constraint(setting: &Sp<String>, what: &str) -> Diagnostic {
    Diagnostic::error(
        &codes::TF003,
        format!("`{}` is not a version constraint for {what}", setting.value),
        setting.span,
        "not a version constraint",
        "write comma-separated `<operator> <version>` terms with operators `=`, `!=`, `>`, `>=`, `<`, `<=` or `~>`, e.g. `\"~> 5.99\"`",
    )
}

/// TF004: a database engine that differs between environments. `found` is what environment
/// `env` has, `expected` what the reference (the base `spec.database`, else the first
/// environment with a database) has at `reference`.
pub fn database_differs(at: Span, env: &str, found: &str, expected: &str, reference: Span) -> Diagnostic {
    Diagnostic::error(
        &codes::TF004,
        format!("environment `{env}` has {found}, the service {expected}"),
        at,
        format!("{found} in `{env}`"),
        "one Terraform root serves every environment: use the same database engine everywhere, and change only its size or version per environment",
    )
    .with_label(reference, expected.to_owned())
}

/// TF005: a declared secret named like the database credentials.
pub fn secret_name_collision(secret: &Sp<String>, database: Span) -> Diagnostic {
    Diagnostic::error(
        &codes::TF005,
        format!("secret `{}` has the Secrets Manager name of the database credentials", secret.value),
        secret.span,
        "same name as the database secret",
        "rename the secret, e.g. `database-url`; the database credentials are already stored under this name",
    )
    .with_label(database, "the database")
}

/// TF007: an instance class of the wrong family for the engine.
pub fn invalid_instance_class(class: &Sp<String>, engine: &str, want: &str) -> Diagnostic {
    Diagnostic::error(
        &codes::TF007,
        format!("`{}` is not an instance class for {engine}", class.value),
        class.span,
        format!("not `{want}<family>.<size>`"),
        format!("{engine} size classes need `{want}<family>.<size>`, e.g. `{want}t4g.small`"),
    )
}

/// TF008: the org's module source is not pinned to a commit.
pub fn module_source_not_pinned(source: &Sp<String>) -> Diagnostic {
    Diagnostic::error(
        &codes::TF008,
        format!("module source `{}` is not pinned to a commit", source.value),
        source.span,
        "not pinned by commit hash",
        "use a local path or a git source with `?ref=<full 40-character commit sha>`, e.g. `git::https://github.com/acme/terraform-modules.git//platform-service?ref=<sha>`",
    )
}

/// TF009: the org's GitHub repository, which every CI deploy role trusts, is not `owner/repo`.
pub fn invalid_github_repository(setting: &Sp<String>) -> Diagnostic {
    Diagnostic::error(
        &codes::TF009,
        format!("`{}` is not a GitHub repository `owner/repo`", setting.value),
        setting.span,
        "not `owner/repo`",
        "write the repository the deploys run in as `owner/repo`, e.g. `acme/monorepo`; every CI deploy role trusts exactly it",
    )
}

/// `TF010`: S3 locks state itself only from Terraform 1.11, and the org admits older ones.
pub fn lockfile_needs_terraform(required: &Sp<String>, lock_table: &Sp<String>) -> Diagnostic {
    Diagnostic::error(
        &codes::TF010,
        format!(
            "`requiredVersion: {}` admits Terraform older than 1.11, which cannot lock state without a lock table",
            required.value
        ),
        required.span,
        "admits Terraform before 1.11",
        "require `>= 1.11.0` (the S3 backend then locks the state with a `.tflock` object), or set `lockTable` to a DynamoDB table",
    )
    .with_label(lock_table.span, "no lock table")
}

/// `TF011`: the secret store role's grant for the build's services is larger than IAM allows.
pub fn secret_store_grant_too_large(role: &Sp<String>, services: usize, size: usize) -> Diagnostic {
    Diagnostic::warning(
        &codes::TF011,
        format!(
            "the grant of `{}` for {services} services would be about {size} characters, over IAM's 10,240 for a role's inline policies",
            role.value
        ),
        role.span,
        "this role's grant",
        "split the services across repositories, or set `secretStoreRole: \"\"` and grant the role read on the environments' secrets yourself",
    )
}

/// `TF012`: the org's ECR registry is in no environment's account and region, so nothing
/// generated creates its repositories.
pub fn registry_account_has_no_environment(registry: &Sp<String>, ecr: &platform_ir::Ecr) -> Diagnostic {
    Diagnostic::warning(
        &codes::TF012,
        format!(
            "no environment is in the ECR registry's account {} and region {}: its repositories and image push roles are not generated",
            ecr.account, ecr.region
        ),
        registry.span,
        "no environment applies this registry's Terraform",
        "create each service's repository and its role `<service>-image-push` in that account yourself, or use a registry in an environment's account and region",
    )
}
