//! The org's Terraform module of a service's AWS names (a packaged org): the platform's one
//! naming rule ([`platform_ir::naming`]) in HCL, as `_org/terraform/modules/names/`, written
//! once for the org, which each service's root calls as `module "names"` with its AWS
//! identity and its environment. A root then holds no `names` variable and no names in its
//! tfvars: two names per environment file less for each part of the service, the same
//! names.
//!
//! Each output is the naming function itself run on placeholders that become the module's
//! variables (`"${var.service}-${var.environment}-pods"`), so the rule has one source. A
//! root reads its names from the module only where every name it holds, filled with its
//! identity and each environment, is the name the function gives (checked per root, and by
//! `tests/org.rs` against the CI deploy module's names, which are Rust's); otherwise it
//! keeps its `names` variable. A declared secret's name is the module's `secrets_prefix`
//! and the secret's name, as [`naming::secret_name`] composes it.
//!
//! The modules the root passes its names to (the service's role, its database) read them
//! from `module.names` as they read `var.names`, and check the names they own.

use std::sync::OnceLock;

use platform_ir::backend::service_to_org;
use platform_ir::{ArtifactSet, Org, Span, naming};

use crate::hcl::{self, Block, Body, Expr, Step};
use crate::parts::{MODULES, Module, packaged};
use crate::root::{Ctx, Output, Root, Section, Variable};
use crate::{ID, iam, kms, network, postgres, redis};

/// The label of the call in a service's root.
pub const LABEL: &str = "names";

/// The module's directory under [`MODULES`].
const DIR: &str = "names";

/// What the naming functions run on, to become the module's variables.
const SERVICE: &str = "platform-placeholder-service";
const ENVIRONMENT: &str = "platform-placeholder-environment";

/// The output that prefixes a declared secret's name.
const SECRETS_PREFIX: &str = "secrets_prefix";

/// A naming rule: `(output, what it names, the function)`.
type Rule = (&'static str, &'static str, fn(&str, &str) -> String);

/// Every name a root may hold, once, in the order of the parts; then the secrets' prefix.
fn rules() -> Vec<Rule> {
    let mut out: Vec<Rule> = Vec::new();
    let tables: [&[crate::root::Name]; 5] =
        [&iam::NAMES, &[kms::NAME], &network::NAMES, &postgres::NAMES, &redis::NAMES];
    for (key, what, name, _) in tables.into_iter().flatten() {
        match out.iter().find(|(k, _, _)| k == key) {
            Some((_, _, f)) => debug_assert_eq!(f(SERVICE, ENVIRONMENT), name(SERVICE, ENVIRONMENT), "{key}"),
            None => out.push((key, what, *name)),
        }
    }
    out.push((SECRETS_PREFIX, "prefix of the Secrets Manager names of the declared secrets", naming::secrets_prefix));
    out
}

/// The rule as an HCL template of the module's variables.
fn template(name: fn(&str, &str) -> String) -> Expr {
    let text = name(SERVICE, ENVIRONMENT);
    let mut parts = Vec::new();
    let mut rest = text.as_str();
    loop {
        let next = [(SERVICE, "var.service"), (ENVIRONMENT, "var.environment")]
            .into_iter()
            .filter_map(|(p, v)| rest.find(p).map(|i| (i, p, v)))
            .min_by_key(|(i, _, _)| *i);
        let Some((i, placeholder, variable)) = next else { break };
        if i > 0 {
            parts.push(hcl::lit(&rest[..i]));
        }
        parts.push(hcl::interp(Expr::path(variable)));
        rest = &rest[i + placeholder.len()..];
    }
    if !rest.is_empty() {
        parts.push(hcl::lit(rest));
    }
    hcl::template(parts)
}

