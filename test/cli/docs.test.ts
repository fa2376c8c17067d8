// The generated man pages and completions: up to date with the commands, valid roff and shell, and working.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateAll, generateFromModel, readGenerated, staleFiles } from '../../src/cli/docs/generate.js';
import { manifestIsStale } from '../../src/cli/docs/manifest-freshness.js';
import { loadModel, type CliModel } from '../../src/cli/docs/model.js';
import { code, page, prose, request } from '../../src/cli/docs/roff.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

let cachedModel: Promise<CliModel> | undefined;
const model = (): Promise<CliModel> => (cachedModel ??= loadModel(root));

function has(tool: string): boolean {
  return spawnSync(tool, ['--version'], { stdio: 'ignore' }).error === undefined;
}

test('man/ and completions/ are what the commands generate (else: run npm run docs)', async () => {
  const stale = staleFiles(await generateAll(root), readGenerated(root));
  assert.deepEqual(stale, [], `generated docs are stale: ${stale.join('; ')}; run npm run docs`);
});

test('every man page is valid roff for groff -man -ww (package groff-base)', async () => {
  assert.ok(has('groff'), 'groff is not installed, so the man pages cannot be checked: apt-get install -y groff-base');
  const pages = [...generateFromModel(await model())].filter(([path]) => path.startsWith('man/man1/'));
  assert.ok(pages.length >= 2, `got ${pages.length} man pages, want vnet.1 and at least one more`);
  for (const [path, text] of pages) {
    const r = spawnSync('groff', ['-man', '-ww', '-z'], { input: text, encoding: 'utf8' });
    assert.equal(r.status, 0, `groff failed on ${path}: ${r.stderr}`);
    assert.equal(r.stderr, '', `groff warns about ${path}: ${r.stderr}`);
  }
});

test('vnet.1 documents topics, environment, exit status and files; a topic page holds all its commands', async () => {
  const m = await model();
  const files = generateFromModel(m);
  const main = files.get('man/man1/vnet.1') ?? '';
  for (const section of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'TOPICS', 'COMMANDS', 'ENVIRONMENT', '"EXIT STATUS"', 'FILES', '"SEE ALSO"']) {
    assert.match(main, new RegExp(`^\\.SH ${section}$`, 'm'), `vnet.1 has no ${section} section`);
  }
  for (const name of ['VNET_SESSION', 'VNET_RUNTIME_DIR', 'XDG_RUNTIME_DIR', 'NO_COLOR']) assert.ok(main.includes(code(name)), `vnet.1 does not mention ${name}`);
  for (const status of ['0', '1', '2', '3', '124']) assert.match(main, new RegExp(`^\\\\fB${status}\\\\fR$`, 'm'), `vnet.1 does not explain exit status ${status}`);
  const router = files.get('man/man1/vnet-router.1') ?? '';
  for (const c of m.commands.filter((x) => x.words[0] === 'router')) {
    assert.ok(router.includes(`.SS "${code(`vnet ${c.id}`)}"`), `vnet-router.1 has no section for "vnet ${c.id}"`);
  }
  for (const c of m.topLevel) assert.ok(files.has(`man/man1/vnet-${c.id}.1`), `no man page for top-level command "${c.id}"`);
});

test('every command has a summary and at least one example', async () => {
  const missing = (await model()).commands.filter((c) => c.summary.trim() === '' || c.examples.length === 0).map((c) => c.id);
  assert.deepEqual(missing, [], `commands without a summary or an example: ${missing.join(', ')}`);
});

test('every topic has a one-line description in package.json oclif.topics', async () => {
  const missing = (await model()).topics.filter((t) => t.description.trim() === '').map((t) => t.name);
  assert.deepEqual(missing, [], `add oclif.topics.<name>.description in package.json for: ${missing.join(', ')}`);
});

