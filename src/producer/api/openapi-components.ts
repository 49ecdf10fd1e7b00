/**
 * fastify-type-provider-zod registers every zod schema with an id twice, once as the request
 * side (`ErrorInput`) and once as the response side (`Error`), so Swagger listed every schema
 * twice. This tidies the finished document: a component nothing reaches is dropped, an input
 * side identical to its output side is merged into it, and an input side left alone takes the
 * plain name. Where the two sides really differ (defaults, transforms), both stay.
 */

type Json = unknown;
interface OpenApiDocument {
  paths?: Json;
  components?: { schemas?: Record<string, Json> } & Record<string, Json>;
}

const PREFIX = '#/components/schemas/';
const INPUT = 'Input';

/** Every `$ref` to a schema component inside `value`. */
function refsIn(value: Json, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) for (const item of value) refsIn(item, into);
  else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string' && child.startsWith(PREFIX))
        into.add(child.slice(PREFIX.length));
      else refsIn(child, into);
    }
  }
  return into;
}

/** `value` with every schema `$ref` renamed by `rename` (names it does not know stay). */
function renameRefs(value: Json, rename: ReadonlyMap<string, string>): Json {
  if (Array.isArray(value)) return value.map((item) => renameRefs(item, rename));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => {
      if (key === '$ref' && typeof child === 'string' && child.startsWith(PREFIX)) {
        const name = child.slice(PREFIX.length);
        return [key, `${PREFIX}${rename.get(name) ?? name}`];
      }
      return [key, renameRefs(child, rename)];
    }),
  );
}

/** The components the paths reach, directly or through other components. */
function reachable(document: OpenApiDocument, schemas: Record<string, Json>): Set<string> {
  const seen = new Set<string>();
  const queue = [...refsIn(document.paths)];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (seen.has(name) || !(name in schemas)) continue;
    seen.add(name);
    queue.push(...refsIn(schemas[name]));
  }
  return seen;
}

export function tidySchemaComponents<T extends OpenApiDocument>(document: T): T {
  const all = document.components?.schemas;
  if (!all) return document;
  const used = reachable(document, all);
  const schemas = Object.fromEntries(Object.entries(all).filter(([name]) => used.has(name)));

  // Merge input sides identical to their output side; nested inputs first (to a fixpoint).
  const rename = new Map<string, string>();
  for (let changed = true; changed;) {
    changed = false;
    for (const name of Object.keys(schemas)) {
      if (!name.endsWith(INPUT) || rename.has(name)) continue;
      const base = name.slice(0, -INPUT.length);
      if (!(base in schemas)) continue;
      const input = JSON.stringify(renameRefs(schemas[name], rename));
      const output = JSON.stringify(renameRefs(schemas[base], rename));
      if (input === output) {
        rename.set(name, base);
        changed = true;
      }
    }
  }
  // An input side without an output side takes the plain name.
  for (const name of Object.keys(schemas)) {
    const base = name.slice(0, -INPUT.length);
    if (name.endsWith(INPUT) && !rename.has(name) && !(base in schemas) && base !== '')
      rename.set(name, base);
  }

  const tidied: Record<string, Json> = {};
  for (const [name, schema] of Object.entries(schemas)) {
    const target = rename.get(name) ?? name;
    if (target !== name && target in schemas) continue; // merged into its output side
    tidied[target] = renameRefs(schema, rename);
  }
  return {
    ...document,
    paths: renameRefs(document.paths, rename),
    components: { ...document.components, schemas: tidied },
  };
}
