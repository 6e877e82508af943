import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE, run } from './printers/testing.js';

const INGRESS = `---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: my-app
  namespace: production
spec:
  ingressClassName: nginx
  tls:
  - hosts: [my-app.example.com]
    secretName: my-app-tls
  rules:
  - host: my-app.example.com
    http:
      paths:
      - path: /api
        pathType: Prefix
        backend:
          service: {name: backend, port: {number: 8080}}
      - path: /old
        pathType: Prefix
        backend:
          service: {name: gone, port: {name: http}}
`;

let dir = '';
let file = '';
let ingressFile = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'podnet-describe-'));
  file = join(dir, 'fixture.yaml');
  writeFileSync(file, FIXTURE);
  // An Ingress brings its controller's data plane into the cluster, so it gets a file of its own.
  ingressFile = join(dir, 'ingress.yaml');
  writeFileSync(ingressFile, FIXTURE + INGRESS);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const describe = (...args: string[]) => run(['describe', ...args, '-f', file]);
const lines = (...l: string[]) => l.join('\n') + '\n';

test('describe networkpolicy prints kubectl\'s NetworkPolicy description', async () => {
  const r = await describe('networkpolicy', 'allow-frontend-to-backend', '-n', 'production');
  assert.equal(r.code, 0);
  assert.equal(r.out, lines(
    'Name:         allow-frontend-to-backend',
    'Namespace:    production',
    'Created on:   0001-01-01 00:00:00 +0000 UTC',
    'Labels:       <none>',
    'Annotations:  <none>',
    'Spec:',
    '  PodSelector:     app=backend',
    '  Allowing ingress traffic:',
    '    To Port: 8080/TCP',
    '    From:',
    '      PodSelector: app=frontend',
    '  Not affecting egress traffic',
    '  Policy Types: Ingress',
  ));
});

test('describe service: ports, target ports, node ports and endpoints from the EndpointSlices', async () => {
  assert.equal((await describe('svc', 'backend', '-n', 'production')).out, lines(
    'Name:                     backend',
    'Namespace:                production',
    'Labels:                   <none>',
    'Annotations:              <none>',
    'Selector:                 app=backend',
    'Type:                     ClusterIP',
    'IP Family Policy:         SingleStack',
    'IP Families:              IPv4',
    'IP:                       10.108.90.214',
    'IPs:                      10.108.90.214',
    'Port:                     http  8080/TCP',
    'TargetPort:               http/TCP',
    'Endpoints:                10.244.1.3:8080,10.244.2.3:8080',
    'Session Affinity:         None',
    'Internal Traffic Policy:  Cluster',
    'Events:                   <none>',
  ));
  const web = (await describe('service/web', '-n', 'production')).out;
  assert.match(web, /\nPort: {21}<unset> {2}80\/TCP\nTargetPort: {15}8080\/TCP\nNodePort: {17}<unset> {2}30080\/TCP\nEndpoints: {16}\n/);
  assert.match(web, /\nExternal Traffic Policy: {2}Cluster\n/);
});

test('describe pod: node, IPs, controller, containers, conditions', async () => {
  const r = await describe('pod', 'backend-576cdc5cbc-4rlx8', '-n', 'production');
  assert.equal(r.out, lines(
    'Name:             backend-576cdc5cbc-4rlx8',
    'Namespace:        production',
    'Service Account:  default',
    'Node:             node-1/10.0.1.10',
    'Labels:           app=backend',
    '                  pod-template-hash=576cdc5cbc',
    'Annotations:      <none>',
    'Status:           Running',
    'IP:               10.244.1.3',
    'IPs:',
    '  IP:           10.244.1.3',
    'Controlled By:  ReplicaSet/backend-576cdc5cbc',
    'Containers:',
    '  backend:',
    '    Container ID:   ',
    '    Image:          registry.example/backend:1.4',
    '    Image ID:       ',
    '    Port:           8080/TCP (http)',
    '    Host Port:      0/TCP (http)',
    '    State:          Running',
    '      Started:      Mon, 01 Jan 0001 00:00:00 +0000',
    '    Ready:          True',
    '    Restart Count:  0',
    '    Environment:    <none>',
    '    Mounts:         <none>',
    'Conditions:',
    '  Type                        Status',
    '  PodReadyToStartContainers   True ',
    '  Initialized                 True ',
    '  Ready                       True ',
    '  ContainersReady             True ',
    '  PodScheduled                True ',
    'Volumes:                      <none>',
    'QoS Class:                    BestEffort',
    'Node-Selectors:               <none>',
    'Tolerations:                  <none>',
    'Events:                       <none>',
  ));
});

