// Marks walkthrough steps done on what the user did, by any path: an answer from Ask, Ask with
// Policy… or a follow-up; an answer in VS Code's chat through LLM Router (not only opening the chat
// view); the dashboard from the status bar; the endpoint copied or the environment lines shown.
// Each step completes on `onCommand:` of its own button and on a context key set here
// (package.json `completionEvents`).
//
// VS Code's limit (code-server 4.139.1): its walkthrough service starts listening when it is first
// created (the Welcome page or the walkthrough opened), and an `onContext:` expression already true
// at that moment does not complete its step; what was done before that counts only once done again.
import * as vscode from 'vscode';

/** The context key of each step (package.json's `completionEvents` name them as `onContext:`). */
export const WalkthroughKeys = {
  key: 'llmRouter.walkthrough.keyStored',
  ask: 'llmRouter.walkthrough.asked',
  chat: 'llmRouter.walkthrough.chatAnswered',
  dashboard: 'llmRouter.walkthrough.dashboardOpened',
  scripts: 'llmRouter.walkthrough.scriptsSetUp',
} as const;
export type WalkthroughStep = keyof typeof WalkthroughKeys;

export class WalkthroughProgress {
  private readonly set = new Set<WalkthroughStep>();

  done(step: WalkthroughStep): void {
    if (this.set.has(step)) {
      return;
    }
    this.set.add(step);
    void vscode.commands.executeCommand('setContext', WalkthroughKeys[step], true);
  }
}
