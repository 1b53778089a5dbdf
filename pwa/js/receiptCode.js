// The receipt code for an application id, the same as the server makes it
// (server/receipts.py): so a device can show it before the application is sent.
const RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

export function receiptCode(applicationId) {
  let number = parseInt(applicationId.replace(/-/g, "").slice(-12), 16); // 48 bits: exact in a double
  let code = "";
  for (let i = 0; i < 8; i++) {
    code = RECEIPT_ALPHABET[number % RECEIPT_ALPHABET.length] + code;
    number = Math.floor(number / RECEIPT_ALPHABET.length);
  }
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}
