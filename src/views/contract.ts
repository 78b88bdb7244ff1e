// What the server's views (src/views/) and the browser bundle (src/client/) agree on: the route
// paths, the element ids and the configuration the page carries in <script type="application/json" id="tipline-config">
// (CSP forbids inline scripts, so configuration travels as inert JSON).

import type { PageForm } from '../forms/render.js';

export const CONFIG_ELEMENT_ID = 'tipline-config';
export const CONFIG_VERSION = 1;

export interface PageConfig {
  v: typeof CONFIG_VERSION;
  /** The page's language; also sent in the tip body. */
  lang: string;
  /** Editors' public key lines (`tipline-editor-1:…`) and the fingerprints shown on the page. */
  editors: { key: string; fingerprint: string }[];
  /** Attachment limits (TIPLINE_MAX_FILES, TIPLINE_MAX_FILE_BYTES); absent: 10 files of 2 GiB. */
  uploads?: { maxFiles: number; maxFileBytes: number };
  /** The structured form (TIPLINE_FORM) when it has fields: its schema and words (src/forms/render.ts). */
  form?: PageForm;
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
  /** Attachments (src/client/attachments.ts). */
  attachments: 'attachments',
  files: 'files',
  filesHint: 'files-hint',
  fileList: 'file-list',
  keepMetadata: 'keep-metadata',
  upload: 'upload',
  uploadProgress: 'upload-progress',
  uploadStatus: 'upload-status',
  uploadCancel: 'upload-cancel',
  resume: 'resume',
  resumeText: 'resume-text',
  resumeDiscard: 'resume-discard',
} as const;

/**
 * The element ids of one page's attachments part (attachmentsHtml in page.ts renders it,
 * setupAttachments in attachments.ts runs it): the submission page and the mailbox page's
 * follow-up form each have their own set.
 */
export interface AttachmentIds {
  section: string;
  heading: string;
  files: string;
  filesHint: string;
  fileList: string;
  keepMetadata: string;
  upload: string;
  uploadProgress: string;
  uploadStatus: string;
  uploadCancel: string;
  /** The offer to continue after a reload. Absent: nothing is kept in sessionStorage, and a reload starts the files again. */
  resume?: { box: string; heading: string; text: string; discard: string };
}

/** The submission page's attachments (with the offer to continue after a reload). */
export const ATTACHMENT_IDS: AttachmentIds = {
  section: IDS.attachments,
  heading: 'attachments-heading',
  files: IDS.files,
  filesHint: IDS.filesHint,
  fileList: IDS.fileList,
  keepMetadata: IDS.keepMetadata,
  upload: IDS.upload,
  uploadProgress: IDS.uploadProgress,
  uploadStatus: IDS.uploadStatus,
  uploadCancel: IDS.uploadCancel,
  resume: { box: IDS.resume, heading: 'resume-heading', text: IDS.resumeText, discard: IDS.resumeDiscard },
};

/**
 * The mailbox page's follow-up attachments. No offer to continue after a reload: the mailbox
 * page writes nothing to web storage (docs/PROTOCOL.md, "Conversations").
 */
export const MAILBOX_ATTACHMENT_IDS: AttachmentIds = {
  section: 'mailbox-attachments',
  heading: 'mailbox-attachments-heading',
  files: 'mailbox-files',
  filesHint: 'mailbox-files-hint',
  fileList: 'mailbox-file-list',
  keepMetadata: 'mailbox-keep-metadata',
  upload: 'mailbox-upload',
  uploadProgress: 'mailbox-upload-progress',
  uploadStatus: 'mailbox-upload-status',
  uploadCancel: 'mailbox-upload-cancel',
};

/** The mailbox page (GET /mailbox): its presence of `login` tells the bundle which page it is on. */
export const MAILBOX_PATH = '/mailbox';
/** Where the plain HTML forms post (src/server/plugins/nojs.ts; the JavaScript path posts JSON to /api/*). */
export const NOJS_TIP_PATH = '/nojs/tip';
export const NOJS_MAILBOX_PATH = '/nojs/mailbox';
/** The warning box shown outside Tor Browser (rendered hidden by src/views/guidance.ts, unhidden by src/client/tor-check.ts). */
export const NOT_TOR_BROWSER_ID = 'not-tor-browser';
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
