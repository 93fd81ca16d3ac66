// Type-checks the samples in the consumer app (see consumer.mjs) the way a strict TypeScript app
// would: `strict`, node16/nodenext ESM resolution (the strictest an app meets: a default import
// that only works through a bundler's interop fails here), DOM and Node types both loaded since
// samples are written for either. One program for all samples; each diagnostic is mapped back to
// the markdown line it comes from.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The entry point a generated API page documents. */
const API_PAGES = {
  'tokenwarden.md': 'tokenwarden',
  'react.md': 'tokenwarden/react',
  'react-native.md': 'tokenwarden/react-native',
  'redis.md': 'tokenwarden/redis',
};

/** What React examples use without importing it. */
const REACT_NAMES = { react: ['useState', 'useEffect', 'useMemo', 'useCallback', 'StrictMode'], 'react-dom/client': ['createRoot', 'hydrateRoot'] };

/** Names exported by an entry point, read from its shipped declarations (`export { a, type B }`). */
function exportsOf(project, specifier) {
  const file = join(project, 'node_modules', specifier.replace(/^tokenwarden/, 'tokenwarden/dist/').replace(/\/dist\/$/, '/dist/index').replace('dist//', 'dist/') + '.d.ts');
  const text = readFileSync(file, 'utf8');
  const names = new Set();
  for (const [, list] of text.matchAll(/export\s*\{([^}]*)\}/g)) {
    for (const item of list.split(',')) {
      const name = item.trim().replace(/^type\s+/, '').split(/\s+as\s+/).pop()?.trim();
      if (name) names.add(name);
    }
  }
  return names;
}

/** Import lines for the names a TSDoc example uses from its page's entry point (and the core). */
function autoImports(project, sample) {
  const page = sample.file.split(/[\\/]/).pop();
  const specifiers = [...new Set([API_PAGES[page] ?? 'tokenwarden', 'tokenwarden'])];
  const used = new Set(sample.code.match(/[A-Za-z_$][\w$]*/g) ?? []);
  const declared = new Set();
  for (const [, list] of sample.code.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}/g)) {
    for (const item of list.split(',')) declared.add(item.trim().replace(/^type\s+/, '').split(/\s+as\s+/).pop()?.trim());
  }
  for (const [, name] of sample.code.matchAll(/(?:const|let|var|function|class|interface|type)\s+([A-Za-z_$][\w$]*)/g)) declared.add(name);
  const lines = [];
  for (const [specifier, names] of Object.entries(REACT_NAMES)) {
    const missing = names.filter((name) => used.has(name) && !declared.has(name));
    missing.forEach((name) => declared.add(name));
    if (missing.length) lines.push(`import { ${missing.join(', ')} } from '${specifier}';`);
  }
  for (const specifier of specifiers) {
    const names = [...exportsOf(project, specifier)].filter((name) => used.has(name) && !declared.has(name));
    names.forEach((name) => declared.add(name));
    if (names.length) lines.push(`import { ${names.join(', ')} } from '${specifier}';`);
  }
  return lines;
}

/**
 * A TSDoc example is a few statements, often the inside of a `catch` or of a function (`return`,
 * an `err` to test): it is checked as the body of a function with those parameters. Imports stay at
 * the top and every line keeps its number.
 */
function asFunctionBody(code) {
  const lines = code.split('\n');
  let first = 0;
  let inImport = false;
  for (; first < lines.length; first++) {
    const line = lines[first].trim();
    if (inImport) inImport = !/from\s+['"][^'"]+['"];?$/.test(line);
    else if (line.startsWith('import ')) inImport = !/from\s+['"][^'"]+['"];?$/.test(line);
    else if (line !== '') break;
  }
  if (first === lines.length) return code;
  const declared = (name) => new RegExp(`(const|let|var)\\s+(\\{[^}]*\\b)?${name}\\b`).test(code);
  const params = [['err', 'unknown'], ['res', 'Response'], ['token', 'string']]
    .filter(([name]) => new RegExp(`\\b${name}\\b`).test(code) && !declared(name))
    .map(([name, type]) => `${name}: ${type}`);
  const opening = `export async function example(${params.join(', ')}) { `;
  lines[first] = opening + (lines[first].trim().startsWith('catch') ? 'try {} ' : '') + lines[first];
  return `${lines.join('\n')}\n}`;
}

/**
 * Writes every sample to `<project>/samples/` and returns `{ files: Map<id, path>, header: Map<id, n> }`,
 * where `header` counts the lines added in front of the markdown code (auto-imports).
 */
export function writeSamples(project, samples) {
  const dir = join(project, 'samples');
  mkdirSync(dir, { recursive: true });
  mkdirSync(join(project, 'types'), { recursive: true });
  for (const name of readdirSync(join(here, 'types'))) copyFileSync(join(here, 'types', name), join(project, 'types', name));
  const files = new Map();
  const header = new Map();
  samples.forEach((sample, index) => {
    const base = `${String(index).padStart(3, '0')}-${sample.file.replace(/[^\w]+/g, '-')}-${sample.line}`;
    const path = join(dir, `${base}.${sample.lang}`);
    const prelude = sample.generated ? autoImports(project, sample) : [];
    // `export {}` makes every sample a module: its own top-level names, top-level await allowed.
    writeFileSync(path, [...prelude, sample.generated ? asFunctionBody(sample.code) : sample.code, '', 'export {};', ''].join('\n'));
    files.set(sample.id, path);
    header.set(sample.id, prelude.length);
  });
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          lib: ['ES2022', 'DOM', 'DOM.Iterable'],
          types: ['node'],
          strict: true,
          jsx: 'react-jsx',
          noEmit: true,
          skipLibCheck: true,
          isolatedModules: true,
        },
        include: ['samples', 'types'],
      },
      null,
      2,
    ),
  );
  return { files, header };
}

/** Diagnostics per sample id: `["README.md:42: TS2304 Cannot find name 'x'."]`. */
export function typecheck(root, project, samples, { files, header }) {
  const ts = createRequire(join(root, 'package.json'))('typescript');
  const configPath = join(project, 'tsconfig.json');
  const config = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
  const byFile = new Map();
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const name = diagnostic.file?.fileName ?? '(global)';
    const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    const line = diagnostic.file && diagnostic.start !== undefined ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line : -1;
    if (!byFile.has(name)) byFile.set(name, []);
    byFile.get(name).push({ line, text: `TS${diagnostic.code} ${text}` });
  }
  const result = new Map();
  for (const sample of samples) {
    const path = files.get(sample.id).replaceAll('\\', '/');
    const diagnostics = byFile.get(path) ?? [];
    result.set(
      sample.id,
      diagnostics.map(({ line, text }) => {
        const codeLine = line - header.get(sample.id) - sample.prefixLines;
        const where = codeLine < 0 ? `${sample.file} (the sample it continues)` : `${sample.file}:${sample.line + codeLine}`;
        return `${where}: ${text}`;
      }),
    );
  }
  // Errors in the shared declarations would silently hide behind every sample: report them too.
  const shared = [...byFile].filter(([name]) => !name.includes('/samples/')).flatMap(([name, list]) => list.map((d) => `${name}:${d.line + 1}: ${d.text}`));
  return { perSample: result, shared };
}
