//! The org's Terraform modules of a service's parts (a packaged org): its database (RDS
//! PostgreSQL, or ElastiCache Redis) as `_org/terraform/modules/<engine>/`, written once for
//! the org, which each service's root calls as `module "database"` with its values.
//!
//! A module's blocks are the root's own, from the same builder ([`crate::postgres::blocks`],
//! [`crate::redis::blocks`] at [`Place::Module`]): what a root writes from its service (its
//! name in descriptions, the recovery window of its secret) the module reads from a
//! variable, and what a root decides from its tier, the module decides for every service:
//! the data store always carries `prevent_destroy`, and both checkov skips a tier policy can
//! call for are written. What the blocks read from the rest of the root comes in as
//! variables ([`INPUTS`], and the root's own variables under their names); what the rest of
//! the root reads from them goes out as outputs ([`Part::outputs`]).
//!
//! The call keeps every object where it is: the root's `moved` blocks take each resource's
//! old address to the same one in the module (`aws_db_instance.this` →
//! `module.database.aws_db_instance.this`), so switching an org to packaged destroys no
//! database, and a service that never had one plans the same. The module types and validates
//! the database settings and checks the names it owns; the root declares the settings as
//! `any` and passes them on.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::OnceLock;

use platform_ir::backend::service_to_org;
use platform_ir::{Artifact, ArtifactSet, Database, Engine, Format, Org, Span};

use crate::hcl::{self, Block, Body, Expr, Step, dotted};
use crate::root::{self, Ctx, Name, Output, Place, Root, Section, Variable};
use crate::{ID, network, postgres, redis, versions};

/// The label of the call in a service's root.
pub const LABEL: &str = "database";

/// The directory of the org's modules, inside the org root.
pub const MODULES: &str = "modules";

