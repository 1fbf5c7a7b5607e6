//! `values.yaml` and `values-<env>.yaml`: everything a service says, as typed values.
//!
//! The base file holds the service without an environment. Each environment's file holds
//! what differs there or only exists there: the runtime (always written, so each file says
//! how the service runs), the namespace and the namespaces of its neighbours, the IAM role,
//! the ingress host, the secret-store keys and the canary switch. Helm merges an
//! environment file over the base (maps key by key, lists replaced), so the environment
//! file repeats whole lists where they differ.

use platform_ir::Span;
use platform_ir::slo;
use platform_ir::{
    CanaryStep, Database, Engine, Environment, Exposure, Rollback, Runtime, Service, ServiceEnvironment, Strategy,
    naming,
};
use serde_json::{Map, Value, json};

use crate::Chart;

/// Port of the Kubernetes Service (the container port may differ; callers use the name).
pub const SERVICE_PORT: u16 = 80;
/// Path the ServiceMonitor scrapes.
pub const METRICS_PATH: &str = "/metrics";
/// Scrape interval.
pub const SCRAPE_INTERVAL: &str = "30s";
/// Measurements per analysis run: with the org's interval (1m) a run spans five minutes.
pub const ANALYSIS_COUNT: u32 = 5;
/// How often ExternalSecrets re-read the store (rotation reaches pods within this time
/// plus a restart).
pub const SECRET_REFRESH: &str = "1h";
/// Size limit of the writable `/tmp` (an `emptyDir`; the root filesystem is read-only).
pub const TMP_SIZE_LIMIT: &str = "256Mi";
/// Decimal places of the canary's error-ratio limit (see [`max_error_ratio`]).
pub const MAX_ERROR_RATIO_SCALE: u32 = 15;
/// The Argo Rollouts argument the analysis query selects the namespace with. The
/// `AnalysisTemplate` declares it and the Rollout's analysis step sets it to
/// `{{ .Release.Namespace }}`. It reaches Argo verbatim: it lives in the `query` value, and
/// Helm never evaluates values as templates (the templates print it with `quote`).
pub const ARGO_NAMESPACE_ARG: &str = "{{args.namespace}}";
/// The Argo Rollouts argument the analysis query selects the canary's pods with: the
/// Rollout's analysis step sets it from `podTemplateHashValue: Latest` (the canary
/// ReplicaSet's hash, checked against Argo Rollouts v1.8), and the chart's `ServiceMonitor`
/// copies the pods' `rollouts-pod-template-hash` label onto every series
/// ([`slo::POD_HASH_LABEL`]). Verbatim like [`ARGO_NAMESPACE_ARG`].
pub const ARGO_CANARY_HASH_ARG: &str = "{{args.canary-hash}}";
/// The port of the AWS APIs (HTTPS).
pub const AWS_API_PORT: u16 = 443;
/// Keys always written to an environment file, even when they equal the base.
const ENV_KEYS: &[&str] = &["environment", "namespace", "replicaCount", "resources", "autoscaling"];

/// The base values and each environment's file, in promotion order.
pub fn all(c: &Chart<'_>) -> (Value, Vec<(String, Value)>) {
    let base = values(c, None);
    let envs = c
        .svc
        .environments
        .iter()
        .map(|e| {
            let full = values(c, Some(e));
            (e.name.value.clone(), Value::Object(diff(&base, &full, ENV_KEYS)))
        })
        .collect();
    (base, envs)
}

