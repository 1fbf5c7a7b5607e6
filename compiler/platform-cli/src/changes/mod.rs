//! The change model of `platform diff`: what the two generated trees mean, compared object
//! by object, above the file diffs. Terraform resources by address, per environment, with
//! create / update / replace / destroy ([`terraform`]); Kubernetes objects and Helm values
//! per environment, alert and recording rules by name, workflow jobs, dashboard panels and
//! catalog entities ([`documents`]); the objects each environment renders, with kind swaps
//! and selector changes ([`charts`]). Files stay the last level of detail; a file whose
//! every changed line also changes in another file of the change (a dashboard and the
//! ConfigMap that carries it, the rule file and the chart's PrometheusRule) is a mirror,
//! shown once ([`mirrors`]).
//!
//! Only the layout `<service or _org>/<backend>/…` and the file formats are known here, no
//! backend's code: the model reads what was generated, as a reviewer would.

pub mod charts;
pub mod documents;
pub mod terraform;

use std::collections::{BTreeMap, BTreeSet};

/// A generated tree: path relative to the output root → bytes.
pub type Tree = BTreeMap<String, Vec<u8>>;

/// What happens to an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// Destroyed.
    Destroy,
    /// Destroyed and created anew.
    Replace,
    /// Changed in place.
    Update,
    /// New.
    Create,
}

impl Action {
    /// `destroy`, `replace`, `update`, `create`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Action::Destroy => "destroy",
            Action::Replace => "replace",
            Action::Update => "update",
            Action::Create => "create",
        }
    }

    /// The sign a plan prints: `-`, `-/+`, `~`, `+`.
    pub const fn sign(self) -> &'static str {
        match self {
            Action::Destroy => "-",
            Action::Replace => "-/+",
            Action::Update => "~",
            Action::Create => "+",
        }
    }
}

/// Which part of the output an object belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Layer {
    /// Terraform resources and modules.
    Terraform,
    /// Kubernetes objects of the chart and the values that shape them.
    Kubernetes,
    /// Prometheus alert and recording rules.
    Alerts,
    /// GitHub Actions jobs.
    Workflows,
    /// Grafana panels.
    Dashboard,
    /// Backstage entities.
    Catalog,
}

impl Layer {
    /// Lowercase name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Layer::Terraform => "terraform",
            Layer::Kubernetes => "kubernetes",
            Layer::Alerts => "alerts",
            Layer::Workflows => "workflows",
            Layer::Dashboard => "dashboard",
            Layer::Catalog => "catalog",
        }
    }
}

/// One object that changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The service, or `_org`.
    pub service: String,
    /// Its layer.
    pub layer: Layer,
    /// The directory or file it was read from, relative to the output root.
    pub root: String,
    /// The environment, or `None` for every one.
    pub environment: Option<String>,
    /// Address or name: `aws_db_instance.this`, `Rollout`, `values.replicaCount`, …
    pub object: String,
    /// What happens to it.
    pub action: Action,
    /// What changes in it: `instance_class: "db.t4g.small" → "db.t4g.large"`, …
    pub detail: Vec<String>,
    /// Its destruction or replacement loses data (a database, a key, a password, a
    /// namespace with everything in it).
    pub holds_data: bool,
    /// Where to look for the input that caused it: a generated file of the work tree and
    /// the key path of the changed part (`values.yaml`, `replicaCount`).
    pub trace: Option<(String, String)>,
    /// That input, `file:line:col`, once found ([`crate::provenance::origin`]).
    pub input: Option<String>,
}

/// The base tree with each renamed service's files where the work tree has them: `renames`
/// maps an old name to the new one (`metadata.previousNames`), so a renamed service is
/// compared with itself, not destroyed and created.
pub fn renamed(base: &Tree, renames: &BTreeMap<String, String>) -> Tree {
    base.iter()
        .map(|(p, b)| {
            let service = p.split('/').next().unwrap_or("");
            match renames.get(service) {
                Some(new) => (p.replace(service, new), b.clone()),
                None => (p.clone(), b.clone()),
            }
        })
        .collect()
}

/// Every object that changes from `base` to `head`, by service, layer, environment, object.
pub fn model(base: &Tree, head: &Tree) -> Vec<Change> {
    let mut out = Vec::new();
    terraform::changes(base, head, &mut out);
    documents::changes(base, head, &mut out);
    charts::changes(base, head, &mut out);
    out.sort_by(|a, b| {
        (&a.service, a.layer, &a.environment, a.action, &a.object).cmp(&(
            &b.service,
            b.layer,
            &b.environment,
            b.action,
            &b.object,
        ))
    });
    out
}

/// The model as text: by service, then layer and environment, one object per line with
/// the first details under it.
pub fn human(changes: &[Change]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let mut service = None;
    for c in changes {
        if service != Some(&c.service) {
            let _ = writeln!(out, "  {}", crate::render::inert(&c.service));
            service = Some(&c.service);
        }
        let env = c.environment.as_deref().unwrap_or("every environment");
        let data =
            if c.holds_data && matches!(c.action, Action::Destroy | Action::Replace) { "  (holds data)" } else { "" };
        let _ = writeln!(
            out,
            "    {:<3} {:<10} {:<18} {}{data}",
            c.action.sign(),
            c.layer.as_str(),
            crate::render::inert(env),
            crate::render::inert(&c.object)
        );
        if let Some(at) = &c.input {
            let _ = writeln!(out, "          ← {}", crate::render::inert(at));
        }
        for d in c.detail.iter().take(3) {
            let _ = writeln!(out, "          {}", crate::render::inert(d));
        }
        if c.detail.len() > 3 {
            let _ = writeln!(out, "          … {} more", c.detail.len() - 3);
        }
    }
    out
}

