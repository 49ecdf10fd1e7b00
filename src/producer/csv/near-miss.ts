/**
 * Header names that nearly match a reserved column (`Conversaton_ID`, `Agent ID`,
 * `recipient id`): without a warning, such a column goes to the vendor as a dynamic variable
 * and the file runs with the wrong meaning (every row its own conversation, no agent…).
 */

/** The name as a person would compare it: lower case, without spaces, `_`, `-` or `.`. */
function squash(name: string): string {
  return name.toLowerCase().replace(/[\s_.-]+/g, '');
}

/**
 * Optimal string alignment distance (Levenshtein plus swapping two neighbours), for the short
 * strings of a header; gives up (returns `max + 1`) once the distance must exceed `max`.
 */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, before[j - 2]! + 1);
      }
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > max) return max + 1;
    before = previous;
    previous = current;
  }
  return previous[b.length]!;
}

/** Typos allowed: one in a short name, two in a long one (`conversation_id`, `recipient_id`). */
function allowedTypos(reserved: string): number {
  return reserved.length >= 10 ? 2 : 1;
}

/**
 * The column of `reserved` that `name` seems meant for, or undefined. An exact reserved name
 * (after trimming, any case) is not a near miss: it is that column.
 */
export function nearMissOf(name: string, reserved: readonly string[]): string | undefined {
  const trimmed = name.trim().toLowerCase();
  if (reserved.includes(trimmed)) return undefined;
  const candidate = squash(trimmed);
  if (candidate === '') return undefined;
  let best: { column: string; distance: number } | undefined;
  for (const column of reserved) {
    const target = squash(column);
    const allowed = allowedTypos(target);
    const distance = editDistance(candidate, target, allowed);
    if (distance <= allowed && (best === undefined || distance < best.distance)) {
      best = { column, distance };
    }
  }
  return best?.column;
}
