//! The root module being built: variables (with one value per environment), the blocks of
//! `main.tf` by section, outputs, and the statements of the service role's policy. The
//! target-object modules (`iam`, `secrets`, `postgres`, …) add to it; [`Root::files`] prints.

use std::collections::BTreeSet;

use platform_ir::{Engine, Environment, Org, Service, ServiceEnvironment};

use crate::hcl::{self, BinOp, Block, Body, Expr, Item};

/// What the parts read: the org, the service, and each environment.
pub struct Ctx<'a> {
    /// The org.
    pub org: &'a Org,
    /// The service.
    pub svc: &'a Service,
    /// Every environment, in promotion order.
    pub envs: Vec<Env<'a>>,
    /// The database engine, the same in every environment (checked before).
    pub engine: Option<Engine>,
}

/// One environment: the org's definition and the service's resolved view of it.
pub struct Env<'a> {
    /// The org environment.
    pub org: &'a Environment,
    /// The service in it.
    pub svc: &'a ServiceEnvironment,
}

impl Env<'_> {
    /// The environment's name.
    pub fn name(&self) -> &str {
        &self.org.name.value
    }
}

impl Ctx<'_> {
    /// Whether the service's data is guarded against `terraform destroy`: its database is
    /// deletion-protected in some environment (the tier's policy, or an override), or its
    /// tier protects data and it has secrets. Terraform's `prevent_destroy` cannot differ
    /// per environment, so one protected environment protects the root: removing or
    /// renaming such a service is then a plan error, never a silent destroy.
    pub fn protects_data(&self) -> bool {
        let database = self.envs.iter().any(|e| e.svc.database.as_ref().is_some_and(|d| d.deletion_protection.value));
        let tier = self.org.tier(self.svc.tier.value).deletion_protection.value;
        database || tier && (!self.svc.secrets.is_empty() || self.engine.is_some())
    }

    /// `lifecycle { prevent_destroy = true }` for a data store or its key when
    /// [`Ctx::protects_data`].
    pub fn prevent_destroy(&self) -> Option<Block> {
        self.protects_data().then(|| Block::new("lifecycle", []).attr("prevent_destroy", Expr::Bool(true)))
    }
}

/// Where a part's blocks are written: a service's root, or the org's module of the part (a
/// packaged org, [`crate::parts`]), which is the same blocks for any service: what a root
/// decides from its service (names in descriptions, protection, recovery window) a module
/// reads from its variables or decides for every service.
#[derive(Clone, Copy)]
pub enum Place<'c, 'a> {
    /// The root of the context's service.
    Root(&'c Ctx<'a>),
    /// The org's module.
    Module,
}

impl Place<'_, '_> {
    /// `before`, the service's AWS identity, `after`: a literal in a root, a template on
    /// `var.service` in a module.
    pub fn about(&self, before: &str, after: &str) -> Expr {
        match self {
            Place::Root(ctx) => Expr::str(format!("{before}{}{after}", ctx.identity())),
            Place::Module => {
                hcl::template(vec![hcl::lit(before), hcl::interp(Expr::path("var.service")), hcl::lit(after)])
            }
        }
    }

    /// `lifecycle { prevent_destroy = true }` of a data store: where the service protects its
    /// data ([`Ctx::protects_data`]); always in a module, which cannot decide it per call.
    pub fn prevent_destroy(&self) -> Option<Block> {
        match self {
            Place::Root(ctx) => ctx.prevent_destroy(),
            Place::Module => Some(Block::new("lifecycle", []).attr("prevent_destroy", Expr::Bool(true))),
        }
    }

    /// The days a deleted secret can be restored: 30 for a critical service, else 7.
    pub fn recovery_days(&self) -> Expr {
        match self {
            Place::Root(ctx) => Expr::Num(recovery_days(ctx.svc.tier.value)),
            Place::Module => Expr::path("var.secret_recovery_days"),
        }
    }
}

/// The days a deleted secret of a service of `tier` can be restored.
pub fn recovery_days(tier: platform_ir::Tier) -> i64 {
    if tier == platform_ir::Tier::Critical { 30 } else { 7 }
}

impl<'a> Ctx<'a> {
    /// The context of one service.
    pub fn new(org: &'a Org, svc: &'a Service) -> Self {
        let envs: Vec<Env<'a>> = svc.environments.iter().map(|e| Env { org: org.environment(e), svc: e }).collect();
        let engine = envs.iter().find_map(|e| e.svc.database.as_ref()).map(|d| d.engine.value);
        Ctx { org, svc, envs, engine }
    }

    /// The service name.
    pub fn name(&self) -> &str {
        &self.svc.name.value
    }

    /// The name its AWS resources and state are named after ([`Service::aws_identity`]).
    pub fn identity(&self) -> &str {
        self.svc.aws_identity()
    }

