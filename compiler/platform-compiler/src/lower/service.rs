//! A `platform.yaml` (already decoded) → [`ir::Service`], resolved against its org.
//!
//! Dependencies are only parsed here; binding them to other services is validation's job.

use platform_ir as ir;
use platform_ir::{Cpu, Diagnostic, Memory, Ratio, Sp, Span, naming};
use platform_syntax::Field;
use platform_syntax::de::decode;
use platform_syntax::yaml::{Kind, Node};

use crate::codes;
use crate::lower::checks::{REGISTRY, WORD, dns_label, duration, follows, https_url, is_dns_label, is_dns_name, range};
use crate::lower::org::{canary_steps, check_header, label_matcher, metric_name};
use crate::lower::{Lx, list, literal_secrets, opt};
use crate::merge::{get, merge};
use crate::raw;

/// Keys an `environments.<env>` block may hold.
pub const OVERRIDABLE: &[&str] = &["runtime", "database", "ingress"];

/// Where the service file lives, for the IR.
pub struct Origin<'a> {
    /// Directory relative to the build root.
    pub dir: &'a str,
    /// Index of the org in the build.
    pub org_index: usize,
}

/// Lower one service file. `None` when required parts are missing (already reported).
pub fn lower(
    lx: &mut Lx,
    org: &ir::Org,
    node: &Node,
    file: &raw::ServiceFile,
    origin: &Origin<'_>,
) -> Option<ir::Service> {
    let root = node.span;
    check_header(lx, &file.api_version, &file.kind, "Service", root);
    let meta = lx.req(&file.metadata, root, "metadata");
    let spec_f = lx.req(&file.spec, root, "spec");
    let meta = meta?;
    let ms = meta.span;
    let name = lx.req(&meta.name, ms, "metadata.name");
    let team = lx.req(&meta.team, ms, "metadata.team");
    let tier = Lx::or(&meta.tier, || Sp::new(raw::Tier::Standard, ms)).map(tier_ir);
    let name_ok = name.as_ref().is_some_and(|n| dns_label(lx, n, "service name"));
    if let Some(t) = &team {
        dns_label(lx, t, "team name");
    }
    let spec = spec_f?;
    let ss = spec.span;
    let s = &spec.value;
    let language = lx.req(&s.language, ss, "spec.language").map(|l| l.map(language_ir));
    let name = name?;
    let team = team?;
    let policy = org.tier(tier.value);

    let toolchain = language.as_ref().and_then(|l| org.languages.get(&l.value));
    let framework = opt(&s.framework).or_else(|| toolchain.and_then(|t| t.framework.clone()));
    if let Some(f) = opt(&s.framework) {
        follows(lx, &f, &WORD);
    }
    let previous_names = previous_names(lx, &meta, &name);
    // Like every AWS name, the image repository keeps the first name through a rename: an
    // ECR repository holding images cannot be renamed, only replaced.
    let image = match opt(&s.image) {
        Some(image) => {
            image_ref(lx, &image);
            image
        }
        None => {
            let first = previous_names.first().unwrap_or(&name);
            Sp::new(format!("{}/{}", org.registry.value, first.value), org.registry.span)
        }
    };
    let port = Lx::or(&s.port, || Sp::new(8080, ss));
    if port.value == 0 {
        lx.error(
            &codes::LOW007,
            "port must be between 1 and 65535, found 0",
            port.span,
            "out of range",
            "use the port the app listens on, e.g. 8080",
        );
    }
    let health = health(lx, s, ss);
    let runtime = runtime(lx, s.runtime.get(), ss, policy);
    let database = s.database.get().and_then(|d| database(lx, org, d, policy));
    let secrets = secrets(lx, s);
    let ingress = service_ingress(lx, org, s);
    let depends_on = dependencies(lx, s);
    let egress = egress(lx, org, s);
    let monitoring = monitoring(lx, s, ss, toolchain);
    let logging = logging(s, ss);
    let deployment = deployment(lx, org, s, ss);
    let description =
        opt(&meta.description).unwrap_or_else(|| Sp::new(format!("The {} service.", name.value), name.span));
    literal_secrets::refuse_in_text(lx, &description, "description");
    let system = opt(&meta.system).unwrap_or_else(|| team.clone());
    dns_label(lx, &system, "system name");
    let tags = tags(lx, &meta);
    let links = list(&meta.links)
        .into_iter()
        .filter_map(|l| {
            let title = lx.req(&l.title, l.span, "links[].title")?;
            let url = lx.req(&l.url, l.span, "links[].url")?;
            literal_secrets::refuse_in_text(lx, &url, "link");
            https_url(lx, &url).then_some(ir::Link { title, url })
        })
        .collect();
    let environments = environments(lx, org, node, file, &name, &team, ingress.as_ref(), policy);
    for e in environments.iter().flatten() {
        env_names(lx, &e.runtime.env, &secrets, e.database.as_ref());
    }
    if name_ok {
        // The names a service's databases add, in whichever environments it has them.
        let mut engines: Vec<ir::Engine> = database.iter().map(|d| d.engine.value).collect();
        engines.extend(environments.iter().flatten().filter_map(|e| e.database.as_ref().map(|d| d.engine.value)));
        name_lengths(lx, org, &name, Some(&engines));
    }

    Some(ir::Service {
        name,
        previous_names,
        accepted_risks: super::accepted_risks::lower(lx, &meta.accepted_risks),
        source: root.file,
        org: origin.org_index,
        dir: origin.dir.to_owned(),
        team,
        tier,
        description,
        system,
        tags,
        links,
        language: language?,
        framework,
        image,
        port,
        health,
        runtime: runtime?,
        database,
        secrets,
        ingress,
        depends_on,
        egress,
        dependents: Vec::new(),
        monitoring: monitoring?,
        logging,
        deployment: deployment?,
        environments: environments?,
    })
}

