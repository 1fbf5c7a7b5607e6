//! The chart's templates. All but one are constants (the files next to this module), the
//! same bytes for every service; which of them a chart gets depends on what the service
//! uses. The `PrometheusRule` carries the SLO rules as literal text, made inert with
//! [`crate::literal::go_template_text`].

use platform_ir::Format;
use platform_ir::slo::{ENVIRONMENT_LABEL, Rule, RuleGroup, SEVERITY_LABEL};
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

/// The one template of a packaged chart: every object, from the org's library chart
/// ([`crate::library`]), then its SLO rules ([`files`]).
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
        // The service's SLO rules follow its objects in the one template: the rules are what
        // is its own, and a packaged chart stays a few files.
        let mut objects = PACKAGED.to_owned();
        if !c.rules.is_empty() {
            objects.push_str("---\n");
            let from_library = c.recording.as_ref().map_or(0, |_| 2 * platform_ir::slo::slos(c.svc).len());
            objects.push_str(&prometheus_rule(&c.env_rules, &c.rules, from_library, c.library_alerts.as_deref()));
        }
        return vec![
            ("NOTES.txt", Format::GoTemplate, PACKAGED_NOTES.to_owned()),
            ("platform.yaml", Format::Yaml, objects),
        ];
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
    prometheus_rule(per_env, fallback, 0, None)
}

/// [`prometheus_rule_per_environment`], with the first `from_library` groups (the
/// recording groups every environment shares) included from the org's library chart
/// ([`crate::slo_records`]) instead of written, and with `library_alerts` (what follows
/// them, [`library_alerts`]) the alerts from the library too ([`crate::slo_alerts`]).
fn prometheus_rule(
    per_env: &[(String, Vec<RuleGroup>)],
    fallback: &[RuleGroup],
    from_library: usize,
    library_alerts: Option<&str>,
) -> String {
    let mut out = PROMETHEUS_RULE_HEAD.to_owned();
    let shared = shared(per_env, fallback);
    if from_library > 0 && shared >= from_library {
        out.push_str(&format!("spec:\n  groups:\n{{{{- include \"{}.sloRecords\" . }}}}\n", crate::library::NAME));
        out.push_str(&more_groups(&fallback[from_library..shared]));
        match library_alerts.filter(|_| shared == from_library) {
            Some(tail) => out.push_str(tail),
            None => out.push_str(&alerts(per_env, fallback, shared)),
        }
        return out;
    }
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
    out.push_str(&alerts(per_env, fallback, shared));
    out
}

/// The groups after the `shared` ones: one copy of the alerts for every environment where
/// [`one_tail`] can write it, else one branch per environment.
fn alerts(per_env: &[(String, Vec<RuleGroup>)], fallback: &[RuleGroup], shared: usize) -> String {
    if per_env.is_empty() {
        return more_groups(&fallback[shared..]);
    }
    let variants = variants(per_env, fallback, shared);
    if let Some((head, tails)) = one_tail(&variants, false, 0) {
        return head + &tails.concat();
    }
    let mut out = String::new();
    for (i, (env, groups)) in per_env.iter().enumerate() {
        out.push_str(&choice(i, env));
        out.push_str(&more_groups(&groups[shared..]));
    }
    out.push_str("{{- else }}\n");
    out.push_str(&more_groups(&fallback[shared..]));
    out.push_str("{{- end }}\n");
    out
}

/// Each environment's groups after the `shared` ones, then the fallback's (`None`).
fn variants<'g>(
    per_env: &'g [(String, Vec<RuleGroup>)],
    fallback: &'g [RuleGroup],
    shared: usize,
) -> Vec<(Option<&'g str>, &'g [RuleGroup])> {
    per_env
        .iter()
        .map(|(env, groups)| (Some(env.as_str()), &groups[shared..]))
        .chain([(None, &fallback[shared..])])
        .collect()
}

/// How many groups at the head of `fallback` every environment has too.
fn shared(per_env: &[(String, Vec<RuleGroup>)], fallback: &[RuleGroup]) -> usize {
    fallback
        .iter()
        .enumerate()
        .take_while(|(i, g)| per_env.iter().all(|(_, groups)| groups.get(*i) == Some(*g)))
        .count()
}

/// The groups after the chart's first `from_library` (the library's recording rules) with
/// the alerts included from the library ([`alerts_from_library`]), when they can be.
pub fn library_alerts(
    per_env: &[(String, Vec<RuleGroup>)],
    fallback: &[RuleGroup],
    from_library: usize,
) -> Option<String> {
    let shared = shared(per_env, fallback);
    if shared != from_library {
        return None;
    }
    alerts_from_library(per_env, fallback, shared)
}

