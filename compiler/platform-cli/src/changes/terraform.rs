//! Terraform resources by address: what `terraform plan` would say of a generated root,
//! read from the two generated trees without Terraform.
//!
//! A root (a directory of `.tf` files) is applied once per environment with its
//! `<env>.tfvars`. A resource only in the work tree is created, one only in the base is
//! destroyed; one whose body or whose variables in an environment changed is updated, or
//! replaced when a changed argument forces a new resource for its type ([`forces_new`]).
//! The files are the compiler's own canonical HCL (`terraform fmt` style): a top-level block
//! opens at column 0 and closes with `}` at column 0, its arguments and nested blocks start
//! at two spaces.

use std::collections::{BTreeMap, BTreeSet};

use super::{Action, Change, Layer, Tree, shorten};

/// Arguments that make the AWS provider (v6, `ForceNew` in its schema) or the random
/// provider replace the resource instead of updating it. Checked against the provider
/// documentation, December 2026 (hashicorp/aws 6.x, hashicorp/random 3.x).
fn forces_new(kind: &str, argument: &str) -> bool {
    let args: &[&str] = match kind {
        "aws_db_instance" => {
            &["identifier", "engine", "kms_key_id", "storage_encrypted", "username", "availability_zone"]
        }
        "aws_db_subnet_group" | "aws_db_parameter_group" | "aws_elasticache_subnet_group" => &["name", "family"],
        "aws_elasticache_parameter_group" => &["name", "family"],
        "aws_elasticache_replication_group" => {
            &["replication_group_id", "at_rest_encryption_enabled", "kms_key_id", "subnet_group_name"]
        }
        "aws_iam_role" | "aws_iam_policy" => &["name", "path"],
        "aws_iam_role_policy" => &["name", "role"],
        "aws_iam_role_policy_attachment" => &["role", "policy_arn"],
        "aws_security_group" => &["name", "vpc_id", "description"],
        "aws_kms_alias" => &["name"],
        "aws_secretsmanager_secret" => &["name"],
        "aws_secretsmanager_secret_version" => &["secret_id"],
        "aws_route53_record" => &["name", "type", "zone_id"],
        "aws_ecr_repository" => &["name"],
        "aws_eks_access_entry" => &["cluster_name", "principal_arn"],
        "aws_iam_openid_connect_provider" => &["url"],
        "kubernetes_namespace_v1" | "kubernetes_role_v1" | "kubernetes_role_binding_v1" => &["metadata"],
        // Every argument of a random value makes a new value: a new password.
        "random_password" | "random_id" | "random_string" => return true,
        _ => &[],
    };
    args.contains(&argument)
}

/// Resources whose replacement or destruction loses data, not only configuration.
pub fn holds_data(kind: &str) -> bool {
    matches!(
        kind,
        "aws_db_instance"
            | "aws_elasticache_replication_group"
            | "aws_secretsmanager_secret"
            | "aws_kms_key"
            | "random_password"
            | "aws_ecr_repository"
            | "kubernetes_namespace_v1"
    )
}

/// One top-level block: `resource "T" "N"`, `module "N"`, `locals`, …
#[derive(Clone, Debug, Default, PartialEq)]
struct Block {
    kind: String,
    labels: Vec<String>,
    /// The label of the module call it was read through, for a resource of an org module a
    /// service's root calls ([`inline_org_modules`]): its address is `module.<label>.…`.
    module: Option<String>,
    /// Arguments and nested blocks at two spaces, each with its whole text; a repeated
    /// nested block (`statement`) is keyed `statement[2]` from its second occurrence.
    entries: BTreeMap<String, String>,
}

impl Block {
    fn address(&self) -> Option<String> {
        match (self.kind.as_str(), self.labels.as_slice()) {
            ("resource", [t, n]) => Some(match &self.module {
                Some(m) => format!("module.{m}.{t}.{n}"),
                None => format!("{t}.{n}"),
            }),
            ("module", [n]) => Some(format!("module.{n}")),
            _ => None,
        }
    }

    /// How other blocks refer to it, for a data source: `data.T.N`.
    fn data_address(&self) -> Option<String> {
        match (self.kind.as_str(), self.labels.as_slice()) {
            ("data", [t, n]) => Some(format!("data.{t}.{n}")),
            _ => None,
        }
    }

    /// The value of a one-line argument: `source = "./x"` gives `"./x"`.
    fn argument(&self, key: &str) -> Option<&str> {
        self.entries.get(key).and_then(|t| t.split_once('=')).map(|(_, v)| v.trim())
    }

    fn resource_type(&self) -> &str {
        if self.kind == "resource" { self.labels.first().map_or("", String::as_str) } else { "" }
    }
}

/// A top-level line's word and labels: `resource "T" "N" {` gives `resource` and `[T, N]`,
/// a variable's `key = …` gives `key` and none.
pub(crate) fn head_of(line: &str) -> (String, Vec<String>) {
    let head = line.split(['=', '{']).next().unwrap_or("");
    let mut words = head.split_whitespace().map(|w| w.trim_matches('"').to_owned());
    (words.next().unwrap_or_default(), words.collect())
}