fn tier_ir(t: raw::Tier) -> ir::Tier {
    match t {
        raw::Tier::Critical => ir::Tier::Critical,
        raw::Tier::Standard => ir::Tier::Standard,
        raw::Tier::Experimental => ir::Tier::Experimental,
    }
}

fn language_ir(l: raw::Language) -> ir::Language {
    match l {
        raw::Language::Typescript => ir::Language::Typescript,
        raw::Language::Go => ir::Language::Go,
        raw::Language::Python => ir::Language::Python,
        raw::Language::Rust => ir::Language::Rust,
        raw::Language::Java => ir::Language::Java,
    }
}

/// Check a would-be service name by the rules `metadata.name` obeys: a DNS-1123 label
/// (LOW004) short enough for every derived name (LOW005), of any database it may get. For
/// tools that create services (`platform new`); the diagnostics point at `name`'s span.
pub fn check_name(org: &ir::Org, name: &Sp<String>) -> Vec<ir::Diagnostic> {
    let mut lx = Lx::default();
    if dns_label(&mut lx, name, "service name") {
        name_lengths(&mut lx, org, name, None);
    }
    lx.diags
}

/// LOW005 for the first derived name `name` is too long for: every name the service has, by
/// the engines of its databases (`None`: not known yet, so every name).
fn name_lengths(lx: &mut Lx, org: &ir::Org, name: &Sp<String>, engines: Option<&[ir::Engine]>) {
    let longest_env =
        org.environments.iter().map(|e| e.name.value.as_str()).max_by_key(|e| e.len()).unwrap_or("production");
    for d in naming::DERIVED.iter().filter(|d| engines.is_none_or(|e| d.applies.to(e))) {
        let derived = (d.build)(&name.value, longest_env);
        if derived.len() > d.max_len {
            let over = derived.len() - d.max_len;
            lx.error(
                &codes::LOW005,
                format!("service name `{}` is too long for the {}", name.value, d.what),
                name.span,
                format!("{} characters too long", over),
                format!(
                    "the {} would be `{derived}` ({} characters, at most {}); shorten the name to {} characters or fewer",
                    d.what,
                    derived.len(),
                    d.max_len,
                    name.value.len() - over
                ),
            );
            return;
        }
    }
}

fn image_ref(lx: &mut Lx, image: &Sp<String>) {
    let has_tag = image.rsplit('/').next().is_some_and(|last| last.contains(':') || last.contains('@'));
    // `host[:port]/path`: the registry rule of the org file, and at least one path segment.
    let ok = !has_tag && image.contains('/') && (REGISTRY.ok)(&image.value);
    if !ok {
        lx.error(
            &codes::LOW019,
            format!("`{}` is not an image repository", image.value),
            image.span,
            if has_tag { "tag given" } else { "not a repository reference" },
            "write a registry host and the repository, without a tag (CI sets the tag to the commit SHA): `ghcr.io/acme/payment-api`",
        );
    }
}

fn http_path(lx: &mut Lx, p: &Sp<String>) -> bool {
    let ok = p.starts_with('/')
        && p.bytes().all(|b| b.is_ascii_alphanumeric() || b"/-_.~".contains(&b))
        && !p.split('/').any(|seg| seg == "." || seg == "..");
    if !ok {
        lx.error(
            &codes::LOW019,
            format!("`{}` is not an HTTP path", p.value),
            p.span,
            "not a path",
            "paths start with `/` and use letters, digits, `-`, `_`, `.` and `~`, with no `.` or `..` segment",
        );
    }
    ok
}

fn health(lx: &mut Lx, s: &raw::ServiceSpec, ss: Span) -> ir::Health {
    let h = s.health.get();
    let span = h.map_or(ss, |h| h.span);
    let get = |f: Option<&Field<String>>, d: &str| f.and_then(opt).unwrap_or_else(|| Sp::new(d.to_owned(), span));
    let liveness = get(h.map(|h| &h.liveness), "/healthz");
    let readiness = get(h.map(|h| &h.readiness), "/readyz");
    let startup = h.and_then(|h| opt(&h.startup)).unwrap_or_else(|| liveness.clone());
    for p in [&liveness, &readiness, &startup] {
        http_path(lx, p);
    }
    ir::Health { liveness, readiness, startup }
}

fn cpu(lx: &mut Lx, f: &Sp<String>) -> Option<Sp<Cpu>> {
    match Cpu::parse(&f.value) {
        Ok(c) if c.0 > 64_000 => {
            let help = if f.value.bytes().all(|b| b.is_ascii_digit()) {
                format!("`{}` means {} whole cores; for millicores write `\"{}m\"`", f.value, f.value, f.value)
            } else {
                "no node has that many cores; use at most `\"64\"`".to_owned()
            };
            lx.error(
                &codes::LOW006,
                format!("cpu `{}` is more than any node has", f.value),
                f.span,
                "implausible cpu",
                help,
            );
            None
        }
        Ok(c) => Some(Sp::new(c, f.span)),
        Err(why) => {
            let help = match Cpu::suggest(&f.value) {
                Some(q) => format!("write `\"{q}\"`: millicores end in a lowercase `m`, cores are a plain number"),
                None => "write millicores like `\"500m\"` or cores like `\"2\"`".to_owned(),
            };
            lx.error(&codes::LOW006, format!("`{}` is not a cpu quantity", f.value), f.span, why, help);
            None
        }
    }
}

