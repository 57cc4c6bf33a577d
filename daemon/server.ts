// Builds and starts one daemon: store, catalog, router, providers, the chat pipeline, the handler
// table, and both transports (HTTP on 127.0.0.1 and LSP over a local socket). main.ts owns the
// process; tests call startDaemon in-process.
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import type { Server } from 'node:http';
import { loadConfig } from './config/config';
import { createHandlers } from './handlers';
import { LedgerService } from './ledger/service';
import { createMetrics } from './metrics/metrics';
import { ConversationAffinity } from './routing/affinityService';
import { ProviderHttp } from './providers/http';
import { openAiCompatible } from './providers/openai';
import { PROVIDERS, ProviderRegistry } from './providers/registry';
import { resilienceFromConfig } from './providers/resilience/fromConfig';
import { Catalog } from './routing/catalog';
import { startupCatalogData } from './routing/catalogData';
import { Router } from './routing/router';
import { restoreLearnedState } from './routing/learnedStateStore';
import { ChatService } from './service/chatService';
import { ClientHub } from './service/clients';
import type { DaemonDeps } from './service/deps';
import { Executor } from './service/execute';
import type { TurnHooks } from './service/hooks';
import { createExperimentService, experimentHooks, experimentPlanner } from './experiments/wiring';
import { SpendingPause } from './service/spendingPause';
import { RequestDecisions } from './service/requestDecisions';
import { editorNotifications } from './protocol/editor';
import { IdleWatch } from './service/idle';
import { KeyPresence } from './service/keyPresence';
import type { DaemonOptions, RunningDaemon } from './service/options';
import { startSimulator, type RunningSimulator } from './simulator/server';
import { Store } from './store/database';
import { ColdLedger, hotCutoff } from './ledger/archive';
import { TEAM_PASSWORD_KEY } from './team/connection';
import { teamHooks, withTeamGate } from './team/hooks';
import { TeamService } from './team/service';
import { createHttpServer, listenLoopback } from './transport/http';
import { startLspSocketServer, type LspSocketServer } from './transport/socketServer';

export interface StartedDaemon extends RunningDaemon {
  /** The wiring, for tests and for parts that register hooks after start. */
  deps: DaemonDeps;
  /** The in-process provider simulator in simulate mode. */
  simulator: RunningSimulator | null;
}

/**
 * A folder the daemon creates is private (0700: the discovery file's token guards the user's
 * spend). A folder that already exists — one the user pointed `llmRouter.home` or
 * LLM_ROUTER_HOME at — is theirs: never chmod'ed, only reported when others can get in.
 */
export function ensurePrivateDir(dir: string, warn: (message: string) => void): void {
  const created = mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform === 'win32') {
    return;
  }
  if (created !== undefined) {
    // mkdir's mode is masked by the umask.
    chmodSync(dir, 0o700);
    return;
  }
  const mode = statSync(dir).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    warn(`the home folder ${dir} is open to other users (mode ${mode.toString(8).padStart(4, '0')}); it was left as it is: \`chmod 700 ${dir}\` keeps its ledger and daemon.json private`);
  }
}

