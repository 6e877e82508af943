// `podnet exec` tools against a live lab (examples/shop plus a pod that may send nothing): exact stdout, the tool's own
// stderr and exit code for every flag family and failure, as curl 8.5, BusyBox wget, BIND 9.18 dig/nslookup and
// OpenBSD nc print them. The clock is frozen (meter speeds, -w times, dig's Query time and WHEN are fixed) and every
// random draw is seeded; the virtual pods' `Date:` header and the SOA serial are the only values normalised.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { Lab } from '../lab.js';
import { execInPod, type ExecContext, type ExecResult } from './exec.js';

let lab: Lab;
let F: string, B: string, P: string, BIP: string, FIP: string, backendPod: { name: string; ip: string };

before(async () => {
  lab = await Lab.start({ paths: ['examples/shop', 'src/serve/lab/testdata/sealed.yaml'], dnsPort: 0, httpPort: 0, httpsPort: 0, graceMs: 500, nodePortsAtNodePort: false });
  const pods = (ns: string, p: string) => lab.snapshot.cluster.pods(ns).map((x) => `${ns}/${x.metadata.name}`).filter((n) => n.startsWith(`${ns}/${p}-`)).sort();
  [F] = pods('production', 'frontend');
  [B] = pods('production', 'backend');
  [P] = pods('sealed', 'probe');
  const ip = (kind: string, ns: string, name: string) => lab.snapshot.cluster.get<{ spec: { clusterIP: string }; status: { podIP: string } }>(kind, ns, name)!;
  BIP = ip('Service', 'production', 'backend').spec.clusterIP;
  FIP = ip('Service', 'production', 'frontend').spec.clusterIP;
  const last = pods('production', 'backend').at(-1)!;
  backendPod = { name: last, ip: ip('Pod', 'production', last.split('/')[1]).status.podIP };
});
after(async () => { await lab.close(); });

const ctx = (): ExecContext => ({
  snapshot: lab.snapshot, addressOf: (ip, port) => lab.fleet.addressOf(ip, port), record: (f) => lab.flows.record(f),
  seed: () => 12345, clock: () => 1000, wallClock: () => Date.UTC(2026, 0, 2, 3, 4, 5),
});

/** The tool's own stderr: podnet's explanation is the tail. */
const toolErr = (r: ExecResult) => r.stderr.slice(0, r.stderr.length - (r.explanation?.length ?? 0));
const norm = (s: string) => s.replace(/Date: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT/g, 'Date: D').replace(/(hostmaster\.cluster\.local\. )\d+/g, '$1SERIAL');
const who = (w: string) => ({ F, B, P })[w]!;

interface Case { name: string; pod: 'F' | 'B' | 'P'; argv: () => string[]; out: () => string; err: () => string; code: number; explain?: () => RegExp }

async function check(c: Case): Promise<ExecResult> {
  const r = await execInPod(ctx(), who(c.pod), c.argv());
  assert.deepEqual({ out: norm(r.stdout), err: norm(toolErr(r)), code: r.exitCode }, { out: c.out(), err: c.err(), code: c.code }, c.name);
  if (c.explain) assert.match(r.explanation ?? '', c.explain(), c.name);
  return r;
}

const METER = '  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n                                 Dload  Upload   Total   Spent    Left  Speed\n\r  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0';
const HI_HEAD = 'HTTP/1.1 200 OK\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 2\r\nDate: D\r\nConnection: keep-alive\r\nKeep-Alive: timeout=65\r\n\r\n';
const resolved = (host: string, ip: string, port: number) => `* Host ${host}:${port} was resolved.\n* IPv6: (none)\n* IPv4: ${ip}\n*   Trying ${ip}:${port}...\n`;
const request = (method: string, path: string, host: string, extra = '') => `> ${method} ${path} HTTP/1.1\r\n> Host: ${host}\r\n> User-Agent: curl/8.5.0\r\n> Accept: */*\r\n${extra}> \r\n`;
const TRY = "curl: try 'curl --help' or 'curl --manual' for more information\n";
const api = 'http://backend.production:8080';