fn memory(lx: &mut Lx, f: &Sp<String>) -> Option<Sp<Memory>> {
    match Memory::parse(&f.value) {
        Ok(m) if m.0 < (16 << 20) => {
            lx.error(
                &codes::LOW006,
                format!("memory `{}` is less than 16Mi", f.value),
                f.span,
                "too little memory",
                "no service runs in less than `16Mi`; write e.g. `\"256Mi\"`",
            );
            None
        }
        Ok(m) if m.0 > (1 << 40) => {
            lx.error(
                &codes::LOW006,
                format!("memory `{}` is more than any node has", f.value),
                f.span,
                "implausible memory",
                "use at most `\"1Ti\"`",
            );
            None
        }
        Ok(m) => Some(Sp::new(m, f.span)),
        Err(why) => {
            let help = match Memory::suggest(&f.value) {
                Some(q) => format!("write `\"{q}\"`: Kubernetes memory is a whole number and a unit (Ki, Mi, Gi)"),
                None => "write a whole number and a binary unit, like `\"512Mi\"` or `\"1Gi\"`".to_owned(),
            };
            lx.error(&codes::LOW006, format!("`{}` is not a memory quantity", f.value), f.span, why, help);
            None
        }
    }
}

/// The second half of every literal-secret help: a value that reached a file is exposed.
const ROTATE: &str = "A value that was ever committed or shared is exposed: rotate it at its issuer, and set the new one with the secret store";

/// `runtime.envNotSecret`: each waiver names a variable of `env` and says why in three words
/// or more, so a reviewer reads the reason next to the key.
fn env_waivers(lx: &mut Lx, r: Option<&Sp<raw::Runtime>>) -> Vec<Sp<String>> {
    let Some(map) = r.and_then(|r| r.env_not_secret.get()) else { return Vec::new() };
    let env = r.and_then(|r| r.env.get());
    let mut out = Vec::new();
    for (k, reason) in &map.value {
        let Some(reason) = reason.get() else { continue };
        if !env.is_some_and(|e| e.value.contains_key(k)) {
            lx.error(
                &codes::LOW019,
                format!("`{k}` is waived as no secret, but `env` has no such variable"),
                reason.span,
                "waiver for nothing",
                "remove the waiver, or correct the variable's name",
            );
            continue;
        }
        if reason.split_whitespace().count() < 3 {
            lx.error(
                &codes::LOW019,
                format!("the waiver of `{k}` gives no reason"),
                reason.span,
                "say why",
                "write in a few words why the value is not a secret, e.g. `the policy's name, not a password`",
            );
            continue;
        }
        out.push(Sp::new(k.clone(), reason.span));
    }
    out
}

fn runtime(lx: &mut Lx, r: Option<&Sp<raw::Runtime>>, parent: Span, policy: &ir::TierPolicy) -> Option<ir::Runtime> {
    let span = r.map_or(parent, |r| r.span);
    let replicas = r.and_then(|r| opt(&r.replicas)).unwrap_or_else(|| policy.min_replicas.clone());
    range(lx, &replicas, 1, 100, "replicas");
    let cpu_f = r.and_then(|r| opt(&r.cpu)).unwrap_or_else(|| Sp::new("250m".into(), span));
    let mem_f = r.and_then(|r| opt(&r.memory)).unwrap_or_else(|| Sp::new("256Mi".into(), span));
    let cpu_v = cpu(lx, &cpu_f);
    let mem_v = memory(lx, &mem_f);
    let cpu_limit = r.and_then(|r| opt(&r.cpu_limit)).and_then(|c| cpu(lx, &c));
    if let (Some(l), Some(c)) = (&cpu_limit, &cpu_v)
        && l.value < c.value
    {
        lx.error(
            &codes::LOW006,
            format!("cpu limit `{}` is below the request `{}`", l.value, c.value),
            l.span,
            "below the request",
            "raise the limit to at least the request, or remove it",
        );
    }
    let waivers = env_waivers(lx, r);
    let mut env = Vec::new();
    if let Some(map) = r.and_then(|r| r.env.get()) {
        for (k, v) in &map.value {
            let Some(v) = v.get() else { continue };
            let key_span = v.span;
            let valid = k.bytes().next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
                && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if !valid {
                lx.error(
                    &codes::LOW012,
                    format!("`{k}` is not a valid environment variable name"),
                    key_span,
                    "invalid name",
                    "use letters, digits and `_`, not starting with a digit",
                );
                continue;
            }
            let waived = waivers.iter().any(|w| w.value == *k);
            if let Some(why) = literal_secrets::in_env(k, &v.value).filter(|_| !waived) {
                let secret = k.to_ascii_lowercase().replace('_', "-");
                lx.diags.push(
                    Diagnostic::error(
                        &codes::LOW009,
                        format!("the environment variable `{k}` holds a literal secret value: {why}"),
                        v.span,
                        "secret value written here",
                        format!("remove the value and declare `secrets: [{{name: {secret}}}]`; the pod then reads it from the secret store as `{k}`. {ROTATE}. If it is no secret, say why under `runtime.envNotSecret: {{{k}: \"…\"}}`"),
                    )
                    .redacted(),
                );
                continue;
            }
            env.push(ir::EnvVar { name: Sp::new(k.clone(), key_span), value: v.clone() });
        }
    }
    let autoscaling = r.and_then(|r| r.autoscaling.get()).and_then(|a| {
        let min = opt(&a.min).unwrap_or_else(|| replicas.clone());
        let max = lx.req(&a.max, a.span, "runtime.autoscaling.max")?;
        let target = opt(&a.target_cpu).unwrap_or_else(|| Sp::new(70, a.span));
        range(lx, &min, 1, 100, "autoscaling.min");
        range(lx, &max, 1, 500, "autoscaling.max");
        range(lx, &target, 10, 100, "autoscaling.targetCPU");
        if max.value < min.value {
            lx.error(
                &codes::LOW007,
                format!("autoscaling max {} is below min {}", max.value, min.value),
                max.span,
                "below min",
                "set `max` to at least `min`",
            );
        }
        Some(ir::Autoscaling { min, max, target_cpu_percent: target })
    });
    Some(ir::Runtime { replicas, cpu: cpu_v?, memory: mem_v?, cpu_limit, env, autoscaling })
}

