/*
 * "Give access" form helpers, bound by data attributes (no inline script). The
 * form works without them: the preset is then a GET (?nights=3) that pre-fills
 * the fields, and every field is simply shown.
 *
 *   [data-nights-fill]   button: fills check-in (today, data-check-in) and
 *                        check-out (N nights later, data-check-out) from the
 *                        select [data-nights]; data-today is today in the door's zone
 *   [data-guest-select]  select: an existing guest hides the new-guest fields
 *   [data-permanent]     checkbox: a permanent access disables the window fields
 *   [data-pin-mode]      radios: "generate" shows the length, "own" the code field
 *   input[data-zone]     door checkboxes: the first checked door names the zone
 *                        in [data-zone-name]
 */
(function () {
	"use strict";

	function form() {
		return document.querySelector("[data-access-form]");
	}

	function field(f, name) {
		return f.querySelector('[name="' + name + '"]');
	}

	// addDays works on calendar dates in UTC, so no DST change can shift the day.
	function addDays(isoDate, n) {
		var p = isoDate.split("-").map(Number);
		return new Date(Date.UTC(p[0], p[1] - 1, p[2] + n)).toISOString().slice(0, 10);
	}

	function fillNights(button) {
		var f = form();
		var select = document.querySelector("[data-nights]");
		if (!f || !select) {
			return;
		}
		var today = button.getAttribute("data-today");
		field(f, "starts_date").value = today;
		field(f, "starts_time").value = button.getAttribute("data-check-in");
		field(f, "ends_date").value = addDays(today, Number(select.value));
		field(f, "ends_time").value = button.getAttribute("data-check-out");
		var permanent = f.querySelector("[data-permanent]");
		if (permanent && permanent.checked) {
			permanent.checked = false;
			sync();
		}
		field(f, "ends_date").focus();
	}

	function sync() {
		var f = form();
		if (!f) {
			return;
		}
		var guest = f.querySelector("[data-guest-select]");
		var newGuest = f.querySelector("[data-new-guest]");
		if (guest && newGuest) {
			newGuest.hidden = guest.value !== "";
		}
		var permanent = f.querySelector("[data-permanent]");
		f.querySelectorAll("[data-window]").forEach(function (fs) {
			fs.disabled = !!(permanent && permanent.checked);
		});
		var own = f.querySelector('[data-pin-mode][value="own"]');
		var pin = field(f, "pin");
		var length = f.querySelector(".pin-length");
		if (own && pin && length) {
			pin.closest(".field").hidden = !own.checked;
			length.hidden = own.checked;
		}
		var door = f.querySelector("input[data-zone]:checked");
		var zoneName = f.querySelector("[data-zone-name]");
		if (door && zoneName) {
			zoneName.textContent = door.getAttribute("data-zone");
		}
	}

	document.addEventListener("click", function (event) {
		var button = event.target.closest("[data-nights-fill]");
		if (button) {
			event.preventDefault();
			fillNights(button);
		}
	});

	document.addEventListener("change", function (event) {
		if (event.target.closest("[data-access-form]")) {
			sync();
		}
	});

	if (document.readyState === "loading") {
		document.addEventListener("DOMContentLoaded", sync);
	} else {
		sync();
	}
})();
