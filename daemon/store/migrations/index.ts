import type { Migration } from '../migration';
import { ledger } from './001_ledger';
import { budgets } from './002_budgets';
import { experiments } from './003_experiments';
import { budgetFlags } from './006_budgetFlags';
import { teamOutbox } from './014_team_outbox';

// Numbers are allocated per area so parallel work cannot collide:
// 1 ledger · 2 budgets/reservations · 3 experiments/feedback · 4 routing stats · 5 provider health;
// later migrations take the next free number (6 budget flags). 14 (team outbox) was taken clear of
// that sequence while work ran in parallel: the store applies only versions above its own, so a
// new migration must be numbered above 14 (15, 16, …) or stores already at 14 would skip it.
export const migrations: readonly Migration[] = [ledger, budgets, experiments, budgetFlags, teamOutbox];
