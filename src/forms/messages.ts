// The words of the built-in forms (src/forms/*.json) in every page language: the catalog keys
// under `form.` (`form.<formId>.<field>.label`, `form.<formId>.<field>.<choice>`, and the shared
// `form.ui.*` words of the form renderer and validator). Values are plain text (escaped where
// used). English is the reference; ru, tk and kk are machine translated and need native review
// (FORM_MESSAGES_META says so). The two election forms share their wording except the regions,
// so the tables below are written once and expanded into flat keys.
export type FormLang = 'en' | 'ru' | 'tk' | 'kk';
export const FORM_LANGS: readonly FormLang[] = ['en', 'ru', 'tk', 'kk'];

export const FORM_MESSAGES_META: Record<FormLang, { machineTranslated: boolean; note?: string }> = {
  en: { machineTranslated: false },
  ru: { machineTranslated: true, note: 'needs native review' },
  tk: { machineTranslated: true, note: 'needs native review' },
  kk: { machineTranslated: true, note: 'needs native review' },
};

/** One text in the four languages (the desk's words use the same rows). */
export type Row = Record<FormLang, string>;
export const row = (en: string, ru: string, tk: string, kk: string): Row => ({ en, ru, tk, kk });

const UI: Record<string, Row> = {
  choose: row('— choose —', '— выберите —', '— saýlaň —', '— таңдаңыз —'),
  optional: row('(optional)', '(необязательно)', '(hökmany däl)', '(міндетті емес)'),
  required: row('Please fill in “{label}”.', 'Заполните поле «{label}».', '«{label}» meýdançany dolduryň.', '«{label}» өрісін толтырыңыз.'),
  invalid: row(
    '“{label}” is not valid: please check it.',
    'Поле «{label}» заполнено неверно: проверьте его.',
    '«{label}» meýdança nädogry dolduryldy: barlaň.',
    '«{label}» өрісі қате толтырылған: тексеріңіз.',
  ),
  tooMany: row(
    'Too many files for “{label}” (at most {max}).',
    'Слишком много файлов в поле «{label}» (не более {max}).',
    '«{label}» üçin faýllar gaty köp (iň köp {max}).',
    '«{label}» үшін файлдар тым көп (ең көбі {max}).',
  ),
};

