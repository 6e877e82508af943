// Findings as a SARIF 2.1.0 log (OASIS Static Analysis Results Interchange Format), the file code-scanning services
// read (GitHub's upload-sarif, GitLab, Azure DevOps). One run per invocation; tool.driver.rules is the rules catalogue
// of the components the command covers; each result points at its rule by id and index, with the manifest's
// file:line[:column] as a physicalLocation relative to %SRCROOT% (the directory the command ran in).
import { isAbsolute, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findingObjectText, type Finding, type FindingComponent } from './index.js';
import { RULES, ruleOf, type Rule } from './rules.js';

export const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

export interface SarifOptions {
  /** The command, e.g. `podnet lint`: the run's automation id and the invocation's command line. */
  command: string;
  /** The components the command covers: their rules make the driver's rule list. */
  components: readonly FindingComponent[];
  toolVersion: string;
  /** Paths are made relative to this directory (default: the working directory). */
  root?: string;
  /** The command's arguments, for the invocation record. */
  argv?: readonly string[];
}

const SARIF_LEVEL = { error: 'error', warning: 'warning', info: 'note' } as const;

const README: Record<FindingComponent, string> = { manifests: 'src/api', services: 'src/services', routing: 'src/ingress', dns: 'src/dns', policy: 'src/policy', mesh: 'src/mesh' };

function sarifRule(r: Rule): Record<string, unknown> {
  const where = `Reported by the ${r.component} checks; what they model and where the rules come from: ${README[r.component]}/README.md.`;
  return {
    id: r.id,
    name: r.name,
    shortDescription: { text: r.help },
    help: { text: `${r.help} ${where}`, markdown: `**${r.id} ${r.name}**: ${r.help}\n\n${where}` },
    defaultConfiguration: { level: SARIF_LEVEL[r.level] },
    properties: { tags: ['kubernetes', 'podnet', r.component] },
  };
}

/** A finding's file as SARIF wants it: a URI reference relative to SRCROOT, or an absolute file: URI outside it. */
function artifactLocation(file: string, root: string): Record<string, unknown> {
  if (file === '-' || file === '<stdin>') return { uri: 'stdin' };
  const abs = isAbsolute(file) ? file : `${root}${sep}${file}`;
  const rel = relative(root, abs);
  if (rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)) return { uri: rel.split(sep).map(encodeURIComponent).join('/'), uriBaseId: 'SRCROOT' };
  return { uri: pathToFileURL(abs).href };
}

/** The SARIF log (an object to JSON.stringify). */
export function toSarif(findings: readonly Finding[], opts: SarifOptions): Record<string, unknown> {
  const root = opts.root ?? process.cwd();
  const wanted = new Set(opts.components);
  const rules = RULES.filter((r) => wanted.has(r.component));
  const index = new Map(rules.map((r, i) => [r.id, i]));
  for (const f of findings) {
    if (index.has(f.code)) continue;
    // A code outside the covered components (lint repeating an API-server refusal) still gets its rule.
    const r = ruleOf(f.code) ?? { id: f.code, name: f.code, component: f.component, level: f.level, help: f.message };
    index.set(r.id, rules.length);
    rules.push(r);
  }
  const results = findings.map((f) => {
    const location: Record<string, unknown> = {};
    if (f.source?.file) {
      const physical: Record<string, unknown> = { artifactLocation: artifactLocation(f.source.file, root) };
      if (f.source.line >= 1) physical.region = { startLine: f.source.line, ...(f.source.column !== undefined && f.source.column >= 1 ? { startColumn: f.source.column } : {}) };
      location.physicalLocation = physical;
    }
    const name = findingObjectText(f, '/') ?? undefined;
    if (name) location.logicalLocations = [{ fullyQualifiedName: name, kind: 'resource' }];
    return {
      ruleId: f.code,
      ruleIndex: index.get(f.code),
      level: SARIF_LEVEL[f.level],
      message: { text: f.hint ? `${f.message}. Fix: ${f.hint}` : f.message },
      ...(Object.keys(location).length ? { locations: [location] } : {}),
      // The istioctl analyze message a mesh finding mirrors, for looking it up in Istio's docs.
      ...(f.istio ? { properties: { istio: { code: f.istio.code, name: f.istio.name } } } : {}),
    };
  });
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'podnet', version: opts.toolVersion, semanticVersion: opts.toolVersion, rules: rules.map(sarifRule) } },
      automationDetails: { id: `${opts.command}/` },
      invocations: [{ executionSuccessful: true, ...(opts.argv ? { commandLine: opts.argv.join(' '), arguments: [...opts.argv] } : {}) }],
      originalUriBaseIds: { SRCROOT: { uri: pathToFileURL(root.endsWith(sep) ? root : root + sep).href } },
      columnKind: 'unicodeCodePoints',
      results,
    }],
  };
}
