// Fails in the ways a broken Gatehouse page would: an uncaught error, an
// unhandled rejection, and a console.error.
"use strict";
document.getElementById("status").textContent = "ran";
console.error("lock list failed", 42);
Promise.reject(new Error("rejected on purpose"));
throw new Error("thrown on purpose");
