// Tous mes espaces: a change confirmed in its DSFR modal (page.mjs opens it, then submits the
// form again) is sent with « confirme=oui », so the server does not ask a second time on its
// confirmation page (the one shown when JavaScript does not run).

for (const form of document.querySelectorAll("form[data-confirm-modal]")) {
  form.addEventListener("submit", () => {
    const field = form.querySelector("[data-confirmed-field]");
    if (field && form.dataset.confirmed === "yes") field.value = "oui";
  });
}
