//! `versions.tf` (the Terraform and provider pins of the org file, and an empty S3 backend
//! block) and one `backend-<env>.hcl` partial configuration per environment, for
//! `terraform init -backend-config=backend-<env>.hcl`.

use platform_ir::{Environment, Org};

use crate::hcl::{self, Block, Body, Expr, Item};
use crate::root::{Env, Root};

/// The state bucket of an environment: the org's pattern with `{env}` and `{account}`.
pub fn state_bucket(org: &Org, env: &Env<'_>) -> String {
    bucket_of(org, env.org)
}

/// The state bucket of an org environment.
pub fn bucket_of(org: &Org, env: &Environment) -> String {
    org.terraform.state_bucket.value.replace("{env}", &env.name.value).replace("{account}", &env.aws_account.value)
}

/// The state object of a service in an environment's bucket.
pub fn state_key(service: &str, env: &str) -> String {
    format!("services/{service}/{env}/terraform.tfstate")
}

/// `versions.tf` of a service root: the pins and an empty `backend "s3"` block.
pub fn versions_tf(org: &Org, root: &Root) -> String {
    terraform_block(org, root.providers.contains("random"), false, true)
}

/// `versions.tf` of the org root: the pins (Kubernetes too, when it grants cluster access) and
/// an empty `backend "s3"` block.
pub fn org_versions_tf(org: &Org) -> String {
    terraform_block(org, false, org.terraform.cluster_access.value, true)
}

/// `versions.tf` of a CI deploy module: the pins only (a module has no backend); Kubernetes
/// when the org root grants cluster access, which the module's Role and binding are.
pub fn module_versions_tf(org: &Org) -> String {
    terraform_block(org, false, org.terraform.cluster_access.value, false)
}

/// `versions.tf` of the org's module of a service's part: the AWS pin, and the random one
/// when the part creates passwords.
pub fn part_versions_tf(org: &Org, random: bool) -> String {
    terraform_block(org, random, false, false)
}

/// `versions.tf` of an org module without resources: the Terraform version alone.
pub fn bare_versions_tf(org: &Org) -> String {
    let terraform =
        Block::new("terraform", []).attr("required_version", Expr::str(&org.terraform.required_version.value));
    hcl::print(&Body(vec![Item::Block(terraform)]))
}

fn terraform_block(org: &Org, random: bool, kubernetes: bool, backend: bool) -> String {
    let mut providers = vec![("aws", "hashicorp/aws", &org.terraform.aws_provider.value)];
    if kubernetes {
        providers.push(("kubernetes", "hashicorp/kubernetes", &org.terraform.kubernetes_provider.value));
    }
    if random {
        providers.push(("random", "hashicorp/random", &org.terraform.random_provider.value));
    }
    let mut rp = Block::new("required_providers", []);
    for (name, source, version) in providers {
        rp = rp.attr(name, Expr::object([("source", Expr::str(source)), ("version", Expr::str(version))]));
    }
    let mut terraform = Block::new("terraform", [])
        .attr("required_version", Expr::str(&org.terraform.required_version.value))
        .block(rp);
    if backend {
        terraform = terraform.block(Block::new("backend", ["s3"]));
    }
    hcl::print(&Body(vec![Item::Block(terraform)]))
}

/// `backend-<env>.hcl`.
pub fn backend_hcl(org: &Org, service: &str, env: &Env<'_>) -> String {
    backend_file(org, env.org, &state_key(service, env.name()))
}

/// `backend-<env>.hcl` of any root: the environment's bucket and region, `key`, and the lock
/// (the org's DynamoDB table, else a `.tflock` object next to the state).
pub fn backend_file(org: &Org, env: &Environment, key: &str) -> String {
    let mut body = Body::default();
    body.push_attr("bucket", Expr::str(bucket_of(org, env)));
    body.push_attr("key", Expr::str(key));
    body.push_attr("region", Expr::str(&env.aws_region.value));
    match org.terraform.lock_table() {
        Some(table) => body.push_attr("dynamodb_table", Expr::str(&table.value)),
        None => body.push_attr("use_lockfile", Expr::Bool(true)),
    }
    body.push_attr("encrypt", Expr::Bool(true));
    hcl::print(&body)
}
