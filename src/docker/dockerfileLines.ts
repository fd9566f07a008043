// Where a failed build step is in the Dockerfile: the Dockerfile read into instructions with their
// lines (continuations, comments, the escape directive and heredocs as Docker reads them), and the
// engine's step ("Step 5/7 : RUN make" from the classic builder, "[build 2/4] RUN make" from
// BuildKit, or "parse error line 3") mapped back to the lines of that instruction. Pure, so the
// "Open Dockerfile" button of a failed build lands on the right line.

export interface Instruction {
  /** Upper case: "RUN". */
  keyword: string;
  /** The instruction on one line, continuations joined, whitespace collapsed: "RUN make all". */
  text: string;
  /** 1-based first and last line in the file. */
  line: number;
  endLine: number;
  /** Index of the stage (FROM) it belongs to; -1 before the first FROM (global ARGs). */
  stage: number;
  /** FROM ... AS name, lower case, on FROM instructions. */
  alias?: string;
}

export interface FailedStep {
  builder: 'buildkit' | 'classic';
  /** The step number the engine printed and its total (per stage for BuildKit, for the file for classic). */
  index?: number;
  total?: number;
  /** BuildKit's stage name in "[build 2/4]": an alias or "stage-N"; none for a single stage. */
  stage?: string;
  /** The instruction as the engine printed it. */
  instruction?: string;
  /** The engine's error (a parse error names its line). */
  error?: string;
}

export interface Lines {
  line: number;
  endLine: number;
}

const PARSE_ERROR = /parse error (?:on )?line (\d+): (.*)$/is;

/** "The Dockerfile cannot be read: line 3: unknown instruction: RUNN…" for an engine's parse error, else undefined. */
export function parseErrorMessage(error: string): string | undefined {
  const match = PARSE_ERROR.exec(error.trim());
  if (!match) return undefined;
  return `The Dockerfile cannot be read: line ${match[1]}: ${match[2].trim().replace(/\.$/, '')}. Fix that line and try again.`;
}

const collapse = (text: string) => text.replace(/\s+/g, ' ').trim();

/** Same instruction text, as the engines print it: whitespace collapsed, the keyword in any case. */
function same(a: string, b: string): boolean {
  const [x, y] = [collapse(a), collapse(b)];
  const split = (s: string) => [s.split(' ')[0].toUpperCase(), s.slice(s.indexOf(' ') + 1)];
  const [kx, rx] = split(x);
  const [ky, ry] = split(y);
  return kx === ky && rx === ry;
}

