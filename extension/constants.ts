// Every id the extension contributes or reads, in one place (package.json must agree; a unit test checks it).

export const EXTENSION_ID = 'llm-router.llm-router';

export const Commands = {
  ask: 'llmRouter.ask',
  openDashboard: 'llmRouter.openDashboard',
  setApiKey: 'llmRouter.setApiKey',
  removeApiKey: 'llmRouter.removeApiKey',
  showDaemonStatus: 'llmRouter.showDaemonStatus',
  askWithPolicy: 'llmRouter.askWithPolicy',
  askStronger: 'llmRouter.askStronger',
  showRoutingLog: 'llmRouter.showRoutingLog',
  restartDaemon: 'llmRouter.restartDaemon',
  copyEndpoint: 'llmRouter.copyEndpoint',
  showClientSetup: 'llmRouter.showClientSetup',
  pauseSpending: 'llmRouter.pauseSpending',
  resumeSpending: 'llmRouter.resumeSpending',
  setBudget: 'llmRouter.setBudget',
} as const;
export type CommandId = (typeof Commands)[keyof typeof Commands];

export const CONFIG_SECTION = 'llmRouter';
/** Setting keys relative to CONFIG_SECTION. */
export const Settings = {
  home: 'home',
  defaultTradeoff: 'defaultTradeoff',
  idleTimeoutMinutes: 'idleTimeoutMinutes',
  simulate: 'simulate',
  logPrompts: 'logPrompts',
} as const;
/** Settings that only take effect when the extension reconnects to (or restarts) the daemon. */
export const SETTINGS_NEEDING_RECONNECT = [Settings.home, Settings.idleTimeoutMinutes, Settings.simulate] as const;

export const Views = {
  dashboardPanel: 'llmRouter.dashboard',
  answerPanel: 'llmRouter.answer',
} as const;

export const OUTPUT_CHANNEL_NAME = 'LLM Router';

/** How often the status bar re-reads today's spend when no `spend/changed` arrives. */
export const STATUS_REFRESH_MS = 60_000;
