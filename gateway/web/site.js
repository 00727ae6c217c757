// What the platform's pages share: calling the API with the session kept in sessionStorage,
// logging in, and showing the API's French messages (always as text, never as HTML).
"use strict";
const TOKEN_KEY = "1e1s.token";
const USER_KEY = "1e1s.user";

// What a page may set (Object.assign(pageSettings, {...}) before its first call):
// - fieldLabels: how show() names the API's fields ({phone: "Téléphone"}; else the field's own name);
// - fieldInputs: the id of the input each field marks aria-invalid when the API refuses it;
// - sendSession: false on a page reached by an emailed link, whose calls never carry the session;
// - onSignOut: what the page does too when the session ends (logging out, or a 401 from the API).
const pageSettings = {fieldLabels: {}, fieldInputs: {}, sendSession: true, onSignOut: null};

class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || "Une erreur s'est produite (" + status + "). Réessayez plus tard.");
    this.status = status;
    this.code = body && body.code;
    this.fields = (body && body.fields) || null;
  }
}

async function apiCall(method, path, body) {
  const init = {method, headers: {"Accept": "application/json"}};
  const token = pageSettings.sendSession ? sessionStorage.getItem(TOKEN_KEY) : null;
  if (token) init.headers["Authorization"] = "Bearer " + token;
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
  if (response.status === 401 && token) signOut();
  if (!response.ok) {
    let data = null;
    try { data = await response.json(); } catch (notJson) { data = null; }
    throw new ApiError(response.status, data);
  }
  return response;
}

// The JSON the API answers, or null (204, or an answer that is not JSON).
async function api(method, path, body) {
  const response = await apiCall(method, path, body);
  if (response.status === 204) return null;
  try { return await response.json(); } catch (notJson) { return null; }
}

function keepSession(login) {
  sessionStorage.setItem(TOKEN_KEY, login.token);
  sessionStorage.setItem(USER_KEY, JSON.stringify(login.user || {}));
}

async function logIn(email, password) {
  const login = await api("POST", "/api/v1/auth/login", {email, password});
  keepSession(login);
  return login;
}

function currentUser() {
  const stored = sessionStorage.getItem(USER_KEY);
  if (!sessionStorage.getItem(TOKEN_KEY) || !stored) return null;
  try { return JSON.parse(stored); } catch (broken) { return null; }
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(USER_KEY);
  if (pageSettings.onSignOut) pageSettings.onSignOut();
}

// One message in #messages (an aria-live region), with the API's refusals field by field; the
// inputs of those fields are marked aria-invalid, and only those. Every text goes through
// textContent: a name from the API is never read as HTML.
function show(kind, text, fields, labels = pageSettings.fieldLabels, inputs = pageSettings.fieldInputs) {
  document.querySelectorAll("[aria-invalid]").forEach(input => input.removeAttribute("aria-invalid"));
  const messages = document.getElementById("messages");
  messages.replaceChildren();
  const box = document.createElement("div");
  box.className = "alert " + kind;
  const paragraph = document.createElement("p");
  paragraph.textContent = text;
  box.append(paragraph);
  if (fields) {
    const list = document.createElement("ul");
    for (const [name, texts] of Object.entries(fields)) {
      const input = inputs[name] && document.getElementById(inputs[name]);
      if (input) input.setAttribute("aria-invalid", "true");
      // A field whose message is the main one already shown is only marked, not listed again.
      if (texts.join(" ") === text) continue;
      const item = document.createElement("li");
      item.textContent = (labels[name] || name) + " : " + texts.join(" ");
      list.append(item);
    }
    if (list.children.length) box.append(list);
  }
  messages.append(box);
}

function showError(error) {
  show("error", error.message, error.fields);
}

// Runs action() with the button disabled meanwhile; an error goes to onError (shown by default).
async function whileDisabled(button, action, onError = showError) {
  button.disabled = true;
  try {
    await action();
  } catch (error) {
    onError(error);
  } finally {
    button.disabled = false;
  }
}

// "2026-06-15" as "15 juin 2026" (with {weekday: "long"}: "lundi 15 juin 2026").
function frenchDate(value, options = {}) {
  const [year, month, day] = String(value).split("-").map(Number);
  if (!year || !month || !day) return value || "";
  return new Date(year, month - 1, day).toLocaleDateString("fr-FR", {...options, day: "numeric", month: "long", year: "numeric"});
}

// An instant of the API as "14:05", Paris time ("" if it is not a date).
function frenchTime(instant) {
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) return "";
  return date.toLocaleTimeString("fr-FR", {hour: "2-digit", minute: "2-digit", timeZone: "Europe/Paris"});
}

// The login form of a page (#login-form with #email and #password): calls then() once logged in.
function loginForm(then) {
  const form = document.getElementById("login-form");
  form.addEventListener("submit", async event => {
    event.preventDefault();
    try {
      await logIn(document.getElementById("email").value.trim(), document.getElementById("password").value);
      form.hidden = true;
      await then();
    } catch (error) {
      showError(error);
    }
  });
  if (currentUser()) {
    form.hidden = true;
    then();
  }
}
