import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { anchors, codeSpans, isExternal, links, sections, tableRows } from './markdown.js';

/**
 * The checks of the docs' drift tests, as pure functions from the code's names and a page's
 * Markdown to the problems found (empty: none), so that each can be shown to fail.
 */

/**
 * Names that no table row of the page lists as a code span in its first cell; `listedAs` maps
 * what the page writes to the name (for key builders: `batch(b)` → `batch`).
 */
export function missingFromTables(
  names: readonly string[],
  page: string,
  listedAs: (span: string) => string = (span) => span,
): string[] {
  const listed = new Set(
    tableRows(page).flatMap((cells) => codeSpans(cells[0] ?? '').map(listedAs)),
  );
  return names.filter((name) => !listed.has(name));
}

/** Error codes without a row `| \`code\` | status | …`. */
export function missingErrorCodes(errors: Record<string, number>, page: string): string[] {
  const rows = tableRows(page);
  return Object.entries(errors)
    .filter(
      ([code, status]) =>
        !rows.some((cells) => cells[0] === `\`${code}\`` && cells[1] === String(status)),
    )
    .map(([code, status]) => `${code} (${status})`);
}

export interface MetricFacts {
  name: string;
  type: string;
  labels: readonly string[];
}

/** Metrics without a row naming them, with their type in a cell and each label as code. */
export function metricProblems(metrics: readonly MetricFacts[], page: string): string[] {
  const rows = tableRows(page);
  const problems: string[] = [];
  for (const { name, type, labels } of metrics) {
    const row = rows.find((cells) => cells[0] === `\`${name}\``);
    if (!row) {
      problems.push(`${name}: not listed`);
      continue;
    }
    if (!row.includes(type)) problems.push(`${name}: type ${type} not in its row`);
    const spans = new Set(row.slice(1).flatMap(codeSpans));
    for (const label of labels)
      if (!spans.has(label)) problems.push(`${name}: label ${label} not in its row`);
  }
  return problems;
}

/** Every command of a commander program, as `path` (`schedule add`) and its long options. */
export function commandTree(program: Command): { path: string; options: string[] }[] {
  const out: { path: string; options: string[] }[] = [];
  const visit = (command: Command, prefix: string) => {
    for (const sub of command.commands) {
      if (sub.name() === 'help') continue;
      const path = prefix ? `${prefix} ${sub.name()}` : sub.name();
      const options = sub.options
        .map((option) => option.long)
        .filter((long): long is string => long !== undefined && long !== '--help');
      out.push({ path, options });
      visit(sub, path);
    }
  };
  visit(program, '');
  return out;
}

/**
 * Commands without a heading whose code span starts with `chatbatch <path>`, and options not
 * written as code (`` `--flag` ``, `` `--flag <value>` ``) in that command's section.
 */
export function commandProblems(
  commands: readonly { path: string; options: readonly string[] }[],
  page: string,
): string[] {
  const all = sections(page);
  const problems: string[] = [];
  for (const { path, options } of commands) {
    const wanted = `chatbatch ${path}`;
    const section = all.find((s) =>
      codeSpans(s.heading).some((span) => span === wanted || span.startsWith(`${wanted} `)),
    );
    if (!section) {
      problems.push(`${wanted}: no heading`);
      continue;
    }
    const spans = codeSpans(section.body);
    for (const option of options) {
      const written = spans.some(
        (span) => span === option || span.startsWith(`${option} `) || span.startsWith(`${option}=`),
      );
      if (!written) problems.push(`${wanted}: option ${option} not in its section`);
    }
  }
  return problems;
}

/** Every Markdown file under a folder. */
export function markdownFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return markdownFiles(path);
    return name.endsWith('.md') ? [path] : [];
  });
}

/**
 * Relative links of the given files that point nowhere: a missing file or folder, or a
 * `#fragment` that is no heading of the Markdown file it names (or of the same file).
 */
export function brokenLinks(files: readonly string[], root: string): string[] {
  const problems: string[] = [];
  const anchorsOf = new Map<string, Set<string>>();
  const anchorsIn = (file: string) => {
    let found = anchorsOf.get(file);
    if (!found) {
      found = anchors(readFileSync(file, 'utf8'));
      anchorsOf.set(file, found);
    }
    return found;
  };
  for (const file of files) {
    for (const { line, target } of links(readFileSync(file, 'utf8'))) {
      if (isExternal(target)) continue;
      const where = `${relative(root, file)}:${line}: ${target}`;
      const [pathPart = '', fragment] = target.split('#', 2);
      const path = pathPart === '' ? file : resolve(dirname(file), decodeURIComponent(pathPart));
      if (!existsSync(path)) {
        problems.push(`${where}: no such file`);
        continue;
      }
      if (fragment === undefined) continue;
      if (!path.endsWith('.md')) {
        problems.push(`${where}: a fragment on a file that is not Markdown`);
      } else if (!anchorsIn(path).has(decodeURIComponent(fragment))) {
        problems.push(`${where}: no such heading`);
      }
    }
  }
  return problems;
}
