#!/usr/bin/env python3
"""Offline conformance helpers (run with the toolchain venv's python).

Subcommands (each exits 0 = clean, 1 = findings, 2 = usage/parse trouble):
  helm CHART_DIR OUT_YAML [--name N] [--namespace NS] [--kube-version V] [--values F]
      helm lint (strict: warnings fail, info ignored) + offline render via
      helm-python-sdk (Helm v4 SDK) + values.schema.json validation; rendered
      output must be YAML without duplicate keys; writes the rendered
      manifests as one multi-document YAML.
  k8s [--kube-version V] [--allow-kind apiVersion/Kind ...] FILE...
      strict schema validation: core/k8s.io kinds via kubernetes-validate
      (unknown fields rejected, removed APIs rejected); Prometheus Operator and
      cert-manager CRDs via cloudcoil pydantic models turned into strict JSON
      schema; Argo Rollout pod template via the core PodTemplateSpec schema.
      Argo Rollouts, External Secrets and Gateway API (gateway.networking.k8s.io,
      not a core group although it ends in .k8s.io) objects are left to
      `conformance.mjs crd-models` (npm @kubernetes-models). Any other kind is
      a finding unless allowed with --allow-kind.
  prom-extract OUT_DIR FILE...
      writes the spec of every PrometheusRule found in FILEs to
      OUT_DIR/<file>--<name>.rules.yaml (plain rule groups, the format promtool wants).
  grafana SCHEMA_JSON PROMQL_OUT FILE...
      JSON parse + dashboard JSON schema (generated from @grafana/schema types)
      + unique uid/panel ids; writes every Prometheus target expr into a
      synthetic rule file PROMQL_OUT for `promtool check rules`.
  grafana-extract OUT_DIR FILE...
      writes every `*.json` value of every ConfigMap in FILEs (a dashboard
      wrapped for the Grafana sidecar) to OUT_DIR/<cm>--<key> for `grafana`.
  checkov-view OUT_DIR FILE...
      copy of rendered manifests for checkov's kubernetes framework, with Argo
      Rollouts rewritten as Deployments (checkov has no Rollout checks).
  hcl DIR...            parse every *.tf and *.tfvars with python-hcl2.
  tf-schema SCHEMA DIR...  see tf_schema_check.py (unknown args/types, required args).
  tf-refs DIR...        see tf_refs_check.py (undeclared references, local module calls).
"""
from __future__ import annotations

import argparse
import copy
import glob
import importlib
import json
import os
import re
import shutil
import sys

import yaml


def load_docs(path):
    with open(path) as fh:
        return [d for d in yaml.safe_load_all(fh) if d]


def sh_quote_yaml_dump(docs, path):
    with open(path, "w") as fh:
        yaml.safe_dump_all(docs, fh, sort_keys=False)


