// Resolve a name from any pod (its resolv.conf and search list) or at the cluster DNS, with every name the resolver tried.
import { useState } from 'react';
import { api } from './api';

interface Lookup { rcode: string; answers: { name: string; type: string; ttl: number; data?: string; rdata: Record<string, unknown> }[]; tried: string[]; steps: { name: string; rcode: string; answers: number; why: string[] }[]; stop: string; from?: { resolvConf: string } }

export function DnsPanel({ pods }: { pods: string[] }) {
  const [pod, setPod] = useState(pods.find((p) => p.startsWith('production/')) ?? '');
  const [name, setName] = useState('backend');
  const [type, setType] = useState('A');
  const [r, setR] = useState<Lookup>();
  const [err, setErr] = useState<string>();
  const run = () => {
    setErr(undefined);
    api<Lookup>(`/api/dns?${new URLSearchParams({ ...(pod ? { pod } : {}), name, type })}`).then(setR, (e) => { setR(undefined); setErr(String(e.message)); });
  };
  return (
    <div className="panel" data-testid="dns-panel">
      <div className="controls">
        <label>From <select value={pod} onChange={(e) => setPod(e.target.value)}><option value="">the cluster DNS (absolute)</option>{pods.map((p) => <option key={p}>{p}</option>)}</select></label>
        <label>Name <input value={name} onChange={(e) => setName(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && run()} data-testid="dns-name" /></label>
        <label>Type <select value={type} onChange={(e) => setType(e.target.value)}>{['A', 'AAAA', 'SRV', 'PTR', 'CNAME', 'TXT'].map((t) => <option key={t}>{t}</option>)}</select></label>
        <button onClick={run} data-testid="dns-run">Resolve</button>
      </div>
      {err && <div className="error">{err}</div>}
      {r && (
        <div data-testid="dns-result">
          <div className={r.rcode === 'NOERROR' ? 'verdict ok' : 'verdict bad'}>{r.rcode} — {r.stop}</div>
          <h3>Search walk</h3>
          <ol className="hops">{r.steps.map((s, i) => <li key={i}><code>{s.name}</code> → {s.rcode}{s.answers ? ` (${s.answers} answers)` : ''} <span className="muted">{s.why.at(-1)}</span></li>)}</ol>
          <h3>Answers</h3>
          <pre>{r.answers.map((a) => `${a.name}\t${a.ttl}\tIN\t${a.type}\t${a.data ?? JSON.stringify(a.rdata)}`).join('\n') || '(none)'}</pre>
          {r.from && <><h3>resolv.conf</h3><pre>{r.from.resolvConf}</pre></>}
        </div>
      )}
    </div>
  );
}
