/**
 * The only script on the sign-in pages: WebAuthn needs it. Everything else works without
 * JavaScript; the passkey buttons stay hidden unless this runs.
 */
export const webauthnScript = (uid: string, mode: 'login' | 'register'): string => `
(() => {
  if (!window.PublicKeyCredential) return;
  const block = document.getElementById('passkey-block');
  const button = document.getElementById(${JSON.stringify(mode === 'login' ? 'passkey-login' : 'passkey-register')});
  const error = document.getElementById('passkey-error');
  const csrf = document.querySelector('input[name=csrf]').value;
  block.style.display = 'block';
  const b64 = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  const unb64 = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4)), (c) => c.charCodeAt(0));
  const post = async (path, body) => {
    const res = await fetch('interaction/${uid}/passkey/' + path, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify(body || {}),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(json.detail || json.error_description || 'failed');
    return json;
  };
  button.addEventListener('click', async () => {
    error.textContent = '';
    try {
      const options = await post(${JSON.stringify(mode === 'login' ? 'login-options' : 'register-options')});
      let credential;
      if (${JSON.stringify(mode)} === 'login') {
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
      const result = await post(${JSON.stringify(mode === 'login' ? 'login' : 'register')}, response);
      window.location.assign(result.redirectTo);
    } catch (e) {
      error.textContent = e && e.message ? e.message : String(e);
    }
  });
})();
`;
