// The wizard's questions as a plain interface: the command adapts it to quick picks and input boxes,
// tests script the answers.
import { ROLE_ARN_PATTERN } from './runConfig';

export interface PickItem<T> {
  label: string;
  description?: string;
  detail?: string;
  value: T;
}

export interface Prompter {
  pick<T>(step: { title: string; placeholder: string; items: PickItem<T>[] }): Promise<T | undefined>;
  input(step: {
    title: string;
    prompt: string;
    value?: string;
    validate: (text: string) => string | undefined;
  }): Promise<string | undefined>;
}

/** Validates a role ARN; optional: empty is accepted (none). */
export function roleArn(optional: boolean) {
  return (text: string): string | undefined => {
    if (optional && text.trim() === '') return undefined;
    return ROLE_ARN_PATTERN.test(text.trim())
      ? undefined
      : 'An IAM role ARN, such as arn:aws:iam::123456789012:role/my-role' + (optional ? ', or nothing.' : '.');
  };
}