/// The argument or nested block an indented line starts.
pub(crate) fn key_of(line: &str) -> String {
    line.trim_start().split([' ', '=', '{']).next().unwrap_or("").to_owned()
}

fn entries(lines: &[&str], indent: usize) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    let mut current: Option<String> = None;
    let pad = " ".repeat(indent);
    for line in lines {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let starts = line.starts_with(&pad)
            && !line[indent..].starts_with(' ')
            && !matches!(trimmed.as_bytes().first(), Some(b'}' | b']' | b')'));
        if starts {
            let base = key_of(line);
            let mut key = base.clone();
            let mut n = 1;
            while out.contains_key(&key) {
                n += 1;
                key = format!("{base}[{n}]");
            }
            out.insert(key.clone(), String::new());
            current = Some(key);
        }
        if let Some(k) = &current
            && let Some(text) = out.get_mut(k)
        {
            // Alignment is `terraform fmt`'s, not a change: one space between words.
            let mut words = trimmed.split_whitespace();
            if let Some(w) = words.next() {
                text.push_str(w);
            }
            for w in words {
                text.push(' ');
                text.push_str(w);
            }
            text.push('\n');
        }
    }
    out
}

fn blocks(text: &str) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        if line.starts_with([' ', '#', '}']) || !line.trim_end().ends_with('{') && !line.trim_end().ends_with("{}") {
            continue;
        }
        let (kind, labels) = head_of(line);
        let mut body = Vec::new();
        if !line.trim_end().ends_with("{}") {
            while i < lines.len() && lines[i] != "}" {
                body.push(lines[i]);
                i += 1;
            }
            i += 1;
        }
        out.push(Block { kind, labels, module: None, entries: entries(&body, 2) });
    }
    out
}

/// `key` → text of a `.tfvars` file, one level of maps flattened (`names.iam_role`).
fn variables(text: &str) -> BTreeMap<String, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = BTreeMap::new();
    for (key, value) in entries(&lines, 0) {
        let mut inner: Vec<&str> = value.lines().collect();
        if inner.len() > 2 && inner[0].ends_with('{') {
            inner.remove(0);
            inner.pop();
            // The entries of the map were trimmed; every line is one `sub = value`.
            for l in inner {
                out.insert(format!("{key}.{}", key_of(l)), l.to_owned());
            }
        } else {
            out.insert(key, value);
        }
    }
    out
}

/// Whether `text` reads `name` (`var.names.iam_role`) or the object holding it (`var.names`).
fn reads(text: &str, prefix: &str, path: &str) -> bool {
    let mut candidates = vec![path.to_owned()];
    if let Some((top, _)) = path.split_once('.') {
        candidates.push(top.to_owned());
    }
    candidates.iter().any(|c| {
        let needle = format!("{prefix}.{c}");
        text.match_indices(&needle).any(|(at, _)| {
            let next = text[at + needle.len()..].chars().next();
            let before = text[..at].chars().next_back();
            !next.is_some_and(|n| n.is_ascii_alphanumeric() || n == '_' || (n == '.' && c.as_str() != path))
                && !before.is_some_and(|b| b.is_ascii_alphanumeric() || b == '_' || b == '.')
        })
    })
}

/// The roots of a tree: directories holding `.tf` files, with their files.
fn roots(tree: &Tree) -> BTreeMap<String, Vec<(&str, &[u8])>> {
    let mut out: BTreeMap<String, Vec<(&str, &[u8])>> = BTreeMap::new();
    for (path, bytes) in tree {
        if !path.ends_with(".tf") && !path.ends_with(".tfvars") {
            continue;
        }
        let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
        out.entry(dir.to_owned()).or_default().push((file, bytes));
    }
    out.retain(|_, files| files.iter().any(|(f, _)| f.ends_with(".tf")));
    out
}

struct Root {
    blocks: Vec<Block>,
    /// Environment → its variables.
    tfvars: BTreeMap<String, BTreeMap<String, String>>,
}

fn root(files: &[(&str, &[u8])]) -> Root {
    let mut blocks_all = Vec::new();
    let mut tfvars = BTreeMap::new();
    for (file, bytes) in files {
        let text = String::from_utf8_lossy(bytes);
        if let Some(env) = file.strip_suffix(".tfvars") {
            tfvars.insert(env.to_owned(), variables(&text));
        } else {
            blocks_all.extend(blocks(&text));
        }
    }
    Root { blocks: blocks_all, tfvars }
}

fn service_of(dir: &str) -> String {
    dir.split('/').next().unwrap_or(dir).to_owned()
}

/// An argument's or variable's value, on one line and shortened.
fn short(text: &str) -> String {
    let one = text.split_whitespace().collect::<Vec<_>>().join(" ");
    shorten(one.split_once(" = ").map_or(one.as_str(), |(_, v)| v))
}

