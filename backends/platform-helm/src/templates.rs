//! The chart's templates. All but one are constants (the files next to this module), the
//! same bytes for every service; which of them a chart gets depends on what the service
//! uses. The `PrometheusRule` carries the SLO rules as literal text, made inert with
//! [`crate::literal::go_template_text`].

use platform_ir::Format;
use platform_ir::slo::RuleGroup;
use serde_json::json;

use crate::Chart;
use crate::literal::go_template_text;
use crate::yaml::to_yaml;

const HELPERS: &str = include_str!("templates/_helpers.tpl");
const NOTES: &str = include_str!("templates/NOTES.txt");
const DEPLOYMENT: &str = include_str!("templates/deployment.yaml");
const ROLLOUT: &str = include_str!("templates/rollout.yaml");
const ANALYSIS_TEMPLATE: &str = include_str!("templates/analysistemplate.yaml");
const SERVICE: &str = include_str!("templates/service.yaml");
const SERVICE_ACCOUNT: &str = include_str!("templates/serviceaccount.yaml");
const HPA: &str = include_str!("templates/hpa.yaml");
const PDB: &str = include_str!("templates/pdb.yaml");
const NETWORK_POLICY: &str = include_str!("templates/networkpolicy.yaml");
const INGRESS: &str = include_str!("templates/ingress.yaml");
const HTTP_ROUTE: &str = include_str!("templates/httproute.yaml");
const SERVICE_MONITOR: &str = include_str!("templates/servicemonitor.yaml");
const EXTERNAL_SECRET: &str = include_str!("templates/externalsecret.yaml");
const SECURITY_GROUP_POLICY: &str = include_str!("templates/securitygrouppolicy.yaml");

/// The head of the PrometheusRule template; the rules follow as literal text.
const PROMETHEUS_RULE_HEAD: &str = r#"apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: {{ include "platform.name" . | quote }}
  namespace: {{ .Release.Namespace | quote }}
  labels:
    {{- include "platform.monitoringLabels" . | nindent 4 }}
"#;

/// The one template of a packaged chart besides its SLO rules: every object, from the org's
/// library chart ([`crate::library`]).
const PACKAGED: &str = "{{- include \"platform-service.objects\" . }}\n";

/// A packaged chart's install notes, from the library.
const PACKAGED_NOTES: &str = "{{- include \"platform-service.notes\" . }}\n";

/// `(name, guard, text)` of every object template the library chart holds, in file-name
/// order. A chart that is not packaged gets a template only where the service needs it
/// ([`files`]); the library decides by the guard instead, which holds exactly when the chart's
/// values have the key that decision writes ([`crate::values`]). `None`: the template guards
/// itself from values every chart has.
pub fn objects() -> [(&'static str, Option<&'static str>, &'static str); 13] {
    [
        ("analysistemplate", None, ANALYSIS_TEMPLATE),
        ("deployment", None, DEPLOYMENT),
        ("externalsecret", Some(".Values.externalSecrets"), EXTERNAL_SECRET),
        ("hpa", Some(".Values.autoscaling"), HPA),
        ("httproute", Some("and .Values.ingress .Values.ingress.gateway"), HTTP_ROUTE),
        ("ingress", Some("and .Values.ingress (not .Values.ingress.gateway)"), INGRESS),
        ("networkpolicy", None, NETWORK_POLICY),
        ("pdb", Some(".Values.podDisruptionBudget"), PDB),
        ("rollout", None, ROLLOUT),
        ("securitygrouppolicy", None, SECURITY_GROUP_POLICY),
        ("service", None, SERVICE),
        ("serviceaccount", None, SERVICE_ACCOUNT),
        ("servicemonitor", None, SERVICE_MONITOR),
    ]
}

/// The helpers every template includes.
pub fn helpers() -> &'static str {
    HELPERS
}

/// What `helm install` prints: the release, its environment, and a wrong namespace.
pub fn notes() -> &'static str {
    NOTES
}

