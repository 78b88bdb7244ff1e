// The form's fields as HTML, rendered on the server from the schema in the page's language, so
// they exist (and can be posted) without JavaScript. Every text is escaped; no inline script or
// style. Input names are `field.<name>` (fields.ts `inputName`), ids `field-<name>`.
// `pageForm` is what the browser bundle needs to check the fields before sealing.
import { escapeHtml as e } from '../shared/html.js';
import { DEFAULT_MAX_LENGTH, inputId, inputName } from './fields.js';
import { textFor, uiText, type FieldDef, type FormSchema } from './schema.js';
import { itemsFor, protocolIds, relationTextName, stationInput, itemInput, voteInput } from './protocol-form.js';
import { RELATIONS, MAX_COUNT, type Election } from './protocol.js';

/** The id of the element that holds the form's fields. */
export const FORM_FIELDS_ID = 'form-fields';

/** The form as the page's inert JSON config carries it: the schema plus its words in the page language. */
export interface PageForm {
  schema: FormSchema;
  /** Each field's label in the page language, for error messages. */
  labels: Record<string, string>;
  /** `form.ui.required` / `invalid` / `tooMany` in the page language, with `{label}` (and `{max}`) left to fill. */
  errors: { required: string; invalid: string; tooMany: string };
  /** A protocol form: each relation's explanation (`{left}`, `{right}`) and the words around them. */
  protocol?: { relations: Record<string, string>; mismatch: string };
}

export function pageForm(schema: FormSchema, lang: string | undefined): PageForm {
  return {
    schema,
    labels: Object.fromEntries(schema.fields.map((f) => [f.name, textFor(f.label, lang)])),
    errors: { required: uiText('required', lang), invalid: uiText('invalid', lang), tooMany: uiText('tooMany', lang) },
    ...(schema.election ? { protocol: protocolWords(schema.election, lang) } : {}),
  };
}

/** The explanation of every relation for this election, and the words above them, in `lang`. */
export function protocolWords(election: Pick<Election, 'againstAll'>, lang: string | undefined): { relations: Record<string, string>; mismatch: string } {
  return {
    relations: Object.fromEntries(RELATIONS.map((r) => [r.id, uiText(relationTextName(r.id, election.againstAll), lang)])),
    mismatch: uiText('protocol.mismatch', lang),
  };
}

/**
 * The protocol block: the election's title, the station number, one whole-number input per
 * line item, one per candidate (names from the operator's election file, escaped like every
 * text) and the live region where the page's script explains the relations that do not hold.
 */
function renderProtocol(field: FieldDef, lang: string | undefined, election: Election | undefined): string {
  if (!election) return '';
  const ids = protocolIds(field);
  const hintId = `${inputId(field)}-hint`;
  const count = (id: string, name: string, label: string) => `<div class="field field-number">
<label for="${id}">${e(label)}</label>
<input id="${id}" name="${e(name)}" type="number" inputmode="numeric" min="0" max="${MAX_COUNT}" step="1" autocomplete="off">
</div>`;
  const items = itemsFor(election)
    .map((item) => count(ids.item(item), itemInput(field, item), uiText(`protocol.item.${item}`, lang)))
    .join('\n');
  const votes = election.candidates.map((c) => count(ids.vote(c.id), voteInput(field, c.id), textFor(c.name, lang))).join('\n');
  const law = field.law ? `<p id="${hintId}" class="hint">${e(textFor(field.law, lang))}</p>\n` : '';
  return `<fieldset class="field field-protocol" id="${inputId(field)}"${field.law ? ` aria-describedby="${hintId}"` : ''}>
<legend>${labelText(field, lang)}</legend>
<p class="election">${e(uiText('protocol.election', lang, { title: textFor(election.title, lang), date: election.date }))}</p>
${law}<div class="field field-text">
<label for="${ids.station}">${e(uiText('protocol.station', lang))}</label>
<input id="${ids.station}" name="${e(stationInput(field))}" type="text" maxlength="16" autocomplete="off"${field.required ? ' required' : ''}>
</div>
${items}
<fieldset class="votes">
<legend>${e(uiText('protocol.votes', lang))}</legend>
${votes}
</fieldset>
<div id="${ids.relations}" class="relations" role="status" aria-live="polite"></div>
</fieldset>`;
}