/// Every resource and module change of every root in the two trees.
pub fn changes(base: &Tree, head: &Tree, out: &mut Vec<Change>) {
    let (base_roots, head_roots) = (roots(base), roots(head));
    let dirs: BTreeSet<&String> = base_roots.keys().chain(head_roots.keys()).collect();
    let mut found = Vec::new();
    let (mut was_all, mut now_all) = (BTreeMap::new(), BTreeMap::new());
    for dir in dirs {
        was_all.insert(dir.clone(), root(base_roots.get(dir).map_or(&[][..], Vec::as_slice)));
        now_all.insert(dir.clone(), root(head_roots.get(dir).map_or(&[][..], Vec::as_slice)));
    }
    // Both sides alike: a base that calls the modules already reads the same references.
    for roots in [&mut was_all, &mut now_all] {
        let followed: BTreeMap<String, Vec<(String, String)>> =
            roots.keys().map(|dir| (dir.clone(), followed_into_modules(dir, roots))).collect();
        for (dir, root) in roots.iter_mut() {
            for text in root.blocks.iter_mut().flat_map(|b| b.entries.values_mut()) {
                for (module_ref, resource_ref) in &followed[dir] {
                    *text = replace_reference(text, module_ref, resource_ref);
                }
            }
        }
    }
    let (was_inlined, now_inlined) = (inline_org_modules(&was_all), inline_org_modules(&now_all));
    for (dir, was) in &was_inlined {
        compare(dir, was, &now_inlined[dir], &mut found);
    }
    kept_by_a_new_source(&was_all, &now_all, &mut found);
    moved_into_a_module(&now_all, &mut found);
    out.extend(found);
}

/// Every root with the resources of the org modules a service's root calls
/// (`_org/terraform/modules/…`: its database, its role, its names) in place of each call:
/// each resource of the module under `module.<label>.<address>`, every `var.<name>` it reads
/// replaced by the call's argument for it, so a resource reads the root's variables and
/// locals as the root's own do. What the module holds is then compared like the root's own
/// resources: a removed call destroys its database (which holds data), a changed size in
/// an environment's tfvars updates or replaces the instance that reads it. The org root's
/// calls (its CI deploy modules) stay calls.
fn inline_org_modules(roots: &BTreeMap<String, Root>) -> BTreeMap<String, Root> {
    let mut out = BTreeMap::new();
    for (dir, root) in roots {
        let mut blocks = Vec::new();
        for b in &root.blocks {
            let module = (b.kind == "module" && !dir.starts_with("_org"))
                .then(|| b.argument("source").and_then(|s| module_dir(dir, s)))
                .flatten()
                .filter(|m| m.starts_with("_org/terraform/modules/"))
                .and_then(|m| roots.get(&m));
            let (Some(module), Some(label)) = (module, b.labels.first()) else {
                blocks.push(b.clone());
                continue;
            };
            let arguments: Vec<(String, String)> = b
                .entries
                .iter()
                .filter_map(|(k, text)| {
                    let value = text.split_once('=')?.1.trim();
                    Some((format!("var.{k}"), value.to_owned()))
                })
                .collect();
            for r in module.blocks.iter().filter(|r| r.kind == "resource") {
                let mut r = r.clone();
                r.module = Some(label.clone());
                for text in r.entries.values_mut() {
                    for (variable, value) in &arguments {
                        *text = replace_reference(text, variable, value);
                    }
                }
                if !has_instances(&r) {
                    continue;
                }
                blocks.push(r);
            }
        }
        out.insert(dir.clone(), Root { blocks, tfvars: root.tfvars.clone() });
    }
    out
}

/// Whether a resource of an inlined module call has instances: not where its `count` or
/// `for_each` tests an argument the call passes empty (`("" == "") ? [] : …`, a database
/// without the org's bastion).
fn has_instances(r: &Block) -> bool {
    ["count", "for_each"].iter().filter_map(|k| r.entries.get(*k)).all(|t| {
        let t = t.split_once('=').map_or(t.as_str(), |(_, v)| v.trim());
        !(t.contains("(\"\" == \"\") ? [] :") || t.contains("(\"\" == \"\") ? 0 :"))
    })
}

/// The outputs of the root at `dir`'s local modules that give an attribute of a resource its
/// `moved` blocks took into them, each with the reference it stands for in the root:
/// `module.service_role.name` is `aws_iam_role.service.id` when `aws_iam_role.service` moved
/// to `module.service_role.aws_iam_role.service` and the module's output `name` is its `id`.
/// A reference that follows its resource into a module reads the same value, so the review
/// compares the root as if it still read the resource.
fn followed_into_modules(dir: &str, roots: &BTreeMap<String, Root>) -> Vec<(String, String)> {
    let Some(root) = roots.get(dir) else { return Vec::new() };
    let mut out = Vec::new();
    for moved in root.blocks.iter().filter(|b| b.kind == "moved") {
        let (Some(from), Some(to)) = (moved.argument("from"), moved.argument("to")) else { continue };
        let Some((label, address)) = to.strip_prefix("module.").and_then(|t| t.split_once('.')) else { continue };
        if address != from {
            continue;
        }
        let call =
            root.blocks.iter().find(|b| b.kind == "module" && b.labels.first().map(String::as_str) == Some(label));
        let Some(module) = call.and_then(|b| b.argument("source")).and_then(|s| module_dir(dir, s)) else { continue };
        for output in roots.get(&module).into_iter().flat_map(|m| &m.blocks).filter(|b| b.kind == "output") {
            let (Some(name), Some(value)) = (output.labels.first(), output.argument("value")) else { continue };
            if value.strip_prefix(from).is_some_and(|rest| rest.starts_with('.') && !rest.contains(char::is_whitespace))
            {
                out.push((format!("module.{label}.{name}"), value.to_owned()));
            }
        }
    }
    out
}

