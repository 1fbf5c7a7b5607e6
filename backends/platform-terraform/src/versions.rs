//! `versions.tf` (the Terraform and provider pins of the org file, and an empty S3 backend
//! block) and one `backend-<env>.hcl` partial configuration per environment, for
//! `terraform init -backend-config=backend-<env>.hcl`.

use platform_ir::Org;

use crate::hcl::{self, Block, Body, Expr, Item};
use crate::root::{Env, Root};

/// The state bucket of an environment: the org's pattern with `{env}` and `{account}`.
pub fn state_bucket(org: &Org, env: &Env<'_>) -> String {
    org.terraform.state_bucket.value.replace("{env}", env.name()).replace("{account}", &env.org.aws_account.value)
}

/// The state object of a service in an environment's bucket.
pub fn state_key(service: &str, env: &str) -> String {
    format!("services/{service}/{env}/terraform.tfstate")
}

/// `versions.tf`.
pub fn versions_tf(org: &Org, root: &Root) -> String {
    let mut providers = vec![("aws", "hashicorp/aws", &org.terraform.aws_provider.value)];
    if root.providers.contains("random") {
        providers.push(("random", "hashicorp/random", &org.terraform.random_provider.value));
    }
    let required = providers.into_iter().map(|(name, source, version)| {
        (name, Expr::object([("source", Expr::str(source)), ("version", Expr::str(version))]))
    });
    let mut rp = Block::new("required_providers", []);
    for (name, spec) in required {
        rp = rp.attr(name, spec);
    }
    let terraform = Block::new("terraform", [])
        .attr("required_version", Expr::str(&org.terraform.required_version.value))
        .block(rp)
        .block(Block::new("backend", ["s3"]));
    hcl::print(&Body(vec![Item::Block(terraform)]))
}

/// `backend-<env>.hcl`.
pub fn backend_hcl(org: &Org, service: &str, env: &Env<'_>) -> String {
    let mut body = Body::default();
    body.push_attr("bucket", Expr::str(state_bucket(org, env)));
    body.push_attr("key", Expr::str(state_key(service, env.name())));
    body.push_attr("region", Expr::str(&env.org.aws_region.value));
    body.push_attr("dynamodb_table", Expr::str(&org.terraform.lock_table.value));
    body.push_attr("encrypt", Expr::Bool(true));
    hcl::print(&body)
}
