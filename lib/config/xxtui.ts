import { XXTUI_DEFAULT_URL, SEED_XXTUI_URL } from './defaults.js';
import { isMapping } from './expand.js';
import type { ProblemList } from './issues.js';

/**
 * The seed's xxtui settings in the channel's terms: `url` always holds `{api_key}` (default endpoint; the seed
 * document's placeholder `https://xxtui.com/push` means the default; another URL without it gets `/{api_key}`),
 * `body.title` becomes the message `title`, `body.content` its first line `lead`.
 */
export function normalizeXxtui(settings: Record<string, unknown>, path: string, problems: ProblemList): void {
  const url = settings.url;
  if (url === undefined || url === null || url === '') settings.url = XXTUI_DEFAULT_URL;
  else if (typeof url === 'string') settings.url = withKeyPlaceholder(url);
  const body = settings.body;
  if (body === undefined || body === null) {
    delete settings.body;
    return;
  }
  if (!isMapping(body)) {
    problems.error(`${path}.body`, 'expected a mapping with title and content (the message title and its first line)');
    return;
  }
  for (const [from, to] of [['title', 'title'], ['content', 'lead']] as const) {
    const value = body[from];
    if (value === undefined || value === null || value === '') continue;
    if (typeof value !== 'string' && typeof value !== 'number') problems.error(`${path}.body.${from}`, 'expected text');
    else if (settings[to] === undefined || settings[to] === null || settings[to] === '') settings[to] = String(value);
  }
  for (const key of Object.keys(body)) {
    if (key !== 'title' && key !== 'content') {
      problems.warn(`${problems.file ? `${problems.file}: ` : ''}${path}.body.${key} is ignored (the message is {from, title, content})`);
    }
  }
  delete settings.body;
}

/** The URL with `{api_key}` in it: the seed's placeholder endpoint maps to the real one, others get `/{api_key}`. */
export function withKeyPlaceholder(url: string): string {
  if (SEED_XXTUI_URL.test(url.trim())) return XXTUI_DEFAULT_URL;
  if (url.includes('{api_key}')) return url;
  return `${url.replace(/\/+$/, '')}/{api_key}`;
}