const CURL: Case[] = [
  { name: 'body', pod: 'F', argv: () => ['curl', '-s', `${api}/echo?msg=hi`], out: () => 'hi', err: () => '', code: 0 },
  { name: 'progress meter without -s', pod: 'F', argv: () => ['curl', `${api}/echo?msg=hi`], out: () => 'hi', err: () => `${METER}\r100     2  100     2    0     0  1953k      0 --:--:-- --:--:-- --:--:-- 1953k\n`, code: 0 },
  {
    name: '-v', pod: 'F', argv: () => ['curl', '-sv', `${api}/echo?msg=hi`], out: () => 'hi', code: 0,
    err: () => `${resolved('backend.production', BIP, 8080)}* Connected to backend.production (${BIP}) port 8080\n${request('GET', '/echo?msg=hi', 'backend.production:8080')}${HI_HEAD.replace(/^(.*)\r\n/gm, '< $1\r\n')}{ [2 bytes data]\n* Connection #0 to host backend.production left intact\n`,
  },
  { name: '-sI', pod: 'F', argv: () => ['curl', '-sI', `${api}/echo?msg=hi`], out: () => HI_HEAD, err: () => '', code: 0 },
  { name: '-si', pod: 'F', argv: () => ['curl', '-si', `${api}/echo?msg=hi`], out: () => `${HI_HEAD}hi`, err: () => '', code: 0 },
  { name: '-sSf on 503', pod: 'F', argv: () => ['curl', '-sSf', `${api}/echo?code=503&msg=down`], out: () => '', err: () => 'curl: (22) The requested URL returned error: 503\n', code: 22 },
  { name: '-sf is silent', pod: 'F', argv: () => ['curl', '-sf', `${api}/echo?code=503`], out: () => '', err: () => '', code: 22 },
  { name: '-f with the meter', pod: 'F', argv: () => ['curl', '-f', `${api}/echo?code=404&msg=no`], out: () => '', err: () => `${METER}\r  0     2    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0\ncurl: (22) The requested URL returned error: 404\n`, code: 22 },
  { name: '-sif writes the headers, then fails', pod: 'F', argv: () => ['curl', '-sif', `${api}/echo?code=500&msg=x`], out: () => 'HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 1\r\nDate: D\r\nConnection: keep-alive\r\nKeep-Alive: timeout=65\r\n\r\n', err: () => '', code: 22 },
  {
    name: '-so /dev/null -w', pod: 'F', code: 0, err: () => '',
    argv: () => ['curl', '-so', '/dev/null', '-w', '%{http_code} %{response_code} %{remote_ip}:%{remote_port} %{local_ip} %{size_download} %{size_header} %{size_request} %{url_effective} %{exitcode} %{method} %{scheme} %{http_version} %{num_headers} %{content_type} %{time_total} %{speed_download}|%{redirect_url}|%header{content-length}|%%\\t\\n', `${api}/echo?msg=hello`],
    out: () => `200 200 ${BIP}:8080 10.244.1.5 5 164 100 ${api}/echo?msg=hello 0 GET HTTP 1.1 5 text/plain; charset=utf-8 0.000000 5000000||5|%\t\n`,
  },
  { name: '-o FILE: discarded, meter shown, said so', pod: 'F', argv: () => ['curl', '-o', 'page.html', `${api}/echo?msg=hello`], out: () => '', err: () => `${METER}\r100     5  100     5    0     0  4882k      0 --:--:-- --:--:-- --:--:-- 4882k\n`, code: 0, explain: () => /podnet: -o page\.html: the pod's filesystem is not modelled; the 5-byte body was discarded\n$/ },
  { name: '-L follows', pod: 'F', argv: () => ['curl', '-sL', '-w', '\\n%{num_redirects} %{url_effective}\\n', `${api}/redirect?location=/echo%3Fmsg%3Dthere`], out: () => `there\n1 ${api}/echo?msg=there\n`, err: () => '', code: 0 },
  { name: 'no -L: redirect_url', pod: 'F', argv: () => ['curl', '-sS', '-w', '%{http_code} %{redirect_url}\\n', `${api}/redirect?location=/echo%3Fmsg%3Dthere`], out: () => `303 ${api}/echo?msg=there\n`, err: () => '', code: 0 },
  { name: '--max-redirs', pod: 'F', argv: () => ['curl', '-sSL', '--max-redirs', '1', `${api}/redirect?location=/redirect%3Flocation%3D/echo`], out: () => '', err: () => 'curl: (47) Maximum (1) redirects followed\n', code: 47 },
  {
    name: '-vL re-uses the connection', pod: 'F', argv: () => ['curl', '-sSvL', `${api}/redirect?location=/echo%3Fmsg%3Dok`], out: () => 'ok', code: 0,
    err: () => `${resolved('backend.production', BIP, 8080)}* Connected to backend.production (${BIP}) port 8080\n${request('GET', '/redirect?location=/echo%3Fmsg%3Dok', 'backend.production:8080')}`
      + '< HTTP/1.1 303 See Other\r\n< location: /echo?msg=ok\r\n< Date: D\r\n< Connection: keep-alive\r\n< Keep-Alive: timeout=65\r\n< Transfer-Encoding: chunked\r\n< \r\n* Ignoring the response-body\n{ [5 bytes data]\n'
      + `* Connection #0 to host backend.production left intact\n* Issue another request to this URL: '${api}/echo?msg=ok'\n* Re-using existing connection with host backend.production\n${request('GET', '/echo?msg=ok', 'backend.production:8080')}`
      + `${HI_HEAD.replace(/^(.*)\r\n/gm, '< $1\r\n')}{ [2 bytes data]\n* Connection #0 to host backend.production left intact\n`,
  },
  {
    name: '-X -d -H', pod: 'F', argv: () => ['curl', '-sv', '-X', 'PUT', '-d', 'a=1', '-d', 'b=2', '-H', 'X-Trace: 7', '-H', 'User-Agent:', `${api}/echo?msg=ok`], out: () => 'ok', code: 0,
    err: () => `${resolved('backend.production', BIP, 8080)}* Connected to backend.production (${BIP}) port 8080\n> PUT /echo?msg=ok HTTP/1.1\r\n> Host: backend.production:8080\r\n> Accept: */*\r\n> X-Trace: 7\r\n> Content-Length: 7\r\n> Content-Type: application/x-www-form-urlencoded\r\n> \r\n} [7 bytes data]\n${HI_HEAD.replace(/^(.*)\r\n/gm, '< $1\r\n')}{ [2 bytes data]\n* Connection #0 to host backend.production left intact\n`,
  },
  { name: '-A and -H reach the pod', pod: 'F', argv: () => ['curl', '-s', '-A', 'probe/1', '-H', 'X-Team: blue', '-w', ' %{size_request}', `${api}/header?key=user-agent`], out: () => 'probe/1 118', err: () => '', code: 0 },
  {
    name: '--resolve', pod: 'F', argv: () => ['curl', '-sv', '--resolve', `api.test:8080:${BIP}`, 'http://api.test:8080/echo?msg=hi'], out: () => 'hi', code: 0,
    err: () => `* Added api.test:8080:${BIP} to DNS cache\n* Hostname api.test was found in DNS cache\n*   Trying ${BIP}:8080...\n* Connected to api.test (${BIP}) port 8080\n${request('GET', '/echo?msg=hi', 'api.test:8080')}${HI_HEAD.replace(/^(.*)\r\n/gm, '< $1\r\n')}{ [2 bytes data]\n* Connection #0 to host api.test left intact\n`,
  },
  { name: '-4', pod: 'F', argv: () => ['curl', '-s4', `${api}/echo?msg=v4`], out: () => 'v4', err: () => '', code: 0 },
  { name: '-6 on an IPv4 cluster', pod: 'F', argv: () => ['curl', '-sS6', `${api}/`], out: () => '', err: () => 'curl: (6) Could not resolve host: backend.production\n', code: 6 },
  {
    name: 'dropped: the kernel gives up after 127 s', pod: 'B', argv: () => ['curl', '-sSv', 'http://frontend.production'], out: () => '', code: 28,
    err: () => `${resolved('frontend.production', FIP, 80)}* connect to ${FIP} port 80 from 10.244.2.3 port 45113 failed: Connection timed out\n* Failed to connect to frontend.production port 80 after 127000 ms: Couldn't connect to server\n* Closing connection\ncurl: (28) Failed to connect to frontend.production port 80 after 127000 ms: Couldn't connect to server\n(denied by production/allow-dns-egress, production/deny-all)\n`,
    explain: () => /DROPPED at policy-egress[^]*a real curl waits 127 s for it/,
  },
  { name: '--connect-timeout', pod: 'B', argv: () => ['curl', '-sS', '--connect-timeout', '2', 'http://frontend.production'], out: () => '', err: () => 'curl: (28) Connection timed out after 2000 milliseconds\n(denied by production/allow-dns-egress, production/deny-all)\n', code: 28 },
  { name: '-m with -w', pod: 'B', argv: () => ['curl', '-sS', '-m', '1.5', '-w', '%{http_code} %{time_total} %{exitcode} %{errormsg}\\n', 'http://frontend.production'], out: () => '000 1.500000 28 Connection timed out after 1500 milliseconds\n', err: () => 'curl: (28) Connection timed out after 1500 milliseconds\n(denied by production/allow-dns-egress, production/deny-all)\n', code: 28 },
  { name: 'no DNS egress: could not resolve', pod: 'P', argv: () => ['curl', '-sS', `${api}/`], out: () => '', err: () => 'curl: (6) Could not resolve host: backend.production\n(denied by sealed/deny-egress)\n', code: 6, explain: () => /a real resolver gives up after 20 s/ },
  { name: 'no DNS egress with -m', pod: 'P', argv: () => ['curl', '-sS', '-m', '3', `${api}/`], out: () => '', err: () => 'curl: (28) Resolving timed out after 3000 milliseconds\n(denied by sealed/deny-egress)\n', code: 28 },
  { name: 'NXDOMAIN', pod: 'F', argv: () => ['curl', '-sSv', 'http://nope/'], out: () => '', err: () => '* Could not resolve host: nope\n* Closing connection\ncurl: (6) Could not resolve host: nope\n', code: 6 },
  {
    name: 'loopback, nothing listening: refused, no policy', pod: 'F', argv: () => ['curl', '-sSv', 'http://127.0.0.1:7070/'], out: () => '', code: 7,
    err: () => "*   Trying 127.0.0.1:7070...\n* connect to 127.0.0.1 port 7070 from 127.0.0.1 port 45113 failed: Connection refused\n* Failed to connect to 127.0.0.1 port 7070 after 0 ms: Couldn't connect to server\n* Closing connection\ncurl: (7) Failed to connect to 127.0.0.1 port 7070 after 0 ms: Couldn't connect to server\n",
    explain: () => /own loopback \(lo in the pod's network namespace, shared by its containers\): the packet never leaves the pod, so no kube-proxy rule, NetworkPolicy or CNI sees it\n 2\. \[deliver\] node-1: REJECTED: nothing listens on 127\.0\.0\.1:7070\/TCP/,
  },
  { name: 'loopback to the pod\'s own port', pod: 'B', argv: () => ['curl', '-s', 'http://localhost:8080/echo?msg=self'], out: () => 'self', err: () => '', code: 0, explain: () => /delivered on loopback to production\/backend-\S+ 127\.0\.0\.1:8080\/TCP \(container api\)/ },
  { name: 'https to a plain pod', pod: 'F', argv: () => ['curl', '-sS', `https://backend.production:8080/`], out: () => '', err: () => 'curl: (35) OpenSSL/3.0.13: error:0A00010B:SSL routines::wrong version number\n(production/backend-6974c594d6-t82mf serves plain HTTP on 8080)\n', code: 35 },
  { name: 'no host', pod: 'F', argv: () => ['curl', '-sS', 'http://:80/'], out: () => '', err: () => 'curl: (3) URL rejected: No host part in the URL\n', code: 3 },
  { name: 'bad port', pod: 'F', argv: () => ['curl', '-sS', 'http://backend:99999/'], out: () => '', err: () => 'curl: (3) URL rejected: Port number was not a decimal number between 0 and 65535\n', code: 3 },
  { name: 'ftp', pod: 'F', argv: () => ['curl', '-sS', 'ftp://backend/'], out: () => '', err: () => 'curl: (1) Protocol "ftp" not supported or disabled in libcurl\n', code: 1 },
  { name: '--opt=value is unknown to curl', pod: 'F', argv: () => ['curl', '--max-time=5', 'http://x'], out: () => '', err: () => `curl: option --max-time=5: is unknown\n${TRY}curl: the podnet lab's curl supports -s/--silent, -S/--show-error, -v/--verbose, -i/--include, -I/--head, -o/--output FILE, -w/--write-out FORMAT, -f/--fail, -L/--location, --max-redirs NUM, -m/--max-time SECONDS, --connect-timeout SECONDS, -X/--request METHOD, -H/--header "NAME: VALUE", -A/--user-agent NAME, -d/--data DATA, --data-raw DATA, --data-binary DATA, -k/--insecure, --resolve HOST:PORT:ADDR, -4/--ipv4, -6/--ipv6\n`, code: 2 },
  { name: 'unsupported short flag in a cluster', pod: 'F', argv: () => ['curl', '-sZ', 'http://x'], out: () => '', err: () => `curl: option -Z: is unknown\n${TRY}` + "curl: the podnet lab's curl supports -s/--silent, -S/--show-error, -v/--verbose, -i/--include, -I/--head, -o/--output FILE, -w/--write-out FORMAT, -f/--fail, -L/--location, --max-redirs NUM, -m/--max-time SECONDS, --connect-timeout SECONDS, -X/--request METHOD, -H/--header \"NAME: VALUE\", -A/--user-agent NAME, -d/--data DATA, --data-raw DATA, --data-binary DATA, -k/--insecure, --resolve HOST:PORT:ADDR, -4/--ipv4, -6/--ipv6\n", code: 2 },
  { name: 'bad number', pod: 'F', argv: () => ['curl', '-m', 'abc', 'http://x'], out: () => '', err: () => `curl: option -m: expected a proper numerical parameter\n${TRY}`, code: 2 },
  { name: 'missing value', pod: 'F', argv: () => ['curl', '-sS', 'http://x', '-o'], out: () => '', err: () => `curl: option -o: requires parameter\n${TRY}`, code: 2 },
  { name: 'no URL', pod: 'F', argv: () => ['curl', '-s'], out: () => '', err: () => `curl: no URL specified!\n${TRY}`, code: 2 },
  { name: '-I with -d', pod: 'F', argv: () => ['curl', '-I', '-d', 'x', 'http://x'], out: () => '', err: () => 'Warning: You can only select one HTTP request method! You asked for both POST \nWarning: (-d, --data) and HEAD (-I, --head).\n', code: 2 },
  { name: 'bad --resolve', pod: 'F', argv: () => ['curl', '-sS', '--resolve', 'bad', 'http://x'], out: () => '', err: () => "curl: (49) Couldn't parse CURLOPT_RESOLVE entry 'bad'\n", code: 49 },
  { name: '-d @file', pod: 'F', argv: () => ['curl', '-d', '@body.json', 'http://x'], out: () => '', err: () => `curl: option -d: @body.json reads a file in the pod, which the podnet lab does not model (use --data-raw or -d 'text')\n${TRY}`, code: 2 },
  { name: 'unknown -w variable', pod: 'F', argv: () => ['curl', '-s', '-w', '%{bogus}%{json}|%{http_code}\\n', `${api}/echo?msg=`], out: () => '|200\n', err: () => "curl: unknown --write-out variable: 'bogus'\ncurl: --write-out variable 'json' is not emulated by the podnet lab\n", code: 0 },
];

for (const c of CURL) test(`curl: ${c.name}`, async () => { await check(c); });

test('curl: an answer that never comes is cut by -m (28, 0 bytes received)', async () => {
  lab.setFault(backendPod.name, { kind: 'hang', percent: 100 });
  try {
    await check({ name: 'hang', pod: 'F', argv: () => ['curl', '-sS', '-m', '0.3', `http://${backendPod.ip}:8080/x`], out: () => '', err: () => 'curl: (28) Operation timed out after 300 milliseconds with 0 bytes received\n', code: 28 });
  } finally { lab.setFault(backendPod.name, null); }
});

const WGET_USAGE = 'BusyBox v1.36.1 (2024-06-10 07:11:47 UTC) multi-call binary.\n\nUsage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n\t[--post-data STR | --post-file FILE] [-Y on/off]\n\t[--no-check-certificate] [-P DIR] [-U AGENT] [-T SEC] URL...\n\nRetrieve files via HTTP or FTP\n';
const WGET: Case[] = [
  { name: '-qO-', pod: 'F', argv: () => ['wget', '-qO-', `${api}/echo?msg=hi`], out: () => 'hi', err: () => '', code: 0 },
  { name: '-O-', pod: 'F', argv: () => ['wget', '-O-', `${api}/echo?msg=hi`], out: () => 'hi', err: () => `Connecting to backend.production:8080 (${BIP}:8080)\nwriting to stdout\n-                    100% |********************************|     2  0:00:00 ETA\nwritten to stdout\n`, code: 0 },
  { name: 'to a file: discarded, said so', pod: 'F', argv: () => ['wget', `${api}/echo?msg=hi`], out: () => '', err: () => `Connecting to backend.production:8080 (${BIP}:8080)\nsaving to 'echo'\necho                 100% |********************************|     2  0:00:00 ETA\n'echo' saved\n`, code: 0, explain: () => /podnet: echo: the pod's filesystem is not modelled; the 2-byte body was discarded/ },
  { name: '503', pod: 'F', argv: () => ['wget', '-qO-', `${api}/echo?code=503`], out: () => '', err: () => 'wget: server returned error: HTTP/1.1 503 Service Unavailable\n', code: 1 },
  { name: '--spider', pod: 'F', argv: () => ['wget', '--spider', `${api}/echo?msg=hi`], out: () => '', err: () => `Connecting to backend.production:8080 (${BIP}:8080)\nremote file exists\n`, code: 0 },
  { name: '-S and --timeout=N', pod: 'F', argv: () => ['wget', '-S', '-qO-', '--timeout=3', `${api}/echo?msg=hi`], out: () => 'hi', err: () => '  HTTP/1.1 200 OK\n  content-type: text/plain; charset=utf-8\n  content-length: 2\n  Date: D\n  Connection: close\n  \n', code: 0 },
  { name: 'refused on loopback', pod: 'F', argv: () => ['wget', '-O-', 'http://127.0.0.1:9090/'], out: () => '', err: () => "Connecting to 127.0.0.1:9090 (127.0.0.1:9090)\nwget: can't connect to remote host (127.0.0.1): Connection refused\n", code: 1 },
  { name: 'dropped', pod: 'B', argv: () => ['wget', '-qO-', 'http://frontend.production/'], out: () => '', err: () => `wget: can't connect to remote host (${FIP}): Connection timed out\n(denied by production/allow-dns-egress, production/deny-all)\n`, code: 1 },
  { name: 'dropped with -T', pod: 'B', argv: () => ['wget', '-qO-', '-T', '2', 'http://frontend.production/'], out: () => '', err: () => 'wget: download timed out\n(denied by production/allow-dns-egress, production/deny-all)\n', code: 1 },
  { name: 'redirect', pod: 'F', argv: () => ['wget', '-qO-', `${api}/redirect?location=/echo%3Fmsg%3Dmoved`], out: () => 'moved', err: () => '', code: 0 },
  { name: 'bad address', pod: 'P', argv: () => ['wget', '-qO-', `${api}/`], out: () => '', err: () => "wget: bad address 'backend.production'\n", code: 1 },
  { name: 'invalid option', pod: 'F', argv: () => ['wget', '-Z', 'http://x'], out: () => '', err: () => `wget: invalid option -- 'Z'\n${WGET_USAGE}`, code: 1 },
  { name: 'unrecognized long option', pod: 'F', argv: () => ['wget', '--mirror', 'http://x'], out: () => '', err: () => `wget: unrecognized option '--mirror'\n${WGET_USAGE}`, code: 1 },
];
for (const c of WGET) test(`wget: ${c.name}`, async () => { await check(c); });

const DIG_USAGE = 'Usage:  dig [@global-server] [domain] [q-type] [q-class] {q-opt}\n            {global-d-opt} host [@local-server] {local-d-opt}\n            [ host [@local-server] {local-d-opt} [...]]\n\nUse "dig -h" (or "dig -h | more") for complete list of options\n';
const MDNS = ';; WARNING: .local is reserved for Multicast DNS\n;; You are currently testing what happens when an mDNS query is leaked to DNS\n';
const STATS = (size: number) => `;; Query time: 0 msec\n;; SERVER: 10.96.0.10#53(10.96.0.10) (UDP)\n;; WHEN: Fri Jan 02 03:04:05 UTC 2026\n;; MSG SIZE  rcvd: ${size}\n\n`;
const DIG: Case[] = [
  {
    name: 'a full answer', pod: 'F', argv: () => ['dig', 'backend.production.svc.cluster.local'], err: () => '', code: 0,
    out: () => `\n; <<>> DiG 9.18.28 <<>> backend.production.svc.cluster.local\n;; global options: +cmd\n;; Got answer:\n${MDNS};; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 12345\n;; flags: qr aa rd; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1\n;; WARNING: recursion requested but not available\n\n;; OPT PSEUDOSECTION:\n; EDNS: version: 0, flags:; udp: 1232\n;; QUESTION SECTION:\n;backend.production.svc.cluster.local. IN A\n\n;; ANSWER SECTION:\nbackend.production.svc.cluster.local. 30 IN A\t${BIP}\n\n${STATS(81)}`,
  },
  {
    name: 'NXDOMAIN', pod: 'F', argv: () => ['dig', 'nope.production.svc.cluster.local'], err: () => '', code: 0,
    out: () => `\n; <<>> DiG 9.18.28 <<>> nope.production.svc.cluster.local\n;; global options: +cmd\n;; Got answer:\n${MDNS};; ->>HEADER<<- opcode: QUERY, status: NXDOMAIN, id: 12345\n;; flags: qr aa rd; QUERY: 1, ANSWER: 0, AUTHORITY: 1, ADDITIONAL: 1\n;; WARNING: recursion requested but not available\n\n;; OPT PSEUDOSECTION:\n; EDNS: version: 0, flags:; udp: 1232\n;; QUESTION SECTION:\n;nope.production.svc.cluster.local. IN\tA\n\n;; AUTHORITY SECTION:\ncluster.local.\t\t30\tIN\tSOA\tns.dns.cluster.local. hostmaster.cluster.local. SERIAL 7200 1800 86400 30\n\n${STATS(116)}`,
  },
  {
    name: 'forwarded upstream: SERVFAIL in the lab', pod: 'F', argv: () => ['dig', '@10.96.0.10', 'nothere'], err: () => '', code: 0, explain: () => /CoreDNS forwards nothere\. to 10\.0\.0\.2; the lab sends no DNS outside the cluster/,
    out: () => `\n; <<>> DiG 9.18.28 <<>> @10.96.0.10 nothere\n; (1 server found)\n;; global options: +cmd\n;; Got answer:\n;; ->>HEADER<<- opcode: QUERY, status: SERVFAIL, id: 12345\n;; flags: qr rd; QUERY: 1, ANSWER: 0, AUTHORITY: 0, ADDITIONAL: 0\n;; WARNING: recursion requested but not available\n\n;; QUESTION SECTION:\n;nothere.\t\t\tIN\tA\n\n${STATS(25)}`,
  },
  { name: '+short sends the name as typed', pod: 'F', argv: () => ['dig', '+short', 'backend'], out: () => '', err: () => '', code: 0 },
  { name: '+search +short', pod: 'F', argv: () => ['dig', '+search', '+short', 'backend'], out: () => `${BIP}\n`, err: () => '', code: 0 },
  { name: '-x +noall +answer', pod: 'F', argv: () => ['dig', '+noall', '+answer', '-x', '10.96.0.10'], out: () => '10.0.96.10.in-addr.arpa. 30\tIN\tPTR\tkube-dns.kube-system.svc.cluster.local.\n', err: () => '', code: 0 },
  { name: '@server -p -t SRV', pod: 'F', argv: () => ['dig', '@10.96.0.10', '-p', '53', '-t', 'SRV', '+noall', '+answer', '_http._tcp.backend.production.svc.cluster.local'], out: () => '_http._tcp.backend.production.svc.cluster.local. 30 IN SRV 0 100 8080 backend.production.svc.cluster.local.\n', err: () => '', code: 0 },
  { name: 'type as a word', pod: 'F', argv: () => ['dig', '+short', 'backend.production.svc.cluster.local', 'AAAA'], out: () => '', err: () => '', code: 0 },
  { name: 'invalid type', pod: 'F', argv: () => ['dig', '-t', 'BOGUS', '+short', 'backend.production.svc.cluster.local'], out: () => `${BIP}\n`, err: () => ';; Warning, ignoring invalid type BOGUS\n', code: 0 },
  { name: 'invalid option', pod: 'F', argv: () => ['dig', '+bogus', 'x'], out: () => '', err: () => `Invalid option: +bogus\n${DIG_USAGE}`, code: 1 },
  {
    name: 'no DNS egress: no servers could be reached', pod: 'P', argv: () => ['dig', 'backend.production.svc.cluster.local'], err: () => '', code: 9,
    out: () => `${';; communications error to 10.96.0.10#53: timed out\n'.repeat(3)}\n; <<>> DiG 9.18.28 <<>> backend.production.svc.cluster.local\n;; global options: +cmd\n;; no servers could be reached\n`,
  },
  { name: '+tries with +short', pod: 'P', argv: () => ['dig', '+short', '+tries=1', 'backend'], out: () => ';; communications error to 10.96.0.10#53: timed out\n;; no servers could be reached\n', err: () => '', code: 9 },
];
for (const c of DIG) test(`dig: ${c.name}`, async () => { await check(c); });

const HEADER = 'Server:\t\t10.96.0.10\nAddress:\t10.96.0.10#53\n\n';
const NSLOOKUP: Case[] = [
  { name: 'a name through the search list', pod: 'F', argv: () => ['nslookup', 'backend'], out: () => `${HEADER}Name:\tbackend.production.svc.cluster.local\nAddress: ${BIP}\n\n`, err: () => '', code: 0 },
  { name: 'NXDOMAIN', pod: 'F', argv: () => ['nslookup', 'nothere.production.svc.cluster.local'], out: () => `${HEADER}** server can't find nothere.production.svc.cluster.local: NXDOMAIN\n\n`, err: () => '', code: 1 },
  { name: 'no answer', pod: 'F', argv: () => ['nslookup', '-type=AAAA', 'backend.production.svc.cluster.local'], out: () => `${HEADER}*** Can't find backend.production.svc.cluster.local: No answer\n\n`, err: () => '', code: 0 },
  { name: 'an address: PTR, no header', pod: 'F', argv: () => ['nslookup', '10.96.0.10'], out: () => '10.0.96.10.in-addr.arpa\tname = kube-dns.kube-system.svc.cluster.local.\n\n', err: () => '', code: 0 },
  { name: 'SRV at a given server', pod: 'F', argv: () => ['nslookup', '-type=SRV', '_http._tcp.backend.production.svc.cluster.local', '10.96.0.10'], out: () => `${HEADER}_http._tcp.backend.production.svc.cluster.local\tservice = 0 100 8080 backend.production.svc.cluster.local.\n\n`, err: () => '', code: 0 },
  { name: 'forwarded: SERVFAIL', pod: 'F', argv: () => ['nslookup', 'nothere'], out: () => `;; Got SERVFAIL reply from 10.96.0.10\n${HEADER}** server can't find nothere: SERVFAIL\n\n`, err: () => '', code: 1 },
  { name: 'an unknown option is a warning', pod: 'F', argv: () => ['nslookup', '-bogus', 'backend'], out: () => `*** Invalid option: bogus\n${HEADER}Name:\tbackend.production.svc.cluster.local\nAddress: ${BIP}\n\n`, err: () => '', code: 0 },
  { name: 'no DNS egress', pod: 'P', argv: () => ['nslookup', 'backend'], out: () => `${';; communications error to 10.96.0.10#53: timed out\n'.repeat(3)};; no servers could be reached\n\n`, err: () => '', code: 1 },
];
for (const c of NSLOOKUP) test(`nslookup: ${c.name}`, async () => { await check(c); });

const NC_USAGE = 'usage: nc [-46CDdFhklNnrStUuvZz] [-I length] [-i interval] [-M ttl]\n\t  [-m minttl] [-O length] [-P proxy_username] [-p source_port]\n\t  [-q seconds] [-s sourceaddr] [-T keyword] [-V rtable] [-W recvlimit]\n\t  [-w timeout] [-X proxy_protocol] [-x proxy_address[:port]]\n\t  [destination] [port]\n';
const NC: Case[] = [
  { name: '-zv open', pod: 'F', argv: () => ['nc', '-zv', 'backend.production', '8080'], out: () => '', err: () => `Connection to backend.production (${BIP}) 8080 port [tcp/http-alt] succeeded!\n`, code: 0 },
  { name: '-z is quiet', pod: 'F', argv: () => ['nc', '-z', 'backend.production', '8080'], out: () => '', err: () => '', code: 0 },
  { name: '-n', pod: 'F', argv: () => ['nc', '-zvn', BIP, '8080'], out: () => '', err: () => `Connection to ${BIP} 8080 port [tcp/http-alt] succeeded!\n`, code: 0 },
  { name: 'loopback refused', pod: 'F', argv: () => ['nc', '-zv', '127.0.0.1', '9090'], out: () => '', err: () => 'nc: connect to 127.0.0.1 port 9090 (tcp) failed: Connection refused\n', code: 1 },
  { name: 'loopback to the pod\'s own port', pod: 'F', argv: () => ['nc', '-zv', '127.0.0.1', '80'], out: () => '', err: () => 'Connection to 127.0.0.1 80 port [tcp/http] succeeded!\n', code: 0 },
  { name: 'dropped', pod: 'B', argv: () => ['nc', '-zv', 'frontend.production', '80'], out: () => '', err: () => `nc: connect to frontend.production (${FIP}) port 80 (tcp) failed: Connection timed out\n(denied by production/allow-dns-egress, production/deny-all)\n`, code: 1 },
  { name: 'dropped with -w', pod: 'B', argv: () => ['nc', '-zv', '-w', '3', 'frontend.production', '80'], out: () => '', err: () => `nc: connect to frontend.production (${FIP}) port 80 (tcp) timed out: Operation now in progress\n(denied by production/allow-dns-egress, production/deny-all)\n`, code: 1 },
  { name: 'UDP dropped looks open', pod: 'F', argv: () => ['nc', '-zvu', 'backend', '53'], out: () => '', err: () => `Connection to backend (${BIP}) 53 port [udp/domain] succeeded!\n`, code: 0, explain: () => /without an ICMP error nc cannot tell: it reports success/ },
  { name: 'UDP open on loopback', pod: 'P', argv: () => ['nc', '-zvu', '127.0.0.1', '5353'], out: () => '', err: () => 'Connection to 127.0.0.1 5353 port [udp/*] succeeded!\n', code: 0 },
  { name: 'UDP refused is silent', pod: 'P', argv: () => ['nc', '-zvu', '127.0.0.1', '5354'], out: () => '', err: () => '', code: 1 },
  { name: 'no DNS egress', pod: 'P', argv: () => ['nc', '-zv', 'backend.production', '8080'], out: () => '', err: () => 'nc: getaddrinfo for host "backend.production" port 8080: Temporary failure in name resolution\n', code: 1 },
  { name: 'unknown name', pod: 'F', argv: () => ['nc', '-zv', 'nope', '80'], out: () => '', err: () => 'nc: getaddrinfo for host "nope" port 80: Name or service not known\n', code: 1 },
  { name: 'invalid option', pod: 'F', argv: () => ['nc', '-x'], out: () => '', err: () => `nc: invalid option -- 'x'\n${NC_USAGE}`, code: 1 },
  { name: 'no port', pod: 'F', argv: () => ['nc', '-zv', 'backend'], out: () => '', err: () => NC_USAGE, code: 1 },
];
for (const c of NC) test(`nc: ${c.name}`, async () => { await check(c); });

test('exec: workloads, unknown pods and tools are request errors', async () => {
  const r = await execInPod(ctx(), 'production/deploy/frontend', ['curl', '-s', `${api}/echo?msg=w`]);
  assert.deepEqual([r.stdout, r.exitCode], ['w', 0]);
  await assert.rejects(execInPod(ctx(), 'production/nope', ['curl', 'x']), /pods "nope" not found in namespace production/);
  await assert.rejects(execInPod(ctx(), F, ['bash', '-c', 'ls']), /^Error: podnet exec runs curl, wget, nslookup, dig, nc, agnhost \(got "bash"\): the lab's pods are virtual, there is no shell$/);
  await assert.rejects(execInPod(ctx(), F, ['constructor']), /podnet exec runs/);
});
