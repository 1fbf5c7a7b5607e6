//! A packaged chart's SLO recording rules, from the org's library chart: the error ratio of
//! every recorded window and the period, the objective, budget and burn rates of each SLO
//! ([`platform_ir::slo::recording_groups`]) are the same text for every service but for its
//! name, its metric names and its objectives. The library writes them once
//! (`platform-service.sloRecords`, in `templates/_slo.tpl`), from the same function run on
//! placeholders that become template actions; a chart includes it, and its values say what
//! fills them (`slo`). A chart keeps only its own alerts and info series in its template.
//!
//! Each chart's rules are rendered back from the placeholders with its values and compared
//! with its own literal rules, byte for byte: where they would differ (a name YAML would
//! read as another type, a value holding `{{`), the chart keeps its literal recording rules
//! and no `slo` values. `tests/helm.rs` renders every packaged chart with real Helm and
//! compares its rules with `slo::rule_groups` of each environment.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::rc::Rc;

use platform_ir::ratio::Ratio;
use platform_ir::slo::{self, RuleGroup, Slo, SloKind};
use platform_ir::span::{Sp, Span};
use platform_ir::{MetricConvention, Org, ratio};
use serde_json::{Value, json};

use crate::{Chart, memo};

/// What a placeholder stands for, and the action the library writes in its place.
pub(crate) struct Hole {
    pub placeholder: &'static str,
    pub action: &'static str,
}

pub(crate) const SERVICE: Hole = Hole { placeholder: "platform-placeholder-service", action: "{{ $svc }}" };
pub(crate) const REQUESTS: Hole = Hole { placeholder: "PLATFORM_PLACEHOLDER_REQUESTS", action: "{{ $m.requests }}" };
pub(crate) const ERRORS: Hole = Hole { placeholder: "PLATFORM_PLACEHOLDER_ERRORS", action: "{{ $m.errors }}" };
pub(crate) const HISTOGRAM: Hole = Hole { placeholder: "PLATFORM_PLACEHOLDER_HISTOGRAM", action: "{{ $m.histogram }}" };
/// The objective placeholder (98.7654 %), its budget, and a latency threshold (4321 ms):
/// numbers no rule holds otherwise.
const OBJECTIVE_PERCENT: &str = "98.7654";
const THRESHOLD_MS: u32 = 4321;

/// The kinds of SLO, in the order the library tests them.
pub(crate) const KINDS: [SloKind; 2] = [SloKind::Availability, SloKind::Latency];

pub(crate) fn placeholder_slo(kind: SloKind) -> Slo {
    Slo {
        kind,
        objective: Ratio::from_percent_text(OBJECTIVE_PERCENT).unwrap_or(Ratio(0)),
        threshold_ms: (kind == SloKind::Latency).then_some(THRESHOLD_MS),
    }
}

/// The placeholders of an SLO's numbers and their actions: the objective, the budget, the
/// latency threshold in seconds and its `le` matcher.
fn number_holes(s: &Slo) -> Vec<(String, &'static str)> {
    let mut out = vec![
        (format!("vector({})", s.objective), "vector({{ $o.objective }})"),
        (format!("vector({})", s.budget()), "vector({{ $o.budget }})"),
    ];
    if let Some(ms) = s.threshold_ms {
        out.push((slo::le_matcher(ms), "{{ $o.le }}"));
        out.push((format!("vector({})", ratio::decimal(u64::from(ms), 3)), "vector({{ $o.seconds }})"));
    }
    out
}

/// The recording groups of `kind` with placeholders, for the org's period and windows
/// (made once per thread for each).
fn placeholder_groups(org: &Org, kind: SloKind) -> Rc<[RuleGroup; 2]> {
    thread_local! {
        static MADE: memo::Store<(SloKind, u32, Vec<u32>), [RuleGroup; 2]> = const { RefCell::new(Vec::new()) };
    }
    let (period, recorded) = (org.monitoring.slo_period_days.value, slo::recorded_windows(org));
    memo::cached(&MADE, (kind, period, recorded.clone()), || placeholders(kind, period, &recorded))
}