const ELECTION_FIELDS: Record<string, Row> = {
  'pollingStation.label': row('Polling station number', 'Номер избирательного участка', 'Saýlaw uçastogynyň belgisi', 'Сайлау учаскесінің нөмірі'),
  'date.label': row('Date', 'Дата', 'Senesi', 'Күні'),
  'time.label': row('Time (approximate)', 'Время (примерно)', 'Wagty (takmynan)', 'Уақыты (шамамен)'),
  'stage.label': row('Stage of the election', 'Этап выборов', 'Saýlawyň tapgyry', 'Сайлау кезеңі'),
  'stage.campaign': row('Campaign', 'Агитационная кампания', 'Saýlaw kampaniýasy', 'Үгіт науқаны'),
  'stage.early-voting': row('Early voting', 'Досрочное голосование', 'Möhletinden öň ses bermek', 'Мерзімінен бұрын дауыс беру'),
  'stage.election-day': row('Election day', 'День выборов', 'Saýlaw güni', 'Сайлау күні'),
  'stage.counting': row('Counting', 'Подсчёт голосов', 'Sesleri sanamak', 'Дауыстарды санау'),
  'stage.tabulation': row('Tabulation of results', 'Подведение итогов', 'Netijeleri jemlemek', 'Қорытындыларды шығару'),
  'category.label': row('What happened (choose all that apply)', 'Что произошло (отметьте всё подходящее)', 'Näme boldy (laýyk gelýänleriň hemmesini belläň)', 'Не болды (барлық сәйкесін белгілеңіз)'),
  'category.ballot-stuffing': row('Ballot stuffing', 'Вброс бюллетеней', 'Býulletenleri bikanun salmak', 'Бюллетеньдерді заңсыз салу'),
  'category.carousel': row('Carousel or multiple voting', '«Карусель» или многократное голосование', '«Karusel» ýa-da birnäçe gezek ses bermek', '«Карусель» немесе бірнеше рет дауыс беру'),
  'category.coercion': row(
    'Coercion of voters (e.g. public employees, students)',
    'Принуждение избирателей (например, бюджетников, студентов)',
    'Saýlawçylary mejbur etmek (meselem, döwlet işgärlerini, talyplary)',
    'Сайлаушыларды мәжбүрлеу (мысалы, мемлекеттік қызметкерлерді, студенттерді)',
  ),
  'category.vote-buying': row('Vote buying', 'Подкуп избирателей', 'Ses satyn almak', 'Дауыс сатып алу'),
  'category.observers': row(
    'Pressure on or exclusion of observers',
    'Давление на наблюдателей или их недопуск',
    'Synçylara basyş etmek ýa-da olary goýbermezlik',
    'Байқаушыларға қысым жасау немесе оларды жібермеу',
  ),
  'category.missing-from-lists': row('Voters missing from lists', 'Избирателей нет в списках', 'Saýlawçylaryň sanawda ýoklugy', 'Сайлаушылардың тізімде болмауы'),
  'category.home-voting': row(
    'Home or mobile voting abuse',
    'Злоупотребления при голосовании на дому или выездном голосовании',
    'Öýde ýa-da göçme ses bermekde kanun bozulmalar',
    'Үйде немесе көшпелі дауыс берудегі бұзушылықтар',
  ),
  'category.falsified-protocol': row('Falsified protocol or turnout', 'Фальсификация протокола или явки', 'Teswirnamany ýa-da gatnaşygy galplaşdyrmak', 'Хаттаманы немесе қатысуды бұрмалау'),
  'category.official-campaigning': row('Campaigning by officials', 'Агитация со стороны должностных лиц', 'Wezipeli adamlaryň saýlaw wagyzy', 'Лауазымды тұлғалардың үгіт жүргізуі'),
  'category.other': row('Other', 'Другое', 'Başga', 'Басқа'),
  'role.label': row('Your role', 'Ваша роль', 'Siziň ornuňyz', 'Сіздің рөліңіз'),
  'role.voter': row('Voter', 'Избиратель', 'Saýlawçy', 'Сайлаушы'),
  'role.observer': row('Observer', 'Наблюдатель', 'Synçy', 'Байқаушы'),
  'role.commission-member': row('Election commission member', 'Член избирательной комиссии', 'Saýlaw toparynyň agzasy', 'Сайлау комиссиясының мүшесі'),
  'role.official': row('Official', 'Должностное лицо', 'Wezipeli adam', 'Лауазымды тұлға'),
  'role.other': row('Other', 'Другое', 'Başga', 'Басқа'),
  'message.label': row(
    'Description: what happened, where, and how you know',
    'Описание: что произошло, где и откуда вы это знаете',
    'Beýany: näme boldy, nirede we muny nireden bilýärsiňiz',
    'Сипаттама: не болды, қайда және мұны қайдан білесіз',
  ),
  'message.hint': row(
    'Leave out anything that would identify you unless you want the editors to know it.',
    'Не указывайте ничего, что может вас выдать, если не хотите, чтобы редакция это знала.',
    'Redaksiýanyň bilmegini islemeseňiz, sizi tanadyp biljek zatlary ýazmaň.',
    'Редакцияның білгенін қаламасаңыз, сізді анықтауы мүмкін ештеңе жазбаңыз.',
  ),
  'evidence.label': row(
    'Evidence files (photos, videos, documents)',
    'Файлы-доказательства (фото, видео, документы)',
    'Subutnama faýllary (suratlar, wideolar, resminamalar)',
    'Дәлел файлдары (фото, бейне, құжаттар)',
  ),
  'evidence.hint': row(
    'Files are encrypted in your browser like your report.',
    'Файлы шифруются в вашем браузере, как и сообщение.',
    'Faýllar hem habaryňyz ýaly brauzeriňizde şifrlenýär.',
    'Файлдар хабарыңыз сияқты браузеріңізде шифрланады.',
  ),
};

