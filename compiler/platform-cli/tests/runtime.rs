//! Runtime contracts over every generated tree (the golden ok trees, which the examples'
//! builds match): what a real deploy relies on that no static validator sees. Each test
//! names the contract; the book's "What a deploy relies on" chapter lists them.

mod support;

use std::path::{Path, PathBuf};

use support::files;

/// The CI deploy module of the service in `dir` of `tree`: its own (`terraform/ci-deploy/`),
/// or the org's shared one (`_org/terraform/modules/ci-deploy/`) with the service's call of
/// it in the org root (the call holds its names, session and `features`); empty when the
/// service has no Terraform.
fn deploy_module(tree: &Path, dir: &Path) -> (String, Option<String>) {
    let own = dir.join("terraform/ci-deploy/main.tf");
    let shared = tree.join("_org/terraform/modules/ci-deploy/main.tf");
    if own.is_file() || !shared.is_file() || !dir.join("terraform/main.tf").is_file() {
        return (std::fs::read_to_string(own).unwrap_or_default(), None);
    }
    let label = dir.file_name().unwrap().to_string_lossy().replace('-', "_");
    let org = std::fs::read_to_string(tree.join("_org/terraform/main.tf")).unwrap();
    let call = org.split(&format!("\nmodule \"{label}\" {{\n")).nth(1).and_then(|c| c.split("\n}\n").next());
    (std::fs::read_to_string(shared).unwrap(), call.map(str::to_owned))
}

/// Whether the service's CI deploy module creates its KMS key.
fn creates_key(module: &(String, Option<String>)) -> bool {
    match &module.1 {
        Some(call) => {
            call.lines().any(|l| l.split_once('=').is_some_and(|(k, v)| k.trim() == "key" && v.trim() == "true"))
        }
        None => module.0.contains("resource \"aws_kms_key\""),
    }
}

fn trees() -> Vec<PathBuf> {
    support::cases(&support::repo().join("golden-tests/ok")).into_iter().map(|c| c.join("expected")).collect()
}

/// The directory of a golden tree's reusable workflows: `_org/github-actions/workflows/`, or
/// the workflows repository of its org packages (`spec.packages.workflows`).
fn org_flows(tree: &Path) -> PathBuf {
    let here = tree.join("_org/github-actions/workflows");
    if here.join("platform-deploy.yml").is_file() {
        return here;
    }
    tree.with_file_name("expected-packages").join("github-actions/.github/workflows")
}

/// Helm 4's default `--wait` (the kstatus watcher) reads an Argo Rollout as `Unknown` until
/// the timeout, so a production canary deploy hangs and is rolled back (helm/helm#32615).
/// Contract: every `helm upgrade` and `helm rollback` waits with `--wait="${HELM_WAIT}"`,
/// and `HELM_WAIT` is `legacy` in every workflow that sets up Helm 4 (`true` for Helm 3).
#[test]
fn helm_never_waits_with_the_kstatus_watcher() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for tree in trees() {
        for wf in files(&tree, ".yml") {
            let text = std::fs::read_to_string(&wf).unwrap();
            if !text.contains("helm upgrade") && !text.contains("helm rollback") {
                continue;
            }
            checked += 1;
            let at = wf.strip_prefix(support::repo()).unwrap_or(&wf).display().to_string();
            for (i, line) in text.lines().enumerate() {
                let mut rest = line;
                while let Some(pos) = rest.find("--wait") {
                    rest = &rest[pos + "--wait".len()..];
                    if !rest.starts_with("=\"${HELM_WAIT}\"") {
                        problems.push(format!("{at}:{}: helm waits without the strategy: {}", i + 1, line.trim()));
                    }
                }
            }
            let helm_major = text
                .lines()
                .skip_while(|l| !l.contains("azure/setup-helm"))
                .find_map(|l| l.trim().strip_prefix("version: v"))
                .and_then(|v| v.split('.').next()?.parse::<u32>().ok());
            let want = match helm_major {
                Some(m) if m < 4 => "true",
                Some(_) => "legacy",
                None => {
                    problems.push(format!("{at}: runs helm but sets up no pinned Helm version"));
                    continue;
                }
            };
            let waits: Vec<&str> = text.lines().filter_map(|l| l.trim().strip_prefix("HELM_WAIT: ")).collect();
            if waits.is_empty() || waits.iter().any(|w| *w != want) {
                problems.push(format!("{at}: HELM_WAIT is {waits:?}, expected {want} for Helm {helm_major:?}"));
            }
        }
    }
    assert!(checked > 0, "no workflow runs helm");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// RDS retires PostgreSQL minors: a default naming one fails `terraform apply` for every new
