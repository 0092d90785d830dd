import { channelTypes, DEFAULT_CHANNEL_TYPE, isChannelType, loadChannelModule } from '../notify/registry.js';
import { checkRequired, isEmpty, normalizeChannelSettings } from '../notify/settings.js';
import type { ChannelSettings, SettingsIssues } from '../notify/types.js';
import { childPath, isMapping } from './expand.js';
import type { ProblemList } from './issues.js';
import type { SecretsFile } from './secrets.js';
import { closestWord, unknownKeyMessage } from './suggest.js';
import type { ChannelConfig } from './types.js';

/** A channel as written, before names, secrets and checks: its settings and the key path they came from. */
interface Draft {
  settings: Record<string, unknown>;
  path: string;
  /** The raw (not yet `${VAR}`-expanded) settings, to tell secrets written inline in the config file. */
  raw: Record<string, unknown>;
}

export interface NormalizedChannels {
  channels: ChannelConfig[];
  /** True when nothing is configured and the registry's default channel stands in. */
  byDefault: boolean;
  /** Values of every secret field (`headers`: each value, and the token after `Bearer `). */
  secrets: string[];
  /** Key paths of secret fields, so `${VAR}` expansions inside them count as secrets too. */
  secretPaths: string[];
  /** Key paths of secrets written literally in the config file (worth a warning if others can read it). */
  inlineSecretPaths: string[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const KNOWN_KEYS = ['type', 'api_keys_file', 'channels'];
/** Headers that describe the request, never carry a secret, and whose values are common words worth keeping. */
const PLAIN_HEADERS = new Set([
  'content-type',
  'accept',
  'accept-language',
  'accept-encoding',
  'content-language',
  'user-agent',
  'cache-control',
]);

/**
 * Every channel: the seed's one `notification.type` (settings from `notification.<type>`), then each entry of
 * `notification.channels`; unique names; each checked by its module's settings; missing settings taken from the
 * secrets file; required keys checked. Nothing configured gives the registry's default channel.
 */
export async function normalizeChannels(
  notification: unknown,
  rawNotification: unknown,
  secrets: SecretsFile,
  problems: ProblemList,
): Promise<NormalizedChannels> {
  const result: NormalizedChannels = { channels: [], byDefault: false, secrets: [], secretPaths: [], inlineSecretPaths: [] };
  if (notification === undefined || notification === null) {
    result.channels.push({ type: DEFAULT_CHANNEL_TYPE, name: DEFAULT_CHANNEL_TYPE });
    result.byDefault = true;
    return result;
  }
  if (!isMapping(notification)) {
    problems.error('notification', 'expected a mapping with `type:` or `channels:`');
    return result;
  }
  const raw = isMapping(rawNotification) ? rawNotification : {};
  const drafts = collectDrafts(notification, raw, problems);
  if (drafts.length === 0 && notification.type === undefined && notification.channels === undefined) {
    result.channels.push({ type: DEFAULT_CHANNEL_TYPE, name: DEFAULT_CHANNEL_TYPE });
    result.byDefault = true;
    return result;
  }
  const names = assignNames(drafts, problems);
  for (const [i, draft] of drafts.entries()) {
    const spec = (await loadChannelModule(draft.settings.type as string)).settings;
    const channel = finishChannel(draft, names[i], spec, secrets, problems);
    if (channel) {
      result.channels.push(channel);
      collectSecrets(draft, channel, spec, result);
    }
  }
  return result;
}

// The seed's single channel and the `channels:` list, each with a known type (unknown ones become problems).
function collectDrafts(notification: Record<string, unknown>, raw: Record<string, unknown>, problems: ProblemList): Draft[] {
  const drafts: Draft[] = [];
  const seedType = notification.type;
  if (seedType !== undefined && seedType !== null) {
    if (checkType(seedType, 'notification.type', problems)) {
      const type = seedType as string;
      const section = notification[type] ?? {};
      const path = `notification.${type}`;
      if (isMapping(section)) drafts.push({ settings: { ...section, type }, path, raw: mappingOr(raw[type]) });
      else problems.error(path, `expected the ${type} channel's settings as a mapping (key: value lines)`);
    }
  }
  const list = notification.channels;
  if (list !== undefined && list !== null) {
    if (!Array.isArray(list)) {
      problems.error('notification.channels', 'expected a list of channels, each `- type: …` with its settings');
    } else {
      const rawList = Array.isArray(raw.channels) ? raw.channels : [];
      list.forEach((entry, i) => {
        const path = childPath('notification.channels', i);
        const known = channelTypes().join(', ');
        if (!isMapping(entry)) problems.error(path, `expected a channel: a mapping with a type and its settings (known types: ${known})`);
        else if (checkType(entry.type, `${path}.type`, problems)) drafts.push({ settings: { ...entry }, path, raw: mappingOr(rawList[i]) });
      });
    }
  }
  warnUnusedKeys(notification, typeof seedType === 'string' ? seedType : undefined, problems);
  return drafts;
}

// A registered channel type, else a problem listing the known ones.
function checkType(type: unknown, path: string, problems: ProblemList): boolean {
  const known = `known types: ${channelTypes().join(', ')}`;
  if (typeof type !== 'string' || type === '') {
    problems.error(path, `expected a channel type (${known})`);
    return false;
  }
  if (!isChannelType(type)) {
    const match = closestWord(type, channelTypes());
    problems.error(path, `unknown channel type '${type}'${match ? ` (did you mean '${match}'?)` : ''}; ${known}`);
    return false;
  }
  return true;
}

// Settings under `notification` that nothing reads get a warning (typos, or a type not selected).
function warnUnusedKeys(notification: Record<string, unknown>, seedType: string | undefined, problems: ProblemList): void {
  for (const key of Object.keys(notification)) {
    if (KNOWN_KEYS.includes(key) || key === seedType) continue;
    const where = problems.file ? `${problems.file}: ` : '';
    if (isChannelType(key)) {
      problems.warn(
        `${where}notification.${key} is ignored: notification.type is ${seedType ? `'${seedType}'` : 'not set'}` +
          ' (add the channel to notification.channels to use it as well)',
      );
    } else {
      problems.warn(`${where}${unknownKeyMessage(`notification.${key}`, key, [...KNOWN_KEYS, ...channelTypes()])}`);
    }
  }
}

// Explicit names first (unique, file-name safe), then the type, `type-2`, … for the rest.
function assignNames(drafts: Draft[], problems: ProblemList): string[] {
  const names: string[] = new Array(drafts.length).fill('');
  const taken = new Map<string, string>();
  drafts.forEach((draft, i) => {
    const name = draft.settings.name;
    if (name === undefined || name === null || name === '') return;
    const path = `${draft.path}.name`;
    if (typeof name !== 'string' || !NAME.test(name)) {
      problems.error(path, 'expected a short name of letters, digits, `_`, `.` or `-` (e.g. team-chat)');
    } else if (taken.has(name)) {
      problems.error(path, `the name '${name}' is already used by ${taken.get(name)}; channel names must be unique`);
    } else {
      taken.set(name, draft.path);
      names[i] = name;
    }
  });
  drafts.forEach((draft, i) => {
    if (names[i]) return;
    const type = draft.settings.type as string;
    let name = type;
    for (let n = 2; taken.has(name); n += 1) name = `${type}-${n}`;
    taken.set(name, draft.path);
    names[i] = name;
  });
  return names;
}

// One channel's settings: checked by the module's settings, secrets filled in, required keys present.
function finishChannel(
  draft: Draft,
  name: string,
  spec: ChannelSettings,
  secrets: SecretsFile,
  problems: ProblemList,
): ChannelConfig | null {
  const type = draft.settings.type as string;
  const settings: Record<string, unknown> = { ...draft.settings };
  delete settings.type;
  delete settings.name;
  const before = problems.problems.length;
  normalizeChannelSettings(settings, spec, draft.path, settingsIssues(problems));
  fillFromSecrets(settings, name, type, spec, secrets);
  const { missing, mappings } = checkRequired(settings, spec);
  for (const key of missing) problems.error(`${draft.path}.${key}`, missingKeyMessage(type, name, key, spec, secrets));
  for (const key of mappings) problems.error(`${draft.path}.${key}`, 'expected text, not a mapping');
  return problems.problems.length === before ? { type, name, ...settings } : null;
}

// The problem list in the terms a channel module reports in (warnings name the file and key).
function settingsIssues(problems: ProblemList): SettingsIssues {
  const where = problems.file ? `${problems.file}: ` : '';
  return {
    error: (key, message) => problems.error(key, message),
    warn: (key, message) => problems.warn(`${where}${key} ${message}`),
  };
}

// A missing setting X comes from the secrets file: `<name>_X`, then `<type>_X`, then the module's own keys for X.
function fillFromSecrets(settings: Record<string, unknown>, name: string, type: string, spec: ChannelSettings, secrets: SecretsFile): void {
  for (const prefix of new Set([`${name}_`, `${type}_`])) {
    for (const [key, value] of Object.entries(secrets.values)) {
      if (!key.startsWith(prefix) || key.length === prefix.length) continue;
      const setting = key.slice(prefix.length);
      if (isEmpty(settings[setting])) settings[setting] = value;
    }
  }
  for (const [setting, keys] of Object.entries(spec.secretsFileKeys ?? {})) {
    const found = keys.find((key) => !isEmpty(secrets.values[key]));
    if (isEmpty(settings[setting]) && found !== undefined) settings[setting] = secrets.values[found];
  }
}

// Names the missing key, the secrets-file key that could supply it, and the file that was (or was not) found.
function missingKeyMessage(type: string, name: string, key: string, spec: ChannelSettings, secrets: SecretsFile): string {
  const secretKey = `${type}_${key}`;
  const alternatives = [secretKey, ...(name !== type ? [`${name}_${key}`] : []), ...(spec.secretsFileKeys?.[key] ?? [])];
  const keys = alternatives.map((k) => `'${k}'`).join(' or ');
  let where: string;
  if (secrets.file) where = `in ${secrets.file}`;
  else if (secrets.expected.length > 0) {
    where =
      `in the secrets file, which was not found (expected ${secrets.expected.join(' or ')}` +
      `${secrets.named ? ', named by notification.api_keys_file' : ''})`;
  } else where = 'in a secrets file named by notification.api_keys_file';
  return `the ${type} channel '${name}' needs '${key}': set it here, or put ${keys} ${where}`;
}

// Secret values (each header value, and the token after a scheme word) and the key paths they came from.
function collectSecrets(draft: Draft, channel: ChannelConfig, spec: ChannelSettings, result: NormalizedChannels): void {
  for (const key of spec.secretKeys) {
    const path = `${draft.path}.${key}`;
    result.secretPaths.push(path);
    const value = channel[key];
    const values = isMapping(value)
      ? Object.entries(value)
          .filter(([h]) => !PLAIN_HEADERS.has(h.toLowerCase()))
          .map(([, v]) => v)
      : [value];
    for (const v of values) {
      if (typeof v !== 'string' && typeof v !== 'number') continue;
      const text = String(v);
      result.secrets.push(text);
      const token = /^\w+\s+(\S.*)$/.exec(text);
      if (token) result.secrets.push(token[1]);
    }
    const raw = draft.raw[key];
    const rawValues = isMapping(raw)
      ? Object.entries(raw).filter(([h]) => !PLAIN_HEADERS.has(h.toLowerCase())).map(([k, v]) => [childPath(path, k), v] as const)
      : [[path, raw] as const];
    for (const [p, v] of rawValues) {
      if (typeof v === 'string' && v !== '' && !v.includes('${')) result.inlineSecretPaths.push(p);
      else if (typeof v === 'number') result.inlineSecretPaths.push(p);
    }
  }
}

const mappingOr = (value: unknown): Record<string, unknown> => (isMapping(value) ? value : {});
