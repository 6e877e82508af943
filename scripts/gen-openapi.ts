// Generates src/kube/apiserver/openapi/definitions.json: the OpenAPI schemas of the Kubernetes kinds podnet models,
// read with the TypeScript compiler from kubernetes-types (Apache-2.0: the Kubernetes API's types and their
// documentation, generated from the upstream OpenAPI spec) and named as the upstream spec names them
// (io.k8s.api.core.v1.Pod…). The list and patch markers (x-kubernetes-list-type, patch merge keys) are not in those
// types: the API server adds them from ../src/kube/apiserver/schema.ts when it serves /openapi.
//   node dist/scripts/gen-openapi.js   (after tsc)
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const require = createRequire(import.meta.url);
const TYPES = dirname(require.resolve('kubernetes-types/package.json'));

/** The kinds served, by module (group/version as kubernetes-types lays them out). */
export const ROOTS: Record<string, string[]> = {
  'core/v1': ['Pod', 'Service', 'Endpoints', 'Secret', 'ConfigMap', 'Namespace', 'Node', 'Event'],
  'apps/v1': ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet'],
  'batch/v1': ['Job'],
  'discovery/v1': ['EndpointSlice'],
  'networking/v1': ['NetworkPolicy', 'Ingress', 'IngressClass'],
  'events/v1': ['Event'],
};

/** The upstream definition prefix of a kubernetes-types module. */
function prefixOf(module: string): string {
  if (module === 'meta/v1') return 'io.k8s.apimachinery.pkg.apis.meta.v1';
  if (module === 'api/resource') return 'io.k8s.apimachinery.pkg.api.resource';
  if (module === 'runtime') return 'io.k8s.apimachinery.pkg.runtime';
  return `io.k8s.api.${module.replace('/', '.')}`;
}

type Schema = Record<string, unknown>;

export function generate(): Record<string, Schema> {
  const files = Object.keys(ROOTS).map((m) => join(TYPES, `${m}.d.ts`));
  const program = ts.createProgram(files, { noEmit: true, skipLibCheck: true });
  const checker = program.getTypeChecker();
  const moduleOf = (file: string) => relative(TYPES, file).replace(/\.d\.ts$/, '').split(sep).join('/');
  const defs: Record<string, Schema> = {};
  const queue: { module: string; name: string }[] = [];
  const want = (module: string, name: string): string => {
    const id = `${prefixOf(module)}.${name}`;
    if (!(id in defs)) { defs[id] = {}; queue.push({ module, name }); }
    return id;
  };
  const doc = (node: ts.Node): string => ts.getJSDocCommentsAndTags(node).map((d) => (typeof d.comment === 'string' ? d.comment : '')).join('\n').trim();

  const declOf = (module: string, name: string): ts.InterfaceDeclaration | ts.TypeAliasDeclaration | undefined => {
    const sf = program.getSourceFile(join(TYPES, `${module}.d.ts`));
    let found: ts.InterfaceDeclaration | ts.TypeAliasDeclaration | undefined;
    sf?.forEachChild((n) => { if ((ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n)) && n.name.text === name) found = n; });
    return found;
  };

  const typeOf = (node: ts.TypeNode, module: string): Schema => {
    switch (node.kind) {
      case ts.SyntaxKind.StringKeyword: return { type: 'string' };
      case ts.SyntaxKind.NumberKeyword: return { type: 'integer' };
      case ts.SyntaxKind.BooleanKeyword: return { type: 'boolean' };
      case ts.SyntaxKind.AnyKeyword: case ts.SyntaxKind.UnknownKeyword: return { type: 'object' };
    }
    if (ts.isUnionTypeNode(node)) return { $ref: '#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString' };
    if (ts.isTypeLiteralNode(node)) {
      const index = node.members.find(ts.isIndexSignatureDeclaration);
      return { type: 'object', ...(index ? { additionalProperties: typeOf(index.type, module) } : {}) };
    }
    if (ts.isArrayTypeNode(node)) return { type: 'array', items: typeOf(node.elementType, module) };
    if (ts.isTypeReferenceNode(node)) {
      const name = node.typeName.getText();
      if (name === 'Array') return { type: 'array', items: typeOf(node.typeArguments![0], module) };
      let symbol = checker.getSymbolAtLocation(node.typeName);
      if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
      const decl = symbol?.declarations?.[0];
      const target = decl ? moduleOf(decl.getSourceFile().fileName) : module;
      return { $ref: `#/definitions/${want(target, name)}` };
    }
    return { type: 'object' };
  };

  for (const [module, kinds] of Object.entries(ROOTS)) for (const k of kinds) want(module, k);
  while (queue.length) {
    const { module, name } = queue.shift()!;
    const id = `${prefixOf(module)}.${name}`;
    const decl = declOf(module, name);
    if (!decl) { defs[id] = { type: 'object' }; continue; }
    const description = doc(decl);
    if (ts.isTypeAliasDeclaration(decl)) {
      const base = typeOf(decl.type, module);
      const format = name === 'Time' || name === 'MicroTime' ? { format: 'date-time' } : {};
      defs[id] = { ...(description ? { description } : {}), ...base, ...format };
      continue;
    }
    const properties: Record<string, Schema> = {};
    const required: string[] = [];
    for (const m of decl.members) {
      if (!ts.isPropertySignature(m) || !m.type) continue;
      const prop = m.name.getText().replace(/^"|"$/g, '');
      const d = doc(m);
      properties[prop] = { ...(d ? { description: d } : {}), ...typeOf(m.type, module) };
      if (!m.questionToken) required.push(prop);
    }
    defs[id] = { ...(description ? { description } : {}), type: 'object', properties, ...(required.length ? { required } : {}) };
  }
  defs['io.k8s.apimachinery.pkg.util.intstr.IntOrString'] = {
    description: 'IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.',
    type: 'string', format: 'int-or-string',
  };
  return Object.fromEntries(Object.keys(defs).sort().map((k) => [k, defs[k]]));
}

const self = fileURLToPath(import.meta.url);
if (process.argv[1] === self) {
  const out = join(dirname(self), '..', '..', 'src', 'kube', 'apiserver', 'openapi', 'definitions.json');
  writeFileSync(out, JSON.stringify(generate(), null, 1) + '\n');
  process.stdout.write(`wrote ${out}\n`);
}
