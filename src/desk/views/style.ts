// The desk's one stylesheet, served as /<secret>/desk.css (the CSP allows no inline style).
// Contrast at least 4.5:1 everywhere (axe, WCAG 2.1 AA); a visible focus ring on everything
// that takes focus; long untrusted text wraps instead of widening the page.
export const DESK_CSS = `
*{box-sizing:border-box}
body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#111;background:#fff}
a{color:#0645ad}
:focus-visible,.thread-row.current{outline:3px solid #b35c00;outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem}
.skip:focus{left:.5rem}
.top{display:flex;flex-wrap:wrap;gap:1rem;align-items:end;padding:.75rem 1rem;background:#1d3557;color:#fff}
.top a.home{color:#fff;font-weight:bold;font-size:1.1rem}
.top a.election,.top a.colleague{color:#fff}
.dim{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start}
.top label{display:block;font-size:.85rem}
.top input{width:min(30rem,80vw)}
main{padding:1rem;max-width:70rem;margin:0 auto}
footer{padding:1rem;max-width:70rem;margin:0 auto;border-top:1px solid #ccc}
h1{font-size:1.5rem;margin:.5rem 0}
h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
input,select,textarea,button{font:inherit}
textarea{width:100%;min-height:6rem}
button{cursor:pointer}
.filters{display:flex;flex-wrap:wrap;gap:.75rem;align-items:end;border:1px solid #ccc;border-radius:6px;padding:.5rem 1rem}
.filters label{display:flex;flex-direction:column;font-size:.9rem}
.filters label.check{flex-direction:row;gap:.25rem;align-items:center}
.threads{list-style:none;padding:0;margin:1rem 0}
.thread-row{border:1px solid #bbb;border-radius:6px;padding:.5rem .75rem;margin:0 0 .5rem;display:grid;grid-template-columns:1fr auto;gap:.25rem 1rem}
.thread-row.unread{border-left:6px solid #1d3557}
.thread-row .open{font-weight:bold;font-size:1.05rem}
.thread-row .preview{grid-column:1 / -1;margin:0;color:#333;overflow-wrap:anywhere;white-space:pre-wrap}
.meta{font-size:.9rem;color:#333}
.badge{display:inline-block;border:1px solid #555;border-radius:3px;padding:0 .3rem;font-size:.85rem;margin:0 .25rem .1rem 0;overflow-wrap:anywhere;max-width:100%}
.badge.status{background:#e8eef7}
.badge.sealed{background:#fff3cd;border-color:#8a6d00}
.badge.unread{background:#1d3557;color:#fff}
.labels{display:inline}
.editor{font-weight:600}
.item{border:1px solid #bbb;border-radius:6px;padding:.5rem 1rem;margin:0 0 1rem;list-style:none}
.item.reply{background:#eef4ff}
.items{padding:0}
.message{white-space:pre-wrap;overflow-wrap:anywhere;margin:.5rem 0}
dl.answers{display:grid;grid-template-columns:minmax(8rem,auto) 1fr;gap:.1rem 1rem}
dl.answers dt{font-weight:600}
dl.answers dd{margin:0;overflow-wrap:anywhere;white-space:pre-wrap}
.files{list-style:none;padding:0}
.files li{margin:.25rem 0}
.files img{display:block;max-width:200px;max-height:200px;object-fit:contain;border:1px solid #ccc}
.warning{background:#fff3cd;border:1px solid #8a6d00;padding:.5rem;border-radius:4px}
.triage{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-start}
.triage>form,.triage>.box{border:1px solid #ccc;border-radius:6px;padding:.5rem}
.label-list{list-style:none;padding:0;margin:.5rem 0 0}
.triage label{display:block;font-size:.9rem}
.inline{display:inline}
.notes li,.log li{margin:.25rem 0;overflow-wrap:anywhere}
.note-text{white-space:pre-wrap}
.refused{border:2px solid #a00;padding:.5rem 1rem;border-radius:6px}
.pager{display:flex;gap:1rem;flex-wrap:wrap}
dl.keys{display:grid;grid-template-columns:auto 1fr;gap:.1rem 1rem}
dl.keys dd{margin:0}
kbd{border:1px solid #777;border-radius:3px;padding:0 .3rem;font-family:ui-monospace,monospace}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;