    /// One value per environment.
    pub fn per_env(&self, f: impl Fn(&Env<'a>) -> Expr) -> Vec<Expr> {
        self.envs.iter().map(f).collect()
    }

    /// True when the service has any Secrets Manager secret (declared or database).
    pub fn has_secrets(&self) -> bool {
        !self.svc.secrets.is_empty() || self.engine.is_some()
    }
}

/// A `validation` block.
#[derive(Clone)]
pub struct Validation {
    /// Must be true for a valid value; refers only to the variable itself.
    pub condition: Expr,
    /// A full sentence (Terraform requires an uppercase start and a final period).
    pub message: String,
}

/// An input variable with one value per environment.
#[derive(Clone)]
pub struct Variable {
    /// Name.
    pub name: &'static str,
    /// Type constraint.
    pub ty: Expr,
    /// What it is, for `variables.tf` and the README.
    pub description: String,
    /// Validation blocks.
    pub validations: Vec<Validation>,
    /// One value per environment, in environment order.
    pub values: Vec<Expr>,
}

impl Variable {
    /// A module's variable of type `ty`: declared and described, with no check and no value
    /// of its own (the caller passes it).
    pub fn declared(name: &'static str, ty: Expr, description: &str) -> Self {
        Variable { name, ty, description: description.to_owned(), validations: Vec::new(), values: Vec::new() }
    }
}

/// A field of the `names` variable: one AWS name per environment, from `naming`.
pub struct NameField {
    /// Field name.
    pub key: &'static str,
    /// `string` or `map(string)`.
    pub ty: Expr,
    /// What the name is for.
    pub what: &'static str,
    /// One value per environment.
    pub values: Vec<Expr>,
    /// The rule the name must follow (a condition on `var.names.<key>`); `None` where the
    /// module the root passes it to checks it ([`crate::parts`]).
    pub check: Option<Validation>,
}

/// An AWS name of a part: `(key in names, what it names, the naming rule, its check)`.
pub type Name = (&'static str, &'static str, fn(&str, &str) -> String, NameRule);

/// The rule an AWS name follows, checked by a `validation` of `var.names.<key>`.
#[derive(Clone, Copy)]
pub enum NameRule {
    /// At most `max` lowercase letters, digits and single hyphens, starting with a letter (RDS
    /// and ElastiCache identifiers, snapshots). `what` starts the error message.
    Identifier {
        /// What the name is, e.g. "The RDS identifier".
        what: &'static str,
        /// AWS's length limit.
        max: i64,
    },
    /// At most `max` letters, digits and `+=,.@_-` (IAM names).
    Iam {
        /// What the name is, e.g. "The IAM role name".
        what: &'static str,
        /// AWS's length limit.
        max: i64,
    },
    /// A Secrets Manager name.
    Secret,
    /// A KMS alias.
    KmsAlias,
    /// A security group name.
    SecurityGroup,
}

impl NameRule {
    /// The condition on `value` (a reference to the name) and its message.
    pub fn validation(self, value: Expr) -> Validation {
        let (condition, message) = match self {
            NameRule::Identifier { what, max } => (
                and(max_len(value.clone(), max), matches(value, "^[a-z](-?[a-z0-9])*$")),
                format!(
                    "{what} must be at most {max} lowercase letters, digits and single hyphens, starting with a letter."
                ),
            ),
            NameRule::Iam { what, max } => (
                and(max_len(value.clone(), max), matches(value, "^[A-Za-z0-9+=,.@_-]+$")),
                format!("{what} must be at most {max} letters, digits and +=,.@_- characters."),
            ),
            NameRule::Secret => (
                matches(value, "^[A-Za-z0-9/_+=.@-]{1,512}$"),
                "Secrets Manager names must be 1 to 512 letters, digits and /_+=.@- characters.".to_owned(),
            ),
            NameRule::KmsAlias => (
                and(max_len(value.clone(), 256), matches(value, "^alias/[A-Za-z0-9/_-]+$")),
                "The KMS alias must start with alias/ and use letters, digits, /, _ and -.".to_owned(),
            ),
            NameRule::SecurityGroup => (
                and(max_len(value.clone(), 255), matches(value, "^[A-Za-z0-9 ._:/()#,@+=&;{}!$*-]+$")),
                "Security group names must be at most 255 letters, digits and allowed symbols.".to_owned(),
            ),
        };
        Validation { condition, message }
    }
}

impl NameField {
    /// A string field: `name(service, environment)` in each environment, following `rule`.
    pub fn per_env(
        ctx: &Ctx<'_>,
        key: &'static str,
        what: &'static str,
        name: fn(&str, &str) -> String,
        rule: NameRule,
    ) -> Self {
        NameField {
            key,
            ty: Expr::keyword("string"),
            what,
            values: ctx.per_env(|e| Expr::str(name(ctx.identity(), e.name()))),
            check: Some(rule.validation(Expr::path(&format!("var.names.{key}")))),
        }
    }
}

/// An output.
pub struct Output {
    /// Name.
    pub name: &'static str,
    /// What it is.
    pub description: String,
    /// Value.
    pub value: Expr,
    /// Hidden from plan output and logs (anything that carries a secret).
    pub sensitive: bool,
}

/// Where a block goes in `main.tf`, in file order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    /// Provider, locals, shared data sources.
    Provider,
    /// The IAM role of the service account and its policy.
    Iam,
    /// The KMS key.
    Kms,
    /// Secrets Manager.
    Secrets,
    /// Security groups and subnets.
    Network,
    /// RDS or ElastiCache.
    Database,
    /// Certificate and DNS records.
    Dns,
    /// The call of the org's module (module mode only).
    Module,
}

