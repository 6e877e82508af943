// The lab API against what a hostile web page or a local snoop can send: foreign and DNS-rebinding Hosts, bodies that
// skip the CORS preflight, foreign Origins, missing and wrong tokens, WebSockets, Secret values, malformed paths.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { Lab } from './lab.js';
import { LabApi } from './lab/api.js';

let lab: Lab;
let api: LabApi;
let open: LabApi;
let web: string;
const TOKEN = 'a'.repeat(43);

before(async () => {
  lab = await Lab.start({ paths: ['examples/shop'], dnsPort: 0, httpPort: 0, httpsPort: 0, graceMs: 200, nodePortsAtNodePort: false });
  web = mkdtempSync(join(tmpdir(), 'podnet-web-'));
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>ui</title>');
  mkdirSync(join(web, 'assets'));
  writeFileSync(join(web, 'assets', 'app.js'), 'console.log(1)');
  api = new LabApi(lab, web, { token: TOKEN });
  await api.listen(0);
  open = new LabApi(lab, web, { auth: false });
  await open.listen(0);
});
after(async () => { await api.close(); await open.close(); await lab.close(); rmSync(web, { recursive: true, force: true }); });

interface Answer { status: number; headers: http.IncomingHttpHeaders; body: string }

function send(path: string, { method = 'GET', headers = {}, body, port = api.port }: { method?: string; headers?: Record<string, string>; body?: string; port?: number } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
/** What the lab answers to bytes no HTTP client library would send (a request without Host). */
function raw(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(api.port, '127.0.0.1', () => s.end(request));
    let text = '';
    s.setEncoding('utf8');
    s.on('data', (c) => (text += c));
    s.on('end', () => resolve(text));
    s.on('error', reject);
  });
}
const bearer = { authorization: `Bearer ${TOKEN}` };
const own = () => `127.0.0.1:${api.port}`;
const error = (a: Answer) => (JSON.parse(a.body) as { error: string }).error;
const SERVICE = JSON.stringify({ text: 'apiVersion: v1\nkind: Service\nmetadata: {name: planted, namespace: production}\nspec:\n  selector: {app: backend}\n  ports: [{port: 81}]\n' });

test('a Host that is not the lab\'s address gets 403 on every face, and nothing happens', async () => {
  const version = lab.snapshot.version;
  const evil = { host: 'evil.example', ...bearer };
  for (const path of ['/', '/assets/app.js', '/metrics', '/api/summary']) {
    const a = await send(path, { headers: evil });
    assert.equal(a.status, 403, path);
    assert.equal(error(a), `forbidden: Host "evil.example" is not this lab's address (127.0.0.1:${api.port}); a DNS-rebinding page sends its own name`);
  }
  // DNS rebinding: the attacker's name resolves to 127.0.0.1 and the browser sends it with the lab's own port.
  const rebound = { host: `evil.example:${api.port}`, 'content-type': 'application/json', ...bearer };
  assert.equal((await send('/api/object?kind=Secret&namespace=production&name=my-app-tls', { headers: rebound })).status, 403);
  assert.equal((await send('/api/apply', { method: 'POST', headers: rebound, body: SERVICE })).status, 403);
  // The right name on another port is another origin, and no Host at all is refused too.
  assert.equal((await send('/api/summary', { headers: { host: '127.0.0.1:1', ...bearer } })).status, 403);
  assert.match(await raw(`GET /api/summary HTTP/1.0\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`), /^HTTP\/1\.1 403 Forbidden\r\n/);
  assert.equal(lab.snapshot.version, version);
  assert.equal(lab.snapshot.cluster.get('Service', 'production', 'planted'), undefined);
  // The names loopback has are all accepted.
  for (const host of [own(), `localhost:${api.port}`, `[::1]:${api.port}`, `LOCALHOST:${api.port}`]) assert.equal((await send('/api/summary', { headers: { host, ...bearer } })).status, 200, host);
});

test('a write needs Content-Type: application/json: text/plain, form and missing types get 403', async () => {
  const version = lab.snapshot.version;
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined]) {
    for (const path of ['/api/apply', '/api/delete', '/api/fault', '/api/exec']) {
      const a = await send(path, { method: 'POST', headers: { ...bearer, ...(type ? { 'content-type': type } : {}) }, body: SERVICE });
      assert.equal(a.status, 403, `${path} ${type}`);
      assert.equal(error(a), `forbidden: POST needs Content-Type: application/json (got ${type?.split(';')[0] ?? 'none'})`);
    }
  }
  assert.equal(lab.snapshot.version, version);
  const ok = await send('/api/fault', { method: 'POST', headers: { ...bearer, 'content-type': 'application/json; charset=utf-8' }, body: '{"pod":"production/nope","fault":null}' });
  assert.deepEqual([ok.status, error(ok)], [404, 'pods "nope" not found in namespace production']);
});

