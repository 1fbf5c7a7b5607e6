//! Where a service runs in one environment, and the `kubectl` commands that read it: its
//! workload's state, its pods' logs, and its SLO's error budget through the cluster's own
//! Prometheus (the API server's service proxy: no port-forward, no address outside the
//! cluster).
//!
//! Every name comes from the resolved IR by the rules the chart and the deploy use: the
//! release is the service's name, the pods carry the chart's selector labels, the namespace
//! is the environment's, the kube context is the cluster's ARN as `aws eks
//! update-kubeconfig` names it ([`naming::eks_context`]).

use platform_ir::{Org, Service, deploy, naming};
use serde_json::Value;

use crate::Refused;
use crate::tool::{Command, KUBECTL};

/// The service in one environment.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Place {
    /// The environment.
    pub environment: String,
    /// The kube context (the cluster's ARN).
    pub context: String,
    /// The EKS cluster.
    pub cluster: String,
    /// Its region.
    pub region: String,
    /// The namespace.
    pub namespace: String,
    /// The Helm release, and the workload's name.
    pub release: String,
    /// The pods' label selector.
    pub selector: String,
    /// Whether the workload is an Argo Rollout (a canary runs here) or a Deployment.
    pub rollout: bool,
}

impl Place {
    /// What to run when the context is missing or stale.
    pub fn connect_help(&self) -> String {
        format!(
            "run `aws eks update-kubeconfig --name {} --region {}` (after `aws sso login`)",
            self.cluster, self.region
        )
    }
}

/// Where `svc` runs in `environment`.
pub fn place(org: &Org, svc: &Service, environment: &str) -> Result<Place, Refused> {
    let name = &svc.name.value;
    let env = crate::environment(svc, environment, "one of")?;
    let oe = org.environment(env);
    Ok(Place {
        environment: environment.to_owned(),
        context: naming::eks_context(&oe.aws_account.value, &oe.aws_region.value, &oe.cluster.value),
        cluster: oe.cluster.value.clone(),
        region: oe.aws_region.value.clone(),
        namespace: env.namespace.clone(),
        release: name.clone(),
        selector: format!("app.kubernetes.io/name={},app.kubernetes.io/instance={name}", naming::k8s_name(name)),
        rollout: deploy::canary(svc, oe).is_some(),
    })
}

fn kubectl(p: &Place, args: &[&str]) -> Command {
    let mut all = vec!["--context".to_owned(), p.context.clone(), "--namespace".into(), p.namespace.clone()];
    all.extend(args.iter().map(|a| (*a).to_owned()));
    Command::new(&KUBECTL, all)
}

/// `kubectl get rollout|deployment RELEASE -o json`.
pub fn workload_command(p: &Place) -> Command {
    kubectl(p, &["get", if p.rollout { "rollout" } else { "deployment" }, &p.release, "--output", "json"])
}

/// The pod-template hash of the Rollout's current (canary) pods.
pub fn canary_hash_command(p: &Place) -> Command {
    kubectl(p, &["get", "rollout", &p.release, "--output", "jsonpath={.status.currentPodHash}"])
}

/// What `platform logs` asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Logs {
    /// `--since` as kubectl takes it (`1h`).
    pub since: Option<String>,
    /// Keep streaming.
    pub follow: bool,
    /// One container, not all.
    pub container: Option<String>,
    /// Only the pods with this pod-template hash (the canary's).
    pub hash: Option<String>,
}

