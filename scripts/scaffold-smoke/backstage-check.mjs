// Validate Backstage entity files the way the catalog does, Template entities included.
//
//   CONFORMANCE_NODE_DIR=<prefix>/node SCAFFOLDER_COMMON=<unpacked package> node backstage-check.mjs FILE...
//
// The policy chain and kind validators are those of conformance/tools/conformance.mjs
// (@backstage/catalog-model); a `scaffolder.backstage.io/v1beta3` Template is checked as
// Backstage's own templateEntityV1beta3Validator does: the Template JSON schema shipped in
// npm @backstage/plugin-scaffolder-common, through catalog-model's entityKindSchemaValidator.
// Exit: 0 clean, 1 findings, 2 usage.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const nodeDir = process.env.CONFORMANCE_NODE_DIR;
const common = process.env.SCAFFOLDER_COMMON;
const files = process.argv.slice(2);
if (!nodeDir || !common || files.length === 0) {
  console.error('usage: CONFORMANCE_NODE_DIR=… SCAFFOLDER_COMMON=… node backstage-check.mjs FILE...');
  process.exit(2);
}
const require = createRequire(path.join(nodeDir, 'package.json'));
const YAML = require('yaml');
const cm = require('@backstage/catalog-model');
const templateSchema = createRequire(import.meta.url)(
  path.resolve(common, 'dist/Template.v1beta3.schema.json.cjs.js'),
).default;
const templateValidator = cm.entityKindSchemaValidator(templateSchema);

const policy = cm.EntityPolicies.allOf([
  new cm.DefaultNamespaceEntityPolicy(),
  new cm.NoForeignRootFieldsEntityPolicy(),
  new cm.FieldFormatEntityPolicy(),
  new cm.SchemaValidEntityPolicy(),
]);
const kindValidators = Object.entries(cm)
  .filter(([k, v]) => /EntityV1alpha1Validator$/.test(k) && v && typeof v.check === 'function')
  .map(([, v]) => v);
kindValidators.push({ check: async (e) => templateValidator(e) === e });

let bad = 0;
let count = 0;
for (const f of files) {
  for (const [i, doc] of YAML.parseAllDocuments(fs.readFileSync(f, 'utf8')).entries()) {
    if (doc.errors.length) {
      console.log(`${f}#${i}: YAML error: ${doc.errors[0].message}`);
      bad++;
      continue;
    }
    const value = doc.toJS();
    if (value == null) continue;
    count++;
    try {
      const out = await policy.enforce(value);
      let ok = false;
      for (const v of kindValidators) if (await v.check(out)) { ok = true; break; }
      if (!ok) throw new Error(`no validator accepts kind "${value.kind}" (${value.apiVersion})`);
    } catch (e) {
      console.log(`${f}#${i} ${value.kind}:${value?.metadata?.name}: ${e.message}`);
      bad++;
    }
  }
}
console.log(`backstage catalog model (with Template v1beta3): ${count} entities, ${bad} failed`);
process.exit(bad ? 1 : 0);
