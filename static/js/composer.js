// The ticket composer: a preview rendered by the server (the same renderer the message is stored
// with, so the preview is what is sent), images pasted or dropped into the text (stored at once,
// then referenced from the Markdown), and the Cc field shown only for public replies.
const body = document.getElementById("body");
const csrf = document.querySelector('meta[name="csrf-token"]')?.content;

if (body && csrf) {
  const toggle = document.getElementById("preview-toggle");
  const preview = document.getElementById("preview");
  const out = preview?.querySelector(".body");
  const status = document.getElementById("upload-status");
  const error = document.getElementById("upload-error");
  const changed = () => body.dispatchEvent(new Event("input", { bubbles: true }));

  // ---- Preview
  let asked = 0;
  const render = async () => {
    const mine = ++asked;
    let text;
    try {
      const res = await fetch(toggle.dataset.url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "x-csrf-token": csrf, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ body: body.value }),
      });
      text = res.ok ? await res.text() : null;
    } catch {
      text = null;
    }
    // An older answer arriving after a newer one would show text the agent already changed.
    if (mine !== asked) return;
    if (text === null) {
      out.textContent = preview.dataset.failed;
    } else if (!text.trim()) {
      out.textContent = preview.dataset.empty;
    } else {
      // Sanitised by the server (ammonia), as the stored message will be.
      out.innerHTML = text;
    }
  };
  let timer = null;
  body.addEventListener("input", () => {
    if (preview.hidden) return;
    clearTimeout(timer);
    timer = setTimeout(render, 300);
  });
  toggle?.addEventListener("click", async () => {
    const show = preview.hidden;
    preview.hidden = !show;
    toggle.setAttribute("aria-expanded", String(show));
    toggle.textContent = show ? toggle.dataset.hide : toggle.dataset.show;
    if (show) await render();
    else body.focus();
  });

  // ---- Cc only goes with public replies.
  const cc = document.getElementById("cc-field");
  const syncKind = () => {
    const note = document.querySelector("input[name=kind][value=note]")?.checked;
    if (cc) cc.hidden = Boolean(note);
  };
  document.querySelectorAll("input[name=kind]").forEach((r) => r.addEventListener("change", syncKind));
  syncKind();

  // ---- Images pasted or dropped into the text.
  const say = (msg) => { if (status) status.textContent = msg; };
  const fail = (msg) => { say(""); error.textContent = msg; error.hidden = false; };
  const insert = (text) => {
    const at = body.selectionStart ?? body.value.length;
    const end = body.selectionEnd ?? at;
    const before = body.value.slice(0, at);
    const gap = before && !before.endsWith("\n") ? "\n" : "";
    body.value = before + gap + text + "\n" + body.value.slice(end);
    const caret = (before + gap + text + "\n").length;
    body.setSelectionRange(caret, caret);
    changed();
  };
  const upload = async (file) => {
    error.hidden = true;
    say(body.dataset.uploading);
    const form = new FormData();
    // The token goes first: the server checks it before it reads a file.
    form.append("_csrf", csrf);
    form.append("file", file, file.name || "image.png");
    let res;
    try {
      res = await fetch(body.dataset.uploadUrl, { method: "POST", credentials: "same-origin", body: form });
    } catch {
      return fail(body.dataset.uploadFailed);
    }
    if (res.status === 413) return fail(body.dataset.tooLarge);
    if (res.status === 422) return fail(body.dataset.notImage);
    if (!res.ok) return fail(body.dataset.uploadFailed);
    const data = await res.json();
    insert(data.markdown);
    say(body.dataset.uploaded);
  };
  const files = (list) => [...(list || [])].filter(Boolean);
  body.addEventListener("paste", (e) => {
    const pasted = files([...(e.clipboardData?.items || [])].filter((i) => i.kind === "file").map((i) => i.getAsFile()));
    if (!pasted.length) return;
    e.preventDefault();
    pasted.reduce((p, f) => p.then(() => upload(f)), Promise.resolve());
  });
  body.addEventListener("dragover", (e) => {
    if ([...(e.dataTransfer?.types || [])].includes("Files")) e.preventDefault();
  });
  body.addEventListener("drop", (e) => {
    const dropped = files(e.dataTransfer?.files);
    if (!dropped.length) return;
    e.preventDefault();
    dropped.reduce((p, f) => p.then(() => upload(f)), Promise.resolve());
  });
}