impl Section {
    fn title(self) -> &'static str {
        match self {
            Section::Provider => "Provider and shared values.",
            Section::Iam => "IAM role of the service account (IRSA) and its least-privilege policy.",
            Section::Kms => {
                "The service's KMS key (its CI deploy module creates it) for secrets, storage and Performance Insights."
            }
            Section::Secrets => "Secrets Manager: declared secrets (names only; values are set out of band).",
            Section::Network => "Network: the database admits only the service's pods (EKS security groups for pods).",
            Section::Database => "Database.",
            Section::Dns => "Certificate and DNS record of the service's host.",
            Section::Module => "The platform team's service module, with this service's values.",
        }
    }
}

/// The module under construction.
#[derive(Default)]
pub struct Root {
    /// Variables that place the root (environment, account, cluster), first in the file.
    pub identity: Vec<Variable>,
    /// Variables after `names` (sizes and settings), in file order.
    pub settings: Vec<Variable>,
    /// Fields of the `names` variable.
    pub names: Vec<NameField>,
    /// Blocks of `main.tf`.
    pub main: Vec<(Section, Block)>,
    /// Outputs, in file order.
    pub outputs: Vec<Output>,
    /// ARNs of every secret the service may read (first statement of its policy).
    pub secret_arns: Vec<Expr>,
    /// Further statements of the service role's policy.
    pub policy: Vec<Block>,
    /// Providers used besides `aws`.
    pub providers: BTreeSet<&'static str>,
    /// The org's module, when `main.tf` calls it instead of declaring resources.
    pub module_source: Option<String>,
}

impl Root {
    /// Add a block to a section of `main.tf`.
    pub fn add(&mut self, section: Section, block: Block) {
        self.main.push((section, block));
    }

    /// The blocks of `main.tf` in file order: by section, then in the order they were added.
    pub fn blocks(&self) -> Vec<(Section, &Block)> {
        let mut out: Vec<(Section, &Block)> = self.main.iter().map(|(s, b)| (*s, b)).collect();
        out.sort_by_key(|(s, _)| *s);
        out
    }

    /// The `main.tf` body: sections in order, each under a comment line.
    pub fn main_body(&self) -> Body {
        let mut body = Body::default();
        let mut current = None;
        for (s, b) in self.blocks() {
            if current != Some(s) {
                body.0.push(Item::Comment(s.title().to_owned()));
                current = Some(s);
            }
            body.push_block(b.clone());
        }
        body
    }

    /// Every variable: identity, then `names`, then settings.
    pub fn all_variables(&self, ctx: &Ctx<'_>) -> Vec<Variable> {
        let mut out = self.identity.clone();
        if !self.names.is_empty() {
            let ty = Expr::call("object", vec![Expr::object(self.names.iter().map(|f| (f.key, f.ty.clone())))]);
            let values = (0..ctx.envs.len())
                .map(|i| {
                    Expr::object(self.names.iter().map(|f| (f.key, f.values.get(i).cloned().unwrap_or(Expr::Null))))
                })
                .collect();
            let list: Vec<&str> = self.names.iter().map(|f| f.what).collect();
            out.push(Variable {
                name: "names",
                ty,
                description: format!(
                    "AWS names in this environment, from the platform's one naming rule: {}.",
                    list.join(", ")
                ),
                validations: self.names.iter().filter_map(|f| f.check.clone()).collect(),
                values,
            });
        }
        out.extend(self.settings.iter().cloned());
        out
    }

    /// `variables.tf`.
    pub fn variables_tf(&self, ctx: &Ctx<'_>) -> String {
        variables_tf(self.all_variables(ctx))
    }

    /// `<env>.tfvars` of environment `index`.
    pub fn tfvars(&self, ctx: &Ctx<'_>, index: usize) -> String {
        tfvars(&self.all_variables(ctx), index)
    }

    /// `outputs.tf`.
    pub fn outputs_tf(&self) -> String {
        outputs_tf(&self.outputs)
    }
}

