//! `_org/terraform/modules/ci-deploy/`: the CI deploy module of a packaged org, one for every
//! service. The org root calls it once per service with what is the service's own: its name,
//! its AWS names in each environment, its [`Fact`]s and its deploy jobs' longest session.
//!
//! It is the per-service module of [`crate::ci_deploy`] written once: the same blocks under
//! the same addresses, its statements the rules of [`ci::deploy_rules`] and
//! [`ci::boundary_rules`], each behind its condition on `var.features` (a `dynamic
//! "statement"` where a statement applies to some services only, `concat` where some of its
//! actions or resources do). For a service's facts, a statement's condition holds exactly
//! where the service's own module would have it, with the same actions and resources
//! (`tests::the_shared_rules_are_each_services_statements`). What differs on purpose:
//!
//! - the KMS key, its alias and the managed part of the deploy policy are counted (`[0]`),
//!   where a service's module declares them or not; Terraform moves an object declared
//!   without `count` to index 0 on its own, so switching an org to packaged moves no key;
//! - the key always carries `prevent_destroy`: a module cannot decide it per call, and a
//!   key whose deletion loses a service's secrets and database is the one to keep;
//! - with an ECR registry, the repository and image push role of a service whose image is
//!   there ([`crate::registry`]) are counted on `var.image_repository` too: a service whose
//!   image lives elsewhere passes null and has none.

use std::fmt::Write as _;

use platform_ir::{Artifact, ArtifactSet, Format, Org, Span};

use crate::ci::{self, Fact, Field, Rule, ServiceCi, Text, When};
use crate::hcl::{self, BinOp, Block, Body, Expr, Item, Step};
use crate::readme::code;
use crate::root::{self, Ctx, Variable, arn};
use crate::versions;
use crate::{ci_deploy, registry};

/// The module's directory inside the org root.
pub const DIR: &str = "modules/ci-deploy";

/// Whether the org's services share [`DIR`] instead of each carrying its own module: a
/// packaged org.
pub fn shared(org: &Org) -> bool {
    org.packages.packaged()
}

/// The arguments of the shared module's call for the service of `ctx`, whose CI facts are
/// `s`, after `source`: its name, PostgreSQL database name, facts, longest deploy session
/// and AWS names in every environment.
pub fn arguments(ctx: &Ctx<'_>, s: &ServiceCi) -> Vec<(&'static str, Expr)> {
    let facts = s.facts();
    let database_name = facts.contains(&Fact::Postgres).then(|| platform_ir::naming::database_name(&s.name));
    let mut out = vec![
        ("service", Expr::str(&s.name)),
        ("database_name", database_name.map_or(Expr::Null, Expr::str)),
        ("features", Expr::object(Fact::ALL.iter().map(|f| (f.key(), Expr::Bool(facts.contains(f)))))),
        ("session_seconds", Expr::Num(ci_deploy::session_seconds(ctx))),
        ("names_by_environment", ci_deploy::names(ctx, s)),
    ];
    if registry(ctx.org).is_some() {
        let repo = crate::registry::Repository::of(ctx);
        out.push(("image_repository", repo.as_ref().map_or(Expr::Null, |r| Expr::str(r.name))));
        out.push((
            "image_push_role",
            repo.map_or(Expr::Null, |_| Expr::str(platform_ir::naming::image_push_role_name(ctx.identity()))),
        ));
    }
    out
}

/// The module's files, relative to [`DIR`].
pub fn files(org: &Org, provenance: &[Span]) -> ArtifactSet {
    let file = |text: String| Artifact::new(Format::Hcl, text, provenance.to_vec());
    let main = main_body(org);
    let mut out = ArtifactSet::new();
    out.insert("versions.tf", file(versions::module_versions_tf(org)));
    out.insert("main.tf", file(hcl::print(&main)));
    out.insert("variables.tf", file(root::variables_tf(variables(org))));
    let key = Expr::call("try", vec![Expr::path("aws_kms_key.this[0].arn"), Expr::Null]);
    let outputs = ci_deploy::outputs(Some((key, "The service's KMS key (null without one).")));
    out.insert("outputs.tf", file(root::outputs_tf(&outputs)));
    out.insert("README.md", Artifact::new(Format::Markdown, readme(org, &main), provenance.to_vec()));
    out
}