/// A part the org's modules hold.
pub struct Part {
    /// Its module's directory under [`MODULES`].
    pub dir: &'static str,
    /// The settings variable it validates (`database`, `cache`).
    pub settings: &'static str,
    /// Its blocks at a place.
    pub blocks: fn(Place<'_, '_>) -> Vec<Block>,
    /// Its settings variable (with one value per environment of a root).
    pub variable: fn(&Org, &[&Database]) -> Variable,
    /// The AWS names it owns, which its module checks instead of the root.
    pub names: [&'static [Name]; 2],
    /// What the rest of a root reads from its blocks, and the output of the module that
    /// gives it: the network's, then the database's.
    pub outputs: [&'static [Out]; 2],
}

/// `(reference, output, description)`.
pub(crate) type Out = (&'static str, &'static str, &'static str);

/// What a root reads from a database's network.
const NETWORK_OUTPUTS: [Out; 2] = [
    (
        "aws_security_group.pods.id",
        "pod_security_group_id",
        "Security group of the service's pods; the database admits only it.",
    ),
    (
        "data.aws_eks_cluster.this.vpc_config[0].cluster_security_group_id",
        "cluster_security_group_id",
        "The EKS cluster's own security group.",
    ),
];

/// The database part of an engine.
pub fn part(engine: Engine) -> Part {
    match engine {
        Engine::Postgres => Part {
            dir: "postgres",
            settings: "database",
            blocks: |place| [network::blocks(place, Engine::Postgres, true), postgres::blocks(place)].concat(),
            variable: postgres::variable,
            names: [&network::NAMES, &postgres::NAMES],
            outputs: [
                &NETWORK_OUTPUTS,
                &[
                    ("aws_db_instance.this.address", "address", "Host name of the PostgreSQL instance."),
                    ("aws_db_instance.this.port", "port", "Port of the PostgreSQL instance."),
                    (
                        "aws_db_instance.this.resource_id",
                        "resource_id",
                        "Resource id of the instance, which `rds-db:connect` grants name.",
                    ),
                    (
                        "aws_secretsmanager_secret.database.arn",
                        "secret_arn",
                        "Secrets Manager secret with the connection and credentials (JSON).",
                    ),
                ],
            ],
        },
        Engine::Redis => Part {
            dir: "redis",
            settings: "cache",
            blocks: |place| [network::blocks(place, Engine::Redis, true), redis::blocks(place)].concat(),
            variable: redis::variable,
            names: [&network::NAMES, &redis::NAMES],
            outputs: [
                &NETWORK_OUTPUTS,
                &[
                    (
                        "aws_elasticache_replication_group.this.primary_endpoint_address",
                        "primary_endpoint",
                        "Primary endpoint of the Redis replication group (TLS).",
                    ),
                    ("aws_elasticache_replication_group.this.port", "port", "Port of the Redis replication group."),
                    (
                        "aws_secretsmanager_secret.database.arn",
                        "secret_arn",
                        "Secrets Manager secret with the endpoint and auth token (JSON).",
                    ),
                ],
            ],
        },
    }
}

/// `(reference in a root, variable of the module, type, description)`: what a part's
/// blocks read from the rest of the root.
pub const INPUTS: &[(&str, &str, &str, &str)] = &[
    ("local.database_name", "database_name", "string", "The PostgreSQL database and master user name."),
    ("data.aws_kms_key.service.arn", "kms_key_arn", "string", "The service's KMS key."),
];

/// Whether a service's root calls the org's modules: a packaged org's, unless the org calls
/// its own module for the whole root (module mode).
pub fn packaged(ctx: &Ctx<'_>) -> bool {
    ctx.org.packages.packaged() && !crate::module::enabled(ctx)
}

/// The module's blocks: the part's own at [`Place::Module`], reading [`INPUTS`] from
/// variables.
fn module_blocks(part: &Part) -> Vec<Block> {
    let inputs: BTreeMap<&str, &str> = INPUTS.iter().map(|(r, v, _, _)| (*r, *v)).collect();
    let mut blocks = (part.blocks)(Place::Module);
    for b in &mut blocks {
        b.map_refs(&mut |steps| {
            let path = dotted(steps);
            inputs.iter().find(|(r, _)| path == **r).map(|(_, v)| Expr::path(&format!("var.{v}")))
        });
    }
    blocks
}

/// The variables a module's blocks read, by name, each with the attributes of it they read
/// (`names.database` → `names`: `database`).
fn read_variables(blocks: &[Block]) -> BTreeMap<String, BTreeSet<String>> {
    let mut refs = Vec::new();
    for b in blocks {
        b.refs(&mut refs);
    }
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for steps in refs {
        if let [Step::Attr(root), Step::Attr(name), rest @ ..] = steps
            && root == "var"
        {
            let fields = out.entry(name.clone()).or_default();
            if let Some(Step::Attr(f)) = rest.first() {
                fields.insert(f.clone());
            }
        }
    }
    out
}

/// Replace the root's blocks of its database and its network by the call of the org's
/// module of its engine, with a `moved` block per resource, and read what the rest of the
/// root reads from them from the module's outputs. The module validates the database
/// settings and the names it owns instead of the root.
pub fn apply(ctx: &Ctx<'_>, root: &mut Root) {
    let Some(engine) = ctx.engine.filter(|_| packaged(ctx)) else { return };
    if !root.main.iter().any(|(s, _)| *s == Section::Database) {
        return;
    }
    let part = part(engine);
    let (own, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut root.main)
        .into_iter()
        .partition(|(s, _)| matches!(s, Section::Network | Section::Database));
    root.main = rest;
    // The passwords went into the module, which pins the random provider itself.
    if !root
        .main
        .iter()
        .any(|(_, b)| b.kind == "resource" && b.labels.first().is_some_and(|t| t.starts_with("random_")))
    {
        root.providers.remove("random");
    }
    let addresses: Vec<String> = own.iter().filter_map(|(_, b)| address(b)).collect();
    let outputs: BTreeMap<&str, &str> = part.outputs.iter().flat_map(|o| o.iter()).map(|(r, o, _)| (*r, *o)).collect();
    let mut read = |steps: &[Step]| {
        let path = dotted(steps);
        let into = addresses.iter().any(|a| within(&path, a));
        if !into {
            return None;
        }
        let output = outputs.get(path.as_str());
        debug_assert!(output.is_some(), "the root reads {path} from its database, which no output of the module gives");
        output.map(|o| Expr::path(&format!("module.{LABEL}.{o}")))
    };
    for (_, b) in &mut root.main {
        b.map_refs(&mut read);
    }
    for o in &mut root.outputs {
        o.value.map_refs(&mut read);
    }
    let mut call = Block::new("module", [LABEL])
        .attr("source", Expr::str(format!("{}/{MODULES}/{}", service_to_org(ID, 0), part.dir)))
        .blank()
        .attr("service", Expr::str(ctx.identity()));
    let inputs: BTreeMap<&str, &str> = INPUTS.iter().map(|(r, v, _, _)| (*v, *r)).collect();
    let facts = module_facts(engine);
    let read = &facts.read;
    for name in read.keys() {
        let value = match name.as_str() {
            "service" => continue,
            "secret_recovery_days" => Expr::Num(root::recovery_days(ctx.svc.tier.value)),
            // A root without the org's bastion in any environment has no such variable.
            "database_bastion" if !root.identity.iter().any(|v| v.name == "database_bastion") => Expr::str(""),
            other => match inputs.get(other) {
                Some(reference) => Expr::path(reference),
                None => Expr::path(&format!("var.{other}")),
            },
        };
        call = call.attr(name, value);
    }
    root.add(Section::Database, call);
    for resource in own.iter().filter(|(_, b)| b.kind == "resource").filter_map(|(_, b)| address(b)) {
        root.add(
            Section::Database,
            Block::new("moved", [])
                .attr("from", Expr::path(&resource))
                .attr("to", Expr::path(&format!("module.{LABEL}.{resource}"))),
        );
    }
    // The module declares the settings' type and checks them; the root passes them on as
    // they are, so it only names them.
    if let Some(v) = root.settings.iter_mut().find(|v| v.name == part.settings) {
        v.validations.clear();
        v.ty = Expr::keyword("any");
    }
    // The module checks the root's variables it declares with their checks.
    let settings_checked = !(part.variable)(ctx.org, &[]).validations.is_empty();
    let checked = |name: &str| facts.checked.contains(&name) || (settings_checked && name == part.settings);
    for v in root.identity.iter_mut().filter(|v| checked(v.name)) {
        v.validations.clear();
    }
    let checked = read.get("names").into_iter().flatten().filter(|f| owned(&part, f).is_some());
    for key in checked {
        if let Some(field) = root.names.iter_mut().find(|n| n.key == key) {
            field.check = None;
        }
    }
}

/// What a part's module reads and checks, the same for every root that calls it.
struct ModuleFacts {
    /// The variables its blocks read, each with the fields of it they read.
    read: BTreeMap<String, BTreeSet<String>>,
    /// The variables it declares with checks, but the settings (whose checks are the org's).
    checked: Vec<&'static str>,
}

/// The [`ModuleFacts`] of the module of `engine`, worked out once.
fn module_facts(engine: Engine) -> &'static ModuleFacts {
    static FACTS: [OnceLock<ModuleFacts>; 2] = [OnceLock::new(), OnceLock::new()];
    let at = match engine {
        Engine::Postgres => 0,
        Engine::Redis => 1,
    };
    FACTS[at].get_or_init(|| {
        let part = part(engine);
        let module = module_blocks(&part);
        let unchecked = Variable::declared(part.settings, Expr::keyword("any"), "");
        ModuleFacts {
            read: read_variables(&module),
            checked: module_variables(&part, &module, unchecked)
                .into_iter()
                .filter(|v| !v.validations.is_empty())
                .map(|v| v.name)
                .collect(),
        }
    })
}

/// The name `key` of the part's own, which its module checks.
fn owned<'p>(part: &'p Part, key: &str) -> Option<&'p Name> {
    part.names.iter().flat_map(|n| n.iter()).find(|(k, _, _, _)| *k == key)
}