/// `(path under templates/, format, text)` of every template the chart gets.
pub fn files(c: &Chart<'_>) -> Vec<(&'static str, Format, String)> {
    if c.packaged {
        let mut out = vec![
            ("NOTES.txt", Format::GoTemplate, PACKAGED_NOTES.to_owned()),
            ("platform.yaml", Format::Yaml, PACKAGED.to_owned()),
        ];
        if !c.rules.is_empty() {
            out.push(("prometheusrule.yaml", Format::Yaml, prometheus_rule_per_environment(&c.env_rules, &c.rules)));
        }
        return out;
    }
    let mut out: Vec<(&'static str, Format, String)> = vec![
        ("_helpers.tpl", Format::GoTemplate, HELPERS.to_owned()),
        ("NOTES.txt", Format::GoTemplate, NOTES.to_owned()),
        ("deployment.yaml", Format::Yaml, DEPLOYMENT.to_owned()),
        ("service.yaml", Format::Yaml, SERVICE.to_owned()),
        ("serviceaccount.yaml", Format::Yaml, SERVICE_ACCOUNT.to_owned()),
        ("networkpolicy.yaml", Format::Yaml, NETWORK_POLICY.to_owned()),
        ("servicemonitor.yaml", Format::Yaml, SERVICE_MONITOR.to_owned()),
    ];
    if c.canary {
        out.push(("rollout.yaml", Format::Yaml, ROLLOUT.to_owned()));
        out.push(("analysistemplate.yaml", Format::Yaml, ANALYSIS_TEMPLATE.to_owned()));
    }
    if c.autoscaling {
        out.push(("hpa.yaml", Format::Yaml, HPA.to_owned()));
    }
    if c.pdb {
        out.push(("pdb.yaml", Format::Yaml, PDB.to_owned()));
    }
    if c.ingress && c.gateway_api {
        out.push(("httproute.yaml", Format::Yaml, HTTP_ROUTE.to_owned()));
    } else if c.ingress {
        out.push(("ingress.yaml", Format::Yaml, INGRESS.to_owned()));
    }
    if c.external_secrets {
        out.push(("externalsecret.yaml", Format::Yaml, EXTERNAL_SECRET.to_owned()));
    }
    if c.database {
        out.push(("securitygrouppolicy.yaml", Format::Yaml, SECURITY_GROUP_POLICY.to_owned()));
    }
    if !c.rules.is_empty() {
        out.push(("prometheusrule.yaml", Format::Yaml, prometheus_rule_per_environment(&c.env_rules, &c.rules)));
    }
    out.sort_by(|a, b| a.0.cmp(b.0));
    out
}

/// The PrometheusRule template with one literal `spec.groups` per environment, chosen by
/// `.Values.environment` (each environment's alerts carry its name and page only where it
/// pages; [`platform_ir::slo::rule_groups`]), and `fallback` when no environment is set
/// (the chart rendered with its defaults alone). Environment names are DNS labels, checked
/// by the compiler, so they are plain text inside the quotes.
///
/// The groups at the head of every variant (the recording rules, which
/// [`platform_ir::slo::rule_groups`] puts first and which do not depend on the environment)
/// are written once, ahead of the choice; only the rest (the alerts) is written per
/// environment.
pub fn prometheus_rule_per_environment(per_env: &[(String, Vec<RuleGroup>)], fallback: &[RuleGroup]) -> String {
    let mut out = PROMETHEUS_RULE_HEAD.to_owned();
    let shared = fallback
        .iter()
        .enumerate()
        .take_while(|(i, g)| per_env.iter().all(|(_, groups)| groups.get(*i) == Some(*g)))
        .count();
    if per_env.is_empty() || shared == 0 {
        // Nothing to share: one whole `spec` per variant.
        for (i, (env, groups)) in per_env.iter().enumerate() {
            out.push_str(&choice(i, env));
            out.push_str(&spec_text(groups));
        }
        if !per_env.is_empty() {
            out.push_str("{{- else }}\n");
        }
        out.push_str(&spec_text(fallback));
        if !per_env.is_empty() {
            out.push_str("{{- end }}\n");
        }
        return out;
    }
    out.push_str(&spec_text(&fallback[..shared]));
    for (i, (env, groups)) in per_env.iter().enumerate() {
        out.push_str(&choice(i, env));
        out.push_str(&more_groups(&groups[shared..]));
    }
    out.push_str("{{- else }}\n");
    out.push_str(&more_groups(&fallback[shared..]));
    out.push_str("{{- end }}\n");
    out
}

/// The `if` (first) or `else if` line that picks environment `env`.
fn choice(i: usize, env: &str) -> String {
    let keyword = if i == 0 { "if" } else { "else if" };
    format!("{{{{- {keyword} eq .Values.environment {env:?} }}}}\n")
}

fn spec_text(groups: &[RuleGroup]) -> String {
    go_template_text(&to_yaml(&json!({ "spec": { "groups": groups } })))
}

