// `nft monitor trace` lines, as the kernel printed them in a node of examples/shop, read into verdicts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TraceParser, type NetfilterVerdict } from './nftrace.js';

const PKT = 'iif "cali753bda7b457" ether saddr 16:2c:63:00:d8:be ether daddr ee:ee:ee:ee:ee:ee';
const DROPPED = [
  `trace id 96934ad4 inet podnet-trace prerouting packet: ${PKT} ip saddr 10.244.1.4 ip daddr 10.101.0.100 ip dscp cs0 ip ecn not-ect ip ttl 64 ip id 8346 ip protocol tcp ip length 60 tcp sport 36156 tcp dport 80 tcp flags == syn tcp window 64860 `,
  'trace id 96934ad4 inet podnet-trace prerouting rule ct state new meta nftrace set 1 (verdict continue)',
  'trace id 96934ad4 inet podnet-trace prerouting policy accept ',
  'trace id 96934ad4 ip nat PREROUTING rule  counter packets 0 bytes 0 jump KUBE-SERVICES (verdict jump KUBE-SERVICES)',
  `trace id 96934ad4 inet podnet-policy forward packet: ${PKT} oif "cali23832fcd910" ip saddr 10.244.1.4 ip daddr 10.244.1.5 ip dscp cs0 ip ecn not-ect ip ttl 63 ip id 8346 ip protocol tcp ip length 60 tcp sport 36156 tcp dport 80 tcp flags == syn tcp window 64860 `,
  'trace id 96934ad4 inet podnet-policy forward rule iifname vmap @from-pod (verdict jump np-egress-cali753bda7b457)',
  'trace id 96934ad4 inet podnet-policy np-egress-cali753bda7b457 rule counter packets 0 bytes 0 drop comment "production/{allow-dns-egress, deny-all} egress: isolated, no rule allows" (verdict drop)',
];
const ALLOWED = [
  `trace id 300750fc inet podnet-policy forward packet: ${PKT} ip saddr 10.244.1.5 ip daddr 10.244.1.4 ip protocol tcp ip length 60 tcp sport 57952 tcp dport 8080 tcp flags == syn`,
  'trace id 300750fc inet podnet-policy forward rule iifname vmap @from-pod (verdict jump np-egress-cali23832fcd910)',
  'trace id 300750fc inet podnet-policy np-egress-cali23832fcd910 rule ip daddr @np/production/allow-frontend-egress-to-backend/egress/0/v4 tcp dport 8080 counter packets 0 bytes 0 return comment "production/allow-frontend-egress-to-backend egress[0]" (verdict return)',
  'trace id 300750fc inet podnet-policy forward rule oifname vmap @to-pod (verdict jump np-ingress-cali753bda7b457)',
  'trace id 300750fc inet podnet-policy np-ingress-cali753bda7b457 rule ip saddr @np/production/allow-frontend-to-backend/ingress/0/v4 tcp dport 8080 counter packets 0 bytes 0 return comment "production/allow-frontend-to-backend ingress[0]" (verdict return)',
  'trace id 300750fc inet podnet-policy forward policy accept ',
];

test('a dropped SYN: the per-pod chain and the rule whose comment names the policies; the address before DNAT kept', () => {
  const out: NetfilterVerdict[] = [];
  const p = new TraceParser('node-1', (v) => out.push(v));
  for (const l of DROPPED) p.line(l);
  assert.deepEqual(out, [{
    node: 'node-1', trace: '96934ad4', protocol: 'tcp', saddr: '10.244.1.4', daddr: '10.244.1.5', sport: 36156, dport: 80,
    original: { daddr: '10.101.0.100', dport: 80 }, verdict: 'drop', table: 'inet podnet-policy', chain: 'np-egress-cali753bda7b457',
    rule: 'production/{allow-dns-egress, deny-all} egress: isolated, no rule allows',
    rules: [{ chain: 'np-egress-cali753bda7b457', rule: 'counter packets 0 bytes 0 drop comment "production/{allow-dns-egress, deny-all} egress: isolated, no rule allows"', comment: 'production/{allow-dns-egress, deny-all} egress: isolated, no rule allows', verdict: 'drop' }],
  }]);
});

test('an allowed SYN, interleaved with another packet\'s lines: the base chain\'s policy, decided by the rules that returned', () => {
  const out: NetfilterVerdict[] = [];
  const p = new TraceParser('node-1', (v) => out.push(v));
  const lines = DROPPED.flatMap((l, i) => (i < ALLOWED.length ? [ALLOWED[i], l] : [l]));
  for (const l of [...lines, 'not a trace line', 'trace id 1 inet podnet-policy forward rule garbage']) p.line(l);
  assert.deepEqual(out.map((v) => [v.trace, v.verdict, v.chain, v.rule, v.original]), [
    ['300750fc', 'accept', 'forward', 'production/allow-frontend-egress-to-backend egress[0]; production/allow-frontend-to-backend ingress[0]', undefined],
    ['96934ad4', 'drop', 'np-egress-cali753bda7b457', 'production/{allow-dns-egress, deny-all} egress: isolated, no rule allows', { daddr: '10.101.0.100', dport: 80 }],
  ]);
});

test('the parser holds a bounded number of unfinished packets', () => {
  const out: NetfilterVerdict[] = [];
  const p = new TraceParser('node-1', (v) => out.push(v), 2);
  for (const id of ['a', 'b', 'c']) p.line(`trace id ${id} inet podnet-policy forward packet: ip saddr 10.0.0.1 ip daddr 10.0.0.2 ip protocol icmp`);
  for (const id of ['a', 'b', 'c']) p.line(`trace id ${id} inet podnet-policy forward policy accept `);
  // 'a' was let go when 'c' came: its verdict line alone names no packet.
  assert.deepEqual(out.map((v) => [v.trace, v.protocol, v.rule]), [['b', 'icmp', 'policy accept'], ['c', 'icmp', 'policy accept']]);
});
