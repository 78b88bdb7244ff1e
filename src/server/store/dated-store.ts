// What every store over the server's SQLite handle starts from: the handle, and the clock that
// dates what it writes (the UTC date only, never a time of day; tests pass their own).
import type { Db } from './db.js';
import { utcDate } from './tips.js';

export abstract class DatedStore {
  constructor(
    protected readonly db: Db,
    protected readonly today: () => string = () => utcDate(),
  ) {}
}
