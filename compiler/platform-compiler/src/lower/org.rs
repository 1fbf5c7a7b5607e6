//! The org file (merged over the built-in defaults) → [`ir::Org`].

use std::collections::BTreeMap;

use platform_ir as ir;
use platform_ir::{Ratio, Sp, Span};
use platform_syntax::Field;

use crate::codes;
use crate::lower::checks::{
    BASTION, DATASOURCE_UID, DNS_NAME, OIDC_PROVIDER, PAGERDUTY, REGISTRY, SLACK_CHANNEL, WORD, dns_label, duration,
    follows, https_url, is_dns_name, k8s_label, range,
};
use crate::lower::{Lx, list, literal_secrets, opt};
use crate::raw;

/// Lower a decoded org file. `None` when something required is missing (already reported).
pub fn lower(lx: &mut Lx, file: &raw::OrgFile, root: Span) -> Option<ir::Org> {
    check_header(lx, &file.api_version, &file.kind, "Platform", root);
    let meta = file.metadata.get();
    let name = meta.and_then(|m| lx.req(&m.name, m.span, "metadata.name"));
    if let Some(n) = &name {
        dns_label(lx, n, "org name");
    }
    let spec = lx.req(&file.spec, root, "spec")?;
    let s = &spec.value;
    let sp = spec.span;
    let registry = lx.req(&s.registry, sp, "spec.registry");
    // ECR is pulled by the nodes' own role: the built-in pull Secret is for other registries.
    let registry_pull_secret = lx.req(&s.registry_pull_secret, sp, "spec.registryPullSecret").map(|p| {
        let ecr = registry.as_ref().is_some_and(|r| ir::Ecr::parse(&r.value).is_some());
        if ecr && p.span.file == crate::BUILTIN_FILE { Sp::new(String::new(), p.span) } else { p }
    });
    if let Some(r) = &registry {
        follows(lx, r, &REGISTRY);
    }
    let domain = lx.req(&s.domain, sp, "spec.domain");
    if let Some(d) = &domain {
        follows(lx, d, &DNS_NAME);
    }
    let environments = environments(lx, s, sp);
    let tiers = tiers(lx, s);
    let teams = teams(lx, s);
    let languages = languages(lx, s);
    let databases = databases(lx, s);
    let canary = canary(lx, s, sp);
    let monitoring = monitoring(lx, s, sp);
    let ingress = ingress(lx, s, sp);
    let logging = s.logging.get().and_then(|l| {
        let aggregator = lx.req(&l.aggregator, l.span, "spec.logging.aggregator")?;
        follows(lx, &aggregator, &WORD);
        Some(ir::LoggingPolicy { aggregator })
    });
    let secret_store = lx.req(&s.secret_store, sp, "spec.secretStore");
    let secret_reload = lx.req(&s.secret_reload, sp, "spec.secretReload").map(|r| {
        r.map(|r| match r {
            raw::SecretReload::Reloader => ir::SecretReload::Reloader,
            raw::SecretReload::Nothing => ir::SecretReload::Nothing,
        })
    });
    let terraform = terraform(lx, s, sp);
    let egress = egress(lx, s, sp);
    let ci = ci(lx, s, sp);
    let packages = packages(lx, s, sp);
    let actions = actions(lx, s);
    let catalog = s.catalog.get().and_then(|c| {
        let source_base_url = lx.req(&c.source_base_url, c.span, "spec.catalog.sourceBaseUrl")?;
        literal_secrets::refuse_in_text(lx, &source_base_url, "catalog source URL");
        https_url(lx, &source_base_url);
        Some(ir::CatalogPolicy {
            source_base_url,
            github_repo: lx.req(&c.github_repo, c.span, "spec.catalog.githubRepo")?,
        })
    });
    // Every service looks its tier up (`Org::tier`): an org without all three is no org.
    let tier_span = s.tiers.span().unwrap_or(sp);
    let mut tiers_complete = true;
    for t in ir::Tier::ALL {
        if !tiers.contains_key(t) {
            tiers_complete = false;
            // A policy (or a `tiers`) that is there but malformed is reported where it is.
            let written = match s.tiers.get() {
                Some(m) => m.value.iter().any(|(k, _)| k.as_str() == t.as_str()),
                None => s.tiers.is_written(),
            };
            if written {
                continue;
            }
            lx.error(
                &codes::LOW001,
                format!("missing tier policy `{t}`"),
                tier_span,
                "tiers incomplete",
                format!("add `tiers.{t}` with every field of its policy (see the built-in defaults)"),
            );
        }
    }
    if !tiers_complete {
        return None;
    }
    Some(ir::Org {
        name: name?,
        accepted_risks: meta.map(|m| super::accepted_risks::lower(lx, &m.value.accepted_risks)).unwrap_or_default(),
        source: root.file,
        registry: registry?,
        registry_pull_secret: registry_pull_secret?,
        domain: domain?,
        environments: environments?,
        tiers,
        teams,
        languages,
        databases,
        canary: canary?,
        monitoring: monitoring?,
        ingress: ingress?,
        logging: logging?,
        secret_store: secret_store?,
        secret_reload: secret_reload?,
        egress: egress?,
        terraform: terraform?,
        ci: ci?,
        actions,
        catalog: catalog?,
        scaffold: ir::ScaffoldPolicy { templates: s.scaffold.get().and_then(|c| opt(&c.templates)) },
        packages: packages?,
    })
}