// The results protocol forms (protocol-tm, protocol-kz; src/forms/protocol-form.ts): the line
// items, the control relations ({left} and {right} are the two sums) and the block's words.
const PROTOCOL_UI: Record<string, Row> = {
  'protocol.station': row(
    'Polling station number (as on the protocol)',
    'Номер избирательного участка (как в протоколе)',
    'Saýlaw uçastogynyň belgisi (teswirnamadaky ýaly)',
    'Сайлау учаскесінің нөмірі (хаттамадағыдай)',
  ),
  'protocol.election': row('Election: {title}, {date}', 'Выборы: {title}, {date}', 'Saýlaw: {title}, {date}', 'Сайлау: {title}, {date}'),
  'protocol.votes': row('Votes for each candidate or party', 'Голоса за каждого кандидата или партию', 'Her dalaşgär ýa-da partiýa berlen sesler', 'Әр кандидатқа немесе партияға берілген дауыстар'),
  'protocol.item.registered': row('Voters on the list', 'Число избирателей, внесённых в список', 'Sanawa girizilen saýlawçylaryň sany', 'Тізімге енгізілген сайлаушылар саны'),
  'protocol.item.received': row('Ballots received by the commission', 'Число бюллетеней, полученных комиссией', 'Toparyň alan býulletenleriniň sany', 'Комиссия алған бюллетеньдер саны'),
  'protocol.item.issuedEarly': row(
    'Ballots issued to early voters',
    'Число бюллетеней, выданных досрочно проголосовавшим',
    'Möhletinden öň ses berenlere berlen býulletenleriň sany',
    'Мерзімінен бұрын дауыс бергендерге берілген бюллетеньдер саны',
  ),
  'protocol.item.issuedStation': row(
    'Ballots issued in the station on election day',
    'Число бюллетеней, выданных в помещении для голосования в день выборов',
    'Saýlaw güni ses bermek üçin jaýda berlen býulletenleriň sany',
    'Сайлау күні дауыс беру үй-жайында берілген бюллетеньдер саны',
  ),
  'protocol.item.issuedOutside': row(
    'Ballots issued outside the station (mobile box)',
    'Число бюллетеней, выданных вне помещения для голосования (переносной ящик)',
    'Ses bermek üçin jaýyň daşynda berlen býulletenleriň sany (göçme sandyk)',
    'Дауыс беру үй-жайынан тыс берілген бюллетеньдер саны (жылжымалы жәшік)',
  ),
  'protocol.item.cancelled': row(
    'Unused ballots cancelled',
    'Число погашенных (неиспользованных) бюллетеней',
    'Ýatyrylan (ulanylmadyk) býulletenleriň sany',
    'Өтелген (пайдаланылмаған) бюллетеньдер саны',
  ),
  'protocol.item.foundMobile': row('Ballots found in mobile boxes', 'Число бюллетеней в переносных ящиках', 'Göçme sandyklardaky býulletenleriň sany', 'Жылжымалы жәшіктердегі бюллетеньдер саны'),
  'protocol.item.foundStationary': row(
    'Ballots found in stationary boxes',
    'Число бюллетеней в стационарных ящиках',
    'Hemişelik sandyklardaky býulletenleriň sany',
    'Тұрақты жәшіктердегі бюллетеньдер саны',
  ),
  'protocol.item.invalid': row('Invalid ballots', 'Число недействительных бюллетеней', 'Hakyky däl býulletenleriň sany', 'Жарамсыз бюллетеньдер саны'),
  'protocol.item.valid': row('Valid ballots', 'Число действительных бюллетеней', 'Hakyky býulletenleriň sany', 'Жарамды бюллетеньдер саны'),
  'protocol.item.againstAll': row('Votes “against all”', 'Голоса «против всех»', '«Hemmesine garşy» sesler', '«Бәріне қарсы» дауыстар'),
  'protocol.mismatch': row(
    'These figures do not add up. You can still send them: a protocol that does not add up is evidence too. Please check that you copied them exactly.',
    'Эти цифры не сходятся. Вы всё равно можете их отправить: несходящийся протокол — тоже доказательство. Проверьте, что вы переписали их точно.',
    'Bu sanlar gabat gelmeýär. Olary barybir iberip bilersiňiz: gabat gelmeýän teswirnama hem subutnamadyr. Olary takyk göçürendigiňizi barlaň.',
    'Бұл сандар сәйкес келмейді. Оларды бәрібір жібере аласыз: сәйкес келмейтін хаттама да дәлел болып табылады. Оларды дәл көшіргеніңізді тексеріңіз.',
  ),
  'protocol.sentMismatch': row(
    'The protocol figures you sent do not add up (they were sent as typed, and the editors see this too):',
    'Отправленные вами цифры протокола не сходятся (они отправлены как есть, редакция это тоже увидит):',
    'Iberen teswirnama sanlaryňyz gabat gelmeýär (olar ýazylyşy ýaly iberildi, redaksiýa muny hem görer):',
    'Сіз жіберген хаттама сандары сәйкес келмейді (олар жазылғандай жіберілді, редакция мұны да көреді):',
  ),
  'relation.received-balance': row(
    'Ballots issued plus cancelled ({left}) should equal ballots received ({right}).',
    'Выданные и погашенные бюллетени ({left}) должны равняться полученным ({right}).',
    'Berlen we ýatyrylan býulletenler ({left}) alnanlara ({right}) deň bolmaly.',
    'Берілген және өтелген бюллетеньдер ({left}) алынғандарға ({right}) тең болуы керек.',
  ),
  'relation.issued-le-registered': row(
    'Ballots issued ({left}) should not be more than voters on the list ({right}).',
    'Выданных бюллетеней ({left}) не должно быть больше, чем избирателей в списке ({right}).',
    'Berlen býulletenler ({left}) sanawdaky saýlawçylardan ({right}) köp bolmaly däl.',
    'Берілген бюллетеньдер ({left}) тізімдегі сайлаушылардан ({right}) көп болмауы керек.',
  ),
  'relation.found-le-issued': row(
    'Ballots found in the boxes ({left}) should not be more than ballots issued ({right}).',
    'Бюллетеней в ящиках ({left}) не должно быть больше, чем выданных ({right}).',
    'Sandyklarda tapylan býulletenler ({left}) berlenlerden ({right}) köp bolmaly däl.',
    'Жәшіктерден табылған бюллетеньдер ({left}) берілгендерден ({right}) көп болмауы керек.',
  ),
  'relation.mobile-le-outside': row(
    'Ballots in mobile boxes ({left}) should not be more than ballots issued outside the station ({right}).',
    'Бюллетеней в переносных ящиках ({left}) не должно быть больше, чем выданных вне помещения ({right}).',
    'Göçme sandyklardaky býulletenler ({left}) jaýyň daşynda berlenlerden ({right}) köp bolmaly däl.',
    'Жылжымалы жәшіктердегі бюллетеньдер ({left}) үй-жайдан тыс берілгендерден ({right}) көп болмауы керек.',
  ),
  'relation.found-balance': row(
    'Valid plus invalid ballots ({left}) should equal the ballots found in the boxes ({right}).',
    'Действительные и недействительные бюллетени ({left}) должны равняться бюллетеням в ящиках ({right}).',
    'Hakyky we hakyky däl býulletenler ({left}) sandyklarda tapylanlara ({right}) deň bolmaly.',
    'Жарамды және жарамсыз бюллетеньдер ({left}) жәшіктерден табылғандарға ({right}) тең болуы керек.',
  ),
  'relation.votes-balance': row(
    'The votes for all candidates ({left}) should equal the valid ballots ({right}).',
    'Сумма голосов за всех кандидатов ({left}) должна равняться числу действительных бюллетеней ({right}).',
    'Ähli dalaşgärlere berlen sesleriň jemi ({left}) hakyky býulletenleriň sanyna ({right}) deň bolmaly.',
    'Барлық кандидаттарға берілген дауыстардың жиыны ({left}) жарамды бюллетеньдер санына ({right}) тең болуы керек.',
  ),
  'relation.votes-balance-against': row(
    'The votes for all candidates plus “against all” ({left}) should equal the valid ballots ({right}).',
    'Сумма голосов за всех кандидатов и «против всех» ({left}) должна равняться числу действительных бюллетеней ({right}).',
    'Ähli dalaşgärlere we «hemmesine garşy» berlen sesleriň jemi ({left}) hakyky býulletenleriň sanyna ({right}) deň bolmaly.',
    'Барлық кандидаттарға және «бәріне қарсы» берілген дауыстардың жиыны ({left}) жарамды бюллетеньдер санына ({right}) тең болуы керек.',
  ),
};

