//! `platform explain --service NAME`: every resolved setting of a service with the place it
//! came from — the service file, the org file, or the built-in defaults — per environment.

use std::fmt::Display;
use std::process::ExitCode;

use platform_driver::{Frontend, Inputs};
use platform_ir::{CanaryStep, Service, Sources, Sp, Span};

use crate::InputArgs;

/// One resolved setting: key, value, where it came from, and what that place is.
struct Row {
    key: String,
    value: String,
    at: String,
    origin: &'static str,
}

struct Rows<'a> {
    sources: &'a Sources,
    org_file: Option<String>,
    rows: Vec<Row>,
}

impl Rows<'_> {
    fn at(&self, span: Span) -> String {
        let f = self.sources.get(span.file);
        let (l, c) = f.line_col(span.start);
        format!("{}:{l}:{c}", f.path)
    }

    /// What the place of `span` is: the built-in defaults, the org file, a value written in
    /// the service file, or the compiler's default for a field the service file leaves out
    /// (the span then covers the mapping the field would be in, not a value).
    fn origin(&self, span: Span) -> &'static str {
        let f = self.sources.get(span.file);
        if span.file == platform_compiler::BUILTIN_FILE {
            "built-in default"
        } else if self.org_file.as_deref() == Some(f.path.as_str()) {
            "org file"
        } else {
            let text = f.slice(span);
            if text.contains('\n') || text.contains(": ") || text.ends_with(':') { "default" } else { "service file" }
        }
    }

    fn push(&mut self, key: impl Into<String>, value: String, span: Span) {
        let (at, origin) = (self.at(span), self.origin(span));
        self.rows.push(Row { key: key.into(), value, at, origin });
    }

    fn add<T: Display>(&mut self, key: impl Into<String>, v: &Sp<T>) {
        self.push(key, v.value.to_string(), v.span);
    }
}

fn service_rows(rows: &mut Rows<'_>, s: &Service, org: &platform_ir::Org) {
    rows.add("name", &s.name);
    rows.add("team", &s.team);
    rows.add("tier", &s.tier);
    rows.add("system", &s.system);
    rows.add("language", &s.language);
    if let Some(f) = &s.framework {
        rows.add("framework", f);
    }
    rows.add("image", &s.image);
    rows.add("port", &s.port);
    rows.add("health.liveness", &s.health.liveness);
    rows.add("health.readiness", &s.health.readiness);
    let m = &s.monitoring;
    rows.add("monitoring.alerts", &m.alerts);
    rows.add("monitoring.dashboard", &m.dashboard);
    if let Some(slo) = &m.slo {
        rows.push("monitoring.slo", format!("{}%", slo.value.percent()), slo.span);
    }
    if let Some(l) = &m.latency {
        rows.add("monitoring.latency.thresholdMs", &l.threshold_ms);
        rows.push("monitoring.latency.objective", format!("{}%", l.objective.value.percent()), l.objective.span);
    }
    let team = org.teams.get(&s.team.value);
    if let Some(p) = team.and_then(|t| t.pagerduty.as_ref()) {
        rows.add("alerts.pagerduty", p);
    }
    if let Some(c) = team.and_then(|t| t.slack.as_ref()) {
        rows.add("alerts.slack", c);
    }
    rows.add("monitoring.metrics.requestsTotal", &m.metrics.requests_total);
    rows.add("monitoring.metrics.errorSelector", &m.metrics.error_selector);
    rows.add("logging.json", &s.logging.json);
    rows.add("deployment.strategy", &s.deployment.strategy);
    rows.add("deployment.rollback", &s.deployment.rollback);
    if let Some(c) = &s.deployment.canary {
        for (i, step) in c.steps.iter().enumerate() {
            match step {
                CanaryStep::SetWeight(w) => rows.add(format!("deployment.canary.steps[{i}].setWeight"), w),
                CanaryStep::Pause(p) => rows.add(format!("deployment.canary.steps[{i}].pause"), p),
                CanaryStep::Analysis(sp) => rows.push(format!("deployment.canary.steps[{i}]"), "analysis".into(), *sp),
            }
        }
    }
    if let Some(c) = &s.deployment.canary {
        rows.add("deployment.canary.analysisInterval", &c.analysis_interval);
        rows.add("deployment.canary.failureLimit", &c.failure_limit);
        rows.add("deployment.canary.minRequests", &c.min_requests);
    }
    if let Some(i) = &s.ingress {
        rows.add("ingress.exposure", &i.exposure);
        for (n, p) in i.paths.iter().enumerate() {
            rows.add(format!("ingress.paths[{n}]"), p);
        }
    }
    for sec in &s.secrets {
        let rotation =
            sec.rotation_days.as_ref().map_or("no rotation".to_owned(), |r| format!("rotated every {} days", r.value));
        rows.push(
            format!("secrets.{}", sec.name.value),
            rotation,
            sec.rotation_days.as_ref().map_or(sec.name.span, |r| r.span),
        );
    }
    for d in &s.depends_on {
        rows.push(format!("dependsOn.{}", d.service.value), format!("port {}", d.port), d.service.span);
    }
    for e in &s.egress {
        let to =
            format!("{} on {}", e.cidrs.join(", "), e.ports.iter().map(u16::to_string).collect::<Vec<_>>().join(", "));
        // Written as an entry of `egress`, a mapping: the service file's, not a default.
        let (at, origin) = (rows.at(e.span), "service file");
        rows.rows.push(Row { key: "egress".into(), value: to, at, origin });
    }
    for env in &s.environments {
        let p = format!("[{}] ", env.name.value);
        let e = org.environment(env);
        rows.add(format!("{p}cluster"), &e.cluster);
        rows.add(format!("{p}awsAccount"), &e.aws_account);
        rows.add(format!("{p}awsRegion"), &e.aws_region);
        rows.push(format!("{p}namespace"), env.namespace.clone(), e.namespace.span);
        let paged = s.monitoring.alerts.value && e.paging.value && org.tier(s.tier.value).paging.value;
        rows.push(format!("{p}alerts.paging"), paged.to_string(), e.paging.span);
        if let Some(h) = &env.host {
            rows.add(format!("{p}ingress.host"), h);
        }
        rows.add(format!("{p}runtime.replicas"), &env.runtime.replicas);
        rows.add(format!("{p}runtime.cpu"), &env.runtime.cpu);
        rows.add(format!("{p}runtime.memory"), &env.runtime.memory);
        if let Some(a) = &env.runtime.autoscaling {
            rows.add(format!("{p}runtime.autoscaling.min"), &a.min);
            rows.add(format!("{p}runtime.autoscaling.max"), &a.max);
            rows.add(format!("{p}runtime.autoscaling.targetCpuPercent"), &a.target_cpu_percent);
        }
        for v in &env.runtime.env {
            rows.add(format!("{p}runtime.env.{}", v.name.value), &v.value);
        }
        if let Some(db) = &env.database {
            rows.add(format!("{p}database.engine"), &db.engine);
            rows.add(format!("{p}database.size"), &db.size);
            rows.add(format!("{p}database.instanceClass"), &db.instance_class);
            rows.add(format!("{p}database.version"), &db.version);
            rows.add(format!("{p}database.backupDays"), &db.backup_days);
            rows.add(format!("{p}database.deletionProtection"), &db.deletion_protection);
            rows.add(format!("{p}database.multiAz"), &db.multi_az);
        }
    }
}

