import { Html, html } from './html.ts';
import { type Lang, t } from './words.ts';

const STYLES = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;color:#0b0c0c;background:#f3f2f1}
a{color:#1d4e89}a:focus,button:focus,input:focus{outline:3px solid #ffbf47;outline-offset:0}
.skip{position:absolute;left:-9999px}.skip:focus{left:8px;top:8px;background:#fff;padding:8px;z-index:2}
header{background:#8b0000;color:#fff;border-bottom:6px solid #c8a951}
header .bar{max-width:720px;margin:0 auto;padding:12px 16px;display:flex;justify-content:space-between;align-items:center;gap:16px}
header .brand{font-weight:700;font-size:1.125rem}header a{color:#fff}
main{max-width:720px;margin:24px auto;padding:0 16px}
main:has(.wide){max-width:1140px}
table.wide{width:100%;border-collapse:collapse;font-size:.875rem}table.wide td,table.wide th{border-bottom:1px solid #b1b4b6;padding:4px 6px;text-align:left;vertical-align:top}
.chart{display:inline-block;margin:0 16px 16px 0}.filters{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:8px 16px}.ok{color:#00703c;font-weight:bold}.bad{color:#d4351c;font-weight:bold}
.card{background:#fff;padding:24px;border:1px solid #b1b4b6}
h1{font-size:1.75rem;line-height:1.25;margin:0 0 8px}
.lead{font-size:1.125rem;margin:0 0 24px}
.field{margin:0 0 20px}
label,.label{display:block;font-weight:700;margin-bottom:4px}
.hint{color:#505a5f;margin:0 0 4px}
input[type=text],input[type=password],input[type=email]{width:100%;max-width:24em;font:inherit;padding:8px;border:2px solid #0b0c0c}
.field.error{border-left:5px solid #d4351c;padding-left:12px}
.field.error input{border-color:#d4351c}
.message{color:#d4351c;font-weight:700;margin:0 0 4px}
.error-summary{border:5px solid #d4351c;padding:16px;margin-bottom:24px}
.error-summary h2{margin:0 0 8px;font-size:1.25rem}
.error-summary a{color:#d4351c;font-weight:700}
.notice{border-left:5px solid #1d70b8;padding:8px 16px;margin-bottom:24px;background:#f0f4f8}
button,.button{display:inline-block;font:inherit;font-weight:700;padding:10px 16px;border:0;background:#00703c;color:#fff;cursor:pointer;text-decoration:none;box-shadow:0 2px 0 #002d18;margin:0 12px 12px 0}
button.secondary,.button.secondary{background:#f3f2f1;color:#0b0c0c;box-shadow:0 2px 0 #929191}
.link-button{background:none;box-shadow:none;color:#1d4e89;text-decoration:underline;padding:0;font-weight:400}
ul.scopes{padding-left:20px}
.codes{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:1.125rem;columns:2}
.secret{font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
fieldset{border:0;padding:0;margin:0 0 20px}legend{font-weight:700;margin-bottom:4px}
.radios label{display:inline;font-weight:400;margin-right:16px}
footer{max-width:720px;margin:0 auto 32px;padding:0 16px;color:#505a5f;font-size:.875rem}
.js-only{display:none}
table{border-collapse:collapse;width:100%;margin:0 0 24px}th,td{text-align:left;vertical-align:top;border-bottom:1px solid #b1b4b6;padding:8px 12px 8px 0}
dl{display:grid;grid-template-columns:minmax(8em,max-content) 1fr;gap:4px 16px;margin:0 0 24px}dt{font-weight:700}dd{margin:0;word-break:break-word}
h2{font-size:1.25rem;margin:24px 0 8px}select{font:inherit;padding:6px;border:2px solid #0b0c0c}
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
}

/** The page frame: one accessible layout for every page, in either language. */
export const page = (o: PageOptions): string =>
  `<!doctype html>${
    html`<html lang="${o.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<base href="${o.basePath}/">
<title>${o.title} – ${t(o.lang, 'service')}</title>
<style nonce="${o.nonce}">${new Html(STYLES)}${new Html(o.styles ?? '')}</style>
</head>
<body>
<a class="skip" href="#main">${t(o.lang, 'skip')}</a>
<header><div class="bar"><span class="brand">${t(o.lang, 'service')}</span>
<a href="${o.switchHref}" lang="${o.lang === 'en' ? 'zh-CN' : 'en'}" hreflang="${o.lang === 'en' ? 'zh-CN' : 'en'}">${t(o.lang, 'switchTo')}</a></div></header>
<main id="main" tabindex="-1"><div class="card">${o.body}</div></main>
<footer><p>${t(o.lang, 'footer')}</p></footer>
${o.script ? html`<script nonce="${o.nonce}">${new Html(o.script)}</script>` : ''}
</body>
</html>`.value
  }`;
