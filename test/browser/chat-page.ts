import type { BrowserContext, Page } from 'playwright-core';

/**
 * One person in the web client, driven the way they use it: by typing, clicking and
 * pressing keys. Every dialog (alert/confirm) and every page error is recorded, so a test
 * can assert that nothing a user sent ran as code.
 */
export class ChatPage {
  readonly dialogs: string[] = [];
  readonly errors: string[] = [];
  /** Answer `confirm` dialogs with OK (a person who means it) instead of Cancel. */
  acceptConfirms = false;

  private constructor(
    readonly page: Page,
    readonly name: string,
  ) {
    page.on('dialog', (d) => {
      this.dialogs.push(`${d.type()}: ${d.message()}`);
      void (this.acceptConfirms && d.type() === 'confirm' ? d.accept() : d.dismiss());
    });
    page.on('pageerror', (e) => this.errors.push(e.message));
    page.setDefaultTimeout(15_000);
  }

  static async open(context: BrowserContext, name: string, url: string): Promise<ChatPage> {
    const page = await context.newPage();
    const p = new ChatPage(page, name);
    await page.goto(url);
    return p;
  }

  async signIn(): Promise<void> {
    await this.page.locator('#signin-name').fill(this.name);
    await this.page.keyboard.press('Enter');
    await this.page.locator('.sidebar .me-name', { hasText: this.name }).waitFor();
    await this.page.waitForFunction(() => document.querySelector('.banner')?.hasAttribute('hidden'));
  }

  async joinRoom(room: string): Promise<void> {
    await this.page.getByRole('button', { name: 'Join or create a room' }).click();
    await this.page.locator('dialog[open] input[name=room]').fill(room);
    await this.page.keyboard.press('Enter');
    await this.page.locator('.chat-title', { hasText: room }).waitFor();
  }

  async openConv(label: RegExp | string): Promise<void> {
    await this.page.locator('.conv-item', { hasText: label }).click();
  }

  /** Types into the composer and presses Enter, as a person does. */
  async send(text: string): Promise<void> {
    const box = this.page.getByRole('textbox', { name: 'Message' });
    await box.fill(text);
    await box.press('Enter');
  }

  /** Resolves once a message whose text is exactly `text` is on screen. */
  async sees(text: string): Promise<void> {
    await this.page.locator('.list .text').filter({ hasText: text }).first().waitFor();
  }

  messageTexts(): Promise<string[]> {
    return this.page.locator('.list .text').allTextContents();
  }

  async banner(): Promise<string | null> {
    const b = this.page.locator('.banner');
    return (await b.isVisible()) ? b.textContent() : null;
  }
}