fn placeholders(kind: SloKind, period_days: u32, recorded: &[u32]) -> [RuleGroup; 2] {
    let hole = |h: &Hole| Sp::new(h.placeholder.to_owned(), Span::default());
    let metrics = MetricConvention {
        requests_total: hole(&REQUESTS),
        error_selector: hole(&ERRORS),
        duration_histogram: hole(&HISTOGRAM),
    };
    slo::recording_groups(SERVICE.placeholder, &metrics, &placeholder_slo(kind), period_days, recorded)
}

/// Every placeholder of an SLO of `kind` and what replaces it: its action in the library,
/// or a service's value.
fn holes(kind: SloKind) -> Vec<(String, &'static str)> {
    let mut out = number_holes(&placeholder_slo(kind));
    out.extend([&SERVICE, &REQUESTS, &ERRORS, &HISTOGRAM].map(|h| (h.placeholder.to_owned(), h.action)));
    out
}

/// `text` with every placeholder replaced by its action: the library's text.
pub(crate) fn with_actions(text: &str, holes: &[(String, &str)]) -> String {
    let actions: Vec<String> = holes.iter().map(|(_, a)| (*a).to_owned()).collect();
    fill(text, holes, &actions)
}

/// `text` with every placeholder replaced by the value at its place in `values`, all at
/// once and left to right, as a template's actions are: a value that holds another
/// placeholder stays as it is. One pass over the text, which only stops at a byte some
/// placeholder starts with: every chart's rules are checked against the library's this
/// way, thousands of times a build.
pub(crate) fn fill(text: &str, holes: &[(String, &str)], values: &[String]) -> String {
    let mut starts = [false; 256];
    for (p, _) in holes {
        if let Some(b) = p.as_bytes().first() {
            starts[usize::from(*b)] = true;
        }
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let (mut copied, mut at) = (0, 0);
    while at < bytes.len() {
        let hole = if starts[usize::from(bytes[at])] {
            holes.iter().zip(values).find(|((p, _), _)| !p.is_empty() && bytes[at..].starts_with(p.as_bytes()))
        } else {
            None
        };
        match hole {
            // A placeholder starts and ends on character boundaries: it is whole text.
            Some(((p, _), value)) => {
                out.push_str(&text[copied..at]);
                out.push_str(value);
                at += p.len();
                copied = at;
            }
            None => at += 1,
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// The groups as items of `spec.groups` as the library writes them, the same text whatever
/// fills the placeholders (the chart's own printer folds long lines, which would depend on
/// the length of a name): each expression a literal block, each annotation double-quoted
/// ([`quoted`]), each label the line `label` writes for it.
pub(crate) fn groups_text(groups: &[RuleGroup], label: impl Fn(&str, &str) -> String) -> String {
    let mut out = String::new();
    for g in groups {
        let _ = writeln!(out, "  - name: {}\n    rules:", g.name);
        for r in &g.rules {
            match (&r.record, &r.alert) {
                (Some(record), _) => {
                    let _ = writeln!(out, "    - record: {record}");
                }
                (None, alert) => {
                    let _ = writeln!(out, "    - alert: {}", alert.as_deref().unwrap_or_default());
                }
            }
            out.push_str("      expr: |-\n");
            for line in r.expr.lines() {
                let _ = writeln!(out, "        {line}");
            }
            if let Some(f) = &r.for_ {
                let _ = writeln!(out, "      for: {f}");
            }
            out.push_str("      labels:\n");
            for (k, v) in &r.labels {
                out.push_str(&label(k, v));
            }
            if !r.annotations.is_empty() {
                out.push_str("      annotations:\n");
                for (k, v) in &r.annotations {
                    let _ = writeln!(out, "        {k}: {}", quoted(v));
                }
            }
        }
    }
    out
}

/// A label as a plain scalar.
fn bare(k: &str, v: &str) -> String {
    format!("        {k}: {v}\n")
}

/// `v` as a double-quoted scalar (JSON's escapes, which YAML reads alike): an annotation is
/// a sentence, which a plain scalar could not always hold.
pub(crate) fn quoted(v: &str) -> String {
    Value::String(v.to_owned()).to_string()
}

/// The library's `templates/_slo.tpl`: `platform-service.sloRecords`, every recording group
/// of each objective in `.Values.slo`.
pub fn define(org: &Org) -> String {
    let mut out = crate::library::define_head(
        "The SLO recording rules of a service, from its values `slo`; a packaged chart's templates/platform.yaml includes it under spec.groups.",
        "sloRecords",
        &[("svc", ".Values.name"), ("m", ".Values.slo.metrics")],
    );
    out.push_str("{{- range $o := .Values.slo.objectives }}\n");
    for (i, kind) in KINDS.iter().enumerate() {
        let keyword = if i == 0 { "if" } else { "else if" };
        let _ = writeln!(out, "{{{{- {keyword} eq $o.kind \"{}\" }}}}", kind.as_str());
        let holes = holes(*kind);
        out.push_str(&with_actions(&groups_text(&*placeholder_groups(org, *kind), bare), &holes));
    }
    out.push_str("{{- end }}\n{{- end }}\n{{- end }}\n");
    out
}

/// Whether `value` is read back as the same string where the library's text puts it
/// bare: a plain YAML scalar, on one line.
pub(crate) fn plain(value: &str) -> bool {
    // The same few values (severities, teams, tiers, environments) are asked about for
    // every chart; each thread remembers its answers (a bounded number of them).
    thread_local! {
        static KNOWN: RefCell<std::collections::BTreeMap<String, bool>> = Default::default();
    }
    if let Some(known) = KNOWN.with_borrow(|k| k.get(value).copied()) {
        return known;
    }
    let answer = crate::yaml::to_yaml(&Value::String(value.to_owned())) == format!("{value}\n");
    KNOWN.with_borrow_mut(|k| {
        if k.len() >= 4096 {
            k.clear();
        }
        k.insert(value.to_owned(), answer);
    });
    answer
}

/// Whether `expr` reads back as written from a literal block (`|-`) under its key.
pub(crate) fn block(expr: &str) -> bool {
    !expr.starts_with(' ') && !expr.ends_with(char::is_whitespace) && !expr.contains('\r')
}

/// Whether the library's text, filled with `values`, holds exactly `own` (a chart's own
/// recording groups of one SLO): the same names, expressions and labels, each where the text
/// reads it back as written.
fn renders_as(placeholders: &[RuleGroup], holes: &[(String, &str)], values: &[String], own: &[RuleGroup]) -> bool {
    placeholders.len() == own.len()
        && placeholders.iter().zip(own).all(|(p, g)| {
            let name = fill(&p.name, holes, values);
            name == g.name
                && plain(&name)
                && p.rules.len() == g.rules.len()
                && p.rules.iter().zip(&g.rules).all(|(pr, r)| {
                    let labels: Vec<(String, String)> =
                        pr.labels.iter().map(|(k, v)| (k.clone(), fill(v, holes, values))).collect();
                    pr.record.as_deref().map(|x| fill(x, holes, values)) == r.record
                        && fill(&pr.expr, holes, values) == r.expr
                        && block(&r.expr)
                        && r.alert.is_none()
                        && r.for_.is_none()
                        && r.annotations.is_empty()
                        && labels.len() == r.labels.len()
                        && labels.iter().all(|(k, v)| r.labels.get(k) == Some(v) && plain(v))
                })
        })
}

/// The values `slo` of a chart whose recording rules the library writes: its metric names
/// and its objectives. `None` when the chart has no SLO, is not packaged, or when the
/// library's rules would not render as its own rules.
pub fn values(c: &Chart<'_>) -> Option<Value> {
    if !c.packaged {
        return None;
    }
    let slos = slo::slos(c.svc);
    if slos.is_empty() || c.rules.len() < 2 * slos.len() {
        return None;
    }
    let m = &c.svc.monitoring.metrics;
    let mut objectives = Vec::new();
    for (s, own) in slos.iter().zip(c.rules.chunks(2)) {
        let holes = holes(s.kind);
        let mut values: Vec<String> = number_holes(s).into_iter().map(|(v, _)| v).collect();
        values.extend(
            [&c.name, &m.requests_total.value, &m.error_selector.value, &m.duration_histogram.value].map(String::clone),
        );
        if !renders_as(&*placeholder_groups(c.org, s.kind), &holes, &values, own) {
            return None;
        }
        let mut o = json!({
            "kind": s.kind.as_str(),
            "objective": s.objective.to_string(),
            "budget": s.budget().to_string(),
        });
        if let Some(ms) = s.threshold_ms {
            o["le"] = json!(slo::le_matcher(ms));
            o["seconds"] = json!(ratio::decimal(u64::from(ms), 3));
        }
        objectives.push(o);
    }
    Some(json!({
        "metrics": {
            "requests": m.requests_total.value,
            "errors": m.error_selector.value,
            "histogram": m.duration_histogram.value,
        },
        "objectives": objectives,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every placeholder is replaced at once, leftmost first, whatever text surrounds it;
    /// a value that holds a placeholder is not replaced again.
    #[test]
    fn fill_replaces_every_placeholder_at_once() {
        let holes = [("AB".to_owned(), "{{ a }}"), ("B".to_owned(), "{{ b }}"), ("é-x".to_owned(), "{{ c }}")];
        let values = ["B".to_owned(), "AB".to_owned(), "ü".to_owned()];
        assert_eq!(fill("xABBAé-xé", &holes, &values), "xBABAüé");
        assert_eq!(fill("", &holes, &values), "");
        assert_eq!(fill("none here ✓", &holes, &values), "none here ✓");
        assert_eq!(with_actions("AB-B", &holes), "{{ a }}-{{ b }}");
    }

    fn metrics() -> MetricConvention {
        let sp = |s: &str| Sp::new(s.to_owned(), Span::default());
        MetricConvention {
            requests_total: sp("http_requests_total"),
            error_selector: sp("code=~\"5..\""),
            duration_histogram: sp("http_request_duration_seconds"),
        }
    }

    /// The library's rules filled with a service's values are its own rules; a name YAML
    /// would read as another type, or other metric names, are not.
    #[test]
    fn the_library_renders_a_services_own_recording_rules() {
        let windows = [5, 30, 60, 360];
        for (kind, threshold) in [(SloKind::Availability, None), (SloKind::Latency, Some(300))] {
            let s = Slo { kind, objective: Ratio::from_percent_text("99.9").unwrap(), threshold_ms: threshold };
            let holes = holes(kind);
            let values = |name: &str| {
                let mut v: Vec<String> = number_holes(&s).into_iter().map(|(v, _)| v).collect();
                v.extend(
                    [name, "http_requests_total", "code=~\"5..\"", "http_request_duration_seconds"].map(String::from),
                );
                v
            };
            let placeholders = placeholders(kind, 30, &windows);
            let own = |name: &str| slo::recording_groups(name, &metrics(), &s, 30, &windows);
            assert!(renders_as(&placeholders, &holes, &values("payment-api"), &own("payment-api")), "{kind:?}");
            assert!(!renders_as(&placeholders, &holes, &values("123"), &own("123")), "{kind:?}: a number");
            assert!(!renders_as(&placeholders, &holes, &values("payment-api"), &own("ledger")), "{kind:?}");
            let other = slo::recording_groups("payment-api", &metrics(), &s, 28, &windows);
            assert!(!renders_as(&placeholders, &holes, &values("payment-api"), &other), "{kind:?}: another period");
        }
    }
}