/// Check `apiVersion` and `kind` of either file type.
pub fn check_header(lx: &mut Lx, api: &Field<String>, kind: &Field<String>, want: &str, root: Span) {
    if let Some(v) = api.get()
        && v.value != "platform.dev/v1"
    {
        lx.error(
            &codes::LOW002,
            format!("unknown apiVersion `{}`", v.value),
            v.span,
            "unknown version",
            "write `apiVersion: platform.dev/v1` (or leave it out for the current version)",
        );
    }
    match kind.get() {
        Some(k) if k.value == want => {}
        Some(k) => {
            let help = match (want, k.value.as_str()) {
                ("Service", "Platform") => {
                    "this is an org file: name it `platform-org.yaml`, not `platform.yaml`".to_owned()
                }
                ("Platform", "Service") => "this is a service: name it `platform.yaml`".to_owned(),
                _ => format!("write `kind: {want}`"),
            };
            lx.error(
                &codes::LOW003,
                format!("unknown kind `{}` for this file, expected `{want}`", k.value),
                k.span,
                "wrong kind",
                help,
            );
        }
        None if !kind.is_written() => {
            lx.error(
                &codes::LOW001,
                "missing required field `kind`",
                Span::new(root.file, root.start, root.start),
                "`kind` is missing",
                format!("add `kind: {want}` at the top"),
            );
        }
        None => {}
    }
}

fn environments(lx: &mut Lx, s: &raw::OrgSpec, sp: Span) -> Option<Vec<ir::Environment>> {
    let envs = lx.req(&s.environments, sp, "spec.environments")?;
    let mut out: Vec<ir::Environment> = Vec::new();
    let mut ok = true;
    for e in envs.value.iter().filter_map(opt) {
        let es = e.span;
        let name = lx.req(&e.name, es, "environments[].name");
        let fields = (
            lx.req(&e.cluster, es, "environments[].cluster"),
            lx.req(&e.aws_account, es, "environments[].awsAccount"),
            lx.req(&e.aws_region, es, "environments[].awsRegion"),
            lx.req(&e.domain, es, "environments[].domain"),
            lx.req(&e.namespace, es, "environments[].namespace"),
            lx.req(&e.production, es, "environments[].production"),
            lx.req(&e.oidc_provider, es, "environments[].oidcProvider"),
        );
        let (
            Some(name),
            (
                Some(cluster),
                Some(aws_account),
                Some(aws_region),
                Some(domain),
                Some(namespace),
                Some(production),
                Some(oidc_provider),
            ),
        ) = (name, fields)
        else {
            ok = false;
            continue;
        };
        dns_label(lx, &name, "environment name");
        follows(lx, &domain, &DNS_NAME);
        follows(lx, &oidc_provider, &OIDC_PROVIDER);
        if aws_account.len() != 12 || !aws_account.bytes().all(|b| b.is_ascii_digit()) {
            lx.error(
                &codes::LOW019,
                format!("`{}` is not an AWS account id", aws_account.value),
                aws_account.span,
                "not 12 digits",
                "AWS account ids are 12 digits; quote them so leading zeros survive: `awsAccount: \"012345678901\"`",
            );
        }
        if let Some(prev) = out.iter().find(|p| p.name.value == name.value) {
            let prev_span = prev.name.span;
            lx.diags.push(
                ir::Diagnostic::error(
                    &codes::LOW013,
                    format!("environment `{}` is declared twice", name.value),
                    name.span,
                    "second declaration",
                    "remove one of the two",
                )
                .with_label(prev_span, "first declared here"),
            );
            continue;
        }
        let paging = opt(&e.paging).unwrap_or_else(|| production.clone());
        let database_bastion = opt(&e.database_bastion);
        if let Some(b) = &database_bastion {
            follows(lx, b, &BASTION);
        }
        out.push(ir::Environment {
            name,
            cluster,
            aws_account,
            aws_region,
            domain,
            namespace,
            production,
            paging,
            oidc_provider,
            database_bastion,
        });
    }
    if out.is_empty() && ok {
        lx.error(
            &codes::LOW001,
            "the org defines no environments",
            envs.span,
            "empty list",
            "declare at least one environment, e.g. `staging` and `production`",
        );
        return None;
    }
    ok.then_some(out)
}

fn tiers(lx: &mut Lx, s: &raw::OrgSpec) -> BTreeMap<ir::Tier, ir::TierPolicy> {
    let mut out = BTreeMap::new();
    let Some(map) = s.tiers.get() else { return out };
    for (key, f) in &map.value {
        let Some(p) = f.get() else { continue };
        let Some(tier) = ir::Tier::parse(key) else {
            let help = match ir::diagnostic::did_you_mean(key, ir::Tier::NAMES.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "tiers are `critical`, `standard` and `experimental`".to_owned(),
            };
            lx.error(&codes::LOW019, format!("unknown tier `{key}`"), p.span, "unknown tier", help);
            continue;
        };
        let ps = p.span;
        let path = |f: &str| format!("spec.tiers.{key}.{f}");
        let policy = (|| {
            Some(ir::TierPolicy {
                min_replicas: lx.req(&p.min_replicas, ps, &path("minReplicas"))?,
                require_alerts: lx.req(&p.require_alerts, ps, &path("requireAlerts"))?,
                paging: lx.req(&p.paging, ps, &path("paging"))?,
                pdb: lx.req(&p.pdb, ps, &path("pdb"))?,
                topology_spread: lx.req(&p.topology_spread, ps, &path("topologySpread"))?,
                backup_days: lx.req(&p.backup_days, ps, &path("backupDays"))?,
                deletion_protection: lx.req(&p.deletion_protection, ps, &path("deletionProtection"))?,
                multi_az: lx.req(&p.multi_az, ps, &path("multiAz"))?,
                enforcement: lx.req(&p.enforcement, ps, &path("enforcement"))?.map(|e| match e {
                    raw::Enforcement::Error => ir::Enforcement::Error,
                    raw::Enforcement::Warning => ir::Enforcement::Warning,
                }),
                lifecycle: lx.req(&p.lifecycle, ps, &path("lifecycle"))?,
            })
        })();
        if let Some(policy) = policy {
            follows(lx, &policy.lifecycle, &WORD);
            range(lx, &policy.min_replicas, 1, 100, "minReplicas");
            range(lx, &policy.backup_days, 0, 35, "backupDays");
            out.insert(tier, policy);
        }
    }
    out
}

