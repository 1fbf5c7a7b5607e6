//! The template variables: one `values` object, built from the request and the org.
//!
//! The same object, with Backstage expressions (`${{ parameters.name }}`) in place of the
//! request's values, is the `values` input of the Backstage template's `fetch:template`
//! steps, so a template renders the same in both places.

use platform_ir::{Language, Org, Sp, Tier};
use serde_json::{Map, Value, json};

use crate::diagnostics;

/// Where the scaffolded `platform.yaml` points its `yaml-language-server` modeline: the
/// `$id` of the published schema (`platform schema` prints the same schema).
pub const SCHEMA_URL: &str = "https://platform.dev/schemas/platform.schema.json";

/// The container port the chart expects (the compiler's default `spec.port`).
pub const PORT: u16 = 8080;

/// Histogram bounds (seconds) of the skeleton apps, as written in the `le` label. A latency
/// objective's threshold must be one of them.
pub const BUCKETS: &[&str] =
    &["0.005", "0.01", "0.025", "0.05", "0.1", "0.2", "0.25", "0.3", "0.5", "0.75", "1", "2", "2.5", "5", "10"];

/// The framework each built-in skeleton is written on (`spec.framework`).
pub fn framework(language: Language) -> &'static str {
    match language {
        Language::Typescript => "node-http",
        Language::Go => "net-http",
        Language::Python => "http-server",
        Language::Rust => "std-net",
        Language::Java => "jdk-httpserver",
    }
}

/// What the request decides: concrete values for `platform new service`, Backstage
/// expressions for the Backstage template.
pub struct Chosen<'a> {
    /// `metadata.name`.
    pub name: &'a str,
    /// `metadata.team`.
    pub team: &'a str,
    /// `metadata.tier`.
    pub tier: &'a str,
    /// `none` or an engine.
    pub database: &'a str,
}

/// The `values` object for `language`. The caller has checked that the org has the
/// language; org values that are not plain words are reported (SCAF008) and the object is
/// built anyway.
pub fn values(org: &Org, language: Language, chosen: &Chosen<'_>, diags: &mut Vec<platform_ir::Diagnostic>) -> Value {
    let plain = |v: &Sp<String>, diags: &mut Vec<platform_ir::Diagnostic>| {
        if !is_plain(&v.value) {
            diags.push(diagnostics::org_value_not_plain(v));
        }
        v.value.clone()
    };
    let registry = plain(&org.registry, diags);
    let org_name = plain(&org.name, diags);
    let (version, metrics) = match org.languages.get(&language) {
        Some(t) => (plain(&t.version, diags), metrics(&t.metrics)),
        None => (String::new(), Value::Null),
    };
    // The scaffolded `platform.yaml` writes only what differs from the golden path: the
    // framework flag and the two maps below (null elsewhere) say where the scaffold departs
    // from what the compiler would pick.
    let framework_differs =
        org.languages.get(&language).and_then(|t| t.framework.as_ref()).is_none_or(|f| f.value != framework(language));
    let mut replicas = Map::new();
    for (tier, policy) in &org.tiers {
        let min = policy.min_replicas.value;
        // A PodDisruptionBudget over a single pod blocks every node drain: start with two.
        let n = if policy.pdb.value { min.max(2) } else { min };
        let differs = if n == min { Value::Null } else { json!(n) };
        replicas.insert(tier_name(*tier).to_owned(), differs);
    }
    let mut sizes = Map::new();
    for (engine, catalog) in &org.databases {
        let size = if catalog.sizes.contains_key("small") {
            Some("small")
        } else {
            catalog.sizes.keys().next().map(String::as_str)
        };
        if let Some((size, class)) = size.and_then(|s| catalog.sizes.get_key_value(s)) {
            if !is_plain(size) {
                diags.push(diagnostics::org_value_not_plain(&Sp::new(size.clone(), class.instance_class.span)));
            }
            // `small` is what the compiler picks when `size` is left out.
            let differs = if size == "small" { Value::Null } else { json!(size) };
            sizes.insert(engine.as_str().to_owned(), differs);
        }
    }
    json!({
        "name": chosen.name,
        "team": chosen.team,
        "tier": chosen.tier,
        "language": language.as_str(),
        "database": chosen.database,
        "framework": framework(language),
        "framework_differs": framework_differs,
        "default_tier": Tier::Standard.as_str(),
        "port": PORT,
        "image": format!("{registry}/{}", chosen.name),
        "registry": registry,
        "org": org_name,
        "schema_url": SCHEMA_URL,
        "toolchain_version": version,
        "metrics": metrics,
        "buckets": BUCKETS,
        "replicas_by_tier": Value::Object(replicas),
        "database_size_by_engine": Value::Object(sizes),
    })
}

fn tier_name(t: Tier) -> &'static str {
    t.as_str()
}

/// The metric names and the error label, from the org's conventions for the language.
fn metrics(m: &platform_ir::MetricConvention) -> Value {
    let error_label = label_name(&m.error_selector.value);
    json!({
        "requests_total": m.requests_total.value,
        "duration_histogram": m.duration_histogram.value,
        "error_label": error_label,
        "error_selector": m.error_selector.value,
        "counter_is_histogram_count": m.requests_total.value == format!("{}_count", m.duration_histogram.value),
    })
}

/// The label name of a single matcher such as `code=~"5.."` (the compiler has checked
/// its shape).
pub fn label_name(selector: &str) -> &str {
    let end = selector.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(selector.len());
    &selector[..end]
}

/// A plain word: cannot change the structure of YAML, JSON, TOML, Dockerfiles or code it is
/// pasted into.
pub fn is_plain(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-/:~+@".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_of_a_selector() {
        assert_eq!(label_name("code=~\"5..\""), "code");
        assert_eq!(label_name("status!=\"200\""), "status");
    }

    #[test]
    fn plain_words() {
        assert!(is_plain("ghcr.io/acme") && is_plain("~22") && is_plain("1.83"));
        assert!(!is_plain("a: b") && !is_plain("x\"y") && !is_plain("") && !is_plain("${{ x }}"));
    }
}