const PROTOCOL_FIELDS: Record<string, Row> = {
  'protocol.label': row('Figures from the protocol', 'Цифры из протокола', 'Teswirnamadaky sanlar', 'Хаттамадағы сандар'),
  'photo.label': row('Photo of the protocol', 'Фото протокола', 'Teswirnamanyň suraty', 'Хаттаманың суреті'),
  'photo.hint': row(
    'A photo of the whole signed sheet, readable. It is encrypted in your browser like your report.',
    'Фото всего подписанного листа, чтобы его можно было прочитать. Оно шифруется в вашем браузере, как и сообщение.',
    'Gol çekilen sahypanyň hemmesiniň okalýan suraty. Ol hem habaryňyz ýaly brauzeriňizde şifrlenýär.',
    'Қол қойылған парақтың толық, оқылатын суреті. Ол хабарыңыз сияқты браузеріңізде шифрланады.',
  ),
  'message.label': row(
    'Remarks: where you saw the protocol, and anything wrong at the count',
    'Примечания: где вы видели протокол и что было не так при подсчёте',
    'Bellikler: teswirnamany nirede gördüňiz we sanamakda näme nädogrydy',
    'Ескертпелер: хаттаманы қайда көрдіңіз және санау кезінде не дұрыс болмады',
  ),
  'message.hint': ELECTION_FIELDS['message.hint']!,
};

