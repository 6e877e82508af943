// The cluster drawn with Cytoscape.js: node boxes hold their pods; Services link to their endpoint pods; Ingresses and
// routes link to their backend Services; policies sit beside. Click an element for its YAML and relations. With a
// trace, the hops' objects are highlighted and joined in order.
import { useEffect, useRef, useState } from 'react';
import cytoscape, { type Core } from 'cytoscape';
import { api, type GraphElement, type TraceResult } from './api';

const KIND_OF: Record<string, string> = { pod: 'Pod', svc: 'Service', ing: 'Ingress', gw: 'Gateway', np: 'NetworkPolicy', node: 'Node' };

/** The graph ids a trace passes through, in order (source pod, Service, ingress controller, backend pods). */
export function tracePath(t: TraceResult): string[] {
  const ids: string[] = [];
  if (!t.from.startsWith('external')) ids.push(`pod:${t.from}`);
  for (const h of t.hops) {
    if (h.step === 'dnat' && typeof h.detail.service === 'string') ids.push(`svc:${h.detail.service}`);
    if (h.step === 'deliver' && typeof h.detail.pod === 'string') ids.push(`pod:${h.detail.pod}`);
  }
  return ids.filter((id, i) => ids[i - 1] !== id);
}

/**
 * Where each element goes, left to right as traffic flows: Ingresses and Gateways, then Services, then one box per
 * node with its pods in two columns, then the policy groups. Fixed columns read better than a force layout, which
 * scatters compound boxes and shrinks everything to fit.
 */
export function columnLayout(elements: GraphElement[]): Record<string, { x: number; y: number }> {
  const pos: Record<string, { x: number; y: number }> = {};
  const nodes = elements.filter((e) => e.data.source === undefined);
  const of = (cls: string) => nodes.filter((e) => (e.classes ?? '').split(' ').includes(cls));
  const boxes = of('node').filter((e) => e.data.kind !== 'Group');
  const groups = of('node').filter((e) => e.data.kind === 'Group');
  const childrenOf = (id: unknown) => nodes.filter((e) => e.data.parent === id);
  of('ingress').concat(of('gateway')).forEach((e, i) => { pos[String(e.data.id)] = { x: 0, y: i * 90 }; });
  of('service').forEach((e, i) => { pos[String(e.data.id)] = { x: 260, y: i * 80 }; });
  // Node boxes stacked in one column (pods two abreast), so the picture keeps the panel's shape as nodes are added.
  let y = 0;
  const podColumn = (list: GraphElement[]) => {
    list.forEach((e, j) => { pos[String(e.data.id)] = { x: 560 + (j % 2) * 190, y: y + Math.floor(j / 2) * 90 }; });
    if (list.length > 0) y += Math.ceil(list.length / 2) * 90 + 110;
  };
  for (const b of boxes) podColumn(childrenOf(b.data.id));
  podColumn(of('pod').filter((e) => !e.data.parent));
  let x = 1020;
  for (const g of groups) {
    childrenOf(g.data.id).forEach((e, j) => { pos[String(e.data.id)] = { x, y: j * 70 }; });
    x += 260;
  }
  return pos;
}

