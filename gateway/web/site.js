// What the platform's pages share: calling the API with the session kept in sessionStorage,
// logging in, and showing the API's French messages (always as text, never as HTML).
"use strict";
const TOKEN_KEY = "1e1s.token";
const USER_KEY = "1e1s.user";

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
  const token = sessionStorage.getItem(TOKEN_KEY);
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

async function api(method, path, body) {
  const response = await apiCall(method, path, body);
  return response.status === 204 ? null : response.json();
}

function keepSession(login) {
  sessionStorage.setItem(TOKEN_KEY, login.token);
  sessionStorage.setItem(USER_KEY, JSON.stringify(login.user));
}

function currentUser() {
  const stored = sessionStorage.getItem(USER_KEY);
  return sessionStorage.getItem(TOKEN_KEY) && stored ? JSON.parse(stored) : null;
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(USER_KEY);
}

function show(kind, text, fields) {
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
      const item = document.createElement("li");
      item.textContent = name + " : " + texts.join(" ");
      list.append(item);
    }
    box.append(list);
  }
  messages.append(box);
}

function showError(error) {
  show("error", error.message, error.fields);
}

function frenchDate(value) {
  const [year, month, day] = String(value).split("-").map(Number);
  if (!year || !month || !day) return value || "";
  return new Date(year, month - 1, day).toLocaleDateString("fr-FR", {day: "numeric", month: "long", year: "numeric"});
}

// The login form of a page (#login-form with #email and #password): calls then() once logged in.
function loginForm(then) {
  const form = document.getElementById("login-form");
  form.addEventListener("submit", async event => {
    event.preventDefault();
    try {
      const login = await api("POST", "/api/v1/auth/login", {
        email: document.getElementById("email").value.trim(),
        password: document.getElementById("password").value,
      });
      keepSession(login);
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
