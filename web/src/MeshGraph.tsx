// The mesh's service graph, Kiali-like: workloads (circles, version under the name) call services (triangles) which
// route to workloads, left to right. Each edge says its request rate and error share over the chosen window, is
// coloured by health and drawn solid (mTLS) or dashed (plaintext). Polled every 2 s from GET /api/mesh/graph; the
// hosts outlier detection has ejected come from GET /api/mesh/outliers. Hover or click an edge for its codes and
// latency percentiles.
import { useEffect, useRef, useState } from 'react';
import cytoscape, { type Core } from 'cytoscape';
import { api, type MeshEdge, type MeshNode, type Outliers, type ServiceGraph } from './api';
import { edgeId, edgeLabel, ejectedRows, formatErrorPercent, formatRps, HEALTH_COLOUR, meshElements, meshLayout, MTLS_TEXT } from './meshDrawing';

const WINDOWS = [{ seconds: 60, text: '1 min' }, { seconds: 300, text: '5 min' }, { seconds: 3600, text: '1 h' }] as const;
const POLL_MS = 2000;

const STYLE: cytoscape.StylesheetJson = [
  { selector: 'node', style: { label: 'data(label)', 'font-size': 11, 'text-wrap': 'wrap', 'text-valign': 'bottom', 'text-halign': 'center', 'text-margin-y': 4, color: '#cbd5e1', 'border-width': 2 } },
  { selector: 'node.workload', style: { shape: 'ellipse', width: 30, height: 30, 'background-color': '#1e293b', 'border-color': '#94a3b8' } },
  { selector: 'node.service', style: { shape: 'triangle', width: 34, height: 30, 'background-color': '#0369a1', 'border-color': '#38bdf8' } },
  { selector: 'node.unknown', style: { shape: 'ellipse', width: 26, height: 26, 'background-color': '#334155', 'border-color': '#64748b', 'border-style': 'dashed' } },
  {
    selector: 'edge',
    style: {
      width: 2, 'curve-style': 'bezier', 'target-arrow-shape': 'triangle', 'arrow-scale': 0.9, label: 'data(label)', 'font-size': 10, color: '#e2e8f0',
      'text-background-color': '#0f172a', 'text-background-opacity': 0.85, 'text-background-padding': '2px', 'text-background-shape': 'roundrectangle',
    },
  },
  ...(['healthy', 'degraded', 'failing'] as const).map((h) => ({ selector: `edge.${h}`, style: { 'line-color': HEALTH_COLOUR[h], 'target-arrow-color': HEALTH_COLOUR[h] } })),
  { selector: 'edge.mtls', style: { 'line-style': 'solid' } },
  { selector: 'edge.plaintext', style: { 'line-style': 'dashed', 'line-dash-pattern': [8, 5] } },
  { selector: 'edge.mixed', style: { 'line-style': 'dotted' } },
  { selector: 'edge:selected, edge.hover', style: { width: 4, 'z-index': 10 } },
  { selector: 'node:selected', style: { 'border-color': '#f8fafc', 'border-width': 3 } },
] as cytoscape.StylesheetJson;

/** Fit the whole graph, but never blow a three-node graph up to fill the panel. */
function fit(c: Core) {
  c.fit(undefined, 50);
  if (c.zoom() > 1.3) { c.zoom(1.3); c.center(); }
}