fn variables(org: &Org) -> Vec<Variable> {
    let var = Variable::declared;
    let string = || Expr::keyword("string");
    let mut out = vec![
        var("service", string(), "The service's name."),
        var("database_name", string(), "Its PostgreSQL database and user name; null without PostgreSQL."),
        var(
            "features",
            Expr::call("object", vec![Expr::object(Fact::ALL.iter().map(|f| (f.key(), Expr::keyword("bool"))))]),
            "What its own Terraform has, which decides what its CI may do: a KMS key (secrets or a database), a database and its engine, a rotated secret, the org's bastion, an ACM certificate, DNS records.",
        ),
        var("session_seconds", Expr::keyword("number"), "The longest session of its deploy jobs."),
        var(
            "names_by_environment",
            Expr::call(
                "map",
                vec![Expr::call(
                    "object",
                    vec![Expr::object(Field::ALL.iter().map(|f| (f.key(), Expr::keyword("string"))))],
                )],
            ),
            "Its AWS names in each environment, from the platform's one naming rule (null where it has no such resource).",
        ),
    ];
    let mut environment = var("environment", string(), "Environment this run applies to.");
    environment.validations.push(root::Validation {
        condition: Expr::call(
            "contains",
            vec![Expr::call("keys", vec![Expr::path("var.names_by_environment")]), Expr::path("var.environment")],
        ),
        message: "The environment must be one of the service's environments (the keys of names_by_environment).".into(),
    });
    out.push(environment);
    if registry(org).is_some() {
        out.push(var(
            "image_repository",
            string(),
            "Its image repository in the org's ECR registry; null where its image lives elsewhere.",
        ));
        out.push(var(
            "image_push_role",
            string(),
            "The name of the role its builds push the image with; null without a repository.",
        ));
    }
    out.extend(ci_deploy::passed_through(org));
    out
}

fn feature(f: Fact) -> Expr {
    Expr::path("var.features").then(vec![Step::Attr(f.key().to_owned())])
}

/// True where one of the facts holds: the fact itself, or `anytrue([...])`.
fn any(facts: &[Fact]) -> Expr {
    match facts {
        [one] => feature(*one),
        more => Expr::call("anytrue", vec![Expr::List(more.iter().map(|f| feature(*f)).collect())]),
    }
}

/// The condition in HCL (`None`: always).
fn condition(when: &When) -> Option<Expr> {
    Some(match when {
        When::Always => return None,
        When::Is(f) => feature(*f),
        When::Not(f) => Expr::negate(feature(*f)),
        When::All(all) => {
            let mut it = all.iter().map(|f| feature(*f));
            let first = it.next()?;
            it.fold(first, |a, b| Expr::binary(a, BinOp::And, b))
        }
        When::None(none) => Expr::negate(any(none)),
    })
}

/// A list whose items each apply under a condition: the items that always apply, then
/// `concat` with each conditional group (`c ? [...] : []`).
fn guarded_list(items: Vec<(&When, Expr)>) -> Expr {
    let mut always = Vec::new();
    let mut groups: Vec<(&When, Vec<Expr>)> = Vec::new();
    for (when, item) in items {
        if *when == When::Always {
            always.push(item);
        } else if let Some(g) = groups.iter_mut().find(|(w, _)| *w == when) {
            g.1.push(item);
        } else {
            groups.push((when, vec![item]));
        }
    }
    if groups.is_empty() {
        return Expr::List(always);
    }
    let mut parts = vec![Expr::List(always)];
    for (when, items) in groups {
        let c = condition(when).unwrap_or(Expr::Bool(true));
        parts.push(Expr::cond(c, Expr::List(items), Expr::List(Vec::new())));
    }
    Expr::call("concat", parts)
}

/// A text of the shared module: the key is counted.
fn text(t: &Text) -> Expr {
    let shared = Text(
        t.0.iter()
            .map(|p| match p {
                ci::Piece::KeyArn => ci::Piece::SharedKeyArn,
                other => other.clone(),
            })
            .collect(),
    );
    shared.expr()
}

