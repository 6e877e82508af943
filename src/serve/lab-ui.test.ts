// Browser tests of the lab UI: Debian chromium driven by playwright-core against a real lab on loopback. Loads the
// page, opens the matrix (and its deciding-policy hover), runs a trace and a DNS lookup; screenshots are kept under
// test-artifacts/ (git-ignored). Skipped, with the reason, when chromium or the built UI is missing.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { Lab } from './lab.js';
import type { LabApi } from './lab/api.js';
import { ARTIFACTS, startUiSession, uiSkipReason as skip, type UiSession } from './ui-browser.js';


let lab: Lab;
let api: LabApi;
let page: Page;
let session: UiSession | undefined;

before(async () => {
  if (skip) return;
  session = await startUiSession({ paths: ['examples/shop'] });
  ({ lab, api, page } = session);
});

after(async () => { await session?.close(); });

test('the page loads with the summary and the topology', { skip }, async () => {
  await page.goto(session!.url());
  await page.getByTestId('summary').waitFor();
  assert.match(await page.getByTestId('summary').innerText(), /2 nodes\s*8 pods\s*5 services/);
  await page.waitForFunction(() => ((window as any).__cy?.nodes().length ?? 0) > 10);
  const ids: string[] = await page.evaluate(() => (window as any).__cy.nodes().map((n: any) => n.id()));
  assert.ok(ids.includes('svc:production/backend'));
  assert.ok(ids.includes('node:node-1'));
  assert.ok(ids.includes('np:production/deny-all'));
  // Click a Service: its YAML and relations show.
  // (return nothing: playwright would serialize the whole Cytoscape collection emit() returns)
  await page.evaluate(() => { (window as any).__cy.getElementById('svc:production/backend').emit('tap'); });
  await page.getByTestId('details').getByText('kind: Service').waitFor();
  assert.match(await page.getByTestId('details').innerText(), /Service production\/backend[\s\S]*endpoint: pod:production\/backend-/);
  await page.screenshot({ path: join(ARTIFACTS, 'topology.png') });
});

test('the matrix shows frontend → backend allowed on 8080 and names the deciding policy on hover', { skip }, async () => {
  await page.getByTestId('tab-Matrix').click();
  await page.getByTestId('matrix-port').fill('8080');
  await page.getByTestId('matrix').waitFor();
  const pods: string[] = (await lab.snapshot.cluster.pods('production')).map((p) => `production/${p.metadata.name}`);
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=matrix] tbody tr').length === n, pods.length);
  const headers = await page.locator('[data-testid=matrix] tbody th').evaluateAll((els) => els.map((e) => e.getAttribute('title')));
  const fi = headers.findIndex((h) => h?.startsWith('production/frontend-'));
  const bi = headers.findIndex((h) => h?.startsWith('production/backend-'));
  assert.equal(await page.getByTestId(`cell-${fi}-${bi}`).getAttribute('class'), 'allow');
  assert.equal(await page.getByTestId(`cell-${bi}-${fi}`).getAttribute('class'), 'deny');
  await page.getByTestId(`cell-${fi}-${bi}`).hover();
  await page.getByTestId('matrix-hover').getByText('ALLOWED').waitFor();
  assert.match(await page.getByTestId('matrix-hover').innerText(), /egress allowed by production\/allow-frontend-egress-to-backend; ingress allowed by production\/allow-frontend-to-backend/);
  await page.screenshot({ path: join(ARTIFACTS, 'matrix.png') });
});

test('a trace from backend to frontend is dropped at egress and drawn on the topology', { skip }, async () => {
  await page.getByTestId('tab-Trace').click();
  const backend = lab.snapshot.cluster.pods('production').map((p) => `production/${p.metadata.name}`).find((n) => n.startsWith('production/backend-'))!;
  await page.getByTestId('trace-from').selectOption(backend);
  await page.getByTestId('trace-to').fill('http://frontend.production');
  await page.getByTestId('trace-run').click();
  await page.getByTestId('trace-result').waitFor();
  assert.match(await page.getByTestId('trace-result').innerText(), /^DROPPED at policy-egress/);
  await page.waitForFunction(() => ((window as any).__cy?.$('.hl-drop').length ?? 0) >= 2);
  const drawn: string[] = await page.evaluate(() => (window as any).__cy.$('node.hl-drop').map((n: any) => n.id()));
  assert.ok(drawn.includes(`pod:${backend}`));
  assert.ok(drawn.includes('svc:production/frontend'));
  await page.screenshot({ path: join(ARTIFACTS, 'trace.png') });
});

test('the DNS panel resolves from a pod with the search walk', { skip }, async () => {
  await page.getByTestId('tab-DNS').click();
  await page.getByTestId('dns-name').fill('backend');
  await page.getByTestId('dns-run').click();
  await page.getByTestId('dns-result').waitFor();
  const text = await page.getByTestId('dns-result').innerText();
  assert.match(text, /^NOERROR/);
  assert.match(text, /backend\.production\.svc\.cluster\.local\. → NOERROR/);
  await page.screenshot({ path: join(ARTIFACTS, 'dns.png') });
});