/// `text` with every whole reference `from` (not followed by more of a name) replaced by `to`.
fn replace_reference(text: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(from) {
        let after = &rest[i + from.len()..];
        let whole = !after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            && !rest[..i].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        out.push_str(&rest[..i]);
        out.push_str(if whole { to } else { from });
        rest = after;
    }
    out.push_str(rest);
    out
}

/// A resource a root no longer declares, which a `moved` block of the root takes into one of
/// its local module calls whose module declares it (`aws_db_instance.this` →
/// `module.database.aws_db_instance.this`, a packaged org's module of a service's database):
/// Terraform moves the object, it destroys nothing. A `moved` block to anything else (a
/// module that does not declare it) proves nothing, and the destroy stays.
fn moved_into_a_module(now: &BTreeMap<String, Root>, out: &mut [Change]) {
    for c in out.iter_mut().filter(|c| c.layer == Layer::Terraform && c.action == Action::Destroy) {
        let Some(root) = now.get(&c.root) else { continue };
        let to = root
            .blocks
            .iter()
            .filter(|b| b.kind == "moved")
            .find(|b| b.argument("from") == Some(c.object.as_str()))
            .and_then(|b| b.argument("to"));
        let Some((label, address)) = to.and_then(|t| t.strip_prefix("module.")?.split_once('.')) else {
            continue;
        };
        let call =
            root.blocks.iter().find(|b| b.kind == "module" && b.labels.first().map(String::as_str) == Some(label));
        let dir = call.and_then(|b| b.argument("source")).and_then(|s| module_dir(&c.root, s));
        let declares = dir
            .as_ref()
            .and_then(|d| now.get(d))
            .is_some_and(|m| m.blocks.iter().any(|b| b.address().as_deref() == Some(address)));
        if let (true, Some(dir)) = (declares, dir) {
            c.action = Action::Update;
            c.detail =
                vec![format!("kept: moved into module.{label} ({dir}), which declares it (moved, not destroyed)")];
        }
    }
}