fn database(lx: &mut Lx, org: &ir::Org, d: &Sp<raw::Database>, policy: &ir::TierPolicy) -> Option<ir::Database> {
    let Some(engine) = lx.req(&d.engine, d.span, "spec.database.type") else {
        // The type is missing or wrong (reported): a size that no engine offers is still
        // reported in the same run, so one mistake does not hide the next.
        if let Some(size) = opt(&d.size)
            && !org.databases.values().any(|c| c.sizes.contains_key(&size.value))
        {
            let names: std::collections::BTreeSet<&str> =
                org.databases.values().flat_map(|c| c.sizes.keys().map(String::as_str)).collect();
            let names: Vec<&str> = names.into_iter().collect();
            let help = ir::diagnostic::did_you_mean_or_list(&size.value, &names, "the org's sizes");
            lx.error(
                &codes::LOW010,
                format!("unknown database size `{}`", size.value),
                size.span,
                "not in the org's size tables",
                help,
            );
        }
        return None;
    };
    let engine = engine.map(|e| match e {
        raw::Engine::Postgres => ir::Engine::Postgres,
        raw::Engine::Redis => ir::Engine::Redis,
    });
    let Some(catalog) = org.databases.get(&engine.value) else {
        lx.error(
            &codes::LOW010,
            format!("the org offers no `{}` databases", engine.value),
            engine.span,
            "not offered",
            "ask the platform team to add the engine to `spec.databases`",
        );
        return None;
    };
    let size = opt(&d.size).unwrap_or_else(|| Sp::new("small".into(), d.span));
    let Some(class) = catalog.sizes.get(&size.value) else {
        let names: Vec<&str> = catalog.sizes.keys().map(String::as_str).collect();
        let help =
            ir::diagnostic::did_you_mean_or_list(&size.value, &names, &format!("the org's sizes for {}", engine.value));
        lx.error(
            &codes::LOW010,
            format!("unknown {} size `{}`", engine.value, size.value),
            size.span,
            "not in the org's size table",
            help,
        );
        return None;
    };
    let version = opt(&d.version).unwrap_or_else(|| catalog.default_version.clone());
    if !catalog.allowed_versions.iter().any(|v| v.value == version.value) {
        let allowed = catalog.allowed_versions.iter().map(|v| format!("`{}`", v.value)).collect::<Vec<_>>().join(", ");
        lx.error(
            &codes::LOW011,
            format!("{} version `{}` is not allowed by the org", engine.value, version.value),
            version.span,
            "not allowed",
            format!("use one of {allowed}, or remove `version` for the default"),
        );
    }
    let backup_days = opt(&d.backup_retention_days).unwrap_or_else(|| policy.backup_days.clone());
    range(lx, &backup_days, 0, 35, "backupRetentionDays");
    Some(ir::Database {
        engine,
        instance_class: class.instance_class.clone(),
        storage_gib: class.storage_gib.clone(),
        size,
        version,
        backup_days,
        deletion_protection: opt(&d.deletion_protection).unwrap_or_else(|| policy.deletion_protection.clone()),
        multi_az: policy.multi_az.clone(),
    })
}

fn secrets(lx: &mut Lx, s: &raw::ServiceSpec) -> Vec<ir::Secret> {
    let mut out: Vec<ir::Secret> = Vec::new();
    for sec in list(&s.secrets) {
        if let Some(sp) = sec.value.value.span() {
            lx.diags.push(
                Diagnostic::error(
                    &codes::LOW009,
                    "a secret value is written in the file",
                    sp,
                    "secret value written here",
                    format!("remove `value:`: declare the secret by name only and put its value into the secret store. {ROTATE}"),
                )
                .redacted(),
            );
        }
        let Some(name) = lx.req(&sec.name, sec.span, "secrets[].name") else { continue };
        if !dns_label(lx, &name, "secret name") {
            continue;
        }
        if name.value == "database" {
            lx.error(
                &codes::LOW019,
                "the secret name `database` is reserved",
                name.span,
                "reserved name",
                "the database credentials are already stored as `<env>/<service>/database`; give this secret another name, e.g. `database-admin`",
            );
            continue;
        }
        if let Some(prev) = out.iter().find(|p| p.name.value == name.value) {
            let d = ir::Diagnostic::error(
                &codes::LOW013,
                format!("secret `{}` is declared twice", name.value),
                name.span,
                "second declaration",
                "remove one of the two",
            )
            .with_label(prev.name.span, "first declared here");
            lx.diags.push(d);
            continue;
        }
        let rotation_days = opt(&sec.rotation_days);
        if let Some(r) = &rotation_days {
            range(lx, r, 1, 365, "rotationDays");
        }
        out.push(ir::Secret { name, rotation_days });
    }
    out.sort_by(|a, b| a.name.value.cmp(&b.name.value));
    out
}

