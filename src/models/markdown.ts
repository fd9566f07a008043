/** Escapes text from AWS (names, reasons) so a MarkdownString tooltip shows it literally. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