/// `kubectl logs` of the service's pods.
pub fn logs_command(p: &Place, l: &Logs) -> Command {
    let mut selector = p.selector.clone();
    if let Some(h) = &l.hash {
        selector.push_str(&format!(",rollouts-pod-template-hash={h}"));
    }
    let mut args: Vec<String> =
        ["logs", "--selector", &selector, "--prefix", "--max-log-requests", "20"].map(str::to_owned).to_vec();
    match &l.container {
        Some(c) => args.extend(["--container".to_owned(), c.clone()]),
        None => args.push("--all-containers".into()),
    }
    if let Some(s) = &l.since {
        args.extend(["--since".to_owned(), s.clone()]);
    }
    if l.follow {
        args.push("--follow".into());
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    kubectl(p, &refs)
}

/// The Prometheus `url` points at, as a service in the cluster (`http://NAME.NS.svc:PORT`).
pub fn prometheus_service(url: &str) -> Option<(String, String, String)> {
    let rest = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://"))?;
    let (host, port) = rest.trim_end_matches('/').split_once(':').unwrap_or((rest.trim_end_matches('/'), "80"));
    let mut parts = host.split('.');
    let (name, ns, svc) = (parts.next()?, parts.next()?, parts.next()?);
    let port: String = port.chars().take_while(char::is_ascii_digit).collect();
    (svc == "svc" && !name.is_empty() && !ns.is_empty() && !port.is_empty())
        .then(|| (name.to_owned(), ns.to_owned(), port))
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `kubectl get --raw` of an instant query to the cluster's Prometheus, through the API
/// server's service proxy (`None`: the org's Prometheus URL is not a service in the cluster).
pub fn prometheus_query_command(p: &Place, prometheus_url: &str, query: &str) -> Option<Command> {
    let (name, ns, port) = prometheus_service(prometheus_url)?;
    let path = format!("/api/v1/namespaces/{ns}/services/{name}:{port}/proxy/api/v1/query?query={}", encode(query));
    Some(Command::new(&KUBECTL, ["--context".to_owned(), p.context.clone(), "get".into(), "--raw".into(), path]))
}

/// The SLO figures `status` shows, as recorded by the service's rules.
pub fn budget_queries(service: &str) -> [(&'static str, String); 2] {
    let sel = format!("{{{}=\"{service}\"}}", platform_ir::slo::SERVICE_LABEL);
    [
        ("burn rate (5m)", format!("max(slo:current_burn_rate:ratio{sel})")),
        ("error budget left", format!("min(slo:period_error_budget_remaining:ratio{sel})")),
    ]
}

/// The first value of an instant query's answer.
pub fn query_value(answer: &str) -> Option<f64> {
    let v: Value = serde_json::from_str(answer).ok()?;
    v["data"]["result"].get(0)?["value"].get(1)?.as_str()?.parse().ok()
}

/// A workload's state, as `status` shows it.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct State {
    /// `Rollout` or `Deployment`.
    pub kind: String,
    /// The image's tag (the git sha the build tagged it with).
    pub tag: Option<String>,
    /// Ready (available) pods.
    pub ready: u64,
    /// Pods wanted.
    pub replicas: u64,
    /// A Rollout's phase (`Healthy`, `Progressing`, `Paused`, `Degraded`).
    pub phase: Option<String>,
    /// A Rollout's current step, and how many there are.
    pub step: Option<(u64, u64)>,
    /// The canary's traffic weight, in percent.
    pub canary_weight: Option<u64>,
    /// Why, when the controller says.
    pub message: Option<String>,
}

/// Read `kubectl get … -o json`.
pub fn state(json: &str) -> Option<State> {
    let v: Value = serde_json::from_str(json).ok()?;
    let image = v["spec"]["template"]["spec"]["containers"].get(0)?["image"].as_str()?;
    let tag = image.rsplit_once('/').map_or(image, |(_, last)| last).split_once(':').map(|(_, t)| t.to_owned());
    let n = |x: &Value| x.as_u64().unwrap_or(0);
    let rollout = v["kind"] == "Rollout";
    let text = |x: &Value| x.as_str().filter(|s| !s.is_empty()).map(str::to_owned);
    Some(State {
        kind: v["kind"].as_str().unwrap_or_default().to_owned(),
        tag,
        ready: n(if rollout { &v["status"]["availableReplicas"] } else { &v["status"]["readyReplicas"] }),
        replicas: n(&v["spec"]["replicas"]),
        phase: text(&v["status"]["phase"]),
        step: rollout
            .then(|| v["spec"]["strategy"]["canary"]["steps"].as_array().map(Vec::len))
            .flatten()
            .map(|total| (n(&v["status"]["currentStepIndex"]), total as u64)),
        canary_weight: v["status"]["canary"]["weights"]["canary"]["weight"].as_u64(),
        message: text(&v["status"]["message"]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_in_cluster_prometheus_is_reached_through_the_service_proxy() {
        assert_eq!(
            prometheus_service("http://prometheus-operated.monitoring.svc:9090"),
            Some(("prometheus-operated".into(), "monitoring".into(), "9090".into()))
        );
        assert_eq!(prometheus_service("https://prometheus.example.com"), None);
        assert_eq!(encode("a{b=\"c\"}"), "a%7Bb%3D%22c%22%7D");
    }

    #[test]
    fn a_rollout_reads_as_its_tag_phase_step_and_weight() {
        let json = r#"{"kind":"Rollout","spec":{"replicas":3,"strategy":{"canary":{"steps":[{},{},{}]}},
            "template":{"spec":{"containers":[{"image":"registry:5000/org/api:0123abc"}]}}},
            "status":{"availableReplicas":3,"phase":"Paused","currentStepIndex":1,
            "canary":{"weights":{"canary":{"weight":10}}},"message":"CanaryPauseStep"}}"#;
        let s = state(json).unwrap();
        assert_eq!(s.tag.as_deref(), Some("0123abc"));
        assert_eq!((s.ready, s.replicas, s.step, s.canary_weight), (3, 3, Some((1, 3)), Some(10)));
        assert_eq!(s.phase.as_deref(), Some("Paused"));
        assert_eq!(query_value(r#"{"data":{"result":[{"value":[1,"0.25"]}]}}"#), Some(0.25));
    }
}
