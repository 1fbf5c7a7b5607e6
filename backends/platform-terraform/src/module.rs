//! Module mode: when the org names a platform module (`terraform.moduleSource`), `main.tf`
//! calls it instead of declaring the resources, as the issue's "small root that calls the
//! platform team's `platform-service` module" describes.
//!
//! The root keeps everything else: `versions.tf`, the backend files, the same variables and
//! tfvars (so switching modes changes no environment's values), and the same outputs, read
//! from the module. The module's interface is therefore the root's: every variable under
//! the same name, plus what the root knows statically (`service`, `service_account`,
//! `database_engine`, `database_name`, `secrets`, `rotation_lambda`), and every output
//! under the same name. The book's Terraform chapter lists it.

use platform_ir::Engine;

use crate::hcl::{Block, Expr, Step};
use crate::root::{Ctx, Root, Section};

/// True when the org calls its own module.
pub fn enabled(ctx: &Ctx<'_>) -> bool {
    !ctx.org.terraform.module_source.value.trim().is_empty()
}

/// Replace the resources of `main.tf` by one module call, and read the outputs from it.
pub fn apply(ctx: &Ctx<'_>, root: &mut Root) {
    let mut call = Block::new("module", ["service"])
        .attr("source", Expr::str(ctx.org.terraform.module_source.value.trim()))
        .blank();
    call = call
        .attr("service", Expr::path("local.service"))
        .attr("service_account", Expr::path("local.service_account"))
        .attr(
            "database_engine",
            match ctx.engine {
                Some(e) => Expr::str(e.as_str()),
                None => Expr::Null,
            },
        )
        .attr(
            "database_name",
            match ctx.engine {
                Some(Engine::Postgres) => Expr::path("local.database_name"),
                _ => Expr::Null,
            },
        )
        .attr(
            "secrets",
            Expr::object(ctx.svc.secrets.iter().map(|s| {
                let days = s.rotation_days.as_ref().map_or(Expr::Null, |d| Expr::Num(i64::from(d.value)));
                (s.name.value.clone(), Expr::object([("rotation_days", days)]))
            })),
        )
        .attr("rotation_lambda", Expr::str(&ctx.org.terraform.rotation_lambda.value))
        .blank();
    for v in root.all_variables(ctx) {
        call = call.attr(v.name, Expr::path(&format!("var.{}", v.name)));
    }
    root.main.retain(|(s, b)| *s == Section::Provider && b.kind != "data");
    root.module_source = Some(ctx.org.terraform.module_source.value.trim().to_owned());
    root.add(Section::Module, call);
    for o in &mut root.outputs {
        o.value = Expr::path("module.service").then(vec![Step::Attr(o.name.to_owned())]);
    }
}
