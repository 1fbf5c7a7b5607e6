//! `Chart.yaml`.

use serde_json::{Map, Value, json};

use crate::yaml::to_yaml;
use crate::{Chart, library};

/// The chart's version. The chart is regenerated, never hand-released: CI may override the
/// version with `helm package --version`.
pub const CHART_VERSION: &str = "0.1.0";

/// The default image tag when CI sets none (`image.tag` wins).
pub const APP_VERSION: &str = "0.1.0";

/// The text of `Chart.yaml`.
pub fn chart_yaml(c: &Chart<'_>) -> String {
    let s = c.svc;
    let mut annotations = Map::new();
    annotations.insert("platform.dev/team".into(), json!(s.team.value));
    annotations.insert("platform.dev/tier".into(), json!(s.tier.value.as_str()));
    annotations.insert("platform.dev/system".into(), json!(s.system.value));
    let mut doc = json!({
        "apiVersion": "v2",
        "name": c.name,
        "description": s.description.value,
        "type": "application",
        "version": CHART_VERSION,
        "appVersion": APP_VERSION,
        "kubeVersion": ">=1.29.0-0",
        "keywords": [s.language.value.as_str(), s.tier.value.as_str()],
        "annotations": Value::Object(annotations),
    });
    if c.packaged {
        doc["dependencies"] = json!([library::dependency(c.org)]);
    }
    to_yaml(&doc)
}
