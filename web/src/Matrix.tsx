// The connectivity matrix: rows are sources, columns destinations; green may connect, red may not (as the lab's
// policy engine says). Hovering a cell asks the engine which policies decided it.
import { useEffect, useRef, useState } from 'react';
import { api } from './api';

interface MatrixView { pods: string[]; port?: number; enforced: boolean; rows: string[]; hostNetwork?: { index: number; pod: string; note: string }[] }
interface Check { allowed: boolean; egress: { allowed: boolean; policies: string[] }; ingress: { allowed: boolean; policies: string[] }; warnings: string[] }

export function MatrixPanel({ namespaces }: { namespaces: string[] }) {
  const [ns, setNs] = useState<string>(namespaces.includes('production') ? 'production' : '');
  // undefined until the first answer: the lab opens on the first port some Service exposes (port=service)
  const [port, setPort] = useState<string | undefined>(undefined);
  const answered = useRef<string | undefined>(undefined);
  const [m, setM] = useState<MatrixView>();
  const [err, setErr] = useState<string>();
  const [hover, setHover] = useState<{ from: string; to: string; text: string }>();

  useEffect(() => {
    // The port the lab chose is already shown: no second request for it.
    if (answered.current === `${ns}|${port}`) { answered.current = undefined; return; }
    const q = new URLSearchParams();
    if (port === undefined) q.set('port', 'service');
    else if (port) q.set('port', port);
    if (ns) q.set('namespaces', ns);
    api<MatrixView>(`/api/matrix?${q}`).then((x) => {
      setM(x);
      setErr(undefined);
      if (port === undefined) { const chosen = x.port !== undefined ? String(x.port) : ''; answered.current = `${ns}|${chosen}`; setPort(chosen); }
    }, (e) => setErr(String(e.message)));
  }, [ns, port]);

  const explain = (from: string, to: string) => {
    setHover({ from, to, text: '…' });
    api<Check>(`/api/check?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}${port ? `&port=${port}` : ''}`).then((c) => {
      const side = (d: { allowed: boolean; policies: string[] }, dir: string) => `${dir} ${d.allowed ? 'allowed' : 'denied'}${d.policies.length ? ` by ${d.policies.join(', ')}` : ' (no policy selects it)'}`;
      setHover({ from, to, text: `${c.allowed ? 'ALLOWED' : 'DENIED'}: ${side(c.egress, 'egress')}; ${side(c.ingress, 'ingress')}` });
    }, (e) => setHover({ from, to, text: String(e.message) }));
  };
  const host = new Set((m?.hostNetwork ?? []).map((h) => h.index));
  const short = (p: string, i: number) => `${p.split('/')[1] ?? p}${host.has(i) ? ' ⌂' : ''}`;
  return (
    <div className="panel" data-testid="matrix-panel">
      <div className="controls">
        <label>Namespace <select value={ns} onChange={(e) => setNs(e.target.value)}>
          <option value="">all</option>
          {namespaces.map((n) => <option key={n} value={n}>{n}</option>)}
        </select></label>
        <label>Port <input value={port ?? ''} onChange={(e) => setPort(e.target.value.replace(/\D/g, ''))} placeholder="any" size={6} data-testid="matrix-port" /></label>
        {m && !m.enforced && <span className="warn">the CNI does not enforce NetworkPolicy: everything connects</span>}
      </div>
      {err && <div className="error">{err}</div>}
      {m && (
        <div className="matrix-wrap">
          <table className="matrix" data-testid="matrix">
            <thead><tr><th className="corner">from \ to</th>{m.pods.map((p, i) => <th key={p} className="col" title={p}><span>{short(p, i)}</span></th>)}</tr></thead>
            <tbody>
              {m.pods.map((src, i) => (
                <tr key={src}>
                  <th title={src}>{short(src, i)}</th>
                  {m.rows[i].split('').map((b, j) => (
                    <td key={j} className={b === '1' ? 'allow' : 'deny'} onMouseEnter={() => explain(src, m.pods[j])} data-testid={`cell-${i}-${j}`} />
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          {m.hostNetwork && m.hostNetwork.length > 0 && <div className="warn" data-testid="matrix-host-network">⌂ host network ({m.hostNetwork.map((h) => h.pod).join(', ')}): {m.hostNetwork[0].note}</div>}
          <div className="hover" data-testid="matrix-hover">{hover ? <><b>{hover.from} → {hover.to}</b><br />{hover.text}</> : 'Hover a cell to see which policy decides it.'}</div>
        </div>
      )}
    </div>
  );
}