/// Whether a reference's path reads the block at `address` (`aws_x.y.id`, `data.a.b[0].c`).
pub(crate) fn within(path: &str, address: &str) -> bool {
    path.strip_prefix(address).is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
}

/// How a root refers to a block: `type.name` of a resource, `data.type.name` of a data
/// source.
pub(crate) fn address(b: &Block) -> Option<String> {
    match (b.kind.as_str(), b.labels.as_slice()) {
        ("resource", [t, n]) => Some(format!("{t}.{n}")),
        ("data", [t, n]) => Some(format!("data.{t}.{n}")),
        _ => None,
    }
}

/// The module's variables: the root's own that its blocks read (`settings`, with its
/// validations; `names` with the fields it reads), the service, the recovery window and
/// [`INPUTS`].
fn module_variables(part: &Part, blocks: &[Block], settings: Variable) -> Vec<Variable> {
    let var = |name, ty, description| Variable::declared(name, Expr::keyword(ty), description);
    let mut out = Vec::new();
    for (name, fields) in read_variables(blocks) {
        let v = match name.as_str() {
            "service" => var("service", "string", "The service's AWS identity, which descriptions name."),
            "secret_recovery_days" => var(
                "secret_recovery_days",
                "number",
                "Days a deleted secret can be restored: 30 for a critical service, else 7.",
            ),
            "names" => Variable {
                name: "names",
                ty: Expr::call(
                    "object",
                    vec![Expr::object(fields.iter().map(|f| (f.clone(), Expr::keyword("string"))))],
                ),
                description: "The service's AWS names in this environment (the root's `names`).".into(),
                validations: fields
                    .iter()
                    .filter_map(|f| owned(part, f))
                    .map(|(key, _, _, rule)| rule.validation(Expr::path(&format!("var.names.{key}"))))
                    .collect(),
                values: Vec::new(),
            },
            "aws_account_id" => var("aws_account_id", "string", "AWS account of the environment."),
            "eks_cluster_name" => network::cluster_variable(),
            "database_bastion" => network::bastion(),
            s if s == part.settings => settings.clone(),
            other => match INPUTS.iter().find(|(_, v, _, _)| *v == other) {
                Some((_, v, ty, description)) => var(v, ty, description),
                None => {
                    debug_assert!(false, "the {} module reads var.{other}, which it does not declare", part.dir);
                    continue;
                }
            },
        };
        out.push(v);
    }
    out
}