/// Each rule's output and its name on the placeholders, worked out once.
fn on_placeholders() -> &'static [(&'static str, String)] {
    static TEXTS: OnceLock<Vec<(&'static str, String)>> = OnceLock::new();
    TEXTS.get_or_init(|| rules().into_iter().map(|(key, _, name)| (key, name(SERVICE, ENVIRONMENT))).collect())
}

/// A rule's name on the placeholders filled with a service's identity and an environment,
/// as Terraform would.
fn fill(text: &str, service: &str, environment: &str) -> String {
    text.replace(SERVICE, service).replace(ENVIRONMENT, environment)
}

/// Whether every name the root holds is its rule filled with the service's identity and
/// each environment.
fn derivable(ctx: &Ctx<'_>, root: &Root) -> bool {
    let rule = |key: &str| on_placeholders().iter().find(|(k, _)| *k == key).map(|(_, text)| text.as_str());
    let prefix = rule(SECRETS_PREFIX);
    root.names.iter().all(|field| {
        ctx.envs.iter().zip(&field.values).all(|(e, value)| match (field.key, value) {
            ("secrets", Expr::Object(items)) => prefix.is_some_and(|p| {
                items
                    .iter()
                    .all(|(secret, v)| *v == Expr::str(format!("{}{}", fill(p, ctx.identity(), e.name()), secret.0)))
            }),
            (key, value) => rule(key).is_some_and(|f| *value == Expr::str(fill(f, ctx.identity(), e.name()))),
        }) && field.values.len() == ctx.envs.len()
    })
}

/// Replace the root's `names` variable by the call of the org's module, and read every name
/// from the module's outputs, when the module gives exactly the root's names.
pub fn apply(ctx: &Ctx<'_>, root: &mut Root) {
    if !packaged(ctx) || root.names.is_empty() || !derivable(ctx, root) {
        return;
    }
    root.names.clear();
    let mut read = |steps: &[Step]| -> Option<Expr> {
        let [Step::Attr(var), Step::Attr(names), rest @ ..] = steps else { return None };
        if var != "var" || names != "names" {
            return None;
        }
        if let [Step::Attr(secrets), Step::Key(secret)] = rest
            && secrets == "secrets"
        {
            let prefix = Expr::path(&format!("module.{LABEL}.{SECRETS_PREFIX}"));
            return Some(hcl::template(vec![hcl::interp(prefix), hcl::lit(secret)]));
        }
        let mut to = vec![Step::Attr("module".into()), Step::Attr(LABEL.into())];
        to.extend(rest.iter().cloned());
        Some(Expr::Ref(to))
    };
    for (_, b) in &mut root.main {
        b.map_refs(&mut read);
    }
    for o in &mut root.outputs {
        o.value.map_refs(&mut read);
    }
    let service = if ctx.identity() == ctx.name() { Expr::path("local.service") } else { Expr::str(ctx.identity()) };
    let call = Block::new("module", [LABEL])
        .attr("source", Expr::str(format!("{}/{MODULES}/{DIR}", service_to_org(ID, 0))))
        .blank()
        .attr("service", service)
        .attr("environment", Expr::path("var.environment"));
    root.add(Section::Provider, call);
}

fn variables() -> Vec<Variable> {
    let var = |name, description| Variable::declared(name, Expr::keyword("string"), description);
    vec![
        var("service", "The service's AWS identity: its name, or the name it had before a rename."),
        var("environment", "The environment the names are for."),
    ]
}

fn outputs() -> Vec<Output> {
    rules()
        .into_iter()
        .map(|(key, what, name)| Output {
            name: key,
            description: format!("{}{}.", what[..1].to_uppercase(), &what[1..]),
            value: template(name),
            sensitive: false,
        })
        .collect()
}

/// The module's files, relative to the org root (`modules/names/…`).
pub fn files(org: &Org, provenance: &[Span]) -> ArtifactSet {
    Module {
        dir: DIR,
        providers: false,
        random: false,
        main: Body::default(),
        variables: variables(),
        outputs: outputs(),
        about: format!(
            "The AWS names of a service in an environment, by the platform's one naming rule, generated by `platform` from the org file: every service of the org calls it from its own root as `module \"{LABEL}\"` with its AWS identity and environment, and reads its names from it (and passes them to the org's other modules)."
        ),
        after: "The CI deploy roles of the org root name the same resources by the same rule.",
    }
    .files(org, provenance)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hcl::Part;

    /// Each output, evaluated the way Terraform interpolates it, is the naming function's
    /// name; the placeholders appear nowhere in it.
    #[test]
    fn each_output_is_its_naming_function() {
        for (key, _, name) in rules() {
            let Expr::Template(parts) = template(name) else { panic!("{key}") };
            let filled: String = parts
                .iter()
                .map(|p| match p {
                    Part::Lit(s) => s.clone(),
                    Part::Interp(Expr::Ref(steps)) => match crate::hcl::dotted(steps).as_str() {
                        "var.service" => "payment-api".to_owned(),
                        "var.environment" => "production".to_owned(),
                        other => panic!("{key}: {other}"),
                    },
                    other => panic!("{key}: {other:?}"),
                })
                .collect();
            assert_eq!(filled, name("payment-api", "production"), "{key}");
            assert!(!filled.contains("placeholder"), "{key}: {filled}");
        }
        let keys: Vec<&str> = rules().iter().map(|(k, _, _)| *k).collect();
        for key in ["iam_role", "kms_alias", "database", "pod_security_group", SECRETS_PREFIX] {
            assert!(keys.contains(&key), "{key} missing from {keys:?}");
        }
    }
}
