// The desk's words in the editor's language (`desk --lang en|ru|tk|kk`, like the offline
// report). Plain text: the views escape every value. The Russian, Turkmen and Kazakh texts were
// written by a non-native speaker and need native review (docs/TRANSLATING.md).
import type { ThreadStatus, Verification } from '../api.js';

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

const en: Words = {
  desk: 'Desk',
  skip: 'Skip to the content',
  inbox: 'Inbox',
  search: 'Search messages, answers, file names, notes and labels',
  searchButton: 'Search',
  filters: 'Filters',
  status: 'Status',
  label: 'Label',
  labels: 'Labels',
  assignee: 'Assigned to',
  unreadOnly: 'Unread only',
  starredOnly: 'Starred only',
  form: 'Form',
  plainTip: 'plain tip',
  sort: 'Sort by',
  sorts: { activity: 'last activity', status: 'status', designation: 'designation' },
  apply: 'Apply',
  clear: 'Clear filters',
  any: 'any',
  nobody: 'nobody',
  threadCount: '{n} threads',
  noThreads: 'No thread matches.',
  lastActivity: 'Last activity',
  attachments: 'Attachments',
  sealed: 'sealed by the server',
  sealedHint: 'sent without JavaScript: the server saw its plain text while it sealed it',
  unread: 'unread',
  starred: 'starred',
  star: 'Star',
  unstar: 'Remove star',
  markUnread: 'Mark unread',
  moreLabels: '+{n} more',
  statuses: { new: 'new', 'in-progress': 'in progress', waiting: 'waiting for the source', verified: 'verified', rejected: 'rejected', closed: 'closed' },
  verifications: { unverified: 'unverified', verified: 'verified', rejected: 'rejected' },
  backToInbox: 'Back to the inbox',
  previous: 'Previous thread',
  next: 'Next thread',
  conversation: 'Conversation',
  kinds: { tip: 'Tip', followUp: 'Follow-up', reply: 'Reply' },
  from: 'from',
  pending: 'waiting in the outbox',
  answers: 'Form answers',
  files: 'Files',
  incomplete: 'incomplete',
  exportButton: 'Export to folder',
  exportWarning: 'Open exported files only on a separate machine that holds no key: a file can attack the program that opens it.',
  thumbnailOf: 'Image {name}',
  notes: 'Internal notes',
  noNotes: 'No notes yet.',
  noteHint: 'Seen by the editors only, never sent to the source.',
  addNote: 'Add note',
  activity: 'Activity',
  noActivity: 'Nothing yet.',
  replyHeading: 'Reply to the source',
  replyHint: 'Signed and sealed to the source and to every editor, then queued in the outbox on the USB stick.',
  sendReply: 'Queue reply',
  triage: 'Triage',
  setStatus: 'Set status',
  reason: 'Reason',
  reasonHint: 'Needed to reopen a closed or rejected thread.',
  addLabel: 'Add label',
  removeLabel: 'Remove label {label}',
  assign: 'Assign',
  verification: 'Verification',
  verify: 'Save verification',
  verificationNote: 'Note',
  refusedHeading: 'Refused desk events',
  refusedIntro: 'These events failed their checks and were not merged:',
  keysHeading: 'Keyboard',
  keys: [
    ['j / k', 'next / previous thread'],
    ['Enter', 'open the thread'],
    ['s', 'status'],
    ['l', 'label'],
    ['r', 'reply'],
    ['/', 'search'],
    ['u', 'back to the inbox'],
  ],
  notFound: 'Not found',
  noSuchThread: 'There is no such thread.',
  exported: 'Exported',
  exportedTo: 'Written to',
  problem: 'Not done',
  internal: 'Something went wrong inside the desk; nothing was changed.',
  you: 'you',
  tipOf: 'tip {id}',
  noReply: 'This source left no return passphrase: they cannot receive a reply.',
  unverified: 'Not verified: this names a source’s mailbox but its signature failed, so it is not from that source.',
  seededFrom: 'from the desk export of',
  colleagueLink: 'Export for a colleague',
  colleagueHeading: 'Export this desk for a colleague',
  colleagueIntro:
    'For an editor who joins the desk, or who lost their laptop: every thread here (messages, form answers, files, replies), every status, label, assignment, note and verification, sealed to that colleague’s key alone and signed with yours. It is written to the USB stick. Carry it to the colleague’s air-gapped machine and put it in the inbox folder of their stick; their desk imports it when it starts. It never goes online.',
  colleagueChoose: 'Colleague',
  colleagueButton: 'Export this desk',
  colleagueNone: 'The roster names no other editor.',
  colleagueDone: 'Desk exported',
  colleagueCarry: 'Copy this file into the inbox folder of {name}’s USB stick. Only {name}’s key opens it. Delete it from this stick once it is copied.',
};