fn teams(lx: &mut Lx, s: &raw::OrgSpec) -> BTreeMap<String, ir::Team> {
    let mut out = BTreeMap::new();
    let Some(map) = s.teams.get() else { return out };
    for (key, f) in &map.value {
        let Some(t) = f.get() else { continue };
        let name = Sp::new(key.clone(), t.span);
        dns_label(lx, &name, "team name");
        let (pagerduty, slack) = (opt(&t.pagerduty), opt(&t.slack));
        if let Some(p) = &pagerduty {
            follows(lx, p, &PAGERDUTY);
        }
        if let Some(c) = &slack {
            follows(lx, c, &SLACK_CHANNEL);
        }
        out.insert(key.clone(), ir::Team { name, pagerduty, slack });
    }
    out
}

fn metrics(lx: &mut Lx, m: &Sp<raw::Metrics>, path: &str) -> Option<ir::MetricConvention> {
    let requests_total = lx.req(&m.requests_total, m.span, &format!("{path}.requestsTotal"));
    let error_selector = lx.req(&m.error_selector, m.span, &format!("{path}.errorSelector"));
    let duration_histogram = lx.req(&m.duration_histogram, m.span, &format!("{path}.durationHistogram"));
    for name in [&requests_total, &duration_histogram].into_iter().flatten() {
        metric_name(lx, name);
    }
    if let Some(sel) = &error_selector {
        label_matcher(lx, sel);
    }
    Some(ir::MetricConvention {
        requests_total: requests_total?,
        error_selector: error_selector?,
        duration_histogram: duration_histogram?,
    })
}

/// A Prometheus metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
pub fn metric_name(lx: &mut Lx, n: &Sp<String>) {
    let b = n.as_bytes();
    let ok = !b.is_empty()
        && !b[0].is_ascii_digit()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b':');
    if !ok {
        lx.error(
            &codes::LOW019,
            format!("`{}` is not a Prometheus metric name", n.value),
            n.span,
            "not a metric name",
            "metric names are letters, digits, `_` and `:`, not starting with a digit",
        );
    }
}

/// One label matcher, `label=~"regex"` (also `=`, `!=`, `!~`), with no characters that
/// could break out of the PromQL selector it is placed in.
pub fn label_matcher(lx: &mut Lx, sel: &Sp<String>) {
    let s = sel.value.as_str();
    let name_len = s.bytes().take_while(|c| c.is_ascii_alphanumeric() || *c == b'_').count();
    let rest = &s[name_len..];
    let op_len = ["=~", "!~", "!=", "="].iter().find(|op| rest.starts_with(*op)).map_or(0, |op| op.len());
    let value = &rest[op_len..];
    let ok = name_len > 0
        && op_len > 0
        && value.len() >= 2
        && value.starts_with('"')
        && value.ends_with('"')
        && !value[1..value.len() - 1].contains(['"', '\\', '{', '}', '\n']);
    if !ok {
        lx.error(
            &codes::LOW019,
            format!("`{s}` is not a single label matcher"),
            sel.span,
            "not a label matcher",
            "write one matcher such as `code=~\"5..\"` (no braces, no extra quotes)",
        );
    }
}

fn languages(lx: &mut Lx, s: &raw::OrgSpec) -> BTreeMap<ir::Language, ir::Toolchain> {
    let mut out = BTreeMap::new();
    let Some(map) = s.languages.get() else { return out };
    for (key, f) in &map.value {
        let Some(t) = f.get() else { continue };
        let Some(lang) = ir::Language::parse(key) else {
            let help = match ir::diagnostic::did_you_mean(key, ir::Language::NAMES.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("languages are {}", ir::Language::NAMES.join(", ")),
            };
            lx.error(&codes::LOW019, format!("unknown language `{key}`"), t.span, "unknown language", help);
            continue;
        };
        let path = format!("spec.languages.{key}");
        let version = lx.req(&t.version, t.span, &format!("{path}.version"));
        let m = lx.req(&t.metrics, t.span, &format!("{path}.metrics"));
        let m = m.and_then(|m| metrics(lx, &m, &format!("{path}.metrics")));
        let framework = opt(&t.framework);
        if let Some(f) = &framework {
            follows(lx, f, &WORD);
        }
        if let (Some(version), Some(metrics)) = (version, m) {
            out.insert(lang, ir::Toolchain { version, framework, metrics });
        }
    }
    out
}

