import type { Migration } from '../migration';
import { ledger } from './001_ledger';
import { budgets } from './002_budgets';
import { experiments } from './003_experiments';
import { teamOutbox } from './014_team_outbox';

// Numbers are allocated per area so parallel work cannot collide:
// 1 ledger · 2 budgets/reservations · 3 experiments/feedback · 4 routing stats · 5 provider health · 14 team outbox
export const migrations: readonly Migration[] = [ledger, budgets, experiments, teamOutbox];
