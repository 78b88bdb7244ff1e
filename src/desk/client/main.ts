// The desk window's script (bundled by esbuild, served as /<secret>/desk.js; the CSP allows only
// this same-origin script). The pages work without it: it only adds keyboard triage —
//   j / k   next / previous thread (in the inbox: moves the focus along the rows; in a thread:
//           opens the next / previous one of the same filtered list)
//   Enter   opens the focused thread (the link's own behaviour)
//   s  status   l  label   r  reply   /  search   u  back to the inbox
// Keys are ignored while typing in a field, and with Ctrl, Alt or Meta held (the browser's own).
// No network access of its own: it follows the pages' links and focuses their fields.

function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  const tag = target.tagName;
  return target.isContentEditable || tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT';
}

function focusField(id: string): boolean {
  const el = document.getElementById(id);
  if (!(el instanceof HTMLElement)) return false;
  el.scrollIntoView({ block: 'center' });
  el.focus();
  return true;
}

function follow(id: string): boolean {
  const a = document.getElementById(id);
  if (!(a instanceof HTMLAnchorElement)) return false;
  window.location.assign(a.href);
  return true;
}

/** The inbox's thread links, in order. */
const rows = (): HTMLAnchorElement[] => Array.from(document.querySelectorAll<HTMLAnchorElement>('#threads .thread-row a.open'));

function moveInInbox(step: 1 | -1): boolean {
  const links = rows();
  if (links.length === 0) return false;
  const at = links.findIndex((a) => a === document.activeElement || a.closest('li')?.contains(document.activeElement));
  const next = at === -1 ? (step === 1 ? 0 : links.length - 1) : Math.min(links.length - 1, Math.max(0, at + step));
  for (const li of document.querySelectorAll('.thread-row.current')) li.classList.remove('current');
  const link = links[next]!;
  link.closest('li')?.classList.add('current');
  link.focus();
  link.scrollIntoView({ block: 'nearest' });
  return true;
}

/** The keys that move the focus to a field of the page, and the field's id. */
const FIELD_KEYS: Record<string, string> = { s: 'status-select', l: 'label-input', r: 'reply-text', '/': 'search' };

function onKey(event: KeyboardEvent): void {
  if (event.ctrlKey || event.altKey || event.metaKey || typing(event.target)) {
    if (event.key === 'Escape' && event.target instanceof HTMLElement) event.target.blur();
    return;
  }
  const inbox = document.getElementById('threads') !== null || document.getElementById('threads-empty') !== null;
  let done = false;
  const field = Object.hasOwn(FIELD_KEYS, event.key) ? FIELD_KEYS[event.key] : undefined;
  if (field !== undefined) done = focusField(field);
  switch (event.key) {
    case 'j':
      done = inbox ? moveInInbox(1) : follow('next');
      break;
    case 'k':
      done = inbox ? moveInInbox(-1) : follow('prev');
      break;
    case 'u':
      done = follow('back');
      break;
    case '?': {
      const keys = document.getElementById('keys');
      if (keys instanceof HTMLDetailsElement) {
        keys.open = true;
        keys.querySelector('summary')?.focus();
        done = true;
      }
      break;
    }
  }
  if (done) event.preventDefault();
}

document.addEventListener('keydown', onKey);