test('roff escaping: backslashes, option hyphens, leading dots and quotes, non-ASCII', () => {
  const cases: [string, string, string][] = [
    ['code hyphens', code('--json -f'), '\\-\\-json \\-f'],
    ['code backslash', code('a\\b'), 'a\\eb'],
    ['prose options only', prose('see --follow, e-mail'), 'see \\-\\-follow, e-mail'],
    ['prose `code`', prose('run `vnet up`'), 'run \\fBvnet up\\fR'],
    ['non-ASCII', prose('a \u2192 b'), 'a \\[u2192] b'],
    ['leading dot and quote', page(['.hidden', "'quote", request('PP')]), "\\&.hidden\n\\&'quote\n.PP\n"],
  ];
  for (const [name, got, want] of cases) assert.equal(got, want, `${name}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
});

/** Runs `shell -n` (parse only) on a generated completion file written to a temp dir. */
async function parseCheck(shell: string, file: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vnet-docs-'));
  try {
    const path = join(dir, file.replace(/^.*\//, ''));
    writeFileSync(path, generateFromModel(await model()).get(file) ?? '');
    const r = spawnSync(shell, ['-n', path], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${shell} -n ${file}: ${r.stderr}`);
    assert.equal(r.stderr, '', `${shell} -n ${file} warns: ${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the bash completion parses (bash -n)', () => parseCheck('bash', 'completions/vnet.bash'));

test('the zsh completion parses (zsh -n; needs zsh)', async () => {
  if (!has('zsh')) throw new Error('zsh is needed to check completions/_vnet; apt-get install -y zsh');
  await parseCheck('zsh', 'completions/_vnet');
});

test('the fish completion parses (fish -n; needs fish)', async () => {
  if (!has('fish')) throw new Error('fish is needed to check completions/vnet.fish; apt-get install -y fish');
  await parseCheck('fish', 'completions/vnet.fish');
});

test('bash completion offers topics, verbs, flags, flag values and live node names', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vnet-docs-'));
  try {
    const script = join(dir, 'vnet.bash');
    writeFileSync(script, generateFromModel(await model()).get('completions/vnet.bash') ?? '');
    // A stand-in for the vnet binary: answers `__names KIND SESSION` (the fast path completion asks), and logs its arguments.
    const fake = join(dir, 'vnet');
    writeFileSync(fake, `#!/bin/sh\necho "$@" >> ${JSON.stringify(join(dir, 'calls'))}\n[ "$1" = __names ] || exit 2\ncase "$2" in\n` +
      `router) echo home ;;\nhost) echo alice ;;\niface) printf 'home\\nhome/lan\\nhome/uplink\\nalice\\nalice/eth0\\n' ;;\nesac\n`);
    chmodSync(fake, 0o755);
    const complete = (...words: string[]): string => {
      const r = spawnSync('bash', ['-c', `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _vnet; echo "\${COMPREPLY[*]}"`, '_', script, ...words], {
        encoding: 'utf8',
        env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` },
      });
      assert.equal(r.status, 0, `completing ${words.join(' ')}: ${r.stderr}`);
      return r.stdout.trim();
    };
    const cases: [string, string[], string][] = [
      ['topics', ['vnet', 'rou'], 'router'],
      ['verbs', ['vnet', 'router', ''], 'add iface ls rm set show'],
      ['flags', ['vnet', 'router', 'add', 'x', '--ci'], '--cidr'],
      ['flag values', ['vnet', 'router', 'add', 'x', '--nat', 'sym'], 'symmetric'],
      ['flag values after =', ['vnet', 'router', 'add', 'x', '--nat', '=', 'full'], 'full-cone'],
      ['routers for a router argument', [fake, 'router', 'show', ''], 'home'],
      ['routers for --router', [fake, 'host', 'add', 'bob', '--router', ''], 'home'],
      ['interfaces', [fake, 'filter', 'add', 'home/'], 'home/lan home/uplink'],
      ['interfaces for capture start', [fake, 'capture', 'start', 'home/'], 'home/lan home/uplink'],
      ['interfaces for a second capture argument', [fake, 'capture', 'start', 'home/lan', 'al'], 'alice alice/eth0'],
      ['interfaces for filter ls', [fake, 'filter', 'ls', 'alice/'], 'alice/eth0'],
      ['hosts for a DEST (HOST:PORT), as the REPL completes it', [fake, 'send', 'alice', ''], 'alice'],
      ['no names for a new router', [fake, 'router', 'add', ''], ''],
    ];
    for (const [name, words, want] of cases) assert.equal(complete(...words), want, `${name}: completing ${JSON.stringify(words)}`);
    assert.equal(complete(fake, 'router', 'rm', '--session', 'lab', ''), 'home');
    assert.match(readFileSync(join(dir, 'calls'), 'utf8'), /^__names router lab$/m, 'the session typed on the line is asked');
    assert.doesNotMatch(readFileSync(join(dir, 'calls'), 'utf8'), /^(?!__names )./m, 'completion ran the full CLI instead of `__names`');
    // No session (the command fails): no names, no error.
    writeFileSync(fake, '#!/bin/sh\necho "vnet: no session" >&2\nexit 3\n');
    assert.equal(complete(fake, 'router', 'show', ''), '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a manifest older than the compiled commands is ignored, a newer one is used', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vnet-manifest-'));
  try {
    mkdirSync(join(dir, 'bin'));
    cpSync(join(root, 'bin', 'run.js'), join(dir, 'bin', 'run.js'));
    cpSync(join(root, 'package.json'), join(dir, 'package.json'));
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    symlinkSync(join(root, 'dist'), join(dir, 'dist'));
    const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
    const manifest = join(dir, 'oclif.manifest.json');
    writeFileSync(manifest, JSON.stringify({ version, commands: {} }));
    const help = (): string => spawnSync(process.execPath, [join(dir, 'bin', 'run.js'), '--help'], { encoding: 'utf8' }).stdout;

    utimesSync(manifest, 1000, 1000); // before the last build: stale
    assert.equal(manifestIsStale(dir), true);
    assert.match(help(), /^ {2}router /m, 'a stale manifest hid the router topic');

    const later = Date.now() / 1000 + 3600;
    utimesSync(manifest, later, later); // after the last build: trusted (and it lists no commands)
    assert.equal(manifestIsStale(dir), false);
    assert.doesNotMatch(help(), /^ {2}router /m, 'a fresh manifest was not used');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