/// The directory a local module source names, from the calling root's directory.
fn module_dir(caller: &str, source: &str) -> Option<String> {
    let source = source.trim().trim_matches('"');
    if !source.starts_with("./") && !source.starts_with("../") {
        return None;
    }
    let mut parts: Vec<&str> = caller.split('/').filter(|p| !p.is_empty()).collect();
    for step in source.split('/') {
        match step {
            "." | "" => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

/// Local module calls of every root: the module's directory → `(root, label)` of its calls.
fn calls(roots: &BTreeMap<String, Root>) -> BTreeMap<String, Vec<(String, String)>> {
    let mut out: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for (dir, r) in roots {
        for b in r.blocks.iter().filter(|b| b.kind == "module") {
            let (Some(label), Some(source)) = (b.labels.first(), b.argument("source")) else { continue };
            if let Some(m) = module_dir(dir, source) {
                out.entry(m).or_default().push((dir.clone(), label.clone()));
            }
        }
    }
    out
}

/// A module call whose source moved to another module that declares the same resource keeps
/// the resource: its state address (`module.<label>.<address>`) is unchanged, and Terraform
/// moves an object to index 0 where the new module counts it. So the module directory the
/// base called no longer destroys what the new one declares (a packaged org's shared CI
/// deploy module in place of each service's own): those are moves, said as such.
fn kept_by_a_new_source(was: &BTreeMap<String, Root>, now: &BTreeMap<String, Root>, out: &mut [Change]) {
    let (old_calls, new_calls) = (calls(was), calls(now));
    for c in out.iter_mut().filter(|c| c.layer == Layer::Terraform && c.action == Action::Destroy) {
        let Some(callers) = old_calls.get(&c.root) else { continue };
        let target = callers.iter().find_map(|call| {
            let (dir, _) = new_calls.iter().find(|(d, cs)| **d != c.root && cs.contains(call))?;
            let declares = now.get(dir)?.blocks.iter().any(|b| b.address().as_deref() == Some(c.object.as_str()));
            declares.then(|| (dir.clone(), call.1.clone()))
        });
        if let Some((dir, label)) = target {
            c.action = Action::Update;
            c.detail = vec![format!(
                "kept: module.{label} now calls {dir}, which declares it under the same address (moved, not destroyed)"
            )];
        }
    }
}

fn compare(dir: &str, was: &Root, now: &Root, out: &mut Vec<Change>) {
    let service = service_of(dir);
    let by_address = |r: &Root| -> BTreeMap<String, usize> {
        r.blocks.iter().enumerate().filter_map(|(i, b)| b.address().map(|a| (a, i))).collect()
    };
    let (mut old, new) = (by_address(was), by_address(now));
    // A `moved` block of the head takes an object of the base to a new address: it is the
    // same object, compared there (`module.user_api` → `module.account_api`). Into an org
    // module a root now calls, the base's address reports it kept ([`moved_into_a_module`]).
    let mut renamed: BTreeMap<String, String> = BTreeMap::new();
    let mut into_module: BTreeSet<String> = BTreeSet::new();
    for m in now.blocks.iter().filter(|m| m.kind == "moved") {
        let (Some(from), Some(to)) = (m.argument("from"), m.argument("to")) else { continue };
        let Some(&j) = old.get(from).filter(|_| !new.contains_key(from) && new.contains_key(to)) else { continue };
        if old.contains_key(to) {
            continue;
        }
        if to.starts_with("module.") && !from.starts_with("module.") {
            into_module.insert(to.to_owned());
            continue;
        }
        old.remove(from);
        old.insert(to.to_owned(), j);
        renamed.insert(to.to_owned(), from.to_owned());
    }
    let change = |address: &str, environment: Option<String>, action: Action, detail: Vec<String>, kind: &str| Change {
        service: service.clone(),
        layer: Layer::Terraform,
        root: dir.to_owned(),
        environment,
        object: address.to_owned(),
        action,
        detail,
        holds_data: holds_data(kind),
        trace: None,
        input: None,
    };
    // Locals and data sources every environment shares: a resource that reads a changed
    // one changes with it.
    let shared = |r: &Root| -> BTreeMap<String, BTreeMap<String, String>> {
        let mut m: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for b in &r.blocks {
            if b.kind == "locals" {
                for (k, v) in &b.entries {
                    m.entry(format!("local.{k}")).or_default().insert(k.clone(), v.clone());
                }
            } else if let Some(d) = b.data_address() {
                m.insert(d, b.entries.clone());
            }
        }
        m
    };
    let (old_shared, new_shared) = (shared(was), shared(now));
    let changed_shared: Vec<&String> =
        new_shared.keys().filter(|k| old_shared.get(*k).is_some_and(|o| Some(o) != new_shared.get(*k))).collect();
    for (address, &i) in &new {
        let b = &now.blocks[i];
        let kind = b.resource_type();
        let Some(&j) = old.get(address) else {
            if !into_module.contains(address) {
                out.push(change(address, None, Action::Create, Vec::new(), kind));
            }
            continue;
        };
        let a = &was.blocks[j];
        let keys: BTreeSet<&String> = a.entries.keys().chain(b.entries.keys()).collect();
        let mut changed: Vec<String> = keys
            .into_iter()
            .filter(|k| a.entries.get(*k) != b.entries.get(*k))
            .map(|k| match (a.entries.get(k), b.entries.get(k)) {
                (Some(x), Some(y)) if !x.contains('\n') || x.lines().count() == 1 => {
                    format!("{}: {} → {}", k, short(x), short(y))
                }
                _ => k.clone(),
            })
            .collect();
        let mut replace = a
            .entries
            .keys()
            .chain(b.entries.keys())
            .any(|k| a.entries.get(k) != b.entries.get(k) && forces_new(kind, k.split('[').next().unwrap_or(k)));
        for name in &changed_shared {
            let (prefix, rest) = name.split_once('.').unwrap_or(("", name));
            let readers: Vec<&String> =
                b.entries.iter().filter(|(_, t)| reads(t, prefix, rest)).map(|(k, _)| k).collect();
            if !readers.is_empty() {
                changed.push((*name).clone());
                replace |= readers.iter().any(|k| forces_new(kind, k.split('[').next().unwrap_or(k)));
            }
        }
        if let Some(from) = renamed.get(address) {
            changed.insert(0, format!("moved from {from}"));
        }
        if !changed.is_empty() {
            out.push(change(address, None, if replace { Action::Replace } else { Action::Update }, changed, kind));
        }
    }
    for address in old.keys() {
        if !new.contains_key(address) {
            let kind = was.blocks[old[address]].resource_type();
            out.push(change(address, None, Action::Destroy, Vec::new(), kind));
        }
    }
    // What each environment's variables change.
    let envs: BTreeSet<&String> = was.tfvars.keys().chain(now.tfvars.keys()).collect();
    let none = BTreeMap::new();
    for env in envs {
        let (a, b) = (was.tfvars.get(env).unwrap_or(&none), now.tfvars.get(env).unwrap_or(&none));
        let paths: BTreeSet<&String> = a.keys().chain(b.keys()).filter(|k| a.get(*k) != b.get(*k)).collect();
        if paths.is_empty() {
            continue;
        }
        // A variable the provider reads (its region, its account) moves every resource:
        // Terraform creates each anew in the new place and loses track of the old one.
        let moved: Vec<&&String> = paths
            .iter()
            .filter(|p| {
                now.blocks.iter().any(|b| b.kind == "provider" && b.entries.values().any(|t| reads(t, "var", p)))
            })
            .collect();
        if !moved.is_empty() {
            let detail: Vec<String> = moved
                .iter()
                .map(|p| {
                    format!(
                        "var.{p}: {} → {} (the provider's: every resource is created anew there)",
                        a.get(**p).map_or("(none)".into(), |t| short(t)),
                        b.get(**p).map_or("(none)".into(), |t| short(t))
                    )
                })
                .collect();
            let trace = Some((format!("{dir}/{env}.tfvars"), (*moved[0]).clone()));
            for (address, &i) in &new {
                if old.contains_key(address) {
                    let kind = now.blocks[i].resource_type();
                    let mut c = change(address, Some(env.clone()), Action::Replace, detail.clone(), kind);
                    c.trace.clone_from(&trace);
                    out.push(c);
                }
            }
            continue;
        }
        for (address, &i) in &new {
            if !old.contains_key(address) {
                continue;
            }
            let block = &now.blocks[i];
            let kind = block.resource_type();
            let mut detail = Vec::new();
            let mut replace = false;
            let mut first = None;
            for p in &paths {
                let args: Vec<&String> =
                    block.entries.iter().filter(|(_, t)| reads(t, "var", p)).map(|(k, _)| k).collect();
                if args.is_empty() {
                    continue;
                }
                replace |= args.iter().any(|k| forces_new(kind, k.split('[').next().unwrap_or(k)));
                first.get_or_insert((*p).clone());
                detail.push(format!(
                    "var.{p}: {} → {}",
                    a.get(*p).map_or("(none)".into(), |t| short(t)),
                    b.get(*p).map_or("(none)".into(), |t| short(t))
                ));
            }
            if !detail.is_empty() {
                let action = if replace { Action::Replace } else { Action::Update };
                let mut c = change(address, Some(env.clone()), action, detail, kind);
                c.trace = first.map(|p| (format!("{dir}/{env}.tfvars"), p));
                out.push(c);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::changes::tree;

    const MAIN: &str = "locals {\n  service = \"api\"\n}\n\ndata \"aws_partition\" \"current\" {}\n\nresource \"aws_db_instance\" \"this\" {\n  identifier     = var.names.database\n  instance_class = var.database.instance_class\n  engine         = \"postgres\"\n\n  tags = {\n    service = local.service\n  }\n}\n\nresource \"aws_iam_role\" \"service\" {\n  name = var.names.iam_role\n}\n";

    fn vars(class: &str, role: &str) -> String {
        format!(
            "environment = \"production\"\nnames = {{\n  database = \"api-production\"\n  iam_role = \"{role}\"\n}}\ndatabase = {{\n  instance_class = \"{class}\"\n}}\n"
        )
    }

    #[test]
    fn blocks_and_entries_are_read_from_canonical_hcl() {
        let b = blocks(MAIN);
        assert_eq!(
            b.iter().filter_map(Block::address).collect::<Vec<_>>(),
            ["aws_db_instance.this", "aws_iam_role.service"]
        );
        let db = &b[2];
        assert_eq!(db.entries.keys().collect::<Vec<_>>(), ["engine", "identifier", "instance_class", "tags"]);
        assert!(db.entries["tags"].contains("local.service"));
        let v = variables(&vars("db.t4g.small", "api"));
        assert_eq!(v["database.instance_class"], "instance_class = \"db.t4g.small\"");
        assert!(v.contains_key("names.iam_role") && v.contains_key("environment"));
    }

    #[test]
    fn a_variable_change_updates_or_replaces_what_reads_it() {
        let base =
            tree(&[("api/terraform/main.tf", MAIN), ("api/terraform/production.tfvars", &vars("db.t4g.small", "api"))]);
        let head = tree(&[
            ("api/terraform/main.tf", MAIN),
            ("api/terraform/production.tfvars", &vars("db.t4g.large", "api-2")),
        ]);
        let mut out = Vec::new();
        changes(&base, &head, &mut out);
        let got: Vec<(String, Action, Option<String>)> =
            out.iter().map(|c| (c.object.clone(), c.action, c.environment.clone())).collect();
        assert_eq!(
            got,
            [
                ("aws_db_instance.this".into(), Action::Update, Some("production".into())),
                ("aws_iam_role.service".into(), Action::Replace, Some("production".into())),
            ]
        );
        assert!(out[0].detail[0].contains("db.t4g.small") && out[0].detail[0].contains("db.t4g.large"), "{:?}", out[0]);
    }

    #[test]
    fn a_body_change_that_forces_a_new_resource_is_a_replace() {
        let base = tree(&[("api/terraform/main.tf", MAIN)]);
        let head = tree(&[("api/terraform/main.tf", &MAIN.replace("\"postgres\"", "\"mysql\""))]);
        let mut out = Vec::new();
        changes(&base, &head, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].action, Action::Replace);
        assert!(out[0].holds_data);
        assert_eq!(out[0].detail, ["engine: \"postgres\" → \"mysql\""]);
        let mut out = Vec::new();
        changes(&base, &tree(&[("api/terraform/main.tf", &MAIN.replace("\"api\"", "\"api-v2\""))]), &mut out);
        assert_eq!(out.iter().map(|c| c.action).collect::<Vec<_>>(), [Action::Update], "{out:?}");
        assert_eq!(out[0].detail, ["local.service"]);
    }

    #[test]
    fn resources_appear_and_disappear() {
        let base = tree(&[("api/terraform/main.tf", MAIN)]);
        let without_db = MAIN.replace(
            "resource \"aws_db_instance\" \"this\" {\n  identifier     = var.names.database\n  instance_class = var.database.instance_class\n  engine         = \"postgres\"\n\n  tags = {\n    service = local.service\n  }\n}\n",
            "",
        );
        let head = tree(&[("api/terraform/main.tf", &without_db)]);
        let mut out = Vec::new();
        changes(&base, &head, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].object.as_str(), out[0].action), ("aws_db_instance.this", Action::Destroy));
        let mut out = Vec::new();
        changes(&head, &base, &mut out);
        assert_eq!(out[0].action, Action::Create);
    }

    /// A module call moved to a shared module that declares the same resource keeps it; a
    /// resource the new module lacks is still destroyed.
    #[test]
    fn a_module_moved_to_a_new_source_keeps_what_it_declares() {
        let key = "resource \"aws_kms_key\" \"this\" {\n  description = \"x\"\n}\n";
        let role = "resource \"kubernetes_role_v1\" \"dashboard\" {\n  metadata = {}\n}\n";
        let call = |source: &str| format!("module \"api\" {{\n  source = \"{source}\"\n}}\n");
        let base = tree(&[
            ("_org/terraform/main.tf", &call("../../api/terraform/ci-deploy")),
            ("api/terraform/ci-deploy/main.tf", &format!("{key}\n{role}")),
        ]);
        let counted = key.replace("{\n", "{\n  count = var.features.key ? 1 : 0\n\n");
        let head = tree(&[
            ("_org/terraform/main.tf", &call("./modules/ci-deploy")),
            ("_org/terraform/modules/ci-deploy/main.tf", &counted),
        ]);
        let mut out = Vec::new();
        changes(&base, &head, &mut out);
        let got: Vec<(&str, &str, Action)> = out
            .iter()
            .filter(|c| c.root == "api/terraform/ci-deploy")
            .map(|c| (c.root.as_str(), c.object.as_str(), c.action))
            .collect();
        assert_eq!(
            got,
            [
                ("api/terraform/ci-deploy", "aws_kms_key.this", Action::Update),
                ("api/terraform/ci-deploy", "kubernetes_role_v1.dashboard", Action::Destroy),
            ]
        );
        assert!(out.iter().any(|c| {
            c.detail.iter().any(|d| d.starts_with("kept: module.api now calls _org/terraform/modules/ci-deploy"))
        }));
    }

    /// A service root's call of an org module reads as the module's resources under
    /// `module.<label>.`, each reading the call's arguments: a size changed in an
    /// environment's tfvars replaces the instance, a removed call destroys the database.
    #[test]
    fn an_org_module_call_reads_as_its_resources() {
        let module = "resource \"aws_db_instance\" \"this\" {\n  identifier     = var.names.database\n  instance_class = var.database.instance_class\n}\n";
        let call = "module \"database\" {\n  source = \"../../_org/terraform/modules/postgres\"\n\n  database = var.database\n  names    = module.names\n}\n";
        let root = |class: &str, with_db: bool| {
            let mut files = vec![
                ("_org/terraform/modules/postgres/main.tf".to_owned(), module.to_owned()),
                (
                    "api/terraform/production.tfvars".to_owned(),
                    format!("database = {{\n  instance_class = \"{class}\"\n}}\n"),
                ),
            ];
            files.push(("api/terraform/main.tf".to_owned(), if with_db { call.to_owned() } else { String::new() }));
            files
        };
        let as_tree = |files: Vec<(String, String)>| {
            let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
            tree(&refs)
        };
        let mut out = Vec::new();
        changes(&as_tree(root("db.t4g.small", true)), &as_tree(root("db.m7g.large", true)), &mut out);
        let resized: Vec<_> = out.iter().filter(|c| c.root == "api/terraform").collect();
        assert_eq!(resized.len(), 1, "{resized:?}");
        assert_eq!(resized[0].object, "module.database.aws_db_instance.this");
        assert_eq!((resized[0].environment.as_deref(), resized[0].action), (Some("production"), Action::Update));
        let mut out = Vec::new();
        changes(&as_tree(root("db.t4g.small", true)), &as_tree(root("db.t4g.small", false)), &mut out);
        assert!(
            out.iter().any(|c| c.object == "module.database.aws_db_instance.this"
                && c.action == Action::Destroy
                && c.holds_data),
            "{out:?}"
        );
    }

    /// A resource a `moved` block takes into a local module that declares it is kept; one
    /// moved to a module that does not declare it, or not moved, is destroyed.
    #[test]
    fn a_resource_moved_into_a_module_is_kept() {
        let db = "resource \"aws_db_instance\" \"this\" {\n  engine = \"postgres\"\n}\n";
        let role = "resource \"aws_iam_role\" \"rds_monitoring\" {\n  name = \"x\"\n}\n";
        let base = tree(&[("api/terraform/main.tf", &format!("{db}\n{role}"))]);
        let moved = |from: &str| format!("moved {{\n  from = {from}\n  to   = module.database.{from}\n}}\n");
        let root = format!(
            "module \"database\" {{\n  source = \"../../_org/terraform/modules/postgres\"\n}}\n\n{}\n{}",
            moved("aws_db_instance.this"),
            moved("aws_iam_role.rds_monitoring")
        );
        let head = tree(&[("api/terraform/main.tf", &root), ("_org/terraform/modules/postgres/main.tf", db)]);
        let mut out = Vec::new();
        changes(&base, &head, &mut out);
        let got: Vec<(&str, Action)> =
            out.iter().filter(|c| c.root == "api/terraform").map(|c| (c.object.as_str(), c.action)).collect();
        // The call reads as the module's resources: the moved one is the base's, kept.
        assert_eq!(got, [("aws_db_instance.this", Action::Update), ("aws_iam_role.rds_monitoring", Action::Destroy)]);
        let kept = out.iter().find(|c| c.root == "api/terraform" && c.object == "aws_db_instance.this").unwrap();
        assert_eq!(
            kept.detail,
            [
                "kept: moved into module.database (_org/terraform/modules/postgres), which declares it (moved, not destroyed)"
            ]
        );
        // Without the moved block, the database is destroyed.
        let bare = tree(&[
            (
                "api/terraform/main.tf",
                "module \"database\" {\n  source = \"../../_org/terraform/modules/postgres\"\n}\n",
            ),
            ("_org/terraform/modules/postgres/main.tf", db),
        ]);
        let mut out = Vec::new();
        changes(&base, &bare, &mut out);
        assert!(out.iter().any(|c| c.object == "aws_db_instance.this" && c.action == Action::Destroy && c.holds_data));
    }

    /// A reference that follows its resource into a module (the module's output is the same
    /// attribute of the resource a `moved` block took there) reads the same value: nothing
    /// changes. An output of another attribute is a change.
    #[test]
    fn a_reference_that_follows_its_resource_into_a_module_is_no_change() {
        let role = "resource \"aws_iam_role\" \"service\" {\n  name = var.names.iam_role\n}\n";
        let policy = |role: &str| {
            format!(
                "resource \"aws_iam_role_policy\" \"service\" {{\n  name = \"least-privilege\"\n  role = {role}\n}}\n"
            )
        };
        let base = tree(&[("api/terraform/main.tf", &format!("{role}\n{}", policy("aws_iam_role.service.id")))]);
        let head = |output: &str| {
            let root = format!(
                "module \"service_role\" {{\n  source = \"../../_org/terraform/modules/service-role\"\n}}\n\nmoved {{\n  from = aws_iam_role.service\n  to   = module.service_role.aws_iam_role.service\n}}\n\n{}",
                policy("module.service_role.name")
            );
            let outputs = format!("output \"name\" {{\n  value = {output}\n}}\n");
            tree(&[
                ("api/terraform/main.tf", &root),
                ("_org/terraform/modules/service-role/main.tf", role),
                ("_org/terraform/modules/service-role/outputs.tf", &outputs),
            ])
        };
        let changed = |output: &str| {
            let mut out = Vec::new();
            changes(&base, &head(output), &mut out);
            out.into_iter().filter(|c| c.root == "api/terraform").map(|c| (c.object, c.action)).collect::<Vec<_>>()
        };
        assert_eq!(changed("aws_iam_role.service.id"), [("aws_iam_role.service".to_owned(), Action::Update)]);
        assert!(
            changed("aws_iam_role.service.arn").contains(&("aws_iam_role_policy.service".to_owned(), Action::Replace))
        );
        assert_eq!(
            replace_reference("a = module.x.name\nb = module.x.names", "module.x.name", "r.id"),
            "a = r.id\nb = module.x.names"
        );
    }

    #[test]
    fn reads_matches_whole_names() {
        assert!(reads("x = var.names.iam_role\n", "var", "names.iam_role"));
        assert!(reads("x = var.names\n", "var", "names.iam_role"));
        assert!(!reads("x = var.names.database\n", "var", "names.iam_role"));
        assert!(!reads("x = var.aws_region_b\n", "var", "aws_region"));
        assert!(reads("x = \"${var.aws_region}\"\n", "var", "aws_region"));
    }
}