const PROTOCOL_FORMS: Record<string, { election: string; title: Row; intro: Row }> = {
  'protocol-tm': {
    election: 'election-tm',
    title: row(
      'Results protocol of a polling station — Turkmenistan',
      'Протокол об итогах голосования на участке — Туркменистан',
      'Saýlaw uçastogynyň ses beriş netijeleri baradaky teswirnama — Türkmenistan',
      'Учаскедегі дауыс беру қорытындылары туралы хаттама — Түрікменстан',
    ),
    intro: row(
      'Copy the figures exactly as the precinct commission wrote them on its protocol, and add a photo of it if you can. Everything is encrypted in your browser before it is sent.',
      'Перепишите цифры точно так, как участковая комиссия записала их в протоколе, и по возможности приложите его фото. Всё шифруется в вашем браузере перед отправкой.',
      'Sanlary uçastok toparynyň teswirnamada ýazyşy ýaly takyk göçüriň we mümkin bolsa onuň suratyny goşuň. Hemme zat iberilmezden öň brauzeriňizde şifrlenýär.',
      'Сандарды учаскелік комиссия хаттамаға қалай жазса, дәл солай көшіріңіз және мүмкін болса оның суретін қосыңыз. Барлығы жіберілмес бұрын браузеріңізде шифрланады.',
    ),
  },
  'protocol-kz': {
    election: 'election-kz',
    title: row(
      'Results protocol of a polling station — Kazakhstan',
      'Протокол об итогах голосования на участке — Казахстан',
      'Saýlaw uçastogynyň ses beriş netijeleri baradaky teswirnama — Gazagystan',
      'Учаскедегі дауыс беру қорытындылары туралы хаттама — Қазақстан',
    ),
    intro: row(
      'Copy the figures exactly as the precinct commission wrote them on its protocol, and add a photo of it if you can. Everything is encrypted in your browser before it is sent.',
      'Перепишите цифры точно так, как участковая комиссия записала их в протоколе, и по возможности приложите его фото. Всё шифруется в вашем браузере перед отправкой.',
      'Sanlary uçastok toparynyň teswirnamada ýazyşy ýaly takyk göçüriň we mümkin bolsa onuň suratyny goşuň. Hemme zat iberilmezden öň brauzeriňizde şifrlenýär.',
      'Сандарды учаскелік комиссия хаттамаға қалай жазса, дәл солай көшіріңіз және мүмкін болса оның суретін қосыңыз. Барлығы жіберілмес бұрын браузеріңізде шифрланады.',
    ),
  },
};

