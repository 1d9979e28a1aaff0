/**
 * The only script on the sign-in pages: WebAuthn needs it. Everything else works without
 * JavaScript; the passkey buttons stay hidden unless this runs.
 */
export const webauthnScript = (uid: string, mode: 'login' | 'register'): string =>
  passkeyScript({
    base: `interaction/${uid}/passkey/`,
    mode,
    button: mode === 'login' ? 'passkey-login' : 'passkey-register',
    done: `const result = await post(${JSON.stringify(mode)}, response); window.location.assign(result.redirectTo);`,
  });

/**
 * The password change page: the passkey's assertion goes into the form's hidden `passkey`
 * field, and the form is submitted with it, so the change and its proof are one request.
 */
export const passkeyConfirmScript = (): string =>
  passkeyScript({
    base: 'password/change/passkey-',
    mode: 'login',
    button: 'passkey-confirm',
    done: `const field = document.querySelector('input[name=passkey]'); field.value = JSON.stringify(response); field.form.submit();`,
  });

const passkeyScript = (o: {
  readonly base: string;
  readonly mode: 'login' | 'register';
  readonly button: string;
  /** Statements run with the serialised credential in `response`. */
  readonly done: string;
}): string => `
(() => {
  if (!window.PublicKeyCredential) return;
  const block = document.getElementById('passkey-block');
  const button = document.getElementById(${JSON.stringify(o.button)});
  const error = document.getElementById('passkey-error');
  const csrf = document.querySelector('input[name=csrf]').value;
  block.style.display = 'block';
  const b64 = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  const unb64 = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4)), (c) => c.charCodeAt(0));
  const post = async (path, body) => {
    const res = await fetch(${JSON.stringify(o.base)} + path, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify(body || {}),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(json.message || json.detail || json.error_description || 'failed');
    return json;
  };
  button.addEventListener('click', async () => {
    error.textContent = '';
    try {
      const options = await post(${JSON.stringify(o.mode === 'login' ? 'login-options' : 'register-options')});
      let credential;
      if (${JSON.stringify(o.mode)} === 'login') {
        credential = await navigator.credentials.get({ publicKey: {
          ...options, challenge: unb64(options.challenge),
          allowCredentials: (options.allowCredentials || []).map((c) => ({ ...c, id: unb64(c.id) })),
        } });
      } else {
        credential = await navigator.credentials.create({ publicKey: {
          ...options, challenge: unb64(options.challenge),
          user: { ...options.user, id: unb64(options.user.id) },
          excludeCredentials: (options.excludeCredentials || []).map((c) => ({ ...c, id: unb64(c.id) })),
        } });
      }
      const r = credential.response;
      const response = {
        id: credential.id, rawId: b64(credential.rawId), type: credential.type,
        clientExtensionResults: credential.getClientExtensionResults(),
        authenticatorAttachment: credential.authenticatorAttachment || undefined,
        response: r.attestationObject
          ? { clientDataJSON: b64(r.clientDataJSON), attestationObject: b64(r.attestationObject), transports: r.getTransports ? r.getTransports() : [] }
          : { clientDataJSON: b64(r.clientDataJSON), authenticatorData: b64(r.authenticatorData), signature: b64(r.signature), userHandle: r.userHandle ? b64(r.userHandle) : undefined },
      };
      ${o.done}
    } catch (e) {
      error.textContent = e && e.message ? e.message : String(e);
    }
  });
})();
`;
