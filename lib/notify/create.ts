import { ConfigError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { ChannelConfig, Config } from '../config/types.js';
import { createRedactor } from '../config/redact.js';
import { loadChannelModule } from './registry.js';
import type { Channel, ChannelContext } from './types.js';

/** The context every channel gets: the logger, the environment (state dir) and a redactor of every known secret. */
export function createChannelContext(config: Config, logger: Logger, env: NodeJS.ProcessEnv = process.env): ChannelContext {
  return { logger, env, redact: createRedactor(config.secrets) };
}

/** Loads each configured channel's module (only the types in use) and creates the channels, in config order. */
export async function createChannels(config: Config, ctx: ChannelContext): Promise<Channel[]> {
  if (config.noChannelConfigured) ctx.logger.warn(noChannelWarning(config.file));
  const channels: Channel[] = [];
  for (const channelConfig of config.channels) channels.push(await createOneChannel(channelConfig, ctx));
  return channels;
}

// One channel of a loaded config (settings already checked): the module's own checks throw ConfigError.
async function createOneChannel(channelConfig: ChannelConfig, ctx: ChannelContext): Promise<Channel> {
  const key = `channels.${channelConfig.name}`;
  const module = await loadChannelModule(channelConfig.type, `${key}.type`);
  try {
    return module.createChannel(channelConfig, ctx);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(ctx.redact(`cannot set up the channel: ${reason}`), { key, cause: error });
  }
}

/** Said by every run that delivers while no channel is configured, so a report never vanishes quietly. */
export function noChannelWarning(file: string | null): string {
  const where = file ? `${file} configures no notification channel` : 'no config file was found';
  return `${where}: reports only go to this console and notifications.log; set up a channel and check it with 'train-monitor doctor'`;
}
