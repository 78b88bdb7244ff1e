// The results protocol block of a protocol form (src/forms/protocol-form.ts) in the page: as the
// observer types, the control relations are checked and each one that does not hold is
// explained next to the figures (its two sums, in the page language) in a polite live region.
// Never blocks sending: a protocol that does not add up is itself evidence.
import { checkRelations, figuresFrom, protocolField, protocolIds, relationMessage } from '../forms/protocol-form.js';
import type { PageForm } from '../forms/render.js';

export function setupProtocol(form: HTMLFormElement, pageForm: PageForm | undefined): void {
  const schema = pageForm?.schema;
  const field = schema && protocolField(schema);
  const election = schema?.election;
  const words = pageForm?.protocol;
  if (!field || !election || !words) return;
  const block = document.getElementById(`field-${field.name}`);
  const out = document.getElementById(protocolIds(field).relations);
  if (!block || !out) return;
  let shown = '';
  const update = () => {
    const data = new FormData(form);
    const figures = figuresFrom(field, election, (name) => data.getAll(name).filter((v): v is string => typeof v === 'string'));
    const failed = checkRelations(figures, election).filter((r) => r.state === 'failed');
    const lines = failed.map((r) => relationMessage(words.relations[r.id] ?? r.id, r));
    const key = lines.join('\n');
    // Only a change is announced (a screen reader hears each new mismatch once).
    if (key === shown) return;
    shown = key;
    if (!lines.length) return void out.replaceChildren();
    const list = document.createElement('ul');
    list.append(...failed.map((r, i) => Object.assign(document.createElement('li'), { textContent: lines[i]!, className: `relation-${r.id}` })));
    out.replaceChildren(Object.assign(document.createElement('p'), { textContent: words.mismatch }), list);
  };
  block.addEventListener('input', update);
  update();
}
