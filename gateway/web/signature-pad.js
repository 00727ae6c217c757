// The signature step the signing pages share (loaded after /static/site.js, whose show() it uses):
// a signature drawn with the mouse or a finger in a canvas (pointer events; the canvas has
// touch-action: none in /static/site.css), or the name typed in #typed-name written in it instead,
// then the 6-digit code received by SMS.
"use strict";

function signaturePad(canvas) {
  const context = canvas.getContext("2d");
  let drawing = false;
  let last = null;
  let ink = 0;
  let width = 0;

  function style() {
    context.lineWidth = 2.5;
    context.lineCap = "round";
    context.lineJoin = "round";
    context.strokeStyle = "#161616";
    context.fillStyle = "#161616";
  }

  // Only a change of width resizes (a phone's address bar hiding changes the height of the
  // window on scroll): the drawing so far is kept, scaled to the new size.
  function resize() {
    const rect = canvas.getBoundingClientRect();
    if (!rect.width || rect.width === width) return;
    width = rect.width;
    const ratio = Math.min(window.devicePixelRatio || 1, 2);
    const copy = document.createElement("canvas");
    copy.width = canvas.width;
    copy.height = canvas.height;
    if (ink) copy.getContext("2d").drawImage(canvas, 0, 0);
    canvas.width = Math.round(rect.width * ratio);
    canvas.height = Math.round(rect.height * ratio);
    if (ink && copy.width && copy.height) context.drawImage(copy, 0, 0, canvas.width, canvas.height);
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    style();
  }

  function point(event) {
    const rect = canvas.getBoundingClientRect();
    return {x: event.clientX - rect.left, y: event.clientY - rect.top};
  }

  canvas.addEventListener("pointerdown", event => {
    if (event.pointerType === "mouse" && event.button !== 0) return;
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    drawing = true;
    last = point(event);
    context.beginPath();
    context.arc(last.x, last.y, 1.25, 0, 2 * Math.PI);
    context.fill();
  });
  canvas.addEventListener("pointermove", event => {
    if (!drawing) return;
    event.preventDefault();
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
    for (const each of events.length ? events : [event]) {
      const next = point(each);
      context.beginPath();
      context.moveTo(last.x, last.y);
      context.lineTo(next.x, next.y);
      context.stroke();
      ink += Math.hypot(next.x - last.x, next.y - last.y);
      last = next;
    }
  });
  for (const name of ["pointerup", "pointercancel", "lostpointercapture"]) {
    canvas.addEventListener(name, () => { drawing = false; });
  }
  window.addEventListener("resize", resize);

  return {
    resize,
    clear() {
      context.save();
      context.setTransform(1, 0, 0, 1, 0, 0);
      context.clearRect(0, 0, canvas.width, canvas.height);
      context.restore();
      ink = 0;
    },
    // A tap or a scribble shorter than this is not a signature.
    isEmpty() { return ink < 20; },
    writeName(name) {
      this.clear();
      const rect = canvas.getBoundingClientRect();
      let size = Math.min(48, rect.height / 2.5);
      context.font = "italic " + size + "px 'Segoe Script', 'Brush Script MT', 'Lucida Handwriting', cursive";
      while (size > 12 && context.measureText(name).width > rect.width - 24) {
        size -= 2;
        context.font = "italic " + size + "px 'Segoe Script', 'Brush Script MT', 'Lucida Handwriting', cursive";
      }
      context.textAlign = "center";
      context.textBaseline = "middle";
      context.fillText(name, rect.width / 2, rect.height / 2);
      ink = 1000;
    },
    toDataURL() { return canvas.toDataURL("image/png"); },
  };
}

// The pad of canvas #signature with its buttons: #clear ("Effacer") and #use-name, which writes
// the name typed in #typed-name as the signature (for who cannot draw).
function signatureField() {
  const pad = signaturePad(document.getElementById("signature"));
  document.getElementById("clear").addEventListener("click", () => {
    pad.clear();
  });
  document.getElementById("use-name").addEventListener("click", () => {
    const name = document.getElementById("typed-name").value.trim();
    if (!name) {
      show("error", "Écrivez votre nom avant de l'apposer comme signature.");
      document.getElementById("typed-name").setAttribute("aria-invalid", "true");
      document.getElementById("typed-name").focus();
      return;
    }
    pad.writeName(name);
    show("info", "Votre nom est apposé comme signature dans le cadre.");
  });
  return pad;
}

// The phone number typed in #phone, or null once the page has said it is missing.
function typedPhone() {
  const phone = document.getElementById("phone").value.trim();
  if (!phone) {
    show("error", "Indiquez votre numéro de téléphone portable.", {phone: ["Ce champ est obligatoire."]});
    document.getElementById("phone").focus();
    return null;
  }
  return phone;
}

// Once the API has sent the code (answer of POST /api/v1/signatures/code): says where and until
// when (forWhat: "" or " pour …"), then opens #sign-form at the code.
function codeSent(pad, answer, phone, forWhat) {
  const until = frenchTime(answer.expires_at);
  show("success", "Un code à 6 chiffres a été envoyé au " + (answer.masked_phone || phone) + forWhat + "." +
    (until ? " Il est valable jusqu'à " + until + "." : ""));
  document.getElementById("phone-submit").textContent = "Recevoir un nouveau code";
  document.getElementById("sign-form").hidden = false;
  pad.resize();
  document.getElementById("code").focus();
}

// The 6 digits typed in #code if a signature is drawn (or a name written) too; else null once
// the page has said what is missing.
function signingCode(pad) {
  const code = document.getElementById("code").value.replace(/\s/g, "");
  if (!/^\d{6}$/.test(code)) {
    show("error", "Le code reçu par SMS compte 6 chiffres.", {code: ["Indiquez les 6 chiffres reçus par SMS."]});
    document.getElementById("code").focus();
    return null;
  }
  if (pad.isEmpty()) {
    show("error", "Dessinez votre signature dans le cadre (ou apposez votre nom) avant de signer.");
    document.getElementById("signature").scrollIntoView({block: "center"});
    return null;
  }
  return code;
}

// A refused signature: the message, then the way on (a new code, or the code typed again).
function showSigningError(error) {
  showError(error);
  if (error.code === "CODE_EXPIRED" || error.code === "TOO_MANY_ATTEMPTS") {
    document.getElementById("code").value = "";
    document.getElementById("phone-submit").focus();
  } else if (error.code === "WRONG_CODE") {
    document.getElementById("code").setAttribute("aria-invalid", "true");
    document.getElementById("code").focus();
  }
}
