import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileLabelSelector, formatLabels, matchesMapSelector, parseSelectorString } from './labels.js';

test('LabelSelector: matchLabels AND matchExpressions with every operator', () => {
  const sel = compileLabelSelector({
    matchLabels: { app: 'web' },
    matchExpressions: [
      { key: 'tier', operator: 'In', values: ['front', 'edge'] },
      { key: 'env', operator: 'NotIn', values: ['dev'] },
      { key: 'team', operator: 'Exists' },
      { key: 'legacy', operator: 'DoesNotExist' },
    ],
  });
  assert.equal(sel({ app: 'web', tier: 'front', team: 'a' }), true);
  assert.equal(sel({ app: 'web', tier: 'edge', team: 'a', env: 'prod' }), true);
  assert.equal(sel({ app: 'web', tier: 'front', team: 'a', env: 'dev' }), false);
  assert.equal(sel({ app: 'web', tier: 'back', team: 'a' }), false);
  assert.equal(sel({ app: 'web', tier: 'front' }), false);
  assert.equal(sel({ app: 'web', tier: 'front', team: 'a', legacy: '' }), false);
  assert.equal(sel({ app: 'api', tier: 'front', team: 'a' }), false);
});

test('empty selector {} matches everything, including objects without labels', () => {
  assert.equal(compileLabelSelector({})(undefined), true);
  assert.equal(compileLabelSelector({ matchLabels: {} })({ a: 'b' }), true);
});

test('a Service map selector needs every pair; an empty map selects nothing', () => {
  assert.equal(matchesMapSelector({ app: 'web' }, { app: 'web', x: 'y' }), true);
  assert.equal(matchesMapSelector({ app: 'web', tier: 'a' }, { app: 'web' }), false);
  assert.equal(matchesMapSelector({}, { app: 'web' }), false);
  assert.equal(matchesMapSelector(undefined, { app: 'web' }), false);
});

test('kubectl -l syntax', () => {
  assert.deepEqual(parseSelectorString('app=web,tier!=db,env in (prod, staging),!legacy,team,x==y'), {
    matchLabels: { app: 'web', x: 'y' },
    matchExpressions: [
      { key: 'tier', operator: 'NotIn', values: ['db'] },
      { key: 'env', operator: 'In', values: ['prod', 'staging'] },
      { key: 'legacy', operator: 'DoesNotExist' },
      { key: 'team', operator: 'Exists' },
    ],
  });
  assert.throws(() => parseSelectorString('app=web=x'), /unable to parse requirement/);
});

test('formatLabels sorts keys like kubectl and prints <none> when empty', () => {
  assert.equal(formatLabels({ b: '2', a: '1' }), 'a=1,b=2');
  assert.equal(formatLabels({}), '<none>');
});