/// The groups after the `shared` ones with the alerts (the groups ahead of the rest named
/// `slo-alerts-…`) included from the library ([`crate::slo_alerts::include`]): the choice of
/// [`one_tail`], which sets `$environment` and `$severity` as the chart's own alerts have
/// them, then the include, then the rest of the one copy. `None` where [`one_tail`] cannot
/// write one copy, or the environments do not have the same alert groups.
fn alerts_from_library(per_env: &[(String, Vec<RuleGroup>)], fallback: &[RuleGroup], shared: usize) -> Option<String> {
    let variants = variants(per_env, fallback, shared);
    let count = |groups: &[RuleGroup]| groups.iter().take_while(|g| g.name.starts_with("slo-alerts-")).count();
    let n = count(&fallback[shared..]);
    if per_env.is_empty() || variants.iter().any(|(_, g)| count(g) != n) {
        return None;
    }
    let (head, tails) = one_tail(&variants, true, n)?;
    Some(head + &crate::slo_alerts::include() + &tails.concat())
}

/// Where the one copy of the alerts holds what differs between environments.
const ENVIRONMENT_PLACEHOLDER: &str = "PLATFORM-ENVIRONMENT";
const SEVERITY_PLACEHOLDER: &str = "PLATFORM-SEVERITY";

/// The alerts (the groups after the shared ones) written once for every environment, when
/// the variants differ only where an environment's alerts may: every rule of an
/// environment carries its `environment` label (none does in the fallback), and a page
/// window's `severity` is that of the environment (`page` where it pages, `ticket`
/// elsewhere). The choice then only sets two variables, which the one copy reads:
///
/// ```text
/// {{- $environment := "" }}
/// {{- $severity := "ticket" }}
/// {{- if eq .Values.environment "production" }}
/// {{- $environment = "production" }}
/// {{- $severity = "page" }}
/// {{- end }}
///   ...
///       labels:
/// {{- with $environment }}
///         environment: {{ . }}
/// {{- end }}
///         severity: {{ $severity }}
/// ```
///
/// `None` when the variants differ otherwise, or when a value would not print as the
/// literal rules print it: every variant is rendered back ([`renders_as`]) and must be its
/// own literal rules, so the chart renders exactly the rules it did as one branch per
/// environment.
///
/// Returns the choice and the copy of each group from `printed_from` on (the groups before
/// it are checked but not printed: the library writes them); with `always_severity` the
/// choice sets `$severity` even where no label reads it (a chart passes it to the library's
/// alerts).
pub(crate) fn one_tail(
    variants: &[(Option<&str>, &[RuleGroup])],
    always_severity: bool,
    printed_from: usize,
) -> Option<(String, Vec<String>)> {
    let (_, first) = variants.first()?;
    let others = |k: &&String| k.as_str() != ENVIRONMENT_LABEL && k.as_str() != SEVERITY_LABEL;
    let same_but_placed =
        |a: &Rule, b: &Rule| a.labels.iter().filter(|(k, _)| others(k)).eq(b.labels.iter().filter(|(k, _)| others(k)));
    if first.is_empty() || variants.iter().any(|(_, g)| !alike(first, g, same_but_placed)) {
        return None;
    }
    let per_variant: Vec<Vec<&Rule>> =
        variants.iter().map(|(_, g)| g.iter().flat_map(|g| &g.rules).collect()).collect();
    let count = per_variant[0].len();
    // A label whose value differs between the variants is a page window's severity.
    let varies: Vec<bool> = (0..count)
        .map(|i| {
            per_variant.iter().any(|r| r[i].labels.get(SEVERITY_LABEL) != per_variant[0][i].labels.get(SEVERITY_LABEL))
        })
        .collect();
    let mut severities = Vec::new();
    for ((env, _), rules) in variants.iter().zip(&per_variant) {
        let environment_ok = rules.iter().all(|r| {
            r.labels.get(ENVIRONMENT_LABEL).map(String::as_str) == *env && r.labels.len() > usize::from(env.is_some())
        });
        let values: std::collections::BTreeSet<&String> =
            rules.iter().zip(&varies).filter(|(_, v)| **v).filter_map(|(r, _)| r.labels.get(SEVERITY_LABEL)).collect();
        if !environment_ok || values.len() > 1 {
            return None;
        }
        // Where no label reads it, a choice that sets it anyway sets what a ticket window has.
        severities.push(values.into_iter().next().cloned().unwrap_or_else(|| "ticket".to_owned()));
    }
    let mut template = first.to_vec();
    for (r, varies) in template.iter_mut().flat_map(|g| g.rules.iter_mut()).zip(&varies) {
        r.labels.insert(ENVIRONMENT_LABEL.to_owned(), ENVIRONMENT_PLACEHOLDER.to_owned());
        if *varies {
            r.labels.insert(SEVERITY_LABEL.to_owned(), SEVERITY_PLACEHOLDER.to_owned());
        }
    }
    // The copy of each group: its text with the placeholder lines made actions, counted,
    // so that no other line (an annotation's text) was taken for one.
    let (mut environment_lines, mut severity_lines) = (0, 0);
    let mut copy = |group: &RuleGroup| {
        let mut text = String::new();
        for line in more_groups(std::slice::from_ref(group)).split_inclusive('\n') {
            let indent = &line[..line.len() - line.trim_start().len()];
            match line.trim() {
                l if l == format!("{ENVIRONMENT_LABEL}: {ENVIRONMENT_PLACEHOLDER}") => {
                    environment_lines += 1;
                    text.push_str(&format!(
                        "{{{{- with $environment }}}}\n{indent}{ENVIRONMENT_LABEL}: {{{{ . }}}}\n{{{{- end }}}}\n"
                    ));
                }
                l if l == format!("{SEVERITY_LABEL}: {SEVERITY_PLACEHOLDER}") => {
                    severity_lines += 1;
                    text.push_str(&format!("{indent}{SEVERITY_LABEL}: {{{{ $severity }}}}\n"));
                }
                _ => text.push_str(line),
            }
        }
        text
    };
    let printed = template.get(printed_from..)?;
    let tails: Vec<String> = printed.iter().map(&mut copy).collect();
    let rules = printed.iter().map(|g| g.rules.len()).sum::<usize>();
    let varying = varies[varies.len() - rules..].iter().filter(|v| **v).count();
    if environment_lines != rules || severity_lines != varying {
        return None;
    }
    let with_severity = always_severity || varies.iter().any(|v| *v);
    let fallback_severity = severities.last().cloned().unwrap_or_default();
    let mut head = "{{- $environment := \"\" }}\n".to_owned();
    if with_severity {
        head.push_str(&format!("{{{{- $severity := {fallback_severity:?} }}}}\n"));
    }
    for (i, ((env, groups), severity)) in variants.iter().zip(&severities).enumerate() {
        if !renders_as(&template, env.unwrap_or_default(), severity, groups) {
            return None;
        }
        let Some(env) = env else { continue };
        head.push_str(&choice(i, env));
        head.push_str(&format!("{{{{- $environment = {env:?} }}}}\n"));
        // The severity the choice starts with needs no second assignment.
        if with_severity && *severity != fallback_severity {
            head.push_str(&format!("{{{{- $severity = {severity:?} }}}}\n"));
        }
    }
    head.push_str("{{- end }}\n");
    variants.last()?.0.is_none().then_some((head, tails))
}

