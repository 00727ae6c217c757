// Ressources utiles: the « Copier » buttons copy the e-mail signature shown above them.
// Without JavaScript (or a clipboard), the buttons stay hidden: the text can be selected.

function copyButtons() {
  if (!navigator.clipboard) return;
  for (const button of document.querySelectorAll("button[data-copy]")) {
    const source = document.getElementById(button.dataset.copy);
    const status = document.getElementById(button.dataset.copyStatus);
    if (!source) continue;
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(source.textContent);
        if (status) status.textContent = "Signature copiée dans le presse-papiers.";
      } catch {
        if (status) status.textContent = "La copie a échoué : sélectionnez le texte et copiez-le.";
      }
    });
  }
}

copyButtons();
