//! Where the database lives and who may reach it: the cluster's VPC and private subnets are
//! looked up from the EKS cluster (no network ids to copy by hand), and two security groups
//! let exactly the service's pods reach exactly the database port.
//!
//! The pods' group is attached to the pods by EKS *security groups for pods* (a
//! `SecurityGroupPolicy` naming the `pod_security_group_id` output next to the cluster's own
//! group, output `cluster_security_group_id`; the GitHub Actions deploy passes both to the
//! chart); Terraform cannot attach it, so its checkov "attached" check is skipped inline.

use platform_ir::{Engine, naming};

use crate::hcl::{BinOp, Block, Expr};
use crate::root::{Ctx, Name, NameField, NameRule, Output, Place, Root, Section, Validation, Variable, matches};

/// The engine's port ([`Engine::port`]), as HCL writes numbers.
pub fn port(engine: Engine) -> i64 {
    i64::from(engine.port())
}

/// The security groups' names: `(key, what, name, rule)`.
pub const NAMES: [Name; 2] = [
    ("pod_security_group", "security group of the pods", naming::pod_security_group_name, NameRule::SecurityGroup),
    (
        "database_security_group",
        "security group of the database",
        naming::database_security_group_name,
        NameRule::SecurityGroup,
    ),
];

/// Add the subnet lookup and the two security groups (services with a database only).
pub fn add(ctx: &Ctx<'_>, root: &mut Root) {
    let Some(engine) = ctx.engine else { return };
    root.identity.push(Variable { values: ctx.per_env(|e| Expr::str(&e.org.cluster.value)), ..cluster_variable() });
    root.names.extend(NAMES.iter().map(|(key, what, name, rule)| NameField::per_env(ctx, key, what, *name, *rule)));

    let bastion = ctx.envs.iter().any(|e| e.org.database_bastion.is_some());
    if bastion {
        bastion_variable(ctx, root);
    }
    for block in blocks(Place::Root(ctx), engine, bastion) {
        root.add(Section::Network, block);
    }

    root.outputs.push(Output {
        name: "pod_security_group_id",
        description:
            "Security group to attach to the service's pods (SecurityGroupPolicy); the database admits only it.".into(),
        value: Expr::path("aws_security_group.pods.id"),
        sensitive: false,
    });
    root.outputs.push(Output {
        name: "cluster_security_group_id",
        description: "The EKS cluster's own security group, listed next to the pods' group in the SecurityGroupPolicy (DNS, probes and the rest of the pods' traffic).".into(),
        value: Expr::path("data.aws_eks_cluster.this.vpc_config[0].cluster_security_group_id"),
        sensitive: false,
    });
}

/// The org's bastion (`environments[].databaseBastion`, an EC2 instance with the SSM agent):
/// the database admits its security groups on its port, so `platform db connect` can forward
/// a local port to the database through it. Only where the org names one; the instance is
/// looked up by its `Name` tag when the plan runs, so a missing bastion fails the plan, not a
/// connection later.
/// The network blocks of a database of `engine`, in a service's root or in the org's module
/// of its engine ([`crate::parts`]); with `bastion`, the rule that admits the org's bastion.
pub fn blocks(place: Place<'_, '_>, engine: Engine, bastion: bool) -> Vec<Block> {
    let port = port(engine);
    let mut out = Vec::new();
    out.push(Block::new("data", ["aws_eks_cluster", "this"]).attr("name", Expr::path("var.eks_cluster_name")));
    out.push(
        Block::new("data", ["aws_subnets", "private"])
            .attr("tags", Expr::object([("kubernetes.io/role/internal-elb", Expr::str("1"))]))
            .block(
                Block::new("filter", [])
                    .attr("name", Expr::str("vpc-id"))
                    .attr("values", Expr::List(vec![Expr::path("data.aws_eks_cluster.this.vpc_config[0].vpc_id")])),
            ),
    );
    out.push(
        Block::new("resource", ["aws_security_group", "pods"])
            .comment("checkov:skip=CKV2_AWS_5:attached to the pods by an EKS SecurityGroupPolicy, which Terraform does not manage")
            .attr("name", Expr::path("var.names.pod_security_group"))
            .attr("description", place.about("Pods of ", ": may reach its database"))
            .attr("vpc_id", Expr::path("data.aws_eks_cluster.this.vpc_config[0].vpc_id")),
    );
    out.push(
        Block::new("resource", ["aws_security_group", "database"])
            .attr("name", Expr::path("var.names.database_security_group"))
            .attr("description", place.about("Database of ", ": admits only its pods"))
            .attr("vpc_id", Expr::path("data.aws_eks_cluster.this.vpc_config[0].vpc_id")),
    );
    out.push(
        Block::new("resource", ["aws_vpc_security_group_ingress_rule", "database_from_pods"])
            .attr("security_group_id", Expr::path("aws_security_group.database.id"))
            .attr("referenced_security_group_id", Expr::path("aws_security_group.pods.id"))
            .attr("ip_protocol", Expr::str("tcp"))
            .attr("from_port", Expr::Num(port))
            .attr("to_port", Expr::Num(port))
            .attr("description", place.about(&format!("{engine} from the pods of "), "")),
    );
    out.push(
        Block::new("resource", ["aws_vpc_security_group_egress_rule", "pods_to_database"])
            .attr("security_group_id", Expr::path("aws_security_group.pods.id"))
            .attr("referenced_security_group_id", Expr::path("aws_security_group.database.id"))
            .attr("ip_protocol", Expr::str("tcp"))
            .attr("from_port", Expr::Num(port))
            .attr("to_port", Expr::Num(port))
            .attr("description", place.about(&format!("{engine} to the database of "), "")),
    );
    if bastion {
        bastion_blocks(place, engine, port, &mut out);
    }
    out
}

