import type { ChannelSpec } from './types.js';

// One line per channel type; modules load only when a channel of that type is used.
const spec = (type: string, required: string[], secretKeys: string[], load: ChannelSpec['load']): ChannelSpec => ({
  type,
  required,
  secretKeys,
  load,
});

export const CHANNEL_SPECS: Record<string, ChannelSpec> = {
  console: spec('console', [], [], () => import('./channels/console.js')),
  xxtui: spec('xxtui', ['api_key'], ['api_key'], () => import('./channels/xxtui.js')),
  webhook: spec('webhook', ['url'], ['headers', 'token'], () => import('./channels/webhook.js')),
  email: spec('email', ['host', 'from', 'to'], ['password'], () => import('./channels/email.js')),
  slack: spec('slack', ['url'], ['url'], () => import('./channels/slack.js')),
  discord: spec('discord', ['url'], ['url'], () => import('./channels/discord.js')),
  telegram: spec('telegram', ['token', 'chat_id'], ['token'], () => import('./channels/telegram.js')),
  dingtalk: spec('dingtalk', ['access_token'], ['access_token', 'secret'], () => import('./channels/dingtalk.js')),
  wecom: spec('wecom', ['key'], ['key'], () => import('./channels/wecom.js')),
  feishu: spec('feishu', ['token'], ['token', 'secret'], () => import('./channels/feishu.js')),
  lark: spec('lark', ['token'], ['token', 'secret'], () => import('./channels/feishu.js')),
  ntfy: spec('ntfy', ['topic'], ['token'], () => import('./channels/ntfy.js')),
  bark: spec('bark', ['device_key'], ['device_key'], () => import('./channels/bark.js')),
  serverchan: spec('serverchan', ['sendkey'], ['sendkey'], () => import('./channels/serverchan.js')),
  pushplus: spec('pushplus', ['token'], ['token'], () => import('./channels/pushplus.js')),
};

export const CHANNEL_TYPES = Object.keys(CHANNEL_SPECS);
