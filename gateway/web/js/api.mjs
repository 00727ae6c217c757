// Calls of the JSON API from a page: the session travels in its HttpOnly cookie, the page's
// CSRF token in the X-CSRF-Token header. The API's French messages come back as ApiError.

const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `Une erreur s'est produite (${status}). Réessayez plus tard.`);
    this.status = status;
    this.code = body && body.code;
    this.fields = (body && body.fields) || null;
  }
}

export async function api(method, path, body) {
  const init = {method, credentials: "same-origin", headers: {"Accept": "application/json", "X-CSRF-Token": csrfToken()}};
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (networkError) {
    throw new ApiError(0, {message: "Le service est momentanément indisponible. Vérifiez votre connexion et réessayez."});
  }
  let data = null;
  if (response.status !== 204) {
    try { data = await response.json(); } catch (notJson) { data = null; }
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// A DSFR alert in `container` (text only: a message from the API is never read as HTML).
export function showAlert(container, kind, text, fields = null, labels = {}) {
  container.replaceChildren();
  const box = document.createElement("div");
  box.className = `fr-alert fr-alert--${kind} fr-alert--sm`;
  box.setAttribute("role", kind === "error" ? "alert" : "status");
  const paragraph = document.createElement("p");
  paragraph.textContent = text;
  box.append(paragraph);
  if (fields) {
    const list = document.createElement("ul");
    for (const [name, texts] of Object.entries(fields)) {
      if (texts.join(" ") === text) continue;
      const item = document.createElement("li");
      item.textContent = `${labels[name] || name} : ${texts.join(" ")}`;
      list.append(item);
    }
    if (list.children.length) box.append(list);
  }
  container.append(box);
}
