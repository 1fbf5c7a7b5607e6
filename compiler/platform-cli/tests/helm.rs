//! The Helm charts under real Helm (the Helm v4 SDK of the conformance toolchain, when it is
//! installed in `.tools/`): every chart of every ok case and example lints in strict mode
//! and renders with its defaults and with each `values-<env>.yaml`; what a user wrote comes
//! out of the rendered manifests byte for byte (plain env values, the chart description, the
//! SLO rules embedded as escaped literal text, Argo's `{{args.namespace}}` and
//! `{{args.canary-hash}}` in the canary query, which the Rollout sets to the release
//! namespace and the canary's pod-template hash; a canary weight picked for one deploy,
//! `rollout.firstWeight`, replaces the first weight and keeps every other step); and
//! `values.schema.json` rejects
//! a wrong type and an unknown key. Every service is also built packaged
//! (`spec.packages.mode: packaged`): its chart, whose objects come from the org's library
//! chart through `helm dependency build` (offline, `file://`), renders exactly the objects
//! and the install notes of the vendored chart with every values file (its SLO rules also
//! record the series the org's shared dashboard lists services by, and alerts link to that
//! dashboard). Without the toolchain the test says so and
//! checks nothing.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use platform_ir::slo::{self, RuleGroup};
use platform_ir::{EnvVar, Packaging, naming};
use serde_json::{Map, Value, json};
use support::*;

/// Lints, renders and compares; prints one line per problem and exits 1 if there is any.
const SCRIPT: &str = r#"
import json, sys, yaml
import helm_python as helm

class NoDup(yaml.SafeLoader):
    pass
def _mapping(loader, node, deep=False):
    keys = [loader.construct_object(k, deep=deep) for k, _ in node.value]
    if len(keys) != len(set(keys)):
        raise yaml.constructor.ConstructorError(None, None, "duplicate key", node.start_mark)
    return loader.construct_mapping(node, deep=deep)
NoDup.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)

spec = json.load(open(sys.argv[1]))
problems = []
def problem(where, what):
    problems.append(f"{where}: {what}")

def render(chart, values, name):
    with helm.Chart.load(chart) as c:
        c.validate_schema(values)
        out = c.render(values, name=name, namespace=name, is_install=True)
    docs = []
    for tpl in sorted(out):
        if tpl.endswith(".yaml") and out[tpl].strip():
            docs.extend(d for d in yaml.load_all(out[tpl], Loader=NoDup) if d)
    return docs

def install_notes(chart, values, name):
    with helm.Chart.load(chart) as c:
        out = c.render(values, name=name, namespace=name, is_install=True)
    return [out[t] for t in out if t.endswith("NOTES.txt")]

def canonical(docs):
    return sorted(json.dumps(d, sort_keys=True) for d in docs)

def library_view(docs):
    # What packaging may change in the rules: a packaged org's services share one dashboard,
    # so their rules also record the info series it lists them by, and alerts link to it.
    out = []
    for d in docs:
        if d.get("kind") == "PrometheusRule":
            d = json.loads(json.dumps(d))
            groups = [g for g in d["spec"]["groups"] if not g["name"].startswith("platform-info-")]
            for r in (r for g in groups for r in g["rules"]):
                r.get("annotations", {}).pop("dashboard", None)
            d["spec"]["groups"] = groups
            if not groups:
                continue
        out.append(d)
    return canonical(out)

