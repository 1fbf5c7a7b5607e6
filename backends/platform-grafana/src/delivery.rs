//! How the dashboard reaches Grafana: a ConfigMap the Grafana dashboard sidecar picks up
//! (label `grafana_dashboard: "1"`), or, when the org file sets `grafanaOperator: true`, a
//! Grafana Operator `GrafanaDashboard`. Either one lives in the org's `grafanaNamespace`, in
//! a folder named after the owning team.

use platform_ir::deploy::DashboardDelivery;
use platform_ir::{Org, Service, naming};
use serde_json::{Map, Value, json};

/// The label the Grafana Helm chart's dashboard sidecar selects ConfigMaps by.
pub const SIDECAR_LABEL: &str = "grafana_dashboard";

/// Annotation the sidecar (kiwigrid k8s-sidecar) reads as the dashboard's folder.
pub const SIDECAR_FOLDER_ANNOTATION: &str = "k8s-sidecar-target-directory";

/// The Kubernetes object `to` says delivers `json` (the dashboard, file `file`) for a service.
pub fn object(org: &Org, svc: &Service, to: &DashboardDelivery, file: &str, json: &str) -> Value {
    let name = naming::k8s_name(&svc.name.value);
    let team = &svc.team.value;
    let namespace = &to.namespace;
    let mut labels = Map::new();
    labels.insert("app.kubernetes.io/name".into(), json!(name));
    labels.insert("app.kubernetes.io/component".into(), json!("dashboard"));
    labels.insert("app.kubernetes.io/managed-by".into(), json!("platform"));
    labels.insert("platform.dev/team".into(), json!(team));
    labels.insert("platform.dev/tier".into(), json!(svc.tier.value.as_str()));
    if org.monitoring.grafana_operator.value {
        let doc = json!({
            "apiVersion": "grafana.integreatly.org/v1beta1",
            "kind": "GrafanaDashboard",
            "metadata": { "name": to.name, "namespace": namespace, "labels": labels },
            "spec": {
                "instanceSelector": { "matchLabels": org.monitoring.grafana_instance_selector },
                "folder": team,
                "json": json,
            },
        });
        return doc;
    }
    labels.insert(SIDECAR_LABEL.into(), json!("1"));
    let mut data = Map::new();
    data.insert(file.into(), json!(json));
    let doc = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": to.name,
            "namespace": namespace,
            "labels": labels,
            "annotations": { SIDECAR_FOLDER_ANNOTATION: team },
        },
        "data": data,
    });
    doc
}
