// Digit tests on vote counts. Second digit: Mebane's second-digit Benford test ("2BL"): among
// counts of 10 or more, the mean of the second digit is 4.187 under Benford's law. Last digit:
// among counts of 10 or more (Beber & Scacco, Political Analysis 20(2), 2012), each last digit
// is expected about equally often, so 0 and 5 each about 10 %; an excess of 0s and 5s is what
// invented round numbers would leave. Caveat (Mebane; Deckert, Myagkov & Ordeshook, Political
// Analysis 19(3), 2011): genuine counts can deviate and fraud can conform, so these numbers
// mean nothing on their own; they only add weight to anomalies seen with the other methods.
export const BENFORD_SECOND_DIGIT_MEAN = 4.187;

export interface DigitResult {
  column: string;
  /** Counts of 10 or more that were tested. */
  n: number;
  secondDigitMean: number;
  lastDigits: number[];
  shareZero: number;
  shareFive: number;
}

export function digitTests(column: string, counts: Int32Array): DigitResult {
  let n = 0;
  let second = 0;
  const last = new Array<number>(10).fill(0);
  for (const c of counts) {
    if (c < 10) continue;
    n++;
    let x = c;
    while (x >= 100) x = Math.floor(x / 10);
    second += x % 10;
    last[c % 10]!++;
  }
  return {
    column,
    n,
    secondDigitMean: n ? second / n : NaN,
    lastDigits: last,
    shareZero: n ? last[0]! / n : NaN,
    shareFive: n ? last[5]! / n : NaN,
  };
}
