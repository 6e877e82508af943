// Records a real flow log from the lab for suggest's examples: `node dist/scripts/record-flows.js PATH OUT`. Starts
// the lab on PATH (ports on 0), drives traffic through it (exec curl and dig from pods, HTTPS through the Ingress) and
// writes `podnet logs --flows -o json`'s lines to OUT.
import { writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { PassThrough } from 'node:stream';
import { startLab } from '../src/cli/up.js';

const [path = 'examples/shop', out = 'examples/shop/flows.jsonl'] = process.argv.slice(2);
const running = await startLab({ filename: [path], uiPort: '0', dnsPort: '0', httpPort: '0', httpsPort: '0', grace: '0' }, { out: new PassThrough(), err: new PassThrough() }, { quiet: true, nodePortsAtNodePort: false });
try {
  const pods = running.lab.snapshot.cluster.pods('production').map((p) => `production/${p.metadata.name}`).sort();
  const frontends = pods.filter((p) => p.includes('/frontend-'));
  const backends = pods.filter((p) => p.includes('/backend-'));
  for (const f of frontends) {
    await running.lab.exec(f, ['curl', '-s', 'http://backend.production:8080/hostname']);
    await running.lab.exec(f, ['curl', '-s', 'http://backend.production:8080/api/items']);
  }
  await running.lab.exec(backends[0], ['curl', '-s', '-m', '1', 'http://frontend.production/']);
  const ing = running.lab.entryListeners().find((e) => e.kind === 'ingress')!;
  for (const p of ['/', '/api/items', '/api/items']) {
    await new Promise<void>((resolve) => {
      const req = request({ host: '127.0.0.1', port: ing.https, path: p, servername: 'my-app.example.com', headers: { host: 'my-app.example.com' }, rejectUnauthorized: false }, (res) => { res.resume(); res.on('end', () => resolve()); });
      req.on('error', () => resolve());
      req.end();
    });
  }
  writeFileSync(out, running.lab.flows.select({}).map((f) => JSON.stringify(f)).join('\n') + '\n');
} finally {
  await running.close();
}
