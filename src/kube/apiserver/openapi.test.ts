// The committed schemas are what scripts/gen-openapi.ts makes from kubernetes-types, and /openapi/v3 serves them with
// the upstream markers kubectl relies on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { generate } from '../../../scripts/gen-openapi.js';
import { openapiDocument, openapiIndex } from './openapi.js';

test('openapi/definitions.json is up to date with kubernetes-types (run node dist/scripts/gen-openapi.js)', () => {
  const committed = JSON.parse(readFileSync(new URL('../../../../src/kube/apiserver/openapi/definitions.json', import.meta.url), 'utf8'));
  assert.deepEqual(generate(), committed);
});

test('/openapi/v3: an index of every served group-version; a document carries kinds, markers and fieldValidation', () => {
  const index = openapiIndex() as { paths: Record<string, { serverRelativeURL: string }> };
  assert.ok(index.paths['api/v1'].serverRelativeURL.startsWith('/openapi/v3/api/v1?hash='));
  assert.ok('apis/gateway.networking.k8s.io/v1' in index.paths);
  const core = JSON.parse(openapiDocument('api/v1')!);
  const podSpec = core.components.schemas['io.k8s.api.core.v1.PodSpec'];
  assert.deepEqual(
    [podSpec.properties.containers['x-kubernetes-list-type'], podSpec.properties.containers['x-kubernetes-list-map-keys'], podSpec.properties.containers['x-kubernetes-patch-merge-key'], podSpec.properties.containers['x-kubernetes-patch-strategy']],
    ['map', ['name'], 'name', 'merge']);
  assert.deepEqual(core.components.schemas['io.k8s.api.core.v1.Pod']['x-kubernetes-group-version-kind'], [{ group: '', kind: 'Pod', version: 'v1' }]);
  const patch = core.paths['/api/v1/namespaces/{namespace}/services/{name}'].patch;
  assert.ok(patch.parameters.some((p: { name: string; in: string }) => p.name === 'fieldValidation' && p.in === 'query'));
  assert.equal(openapiDocument('apis/nothing/v1'), undefined);
});
