//! Registry of `PROM` codes: problems the Prometheus backend finds in the SLO rules it writes.
//! Append-only.

use platform_ir::Code;

/// A burn-rate alert whose threshold is 100 % errors or more, so it can never fire.
pub const PROM001: Code = Code {
    id: "PROM001",
    name: "burn-threshold-unreachable",
    summary: "a burn-rate alert needs an error ratio of 100 % or more, so it can never fire",
    docs: "A burn-rate alert fires when the error ratio exceeds `factor * (1 - objective)`. With a low \
           objective and a fast window the threshold reaches 1: more than every request would have to \
           fail. Example: `slo: 90` and the 5m/1h page window (factor 14.4 over 30 days) need an error \
           ratio above 1.44.\n\nWhy it matters: the alert is written but is dead; the budget can burn \
           without anyone being told.\n\nFix: raise the objective (`slo: 99`), or give the org file's \
           window catalog slower windows.",
};

/// Alerts are on but no window of the catalog applies to the service.
pub const PROM002: Code = Code {
    id: "PROM002",
    name: "no-alert-window",
    summary: "alerts are on but no burn-rate window of the org applies to this service",
    docs: "`monitoring.alerts: true` asks for burn-rate alerts, but the org file's window catalog \
           (`spec.monitoring.windows`) has no window for this service: it is empty, or it has only \
           `page` windows and the service's tier does not page (`tiers.<tier>.paging: false`).\n\n\
           Why it matters: recording rules are written, but nothing alerts.\n\nFix: add a `ticket` \
           window to the org's catalog, or set `alerts: false` to say no alerts are wanted.",
};

/// A team that owns alerting services has no Slack channel for its tickets.
pub const PROM003: Code = Code {
    id: "PROM003",
    name: "team-without-ticket-channel",
    summary: "a team that owns alerting services has no Slack channel, so its ticket alerts reach no one",
    docs: "The org file's team contacts become Alertmanager routing (`_org/prometheus/alertmanager.yaml`): \
           a team's pages go to its PagerDuty service (or its Slack channel when it has none), its tickets \
           to its Slack channel. A team with `pagerduty` but no `slack` gets its pages, but its tickets \
           (every non-paging alert, and every alert of an environment that does not page) fall to the \
           `unrouted` receiver.\n\nWhy it matters: a slow burn or a staging outage is seen by no one.\n\n\
           Fix: give the team a channel, e.g. `slack: \"#payments-alerts\"`.",
};

/// Every code of this crate, in order.
pub const ALL: &[&Code] = &[&PROM001, &PROM002, &PROM003];
