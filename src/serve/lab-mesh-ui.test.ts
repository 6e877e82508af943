// Browser test of the lab UI's Mesh view: Debian chromium driven by playwright-core against a real lab carrying mesh
// traffic on loopback (src/serve/testdata/mesh-lab). Before any request the view explains how to make traffic; after
// 50 requests frontend → reviews (mTLS) and 3 plaintext ones from outside the mesh (reset by STRICT), the polled graph
// shows the edges with their request-derived labels, colours and mTLS line styles; hovering an edge shows its codes,
// latency and mTLS; the window selector changes the rates; an outlier ejection is listed. Screenshots are kept under
// test-artifacts/ui/ (git-ignored). Skipped, with the reason, when chromium or the built UI is missing.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { Lab } from './lab.js';
import type { LabApi } from './lab/api.js';
import { ARTIFACTS, startUiSession, uiSkipReason as skip, type UiSession } from './ui-browser.js';
import { parsePodFault } from './pod-faults.js';

const FIXTURE = 'src/serve/testdata/mesh-lab';

const TO_REVIEWS = 'workload:shop/frontend>service:shop/reviews';
const LEGACY = 'workload:legacy/curl>service:shop/reviews';

let lab: Lab;
let api: LabApi;
let page: Page;
let session: UiSession | undefined;

before(async () => {
  if (skip) return;
  session = await startUiSession({ paths: [FIXTURE], seed: 42, retryBackoff: async () => undefined });
  ({ lab, api, page } = session);
});

after(async () => { await session?.close(); });

const pods = (ns: string, prefix: string) => lab.snapshot.cluster.pods(ns).map((p) => `${ns}/${p.metadata.name}`).filter((n) => n.startsWith(`${ns}/${prefix}-`)).sort();

/** An element's data field and computed styles as Cytoscape holds them, or undefined when it is not drawn. */
async function drawn(id: string, styles: string[] = []): Promise<{ label: string; style: Record<string, string> } | undefined> {
  return page.evaluate(([id, styles]) => {
    const el = (window as any).__meshCy?.getElementById(id);
    if (!el || el.empty()) return undefined;
    return { label: el.data('label'), style: Object.fromEntries(styles.map((s: string) => [s, el.style(s)])) };
  }, [id, styles] as const);
}

/** Wait (polling the page, no fixed sleep) until an edge carries the label, then assert it for a readable failure. */
async function waitForLabel(id: string, label: string): Promise<void> {
  await page.waitForFunction(([id, label]) => (window as any).__meshCy?.getElementById(id).data('label') === label, [id, label] as const, { timeout: 10_000 }).catch(() => undefined);
  assert.equal((await drawn(id))?.label, label, `label of ${id}`);
}

