// A capture that runs until it is killed: the child process of the kill -9 fault test. It captures
// alice and home's two interfaces to the file named in argv (pcapng, or pcap with --pcap), floods
// UDP in bursts on the virtual clock, lets each burst's records be flushed on the next turn, and
// says "ready" on stdout once the first burst is on disk. Its claim on the file goes in
// $VNET_RUNTIME_DIR, as a session's does, so the kill leaves a stale claim for the next start to mend.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { CaptureManager } from '../../src/capture/index.js';
import { RuntimeDirClaims } from '../../src/session/capture-claims.js';
import { runtimeDir } from '../../src/session/runtime.js';
import { captureNetwork, SERVER } from './scenario.js';

const file = process.argv[2];
const pcap = process.argv.includes('--pcap');
const net = captureNetwork(7);
const captures = new CaptureManager(net, { claims: new RuntimeDirClaims(() => runtimeDir(), 'fault-child') });
captures.start(pcap ? { ifaces: ['home/uplink'], file, format: 'pcap' } : { ifaces: ['alice', 'home/lan', 'home/uplink'], file });
const sock = net.host('alice').udpBind(5000);
const payload = Buffer.alloc(300, 0x61);
let said = false;
for (let burst = 0; ; burst++) {
  // Bursts of varying size, so writes of many lengths (some past the 64 KiB threshold) are in flight.
  for (let i = 0; i < 50 + (burst % 7) * 60; i++) sock.send(payload, 7000, SERVER);
  net.advance('1ms');
  await nextTurn();
  if (!said) {
    said = true;
    process.stdout.write('ready\n');
  }
}