fn databases(lx: &mut Lx, s: &raw::OrgSpec) -> BTreeMap<ir::Engine, ir::EngineCatalog> {
    let mut out = BTreeMap::new();
    let Some(map) = s.databases.get() else { return out };
    for (key, f) in &map.value {
        let Some(c) = f.get() else { continue };
        let Some(engine) = ir::Engine::parse(key) else {
            lx.error(
                &codes::LOW019,
                format!("unknown database engine `{key}`"),
                c.span,
                "unknown engine",
                "engines are `postgres` and `redis`",
            );
            continue;
        };
        let path = format!("spec.databases.{key}");
        let default_version = lx.req(&c.default_version, c.span, &format!("{path}.defaultVersion"));
        let allowed_versions = list(&c.allowed_versions);
        let mut sizes = BTreeMap::new();
        if let Some(m) = c.sizes.get() {
            for (size, f) in &m.value {
                let Some(sc) = f.get() else { continue };
                let instance_class = lx.req(&sc.instance_class, sc.span, &format!("{path}.sizes.{size}.instanceClass"));
                let storage_gib = lx.req(&sc.storage_gib, sc.span, &format!("{path}.sizes.{size}.storageGiB"));
                if let (Some(instance_class), Some(storage_gib)) = (instance_class, storage_gib) {
                    if engine == ir::Engine::Postgres {
                        range(lx, &storage_gib, 20, 65_536, "storageGiB");
                    }
                    sizes.insert(size.clone(), ir::SizeClass { instance_class, storage_gib });
                }
            }
        }
        if let Some(dv) = &default_version
            && !allowed_versions.iter().any(|v| v.value == dv.value)
        {
            lx.error(
                &codes::LOW011,
                format!("default version `{}` is not in `allowedVersions`", dv.value),
                dv.span,
                "not allowed",
                "add it to `allowedVersions`",
            );
        }
        if let Some(default_version) = default_version {
            out.insert(engine, ir::EngineCatalog { sizes, default_version, allowed_versions });
        }
    }
    out
}

/// The longest canary pause: a deploy job follows the whole canary.
const MAX_PAUSE_SECONDS: u64 = 24 * 3600;

/// Lower canary steps and check their order.
pub fn canary_steps(lx: &mut Lx, steps: &Sp<Vec<Field<raw::CanaryStep>>>) -> Vec<ir::CanaryStep> {
    let mut out = Vec::new();
    let mut last = 0;
    for step in steps.value.iter().filter_map(opt) {
        match step.value {
            raw::CanaryStep::SetWeight(w) => {
                let w = Sp::new(w, step.span);
                if range(lx, &w, 1, 99, "canary weight") && w.value <= last {
                    lx.error(
                        &codes::LOW017,
                        format!("canary weight {} does not rise above the previous {last}", w.value),
                        w.span,
                        "not rising",
                        "order the `setWeight` steps by rising weight",
                    );
                }
                last = w.value;
                out.push(ir::CanaryStep::SetWeight(w));
            }
            raw::CanaryStep::Pause(ref d) => {
                let d = Sp::new(d.clone(), step.span);
                if duration(lx, &d).is_some_and(|secs| !(1..=MAX_PAUSE_SECONDS).contains(&secs)) {
                    lx.error(
                        &codes::LOW007,
                        format!("a canary pause of `{}` is out of range", d.value),
                        d.span,
                        "between 1s and 24h",
                        "pause between `1s` and `24h`; a longer wait is a manual promotion (`platform deploy promote`), not a pause",
                    );
                }
                out.push(ir::CanaryStep::Pause(d));
            }
            raw::CanaryStep::Analysis => out.push(ir::CanaryStep::Analysis(step.span)),
        }
    }
    if !out.iter().any(|s| matches!(s, ir::CanaryStep::SetWeight(_))) {
        lx.error(
            &codes::LOW017,
            "canary steps have no `setWeight` step",
            steps.span,
            "no traffic shift",
            "add steps such as `- setWeight: 10`, `- pause: 5m`, `- analysis`",
        );
    }
    out
}

fn canary(lx: &mut Lx, s: &raw::OrgSpec, sp: Span) -> Option<ir::CanaryPolicy> {
    let c = lx.req(&s.canary, sp, "spec.canary")?;
    let steps = lx.req(&c.steps, c.span, "spec.canary.steps")?;
    let analysis_interval = lx.req(&c.analysis_interval, c.span, "spec.canary.analysisInterval")?;
    if duration(lx, &analysis_interval).is_some_and(|secs| !(10..=3600).contains(&secs)) {
        lx.error(
            &codes::LOW007,
            format!("an analysis interval of `{}` is out of range", analysis_interval.value),
            analysis_interval.span,
            "between 10s and 1h",
            "measure every `1m` or so: between `10s` and `1h`",
        );
    }
    let failure_limit = lx.req(&c.failure_limit, c.span, "spec.canary.failureLimit")?;
    range(lx, &failure_limit, 0, 10, "failureLimit");
    let min_requests = lx.req(&c.min_requests, c.span, "spec.canary.minRequests")?;
    if min_requests.value == 0 {
        lx.error(
            &codes::LOW019,
            "a canary measurement needs at least one request",
            min_requests.span,
            "zero requests",
            "write how many requests the canary must serve in 5 minutes for a measurement to count, e.g. `minRequests: 50`",
        );
    }
    Some(ir::CanaryPolicy { steps: canary_steps(lx, &steps), analysis_interval, failure_limit, min_requests })
}

