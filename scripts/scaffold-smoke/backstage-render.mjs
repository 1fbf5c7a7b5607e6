// Run a Backstage software template's fetch:template steps offline, as the scaffolder
// backend does, and write what they produce.
//
//   RENDER_NODE_DIR=<npm prefix with nunjucks and yaml> node backstage-render.mjs TEMPLATE.yaml PARAMETERS.json OUT_DIR
//
// For each step with `action: fetch:template` whose `if` renders truthy: its `input.values`
// are rendered against `parameters` (a string that is exactly one `${{ … }}` keeps its type,
// like the scaffolder's `| dump` round trip), then every file under `input.url` is written to
// OUT_DIR/`input.targetPath`: with `templateFileExtension`, `.njk` files are rendered with
// Nunjucks (`${{ }}` variables, `trimBlocks`/`lstripBlocks` from the step) and lose the
// suffix; other files are copied byte for byte. Paths are rendered too.
// Exit: 0 done, 1 a step failed, 2 usage.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const [templateFile, paramsFile, outDir] = process.argv.slice(2);
if (!templateFile || !paramsFile || !outDir) {
  console.error('usage: node backstage-render.mjs TEMPLATE.yaml PARAMETERS.json OUT_DIR');
  process.exit(2);
}
const require = createRequire(path.join(process.env.RENDER_NODE_DIR || process.cwd(), 'package.json'));
const nunjucks = require('nunjucks');
const YAML = require('yaml');

const env = (opts = {}) =>
  new nunjucks.Environment(null, {
    autoescape: false,
    tags: { variableStart: '${{', variableEnd: '}}' },
    ...opts,
  });
const single = /^\$\{\{(.+)\}\}$/s;
const parameters = JSON.parse(fs.readFileSync(paramsFile, 'utf8'));
const template = YAML.parse(fs.readFileSync(templateFile, 'utf8'));
const base = path.dirname(templateFile);

function renderInput(value, ctx) {
  if (typeof value === 'string') {
    const m = value.match(single);
    if (m && !m[1].includes('}}')) return JSON.parse(env().renderString(`\${{ (${m[1]}) | dump }}`, ctx));
    return env().renderString(value, ctx);
  }
  if (Array.isArray(value)) return value.map((v) => renderInput(v, ctx));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderInput(v, ctx)]));
  }
  return value;
}

function walk(dir, rel = '') {
  const out = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = path.join(rel, e.name);
    if (e.isDirectory()) out.push(...walk(dir, r));
    else out.push(r);
  }
  return out;
}

let steps = 0;
for (const step of template.spec.steps) {
  const ctx = { parameters };
  if (step.if !== undefined) {
    const cond = renderInput(step.if, ctx);
    if (!cond || cond === 'false') continue;
  }
  if (step.action !== 'fetch:template') continue;
  steps++;
  const input = renderInput(step.input, ctx);
  const src = path.resolve(base, input.url);
  const dst = path.resolve(outDir, input.targetPath || '.');
  const njk = env({ trimBlocks: !!input.trimBlocks, lstripBlocks: !!input.lstripBlocks });
  const ext = input.templateFileExtension === true ? '.njk' : input.templateFileExtension || null;
  for (const rel of walk(src)) {
    const text = fs.readFileSync(path.join(src, rel));
    let target = njk.renderString(rel, { values: input.values });
    let body = text;
    if (!ext || target.endsWith(ext)) {
      if (ext) target = target.slice(0, -ext.length);
      body = njk.renderString(text.toString('utf8'), { values: input.values });
    }
    fs.mkdirSync(path.dirname(path.join(dst, target)), { recursive: true });
    fs.writeFileSync(path.join(dst, target), body);
  }
}
console.log(`backstage-render: ${steps} fetch:template step(s) rendered into ${outDir}`);
process.exit(steps ? 0 : 1);
