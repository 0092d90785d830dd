// The report building blocks, for the monitor, the wrapper's --notify and the channels.
export { readLogTail, TAIL_MAX_BYTES, TAIL_CHUNK_BYTES, type LogTail } from './tail.js';
export { cleanLine, cleanLines, stripAnsi, collapseCarriageReturns, shortenLine, DEFAULT_MAX_LINE_LENGTH } from './clean.js';
export { findErrorExcerpt, findErrorRegion, MAX_EXCERPT_LINES, type ErrorKind, type ErrorRegion } from './excerpt.js';
export { resolveLogPath, isInside, type ResolvedLogPath } from './log-path.js';
export { MESSAGES, STATUS_EMOJI, translate, statusLabel, formatDurationIn, type MessageKey } from './i18n.js';
export { buildSummary } from './summary.js';
export { runName, buildTitleParts, fitTitle, joinTitle } from './title.js';
export { buildReason } from './reason.js';
export { localizeSchedulerNote } from './scheduler-note.js';
export { buildReport, readLogSection, splitTail, localizeNote, ERROR_SCAN_LINES, DEFAULT_TAIL_LINES, type BuildOptions } from './build.js';
export { buildDigestReport, taskIdOf, STATUS_RANK } from './digest.js';
export { countChars, countBytes, fitsLimits, truncateToLimit } from './limits.js';
export { renderReport, renderTitle, escapeHtml, escapeMarkdown, plainLite } from './render.js';
export type * from './types.js';
