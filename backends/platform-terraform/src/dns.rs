//! When the org manages DNS here (`terraform.manageDns`) and the service has an ingress: a
//! CNAME from the host to the org's ingress load balancer (`terraform.dnsTarget`, per
//! exposure and environment), and, when the org's TLS comes from ACM (`ingress.tls: acm`),
//! an ACM certificate for the host, validated through DNS. Both live in the environment's
//! public hosted zone.

use platform_ir::{Exposure, Org};

use crate::hcl::{self, Block, Expr, Step};
use crate::root::{Ctx, Env, Output, Root, Section, Validation, Variable, matches};

/// The hosted zone of a host: the environment's domain, else the org's, else its parent.
pub fn zone_of(host: &str, env_domain: &str, org_domain: &str) -> String {
    for d in [env_domain, org_domain] {
        if host == d || host.ends_with(&format!(".{d}")) {
            return d.to_owned();
        }
    }
    host.split_once('.').map_or_else(|| host.to_owned(), |(_, parent)| parent.to_owned())
}

/// The CNAME target of a host in an environment.
pub fn target(org: &Org, env: &Env<'_>, exposure: Exposure) -> String {
    org.terraform.dns_target.value.replace("{exposure}", exposure.as_str()).replace("{domain}", &env.org.domain.value)
}

/// Add the records (and the certificate).
pub fn add(ctx: &Ctx<'_>, root: &mut Root) {
    let Some(ingress) = &ctx.svc.ingress else { return };
    if !ctx.org.terraform.manage_dns.value || ctx.envs.iter().any(|e| e.svc.host.is_none()) {
        return;
    }
    let values = ctx.per_env(|e| {
        let host = e.svc.host.as_ref().map(|h| h.value.clone()).unwrap_or_default();
        Expr::object([
            ("zone", Expr::str(zone_of(&host, &e.org.domain.value, &ctx.org.domain.value))),
            ("host", Expr::str(&host)),
            ("target", Expr::str(target(ctx.org, e, ingress.exposure.value))),
        ])
    });
    let field = |f: &str| Expr::path(&format!("var.dns.{f}"));
    root.settings.push(Variable {
        name: "dns",
        ty: Expr::call(
            "object",
            vec![Expr::object([
                ("zone", Expr::keyword("string")),
                ("host", Expr::keyword("string")),
                ("target", Expr::keyword("string")),
            ])],
        ),
        description:
            "Public hosted zone, host name of the service, and the org's ingress load balancer name the host points to."
                .into(),
        validations: vec![
            Validation {
                condition: Expr::call(
                    "endswith",
                    vec![field("host"), hcl::template(vec![hcl::lit("."), hcl::interp(field("zone"))])],
                ),
                message: "The host must be inside the hosted zone.".into(),
            },
            Validation {
                condition: matches(field("target"), "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"),
                message: "The target must be a DNS name.".into(),
            },
        ],
        values,
    });

    root.add(
        Section::Dns,
        Block::new("data", ["aws_route53_zone", "this"])
            .attr("name", field("zone"))
            .attr("private_zone", Expr::Bool(false)),
    );
    root.add(
        Section::Dns,
        Block::new("resource", ["aws_route53_record", "service"])
            .attr("zone_id", Expr::path("data.aws_route53_zone.this.zone_id"))
            .attr("name", field("host"))
            .attr("type", Expr::str("CNAME"))
            .attr("ttl", Expr::Num(300))
            .attr("records", Expr::List(vec![field("target")])),
    );
    root.outputs.push(Output {
        name: "hostname",
        description: "Host name of the service.".into(),
        value: Expr::path("aws_route53_record.service.fqdn"),
        sensitive: false,
    });
    // TLS from one place: an ACM certificate only when the org's load balancers present one
    // (`ingress.tls: acm`); with cert-manager nothing would use it.
    if ctx.org.ingress.tls.value == platform_ir::TlsSource::Acm {
        root.add(
            Section::Dns,
            Block::new("resource", ["aws_acm_certificate", "this"])
                .attr("domain_name", field("host"))
                .attr("validation_method", Expr::str("DNS"))
                .block(
                    Block::new("options", []).attr("certificate_transparency_logging_preference", Expr::str("ENABLED")),
                )
                .block(Block::new("lifecycle", []).attr("create_before_destroy", Expr::Bool(true))),
        );
        let option = |attr: &str| {
            Expr::call("tolist", vec![Expr::path("aws_acm_certificate.this.domain_validation_options")])
                .then(vec![Step::Index(0), Step::Attr(attr.to_owned())])
        };
        root.add(
            Section::Dns,
            Block::new("resource", ["aws_route53_record", "certificate_validation"])
                .attr("zone_id", Expr::path("data.aws_route53_zone.this.zone_id"))
                .attr("name", option("resource_record_name"))
                .attr("type", option("resource_record_type"))
                .attr("records", Expr::List(vec![option("resource_record_value")]))
                .attr("ttl", Expr::Num(300))
                .attr("allow_overwrite", Expr::Bool(true)),
        );
        root.add(
            Section::Dns,
            Block::new("resource", ["aws_acm_certificate_validation", "this"])
                .attr("certificate_arn", Expr::path("aws_acm_certificate.this.arn"))
                .attr(
                    "validation_record_fqdns",
                    Expr::List(vec![Expr::path("aws_route53_record.certificate_validation.fqdn")]),
                ),
        );
        root.outputs.push(Output {
            name: "certificate_arn",
            description: "ARN of the validated ACM certificate of the host.".into(),
            value: Expr::path("aws_acm_certificate_validation.this.certificate_arn"),
            sensitive: false,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::zone_of;

    #[test]
    fn zones() {
        assert_eq!(zone_of("pay.staging.acme.dev", "staging.acme.dev", "acme.dev"), "staging.acme.dev");
        assert_eq!(zone_of("pay.acme.dev", "staging.acme.dev", "acme.dev"), "acme.dev");
        assert_eq!(zone_of("pay.example.org", "staging.acme.dev", "acme.dev"), "example.org");
    }
}