test('with no mesh traffic yet the Mesh tab explains how to make some', { skip }, async () => {
  await page.goto(session!.url());
  await page.getByTestId('tab-Mesh').click();
  await page.getByTestId('mesh-empty').waitFor();
  assert.match(await page.getByTestId('mesh-empty').innerText(), /^No mesh traffic in the last 1 min\n[\s\S]*podnet exec NS\/POD -- curl http:\/\/SERVICE:PORT\//);
  assert.equal(await page.getByTestId('mesh-empty').locator('p').first().innerText(), 'The graph is drawn from requests the mesh\'s sidecars carried (pods in istio-injection: enabled namespaces, and clients calling them). Make some traffic:');
  assert.equal(await page.getByTestId('mesh-status').innerText().then((t) => t.split(' · ')[0]), '0 requests in the last 1 min');
  assert.equal(await page.getByTestId('mesh-ejected-none').isVisible(), true);
});

test('requests show up as edges: rate and error labels, health colours, mTLS solid and plaintext dashed', { skip }, async () => {
  const frontend = pods('shop', 'frontend')[0];
  for (let i = 0; i < 50; i++) {
    const r = await lab.exec(frontend, ['curl', '-s', 'http://reviews:9080/hostname']);
    assert.equal(r.exitCode, 0, r.stderr);
  }
  const legacy = pods('legacy', 'curl')[0];
  for (let i = 0; i < 3; i++) {
    const r = await lab.exec(legacy, ['curl', '-s', 'http://reviews.shop:9080/hostname']);
    assert.equal(r.exitCode, 56, r.stderr);
  }
  // The panel polls every 2 s: the graph appears without reloading the page.
  await page.getByTestId('mesh-empty').waitFor({ state: 'detached' });
  await waitForLabel(TO_REVIEWS, '0.83 rps · 0% err'); // 50 requests / 60 s, no errors
  await waitForLabel(LEGACY, '0.05 rps · 100% err'); // 3 resets / 60 s
  assert.equal(await page.getByTestId('mesh-status').innerText().then((t) => t.split(' · ')[0]), '53 requests in the last 1 min');

  const lines = ['line-color', 'line-style'];
  assert.deepEqual((await drawn(TO_REVIEWS, lines))?.style, { 'line-color': 'rgb(34,197,94)', 'line-style': 'solid' }); // green, mTLS
  assert.deepEqual((await drawn(LEGACY, lines))?.style, { 'line-color': 'rgb(239,68,68)', 'line-style': 'dashed' }); // red, plaintext
  assert.deepEqual(await drawn('service:shop/reviews', ['shape']), { label: 'reviews\nshop', style: { shape: 'triangle' } });
  assert.deepEqual(await drawn('workload:shop/reviews-v1', ['shape']), { label: 'reviews-v1\nshop · v1', style: { shape: 'ellipse' } });
  assert.deepEqual(await drawn('workload:shop/reviews-v2', ['shape']), { label: 'reviews-v2\nshop · v2', style: { shape: 'ellipse' } });
  assert.deepEqual(await drawn('workload:legacy/curl', ['shape']), { label: 'curl\nlegacy', style: { shape: 'ellipse' } });
  // Left to right as requests flow: callers, then the service, then its workloads.
  const x = (id: string) => page.evaluate((id) => (window as any).__meshCy.getElementById(id).position('x') as number, id);
  const [fx, lx, sx, v1x, v2x] = [await x('workload:shop/frontend'), await x('workload:legacy/curl'), await x('service:shop/reviews'), await x('workload:shop/reviews-v1'), await x('workload:shop/reviews-v2')];
  assert.equal(fx, lx);
  assert.ok(fx < sx && sx < v1x && v1x === v2x, `${fx} ${sx} ${v1x} ${v2x}`);
  assert.match(await page.getByTestId('mesh-legend').innerText(), /solid: mutual TLS\ndashed: plaintext/);

  // A click on the mTLS edge pins its details.
  await page.evaluate((id) => { (window as any).__meshCy.getElementById(id).emit('tap'); }, TO_REVIEWS);
  await page.getByTestId('mesh-details').getByText('workload shop/frontend (v1) → service shop/reviews').waitFor();
  assert.equal(await page.getByTestId('mesh-codes').innerText(), '200: 50');
  assert.equal(await page.getByTestId('mesh-mtls').innerText(), 'mutual TLS');
  assert.match(await page.getByTestId('mesh-latency').innerText(), /^p50 \d+(\.\d+)? ms · p95 \d+(\.\d+)? ms$/);
  await page.screenshot({ path: join(ARTIFACTS, 'mesh.png') });

  // Hovering the plaintext edge (the real mouse over its midpoint) shows its details instead.
  const at = await page.evaluate((id) => {
    const cy = (window as any).__meshCy;
    const m = cy.getElementById(id).renderedMidpoint();
    const r = cy.container().getBoundingClientRect();
    return { x: r.left + m.x, y: r.top + m.y };
  }, LEGACY);
  await page.mouse.move(at.x, at.y);
  await page.getByTestId('mesh-details').getByText('workload legacy/curl → service shop/reviews').waitFor();
  assert.equal(await page.getByTestId('mesh-codes').innerText(), 'no response: 3');
  assert.equal(await page.getByTestId('mesh-mtls').innerText(), 'plaintext');
  await page.screenshot({ path: join(ARTIFACTS, 'mesh-hover.png') });
  // Off the edge (and out of the canvas), the pinned edge's details come back.
  await page.mouse.move(5, 5);
  await page.getByTestId('mesh-details').getByText('workload shop/frontend (v1) → service shop/reviews').waitFor();
});

test('the window selector recomputes the rates over 5 minutes', { skip }, async () => {
  await page.getByTestId('mesh-window').selectOption('300');
  await waitForLabel(TO_REVIEWS, '0.17 rps · 0% err'); // 50 / 300 s
  await waitForLabel(LEGACY, '0.01 rps · 100% err'); // 3 / 300 s
  assert.equal(await page.getByTestId('mesh-status').innerText().then((t) => t.split(' · ')[0]), '53 requests in the last 5 min');
});

test('an endpoint ejected by outlier detection is listed with the proxy that ejected it', { skip }, async () => {
  const frontend = pods('shop', 'frontend')[0];
  const [bad] = pods('shop', 'stock');
  lab.setFault(bad, parsePodFault('500'));
  try {
    for (let i = 0; i < 40 && Object.keys(lab.mesh.ejected()).length === 0; i++) await lab.exec(frontend, ['curl', '-s', 'http://stock:8080/hostname']);
    assert.deepEqual(Object.values(lab.mesh.ejected()), [[bad]]);
  } finally {
    lab.setFault(bad, null);
  }
  await page.getByTestId('mesh-ejected').waitFor();
  const rows = await page.locator('[data-testid=mesh-ejected] tbody tr').allInnerTexts();
  assert.equal(rows.length, 1);
  assert.equal(rows[0].split('\t').join(' | ').replace(/\n/g, ' | '), `${bad} | ${frontend} | outbound|8080||stock.shop.svc.cluster.local | 3 consecutive 5xx responses (consecutive5xxErrors 3)`);
  await page.screenshot({ path: join(ARTIFACTS, 'mesh-ejected.png') });
});
