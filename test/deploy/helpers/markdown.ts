/**
 * Just enough Markdown for the docs' drift tests: fenced code blocks, headings and their GitHub
 * anchors, table rows, code spans and relative links. Text inside fenced blocks is never a
 * heading, a row or a link (a `# comment` in a shell block is not a heading).
 */

/** The lines of a document outside fenced code blocks (fence lines included as empty). */
export function proseLines(markdown: string): string[] {
  let fence: string | undefined;
  return markdown.split(/\r?\n/).map((line) => {
    const opening = /^\s*(`{3,}|~{3,})/.exec(line);
    if (fence === undefined) {
      if (opening) {
        fence = opening[1]![0]!.repeat(opening[1]!.length);
        return '';
      }
      return line;
    }
    if (opening && opening[1]!.startsWith(fence)) fence = undefined;
    return '';
  });
}

/** The contents of the inline code spans of a text (`` `a` `` → `a`). */
export function codeSpans(text: string): string[] {
  return [...text.matchAll(/(`+)(.+?)\1/g)].map((match) => match[2]!.trim());
}

/** The cells of every table row (separator rows left out); `\|` stays inside its cell. */
export function tableRows(markdown: string): string[][] {
  return proseLines(markdown)
    .filter((line) => /^\s*\|/.test(line))
    .filter((line) => !/^\s*\|(\s*:?-+:?\s*\|)+\s*$/.test(line))
    .map((line) =>
      line
        .trim()
        .replace(/^\||\|$/g, '')
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
}

export interface Section {
  level: number;
  /** The heading as written (Markdown included). */
  heading: string;
  /** The section's own text, up to the next heading of any level. */
  body: string;
}

/** The document cut at every heading (ATX headings only: `#`…`######`). */
export function sections(markdown: string): Section[] {
  const out: Section[] = [];
  let current: Section | undefined;
  for (const line of proseLines(markdown)) {
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      current = { level: heading[1]!.length, heading: heading[2]!, body: '' };
      out.push(current);
    } else if (current) {
      current.body += `${line}\n`;
    }
  }
  return out;
}

/**
 * GitHub's anchor for a heading: the text as rendered (code, emphasis and link syntax gone),
 * lower-cased, punctuation dropped except `-` and `_`, spaces as `-`.
 */
export function headingSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`/g, '')
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** Every anchor of a document, with GitHub's `-1`, `-2` suffixes for repeated headings. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const { heading } of sections(markdown)) {
    const slug = headingSlug(heading);
    const count = seen.get(slug) ?? 0;
    out.add(count === 0 ? slug : `${slug}-${count}`);
    seen.set(slug, count + 1);
  }
  return out;
}

export interface Link {
  /** 1-based line of the link in its document. */
  line: number;
  target: string;
}

/** Inline links and images outside code (`[text](target)`, `![alt](target)`). */
export function links(markdown: string): Link[] {
  const out: Link[] = [];
  proseLines(markdown).forEach((line, i) => {
    const prose = line.replace(/(`+).+?\1/g, (span) => ' '.repeat(span.length));
    for (const match of prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      out.push({ line: i + 1, target: match[1]! });
    }
  });
  return out;
}

/** True for a link that leaves the repository (`https:`, `mailto:` …). */
export function isExternal(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(target);
}