fn monitoring(lx: &mut Lx, s: &raw::OrgSpec, sp: Span) -> Option<ir::MonitoringPolicy> {
    let m = lx.req(&s.monitoring, sp, "spec.monitoring")?;
    let ms = m.span;
    let slo_period_days = lx.req(&m.slo_period_days, ms, "spec.monitoring.sloPeriodDays")?;
    if ![28, 30].contains(&slo_period_days.value) {
        lx.error(
            &codes::LOW007,
            format!("SLO period of {} days is not supported", slo_period_days.value),
            slo_period_days.span,
            "28 or 30",
            "use 30 (a month) or 28 (four whole weeks)",
        );
    }
    let windows_f = lx.req(&m.windows, ms, "spec.monitoring.windows")?;
    let mut windows = Vec::new();
    for w in windows_f.value.iter().filter_map(opt) {
        if let Some(w) = burn_window(lx, &w, slo_period_days.value) {
            windows.push(w);
        }
    }
    duplicate_windows(lx, &windows);
    let rule_selector_labels = m
        .rule_selector_labels
        .get()
        .map(|l| l.value.iter().filter_map(|(k, v)| v.get().map(|v| (k.clone(), v.value.clone()))).collect())
        .unwrap_or_default();
    if let Some(labels) = m.rule_selector_labels.get() {
        for (k, v) in &labels.value {
            if let Some(v) = v.get() {
                k8s_label(lx, k, v);
            }
        }
    }
    let prometheus_url = lx.req(&m.prometheus_url, ms, "spec.monitoring.prometheusUrl")?;
    let url_ok = (prometheus_url.starts_with("http://") || prometheus_url.starts_with("https://"))
        && prometheus_url.bytes().all(|b| b.is_ascii_alphanumeric() || b".:/_-".contains(&b));
    if !url_ok {
        lx.error(
            &codes::LOW019,
            format!("`{}` is not a Prometheus address", prometheus_url.value),
            prometheus_url.span,
            "not an http(s) address",
            "write the address as `http://<service>.<namespace>.svc:9090`",
        );
    }
    let prometheus_namespace = lx.req(&m.prometheus_namespace, ms, "spec.monitoring.prometheusNamespace")?;
    dns_label(lx, &prometheus_namespace, "Prometheus namespace");
    let runbook_base_url = lx.req(&m.runbook_base_url, ms, "spec.monitoring.runbookBaseUrl")?;
    https_url(lx, &runbook_base_url);
    let grafana_url = lx.req(&m.grafana_url, ms, "spec.monitoring.grafanaUrl")?;
    https_url(lx, &grafana_url);
    let grafana_namespace = lx.req(&m.grafana_namespace, ms, "spec.monitoring.grafanaNamespace")?;
    dns_label(lx, &grafana_namespace, "Grafana namespace");
    let grafana_instance_selector = m
        .grafana_instance_selector
        .get()
        .map(|l| {
            l.value
                .iter()
                .filter_map(|(k, v)| v.get().filter(|v| k8s_label(lx, k, v)).map(|v| (k.clone(), v.value.clone())))
                .collect()
        })
        .unwrap_or_default();
    let prometheus_datasource = lx.req(&m.prometheus_datasource, ms, "spec.monitoring.prometheusDatasource")?;
    follows(lx, &prometheus_datasource, &DATASOURCE_UID);
    let logs_datasource = lx.req(&m.logs_datasource, ms, "spec.monitoring.logsDatasource")?;
    follows(lx, &logs_datasource, &DATASOURCE_UID);
    Some(ir::MonitoringPolicy {
        slo_period_days,
        windows,
        rule_selector_labels,
        prometheus_url,
        prometheus_namespace,
        runbook_base_url,
        grafana_url,
        prometheus_datasource,
        logs_datasource,
        grafana_operator: lx.req(&m.grafana_operator, ms, "spec.monitoring.grafanaOperator")?,
        grafana_namespace,
        grafana_instance_selector,
        rule_files: m.rule_files.get().cloned(),
    })
}

/// Two windows with the same severity, long and short window would write the same alert
/// twice (Prometheus' duplicate-rules lint rejects that).
fn duplicate_windows(lx: &mut Lx, windows: &[ir::BurnWindow]) {
    for (i, w) in windows.iter().enumerate() {
        let same = |p: &&ir::BurnWindow| {
            (&p.severity.value, p.long_minutes.value, p.short_minutes.value)
                == (&w.severity.value, w.long_minutes.value, w.short_minutes.value)
        };
        if let Some(prev) = windows[..i].iter().find(same) {
            let dg = ir::Diagnostic::error(
                &codes::LOW020,
                format!(
                    "the {} window {}/{} is listed twice",
                    w.severity.value,
                    ir::slo::duration(w.short_minutes.value),
                    ir::slo::duration(w.long_minutes.value)
                ),
                w.long_minutes.span,
                "second entry",
                "remove one of the two: both would write the same alert",
            )
            .with_label(prev.long_minutes.span, "first listed here");
            lx.diags.push(dg);
        }
    }
}

