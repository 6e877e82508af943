import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import { runCli } from '../cli/testing.js';
import { PolicyCodes } from '../policy/codes.js';
import { MeshCodes } from '../mesh/codes.js';
import { RULES } from './rules.js';
import { toSarif } from './sarif.js';

// The official schema (test-fixtures/README.md says where it comes from). It is draft-04: Ajv 8 reads it once its root
// `id` is spelled `$id` and the draft-04 meta-schema reference is dropped.
const schema = JSON.parse(readFileSync('test-fixtures/sarif/sarif-schema-2.1.0.json', 'utf8'));
schema.$id = schema.id;
delete schema.id;
delete schema.$schema;
const Ajv = AjvModule.default;
const ajv = new Ajv({ strict: false, allErrors: true });
addFormatsModule.default(ajv);
const validateSarif = ajv.compile(schema);

function assertValid(log: unknown): void {
  const ok = validateSarif(log);
  assert.ok(ok, JSON.stringify(validateSarif.errors, null, 2));
}

const run = (log: any) => log.runs[0];

test('lint -o sarif: a valid SARIF 2.1.0 log, one run, the policy rules, each result at its rule and file:line', async () => {
  const r = await runCli('lint', '-f', 'examples/shop/app', '-f', 'examples/seed-policies', '-o', 'sarif');
  assert.equal(r.code, 0);
  const log = JSON.parse(r.out);
  assertValid(log);
  assert.equal(log.version, '2.1.0');
  assert.equal(log.runs.length, 1);
  const driver = run(log).tool.driver;
  assert.equal(driver.name, 'podnet');
  assert.deepEqual(driver.rules.map((x: any) => x.id), Object.values(PolicyCodes).sort());
  assert.deepEqual(run(log).results, [{
    ruleId: 'PN2005', ruleIndex: 4, level: 'warning',
    message: { text: 'NetworkPolicy production/deny-all isolates egress of 5 pods, and no policy lets them reach kube-dns on 53/UDP and 53/TCP: name lookups fail. Fix: add an egress rule to {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}} on ports 53/UDP and 53/TCP' },
    locations: [{
      physicalLocation: { artifactLocation: { uri: 'examples/seed-policies/deny-all.yaml', uriBaseId: 'SRCROOT' }, region: { startLine: 2 } },
      logicalLocations: [{ fullyQualifiedName: 'NetworkPolicy/production/deny-all', kind: 'resource' }],
    }],
  }]);
  const rule = driver.rules[4];
  assert.deepEqual([rule.id, rule.name, rule.defaultConfiguration.level], ['PN2005', 'EgressWithoutDns', 'warning']);
  assert.equal(rule.help.text, 'Egress is isolated and DNS (port 53 to kube-dns) is not allowed: name lookups time out. Reported by the policy checks; what they model and where the rules come from: src/policy/README.md.');
  assert.equal(run(log).originalUriBaseIds.SRCROOT.uri, pathToFileURL(process.cwd() + '/').href);
  assert.equal(run(log).automationDetails.id, 'podnet lint/');
});

test('validate -o sarif: errors with their level, and exit 1 as the text output; mesh analyze -o sarif: PN5xxx rules', async () => {
  const text = 'apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\nspec:\n  selector: {app: web}\n  ports: [{port: 70000}]\n';
  const dir = (await import('node:fs')).mkdtempSync('/tmp/podnet-sarif-');
  (await import('node:fs')).writeFileSync(`${dir}/svc.yaml`, text);
  const r = await runCli('validate', '-f', `${dir}/svc.yaml`, '-o', 'sarif');
  assert.equal(r.code, 1);
  const log = JSON.parse(r.out);
  assertValid(log);
  const [res] = run(log).results;
  assert.equal(res.ruleId, 'PN1003');
  assert.equal(res.level, 'error');
  assert.equal(res.message.text, 'The Service "web" is invalid: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive');
  // Outside the working directory the file is an absolute file: URI.
  assert.deepEqual(res.locations[0].physicalLocation, { artifactLocation: { uri: pathToFileURL(`${dir}/svc.yaml`).href }, region: { startLine: 1 } });
  assert.ok(run(log).tool.driver.rules.every((x: any) => /^PN(1|3|4)/.test(x.id)));

  const m = await runCli('mesh', 'analyze', '-f', 'examples/mesh-canary', '-o', 'sarif');
  assert.equal(m.code, 0);
  const mlog = JSON.parse(m.out);
  assertValid(mlog);
  assert.deepEqual(run(mlog).tool.driver.rules.map((x: any) => x.id), Object.values(MeshCodes).sort());
  assert.deepEqual(run(mlog).results.map((x: any) => [x.ruleId, x.level, x.locations[0].physicalLocation.artifactLocation.uri, x.locations[0].physicalLocation.region.startLine]), [['PN5008', 'warning', 'examples/mesh-canary/mesh.yaml', 1]]);
});

test('the schema check is live: a log with a wrong level or no version is refused', () => {
  const good = toSarif([{ code: 'PN2002', level: 'info', message: 'm', component: 'policy', source: { file: 'a.yaml', line: 3, column: 5 } }], { command: 'podnet lint', components: ['policy'], toolVersion: '0.1.0', root: process.cwd() });
  assertValid(good);
  assert.equal(run(good).results[0].level, 'note');
  assert.deepEqual(run(good).results[0].locations[0].physicalLocation.region, { startLine: 3, startColumn: 5 });
  const bad = structuredClone(good) as any;
  bad.runs[0].results[0].level = 'fatal';
  assert.equal(validateSarif(bad), false);
  const noVersion = structuredClone(good) as any;
  delete noVersion.version;
  assert.equal(validateSarif(noVersion), false);
});

test('the rules catalogue: one rule per code, unique, with a level and help', () => {
  const ids = RULES.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  assert.equal(ids.length, 106);
  for (const r of RULES) {
    assert.match(r.id, /^PN\d{4}$/);
    assert.ok(r.help.endsWith('.'), r.id);
  }
});
