// Every CLI command, once. To add one: a file in this folder exporting a CliCommand, and a line here.
import type { CliCommand } from '../command';
import { daemonCommand } from './daemon';
import { statusCommand } from './status';
import { askCommand } from './ask';
import { stopCommand } from './stop';
import { spendCommand } from './spend';
import { budgetCommand } from './budget';
import { exportCommand } from './export';
import { routeCommand } from './route';
import { experimentCommand } from './experiment';
import { feedbackCommand } from './feedback';
import { catalogCommand } from './catalog';
import { teamCommand } from './team';

export const commands: readonly CliCommand[] = [daemonCommand, statusCommand, askCommand, stopCommand, spendCommand, budgetCommand, exportCommand, routeCommand, experimentCommand, feedbackCommand, catalogCommand, teamCommand];
