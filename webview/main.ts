// Entry of dist/webview.js: connects the bridge and mounts the view the panel's HTML asks for.
import './styles/main.css';
import type { ViewKind } from './bridge';
import { Bridge } from './rpc';
import { mountAnswer } from './views/answer';
import { mountDashboard } from './views/dashboard';

const views: Record<ViewKind, (root: HTMLElement, bridge: Bridge) => void> = {
  dashboard: mountDashboard,
  answer: mountAnswer,
};

const root = document.getElementById('app');
const view = document.body.dataset.view;
if (root && view && Object.prototype.hasOwnProperty.call(views, view)) {
  views[view as ViewKind](root, new Bridge());
} else if (root) {
  root.textContent = `Unknown view: ${String(view)}`;
}
