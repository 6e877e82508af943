import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gatewayHostMatches, ingressHostMatches, intersectHostnames, normalizeHost, parseQuery, prefixMatches, replacePrefix } from './match.js';

test('Ingress wildcard hosts cover exactly one label', () => {
  const table: [string, string, boolean][] = [
    ['*.foo.com', 'bar.foo.com', true],
    ['*.foo.com', 'baz.bar.foo.com', false],
    ['*.foo.com', 'foo.com', false],
    ['foo.bar.com', 'foo.bar.com', true],
    ['foo.bar.com', 'bar.com', false],
  ];
  for (const [rule, host, want] of table) assert.equal(ingressHostMatches(rule, host), want, `${rule} vs ${host}`);
});

test('Gateway API wildcard hostnames cover one or more labels', () => {
  const table: [string | undefined, string, boolean][] = [
    ['*.example.com', 'a.example.com', true],
    ['*.example.com', 'a.b.example.com', true],
    ['*.example.com', 'example.com', false],
    [undefined, 'anything.io', true],
    ['foo.example.com', 'foo.example.com', true],
  ];
  for (const [p, host, want] of table) assert.equal(gatewayHostMatches(p, host), want, `${p} vs ${host}`);
});

test('hostname intersection of listener and route (the more specific one, or none)', () => {
  const table: [string | undefined, string | undefined, string | undefined][] = [
    ['foo.example.com', 'foo.example.com', 'foo.example.com'],
    ['foo.example.com', 'bar.example.com', undefined],
    ['*.example.com', 'foo.example.com', 'foo.example.com'],
    ['foo.example.com', '*.example.com', 'foo.example.com'],
    ['*.com', '*.example.com', '*.example.com'],
    ['*.example.com', '*.com', '*.example.com'],
    ['*.example.com', 'example.com', undefined],
    [undefined, 'foo.example.com', 'foo.example.com'],
    ['*.example.com', undefined, '*.example.com'],
    [undefined, undefined, '*'],
  ];
  for (const [l, r, want] of table) assert.equal(intersectHostnames(l, r), want, `${l} ∩ ${r}`);
});

test('Prefix matching is element-wise (the Ingress docs table)', () => {
  const table: [string, string, boolean][] = [
    ['/', '/anything', true],
    ['/foo', '/foo', true],
    ['/foo', '/foo/', true],
    ['/foo/', '/foo', true],
    ['/foo/', '/foo/', true],
    ['/aaa/bb', '/aaa/bbb', false],
    ['/aaa/bbb', '/aaa/bbb', true],
    ['/aaa/bbb/', '/aaa/bbb', true],
    ['/aaa/bbb', '/aaa/bbb/', true],
    ['/aaa/bbb', '/aaa/bbb/ccc', true],
    ['/aaa/bbb', '/aaa/bbbxyz', false],
    ['/aaa', '/ccc', false],
  ];
  for (const [rule, path, want] of table) assert.equal(prefixMatches(rule, path), want, `${rule} vs ${path}`);
});

test('ReplacePrefixMatch follows the HTTPPathModifier table', () => {
  const table: [string, string, string, string][] = [
    ['/foo/bar', '/foo', '/xyz', '/xyz/bar'],
    ['/foo/bar', '/foo', '/xyz/', '/xyz/bar'],
    ['/foo/bar', '/foo/', '/xyz', '/xyz/bar'],
    ['/foo', '/foo', '/xyz', '/xyz'],
    ['/foo/', '/foo', '/xyz', '/xyz/'],
    ['/foo/bar', '/foo', '', '/bar'],
    ['/foo/', '/foo', '', '/'],
    ['/foo', '/foo', '', '/'],
    ['/foo/', '/foo', '/', '/'],
    ['/foo', '/foo', '/', '/'],
  ];
  for (const [path, prefix, repl, want] of table) assert.equal(replacePrefix(path, prefix, repl), want, `${path} ${prefix} -> ${repl}`);
});

test('host normalisation drops the port and a trailing dot; query names are case-sensitive, first wins', () => {
  assert.equal(normalizeHost('Foo.Example.COM:8443'), 'foo.example.com');
  assert.equal(normalizeHost('foo.example.com.'), 'foo.example.com');
  const q = parseQuery('a=1&A=2&a=3&b=x%20y');
  assert.deepEqual([...q.entries()], [['a', '1'], ['A', '2'], ['b', 'x y']]);
});