/// The service's ingress: as written, none with `enabled: false`, and when it writes none,
/// the org's default (internal, `/`, the default host; spans at the org's `byDefault`).
fn service_ingress(lx: &mut Lx, org: &ir::Org, s: &raw::ServiceSpec) -> Option<ir::Ingress> {
    match s.ingress.get() {
        Some(i) if opt(&i.enabled).is_some_and(|e| !e.value) => None,
        Some(i) => ingress(lx, i),
        None if org.ingress.by_default.value => {
            let at = org.ingress.by_default.span;
            Some(ir::Ingress {
                host: None,
                exposure: Sp::new(ir::Exposure::Internal, at),
                paths: vec![Sp::new("/".into(), at)],
            })
        }
        None => None,
    }
}

fn ingress(lx: &mut Lx, i: &Sp<raw::Ingress>) -> Option<ir::Ingress> {
    let host = opt(&i.host);
    if let Some(h) = &host
        && !is_dns_name(h)
    {
        lx.error(
            &codes::LOW019,
            format!("`{}` is not a DNS host name", h.value),
            h.span,
            "not a host name",
            "write a lowercase DNS name such as `pay.example.com`",
        );
    }
    let exposure = opt(&i.exposure).map_or_else(
        || Sp::new(ir::Exposure::Internal, i.span),
        |e| {
            e.map(|e| match e {
                raw::Exposure::Public => ir::Exposure::Public,
                raw::Exposure::Internal => ir::Exposure::Internal,
            })
        },
    );
    let mut paths = list(&i.paths);
    paths.retain(|p| http_path(lx, p));
    if paths.is_empty() {
        paths.push(Sp::new("/".into(), i.span));
    }
    Some(ir::Ingress { host, exposure, paths })
}

/// The service's egress rules: org destinations by name, or CIDRs of its own where the org
/// allows them.
fn egress(lx: &mut Lx, org: &ir::Org, s: &raw::ServiceSpec) -> Vec<ir::Egress> {
    let mut out = Vec::new();
    for e in list(&s.egress) {
        let (to, cidr) = (opt(&e.to), opt(&e.cidr));
        let ports = list(&e.ports);
        match (to, cidr) {
            (Some(to), None) => {
                if !ports.is_empty() {
                    lx.error(
                        &codes::LOW019,
                        "`ports` belong to the org's destination, not to `to`",
                        e.span,
                        "ports with `to`",
                        format!("remove `ports`: `{}` sets them in the org file", to.value),
                    );
                }
                let Some(d) = org.egress.destinations.get(&to.value) else {
                    let names: Vec<&str> = org.egress.destinations.keys().map(String::as_str).collect();
                    let help = if names.is_empty() {
                        "the org file names no egress destinations (`spec.egress.destinations`): declare `cidr` with `ports`, or ask the platform team to add one".to_owned()
                    } else {
                        ir::diagnostic::did_you_mean_or_list(&to.value, &names, "the org's egress destinations")
                    };
                    lx.error(
                        &codes::LOW021,
                        format!("`{}` is not an egress destination of the org", to.value),
                        to.span,
                        "unknown destination",
                        help,
                    );
                    continue;
                };
                out.push(ir::Egress {
                    span: e.span,
                    cidrs: d.cidrs.iter().map(|c| c.value.clone()).collect(),
                    ports: d.ports.iter().map(|p| p.value).collect(),
                });
            }
            (None, Some(cidr)) => {
                if !org.egress.custom.value {
                    lx.diags.push(
                        ir::Diagnostic::error(
                            &codes::LOW021,
                            format!("the org admits no egress of a service's own, such as `{}`", cidr.value),
                            cidr.span,
                            "a CIDR of its own",
                            "name one of the org's destinations (`to: <name>`), or ask the platform team to add this one",
                        )
                        .with_label(org.egress.custom.span, "`custom: false` here"),
                    );
                    continue;
                }
                let ok = crate::lower::cidr(lx, &cidr);
                crate::lower::org::egress_ports(lx, &ports, e.span);
                if ok && !ports.is_empty() {
                    out.push(ir::Egress {
                        span: e.span,
                        cidrs: vec![cidr.value.clone()],
                        ports: ports.iter().map(|p| p.value).collect(),
                    });
                }
            }
            (Some(to), Some(cidr)) => lx.diags.push(
                ir::Diagnostic::error(
                    &codes::LOW019,
                    "an egress entry has both `to` and `cidr`",
                    cidr.span,
                    "a CIDR",
                    "keep one: `to: <org destination>`, or `cidr` with `ports`",
                )
                .with_label(to.span, "a destination"),
            ),
            (None, None) => lx.error(
                &codes::LOW019,
                "an egress entry names no destination",
                e.span,
                "neither `to` nor `cidr`",
                "write `to: <org destination>`, or `cidr: 203.0.113.0/24` with `ports: [443]`",
            ),
        }
    }
    out
}

