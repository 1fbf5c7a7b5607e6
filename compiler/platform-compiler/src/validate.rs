//! Validation across services and against the org's tier policies. Runs on the IR; binds
//! `dependsOn` to the services of the build and fills in dependents.

use std::collections::BTreeMap;

use platform_ir as ir;
use platform_ir::Diagnostic;

use crate::codes;

/// Check and bind a build's services. Indexes by name once, so this is linear in the number
/// of services and dependency edges.
pub fn validate(orgs: &[ir::Org], services: &mut [ir::Service]) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let mut by_name: BTreeMap<String, usize> = BTreeMap::new();
    for (i, s) in services.iter().enumerate() {
        if let Some(&first) = by_name.get(&s.name.value) {
            diags.push(
                Diagnostic::error(
                    &codes::VAL001,
                    format!("a service named `{}` already exists", s.name.value),
                    s.name.span,
                    "duplicate name",
                    "service names are unique in a build; rename one of them",
                )
                .with_label(services[first].name.span, "first defined here"),
            );
        } else {
            by_name.insert(s.name.value.clone(), i);
        }
    }
    // A previous name keeps its AWS resources and moves its deploy module: no other service
    // may have it, now or before.
    let mut previous: BTreeMap<&str, &ir::Sp<String>> = BTreeMap::new();
    for s in services.iter() {
        for p in &s.previous_names {
            let taken =
                by_name.get(&p.value).map(|&i| &services[i].name).or_else(|| previous.get(p.value.as_str()).copied());
            match taken {
                Some(other) => diags.push(
                    Diagnostic::error(
                        &codes::VAL008,
                        format!("previous name `{}` of `{}` is another service's name, now or before", p.value, s.name.value),
                        p.span,
                        "name still taken",
                        "a previous name keeps its AWS resources and Terraform state: no other service may have it, now or before; give the other service another name",
                    )
                    .with_label(other.span, "also here"),
                ),
                None => {
                    previous.insert(p.value.as_str(), p);
                }
            }
        }
    }
    let mut dependents: Vec<Vec<ir::Dependent>> = vec![Vec::new(); services.len()];
    for i in 0..services.len() {
        let mut bound = Vec::new();
        for dep in &services[i].depends_on {
            let target = &dep.service.value;
            if *target == services[i].name.value {
                diags.push(Diagnostic::error(
                    &codes::VAL003,
                    format!("service `{target}` depends on itself"),
                    dep.service.span,
                    "self-dependency",
                    "remove this entry",
                ));
                continue;
            }
            match by_name.get(target) {
                Some(&j) => {
                    dependents[j].push(ir::Dependent {
                        service: services[i].name.value.clone(),
                        team: services[i].team.value.clone(),
                    });
                    bound.push(ir::Dependency {
                        service: dep.service.clone(),
                        port: services[j].port.value,
                        team: services[j].team.value.clone(),
                    });
                }
                None => {
                    let help = match ir::diagnostic::did_you_mean(target, by_name.keys().map(String::as_str)) {
                        Some(s) => format!("did you mean `component:{s}`?"),
                        None => "dependencies must be services of the same build: build the directory that holds both"
                            .to_owned(),
                    };
                    diags.push(Diagnostic::error(
                        &codes::VAL002,
                        format!("unknown dependency `{target}`: no service of that name in this build"),
                        dep.service.span,
                        "no such service",
                        help,
                    ));
                }
            }
        }
        bound.sort_by(|a, b| a.service.value.cmp(&b.service.value));
        services[i].depends_on = bound;
    }
    for (s, mut d) in services.iter_mut().zip(dependents) {
        d.sort();
        d.dedup();
        s.dependents = d;
    }
    for s in services.iter() {
        let org = &orgs[s.org];
        policies(org, s, &mut diags);
    }
    diags
}

fn policies(org: &ir::Org, s: &ir::Service, diags: &mut Vec<Diagnostic>) {
    let policy = org.tier(s.tier.value);
    let make = |code, msg: String, span, label: &str, help: String| match policy.enforcement.value {
        ir::Enforcement::Error => Diagnostic::error(code, msg, span, label, help),
        ir::Enforcement::Warning => Diagnostic::warning(code, msg, span, label, help),
    };
    let min = policy.min_replicas.value;
    let mut checked = Vec::new();
    for rt in std::iter::once(&s.runtime).chain(s.environments.iter().map(|e| &e.runtime)) {
        let r = rt.autoscaling.as_ref().map_or(&rt.replicas, |a| &a.min);
        if r.value < min && !checked.contains(&r.span) {
            checked.push(r.span);
            diags.push(
                make(
                    &codes::VAL004,
                    format!("a `{}` service needs at least {min} replicas, found {}", s.tier.value, r.value),
                    r.span,
                    "too few replicas",
                    format!("set `replicas: {min}` or more; the org's tier policy asks for it so one node failure is not an outage"),
                )
                .with_label(s.tier.span, "tier set here"),
            );
        }
    }
    if policy.require_alerts.value && !s.monitoring.alerts.value {
        diags.push(
            make(
                &codes::VAL005,
                format!("a `{}` service must have alerts on", s.tier.value),
                s.monitoring.alerts.span,
                "alerts are off",
                "set `monitoring.alerts: true` and give an `slo`, or change the tier".to_owned(),
            )
            .with_label(s.tier.span, "tier set here"),
        );
    }
    if !org.teams.is_empty() && !org.teams.contains_key(&s.team.value) {
        let suggestion = ir::diagnostic::did_you_mean(&s.team.value, org.teams.keys().map(String::as_str));
        let names: Vec<String> = org.teams.keys().map(|t| format!("`{t}`")).collect();
        let help = match suggestion {
            Some(t) => format!("did you mean `{t}`? The org's teams are {}", names.join(", ")),
            None => {
                format!("use one of the org's teams ({}), or add the team to the org file's `teams`", names.join(", "))
            }
        };
        // The secondary label puts the org file in the report: which org's teams are meant.
        let shown = suggestion.and_then(|t| org.teams.get(t)).or_else(|| org.teams.values().next());
        let mut d = Diagnostic::error(
            &codes::VAL006,
            format!("unknown team `{}`", s.team.value),
            s.team.span,
            "not in the org's teams",
            help,
        );
        if let Some(t) = shown {
            d = d.with_label(t.name.span, format!("team `{}` of the org file", t.name.value));
        }
        diags.push(d);
    }
}