# ----------------------------------------------------------------- helm
class _NoDupLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate mapping keys. PyYAML silently keeps the last one,
    but Helm/kubectl (sigs.k8s.io/yaml) refuse the manifest at install time."""


def _construct_mapping_nodup(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark,
                f"found duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_NoDupLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping_nodup)


def _packaged_library(chart, name):
    """The library chart `name` in the org packages beside a tree that holds `chart`."""
    here = os.path.abspath(chart)
    while True:
        candidate = os.path.join(here, "expected-packages", "helm", name)
        if os.path.isfile(os.path.join(candidate, "Chart.yaml")):
            return candidate
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _with_dependencies(helm, chart, out):
    """The chart to check, as the deploy runs it, and its Chart.yaml. A chart with
    `dependencies:` (a packaged chart) is checked on a copy, in a `charts/` directory beside
    OUT_YAML's, whose `file://` paths are made absolute, after `helm dependency build`
    (offline); the generated tree itself is never written to."""
    with open(os.path.join(chart, "Chart.yaml")) as fh:
        meta = yaml.safe_load(fh) or {}
    deps = meta.get("dependencies") or []
    if not deps:
        return chart, meta
    stem = os.path.splitext(os.path.basename(out))[0]
    work = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(out))), "charts", stem)
    copy_dir = os.path.join(work, os.path.basename(os.path.normpath(chart)))
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(chart, copy_dir)
    for d in deps:
        repo = d.get("repository", "")
        if repo.startswith("file://") and not repo.startswith("file:///"):
            d["repository"] = "file://" + os.path.abspath(os.path.join(chart, repo[len("file://"):]))
        elif repo.startswith("oci://"):
            # Offline, a registry is the org packages built beside the tree (a golden case's
            # expected-packages/helm/<name>): the library a release would push there.
            local = _packaged_library(chart, d.get("name", ""))
            if local is None:
                raise FileNotFoundError(f"{repo}: no org packages beside the tree hold {d.get('name')!r}")
            d["repository"] = "file://" + local
    with open(os.path.join(copy_dir, "Chart.yaml"), "w") as fh:
        yaml.safe_dump(meta, fh, sort_keys=False)
    helm.dependency_build(copy_dir)
    return copy_dir, meta


def cmd_helm(a):
    import helm_python as helm

    try:
        a.chart, meta = _with_dependencies(helm, a.chart, a.out)
    except (helm.HelmError, FileNotFoundError) as e:
        print(f"{a.chart}: [helm dependency build] {type(e).__name__}: {e}")
        return 1
    values = None
    if a.values:
        with open(a.values) as fh:
            values = yaml.safe_load(fh) or {}
    findings = 0
    report = helm.lint(a.chart, values, strict=True, namespace=a.namespace,
                       kube_version="v" + a.kube_version.lstrip("v"))
    for m in report.get("messages", []):
        sev = m.get("severity", 0)
        if sev >= 2:  # 2=warning, 3=error; 1=info ("icon is recommended") ignored
            findings += 1
            print(f"{a.chart}/{m.get('path','')}: [helm lint {'error' if sev == 3 else 'warning'}] {m.get('error','').strip()}")
    if meta.get("type") == "library":
        # A library chart renders nothing on its own: linted here, rendered through the
        # charts that depend on it.
        open(a.out, "w").close()
        print(f"helm: {a.chart}: library chart linted")
        return 1 if findings else 0
    try:
        with helm.Chart.load(a.chart) as chart:
            chart.validate_schema(values)
            rendered = chart.render(values, name=a.name, namespace=a.namespace, is_install=True)
    except helm.HelmError as e:
        print(f"{a.chart}: [helm render] {type(e).__name__}: {e}")
        return 1
    docs = []
    for tpl in sorted(rendered):
        text = rendered[tpl]
        if not tpl.endswith((".yaml", ".yml")) or not text.strip():
            continue
        if "/templates/tests/" in tpl:
            continue  # helm test hooks, not deployed manifests
        try:
            for d in yaml.load_all(text, Loader=_NoDupLoader):
                if d:
                    docs.append(d)
        except yaml.YAMLError as e:
            findings += 1
            print(f"{tpl}: [helm render] output is not valid YAML: {e}")
    sh_quote_yaml_dump(docs, a.out)
    print(f"helm: {a.chart}: {len(docs)} manifests rendered -> {a.out}")
    return 1 if findings else 0


# ----------------------------------------------------------------- k8s
def _strictify(s):
    if isinstance(s, dict):
        if s.get("type") == "object" and "properties" in s and "additionalProperties" not in s:
            s["additionalProperties"] = False
        for v in s.values():
            _strictify(v)
    elif isinstance(s, list):
        for v in s:
            _strictify(v)
    return s


CRD_MODELS = {  # API group -> cloudcoil models package
    "monitoring.coreos.com": "cloudcoil.models.prometheus_operator",
    "cert-manager.io": "cloudcoil.models.cert_manager",
    "acme.cert-manager.io": "cloudcoil.models.cert_manager.acme",
}
_crd_validators = {}
# API groups checked by `conformance.mjs crd-models` (npm @kubernetes-models) instead. The Gateway
# API groups are CRDs (no schema in kubernetes-validate) although one ends in .k8s.io.
NODE_MODEL_GROUPS = {"argoproj.io", "external-secrets.io", "generators.external-secrets.io",
                     "gateway.networking.k8s.io", "gateway.networking.x-k8s.io"}


def crd_validator(group, version, kind):
    import jsonschema

    key = (group, version, kind)
    if key not in _crd_validators:
        v = None
        pkg = CRD_MODELS.get(group)
        if pkg:
            modname = f"{pkg}.{version}" if not pkg.endswith(".acme") else pkg
            try:
                mod = importlib.import_module(modname)
                model = getattr(mod, kind, None)
            except ImportError:
                model = None
            if model is not None:
                schema = _strictify(model.model_json_schema(by_alias=True))
                v = jsonschema.Draft202012Validator(schema)
        _crd_validators[key] = v
    return _crd_validators[key]


def _pick(e):
    """For anyOf/oneOf errors show the branch that got furthest: drop the
    'is not null' alternative and prefer the deepest error path."""
    while e.context:
        ctx = [c for c in e.context if not (c.validator == "type" and c.validator_value == "null")]
        if not ctx:
            break
        e = max(ctx, key=lambda c: (len(c.absolute_path), -len(c.context or [])))
    return e


def _err_lines(validator, doc):
    out = []
    for e in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
        e = _pick(e)
        path = ".".join(map(str, e.absolute_path)) or "<root>"
        out.append(f"{path}: {e.message[:300]}")
    return out


def is_core_group(api_version):
    group = api_version.split("/")[0] if "/" in api_version else ""
    if group in NODE_MODEL_GROUPS:
        return False
    return group == "" or "." not in group or group.endswith(".k8s.io")


def cmd_k8s(a):
    import kubernetes_validate as kv

    allowed = set(a.allow_kind or [])
    findings = checked = 0
    for f in a.files:
        try:
            docs = load_docs(f)
        except yaml.YAMLError as e:
            print(f"{f}: YAML error: {e}")
            findings += 1
            continue
        for d in docs:
            if not isinstance(d, dict) or "apiVersion" not in d or "kind" not in d:
                print(f"{f}: document without apiVersion/kind")
                findings += 1
                continue
            av, kind = d["apiVersion"], d["kind"]
            ref = f"{f}: {av}/{kind} {d.get('metadata', {}).get('name', '?')}"
            checked += 1
            if f"{av}/{kind}" in allowed:
                print(f"{ref}: NOT CHECKED (allowed without schema by --allow-kind/ALLOW_KINDS)")
                continue
            errs = []
            if is_core_group(av):
                try:
                    kv.validate(d, a.kube_version, strict=True)
                except kv.SchemaNotFoundError as e:
                    errs.append(f"no schema in Kubernetes {a.kube_version} (removed/unknown API?): {e.message}")
                except kv.ValidationError as e:
                    path = ".".join(map(str, e.absolute_path)) or "<root>"
                    errs.append(f"{path}: {e.message[:300]}")
            elif av.split("/")[0] == "argoproj.io" and kind == "Rollout":
                spec = d.get("spec") or {}
                if "template" in spec:
                    shim = {"apiVersion": "apps/v1", "kind": "Deployment",
                            "metadata": d.get("metadata", {}),
                            "spec": {"selector": spec.get("selector", {}), "template": spec["template"]}}
                    try:
                        kv.validate(shim, a.kube_version, strict=True)
                    except kv.ValidationError as e:
                        path = ".".join(map(str, e.absolute_path)) or "<root>"
                        errs.append(f"(pod template, core schema) {path}: {e.message[:300]}")
                # the rest of the Rollout spec is checked by conformance.mjs crd-models
            elif av.split("/")[0] in NODE_MODEL_GROUPS:
                pass  # checked by conformance.mjs crd-models (npm @kubernetes-models/argo-rollouts,
                #       external-secrets, gateway-api)
            else:
                group, _, version = av.partition("/")
                v = crd_validator(group, version, kind)
                if v is None:
                    errs.append("no offline schema for this kind (use --allow-kind to accept)")
                else:
                    errs.extend(_err_lines(v, d))
            for e in errs:
                print(f"{ref}: {e}")
            findings += bool(errs)
    print(f"k8s-validate: {checked} objects, {findings} with findings (kubernetes {a.kube_version}, strict)")
    return 1 if findings else 0


# ----------------------------------------------------------------- prometheus
def cmd_prom_extract(a):
    os.makedirs(a.out_dir, exist_ok=True)
    n = 0
    for f in a.files:
        for d in load_docs(f):
            if isinstance(d, dict) and d.get("kind") == "PrometheusRule":
                name = d.get("metadata", {}).get("name", f"rule{n}")
                spec = d.get("spec") or {}
                src = re.sub(r"\.ya?ml$", "", os.path.basename(f))
                out = os.path.join(a.out_dir, f"{src}--{name}.rules.yaml")
                with open(out, "w") as fh:
                    yaml.safe_dump({"groups": spec.get("groups", [])}, fh, sort_keys=False)
                print(out)
                n += 1
    return 0


# ----------------------------------------------------------------- grafana
GRAFANA_VAR = re.compile(r"\$\{[^}]+\}|\$__\w+|\$\w+|\[\[\w+\]\]")


def promql_placeholder(expr):
    # durations first: [$__rate_interval], [$interval], [5m:$__interval]
    expr = re.sub(r"\[\s*(\$\{?\w+\}?|\[\[\w+\]\])\s*(:\s*(\$\{?\w+\}?))?\s*\]",
                  lambda m: "[5m" + (":1m" if m.group(2) else "") + "]", expr)
    expr = re.sub(r"\$__range_s|\$__interval_ms", "60", expr)
    # a variable that stands for a whole matcher ({service="a",${error_selector:raw}})
    expr = re.sub(r"(?<=[{,])\s*(" + GRAFANA_VAR.pattern + r")\s*(?=[,}])", 'placeholder="placeholder"', expr)
    return GRAFANA_VAR.sub("placeholder", expr)


def iter_panels(panels):
    for p in panels or []:
        yield p
        yield from iter_panels(p.get("panels"))


def cmd_grafana(a):
    import jsonschema

    with open(a.schema) as fh:
        validator = jsonschema.Draft7Validator(json.load(fh))
    findings = 0
    uids = {}
    rules = []
    for f in a.files:
        try:
            with open(f) as fh:
                dash = json.load(fh)
        except (OSError, json.JSONDecodeError) as e:
            print(f"{f}: invalid JSON: {e}")
            findings += 1
            continue
        if isinstance(dash, dict) and "dashboard" in dash and "panels" not in dash:
            dash = dash["dashboard"]  # API envelope {"dashboard": {...}, "folderUid": ...}
        errs = _err_lines(validator, dash)
        uid = dash.get("uid")
        if not uid:
            errs.append("uid: missing (provisioned dashboards need a stable uid)")
        elif uid in uids:
            errs.append(f"uid: '{uid}' duplicates {uids[uid]}")
        else:
            uids[uid] = f
        if uid and not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", uid):
            errs.append(f"uid: '{uid}' must be <=40 chars of [A-Za-z0-9_-]")
        seen = set()
        for p in iter_panels(dash.get("panels")):
            pid = p.get("id")
            if pid in seen:
                errs.append(f"panels: duplicate panel id {pid}")
            seen.add(pid)
            for t in p.get("targets") or []:
                expr = t.get("expr")
                if isinstance(expr, str) and expr.strip():
                    rules.append({"record": f"grafana:panel_{pid}_{t.get('refId', 'A')}:expr",
                                  "expr": promql_placeholder(expr),
                                  "labels": {"dashboard": str(uid), "source_file": os.path.basename(f)}})
        for e in errs:
            print(f"{f}: {e}")
        findings += bool(errs)
    with open(a.promql_out, "w") as fh:
        yaml.safe_dump({"groups": [{"name": "grafana-dashboard-exprs", "rules": rules}]}, fh, sort_keys=False)
    print(f"grafana: {len(a.files)} dashboards, {findings} with findings, {len(rules)} PromQL exprs -> {a.promql_out}")
    return 1 if findings else 0


def cmd_grafana_extract(a):
    os.makedirs(a.out_dir, exist_ok=True)
    n = 0
    for f in a.files:
        for d in load_docs(f):
            if not (isinstance(d, dict) and d.get("kind") == "ConfigMap" and d.get("apiVersion") == "v1"):
                continue
            name = (d.get("metadata") or {}).get("name", "configmap")
            for key, val in (d.get("data") or {}).items():
                if key.endswith(".json") and isinstance(val, str):
                    out = os.path.join(a.out_dir, f"{name}--{key}")
                    with open(out, "w") as fh:
                        fh.write(val)
                    print(out)
                    n += 1
    return 0


# ----------------------------------------------------------------- checkov view
def cmd_checkov_view(a):
    os.makedirs(a.out_dir, exist_ok=True)
    for i, f in enumerate(a.files):
        docs = []
        for d in load_docs(f):
            d = copy.deepcopy(d)
            if d.get("apiVersion", "").startswith("argoproj.io/") and d.get("kind") == "Rollout":
                d["apiVersion"], d["kind"] = "apps/v1", "Deployment"
                d.get("spec", {}).pop("strategy", None)
                d.get("spec", {}).pop("workloadRef", None)
            docs.append(d)
        sh_quote_yaml_dump(docs, os.path.join(a.out_dir, f"{i:03d}-{os.path.basename(f)}"))
    return 0


# ----------------------------------------------------------------- terraform
def cmd_hcl(a):
    import hcl2

    bad = 0
    for d in a.dirs:
        found = glob.glob(os.path.join(d, "**", "*.tf"), recursive=True) + \
            glob.glob(os.path.join(d, "**", "*.tfvars"), recursive=True)
        for f in sorted(found):
            try:
                with open(f) as fh:
                    hcl2.load(fh)
            except Exception as e:  # noqa: BLE001
                print(f"{f}: HCL parse error: {str(e).splitlines()[0]}")
                bad += 1
    return 1 if bad else 0


def run_tool(name, args):
    """Run tools/<name>.py's main() with `args` as its command line; its exit code."""
    import importlib

    here = os.path.dirname(os.path.abspath(__file__))
    sys.argv = [os.path.join(here, f"{name}.py"), *args]
    sys.path.insert(0, here)
    try:
        importlib.import_module(name).main()
    except SystemExit as e:
        return int(e.code or 0)
    return 0


