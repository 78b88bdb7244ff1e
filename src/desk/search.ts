// Search text for the desk (docs/EDITORS.md, "Search"). Pure. Folding, the same for the text
// and the query, so that what an editor types finds what a source wrote:
//   1. NFKC (full-width and compatibility forms become their plain letters; ﬁ → fi);
//   2. invisible characters removed (Unicode Cf: zero-width joiners, soft hyphens, bidi marks),
//      so a word cannot hide from search by an invisible character inside it;
//   3. Turkic i: İ (U+0130), I, ı (U+0131) and i all fold to i (Turkmen and Kazakh Latin
//      spell with both; Russian-keyboard and Latin-keyboard typing then meet);
//   4. lower case (Unicode, locale-independent: Cyrillic, Kazakh ә ғ қ ң ө ұ ү һ і and
//      Turkmen ä ç ň ö ş ü ý ž keep their own letters, they are not the same as a е к н о…);
//   5. ё → е (Russian writes е for ё as often as not);
//   6. every run of white space is one space.
// A query matches a thread when each of its words (after folding) is a substring of the
// thread's folded text: "ашхаб" finds "Ашхабаде".
export function foldText(text: string): string {
  // The last step is split and join rather than .replace(/\s+/gu, ' '), which means the same but
  // which V8 builds by concatenation: a rope of two pieces per word, kept as long as the text (40 MB
  // of a 126 MB heap, a desk of 10 000 tips after open) until the first search flattened it.
  return text
    .normalize('NFKC')
    .replace(/\p{Cf}/gu, '')
    .replace(/[İIı]/g, 'i')
    .toLowerCase()
    .replace(/ё/g, 'е')
    .split(/\s+/u)
    .join(' ');
}

/** The words of a query, folded; empty words dropped. */
export function queryWords(query: string): string[] {
  return foldText(query)
    .split(' ')
    .filter((w) => w.length > 0);
}

/** True when every word occurs in the folded text. */
export function matches(folded: string, words: readonly string[]): boolean {
  for (const w of words) if (!folded.includes(w)) return false;
  return true;
}
