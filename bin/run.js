#!/usr/bin/env node
// vnet's command-line entry point: hands argv to oclif, which loads commands from dist/commands.
import { fileURLToPath, URL } from 'node:url';

if (process.argv[2] === '__names') {
  // Shell completion asks for live names on every Tab: answered without loading oclif (see complete-names.ts).
  const { printNames } = await import('../dist/src/cli/complete-names.js');
  await printNames(process.argv.slice(3));
} else {
  const { execute } = await import('@oclif/core');
  const { loadOptionsFor } = await import('../dist/src/cli/docs/manifest-freshness.js');
  // oclif.manifest.json (written by `npm run build`) spares loading every command at start; one older than
  // the compiled commands would hide new ones, so then oclif reads the commands themselves.
  const root = fileURLToPath(new URL('..', import.meta.url));
  await execute({ dir: import.meta.url, loadOptions: await loadOptionsFor(root) });
}