/// The `statement` of a rule, inside `dynamic "statement"` where it applies to some
/// services only.
fn statement(r: &Rule) -> Block {
    let mut actions: Vec<(&When, &str)> = r.actions.iter().map(|(w, a)| (w, *a)).collect();
    actions.sort_by(|a, b| a.1.cmp(b.1));
    let mut body = Block::new("statement", [])
        .attr("sid", Expr::str(r.sid))
        .attr("effect", Expr::str(if r.effect == ci::Effect::Allow { "Allow" } else { "Deny" }))
        .attr("actions", guarded_list(actions.into_iter().map(|(w, a)| (w, Expr::str(a))).collect()))
        .attr("resources", guarded_list(r.resources.iter().map(|(w, t)| (w, text(t))).collect()));
    for c in &r.conditions {
        body = body.block(
            Block::new("condition", [])
                .attr("test", Expr::str(c.test))
                .attr("variable", Expr::str(c.variable))
                .attr("values", Expr::List(c.values.iter().map(text).collect())),
        );
    }
    match condition(&r.when) {
        None => body,
        Some(c) => {
            let mut content = Block::new("content", []);
            content.body = body.body;
            Block::new("dynamic", ["statement"])
                .attr("for_each", Expr::cond(c, Expr::List(vec![Expr::Num(1)]), Expr::List(Vec::new())))
                .blank()
                .block(content)
        }
    }
}

fn policy_document(name: &str, rules: &[Rule]) -> Block {
    let mut doc = Block::new("data", ["aws_iam_policy_document", name]);
    for r in rules {
        doc = doc.block(statement(r));
    }
    doc
}

/// `"<before>${var.service}<after>"`.
fn about(before: &str, after: &str) -> Expr {
    hcl::template(vec![hcl::lit(before), hcl::interp(Expr::path("var.service")), hcl::lit(after)])
}

fn count(c: Expr) -> Expr {
    Expr::cond(c, Expr::Num(1), Expr::Num(0))
}

