// The task command the wizard proposes, read from the workspace: what the Dockerfile's last stage
// runs (ENTRYPOINT/CMD), else a program file that is there, run by the interpreter its base image
// suggests. A proposal the user edits, never a guess that the image cannot run. No vscode import.

export interface WorkspaceFacts {
  /** The Dockerfile's text, when there is one. */
  dockerfile?: string;
  /** Files at the top of the folder (and of its src/ folder), as relative paths. */
  files: readonly string[];
}

/** The instructions of the last build stage (a multi-stage build runs the last one). */
function lastStage(dockerfile: string): { from: string; entrypoint?: string[]; cmd?: string[] } {
  const lines = dockerfile.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  let stage: { from: string; entrypoint?: string[]; cmd?: string[] } = { from: '' };
  for (const raw of lines) {
    const line = raw.trim();
    const match = /^(FROM|ENTRYPOINT|CMD)\s+(.*)$/i.exec(line);
    if (!match) continue;
    const [, keyword, rest] = match;
    if (keyword.toUpperCase() === 'FROM') stage = { from: rest.split(/\s+/)[0].toLowerCase() };
    else if (keyword.toUpperCase() === 'ENTRYPOINT') stage.entrypoint = argv(rest);
    else stage.cmd = argv(rest);
  }
  return stage;
}

/** Exec form (a JSON array) as it is; shell form as `sh -c "…"`, the way Docker runs it. */
function argv(text: string): string[] {
  if (text.startsWith('[')) {
    try {
      const parsed = JSON.parse(text) as unknown;
      if (Array.isArray(parsed) && parsed.every((part) => typeof part === 'string')) return parsed;
    } catch {
      // Not JSON: Docker treats it as the shell form too.
    }
  }
  return ['sh', '-c', text];
}

const INTERPRETERS: [RegExp, string][] = [
  [/\.py$/, 'python3'],
  [/\.jl$/, 'julia'],
  [/\.R$/, 'Rscript'],
  [/\.sh$/, 'sh'],
  [/\.js$/, 'node'],
];

/** Names that are usually the entry point of a project, before any other file of their kind. */
const MAIN_NAMES = /^(src\/)?(main|run|simulate|sim|task|app|index)\.[a-zA-Z]+$/;

export function proposeTaskCommand(facts: WorkspaceFacts): string {
  if (facts.dockerfile) {
    const stage = lastStage(facts.dockerfile);
    // The runtime starts tasks itself, so the command is what the image would run: its ENTRYPOINT
    // and CMD together, as `docker run image` does.
    const run = [...(stage.entrypoint ?? []), ...(stage.entrypoint && !stage.cmd ? [] : (stage.cmd ?? []))];
    if (run.length && !(run[0] === 'sh' && run[1] === '-c' && run.length === 2)) return run.map(quote).join(' ');
  }
  const programs = facts.files.filter((file) => INTERPRETERS.some(([pattern]) => pattern.test(file)));
  const main = programs.find((file) => MAIN_NAMES.test(file)) ?? programs[0];
  if (main) {
    const interpreter = INTERPRETERS.find(([pattern]) => pattern.test(main))![1];
    return `${interpreter} ${quote(main)}`;
  }
  return 'echo "task ${index}"';
}

function quote(part: string): string {
  return /^[\w@%+=:,./${}-]+$/.test(part) ? part : `"${part.replace(/(["\\$`])/g, '\\$1')}"`;
}
