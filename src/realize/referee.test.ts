// dig's output for several queries in one run, read back per query: the status and A records, a timeout in its place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDigs } from './referee.js';

const OUT = `
; <<>> DiG 9.18.49-1~deb12u3-Debian <<>> +search +time=2 +tries=2 web A nosuch.default.svc.cluster.local A web A
;; global options: +cmd
;; Got answer:
;; WARNING: .local is reserved for Multicast DNS
;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 43235
;; flags: qr aa rd ra; QUERY: 1, ANSWER: 2, AUTHORITY: 0, ADDITIONAL: 1

;; OPT PSEUDOSECTION:
; EDNS: version: 0, flags:; udp: 1232
;; QUESTION SECTION:
;web.default.svc.cluster.local.	IN	A

;; ANSWER SECTION:
web.default.svc.cluster.local. 30 IN	A	10.106.175.246
web.default.svc.cluster.local. 30 IN	A	10.106.175.2

;; Query time: 40 msec
;; MSG SIZE  rcvd: 74

;; Got answer:
;; ->>HEADER<<- opcode: QUERY, status: NXDOMAIN, id: 23105
;; QUESTION SECTION:
;nosuch.default.svc.cluster.local. IN	A

;; AUTHORITY SECTION:
cluster.local.		30	IN	SOA	ns.dns.cluster.local. hostmaster.cluster.local. 1796177003 7200 1800 86400 30

;; communications error to 10.96.0.10#53: timed out
;; communications error to 10.96.0.10#53: timed out
;; no servers could be reached
`;

test('parseDigs: one answer per query, in order: NOERROR with its A records sorted, NXDOMAIN (the SOA is no answer), a timeout', () => {
  assert.deepEqual(parseDigs(OUT), [
    { kind: 'dns', rcode: 'NOERROR', answers: ['10.106.175.2', '10.106.175.246'] },
    { kind: 'dns', rcode: 'NXDOMAIN', answers: [] },
    { kind: 'dns', rcode: 'TIMEOUT', answers: [], detail: 'dig: no reply from the server' },
  ]);
  assert.deepEqual(parseDigs(''), []);
});
