// Checks and parsing of what users type when submitting a job. No vscode import.
import { UserError } from '../shared/errors';

/** Job names: up to 128 letters, numbers, hyphens and underscores, starting with a letter or number. */
export function validateJobName(name: string): string | undefined {
  if (!name) return 'Enter a job name.';
  if (name.length > 128) return 'A job name has at most 128 characters.';
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(name))
    return 'Use letters, numbers, hyphens and underscores; start with a letter or number.';
  return undefined;
}

/**
 * A command override typed as a JSON array (["python","run.py"]) or as words with shell-style
 * quotes (python run.py --name "two words"). Returns undefined for an empty answer.
 */
export function parseCommandOverride(text: string): string[] | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new UserError('The command looks like JSON but is not valid JSON. Use ["program", "arg"] or plain words.');
    }
    if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string')) {
      throw new UserError('A JSON command must be an array of strings, like ["python", "run.py"].');
    }
    return parsed;
  }
  const words: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const match of trimmed.matchAll(pattern)) words.push(match[1]?.replace(/\\(.)/g, '$1') ?? match[2] ?? match[3]);
  return words;
}