/// The model as the `objects` array of `diff --format json`.
pub fn json(changes: &[Change]) -> serde_json::Value {
    changes
        .iter()
        .map(|c| {
            serde_json::json!({
                "service": c.service,
                "layer": c.layer.as_str(),
                "source": c.root,
                "environment": c.environment,
                "object": c.object,
                "action": c.action.as_str(),
                "detail": c.detail,
                "holdsData": c.holds_data,
                "input": c.input,
            })
        })
        .collect()
}

/// A value on one line (runs of whitespace as one space), at most 60 characters.
pub(crate) fn shorten(s: &str) -> String {
    let one = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 60 { format!("{}…", one.chars().take(59).collect::<String>()) } else { one }
}

/// The lines a change removes and adds, whitespace-trimmed, without the header.
fn changed_lines(old: &[u8], new: &[u8]) -> BTreeSet<String> {
    let (a, b) = (String::from_utf8_lossy(old), String::from_utf8_lossy(new));
    let la: BTreeMap<&str, usize> = count(&a);
    let lb: BTreeMap<&str, usize> = count(&b);
    let mut out = BTreeSet::new();
    for (l, n) in &la {
        if lb.get(l) != Some(n) {
            out.insert((*l).to_owned());
        }
    }
    for (l, n) in &lb {
        if la.get(l) != Some(n) {
            out.insert((*l).to_owned());
        }
    }
    out
}

fn count(text: &str) -> BTreeMap<&str, usize> {
    let mut m = BTreeMap::new();
    for l in text.lines().skip_while(|l| l.starts_with('#') || l.starts_with("//")) {
        let t = l.trim().trim_end_matches(',');
        if !t.is_empty() {
            *m.entry(t).or_default() += 1;
        }
    }
    m
}

/// Changed files (in both trees) that only repeat other changed files of the same service:
/// mirror → the files it mirrors. A mirror holds every line of each file it mirrors and
/// more (a ConfigMap around a dashboard, a chart template around the rule files of every
/// environment), and each of its changed lines changes in one of them too.
pub fn mirrors(base: &Tree, head: &Tree) -> BTreeMap<String, Vec<String>> {
    let rendered: Vec<(&String, Vec<u8>, Vec<u8>)> = head
        .iter()
        .filter_map(|(p, new)| {
            let old = base.get(p).filter(|old| *old != new)?;
            Some((p, documents::rendered(p, old).into_owned(), documents::rendered(p, new).into_owned()))
        })
        .collect();
    let changed: Vec<(&String, BTreeSet<String>, BTreeSet<&str>)> = rendered
        .iter()
        .filter_map(|(p, old, new)| {
            Some((*p, changed_lines(old, new), std::str::from_utf8(new).ok().map(|t| count(t).into_keys().collect())?))
        })
        .filter(|(_, lines, _)| !lines.is_empty())
        .collect();
    let mut out = BTreeMap::new();
    for (p, lines, all) in &changed {
        let service = p.split('/').next().unwrap_or("");
        let sources: Vec<&(&String, BTreeSet<String>, BTreeSet<&str>)> = changed
            .iter()
            .filter(|(q, _, whole)| {
                q != p && q.split('/').next() == Some(service) && whole.is_subset(all) && whole.len() < all.len()
            })
            .collect();
        if !sources.is_empty() && lines.iter().all(|l| sources.iter().any(|(_, o, _)| o.contains(l))) {
            out.insert((*p).clone(), sources.iter().map(|(q, _, _)| (*q).clone()).collect());
        }
    }
    out
}

/// A tree of text files, for tests.
#[cfg(test)]
pub(crate) fn tree(files: &[(&str, &str)]) -> Tree {
    files.iter().map(|(p, t)| ((*p).to_owned(), t.as_bytes().to_vec())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_only_repeats_another_is_its_mirror() {
        let base = tree(&[
            ("api/grafana/api.json", "{\n  \"title\": \"a\",\n  \"x\": 1\n}\n"),
            (
                "api/grafana/configmap.yaml",
                "data:\n  api.json: |\n    {\n      \"title\": \"a\",\n      \"x\": 1\n    }\n",
            ),
            ("api/helm/values.yaml", "replicas: 1\n"),
        ]);
        let head = tree(&[
            ("api/grafana/api.json", "{\n  \"title\": \"b\",\n  \"x\": 1\n}\n"),
            (
                "api/grafana/configmap.yaml",
                "data:\n  api.json: |\n    {\n      \"title\": \"b\",\n      \"x\": 1\n    }\n",
            ),
            ("api/helm/values.yaml", "replicas: 2\n"),
        ]);
        let m = mirrors(&base, &head);
        assert_eq!(m.len(), 1, "{m:?}");
        let (mirror, of) = m.iter().next().unwrap();
        assert!(mirror.starts_with("api/grafana/"), "{m:?}");
        assert_eq!(of.len(), 1);
        assert_ne!(mirror, &of[0]);
    }
}