export function MeshPanel() {
  const box = useRef<HTMLDivElement>(null);
  const cy = useRef<Core | undefined>(undefined);
  const [windowSeconds, setWindowSeconds] = useState<number>(60);
  const [graph, setGraph] = useState<ServiceGraph>();
  const [outliers, setOutliers] = useState<Outliers>();
  const [err, setErr] = useState<string>();
  const [updated, setUpdated] = useState<string>();
  const [pinned, setPinned] = useState<string>();
  const [hovered, setHovered] = useState<string>();

  // One Cytoscape instance for the panel's life; polls update its elements in place (zoom and selection stay).
  useEffect(() => {
    if (!box.current) return;
    const c = cytoscape({ container: box.current, elements: [], style: STYLE, wheelSensitivity: 0.3, minZoom: 0.2, maxZoom: 3 });
    c.on('tap', 'node, edge', (ev) => setPinned(ev.target.id()));
    c.on('tap', (ev) => { if (ev.target === c) setPinned(undefined); });
    c.on('mouseover', 'edge', (ev) => { ev.target.addClass('hover'); setHovered(ev.target.id()); });
    c.on('mouseout', 'edge', (ev) => { ev.target.removeClass('hover'); setHovered(undefined); });
    // A pointer leaving the canvas straight off an edge gets no mouseout from Cytoscape: end the hover here too.
    const container = box.current;
    const leave = () => { c.edges('.hover').removeClass('hover'); setHovered(undefined); };
    container.addEventListener('mouseleave', leave);
    cy.current = c;
    (window as unknown as { __meshCy?: Core }).__meshCy = c;
    const ro = new ResizeObserver(() => { c.resize(); fit(c); });
    ro.observe(container);
    return () => { ro.disconnect(); container.removeEventListener('mouseleave', leave); c.destroy(); cy.current = undefined; };
  }, []);

  // Poll the graph and the ejected hosts every 2 s; a new window restarts the loop (the old one's answers are dropped).
  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const [g, o] = await Promise.all([api<ServiceGraph>(`/api/mesh/graph?window=${windowSeconds}`), api<Outliers>('/api/mesh/outliers')]);
        if (!alive) return;
        setGraph(g);
        setOutliers(o);
        setErr(undefined);
        setUpdated(new Date().toLocaleTimeString());
      } catch (e) {
        if (alive) setErr(String((e as Error).message ?? e));
      }
      if (alive) timer = setTimeout(tick, POLL_MS);
    };
    void tick();
    return () => { alive = false; clearTimeout(timer); };
  }, [windowSeconds]);

  useEffect(() => {
    const c = cy.current;
    if (!c || !graph) return;
    const els = meshElements(graph);
    const want = new Set(els.map((e) => String(e.data.id)));
    const had = new Set(c.elements().map((e) => e.id()));
    const reshaped = want.size !== had.size || [...want].some((id) => !had.has(id));
    c.batch(() => {
      c.elements().filter((e) => !want.has(e.id())).remove();
      for (const el of els) {
        const x = c.getElementById(String(el.data.id));
        if (x.nonempty()) { x.data(el.data); x.classes(el.classes ?? ''); }
        else c.add({ group: el.data.source === undefined ? 'nodes' : 'edges', data: el.data as cytoscape.ElementDataDefinition, classes: el.classes });
      }
    });
    if (reshaped) {
      const pos = meshLayout(graph);
      c.nodes().positions((n) => pos[n.id()] ?? { x: 0, y: 0 });
      fit(c);
    }
  }, [graph]);

  const windowText = WINDOWS.find((w) => w.seconds === windowSeconds)?.text ?? `${windowSeconds} s`;
  const shownId = hovered ?? pinned;
  const shownEdge = graph?.edges.find((e) => edgeId(e) === shownId);
  const shownNode = graph?.nodes.find((n) => n.id === shownId);
  const nodeName = (id: string) => { const n = graph?.nodes.find((x) => x.id === id); return n ? `${n.kind} ${n.namespace ? `${n.namespace}/` : ''}${n.name}${n.version ? ` (${n.version})` : ''}` : id; };
  const ejected = outliers ? ejectedRows(outliers) : [];
  const empty = graph !== undefined && graph.edges.length === 0;

  return (
    <div className="mesh" data-testid="mesh-panel">
      <div className="mesh-graph">
        <div className="graph" ref={box} data-testid="mesh-graph" />
        {empty && (
          <div className="mesh-empty" data-testid="mesh-empty">
            <h2>No mesh traffic in the last {windowText}</h2>
            <p>The graph is drawn from requests the mesh's sidecars carried (pods in <code>istio-injection: enabled</code>{' '}
              namespaces, and clients calling them). Make some traffic:</p>
            <pre>podnet exec NS/POD -- curl http://SERVICE:PORT/</pre>
            <p className="muted">It appears here within 2 s. Each edge counts requests per second and the share of 5xx or failed
              connections over the window chosen on the right.</p>
          </div>
        )}
      </div>
      <aside className="mesh-side">
        <div className="controls">
          <label>Window <select value={windowSeconds} onChange={(e) => setWindowSeconds(Number(e.target.value))} data-testid="mesh-window">
            {WINDOWS.map((w) => <option key={w.seconds} value={w.seconds}>last {w.text}</option>)}
          </select></label>
        </div>
        <div className="muted" data-testid="mesh-status">
          {graph ? `${graph.requests} request${graph.requests === 1 ? '' : 's'} in the last ${windowText}` : 'loading…'}{updated ? ` · updated ${updated}` : ''}
        </div>
        {err && <div className="error">{err}</div>}

        <h3>Legend</h3>
        <ul className="legend" data-testid="mesh-legend">
          <li><svg width="30" height="16"><circle cx="15" cy="8" r="6.5" fill="#1e293b" stroke="#94a3b8" strokeWidth="2" /></svg>workload (namespace · version beneath)</li>
          <li><svg width="30" height="16"><polygon points="15,1 23,15 7,15" fill="#0369a1" stroke="#38bdf8" strokeWidth="1.5" /></svg>service</li>
          <li><svg width="30" height="16"><line x1="1" y1="8" x2="29" y2="8" stroke="#cbd5e1" strokeWidth="2" /></svg>solid: mutual TLS</li>
          <li><svg width="30" height="16"><line x1="1" y1="8" x2="29" y2="8" stroke="#cbd5e1" strokeWidth="2" strokeDasharray="6 4" /></svg>dashed: plaintext</li>
          <li><svg width="30" height="16"><line x1="1" y1="8" x2="29" y2="8" stroke="#cbd5e1" strokeWidth="2" strokeDasharray="2 3" /></svg>dotted: both mTLS and plaintext</li>
          <li><span className="swatch" style={{ background: HEALTH_COLOUR.healthy }} />&lt; 1% errors</li>
          <li><span className="swatch" style={{ background: HEALTH_COLOUR.degraded }} />1–20% errors</li>
          <li><span className="swatch" style={{ background: HEALTH_COLOUR.failing }} />&gt; 20% errors</li>
        </ul>
        <p className="muted small">Edge label: requests per second · share of requests answered 5xx or failed without an answer (reset,
          refused), both over the window. Workload → service edges count what callers sent; service → workload edges what
          reached each workload.</p>

        {shownEdge && <EdgeDetails edge={shownEdge} from={nodeName(shownEdge.source)} to={nodeName(shownEdge.target)} />}
        {!shownEdge && shownNode && <NodeDetails node={shownNode} edges={graph?.edges ?? []} />}
        {!shownEdge && !shownNode && !empty && <p className="muted">Hover or click an edge for its response codes, latency and mTLS.</p>}

        <h3>Ejected hosts</h3>
        {ejected.length === 0 ? <p className="muted" data-testid="mesh-ejected-none">None: no proxy's outlier detection has ejected an endpoint.</p> : (
          <table className="ejected" data-testid="mesh-ejected">
            <thead><tr><th>pod</th><th>ejected by</th><th>cluster</th></tr></thead>
            <tbody>
              {ejected.map((r) => (
                <tr key={`${r.client}|${r.cluster}|${r.pod}`} title={r.reason}>
                  <td>{r.pod}</td><td>{r.client}</td><td><code>{r.cluster}</code>{r.reason && <div className="muted">{r.reason}</div>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </aside>
    </div>
  );
}

function EdgeDetails({ edge, from, to }: { edge: MeshEdge; from: string; to: string }) {
  const codes = Object.entries(edge.codes).sort(([a], [b]) => Number(a) - Number(b));
  return (
    <div className="mesh-details" data-testid="mesh-details">
      <h2>{from} → {to}</h2>
      <div className="muted">{edgeLabel(edge)}</div>
      <table className="kv">
        <tbody>
          <tr><th>requests</th><td>{edge.requests} ({formatRps(edge)} rps)</td></tr>
          <tr><th>errors</th><td>{edge.errors} ({formatErrorPercent(edge.errorRatio)}%)</td></tr>
          <tr><th>codes</th><td data-testid="mesh-codes">{codes.map(([c, n]) => `${c === '0' ? 'no response' : c}: ${n}`).join(', ')}</td></tr>
          <tr><th>latency</th><td data-testid="mesh-latency">p50 {edge.p50Ms} ms · p95 {edge.p95Ms} ms</td></tr>
          <tr><th>mTLS</th><td data-testid="mesh-mtls">{MTLS_TEXT[edge.mtls]}</td></tr>
        </tbody>
      </table>
    </div>
  );
}

function NodeDetails({ node, edges }: { node: MeshNode; edges: MeshEdge[] }) {
  const sum = (list: MeshEdge[]) => ({ requests: list.reduce((s, e) => s + e.requests, 0), errors: list.reduce((s, e) => s + e.errors, 0) });
  const inbound = sum(edges.filter((e) => e.target === node.id));
  const outbound = sum(edges.filter((e) => e.source === node.id));
  return (
    <div className="mesh-details" data-testid="mesh-details">
      <h2>{node.kind} {node.namespace ? `${node.namespace}/` : ''}{node.name}</h2>
      <table className="kv">
        <tbody>
          {node.version && <tr><th>version</th><td>{node.version}</td></tr>}
          <tr><th>inbound</th><td>{inbound.requests} requests, {inbound.errors} errors</td></tr>
          <tr><th>outbound</th><td>{outbound.requests} requests, {outbound.errors} errors</td></tr>
        </tbody>
      </table>
    </div>
  );
}