fn burn_window(lx: &mut Lx, w: &Sp<raw::BurnWindow>, period_days: u32) -> Option<ir::BurnWindow> {
    let ws = w.span;
    let severity = lx.req(&w.severity, ws, "windows[].severity")?;
    if !["page", "ticket"].contains(&severity.value.as_str()) {
        lx.error(
            &codes::LOW020,
            format!("unknown alert severity `{}`", severity.value),
            severity.span,
            "page or ticket",
            "severity is `page` or `ticket`",
        );
    }
    let long = lx.req(&w.long, ws, "windows[].long")?;
    let short = lx.req(&w.short, ws, "windows[].short")?;
    let for_ = lx.req(&w.for_, ws, "windows[].for")?;
    let budget = lx.req(&w.budget_percent, ws, "windows[].budgetPercent")?;
    let (l, s, f) = (duration(lx, &long), duration(lx, &short), duration(lx, &for_));
    let ratio = Ratio::from_percent_text(&budget.value.0);
    let ratio = match ratio {
        Some(r) if r.0 > 0 && r.0 <= ratio_one() => r,
        _ => {
            lx.error(
                &codes::LOW020,
                format!("budget share `{}` is not a percentage above 0 and at most 100", budget.value.0),
                budget.span,
                "not a percentage",
                "write the percent of the error budget, e.g. `budgetPercent: 2`",
            );
            return None;
        }
    };
    let (l, s, f) = (l?, s?, f?);
    if l % 60 != 0 || s % 60 != 0 || f % 60 != 0 {
        lx.error(
            &codes::LOW020,
            "alert windows must be whole minutes",
            long.span,
            "not whole minutes",
            "use `m`, `h` or `d` units",
        );
        return None;
    }
    if s >= l {
        lx.diags.push(
            ir::Diagnostic::error(&codes::LOW020, format!("the short window `{}` is not shorter than the long window `{}`", short.value, long.value), short.span, "short window", "the short window confirms the long one is still burning: make it shorter (about 1/12 of the long window)")
                .with_label(long.span, "long window"),
        );
        return None;
    }
    if l > u64::from(period_days) * 86_400 {
        lx.error(
            &codes::LOW020,
            format!("the long window `{}` is longer than the SLO period", long.value),
            long.span,
            "longer than the period",
            "use a window shorter than the SLO period",
        );
        return None;
    }
    let minutes = |v: u64, sp: Span| Sp::new(u32::try_from(v / 60).unwrap_or(u32::MAX), sp);
    Some(ir::BurnWindow {
        severity,
        long_minutes: minutes(l, long.span),
        short_minutes: minutes(s, short.span),
        budget_consumed: Sp::new(ratio, budget.span),
        for_minutes: minutes(f, for_.span),
    })
}

const fn ratio_one() -> u64 {
    ir::ratio::ONE
}

fn ingress(lx: &mut Lx, s: &raw::OrgSpec, sp: Span) -> Option<ir::IngressPolicy> {
    let i = lx.req(&s.ingress, sp, "spec.ingress")?;
    let is = i.span;
    let load_balancer_cidrs: Vec<Sp<String>> = lx
        .req(&i.load_balancer_cidrs, is, "spec.ingress.loadBalancerCidrs")?
        .value
        .iter()
        .filter_map(opt)
        .filter(|c| super::cidr(lx, c))
        .collect();
    Some(ir::IngressPolicy {
        by_default: lx.req(&i.by_default, is, "spec.ingress.byDefault")?,
        class: lx.req(&i.class, is, "spec.ingress.class")?,
        internal_class: lx.req(&i.internal_class, is, "spec.ingress.internalClass")?,
        tls: lx.req(&i.tls, is, "spec.ingress.tls")?.map(|t| match t {
            raw::TlsSource::CertManager => ir::TlsSource::CertManager,
            raw::TlsSource::Acm => ir::TlsSource::Acm,
        }),
        cluster_issuer: lx.req(&i.cluster_issuer, is, "spec.ingress.clusterIssuer")?,
        gateway_api: lx.req(&i.gateway_api, is, "spec.ingress.gatewayApi")?,
        controller_namespace: lx.req(&i.controller_namespace, is, "spec.ingress.controllerNamespace")?,
        internal_controller_namespace: lx.req(
            &i.internal_controller_namespace,
            is,
            "spec.ingress.internalControllerNamespace",
        )?,
        load_balancer_cidrs,
        gateway: lx.req(&i.gateway, is, "spec.ingress.gateway")?,
        internal_gateway: lx.req(&i.internal_gateway, is, "spec.ingress.internalGateway")?,
    })
}

fn egress(lx: &mut Lx, s: &raw::OrgSpec, sp: Span) -> Option<ir::EgressPolicy> {
    let e = lx.req(&s.egress, sp, "spec.egress")?;
    let es = e.span;
    let aws_apis = lx.req(&e.aws_apis, es, "spec.egress.awsApis")?;
    let aws_apis: Vec<Sp<String>> = aws_apis.value.iter().filter_map(opt).collect();
    for c in &aws_apis {
        super::cidr(lx, c);
    }
    let custom = lx.req(&e.custom, es, "spec.egress.custom")?;
    let mut destinations = BTreeMap::new();
    if let Some(ds) = e.destinations.get() {
        for (name, d) in &ds.value {
            let Some(d) = d.get() else { continue };
            let at = Sp::new(name.clone(), d.span);
            dns_label(lx, &at, "egress destination name");
            let cidrs: Vec<Sp<String>> =
                lx.req(&d.cidrs, d.span, "cidrs").map(|c| c.value.iter().filter_map(opt).collect()).unwrap_or_default();
            let ports =
                lx.req(&d.ports, d.span, "ports").map(|p| p.value.iter().filter_map(opt).collect::<Vec<Sp<u16>>>());
            for c in &cidrs {
                super::cidr(lx, c);
            }
            if let Some(ports) = &ports {
                egress_ports(lx, ports, d.span);
            }
            let ports: Vec<Sp<u16>> = ports.unwrap_or_default();
            destinations.insert(name.clone(), ir::EgressDestination { name: at, cidrs, ports });
        }
    }
    Some(ir::EgressPolicy { aws_apis, destinations, custom })
}