test('a foreign Origin, a null Origin and another site\'s fetch get 403; the lab\'s own Origin passes', async () => {
  const version = lab.snapshot.version;
  const json = { ...bearer, 'content-type': 'application/json' };
  for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${api.port + 1}`, `https://127.0.0.1:${api.port}`]) {
    const a = await send('/api/apply', { method: 'POST', headers: { ...json, origin }, body: SERVICE });
    assert.equal(a.status, 403, origin);
    assert.equal(error(a), `forbidden: Origin ${origin} is not this lab (http://${own()}): other pages cannot drive the lab`);
  }
  assert.equal(lab.snapshot.version, version);
  // A no-cors read from a page on another loopback port sends no Origin but says where it comes from.
  const sameSite = await send('/api/summary', { headers: { ...bearer, 'sec-fetch-site': 'same-site' } });
  assert.deepEqual([sameSite.status, error(sameSite)], [403, 'forbidden: a request from another site (Sec-Fetch-Site: same-site)']);
  assert.equal((await send('/api/summary', { headers: { ...bearer, 'sec-fetch-site': 'same-origin', origin: `http://${own()}` } })).status, 200);
});

test('every /api/ call and /metrics need the token: 401 without it or with a wrong one; Bearer and the cookie pass', async () => {
  const missing = await send('/api/summary');
  assert.equal(missing.status, 401);
  assert.equal(missing.headers['www-authenticate'], 'Bearer realm="podnet lab"');
  assert.equal(error(missing), `missing token: open the UI at the URL \`podnet up\` printed (http://127.0.0.1:${api.port}/?token=...); the CLI reads the lab's token file; other clients send Authorization: Bearer TOKEN`);
  assert.match(error(await send('/api/summary', { headers: { authorization: `Bearer ${'b'.repeat(43)}` } })), /^wrong token: /);
  assert.equal((await send('/api/summary', { headers: { authorization: `Bearer ${TOKEN.slice(1)}` } })).status, 401);
  assert.equal((await send('/api/summary', { headers: { authorization: `Basic ${TOKEN}` } })).status, 401);
  assert.equal((await send('/api/summary', { headers: { cookie: `podnet-lab-${api.port + 1}=${TOKEN}` } })).status, 401);
  assert.equal((await send('/api/apply', { method: 'POST', headers: { 'content-type': 'application/json' }, body: SERVICE })).status, 401);
  assert.equal((await send('/metrics')).status, 401);
  assert.equal((await send('/metrics', { headers: bearer })).status, 200);
  assert.equal((await send('/api/summary', { headers: { cookie: `other=1; podnet-lab-${api.port}=${TOKEN}` } })).status, 200);
  // Static files (the UI's code) need no token: the page explains what to open when its API calls get 401.
  assert.equal((await send('/assets/app.js')).status, 200);
});

test('?token= on a page sets the HttpOnly SameSite=Strict cookie and redirects without it; a wrong token sets nothing', async () => {
  const a = await send(`/?token=${TOKEN}`);
  assert.equal(a.status, 302);
  assert.equal(a.headers.location, '/');
  assert.deepEqual(a.headers['set-cookie'], [`podnet-lab-${api.port}=${TOKEN}; HttpOnly; SameSite=Strict; Path=/`]);
  assert.equal(a.headers['referrer-policy'], 'no-referrer');
  assert.equal((await send(`/assets/app.js?v=2&token=${TOKEN}`)).headers.location, '/assets/app.js?v=2');
  // `//host` in a Location would leave the lab.
  assert.equal((await send(`/.//evil.example/?token=${TOKEN}`)).headers.location, '/evil.example/');
  const wrong = await send('/?token=nope');
  assert.equal(wrong.status, 401);
  assert.equal(wrong.headers['set-cookie'], undefined);
  assert.match(wrong.body, /This is not the token of this lab/);
  // --no-auth: the parameter is just taken out of the address.
  const free = await send(`/?token=${TOKEN}`, { port: open.port, headers: { host: `127.0.0.1:${open.port}` } });
  assert.deepEqual([free.status, free.headers.location, free.headers['set-cookie']], [302, '/', undefined]);
});

function upgrade(headers: Record<string, string>, port = api.port): Promise<{ status: number; body?: string; first?: unknown }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/flows/stream`, { headers });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('open', () => { ws.close(); resolve({ status: 101 }); });
    ws.on('error', (e) => { if (!/Unexpected server response/.test(e.message)) reject(e); });
  });
}

test('the flow WebSocket: a foreign Origin and a missing token are refused before the upgrade', async () => {
  const foreign = await upgrade({ ...bearer, origin: 'http://evil.example' });
  assert.equal(foreign.status, 403);
  assert.equal(JSON.parse(foreign.body!).error, `forbidden: Origin http://evil.example is not this lab (http://${own()}): other pages cannot drive the lab`);
  assert.equal((await upgrade({})).status, 401);
  assert.equal((await upgrade({ ...bearer, host: `evil.example:${api.port}` })).status, 403);
  assert.equal((await upgrade({ origin: `http://${own()}`, cookie: `podnet-lab-${api.port}=${TOKEN}` })).status, 101);
  assert.equal((await upgrade(bearer)).status, 101);
  assert.equal((await upgrade({}, open.port)).status, 101);
});