export async function startDaemon(options: DaemonOptions): Promise<StartedDaemon> {
  ensurePrivateDir(options.home, options.warn ?? (() => undefined));
  const config = loadConfig(options.home);
  const now = (): number => Date.now();
  const startedAt = now();
  const simulator = options.simulate ? await startSimulator({ ttftMs: config.simulator.ttftMs, tokensPerSecond: config.simulator.tokensPerSecond }) : null;
  const cleanup: (() => Promise<void>)[] = [];
  if (simulator) {
    cleanup.push(() => simulator.close());
  }
  try {
    const store = await Store.open({ dir: options.home });
    cleanup.push(() => store.close());
    // Old request rows move to cold segments so memory follows recent traffic (ledger/archive.ts).
    const cold = ColdLedger.open(store, ColdLedger.dirIn(options.home), { hotRows: config.ledger.hotRows });
    cleanup.push(() => cold.stop());
    const providers = simulator
      ? new ProviderRegistry(PROVIDERS, (p) => simulator.baseUrlFor(p), (p, url) => openAiCompatible(p, url))
      : new ProviderRegistry(PROVIDERS, (p) => config.providers[p]?.baseUrl);
    const keyPresence = new KeyPresence(options.keys, providers.ids());
    await keyPresence.refresh();
    // The user's model overrides (prices, context windows, new models) apply to every decision and price.
    // The data file `catalog update` saved (or the shipped one), then the user's models from config.json.
    const catalog = Catalog.withOverrides(config.routing.models, 'config.json routing.models', startupCatalogData(options.home).data);
    // Health, circuits, rate limits, balancing and the cache: shared by every request of this daemon.
    const resilience = resilienceFromConfig(config, now);
    const clients = new ClientHub();
    // Built before the router: its output-length history prices every candidate.
    const ledger = new LedgerService({
      store,
      catalog,
      baselineModel: config.baselineModel,
      askConfirmAboveUsd: config.askConfirmAboveUsd,
      timeZone: config.timeZone,
      now,
      notify: (method, params) => clients.broadcast(method, params),
      coldRows: (tx, from, to) => cold.rowsAscending(tx, from, to),
      coldNewest: (tx, from) => cold.rowsDescending(tx, from, Number.MAX_SAFE_INTEGER, null),
    });
    const router = new Router({
      catalog,
      isAvailable: (m) => {
        if (options.simulate) {
          return true;
        }
        const p = providers.resolve(m.provider);
        return p !== null && (!p.needsKey || keyPresence.has(m.provider));
      },
      defaultTradeoff: config.defaultTradeoff,
      baselineModel: config.baselineModel,
      config: config.routing,
      stats: resilience.health,
      outputTokens: (id, taskType, typical) => ledger.outputTokens(id, taskType, typical),
    });
    // What feedback taught the router in earlier runs (routing_learned table).
    restoreLearnedState(store, router);
    const http = new ProviderHttp(config.timeouts);
    cleanup.push(() => http.close());
    // The kill switch: the first check of every chat request, before anything is planned.
    const spending = new SpendingPause(options.home, now, (state) => clients.broadcast(editorNotifications.spendingChanged, state));
    const decisions = new RequestDecisions({ store, hotCutoff: () => hotCutoff(now(), ledger.timeZone) });
    const executor = new Executor({ providers, http, keyFor: (p) => options.keys.get(p), simulate: options.simulate, now, resilience });
    // Reservations left by a daemon that died mid-call are settled before anything new is admitted.
    await ledger.reconcileReservations();
    const experiments = createExperimentService({ store, router, catalog, now, coldRequest: (tx, id) => cold.findById(tx, id)?.row ?? null });
    // Team mode: its gate holds team money after the local budgets held theirs (a call they refuse
    // never takes team money). Connects in the background: an unreachable or misconfigured team
    // database never stops the daemon.
    const team = config.team
      ? new TeamService({
          config: config.team,
          store,
          password: { env: options.env ?? process.env, keychain: () => options.keys.get(TEAM_PASSWORD_KEY) },
          now,
          log: (m) => (options.warn ?? console.warn)(m),
        })
      : null;
    if (team) {
      team.start();
      cleanup.push(() => team.close());
    }
    const metrics = createMetrics({ ledger, team });
    // The turn's stages, in this order. Planning: budgets (router input), then the experiment arm
    // or promotion, then the router. Each attempt: the ledger's hold, then the team lease's.
    // Recording: the ledger settles, experiments store the unit and evaluate, the team lease is
    // charged and the row queued for the team ledger, metrics count.
    // Conversation affinity plans last (it judges the router's fresh decision) and records its
    // conversation's totals in the ledger row's transaction.
    const affinity = new ConversationAffinity({ store, catalog, enabled: config.affinity.enabled, now });
    const hooks: TurnHooks[] = [ledger.hooks, experimentHooks(experiments), affinity.hooks, ...(team ? [teamHooks(team)] : []), metrics.hooks, decisions.hooks, cold.hooks];
    const chat = new ChatService({
      store,
      catalog,
      router,
      executor,
      clients,
      now,
      budgets: team ? withTeamGate(ledger, team) : ledger,
      experiments: experimentPlanner(experiments),
      namedModelRoutes: config.routing.namedModels ?? [],
      affinity,
      hooks,
      admit: () => spending.check(),
      recordedCold: (tx, id) => cold.findById(tx, id) !== null,
    });
    const deps: DaemonDeps = {
      options,
      config,
      startedAt,
      store,
      catalog,
      router,
      keys: options.keys,
      keyPresence,
      providers,
      health: resilience.health,
      http,
      clients,
      chat,
      ledger,
      experiments,
      hooks,
      spending,
      decisions,
      cold,
      team,
      metrics,
      endpoints: { port: 0, socketPath: options.socketPath },
      now,
    };
    cold.schedule({ ageCutoff: () => hotCutoff(now(), ledger.timeZone), runningSince: () => chat.runningSince() });
    const handlers = createHandlers(deps);
    const idle = new IdleWatch(options.idleTimeoutMs, () => clients.count(), options.onIdle, options.onActivity);
    clients.onChange(() => idle.touch());
    cleanup.push(async () => idle.stop());

    const httpServer: Server = createHttpServer({ handlers, chat, catalog, token: options.token, version: options.version, idle, policyNames: () => router.policies().list().map((p) => p.name), metrics: { ...metrics, requireToken: config.metrics.requireToken } });
    deps.endpoints.port = await listenLoopback(httpServer, options.port);
    cleanup.push(() => closeHttp(httpServer));
    const lsp: LspSocketServer = await startLspSocketServer(options.socketPath, { handlers, token: options.token, clients, version: options.version, onActivity: () => idle.touch() });
    cleanup.push(() => lsp.close());
    idle.touch();

    let closing: Promise<void> | null = null;
    return {
      port: deps.endpoints.port,
      socketPath: options.socketPath,
      clientCount: () => clients.count(),
      deps,
      simulator,
      close: () => (closing ??= runCleanup(cleanup)),
    };
  } catch (e) {
    await runCleanup(cleanup);
    throw e;
  }
}

/** Stops in reverse order of start: transports first, the store last. */
async function runCleanup(steps: (() => Promise<void>)[]): Promise<void> {
  for (const step of [...steps].reverse()) {
    try {
      await step();
    } catch {
      // Keep closing the rest: a half-closed daemon is worse than a noisy one.
    }
  }
}

const CLOSE_GRACE_MS = 10_000;

/** Lets in-flight requests finish (bounded), then drops whatever is left. */
function closeHttp(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
