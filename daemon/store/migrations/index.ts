import type { Migration } from '../migration';
import { ledger } from './001_ledger';
import { budgets } from './002_budgets';
import { experiments } from './003_experiments';
import { budgetFlags } from './006_budgetFlags';
import { routingLearned } from './007_routing_learned';
import { conversations } from './008_conversations';
import { teamOutbox } from './014_team_outbox';
import { requestEffort } from './015_request_effort';
import { requestDecisions } from './016_request_decisions';
import { soleAttempt } from './017_sole_attempt';
import { experimentIndexPartial } from './019_experiment_index_partial';

// Numbers are allocated per area so parallel work cannot collide:
// 1 ledger · 2 budgets/reservations · 3 experiments/feedback · 4 routing stats · 5 provider health;
// later migrations take the next free number (6 budget flags, 7 the router's learned state,
// 8 conversation affinity). A store only runs migrations above its version, so a new one must be
// numbered above every shipped one. 14 (team outbox) was taken clear of that sequence while work
// ran in parallel: new migrations are numbered 15 and up, or stores already at 14 would skip them.
export const migrations: readonly Migration[] = [ledger, budgets, experiments, budgetFlags, routingLearned, conversations, teamOutbox, requestEffort, requestDecisions, soleAttempt, experimentIndexPartial];