for svc in spec["services"]:
    chart, name = svc["chart"], svc["name"]
    packaged = svc["packaged"]
    try:
        helm.dependency_build(chart)  # a no-op unless the case itself is packaged
        helm.dependency_build(packaged)
    except helm.HelmError as e:
        problem(packaged, f"helm dependency build: {e}")
        continue
    with open(f"{chart}/Chart.yaml") as fh:
        desc = yaml.safe_load(fh)["description"]
    if desc != svc["description"]:
        problem(chart, f"Chart.yaml description {desc!r} != {svc['description']!r}")
    with open(f"{chart}/values.yaml") as fh:
        base_values = yaml.safe_load(fh)
    reloads = base_values.get("secretReload") == "reloader"
    pull = base_values.get("imagePullSecrets", [])
    for env, expected_env in svc["environments"].items():
        values = None
        if env:
            with open(f"{chart}/values-{env}.yaml") as fh:
                values = yaml.safe_load(fh)
        where = f"{chart} ({env or 'defaults'})"
        report = helm.lint(chart, values, strict=True, namespace=name, kube_version="v1.31.0")
        for m in report.get("messages", []):
            if m.get("severity", 0) >= 2:
                problem(where, f"helm lint: {m.get('path', '')}: {m.get('error', '').strip()}")
        try:
            docs = render(chart, values, name)
        except Exception as e:
            problem(where, f"render failed: {type(e).__name__}: {e}")
            continue
        report = helm.lint(packaged, values, strict=True, namespace=name, kube_version="v1.31.0")
        for m in report.get("messages", []):
            if m.get("severity", 0) >= 2:
                problem(f"{packaged} ({env or 'defaults'})", f"helm lint: {m.get('path', '')}: {m.get('error', '').strip()}")
        try:
            if library_view(render(packaged, values, name)) != library_view(docs):
                problem(where, "the packaged chart renders other objects than the vendored one")
            if install_notes(packaged, values, name) != install_notes(chart, values, name):
                problem(where, "the packaged chart's install notes differ from the vendored ones")
        except Exception as e:
            problem(where, f"packaged render failed: {type(e).__name__}: {e}")
        kinds = [d["kind"] for d in docs]
        if ("Rollout" in kinds) != ("AnalysisTemplate" in kinds):
            problem(where, "the Rollout and its AnalysisTemplate do not render together: without Argo's CRDs an AnalysisTemplate alone fails the upgrade")
        workloads = [d for d in docs if d["kind"] in ("Deployment", "Rollout")]
        if len(workloads) != 1:
            problem(where, f"{len(workloads)} workloads")
            continue
        containers = workloads[0]["spec"]["template"]["spec"]["containers"]
        plain = {e["name"]: e["value"] for e in containers[0].get("env", []) if "value" in e}
        if plain != expected_env:
            problem(where, f"env {plain!r} != {expected_env!r}")
        # A rotated secret reaches running pods: Reloader restarts them when a Secret they read
        # changes, a Rollout in place (never through a canary).
        read = []
        for e in containers[0].get("env", []):
            ref = e.get("valueFrom", {}).get("secretKeyRef")
            if ref and ref["name"] not in read:
                read.append(ref["name"])
        notes = workloads[0]["metadata"].get("annotations", {})
        # Every pod reaches DNS and the AWS APIs its IAM role calls (HTTPS to an ipBlock).
        for np in (d for d in docs if d["kind"] == "NetworkPolicy"):
            rules = np["spec"].get("egress", [])
            dns = any(p.get("port") == 53 for r in rules for p in r.get("ports", []))
            aws = any(
                any("ipBlock" in t for t in r.get("to", [])) and any(p.get("port") == 443 for p in r.get("ports", []))
                for r in rules
            )
            if not (dns and aws):
                problem(where, f"the NetworkPolicy admits no DNS or no AWS APIs: {rules!r}")
        # Every pod pulls its image with the org's pull Secret (a private registry).
        pod = workloads[0]["spec"]["template"]["spec"]
        if pod.get("imagePullSecrets", []) != pull:
            problem(where, f"the pods pull with {pod.get('imagePullSecrets')!r}, not {pull!r}")
        if not reloads:
            read = []
        if read and notes.get("secret.reloader.stakater.com/reload") != ",".join(read):
            problem(where, f"a change of the Secrets {read} does not restart the pods: {notes!r}")
        if read and workloads[0]["kind"] == "Rollout" and notes.get("reloader.stakater.com/rollout-strategy") != "restart":
            problem(where, "a changed Secret would restart the Rollout through a canary")
        for d in docs:
            if d["kind"] == "AnalysisTemplate":
                q = d["spec"]["metrics"][0]["provider"]["prometheus"]["query"]
                scoped = q.count('namespace="{{args.namespace}}"')
                canary = q.count('rollouts_pod_template_hash="{{args.canary-hash}}"')
                args = [{"name": "namespace"}, {"name": "canary-hash"}]
                if scoped == 0 or scoped != q.count('service="') or d["spec"].get("args") != args:
                    problem(where, "the AnalysisTemplate's query does not select Argo's {{args.namespace}}")
                if canary != scoped:
                    problem(where, "the AnalysisTemplate's query reads pods other than the canary's")
            if d["kind"] == "Rollout":
                args = [
                    {"name": "namespace", "value": name},
                    {"name": "canary-hash", "valueFrom": {"podTemplateHashValue": "Latest"}},
                ]
                steps = d["spec"]["strategy"]["canary"]["steps"]
                for step in steps:
                    if "analysis" in step and step["analysis"].get("args") != args:
                        problem(where, "a Rollout analysis step does not pass the release namespace and canary hash")
                # `platform deploy --canary 1%`: the deploy sets rollout.firstWeight, which
                # replaces the first weight only and keeps every other step.
                picked = dict(values or {})
                picked["rollout"] = dict(picked.get("rollout", {}), firstWeight=1)
                again = [x for x in render(chart, picked, name) if x["kind"] == "Rollout"][0]
                new_steps = again["spec"]["strategy"]["canary"]["steps"]
                first = next(i for i, st in enumerate(steps) if "setWeight" in st)
                want = steps[:first] + [{"setWeight": 1}] + steps[first + 1:]
                if new_steps != want:
                    problem(where, f"rollout.firstWeight=1 renders the steps {new_steps!r}, not {want!r}")
        rules = [d for d in docs if d["kind"] == "PrometheusRule"]
        groups = rules[0]["spec"]["groups"] if rules else []
        if groups != svc["groups"][env]:
            problem(where, "PrometheusRule groups differ from slo::rule_groups of the environment")
        for rule in (r for g in groups for r in g["rules"] if "alert" in r):
            if env and rule["labels"].get("environment") != env:
                problem(where, f"alert {rule['alert']} does not carry environment={env}")
    with open(f"{chart}/values.yaml") as fh:
        base = yaml.safe_load(fh)
    if "podSecurityGroups" in base:
        sgs = ["sg-0123456789abcdef0", "sg-0fedcba987654321f"]
        policies = [d for d in render(chart, {"podSecurityGroups": sgs}, name) if d["kind"] == "SecurityGroupPolicy"]
        if len(policies) != 1 or policies[0]["spec"]["securityGroups"]["groupIds"] != sgs:
            problem(chart, "podSecurityGroups do not become one SecurityGroupPolicy")
    if svc["schema_checks"]:
        for bad in ({"replicaCount": "abc"}, {"replicaCuont": 3}, {"image": {"tag": "x", "extra": 1}},
                    {"autoscaling": {"enabled": "yes"}}, {"env": {"BAD NAME": "x"}},
                    {"podSecurityGroups": ["sg-1; rm -rf /"]}):
            try:
                render(chart, bad, name)
                problem(chart, f"values.schema.json accepted {bad!r}")
            except helm.HelmError:
                pass

