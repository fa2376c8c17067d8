// The bridge to real programs: proxies of real UDP servers and local port maps for real clients.
export { Bridge } from './bridge.js';
export type { ProxyOptions, MapOptions, ProxyInfo, MapInfo } from './bridge.js';
