// Corefile text -> server blocks and directives (the Caddyfile grammar CoreDNS uses: `KEYS { directive args... }`,
// nested `{ }` option blocks, `#` comments, double quotes). Only syntax here; corefile-plugins.ts gives them meaning.
import type { Diagnostic } from '../api/diagnostics.js';
import type { SourceRef } from '../api/types.js';
import { DnsCodes } from './codes.js';
import { pushAll } from '../util/arrays.js';

export interface Directive {
  name: string;
  args: string[];
  block: Directive[];
  line: number;
}

export interface ServerBlockSyntax {
  keys: string[];
  directives: Directive[];
  line: number;
}

/** kubeadm's default Corefile (cmd/kubeadm/app/phases/addons/dns/manifests.go), with the cluster domain filled in. */
export function kubeadmCorefile(clusterDomain: string): string {
  return `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes ${clusterDomain} in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30 {
       disable success ${clusterDomain}
       disable denial ${clusterDomain}
    }
    loop
    reload
    loadbalance
}
`;
}

interface Token { text: string; line: number; newline: boolean; quoted: boolean }

function tokenize(text: string, where: SourceRef, diags: Diagnostic[]): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let newline = true;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '\n') { line++; newline = true; i++; continue; }
    if (c === ' ' || c === '\t' || c === '\r') { i++; continue; }
    if (c === '#') { while (i < text.length && text[i] !== '\n') i++; continue; }
    if (c === '"') {
      let j = i + 1;
      let value = '';
      const startLine = line;
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\' && (text[j + 1] === '"' || text[j + 1] === '\\')) { value += text[j + 1]; j += 2; continue; }
        if (text[j] === '\n') line++;
        value += text[j++];
      }
      if (j >= text.length) diags.push(syntaxError(where, startLine, 'unterminated quoted string'));
      tokens.push({ text: value, line: startLine, newline, quoted: true });
      newline = false;
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < text.length && !/[\s#"]/.test(text[j])) j++;
    tokens.push({ text: text.slice(i, j), line, newline, quoted: false });
    newline = false;
    i = j;
  }
  return tokens;
}

function syntaxError(where: SourceRef, line: number, message: string): Diagnostic {
  return { code: DnsCodes.corefileSyntax, level: 'error', source: { file: where.file, line: where.line + line - 1 }, message: `Corefile:${line}: ${message}` };
}

/** Parses a Corefile. Syntax errors are diagnostics; what parsed before them is kept. */
export function parseCorefile(text: string, where: SourceRef = { file: '<Corefile>', line: 1 }): { blocks: ServerBlockSyntax[]; diagnostics: Diagnostic[] } {
  const diags: Diagnostic[] = [];
  const tokens = tokenize(text, where, diags);
  const blocks: ServerBlockSyntax[] = [];
  let i = 0;

  const parseBlock = (): Directive[] => {
    // Called after a `{`; reads directives up to the matching `}`.
    const out: Directive[] = [];
    while (i < tokens.length) {
      const t = tokens[i];
      if (t.text === '}' && !t.quoted) { i++; return out; }
      const d: Directive = { name: t.text, args: [], block: [], line: t.line };
      i++;
      while (i < tokens.length && !tokens[i].newline) {
        const a = tokens[i];
        if (a.text === '{' && !a.quoted) { i++; d.block = parseBlock(); break; }
        if (a.text === '}' && !a.quoted) break;
        d.args.push(a.text);
        i++;
      }
      out.push(d);
    }
    diags.push(syntaxError(where, tokens[tokens.length - 1]?.line ?? 1, 'unexpected end of file: missing "}"'));
    return out;
  };

  while (i < tokens.length) {
    const start = tokens[i];
    if (start.text.startsWith('(') && start.text.endsWith(')')) {
      diags.push({ code: DnsCodes.pluginNotModelled, level: 'warning', source: { file: where.file, line: where.line + start.line - 1 }, message: `Corefile:${start.line}: snippets (${start.text}) are not modelled; the snippet is ignored` });
      i++;
      if (tokens[i]?.text === '{') { i++; parseBlock(); }
      continue;
    }
    if (start.text === 'import') {
      diags.push({ code: DnsCodes.pluginNotModelled, level: 'warning', source: { file: where.file, line: where.line + start.line - 1 }, message: `Corefile:${start.line}: import is not modelled; the imported files are not read` });
      i++;
      while (i < tokens.length && !tokens[i].newline) i++;
      continue;
    }
    const keys: string[] = [];
    while (i < tokens.length && tokens[i].text !== '{') {
      if (tokens[i].text === '}') { diags.push(syntaxError(where, tokens[i].line, 'unexpected "}"')); i++; continue; }
      pushAll(keys, tokens[i].text.split(',').filter(Boolean));
      i++;
    }
    if (i >= tokens.length) {
      // CoreDNS accepts one block without braces only when it is the whole file; keep it simple and say so.
      if (keys.length > 0) diags.push(syntaxError(where, start.line, `server block "${keys.join(' ')}" has no "{"`));
      break;
    }
    i++;
    blocks.push({ keys, directives: parseBlock(), line: start.line });
  }
  return { blocks, diagnostics: diags };
}