fn dependencies(lx: &mut Lx, s: &raw::ServiceSpec) -> Vec<ir::Dependency> {
    let mut out: Vec<ir::Dependency> = Vec::new();
    for d in list(&s.depends_on) {
        let Some(target) = d.value.strip_prefix("component:") else {
            let help = if is_dns_label(&d.value) {
                format!("write `component:{}`", d.value)
            } else {
                "write `component:<service-name>`".to_owned()
            };
            lx.error(
                &codes::LOW018,
                format!("`{}` is not a dependency reference", d.value),
                d.span,
                "expected `component:<name>`",
                help,
            );
            continue;
        };
        if let Some(prev) = out.iter().find(|p| p.service.value == target) {
            let dg = ir::Diagnostic::error(
                &codes::LOW013,
                format!("dependency `{target}` is listed twice"),
                d.span,
                "second entry",
                "remove one of the two",
            )
            .with_label(prev.service.span, "first listed here");
            lx.diags.push(dg);
            continue;
        }
        out.push(ir::Dependency { service: Sp::new(target.to_owned(), d.span), port: 0, team: String::new() });
    }
    out
}

fn percent(lx: &mut Lx, d: &Sp<platform_syntax::field::Decimal>, what: &str) -> Option<Sp<Ratio>> {
    let text = d.value.0.as_str();
    match Ratio::from_percent_text(text) {
        Some(r) if r.0 > 0 && r.0 < ir::ratio::ONE => Some(Sp::new(r, d.span)),
        parsed => {
            // Say what is wrong with the number as written: its form, its precision or its size.
            let plain = text.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                && text.bytes().filter(|&b| b == b'.').count() <= 1;
            let (message, label, help) = if !plain {
                (
                    format!("{what} `{text}` is not written as a plain decimal"),
                    "not a plain decimal",
                    format!(
                        "write the percentage with digits and one `.`, e.g. `99.9`{}",
                        if text.contains(['e', 'E']) { " (no exponent)" } else { "" }
                    ),
                )
            } else if parsed.is_none() {
                (
                    format!("{what} `{text}` has more than 7 decimals"),
                    "too precise",
                    "write at most 7 decimals, e.g. `99.9`".to_owned(),
                )
            } else if text == "100" || text.starts_with("100.0") {
                (
                    format!("{what} `{text}` is not strictly between 0 and 100 percent"),
                    "out of range",
                    "100% leaves no error budget, so no alert can work; use e.g. `99.99`".to_owned(),
                )
            } else {
                (
                    format!("{what} `{text}` is not strictly between 0 and 100 percent"),
                    "out of range",
                    "write a percentage strictly between 0 and 100, e.g. `99.9`".to_owned(),
                )
            };
            lx.error(&codes::LOW008, message, d.span, label, help);
            None
        }
    }
}

fn monitoring(
    lx: &mut Lx,
    s: &raw::ServiceSpec,
    ss: Span,
    toolchain: Option<&ir::Toolchain>,
) -> Option<ir::Monitoring> {
    let m = s.monitoring.get();
    let span = m.map_or(ss, |m| m.span);
    let alerts = m.and_then(|m| opt(&m.alerts)).unwrap_or_else(|| Sp::new(true, span));
    let dashboard = m.and_then(|m| opt(&m.dashboard)).unwrap_or_else(|| Sp::new(true, span));
    let slo = m.and_then(|m| opt(&m.slo)).and_then(|d| percent(lx, &d, "slo"));
    let slo_invalid = m.is_some_and(|m| m.slo.is_written());
    if alerts.value && slo.is_none() && !slo_invalid {
        lx.error(
            &codes::VAL007,
            "alerts are on but no SLO is given",
            alerts.span,
            "alerts need an objective",
            "add `monitoring.slo: 99.9` (or the objective you promise), or set `alerts: false`",
        );
    }
    let latency = m.and_then(|m| m.latency.get()).and_then(|l| {
        let threshold_ms = lx.req(&l.threshold_ms, l.span, "monitoring.latency.thresholdMs")?;
        range(lx, &threshold_ms, 1, 60_000, "latency thresholdMs");
        let objective = match opt(&l.objective) {
            Some(o) => percent(lx, &o, "latency objective")?,
            None => Sp::new(Ratio(990_000_000), l.span),
        };
        Some(ir::LatencyObjective { threshold_ms, objective })
    });
    let base = toolchain.map(|t| t.metrics.clone());
    let over = m.and_then(|m| m.metrics.get());
    let pick = |o: Option<&Field<String>>, b: Option<Sp<String>>| o.and_then(opt).or(b);
    let requests_total = pick(over.map(|o| &o.requests_total), base.as_ref().map(|b| b.requests_total.clone()));
    let error_selector = pick(over.map(|o| &o.error_selector), base.as_ref().map(|b| b.error_selector.clone()));
    let duration_histogram =
        pick(over.map(|o| &o.duration_histogram), base.as_ref().map(|b| b.duration_histogram.clone()));
    if let Some(o) = over {
        for n in [&o.requests_total, &o.duration_histogram].into_iter().filter_map(|f| f.get()) {
            metric_name(lx, n);
        }
        if let Some(sel) = o.error_selector.get() {
            label_matcher(lx, sel);
        }
    }
    Some(ir::Monitoring {
        alerts,
        dashboard,
        slo,
        latency,
        metrics: ir::MetricConvention {
            requests_total: requests_total?,
            error_selector: error_selector?,
            duration_histogram: duration_histogram?,
        },
    })
}