print(f"checked {len(spec['services'])} charts")
for p in problems:
    print(p)
sys.exit(1 if problems else 0)
"#;

fn env_map(env: &[EnvVar]) -> Value {
    Value::Object(env.iter().map(|e| (e.name.value.clone(), json!(e.value.value))).collect::<Map<_, _>>())
}

/// The rule groups as Prometheus reads them: the oracle for the chart's literal text.
fn groups_json(groups: &[RuleGroup]) -> Value {
    let groups: Vec<Value> = groups
        .iter()
        .map(|g| {
            let rules: Vec<Value> = g
                .rules
                .iter()
                .map(|r| {
                    let mut m = Map::new();
                    for (k, v) in [("record", &r.record), ("alert", &r.alert)] {
                        if let Some(v) = v {
                            m.insert(k.into(), json!(v));
                        }
                    }
                    m.insert("expr".into(), json!(r.expr));
                    if let Some(f) = &r.for_ {
                        m.insert("for".into(), json!(f));
                    }
                    if !r.labels.is_empty() {
                        m.insert("labels".into(), json!(r.labels));
                    }
                    if !r.annotations.is_empty() {
                        m.insert("annotations".into(), json!(r.annotations));
                    }
                    Value::Object(m)
                })
                .collect();
            let mut m = Map::new();
            m.insert("name".into(), json!(g.name));
            if let Some(i) = &g.interval {
                m.insert("interval".into(), json!(i));
            }
            m.insert("rules".into(), Value::Array(rules));
            Value::Object(m)
        })
        .collect();
    Value::Array(groups)
}

