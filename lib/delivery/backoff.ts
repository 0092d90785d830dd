/**
 * Seconds to wait before retry number `attempt` (1 = the first retry): `baseS * 2^(attempt-1)`, capped at `maxS`.
 * Pure and without jitter, so the monitor's schedule is predictable and testable without waiting.
 */
export function retryDelay(attempt: number, baseS: number, maxS: number): number {
  if (!Number.isFinite(attempt) || attempt < 1) return 0;
  const base = Math.max(0, baseS);
  const cap = Math.max(0, maxS);
  // Past 2^52 the product is beyond any cap anyway; stop the exponent from overflowing to Infinity.
  const factor = 2 ** Math.min(Math.floor(attempt) - 1, 52);
  return Math.min(base * factor, cap);
}
