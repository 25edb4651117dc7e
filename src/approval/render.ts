import escapeHtml from 'escape-html';
import { type ApprovalRecord, MAX_PASSKEY_FAILURES } from './approvals.js';
import { type Enrolment, passkeyPageScript } from './passkeys.js';

// The approval page's HTML: plain server-rendered markup, one inline <style> and one inline
// countdown <script> (and, where a passkey is asked for, the passkey script), all allowed by
// the response's CSP nonce, nothing fetched from anywhere. Every value that comes from
// outside this file (vendor text, warnings, ids) goes through escape-html.

const STYLE = `
*{box-sizing:border-box}
body{margin:0;overflow-wrap:anywhere;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1b1d21}
main{max-width:40rem;margin:0 auto;padding:1rem}
.card{background:#fff;border-radius:12px;padding:1.25rem;box-shadow:0 1px 3px #0002}
h1{font-size:1.35rem;margin:0 0 .75rem}
.badge{display:inline-block;font-size:.85rem;font-weight:600;padding:.15rem .6rem;border-radius:99px;margin-bottom:.75rem}
.badge.sandbox{background:#e3f1ff;color:#0b4a8b}
.badge.live{background:#fff0d6;color:#7a4a00}
.alert{border-left:5px solid #c62828;background:#fdecea;color:#7f1313;padding:.75rem;border-radius:6px;font-weight:600;margin:0 0 .75rem}
.notes{margin:0 0 .75rem;padding-left:1.2rem;color:#5b4300}
dl{display:grid;grid-template-columns:minmax(7rem,auto) 1fr;gap:.35rem .9rem;margin:0 0 1rem}
dt{color:#5c6370}
dd{margin:0;overflow-wrap:anywhere}
.total{font-size:1.5rem;font-weight:700}
label{display:block;font-weight:600;margin:.5rem 0 .25rem}
input[type=password]{width:100%;font-size:1.2rem;padding:.5rem;border:1px solid #9aa0a6;border-radius:6px}
.buttons{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1rem}
button{flex:1 1 10rem;font-size:1.05rem;font-weight:600;padding:.8rem 1rem;border-radius:8px;border:0;cursor:pointer}
button[value=approve],button[value=enrol]{background:#1a7f37;color:#fff}
button[value=decline]{background:#e8eaed;color:#1b1d21}
button:disabled{opacity:.5;cursor:not-allowed}
.error{color:#b3261e;font-weight:600}
.small{font-size:.85rem;color:#5c6370}
.done{font-size:1.2rem}
`;

const COUNTDOWN = `
(function(){var el=document.getElementById('left');if(!el)return;var end=Number(el.getAttribute('data-end'));
function tick(){var s=Math.max(0,Math.round((end-Date.now())/1000));
if(s>0){el.textContent='('+Math.floor(s/60)+' min '+(s%60)+' s left)';return;}
el.textContent='(expired: ask the assistant for a new quote)';clearInterval(t);
var b=document.querySelectorAll('button[value=approve],button[value=enrol]');for(var i=0;i<b.length;i++)b[i].disabled=true;}
var t=setInterval(tick,1000);tick();})();
`;

// Every response says Referrer-Policy: no-referrer, but under that policy browsers send
// `Origin: null` with a form POST (Fetch standard, "append a request Origin header"), and
// the page's own Origin is what the POST is checked against. So the page with the form
// narrows its own policy to same-origin: its POST carries the real Origin, and nothing
// ever goes off-site, since the page has no links and loads nothing.
function layout(nonce: string, title: string, body: string, withForm = false, withPasskey = false): string {
  const scripts = withForm ? `<script nonce="${nonce}">${COUNTDOWN}</script>` : '';
  const passkey = withPasskey ? `<script nonce="${nonce}">${passkeyPageScript()}</script>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${withForm ? '<meta name="referrer" content="same-origin">\n' : ''}<meta name="robots" content="noindex">
<title>${escapeHtml(title)} · proxycart</title>
<style nonce="${nonce}">${STYLE}</style>
</head><body><main><div class="card">
${body}
</div><p class="small">proxycart approval page · served on this computer only</p></main>${scripts}${passkey}</body></html>`;
}