/// Where the values of one file (`env`: an environment's, or the base) come from, by key
/// path: the input each key is set from ([`platform_ir::Artifact::origins`]).
pub fn origins(c: &Chart<'_>, env: Option<&ServiceEnvironment>) -> Vec<(String, Span)> {
    let s = c.svc;
    let runtime = env.map_or(&s.runtime, |e| &e.runtime);
    let mut o: Vec<(String, Span)> = vec![
        ("name".into(), s.name.span),
        ("partOf".into(), s.system.span),
        ("team".into(), s.team.span),
        ("tier".into(), s.tier.span),
        ("image".into(), s.image.span),
        ("imagePullSecrets".into(), c.org.registry_pull_secret.span),
        ("replicaCount".into(), runtime.replicas.span),
        ("strategy".into(), s.deployment.strategy.span),
        ("resources.requests.cpu".into(), runtime.cpu.span),
        ("resources.requests.memory".into(), runtime.memory.span),
        ("resources.limits.memory".into(), runtime.memory.span),
        ("containerPort".into(), s.port.span),
        ("probes.liveness".into(), s.health.liveness.span),
        ("probes.readiness".into(), s.health.readiness.span),
        ("probes.startup".into(), s.health.startup.span),
        ("secretReload".into(), c.org.secret_reload.span),
        ("topologySpread".into(), c.org.tier(s.tier.value).topology_spread.span),
    ];
    if let Some(cpu) = &runtime.cpu_limit {
        o.push(("resources.limits.cpu".into(), cpu.span));
    }
    match &runtime.autoscaling {
        Some(a) => o.extend([
            ("autoscaling".into(), a.max.span),
            ("autoscaling.minReplicas".into(), a.min.span),
            ("autoscaling.maxReplicas".into(), a.max.span),
            ("autoscaling.targetCPUUtilizationPercentage".into(), a.target_cpu_percent.span),
        ]),
        None => o.push(("autoscaling".into(), runtime.replicas.span)),
    }
    for e in &runtime.env {
        o.push((format!("env.{}", e.name.value), e.value.span));
    }
    if let Some(sec) = s.secrets.first() {
        o.push(("secretEnv".into(), sec.name.span));
        o.push(("externalSecrets".into(), sec.name.span));
    }
    if let Some(d) = env.map_or(s.database.as_ref(), |e| e.database.as_ref()) {
        o.push(("podSecurityGroups".into(), d.engine.span));
        o.push(("networkPolicy.databasePorts".into(), d.engine.span));
    }
    if let Some(dep) = s.depends_on.first() {
        o.push(("networkPolicy.dependencies".into(), dep.service.span));
    }
    if let Some(canary) = &s.deployment.canary {
        o.push(("rollout".into(), canary.span));
        // The canary fails on the error ratio the SLO allows.
        if let Some(slo) = &s.monitoring.slo {
            o.push(("rollout.analysis.maxErrorRatio".into(), slo.span));
        }
    }
    if let Some(i) = &s.ingress {
        o.push(("ingress".into(), i.exposure.span));
        if let Some(h) = env.and_then(|e| e.host.as_ref()) {
            o.push(("ingress.host".into(), h.span));
        }
    }
    if let Some(e) = env {
        let oe = c.org.environment(e);
        o.push(("environment".into(), e.name.span));
        o.push(("namespace".into(), oe.namespace.span));
        o.push(("serviceAccount.roleArn".into(), oe.aws_account.span));
    }
    o
}

/// The complete values of the service, in one environment or in none.
fn values(c: &Chart<'_>, env: Option<&ServiceEnvironment>) -> Value {
    let s = c.svc;
    let org_env: Option<&Environment> = env.map(|e| c.org.environment(e));
    let runtime = env.map_or(&s.runtime, |e| &e.runtime);
    let database = env.map_or(s.database.as_ref(), |e| e.database.as_ref());
    let env_name = env.map_or("", |e| e.name.value.as_str());

    let mut v = Map::new();
    v.insert("name".into(), json!(c.name));
    v.insert("component".into(), json!("server"));
    v.insert("partOf".into(), json!(s.system.value));
    v.insert("team".into(), json!(s.team.value));
    v.insert("tier".into(), json!(s.tier.value.as_str()));
    v.insert("environment".into(), json!(env_name));
    v.insert("namespace".into(), json!(env.map_or("", |e| e.namespace.as_str())));
    v.insert("image".into(), json!({ "repository": s.image.value, "tag": "", "pullPolicy": "IfNotPresent" }));
    // The org's pull Secret for a private registry (none where the nodes pull on their own).
    let pull: Vec<Value> = c.org.registry_pull_secret().map(|p| json!({ "name": p.value })).into_iter().collect();
    v.insert("imagePullSecrets".into(), Value::Array(pull));
    v.insert("replicaCount".into(), json!(runtime.replicas.value));
    v.insert(
        "strategy".into(),
        json!(match s.deployment.strategy.value {
            Strategy::Rolling => "RollingUpdate",
            Strategy::Recreate => "Recreate",
        }),
    );
    v.insert("resources".into(), resources(runtime));
    v.insert("autoscaling".into(), autoscaling(runtime));
    v.insert("containerPort".into(), json!(s.port.value));
    v.insert("service".into(), json!({ "port": SERVICE_PORT }));
    v.insert(
        "probes".into(),
        json!({
            "liveness": s.health.liveness.value,
            "readiness": s.health.readiness.value,
            "startup": s.health.startup.value,
        }),
    );
    let plain: Map<String, Value> = runtime.env.iter().map(|e| (e.name.value.clone(), json!(e.value.value))).collect();
    v.insert("env".into(), Value::Object(plain));
    v.insert("secretEnv".into(), Value::Array(secret_env(s, database)));
    // How pods pick up a changed Secret (the helper `platform.workloadAnnotations`).
    v.insert(
        "secretReload".into(),
        json!(match c.org.secret_reload.value {
            platform_ir::SecretReload::Reloader => "reloader",
            platform_ir::SecretReload::Nothing => "none",
        }),
    );
    v.insert("podAnnotations".into(), pod_annotations(c));
    v.insert("topologySpread".into(), json!(c.org.tier(s.tier.value).topology_spread.value));
    v.insert("tmpSizeLimit".into(), json!(TMP_SIZE_LIMIT));
    let role = match org_env {
        Some(oe) => {
            format!("arn:aws:iam::{}:role/{}", oe.aws_account.value, naming::iam_role_name(s.aws_identity(), env_name))
        }
        None => String::new(),
    };
    v.insert("serviceAccount".into(), json!({ "roleArn": role }));
    v.insert("networkPolicy".into(), network_policy(c, env, database));
    v.insert(
        "monitoring".into(),
        json!({
            "path": METRICS_PATH,
            "interval": SCRAPE_INTERVAL,
            "selectorLabels": c.org.monitoring.rule_selector_labels,
        }),
    );
    if let Some(slo) = c.recording.as_ref().filter(|_| env.is_none()) {
        v.insert("slo".into(), slo.clone());
    }
    v.insert("rollout".into(), rollout(c, org_env));
    if c.pdb {
        v.insert("podDisruptionBudget".into(), json!({ "maxUnavailable": 1 }));
    }
    if c.ingress {
        v.insert("ingress".into(), ingress(c, env));
    }
    if c.external_secrets {
        v.insert("externalSecrets".into(), external_secrets(c, env, database));
    }
    if c.database {
        // The ids of the Terraform output `pod_security_group_id` (and the cluster's group):
        // only known after `terraform apply`, so CI sets them (`--set-json`).
        v.insert("podSecurityGroups".into(), json!([]));
    }
    Value::Object(v)
}

