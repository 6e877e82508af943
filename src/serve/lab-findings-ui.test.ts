// The Findings tab and /api/summary list the one findings list (src/findings), mesh findings included: on
// examples/mesh-canary the STRICT PeerAuthentication warning (PN5008) that `podnet mesh analyze` reports. Chromium
// drives the UI (skipped, with the reason, when chromium or the built UI is missing).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startUiSession, uiSkipReason as skip, type UiSession } from './ui-browser.js';
import { runCli } from '../cli/testing.js';

const MESSAGE = 'PeerAuthentication shop/default: STRICT mTLS on 3 serving workload(s) (frontend, reviews-v1, reviews-v2) while 1 workload(s) have no mesh proxy (legacy/curl): their plaintext requests are rejected';
let session: UiSession | undefined;

before(async () => { if (!skip) session = await startUiSession({ paths: ['examples/mesh-canary'] }); });
after(async () => { await session?.close(); });

test('GET /api/summary lists the mesh finding that mesh analyze reports', { skip }, async () => {
  const s = await (await fetch(`http://127.0.0.1:${session!.api.port}/api/summary`, { headers: { authorization: `Bearer ${session!.api.token}` } })).json() as { findings: unknown[] };
  assert.deepEqual(s.findings, [{ code: 'PN5008', severity: 'warning', object: 'PeerAuthentication shop/default', source: 'examples/mesh-canary/mesh.yaml:1', message: MESSAGE, component: 'mesh' }]);
  const cli = JSON.parse((await runCli('mesh', 'analyze', '-f', 'examples/mesh-canary', '-o', 'json')).out);
  assert.deepEqual(cli.findings.map((f: { code: string; message: string }) => [f.code, f.message]), [['PN5008', MESSAGE]]);
});

test('GET /api/matrix?port=service answers on the first port a Service exposes', { skip }, async () => {
  const m = await (await fetch(`http://127.0.0.1:${session!.api.port}/api/matrix?port=service`, { headers: { authorization: `Bearer ${session!.api.token}` } })).json() as { port?: number; protocol?: string };
  assert.deepEqual([m.port, m.protocol], [80, 'TCP']);
});

test('the Findings tab shows it', { skip }, async () => {
  const page = session!.page;
  await page.goto(session!.url());
  await page.getByTestId('tab-Findings').click();
  const panel = page.getByTestId('findings-panel');
  await panel.waitFor();
  const rows = await panel.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td as HTMLElement).innerText)));
  assert.deepEqual(rows, [['warning', 'PN5008', 'PeerAuthentication shop/default', 'examples/mesh-canary/mesh.yaml:1', MESSAGE]]);
  assert.equal(await page.getByTestId('tab-Findings').innerText(), 'Findings (1)');
});