function labelText(field: FieldDef, lang: string | undefined): string {
  const optional = field.required ? '' : ` <span class="optional">${e(uiText('optional', lang))}</span>`;
  return `${e(textFor(field.label, lang))}${optional}`;
}

function renderField(field: FieldDef, lang: string | undefined, election?: Election): string {
  const id = inputId(field);
  const name = e(inputName(field));
  const hintId = `${id}-hint`;
  const hint = field.hint ? `<p id="${hintId}" class="hint">${e(textFor(field.hint, lang))}</p>\n` : '';
  const described = field.hint ? ` aria-describedby="${hintId}"` : '';
  const required = field.required ? ' required' : '';
  const choices = field.choices ?? [];
  switch (field.type) {
    case 'protocol':
      return renderProtocol(field, lang, election);
    case 'single-choice':
    case 'multiple-choice': {
      const type = field.type === 'single-choice' ? 'radio' : 'checkbox';
      // A required radio group is enforced by the browser; a required checkbox group is checked by fields.ts.
      const req = type === 'radio' ? required : '';
      const items = choices
        .map((c) => {
          const cid = `${id}-${c.value}`;
          return `<li><input type="${type}" id="${cid}" name="${name}" value="${e(c.value)}"${req}> <label for="${cid}">${e(textFor(c.label, lang))}</label></li>`;
        })
        .join('\n');
      return `<fieldset class="field field-${field.type}" id="${id}"${described}>
<legend>${labelText(field, lang)}</legend>
${hint}<ul class="choices">
${items}
</ul>
</fieldset>`;
    }
    case 'region': {
      const options = choices.map((c) => `<option value="${e(c.value)}">${e(textFor(c.label, lang))}</option>`).join('\n');
      return `<div class="field field-region">
<label for="${id}">${labelText(field, lang)}</label>
${hint}<select id="${id}" name="${name}"${required}${described}>
<option value="">${e(uiText('choose', lang))}</option>
${options}
</select>
</div>`;
    }
    case 'long-text':
      return `<div class="field field-long-text">
<label for="${id}">${labelText(field, lang)}</label>
${hint}<textarea id="${id}" name="${name}" rows="5" maxlength="${field.maxLength ?? DEFAULT_MAX_LENGTH['long-text']}"${required}${described} autocomplete="off"></textarea>
</div>`;
    default: {
      const attrs: Record<string, string> = {
        text: ` type="text" maxlength="${field.maxLength ?? DEFAULT_MAX_LENGTH.text}" autocomplete="off"`,
        date: ' type="date"',
        time: ' type="time"',
        number:
          ` type="number" inputmode="${field.integer ? 'numeric' : 'decimal'}"` +
          (field.min !== undefined ? ` min="${field.min}"` : '') +
          (field.max !== undefined ? ` max="${field.max}"` : '') +
          ` step="${field.integer ? '1' : 'any'}"`,
      };
      return `<div class="field field-${field.type}">
<label for="${id}">${labelText(field, lang)}</label>
${hint}<input id="${id}" name="${name}"${attrs[field.type] ?? ' type="text"'}${required}${described}>
</div>`;
    }
  }
}

/**
 * The fields of `schema` as one element (empty string for a form without fields, e.g. the
 * generic one): a title, an intro, hidden inputs naming the form and version (for a post
 * without JavaScript), then one block per field. A `file` field is not rendered here: it is the
 * page's attachments section (src/client/attachments.ts), whose uploads become its value.
 */
export function renderFormFields(schema: FormSchema, lang: string | undefined): string {
  if (schema.fields.length === 0) return '';
  const title = schema.title ? `<h2>${e(textFor(schema.title, lang))}</h2>\n` : '';
  const intro = schema.intro ? `<p class="hint">${e(textFor(schema.intro, lang))}</p>\n` : '';
  return `<section id="${FORM_FIELDS_ID}" class="form-fields" data-form="${e(schema.id)}" data-version="${schema.version}">
${title}${intro}<input type="hidden" name="form.id" value="${e(schema.id)}">
<input type="hidden" name="form.version" value="${schema.version}">
${schema.fields
  .filter((f) => f.type !== 'file')
  .map((f) => renderField(f, lang, schema.election))
  .join('\n')}
</section>`;
}
