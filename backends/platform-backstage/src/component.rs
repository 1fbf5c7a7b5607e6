//! The Component and Resource entities.

use platform_ir::{Org, Service, naming};
use serde_json::{Map, Value, json};

/// Entities for one service: the Component, then its database Resource if any.
pub fn entities(org: &Org, s: &Service) -> Vec<Value> {
    let name = &s.name.value;
    let owner = format!("group:{}", s.team.value);
    let lifecycle = org.tier(s.tier.value).lifecycle.value.clone();
    let mut depends_on: Vec<String> = s.depends_on.iter().map(|d| format!("component:{}", d.service.value)).collect();
    let db_name = s.database.as_ref().map(|d| format!("{name}-{}", d.engine.value));
    if let Some(db) = &db_name {
        depends_on.push(format!("resource:{db}"));
    }
    depends_on.sort();

    let mut annotations = Map::new();
    let src = org.catalog.source_base_url.value.trim_end_matches('/');
    let dir = if s.dir == "." { String::new() } else { format!("{}/", s.dir) };
    annotations.insert("backstage.io/source-location".into(), json!(format!("url:{src}/{dir}")));
    annotations.insert("github.com/project-slug".into(), json!(org.catalog.github_repo.value));
    annotations.insert("backstage.io/kubernetes-id".into(), json!(naming::k8s_name(name)));
    annotations
        .insert("backstage.io/kubernetes-label-selector".into(), json!(format!("app.kubernetes.io/name={name}")));
    if let Some(url) = platform_ir::deploy::dashboard_url(org, s) {
        annotations.insert("grafana/overview-dashboard".into(), json!(url));
    }
    if s.monitoring.alerts.value {
        annotations.insert("grafana/alert-label-selector".into(), json!(format!("service={name}")));
    }
    if let Some(pd) = org.teams.get(&s.team.value).and_then(|t| t.pagerduty.as_ref()) {
        annotations.insert("pagerduty.com/service-id".into(), json!(pd.value));
    }

    let mut metadata = Map::new();
    metadata.insert("name".into(), json!(name));
    metadata.insert("description".into(), json!(s.description.value));
    metadata.insert("annotations".into(), Value::Object(annotations));
    let mut labels = Map::new();
    labels.insert("platform.dev/tier".into(), json!(s.tier.value.as_str()));
    labels.insert("platform.dev/team".into(), json!(s.team.value));
    metadata.insert("labels".into(), Value::Object(labels));
    let mut tags: Vec<String> = s.tags.iter().map(|t| t.value.clone()).collect();
    for t in [s.language.value.as_str().to_owned(), s.tier.value.as_str().to_owned()] {
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    tags.sort();
    metadata.insert("tags".into(), json!(tags));
    if !s.links.is_empty() {
        let links: Vec<Value> = s.links.iter().map(|l| json!({ "url": l.url.value, "title": l.title.value })).collect();
        metadata.insert("links".into(), Value::Array(links));
    }

    let mut spec = Map::new();
    spec.insert("type".into(), json!("service"));
    spec.insert("lifecycle".into(), json!(lifecycle));
    spec.insert("owner".into(), json!(owner));
    spec.insert("system".into(), json!(s.system.value));
    if !depends_on.is_empty() {
        spec.insert("dependsOn".into(), json!(depends_on));
    }
    let component = json!({
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": Value::Object(metadata),
        "spec": Value::Object(spec),
    });
    let mut out = vec![component];
    if let (Some(db), Some(d)) = (db_name, &s.database) {
        out.push(json!({
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "Resource",
            "metadata": {
                "name": db,
                "description": format!("{} {} database of {name} ({}).", d.engine.value, d.size.value, d.instance_class.value),
                "tags": [d.engine.value.as_str()],
            },
            "spec": {
                "type": "database",
                "owner": format!("group:{}", s.team.value),
                "system": s.system.value,
                "dependencyOf": [format!("component:{name}")],
            },
        }));
    }
    out
}