/// The files of every part's module, relative to the org root (`modules/<dir>/…`).
pub fn files(org: &Org, provenance: &[Span]) -> ArtifactSet {
    let mut out = ArtifactSet::new();
    for engine in [Engine::Postgres, Engine::Redis] {
        let part = part(engine);
        let blocks = module_blocks(&part);
        let mut main = Body::default();
        let mut refs = Vec::new();
        for b in &blocks {
            b.refs(&mut refs);
        }
        if refs.iter().any(|s| dotted(s).starts_with("data.aws_partition.current")) {
            main.push_block(Block::new("data", ["aws_partition", "current"]));
        }
        for b in &blocks {
            main.push_block(b.clone());
        }
        let about = format!(
            "The {} database of a service, generated by `platform` from the org file: every service of the org with `database.type: {engine}` calls it from its own root as `module \"{LABEL}\"`, with its names and settings per environment.",
            match engine {
                Engine::Postgres => "RDS PostgreSQL",
                Engine::Redis => "ElastiCache Redis",
            },
            engine = engine.as_str(),
        );
        let module = Module {
            dir: part.dir,
            providers: true,
            random: true,
            outputs: outputs(part.outputs.iter().flat_map(|o| o.iter())),
            variables: module_variables(&part, &blocks, (part.variable)(org, &[])),
            main,
            about,
            after: "The data store always carries `prevent_destroy`: a module cannot decide it per call, so removing a service or its database is a plan error, never a silent destroy; take a final snapshot and remove the service's state on purpose to retire it.\nEach calling root holds a `moved` block per resource from its address before the org was packaged, so switching keeps every database.",
        };
        out.0.extend(module.files(org, provenance).0);
    }
    out
}

/// The outputs of `(reference, name, description)`.
pub(crate) fn outputs<'a>(of: impl IntoIterator<Item = &'a Out>) -> Vec<Output> {
    of.into_iter()
        .map(|(reference, name, description)| Output {
            name,
            description: (*description).to_owned(),
            value: Expr::path(reference),
            sensitive: false,
        })
        .collect()
}

/// One of the org's modules, as [`Module::files`] writes it.
pub(crate) struct Module {
    /// Its directory under [`MODULES`].
    pub dir: &'static str,
    /// It pins the AWS provider (a module with resources).
    pub providers: bool,
    /// It pins the random provider too.
    pub random: bool,
    /// Its blocks.
    pub main: Body,
    /// Its variables.
    pub variables: Vec<Variable>,
    /// Its outputs.
    pub outputs: Vec<Output>,
    /// The README's first paragraph: what it is and who calls it.
    pub about: String,
    /// The README's last paragraph.
    pub after: &'static str,
}

