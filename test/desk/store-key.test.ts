// A desk folder opened with another editor's key (two editors' key files in one folder share the
// default `tipline-desk` beside them; or a wrong --desk): the store's first record does not
// authenticate under that key. Opening must stop with a clear error and leave every byte of the
// folder as it was; before, the whole first segment was taken for a torn tail and cut to nothing.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { openDesk } from '../../src/desk/desk.js';
import { tempDir } from '../helpers/fixtures.js';
import { editors, recipientsText, tipItems, toInbox } from './desk-fixtures.js';

const [A, B] = await editors('Aigul', 'Batyr');
const recipients = recipientsText([A!, B!]);

t.test("another editor's key on this desk folder: refused, nothing cut", async (t) => {
  const dir = tempDir(t);
  const usb = join(dir, 'usb');
  const deskDir = join(dir, 'tipline-desk');
  const tip = await tipItems([A!, B!], 'Участок 117: вброс');
  await toInbox(usb, 'in.bundle', tip.items);
  const a = await openDesk({ key: A!, recipients, usb, deskDir, exportDir: join(dir, 'export') });
  t.match(await a.importInbox(), { imported: 1 });
  await a.close();
  const segments = () => Object.fromEntries(readdirSync(deskDir).map((n) => [n, readFileSync(join(deskDir, n))]));
  const before = segments();
  // Batyr's desk pointed at Aigul's folder.
  await t.rejects(openDesk({ key: B!, recipients, usb, deskDir, exportDir: join(dir, 'export') }), { message: /does not open with this key/ }, 'opening stops');
  t.same(segments(), before, 'the folder is exactly as it was');
  const again = await openDesk({ key: A!, recipients, usb, deskDir, exportDir: join(dir, 'export') });
  t.teardown(() => again.close());
  t.equal(again.thread(tip.id)?.items[0]?.message, 'Участок 117: вброс', "Aigul's desk still holds the tip");
});
