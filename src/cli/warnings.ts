// A result's `warnings` (e.g. a bridge added to a virtual-clock session), each as one line on stderr.
import * as colour from './style.js';

/** Writes `vnet: warning: TEXT` on stderr for each of `result.warnings`; stdout (and --json) stays the result. */
export function printWarnings(result: unknown): void {
  const warnings = (result as { warnings?: unknown } | null)?.warnings;
  if (!Array.isArray(warnings)) return;
  for (const w of warnings) process.stderr.write(`${colour.err.yellow('vnet: warning:')} ${String(w)}\n`);
}

/** "map 1 (127.0.0.1:4000 -> 198.51.100.7:7), proxy 2 (198.51.100.53:53 -> real 127.0.0.1:5353)": bridges removed with their node. */
export function bridgesText(r: { maps?: { id: number; listen: string; remote: string }[]; proxies?: { id: number; as: string; real: string }[] }): string {
  return [
    ...(r.maps ?? []).map((m) => `map ${m.id} (${m.listen} -> ${m.remote})`),
    ...(r.proxies ?? []).map((p) => `proxy ${p.id} (${p.as} -> real ${p.real})`),
  ].join(', ');
}
