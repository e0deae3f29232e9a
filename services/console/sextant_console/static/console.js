// Progressive enhancement only: every page works without this file.
"use strict";

// What was typed into a form as it is sent, kept in this tab until the next page: a form the
// console or an API refuses comes back with the reason and with what was typed, not empty.
// Hidden fields (the form's nonce) stay as the new page has them; a token never is kept.
const TYPED = "sextant-typed:";

function kept(form) {
  const typed = [];
  for (const field of form.elements) {
    if (!field.name || ["hidden", "password", "file", "submit", "button"].includes(field.type)) {
      continue;
    }
    const choosing = field.type === "checkbox" || field.type === "radio";
    typed.push([field.name, field.value, choosing ? field.checked : null]);
  }
  return typed;
}

function restore(form, typed) {
  for (const [name, value, checked] of typed) {
    for (const field of form.elements) {
      if (field.name !== name) continue;
      if (checked === null) field.value = value;
      else if (field.value === value) field.checked = checked;
    }
  }
  const folded = form.closest("details");
  if (folded) folded.open = true;
  form.scrollIntoView({ block: "center" });
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const question = form.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
    return;
  }
  const action = form.getAttribute("action");
  if (form.method !== "post" || action === "/login" || form.enctype === "multipart/form-data") {
    return;
  }
  try {
    sessionStorage.setItem(TYPED + action, JSON.stringify(kept(form)));
  } catch (full) {
    // No storage (private mode, full): the form is sent all the same.
  }
});

try {
  const refused = document.querySelector(".flash-error") !== null;
  for (const key of Object.keys(sessionStorage)) {
    if (!key.startsWith(TYPED)) continue;
    const typed = JSON.parse(sessionStorage.getItem(key));
    sessionStorage.removeItem(key);
    const action = key.slice(TYPED.length);
    const forms = [...document.forms].filter((f) => f.getAttribute("action") === action);
    if (refused && forms.length === 1) restore(forms[0], typed);
  }
} catch (unreadable) {
  // Nothing kept, or storage refused: the page is as the server sent it.
}
