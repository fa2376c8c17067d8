// Commands import the session API (src/session/api.ts), never the engine, wire, capture or bridge
// layers: the lint rule in eslint.config.js refuses such an import in a command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { ROOT } from '../e2e/cli-helpers.js';

test('the lint rule refuses a command importing a layer below the session, and allows the session API', async () => {
  const eslint = new ESLint({ cwd: ROOT });
  const lint = async (source: string): Promise<string[]> => {
    const [result] = await eslint.lintText(source, { filePath: join(ROOT, 'commands', 'router', 'probe.ts') });
    return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
  };
  for (const layer of ['engine/errors', 'wire/addr', 'capture/index', 'bridge/endpoint', 'netns/index', 'services/dns-server']) {
    const found = await lint(`import type { X } from '../../src/${layer}.js';\nexport type Y = X;\n`);
    assert.equal(found.length, 1, layer);
    assert.match(found[0], /session API \(src\/session\/api\.ts\)/);
  }
  assert.deepEqual(await lint(`import { VnetError } from '../../src/session/api.js';\nexport const E = VnetError;\n`), []);
});
