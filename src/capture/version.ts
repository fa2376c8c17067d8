// The package's version, for pcapng's shb_userappl ("vnet 0.1.0"): read once from package.json.
import { readFileSync } from 'node:fs';

let version: string | undefined;

/** The version in package.json (dist/src/capture → ../../../package.json), or "unknown" when it cannot be read. */
export function vnetVersion(): string {
  if (version === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { name?: string; version?: unknown };
      version = pkg.name === 'vnet' && typeof pkg.version === 'string' ? pkg.version : 'unknown';
    } catch {
      version = 'unknown';
    }
  }
  return version;
}
