// The command a mistyped one most likely meant (edit distance over the whole id).

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/** The id (topic:verb form) nearest to `typed`, if it is near enough to be a typo (at most a third of its length). */
export function closestCommand(typed: string, ids: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const id of ids) {
    // "router add extra words" typed as one id: compare with as many words as the candidate has.
    const words = typed.split(':').slice(0, id.split(':').length).join(':');
    const d = distance(words, id);
    if (d < bestD) [best, bestD] = [id, d];
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}
