import {
  browserSupportsWebAuthn,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  startAuthentication,
  startRegistration,
} from '@simplewebauthn/browser';

// The browser half of passkeys, bundled by scripts/build.mjs into dist/passkey-page.js and
// inlined into the page under its CSP nonce (passkeys.ts). It runs on two forms:
//
//   data-passkey="approve"  Approve asks the server for this approval's challenge, has the
//                           authenticator sign it, and posts the answer with the form.
//                           Decline posts as it is: it never needs a passkey.
//   data-passkey="enrol"    the button creates a passkey and posts the new credential.
//
// A cancelled or failed ceremony posts nothing, so it changes nothing on the server.

const form = document.querySelector<HTMLFormElement>('form[data-passkey]');
if (form) watch(form);

function watch(form: HTMLFormElement): void {
  const kind = form.dataset.passkey;
  const status = document.getElementById('passkey-status');
  const field = (name: string) => form.elements.namedItem(name) as HTMLInputElement;
  const say = (text: string) => {
    if (status) status.textContent = text;
  };
  let signed = false;

  form.addEventListener('submit', (event) => {
    const submitter = event.submitter as HTMLButtonElement | null;
    if (signed || (kind === 'approve' && submitter?.value !== 'approve')) return;
    event.preventDefault();
    void sign(submitter);
  });

  async function sign(submitter: HTMLButtonElement | null): Promise<void> {
    const buttons = [...form.querySelectorAll('button')];
    for (const button of buttons) button.disabled = true;
    say('Waiting for your passkey…');
    try {
      if (!browserSupportsWebAuthn()) throw new Error('This browser cannot use passkeys. Open the link in a current Chrome, Edge, Safari or Firefox.');
      const action = form.getAttribute('action');
      if (kind === 'approve') {
        const challenge = await post<PublicKeyCredentialRequestOptionsJSON>(`${action}/passkey`, field('csrf').value);
        field('passkey').value = JSON.stringify(await startAuthentication({ optionsJSON: challenge.options }));
        field('passkey_challenge').value = challenge.nonce ?? '';
      } else {
        const challenge = await post<PublicKeyCredentialCreationOptionsJSON>(`${action}/options`, field('csrf').value);
        field('credential').value = JSON.stringify(await startRegistration({ optionsJSON: challenge.options }));
      }
      signed = true;
      for (const button of buttons) button.disabled = false;
      say('Sending…');
      form.requestSubmit(submitter);
    } catch (error) {
      for (const button of buttons) button.disabled = false;
      const name = error instanceof Error ? error.name : '';
      say(
        name === 'NotAllowedError' || name === 'AbortError'
          ? 'No passkey was used (cancelled, timed out, or none of yours is enrolled here). Nothing changed: try again.'
          : `${error instanceof Error ? error.message : String(error)} Nothing changed.`,
      );
    }
  }
}

/** The server's options for the ceremony (and, to approve, the nonce the answer brings back). */
async function post<T>(path: string, csrf: string): Promise<{ nonce?: string; options: T }> {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf }).toString(),
  });
  const body = (await response.json().catch(() => ({}))) as { error?: string; nonce?: string; options?: T };
  if (!response.ok || !body.options) throw new Error(body.error ?? `The server answered ${response.status}.`);
  return { nonce: body.nonce, options: body.options };
}
