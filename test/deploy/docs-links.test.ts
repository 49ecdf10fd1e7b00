import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { brokenLinks, markdownFiles } from './helpers/docs-drift.js';
import { anchors, headingSlug, links } from './helpers/markdown.js';
import { repoPath } from './helpers/repo-files.js';

/** Every relative link of the docs resolves: to a file, and to a heading when it has a `#`. */
describe('links of README.md, CONTRIBUTING.md and docs/', () => {
  const root = repoPath('');
  const files = [
    repoPath('README.md'),
    repoPath('CONTRIBUTING.md'),
    ...markdownFiles(repoPath('docs')),
  ];

  it('every relative link points at an existing file and heading', () => {
    expect(files.length).toBeGreaterThan(20);
    expect(brokenLinks(files, root)).toEqual([]);
  });

  it('the README routes to every page of docs/', () => {
    const readme = links(readFileSync(repoPath('README.md'), 'utf8')).map(
      (link) => link.target.split('#')[0],
    );
    const pages = markdownFiles(repoPath('docs')).map((file) =>
      file.slice(root.length).replace(/^\//, ''),
    );
    expect(pages.filter((page) => !readme.includes(page))).toEqual([]);
  });
});

describe('the link check itself', () => {
  it('finds a missing file, a missing heading, and follows GitHub anchors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chatbatch-links-'));
    try {
      await mkdir(join(dir, 'docs'));
      await writeFile(
        join(dir, 'docs', 'a.md'),
        [
          '# A',
          '## `chatbatch ingest <file>`',
          '## The key (401, 403)',
          '## Repeated',
          '## Repeated',
          '```sh',
          '# not a heading',
          '[in a code block](nowhere.md)',
          '```',
          'See `[in code](nowhere.md)`, [b](b.md#two-words), [self](#repeated-1).',
        ].join('\n'),
      );
      await writeFile(join(dir, 'docs', 'b.md'), '# B\n\n## Two words\n');
      await writeFile(
        join(dir, 'README.md'),
        [
          '[ok](docs/a.md#chatbatch-ingest-file) [ok](docs/a.md#the-key-401-403)',
          '[gone](docs/c.md) [no heading](docs/b.md#three-words) [site](https://example.com/x.md)',
          '![image](docs/missing.png)',
        ].join('\n'),
      );
      const files = [join(dir, 'README.md'), join(dir, 'docs', 'a.md'), join(dir, 'docs', 'b.md')];
      expect(brokenLinks(files, dir)).toEqual([
        'README.md:2: docs/c.md: no such file',
        'README.md:2: docs/b.md#three-words: no such heading',
        'README.md:3: docs/missing.png: no such file',
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('makes the anchors GitHub makes', () => {
    expect(headingSlug('`chatbatch rejected <batch>`')).toBe('chatbatch-rejected-batch');
    expect(headingSlug('2. Staging')).toBe('2-staging');
    expect(headingSlug('Scenario 7: scaling')).toBe('scenario-7-scaling');
    expect(headingSlug('[Link](x.md) and CHATBATCH_PREFIX')).toBe('link-and-chatbatch_prefix');
    expect([...anchors('# X\n## Y\n## Y\n')]).toEqual(['x', 'y', 'y-1']);
  });
});
