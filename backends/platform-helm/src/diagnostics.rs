//! Checks only the chart needs (HELM codes): a canary must be analysable, and org settings
//! that become Kubernetes names must be valid ones.

use platform_ir::{CanaryStep, Diagnostic, Org, Rollback, Service, Sp};

use crate::codes;

/// Every problem of one service's chart. Errors stop the chart from being written.
pub fn check(org: &Org, svc: &Service) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if !is_inert_in_header(&svc.dir) {
        out.push(Diagnostic::error(
            &codes::HELM004,
            format!(
                "the directory `{}` of this service would run as template code in the chart",
                svc.dir.escape_debug()
            ),
            svc.name.span,
            "service in an unsafe directory",
            "rename the directory to letters, digits, `.`, `_`, `-` and `/`",
        ));
    }
    if let Some(canary) = &svc.deployment.canary {
        if svc.monitoring.slo.is_none() {
            out.push(Diagnostic::error(
                &codes::HELM001,
                "a canary is asked for but the service has no availability objective",
                canary.span,
                "nothing to analyse the canary against",
                "add `monitoring.slo` (e.g. `slo: 99.9`) so the canary analysis has a threshold, or remove `canary: true`",
            ));
        }
        let analyses = canary.steps.iter().any(|s| matches!(s, CanaryStep::Analysis(_)));
        if svc.deployment.rollback.value == Rollback::Automatic && !analyses {
            out.push(
                Diagnostic::warning(
                    &codes::HELM002,
                    "automatic rollback is on but no canary step runs the analysis",
                    canary.span,
                    "no `analysis` step",
                    "add an `analysis` step after a pause, e.g. `steps: [{setWeight: 10}, {pause: 5m}, analysis]`",
                )
                .with_label(svc.deployment.rollback.span, "automatic rollback"),
            );
        }
    }
    for env in &svc.environments {
        let scheme = &org.environment(env).namespace;
        namespace(&mut out, &Sp::new(env.namespace.clone(), scheme.span), "the namespace of this environment");
        for dep in &svc.depends_on {
            let ns = platform_ir::naming::namespace(&scheme.value, &dep.team, &dep.service.value, &env.name.value);
            namespace(&mut out, &Sp::new(ns, scheme.span), "the namespace of a dependency");
        }
    }
    namespace(&mut out, &org.monitoring.prometheus_namespace, "the Prometheus namespace");
    subdomain(&mut out, &org.secret_store, "the secret store name");
    if let Some(pull) = org.registry_pull_secret() {
        subdomain(&mut out, pull, "the image pull Secret");
    }
    if let Some(ingress) = &svc.ingress {
        let exposure = ingress.exposure.value;
        if org.ingress.gateway_api.value {
            let g = org.ingress.gateway_for(exposure);
            match g.value.split_once('/') {
                Some((ns, name)) if is_label(ns) && is_subdomain(name) => {}
                _ => out.push(invalid(
                    g,
                    "the parent gateway",
                    "write the gateway as `namespace/name`, e.g. `gateway-system/public`",
                )),
            }
        } else {
            subdomain(&mut out, org.ingress.class_for(exposure), "the ingress class");
            if org.ingress.tls.value == platform_ir::TlsSource::CertManager {
                subdomain(&mut out, &org.ingress.cluster_issuer, "the cert-manager ClusterIssuer");
            }
            namespace(&mut out, org.ingress.controller_namespace_for(exposure), "the ingress controller namespace");
        }
    }
    out
}

fn namespace(out: &mut Vec<Diagnostic>, v: &Sp<String>, what: &str) {
    if !is_label(v) {
        out.push(invalid(
            v,
            what,
            "namespaces are DNS-1123 labels: lowercase letters, digits and `-`, at most 63 characters",
        ));
    }
}

fn subdomain(out: &mut Vec<Diagnostic>, v: &Sp<String>, what: &str) {
    if !is_subdomain(v) {
        out.push(invalid(
            v,
            what,
            "use lowercase letters, digits, `-` and `.`, starting and ending with a letter or digit",
        ));
    }
}

fn invalid(v: &Sp<String>, what: &str, help: &str) -> Diagnostic {
    Diagnostic::error(
        &codes::HELM003,
        format!("{what} `{}` is not a valid Kubernetes name", v.value.escape_debug()),
        v.span,
        "not a Kubernetes name",
        help,
    )
}

/// True when `dir` can sit in a template's do-not-edit comment (`# …` or `{{/* … */}}`)
/// without starting an action, ending the comment or the line.
pub fn is_inert_in_header(dir: &str) -> bool {
    !["{{", "}}", "*/", "\n", "\r"].iter().any(|bad| dir.contains(bad))
}

/// DNS-1123 label: `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 characters.
pub fn is_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// DNS-1123 subdomain: dot-separated labels, at most 253 characters.
pub fn is_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_label)
}

#[cfg(test)]
mod tests {
    use super::{is_inert_in_header, is_label, is_subdomain};

    #[test]
    fn directories_that_would_run_in_a_header() {
        assert!(is_inert_in_header(".") && is_inert_in_header("services/payment-api") && is_inert_in_header("a {b} c"));
        for bad in ["svc{{x}}", "a}}", "a*/b", "a\nb", "a\rb"] {
            assert!(!is_inert_in_header(bad), "{bad:?}");
        }
    }

    #[test]
    fn kubernetes_names() {
        assert!(is_label("payments") && is_label("team-1") && is_label("1x"));
        assert!(
            !is_label("")
                && !is_label("-a")
                && !is_label("a-")
                && !is_label("A")
                && !is_label("a_b")
                && !is_label(&"a".repeat(64))
        );
        assert!(is_subdomain("letsencrypt.prod") && !is_subdomain("a..b") && !is_subdomain("a/b"));
    }
}
