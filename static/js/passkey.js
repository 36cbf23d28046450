/*
 * Gatehouse passkeys: sign-in, enrolment and adding a passkey.
 *
 * Markup (no inline script, so it works under a strict CSP):
 *
 *   <button type="submit" data-passkey="create" (or "get")
 *           data-begin="/url" data-finish="/url"
 *           data-form="form-id"      optional: the form's fields are sent to data-begin
 *           data-status="status-id"  optional: default is the nearest .passkey-status
 *                                    (the first one inside the closest ancestor
 *                                    that has one)
 *           data-reload>             optional: reload after an {"ok": true} finish
 *   <div class="passkey-status" role="status" aria-live="polite"></div>
 *
 *   Submitting the data-form form (Enter in its field) runs the button's ceremony
 *   instead of sending the form.
 *
 *   Passkey autofill on the sign-in page:
 *   <form data-passkey-autofill data-begin="/url" data-finish="/url">
 *     <input name="username" autocomplete="username webauthn"> ...
 *
 * Protocol (JSON both ways, same origin):
 *   POST data-begin   {form fields} or {}
 *     -> 200 {"publicKey": {...}, "mediation"?: "..."}   (go-webauthn's options)
 *     -> 4xx/5xx {"error": "readable message", "field"?: "name"}
 *   POST data-finish  the credential, in the WebAuthn JSON form
 *     -> {"redirect": "/path"} | {"ok": true, "message": "..."} | {"error": "..."}
 */