fn resources(r: &Runtime) -> Value {
    let mut limits = Map::new();
    if let Some(cpu) = &r.cpu_limit {
        limits.insert("cpu".into(), json!(cpu.value.to_string()));
    }
    limits.insert("memory".into(), json!(r.memory.value.to_string()));
    json!({
        "requests": { "cpu": r.cpu.value.to_string(), "memory": r.memory.value.to_string() },
        "limits": Value::Object(limits),
    })
}

fn autoscaling(r: &Runtime) -> Value {
    match &r.autoscaling {
        Some(a) => json!({
            "enabled": true,
            "minReplicas": a.min.value,
            "maxReplicas": a.max.value,
            "targetCPUUtilizationPercentage": a.target_cpu_percent.value,
        }),
        None => json!({
            "enabled": false,
            "minReplicas": r.replicas.value,
            "maxReplicas": r.replicas.value,
            "targetCPUUtilizationPercentage": 70,
        }),
    }
}

/// Environment variables read from Secrets: each declared secret, then the database's keys.
fn secret_env(s: &Service, database: Option<&Database>) -> Vec<Value> {
    let name = &s.name.value;
    let mut out: Vec<Value> = s
        .secrets
        .iter()
        .map(|sec| {
            json!({
                "name": naming::secret_env_var(&sec.name.value),
                "secretName": naming::k8s_secret_name(name, &sec.name.value),
                "key": "value",
            })
        })
        .collect();
    if let Some(db) = database {
        for (key, var) in naming::database_secret_keys(db.engine.value) {
            out.push(json!({ "name": var, "secretName": naming::k8s_database_secret_name(name), "key": key }));
        }
    }
    out
}

/// Annotations for the org's log shipper.
fn pod_annotations(c: &Chart<'_>) -> Value {
    let l = &c.svc.logging;
    json!({
        "platform.dev/log-aggregator": c.org.logging.aggregator.value,
        "platform.dev/log-format": if l.json.value { "json" } else { "text" },
        "platform.dev/log-ship": if l.ship.value { "true" } else { "false" },
    })
}

