import type { HttpSettings } from './http-settings.js';

// DNS rebinding defence: a browser page on another site can make requests to a loopback
// port under its own hostname, so `Host` must be one of this server's own names, and an
// `Origin` (sent by browsers, not by MCP clients) one of its own origins.

export interface HostOriginPolicy {
  hostAllowed(host: string | undefined): boolean;
  originAllowed(origin: string | undefined): boolean;
}

export function hostOriginPolicy(settings: HttpSettings, port: number): HostOriginPolicy {
  const names = ['127.0.0.1', 'localhost', '[::1]'];
  const bound = settings.host.includes(':') && !settings.host.startsWith('[') ? `[${settings.host}]` : settings.host;
  if (!['0.0.0.0', '[::]'].includes(bound)) names.push(bound.toLowerCase());
  const hosts = new Set([...names.map((name) => `${name}:${port}`), ...settings.allowedHosts]);
  const origins = new Set([...names.map((name) => `http://${name}:${port}`), ...settings.allowedOrigins]);
  if (settings.publicUrl) {
    const url = new URL(settings.publicUrl);
    hosts.add(url.host.toLowerCase());
    origins.add(url.origin.toLowerCase());
  }
  return {
    hostAllowed: (host) => host !== undefined && hosts.has(host.toLowerCase()),
    originAllowed: (origin) => origin === undefined || origins.has(origin.replace(/\/+$/, '').toLowerCase()),
  };
}