fn main_body(org: &Org) -> Body {
    let mut body = Body::default();
    body.0.push(Item::Comment(
        "The CI deploy role of one service, the permissions boundary of its own roles and its KMS key. The org root (_org/terraform) calls it once per service; never applied on its own.".into(),
    ));
    body.push_block(Block::new("locals", []).attr(
        "names",
        Expr::path("var.names_by_environment").then(vec![Step::By(Box::new(Expr::path("var.environment")))]),
    ));
    body.push_block(Block::new("data", ["aws_partition", "current"]));

    let key = count(feature(Fact::Key));
    body.0.push(Item::Comment(
        "The service's KMS key (where it has secrets or a database): CI may use it and hand it to RDS or ElastiCache, never administer it.".into(),
    ));
    let admin = arn(vec![hcl::lit("iam::"), hcl::interp(Expr::path("var.aws_account_id")), hcl::lit(":root")]);
    body.push_block(
        Block::new("resource", ["aws_kms_key", "this"])
            .attr("count", key.clone())
            .blank()
            .attr("description", about("Secrets and database storage of ", "."))
            .attr("enable_key_rotation", Expr::Bool(true))
            .attr("deletion_window_in_days", Expr::Num(30))
            .attr("policy", ci_deploy::key_policy(admin))
            .attr("tags", Expr::object([("service", Expr::path("var.service"))]))
            .blank()
            .block(Block::new("lifecycle", []).attr("prevent_destroy", Expr::Bool(true))),
    );
    body.push_block(
        Block::new("resource", ["aws_kms_alias", "this"])
            .attr("count", key)
            .blank()
            .attr("name", ci_deploy::name(Field::KmsAlias))
            .attr("target_key_id", Expr::path("aws_kms_key.this[0].key_id")),
    );

    body.0.push(Item::Comment("The permissions boundary every role of the service's own Terraform carries.".into()));
    body.push_block(policy_document("boundary", &ci::boundary_rules()));
    body.push_block(
        Block::new("resource", ["aws_iam_policy", "boundary"])
            .attr("name", ci_deploy::name(Field::PermissionsBoundary))
            .attr("description", about("Bounds the roles of ", "'s own Terraform to what its pods and database need."))
            .attr("policy", Expr::path("data.aws_iam_policy_document.boundary.json")),
    );

    body.0.push(Item::Comment(
        "The deploy role: apply the service's root in one environment and reach its cluster.".into(),
    ));
    let rules = ci::deploy_rules(org.terraform.lock_table().is_some(), &org.terraform.rotation_lambda.value);
    body.push_block(policy_document("deploy", &rules.core));
    body.push_block(
        Block::new("resource", ["aws_iam_role", "deploy"])
            .attr("name", ci_deploy::name(Field::DeployRole))
            .attr("description", about("GitHub Actions deploys, promotions and rollbacks of ", " in one environment."))
            .attr("assume_role_policy", Expr::path("var.trust_policy"))
            .attr("max_session_duration", Expr::path("var.session_seconds")),
    );
    body.push_block(
        Block::new("resource", ["aws_iam_role_policy", "deploy"])
            .attr("name", Expr::str("deploy"))
            .attr("role", Expr::path("aws_iam_role.deploy.id"))
            .attr("policy", Expr::path("data.aws_iam_policy_document.deploy.json")),
    );
    // IAM caps a role's inline policies at 10,240 characters in all: the database and DNS
    // parts go into a managed policy named like the role, for services that have them.
    let mut resource_facts: Vec<Fact> = Vec::new();
    for r in &rules.resources {
        if let When::Is(f) = r.when {
            if !resource_facts.contains(&f) {
                resource_facts.push(f);
            }
        } else {
            debug_assert!(false, "the managed part of the deploy policy depends on one fact per statement");
        }
    }
    let managed = count(any(&resource_facts));
    body.push_block(policy_document("deploy_resources", &rules.resources));
    body.push_block(
        Block::new("resource", ["aws_iam_policy", "deploy_resources"])
            .attr("count", managed.clone())
            .blank()
            .attr("name", ci_deploy::name(Field::DeployRole))
            .attr("description", about("Network, database and DNS part of the deploys of ", " in one environment."))
            .attr("policy", Expr::path("data.aws_iam_policy_document.deploy_resources.json")),
    );
    body.push_block(
        Block::new("resource", ["aws_iam_role_policy_attachment", "deploy_resources"])
            .attr("count", managed)
            .blank()
            .attr("role", Expr::path("aws_iam_role.deploy.name"))
            .attr("policy_arn", Expr::path("aws_iam_policy.deploy_resources[0].arn")),
    );
    if let Some((ecr, owner)) = registry(org) {
        let owner_of_call = registry::Owner {
            service: Expr::path("var.service"),
            called: "the service".into(),
            repository: Expr::path("var.image_repository"),
            push_role: Expr::path("var.image_push_role"),
            present: Some(Expr::Binary(Box::new(Expr::path("var.image_repository")), BinOp::Ne, Box::new(Expr::Null))),
        };
        registry::add(org, &ecr, owner, &owner_of_call, &mut body);
    }
    if org.terraform.cluster_access.value {
        ci_deploy::cluster_access(&about("platform:", ":deploy"), &about("", "-deploy"), &mut body);
    }
    body
}

/// The org's ECR registry and the environment that creates its repositories, when the
/// module creates them ([`crate::registry`]).
fn registry(org: &Org) -> Option<(platform_ir::Ecr, &platform_ir::Environment)> {
    Some((org.ecr()?, org.registry_environment()?))
}