const FORMS: Record<string, { title: Row; intro: Row; regionLabel: Row; regions: Record<string, Row> }> = {
  'election-tm': {
    title: row(
      'Report an election violation — Turkmenistan',
      'Сообщить о нарушении на выборах — Туркменистан',
      'Saýlawdaky kanun bozulma barada habar beriň — Türkmenistan',
      'Сайлаудағы бұзушылық туралы хабарлау — Түрікменстан',
    ),
    intro: row(
      'Fill in what you know. Everything is encrypted in your browser before it is sent.',
      'Заполните то, что знаете. Всё шифруется в вашем браузере перед отправкой.',
      'Bilýäniňizi dolduryň. Hemme zat iberilmezden öň brauzeriňizde şifrlenýär.',
      'Білетініңізді толтырыңыз. Барлығы жіберілмес бұрын браузеріңізде шифрланады.',
    ),
    regionLabel: row('Velayat or city', 'Велаят или город', 'Welaýat ýa-da şäher', 'Велаят немесе қала'),
    regions: {
      ahal: row('Ahal velayat', 'Ахалский велаят', 'Ahal welaýaty', 'Ахал велаяты'),
      balkan: row('Balkan velayat', 'Балканский велаят', 'Balkan welaýaty', 'Балқан велаяты'),
      dashoguz: row('Dashoguz velayat', 'Дашогузский велаят', 'Daşoguz welaýaty', 'Дашогуз велаяты'),
      lebap: row('Lebap velayat', 'Лебапский велаят', 'Lebap welaýaty', 'Лебап велаяты'),
      mary: row('Mary velayat', 'Марыйский велаят', 'Mary welaýaty', 'Мары велаяты'),
      ashgabat: row('Ashgabat (city)', 'город Ашхабад', 'Aşgabat şäheri', 'Ашхабад қаласы'),
      arkadag: row('Arkadag (city)', 'город Аркадаг', 'Arkadag şäheri', 'Аркадаг қаласы'),
    },
  },
  'election-kz': {
    title: row(
      'Report an election violation — Kazakhstan',
      'Сообщить о нарушении на выборах — Казахстан',
      'Saýlawdaky kanun bozulma barada habar beriň — Gazagystan',
      'Сайлаудағы бұзушылық туралы хабарлау — Қазақстан',
    ),
    intro: row(
      'Fill in what you know. Everything is encrypted in your browser before it is sent.',
      'Заполните то, что знаете. Всё шифруется в вашем браузере перед отправкой.',
      'Bilýäniňizi dolduryň. Hemme zat iberilmezden öň brauzeriňizde şifrlenýär.',
      'Білетініңізді толтырыңыз. Барлығы жіберілмес бұрын браузеріңізде шифрланады.',
    ),
    regionLabel: row('Region or city', 'Область или город', 'Oblast ýa-da şäher', 'Облыс немесе қала'),
    regions: {
      abai: row('Abai Region', 'область Абай', 'Abaý oblasty', 'Абай облысы'),
      akmola: row('Akmola Region', 'Акмолинская область', 'Akmola oblasty', 'Ақмола облысы'),
      aktobe: row('Aktobe Region', 'Актюбинская область', 'Aktöbe oblasty', 'Ақтөбе облысы'),
      'almaty-region': row('Almaty Region', 'Алматинская область', 'Almaty oblasty', 'Алматы облысы'),
      atyrau: row('Atyrau Region', 'Атырауская область', 'Atyraý oblasty', 'Атырау облысы'),
      'east-kazakhstan': row('East Kazakhstan Region', 'Восточно-Казахстанская область', 'Gündogar Gazagystan oblasty', 'Шығыс Қазақстан облысы'),
      jambyl: row('Jambyl Region', 'Жамбылская область', 'Jambyl oblasty', 'Жамбыл облысы'),
      jetisu: row('Jetisu Region', 'область Жетысу', 'Jetisu oblasty', 'Жетісу облысы'),
      'west-kazakhstan': row('West Kazakhstan Region', 'Западно-Казахстанская область', 'Günbatar Gazagystan oblasty', 'Батыс Қазақстан облысы'),
      karaganda: row('Karaganda Region', 'Карагандинская область', 'Garagandy oblasty', 'Қарағанды облысы'),
      kostanay: row('Kostanay Region', 'Костанайская область', 'Kostanaý oblasty', 'Қостанай облысы'),
      kyzylorda: row('Kyzylorda Region', 'Кызылординская область', 'Gyzylorda oblasty', 'Қызылорда облысы'),
      mangystau: row('Mangystau Region', 'Мангистауская область', 'Mangystau oblasty', 'Маңғыстау облысы'),
      pavlodar: row('Pavlodar Region', 'Павлодарская область', 'Pawlodar oblasty', 'Павлодар облысы'),
      'north-kazakhstan': row('North Kazakhstan Region', 'Северо-Казахстанская область', 'Demirgazyk Gazagystan oblasty', 'Солтүстік Қазақстан облысы'),
      turkistan: row('Turkistan Region', 'Туркестанская область', 'Türküstan oblasty', 'Түркістан облысы'),
      ulytau: row('Ulytau Region', 'область Улытау', 'Ulytaý oblasty', 'Ұлытау облысы'),
      astana: row('Astana (city)', 'город Астана', 'Astana şäheri', 'Астана қаласы'),
      almaty: row('Almaty (city)', 'город Алматы', 'Almaty şäheri', 'Алматы қаласы'),
      shymkent: row('Shymkent (city)', 'город Шымкент', 'Şymkent şäheri', 'Шымкент қаласы'),
    },
  },
};