test('Secrets are served with sizes only; reveal=1 needs the token in an Authorization header, never the cookie', async () => {
  const path = '/api/object?kind=Secret&namespace=production&name=my-app-tls';
  const viaCookie = await send(path, { headers: { cookie: `podnet-lab-${api.port}=${TOKEN}` } });
  assert.equal(viaCookie.status, 200);
  const view = JSON.parse(viaCookie.body) as { yaml: string; redacted?: boolean };
  assert.equal(view.redacted, true);
  assert.match(view.yaml, /\ndata:\n  tls\.crt: "<redacted: 1180 bytes>"\n  tls\.key: "<redacted: 1704 bytes>"\n/);
  assert.doesNotMatch(view.yaml, /LS0t/);
  const refused = await send(`${path}&reveal=1`, { headers: { cookie: `podnet-lab-${api.port}=${TOKEN}` } });
  assert.deepEqual([refused.status, error(refused)], [403, 'reveal=1 needs the lab\'s token in an Authorization header; the UI shows Secret values as sizes only']);
  const key = /tls\.key: (\S+)/.exec(readFileSync('examples/shop/app/tls-secret.yaml', 'utf8'))![1];
  const revealed = JSON.parse((await send(`${path}&reveal=1`, { headers: bearer })).body) as { yaml: string; redacted?: boolean };
  assert.equal(revealed.redacted, undefined);
  assert.ok(revealed.yaml.includes(`tls.key: ${key}\n`));
  const noAuth = await send(`${path}&reveal=1`, { port: open.port, headers: { host: `127.0.0.1:${open.port}` } });
  assert.deepEqual([noAuth.status, error(noAuth)], [403, 'reveal=1 is refused: the lab runs with --no-auth, so Secret values are never served']);
});

test('stringData and kubectl\'s last-applied annotation are redacted too', async () => {
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'production', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"stringData":{"password":"hunter2"}}', team: 'a' } }, stringData: { password: 'hunter2', 'note.txt': 'héllo' } };
  const a = await send('/api/apply', { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: JSON.stringify({ text: JSON.stringify(secret) }) });
  assert.equal(a.status, 200, a.body);
  const yaml = (JSON.parse((await send('/api/object?kind=Secret&namespace=production&name=db', { headers: bearer })).body) as { yaml: string }).yaml;
  assert.doesNotMatch(yaml, /hunter2/);
  assert.match(yaml, /kubectl\.kubernetes\.io\/last-applied-configuration: "<redacted: it holds the Secret>"\n    team: a\n/);
  assert.match(yaml, /\nstringData:\n  password: "<redacted: 7 bytes>"\n  note\.txt: "<redacted: 6 bytes>"\n/);
});

test('malformed percent-encoding is 400, path traversal 403, and the lab keeps serving', async () => {
  const bad = await send('/%zz');
  assert.deepEqual([bad.status, error(bad)], [400, 'malformed percent-encoding in the path "/%zz"']);
  assert.equal((await send('/assets/%E0%A4%A')).status, 400);
  const up = await send('/..%2f..%2f..%2fetc%2fpasswd');
  assert.deepEqual([up.status, error(up)], [403, 'forbidden']);
  assert.equal((await send('/assets/..%2f..%2fsecret')).status, 403);
  assert.equal((await send('/api/summary', { headers: bearer })).status, 200);
});

test('--no-auth: no token asked, but Host, Origin and the body type are still checked', async () => {
  const h = { host: `127.0.0.1:${open.port}` };
  assert.equal((await send('/api/summary', { port: open.port, headers: h })).status, 200);
  assert.equal((await send('/metrics', { port: open.port, headers: h })).status, 200);
  assert.equal((await send('/api/summary', { port: open.port, headers: { host: `evil.example:${open.port}` } })).status, 403);
  assert.equal((await send('/api/apply', { port: open.port, method: 'POST', headers: { ...h, 'content-type': 'text/plain' }, body: SERVICE })).status, 403);
  assert.equal((await send('/api/apply', { port: open.port, method: 'POST', headers: { ...h, 'content-type': 'application/json', origin: 'http://evil.example' }, body: SERVICE })).status, 403);
  assert.equal(lab.snapshot.cluster.get('Service', 'production', 'planted'), undefined);
});
