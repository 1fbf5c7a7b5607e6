//! How the dashboard reaches Grafana: a ConfigMap the Grafana dashboard sidecar picks up
//! (label `grafana_dashboard: "1"`), or, when the org file sets `grafanaOperator: true`, a
//! Grafana Operator `GrafanaDashboard`. Either one lives in the org's `grafanaNamespace`, in
//! a folder named after the owning team.

use platform_ir::deploy::{self, DashboardDelivery};
use platform_ir::{Org, Service, naming};
use serde_json::{Map, Value, json};

/// The label the Grafana Helm chart's dashboard sidecar selects ConfigMaps by.
pub const SIDECAR_LABEL: &str = "grafana_dashboard";

/// Annotation the sidecar (kiwigrid k8s-sidecar) reads as the dashboard's folder.
pub const SIDECAR_FOLDER_ANNOTATION: &str = "k8s-sidecar-target-directory";

/// Whose dashboard an object delivers: its name, the labels beyond the common ones, and the
/// Grafana folder it goes in.
pub struct Owner {
    /// `app.kubernetes.io/name`.
    pub name: String,
    /// More labels (`platform.dev/team`, `platform.dev/tier`).
    pub labels: Vec<(&'static str, String)>,
    /// The Grafana folder: the owning team's, or `platform` for the org's dashboard.
    pub folder: String,
}

impl Owner {
    /// A service's own dashboard, in its team's folder.
    pub fn service(svc: &Service) -> Owner {
        Owner {
            name: naming::k8s_name(&svc.name.value),
            labels: vec![
                ("platform.dev/team", svc.team.value.clone()),
                ("platform.dev/tier", svc.tier.value.as_str().to_owned()),
            ],
            folder: svc.team.value.clone(),
        }
    }

    /// The org's shared service dashboard, in the `platform` folder.
    pub fn org() -> Owner {
        Owner { name: deploy::ORG_DASHBOARD_UID.to_owned(), labels: Vec::new(), folder: "platform".to_owned() }
    }
}

/// The Kubernetes object `to` says delivers `json` (the dashboard, file `file`) of `owner`.
pub fn object(org: &Org, owner: &Owner, to: &DashboardDelivery, file: &str, json: &str) -> Value {
    let namespace = &to.namespace;
    let team = &owner.folder;
    let mut labels = Map::new();
    labels.insert("app.kubernetes.io/name".into(), json!(owner.name));
    labels.insert("app.kubernetes.io/component".into(), json!("dashboard"));
    labels.insert("app.kubernetes.io/managed-by".into(), json!("platform"));
    for (k, v) in &owner.labels {
        labels.insert((*k).into(), json!(v));
    }
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