def cmd_tf_schema(a):
    return run_tool("tf_schema_check", [a.schema, *a.dirs])


def cmd_tf_refs(a):
    return run_tool("tf_refs_check", a.dirs)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    h = sub.add_parser("helm")
    h.add_argument("chart"); h.add_argument("out")
    h.add_argument("--name", default="release"); h.add_argument("--namespace", default="default")
    h.add_argument("--kube-version", default="1.31.0"); h.add_argument("--values")
    k = sub.add_parser("k8s")
    k.add_argument("--kube-version", default="1.31.0"); k.add_argument("--allow-kind", action="append")
    k.add_argument("files", nargs="+")
    pe = sub.add_parser("prom-extract"); pe.add_argument("out_dir"); pe.add_argument("files", nargs="+")
    g = sub.add_parser("grafana"); g.add_argument("schema"); g.add_argument("promql_out"); g.add_argument("files", nargs="+")
    ge = sub.add_parser("grafana-extract"); ge.add_argument("out_dir"); ge.add_argument("files", nargs="+")
    cv = sub.add_parser("checkov-view"); cv.add_argument("out_dir"); cv.add_argument("files", nargs="+")
    hc = sub.add_parser("hcl"); hc.add_argument("dirs", nargs="+")
    ts = sub.add_parser("tf-schema"); ts.add_argument("schema"); ts.add_argument("dirs", nargs="+")
    tr = sub.add_parser("tf-refs"); tr.add_argument("dirs", nargs="+")
    a = p.parse_args()
    fn = {"helm": cmd_helm, "k8s": cmd_k8s, "prom-extract": cmd_prom_extract, "grafana": cmd_grafana,
          "grafana-extract": cmd_grafana_extract,
          "checkov-view": cmd_checkov_view, "hcl": cmd_hcl, "tf-schema": cmd_tf_schema,
          "tf-refs": cmd_tf_refs}[a.cmd]
    sys.exit(fn(a))


if __name__ == "__main__":
    main()
