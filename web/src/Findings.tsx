import type { Finding } from './api';

export function FindingsPanel({ findings }: { findings: Finding[] }) {
  if (findings.length === 0) return <div className="panel"><p>No findings: the manifests validate and lint clean.</p></div>;
  return (
    <div className="panel" data-testid="findings-panel">
      <table className="flows">
        <thead><tr><th>severity</th><th>code</th><th>object</th><th>where</th><th>message</th></tr></thead>
        <tbody>{findings.map((f, i) => <tr key={i} className={f.severity}><td>{f.severity}</td><td>{f.code}</td><td>{f.object}</td><td>{f.source}</td><td>{f.message}{f.hint && <div className="muted">fix: {f.hint}</div>}</td></tr>)}</tbody>
      </table>
    </div>
  );
}