function usd(value: number | null): string {
  return value === null ? 'not known' : `${value.toFixed(2)} USD`;
}

function timeLeft(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)} min ${s % 60} s left`;
}

/**
 * What the page says about passkeys: `required` (Approve signs with one), `missing` (one is
 * required and none is enrolled: no Approve button), `suggest` (none enrolled yet: how to).
 */
export type PasskeyNeed = 'required' | 'missing' | 'suggest';

/** The order a change is made to, and what it does to its expiry (old and new). */
function changeRows(change: NonNullable<ApprovalRecord['details']['change']>): string {
  const rows = [`<dt>Order</dt><dd id="order-id">${escapeHtml(change.order_id)}</dd>`];
  if (change.expires_at !== undefined) rows.push(`<dt>Expires now</dt><dd id="expires-now">${escapeHtml(change.expires_at ?? 'not known')}</dd>`);
  if (change.new_expires_at !== undefined)
    rows.push(`<dt>Expires after</dt><dd id="expires-after">${escapeHtml(change.new_expires_at ?? 'not known')} (estimate)</dd>`);
  return rows.join('\n');
}

export interface FormView {
  record: ApprovalRecord;
  pinRequired: boolean;
  passkey?: PasskeyNeed;
  /** Shown above the form, e.g. after a wrong PIN. */
  error?: string;
  now?: number;
}

export function renderApproval(nonce: string, view: FormView): string {
  const { record, pinRequired, passkey } = view;
  const d = record.details;
  const now = view.now ?? Date.now();
  const [first, ...rest] = d.warnings;
  const expires = new Date(record.expiresAt);
  const total = d.total_usd === null ? 'Not known until the order is placed' : usd(d.total_usd);
  const body = `
