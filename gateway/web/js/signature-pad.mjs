// A signature drawn in a canvas with the mouse, a finger or a pen (pointer events: the canvas has
// touch-action: none in app.css, so that drawing does not scroll the page), or a name written in
// it for who cannot draw; exported as a PNG data URL with a transparent background.

const INK = "#161616";
const HANDWRITING = "'Segoe Script', 'Brush Script MT', 'Lucida Handwriting', cursive";
// Fewer pixels of line than this (a tap, a dot) is not a signature.
const MIN_INK = 20;

export function signaturePad(canvas) {
  const context = canvas.getContext("2d");
  let drawing = false;
  let last = null;
  let ink = 0;
  let width = 0;

  function pen() {
    context.lineWidth = 2.5;
    context.lineCap = "round";
    context.lineJoin = "round";
    context.strokeStyle = INK;
    context.fillStyle = INK;
  }

  // Only a change of width resizes (a phone's address bar that hides on scroll changes the
  // window's height): the drawing so far is kept, scaled to the new size.
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
    pen();
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
    // A pen or a finger moves faster than the screen refreshes: draw every point it went through.
    const coalesced = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
    for (const each of coalesced.length ? coalesced : [event]) {
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
    isEmpty() { return ink < MIN_INK; },
    // The name, in a handwriting font, as large as the frame allows.
    writeName(name) {
      this.clear();
      const rect = canvas.getBoundingClientRect();
      let size = Math.min(48, rect.height / 2.5);
      context.font = `italic ${size}px ${HANDWRITING}`;
      while (size > 12 && context.measureText(name).width > rect.width - 24) {
        size -= 2;
        context.font = `italic ${size}px ${HANDWRITING}`;
      }
      context.textAlign = "center";
      context.textBaseline = "middle";
      context.fillText(name, rect.width / 2, rect.height / 2);
      ink = 1000;
    },
    toDataURL() { return canvas.toDataURL("image/png"); },
  };
}
