import { ConfigError } from '../common/errors.js';
import type { ChannelModule } from './types.js';

type Loader = () => Promise<ChannelModule>;

// One line per channel type; a module loads only when a channel of that type is configured.
const LOADERS = new Map<string, Loader>([
  ['console', () => import('./channels/console.js')],
  ['xxtui', () => import('./channels/xxtui.js')],
  ['webhook', () => import('./channels/webhook.js')],
  ['email', () => import('./channels/email.js')],
  ['slack', () => import('./channels/slack.js')],
  ['discord', () => import('./channels/discord.js')],
  ['telegram', () => import('./channels/telegram.js')],
  ['dingtalk', () => import('./channels/dingtalk.js')],
  ['wecom', () => import('./channels/wecom.js')],
  ['feishu', () => import('./channels/feishu.js')],
  ['lark', () => import('./channels/feishu.js')],
  ['ntfy', () => import('./channels/ntfy.js')],
  ['bark', () => import('./channels/bark.js')],
  ['serverchan', () => import('./channels/serverchan.js')],
  ['pushplus', () => import('./channels/pushplus.js')],
]);

/** The channel used when a configuration names none. */
export const DEFAULT_CHANNEL_TYPE = 'console';

/** Every registered channel type, in registration order. */
export function channelTypes(): string[] {
  return [...LOADERS.keys()];
}

export function isChannelType(type: unknown): type is string {
  return typeof type === 'string' && LOADERS.has(type);
}

/** The module of a channel type; an unknown type is a ConfigError at `key` listing the known ones. */
export async function loadChannelModule(type: string, key = 'type'): Promise<ChannelModule> {
  const load = LOADERS.get(type);
  if (!load) throw new ConfigError(`unknown channel type '${type}'; known: ${channelTypes().join(', ')}`, { key });
  return load();
}

/** Adds (or replaces) a channel type; returns the function that removes it again. */
export function registerChannel(type: string, load: Loader): () => void {
  const before = LOADERS.get(type);
  LOADERS.set(type, load);
  return () => {
    if (before) LOADERS.set(type, before);
    else LOADERS.delete(type);
  };
}