/// service, and `auto_minor_version_upgrade = false` keeps live ones on retiring minors until
/// RDS upgrades them forcibly. A major upgrade through `platform.yaml` must apply.
/// Contract: every RDS instance lets minors upgrade as its variable says (a major version
/// alone) and allows a major upgrade; its parameter group is named with its family and made
/// before the old one goes; no built-in default is a retired minor (per the RDS for
/// PostgreSQL release calendar, checked 2026-12).
#[test]
fn postgres_versions_can_be_created_and_upgraded() {
    const RETIRED: &[&str] = &[
        "14.14", "14.15", "14.16", "14.17", "15.8", "15.9", "15.10", "15.11", "15.12", "16.4", "16.5", "16.6", "16.7",
        "16.8", "17.1", "17.2", "17.3", "17.4",
    ];
    let defaults = platform_compiler::defaults::BUILTIN;
    for v in RETIRED {
        assert!(!defaults.contains(&format!("\"{v}\"")), "the built-in defaults name the retired PostgreSQL {v}");
    }
    let mut problems = Vec::new();
    let mut checked = 0;
    for tree in trees() {
        for tf in files(&tree, "main.tf") {
            let text = std::fs::read_to_string(&tf).unwrap();
            let Some(start) = text.find("resource \"aws_db_instance\"") else { continue };
            checked += 1;
            let at = tf.strip_prefix(support::repo()).unwrap_or(&tf).display().to_string();
            let db = &text[start..text[start..].find("\n}\n").map_or(text.len(), |e| start + e)];
            for want in [
                "auto_minor_version_upgrade  = var.database.auto_minor_version_upgrade",
                "allow_major_version_upgrade = true",
            ] {
                if !db.contains(want) {
                    problems.push(format!("{at}: the instance lacks `{want}`"));
                }
            }
            let pg_start = text.find("resource \"aws_db_parameter_group\"").unwrap_or(0);
            let pg = &text[pg_start..text[pg_start..].find("\n}\n").map_or(text.len(), |e| pg_start + e)];
            if !pg.contains("${var.database.parameter_group_family}\"") || !pg.contains("create_before_destroy = true")
            {
                problems.push(format!("{at}: the parameter group is not named by family and made before destroy"));
            }
        }
    }
    assert!(checked > 0, "no RDS instance in any tree");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The golden path promises "TLS certificates and ingress" from one file: an HTTP service
/// that writes no `ingress:` still gets one (internal, TLS from the org's issuer), and a
/// worker opts out with `ingress: {enabled: false}`.
/// Contract: the seed service renders an Ingress with TLS in every environment; every chart
/// with an Ingress template gives it a host in every environment and a TLS section.
#[test]
fn http_services_get_an_ingress_with_tls() {
    let seed = support::repo().join("golden-tests/ok/seed-payment-api/expected/payment-api/helm/payment-api");
    assert!(seed.join("templates/ingress.yaml").is_file(), "the seed service renders no Ingress");
    let mut problems = Vec::new();
    for tree in trees() {
        for tpl in files(&tree, "templates/ingress.yaml") {
            let chart = tpl.parent().and_then(Path::parent).unwrap();
            let at = chart.strip_prefix(support::repo()).unwrap_or(chart).display().to_string();
            if !std::fs::read_to_string(&tpl).unwrap().contains("tls:") {
                problems.push(format!("{at}: the Ingress has no TLS"));
            }
            for values in files(chart, ".yaml").into_iter().filter(|p| {
                p.parent() == Some(chart) && p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("values-"))
            }) {
                let text = std::fs::read_to_string(&values).unwrap();
                let host = text.lines().skip_while(|l| *l != "ingress:").find_map(|l| l.trim().strip_prefix("host: "));
                if host.is_none_or(|h| h.trim_matches('"').is_empty()) {
                    problems.push(format!("{}: no ingress host", values.display()));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A rename or a removed service destroyed data: the next apply dropped the database and
/// scheduled the KMS key's deletion, with no word in review. Two repositories of one org
/// shared the org root's state key and planned to destroy each other's deploy roles.
/// Contract: wherever a tfvars file deletion-protects a database, the data store and the
/// service's KMS key carry `prevent_destroy = true`; every org root's state key names the
/// repository.
#[test]
fn protected_data_is_never_destroyed_by_a_plan() {
    let mut problems = Vec::new();
    let mut protected = 0;
    for tree in trees() {
        for tfvars in files(&tree, ".tfvars") {
            let root = tfvars.parent().unwrap();
            let text = std::fs::read_to_string(&tfvars).unwrap();
            let protects = text.lines().any(|l| {
                let l = l.trim();
                l.starts_with("deletion_protection") && l.split('=').nth(1).is_some_and(|v| v.trim() == "true")
            });
            if !protects {
                continue;
            }
            protected += 1;
            let at = root.strip_prefix(support::repo()).unwrap_or(root).display().to_string();
            let main = std::fs::read_to_string(root.join("main.tf")).unwrap_or_default();
            let module = deploy_module(&tree, root.parent().unwrap());
            let key = &module.0;
            // A packaged org's root calls the org's module of its database, and moves each
            // resource of a root from before into it.
            let store = match database_module(&main) {
                Some(source) => {
                    let dir = root.join(source);
                    for store in ["aws_db_instance.this", "aws_elasticache_replication_group.this"] {
                        let declared = std::fs::read_to_string(dir.join("main.tf")).unwrap_or_default();
                        let (kind, name) = store.split_once('.').unwrap();
                        if declared.contains(&format!("resource \"{kind}\" \"{name}\""))
                            && !main
                                .contains(&format!("moved {{\n  from = {store}\n  to   = module.database.{store}\n}}"))
                        {
                            problems
                                .push(format!("{at}: {store} is not moved into the module, so a switch destroys it"));
                        }
                    }
                    std::fs::read_to_string(dir.join("main.tf")).unwrap_or_default()
                }
                None => main.clone(),
            };
            if !store.contains("prevent_destroy = true") {
                problems.push(format!("{at}: a protected database without prevent_destroy"));
            }
            if creates_key(&module) && !key.contains("prevent_destroy = true") {
                problems.push(format!(
                    "{at}: the key of a protected database (its CI deploy module) without prevent_destroy"
                ));
            }
        }
        for backend in files(&tree.join("_org/terraform"), ".hcl") {
            let text = std::fs::read_to_string(&backend).unwrap();
            let key = text.lines().find_map(|l| l.strip_prefix("key")).unwrap_or_default();
            if key.matches('/').count() < 5 {
                problems.push(format!("{}: the org root's state key names no repository: {key}", backend.display()));
            }
        }
    }
    assert!(protected > 0, "no protected database in any tree");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The source of a root's call of the org's database module (`module "database"`), if any.
fn database_module(main: &str) -> Option<&str> {
    let call = &main[main.find("module \"database\" {")?..];
    let line = call.lines().find_map(|l| l.trim().strip_prefix("source"))?;
    Some(line.trim_start_matches([' ', '=']).trim().trim_matches('"'))
}

/// The databases refuse plain connections (`rds.force_ssl`, ElastiCache in-transit
/// encryption), so an app must be told to speak TLS.
/// Contract: every chart that maps database credentials into the pod maps the TLS setting
/// with them (`sslmode` for PostgreSQL, `tls` for Redis), and the secret holds it.
#[test]
fn apps_are_told_their_database_needs_tls() {
    let mut checked = 0;
    let mut problems = Vec::new();
    for tree in trees() {
        for values in files(&tree, "/values.yaml") {
            let text = std::fs::read_to_string(&values).unwrap();
            if !text.contains("-database\n  key: password") {
                continue;
            }
            checked += 1;
            if !text.contains("key: sslmode") && !text.contains("key: tls") {
                problems.push(format!("{}: database credentials without their TLS setting", values.display()));
            }
        }
        for tfvars_root in files(&tree, "main.tf") {
            let text = std::fs::read_to_string(&tfvars_root).unwrap();
            if text.contains("resource \"aws_secretsmanager_secret_version\" \"database\"")
                && !text.contains("sslmode  = \"require\"")
                && !text.contains("tls      = \"true\"")
            {
                problems.push(format!("{}: the database secret holds no TLS setting", tfvars_root.display()));
            }
        }
    }
    assert!(checked > 0, "no chart maps database credentials");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Terraform creates a declared secret's entry empty; an ExternalSecret cannot sync an
/// empty entry, and the pods reading it wait in `CreateContainerConfigError` until the deploy
/// times out. Contract: the org deploy workflow checks every declared secret for a value
/// before Helm runs, and every service's deploy jobs pass it exactly its declared secrets'
/// names (the ones its chart reads).
#[test]
fn every_declared_secret_is_checked_for_a_value_before_helm() {
    let mut problems = Vec::new();
    let mut services = 0;
    for tree in trees() {
        let deploy = std::fs::read_to_string(org_flows(&tree).join("platform-deploy.yml")).unwrap();
        let (check, helm) =
            (deploy.find("- name: Every declared secret has a value"), deploy.find("- name: Helm upgrade"));
        if !matches!((check, helm), (Some(c), Some(h)) if c < h) {
            problems.push(format!("{}: no secret value check before Helm", tree.display()));
        }
        for values in files(&tree, "/values.yaml") {
            let text = std::fs::read_to_string(&values).unwrap();
            // Declared secrets are the secretEnv entries read from a Secret's `value` key.
            let declared: Vec<&str> = text
                .lines()
                .collect::<Vec<_>>()
                .windows(2)
                .filter(|w| w[1].trim() == "key: value")
                .filter_map(|w| w[0].trim().strip_prefix("secretName: "))
                .collect();
            if declared.is_empty() {
                continue;
            }
            services += 1;
            let service = values.components().rev().nth(3).unwrap().as_os_str().to_string_lossy().into_owned();
            let caller = tree.join(&service).join(format!("github-actions/workflows/{service}.yml"));
            let caller = std::fs::read_to_string(&caller).unwrap_or_default();
            let passed: Vec<&str> = caller.lines().filter_map(|l| l.trim().strip_prefix("secrets: ")).collect();
            if passed.is_empty() || passed.iter().any(|p| p.split(' ').count() != declared.len()) {
                problems
                    .push(format!("{service}: deploy jobs pass {passed:?} for {} declared secrets", declared.len()));
            }
        }
    }
    assert!(services > 0, "no service declares a secret");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Each service's secrets are encrypted with its own KMS key, whose policy trusts only the
/// account's IAM policies; the org's External Secrets role was never granted decrypt on
/// them, so no ExternalSecret of such a service ever synced.
/// Contract: for every service whose chart reads secrets through External Secrets and whose
/// CI deploy module makes a KMS key, the org root grants the secret store's role read on the
/// service's secrets (`<env>/<service>/*`) and decrypt with that key through Secrets Manager.
#[test]
fn the_secret_store_can_read_and_decrypt_every_services_secrets() {
    let mut problems = Vec::new();
    let mut services = 0;
    for tree in trees() {
        let org = std::fs::read_to_string(tree.join("_org/terraform/main.tf")).unwrap_or_default();
        let grant = org.split("data \"aws_iam_policy_document\" \"secret_store\"").nth(1).unwrap_or_default();
        let grant = grant.split("\n}\n").next().unwrap_or_default();
        for values in files(&tree, "/values.yaml") {
            let dir = values.ancestors().nth(3).unwrap();
            let service = dir.file_name().unwrap().to_string_lossy().into_owned();
            let module = deploy_module(&tree, dir);
            // The service part of every remote key the chart reads (`<env>/<service>/<secret>`).
            let mut owners: Vec<String> = files(values.parent().unwrap(), ".yaml")
                .iter()
                .flat_map(|f| {
                    let text = std::fs::read_to_string(f).unwrap();
                    text.lines()
                        .filter_map(|l| l.trim().strip_prefix("remoteKey: "))
                        .filter_map(|k| k.split('/').nth(1).map(str::to_owned))
                        .collect::<Vec<_>>()
                })
                .collect();
            owners.sort();
            owners.dedup();
            if owners.is_empty() || !creates_key(&module) {
                continue;
            }
            services += 1;
            let label = service.replace('-', "_");
            for owner in owners {
                if !grant.contains(&format!(":secret:${{var.environment}}/{owner}/*\"")) {
                    problems.push(format!(
                        "{}: the secret store may not read {service}'s secrets under {owner}/",
                        tree.display()
                    ));
                }
            }
            if !grant.contains(&format!("module.{label}.kms_key_arn")) || !grant.contains("kms:ViaService") {
                problems.push(format!("{}: the secret store may not decrypt {service}'s secrets", tree.display()));
            }
        }
    }
    assert!(services > 0, "no service reads secrets with its own key");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The first deploy of a new service failed: nothing created its namespace, and its deploy
/// role had no access to the cluster (a ticket to the cluster's owners per service).
/// Contract: where the org root grants cluster access, it creates every namespace a service's
/// deploy jobs use in each environment, and each service's deploy role is bound to a Role
/// in that namespace that may manage every kind its chart renders.
#[test]
fn every_deploy_has_its_namespace_and_may_manage_its_charts_kinds() {
    let mut problems = Vec::new();
    let mut services = 0;
    for tree in trees() {
        let org = std::fs::read_to_string(tree.join("_org/terraform/main.tf")).unwrap_or_default();
        if !org.contains("resource \"kubernetes_namespace_v1\"") {
            continue;
        }
        let created: Vec<(String, String)> = org
            .split("namespaces_by_environment = {")
            .nth(1)
            .unwrap_or_default()
            .lines()
            .take_while(|l| l.trim() != "}")
            .filter_map(|l| l.split_once(" = "))
            .flat_map(|(env, list)| {
                list.trim_matches(|c| c == '[' || c == ']')
                    .split(", ")
                    .map(|n| (env.trim().to_owned(), n.trim_matches('"').to_owned()))
                    .collect::<Vec<_>>()
            })
            .collect();
        let dirs: Vec<PathBuf> = std::fs::read_dir(&tree)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|d| !d.ends_with("_org") && d.join("terraform/main.tf").is_file())
            .collect();
        for dir in &dirs {
            let service = dir.file_name().unwrap().to_string_lossy().into_owned();
            let (module, call) = deploy_module(&tree, dir);
            // The names are the module's own, or in the service's call of the shared module
            // (ahead of the module, whose Role follows).
            let text = match call {
                Some(call) => format!("{call}\n{module}"),
                None => module,
            };
            services += 1;
            // Namespaces: `local.names_by_environment.<env>.namespace`.
            let mut env = String::new();
            for line in text.lines().take_while(|l| !l.trim().starts_with("names = local.names_by_environment")) {
                if let Some(e) = line.strip_prefix("    ").and_then(|l| l.strip_suffix(" = {")) {
                    env = e.trim().to_owned();
                }
                if let Some(ns) = line.trim().strip_prefix("namespace").and_then(|r| r.trim().strip_prefix("= \"")) {
                    let ns = ns.trim_end_matches('"').to_owned();
                    if !created.contains(&(env.clone(), ns.clone())) {
                        problems.push(format!("{service}: namespace {ns} in {env} is not created by the org root"));
                    }
                }
            }
            let caller = std::fs::read_to_string(dir.join(format!("github-actions/workflows/{service}.yml")))
                .unwrap_or_default();
            for ns in caller.lines().filter_map(|l| l.trim().strip_prefix("namespace: ")) {
                if !created.iter().any(|(_, n)| n == ns) {
                    problems.push(format!("{service}: its deploy uses namespace {ns}, which nothing creates"));
                }
            }
            // The Role's managed (group, resource) pairs.
            let mut managed = Vec::new();
            for rule in text.split("rule {").skip(1) {
                let field = |key: &str| -> Vec<String> {
                    rule.lines()
                        .find_map(|l| l.trim().strip_prefix(key).and_then(|r| r.trim().strip_prefix("= ")))
                        .unwrap_or_default()
                        .trim_matches(|c| c == '[' || c == ']')
                        .split(", ")
                        .map(|s| s.trim_matches('"').to_owned())
                        .collect()
                };
                if field("verbs").iter().any(|v| v == "delete") {
                    for g in field("api_groups") {
                        managed.extend(field("resources").into_iter().map(|r| (g.clone(), r)));
                    }
                }
            }
            if managed.is_empty() {
                problems.push(format!("{service}: its deploy role may manage nothing in the cluster"));
                continue;
            }
            for template in
                files(&dir.join("helm"), ".yaml").iter().filter(|p| p.to_string_lossy().contains("/templates/"))
            {
                let text = std::fs::read_to_string(template).unwrap();
                let mut api = None;
                for line in text.lines() {
                    if let Some(v) = line.strip_prefix("apiVersion: ") {
                        api = Some(v.trim().to_owned());
                    }
                    if let (Some(kind), Some(v)) = (line.strip_prefix("kind: "), &api) {
                        let group = v.rsplit_once('/').map_or("", |(g, _)| g).to_owned();
                        let kind = kind.trim().to_lowercase();
                        let plural = match kind.strip_suffix('y') {
                            Some(stem) => format!("{stem}ies"),
                            None if kind.ends_with('s') => format!("{kind}es"),
                            None => format!("{kind}s"),
                        };
                        if !managed.contains(&(group.clone(), plural.clone())) {
                            problems.push(format!(
                                "{service}: the chart renders {group}/{plural}, which its deploy role may not manage"
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(services > 0, "no CI deploy module binds a deploy role in the cluster");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The analysis read the whole service's error ratio: one bad canary pod among four stable
/// ones was diluted below the threshold and promoted, and a quiet service's canary failed on
/// `0 / 0`. Contract: in every chart with a Rollout, every selector of the analysis query
/// names the canary's pod-template hash, which the Rollout passes (`podTemplateHashValue:
/// Latest`) and the ServiceMonitor copies onto the series; the query is empty below the
/// minimum request count, and an empty result fails no measurement (it is inconclusive).
#[test]
fn the_canary_analysis_reads_the_canarys_own_pods_and_never_fails_on_silence() {
    let mut problems = Vec::new();
    let mut charts = 0;
    for tree in trees() {
        for rollout in files(&tree, "templates/rollout.yaml") {
            let templates = rollout.parent().unwrap();
            let chart = templates.parent().unwrap();
            charts += 1;
            let at = chart.display();
            let text = std::fs::read_to_string(&rollout).unwrap();
            if !text.contains(
                "- name: canary-hash\n                valueFrom:\n                  podTemplateHashValue: Latest",
            ) {
                problems.push(format!("{at}: the Rollout's analysis step passes no canary hash"));
            }
            let monitor = std::fs::read_to_string(templates.join("servicemonitor.yaml")).unwrap();
            if !monitor.contains("- __meta_kubernetes_pod_label_rollouts_pod_template_hash\n          targetLabel: rollouts_pod_template_hash") {
                problems.push(format!("{at}: the ServiceMonitor drops the pods' rollouts-pod-template-hash"));
            }
            let analysis = std::fs::read_to_string(templates.join("analysistemplate.yaml")).unwrap();
            if !analysis.contains("- name: canary-hash") {
                problems.push(format!("{at}: the AnalysisTemplate declares no canary-hash argument"));
            }
            let failure = analysis.lines().find(|l| l.trim().starts_with("failureCondition: {{")).unwrap_or_default();
            if !failure.contains("len(result) > 0 &&") {
                problems.push(format!("{at}: an empty result (too little traffic) fails the analysis: {failure}"));
            }
            let values = std::fs::read_to_string(chart.join("values.yaml")).unwrap();
            let query: Vec<&str> = values
                .lines()
                .skip_while(|l| l.trim() != "query: |-")
                .skip(1)
                .take_while(|l| l.starts_with("      "))
                .collect();
            let selectors: Vec<&str> = query.iter().flat_map(|l| l.split("{service=").skip(1)).collect();
            if selectors.is_empty()
                || selectors.iter().any(|s| !s.contains("rollouts_pod_template_hash=\"{{args.canary-hash}}\""))
            {
                problems.push(format!("{at}: a selector of the analysis query reads pods other than the canary's"));
            }
            let floor = query.last().and_then(|l| l.rsplit_once(") >= ")).map(|(_, n)| n.parse::<u32>());
            if !matches!(floor, Some(Ok(n)) if n > 0) {
                problems.push(format!("{at}: the analysis query has no minimum request count"));
            }
        }
    }
    assert!(charts > 0, "no chart with a Rollout");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// DORA figures were wrong in a monorepo: a rollback marked the repository's previous
/// deployment of the environment failed (another service's, as likely as not), and promote
/// and rollback jobs counted as deployments. Contract: every deploy records itself in the
/// service's own deployment environment `<environment>/<service>` and finishes the record
/// however the job ends; promote and rollback record nothing; a rollback marks the newest
/// record of its own service; and every service's deploy jobs may write that record.
#[test]
fn dora_records_are_per_service_and_count_only_deploys() {
    let mut problems = Vec::new();
    let mut trees_checked = 0;
    for tree in trees() {
        let flows = org_flows(&tree);
        let Ok(deploy) = std::fs::read_to_string(flows.join("platform-deploy.yml")) else { continue };
        trees_checked += 1;
        let at = tree.display();
        if !deploy.contains("- name: Record the deployment")
            || !deploy.contains("--arg environment \"${ENVIRONMENT}/${SERVICE}\"")
        {
            problems.push(format!("{at}: the deploy records no per-service deployment"));
        }
        let outcome = deploy.split("- name: Record how the deployment ended").nth(1).unwrap_or_default();
        if !outcome.contains("if: ${{ always() }}") {
            problems.push(format!("{at}: the deploy's record is not finished however the job ends"));
        }
        for other in ["platform-promote.yml", "platform-rollback.yml"] {
            let text = std::fs::read_to_string(flows.join(other)).unwrap_or_default();
            if text.contains("repos/${GITHUB_REPOSITORY}/deployments\" ") || text.contains("Record the deployment") {
                problems.push(format!("{at}: {other} records a deployment"));
            }
        }
        let rollback = std::fs::read_to_string(flows.join("platform-rollback.yml")).unwrap_or_default();
        if !rollback.contains("deployments?environment=${ENVIRONMENT}/${SERVICE}&task=deploy") {
            problems.push(format!("{at}: a rollback marks a deployment that is not its service's"));
        }
        // A job leaves `production` out only where the deploy says it is not production.
        let not_production = deploy
            .split("\n      production:\n")
            .nth(1)
            .is_some_and(|input| input.lines().take(5).any(|l| l.trim() == "default: false"));
        for caller in files(&tree, ".yml").iter().filter(|p| !p.starts_with(&flows)) {
            let text = std::fs::read_to_string(caller).unwrap();
            for job in text.split("\n  deploy-").skip(1) {
                if !job.contains("/.github/workflows/platform-deploy.yml") {
                    continue;
                }
                if !job.contains("deployments: write") || !(job.contains("production: ") || not_production) {
                    problems.push(format!("{}: a deploy job may not record its deployment", caller.display()));
                }
            }
        }
    }
    assert!(trees_checked > 0);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Turning `canary` on for a live service replaced its Deployment with a Rollout in one
/// `helm upgrade`: Helm deleted the Deployment while the Rollout's pods were starting.
/// Contract: every deploy keeps the old workload (`helm.sh/resource-policy: keep`) before
/// Helm when the workload changes kind, and retires it only after the new one is ready
/// (after Helm's wait and the canary, and only on success).
#[test]
fn a_workload_changing_kind_keeps_serving() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for tree in trees() {
        let Ok(deploy) = std::fs::read_to_string(org_flows(&tree).join("platform-deploy.yml")) else {
            continue;
        };
        checked += 1;
        let at = |name: &str| deploy.find(&format!("- name: {name}"));
        let order = [
            at("Keep the old workload serving if the workload changes kind"),
            at("Helm upgrade"),
            at("Follow the canary"),
            at("Retire the old workload"),
        ];
        if order.iter().any(Option::is_none) || !order.windows(2).all(|w| w[0] < w[1]) {
            problems.push(format!(
                "{}: the move between Deployment and Rollout is not kept serving: {order:?}",
                tree.display()
            ));
        }
        let retire = deploy.split("- name: Retire the old workload").nth(1).unwrap_or_default();
        let retire = retire.split("\n    - ").next().unwrap_or_default();
        if retire.contains("if:") || !retire.contains("resource-policy") {
            problems.push(format!(
                "{}: the old workload is retired without the deploy's success or its keep mark",
                tree.display()
            ));
        }
    }
    assert!(checked > 0);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Staging paged the on-call and no alert reached its team: the org file's team contacts
/// were never Alertmanager routing. Contract, through Alertmanager's own routing
/// (`amtool config routes test`, from `.tools/`): every alert of every service's rule files
/// reaches its team: a page its `<team>-page` receiver (PagerDuty) or, without one, its Slack
/// receiver; a ticket its `<team>-ticket` receiver (Slack), never PagerDuty.
#[test]
#[allow(clippy::print_stderr)]
fn every_alert_is_routed_to_its_team() {
    let amtool = support::repo().join(".tools/bin/amtool");
    if !amtool.exists() {
        eprintln!("routing test: no amtool in .tools/bin (bash conformance/setup.sh); nothing checked");
        return;
    }
    let mut problems = Vec::new();
    let mut routed = 0;
    for tree in trees() {
        let config = tree.join("_org/prometheus/alertmanager.yaml");
        let Ok(text) = std::fs::read_to_string(&config) else { continue };
        let receivers: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("- name: ")).collect();
        let mut seen = std::collections::BTreeSet::new();
        for rules in files(&tree, ".yaml").iter().filter(|p| p.to_string_lossy().contains("/prometheus/slo-rules-")) {
            let text = std::fs::read_to_string(rules).unwrap();
            for alert in text.split("- alert: ").skip(1) {
                let label = |k: &str| {
                    alert.lines().find_map(|l| l.trim().strip_prefix(&format!("{k}: "))).unwrap_or_default().to_owned()
                };
                let (team, severity) = (label("team"), label("severity"));
                if !seen.insert((team.clone(), severity.clone())) {
                    continue;
                }
                let out = std::process::Command::new(&amtool)
                    .args(["config", "routes", "test", "--config.file"])
                    .arg(&config)
                    .arg(format!("team={team}"))
                    .arg(format!("severity={severity}"))
                    .output()
                    .unwrap();
                let got = String::from_utf8_lossy(&out.stdout).trim().to_owned();
                let (page, ticket) = (format!("{team}-page"), format!("{team}-ticket"));
                let has = |r: &str| receivers.contains(&r);
                let want = match severity.as_str() {
                    "page" if has(&page) => page,
                    _ if has(&ticket) => ticket,
                    _ => "unrouted".to_owned(),
                };
                routed += 1;
                if got != want {
                    problems.push(format!("{}: a {severity} of {team} goes to {got:?}, not {want}", tree.display()));
                }
            }
        }
    }
    assert!(routed > 0, "no alert routed");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Dashboards were never delivered: the dashboard object targeted Grafana's namespace, no
/// workflow applied it, and the deploy role could not write there. Contract: every service
/// with a dashboard object passes it to its deploy jobs, the deploy applies it, and where the
/// org root grants cluster access the deploy role may create that kind in that namespace and
/// change exactly that object. A packaged org's shared dashboard is applied once per cluster
/// by the org root (with cluster access), and no deploy touches it.
#[test]
fn every_dashboard_is_delivered_by_the_deploy() {
    let mut problems = Vec::new();
    let mut dashboards = 0;
    for tree in trees() {
        let deploy = std::fs::read_to_string(org_flows(&tree).join("platform-deploy.yml")).unwrap_or_default();
        for object in files(&tree, ".yaml").iter().filter(|p| p.parent().is_some_and(|d| d.ends_with("grafana"))) {
            let text = std::fs::read_to_string(object).unwrap();
            let dir = object.ancestors().nth(2).unwrap();
            let service = dir.file_name().unwrap().to_string_lossy().into_owned();
            dashboards += 1;
            if service == "_org" {
                problems.extend(shared_dashboard_problems(&tree));
                // The org root applies it wherever it reaches the cluster.
                let root = std::fs::read_to_string(tree.join("_org/terraform/main.tf")).unwrap_or_default();
                let file = object.file_name().unwrap().to_string_lossy().into_owned();
                let applied = format!(
                    "resource \"kubernetes_manifest\" \"dashboard\" {{\n  manifest = yamldecode(file(\"${{path.module}}/../grafana/{file}\"))"
                );
                if root.contains("provider \"kubernetes\"") && !root.contains(&applied) {
                    problems.push(format!("{}: the org root does not apply {file}", tree.display()));
                }
                continue;
            }
            let field = |key: &str| {
                text.lines().find_map(|l| l.strip_prefix(&format!("  {key}: "))).unwrap_or_default().to_owned()
            };
            let (name, namespace) = (field("name"), field("namespace"));
            let file = object.file_name().unwrap().to_string_lossy().into_owned();
            let caller = std::fs::read_to_string(dir.join(format!("github-actions/workflows/{service}.yml")))
                .unwrap_or_default();
            let passed: Vec<&str> =
                caller.lines().filter_map(|l| l.trim().strip_prefix("dashboard-manifest: ")).collect();
            if passed.is_empty() || passed.iter().any(|p| !p.ends_with(&format!("/{service}/grafana/{file}"))) {
                problems.push(format!("{service}: its deploy jobs do not apply {file}: {passed:?}"));
            }
            if !deploy.contains(
                "kubectl apply --server-side --field-manager=platform-deploy --filename \"${DASHBOARD_MANIFEST}\"",
            ) {
                problems.push(format!("{}: the deploy applies no dashboard", tree.display()));
            }
            let module = std::fs::read_to_string(dir.join("terraform/ci-deploy/main.tf")).unwrap_or_default();
            if module.contains("resource \"aws_eks_access_entry\"") {
                let role = module.split("resource \"kubernetes_role_v1\" \"dashboard\"").nth(1).unwrap_or_default();
                let role = role.split("\n}\n").next().unwrap_or_default();
                let ok = role.contains(&format!("namespace = \"{namespace}\""))
                    && role.contains("verbs      = [\"create\"]")
                    && role.contains(&format!("resource_names = [\"{name}\"]"));
                if !ok {
                    problems.push(format!("{service}: its deploy role may not write {name} in {namespace}"));
                }
            }
        }
    }
    assert!(dashboards > 0, "no dashboard");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A packaged org's one dashboard (`_org/grafana/`) is the platform team's to deliver: no
/// service carries a dashboard, no deploy applies one, and no deploy role may write one.
fn shared_dashboard_problems(tree: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    for dir in std::fs::read_dir(tree).unwrap().flatten().map(|e| e.path()) {
        let service = dir.file_name().unwrap().to_string_lossy().into_owned();
        if service == "_org" || !dir.is_dir() {
            continue;
        }
        if dir.join("grafana").exists() {
            problems.push(format!("{service}: a dashboard of its own beside the org's"));
        }
        for wf in files(&dir.join("github-actions"), ".yml") {
            let text = std::fs::read_to_string(&wf).unwrap();
            if text.lines().any(|l| l.trim().strip_prefix("dashboard-manifest: ").is_some_and(|v| v != "\"\"")) {
                problems.push(format!("{}: a deploy applies a dashboard beside the org's", wf.display()));
            }
        }
        let (module, _) = deploy_module(tree, &dir);
        if module.contains("resource \"kubernetes_role_v1\" \"dashboard\"") {
            problems.push(format!("{service}: its deploy role may write a dashboard beside the org's"));
        }
    }
    problems
}

/// The NetworkPolicy admitted only DNS, dependencies and the database: the IRSA role every pod
/// gets was useless (STS unreachable), and the monorepo's Stripe and SMTP secrets existed for
/// APIs no pod could reach. Contract: every chart's NetworkPolicy values admit the AWS APIs on
/// 443, and every service's declared egress (`platform.yaml` `egress`) with its ports.
#[test]
fn every_pod_may_reach_its_aws_apis_and_its_declared_egress() {
    let mut problems = Vec::new();
    let mut declared = 0;
    for case in support::cases(&support::repo().join("golden-tests/ok")) {
        let tree = case.join("expected");
        for values in files(&tree, "/values.yaml") {
            let text = std::fs::read_to_string(&values).unwrap();
            let egress = text.split("\n  egress:\n").nth(1).unwrap_or_default();
            let egress: String = egress.lines().take_while(|l| l.starts_with("  ")).collect::<Vec<_>>().join("\n");
            if !egress.contains("    - 443") {
                problems.push(format!("{}: no egress to the AWS APIs", values.display()));
            }
            let service = values.ancestors().nth(3).unwrap().file_name().unwrap().to_string_lossy().into_owned();
            let input = files(&case.join("input"), "platform.yaml")
                .into_iter()
                .map(|p| std::fs::read_to_string(p).unwrap())
                .find(|t| t.contains(&format!("name: {service}\n")))
                .unwrap_or_default();
            if input.contains("\n  egress:\n") {
                declared += 1;
                if egress.matches("- cidrs:").count() < 2 {
                    problems.push(format!("{service}: its declared egress is not in its NetworkPolicy"));
                }
            }
        }
    }
    assert!(declared > 0, "no service declares egress");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `exposure: internal` changed only DNS (every Ingress used the public class, and the
/// NetworkPolicy admitted only the public controller), and every
/// service's Terraform requested an ACM certificate that nothing used (cert-manager issued
/// the Ingress's). Contract: an internal service's Ingress uses the org's internal class, a
/// public one the public class, and its NetworkPolicy admits that class's controller; and TLS comes from one place: a chart whose Ingress names a
/// cert-manager issuer has no ACM certificate in its Terraform, and one without an issuer
/// (ACM at the load balancer) has one wherever its Terraform manages the host's DNS.
#[test]
fn internal_services_use_the_internal_class_and_tls_comes_from_one_place() {
    let defaults =
        std::fs::read_to_string(support::repo().join("compiler/platform-compiler/src/defaults/platform-org.yaml"))
            .unwrap();
    let setting = |text: &str, key: &str| {
        text.lines().find_map(|l| l.trim().strip_prefix(&format!("{key}: "))).map(|v| v.trim().to_owned())
    };
    let mut problems = Vec::new();
    let mut ingresses = 0;
    for case in support::cases(&support::repo().join("golden-tests/ok")) {
        let org = std::fs::read_to_string(case.join("input/platform-org.yaml")).unwrap_or_default();
        let class_of = |key: &str| setting(&org, key).or_else(|| setting(&defaults, key)).unwrap_or_default();
        let (public, internal) = (class_of("class"), class_of("internalClass"));
        let (public_ns, internal_ns) = (class_of("controllerNamespace"), class_of("internalControllerNamespace"));
        for values in files(&case.join("expected"), "/values.yaml") {
            let text = std::fs::read_to_string(&values).unwrap();
            let Some(ingress) = text.split("\ningress:\n").nth(1) else { continue };
            let ingress: Vec<&str> = ingress.lines().take_while(|l| l.starts_with("  ")).collect();
            let field = |k: &str| ingress.iter().find_map(|l| l.trim().strip_prefix(&format!("{k}: "))).unwrap_or("");
            let Some(class) = ingress.iter().find_map(|l| l.trim().strip_prefix("className: ")) else { continue };
            ingresses += 1;
            let (want, controller) =
                if field("exposure") == "public" { (&public, &public_ns) } else { (&internal, &internal_ns) };
            if class != want.as_str() {
                problems.push(format!(
                    "{}: a {} service on class {class}, not {want}",
                    values.display(),
                    field("exposure")
                ));
            }
            // Load balancers that reach pods by IP (the org's `loadBalancerCidrs`) are admitted.
            let cidrs = class_of("loadBalancerCidrs");
            let direct = text.split("\n  ingressCidrs:\n").nth(1).unwrap_or_default();
            for cidr in cidrs.trim_matches(|c| c == '[' || c == ']').split(',').map(|c| c.trim().trim_matches('"')) {
                if !cidr.is_empty()
                    && !direct.lines().take_while(|l| l.starts_with("  - ")).any(|l| l == format!("  - {cidr}"))
                {
                    problems.push(format!(
                        "{}: its NetworkPolicy does not admit the load balancers' {cidr}",
                        values.display()
                    ));
                }
            }
            let admitted = text.split("\n  ingressNamespaces:\n").nth(1).unwrap_or_default();
            if !admitted.lines().take_while(|l| l.starts_with("  - ")).any(|l| l == format!("  - {controller}")) {
                problems.push(format!(
                    "{}: its NetworkPolicy does not admit its controller's namespace {controller}",
                    values.display()
                ));
            }
            let tf = std::fs::read_to_string(values.ancestors().nth(3).unwrap().join("terraform/main.tf"))
                .unwrap_or_default();
            let acm = tf.contains("resource \"aws_acm_certificate\"");
            let issuer = !matches!(field("clusterIssuer"), "" | "\"\"");
            if issuer && acm {
                problems.push(format!(
                    "{}: cert-manager issues the certificate, yet Terraform requests an ACM one",
                    values.display()
                ));
            }
            if !issuer && !acm && tf.contains("resource \"aws_route53_record\" \"service\"") {
                problems.push(format!("{}: no cert-manager issuer and no ACM certificate", values.display()));
            }
        }
    }
    assert!(ingresses > 0);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The CI deploy module of `service` as it is applied for it: its own (vendored), or the
/// org's shared one (packaged) with the repository and push role the org root passes it.
fn ci_deploy_module(tree: &Path, service_dir: &Path, service: &str) -> String {
    if let Ok(own) = std::fs::read_to_string(service_dir.join("terraform/ci-deploy/main.tf")) {
        return own;
    }
    let shared = std::fs::read_to_string(tree.join("_org/terraform/modules/ci-deploy/main.tf")).unwrap();
    let root = std::fs::read_to_string(tree.join("_org/terraform/main.tf")).unwrap();
    let call = root.split(&format!("module \"{}\" {{", service.replace('-', "_"))).nth(1).unwrap_or_default();
    let call = &call[..call.find("\n}").unwrap_or(call.len())];
    let arg = |name: &str| {
        call.lines()
            .find_map(|l| l.trim().strip_prefix(name)?.trim().strip_prefix('=').map(|v| v.trim().to_owned()))
            .unwrap_or_else(|| format!("<no {name} in the call of {service}>"))
    };
    shared
        .replace("var.image_repository", &arg("image_repository"))
        .replace("var.image_push_role", &arg("image_push_role"))
}

/// Pods could not pull from the default registry (a private ghcr.io): no `imagePullSecrets`,
/// and the strict values schema refused one; ECR had no repository and the build no login.
/// Contract: every chart's pods name the org's pull Secret, unless the image is on ECR, which
/// EKS nodes pull through their own role: then the service's CI deploy module creates the
/// image's repository (immutable tags, scan on push, a lifecycle policy), lets every other
/// environment's account pull, and creates the image push role the build assumes, trusted
/// for builds on `main` only.
#[test]
fn every_image_has_a_pull_path() {
    let mut problems = Vec::new();
    let (mut charts, mut on_ecr) = (0, 0);
    for tree in trees() {
        for values in files(&tree, "/values.yaml") {
            let text = std::fs::read_to_string(&values).unwrap();
            let repository =
                text.lines().find_map(|l| l.trim().strip_prefix("repository: ")).unwrap_or_default().to_owned();
            charts += 1;
            let ecr =
                repository.split_once('/').filter(|(h, _)| h.contains(".dkr.ecr.") && h.ends_with(".amazonaws.com"));
            let named = text.contains("\nimagePullSecrets:\n- name: ");
            let Some((host, path)) = ecr else {
                if !named {
                    problems.push(format!("{}: {repository} has no pull path", values.display()));
                }
                continue;
            };
            on_ecr += 1;
            let service_dir = values.parent().and_then(Path::parent).and_then(Path::parent).unwrap();
            let service = service_dir.file_name().unwrap().to_string_lossy().into_owned();
            let module = ci_deploy_module(&tree, service_dir, &service);
            let caller =
                std::fs::read_to_string(service_dir.join(format!("github-actions/workflows/{service}.yml"))).unwrap();
            let account = host.split('.').next().unwrap();
            let role = format!("{service}-image-push");
            for needed in [
                format!("name                 = \"{path}\""),
                "image_tag_mutability = \"IMMUTABLE\"".to_owned(),
                "scan_on_push = true".to_owned(),
                "resource \"aws_ecr_lifecycle_policy\" \"this\"".to_owned(),
                format!("name               = \"{role}\""),
                ":ref:refs/heads/main\"]".to_owned(),
            ] {
                if !module.contains(&needed) {
                    problems.push(format!("{service}: its CI deploy module lacks `{needed}`"));
                }
            }
            if !caller.contains(&format!("aws-role-arn: arn:aws:iam::{account}:role/{role}")) {
                problems.push(format!("{service}: the build does not assume `{role}` in {account}"));
            }
            if named {
                problems.push(format!("{service}: an ECR image needs no pull Secret"));
            }
            let tfvars = std::fs::read_dir(tree.join("_org/terraform")).unwrap();
            for entry in tfvars {
                let text = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
                let other = text
                    .lines()
                    .find_map(|l| l.strip_prefix("aws_account_id"))
                    .map(|l| l.trim_start_matches([' ', '=']).trim_matches('"').to_owned())
                    .filter(|a| a != account);
                if let Some(other) = other
                    && !module.contains(&format!("iam::{other}:root"))
                {
                    problems.push(format!("{service}: account {other} may not pull from {host}"));
                }
            }
        }
    }
    assert!(charts > 0 && on_ecr > 0, "{charts} charts, {on_ecr} on ECR");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The `key = "value"` lines of the object opened by the line `opener`, except `skip` keys.
fn object_lines(text: &str, opener: &str, skip: &[&str]) -> Vec<String> {
    let mut lines = text.lines().skip_while(|l| l.trim() != opener).skip(1);
    let mut out = Vec::new();
    for l in lines.by_ref() {
        let t = l.trim();
        if t.starts_with('}') {
            break;
        }
        if !skip.iter().any(|k| t.starts_with(&format!("{k} "))) {
            out.push(t.split_whitespace().collect::<Vec<_>>().join(" "));
        }
    }
    out
}

/// A rename produced a new Terraform state key and new AWS names: an empty database next to
/// the old one, new secrets without values, a KMS key scheduled for deletion. Contract: every
/// service with `metadata.previousNames` has exactly the AWS names, state keys, secret
/// references and image repository it gets when built under its oldest name, and the org root moves its CI deploy
/// module from the old label, so the rename replaces nothing that holds data.
#[test]
fn a_rename_keeps_every_aws_name_and_the_state() {
    let mut renames = 0;
    for case in support::cases(&support::repo().join("golden-tests/ok")) {
        let input = case.join("input");
        let texts = support::read_tree(&input);
        for text in texts.values().map(|b| String::from_utf8_lossy(b).into_owned()) {
            let Some(previous) = text.lines().find_map(|l| l.trim().strip_prefix("previousNames: [")) else {
                continue;
            };
            let oldest = previous.split([',', ']']).next().unwrap().trim().to_owned();
            let name = text.lines().find_map(|l| l.trim().strip_prefix("name: ")).unwrap().to_owned();
            renames += 1;
            // The same inputs, with the service under its oldest name and no rename.
            let tmp = tempfile::tempdir().unwrap();
            let mut old = texts.clone();
            for bytes in old.values_mut() {
                let t = String::from_utf8_lossy(bytes).into_owned();
                let t: String = t.lines().filter(|l| !l.contains("previousNames:")).map(|l| format!("{l}\n")).collect();
                *bytes = t.replace(&name, &oldest).into_bytes();
            }
            support::write_tree(tmp.path(), &old);
            let (renamed, _) = support::build(&support::load(&input));
            let (original, _) = support::build(&support::load(tmp.path()));
            let get = |tree: &std::collections::BTreeMap<String, Vec<u8>>, path: String| {
                String::from_utf8_lossy(tree.get(&path).unwrap_or_else(|| panic!("{path} missing"))).into_owned()
            };
            let (new_dir, old_dir) = (format!("{name}/terraform"), format!("{oldest}/terraform"));
            let mut compared = 0;
            for path in renamed.keys().filter(|p| p.starts_with(&new_dir)) {
                let rel = &path[new_dir.len()..];
                let (a, b) = (get(&renamed, path.clone()), get(&original, format!("{old_dir}{rel}")));
                let same = if rel.ends_with(".tfvars") {
                    object_lines(&a, "names = {", &[]) == object_lines(&b, "names = {", &[])
                } else if rel.starts_with("/backend-") {
                    a.lines().skip(1).eq(b.lines().skip(1))
                } else if rel == "/ci-deploy/main.tf" {
                    let envs: Vec<&str> = a.lines().filter(|l| l.starts_with("    ") && l.ends_with(" = {")).collect();
                    envs.iter().all(|e| object_lines(&a, e.trim(), &["host"]) == object_lines(&b, e.trim(), &["host"]))
                } else {
                    continue;
                };
                compared += 1;
                assert!(same, "{name} renamed from {oldest}: {rel} names differ:\n{a}\n---\n{b}");
            }
            assert!(compared >= 3, "{name}: only {compared} Terraform files compared");
            for (path, text) in renamed.iter().filter(|(p, _)| p.starts_with(&format!("{name}/helm/"))) {
                let keys = |t: &str| -> Vec<String> {
                    t.lines()
                        .filter(|l| ["roleArn:", "remoteKey:", "repository:"].iter().any(|k| l.contains(k)))
                        .map(str::to_owned)
                        .collect()
                };
                let old_path = path.replacen(&name, &oldest, 2);
                assert_eq!(keys(&String::from_utf8_lossy(text)), keys(&get(&original, old_path)), "{path}");
            }
            let org = get(&renamed, "_org/terraform/main.tf".to_owned());
            let moved = format!(
                "moved {{\n  from = module.{}\n  to   = module.{}\n}}",
                oldest.replace('-', "_"),
                name.replace('-', "_")
            );
            assert!(org.contains(&moved), "the org root does not move {oldest}'s module:\n{org}");
        }
    }
    assert!(renames > 0, "no golden case renames a service");
}

/// Pods get AWS credentials through IRSA only when their role trusts exactly their own
/// service account in their namespace: a role that trusts another name fails every AWS call
/// at runtime, one that trusts more lends the service's rights to other pods.
/// Contract: every service root's role, its own or the org's role module it calls (then with
/// its role moved into it), trusts `system:serviceaccount:<namespace>:<service account>` for
/// the `sts.amazonaws.com` audience, where the service account is the root's
/// `local.service_account`, which is the chart's `name` (its ServiceAccount's name).
#[test]
fn every_pods_role_trusts_exactly_its_service_account() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for tree in trees() {
        for main in files(&tree, "main.tf") {
            let root = main.parent().unwrap();
            let service = root.parent().unwrap();
            if root.file_name().is_none_or(|n| n != "terraform") || service.file_name().is_some_and(|n| n == "_org") {
                continue;
            }
            let at = root.strip_prefix(support::repo()).unwrap_or(root).display().to_string();
            let text = std::fs::read_to_string(&main).unwrap();
            if text.contains("module \"service\" {") {
                continue; // the org's own module holds the role (module mode)
            }
            let local = |key: &str| {
                text.lines().find_map(|l| {
                    l.trim()
                        .strip_prefix(key)?
                        .trim_start()
                        .strip_prefix('=')
                        .map(|v| v.trim().trim_matches('"').to_owned())
                })
            };
            let Some(account) = local("service_account") else {
                problems.push(format!("{at}: no local.service_account"));
                continue;
            };
            let chart_name = files(&service.join("helm"), "values.yaml").first().and_then(|v| {
                std::fs::read_to_string(v).ok()?.lines().find_map(|l| l.strip_prefix("name: ").map(str::to_owned))
            });
            if chart_name.as_deref() != Some(account.as_str()) {
                problems.push(format!("{at}: the role trusts {account}, the chart's ServiceAccount is {chart_name:?}"));
            }
            let compact = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
            let (trust, subject) = match text.split("module \"service_role\" {").nth(1) {
                Some(call) => {
                    let call = compact(call.split("\n}\n").next().unwrap_or_default());
                    let source = call.split("source = \"").nth(1).and_then(|s| s.split('"').next()).unwrap_or_default();
                    if !call.contains("service_account = local.service_account")
                        || !call.contains("kubernetes_namespace = var.kubernetes_namespace")
                    {
                        problems
                            .push(format!("{at}: the role module is not given the service's account and namespace"));
                    }
                    if !compact(&text)
                        .contains("moved { from = aws_iam_role.service to = module.service_role.aws_iam_role.service }")
                    {
                        problems.push(format!("{at}: the role is not moved into the module, so a switch replaces it"));
                    }
                    let module = std::fs::read_to_string(root.join(source).join("main.tf")).unwrap_or_default();
                    (module, "${var.service_account}")
                }
                None => (text.clone(), "${local.service_account}"),
            };
            let trust =
                compact(trust.split("data \"aws_iam_policy_document\" \"service_trust\"").nth(1).unwrap_or_default());
            let sub = format!("values = [\"system:serviceaccount:${{var.kubernetes_namespace}}:{subject}\"]");
            if !trust.contains(&format!("variable = \"${{var.oidc_provider}}:sub\" {sub}"))
                || !trust.contains("variable = \"${var.oidc_provider}:aud\" values = [\"sts.amazonaws.com\"]")
            {
                problems.push(format!("{at}: the role does not trust exactly its service account ({subject})"));
            }
            checked += 1;
        }
    }
    assert!(checked > 10, "only {checked} roles checked");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