const ru: Words = {
  desk: 'Редакция',
  skip: 'Перейти к содержимому',
  inbox: 'Входящие',
  search: 'Поиск по сообщениям, ответам формы, именам файлов, заметкам и меткам',
  searchButton: 'Искать',
  filters: 'Фильтры',
  status: 'Статус',
  label: 'Метка',
  labels: 'Метки',
  assignee: 'Ответственный',
  unreadOnly: 'Только непрочитанные',
  starredOnly: 'Только отмеченные звездой',
  form: 'Форма',
  plainTip: 'обычное сообщение',
  sort: 'Сортировать по',
  sorts: { activity: 'последней активности', status: 'статусу', designation: 'обозначению' },
  apply: 'Применить',
  clear: 'Сбросить фильтры',
  any: 'любой',
  nobody: 'никто',
  threadCount: 'Переписок: {n}',
  noThreads: 'Ничего не найдено.',
  lastActivity: 'Последняя активность',
  attachments: 'Вложения',
  sealed: 'зашифровано сервером',
  sealedHint: 'отправлено без JavaScript: сервер видел открытый текст, пока шифровал его',
  unread: 'не прочитано',
  starred: 'со звездой',
  star: 'Отметить звездой',
  unstar: 'Снять звезду',
  markUnread: 'Отметить как непрочитанное',
  moreLabels: 'ещё {n}',
  statuses: { new: 'новое', 'in-progress': 'в работе', waiting: 'ждём источник', verified: 'проверено', rejected: 'отклонено', closed: 'закрыто' },
  verifications: { unverified: 'не проверено', verified: 'проверено', rejected: 'отклонено' },
  backToInbox: 'Назад во входящие',
  previous: 'Предыдущая переписка',
  next: 'Следующая переписка',
  conversation: 'Переписка',
  kinds: { tip: 'Сообщение', followUp: 'Дополнение', reply: 'Ответ' },
  from: 'от',
  pending: 'ждёт в исходящих',
  answers: 'Ответы формы',
  files: 'Файлы',
  incomplete: 'не полностью',
  exportButton: 'Выгрузить в папку',
  exportWarning: 'Открывайте выгруженные файлы только на отдельном компьютере без ключа: файл может атаковать программу, которая его открывает.',
  thumbnailOf: 'Изображение {name}',
  notes: 'Внутренние заметки',
  noNotes: 'Заметок пока нет.',
  noteHint: 'Видят только редакторы; источнику не отправляется.',
  addNote: 'Добавить заметку',
  activity: 'История',
  noActivity: 'Пока ничего.',
  replyHeading: 'Ответ источнику',
  replyHint: 'Подписывается и шифруется для источника и всех редакторов, затем ставится в исходящие на флешке.',
  sendReply: 'Поставить ответ в очередь',
  triage: 'Разбор',
  setStatus: 'Установить статус',
  reason: 'Причина',
  reasonHint: 'Нужна, чтобы снова открыть закрытую или отклонённую переписку.',
  addLabel: 'Добавить метку',
  removeLabel: 'Убрать метку {label}',
  assign: 'Назначить',
  verification: 'Проверка',
  verify: 'Сохранить проверку',
  verificationNote: 'Заметка',
  refusedHeading: 'Отклонённые события',
  refusedIntro: 'Эти события не прошли проверку и не были учтены:',
  keysHeading: 'Клавиатура',
  keys: [
    ['j / k', 'следующая / предыдущая переписка'],
    ['Enter', 'открыть переписку'],
    ['s', 'статус'],
    ['l', 'метка'],
    ['r', 'ответ'],
    ['/', 'поиск'],
    ['u', 'назад во входящие'],
  ],
  notFound: 'Не найдено',
  noSuchThread: 'Такой переписки нет.',
  exported: 'Выгружено',
  exportedTo: 'Записано в',
  problem: 'Не выполнено',
  internal: 'Внутренняя ошибка; ничего не изменено.',
  you: 'вы',
  tipOf: 'сообщение {id}',
  noReply: 'Источник не оставил пароль для ответа: ответ ему не дойдёт.',
  unverified: 'Не проверено: запись ссылается на почтовый ящик источника, но подпись не сошлась, значит, она не от этого источника.',
  seededFrom: 'из выгрузки редакции, которую сделал(а)',
  colleagueLink: 'Выгрузка для коллеги',
  colleagueHeading: 'Выгрузить эту редакцию для коллеги',
  colleagueIntro:
    'Для редактора, который присоединяется к редакции или потерял ноутбук: все переписки (сообщения, ответы формы, файлы, ответы), все статусы, метки, назначения, заметки и проверки, зашифрованные только для ключа этого коллеги и подписанные вашим ключом. Файл записывается на USB-носитель. Перенесите его на изолированный компьютер коллеги и положите в папку inbox на его носителе; его редакция импортирует файл при запуске. В сеть он не попадает.',
  colleagueChoose: 'Коллега',
  colleagueButton: 'Выгрузить редакцию',
  colleagueNone: 'В списке редакторов нет никого, кроме вас.',
  colleagueDone: 'Редакция выгружена',
  colleagueCarry: 'Скопируйте этот файл в папку inbox на USB-носителе: {name}. Открыть его может только ключ этого редактора. После копирования удалите его с этого носителя.',
};

