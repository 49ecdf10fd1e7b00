/**
 * The variables a turn sends: its conversation's first-row variables, overlaid with its own
 * row's non-empty cells (rows only carry non-empty cells, so a plain overlay does it).
 * The result has no prototype, so keys such as `__proto__` stay plain own keys.
 */
export function overlayVariables(
  first: Record<string, string>,
  own: Record<string, string>,
): Record<string, string> {
  const merged = Object.create(null) as Record<string, string>;
  // Object.keys + assignment onto a prototype-free object: no setter runs, whatever the key.
  for (const key of Object.keys(first)) merged[key] = first[key] as string;
  for (const key of Object.keys(own)) merged[key] = own[key] as string;
  return merged;
}
