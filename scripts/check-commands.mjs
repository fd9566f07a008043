// Fails when package.json and the code disagree about commands and views: an id in COMMANDS
// (src/ui/ids.ts) with no handler in the command table or no contribution, a contributed command or
// handler that COMMANDS does not name, a VIEWS id that is not contributed, or a menu / welcome link
// naming an unknown command or view, or a walkthrough step that does not complete on exactly its
// WALKTHROUGH_KEYS context key (the product sets those keys on the step's real event).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

// An argument names another project folder (the check's own test uses one).
const root = process.argv[2] ?? new URL('..', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const contributes = manifest.contributes ?? {};
const problems = [];

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'runtime' ? [] : sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The `name: 'id'` entries of `export const NAME = { ... }` in a source text. */
function objectLiteral(text, name) {
  const body = new RegExp(`export const ${name}\\s*=\\s*\\{([\\s\\S]*?)\\n\\}`).exec(text)?.[1];
  if (body === undefined) return undefined;
  return new Map([...body.matchAll(/^\s*(\w+)\s*:\s*'([\w.]+)'/gm)].map((match) => [match[1], match[2]]));
}

// Named ids: COMMANDS and VIEWS of src/ui/ids.ts.
const idsFile = readFileSync(join(root, 'src/ui/ids.ts'), 'utf8');
const COMMANDS = objectLiteral(idsFile, 'COMMANDS') ?? new Map();
const VIEWS = objectLiteral(idsFile, 'VIEWS') ?? new Map();
if (COMMANDS.size === 0) problems.push('no COMMANDS entries found in src/ui/ids.ts');
const named = new Set(COMMANDS.values());

// Handlers: keys of the command table ([COMMANDS.name] or a quoted id), plus any direct
// registerCommand('id' | COMMANDS.name, ...) call.
const registered = new Set();
const resolve = (key, where) => {
  if (!key.startsWith('COMMANDS.')) return key;
  const id = COMMANDS.get(key.slice('COMMANDS.'.length));
  if (!id) problems.push(`${where} uses ${key}, which src/ui/ids.ts does not define`);
  return id;
};
const table = readFileSync(join(root, 'src/commands/index.ts'), 'utf8');
const body = /export const commands[^{]*\{([\s\S]*?)\n\};/.exec(table)?.[1] ?? '';
for (const match of body.matchAll(/^\s*(?:\[(COMMANDS\.\w+)\]|'([\w.]+)')\s*:/gm)) {
  const id = resolve(match[1] ?? match[2], 'the command table');
  if (id) registered.add(id);
}
for (const file of sources(join(root, 'src'))) {
  for (const match of readFileSync(file, 'utf8').matchAll(/registerCommand\(\s*(?:(COMMANDS\.\w+)|'([\w.]+)')/g)) {
    const id = resolve(match[1] ?? match[2], file);
    if (id) registered.add(id);
  }
}

const contributed = new Set((contributes.commands ?? []).map((c) => c.command));
if (registered.size === 0) problems.push('no command registrations found in src/commands/index.ts');
for (const [name, id] of COMMANDS) {
  if (!registered.has(id)) problems.push(`COMMANDS.${name} (${id}) has no registration in src/commands/index.ts`);
  if (!contributed.has(id)) problems.push(`COMMANDS.${name} (${id}) is not in contributes.commands`);
}
for (const id of contributed) {
  if (!registered.has(id)) problems.push(`contributed command ${id} has no registration`);
  else if (!named.has(id)) problems.push(`contributed command ${id} is not in COMMANDS (src/ui/ids.ts)`);
}
for (const id of registered) {
  if (!contributed.has(id)) problems.push(`registered command ${id} is not in contributes.commands`);
  else if (!named.has(id)) problems.push(`registered command ${id} is not in COMMANDS (src/ui/ids.ts)`);
}

for (const [menu, items] of Object.entries(contributes.menus ?? {})) {
  for (const item of items) {
    if (item.command && !contributed.has(item.command))
      problems.push(`menu ${menu} names unknown command ${item.command}`);
  }
}
const views = new Set(Object.values(contributes.views ?? {}).flatMap((list) => list.map((view) => view.id)));
const namedViews = new Set(VIEWS.values());
for (const [name, id] of VIEWS) if (!views.has(id)) problems.push(`VIEWS.${name} (${id}) is not in contributes.views`);
for (const id of views)
  if (!namedViews.has(id)) problems.push(`contributed view ${id} is not in VIEWS (src/ui/ids.ts)`);
for (const welcome of contributes.viewsWelcome ?? []) {
  if (!views.has(welcome.view)) problems.push(`viewsWelcome names unknown view ${welcome.view}`);
  for (const match of welcome.contents.matchAll(/\(command:([\w.]+)/g)) {
    if (!contributed.has(match[1])) problems.push(`viewsWelcome for ${welcome.view} links unknown command ${match[1]}`);
  }
}
for (const [menu, items] of Object.entries(contributes.menus ?? {})) {
  for (const item of items) {
    for (const match of (item.when ?? '').matchAll(/view == ([\w.]+)/g)) {
      if (!views.has(match[1])) problems.push(`menu ${menu} entry for ${item.command} names unknown view ${match[1]}`);
    }
  }
}

// Walkthrough steps complete on the context key the product sets for them, and on nothing else.
const WALKTHROUGH = objectLiteral(idsFile, 'WALKTHROUGH_KEYS') ?? new Map();
for (const walkthrough of contributes.walkthroughs ?? []) {
  for (const step of walkthrough.steps ?? []) {
    const key = WALKTHROUGH.get(step.id);
    const events = step.completionEvents ?? [];
    if (!key) problems.push(`walkthrough step ${step.id} has no entry in WALKTHROUGH_KEYS (src/ui/ids.ts)`);
    else if (events.length !== 1 || events[0] !== `onContext:${key}`)
      problems.push(
        `walkthrough step ${step.id} must complete on onContext:${key} only, not ${JSON.stringify(events)}`,
      );
  }
}

if (problems.length) {
  for (const problem of problems) console.error(`check-commands: ${problem}`);
  process.exit(1);
}
console.log(
  `check-commands: ${contributed.size} commands and ${views.size} views, all named in src/ui/ids.ts and registered; menus and welcome links resolve`,
);
