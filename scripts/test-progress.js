// A node:test reporter for scripts/run-tests.js: one line per test queued (top level), started and
// ended, and the file's totals, each `PROGRESS_MARK` + JSON, so the runner knows which test is running while it runs
// (to name it when the run's time limit passes) and can add the totals of every file up.
export const PROGRESS_MARK = '\u001evnet-test ';

const TOTALS = /^(tests|pass|fail|cancelled|skipped|todo) (\d+)$/;

export default async function* progress(source) {
  for await (const event of source) {
    const { type, data } = event;
    if (type === 'test:enqueue' && data.nesting === 0) yield line({ at: 'queued', name: data.name, nesting: 0 });
    else if (type === 'test:dequeue') yield line({ at: 'start', name: data.name, nesting: data.nesting });
    else if (type === 'test:pass' || type === 'test:fail') {
      const leaf = data.details?.type !== 'suite';
      yield line({ at: 'end', name: data.name, nesting: data.nesting, ...(leaf ? { ok: type === 'test:pass' && !data.skip && !data.todo, skip: Boolean(data.skip), todo: Boolean(data.todo) } : {}) });
    }
    else if (type === 'test:diagnostic' && data.nesting === 0) {
      const m = TOTALS.exec(data.message);
      if (m) yield line({ at: 'total', key: m[1], count: Number(m[2]) });
    }
  }
}

function line(obj) {
  return `${PROGRESS_MARK}${JSON.stringify(obj)}\n`;
}