const tk: Words = {
  desk: 'Redaksiýa',
  skip: 'Mazmuna geç',
  inbox: 'Gelenler',
  search: 'Habarlarda, forma jogaplarynda, faýl atlarynda, belliklerde we belgilerde gözle',
  searchButton: 'Gözle',
  filters: 'Süzgüçler',
  status: 'Ýagdaý',
  label: 'Belgi',
  labels: 'Belgiler',
  assignee: 'Jogapkär',
  unreadOnly: 'Diňe okalmadyklar',
  starredOnly: 'Diňe ýyldyzlylar',
  form: 'Forma',
  plainTip: 'adaty habar',
  sort: 'Tertiple',
  sorts: { activity: 'soňky hereket', status: 'ýagdaý', designation: 'at' },
  apply: 'Ulan',
  clear: 'Süzgüçleri arassala',
  any: 'islendik',
  nobody: 'hiç kim',
  threadCount: 'Ýazyşyklar: {n}',
  noThreads: 'Hiç zat tapylmady.',
  lastActivity: 'Soňky hereket',
  attachments: 'Goşundylar',
  sealed: 'serwer şifrledi',
  sealedHint: 'JavaScript-siz iberildi: serwer şifrlän wagty açyk teksti gördi',
  unread: 'okalmadyk',
  starred: 'ýyldyzly',
  star: 'Ýyldyz goý',
  unstar: 'Ýyldyzy aýyr',
  markUnread: 'Okalmadyk diýip belle',
  moreLabels: 'ýene {n}',
  statuses: { new: 'täze', 'in-progress': 'işlenýär', waiting: 'çeşmä garaşylýar', verified: 'barlandy', rejected: 'ret edildi', closed: 'ýapyldy' },
  verifications: { unverified: 'barlanmadyk', verified: 'barlandy', rejected: 'ret edildi' },
  backToInbox: 'Gelenlere dolan',
  previous: 'Öňki ýazyşyk',
  next: 'Indiki ýazyşyk',
  conversation: 'Ýazyşyk',
  kinds: { tip: 'Habar', followUp: 'Goşmaça', reply: 'Jogap' },
  from: 'kimden',
  pending: 'çykýanlarda garaşýar',
  answers: 'Forma jogaplary',
  files: 'Faýllar',
  incomplete: 'doly däl',
  exportButton: 'Bukja çykar',
  exportWarning: 'Çykarylan faýllary diňe açary bolmadyk aýry kompýuterde açyň: faýl ony açýan programma hüjüm edip biler.',
  thumbnailOf: 'Surat {name}',
  notes: 'Içki bellikler',
  noNotes: 'Entek bellik ýok.',
  noteHint: 'Diňe redaktorlar görýär, çeşmä iberilmeýär.',
  addNote: 'Bellik goş',
  activity: 'Taryh',
  noActivity: 'Entek hiç zat ýok.',
  replyHeading: 'Çeşmä jogap',
  replyHint: 'Gol çekilip, çeşme we ähli redaktorlar üçin şifrlenýär, soň fleşkadaky çykýanlara goýulýar.',
  sendReply: 'Jogaby nobata goý',
  triage: 'Seljerme',
  setStatus: 'Ýagdaýy bellemek',
  reason: 'Sebäp',
  reasonHint: 'Ýapylan ýa-da ret edilen ýazyşygy täzeden açmak üçin gerek.',
  addLabel: 'Belgi goş',
  removeLabel: '{label} belgisini aýyr',
  assign: 'Bellemek',
  verification: 'Barlag',
  verify: 'Barlagy sakla',
  verificationNote: 'Bellik',
  refusedHeading: 'Ret edilen wakalar',
  refusedIntro: 'Bu wakalar barlagdan geçmedi we birleşdirilmedi:',
  keysHeading: 'Klawiatura',
  keys: [
    ['j / k', 'indiki / öňki ýazyşyk'],
    ['Enter', 'ýazyşygy aç'],
    ['s', 'ýagdaý'],
    ['l', 'belgi'],
    ['r', 'jogap'],
    ['/', 'gözleg'],
    ['u', 'gelenlere dolan'],
  ],
  notFound: 'Tapylmady',
  noSuchThread: 'Beýle ýazyşyk ýok.',
  exported: 'Çykaryldy',
  exportedTo: 'Ýazyldy:',
  problem: 'Ýerine ýetirilmedi',
  internal: 'Içki ýalňyşlyk; hiç zat üýtgedilmedi.',
  you: 'siz',
  tipOf: 'habar {id}',
  noReply: 'Çeşme jogap üçin açar sözlemini galdyrmady: oňa jogap ýetip bilmez.',
  unverified: 'Barlanmady: bu çeşmäniň poçta gutusyny görkezýär, ýöne goly laýyk gelmedi, diýmek, ol şol çeşmeden däl.',
  seededFrom: 'redaksiýanyň eksportyndan, eden:',
  colleagueLink: 'Kärdeş üçin eksport',
  colleagueHeading: 'Bu redaksiýany kärdeş üçin eksport etmek',
  colleagueIntro:
    'Redaksiýa goşulýan ýa-da noutbugyny ýitiren redaktor üçin: bu ýerdäki ähli ýazyşmalar (habarlar, formanyň jogaplary, faýllar, jogaplar), ähli ýagdaýlar, bellikler, bellemeler, ýazgylar we barlaglar, diňe şol kärdeşiň açaryna şifrlenip, siziň açaryňyz bilen gol çekilýär. Faýl USB göterijä ýazylýar. Ony kärdeşiň torsuz kompýuterine geçiriň we onuň göterijisindäki inbox bukjasyna goýuň; onuň redaksiýasy işe başlanda ony import edýär. Ol tora çykmaýar.',
  colleagueChoose: 'Kärdeş',
  colleagueButton: 'Redaksiýany eksport etmek',
  colleagueNone: 'Redaktorlaryň sanawynda başga hiç kim ýok.',
  colleagueDone: 'Redaksiýa eksport edildi',
  colleagueCarry: 'Bu faýly {name} redaktoryň USB göterijisindäki inbox bukjasyna göçüriň. Ony diňe şol redaktoryň açary açyp bilýär. Göçürenden soň ony bu göterijiden pozuň.',
};