/// Whether the copy of `template` renders, for an environment (`""`: none) and a severity,
/// as `groups` print: both values print bare where the copy puts them, and the groups are
/// `template` with them in place of its placeholders. The copy is the printed `template`
/// with only the placeholders' lines changed, so the rendered text is then the printed
/// `groups`, byte for byte (a test renders it back as text).
fn renders_as(template: &[RuleGroup], environment: &str, severity: &str, groups: &[RuleGroup]) -> bool {
    let bare = |v: &str| !v.contains("{{") && crate::slo_records::plain(v);
    if !(environment.is_empty() || bare(environment)) || !bare(severity) {
        return false;
    }
    // The template's labels with the two values in place (every rule has the environment's).
    let filled = |t: &Rule, r: &Rule| {
        let labels = t.labels.iter().filter_map(|(k, v)| match k.as_str() {
            ENVIRONMENT_LABEL => (!environment.is_empty()).then_some((k.as_str(), environment)),
            SEVERITY_LABEL if v == SEVERITY_PLACEHOLDER => Some((k.as_str(), severity)),
            _ => Some((k.as_str(), v.as_str())),
        });
        labels.eq(r.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    };
    alike(template, groups, filled)
}

/// Whether the groups `a` and `b` are the same but for their rules' labels, which
/// `labels` compares (a rule of `a`, its rule in `b`). Every field is named, so a field
/// added to a rule is compared here or fails to compile.
fn alike(a: &[RuleGroup], b: &[RuleGroup], labels: impl Fn(&Rule, &Rule) -> bool) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            let RuleGroup { name, interval, rules } = x;
            *name == y.name
                && *interval == y.interval
                && rules.len() == y.rules.len()
                && rules.iter().zip(&y.rules).all(|(r, s)| {
                    let Rule { record, alert, expr, for_, labels: _, annotations } = r;
                    *record == s.record
                        && *alert == s.alert
                        && *expr == s.expr
                        && *for_ == s.for_
                        && *annotations == s.annotations
                        && labels(r, s)
                })
        })
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

    /// Alerts that differ between environments only by their `environment` label and a
    /// page window's severity are written once; the choice sets the two values. Anything
    /// else that differs, or a value that would not print as its literal prints, keeps one
    /// copy per environment.
    #[test]
    fn alerts_named_by_environment_are_written_once() {
        let alerts = |env: Option<&str>, page: &str| {
            let mut g = group("alerts", page);
            let mut ticket = g.rules[0].clone();
            ticket.labels.insert("severity".into(), "ticket".into());
            g.rules.push(ticket);
            for r in &mut g.rules {
                r.labels.extend(env.map(|e| ("environment".to_owned(), e.to_owned())));
            }
            g
        };
        let shared = group("recording", "none");
        let chart = |staging: &str| {
            prometheus_rule_per_environment(
                &[
                    (staging.to_owned(), vec![shared.clone(), alerts(Some(staging), "ticket")]),
                    ("production".to_owned(), vec![shared.clone(), alerts(Some("production"), "page")]),
                ],
                &[shared.clone(), alerts(None, "ticket")],
            )
        };
        let text = chart("staging");
        assert_eq!(text.matches("- name: alerts").count(), 1, "{text}");
        assert_eq!(text.matches("severity: {{ $severity }}").count(), 1, "{text}");
        assert_eq!(text.matches("severity: ticket").count(), 1, "{text}");
        assert!(text.contains("{{- else if eq .Values.environment \"production\" }}\n{{- $environment = \"production\" }}\n{{- $severity = \"page\" }}\n"), "{text}");
        assert!(text.contains("{{- with $environment }}\n        environment: {{ . }}\n{{- end }}\n"), "{text}");
        // YAML would quote a name like `true`: the literal copies stay.
        let text = chart("true");
        assert_eq!(text.matches("- name: alerts").count(), 3, "{text}");
    }

    /// What a Go template prints for [`one_tail`]'s copy in an environment (`""`: none)
    /// with a severity: the `with` block only where there is an environment, each action
    /// its value.
    fn render(tail: &str, environment: &str, severity: &str) -> String {
        let mut out = String::new();
        let mut skip = false;
        for line in tail.split_inclusive('\n') {
            match line.trim_end() {
                "{{- with $environment }}" => skip = environment.is_empty(),
                "{{- end }}" => skip = false,
                _ if skip => {}
                _ => out.push_str(&line.replace("{{ . }}", environment).replace("{{ $severity }}", severity)),
            }
        }
        out
    }

    /// The one copy, rendered for each environment, is byte for byte the text of that
    /// environment's own rules, hostile annotations and all; a line of text that reads like
    /// a placeholder's keeps the copies apart.
    #[test]
    fn the_one_copy_renders_as_each_environments_own_rules() {
        let alerts = |env: Option<&str>, page: &str, extra: &str| {
            let mut g = hostile_groups().remove(0);
            g.rules[0].labels = BTreeMap::from([("severity".into(), page.into()), ("team".into(), "a".into())]);
            let mut ticket = g.rules[0].clone();
            ticket.labels.insert("severity".into(), "ticket".into());
            ticket.annotations.insert("extra".into(), extra.into());
            g.rules.push(ticket);
            for r in &mut g.rules {
                r.labels.extend(env.map(|e| ("environment".to_owned(), e.to_owned())));
            }
            vec![g]
        };
        let variants_of = |extra: &str| {
            [(Some("staging"), "ticket"), (Some("production"), "page"), (None, "ticket")]
                .map(|(env, page)| (env, alerts(env, page, extra), page))
        };
        let variants = variants_of("x");
        let borrowed: Vec<_> = variants.iter().map(|(e, g, _)| (*e, g.as_slice())).collect();
        let (_, tails) = super::one_tail(&borrowed, true, 0).unwrap();
        let tail = tails.concat();
        for (env, groups, severity) in &variants {
            assert_eq!(render(&tail, env.unwrap_or(""), severity), super::more_groups(groups));
        }
        for extra in ["line\nseverity: PLATFORM-SEVERITY\n", "line\nenvironment: PLATFORM-ENVIRONMENT\n"] {
            let variants = variants_of(extra);
            let borrowed: Vec<_> = variants.iter().map(|(e, g, _)| (*e, g.as_slice())).collect();
            assert!(super::one_tail(&borrowed, true, 0).is_none(), "{extra:?}");
        }
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
