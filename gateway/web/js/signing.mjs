// Signing, on every signing page: the conventions ticked in the table (or the one of the legal
// representative's emailed link), then in the DSFR dialog #signature (1) the phone number that
// receives the code, (2) the code, (3) the drawn signature; « Signer » sends the code and the
// drawing to the JSON API (session cookie and CSRF token, or the link's token).

import {api, showAlert} from "./api.mjs";
import {signaturePad} from "./signature-pad.mjs";

const STEPS = ["phone", "code", "drawing"];
const CODE_ERRORS = ["WRONG_CODE", "CODE_EXPIRED", "TOO_MANY_ATTEMPTS"];
const clock = new Intl.DateTimeFormat("fr-FR", {hour: "2-digit", minute: "2-digit", timeZone: "Europe/Paris"});

const dialog = document.querySelector("[data-signing-dialog]");
const selection = document.querySelector("[data-signing-selection]");
if (selection) selectionBoxes(selection);
if (dialog) signing(dialog);

// -- the table's checkboxes: « Tout sélectionner » and each row's --------------------------------

function rowBoxes() {
  return Array.from(document.querySelectorAll('input[name="convention_ids"]:not(:disabled)'));
}

function updateSelectAll() {
  const all = document.querySelector("[data-select-all]");
  if (!all) return;
  const boxes = rowBoxes();
  const checked = boxes.filter(box => box.checked).length;
  all.disabled = boxes.length === 0;
  all.checked = boxes.length > 0 && checked === boxes.length;
  all.indeterminate = checked > 0 && checked < boxes.length;
}

// Listened on the form: the table inside it is replaced once conventions are signed.
function selectionBoxes(form) {
  form.addEventListener("change", event => {
    if (event.target.matches("[data-select-all]")) {
      // Read once: each row's change below bubbles back here and updates « Tout sélectionner ».
      const wanted = event.target.checked;
      for (const box of rowBoxes()) {
        if (box.checked === wanted) continue;
        box.checked = wanted;
        // the DSFR marks the row as selected when its checkbox changes
        box.dispatchEvent(new Event("change", {bubbles: true}));
      }
    }
    updateSelectAll();
  });
  updateSelectAll();
}

// -- the dialog ---------------------------------------------------------------------------------

