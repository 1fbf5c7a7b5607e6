#!/usr/bin/env python3
"""Offline stand-in for the reference checks of `terraform validate`.

Usage: tf_refs_check.py DIR [DIR...]
Every directory under each DIR that holds *.tf files is one Terraform module. In each:
- every `var.X`, `local.X`, `module.X`, `data.T.N` and `<provider>_<type>.N` an
  expression refers to is declared in the module;
- every `module` block with a local source (`./`, `../`) points at a directory with
  *.tf files, passes only variables that module declares and every variable it declares
  without a default;
- every `module.X.Y` names an output module X declares (local sources only);
- a `moved` block's `to` is declared, in the module or in a local module it calls (its
  `from` is the address before the move).
Exit 1 on findings, 2 on parse errors. It does NOT type-check values or evaluate
expressions, and it knows only local modules.
"""
import glob, os, re, sys
import hcl2

OPTS = hcl2.SerializationOptions(strip_string_quotes=True, with_comments=False)
MODULE_META = {"source", "version", "providers", "depends_on", "count", "for_each"}
NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
REFS = [
    ("var", re.compile(rf"(?<![\w.])var\.({NAME})")),
    ("local", re.compile(rf"(?<![\w.])local\.({NAME})")),
    ("module", re.compile(rf"(?<![\w.])module\.({NAME})(?:\.({NAME}))?")),
    ("data", re.compile(rf"(?<![\w.])data\.([a-z0-9_]+)\.({NAME})")),
    ("resource", re.compile(rf"(?<![\w.$])((?:aws|random)_[a-z0-9_]+)\.({NAME})")),
]


def blocks(doc, kind):
    for entry in doc.get(kind, []) or []:
        yield from ((k, v) for k, v in entry.items() if not k.startswith("__"))


def load_module(d):
    """The declarations of the module in directory d, or None when it has no *.tf."""
    files = sorted(glob.glob(os.path.join(d, "*.tf")))
    if not files:
        return None
    m = {"files": [], "variables": {}, "locals": set(), "resources": set(), "data": set(),
         "modules": {}, "outputs": set(), "errors": []}
    for f in files:
        try:
            with open(f) as fh:
                doc = hcl2.load(fh, serialization_options=OPTS)
        except Exception as e:  # noqa: BLE001
            m["errors"].append(f"{f}: parse error: {str(e).splitlines()[0]}")
            continue
        m["files"].append((f, doc))
        for name, body in blocks(doc, "variable"):
            m["variables"][name] = "default" in body or body.get("nullable") is True
        for entry in doc.get("locals", []) or []:
            m["locals"].update(k for k in entry if not k.startswith("__"))
        for kind, key in (("resource", "resources"), ("data", "data")):
            for tftype, named in blocks(doc, kind):
                m[key].update((tftype, n) for n in named if not n.startswith("__"))
        for name, body in blocks(doc, "module"):
            m["modules"][name] = body
        for name, _ in blocks(doc, "output"):
            m["outputs"].add(name)
    return m


def strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for k, v in node.items():
            if not k.startswith("__"):
                yield from strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from strings(v)


def expressions(doc):
    """The strings of a document that hold an expression (`${`, not the escape `$${`)."""
    for s in strings(doc):
        if "${" in s.replace("$${", ""):
            yield s.replace("$${", "")


def local_source(d, body):
    src = body.get("source")
    if isinstance(src, str) and (src.startswith("./") or src.startswith("../")):
        return os.path.normpath(os.path.join(d, src))
    return None


def checked(doc):
    """The document without its `moved` blocks: a move names the address an object had
    before, which is no longer declared, and the address it has now, which `check_moves`
    checks (a resource of this module, or of a local module it calls)."""
    return {k: v for k, v in doc.items() if k != "moved"}


def bare(text):
    """An address as hcl2 gives it: `${aws_x.y}` → `aws_x.y`."""
    text = text.strip()
    return text[2:-1] if text.startswith("${") and text.endswith("}") else text


def check_moves(d, m, cache, findings):
    for f, doc in m["files"]:
        for b in doc.get("moved", []) or []:
            to = bare(str(b.get("to", "")))
            parts = to.split(".")
            if parts[0] == "module" and len(parts) == 2:
                declared = parts[1] in m["modules"]
            elif parts[0] == "module" and len(parts) >= 4:
                body = m["modules"].get(parts[1])
                target = local_source(d, body) if body else None
                callee = cache_module(target, cache) if target else None
                declared = callee is not None and (parts[2], parts[3].split("[")[0]) in callee["resources"]
            else:
                declared = len(parts) >= 2 and (parts[0], parts[1].split("[")[0]) in m["resources"]
            if not declared:
                findings.append(f"{f}: moved to {to}, which is not declared")


def check_module(d, m, cache, findings):
    check_moves(d, m, cache, findings)
    for f, doc in m["files"]:
        for expr in expressions(checked(doc)):
            for kind, rx in REFS:
                for match in rx.finditer(expr):
                    a, b = match.group(1), match.group(2) if rx.groups > 1 else None
                    ref = f"{kind}.{a}" + (f".{b}" if b else "") if kind != "resource" else f"{a}.{b}"
                    if kind == "var" and a not in m["variables"] \
                            or kind == "local" and a not in m["locals"] \
                            or kind == "data" and (a, b) not in m["data"] \
                            or kind == "resource" and (a, b) not in m["resources"] \
                            or kind == "module" and a not in m["modules"]:
                        findings.append(f"{f}: reference to undeclared {ref}")
                    elif kind == "module" and b:
                        target = local_source(d, m["modules"][a])
                        callee = cache_module(target, cache) if target else None
                        if callee is not None and b not in callee["outputs"]:
                            findings.append(f"{f}: module.{a} declares no output \"{b}\"")
    for name, body in m["modules"].items():
        target = local_source(d, body)
        if target is None:
            continue
        callee = cache_module(target, cache)
        where = f"{d}: module.{name}"
        if callee is None:
            findings.append(f"{where}: source {body.get('source')} has no *.tf files")
            continue
        args = {k for k in body if not k.startswith("__") and k not in MODULE_META}
        for a in sorted(args - set(callee["variables"])):
            findings.append(f"{where}: passes \"{a}\", which the module does not declare")
        for v, optional in sorted(callee["variables"].items()):
            if not optional and v not in args:
                findings.append(f"{where}: does not pass the required variable \"{v}\"")


def cache_module(d, cache):
    if d not in cache:
        cache[d] = load_module(d)
    return cache[d]


def main():
    findings, errors, modules, cache = [], [], 0, {}
    for top in sys.argv[1:]:
        for d in sorted({os.path.dirname(f) for f in glob.glob(os.path.join(top, "**", "*.tf"), recursive=True)}):
            m = cache_module(os.path.normpath(d), cache)
            if m is None:
                continue
            modules += 1
            errors += m["errors"]
            check_module(os.path.normpath(d), m, cache, findings)
    findings = sorted(set(findings))
    for x in errors + findings:
        print(x)
    print(f"tf-refs-check: {modules} module(s), {len(findings)} finding(s), {len(errors)} parse error(s)")
    sys.exit(2 if errors else (1 if findings else 0))


if __name__ == "__main__":
    main()
