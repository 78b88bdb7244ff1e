// What the server-side template and the browser bundle agree on: the element ids and the
// configuration the page carries in <script type="application/json" id="tipline-config">
// (CSP forbids inline scripts, so configuration travels as inert JSON).

export const CONFIG_ELEMENT_ID = 'tipline-config';
export const CONFIG_VERSION = 1;

export interface PageConfig {
  v: typeof CONFIG_VERSION;
  /** The page's language; also sent in the tip body. */
  lang: string;
  /** Editors' public key lines (`tipline-editor-1:…`) and the fingerprints shown on the page. */
  editors: { key: string; fingerprint: string }[];
}

export const IDS = {
  form: 'tip-form',
  message: 'message',
  messageHint: 'message-hint',
  submit: 'submit',
  status: 'status',
  error: 'error',
  confirmation: 'confirmation',
  confirmationHeading: 'confirmation-heading',
  receipt: 'receipt',
  passphrase: 'passphrase',
  passphraseWords: 'passphrase-words',
  passphraseConfirm: 'passphrase-confirm',
} as const;

/** The mailbox page (GET /mailbox): its presence of `login` tells the bundle which page it is on. */
export const MAILBOX_PATH = '/mailbox';
export const MAILBOX_IDS = {
  login: 'mailbox-login',
  passphrase: 'mailbox-passphrase',
  loginButton: 'mailbox-login-button',
  inbox: 'mailbox-inbox',
  replies: 'mailbox-replies',
  followUp: 'mailbox-follow-up',
  followUpMessage: 'mailbox-follow-up-message',
  followUpSend: 'mailbox-follow-up-send',
  logout: 'mailbox-logout',
  status: 'status',
  error: 'error',
} as const;
