// Browser tests of the lab UI: Debian chromium driven by playwright-core against a real lab on loopback. Loads the
// page, opens the matrix (and its deciding-policy hover), runs a trace and a DNS lookup; screenshots are kept under
// test-artifacts/ (git-ignored). The page gets the lab's token from the banner's ?token= URL (a cookie); a page on
// another loopback port, and one reached through DNS rebinding, cannot apply or read a Secret. Skipped, with the
// reason, when chromium or the built UI is missing.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
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
  // evil.example resolves to loopback, as a DNS-rebinding attacker's name does after its first answer.
  session = await startUiSession({ paths: ['examples/shop'] }, { chromiumArgs: ['--host-resolver-rules=MAP evil.example 127.0.0.1'] });
  ({ lab, api, page } = session);
});

after(async () => { await session?.close(); });

test('the page loads with the summary and the topology', { skip }, async () => {
  await page.goto(session!.url());
  // The token became an HttpOnly cookie and left the address bar.
  assert.equal(page.url(), `http://127.0.0.1:${api.port}/`);
  const cookie = (await session!.browser.cookies()).find((c) => c.name === `podnet-lab-${api.port}`);
  assert.deepEqual(cookie && { value: cookie.value, httpOnly: cookie.httpOnly, sameSite: cookie.sameSite, path: cookie.path }, { value: api.token, httpOnly: true, sameSite: 'Strict', path: '/' });
  assert.equal(await page.evaluate(() => document.cookie), '');
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

test('the matrix opens on the first port a Service exposes (backend 8080), frontend → backend allowed, the deciding policy on hover', { skip }, async () => {
  await page.getByTestId('tab-Matrix').click();
  await page.getByTestId('matrix').waitFor();
  await page.waitForFunction(() => (document.querySelector('[data-testid=matrix-port]') as HTMLInputElement | null)?.value !== '');
  assert.equal(await page.getByTestId('matrix-port').inputValue(), '8080');
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

test('a page on another loopback port cannot apply or read a Secret; neither can a DNS-rebinding page', { skip }, async () => {
  const origin = `http://127.0.0.1:${api.port}`;
  const secret = `${origin}/api/object?kind=Secret&namespace=production&name=my-app-tls`;
  const manifest = 'apiVersion: v1\nkind: Service\nmetadata: {name: planted, namespace: production}\nspec:\n  ports: [{port: 81}]\n';
  // The attacker's page: same site as the lab (127.0.0.1), so the SameSite=Strict cookie does go along.
  const evil = http.createServer((_req, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<!doctype html><title>evil</title>'); });
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
  const other = await session!.browser.newPage();
  try {
    await other.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
    const applied = other.waitForResponse(`${origin}/api/apply`);
    const opaque = await other.evaluate(([url, text]) => fetch(url, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ text }) }).then((r) => r.type), [`${origin}/api/apply`, manifest] as const);
    assert.equal(opaque, 'opaque');
    assert.equal((await applied).status(), 403);
    // A form needs no script and no CORS: a text/plain body shaped like JSON, posted by navigation.
    const posted = other.waitForResponse(`${origin}/api/apply`);
    await other.evaluate(([url, text]) => {
      const f = document.createElement('form');
      Object.assign(f, { method: 'POST', action: url, enctype: 'text/plain' });
      const i = document.createElement('input');
      Object.assign(i, { name: `{"text": ${JSON.stringify(text)}, "x": "`, value: '"}' });
      f.append(i);
      document.body.append(f);
      f.submit();
    }, [`${origin}/api/apply`, manifest] as const);
    assert.equal((await posted).status(), 403);
    await other.waitForURL(`${origin}/api/apply`);
    assert.match(await other.locator('body').innerText(), /"error":"forbidden: Origin http:\/\/127\.0\.0\.1:\d+ is not this lab/);
    await other.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
    const read = await other.evaluate((url) => fetch(url, { credentials: 'include' }).then((r) => r.text(), (e) => `refused: ${e.message}`), `${secret}&reveal=1`);
    assert.equal(read, 'refused: Failed to fetch');
    // DNS rebinding: the page's own origin is now the lab's address, but its Host is the attacker's name.
    const rebound = await other.goto(`http://evil.example:${api.port}/`);
    assert.equal(rebound?.status(), 403);
    assert.deepEqual(await other.evaluate((path) => fetch(path).then(async (r) => [r.status, (await r.json()).error]), '/api/object?kind=Secret&namespace=production&name=my-app-tls'), [403, `forbidden: Host "evil.example:${api.port}" is not this lab's address (127.0.0.1:${api.port}); a DNS-rebinding page sends its own name`]);
  } finally {
    await other.close();
    const closed = new Promise((r) => evil.close(r));
    evil.closeAllConnections();
    await closed;
  }
  assert.equal(lab.snapshot.cluster.get('Service', 'production', 'planted'), undefined);
  // The lab's own page gets sizes only, and asking for the values with the cookie is refused.
  await page.goto(`${origin}/`);
  const own = await page.evaluate((url) => Promise.all([fetch(url).then((r) => r.json()), fetch(`${url}&reveal=1`).then(async (r) => [r.status, (await r.json()).error])]), secret);
  assert.match(own[0].yaml, /tls\.key: "<redacted: 1704 bytes>"/);
  assert.deepEqual(own[1], [403, 'reveal=1 needs the lab\'s token in an Authorization header; the UI shows Secret values as sizes only']);
  // Without the cookie the UI says which URL to open.
  await session!.browser.clearCookies();
  await page.goto(`${origin}/`);
  await page.locator('.error').waitFor();
  assert.match(await page.locator('.error').innerText(), /^missing token: open the UI at the URL `podnet up` printed/);
});
