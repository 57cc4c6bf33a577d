import type { Migration } from '../migration';
import { ledger } from './001_ledger';
import { budgets } from './002_budgets';
import { experiments } from './003_experiments';
import { routingLearned } from './004_routing_learned';

// Numbers are allocated per area so parallel work cannot collide:
// 1 ledger · 2 budgets/reservations · 3 experiments/feedback · 4 routing stats (4: the router's learned state) · 5 provider health
export const migrations: readonly Migration[] = [ledger, budgets, experiments, routingLearned];