<span class="badge ${d.sandbox ? 'sandbox' : 'live'}">${d.sandbox ? 'Sandbox: play money' : 'Live: real money'}</span>
<h1>Approve this ${d.change ? `change to a ${escapeHtml(d.vendor)} order` : `${escapeHtml(d.vendor)} order`}?</h1>
${first === undefined ? '' : `<p class="alert" role="alert" id="first-warning">${escapeHtml(first)}</p>`}
${rest.length ? `<ul class="notes">${rest.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>` : ''}
<dl>
<dt>Vendor</dt><dd id="vendor">${escapeHtml(d.vendor)}</dd>
<dt>What</dt><dd id="summary">${escapeHtml(d.summary)}</dd>
${d.change ? changeRows(d.change) : ''}
<dt>Total</dt><dd><span class="total" id="total">${escapeHtml(total)}</span> <span class="small">(${escapeHtml(d.price_source.replaceAll('_', ' '))})</span></dd>
<dt>Wallet now</dt><dd id="balance">${usd(d.balance_usd)}</dd>
<dt>Wallet after</dt><dd id="balance-after">${usd(d.balance_after_usd)}</dd>
<dt>Per-order cap</dt><dd id="max-order">${usd(d.max_order_usd)}</dd>
<dt>24-hour budget left</dt><dd id="budget-left">${usd(d.budget_left_usd)}</dd>
<dt>Decide before</dt><dd><time id="expires" datetime="${expires.toISOString()}">${expires.toISOString().slice(11, 19)} UTC</time> <span id="left" data-end="${record.expiresAt}">(${timeLeft(record.expiresAt - now)})</span></dd>
</dl>
${view.error ? `<p class="error" role="alert" id="error">${escapeHtml(view.error)}</p>` : ''}
${passkey === 'missing' ? `<p class="alert" id="passkey-missing">Approving needs a passkey, and none is enrolled for this page. In a terminal, run <code>proxycart passkey add</code> (teams: <code>proxycart token add NAME --passkey</code>), enrol one, then reload this page.</p>` : ''}
<form method="post" action="/approve/${escapeHtml(record.id)}"${passkey === 'required' ? ' data-passkey="approve"' : ''}>
<input type="hidden" name="csrf" value="${escapeHtml(record.csrf)}">
${passkey === 'required' ? '<input type="hidden" name="passkey" value=""><input type="hidden" name="passkey_challenge" value="">' : ''}
${pinRequired ? '<label for="pin">Approval PIN</label><input type="password" id="pin" name="pin" inputmode="numeric" autocomplete="off" maxlength="64">' : ''}
<div class="buttons">
${passkey === 'missing' ? '' : '<button type="submit" name="decision" value="approve">Approve</button>\n'}<button type="submit" name="decision" value="decline">Decline</button>
</div>
${passkey === 'required' ? '<p class="small" id="passkey-status" role="status">Approve asks for your passkey: fingerprint, face, device PIN or security key.</p>' : ''}
<p class="small">${pinRequired || passkey === 'required' ? `Declining needs no ${pinRequired && passkey === 'required' ? 'PIN or passkey' : pinRequired ? 'PIN' : 'passkey'}. ` : ''}Only you can decide here: the assistant cannot press these buttons.</p>
${passkey === 'suggest' ? '<p class="small" id="passkey-hint">Tip: run <code>proxycart passkey add</code> to enrol a passkey. Approving then needs your fingerprint, face or security key, which no agent driving a browser can give.</p>' : ''}
</form>`;
  return layout(nonce, 'Approve order', body, true, passkey === 'required');
}

/** A page without a form: the outcome, or why nothing can be decided here. */
export function renderMessage(nonce: string, title: string, text: string): string {
  return layout(nonce, title, `<h1 id="outcome">${escapeHtml(title)}</h1><p class="done">${escapeHtml(text)}</p>`);
}

export function renderOutcome(nonce: string, record: ApprovalRecord): string {
  const d = record.details;
  const what = `${d.vendor}: ${d.summary}`;
  switch (record.state) {
    case 'approved':
      return renderMessage(nonce, 'Approved — you can go back to the chat', `${what}. The assistant places the order when it calls again.`);
    case 'declined':
      return renderMessage(nonce, 'Declined — you can go back to the chat', `${what}. Nothing will be ordered.`);
    case 'void':
      return renderMessage(
        nonce,
        voidTitle(record),
        `${what}. This approval can no longer be used; nothing will be ordered. Ask the assistant for a new quote.`,
      );
    case 'expired':
      return renderMessage(nonce, 'Expired', `${what}. The time to decide has passed; nothing will be ordered. Ask the assistant for a new quote.`);
    default:
      return renderMessage(nonce, 'Waiting for a decision', what);
  }
}

export function voidTitle(record: ApprovalRecord): string {
  return (record.passkeyFailures ?? 0) >= MAX_PASSKEY_FAILURES ? 'Void: too many failed passkey attempts' : 'Void: too many wrong PINs';
}

/** The one-time enrolment page: one button that creates a passkey on this device (or a security key or phone). */
export function renderEnrolment(nonce: string, enrolment: Enrolment, error?: string, now = Date.now()): string {
  const expires = new Date(enrolment.expiresAt);
  const body = `
<h1>Enrol a passkey for proxycart</h1>
<p>Orders approved on the proxycart approval page will need this passkey: your fingerprint, face, device PIN or a security key. No agent driving a browser can give one.</p>
<dl>
<dt>Name</dt><dd id="name">${escapeHtml(enrolment.name)}</dd>
${enrolment.identity ? `<dt>For</dt><dd id="identity">${escapeHtml(enrolment.identity)}</dd>` : ''}
<dt>Link valid until</dt><dd><time datetime="${expires.toISOString()}">${expires.toISOString().slice(11, 19)} UTC</time> <span id="left" data-end="${enrolment.expiresAt}">(${timeLeft(enrolment.expiresAt - now)})</span></dd>
</dl>
${error ? `<p class="error" role="alert" id="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/passkey/${escapeHtml(enrolment.id)}" data-passkey="enrol">
<input type="hidden" name="csrf" value="${escapeHtml(enrolment.csrf)}">
<input type="hidden" name="credential" value="">
<div class="buttons"><button type="submit" name="decision" value="enrol">Create passkey</button></div>
<p class="small" id="passkey-status" role="status">Your browser asks where to keep it: this device, a phone (scan the code) or a security key.</p>
</form>`;
  return layout(nonce, 'Enrol a passkey', body, true, true);
}
