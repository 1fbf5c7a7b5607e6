//! The org's Helm library chart `platform-service` (`spec.packages.mode: packaged`): the
//! templates every chart of the golden path shares, once for the org. A packaged service
//! chart holds its values, its schema, one template that includes `platform-service.objects`
//! and then its SLO rules (the recording rules and alerts from the library where they render
//! as its own, [`crate::slo_records`] and [`crate::slo_alerts`]; its environment choice and
//! info series), and its install notes (`platform-service.notes`). Its
//! `Chart.yaml` depends on the library at the org's package version: by path in this
//! repository (`file://`, so `helm dependency build` works offline), or in the org's chart
//! registry (`spec.packages.charts`).
//!
//! The object templates are the vendored chart's, byte for byte (but for the canary query,
//! which the library also writes, [`crate::canary_query`]), each wrapped in a `define`
//! with the guard that stands for the build-time choice of templates
//! ([`crate::templates::objects`]): a packaged and a vendored chart of one service render the
//! same objects, which `tests/helm.rs` checks with real Helm.

use std::fmt::Write as _;

use platform_ir::backend::{org_dir, service_to_org};
use platform_ir::{Artifact, ArtifactSet, Format, Org};
use serde_json::{Value, json};

use crate::templates;
use crate::yaml::to_yaml;

/// The library chart's name (and directory).
pub const NAME: &str = "platform-service";

/// The entry of a service chart's `dependencies:` on the library: the org's chart
/// repository, or by path in this repository.
pub fn dependency(org: &Org) -> Value {
    let repository = match &org.packages.charts {
        Some(oci) => oci.value.clone(),
        None => format!("file://{}/{NAME}", service_to_org(crate::ID, 1)),
    };
    json!({ "name": NAME, "version": org.packages.version.value, "repository": repository })
}

/// Every file of the library chart, under `platform-service/`.
pub fn files(org: &Org) -> ArtifactSet {
    let mut out = ArtifactSet::new();
    let prov = vec![org.packages.version.span];
    let mut add = |path: &str, format: Format, text: String| {
        out.insert(&format!("{NAME}/{path}"), Artifact::new(format, text, prov.clone()));
    };
    add("Chart.yaml", Format::Yaml, chart_yaml(org));
    add("templates/_helpers.tpl", Format::GoTemplate, templates::helpers().to_owned());
    add("templates/_objects.tpl", Format::GoTemplate, objects());
    let notes = format!("{{{{- define \"{NAME}.notes\" }}}}\n{}{{{{- end }}}}\n", templates::notes());
    add("templates/_notes.tpl", Format::GoTemplate, notes);
    add(
        "templates/_slo.tpl",
        Format::GoTemplate,
        crate::slo_records::define(org)
            + &crate::slo_alerts::define(org)
            + &crate::slo_alerts::info_define()
            + &crate::canary_query::define(),
    );
    add("README.md", Format::Markdown, readme(org));
    out
}

/// The head of one of the library's `define`s: its comment, the `define` of `NAME.<name>`
/// and the variables its text reads (`$svc := .Values.name`).
pub(crate) fn define_head(comment: &str, name: &str, variables: &[(&str, &str)]) -> String {
    let mut out = format!("{{{{- /* {comment} */}}}}\n{{{{- define \"{NAME}.{name}\" }}}}\n");
    for (variable, value) in variables {
        let _ = writeln!(out, "{{{{- ${variable} := {value} }}}}");
    }
    out
}

fn chart_yaml(org: &Org) -> String {
    to_yaml(&json!({
        "apiVersion": "v2",
        "name": NAME,
        "description": "The golden path's Kubernetes objects of one service, for the charts platform build generates.",
        "type": "library",
        "version": org.packages.version.value,
        "kubeVersion": ">=1.29.0-0",
        "annotations": { "platform.dev/org": org.name.value },
    }))
}

/// One `define` per object, and `platform-service.objects`: every object that renders to
/// something, as separate YAML documents.
fn objects() -> String {
    let mut out = String::new();
    let mut names = Vec::new();
    for (name, guard, text) in templates::objects() {
        names.push(format!("{name:?}"));
        let _ = writeln!(out, "{{{{- define \"{NAME}.{name}\" }}}}");
        if let Some(g) = guard {
            let _ = writeln!(out, "{{{{- if {g} }}}}");
        }
        let text = if name == "analysistemplate" { crate::canary_query::in_library(text) } else { text.to_owned() };
        out.push_str(text.trim_end_matches('\n'));
        out.push('\n');
        if guard.is_some() {
            out.push_str("{{- end }}\n");
        }
        out.push_str("{{- end }}\n\n");
    }
    let _ = write!(
        out,
        "{{{{- /* Every object of the service, as YAML documents; a service chart's templates/platform.yaml includes it. */}}}}\n\
         {{{{- define \"{NAME}.objects\" }}}}\n\
         {{{{- range $name := list {} }}}}\n\
         {{{{- $doc := include (printf \"{NAME}.%s\" $name) $ | trim }}}}\n\
         {{{{- if $doc }}}}\n\
         ---\n\
         {{{{ $doc }}}}\n\
         {{{{- end }}}}\n\
         {{{{- end }}}}\n\
         {{{{- end }}}}\n",
        names.join(" ")
    );
    out
}

fn readme(org: &Org) -> String {
    let version = &org.packages.version.value;
    format!(
        "# {NAME} {version}\n\n\
         The Helm library chart of the org `{org}`'s golden path, generated by `platform build` from the org file: \
         the Kubernetes objects of one service (Deployment or Argo Rollout, Service, ServiceAccount, HPA, PDB, \
         NetworkPolicy, Ingress or HTTPRoute, ServiceMonitor, ExternalSecrets, SecurityGroupPolicy) and their helpers. \
         It renders nothing on its own: each service's generated chart depends on it and includes `{NAME}.objects`; \
         the values it reads are checked by that chart's `values.schema.json`.\n\n\
         In one repository, service charts reference it by path (`file://…/{dir}/{NAME}`). For other \
         repositories, publish each release to the org's chart repository (`spec.packages.charts`): \
         `helm package {NAME}`, then `helm push {NAME}-{version}.tgz {charts}`, and let the services' \
         repositories read the package (its settings on GitHub: Manage Actions access). Either way the \
         deploy runs `helm dependency build` before `helm upgrade`.\n",
        org = org.name.value,
        dir = org_dir(crate::ID),
        charts = org.packages.charts.as_ref().map_or("oci://ghcr.io/<owner>/charts", |c| c.value.as_str()),
    )
}
