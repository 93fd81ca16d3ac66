/**
 * The API reference: TypeDoc reads the public entry points (typedoc.json) and this renders one
 * Markdown page per import path into docs/api, readable on GitHub and small enough to review in a
 * diff. It also enforces the documentation rules of the public API:
 *   - every export has a summary, and every type it mentions is exported too (TypeDoc's
 *     `notExported` validation);
 *   - every exported function and class, and every static guard, has an `@example`;
 *   - every optional field of an exported `…Options` interface states its `@default`.
 *
 *   node test/package/apiDocs.mjs          regenerate docs/api
 *   node test/package/apiDocs.mjs --check  fail if docs/api is not what the sources produce
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Application, Comment, ReflectionKind } from 'typedoc';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const outDir = resolve(packageDir, '../../docs/api');
const check = process.argv.includes('--check');

/** TypeDoc module name (entry path) -> import path and page file. */
const PAGES = {
  index: { importPath: 'tokenwarden', file: 'tokenwarden.md' },
  react: { importPath: 'tokenwarden/react', file: 'react.md' },
  'react-native': { importPath: 'tokenwarden/react-native', file: 'react-native.md' },
  'sync/redis': { importPath: 'tokenwarden/redis', file: 'redis.md' },
  otel: { importPath: 'tokenwarden/otel', file: 'otel.md' },
};

const SECTIONS = [
  [ReflectionKind.Function, 'Functions'],
  [ReflectionKind.Class, 'Classes'],
  [ReflectionKind.Interface, 'Interfaces'],
  [ReflectionKind.TypeAlias, 'Types'],
  [ReflectionKind.Variable, 'Constants'],
];

const problems = [];
/** Comment text as Markdown; `{@link X}` becomes `X` in code style. */
const text = (parts) =>
  Comment.combineDisplayParts((parts ?? []).map((part) => (part.kind === 'inline-tag' ? { kind: 'code', text: `\`${part.text.trim()}\`` } : part))).trim();
const oneLine = (value) => value.replace(/\s+/g, ' ').trim();
const anchor = (name) => name.toLowerCase().replace(/[^a-z0-9_-]/g, '');
const commentOf = (reflection) => reflection.comment ?? reflection.signatures?.[0]?.comment;

/**
 * `@example` blocks as fenced code. TypeDoc fences an unfenced example whole, including a title on
 * its first line (`@example React Native`); the title is moved out of the code here.
 */
function exampleBlocks(comment, lang) {
  return (comment?.getTags('@example') ?? []).map((tag) => {
    let body = text(tag.content).replace(/^```\w*\n([\s\S]*?)\n?```$/, '$1');
    if (body.includes('```')) return body;
    let title = '';
    const [first, ...rest] = body.split('\n');
    if (rest.length > 0 && /^[A-Za-z][\w .-]*$/.test(first) && !/^(const|let|var|await|import|return|if|function|try|new|client)\b/.test(first)) {
      title = `${first}:\n\n`;
      body = rest.join('\n');
    }
    const language = lang === 'tsx' || /<[A-Z][\w.]*[\s/>]/.test(body) ? 'tsx' : 'ts';
    return `${title}\`\`\`${language}\n${body}\n\`\`\``;
  });
}

function defaultOf(comment) {
  const tag = comment?.getTag('@default');
  if (!tag) return undefined;
  return text(tag.content).replace(/^```\w*\n?|\n?```$/g, '').trim();
}

function typeParams(list) {
  if (!list?.length) return '';
  return `<${list.map((p) => p.name + (p.type ? ` extends ${p.type}` : '') + (p.default ? ` = ${p.default}` : '')).join(', ')}>`;
}

function params(signature) {
  return (signature.parameters ?? [])
    .map((p) => `${p.flags.isRest ? '...' : ''}${p.name === '__namedParameters' ? 'props' : p.name}${p.flags.isOptional || p.defaultValue ? '?' : ''}: ${p.type}`)
    .join(', ');
}

function signatureLine(name, signature, prefix = 'function ') {
  return `${prefix}${name}${typeParams(signature.typeParameters)}(${params(signature)}): ${signature.type}`;
}

