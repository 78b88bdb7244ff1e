// A conservative check, in the browser, for "this is not Tor Browser": it shows the warning
// only when the browser clearly is not Tor Browser, never claims that it is. Tor Browser
// reports the same Firefox user agent to everyone on a platform ("Mozilla/5.0 (Windows NT
// 10.0; rv:128.0) Gecko/20100101 Firefox/128.0"; on Android "Gecko/128.0") and UTC as its time
// zone; Chromium, Safari, Edge and ordinary Firefox outside UTC fail one of the two. Nothing
// is sent anywhere: the result only unhides a box on the page.
import { NOT_TOR_BROWSER_ID } from '../views/contract.js';

const TOR_BROWSER_UA = /^Mozilla\/5\.0 \([^()]*; rv:(\d+)\.0\) Gecko\/(?:20100101|(\d+)\.0) Firefox\/(\d+)\.0$/;

export function looksLikeTorBrowser(userAgent: string, timezoneOffsetMinutes: number): boolean {
  const match = TOR_BROWSER_UA.exec(userAgent);
  if (!match) return false;
  const [, rv, gecko, firefox] = match;
  if (rv !== firefox || (gecko !== undefined && gecko !== firefox)) return false;
  return timezoneOffsetMinutes === 0;
}

export function warnUnlessTorBrowser(): void {
  const box = document.getElementById(NOT_TOR_BROWSER_ID);
  if (!box) return;
  box.hidden = looksLikeTorBrowser(navigator.userAgent, new Date().getTimezoneOffset());
}