/// Explain where each setting of `name` came from.
pub fn explain_service(a: &InputArgs, name: &str) -> anyhow::Result<ExitCode> {
    let fe: Frontend = match platform_driver::load(&Inputs { root: a.path.clone(), org: a.org.clone() }) {
        Ok(fe) => fe,
        Err(e) => anyhow::bail!("{e}"),
    };
    crate::cmd::say_org(&fe);
    let (Some(org), Some(s)) = (&fe.org, fe.services.iter().find(|s| s.name.value == name)) else {
        let names: Vec<&str> = fe.services.iter().map(|s| s.name.value.as_str()).collect();
        eprintln!("error: no service `{name}` compiled under `{}` (found: {})", a.path.display(), names.join(", "));
        return Ok(ExitCode::from(1));
    };
    let org_file = fe.org_file.as_ref().map(|o| platform_driver::display(o));
    let mut rows = Rows { sources: &fe.sources, org_file, rows: Vec::new() };
    service_rows(&mut rows, s, org);
    if a.format == crate::render::Format::Json {
        let settings: Vec<serde_json::Value> = rows
            .rows
            .iter()
            .map(|r| serde_json::json!({ "key": r.key, "value": r.value, "at": r.at, "origin": r.origin }))
            .collect();
        println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "service": name, "settings": settings }))?);
        return Ok(ExitCode::SUCCESS);
    }
    let w0 = rows.rows.iter().map(|r| r.key.len()).max().unwrap_or(0);
    let w1 = rows.rows.iter().map(|r| r.value.chars().count()).max().unwrap_or(0).min(40);
    println!("{name}: resolved settings and where each came from");
    for r in &rows.rows {
        let (k, v) = (crate::render::inert(&r.key), crate::render::inert(&r.value));
        let at = crate::render::inert(&r.at);
        match r.origin {
            "service file" => println!("  {k:<w0$}  {v:<w1$}  {at}"),
            "default" => println!("  {k:<w0$}  {v:<w1$}  default (not in the file; its mapping is at {at})"),
            origin => println!("  {k:<w0$}  {v:<w1$}  {at} ({origin})"),
        }
    }
    Ok(ExitCode::SUCCESS)
}