/// Offline, the org's chart repository (`spec.packages.charts`) is the library chart the same
/// build writes as a package: the charts under `tree` are pointed at it, as `helm dependency
/// build` would find it in the registry.
fn serve_library(fe: &platform_driver::Frontend, tree: &Path, registry: &Path) {
    let Some(oci) = fe.org.as_ref().and_then(|o| o.packages.charts.as_ref()) else { return };
    let (packages, _) = build_packages(fe);
    write_tree(registry, &packages.into_iter().filter(|(p, _)| p.starts_with("helm/")).collect());
    let library = registry.join("helm/platform-service");
    for chart in files(tree, "/Chart.yaml") {
        let text = std::fs::read_to_string(&chart).unwrap();
        let local = format!("repository: file://{}", library.display());
        std::fs::write(&chart, text.replace(&format!("repository: {}", oci.value), &local)).unwrap();
    }
}

#[test]
#[allow(clippy::print_stderr)]
fn charts_lint_render_and_keep_user_text_inert() {
    let python = repo().join(".tools/venv/bin/python");
    let have_helm = python.is_file()
        && Command::new(&python).args(["-c", "import helm_python"]).output().is_ok_and(|o| o.status.success());
    if !have_helm {
        eprintln!("helm test: no conformance toolchain in .tools/ (bash conformance/setup.sh); nothing checked");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut inputs: Vec<_> = cases(&repo().join("golden-tests/ok")).into_iter().map(|c| c.join("input")).collect();
    inputs.extend(cases(&repo().join("examples")));
    let mut services = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let fe = load(input);
        assert!(!fe.has_errors(), "{}: has errors", input.display());
        let (files, _) = build(&fe);
        let out = tmp.path().join(i.to_string());
        let helm: BTreeMap<String, Vec<u8>> = files.into_iter().filter(|(p, _)| p.contains("/helm/")).collect();
        write_tree(&out, &helm);
        let mut packaged = load(input);
        packaged.org.as_mut().unwrap().packages.mode.value = Packaging::Packaged;
        let packaged_out = tmp.path().join(format!("{i}-packaged"));
        let (files, _) = build(&packaged);
        write_tree(&packaged_out, &files.into_iter().filter(|(p, _)| p.contains("/helm/")).collect());
        let registry = tmp.path().join(format!("{i}-registry"));
        serve_library(&fe, &out, &registry);
        serve_library(&packaged, &packaged_out, &registry);
        let org = fe.org.as_ref().unwrap();
        for svc in &fe.services {
            let name = naming::k8s_name(&svc.name.value);
            let chart = out.join(&svc.name.value).join("helm").join(&name);
            let mut envs = Map::new();
            let mut groups = Map::new();
            envs.insert(String::new(), env_map(&svc.runtime.env));
            groups.insert(String::new(), groups_json(&slo::rule_groups(org, svc, None)));
            for e in &svc.environments {
                envs.insert(e.name.value.clone(), env_map(&e.runtime.env));
                groups.insert(e.name.value.clone(), groups_json(&slo::rule_groups(org, svc, Some(org.environment(e)))));
            }
            services.push(json!({
                "chart": chart.to_string_lossy(),
                "packaged": packaged_out.join(&svc.name.value).join("helm").join(&name).to_string_lossy(),
                "name": name,
                "description": svc.description.value,
                "environments": envs,
                "groups": groups,
                "schema_checks": services.is_empty() || ["quoted-api", "payment-api"].contains(&svc.name.value.as_str()),
            }));
        }
    }
    assert!(services.iter().any(|s| s["name"] == "quoted-api"), "the hostile-strings case is missing");
    let spec = tmp.path().join("spec.json");
    std::fs::write(&spec, serde_json::to_vec(&json!({ "services": services })).unwrap()).unwrap();
    let out = Command::new(&python).args(["-c", SCRIPT]).arg(&spec).current_dir(Path::new(&repo())).output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "real Helm disagrees:\n{text}");
}