test('describe deployment: replicas, strategy, pod template, conditions, ReplicaSets', async () => {
  assert.equal((await describe('deploy', 'backend', '-n', 'production')).out, lines(
    'Name:                   backend',
    'Namespace:              production',
    'CreationTimestamp:      Mon, 01 Jan 0001 00:00:00 +0000',
    'Labels:                 app=backend',
    'Annotations:            <none>',
    'Selector:               app=backend',
    'Replicas:               2 desired | 2 updated | 2 total | 2 available | 0 unavailable',
    'StrategyType:           RollingUpdate',
    'MinReadySeconds:        0',
    'RollingUpdateStrategy:  25% max unavailable, 25% max surge',
    'Pod Template:',
    '  Labels:           app=backend',
    '  Service Account:  default',
    '  Containers:',
    '   backend:',
    '    Image:         registry.example/backend:1.4',
    '    Port:          8080/TCP (http)',
    '    Host Port:     0/TCP (http)',
    '    Environment:   <none>',
    '    Mounts:        <none>',
    '  Volumes:         <none>',
    '  Node-Selectors:  <none>',
    '  Tolerations:     <none>',
    'Conditions:',
    '  Type           Status  Reason',
    '  ----           ------  ------',
    '  Available      True    MinimumReplicasAvailable',
    '  Progressing    True    NewReplicaSetAvailable',
    'OldReplicaSets:  <none>',
    'NewReplicaSet:   backend-576cdc5cbc (2/2 replicas created)',
    'Events:          <none>',
  ));
});

test('describe endpoints, endpointslice and namespace', async () => {
  assert.equal((await describe('ep', 'backend', '-n', 'production')).out, lines(
    'Name:         backend',
    'Namespace:    production',
    'Labels:       <none>',
    'Annotations:  <none>',
    'Subsets:',
    '  Addresses:          10.244.1.3,10.244.2.3',
    '  NotReadyAddresses:  <none>',
    '  Ports:',
    '    Name  Port  Protocol',
    '    ----  ----  --------',
    '    http  8080  TCP',
    '',
    'Events:  <none>',
  ));
  const slice = (await describe('endpointslices', 'backend-', '-n', 'production')).out;
  assert.match(slice, /^Name: {9}backend-7sc24\n/);
  assert.match(slice, /\nEndpoints:\n {2}- Addresses: {2}10\.244\.1\.3\n {4}Conditions:\n {6}Ready: {4}true\n {4}Hostname: {3}<unset>\n {4}TargetRef: {2}Pod\/backend-576cdc5cbc-4rlx8\n {4}NodeName: {3}node-1\n {4}Zone: {7}zone-a\n/);
  assert.equal((await describe('ns', 'production')).out, lines(
    'Name:         production',
    'Labels:       kubernetes.io/metadata.name=production',
    'Annotations:  <none>',
    'Status:       Active',
    '',
    'No resource quota.',
    '',
    'No LimitRange resource.',
  ));
});

test('describe ingress: TLS, rules with backends and their endpoints, missing Services', async () => {
  const r = await run(['describe', 'ing', 'my-app', '-n', 'production', '-f', ingressFile]);
  const backends = (await run(['get', 'ep', 'backend', '-n', 'production', '-o', 'json', '-f', ingressFile])).out;
  const ips = (JSON.parse(backends).subsets[0].addresses as { ip: string }[]).map((a) => `${a.ip}:8080`).join(',');
  assert.equal(r.out, lines(
    'Name:             my-app',
    'Labels:           <none>',
    'Namespace:        production',
    'Address:          172.18.255.200',
    'Ingress Class:    nginx',
    'Default backend:  <default>',
    'TLS:',
    '  my-app-tls terminates my-app.example.com',
    'Rules:',
    '  Host                Path  Backends',
    '  ----                ----  --------',
    '  my-app.example.com  ',
    `                      /api   backend:8080 (${ips})`,
    '                      /old   gone:http (<error: services "gone" not found>)',
    'Annotations:          <none>',
    'Events:               <none>',
  ));
});

test('describe by name prefix, several objects separated by two blank lines, and NotFound', async () => {
  const r = await describe('svc', '-n', 'production');
  assert.equal(r.out.split('\n\n\nName:').length, 2);
  const prefix = await describe('pod', 'backend', '-n', 'production');
  assert.equal(prefix.out.match(/^Name: /gm)?.length, 2);
  assert.deepEqual(await describe('pod', 'nope', '-n', 'production'), { code: 1, out: '', err: 'Error from server (NotFound): pods "nope" not found\n' });
  assert.deepEqual(await describe('svc', '-n', 'kube-public'), { code: 0, out: '', err: 'No resources found in kube-public namespace.\n' });
});
