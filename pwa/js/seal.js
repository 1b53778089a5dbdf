// Sealing an application on a shared device (WebCrypto): a fresh AES-256-GCM key and a
// random 96-bit IV per record; the id, form version and device as additional data; the
// key wrapped with RSA-OAEP-SHA-256 to the server's public key. Only the server can open
// it (server/sealing.py). The plaintext and the AES key are not kept anywhere.
function toBase64(buffer) {
  let text = "";
  for (const byte of new Uint8Array(buffer)) text += String.fromCharCode(byte);
  return btoa(text);
}

function fromBase64(text) {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}

// Byte for byte what server/sealing.py builds: sorted keys, no spaces.
export function additionalData(id, formVersion, device) {
  return new TextEncoder().encode(JSON.stringify({ device, form_version: formVersion, id }));
}

export async function seal(serverKey, id, formVersion, device, content) {
  const publicKey = await crypto.subtle.importKey("spki", fromBase64(serverKey.spki), { name: "RSA-OAEP", hash: "SHA-256" },
    false, ["encrypt"]);
  const key = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt"]);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: additionalData(id, formVersion, device) },
    key, new TextEncoder().encode(JSON.stringify(content)));
  const wrapped = await crypto.subtle.encrypt({ name: "RSA-OAEP" }, publicKey, await crypto.subtle.exportKey("raw", key));
  return { key_id: serverKey.id, device, iv: toBase64(iv), wrapped_key: toBase64(wrapped), ciphertext: toBase64(ciphertext) };
}