/** Heredoc delimiters an instruction line opens (`<<EOF`, `<<-"EOF"`), in order. */
function heredocs(line: string): { word: string; strip: boolean }[] {
  const found: { word: string; strip: boolean }[] = [];
  for (const match of line.matchAll(/<<(-?)(["']?)([A-Za-z_][\w]*)\2/g))
    found.push({ word: match[3], strip: match[1] === '-' });
  return found;
}

export function parseDockerfile(text: string): Instruction[] {
  const lines = text.split(/\r?\n/);
  let escape = '\\';
  let i = 0;
  // Parser directives: "# name=value" lines at the very top, before any comment or instruction.
  for (; i < lines.length; i++) {
    const directive = /^#\s*([a-zA-Z]+)\s*=\s*(.*?)\s*$/.exec(lines[i]);
    if (!directive) break;
    if (directive[1].toLowerCase() === 'escape' && (directive[2] === '`' || directive[2] === '\\'))
      escape = directive[2];
  }
  const out: Instruction[] = [];
  let stage = -1;
  while (i < lines.length) {
    const first = lines[i];
    if (/^\s*(#|$)/.test(first)) {
      i++;
      continue;
    }
    const start = i;
    let joined = '';
    let current = first;
    // Continuations: a line ending in the escape character goes on; comment and empty lines inside are skipped.
    for (;;) {
      const trimmed = current.replace(/\s+$/, '');
      if (trimmed.endsWith(escape) && i + 1 < lines.length) {
        joined += trimmed.slice(0, -1);
        i++;
        while (i < lines.length - 1 && /^\s*(#|$)/.test(lines[i])) i++;
        current = lines[i];
        continue;
      }
      joined += current;
      break;
    }
    let end = i;
    const keyword = (/^\s*(\S+)/.exec(joined)?.[1] ?? '').toUpperCase();
    if (['RUN', 'COPY', 'ADD'].includes(keyword)) {
      for (const doc of heredocs(joined)) {
        while (end + 1 < lines.length) {
          end++;
          const body = doc.strip ? lines[end].replace(/^\t+/, '') : lines[end];
          if (body === doc.word) break;
        }
      }
    }
    if (keyword === 'FROM') stage++;
    const alias = keyword === 'FROM' ? /\sAS\s+(\S+)\s*$/i.exec(joined)?.[1]?.toLowerCase() : undefined;
    out.push({
      keyword,
      text: collapse(joined),
      line: start + 1,
      endLine: end + 1,
      stage,
      ...(alias ? { alias } : {}),
    });
    i = end + 1;
  }
  return out;
}

/** BuildKit makes a step (vertex) of these, and of a FROM that names an image rather than a stage. */
const VERTEX_KEYWORDS = new Set(['RUN', 'COPY', 'ADD', 'WORKDIR']);

function stageOf(instructions: Instruction[], name: string | undefined): number | undefined {
  const stages = instructions.filter((step) => step.keyword === 'FROM');
  if (!stages.length) return undefined;
  if (name === undefined) return stages[stages.length - 1].stage;
  const lower = name.toLowerCase();
  const named = stages.find((step) => step.alias === lower);
  if (named) return named.stage;
  const numbered = /^stage-(\d+)$/.exec(lower);
  return numbered && Number(numbered[1]) < stages.length ? Number(numbered[1]) : undefined;
}

/** BuildKit's steps of one stage, in order, as it numbers them ("[2/4]"). */
function vertexSteps(instructions: Instruction[], stage: number): Instruction[] {
  const aliases = new Set(instructions.filter((step) => step.alias && step.stage < stage).map((step) => step.alias));
  return instructions.filter((step) => {
    if (step.stage !== stage) return false;
    if (step.keyword !== 'FROM') return VERTEX_KEYWORDS.has(step.keyword);
    const base = step.text.split(' ').find((word, index) => index > 0 && !word.startsWith('--'));
    return !aliases.has(base?.toLowerCase());
  });
}

const lines = (step: Instruction | undefined): Lines | undefined =>
  step ? { line: step.line, endLine: step.endLine } : undefined;

/** The lines of the instruction a build failed at, or undefined when the Dockerfile does not show it. */
export function failedLines(dockerfile: string, failed: FailedStep): Lines | undefined {
  const instructions = parseDockerfile(dockerfile);
  const parseError = PARSE_ERROR.exec(failed.error ?? '');
  if (parseError) {
    const line = Number(parseError[1]);
    const around = instructions.find((step) => step.line <= line && line <= step.endLine);
    return around ? lines(around) : { line, endLine: line };
  }
  const printed = failed.instruction;
  if (!printed) return undefined;
  if (failed.builder === 'classic' && failed.index !== undefined) {
    const step = instructions[failed.index - 1];
    if (step && same(step.text, printed)) return lines(step);
  }
  if (failed.builder === 'buildkit') {
    const stage = stageOf(instructions, failed.stage);
    if (stage !== undefined) {
      const steps = vertexSteps(instructions, stage);
      // A FROM step prints the resolved image ("FROM docker.io/library/node:22"), not the text.
      if (/^FROM\s/i.test(printed))
        return lines(instructions.find((step) => step.keyword === 'FROM' && step.stage === stage));
      const byIndex = failed.index !== undefined ? steps[failed.index - 1] : undefined;
      if (byIndex && same(byIndex.text, printed)) return lines(byIndex);
      const match = steps.find((step) => same(step.text, printed));
      if (match) return lines(match);
    }
  }
  // The same text anywhere (the last one: a later stage more likely failed than an earlier one).
  return lines([...instructions].reverse().find((step) => same(step.text, printed)));
}
