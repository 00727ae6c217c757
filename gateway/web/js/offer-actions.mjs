// « Supprimer » on Mes offres and on an offer's preview: the DSFR confirmation modal. Without
// JavaScript the same button opens a confirmation page.

const modal = document.getElementById("confirmer-suppression");

for (const trigger of document.querySelectorAll("form[data-delete-title]")) {
  trigger.addEventListener("submit", event => {
    if (!modal || !window.dsfr) return;
    event.preventDefault();
    modal.querySelector("[data-delete-name]").textContent = trigger.dataset.deleteTitle;
    modal.querySelector("form[data-delete-confirm]").action = trigger.action;
    window.dsfr(modal).modal.disclose();
  });
}
