// Fails when package.json and the code disagree about commands: a contributed command with no
// handler, a handler with no contribution, or a menu / welcome link naming an unknown command.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

// An argument names another project folder (the check's own test uses one).
const root = process.argv[2] ?? new URL('..', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const contributes = manifest.contributes ?? {};

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'runtime' ? [] : sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

// Handlers: keys of the command table, plus any direct registerCommand('id', ...) call.
const registered = new Set();
const table = readFileSync(join(root, 'src/commands/index.ts'), 'utf8');
const body = /export const commands[^{]*\{([\s\S]*?)\n\};/.exec(table)?.[1] ?? '';
for (const match of body.matchAll(/^\s*'([\w.]+)'\s*:/gm)) registered.add(match[1]);
for (const file of sources(join(root, 'src'))) {
  for (const match of readFileSync(file, 'utf8').matchAll(/registerCommand\(\s*'([\w.]+)'/g)) registered.add(match[1]);
}

const contributed = new Set((contributes.commands ?? []).map((c) => c.command));
const problems = [];
if (registered.size === 0) problems.push('no command registrations found in src/commands/index.ts');
for (const id of contributed) if (!registered.has(id)) problems.push(`contributed command ${id} has no registration`);
for (const id of registered)
  if (!contributed.has(id)) problems.push(`registered command ${id} is not in contributes.commands`);

for (const [menu, items] of Object.entries(contributes.menus ?? {})) {
  for (const item of items) {
    if (item.command && !contributed.has(item.command))
      problems.push(`menu ${menu} names unknown command ${item.command}`);
  }
}
const views = new Set(Object.values(contributes.views ?? {}).flatMap((list) => list.map((view) => view.id)));
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

if (problems.length) {
  for (const problem of problems) console.error(`check-commands: ${problem}`);
  process.exit(1);
}
console.log(`check-commands: ${contributed.size} commands, all registered; menus and welcome links resolve`);
