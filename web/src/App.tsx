// The lab UI's shell: a header with what is running, tabs for the panels, and the topology shared with the trace view.
import { useCallback, useEffect, useState } from 'react';
import { api, type Flow, type Summary, type TraceResult } from './api';
import { Topology } from './Topology';
import { MatrixPanel } from './Matrix';
import { TracePanel } from './TracePanel';
import { DnsPanel } from './DnsPanel';
import { FlowsPanel, useFlows } from './Flows';
import { FindingsPanel } from './Findings';
import { MeshPanel } from './MeshGraph';

const TABS = ['Topology', 'Matrix', 'Trace', 'DNS', 'Flows', 'Mesh', 'Findings'] as const;
type Tab = (typeof TABS)[number];

export function App() {
  const [summary, setSummary] = useState<Summary>();
  const [error, setError] = useState<string>();
  const [tab, setTab] = useState<Tab>('Topology');
  const [trace, setTrace] = useState<TraceResult>();
  const flows: Flow[] = useFlows();
  const [version, setVersion] = useState(0);

  const refresh = useCallback(() => api<Summary>('/api/summary').then((s) => { setSummary(s); setError(undefined); }, (e) => setError(String(e.message ?? e))), []);
  useEffect(() => { void refresh(); }, [refresh]);
  // A flow from a newer snapshot means the cluster changed: reload what is drawn.
  useEffect(() => {
    const last = flows.at(-1) as (Flow & { snapshot?: number }) | undefined;
    if (last?.snapshot && summary && last.snapshot > summary.snapshot) { void refresh(); setVersion((v) => v + 1); }
  }, [flows, summary, refresh]);

  const findings = summary?.findings ?? [];
  return (
    <div className="app">
      <header>
        <h1>podnet lab</h1>
        {summary && (
          <div className="facts" data-testid="summary">
            <span data-testid="mode">{summary.kernel ? `kernel · lab ${summary.kernel.prefix} (${summary.kernel.nodes.length} node namespaces)` : 'emulated'}</span>
            <span>{summary.counts.nodes} nodes</span><span>{summary.counts.pods} pods</span><span>{summary.counts.services} services</span>
            <span>{summary.config.cni} · kube-proxy {summary.config.kubeProxyMode}</span>
            <span>DNS 127.0.0.1:{summary.dns.port}</span>
            {summary.entryPoints.map((e) => <span key={e.id}>{e.id} → :{e.http} / :{e.https}</span>)}
            <span>snapshot {summary.snapshot}</span>
          </div>
        )}
        <nav>
          {TABS.map((t) => (
            <button key={t} className={t === tab ? 'active' : ''} onClick={() => setTab(t)} data-testid={`tab-${t}`}>
              {t}{t === 'Findings' && findings.length ? ` (${findings.length})` : ''}{t === 'Flows' && flows.length ? ` (${flows.length})` : ''}
            </button>
          ))}
        </nav>
      </header>
      {error && <div className="error">{error}</div>}
      <main>
        {(tab === 'Topology' || tab === 'Trace') && <Topology key={version} trace={tab === 'Trace' ? trace : undefined} compact={tab === 'Trace'} />}
        {tab === 'Trace' && summary && <TracePanel pods={summary.pods} onTrace={setTrace} trace={trace} />}
        {tab === 'Matrix' && summary && <MatrixPanel namespaces={summary.namespaces} />}
        {tab === 'DNS' && summary && <DnsPanel pods={summary.pods} />}
        {tab === 'Flows' && <FlowsPanel flows={flows} kernel={Boolean(summary?.kernel)} />}
        {tab === 'Mesh' && <MeshPanel />}
        {tab === 'Findings' && <FindingsPanel findings={findings} />}
      </main>
    </div>
  );
}
