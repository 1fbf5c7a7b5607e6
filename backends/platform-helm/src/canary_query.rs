//! A packaged chart's canary analysis query, from the org's library chart: the query
//! ([`platform_ir::slo::canary_error_ratio_query`]) is the same text for every service but
//! for its name, its request metric, its error selector and its minimum request count. The
//! library writes it once (`platform-service.canaryQuery`, in `templates/_slo.tpl`), from the
//! same function run on placeholders that become template actions, and its AnalysisTemplate
//! prints it where a chart's values hold no `rollout.analysis.query`. The chart's values say
//! what fills it: the name and `slo.metrics` its SLO rules read already, and
//! `rollout.analysis.minRequests`.
//!
//! Each chart's query is filled back from the placeholders with its values and compared
//! with its own, byte for byte; where they would differ, or where the library does not write
//! the chart's SLO rules (no `slo` values), the chart keeps its literal query.
//! `tests/helm.rs` renders every packaged chart with real Helm and compares its objects with
//! the vendored chart's.

use std::fmt::Write as _;

use platform_ir::span::{Sp, Span};
use platform_ir::{MetricConvention, slo};

use crate::Chart;
use crate::library::NAME;
use crate::slo_records::{ERRORS, REQUESTS, SERVICE, fill, with_actions};
use crate::values::{ARGO_CANARY_HASH_ARG, ARGO_NAMESPACE_ARG};

/// The minimum request count's placeholder: a number no query holds otherwise.
const MIN_REQUESTS: u32 = 987_654_321;

/// The value that says how many requests a canary must serve before it is judged.
pub(crate) const MIN_REQUESTS_KEY: &str = "minRequests";

/// Each placeholder and its action, in the order of [`values`]: the SLO rules' placeholders
/// of the name and the metrics, read from the values directly. Argo's arguments are their
/// own placeholders: the library prints them as string constants, which Helm never
/// evaluates.
fn holes() -> [(String, &'static str); 6] {
    [
        (SERVICE.placeholder.to_owned(), "{{ .Values.name }}"),
        (REQUESTS.placeholder.to_owned(), "{{ .Values.slo.metrics.requests }}"),
        (ERRORS.placeholder.to_owned(), "{{ .Values.slo.metrics.errors }}"),
        (format!(">= {MIN_REQUESTS}"), ">= {{ .Values.rollout.analysis.minRequests }}"),
        (ARGO_NAMESPACE_ARG.to_owned(), "{{ \"{{args.namespace}}\" }}"),
        (ARGO_CANARY_HASH_ARG.to_owned(), "{{ \"{{args.canary-hash}}\" }}"),
    ]
}

/// What fills each placeholder for a service, as Helm prints it.
fn values(service: &str, m: &MetricConvention, min_requests: u32) -> [String; 6] {
    [
        service.to_owned(),
        m.requests_total.value.clone(),
        m.error_selector.value.clone(),
        format!(">= {min_requests}"),
        ARGO_NAMESPACE_ARG.to_owned(),
        ARGO_CANARY_HASH_ARG.to_owned(),
    ]
}

/// The query with placeholders (Argo's arguments as they are), built once: every chart's
/// check fills it.
fn placeholder_query() -> &'static str {
    static QUERY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    QUERY.get_or_init(|| {
        let sp = |s: &str| Sp::new(s.to_owned(), Span::default());
        let metrics = MetricConvention {
            requests_total: sp(REQUESTS.placeholder),
            error_selector: sp(ERRORS.placeholder),
            duration_histogram: sp(""),
        };
        query(SERVICE.placeholder, &metrics, MIN_REQUESTS)
    })
}

/// A chart's query: its own pods' error ratio over the base window, in the release's
/// namespace (Argo's arguments).
pub(crate) fn query(service: &str, m: &MetricConvention, min_requests: u32) -> String {
    slo::canary_error_ratio_query(
        service,
        m,
        &slo::duration(slo::BASE_WINDOW_MINUTES),
        ARGO_NAMESPACE_ARG,
        ARGO_CANARY_HASH_ARG,
        min_requests,
    )
}

/// The library's `platform-service.canaryQuery`.
pub fn define() -> String {
    let text = with_actions(placeholder_query(), &holes());
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{{{{- /* The query of a canary's analysis, from its values (name, slo.metrics, rollout.analysis.minRequests): the error ratio of the canary's own pods in the release's namespace, empty below the minimum request count. */}}}}"
    );
    let _ = writeln!(out, "{{{{- define \"{NAME}.canaryQuery\" -}}}}\n{text}\n{{{{- end }}}}");
    out
}

/// The AnalysisTemplate's line that prints a chart's literal query.
const LITERAL_LINE: &str = "          query: {{ .Values.rollout.analysis.query | quote }}\n";

/// The library's AnalysisTemplate: `template` (the vendored chart's) printing the chart's
/// literal query where its values hold one, and the library's otherwise.
pub(crate) fn in_library(template: &str) -> String {
    assert!(template.contains(LITERAL_LINE), "the AnalysisTemplate prints no query value");
    let either = format!(
        "          {{{{- if hasKey .Values.rollout.analysis \"query\" }}}}\n{LITERAL_LINE}          {{{{- else }}}}\n          query: {{{{ include \"{NAME}.canaryQuery\" . | quote }}}}\n          {{{{- end }}}}\n"
    );
    template.replace(LITERAL_LINE, &either)
}

/// The value `minRequests` of a chart whose query the library writes; `None` when the
/// chart keeps its literal query (no canary, no library SLO rules, or a query the library
/// would not fill as the chart's own).
pub(crate) fn min_requests(c: &Chart<'_>) -> Option<String> {
    let canary = c.svc.deployment.canary.as_ref()?;
    c.recording.as_ref()?;
    let m = &c.svc.monitoring.metrics;
    let min = canary.min_requests.value;
    let filled = fill(placeholder_query(), &holes(), &values(&c.name, m, min));
    (filled == query(&c.name, m, min)).then(|| min.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The library's query, its actions replaced by a service's values the way Helm prints
    /// them, is the service's own query.
    #[test]
    fn the_library_query_filled_with_a_services_values_is_its_own() {
        let text = define();
        let body = text.split("-}}\n").nth(1).unwrap().split("\n{{- end }}").next().unwrap();
        let filled = body
            .replace("{{ .Values.name }}", "payment-api")
            .replace("{{ .Values.slo.metrics.requests }}", "http_requests_total")
            .replace("{{ .Values.slo.metrics.errors }}", "code=~\"5..\"")
            .replace("{{ .Values.rollout.analysis.minRequests }}", "50")
            .replace("{{ \"{{args.namespace}}\" }}", "{{args.namespace}}")
            .replace("{{ \"{{args.canary-hash}}\" }}", "{{args.canary-hash}}");
        let sp = |s: &str| Sp::new(s.to_owned(), Span::default());
        let m = MetricConvention {
            requests_total: sp("http_requests_total"),
            error_selector: sp("code=~\"5..\""),
            duration_histogram: sp("h"),
        };
        assert_eq!(filled, query("payment-api", &m, 50));
        assert!(!body.contains("PLATFORM_PLACEHOLDER"), "{body}");
        assert!(!body.contains("987654321"), "{body}");
    }
}
