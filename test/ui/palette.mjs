// Runs a VS Code command from the command palette by its full title (shared by the UI smoke checks).

export async function runCommand(page, title) {
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+Shift+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 15000 }).catch(() => {
    throw new Error('the command palette did not open on Ctrl+Shift+P');
  });
  await input.fill(`>${title}`);
  await page
    .locator('.quick-input-list .monaco-list-row', { hasText: title })
    .first()
    .waitFor({ timeout: 15000 })
    .catch(() => {
      throw new Error(`the command palette has no entry "${title}"`);
    });
  await page.keyboard.press('Enter');
}
