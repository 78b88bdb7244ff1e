// Every word the submission page shows, in one place, so that adding a language means adding
// one object here. Used by the server-side template (src/client/page.ts) and the browser
// bundle (src/client/main.ts). Values are plain text: the template and the browser code escape
// them or set them with textContent. `{name}` marks a value filled in by `format()`.

export interface Strings {
  /** BCP 47 tag of this language, used as the page's lang attribute and in the tip body. */
  lang: string;
  dir: 'ltr' | 'rtl';
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
  mailboxDelete: string;
  mailboxFollowUpLabel: string;
  mailboxFollowUpSend: string;
  mailboxFollowUpSent: string;
  mailboxLogout: string;
  mailboxLoggedOut: string;
  typoCount: string;
  typoWord: string;
  typoChecksum: string;
  errorLogin: string;
  errorReplyUnreadable: string;
}

export const en: Strings = {
  lang: 'en',
  dir: 'ltr',
  title: 'Send a tip securely',
  heading: 'Send a tip securely',
  intro: [
    'Your message is encrypted here, in your browser, before it leaves your device. It is encrypted to the public keys of the editors listed below.',
    'This server stores only the encrypted text and cannot read it. The editors decrypt it on a computer that is not connected to the internet.',
  ],
  demoBanner: 'DEMO — the decryption key is stored on this server; do not send real tips.',
  noscriptHeading: 'JavaScript is needed for now',
  noscript: [
    'This page encrypts your message in your browser, which needs JavaScript. It is turned off in your browser, so you cannot send a tip from this page yet.',
    'In Tor Browser, choose the “Safer” security level instead of “Safest” (shield icon next to the address bar), then reload this page. If you cannot, contact the newsroom through another channel it publishes.',
  ],
  messageLabel: 'Your tip',
  messageHint: 'Describe what happened, where and when, and how you know. Leave out anything that would identify you unless you want the editors to know it.',
  submit: 'Encrypt and send',
  fingerprintsHeading: 'Editor keys',
  fingerprintsIntro: 'Your tip is encrypted to these keys. Compare these fingerprints with the ones the newsroom publishes elsewhere (for example on its website or social media); if they differ, do not send anything.',
  safetyHeading: 'Before you write',
  safety: [
    'Use Tor Browser, on a device that is not monitored by an employer or a government.',
    'Nothing is sent until you press the button, and nothing is saved in this browser: if you close this page before sending, what you typed is gone.',
  ],
  statusLoading: 'Loading the encryption code…',
  statusReady: 'Ready: the encryption code has loaded.',
  statusEncrypting: 'Encrypting…',
  statusSending: 'Sending…',
  statusWorking: 'Anti-spam check: your browser is doing a little work before sending ({percent}%)…',
  confirmationHeading: 'Your tip was received',
  confirmationReceiptLabel: 'Your receipt:',
  confirmationAdvice: [
    'Write this receipt down and keep it somewhere safe. It lets the editors find your tip if you contact them again; it does not reveal anything about you.',
    'Now close this tab. In Tor Browser, you can also choose “New identity” to clear this session.',
  ],
  errorEmpty: 'Please write your tip before sending.',
  errorTooLong: 'Your tip is too long. Please shorten it to {max} characters.',
  errorNotSent: 'Your tip was NOT sent. Your text is still in the box; nothing was lost.',
  errorNetwork: 'The server could not be reached. Check your connection and press the button again.',
  errorServer: 'The server refused the tip ({detail}). Please try again in a moment.',
  errorReceipt: 'The server’s answer did not match your tip, so it may not have been stored. Please press the button again.',
  errorLoad: 'The encryption code could not start, so this page cannot send your tip. Try reloading the page.',
  errorUnexpected: 'Something went wrong while encrypting your tip. Please press the button again.',
  errorKeys: 'The editor keys on this page are inconsistent, so nothing can be sent safely. Please report this to the newsroom through another channel.',
  passphraseHeading: 'Your return passphrase: write it down',
  passphraseIntro: [
    'The editors may want to ask you a question. These 12 words are the only way to come back and read their answer: write them down on paper now, in this order, and keep them safe.',
    'They are made in your browser and never sent anywhere. Nobody, not even the editors or this server, can recover them for you. You will not see them again.',
  ],
  passphraseConfirm: 'I have written down these 12 words.',
  errorPassphraseUnconfirmed: 'Please write down your 12-word return passphrase and tick the box before sending.',
  statusMailbox: 'Preparing your return mailbox…',
  confirmationPassphrase: [
    'To read the editors’ answer and reply to them, come back later to the address below and type the 12 words you wrote down. Without them, nobody can open your mailbox.',
  ],
  confirmationComeBack: 'Come back here:',
  mailboxTitle: 'Your mailbox',
  mailboxIntro: [
    'Type the 12-word return passphrase you wrote down when you sent your tip. It is checked and used here, in your browser; it is never sent to the server.',
  ],
  mailboxPassphraseLabel: 'Your 12-word return passphrase',
  mailboxLogin: 'Open my mailbox',
  mailboxLoggingIn: 'Opening your mailbox…',
  mailboxRepliesHeading: 'Answers from the editors',
  mailboxNoReplies: 'No answer yet. Come back later.',
  mailboxReplyFrom: 'From the editors:',
  mailboxDelete: 'Delete this answer',
  mailboxFollowUpLabel: 'Write to the editors',
  mailboxFollowUpSend: 'Encrypt and send',
  mailboxFollowUpSent: 'Your message was received. Receipt: {receipt}',
  mailboxLogout: 'Log out',
  mailboxLoggedOut: 'You are logged out. Close this tab; in Tor Browser, you can also choose “New identity”.',
  typoCount: 'You typed {count} words; the return passphrase has 12. Nothing was sent.',
  typoWord: 'Word {n} is not one of the passphrase words: check its spelling. Nothing was sent.',
  typoChecksum: 'The words do not fit together: one of them is mistyped, or two are in the wrong order. Nothing was sent.',
  errorLogin: 'This passphrase does not open a mailbox here. Check the words and try again.',
  errorReplyUnreadable: 'This answer could not be decrypted.',
};

export function strings(_lang = 'en'): Strings {
  return en;
}

/** Fills `{name}` placeholders; unknown names are left as they are. */
export function format(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}