const kk: Words = {
  desk: 'Редакция',
  skip: 'Мазмұнға өту',
  inbox: 'Кіріс',
  search: 'Хабарлардан, форма жауаптарынан, файл атауларынан, жазбалардан және белгілерден іздеу',
  searchButton: 'Іздеу',
  filters: 'Сүзгілер',
  status: 'Күйі',
  label: 'Белгі',
  labels: 'Белгілер',
  assignee: 'Жауапты',
  unreadOnly: 'Тек оқылмағандар',
  starredOnly: 'Тек жұлдызшалылар',
  form: 'Форма',
  plainTip: 'қарапайым хабар',
  sort: 'Сұрыптау',
  sorts: { activity: 'соңғы белсенділік', status: 'күйі', designation: 'белгіленуі' },
  apply: 'Қолдану',
  clear: 'Сүзгілерді тазалау',
  any: 'кез келген',
  nobody: 'ешкім',
  threadCount: 'Хат алмасулар: {n}',
  noThreads: 'Ештеңе табылмады.',
  lastActivity: 'Соңғы белсенділік',
  attachments: 'Тіркемелер',
  sealed: 'сервер шифрлады',
  sealedHint: 'JavaScript-сіз жіберілді: сервер шифрлаған кезде ашық мәтінді көрді',
  unread: 'оқылмаған',
  starred: 'жұлдызшалы',
  star: 'Жұлдызша қою',
  unstar: 'Жұлдызшаны алу',
  markUnread: 'Оқылмаған деп белгілеу',
  moreLabels: 'тағы {n}',
  statuses: { new: 'жаңа', 'in-progress': 'жұмыста', waiting: 'дереккөзді күтуде', verified: 'тексерілді', rejected: 'қабылданбады', closed: 'жабық' },
  verifications: { unverified: 'тексерілмеген', verified: 'тексерілді', rejected: 'қабылданбады' },
  backToInbox: 'Кіріске оралу',
  previous: 'Алдыңғы хат алмасу',
  next: 'Келесі хат алмасу',
  conversation: 'Хат алмасу',
  kinds: { tip: 'Хабар', followUp: 'Толықтыру', reply: 'Жауап' },
  from: 'кімнен',
  pending: 'шығыста күтуде',
  answers: 'Форма жауаптары',
  files: 'Файлдар',
  incomplete: 'толық емес',
  exportButton: 'Қалтаға шығару',
  exportWarning: 'Шығарылған файлдарды тек кілті жоқ бөлек компьютерде ашыңыз: файл оны ашатын бағдарламаға шабуыл жасауы мүмкін.',
  thumbnailOf: 'Сурет {name}',
  notes: 'Ішкі жазбалар',
  noNotes: 'Әзірге жазба жоқ.',
  noteHint: 'Тек редакторлар көреді, дереккөзге жіберілмейді.',
  addNote: 'Жазба қосу',
  activity: 'Тарих',
  noActivity: 'Әзірге ештеңе жоқ.',
  replyHeading: 'Дереккөзге жауап',
  replyHint: 'Қол қойылып, дереккөз бен барлық редакторлар үшін шифрланады, содан кейін флешкадағы шығысқа қойылады.',
  sendReply: 'Жауапты кезекке қою',
  triage: 'Сұрыптау',
  setStatus: 'Күйін орнату',
  reason: 'Себебі',
  reasonHint: 'Жабық не қабылданбаған хат алмасуды қайта ашу үшін қажет.',
  addLabel: 'Белгі қосу',
  removeLabel: '{label} белгісін алу',
  assign: 'Тағайындау',
  verification: 'Тексеру',
  verify: 'Тексеруді сақтау',
  verificationNote: 'Жазба',
  refusedHeading: 'Қабылданбаған оқиғалар',
  refusedIntro: 'Бұл оқиғалар тексеруден өтпеді және біріктірілмеді:',
  keysHeading: 'Пернетақта',
  keys: [
    ['j / k', 'келесі / алдыңғы хат алмасу'],
    ['Enter', 'хат алмасуды ашу'],
    ['s', 'күйі'],
    ['l', 'белгі'],
    ['r', 'жауап'],
    ['/', 'іздеу'],
    ['u', 'кіріске оралу'],
  ],
  notFound: 'Табылмады',
  noSuchThread: 'Мұндай хат алмасу жоқ.',
  exported: 'Шығарылды',
  exportedTo: 'Жазылды:',
  problem: 'Орындалмады',
  internal: 'Ішкі қате; ештеңе өзгертілмеді.',
  you: 'сіз',
  tipOf: 'хабар {id}',
  noReply: 'Дереккөз жауапқа арналған құпия сөзді қалдырмады: оған жауап жетпейді.',
  unverified: 'Тексерілмеген: бұл дереккөздің пошта жәшігін атайды, бірақ қолтаңбасы сәйкес келмеді, демек ол сол дереккөзден емес.',
  seededFrom: 'редакция экспортынан, жасаған:',
  colleagueLink: 'Әріптеске экспорт',
  colleagueHeading: 'Бұл редакцияны әріптеске экспорттау',
  colleagueIntro:
    'Редакцияға қосылатын немесе ноутбугын жоғалтқан редактор үшін: мұндағы барлық хат алмасулар (хабарлар, форма жауаптары, файлдар, жауаптар), барлық күйлер, белгілер, тағайындаулар, жазбалар мен тексерулер тек сол әріптестің кілтіне шифрланып, сіздің кілтіңізбен қол қойылады. Файл USB тасымалдағышқа жазылады. Оны әріптестің желіден оқшау компьютеріне апарып, оның тасымалдағышындағы inbox қалтасына салыңыз; оның редакциясы іске қосылғанда оны импорттайды. Ол желіге шықпайды.',
  colleagueChoose: 'Әріптес',
  colleagueButton: 'Редакцияны экспорттау',
  colleagueNone: 'Редакторлар тізімінде сізден басқа ешкім жоқ.',
  colleagueDone: 'Редакция экспортталды',
  colleagueCarry: 'Бұл файлды {name} редакторының USB тасымалдағышындағы inbox қалтасына көшіріңіз. Оны тек сол редактордың кілті аша алады. Көшіргеннен кейін оны бұл тасымалдағыштан өшіріңіз.',
};

const WORDS: Record<Lang, Words> = { en, ru, tk, kk };

export const words = (lang: Lang): Words => WORDS[lang];

/** `{name}` placeholders filled (values are plain text; the views escape the result). */
export const fill = (template: string, values: Record<string, string | number>): string => template.replace(/\{(\w+)\}/g, (whole, k: string) => (k in values ? String(values[k]) : whole));