fn logging(s: &raw::ServiceSpec, ss: Span) -> ir::Logging {
    let l = s.logging.get();
    let span = l.map_or(ss, |l| l.span);
    ir::Logging {
        json: l
            .and_then(|l| opt(&l.format))
            .map_or_else(|| Sp::new(true, span), |f| f.map(|f| matches!(f, raw::LogFormat::Json))),
        ship: l.and_then(|l| opt(&l.ship)).unwrap_or_else(|| Sp::new(true, span)),
    }
}

fn deployment(lx: &mut Lx, org: &ir::Org, s: &raw::ServiceSpec, ss: Span) -> Option<ir::Deployment> {
    let d = s.deployment.get();
    let span = d.map_or(ss, |d| d.span);
    let strategy = d.and_then(|d| opt(&d.strategy)).map_or_else(
        || Sp::new(ir::Strategy::Rolling, span),
        |s| {
            s.map(|s| match s {
                raw::Strategy::Rolling => ir::Strategy::Rolling,
                raw::Strategy::Recreate => ir::Strategy::Recreate,
            })
        },
    );
    let rollback = d.and_then(|d| opt(&d.rollback)).map_or_else(
        || Sp::new(ir::Rollback::Automatic, span),
        |r| {
            r.map(|r| match r {
                raw::Rollback::Automatic => ir::Rollback::Automatic,
                raw::Rollback::Manual => ir::Rollback::Manual,
            })
        },
    );
    let canary_on = d.and_then(|d| opt(&d.canary));
    let steps = d.and_then(|d| opt(&d.steps));
    let canary = match canary_on {
        Some(c) if c.value => {
            if strategy.value == ir::Strategy::Recreate {
                lx.diags.push(
                    ir::Diagnostic::error(
                        &codes::LOW017,
                        "a canary cannot use the `recreate` strategy",
                        c.span,
                        "canary",
                        "use `strategy: rolling` with `canary: true`",
                    )
                    .with_label(strategy.span, "recreate strategy"),
                );
            }
            let steps = match &steps {
                Some(st) => canary_steps(lx, st),
                None => org.canary.steps.clone(),
            };
            Some(ir::Canary {
                span: c.span,
                steps,
                analysis_interval: org.canary.analysis_interval.clone(),
                failure_limit: org.canary.failure_limit.clone(),
                min_requests: org.canary.min_requests.clone(),
            })
        }
        _ => {
            if let Some(st) = steps {
                lx.error(
                    &codes::LOW017,
                    "canary steps are given but `canary` is not on",
                    st.span,
                    "unused steps",
                    "add `canary: true`, or remove `steps`",
                );
            }
            None
        }
    };
    Some(ir::Deployment { strategy, canary, rollback })
}

/// `metadata.previousNames`: valid service names, neither the current name nor repeated.
fn previous_names(lx: &mut Lx, meta: &raw::ServiceMetadata, name: &Sp<String>) -> Vec<Sp<String>> {
    let mut out: Vec<Sp<String>> = Vec::new();
    for p in list(&meta.previous_names) {
        if !dns_label(lx, &p, "previous name") {
            continue;
        }
        if p.value == name.value {
            lx.error(
                &codes::LOW019,
                format!("`{}` is the service's current name, not a previous one", p.value),
                p.span,
                "the current name",
                "list only the names the service had before, oldest first",
            );
            continue;
        }
        if out.iter().any(|o| o.value == p.value) {
            lx.error(
                &codes::LOW013,
                format!("previous name `{}` is listed twice", p.value),
                p.span,
                "duplicate name",
                "remove one of the two",
            );
            continue;
        }
        out.push(p);
    }
    out
}

/// A container gets each variable once: a plain `env` name may not be a declared secret's
/// variable or one the database credentials set (the chart would render it twice, and which
/// value a pod sees would depend on the order).
fn env_names(lx: &mut Lx, env: &[ir::EnvVar], secrets: &[ir::Secret], database: Option<&ir::Database>) {
    for var in env {
        let from_secret = secrets.iter().find(|s| naming::secret_env_var(&s.name.value) == var.name.value);
        let from_database = database.and_then(|d| {
            naming::database_secret_keys(d.engine.value).iter().find(|(_, v)| *v == var.name.value).map(|_| d)
        });
        let (what, at) = match (from_secret, from_database) {
            (Some(s), _) => (format!("the secret `{}`", s.name.value), s.name.span),
            (None, Some(d)) => (format!("the {} credentials", d.engine.value), d.engine.span),
            (None, None) => continue,
        };
        lx.diags.push(
            Diagnostic::error(
                &codes::LOW013,
                format!("`{}` is set twice: here and by {what}", var.name.value),
                var.name.span,
                "set twice",
                format!("rename or remove this variable: `{}` comes from {what} already", var.name.value),
            )
            .with_label(at, "sets it too"),
        );
    }
}