fn network_policy(c: &Chart<'_>, env: Option<&ServiceEnvironment>, database: Option<&Database>) -> Value {
    let s = c.svc;
    let mut from = Vec::new();
    if c.ingress {
        let exposure = s.ingress.as_ref().map_or(Exposure::Internal, |i| i.exposure.value);
        let ns = if c.gateway_api {
            c.org.ingress.gateway_for(exposure).value.split_once('/').map_or("", |(ns, _)| ns).to_owned()
        } else {
            c.org.ingress.controller_namespace_for(exposure).value.clone()
        };
        from.push(ns);
    }
    from.push(c.org.monitoring.prometheus_namespace.value.clone());
    from.dedup();
    let (mut dependents, mut dependencies) = (Vec::new(), Vec::new());
    if let Some(e) = env {
        let scheme = &c.org.environment(e).namespace.value;
        for d in &s.dependents {
            let ns = naming::namespace(scheme, &d.team, &d.service, &e.name.value);
            dependents.push(json!({ "name": naming::k8s_name(&d.service), "namespace": ns }));
        }
        for d in &s.depends_on {
            let ns = naming::namespace(scheme, &d.team, &d.service.value, &e.name.value);
            dependencies.push(json!({ "name": naming::k8s_name(&d.service.value), "namespace": ns, "port": d.port }));
        }
    }
    let db_ports: Vec<u16> = database.map(|d| Engine::port(d.engine.value)).into_iter().collect();
    // Beyond the cluster: the AWS APIs the pod's IAM role calls (STS for IRSA first), then
    // what the service declares, each CIDRs and TCP ports.
    let mut egress = Vec::new();
    if !c.org.egress.aws_apis.is_empty() {
        let cidrs: Vec<&str> = c.org.egress.aws_apis.iter().map(|c| c.value.as_str()).collect();
        egress.push(json!({ "cidrs": cidrs, "ports": [AWS_API_PORT] }));
    }
    egress.extend(s.egress.iter().map(|e| json!({ "cidrs": e.cidrs, "ports": e.ports })));
    json!({
        "ingressNamespaces": from,
        "ingressCidrs": if c.ingress {
            c.org.ingress.load_balancer_cidrs.iter().map(|c| c.value.as_str()).collect()
        } else {
            Vec::new()
        },
        "dependents": dependents,
        "dependencies": dependencies,
        "databasePorts": db_ports,
        "egress": egress,
    })
}

fn rollout(c: &Chart<'_>, org_env: Option<&Environment>) -> Value {
    let enabled = org_env.is_some_and(|e| platform_ir::deploy::canary(c.svc, e).is_some());
    let Some(canary) = &c.svc.deployment.canary else {
        return json!({ "enabled": enabled });
    };
    let steps: Vec<Value> = canary
        .steps
        .iter()
        .map(|st| match st {
            CanaryStep::SetWeight(w) => json!({ "setWeight": w.value }),
            CanaryStep::Pause(d) => json!({ "pause": d.value }),
            CanaryStep::Analysis(_) => json!({ "analysis": true }),
        })
        .collect();
    let mut analysis = json!({
        "interval": canary.analysis_interval.value,
        "count": ANALYSIS_COUNT,
        "failureLimit": canary.failure_limit.value,
        "maxErrorRatio": max_error_ratio(c),
        "prometheusUrl": c.org.monitoring.prometheus_url.value,
    });
    // The query itself, or what fills the library's (`crate::canary_query`).
    match &c.library_query {
        Some(min) => analysis[crate::canary_query::MIN_REQUESTS_KEY] = json!(min),
        None => {
            analysis["query"] = json!(crate::canary_query::query(
                &c.svc.name.value,
                &c.svc.monitoring.metrics,
                canary.min_requests.value
            ))
        }
    }
    json!({
        "enabled": enabled,
        "automaticRollback": c.svc.deployment.rollback.value == Rollback::Automatic,
        "steps": steps,
        // A first weight a person picked for one deploy (`platform deploy --canary 5%`, set by
        // the deploy job); 0: the steps as written. At most the first step's weight, by
        // `platform_ir::deploy::first_weight`.
        "firstWeight": 0,
        "analysis": analysis,
    })
}

/// The highest error ratio a canary may show: the threshold of the fastest-burning page
/// window of the org's catalog (14.4 × the budget for the default 30-day catalog), or of
/// any window if none pages; the budget itself if the catalog is empty.
///
/// Always a plain decimal: it becomes the number in Argo's `successCondition`
/// (`result[0] <= 0.0144`), so a threshold without a finite decimal (a 28-day period gives
/// `7 / 7500`) is rounded down to [`MAX_ERROR_RATIO_SCALE`] places, which only makes the
/// canary stricter.
pub fn max_error_ratio(c: &Chart<'_>) -> String {
    let Some(objective) = c.svc.monitoring.slo.as_ref().map(|s| s.value) else { return "0".into() };
    let days = c.org.monitoring.slo_period_days.value;
    let windows = &c.org.monitoring.windows;
    let pages: Vec<_> = windows.iter().filter(|w| w.severity.value == "page").collect();
    let pool = if pages.is_empty() { windows.iter().collect() } else { pages };
    let best = pool.into_iter().max_by(|a, b| {
        let (fa, fb) = (slo::burn_factor(days, a), slo::burn_factor(days, b));
        (fa.num * fb.den).cmp(&(fb.num * fa.den))
    });
    match best {
        Some(w) => slo::burn_threshold(days, w, objective).decimal_at_most(MAX_ERROR_RATIO_SCALE),
        None => objective.complement().to_string(),
    }
}

