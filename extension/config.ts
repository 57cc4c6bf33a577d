// Typed getters over the `llmRouter.*` settings (rust-analyzer's Config shape): the rest of the
// extension never calls getConfiguration or reads raw setting values.
import * as vscode from 'vscode';
import { z } from 'zod';
import { Tradeoff } from '../daemon/protocol';
import { CONFIG_SECTION, SETTINGS_NEEDING_RECONNECT, Settings } from './constants';

export const SimulateMode = z.enum(['auto', 'always', 'never']);
export type SimulateMode = z.infer<typeof SimulateMode>;

export class Config {
  private get cfg(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(CONFIG_SECTION);
  }

  /** Explicit daemon home; undefined means `$LLM_ROUTER_HOME` or the OS's per-user config folder. */
  get home(): string | undefined {
    const value = this.cfg.get<unknown>(Settings.home);
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  }

  get defaultTradeoff(): Tradeoff {
    const parsed = Tradeoff.safeParse(this.cfg.get<unknown>(Settings.defaultTradeoff));
    return parsed.success ? parsed.data : 'balanced';
  }

  /** 0 keeps the daemon running forever. */
  get idleTimeoutMinutes(): number {
    const value = this.cfg.get<unknown>(Settings.idleTimeoutMinutes);
    return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 30;
  }

  get simulate(): SimulateMode {
    const parsed = SimulateMode.safeParse(this.cfg.get<unknown>(Settings.simulate));
    return parsed.success ? parsed.data : 'auto';
  }

  /** Whether the routing log may show this window's own prompts (off by default). */
  get logPrompts(): boolean {
    return this.cfg.get<unknown>(Settings.logPrompts) === true;
  }

  /** Flags for `dist/daemon.js daemon` when this window is the one that starts the daemon. */
  daemonArgs(): string[] {
    const args: string[] = [];
    if (this.simulate === 'always') {
      args.push('--simulate');
    } else if (this.simulate === 'auto') {
      args.push('--simulate-if-no-keys');
    }
    args.push('--idle-timeout', String(Math.round(this.idleTimeoutMinutes * 60_000)));
    return args;
  }

  static affectsReconnect(event: vscode.ConfigurationChangeEvent): boolean {
    return SETTINGS_NEEDING_RECONNECT.some((key) => event.affectsConfiguration(`${CONFIG_SECTION}.${key}`));
  }
}
