// The page's words come from the message catalogs in src/i18n/ (one file per language; see
// docs/TRANSLATING.md). This module keeps the names the templates and the browser code import.
import { strings } from '../i18n/index.js';

export { format, formatDate, strings, withLang, type Strings } from '../i18n/index.js';

/** The English strings (the reference language). */
export const en = strings('en');
