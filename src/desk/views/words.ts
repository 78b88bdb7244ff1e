// The desk's words in the editor's language (`desk --lang en|ru|tk|kk`, like the offline
// report): one row per word, its four languages side by side, as the forms' words
// (src/forms/messages.ts). Plain text: the views escape every value. The Russian, Turkmen and
// Kazakh texts were written by a non-native speaker and need native review (docs/TRANSLATING.md).
import type { ThreadStatus, Verification } from '../api.js';
import { row, type Row } from '../../forms/messages.js';

export const LANGS = ['en', 'ru', 'tk', 'kk'] as const;
export type Lang = (typeof LANGS)[number];

export interface Words {
  desk: string;
  skip: string;
  inbox: string;
  search: string;
  searchButton: string;
  filters: string;
  status: string;
  label: string;
  labels: string;
  assignee: string;
  unreadOnly: string;
  starredOnly: string;
  form: string;
  plainTip: string;
  sort: string;
  sorts: Record<'activity' | 'status' | 'designation', string>;
  apply: string;
  clear: string;
  any: string;
  nobody: string;
  threadCount: string;
  noThreads: string;
  lastActivity: string;
  attachments: string;
  sealed: string;
  sealedHint: string;
  unread: string;
  starred: string;
  star: string;
  unstar: string;
  markUnread: string;
  moreLabels: string;
  statuses: Record<ThreadStatus, string>;
  verifications: Record<Verification, string>;
  backToInbox: string;
  previous: string;
  next: string;
  conversation: string;
  kinds: { tip: string; followUp: string; reply: string };
  from: string;
  pending: string;
  answers: string;
  files: string;
  incomplete: string;
  exportButton: string;
  exportWarning: string;
  thumbnailOf: string;
  notes: string;
  noNotes: string;
  noteHint: string;
  addNote: string;
  activity: string;
  noActivity: string;
  replyHeading: string;
  replyHint: string;
  sendReply: string;
  triage: string;
  setStatus: string;
  reason: string;
  reasonHint: string;
  addLabel: string;
  removeLabel: string;
  assign: string;
  verification: string;
  verify: string;
  verificationNote: string;
  refusedHeading: string;
  refusedIntro: string;
  keysHeading: string;
  keys: [string, string][];
  notFound: string;
  noSuchThread: string;
  exported: string;
  exportedTo: string;
  problem: string;
  internal: string;
  you: string;
  tipOf: string;
  unverified: string;
  noReply: string;
  /** A thread item from a colleague's desk export: followed by their name and the export's date. */
  seededFrom: string;
  colleagueLink: string;
  colleagueHeading: string;
  colleagueIntro: string;
  colleagueChoose: string;
  colleagueButton: string;
  colleagueNone: string;
  colleagueDone: string;
  colleagueCarry: string;
}

/** Words with each text as its row of four languages (the keyboard table: each key's description). */
type Rows<T> = { [K in keyof T]: T[K] extends string ? Row : T[K] extends [string, string][] ? [string, Row][] : Rows<T[K]> };

