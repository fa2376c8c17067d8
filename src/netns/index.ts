// Transparent hosts: network namespaces behind TUN devices, the only code that opens real devices.
export { NetnsHosts } from './netns-hosts.js';
export type { NetnsHostsOptions, TunStats } from './netns-hosts.js';
export { namespaceName, readRecords, removeStale } from './records.js';
export { missingPrivilege } from './namespace.js';