/** Own public members of a class or interface (inherited Error fields and internals left out). */
function membersOf(reflection) {
  return (reflection.children ?? []).filter((m) => !m.kindOf(ReflectionKind.Constructor) && !m.flags.isPrivate && !m.flags.isProtected && !m.name.startsWith('[') && !(m.flags.isInherited && m.inheritedFrom?.reflection === undefined));
}

function memberLine(member) {
  const readonly = member.flags.isReadonly ? 'readonly ' : '';
  const isStatic = member.flags.isStatic ? 'static ' : '';
  if (member.signatures?.length) return member.signatures.map((s) => `${isStatic}${signatureLine(member.name, s, '')}`).join('\n');
  if (member.kindOf(ReflectionKind.Accessor)) return `${isStatic}${readonly}get ${member.name}(): ${member.getSignature?.type}`;
  return `${isStatic}${readonly}${member.name}${member.flags.isOptional ? '?' : ''}: ${member.type}`;
}

function renderMembers(owner, lines, lang) {
  const members = membersOf(owner);
  if (members.length === 0) return;
  lines.push('', '| Member | Description |', '| --- | --- |');
  for (const member of members) {
    const comment = commentOf(member);
    const summary = oneLine(text(comment?.summary));
    const fallback = defaultOf(comment);
    const description = [summary, fallback !== undefined ? `Default: \`${fallback}\`.` : ''].filter(Boolean).join(' ');
    lines.push(`| \`${memberLine(member).replace(/\|/g, '\\|').replace(/\n/g, '` `')}\` | ${description.replace(/\|/g, '\\|')} |`);
    if (owner.name.endsWith('Options') && owner.kindOf(ReflectionKind.Interface) && member.flags.isOptional && fallback === undefined) {
      problems.push(`${owner.name}.${member.name}: optional option without @default`);
    }
    if (member.flags.isStatic && member.name === 'is' && exampleBlocks(comment, lang).length === 0) {
      problems.push(`${owner.name}.${member.name}: static guard without @example`);
    }
  }
  const examples = members.flatMap((m) => exampleBlocks(commentOf(m), lang).map((block) => ({ name: m.name, block })));
  for (const { name, block } of examples) lines.push('', `Example — \`${name}\`:`, '', block);
}

function renderDeclaration(reflection, lang) {
  const comment = commentOf(reflection);
  const lines = [`### ${reflection.name}`, ''];
  const code = [];
  if (reflection.kindOf(ReflectionKind.Function)) {
    for (const signature of reflection.signatures ?? []) code.push(signatureLine(reflection.name, signature));
  } else if (reflection.kindOf(ReflectionKind.Class)) {
    const extended = reflection.extendedTypes?.length ? ` extends ${reflection.extendedTypes.join(', ')}` : '';
    code.push(`class ${reflection.name}${typeParams(reflection.typeParameters)}${extended}`);
    const constructor = reflection.children?.find((c) => c.kindOf(ReflectionKind.Constructor));
    for (const signature of constructor?.signatures ?? []) code.push(`new ${reflection.name}(${params(signature)})`);
  } else if (reflection.kindOf(ReflectionKind.Interface)) {
    const extended = reflection.extendedTypes?.length ? ` extends ${reflection.extendedTypes.join(', ')}` : '';
    code.push(`interface ${reflection.name}${typeParams(reflection.typeParameters)}${extended}`);
  } else if (reflection.kindOf(ReflectionKind.TypeAlias)) {
    // A long union reads best one member per line.
    const type = reflection.type;
    const body = type?.type === 'union' && String(type).length > 100 ? `\n  | ${type.types.join('\n  | ')}` : ` ${type}`;
    code.push(`type ${reflection.name}${typeParams(reflection.typeParameters)} =${body}`);
  } else {
    code.push(`const ${reflection.name}: ${reflection.type}${reflection.defaultValue ? ` = ${reflection.defaultValue}` : ''}`);
  }
  lines.push(`\`\`\`ts\n${code.join('\n')}\n\`\`\``);
  const summary = text(comment?.summary);
  if (summary) lines.push('', summary);
  else problems.push(`${reflection.name}: exported without a TSDoc summary`);
  const signature = reflection.signatures?.[0];
  const described = (signature?.parameters ?? []).filter((p) => text(p.comment?.summary));
  if (described.length) {
    lines.push('', ...described.map((p) => `- \`${p.name}\`: ${oneLine(text(p.comment.summary))}`));
  }
  const fallback = defaultOf(comment);
  if (fallback !== undefined) lines.push('', `Default: \`${fallback}\`.`);
  if (reflection.kindOf(ReflectionKind.Class | ReflectionKind.Interface)) renderMembers(reflection, lines, lang);
  const examples = exampleBlocks(comment, lang);
  if (examples.length) lines.push('', '**Example**', '', examples.join('\n\n'));
  if (reflection.kindOf(ReflectionKind.Function | ReflectionKind.Class) && examples.length === 0) {
    problems.push(`${reflection.name}: exported ${ReflectionKind.singularString(reflection.kind).toLowerCase()} without @example`);
  }
  return lines.join('\n');
}

