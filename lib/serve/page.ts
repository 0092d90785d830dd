// The status page: plain HTML, CSS and JS served by the monitor, no build step; live through server-sent events.
/* eslint-disable max-len -- the page's text below is served exactly as written: wrapping a line would change it */

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>hpc-run</title>
<link rel="stylesheet" href="/style.css">
</head>
<body>
<header><a href="/" id="home">hpc-run</a> <span id="conn" class="conn">connecting…</span></header>
<main>
<section id="list-view">
<h1>Runs</h1>
<table id="runs"><thead><tr><th>Run</th><th>Job</th><th>Host</th><th>State</th><th>Elapsed</th><th>Last output</th><th>GPU</th><th class="wide">Last line</th></tr></thead><tbody></tbody></table>
<p id="empty" hidden>No runs yet.</p>
<h2>Recent reports</h2>
<ul id="history"></ul>
</section>
<section id="run-view" hidden>
<h1 id="run-title"></h1>
<dl id="run-facts"></dl>
<h2>Log</h2>
<pre id="run-log"></pre>
<h2>Reports</h2>
<ul id="run-reports"></ul>
</section>
</main>
<script src="/app.js"></script>
</body>
</html>
`;

export const STYLE_CSS = `:root { color-scheme: light dark; --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --dim: #6e7781; }
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; }
header { padding: .6rem 1rem; border-bottom: 1px solid #8884; display: flex; gap: 1rem; align-items: baseline; }
header a { font-weight: 600; text-decoration: none; color: inherit; }
.conn { color: var(--dim); font-size: 12px; }
main { padding: 0 1rem 2rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #8883; vertical-align: top; }
td.line { font-family: ui-monospace, monospace; font-size: 12px; max-width: 40ch; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.state { font-weight: 600; }
.s-running, .s-delivered, .s-delivering { color: var(--ok); }
.s-stalled, .s-gpu_idle { color: var(--warn); }
.s-lost, .s-delivery_failing { color: var(--bad); }
pre { background: #8881; padding: .6rem; overflow-x: auto; font-size: 12px; max-height: 70vh; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dt { color: var(--dim); }
@media (max-width: 700px) {
  th.wide, td.line { display: none; }
  th, td { padding: .3rem .25rem; font-size: 13px; }
}
`;

export const APP_JS = `'use strict';
const token = new URLSearchParams(location.search).get('token');
const withToken = (path) => token ? path + (path.includes('?') ? '&' : '?') + 'token=' + encodeURIComponent(token) : path;
const $ = (id) => document.getElementById(id);
const text = (tag, value, cls) => { const el = document.createElement(tag); el.textContent = value == null ? '—' : String(value); if (cls) el.className = cls; return el; };

function ago(iso) {
  if (!iso) return '—';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 60) return s + ' s ago';
  if (s < 3600) return Math.round(s / 60) + ' min ago';
  if (s < 86400) return Math.round(s / 3600) + ' h ago';
  return Math.round(s / 86400) + ' d ago';
}
function duration(s) {
  if (s == null) return '—';
  s = Math.round(s);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  return h ? h + 'h ' + m + 'm' : m ? m + 'm ' + (s % 60) + 's' : s + 's';
}
function gpu(run) {
  const gpus = run.gpus || [];
  if (!gpus.length) return '—';
  return gpus.map((g) => (g.utilization_pct == null ? 'n/a' : g.utilization_pct + '%') + (g.memory_used_mib == null ? '' : ' ' + Math.round(g.memory_used_mib / 1024) + 'G')).join(', ');
}
function runName(run) { return run.run_id || (run.work_dir || '').split('/').filter(Boolean).pop() || 'run'; }

function renderRuns(data) {
  const body = $('runs').tBodies[0];
  body.replaceChildren();
  for (const run of data.runs) {
    const tr = document.createElement('tr');
    tr.dataset.id = run.id;
    tr.dataset.state = run.state;
    const name = document.createElement('td');
    const link = document.createElement('a');
    link.href = withToken('/runs/' + encodeURIComponent(run.id));
    link.textContent = runName(run);
    name.append(link);
    tr.append(name, text('td', run.job_id), text('td', run.host), text('td', run.state.replace('_', ' '), 'state s-' + run.state),
      text('td', duration(run.elapsed_s)), text('td', ago(run.last_output_at)), text('td', gpu(run)), text('td', run.last_line, 'line'));
    body.append(tr);
  }
  $('empty').hidden = data.runs.length > 0;
  renderReports($('history'), data.history || []);
}
function renderReports(list, reports) {
  list.replaceChildren();
  for (const r of reports) {
    const li = text('li', ' ' + (r.title || r.status || ''));
    const when = text('time', ago(r.at));
    when.dateTime = r.at || '';
    li.prepend(when);
    list.append(li);
  }
}
function renderRun(data) {
  if (!data) { $('run-title').textContent = 'No such run'; return; }
  const run = data.run;
  $('run-title').textContent = runName(run) + ' · ' + run.state.replace('_', ' ');
  const facts = $('run-facts');
  facts.replaceChildren();
  for (const [k, v] of [['work dir', run.work_dir], ['job', run.job_id], ['host', run.host], ['elapsed', duration(run.elapsed_s)], ['last output', ago(run.last_output_at)], ['GPU', gpu(run)]]) facts.append(text('dt', k), text('dd', v));
  const log = $('run-log');
  const atEnd = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
  log.textContent = (data.log || []).join('\\n');
  if (atEnd) log.scrollTop = log.scrollHeight;
  renderReports($('run-reports'), data.reports || []);
}

const match = /^\\/runs\\/([^/]+)$/.exec(location.pathname);
const runId = match ? decodeURIComponent(match[1]) : null;
$('list-view').hidden = runId !== null;
$('run-view').hidden = runId === null;
const source = new EventSource(withToken('/events' + (runId ? '?run=' + encodeURIComponent(runId) : '')));
source.addEventListener('open', () => { $('conn').textContent = 'live'; });
source.addEventListener('error', () => { $('conn').textContent = 'reconnecting…'; });
source.addEventListener('runs', (e) => renderRuns(JSON.parse(e.data)));
source.addEventListener('run', (e) => renderRun(JSON.parse(e.data)));
`;
