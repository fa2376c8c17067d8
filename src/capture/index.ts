// Captures: pcap and pcapng files (or streams) of what crosses any interface, framed as Ethernet.
export { CaptureManager, type CaptureStartOptions } from './manager.js';
export type { CaptureInfo, CaptureState } from './capture.js';
export type { CaptureFormat, TimestampResolution } from './formats.js';
export { readCapture, type CaptureFile, type CapturedPacket, type CapturedInterface } from './reader.js';
