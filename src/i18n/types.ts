// The shape of a message catalog (one file per language in this directory, registered with
// one line in index.ts). Values are plain text: the templates escape them and the browser code
// sets them with textContent. `{name}` marks a value filled in by `format()`. Keys starting with
// `form.` belong to the election form schemas in src/forms/.

export interface CatalogMeta {
  /** BCP 47 tag: the page's lang attribute, the `?lang=` value and the tip body's `lang`. */
  language: string;
  /** The language's name in itself, shown in the language switcher. */
  name: string;
  /** The language's name in English, for operators and translators. */
  englishName: string;
  dir: 'ltr' | 'rtl';
  /** True when the text was machine-made (or written by a non-native speaker) and not yet reviewed. */
  machineTranslated: boolean;
  /** Review status in words, e.g. "needs native review". */
  note: string;
}

export interface Messages {
  title: string;
  heading: string;
  intro: string[];
  demoBanner: string;
  noscriptHeading: string;
  noscript: string[];
  messageLabel: string;
  messageHint: string;
  submit: string;
  fingerprintsHeading: string;
  fingerprintsIntro: string;
  safetyHeading: string;
  safety: string[];
  statusLoading: string;
  statusReady: string;
  statusEncrypting: string;
  statusSending: string;
  /** Shown while the browser does the anti-spam proof of work; {percent} counts up. */
  statusWorking: string;
  confirmationHeading: string;
  confirmationReceiptLabel: string;
  confirmationAdvice: string[];
  errorEmpty: string;
  errorTooLong: string;
  errorNotSent: string;
  errorNetwork: string;
  errorServer: string;
  errorReceipt: string;
  errorLoad: string;
  errorUnexpected: string;
  errorKeys: string;
  /** Conversations: the return passphrase on the submission page. */
  passphraseHeading: string;
  passphraseIntro: string[];
  passphraseConfirm: string;
  errorPassphraseUnconfirmed: string;
  statusMailbox: string;
  confirmationPassphrase: string[];
  confirmationComeBack: string;
  /** The mailbox page (GET /mailbox), where a source comes back. */
  mailboxTitle: string;
  mailboxIntro: string[];
  mailboxPassphraseLabel: string;
  mailboxLogin: string;
  mailboxLoggingIn: string;
  mailboxRepliesHeading: string;
  mailboxNoReplies: string;
  mailboxReplyFrom: string;
  /** {date}: the day the editors wrote the answer (by their clock), localised. */
  mailboxReplyFromDated: string;
  mailboxDelete: string;
  mailboxFollowUpLabel: string;
  mailboxFollowUpSend: string;
  mailboxFollowUpSent: string;
  /** A follow-up with files: {count} files, {receipt}. */
  mailboxFollowUpSentFiles: string;
  mailboxLogout: string;
  mailboxLoggedOut: string;
  typoCount: string;
  typoWord: string;
  typoChecksum: string;
  errorLogin: string;
  errorReplyUnreadable: string;
  /** A reply that opened but is not signed by a pinned editor key (forged): shown instead of its text. */
  errorReplyUnverified: string;
  /** The language switcher (plain links, works without JavaScript). */
  languageSwitcherLabel: string;
  /** Tor Browser guidance: the server saw a Host that is not a .onion name. */
  torNotOnionHeading: string;
  torNotOnion: string[];
  /** Tor Browser guidance: the browser code's heuristic says this is not Tor Browser. */
  torNotTorBrowserHeading: string;
  torNotTorBrowser: string[];
  /** Tor Browser's security levels and what each means on this page. */
  securityLevelsHeading: string;
  securityLevelsIntro: string;
  securityStandard: string;
  securitySafer: string;
  securitySafest: string;
  /** How to leave no trace. */
  noTraceHeading: string;
  noTrace: string[];
  /** Attachments (src/client/upload.ts): choosing files, what was removed from them, sending them. */
  attachmentsHeading: string;
  /** {max}: how many files; {size}: the largest file, e.g. "2.1 GB". */
  attachmentsHint: string;
  attachmentsLabel: string;
  keepMetadata: string;
  /** {name}: the file's name; {what}: what was removed, e.g. "EXIF (incl. GPS), XMP". */
  fileStripped: string;
  fileClean: string;
  fileKept: string;
  fileWarning: string;
  fileResuming: string;
  errorTooManyFiles: string;
  errorFileTooLarge: string;
  errorFileRead: string;
  errorUploadRefused: string;
  /** {sent}, {total}: sizes; {rate}: per second; {left}: time as m:ss. */
  statusUploading: string;
  statusUploadingStart: string;
  statusRetrying: string;
  uploadCancel: string;
  statusCancelled: string;
  resumeHeading: string;
  /** {names}: the files' names. */
  resumeText: string;
  resumeDiscard: string;
  resumeDiscarded: string;
  /** The no-JavaScript fallback: the <noscript> texts and button, its result, mailbox and refusal pages. */
  nojsNoscriptHeading: string;
  nojsNoscript: string[];
  nojsSubmit: string;
  nojsNoscriptMailbox: string[];
  nojsReceivedHeading: string;
  nojsSealedNote: string;
  nojsPassphraseIntro: string[];
  nojsMailboxIntro: string[];
  nojsMailboxSealedNote: string;
  nojsFollowUpPassphraseNote: string;
  nojsErrorHeading: string;
  nojsBack: string;
  nojsErrorOff: string;
  nojsErrorBusy: string;
  nojsErrorTooLarge: string;
  nojsErrorForm: string;
  nojsErrorStorage: string;
  /** Files refused on the no-JS path: {max} files, {size} in all. */
  nojsErrorFiles: string;
  /** Beside the file input, only without JavaScript: the server sees the files and strips nothing. */
  nojsFilesNotice: string;
}

export interface Catalog {
  meta: CatalogMeta;
  messages: Messages;
}
