import type { Language } from '../config/types.js';
import { translate, type MessageKey } from './i18n.js';

type Params = Record<string, string>;

/** A way the monitor words its note on a lost run, and the message that says the same in the report's language. */
interface NoteForm {
  pattern: RegExp;
  key: MessageKey;
  /** Names of the captured groups, in order; `detail` is itself a source note and is translated part by part. */
  groups: string[];
}

// The monitor's notes (lib/monitor/lost.ts, recover.ts), whole.
const NOTES: NoteForm[] = [
  { pattern: /^not a Slurm job; the heartbeat stopped$/, key: 'sched.not_slurm', groups: [] },
  {
    pattern: /^the heartbeat stopped; an earlier monitor declared the run lost and stopped before writing its marker$/,
    key: 'sched.recovered',
    groups: [],
  },
  { pattern: /^the scheduler could not be asked: (.*)$/s, key: 'sched.not_asked', groups: ['detail'] },
  { pattern: /^job (\S+) is unknown to the scheduler \((.*)\)$/s, key: 'sched.unknown_job', groups: ['id', 'detail'] },
  {
    pattern: /^Slurm says job (\S+) is (\S+(?: by \d+)?)((?:, reason [^,(]+)?)((?:, exit \S+)?) \((.*)\)$/s,
    key: 'sched.says',
    groups: ['id', 'state', 'reason', 'exit', 'detail'],
  },
];

// The parts of the scheduler query's own note (lib/slurm/query.ts), joined there by `; `.
const PARTS: NoteForm[] = [
  { pattern: /^state from (squeue|sacct|scontrol show job)$/, key: 'sched.state_from', groups: ['source'] },
  { pattern: /^state from sacct and scontrol show job$/, key: 'sched.state_from_both', groups: [] },
  { pattern: /^sacct not found$/, key: 'sched.sacct_missing', groups: [] },
  { pattern: /^sacct unavailable \(no accounting storage\)$/, key: 'sched.sacct_off', groups: [] },
  { pattern: /^Slurm commands not found \((\S+)\)$/, key: 'sched.commands_missing', groups: ['command'] },
  { pattern: /^scheduler not answering \((.*)\)$/s, key: 'sched.not_answering', groups: ['detail'] },
  { pattern: /^scontrol failed \((.*)\)$/s, key: 'sched.scontrol_failed', groups: ['detail'] },
  { pattern: /^unknown to the scheduler \(ended longer ago than MinJobAge\?\): (.*)$/s, key: 'sched.unknown_ids', groups: ['ids'] },
  { pattern: /^not Slurm job ids: (.*)$/s, key: 'sched.not_ids', groups: ['ids'] },
  { pattern: /^no Slurm job ids to ask about$/, key: 'sched.no_ids', groups: [] },
];

/**
 * The monitor's note on a lost run in the report's language. The monitor writes it in English into the marker;
 * every form it uses is recognised and said again through the message table. What no form matches (a
 * command's own error text) is kept as it is.
 */
export function localizeSchedulerNote(note: string, language: Language): string {
  if (language === 'en') return note;
  const form = match(NOTES, note);
  if (!form) return localizeSourceNote(note, language);
  const params: Params = { ...form.params };
  if ('detail' in params) params.detail = localizeSourceNote(params.detail, language);
  if (form.key === 'sched.says') {
    const reason = /^, reason (.*)$/s.exec(params.reason ?? '');
    const exit = /^, exit (.*)$/s.exec(params.exit ?? '');
    params.more = (reason ? translate(language, 'sched.reason', { reason: reason[1].trim() }) : '')
      + (exit ? translate(language, 'sched.exit', { exit: exit[1] }) : '');
  }
  return translate(language, form.key, params);
}

// A source note (`state from sacct; not Slurm job ids: x`), part by part.
function localizeSourceNote(note: string, language: Language): string {
  return note.split('; ').map((part) => {
    const form = match(PARTS, part);
    return form ? translate(language, form.key, form.params) : part;
  }).join(translate(language, 'sched.separator'));
}

function match(forms: NoteForm[], text: string): { key: MessageKey; params: Params } | null {
  for (const form of forms) {
    const found = form.pattern.exec(text);
    if (found) return { key: form.key, params: Object.fromEntries(form.groups.map((name, i) => [name, found[i + 1] ?? ''])) };
  }
  return null;
}
