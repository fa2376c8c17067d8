// The other child of the kill -9 fault test: writes a pcapng image that vnet laid out (a whole
// number of 4096-byte pages) again and again, each copy in one write() call of that whole length,
// so nearly every kill lands inside a write. Says "ready" on stdout once the first copy is written.
import { openSync, readFileSync, writeSync } from 'node:fs';

const [image, file] = process.argv.slice(2);
const bytes = readFileSync(image);
const fd = openSync(file, 'w');
for (let pos = 0, said = false; ; said = true) {
  for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off, pos + off);
  pos += bytes.length;
  if (!said) process.stdout.write('ready\n');
}