function renderPage(module, page) {
  const lang = page.importPath.includes('react') ? 'tsx' : 'ts';
  const lines = [
    `# \`${page.importPath}\``,
    '',
    '<!-- Generated by `npm run docs -w tokenwarden` from the TSDoc comments in the sources. Do not edit. -->',
  ];
  const moduleSummary = text(module.comment?.summary);
  if (moduleSummary) lines.push('', moduleSummary);
  lines.push('', `\`\`\`${lang}\nimport { … } from '${page.importPath}';\n\`\`\``);
  const children = [...(module.children ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  for (const [kind, title] of SECTIONS) {
    const group = children.filter((c) => c.kindOf(kind));
    if (group.length === 0) continue;
    lines.push('', `## ${title}`, '', group.map((c) => `[\`${c.name}\`](#${anchor(c.name)})`).join(' · '));
    for (const reflection of group) lines.push('', renderDeclaration(reflection, lang));
  }
  return `${lines.join('\n')}\n`;
}

const app = await Application.bootstrapWithPlugins({ options: join(packageDir, 'typedoc.json') });
const project = await app.convert();
if (!project) throw new Error('TypeDoc could not convert the entry points');
app.validate(project);
if (app.logger.hasErrors() || app.logger.hasWarnings()) problems.push('TypeDoc reported the problems above');

const files = { 'README.md': '' };
const index = ['# API reference', '', '<!-- Generated by `npm run docs -w tokenwarden`. Do not edit. -->', '', '| Import | Contents |', '| --- | --- |'];
for (const module of project.children ?? []) {
  const page = PAGES[module.name];
  if (!page) {
    problems.push(`entry point "${module.name}" has no page in apiDocs.mjs`);
    continue;
  }
  files[page.file] = renderPage(module, page);
  const names = (module.children ?? []).map((c) => c.name).sort((a, b) => a.localeCompare(b));
  index.push(`| [\`${page.importPath}\`](./${page.file}) | ${names.map((n) => `\`${n}\``).join(', ')} |`);
}
files['README.md'] = `${index.join('\n')}\n`;

if (problems.length) {
  console.error(`API docs: ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}

if (check) {
  let existing = [];
  try {
    existing = readdirSync(outDir);
  } catch {}
  const stale = [...new Set([...existing, ...Object.keys(files)])].filter((name) => {
    try {
      return readFileSync(join(outDir, name), 'utf8') !== files[name];
    } catch {
      return true;
    }
  });
  if (stale.length) {
    console.error(`API docs: ${relative(process.cwd(), outDir)} is out of date (${stale.join(', ')}). Run: npm run docs -w tokenwarden`);
    process.exit(1);
  }
  console.log(`API docs: ${relative(process.cwd(), outDir)} is in sync (${Object.keys(files).length} pages)`);
} else {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(outDir, name), content);
  console.log(`API docs: wrote ${Object.keys(files).length} pages to ${relative(process.cwd(), outDir)}`);
}