/// `variables.tf` of any root: each variable with its description, type and validations.
pub fn variables_tf(vars: Vec<Variable>) -> String {
    let mut body = Body::default();
    for v in vars {
        let mut b = Block::new("variable", [v.name]).attr("description", Expr::str(&v.description)).attr("type", v.ty);
        for val in v.validations {
            b = b.block(
                Block::new("validation", [])
                    .attr("condition", val.condition)
                    .attr("error_message", Expr::str(val.message)),
            );
        }
        body.push_block(b);
    }
    hcl::print(&body)
}

/// `<env>.tfvars` of any root: every variable's value in environment `index`.
pub fn tfvars(vars: &[Variable], index: usize) -> String {
    let mut body = Body::default();
    for v in vars {
        body.push_attr(v.name, v.values.get(index).cloned().unwrap_or(Expr::Null));
    }
    hcl::print(&body)
}

/// `outputs.tf` of any root.
pub fn outputs_tf(outputs: &[Output]) -> String {
    let mut body = Body::default();
    for o in outputs {
        let mut b = Block::new("output", [o.name])
            .attr("description", Expr::str(&o.description))
            .attr("value", o.value.clone());
        if o.sensitive {
            b = b.attr("sensitive", Expr::Bool(true));
        }
        body.push_block(b);
    }
    hcl::print(&body)
}

// ---------------------------------------------------------------------------------------
// Small builders shared by the parts.
// ---------------------------------------------------------------------------------------

/// `can(regex("<re>", <e>))`.
pub fn matches(e: Expr, re: &str) -> Expr {
    Expr::call("can", vec![Expr::call("regex", vec![Expr::str(re), e])])
}

/// `length(<e>) <= n`.
pub fn max_len(e: Expr, n: i64) -> Expr {
    Expr::binary(Expr::call("length", vec![e]), BinOp::Le, Expr::Num(n))
}

/// `lo <= e && e <= hi` written as `e >= lo && e <= hi`.
pub fn between(e: Expr, lo: i64, hi: i64) -> Expr {
    Expr::binary(
        Expr::binary(e.clone(), BinOp::Ge, Expr::Num(lo)),
        BinOp::And,
        Expr::binary(e, BinOp::Le, Expr::Num(hi)),
    )
}

/// `a && b`.
pub fn and(a: Expr, b: Expr) -> Expr {
    Expr::binary(a, BinOp::And, b)
}

/// `contains([..], e)`.
pub fn one_of<S: AsRef<str>>(e: Expr, allowed: impl IntoIterator<Item = S>) -> Expr {
    Expr::call("contains", vec![Expr::strs(allowed), e])
}

/// An ARN in the current partition: `arn:${data.aws_partition.current.partition}:<rest…>`.
pub fn arn(rest: Vec<hcl::Part>) -> Expr {
    let mut parts =
        vec![hcl::lit("arn:"), hcl::interp(Expr::path("data.aws_partition.current.partition")), hcl::lit(":")];
    parts.extend(rest);
    hcl::template(parts)
}

/// `arn:<partition>:<service>:<region>:<account>:<rest>`, in the environment's region and
/// account.
pub fn regional_arn(service: &str, rest: Vec<hcl::Part>) -> Expr {
    let mut parts = vec![
        hcl::lit(format!("{service}:")),
        hcl::interp(Expr::path("var.aws_region")),
        hcl::lit(":"),
        hcl::interp(Expr::path("var.aws_account_id")),
        hcl::lit(":"),
    ];
    parts.extend(rest);
    arn(parts)
}

/// A `statement` block of an `aws_iam_policy_document`.
pub fn statement(sid: &str, actions: &[&str], resources: Expr) -> Block {
    Block::new("statement", [])
        .attr("sid", Expr::str(sid))
        .attr("effect", Expr::str("Allow"))
        .attr("actions", Expr::strs(actions))
        .attr("resources", resources)
}

/// A `condition` block.
pub fn condition(test: &str, variable: Expr, values: Expr) -> Block {
    Block::new("condition", []).attr("test", Expr::str(test)).attr("variable", variable).attr("values", values)
}

/// The ARN of the permissions boundary every role of the service carries
/// ([`platform_ir::naming::permissions_boundary_name`], created by the CI deploy module).
pub fn permissions_boundary() -> Expr {
    arn(vec![
        hcl::lit("iam::"),
        hcl::interp(Expr::path("var.aws_account_id")),
        hcl::lit(":policy/"),
        hcl::interp(Expr::path("var.names.permissions_boundary")),
    ])
}

/// A `principals` block.
pub fn principals(kind: &str, identifiers: Expr) -> Block {
    Block::new("principals", []).attr("type", Expr::str(kind)).attr("identifiers", identifiers)
}