(function () {
	"use strict";

	// Every sentence a person may see, in one place.
	var messages = {
		insecure: "Passkeys need a secure connection. Open Gatehouse at its https address, or at http://localhost.",
		unsupported: "This browser does not support passkeys. Use a current version of Safari, Chrome, Edge or Firefox.",
		waiting: "Follow the prompt from your browser or device.",
		cancelledCreate: "The passkey request was cancelled or timed out. Try again when you are ready.",
		cancelledGet: "The passkey request was cancelled or timed out. Try again when you are ready. " +
			"If this device has no passkey for Gatehouse, use a device that does, or ask an owner for a new invite link.",
		alreadyRegistered: "This device already holds a passkey for your account.",
		security: "The browser refused the passkey request for this address. Open Gatehouse at the address it was set up with.",
		notSupported: "This device cannot make a passkey of a kind Gatehouse accepts. Try another device or security key.",
		noVerification: "Gatehouse needs your device to check it is you (with a PIN, fingerprint or face), and this device cannot.",
		network: "Gatehouse could not be reached. Check your connection.",
		badResponse: "Gatehouse sent an unexpected answer. Reload the page and try again.",
		done: "Done.",
		unknown: "Something went wrong with the passkey. Reload the page and try again.",
		server: function (status) {
			return "Gatehouse could not handle the request (status " + status + "). Try again in a moment.";
		}
	};

	// An error whose message is already fit to show to a person; field names the
	// form field the server blamed, if any.
	class ShownError extends Error {
		constructor(message, field) {
			super(message);
			this.name = "ShownError";
			this.field = field;
		}
	}

	// The pending passkey-autofill request, aborted before any modal request:
	// browsers allow one WebAuthn request at a time.
	var autofill = null;

	// ---------- Talking to the server ----------

	async function post(url, body, signal) {
		var res;
		try {
			res = await fetch(url, {
				method: "POST",
				credentials: "same-origin",
				headers: {
					"Content-Type": "application/json",
					"Accept": "application/json",
					"X-Requested-With": "fetch"
				},
				body: JSON.stringify(body),
				signal: signal
			});
		} catch (err) {
			if (err.name === "AbortError") {
				throw err;
			}
			throw new ShownError(messages.network);
		}

		var data = null;
		try {
			data = await res.json();
		} catch (_) {
			// Not JSON (a proxy's error page, say): reported below by status.
		}
		if (data && data.error) {
			throw new ShownError(String(data.error), data.field);
		}
		if (!res.ok) {
			throw new ShownError(messages.server(res.status));
		}
		if (!data) {
			throw new ShownError(messages.badResponse);
		}
		return data;
	}

	// ---------- WebAuthn JSON <-> browser objects ----------
	// Current browsers do these conversions themselves (parse*FromJSON, toJSON);
	// the fallbacks keep older Safari and Firefox working.

	function fromB64url(s) {
		var b64 = s.replace(/-/g, "+").replace(/_/g, "/");
		while (b64.length % 4) {
			b64 += "=";
		}
		var bin = atob(b64);
		var bytes = new Uint8Array(bin.length);
		for (var i = 0; i < bin.length; i++) {
			bytes[i] = bin.charCodeAt(i);
		}
		return bytes.buffer;
	}

	function toB64url(buf) {
		var bytes = new Uint8Array(buf);
		var bin = "";
		for (var i = 0; i < bytes.length; i++) {
			bin += String.fromCharCode(bytes[i]);
		}
		return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
	}

	function withBinaryIds(list) {
		return (list || []).map(function (c) {
			return Object.assign({}, c, { id: fromB64url(c.id) });
		});
	}

	function creationOptions(json) {
		if (PublicKeyCredential.parseCreationOptionsFromJSON) {
			return PublicKeyCredential.parseCreationOptionsFromJSON(json);
		}
		return Object.assign({}, json, {
			challenge: fromB64url(json.challenge),
			user: Object.assign({}, json.user, { id: fromB64url(json.user.id) }),
			excludeCredentials: withBinaryIds(json.excludeCredentials)
		});
	}

	function requestOptions(json) {
		if (PublicKeyCredential.parseRequestOptionsFromJSON) {
			return PublicKeyCredential.parseRequestOptionsFromJSON(json);
		}
		return Object.assign({}, json, {
			challenge: fromB64url(json.challenge),
			allowCredentials: withBinaryIds(json.allowCredentials)
		});
	}

	function credentialJSON(cred) {
		if (typeof cred.toJSON === "function") {
			try {
				return cred.toJSON();
			} catch (_) {
				// Some password-manager extensions hand back credentials whose toJSON
				// throws; the hand-written form below works for them too.
			}
		}
		var r = cred.response;
		var response = { clientDataJSON: toB64url(r.clientDataJSON) };
		if (r.attestationObject) {
			response.attestationObject = toB64url(r.attestationObject);
			response.transports = typeof r.getTransports === "function" ? r.getTransports() : [];
		} else {
			response.authenticatorData = toB64url(r.authenticatorData);
			response.signature = toB64url(r.signature);
			if (r.userHandle) {
				response.userHandle = toB64url(r.userHandle);
			}
		}
		return {
			id: cred.id,
			rawId: toB64url(cred.rawId),
			type: cred.type,
			response: response,
			authenticatorAttachment: cred.authenticatorAttachment || undefined,
			clientExtensionResults: cred.getClientExtensionResults()
		};
	}

	// ---------- Page helpers ----------

	// Why passkeys cannot work here, or "" if they can.
	function unsupportedReason() {
		if (!window.isSecureContext) {
			return messages.insecure;
		}
		if (!window.PublicKeyCredential || !navigator.credentials) {
			return messages.unsupported;
		}
		return "";
	}

	// statusFor finds where to write about el's ceremony: data-status, else the
	// nearest .passkey-status, so that two passkey buttons on one page each talk
	// in their own area.
	function statusFor(el) {
		var id = el.getAttribute("data-status");
		var status = id ? document.getElementById(id) : null;
		for (var node = el.parentElement; !status && node; node = node.parentElement) {
			status = node.querySelector(".passkey-status");
		}
		if (!status) {
			// A template without a status area must still not fail silently.
			status = document.createElement("p");
			status.className = "passkey-status";
			status.setAttribute("role", "status");
			el.insertAdjacentElement("afterend", status);
		}
		return status;
	}

	// show writes text into the status area; kind is "ok", "error" or "" (neutral).
	function show(status, text, kind) {
		status.classList.remove("ok", "error");
		if (kind) {
			status.classList.add(kind);
		}
		status.textContent = text;
	}

	function setBusy(el, busy) {
		el.disabled = busy;
		el.setAttribute("aria-busy", busy ? "true" : "false");
	}

	// One value per field name is all the passkey forms need.
	function formFields(form) {
		return Object.fromEntries(new FormData(form));
	}

	function markInvalid(form, fieldName) {
		var input = form && fieldName ? form.elements.namedItem(fieldName) : null;
		if (input && input.focus) {
			input.setAttribute("aria-invalid", "true");
			input.focus();
		}
	}

	function clearInvalid(form) {
		form.querySelectorAll('[aria-invalid="true"]').forEach(function (input) {
			input.removeAttribute("aria-invalid");
		});
	}

	// describe turns any failure into a sentence; kind is "create" or "get".
	function describe(err, kind) {
		if (err instanceof ShownError) {
			return err.message;
		}
		switch (err && err.name) {
			case "NotAllowedError":
			case "AbortError": // aborted by the browser, not by us: same as a cancel
				return kind === "get" ? messages.cancelledGet : messages.cancelledCreate;
			case "InvalidStateError":
				return kind === "create" ? messages.alreadyRegistered : messages.unknown;
			case "SecurityError":
				return messages.security;
			case "NotSupportedError":
				return messages.notSupported;
			case "ConstraintError":
				return messages.noVerification;
			default:
				return messages.unknown;
		}
	}

	// finish acts on the server's answer to data-finish.
	function finish(result, el, status) {
		if (result.redirect) {
			// Only ever go somewhere on this site, whatever the answer says.
			var target = new URL(result.redirect, location.href);
			if (target.origin !== location.origin) {
				throw new ShownError(messages.badResponse);
			}
			location.assign(target.href);
			return;
		}
		if (result.ok) {
			show(status, result.message || messages.done, "ok");
			if (el.hasAttribute("data-reload")) {
				// Long enough to read the confirmation before the page refreshes.
				setTimeout(function () { location.reload(); }, 1000);
			}
			return;
		}
		throw new ShownError(messages.badResponse);
	}

	// ---------- The modal ceremony, started by a click ----------

	async function run(el) {
		var kind = el.getAttribute("data-passkey");
		if (kind !== "create" && kind !== "get") {
			return;
		}
		var status = statusFor(el);
		var reason = unsupportedReason();
		if (reason) {
			show(status, reason, "error");
			return;
		}

		var formId = el.getAttribute("data-form");
		var form = formId ? document.getElementById(formId) : null;
		var body = {};
		if (form) {
			if (!form.reportValidity()) {
				return;
			}
			clearInvalid(form);
			body = formFields(form);
		}

		if (autofill) {
			autofill.abort();
			autofill = null;
		}
		setBusy(el, true);
		show(status, messages.waiting, "");
		try {
			var options = await post(el.getAttribute("data-begin"), body);
			var credential;
			if (kind === "create") {
				credential = await navigator.credentials.create({ publicKey: creationOptions(options.publicKey) });
			} else {
				var request = { publicKey: requestOptions(options.publicKey) };
				if (options.mediation && options.mediation !== "conditional") {
					request.mediation = options.mediation;
				}
				credential = await navigator.credentials.get(request);
			}
			if (!credential) {
				throw new ShownError(messages.unknown);
			}
			finish(await post(el.getAttribute("data-finish"), credentialJSON(credential)), el, status);
		} catch (err) {
			show(status, describe(err, kind), "error");
			if (err instanceof ShownError) {
				markInvalid(form, err.field);
			} else {
				console.warn("gatehouse passkey:", err); // for whoever debugs; never shown
			}
		} finally {
			setBusy(el, false);
		}
	}

	// ---------- Passkey autofill (conditional mediation) ----------
	// Runs quietly in the background: if it cannot start, or is cancelled, the page
	// simply works by button. Once the person has picked a passkey, the outcome is
	// shown like any other, since they are now waiting for it.

	async function startAutofill() {
		var box = document.querySelector("[data-passkey-autofill]");
		if (!box || !box.querySelector('input[autocomplete~="webauthn"]') || unsupportedReason()) {
			return;
		}
		var credential;
		try {
			if (!PublicKeyCredential.isConditionalMediationAvailable ||
				!(await PublicKeyCredential.isConditionalMediationAvailable())) {
				return;
			}
			var controller = new AbortController();
			autofill = controller;
			var options = await post(box.getAttribute("data-begin"), {}, controller.signal);
			credential = await navigator.credentials.get({
				publicKey: requestOptions(options.publicKey),
				mediation: "conditional",
				signal: controller.signal
			});
			if (autofill === controller) {
				autofill = null;
			}
		} catch (_) {
			return; // aborted for a button click, refused, or unavailable: stay quiet
		}
		if (!credential) {
			return;
		}
		var status = statusFor(box);
		try {
			finish(await post(box.getAttribute("data-finish"), credentialJSON(credential)), box, status);
		} catch (err) {
			show(status, describe(err, "get"), "error");
		}
	}

	function start(el, event) {
		event.preventDefault();
		if (el.getAttribute("aria-busy") !== "true") {
			run(el);
		}
	}

	function init() {
		// Delegated, so buttons in content swapped in by htmx work too.
		document.addEventListener("click", function (event) {
			var el = event.target.closest("[data-passkey]");
			if (el) {
				start(el, event);
			}
		});
		// Enter in a one-field form submits it even without a submit button; for a
		// passkey form that must start the ceremony, not send the form.
		document.addEventListener("submit", function (event) {
			var form = event.target;
			var el = form.id && document.querySelector('[data-passkey][data-form="' + CSS.escape(form.id) + '"]');
			if (el) {
				start(el, event);
			}
		});
		startAutofill();
	}

	if (document.readyState === "loading") {
		document.addEventListener("DOMContentLoaded", init);
	} else {
		init();
	}

	// For browser tests, which compare what is shown with these sentences.
	window.gatehousePasskey = Object.freeze({ messages: messages });
})();
