// Whether a request came in through an onion service: its Host header names a v3 onion address
// (56 base32 characters, optionally under a subdomain, optionally with a port). Tor Browser
// sends the onion name it dialled; anything else (an IP address, a clearnet name, a Tor2web
// proxy's own name) means the source is not using the onion address, and the page says so.
// Behind a reverse proxy that rewrites Host, every request looks like "not onion": keep Host
// (docs/OPERATIONS.md).
const ONION_HOST = /^(?:[a-z0-9-]{1,63}\.)*[a-z2-7]{56}\.onion\.?(?::\d{1,5})?$/;

export function isOnionHost(host: string | undefined): boolean {
  if (!host || host.length > 300) return false;
  return ONION_HOST.test(host.toLowerCase());
}
