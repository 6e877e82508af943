// Which container port of a pod takes a connection: a pod serves a port when a container declares it; pods that
// declare no ports at all are given the benefit of the doubt.
type Obj = Record<string, any>;

export function servedPort(pod: Obj, port: number, proto: string): { ok: boolean; text: string; container?: string; declared: string[] } {
  const containers = (pod.spec?.containers ?? []) as Obj[];
  const declared = containers.flatMap((c) => ((c.ports ?? []) as Obj[]).map((p) => ({ c: c.name as string, port: p.containerPort as number, proto: (p.protocol ?? 'TCP') as string })));
  const list = declared.map((d) => `${d.port}/${d.proto}`);
  if (declared.length === 0) return { ok: true, text: '', declared: list };
  const hit = declared.find((d) => d.port === port && d.proto === proto);
  if (hit) return { ok: true, text: '', container: hit.c, declared: list };
  return { ok: false, text: `port not served: no container of ${pod.metadata.namespace}/${pod.metadata.name} declares ${port}/${proto} (it declares ${list.join(', ')}); the connection is refused`, declared: list };
}