/// TCP ports of an egress rule: at least one, none zero.
pub(crate) fn egress_ports(lx: &mut Lx, ports: &[Sp<u16>], at: Span) {
    if ports.is_empty() {
        lx.error(
            &codes::LOW019,
            "an egress destination without ports",
            at,
            "no `ports`",
            "list its TCP ports, e.g. `ports: [443]`",
        );
    }
    for p in ports.iter().filter(|p| p.value == 0) {
        lx.error(
            &codes::LOW007,
            "port must be between 1 and 65535, found 0",
            p.span,
            "out of range",
            "use the destination's TCP port, e.g. 443",
        );
    }
}

fn terraform(lx: &mut Lx, s: &raw::OrgSpec, sp: Span) -> Option<ir::TerraformPolicy> {
    let t = lx.req(&s.terraform, sp, "spec.terraform")?;
    let ts = t.span;
    let rotation = lx.req(&t.rotation_lambda, ts, "spec.terraform.rotationLambda").map(|r| rotation_lambda(lx, r));
    let dns = lx.req(&t.dns_target, ts, "spec.terraform.dnsTarget").map(|d| dns_target(lx, d));
    let store_role =
        lx.req(&t.secret_store_role, ts, "spec.terraform.secretStoreRole").map(|r| secret_store_role(lx, r));
    Some(ir::TerraformPolicy {
        required_version: lx.req(&t.required_version, ts, "spec.terraform.requiredVersion")?,
        aws_provider: lx.req(&t.aws_provider, ts, "spec.terraform.awsProvider")?,
        random_provider: lx.req(&t.random_provider, ts, "spec.terraform.randomProvider")?,
        kubernetes_provider: lx.req(&t.kubernetes_provider, ts, "spec.terraform.kubernetesProvider")?,
        cluster_access: lx.req(&t.cluster_access, ts, "spec.terraform.clusterAccess")?,
        state_bucket: lx.req(&t.state_bucket, ts, "spec.terraform.stateBucket")?,
        lock_table: lx.req(&t.lock_table, ts, "spec.terraform.lockTable")?,
        manage_dns: lx.req(&t.manage_dns, ts, "spec.terraform.manageDns")?,
        module_source: lx.req(&t.module_source, ts, "spec.terraform.moduleSource").inspect(|m| {
            literal_secrets::refuse_in_text(lx, m, "module source");
        })?,
        rotation_lambda: rotation?,
        secret_store_role: store_role?,
        dns_target: dns?,
    })
}

/// A Lambda function name: 1 to 64 letters, digits, `-` and `_`.
fn rotation_lambda(lx: &mut Lx, name: Sp<String>) -> Sp<String> {
    let ok =
        (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !ok {
        lx.error(
            &codes::LOW019,
            format!("`{}` is not a Lambda function name", name.value),
            name.span,
            "not a function name",
            "write the function's name (1 to 64 letters, digits, `-` and `_`), not its ARN",
        );
    }
    name
}

/// An IAM role name (1 to 64 letters, digits and `+=,.@_-`), or empty.
fn secret_store_role(lx: &mut Lx, name: Sp<String>) -> Sp<String> {
    let ok = name.len() <= 64 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
    if !ok {
        lx.error(
            &codes::LOW019,
            format!("`{}` is not an IAM role name", name.value),
            name.span,
            "not a role name",
            "write the role's name (up to 64 letters, digits and `+=,.@_-`), not its ARN; empty if the org grants the secret store's access itself",
        );
    }
    name
}

/// A DNS name pattern: with sample values for its placeholders it must be a DNS name.
fn dns_target(lx: &mut Lx, pattern: Sp<String>) -> Sp<String> {
    let sample = pattern.replace("{exposure}", "public").replace("{domain}", "example.com");
    if !is_dns_name(&sample) {
        lx.error(&codes::LOW019, format!("`{}` is not a DNS name pattern", pattern.value), pattern.span, "not a DNS name", "write a lowercase DNS name; `{exposure}` and `{domain}` are replaced per environment, e.g. `{exposure}-ingress.{domain}`");
    }
    pattern
}

fn ci(lx: &mut Lx, s: &raw::OrgSpec, sp: Span) -> Option<ir::CiPolicy> {
    let c = lx.req(&s.ci, sp, "spec.ci")?;
    let cs = c.span;
    let c = &c.value;
    let platform_repository = lx.req(&c.platform_repository, cs, "spec.ci.platformRepository");
    if let Some(url) = &platform_repository {
        literal_secrets::refuse_in_text(lx, url, "platform repository");
        https_url(lx, url);
    }
    let platform_binary = c.platform_binary.get().and_then(|b| {
        let url = lx.req(&b.url, b.span, "spec.ci.platformBinary.url")?;
        let sha256 = lx.req(&b.sha256, b.span, "spec.ci.platformBinary.sha256")?;
        let url_ok = https_url(lx, &url);
        let sha_ok = sha256.len() == 64 && sha256.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c));
        if !sha_ok {
            lx.error(
                &codes::LOW019,
                format!("`{}` is not a SHA-256 digest", sha256.value),
                sha256.span,
                "not 64 lowercase hex digits",
                "write the binary's `sha256sum`: 64 lowercase hex digits",
            );
        }
        (url_ok && sha_ok).then_some(ir::PlatformBinary { url, sha256 })
    });
    Some(ir::CiPolicy {
        platform_binary,
        generated_dir: lx.req(&c.generated_dir, cs, "spec.ci.generatedDir")?,
        helm_version: lx.req(&c.helm_version, cs, "spec.ci.helmVersion")?,
        terraform_version: lx.req(&c.terraform_version, cs, "spec.ci.terraformVersion")?,
        platform_repository: platform_repository?,
        platform_version: lx.req(&c.platform_version, cs, "spec.ci.platformVersion")?,
    })
}

