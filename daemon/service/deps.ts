// Everything a handler may use, built once by server.ts.
import type { DaemonConfig } from '../config/config';
import type { KeyStore } from '../keys/keyStore';
import type { LedgerService } from '../ledger/service';
import type { ProviderHttp } from '../providers/http';
import type { ProviderRegistry } from '../providers/registry';
import type { HealthMonitor } from '../providers/resilience/health';
import type { DaemonMetrics } from '../metrics/metrics';
import type { Catalog } from '../routing/catalog';
import type { Router } from '../routing/router';
import type { Store } from '../store/database';
import type { TeamService } from '../team/service';
import type { ChatService } from './chatService';
import type { ClientHub } from './clients';
import type { TurnHooks } from './hooks';
import type { ExperimentService } from '../experiments/service';
import type { KeyPresence } from './keyPresence';
import type { DaemonOptions } from './options';
import type { SpendingPause } from './spendingPause';
import type { RequestDecisions } from './requestDecisions';
import type { ColdLedger } from '../ledger/archive';

export interface DaemonDeps {
  options: DaemonOptions;
  config: DaemonConfig;
  startedAt: number;
  store: Store;
  catalog: Catalog;
  router: Router;
  keys: KeyStore;
  keyPresence: KeyPresence;
  providers: ProviderRegistry;
  /** Circuits and moving averages per model and provider (`providers/health`). */
  health?: HealthMonitor | undefined;
  http: ProviderHttp;
  clients: ClientHub;
  chat: ChatService;
  /** Budgets, estimates, rollups and reports (its `hooks` are in `hooks`). */
  ledger: LedgerService;
  /** A/B tests of routing and feedback; its stages are wired into `chat` by server.ts. */
  experiments: ExperimentService;
  /** The turn hooks after planning, in the order server.ts wired them (ledger, experiments, …). */
  hooks: TurnHooks[];
  /** The kill switch (`spending/*`); chat checks it first (ChatService's `admit`). */
  spending: SpendingPause;
  /** Every recorded request's full decision, in the store (`request/decision`). */
  decisions: RequestDecisions;
  /** Request rows older than the previous month, moved out of the hot store (ledger/archive.ts). */
  cold?: ColdLedger | undefined;
  /** Team mode (config.json `team`); null when off. */
  team?: TeamService | null;
  /** GET /metrics. */
  metrics?: DaemonMetrics;
  /** Where the transports actually listen (known once they are up). */
  endpoints: { port: number; socketPath: string };
  now(): number;
}
