import { ERROR_SUMMARY_MARK, errorSummary, type FieldError } from './forms.ts';
import { Html, html } from './html.ts';
import { type Lang, t } from './words.ts';

const STYLES = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;color:#0b0c0c;background:#f3f2f1;overflow-wrap:break-word}
a{color:#1d4e89}
.skip{position:absolute;left:-9999px}.skip:focus{left:8px;top:8px;padding:8px;z-index:2}
header{background:#8b0000;color:#fff;border-bottom:6px solid #c8a951}
header .bar{max-width:720px;margin:0 auto;padding:12px 16px;display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:8px 16px}
header .brand{font-weight:700;font-size:1.125rem}header a{color:#fff}
main{max-width:720px;margin:24px auto;padding:0 16px}
main:has(.wide){max-width:1140px}
img,svg,video,canvas{max-width:100%;height:auto}
code,kbd,samp,pre,.secret,td,th,dd,.long{overflow-wrap:anywhere}
pre{white-space:pre-wrap}
table.wide{width:100%;border-collapse:collapse;font-size:.875rem}table.wide td,table.wide th{border-bottom:1px solid #b1b4b6;padding:4px 6px;text-align:left;vertical-align:top}
.table-scroll{max-width:100%;overflow-x:auto;margin:0 0 24px}.table-scroll table{margin:0}
.chart{display:inline-block;max-width:100%;margin:0 16px 16px 0}.filters{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(200px,100%),1fr));gap:8px 16px}.ok{color:#00703c;font-weight:bold}.bad{color:#d4351c;font-weight:bold}
.card{background:#fff;padding:24px;border:1px solid #b1b4b6}
h1{font-size:1.75rem;line-height:1.25;margin:0 0 8px}
.lead{font-size:1.125rem;margin:0 0 24px}
.field{margin:0 0 20px}
label,.label{display:block;font-weight:700;margin-bottom:4px}
.hint{color:#505a5f;margin:0 0 4px}
input[type=text],input[type=password],input[type=email],input[type=search],input[type=date],input[type=datetime-local],input[type=number],input[type=tel],input[type=url],textarea{width:100%;max-width:24em;font:inherit;padding:8px;border:2px solid #0b0c0c}
input,select,textarea{max-width:100%}
.field.error{border-left:5px solid #d4351c;padding-left:12px}
.field.error input{border-color:#d4351c}
.message{color:#d4351c;font-weight:700;margin:0 0 4px}
.error-summary{border:5px solid #d4351c;padding:16px;margin-bottom:24px}
.error-summary h2{margin:0 0 8px;font-size:1.25rem}
.error-summary a{color:#d4351c;font-weight:700}.error-summary a:focus{color:#0b0c0c}
.notice{border-left:5px solid #1d70b8;padding:8px 16px;margin-bottom:24px;background:#f0f4f8}
.reference{color:#505a5f}
button,.button{display:inline-block;max-width:100%;font:inherit;font-weight:700;padding:10px 16px;border:0;background:#00703c;color:#fff;cursor:pointer;text-decoration:none;box-shadow:0 2px 0 #002d18;margin:0 12px 12px 0}
button.secondary,.button.secondary{background:#f3f2f1;color:#0b0c0c;box-shadow:0 2px 0 #929191}
.link-button{background:none;box-shadow:none;color:#1d4e89;text-decoration:underline;padding:0;font-weight:400}
ul.scopes{padding-left:20px}
.codes{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:1.125rem;columns:2}
.secret{font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
fieldset{border:0;padding:0;margin:0 0 20px;min-width:0}legend{font-weight:700;margin-bottom:4px}
.radios label{display:inline;font-weight:400;margin-right:16px}
footer{max-width:720px;margin:0 auto 32px;padding:0 16px;color:#505a5f;font-size:.875rem}
.js-only{display:none}
table{border-collapse:collapse;width:100%;margin:0 0 24px}th,td{text-align:left;vertical-align:top;border-bottom:1px solid #b1b4b6;padding:8px 12px 8px 0}
dl{display:grid;grid-template-columns:minmax(8em,max-content) minmax(0,1fr);gap:4px 16px;margin:0 0 24px}dt{font-weight:700}dd{margin:0}
h2{font-size:1.25rem;margin:24px 0 8px}select{font:inherit;padding:6px;border:2px solid #0b0c0c}
/* GOV.UK's focus state: yellow fill with a dark edge, ≥ 3:1 against any background; last, so it wins */
a:focus,summary:focus{outline:3px solid transparent;color:#0b0c0c;background-color:#ffdd00;box-shadow:0 -2px #ffdd00,0 4px #0b0c0c;text-decoration:none;-webkit-box-decoration-break:clone;box-decoration-break:clone}
button:focus,.button:focus{outline:3px solid transparent;color:#0b0c0c;background-color:#ffdd00;box-shadow:0 2px 0 #0b0c0c}
input:focus,select:focus,textarea:focus{outline:3px solid #ffdd00;outline-offset:0;box-shadow:inset 0 0 0 2px #0b0c0c}
input[type=checkbox]:focus,input[type=radio]:focus{box-shadow:0 0 0 4px #0b0c0c}
.error-summary:focus{outline:3px solid #ffdd00;outline-offset:0}
main:focus{outline:none}
@media (max-width:40em){
main{margin:16px auto;padding:0 8px}.card{padding:16px}
dl{grid-template-columns:minmax(0,1fr);gap:0}dd{margin:0 0 8px}
table.stack thead{position:absolute;left:-9999px}
table.stack,table.stack tbody,table.stack tr,table.stack td,table.stack th{display:block;width:100%}
table.stack tr{border-bottom:1px solid #b1b4b6;padding:8px 0}table.stack td,table.stack th{border:0;padding:2px 0}
table.stack td[data-label]::before{content:attr(data-label) ": ";font-weight:700}
}
`;

export interface PageOptions {
  readonly lang: Lang;
  readonly title: string;
  readonly body: Html;
  /** CSP nonce for the page's own style and script. */
  readonly nonce: string;
  /** Where the language switch points: the same page in the other language (relative to basePath). */
  readonly switchHref: string;
  /**
   * The issuer's path ('' on a custom domain, '/prod' behind an API stage). Every link and
   * form on the pages is relative, resolved against it through <base>.
   */
  readonly basePath: string;
  readonly script?: string;
  /** The page's own styles (its cards, its lists), under the same nonce: CSP allows no inline style attribute. */
  readonly styles?: string;
  /**
   * The form's field errors. The page puts GOV.UK's error summary at the top of the card unless
   * the body already has one (`errorSummary`); either way it is focused on load, each message
   * links to its field, and the title says "Error: ".
   */
  readonly errors?: readonly FieldError[];
}

/**
 * Links in the error summary move focus to their field. Every page has a <base>, so a bare
 * `#field` would resolve against it and leave the page: the script keeps the person on the form.
 */
const SUMMARY_LINKS = `document.querySelectorAll('[data-error-summary] a[href^="#"]').forEach(function(a){a.addEventListener('click',function(e){var f=document.getElementById(a.getAttribute('href').slice(1));if(!f)return;e.preventDefault();var box=f.closest('.field,fieldset')||f;box.scrollIntoView();f.focus({preventScroll:true});});});`;

/** The page frame: one accessible layout for every page, in either language. */
export const page = (o: PageOptions): string => {
  const given = o.body.value.includes(ERROR_SUMMARY_MARK);
  const summary = given || !o.errors?.length ? html`` : errorSummary(o.lang, o.errors);
  const hasErrors = given || summary.value !== '';
  return `<!doctype html>${
    html`<html lang="${o.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<base href="${o.basePath}/">
<title>${hasErrors ? t(o.lang, 'edge_errorPrefix') : ''}${o.title} – ${t(o.lang, 'service')}</title>
<style nonce="${o.nonce}">${new Html(STYLES)}${new Html(o.styles ?? '')}</style>
</head>
<body>
<a class="skip" href="#main">${t(o.lang, 'skip')}</a>
<header><div class="bar"><span class="brand">${t(o.lang, 'service')}</span>
<a href="${o.switchHref}" lang="${o.lang === 'en' ? 'zh-CN' : 'en'}" hreflang="${o.lang === 'en' ? 'zh-CN' : 'en'}">${t(o.lang, 'switchTo')}</a></div></header>
<main id="main" tabindex="-1"><div class="card">${summary}${o.body}</div></main>
<footer><p>${t(o.lang, 'footer')}</p></footer>
${o.script ? html`<script nonce="${o.nonce}">${new Html(o.script)}</script>` : ''}
${hasErrors ? html`<script nonce="${o.nonce}">${new Html(SUMMARY_LINKS)}</script>` : ''}
</body>
</html>`.value
  }`;
};