impl Module {
    /// Its files, relative to the org root (`modules/<dir>/…`): the pins, the blocks, the
    /// variables, the outputs and a README of its inputs, outputs and resources.
    pub fn files(&self, org: &Org, provenance: &[Span]) -> ArtifactSet {
        let file = |text: String| Artifact::new(Format::Hcl, text, provenance.to_vec());
        let dir = format!("{MODULES}/{}", self.dir);
        let mut out = ArtifactSet::new();
        let pins =
            if self.providers { versions::part_versions_tf(org, self.random) } else { versions::bare_versions_tf(org) };
        out.insert(&format!("{dir}/versions.tf"), file(pins));
        // A module of outputs alone (the names) has no blocks.
        if !self.main.0.is_empty() {
            out.insert(&format!("{dir}/main.tf"), file(hcl::print(&self.main)));
        }
        out.insert(&format!("{dir}/variables.tf"), file(root::variables_tf(self.variables.clone())));
        out.insert(&format!("{dir}/outputs.tf"), file(root::outputs_tf(&self.outputs)));
        out.insert(&format!("{dir}/README.md"), Artifact::new(Format::Markdown, self.readme(), provenance.to_vec()));
        out
    }

    fn readme(&self) -> String {
        let code = crate::readme::code;
        let mut out = String::new();
        let _ = writeln!(out, "# {} module\n", self.dir);
        let _ = writeln!(out, "{}\nChange the org file and rebuild; do not edit these files.\n", self.about);
        out.push_str("## Inputs\n\n| variable | what |\n|---|---|\n");
        for v in &self.variables {
            let _ = writeln!(out, "| {} | {} |", code(v.name), crate::readme::cell(&v.description));
        }
        out.push_str("\n## Outputs\n\n| output | what |\n|---|---|\n");
        for o in &self.outputs {
            let _ = writeln!(out, "| {} | {} |", code(o.name), crate::readme::cell(&o.description));
        }
        out.push_str("\n## Resources\n\n| address | what |\n|---|---|\n");
        crate::readme::resource_rows(&mut out, crate::readme::blocks(&self.main));
        let _ = writeln!(out, "\n{}", self.after);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hcl::Item;

    /// Every reference of a part's blocks to the rest of a root is an input or a variable
    /// of the root the module declares, and every output reads a block of the part.
    #[test]
    fn each_part_reads_only_what_its_module_declares() {
        for engine in [Engine::Postgres, Engine::Redis] {
            let part = part(engine);
            let blocks = module_blocks(&part);
            let settings = Variable {
                name: part.settings,
                ty: Expr::keyword("any"),
                description: String::new(),
                validations: Vec::new(),
                values: Vec::new(),
            };
            let declared: BTreeSet<&str> = module_variables(&part, &blocks, settings).iter().map(|v| v.name).collect();
            let addresses: BTreeSet<String> = blocks.iter().filter_map(address).collect();
            let mut refs = Vec::new();
            for b in &blocks {
                b.refs(&mut refs);
            }
            for steps in refs {
                let path = dotted(steps);
                let ok = match path.split('.').collect::<Vec<_>>().as_slice() {
                    ["var", name, ..] => declared.contains(name),
                    ["data", "aws_partition", "current", ..] | ["each", ..] => true,
                    _ => addresses.iter().any(|a| within(&path, a)),
                };
                assert!(ok, "{}: {path} is neither declared nor a block of the module", part.dir);
            }
            for (reference, _, _) in part.outputs.iter().flat_map(|o| o.iter()) {
                assert!(
                    addresses.iter().any(|a| within(reference, a)),
                    "{}: output {reference} reads no block of the module",
                    part.dir
                );
            }
            let Some(guarded) = blocks.iter().find(|b| {
                matches!(
                    b.labels.first().map(String::as_str),
                    Some("aws_db_instance" | "aws_elasticache_replication_group")
                )
            }) else {
                panic!("{}: no data store", part.dir)
            };
            let text = hcl::print(&Body(vec![Item::Block(guarded.clone())]));
            assert!(text.contains("prevent_destroy = true"), "{}: the data store is not protected", part.dir);
        }
    }
}