export function Topology({ trace, compact }: { trace?: TraceResult; compact?: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const cy = useRef<Core | undefined>(undefined);
  const [selected, setSelected] = useState<{ kind: string; namespace?: string; name: string; yaml?: string; source?: { file: string; line: number }; relations: string[] }>();
  const [note, setNote] = useState<string>();

  useEffect(() => {
    let alive = true;
    api<{ elements: GraphElement[]; truncated: boolean }>('/api/graph').then((g) => {
      if (!alive || !box.current) return;
      if (g.truncated) setNote('Large cluster: the first 400 pods are drawn.');
      const c = cytoscape({
        container: box.current,
        elements: g.elements,
        wheelSensitivity: 0.3,
        style: [
          { selector: 'node', style: { label: 'data(label)', 'font-size': 11, 'text-wrap': 'wrap', 'text-valign': 'bottom', 'text-margin-y': 3, color: '#cbd5e1' } },
          { selector: 'node.node', style: { shape: 'round-rectangle', 'background-color': '#1e293b', 'border-color': '#475569', 'border-width': 1, 'text-valign': 'top', 'font-size': 11, color: '#94a3b8', padding: '18px' } },
          { selector: 'node.pod', style: { 'background-color': 'data(colour)', width: 18, height: 18 } },
          { selector: 'node.service', style: { shape: 'diamond', 'background-color': '#38bdf8', width: 22, height: 22 } },
          { selector: 'node.ingress, node.gateway', style: { shape: 'hexagon', 'background-color': '#f59e0b', width: 24, height: 24 } },
          { selector: 'node.policy', style: { shape: 'tag', 'background-color': '#a78bfa', width: 18, height: 18 } },
          { selector: 'edge', style: { width: 1, 'line-color': '#475569', 'curve-style': 'bezier', 'target-arrow-shape': 'triangle', 'target-arrow-color': '#475569', 'arrow-scale': 0.6 } },
          { selector: 'edge.notready', style: { 'line-style': 'dashed' } },
          { selector: '.hl', style: { 'border-width': 3, 'border-color': '#22c55e', 'line-color': '#22c55e', 'target-arrow-color': '#22c55e', width: 3, 'z-index': 10 } },
          { selector: '.hl-drop', style: { 'border-width': 3, 'border-color': '#ef4444', 'line-color': '#ef4444', 'target-arrow-color': '#ef4444', width: 3 } },
          { selector: ':selected', style: { 'border-width': 3, 'border-color': '#f8fafc' } },
        ],
        layout: { name: 'preset', positions: columnLayout(g.elements), padding: 30, fit: true } as cytoscape.LayoutOptions,
        minZoom: 0.2,
        maxZoom: 3,
      });
      c.on('tap', 'node', (ev) => {
        const d = ev.target.data();
        if (d.kind === 'Group') return;
        const kind = d.kind ?? KIND_OF[String(d.id).split(':')[0]];
        const relations = ev.target.connectedEdges().map((e: cytoscape.EdgeSingular) => `${e.data('kind')}: ${e.source().id() === d.id ? e.target().id() : e.source().id()}`);
        setSelected({ kind, namespace: d.namespace, name: d.name, relations });
        api<{ yaml: string; source?: { file: string; line: number } }>(`/api/object?kind=${kind}&namespace=${encodeURIComponent(d.namespace ?? '')}&name=${encodeURIComponent(d.name)}`)
          .then((o) => setSelected({ kind, namespace: d.namespace, name: d.name, relations, yaml: o.yaml, source: o.source }), () => undefined);
      });
      cy.current = c;
      (window as unknown as { __cy?: Core }).__cy = c;
      // The panel beside may change the graph's size: keep the drawing fitted.
      const ro = new ResizeObserver(() => { c.resize(); c.fit(undefined, 20); });
      ro.observe(box.current);
      c.one('destroy', () => ro.disconnect());
    }, (e) => setNote(String(e.message ?? e)));
    return () => { alive = false; cy.current?.destroy(); cy.current = undefined; };
  }, []);

  useEffect(() => {
    const c = cy.current;
    if (!c) return;
    c.elements().removeClass('hl hl-drop');
    c.remove('.trace-edge');
    if (!trace) return;
    const ids = tracePath(trace).filter((id) => c.getElementById(id).nonempty());
    const cls = trace.verdict === 'delivered' ? 'hl' : 'hl-drop';
    ids.forEach((id, i) => {
      c.getElementById(id).addClass(cls);
      if (i > 0) c.add({ group: 'edges', data: { id: `trace-${i}`, source: ids[i - 1], target: id, kind: 'trace' }, classes: `trace-edge ${cls}` });
    });
  }, [trace]);

  return (
    <div className={compact ? 'topology compact' : 'topology'}>
      <div className="graph" ref={box} data-testid="graph" />
      {note && <div className="note">{note}</div>}
      {selected && !compact && (
        <aside className="details" data-testid="details">
          <button className="close" onClick={() => setSelected(undefined)}>×</button>
          <h2>{selected.kind} {selected.namespace ? `${selected.namespace}/` : ''}{selected.name}</h2>
          {selected.source && <div className="muted">{selected.source.file}:{selected.source.line}</div>}
          {selected.relations.length > 0 && <><h3>Relations</h3><ul>{selected.relations.map((r) => <li key={r}>{r}</li>)}</ul></>}
          <h3>YAML</h3>
          <pre>{selected.yaml ?? 'loading…'}</pre>
        </aside>
      )}
    </div>
  );
}