fn readme(org: &Org, main: &Body) -> String {
    let mut out = String::new();
    out.push_str("# CI deploy module\n\n");
    out.push_str(
        "What the GitHub Actions deploys of each service may do in AWS: its deploy role, the permissions boundary of its own roles and its KMS key, generated by `platform` from the org file.\nChange that file and rebuild; do not edit these files.\n\n",
    );
    out.push_str("## Who applies it\n\n");
    out.push_str(
        "Nobody applies this directory on its own: the org root (`_org/terraform/`) calls it once per service, with the service's name, its AWS names in each environment and what its own Terraform has (`features`), applied by the platform team with its own credentials.\nA change here changes every service's CI permissions at the next apply of the org root: protect this directory like the org root.\n\n",
    );
    out.push_str("## What a deploy role may do\n\nEach statement applies where its condition on `features` holds:\n\n| statement | where | for |\n|---|---|---|\n");
    let rules = ci::deploy_rules(org.terraform.lock_table().is_some(), &org.terraform.rotation_lambda.value);
    for r in rules.core.iter().chain(&rules.resources) {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            code(r.sid),
            condition(&r.when).map_or_else(|| "always".to_owned(), |c| code(&hcl::compact(&c))),
            crate::readme::cell(ci_deploy::purpose(r.sid))
        );
    }
    out.push_str("\n## Resources\n\n| address | what |\n|---|---|\n");
    crate::readme::resource_rows(&mut out, crate::readme::blocks(main));
    out.push_str(
        "\nThe key carries `prevent_destroy` for every service (a module cannot decide it per call): removing a service from the build never schedules the deletion of the key its secrets and database are encrypted with.\nNo offline tool evaluates IAM policies: whether a deploy role may do exactly what its service's `terraform apply` needs is first shown by its first deploy.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// The value of a condition or list of the module for a service with `facts`: the
    /// expressions this module writes (`var.features.<fact>`, `!`, `&&`, `anytrue`,
    /// `c ? a : b`, `concat`), evaluated as Terraform would.
    fn truth(e: &Expr, facts: &BTreeSet<Fact>) -> bool {
        match e {
            Expr::Bool(b) => *b,
            Expr::Ref(_) => Fact::ALL.iter().any(|f| facts.contains(f) && *e == feature(*f)),
            Expr::Not(a) => !truth(a, facts),
            Expr::Binary(a, BinOp::And, b) => truth(a, facts) && truth(b, facts),
            Expr::Binary(a, BinOp::Or, b) => truth(a, facts) || truth(b, facts),
            Expr::Call(f, args) if f == "anytrue" => items(&args[0], facts).iter().any(|x| truth(x, facts)),
            other => panic!("not a condition this module writes: {other:?}"),
        }
    }

    fn items(e: &Expr, facts: &BTreeSet<Fact>) -> Vec<Expr> {
        match e {
            Expr::List(items) => items.clone(),
            Expr::Call(f, parts) if f == "concat" => parts.iter().flat_map(|p| items(p, facts)).collect(),
            Expr::Cond(c, a, b) => items(if truth(c, facts) { a } else { b }, facts),
            other => panic!("not a list this module writes: {other:?}"),
        }
    }

    fn attr<'a>(b: &'a Block, key: &str) -> &'a Expr {
        b.body
            .0
            .iter()
            .find_map(|i| match i {
                Item::Attr(k, e) if k == key => Some(e),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no {key} in {b:?}"))
    }

    /// For every combination of facts, the statements the shared module's policies hold
    /// (its `dynamic` conditions and `concat` lists evaluated) are exactly the statements a
    /// service with those facts gets in its own module: the same ids, actions and resources.
    #[test]
    fn the_shared_rules_are_each_services_statements() {
        let deploy = ci::deploy_rules(true, "rotation");
        let boundary = ci::boundary_rules();
        let rules: Vec<&Rule> = deploy.core.iter().chain(&deploy.resources).chain(&boundary).collect();
        for bits in 0u32..(1 << Fact::ALL.len()) {
            let facts: BTreeSet<Fact> =
                Fact::ALL.iter().enumerate().filter(|(i, _)| bits & (1 << i) != 0).map(|(_, f)| *f).collect();
            for r in &rules {
                let block = statement(r);
                let (applies, content) = match block.kind.as_str() {
                    "dynamic" => {
                        let content = block.body.0.iter().find_map(|i| match i {
                            Item::Block(b) if b.kind == "content" => Some(b.clone()),
                            _ => None,
                        });
                        (!items(attr(&block, "for_each"), &facts).is_empty(), content.unwrap())
                    }
                    _ => (true, block.clone()),
                };
                let want = r.of(&facts, "svc", "svc");
                assert_eq!(applies, want.is_some(), "{} with {facts:?}", r.sid);
                let Some(want) = want else { continue };
                let actions: Vec<String> = items(attr(&content, "actions"), &facts)
                    .iter()
                    .map(hcl::compact)
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                let want_actions: Vec<String> = want.actions.iter().map(|a| hcl::compact(&Expr::str(*a))).collect();
                assert_eq!(actions, want_actions, "{} with {facts:?}", r.sid);
                let resources: Vec<String> =
                    items(attr(&content, "resources"), &facts).iter().map(hcl::compact).collect();
                let want_resources: Vec<String> =
                    r.resources.iter().filter(|(w, _)| w.holds(&facts)).map(|(_, t)| hcl::compact(&text(t))).collect();
                assert_eq!(resources, want_resources, "{} with {facts:?}", r.sid);
            }
        }
    }
}
