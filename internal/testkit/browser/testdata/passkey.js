// Runs the two passkey ceremonies the way Gatehouse's sign-in does and writes
// each outcome into the page, where the Go test reads it.
"use strict";

const random = (n) => crypto.getRandomValues(new Uint8Array(n));

// Flags byte of authenticator data: bit 0 user present, bit 2 user verified.
const verified = (authData) => (new Uint8Array(authData)[32] & 0x04) !== 0;

async function register() {
  const cred = await navigator.credentials.create({
    publicKey: {
      challenge: random(32),
      rp: { name: "Gatehouse test" }, // id defaults to "localhost"
      user: { id: random(16), name: "owner@example.test", displayName: "Owner" },
      pubKeyCredParams: [{ type: "public-key", alg: -7 }],
      authenticatorSelection: { residentKey: "required", requireResidentKey: true, userVerification: "required" },
      timeout: 10000,
    },
  });
  return `${cred.id} uv=${verified(cred.response.getAuthenticatorData())}`;
}

async function login() {
  const cred = await navigator.credentials.get({
    mediation: "optional",
    publicKey: { challenge: random(32), userVerification: "required", timeout: 10000 },
  });
  const handle = cred.response.userHandle ? "user-handle" : "no-user-handle";
  return `${cred.id} uv=${verified(cred.response.authenticatorData)} ${handle}`;
}

for (const [name, ceremony] of [["register", register], ["login", login]]) {
  const result = document.getElementById(`${name}-result`);
  document.getElementById(name).addEventListener("click", async () => {
    result.textContent = "pending";
    try {
      result.textContent = `ok ${await ceremony()}`;
    } catch (err) {
      result.textContent = `error ${err.name}: ${err.message}`;
    }
  });
}
