/*
 * Gatehouse page enhancements, bound by data attributes (no inline script, so they
 * work under a strict CSP). Each listener sits on the document, so it also covers
 * content that htmx swaps in later. Without JavaScript the pages still work.
 *
 *   <button class="btn copy" data-copy="link-id">Copy</button>
 *       copies the text of #link-id (or its value, for an input) and says "Copied"
 *       for 2 seconds; keep such a button's label plain text
 *   <form data-confirm="Revoke this code?">, <button data-confirm="...">
 *       asks before going on; works for htmx requests too
 *   failed htmx requests
 *       show a .flash-error at the top of <main>: the server's message if it sent a
 *       short text/plain body, else a generic sentence with the status
 *   <nav class="site-nav"> with a link aria-current="page"
 *       on phones, where the nav scrolls sideways, the current link is scrolled into
 *       view, so that e.g. Settings is not hidden past the edge while you are in it
 */
(function () {
	"use strict";

	var messages = {
		copied: "Copied",
		network: "Gatehouse could not be reached. Check your connection.",
		failed: function (status) {
			return "Something went wrong (status " + status + ").";
		}
	};

	// Longest server text shown as is; anything longer is likely a page, not a message.
	var maxMessageLength = 200;

	// ---------- Copy ----------

	var copyTimers = new WeakMap();

	function textOf(el) {
		var isField = el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement;
		return isField ? el.value : el.textContent.trim();
	}

	// Select the text on screen and use the old copy command. Used where the
	// Clipboard API is missing (plain http on a LAN address); if even this fails,
	// the text is left selected for a manual copy.
	function copyBySelection(el) {
		if (typeof el.select === "function") {
			el.select();
		} else {
			var range = document.createRange();
			range.selectNodeContents(el);
			var selection = window.getSelection();
			selection.removeAllRanges();
			selection.addRange(range);
		}
		try {
			return document.execCommand("copy");
		} catch (_) {
			return false;
		}
	}

	async function copy(button) {
		var source = document.getElementById(button.getAttribute("data-copy"));
		if (!source) {
			return;
		}
		var copied = false;
		if (navigator.clipboard && window.isSecureContext) {
			try {
				await navigator.clipboard.writeText(textOf(source));
				copied = true;
			} catch (_) {
				// Permission refused: try the selection route below.
			}
		}
		if (!copied && !copyBySelection(source)) {
			return;
		}

		// Remember the real label once, so a second click within 2s cannot make
		// "Copied" the label to restore.
		if (!copyTimers.has(button)) {
			button.setAttribute("data-label", button.textContent);
		}
		clearTimeout(copyTimers.get(button));
		button.textContent = messages.copied;
		copyTimers.set(button, setTimeout(function () {
			button.textContent = button.getAttribute("data-label");
			copyTimers.delete(button);
		}, 2000));
	}

	document.addEventListener("click", function (event) {
		var button = event.target.closest("[data-copy]");
		if (button) {
			event.preventDefault();
			copy(button);
		}
	});

	// ---------- Confirm ----------
	// Capture phase: the question comes before htmx's own listeners on the element
	// see the click or submit, and stopping here stops them too.

	function confirmOrStop(event, el) {
		if (el && !window.confirm(el.getAttribute("data-confirm"))) {
			event.preventDefault();
			event.stopPropagation();
		}
	}

	document.addEventListener("click", function (event) {
		confirmOrStop(event, event.target.closest("button[data-confirm], a[data-confirm], input[data-confirm]"));
	}, true);

	document.addEventListener("submit", function (event) {
		confirmOrStop(event, event.target.closest("form[data-confirm]"));
	}, true);

	// ---------- Current section in a sideways-scrolling nav ----------

	function showCurrentNavItem() {
		var nav = document.querySelector(".site-nav");
		var current = nav && nav.querySelector('[aria-current="page"]');
		if (!current || nav.scrollWidth <= nav.clientWidth) {
			return;
		}
		// scrollLeft, not scrollIntoView: that could also scroll the page itself.
		var n = nav.getBoundingClientRect();
		var c = current.getBoundingClientRect();
		nav.scrollLeft += c.left - n.left - (n.width - c.width) / 2;
	}

	if (document.readyState === "loading") {
		document.addEventListener("DOMContentLoaded", showCurrentNavItem);
	} else {
		showCurrentNavItem();
	}
	// A phone turned sideways, or a window made narrow. Only when the width
	// changes: phones also resize as their address bar slides away on scroll.
	var navWidth = window.innerWidth;
	window.addEventListener("resize", function () {
		if (window.innerWidth !== navWidth) {
			navWidth = window.innerWidth;
			showCurrentNavItem();
		}
	});

	// ---------- htmx ----------

	var errorFlash = null;

	function showError(text) {
		var main = document.querySelector("main");
		if (!main) {
			return;
		}
		// One error box at a time: a newer failure replaces the older message.
		if (!errorFlash || !errorFlash.isConnected) {
			errorFlash = document.createElement("div");
			errorFlash.className = "flash flash-error";
			errorFlash.setAttribute("role", "alert");
			main.prepend(errorFlash);
		}
		errorFlash.textContent = text;
		errorFlash.scrollIntoView({ block: "nearest" });
	}

	function serverMessage(xhr) {
		var type = xhr.getResponseHeader("Content-Type") || "";
		var text = (xhr.responseText || "").trim();
		if (type.indexOf("text/plain") === 0 && text && text.length <= maxMessageLength) {
			return text;
		}
		return "";
	}

	document.addEventListener("htmx:responseError", function (event) {
		var xhr = event.detail.xhr;
		showError(serverMessage(xhr) || messages.failed(xhr.status));
	});

	document.addEventListener("htmx:sendError", function () {
		showError(messages.network);
	});
})();
