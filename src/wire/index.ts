// The wire layer in one import: addresses, the Packet repr, header views, checksums and the codec.
export * from './addr.js';
export * from './errors.js';
export * from './packet.js';
export * from './checksum.js';
export * from './ipv4.js';
export * from './udp.js';
export * from './tcp.js';
export * from './icmp.js';
export * from './codec.js';
export * from './quoted.js';
export * from './stun.js';
export * from './natpmp.js';
export * from './pcp.js';
export * from './igmp.js';
