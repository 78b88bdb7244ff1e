// The words of the desk's election view and of its publication export, in the desk's languages.
// English is the reference; ru, tk and kk are machine translated and need native review (as the
// forms' words, src/forms/messages.ts). Field and choice labels are the forms' own (textFor).
// Values are plain text: the views escape them. `{x}` is filled in by `say`.
import { formLang, row, type Row } from '../forms/messages.js';
import type { CountWords } from '../offline/report-parts.js';

const WORDS = {
  heading: row('Election reports', 'Сообщения о выборах', 'Saýlaw habarlary', 'Сайлау туралы хабарлар'),
  filters: row('Filters of the desk in effect: {filters}.', 'Действующие фильтры стола: {filters}.', 'Stoluň işleýän süzgüçleri: {filters}.', 'Үстелдің қолданыстағы сүзгілері: {filters}.'),
  noFilters: row('none (every thread)', 'нет (все переписки)', 'ýok (ähli ýazyşyklar)', 'жоқ (барлық хат алмасулар)'),
  totals: row(
    '{total} reports: {verified} verified, {unverified} unverified, {rejected} rejected (never counted).',
    'Сообщений: {total}; проверено {verified}, не проверено {unverified}, отклонено {rejected} (не учитываются).',
    'Habarlar: {total}; barlanan {verified}, barlanmadyk {unverified}, ret edilen {rejected} (hasaba alynmaýar).',
    'Хабарлар: {total}; тексерілген {verified}, тексерілмеген {unverified}, қабылданбаған {rejected} (есептелмейді).',
  ),
  counts: row('Counts', 'Подсчёт', 'Sanlar', 'Сандар'),
  reports: row('Reports', 'Сообщения', 'Habarlar', 'Хабарлар'),
  conflicts: row('Reports that disagree', 'Расходящиеся сообщения', 'Biri-birine gabat gelmeýän habarlar', 'Бір-біріне сәйкес келмейтін хабарлар'),
  noConflicts: row(
    'No two reports about one polling station disagree.',
    'Нет расходящихся сообщений об одном участке.',
    'Bir uçastok barada gabat gelmeýän habar ýok.',
    'Бір учаске туралы сәйкес келмейтін хабар жоқ.',
  ),
  station: row('Station {station}, {region}', 'Участок {station}, {region}', '{region}, {station} uçastok', '{region}, {station} учаске'),
  conflictProtocol: row('The results protocols differ on these lines:', 'Протоколы расходятся в строках:', 'Teswirnamalar şu setirlerde tapawutlanýar:', 'Хаттамалар мына жолдарда сәйкес келмейді:'),
  conflictDate: row(
    'Both report election day at this station, on different dates:',
    'Оба сообщают о дне выборов на этом участке, но с разными датами:',
    'Ikisi hem bu uçastokdaky saýlaw güni barada, ýöne dürli senelerde habar berýär:',
    'Екеуі де осы учаскедегі сайлау күні туралы, бірақ әр түрлі күндермен хабарлайды:',
  ),
  conflictVerdict: row(
    'The same category at this station: verified in one report, rejected in another ({category}):',
    'Одна категория на этом участке: в одном сообщении проверена, в другом отклонена ({category}):',
    'Bu uçastokda şol bir görnüş: bir habarda barlanan, beýlekisinde ret edilen ({category}):',
    'Осы учаскедегі бір санат: бір хабарда тексерілген, басқасында қабылданбаған ({category}):',
  ),
  report: row('report', 'сообщение', 'habar', 'хабар'),
  received: row('received', 'получено', 'alnan', 'алынған'),
  dayReceived: row('Day received', 'День получения', 'Alnan güni', 'Алынған күні'),
  form: row('form', 'форма', 'görnüş', 'пішін'),
  answers: row('answers', 'ответы', 'jogaplar', 'жауаптар'),
  verification: row('verification', 'проверка', 'barlag', 'тексеру'),
  note: row('note', 'заметка', 'bellik', 'жазба'),
  editor: row('editor', 'редактор', 'redaktor', 'редактор'),
  problems: row('does not fit the form', 'не соответствует форме', 'görnüşe laýyk däl', 'пішінге сәйкес емес'),
  failed: row('relations that do not hold', 'не выполняются соотношения', 'ýerine ýetmeýän gatnaşyklar', 'орындалмайтын қатынастар'),
  verified: row('verified', 'проверено', 'barlanan', 'тексерілген'),
  unverified: row('unverified', 'не проверено', 'barlanmadyk', 'тексерілмеген'),
  rejected: row('rejected', 'отклонено', 'ret edildi', 'қабылданбаған'),
  total: row('total', 'всего', 'jemi', 'барлығы'),
  notGiven: row('(not given)', '(не указано)', '(görkezilmedik)', '(көрсетілмеген)'),
  severalNote: row(
    'A report can name several of these, so this column can add up to more than the number of reports.',
    'В одном сообщении можно отметить несколько, поэтому сумма может быть больше числа сообщений.',
    'Bir habarda birnäçesi bellenip bilner, şonuň üçin jemi habarlaryň sanyndan köp bolup biler.',
    'Бір хабарда бірнешеуі белгіленуі мүмкін, сондықтан қосынды хабарлар санынан көп болуы мүмкін.',
  ),
  dayTitle: row('Day ({label}, as reported)', 'День ({label}, со слов источника)', 'Gün ({label}, habar berlişi ýaly)', 'Күн ({label}, хабарланғандай)'),
  chartDesc: row(
    'Bar chart of {title}: the dark part of each bar counts {verified} reports, the light part {unverified} ones; the table beside it has the same numbers.',
    'Столбчатая диаграмма «{title}»: тёмная часть столбца — сообщения «{verified}», светлая — «{unverified}»; те же числа в таблице рядом.',
    '«{title}» sütünli diagramma: sütüniň garaňky bölegi «{verified}», açyk bölegi «{unverified}» habarlar; şol sanlar ýanyndaky tablisada.',
    '«{title}» бағаналы диаграммасы: бағананың қою бөлігі «{verified}», ашық бөлігі «{unverified}» хабарлар; сол сандар қасындағы кестеде.',
  ),
  importDone: row(
    'verification.tsv imported: {applied} verifications set, {already} already so, {kept} kept as the desk has them (set since on the desk), {unmatched} lines name no report here.',
    'verification.tsv импортирован: установлено проверок {applied}, уже было так {already}, оставлено как на столе {kept}, строк без сообщения {unmatched}.',
    'verification.tsv import edildi: {applied} barlag bellendi, {already} eýýäm şeýle, {kept} stoldaky ýaly galdyryldy, {unmatched} setir hiç bir habary görkezmeýär.',
    'verification.tsv импортталды: {applied} тексеру орнатылды, {already} бұрыннан солай, {kept} үстелдегідей қалдырылды, {unmatched} жол ешбір хабарды көрсетпейді.',
  ),
  importDelete: row(
    'The desk now keeps these verifications (encrypted, shared with the other editors): delete verification.tsv, and every copy of it.',
    'Теперь проверки хранит стол (зашифрованно, общие для всех редакторов): удалите verification.tsv и все его копии.',
    'Indi barlaglary stol saklaýar (şifrlenen, ähli redaktorlar bilen umumy): verification.tsv faýlyny we onuň ähli nusgalaryny pozuň.',
    'Енді тексерулерді үстел сақтайды (шифрланған, барлық редакторларға ортақ): verification.tsv файлын және оның барлық көшірмелерін жойыңыз.',
  ),
  importKeep: row(
    'Keep verification.tsv until the reports its unmatched lines name have arrived on this desk, then import it again (it applies nothing twice) and delete it.',
    'Сохраните verification.tsv, пока сообщения из несовпавших строк не придут на этот стол, затем импортируйте снова (повторно ничего не применится) и удалите.',
    'Gabat gelmedik setirleriň habarlary bu stola gelýänçä verification.tsv faýlyny saklaň, soňra täzeden import ediň (hiç zat iki gezek ulanylmaýar) we pozuň.',
    'Сәйкес келмеген жолдардағы хабарлар осы үстелге келгенше verification.tsv сақтаңыз, содан кейін қайта импорттаңыз (ештеңе екі рет қолданылмайды) және жойыңыз.',
  ),
  unmatchedLine: row(
    'line {line} names no report here: {key}',
    'строка {line} не соответствует ни одному сообщению: {key}',
    '{line}-nji setir hiç bir habary görkezmeýär: {key}',
    '{line}-жол ешбір хабарды көрсетпейді: {key}',
  ),
  keptLine: row(
    'line {line} ({state}) not applied: on the desk {tip} is {desk}',
    'строка {line} ({state}) не применена: на столе {tip} — {desk}',
    '{line}-nji setir ({state}) ulanylmady: stolda {tip} — {desk}',
    '{line}-жол ({state}) қолданылмады: үстелде {tip} — {desk}',
  ),
  publicationTitle: row('Election reports (verified)', 'Сообщения о выборах (проверенные)', 'Saýlaw habarlary (barlanan)', 'Сайлау туралы хабарлар (тексерілген)'),
  publicationMeta: row(
    '{count} verified reports, exported {date}.',
    'Проверенных сообщений: {count}; выгружено {date}.',
    'Barlanan habarlar: {count}; {date} eksport edildi.',
    'Тексерілген хабарлар: {count}; {date} экспортталды.',
  ),
  freeTextLeftOut: row(
    'Free text is LEFT OUT of this export (the sources’ messages, their text answers and the editors’ notes): a message can identify its author.',
    'Свободный текст НЕ ВКЛЮЧЁН в эту выгрузку (сообщения источников, их текстовые ответы и заметки редакторов): текст может выдать автора.',
    'Erkin tekst bu eksporta GOŞULMADY (çeşmeleriň hatlary, tekst jogaplary we redaktorlaryň bellikleri): hat awtoryny äşgär edip biler.',
    'Еркін мәтін бұл экспортқа ЕНГІЗІЛМЕГЕН (дереккөздердің хабарлары, мәтіндік жауаптары және редакторлардың жазбалары): мәтін авторын әшкерелеуі мүмкін.',
  ),
  freeTextIncluded: row(
    'Free text is INCLUDED in this export (the sources’ messages, their text answers and the editors’ notes), by the editor’s explicit choice: read every one before publishing, a message can identify its author.',
    'Свободный текст ВКЛЮЧЁН в эту выгрузку (сообщения источников, их текстовые ответы и заметки редакторов) по явному выбору редактора: прочтите каждый перед публикацией, текст может выдать автора.',
    'Erkin tekst redaktoryň aýdyň saýlawy boýunça bu eksporta GOŞULDY (çeşmeleriň hatlary, tekst jogaplary we redaktorlaryň bellikleri): çap etmezden öň hersini okaň, hat awtoryny äşgär edip biler.',
    'Еркін мәтін редактордың нақты таңдауымен бұл экспортқа ЕНГІЗІЛДІ (дереккөздердің хабарлары, мәтіндік жауаптары және редакторлардың жазбалары): жарияламас бұрын әрқайсысын оқыңыз, мәтін авторын әшкерелеуі мүмкін.',
  ),
  leftOut: row('(left out: free text)', '(не включено: свободный текст)', '(goşulmady: erkin tekst)', '(енгізілмеген: еркін мәтін)'),
  message: row('message', 'сообщение', 'hat', 'хабарлама'),
  evidence: row('evidence files', 'файлы-доказательства', 'subutnama faýllary', 'дәлел файлдары'),
  exportHeading: row('Export for publication', 'Выгрузка для публикации', 'Çap etmek üçin eksport', 'Жариялауға экспорт'),
  exportExplain: row(
    "Writes the verified reports of this page (the filters above apply) as a CSV and an HTML file into the desk's export folder. No ids and no editors' names are in them.",
    'Записывает проверенные сообщения этой страницы (с фильтрами выше) в файлы CSV и HTML в папку выгрузок стола. Идентификаторов и имён редакторов в них нет.',
    'Bu sahypanyň barlanan habarlaryny (ýokardaky süzgüçler bilen) stoluň eksport bukjasyna CSV we HTML faýllary hökmünde ýazýar. Olarda belgiler we redaktorlaryň atlary ýok.',
    'Осы беттің тексерілген хабарларын (жоғарыдағы сүзгілермен) үстелдің экспорт қалтасына CSV және HTML файлдары ретінде жазады. Оларда идентификаторлар мен редакторлардың аттары жоқ.',
  ),
  freeTextOption: row(
    'Include free text (messages, text answers, notes): only for a file you will read line by line before publishing',
    'Включить свободный текст (сообщения, текстовые ответы, заметки): только для файла, который вы прочтёте построчно перед публикацией',
    'Erkin teksti goşmak (hatlar, tekst jogaplary, bellikler): diňe çap etmezden öň setirme-setir okajak faýlyňyz üçin',
    'Еркін мәтінді қосу (хабарламалар, мәтіндік жауаптар, жазбалар): тек жарияламас бұрын жол-жолымен оқитын файл үшін',
  ),
  exportButton: row('Export verified reports', 'Выгрузить проверенные сообщения', 'Barlanan habarlary eksport etmek', 'Тексерілген хабарларды экспорттау'),
  exported: row('Written:', 'Записано:', 'Ýazyldy:', 'Жазылды:'),
  importHeading: row(
    'Import an old verification.tsv (once)',
    'Импорт старого verification.tsv (один раз)',
    'Köne verification.tsv faýlyny import etmek (bir gezek)',
    'Ескі verification.tsv импорттау (бір рет)',
  ),
  importExplain: row(
    'Paste the whole file made for the report command. A line changes a report only where the desk has no verification of its own; importing it again changes nothing.',
    'Вставьте весь файл, сделанный для команды report. Строка меняет сообщение, только если на столе ещё нет его проверки; повторный импорт ничего не меняет.',
    'report buýrugy üçin taýýarlanan faýly doly goýuň. Setir habary diňe stolda onuň öz barlagy ýok bolsa üýtgedýär; gaýtadan import hiç zady üýtgetmeýär.',
    'report командасы үшін жасалған файлды толық қойыңыз. Жол хабарды үстелде өз тексеруі болмаса ғана өзгертеді; қайта импорт ештеңені өзгертпейді.',
  ),
  importLabel: row('Contents of verification.tsv', 'Содержимое verification.tsv', 'verification.tsv faýlynyň mazmuny', 'verification.tsv мазмұны'),
  importButton: row('Import', 'Импортировать', 'Import etmek', 'Импорттау'),
  back: row('Back to the election reports', 'Назад к сообщениям о выборах', 'Saýlaw habarlaryna gaýtmak', 'Сайлау туралы хабарларға оралу'),
} satisfies Record<string, Row>;

export type ElectionWord = keyof typeof WORDS;

/** A word of the election view in `lang` (English when the language is not one of the four), with `{x}` filled in. */
export function say(word: ElectionWord, lang: string | undefined, values: Record<string, string | number> = {}): string {
  return WORDS[word][formLang(lang)].replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? String(values[key]) : whole));
}

/** The count and chart words of report-parts in `lang`. */
export function countWords(lang: string | undefined): CountWords {
  return {
    notGiven: say('notGiven', lang),
    severalNote: say('severalNote', lang),
    dayTitle: WORDS.dayTitle[formLang(lang)],
    verified: say('verified', lang),
    unverified: say('unverified', lang),
    total: say('total', lang),
    chartDesc: WORDS.chartDesc[formLang(lang)],
  };
}
