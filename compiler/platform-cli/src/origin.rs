//! `platform explain --service NAME`: every resolved setting of a service with the place it
//! came from — the service file, the org file, or the built-in defaults — per environment.

use std::fmt::Display;
use std::process::ExitCode;

use platform_driver::{Frontend, Inputs};
use platform_ir::{CanaryStep, Service, Sources, Sp, Span};

use crate::InputArgs;

struct Rows<'a> {
    sources: &'a Sources,
    rows: Vec<(String, String, String)>,
}

impl Rows<'_> {
    fn at(&self, span: Span) -> String {
        let f = self.sources.get(span.file);
        let (l, c) = f.line_col(span.start);
        format!("{}:{l}:{c}", f.path)
    }

    fn add<T: Display>(&mut self, key: impl Into<String>, v: &Sp<T>) {
        let at = self.at(v.span);
        self.rows.push((key.into(), v.value.to_string(), at));
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
        let at = rows.at(slo.span);
        rows.rows.push(("monitoring.slo".into(), format!("{}%", slo.value.percent()), at));
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
                CanaryStep::Analysis(sp) => {
                    let at = rows.at(*sp);
                    rows.rows.push((format!("deployment.canary.steps[{i}]"), "analysis".into(), at));
                }
            }
        }
    }
    for env in &s.environments {
        let p = format!("[{}] ", env.name.value);
        let e = org.environment(env);
        rows.add(format!("{p}cluster"), &e.cluster);
        rows.add(format!("{p}awsAccount"), &e.aws_account);
        rows.rows.push((format!("{p}namespace"), env.namespace.clone(), rows.at(e.namespace.span)));
        if let Some(h) = &env.host {
            rows.add(format!("{p}ingress.host"), h);
        }
        rows.add(format!("{p}runtime.replicas"), &env.runtime.replicas);
        rows.add(format!("{p}runtime.cpu"), &env.runtime.cpu);
        rows.add(format!("{p}runtime.memory"), &env.runtime.memory);
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
    let mut rows = Rows { sources: &fe.sources, rows: Vec::new() };
    service_rows(&mut rows, s, org);
    let w0 = rows.rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let w1 = rows.rows.iter().map(|r| r.1.len()).max().unwrap_or(0).min(40);
    println!("{name}: resolved settings and where each came from");
    for (k, v, at) in &rows.rows {
        println!("  {k:<w0$}  {v:<w1$}  {at}");
    }
    Ok(ExitCode::SUCCESS)
}