/// More items of the `spec.groups` list [`spec_text`] opened, at its indentation.
fn more_groups(groups: &[RuleGroup]) -> String {
    if groups.is_empty() {
        return String::new();
    }
    let text = spec_text(groups);
    let head = "spec:\n  groups:\n";
    debug_assert!(text.starts_with(head), "unexpected rule text {text:?}");
    text.strip_prefix(head).unwrap_or(&text).to_owned()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::PathBuf;
    use std::process::Command;

    use platform_ir::slo::{Rule, RuleGroup};
    use serde_json::json;

    use super::{HELPERS, prometheus_rule_per_environment};

    /// Text that is Go-template code, YAML syntax or both.
    const HOSTILE: &[&str] = &[
        "{{ $labels.service }} is burning",
        "{{- fail \"boom\" -}}",
        "{{/* gone */}}{{{{",
        "it's \"quoted\": *alias &anchor - item # comment",
        "line one\nline two\n",
        "NO",
        "${{ github.token }}",
    ];

    fn hostile_groups() -> Vec<RuleGroup> {
        let annotations: BTreeMap<String, String> =
            HOSTILE.iter().enumerate().map(|(i, s)| (format!("a{i}"), (*s).to_owned())).collect();
        vec![RuleGroup {
            name: "g {{ x }}".into(),
            interval: None,
            rules: vec![Rule {
                record: None,
                alert: Some("Burn".into()),
                expr: "vector(1) > 0".into(),
                for_: Some("5m".into()),
                labels: BTreeMap::from([("severity".into(), "{{ .Values.x }}".into())]),
                annotations,
            }],
        }]
    }

    fn group(name: &str, severity: &str) -> RuleGroup {
        RuleGroup {
            name: name.into(),
            interval: None,
            rules: vec![Rule {
                record: None,
                alert: Some("Burn".into()),
                expr: "vector(1) > 0".into(),
                for_: None,
                labels: BTreeMap::from([("severity".into(), severity.into())]),
                annotations: BTreeMap::new(),
            }],
        }
    }

    #[test]
    fn groups_every_environment_shares_are_written_once() {
        let shared = group("recording", "none");
        let per_env = vec![
            ("staging".to_owned(), vec![shared.clone(), group("alerts", "ticket")]),
            ("production".to_owned(), vec![shared.clone(), group("alerts", "page")]),
        ];
        let text = prometheus_rule_per_environment(&per_env, &[shared, group("alerts", "fallback")]);
        assert_eq!(text.matches("- name: recording").count(), 1, "{text}");
        assert_eq!(text.matches("- name: alerts").count(), 3, "{text}");
        let shared_at = text.find("- name: recording").unwrap();
        assert!(shared_at < text.find("{{- if eq .Values.environment").unwrap(), "{text}");
        // Every variant continues the one list at its indentation.
        assert_eq!(text.matches("\n  - name: alerts\n").count(), 3, "{text}");
        assert_eq!(text.matches("spec:").count(), 1, "{text}");
    }

    #[test]
    fn escaped_rules_keep_no_open_action() {
        let text = prometheus_rule_per_environment(&[], &hostile_groups());
        let body = text.split_once("spec:\n").map(|(_, b)| b).unwrap_or_default();
        assert!(!body.replace("{{ \"{{\" }}", "").contains("{{"), "{body}");
    }

    /// The PrometheusRule template renders, under real Helm, into exactly the rules it was
    /// given, whatever text they hold. Needs the conformance toolchain (`.tools/`); without
    /// it there is nothing to run.
    #[test]
    fn real_helm_prints_literal_rules_verbatim() {
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
        let python = repo.join(".tools/venv/bin/python");
        if !python.is_file() {
            return;
        }
        let dir = std::env::temp_dir().join(format!("platform-helm-literal-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("templates")).unwrap();
        std::fs::write(dir.join("Chart.yaml"), "apiVersion: v2\nname: literal\nversion: 0.1.0\nappVersion: \"1\"\n")
            .unwrap();
        let values = json!({
            "name": "literal", "component": "server", "partOf": "x", "team": "x", "tier": "standard",
            "image": { "tag": "" }, "monitoring": { "selectorLabels": { "release": "prom" } },
        });
        std::fs::write(dir.join("values.yaml"), crate::yaml::to_yaml(&values)).unwrap();
        std::fs::write(dir.join("templates/_helpers.tpl"), HELPERS).unwrap();
        let groups = hostile_groups();
        std::fs::write(dir.join("templates/prometheusrule.yaml"), prometheus_rule_per_environment(&[], &groups))
            .unwrap();
        let expected = serde_json::to_value(&groups).unwrap();
        std::fs::write(dir.join("expected.json"), serde_json::to_string(&expected).unwrap()).unwrap();
        let script = r#"
import json, sys, yaml
import helm_python as helm
d = sys.argv[1]
with helm.Chart.load(d) as c:
    out = c.render(None, name="literal", namespace="ns", is_install=True)
doc = yaml.safe_load(out["literal/templates/prometheusrule.yaml"])
want = json.load(open(d + "/expected.json"))
assert doc["spec"]["groups"] == want, (doc["spec"]["groups"], want)
assert doc["metadata"]["labels"]["release"] == "prom"
"#;
        let out = Command::new(&python).args(["-c", script]).arg(&dir).output().unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
