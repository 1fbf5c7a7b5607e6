//! The org's Terraform module of a service's IAM role (a packaged org): the role its pods
//! assume through IRSA and the trust policy that admits exactly its service account, as
//! `_org/terraform/modules/service-role/`, written once for the org, which each service's
//! root calls as `module "service_role"`.
//!
//! The module's blocks are the root's own, from the same builder ([`crate::iam::role_blocks`]
//! at [`Place::Module`]), reading the service and its service account from variables. The
//! module checks what it reads (the account, the namespace, the OIDC provider, the role's
//! names) for every root that calls it, so a root only declares them. The role's policy
//! stays in the root: its statements are what the service itself may do, which its reviewer
//! reads there; it attaches to the module's role by name.
//!
//! The call keeps the role where it is: the root's `moved` block takes `aws_iam_role.service`
//! to `module.service_role.aws_iam_role.service`, so switching an org to packaged replaces
//! no role (a replaced role would break every pod's credentials until the annotation caught
//! up), and a new service plans the same.

use platform_ir::backend::service_to_org;
use platform_ir::{ArtifactSet, Org, Span};

use crate::hcl::{Block, Body, Expr, Step, dotted};
use crate::parts::{MODULES, Module, address, outputs, packaged, within};
use crate::root::{Ctx, Place, Root, Section, Variable};
use crate::{ID, iam, provider};

/// The label of the call in a service's root.
pub const LABEL: &str = "service_role";

/// The module's directory under [`MODULES`].
const DIR: &str = "service-role";

/// `(reference in a root, output of the module, description)`: what the rest of a root reads
/// from the role.
const OUTPUTS: [(&str, &str, &str); 2] = [
    ("aws_iam_role.service.arn", "arn", "ARN of the role (the service account's `eks.amazonaws.com/role-arn`)."),
    ("aws_iam_role.service.id", "name", "Name of the role, which the root's least-privilege policy attaches to."),
];

/// The root's variables the module reads, and checks in their stead.
fn checked() -> [Variable; 3] {
    [provider::account(), provider::namespace(), provider::oidc_provider()]
}

/// Replace the root's role and its trust policy by the call of the org's module, with a
/// `moved` block for the role, and read what the rest of the root reads from the role from
/// the module's outputs. The module checks the variables it reads and the role's names
/// instead of the root.
pub fn apply(ctx: &Ctx<'_>, root: &mut Root) {
    if !packaged(ctx) {
        return;
    }
    let own: Vec<String> = iam::role_blocks(Place::Module).iter().filter_map(address).collect();
    root.main.retain(|(s, b)| *s != Section::Iam || !address(b).is_some_and(|a| own.contains(&a)));
    let mut read = |steps: &[Step]| {
        let path = dotted(steps);
        if !own.iter().any(|a| within(&path, a)) {
            return None;
        }
        let output = OUTPUTS.iter().find(|(r, _, _)| *r == path);
        debug_assert!(output.is_some(), "the root reads {path} from its role, which no output of the module gives");
        output.map(|(_, o, _)| Expr::path(&format!("module.{LABEL}.{o}")))
    };
    for (_, b) in &mut root.main {
        b.map_refs(&mut read);
    }
    for o in &mut root.outputs {
        o.value.map_refs(&mut read);
    }
    let mut call = Block::new("module", [LABEL])
        .attr("source", Expr::str(format!("{}/{MODULES}/{DIR}", service_to_org(ID, 0))))
        .blank()
        .attr("service", Expr::path("local.service"))
        .attr("service_account", Expr::path("local.service_account"));
    for v in checked() {
        call = call.attr(v.name, Expr::path(&format!("var.{}", v.name)));
    }
    call = call.attr("names", Expr::path("var.names"));
    // The call first in its section: the policy after it attaches to the module's role.
    let at = root.main.iter().position(|(s, _)| *s == Section::Iam).unwrap_or(root.main.len());
    root.main.insert(at, (Section::Iam, call));
    root.main.insert(
        at + 1,
        (
            Section::Iam,
            Block::new("moved", [])
                .attr("from", Expr::path("aws_iam_role.service"))
                .attr("to", Expr::path(&format!("module.{LABEL}.aws_iam_role.service"))),
        ),
    );
    let names: Vec<&str> = checked().iter().map(|v| v.name).collect();
    for v in root.identity.iter_mut().filter(|v| names.contains(&v.name)) {
        v.validations.clear();
    }
    for field in root.names.iter_mut().filter(|n| iam::NAMES.iter().any(|(k, _, _, _)| *k == n.key)) {
        field.check = None;
    }
}

/// The module's variables: the service and its service account, the root's variables it
/// reads with their checks, and the role's names with theirs.
fn variables() -> Vec<Variable> {
    let var = |name, description| Variable::declared(name, Expr::keyword("string"), description);
    let mut out = vec![
        var("service", "The service's name, which the role's description gives."),
        var("service_account", "The service's Kubernetes service account, the one the role trusts."),
    ];
    out.extend(checked());
    out.push(Variable {
        name: "names",
        ty: Expr::call(
            "object",
            vec![Expr::object(iam::NAMES.iter().map(|(k, _, _, _)| ((*k).to_owned(), Expr::keyword("string"))))],
        ),
        description: "The role's AWS names in this environment (the root's `names`).".into(),
        validations: iam::NAMES
            .iter()
            .map(|(key, _, _, rule)| rule.validation(Expr::path(&format!("var.names.{key}"))))
            .collect(),
        values: Vec::new(),
    });
    out
}

/// The module's files, relative to the org root (`modules/service-role/…`).
pub fn files(org: &Org, provenance: &[Span]) -> ArtifactSet {
    let mut main = Body::default();
    main.push_block(Block::new("data", ["aws_partition", "current"]));
    for b in iam::role_blocks(Place::Module) {
        main.push_block(b);
    }
    Module {
        dir: DIR,
        providers: true,
        random: false,
        main,
        variables: variables(),
        outputs: outputs(&OUTPUTS),
        about: format!(
            "The IAM role a service's pods assume through IRSA, trusted for exactly its service account in its namespace, generated by `platform` from the org file: every service of the org calls it from its own root as `module \"{LABEL}\"`, and attaches its own least-privilege policy to the role by name."
        ),
        after: "Each calling root holds a `moved` block from its role's address before the org was packaged, so switching keeps every role and the pods' credentials.",
    }
    .files(org, provenance)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// Every reference of the module's blocks is a variable it declares, the partition, or
    /// one of its blocks, and every output reads one of its blocks.
    #[test]
    fn the_module_reads_only_what_it_declares() {
        let blocks = iam::role_blocks(Place::Module);
        let declared: BTreeSet<&str> = variables().iter().map(|v| v.name).collect();
        let addresses: Vec<String> = blocks.iter().filter_map(address).collect();
        let mut refs = Vec::new();
        for b in &blocks {
            b.refs(&mut refs);
        }
        for steps in refs {
            let path = dotted(steps);
            let ok = match path.split('.').collect::<Vec<_>>().as_slice() {
                ["var", name, ..] => declared.contains(name),
                ["data", "aws_partition", "current", ..] => true,
                _ => addresses.iter().any(|a| within(&path, a)),
            };
            assert!(ok, "{path} is neither declared nor a block of the module");
        }
        for (reference, _, _) in OUTPUTS {
            assert!(addresses.iter().any(|a| within(reference, a)), "output {reference} reads no block of the module");
        }
    }
}