function signing(dialog) {
  const linkToken = dialog.dataset.linkToken || null;
  const forms = Object.fromEntries(STEPS.map(name => [name, dialog.querySelector(`form[data-step="${name}"]`)]));
  const alertBox = dialog.querySelector("[data-signing-alert]");
  const result = document.querySelector("[data-signing-result]");
  const opener = document.querySelector("[data-signing-open]");
  const selectionAlert = document.querySelector("[data-selection-alert]");
  const phoneInput = dialog.querySelector("#signature-phone");
  const codeInput = dialog.querySelector("#signature-code");
  const nameInput = dialog.querySelector("#signature-name");
  const consent = dialog.querySelector("#signature-consent");
  const canvas = dialog.querySelector("[data-signature-pad]");
  const pad = signaturePad(canvas);
  // A convention's own page names its one convention on the dialog: no table to tick.
  const oneId = dialog.dataset.conventionId ? [Number(dialog.dataset.conventionId)] : null;
  const state = {ids: [], phone: "", requestId: null, code: "", done: false};
  const modal = () => window.dsfr(dialog).modal;
  if (!opener) return;

  function focusSoon(element) {
    // The dialog fades in: an element still hidden cannot take the focus yet.
    let tries = 0;
    const attempt = () => {
      element.focus();
      if (document.activeElement !== element && tries++ < 20) setTimeout(attempt, 25);
    };
    attempt();
  }

  function go(name, target = null) {
    STEPS.forEach((step, index) => {
      forms[step].hidden = step !== name;
      if (step !== name) return;
      dialog.querySelector("[data-step-title]").textContent = forms[step].dataset.title;
      dialog.querySelector("[data-step-state]").textContent = `Étape ${index + 1} sur ${STEPS.length}`;
      dialog.querySelector("[data-step-bar]").setAttribute("data-fr-current-step", String(index + 1));
      const next = forms[STEPS[index + 1]];
      dialog.querySelector("[data-step-next]").hidden = !next;
      if (next) dialog.querySelector("[data-step-next-title]").textContent = next.dataset.title;
    });
    alertBox.replaceChildren();
    if (name === "drawing") pad.resize();
    focusSoon(target || forms[name].querySelector("input:not([type=hidden]), button"));
  }

  function clearErrors() {
    alertBox.replaceChildren();
    for (const message of dialog.querySelectorAll(".fr-error-text")) {
      message.hidden = true;
      message.textContent = "";
    }
    for (const field of dialog.querySelectorAll("[aria-invalid]")) {
      field.removeAttribute("aria-invalid");
      field.classList.remove("fr-input--error");
      field.closest(".fr-input-group, .fr-checkbox-group")?.classList.remove("fr-input-group--error", "fr-checkbox-group--error");
    }
  }

  // The message under a field, in the DSFR's error state; the field takes the focus.
  function fieldError(field, text, focus = true) {
    const message = dialog.querySelector(`#${field.id}-messages`);
    message.textContent = text;
    message.hidden = false;
    field.setAttribute("aria-invalid", "true");
    if (field.classList.contains("fr-input")) field.classList.add("fr-input--error");
    field.closest(".fr-input-group")?.classList.add("fr-input-group--error");
    field.closest(".fr-checkbox-group")?.classList.add("fr-checkbox-group--error");
    if (focus) field.focus();
  }

  async function busy(button, action, onError) {
    button.disabled = true;
    try {
      await action();
    } catch (error) {
      onError(error);
    } finally {
      button.disabled = false;
    }
  }

  function selectedIds() {
    if (oneId) return oneId;
    return rowBoxes().filter(box => box.checked).map(box => Number(box.value));
  }

  function sameIds(first, second) {
    return first.length === second.length && first.every((id, index) => id === second[index]);
  }

  // -- opening and closing ----------------------------------------------------------------------

  opener.form.addEventListener("submit", event => {
    event.preventDefault();
    if (selectionAlert) selectionAlert.replaceChildren();
    if (!linkToken) {
      const ids = selectedIds();
      if (!ids.length) {
        showAlert(selectionAlert || result, "error", "Cochez au moins une convention prête à signer.");
        (rowBoxes()[0] || opener).focus();
        return;
      }
      if (!sameIds(ids, state.ids)) state.requestId = null;
      state.ids = ids;
    }
    clearErrors();
    state.done = false;
    modal().disclose();
    go(state.requestId ? "code" : "phone");
  });

  // The DSFR leaves Escape to the field that has the focus: here it always closes the dialog.
  dialog.addEventListener("keydown", event => {
    if (event.key === "Escape") {
      event.preventDefault();
      modal().conceal();
    }
  });

  dialog.addEventListener("dsfr.conceal", () => {
    if (state.done) focusSoon(result);
    else focusSoon(opener);
  });

  // -- (1) the phone number, (2) the code ------------------------------------------------------

  async function askCode(phone) {
    const body = linkToken ? {link_token: linkToken, phone} : {convention_ids: state.ids, phone};
    const answer = await api("POST", "/api/v1/signatures/code", body);
    state.requestId = answer.signature_request_id;
    state.phone = phone;
    const count = (answer.convention_ids || state.ids).length;
    const forWhat = linkToken ? "" : count === 1 ? " pour la convention sélectionnée" : ` pour les ${count} conventions sélectionnées`;
    const until = answer.expires_at ? ` Il est valable jusqu'à ${clock.format(new Date(answer.expires_at))}.` : "";
    showAlert(
      forms.code.querySelector("[data-code-sent]"), "success",
      `Un code à 6 chiffres a été envoyé au ${answer.masked_phone || phone}${forWhat}.${until}`,
    );
    codeInput.value = "";
  }

  forms.phone.addEventListener("submit", async event => {
    event.preventDefault();
    clearErrors();
    const phone = phoneInput.value.trim();
    if (!phone) {
      fieldError(phoneInput, "Indiquez le numéro de téléphone portable qui recevra le code.");
      return;
    }
    await busy(event.submitter || forms.phone.querySelector("button[type=submit]"), async () => {
      await askCode(phone);
      go("code");
    }, error => {
      const text = error.fields && error.fields.phone ? error.fields.phone.join(" ") : error.message;
      if ((error.fields && error.fields.phone) || error.status === 429) fieldError(phoneInput, text);
      else showAlert(alertBox, "error", error.message);
    });
  });

  forms.code.querySelector("[data-resend]").addEventListener("click", async event => {
    clearErrors();
    await busy(event.currentTarget, async () => {
      await askCode(state.phone || phoneInput.value.trim());
      codeInput.focus();
    }, error => showAlert(alertBox, "error", error.message));
  });

  forms.code.addEventListener("submit", event => {
    event.preventDefault();
    clearErrors();
    const code = codeInput.value.replace(/\s/g, "");
    if (!/^\d{6}$/.test(code)) {
      fieldError(codeInput, "Le code reçu par SMS compte 6 chiffres.");
      return;
    }
    state.code = code;
    go("drawing");
  });

  for (const button of dialog.querySelectorAll("[data-go]")) {
    button.addEventListener("click", () => {
      clearErrors();
      go(button.dataset.go);
    });
  }

  // -- (3) the drawing, and signing ---------------------------------------------------------------

  dialog.querySelector("[data-clear]").addEventListener("click", () => {
    pad.clear();
    clearErrors();
  });

  dialog.querySelector("[data-write-name]").addEventListener("click", () => {
    clearErrors();
    const name = nameInput.value.trim();
    if (!name) {
      showAlert(alertBox, "error", "Écrivez votre nom avant de l'apposer comme signature.");
      nameInput.focus();
      return;
    }
    pad.writeName(name);
    showAlert(alertBox, "info", "Votre nom est apposé comme signature dans le cadre.");
  });

  forms.drawing.addEventListener("submit", async event => {
    event.preventDefault();
    clearErrors();
    if (pad.isEmpty()) {
      const text = "Dessinez votre signature dans le cadre (ou apposez votre nom) avant de signer.";
      // the canvas cannot take the focus: its message is an alert, read when it appears
      fieldError(canvas, text, false);
      canvas.scrollIntoView({block: "center"});
      return;
    }
    if (consent && !consent.checked) {
      fieldError(consent, "Cochez « J'ai lu la convention et j'accepte de la signer. » pour signer.");
      return;
    }
    const body = {signature_request_id: state.requestId, code: state.code, signature_image: pad.toDataURL()};
    if (linkToken) body.link_token = linkToken;
    await busy(event.submitter || forms.drawing.querySelector("button[type=submit]"), async () => {
      const answer = await api("POST", "/api/v1/signatures/sign", body);
      await signed(answer.signed || []);
    }, refused);
  });

  // A refused signature: back to the code when the code is the problem, else said here.
  function refused(error) {
    if (CODE_ERRORS.includes(error.code)) {
      go("code");
      if (error.code !== "WRONG_CODE") {
        state.requestId = null;
        codeInput.value = "";
      }
      fieldError(codeInput, error.message);
      return;
    }
    showAlert(alertBox, "error", error.message);
  }

  async function signed(ids) {
    state.done = true;
    state.requestId = null;
    state.code = "";
    codeInput.value = "";
    pad.clear();
    if (linkToken) {
      opener.form.hidden = true;
      const now = await api("GET", `/api/v1/signatures/link?token=${encodeURIComponent(linkToken)}`).catch(() => null);
      showAlert(result, "success", now && now.status === "signed_by_all"
        ? "Merci : votre signature est enregistrée et toutes les parties ont signé. La convention signée sera " +
          "téléchargeable avec le lien ci-dessus dans quelques instants."
        : "Merci : votre signature est enregistrée. La convention sera définitive quand toutes les parties " +
          "l'auront signée ; vous pourrez alors la télécharger avec le lien ci-dessus.");
    } else {
      state.ids = [];
      if (oneId) opener.form.hidden = true;  // signed: nothing more to sign on this page
      showAlert(result, "success", dialog.dataset.success || `${ids.length} convention(s) signée(s).`);
      await refreshTable();
    }
    modal().conceal();
  }
}

// The table (or a convention's state) again as the server shows it now, in place of the old one.
async function refreshTable() {
  const region = document.querySelector("[data-signing-refresh]");
  if (!region) return;
  try {
    const response = await fetch(location.href, {credentials: "same-origin", headers: {Accept: "text/html"}});
    if (!response.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.getElementById(region.id);
    if (fresh) region.replaceWith(document.importNode(fresh, true));
  } catch (networkError) {
    // the signatures are recorded: the table is only out of date until the page is reloaded
  }
  updateSelectAll();
}
