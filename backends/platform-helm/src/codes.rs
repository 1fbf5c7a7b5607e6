//! Registry of `HELM` codes: problems the Helm backend finds while building a chart.
//! Append-only.

use platform_ir::Code;

/// A canary needs an availability objective to analyse against.
pub const HELM001: Code = Code {
    id: "HELM001",
    name: "canary-without-slo",
    summary: "a canary is asked for but the service has no availability objective to analyse it against",
    docs: "A canary (`deployment.canary: true`) becomes an Argo Rollouts `Rollout` whose analysis compares the \
           service's error ratio with a threshold derived from `monitoring.slo` (the fastest page burn rate of \
           the org's window catalog). Without an objective there is nothing to compare with, so the analysis \
           could only pass blindly.\n\nExample: `deployment: {canary: true}` with no `monitoring.slo`.\n\n\
           Why it matters: a canary whose analysis cannot fail never rolls back a bad release.\n\n\
           Fix: add `monitoring.slo: 99.9` (the objective you promise), or remove `canary: true`.",
};

/// Automatic rollback with canary steps that never analyse.
pub const HELM002: Code = Code {
    id: "HELM002",
    name: "canary-without-analysis",
    summary: "automatic rollback is on but no canary step runs the analysis",
    docs: "`rollback: automatic` aborts a Rollout when its analysis fails; an analysis only runs at an \
           `analysis` step. Steps such as `[setWeight: 10, pause: 5m, setWeight: 50]` shift traffic but never \
           measure it, so nothing can trigger the rollback.\n\nExample: `steps: [{setWeight: 20}, {pause: 10m}]`\n\n\
           Fix: add `- analysis` after a pause, e.g. `[{setWeight: 10}, {pause: 5m}, analysis, {setWeight: 50}]`.",
};

/// An org setting that the chart uses as a Kubernetes name is not one.
pub const HELM003: Code = Code {
    id: "HELM003",
    name: "invalid-kubernetes-name",
    summary: "an org setting that becomes a Kubernetes name or namespace is not a valid one",
    docs: "The chart writes some org settings into Kubernetes objects as names: the ingress class, the \
           cert-manager ClusterIssuer, the ingress controller's and Prometheus' namespaces, the parent gateway \
           (`namespace/name`), the secret store, and each environment's namespace scheme once `{team}`, \
           `{service}` and `{env}` are filled in. Kubernetes rejects the objects if these are not DNS-1123 \
           labels (namespaces) or subdomains (other names).\n\nExample: `namespace: \"{team}_apps\"` gives \
           `payments_apps`.\n\nWhy it matters: `helm upgrade` would fail at deploy time, long after review.\n\n\
           Fix: use lowercase letters, digits and `-` (and `.` in names that are not namespaces).",
};

/// The service's directory would break the do-not-edit header of a template.
pub const HELM004: Code = Code {
    id: "HELM004",
    name: "unsafe-service-path",
    summary: "the service's directory name would run as template code in the chart's file headers",
    docs: "Every generated file starts with a do-not-edit comment that names its source, \
           `<directory>/platform.yaml`. In a Helm template that comment is template text: a `{{` in the \
           directory name would start a Go template action when Helm renders the chart, and a `*/` or a \
           line break would end the comment early.\n\nExample: a service in \
           `services/{{ fail \"x\" }}/platform.yaml`.\n\nWhy it matters: the chart would fail to render, or \
           run whatever the directory name says.\n\nFix: rename the directory, e.g. `services/payment-api`.",
};

/// Every code of this crate, in order.
pub const ALL: &[&Code] = &[&HELM001, &HELM002, &HELM003, &HELM004];