/// A full commit SHA: 40 lowercase hex digits. Reports it otherwise.
fn commit_sha(lx: &mut Lx, sha: &Sp<String>, help: &str) -> bool {
    let ok = sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
    if !ok {
        lx.error(
            &codes::LOW019,
            format!("`{}` is not a full commit SHA", sha.value),
            sha.span,
            "not 40 hex digits",
            help,
        );
    }
    ok
}

/// `spec.packages`: the version of the org's packages, and where the workflows are published.
fn packages(lx: &mut Lx, s: &raw::OrgSpec, sp: Span) -> Option<ir::Packages> {
    let p = lx.req(&s.packages, sp, "spec.packages")?;
    let version = lx.req(&p.value.version, p.span, "spec.packages.version")?;
    let semver = version.split('.').count() == 3
        && version
            .split('.')
            .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && (n == "0" || !n.starts_with('0')));
    if !semver {
        lx.error(
            &codes::LOW019,
            format!("`{}` is not a version", version.value),
            version.span,
            "not MAJOR.MINOR.PATCH",
            "write the packages' version as three numbers, e.g. `1.4.0` (no `v`: the tag `v1.4.0` is made from it)",
        );
    }
    let workflows = p.value.workflows.get().and_then(|w| {
        let repository = lx.req(&w.value.repository, w.span, "spec.packages.workflows.repository")?;
        let sha = lx.req(&w.value.sha, w.span, "spec.packages.workflows.sha")?;
        let mut parts = repository.split('/');
        let named = |p: Option<&str>| {
            p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)))
        };
        let repo_ok = named(parts.next()) && named(parts.next()) && parts.next().is_none();
        if !repo_ok {
            lx.error(
                &codes::LOW019,
                format!("`{}` is not a GitHub repository", repository.value),
                repository.span,
                "not owner/name",
                "write the repository of the reusable workflows as `owner/name`, e.g. `acme/platform-workflows`",
            );
        }
        let sha_ok = commit_sha(
            lx,
            &sha,
            "pin the workflows by the full commit SHA of their release tag (`git rev-parse v1.4.0`)",
        );
        (repo_ok && sha_ok).then_some(ir::WorkflowsRepository { repository, sha })
    });
    let mode = lx.req(&p.value.mode, p.span, "spec.packages.mode")?.map(|m| match m {
        raw::Packaging::Vendored => ir::Packaging::Vendored,
        raw::Packaging::Packaged => ir::Packaging::Packaged,
    });
    let charts = p.value.charts.get().cloned().filter(|c| {
        let path = c.value.strip_prefix("oci://ghcr.io/");
        let ok = path.is_some_and(|p| {
            p.split('/').all(|part| {
                !part.is_empty()
                    && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
            })
        });
        if !ok {
            lx.error(
                &codes::LOW019,
                format!("`{}` is not an OCI repository on ghcr.io", c.value),
                c.span,
                "not oci://ghcr.io/<owner>/<path>",
                "write the repository the library chart is pushed to, e.g. `oci://ghcr.io/acme/charts` (lowercase); the deploy logs in to the GitHub Container Registry with its own token, other registries are not supported yet",
            );
        }
        ok
    });
    Some(ir::Packages { mode, version, workflows, charts })
}

fn actions(lx: &mut Lx, s: &raw::OrgSpec) -> BTreeMap<String, ir::ActionPin> {
    let mut out = BTreeMap::new();
    let Some(map) = s.actions.get() else { return out };
    for (key, f) in &map.value {
        let Some(a) = f.get() else { continue };
        let path = format!("spec.actions.{key}");
        let uses = lx.req(&a.uses, a.span, &format!("{path}.uses"));
        let sha = lx.req(&a.sha, a.span, &format!("{path}.sha"));
        let version = lx.req(&a.version, a.span, &format!("{path}.version"));
        if let Some(sha) = &sha {
            commit_sha(lx, sha, "pin actions by the full 40-character lowercase commit SHA");
        }
        if let Some(uses) = &uses {
            let ok =
                uses.split('/').count() >= 2 && uses.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./".contains(&b));
            if !ok {
                lx.error(
                    &codes::LOW019,
                    format!("`{}` is not an `owner/repo` action reference", uses.value),
                    uses.span,
                    "not owner/repo",
                    "write the action as `owner/repo` or `owner/repo/path`",
                );
            }
        }
        if let (Some(uses), Some(sha), Some(version)) = (uses, sha, version) {
            out.insert(key.clone(), ir::ActionPin { uses, sha, version });
        }
    }
    out
}
