// Finds the code samples of the documentation: every fenced ts/tsx/js/jsx block of README.md,
// packages/*/README.md and docs/**/*.md.
//
// A sample may carry a marker on the line just above its fence (blank lines allowed between):
//
//   <!-- sample: no-run (needs a real Auth0 tenant) -->      type-checked, not run
//   <!-- sample: no-check (a fragment of the catch above) --> neither (and so not run either)
//   <!-- sample: browser -->                                  run in Chromium, in a page whose origin
//                                                             is the app's server (relative URLs
//                                                             work), instead of in Node
//   <!-- sample: continues -->                                appended to the previous sample of
//                                                             the file (usage after a definition,
//                                                             or a second file importing the first:
//                                                             its imports of './…' and the imports
//                                                             the previous sample already has are
//                                                             blanked, keeping line numbers)
//
// Several markers combine with `;`. `no-run` and `no-check` need a reason in parentheses: an
// opt-out nobody can explain is a broken sample.
//
// docs/api/ is generated from the TSDoc of the sources (npm run docs -w tokenwarden), where no
// marker can be written: there only the blocks under "Example" are samples (the others are
// signatures), each is checked with the names it uses from its page's entry point imported for it
// (TSDoc examples leave imports out), and none is run (they are one-line illustrations whose
// behaviour the unit tests own).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const LANGS = new Map([
  ['ts', 'ts'],
  ['typescript', 'ts'],
  ['tsx', 'tsx'],
  ['js', 'ts'],
  ['javascript', 'ts'],
  ['jsx', 'tsx'],
]);

/** The markdown files whose samples are tested, relative to the repo root. */
export function documentationFiles(root) {
  const files = ['README.md'];
  for (const name of readdirSync(join(root, 'packages'))) {
    const readme = join('packages', name, 'README.md');
    if (statSync(join(root, readme), { throwIfNoEntry: false })?.isFile()) files.push(readme);
  }
  const walk = (dir) => {
    for (const name of readdirSync(join(root, dir)).sort()) {
      const path = join(dir, name);
      if (statSync(join(root, path)).isDirectory()) walk(path);
      else if (name.endsWith('.md')) files.push(path);
    }
  };
  walk('docs');
  return files;
}

/** `name@specifier` for each name a one-line `import { … } from '…'` brings in. */
function importedNames(line) {
  const match = /^import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+['"]([^'"]+)['"]/.exec(line.trim());
  if (!match) return [];
  return match[1].split(',').map((item) => item.trim().replace(/^type\s+/, '').split(/\s+as\s+/).pop()).filter(Boolean).map((name) => `${name}@${match[2]}`);
}

/** `{ name, reason }` pairs of one marker comment, or throws on a malformed one. */
function parseMarker(text, where) {
  const flags = { noRun: undefined, noCheck: undefined, continues: false, browser: false };
  // `;` separates markers, except inside a reason's parentheses.
  for (const part of (text.match(/(?:\([^)]*\)|[^;])+/g) ?? []).map((s) => s.trim()).filter(Boolean)) {
    const match = /^(no-run|no-check|continues|browser)\s*(?:\((.+)\))?$/.exec(part);
    if (!match) throw new Error(`${where}: unknown sample marker "${part}"`);
    const [, name, reason] = match;
    if (name === 'continues') flags.continues = true;
    else if (name === 'browser') flags.browser = true;
    else if (!reason?.trim()) throw new Error(`${where}: "${name}" needs a reason in parentheses`);
    else if (name === 'no-run') flags.noRun = reason.trim();
    else flags.noCheck = reason.trim();
  }
  return flags;
}

/**
 * The samples of one markdown file: `{ id, file, line, lang, code, noRun, noCheck, generated }`,
 * `line` being the first code line (1-based). `code` already includes the previous sample's code
 * when the sample `continues` it; `prefixLines` says how many lines of it came from there.
 */
export function extractSamples(root, file) {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const generated = file.startsWith(join('docs', 'api'));
  const samples = [];
  let lastNonBlank = '';
  let previousWasExample = false;
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\w+)\s*$/.exec(lines[i]);
    if (!open) {
      if (lines[i].trim()) lastNonBlank = lines[i].trim();
      continue;
    }
    const indent = open[1].length;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^\s*```\s*$/.test(lines[end])) end++;
    const body = lines.slice(start, end).map((line) => line.slice(Math.min(indent, line.length - line.trimStart().length)));
    const lang = LANGS.get(open[2]);
    const where = `${file}:${start}`;
    const markerMatch = /^<!--\s*sample:\s*(.*?)\s*-->$/.exec(lastNonBlank);
    const flags = markerMatch ? parseMarker(markerMatch[1], where) : parseMarker('', where);
    const isExample = generated && (/^\*\*Example\*\*$/.test(lastNonBlank) || /^Example — .*:$/.test(lastNonBlank) || (previousWasExample && lastNonBlank === '```'));
    i = end;
    lastNonBlank = '```';
    previousWasExample = isExample;
    if (!lang || (generated && !isExample)) continue;
    let code = body.join('\n');
    let prefixLines = 0;
    if (flags.continues) {
      const previous = samples.at(-1);
      if (!previous) throw new Error(`${where}: "continues" but no sample before it`);
      const known = new Set(previous.code.split('\n').flatMap(importedNames));
      const redundant = (l) => /from\s+['"]\.\.?\//.test(l) || (importedNames(l).length > 0 && importedNames(l).every((n) => known.has(n)));
      const own = body.map((l) => (l.startsWith('import ') && redundant(l) ? '' : l));
      code = `${previous.code}\n${own.join('\n')}`;
      prefixLines = previous.code.split('\n').length;
    }
    samples.push({
      id: `${file.replaceAll('\\', '/')}:${start}`,
      file,
      line: start + 1,
      lang: flags.continues ? (samples.at(-1).lang === 'tsx' || lang === 'tsx' ? 'tsx' : 'ts') : lang,
      code,
      prefixLines,
      generated,
      browser: flags.browser,
      noCheck: flags.noCheck,
      noRun: flags.noCheck ? `not type-checked: ${flags.noCheck}` : generated ? 'a generated API example (checked only)' : flags.noRun,
    });
  }
  return samples;
}

export function allSamples(root) {
  return documentationFiles(root).flatMap((file) => extractSamples(root, relative(root, join(root, file))));
}