const ROWS: Rows<Words> = {
  desk: row('Desk', 'Редакция', 'Redaksiýa', 'Редакция'),
  skip: row('Skip to the content', 'Перейти к содержимому', 'Mazmuna geç', 'Мазмұнға өту'),
  inbox: row('Inbox', 'Входящие', 'Gelenler', 'Кіріс'),
  search: row(
    'Search messages, answers, file names, notes and labels',
    'Поиск по сообщениям, ответам формы, именам файлов, заметкам и меткам',
    'Habarlarda, forma jogaplarynda, faýl atlarynda, belliklerde we belgilerde gözle',
    'Хабарлардан, форма жауаптарынан, файл атауларынан, жазбалардан және белгілерден іздеу',
  ),
  searchButton: row('Search', 'Искать', 'Gözle', 'Іздеу'),
  filters: row('Filters', 'Фильтры', 'Süzgüçler', 'Сүзгілер'),
  status: row('Status', 'Статус', 'Ýagdaý', 'Күйі'),
  label: row('Label', 'Метка', 'Belgi', 'Белгі'),
  labels: row('Labels', 'Метки', 'Belgiler', 'Белгілер'),
  assignee: row('Assigned to', 'Ответственный', 'Jogapkär', 'Жауапты'),
  unreadOnly: row('Unread only', 'Только непрочитанные', 'Diňe okalmadyklar', 'Тек оқылмағандар'),
  starredOnly: row('Starred only', 'Только отмеченные звездой', 'Diňe ýyldyzlylar', 'Тек жұлдызшалылар'),
  form: row('Form', 'Форма', 'Forma', 'Форма'),
  plainTip: row('plain tip', 'обычное сообщение', 'adaty habar', 'қарапайым хабар'),
  sort: row('Sort by', 'Сортировать по', 'Tertiple', 'Сұрыптау'),
  sorts: {
    activity: row('last activity', 'последней активности', 'soňky hereket', 'соңғы белсенділік'),
    status: row('status', 'статусу', 'ýagdaý', 'күйі'),
    designation: row('designation', 'обозначению', 'at', 'белгіленуі'),
  },
  apply: row('Apply', 'Применить', 'Ulan', 'Қолдану'),
  clear: row('Clear filters', 'Сбросить фильтры', 'Süzgüçleri arassala', 'Сүзгілерді тазалау'),
  any: row('any', 'любой', 'islendik', 'кез келген'),
  nobody: row('nobody', 'никто', 'hiç kim', 'ешкім'),
  threadCount: row('{n} threads', 'Переписок: {n}', 'Ýazyşyklar: {n}', 'Хат алмасулар: {n}'),
  noThreads: row('No thread matches.', 'Ничего не найдено.', 'Hiç zat tapylmady.', 'Ештеңе табылмады.'),
  lastActivity: row('Last activity', 'Последняя активность', 'Soňky hereket', 'Соңғы белсенділік'),
  attachments: row('Attachments', 'Вложения', 'Goşundylar', 'Тіркемелер'),
  sealed: row('sealed by the server', 'зашифровано сервером', 'serwer şifrledi', 'сервер шифрлады'),
  sealedHint: row(
    'sent without JavaScript: the server saw its plain text while it sealed it',
    'отправлено без JavaScript: сервер видел открытый текст, пока шифровал его',
    'JavaScript-siz iberildi: serwer şifrlän wagty açyk teksti gördi',
    'JavaScript-сіз жіберілді: сервер шифрлаған кезде ашық мәтінді көрді',
  ),
  unread: row('unread', 'не прочитано', 'okalmadyk', 'оқылмаған'),
  starred: row('starred', 'со звездой', 'ýyldyzly', 'жұлдызшалы'),
  star: row('Star', 'Отметить звездой', 'Ýyldyz goý', 'Жұлдызша қою'),
  unstar: row('Remove star', 'Снять звезду', 'Ýyldyzy aýyr', 'Жұлдызшаны алу'),
  markUnread: row('Mark unread', 'Отметить как непрочитанное', 'Okalmadyk diýip belle', 'Оқылмаған деп белгілеу'),
  moreLabels: row('+{n} more', 'ещё {n}', 'ýene {n}', 'тағы {n}'),
  statuses: {
    new: row('new', 'новое', 'täze', 'жаңа'),
    'in-progress': row('in progress', 'в работе', 'işlenýär', 'жұмыста'),
    waiting: row('waiting for the source', 'ждём источник', 'çeşmä garaşylýar', 'дереккөзді күтуде'),
    verified: row('verified', 'проверено', 'barlandy', 'тексерілді'),
    rejected: row('rejected', 'отклонено', 'ret edildi', 'қабылданбады'),
    closed: row('closed', 'закрыто', 'ýapyldy', 'жабық'),
  },
  verifications: {
    unverified: row('unverified', 'не проверено', 'barlanmadyk', 'тексерілмеген'),
    verified: row('verified', 'проверено', 'barlandy', 'тексерілді'),
    rejected: row('rejected', 'отклонено', 'ret edildi', 'қабылданбады'),
  },
  backToInbox: row('Back to the inbox', 'Назад во входящие', 'Gelenlere dolan', 'Кіріске оралу'),
  previous: row('Previous thread', 'Предыдущая переписка', 'Öňki ýazyşyk', 'Алдыңғы хат алмасу'),
  next: row('Next thread', 'Следующая переписка', 'Indiki ýazyşyk', 'Келесі хат алмасу'),
  conversation: row('Conversation', 'Переписка', 'Ýazyşyk', 'Хат алмасу'),
  kinds: {
    tip: row('Tip', 'Сообщение', 'Habar', 'Хабар'),
    followUp: row('Follow-up', 'Дополнение', 'Goşmaça', 'Толықтыру'),
    reply: row('Reply', 'Ответ', 'Jogap', 'Жауап'),
  },
  from: row('from', 'от', 'kimden', 'кімнен'),
  pending: row('waiting in the outbox', 'ждёт в исходящих', 'çykýanlarda garaşýar', 'шығыста күтуде'),
  answers: row('Form answers', 'Ответы формы', 'Forma jogaplary', 'Форма жауаптары'),
  files: row('Files', 'Файлы', 'Faýllar', 'Файлдар'),
  incomplete: row('incomplete', 'не полностью', 'doly däl', 'толық емес'),
  exportButton: row('Export to folder', 'Выгрузить в папку', 'Bukja çykar', 'Қалтаға шығару'),
  exportWarning: row(
    'Open exported files only on a separate machine that holds no key: a file can attack the program that opens it.',
    'Открывайте выгруженные файлы только на отдельном компьютере без ключа: файл может атаковать программу, которая его открывает.',
    'Çykarylan faýllary diňe açary bolmadyk aýry kompýuterde açyň: faýl ony açýan programma hüjüm edip biler.',
    'Шығарылған файлдарды тек кілті жоқ бөлек компьютерде ашыңыз: файл оны ашатын бағдарламаға шабуыл жасауы мүмкін.',
  ),
  thumbnailOf: row('Image {name}', 'Изображение {name}', 'Surat {name}', 'Сурет {name}'),
  notes: row('Internal notes', 'Внутренние заметки', 'Içki bellikler', 'Ішкі жазбалар'),
  noNotes: row('No notes yet.', 'Заметок пока нет.', 'Entek bellik ýok.', 'Әзірге жазба жоқ.'),
  noteHint: row(
    'Seen by the editors only, never sent to the source.',
    'Видят только редакторы; источнику не отправляется.',
    'Diňe redaktorlar görýär, çeşmä iberilmeýär.',
    'Тек редакторлар көреді, дереккөзге жіберілмейді.',
  ),
  addNote: row('Add note', 'Добавить заметку', 'Bellik goş', 'Жазба қосу'),
  activity: row('Activity', 'История', 'Taryh', 'Тарих'),
  noActivity: row('Nothing yet.', 'Пока ничего.', 'Entek hiç zat ýok.', 'Әзірге ештеңе жоқ.'),
  replyHeading: row('Reply to the source', 'Ответ источнику', 'Çeşmä jogap', 'Дереккөзге жауап'),
  replyHint: row(
    'Signed and sealed to the source and to every editor, then queued in the outbox on the USB stick.',
    'Подписывается и шифруется для источника и всех редакторов, затем ставится в исходящие на флешке.',
    'Gol çekilip, çeşme we ähli redaktorlar üçin şifrlenýär, soň fleşkadaky çykýanlara goýulýar.',
    'Қол қойылып, дереккөз бен барлық редакторлар үшін шифрланады, содан кейін флешкадағы шығысқа қойылады.',
  ),
  sendReply: row('Queue reply', 'Поставить ответ в очередь', 'Jogaby nobata goý', 'Жауапты кезекке қою'),
  triage: row('Triage', 'Разбор', 'Seljerme', 'Сұрыптау'),
  setStatus: row('Set status', 'Установить статус', 'Ýagdaýy bellemek', 'Күйін орнату'),
  reason: row('Reason', 'Причина', 'Sebäp', 'Себебі'),
  reasonHint: row(
    'Needed to reopen a closed or rejected thread.',
    'Нужна, чтобы снова открыть закрытую или отклонённую переписку.',
    'Ýapylan ýa-da ret edilen ýazyşygy täzeden açmak üçin gerek.',
    'Жабық не қабылданбаған хат алмасуды қайта ашу үшін қажет.',
  ),
  addLabel: row('Add label', 'Добавить метку', 'Belgi goş', 'Белгі қосу'),
  removeLabel: row('Remove label {label}', 'Убрать метку {label}', '{label} belgisini aýyr', '{label} белгісін алу'),
  assign: row('Assign', 'Назначить', 'Bellemek', 'Тағайындау'),
  verification: row('Verification', 'Проверка', 'Barlag', 'Тексеру'),
  verify: row('Save verification', 'Сохранить проверку', 'Barlagy sakla', 'Тексеруді сақтау'),
  verificationNote: row('Note', 'Заметка', 'Bellik', 'Жазба'),
  refusedHeading: row('Refused desk events', 'Отклонённые события', 'Ret edilen wakalar', 'Қабылданбаған оқиғалар'),
  refusedIntro: row(
    'These events failed their checks and were not merged:',
    'Эти события не прошли проверку и не были учтены:',
    'Bu wakalar barlagdan geçmedi we birleşdirilmedi:',
    'Бұл оқиғалар тексеруден өтпеді және біріктірілмеді:',
  ),
  keysHeading: row('Keyboard', 'Клавиатура', 'Klawiatura', 'Пернетақта'),
  keys: [
    ['j / k', row('next / previous thread', 'следующая / предыдущая переписка', 'indiki / öňki ýazyşyk', 'келесі / алдыңғы хат алмасу')],
    ['Enter', row('open the thread', 'открыть переписку', 'ýazyşygy aç', 'хат алмасуды ашу')],
    ['s', row('status', 'статус', 'ýagdaý', 'күйі')],
    ['l', row('label', 'метка', 'belgi', 'белгі')],
    ['r', row('reply', 'ответ', 'jogap', 'жауап')],
    ['/', row('search', 'поиск', 'gözleg', 'іздеу')],
    ['u', row('back to the inbox', 'назад во входящие', 'gelenlere dolan', 'кіріске оралу')],
  ],
  notFound: row('Not found', 'Не найдено', 'Tapylmady', 'Табылмады'),
  noSuchThread: row('There is no such thread.', 'Такой переписки нет.', 'Beýle ýazyşyk ýok.', 'Мұндай хат алмасу жоқ.'),
  exported: row('Exported', 'Выгружено', 'Çykaryldy', 'Шығарылды'),
  exportedTo: row('Written to', 'Записано в', 'Ýazyldy:', 'Жазылды:'),
  problem: row('Not done', 'Не выполнено', 'Ýerine ýetirilmedi', 'Орындалмады'),
  internal: row('Something went wrong inside the desk; nothing was changed.', 'Внутренняя ошибка; ничего не изменено.', 'Içki ýalňyşlyk; hiç zat üýtgedilmedi.', 'Ішкі қате; ештеңе өзгертілмеді.'),
  seededFrom: row('from the desk export of', 'из выгрузки редакции, которую сделал(а)', 'redaksiýanyň eksportyndan, eden:', 'редакция экспортынан, жасаған:'),
  colleagueLink: row('Export for a colleague', 'Выгрузка для коллеги', 'Kärdeş üçin eksport', 'Әріптеске экспорт'),
  colleagueHeading: row('Export this desk for a colleague', 'Выгрузить эту редакцию для коллеги', 'Bu redaksiýany kärdeş üçin eksport etmek', 'Бұл редакцияны әріптеске экспорттау'),
  colleagueIntro: row(
    'For an editor who joins the desk, or who lost their laptop: every thread here (messages, form answers, files, replies), every status, label, assignment, note and verification, sealed to that colleague’s key alone and signed with yours. It is written to the USB stick. Carry it to the colleague’s air-gapped machine and put it in the inbox folder of their stick; their desk imports it when it starts. It never goes online.',
    'Для редактора, который присоединяется к редакции или потерял ноутбук: все переписки (сообщения, ответы формы, файлы, ответы), все статусы, метки, назначения, заметки и проверки, зашифрованные только для ключа этого коллеги и подписанные вашим ключом. Файл записывается на USB-носитель. Перенесите его на изолированный компьютер коллеги и положите в папку inbox на его носителе; его редакция импортирует файл при запуске. В сеть он не попадает.',
    'Redaksiýa goşulýan ýa-da noutbugyny ýitiren redaktor üçin: bu ýerdäki ähli ýazyşmalar (habarlar, formanyň jogaplary, faýllar, jogaplar), ähli ýagdaýlar, bellikler, bellemeler, ýazgylar we barlaglar, diňe şol kärdeşiň açaryna şifrlenip, siziň açaryňyz bilen gol çekilýär. Faýl USB göterijä ýazylýar. Ony kärdeşiň torsuz kompýuterine geçiriň we onuň göterijisindäki inbox bukjasyna goýuň; onuň redaksiýasy işe başlanda ony import edýär. Ol tora çykmaýar.',
    'Редакцияға қосылатын немесе ноутбугын жоғалтқан редактор үшін: мұндағы барлық хат алмасулар (хабарлар, форма жауаптары, файлдар, жауаптар), барлық күйлер, белгілер, тағайындаулар, жазбалар мен тексерулер тек сол әріптестің кілтіне шифрланып, сіздің кілтіңізбен қол қойылады. Файл USB тасымалдағышқа жазылады. Оны әріптестің желіден оқшау компьютеріне апарып, оның тасымалдағышындағы inbox қалтасына салыңыз; оның редакциясы іске қосылғанда оны импорттайды. Ол желіге шықпайды.',
  ),
  colleagueChoose: row('Colleague', 'Коллега', 'Kärdeş', 'Әріптес'),
  colleagueButton: row('Export this desk', 'Выгрузить редакцию', 'Redaksiýany eksport etmek', 'Редакцияны экспорттау'),
  colleagueNone: row('The roster names no other editor.', 'В списке редакторов нет никого, кроме вас.', 'Redaktorlaryň sanawynda başga hiç kim ýok.', 'Редакторлар тізімінде сізден басқа ешкім жоқ.'),
  colleagueDone: row('Desk exported', 'Редакция выгружена', 'Redaksiýa eksport edildi', 'Редакция экспортталды'),
  colleagueCarry: row(
    'Copy this file into the inbox folder of {name}’s USB stick. Only {name}’s key opens it. Delete it from this stick once it is copied.',
    'Скопируйте этот файл в папку inbox на USB-носителе: {name}. Открыть его может только ключ этого редактора. После копирования удалите его с этого носителя.',
    'Bu faýly {name} redaktoryň USB göterijisindäki inbox bukjasyna göçüriň. Ony diňe şol redaktoryň açary açyp bilýär. Göçürenden soň ony bu göterijiden pozuň.',
    'Бұл файлды {name} редакторының USB тасымалдағышындағы inbox қалтасына көшіріңіз. Оны тек сол редактордың кілті аша алады. Көшіргеннен кейін оны бұл тасымалдағыштан өшіріңіз.',
  ),
  you: row('you', 'вы', 'siz', 'сіз'),
  tipOf: row('tip {id}', 'сообщение {id}', 'habar {id}', 'хабар {id}'),
  noReply: row(
    'This source left no return passphrase: they cannot receive a reply.',
    'Источник не оставил пароль для ответа: ответ ему не дойдёт.',
    'Çeşme jogap üçin açar sözlemini galdyrmady: oňa jogap ýetip bilmez.',
    'Дереккөз жауапқа арналған құпия сөзді қалдырмады: оған жауап жетпейді.',
  ),
  unverified: row(
    'Not verified: this names a source’s mailbox but its signature failed, so it is not from that source.',
    'Не проверено: запись ссылается на почтовый ящик источника, но подпись не сошлась, значит, она не от этого источника.',
    'Barlanmady: bu çeşmäniň poçta gutusyny görkezýär, ýöne goly laýyk gelmedi, diýmek, ol şol çeşmeden däl.',
    'Тексерілмеген: бұл дереккөздің пошта жәшігін атайды, бірақ қолтаңбасы сәйкес келмеді, демек ол сол дереккөзден емес.',
  ),
};

/** `rows` in one language: each row's text in `lang`, in the nested tables and the keyboard table too. */
function inLang(rows: object, lang: Lang): unknown {
  return Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, Array.isArray(v) ? v.map(([key, r]: [string, Row]) => [key, r[lang]]) : typeof v.en === 'string' ? v[lang] : inLang(v, lang)]));
}

const WORDS = Object.fromEntries(LANGS.map((lang) => [lang, inLang(ROWS, lang)])) as Record<Lang, Words>;

export const words = (lang: Lang): Words => WORDS[lang];

/** `{name}` placeholders filled (values are plain text; the views escape the result). */
export const fill = (template: string, values: Record<string, string | number>): string => template.replace(/\{(\w+)\}/g, (whole, k: string) => (k in values ? String(values[k]) : whole));