fn bastion_variable(ctx: &Ctx<'_>, root: &mut Root) {
    root.identity.push(Variable {
        values: ctx.per_env(|e| Expr::str(e.org.database_bastion.as_ref().map_or("", |b| b.value.as_str()))),
        ..bastion()
    });
}

/// The cluster variable, without values: a root's, and the org's database modules'
/// ([`crate::parts`]), which check it for every root that calls them.
pub fn cluster_variable() -> Variable {
    Variable {
        name: "eks_cluster_name",
        ty: Expr::keyword("string"),
        description: "EKS cluster of the environment; its VPC and private subnets hold the database.".into(),
        validations: vec![Validation {
            condition: matches(Expr::path("var.eks_cluster_name"), "^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$"),
            message: "The EKS cluster name must be 1 to 100 letters, digits, - and _, starting with a letter or digit."
                .into(),
        }],
        values: Vec::new(),
    }
}

/// The bastion variable, without values (see [`cluster_variable`]).
pub fn bastion() -> Variable {
    Variable {
        name: "database_bastion",
        ty: Expr::keyword("string"),
        description: "Name tag of the instance people reach the database through (SSM); empty: none.".into(),
        validations: vec![Validation {
            condition: matches(Expr::path("var.database_bastion"), "^([A-Za-z0-9][A-Za-z0-9 ._:/=+@-]{0,127})?$"),
            message: "The bastion's Name tag must be up to 128 letters, digits, spaces and ._:/=+@- characters.".into(),
        }],
        values: Vec::new(),
    }
}

fn bastion_blocks(place: Place<'_, '_>, engine: Engine, port: i64, out: &mut Vec<Block>) {
    let none = || Expr::binary(Expr::path("var.database_bastion"), BinOp::Eq, Expr::str(""));
    out.push(
        Block::new("data", ["aws_instance", "bastion"])
            .attr("count", Expr::cond(none(), Expr::Num(0), Expr::Num(1)))
            .block(
                Block::new("filter", [])
                    .attr("name", Expr::str("tag:Name"))
                    .attr("values", Expr::List(vec![Expr::path("var.database_bastion")])),
            )
            .block(
                Block::new("filter", [])
                    .attr("name", Expr::str("instance-state-name"))
                    .attr("values", Expr::strs(["running"])),
            ),
    );
    out.push(
        Block::new("resource", ["aws_vpc_security_group_ingress_rule", "database_from_bastion"])
            .attr(
                "for_each",
                Expr::call(
                    "toset",
                    vec![Expr::cond(
                        none(),
                        Expr::List(vec![]),
                        Expr::path("data.aws_instance.bastion[0].vpc_security_group_ids"),
                    )],
                ),
            )
            .attr("security_group_id", Expr::path("aws_security_group.database.id"))
            .attr("referenced_security_group_id", Expr::path("each.value"))
            .attr("ip_protocol", Expr::str("tcp"))
            .attr("from_port", Expr::Num(port))
            .attr("to_port", Expr::Num(port))
            .attr(
                "description",
                place.about(&format!("{engine} from the bastion, for people (platform db connect) to "), ""),
            ),
    );
}