function expand(): Record<FormLang, Record<string, string>> {
  const out: Record<FormLang, Record<string, string>> = { en: {}, ru: {}, tk: {}, kk: {} };
  const put = (key: string, r: Row) => {
    for (const lang of FORM_LANGS) out[lang][key] = r[lang];
  };
  for (const [name, r] of Object.entries(UI)) put(`form.ui.${name}`, r);
  for (const [id, form] of Object.entries(FORMS)) {
    put(`form.${id}.title`, form.title);
    put(`form.${id}.intro`, form.intro);
    put(`form.${id}.region.label`, form.regionLabel);
    for (const [value, r] of Object.entries(form.regions)) put(`form.${id}.region.${value}`, r);
    for (const [suffix, r] of Object.entries(ELECTION_FIELDS)) put(`form.${id}.${suffix}`, r);
  }
  for (const [name, r] of Object.entries(PROTOCOL_UI)) put(`form.ui.${name}`, r);
  for (const [id, form] of Object.entries(PROTOCOL_FORMS)) {
    const regions = FORMS[form.election]!;
    put(`form.${id}.title`, form.title);
    put(`form.${id}.intro`, form.intro);
    put(`form.${id}.region.label`, regions.regionLabel);
    for (const [value, r] of Object.entries(regions.regions)) put(`form.${id}.region.${value}`, r);
    for (const [suffix, r] of Object.entries(PROTOCOL_FIELDS)) put(`form.${id}.${suffix}`, r);
  }
  return out;
}

/** Every `form.` key in every language, flat: FORM_MESSAGES.ru['form.election-tm.stage.label']. */
export const FORM_MESSAGES: Record<FormLang, Record<string, string>> = expand();

/** The language to use for `lang` (its primary subtag), English when it is not one of ours. */
export function formLang(lang: string | undefined): FormLang {
  const primary = (lang ?? 'en').toLowerCase().split('-')[0] as FormLang;
  return FORM_LANGS.includes(primary) ? primary : 'en';
}
