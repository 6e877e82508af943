// What a lab pod offers the shell: its network tools (the lab's exec from that pod, with the tool's own output only:
// podnet's explanation is left out, as a real pod prints none), its hostname, the files kubelet writes into it
// (/etc/resolv.conf from the DNS model, /etc/hosts, /etc/hostname) and the environment kubelet sets.
import { formatEtcHosts, formatResolvConf, podEtcHosts } from '../../dns/index.js';
import type { Lab } from '../../serve/lab.js';
import type { ExecResult } from '../../serve/lab/exec.js';
import type { ShellHost } from './shell.js';

type Obj = Record<string, any>;

export function podHost(lab: Lab, namespace: string, name: string): ShellHost {
  const snap = lab.snapshot;
  const pod = snap.cluster.get<Obj>('Pod', namespace, name) ?? { metadata: { name, namespace }, spec: {} };
  const hostname = pod.spec?.hostname ?? name;
  const kubernetes = snap.cluster.get<Obj>('Service', 'default', 'kubernetes');
  const run = async (argv: string[]): Promise<ExecResult> => {
    const r = await lab.exec(`${namespace}/${name}`, argv);
    const explanation = r.explanation && r.stderr.endsWith(r.explanation) ? r.explanation : '';
    return { ...r, stderr: r.stderr.slice(0, r.stderr.length - explanation.length) };
  };
  return {
    hostname,
    files: {
      '/etc/resolv.conf': formatResolvConf(snap.dns.resolvConf({ namespace, name })),
      '/etc/hosts': formatEtcHosts(podEtcHosts(pod, snap.cluster.config.clusterDomain)),
      '/etc/hostname': `${hostname}\n`,
    },
    env: {
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOSTNAME: hostname, HOME: '/root',
      ...(kubernetes?.spec?.clusterIP ? { KUBERNETES_SERVICE_HOST: kubernetes.spec.clusterIP, KUBERNETES_SERVICE_PORT: '443', KUBERNETES_PORT: `tcp://${kubernetes.spec.clusterIP}:443` } : {}),
    },
    tool: run,
  };
}
