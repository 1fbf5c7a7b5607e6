//! Checks of the SLO rules that only the rule math can see (PROM codes).

use platform_ir::slo::{self, Slo, SloKind};
use platform_ir::{Diagnostic, Org, Service, Span};

use crate::codes;

/// Warnings about dead or missing alerts of a service.
pub fn check(org: &Org, svc: &Service) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if !svc.monitoring.alerts.value {
        return out;
    }
    let paging = org.tier(svc.tier.value).paging.value;
    let windows: Vec<_> = org.monitoring.windows.iter().filter(|w| paging || w.severity.value != "page").collect();
    let slos = slo::slos(svc);
    if windows.is_empty() && !slos.is_empty() {
        out.push(Diagnostic::warning(
            &codes::PROM002,
            format!("alerts are on but no burn-rate window of the org applies to tier `{}`", svc.tier.value),
            svc.monitoring.alerts.span,
            "no alert will be written",
            "add a `ticket` window to the org file's `spec.monitoring.windows`, or set `alerts: false`",
        ));
    }
    let days = org.monitoring.slo_period_days.value;
    for s in &slos {
        let dead: Vec<String> = windows
            .iter()
            .filter(|w| slo::burn_threshold(days, w, s.objective).at_least_one())
            .map(|w| format!("{}/{}", slo::duration(w.short_minutes.value), slo::duration(w.long_minutes.value)))
            .collect();
        if dead.is_empty() {
            continue;
        }
        out.push(Diagnostic::warning(
            &codes::PROM001,
            format!(
                "the {} objective of {} % leaves so little room that the {} window{} can never fire",
                s.kind.as_str(),
                s.objective.percent(),
                dead.join(", "),
                if dead.len() == 1 { "" } else { "s" },
            ),
            objective_span(svc, s),
            "objective too low for burn-rate alerts",
            "raise the objective (e.g. `99`), or use slower windows in the org file's catalog",
        ));
    }
    out
}

fn objective_span(svc: &Service, s: &Slo) -> Span {
    let m = &svc.monitoring;
    match s.kind {
        SloKind::Latency => m.latency.as_ref().map(|l| l.objective.span),
        SloKind::Availability => m.slo.as_ref().map(|o| o.span),
    }
    .unwrap_or(m.alerts.span)
}
