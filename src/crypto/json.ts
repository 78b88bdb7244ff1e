// Strict JSON for everything that crosses a machine: bodies, bundle lines, key files, fetch
// key files (docs/PROTOCOL.md, "Reader rules"). JSON.parse alone is too lenient in three ways
// that let one text mean two things to two readers:
//   - a leading byte-order mark: TextDecoder drops it silently, other readers refuse it;
//   - a repeated member name: JSON.parse keeps the last, other parsers the first or refuse;
//   - a lone surrogate escape ("\ud800"): JSON.parse accepts it, it is not Unicode text, and
//     re-encoding it as UTF-8 changes it (U+FFFD) or fails.
// Each is refused here with its own message.
import { TiplineError } from '../shared/errors.js';

export class JsonError extends TiplineError {
  override name = 'JsonError';
}

// ignoreBOM: keep a leading U+FEFF in the text, so that it is seen and refused below.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const LONE_SURROGATE = /\p{Cs}/u;

/** Parses UTF-8 bytes (or text already decoded) as JSON under the reader rules; throws JsonError. */
export function parseJsonStrict(input: Uint8Array | string): unknown {
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    try {
      text = decoder.decode(input);
    } catch {
      throw new JsonError('not valid UTF-8');
    }
  }
  if (text.charCodeAt(0) === 0xfeff) throw new JsonError('it starts with a byte-order mark');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new JsonError('not valid JSON');
  }
  const repeated = repeatedMember(text);
  if (repeated !== undefined) throw new JsonError(`the member name ${JSON.stringify(repeated)} appears twice in one object`);
  if (hasLoneSurrogate(value)) throw new JsonError('a string holds a lone surrogate (\\ud800–\\udfff escape without its pair)');
  return value;
}

/**
 * The first member name repeated within one object of `text`, which must be valid JSON. A
 * member name is a string followed by ':'; names are compared after unescaping, so "a" and
 * "\u0061" are the same name.
 */
function repeatedMember(text: string): string | undefined {
  const stack: (Set<string> | null)[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{') stack.push(new Set());
    else if (c === '[') stack.push(null);
    else if (c === '}' || c === ']') stack.pop();
    else if (c === '"') {
      const start = i;
      for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
      let j = i + 1;
      while (j < text.length && (text[j] === ' ' || text[j] === '\t' || text[j] === '\n' || text[j] === '\r')) j++;
      if (text[j] !== ':') continue;
      const name = JSON.parse(text.slice(start, i + 1)) as string;
      const members = stack[stack.length - 1];
      if (members) {
        if (members.has(name)) return name;
        members.add(name);
      }
    }
  }
  return undefined;
}

function hasLoneSurrogate(value: unknown): boolean {
  if (typeof value === 'string') return LONE_SURROGATE.test(value);
  if (Array.isArray(value)) return value.some(hasLoneSurrogate);
  if (typeof value === 'object' && value !== null) {
    for (const [name, member] of Object.entries(value)) if (LONE_SURROGATE.test(name) || hasLoneSurrogate(member)) return true;
  }
  return false;
}