fn tags(lx: &mut Lx, meta: &raw::ServiceMetadata) -> Vec<Sp<String>> {
    let mut out: Vec<Sp<String>> = Vec::new();
    for t in list(&meta.tags) {
        let ok = !t.is_empty()
            && t.len() <= 63
            && t.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !t.starts_with('-')
            && !t.ends_with('-');
        if !ok {
            lx.error(
                &codes::LOW019,
                format!("tag `{}` is not a lowercase word", t.value),
                t.span,
                "invalid tag",
                "tags are lowercase letters, digits and `-` (Backstage's rule), up to 63 characters",
            );
            continue;
        }
        if out.iter().any(|p| p.value == t.value) {
            lx.error(
                &codes::LOW013,
                format!("tag `{}` is listed twice", t.value),
                t.span,
                "duplicate tag",
                "remove one of the two",
            );
            continue;
        }
        out.push(t);
    }
    out.sort_by(|a, b| a.value.cmp(&b.value));
    out
}

#[allow(clippy::too_many_arguments)]
fn environments(
    lx: &mut Lx,
    org: &ir::Org,
    node: &Node,
    file: &raw::ServiceFile,
    name: &Sp<String>,
    team: &Sp<String>,
    base_ingress: Option<&ir::Ingress>,
    policy: &ir::TierPolicy,
) -> Option<Vec<ir::ServiceEnvironment>> {
    let spec_node = get(node, "spec")?;
    let overrides = get(node, "environments");
    // Check the override blocks' names and keys first.
    if let (Some(ov), Some(envs)) = (overrides, file.environments.get()) {
        if let Kind::Map(entries) = &ov.kind {
            for (key, value) in entries {
                if !org.environments.iter().any(|e| e.name.value == key.name) {
                    let names: Vec<&str> = org.environments.iter().map(|e| e.name.value.as_str()).collect();
                    let help = ir::diagnostic::did_you_mean_or_list(&key.name, &names, "the org's environments");
                    lx.error(
                        &codes::LOW014,
                        format!("unknown environment `{}`", key.name),
                        key.span,
                        "not an org environment",
                        help,
                    );
                }
                if let Kind::Map(fields) = &value.kind {
                    for (k, _) in fields {
                        if !OVERRIDABLE.contains(&k.name.as_str()) {
                            lx.error(&codes::LOW015, format!("`{}` cannot be overridden per environment", k.name), k.span, "not overridable", "only `runtime`, `database` and `ingress` may differ per environment; move this to `spec`");
                        }
                    }
                } else if !matches!(value.kind, Kind::Null) {
                    lx.error(
                        &codes::LOW019,
                        format!("environment `{}` must be a mapping", key.name),
                        value.span,
                        "expected a mapping",
                        "write overrides such as `runtime: {replicas: 5}`",
                    );
                }
            }
        }
        let _ = envs;
    }
    let mut out = Vec::new();
    let mut ok = true;
    for (index, env) in org.environments.iter().enumerate() {
        let ov = overrides.and_then(|o| get(o, &env.name.value)).filter(|o| matches!(o.kind, Kind::Map(_)));
        let namespace = naming::namespace(&env.namespace.value, &team.value, &name.value, &env.name.value);
        let host_default = || Sp::new(format!("{}.{}", name.value, env.domain.value), env.domain.span);
        let Some(ov) = ov else {
            let Some(base) = base_env_parts(lx, org, file, policy) else {
                ok = false;
                continue;
            };
            out.push(ir::ServiceEnvironment {
                name: env.name.clone(),
                index,
                namespace,
                host: base_ingress.map(|i| i.host.clone().unwrap_or_else(host_default)),
                runtime: base.0,
                database: base.1,
            });
            continue;
        };
        // Only the overridable keys are merged; the others were reported above.
        let mut filtered = ov.clone();
        if let Kind::Map(fields) = &mut filtered.kind {
            fields.retain(|(k, _)| OVERRIDABLE.contains(&k.name.as_str()));
        }
        let merged = merge(spec_node, &filtered);
        let (spec, diags) = decode::<raw::ServiceSpec>(&merged);
        lx.diags.extend(diags);
        let Some(spec) = spec else {
            ok = false;
            continue;
        };
        let mut sub = Lx::default();
        let runtime = runtime(&mut sub, spec.runtime.get(), merged.span, policy);
        let database = spec.database.get().and_then(|d| database(&mut sub, org, d, policy));
        let env_ingress = service_ingress(&mut sub, org, &spec);
        lx.diags.extend(sub.diags);
        let host = env_ingress.map(|i| i.host.unwrap_or_else(host_default));
        let Some(runtime) = runtime else {
            ok = false;
            continue;
        };
        out.push(ir::ServiceEnvironment { name: env.name.clone(), index, namespace, host, runtime, database });
    }
    ok.then_some(out)
}

/// The base runtime and database again, quietly (their diagnostics were already reported).
fn base_env_parts(
    lx: &mut Lx,
    org: &ir::Org,
    file: &raw::ServiceFile,
    policy: &ir::TierPolicy,
) -> Option<(ir::Runtime, Option<ir::Database>)> {
    let spec = file.spec.get()?;
    let mut quiet = Lx::default();
    let rt = runtime(&mut quiet, spec.runtime.get(), spec.span, policy);
    let db = spec.database.get().and_then(|d| database(&mut quiet, org, d, policy));
    let _ = (lx, duration);
    Some((rt?, db))
}