fn ingress(c: &Chart<'_>, env: Option<&ServiceEnvironment>) -> Value {
    let i = c.svc.ingress.as_ref();
    let host = match env {
        Some(e) => e.host.as_ref().map_or(String::new(), |h| h.value.clone()),
        None => i.and_then(|i| i.host.as_ref()).map_or(String::new(), |h| h.value.clone()),
    };
    let paths: Vec<&str> = i.map(|i| i.paths.iter().map(|p| p.value.as_str()).collect()).unwrap_or_default();
    let exposed = i.map_or(Exposure::Internal, |i| i.exposure.value);
    let exposure = match exposed {
        Exposure::Public => "public",
        Exposure::Internal => "internal",
    };
    if c.gateway_api {
        let (ns, name) = c.org.ingress.gateway_for(exposed).value.split_once('/').unwrap_or(("", ""));
        return json!({
            "host": host,
            "exposure": exposure,
            "paths": paths,
            "gateway": { "namespace": ns, "name": name },
        });
    }
    // TLS from one place: cert-manager's Secret, or the load balancer's ACM certificate
    // (found by the host; the Ingress names no Secret and no issuer).
    let issuer = match c.org.ingress.tls.value {
        platform_ir::TlsSource::CertManager => c.org.ingress.cluster_issuer.value.as_str(),
        platform_ir::TlsSource::Acm => "",
    };
    json!({
        "host": host,
        "exposure": exposure,
        "paths": paths,
        "className": c.org.ingress.class_for(exposed).value,
        "clusterIssuer": issuer,
    })
}

fn external_secrets(c: &Chart<'_>, env: Option<&ServiceEnvironment>, database: Option<&Database>) -> Value {
    let name = &c.svc.name.value;
    let mut secrets = Vec::new();
    if let Some(e) = env {
        let env_name = &e.name.value;
        for sec in &c.svc.secrets {
            secrets.push(json!({
                "name": naming::k8s_secret_name(name, &sec.name.value),
                "remoteKey": naming::secret_name(c.svc.aws_identity(), env_name, &sec.name.value),
                "json": false,
            }));
        }
        if database.is_some() {
            secrets.push(json!({
                "name": naming::k8s_database_secret_name(name),
                "remoteKey": naming::database_secret_name(c.svc.aws_identity(), env_name),
                "json": true,
            }));
        }
    }
    json!({
        "store": { "kind": "ClusterSecretStore", "name": c.org.secret_store.value },
        "refreshInterval": SECRET_REFRESH,
        "secrets": secrets,
    })
}

/// The keys of `full` that differ from `base` (maps compared key by key, everything else
/// whole), plus the top-level `always` keys; in `full`'s key order.
fn diff(base: &Value, full: &Value, always: &[&str]) -> Map<String, Value> {
    let mut out = Map::new();
    let (Value::Object(b), Value::Object(f)) = (base, full) else { return out };
    for (k, fv) in f {
        let bv = b.get(k);
        if always.contains(&k.as_str()) {
            out.insert(k.clone(), fv.clone());
            continue;
        }
        match (bv, fv) {
            (Some(bv), fv) if bv == fv => {}
            (Some(bv @ Value::Object(_)), Value::Object(_)) => {
                let sub = diff(bv, fv, &[]);
                if !sub.is_empty() {
                    out.insert(k.clone(), Value::Object(sub));
                }
            }
            _ => {
                out.insert(k.clone(), fv.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::diff;
    use serde_json::json;

    #[test]
    fn environment_files_hold_only_what_differs() {
        let base = json!({"a": 1, "m": {"x": 1, "y": [1]}, "keep": 2, "l": [1, 2]});
        let full = json!({"a": 1, "m": {"x": 1, "y": [1, 2]}, "keep": 2, "l": [1, 2], "new": {}});
        assert_eq!(
            serde_json::Value::Object(diff(&base, &full, &["keep"])),
            json!({"m": {"y": [1, 2]}, "keep": 2, "new": {}})
        );
    }
}
