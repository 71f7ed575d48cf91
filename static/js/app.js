// Meridian console behaviour: progressive enhancement only; every page works without it.

// Ask before destructive actions (buttons marked .danger), unless the page itself is the
// confirmation (data-confirmed, such as the merge preview).
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  if (button && button.classList.contains("danger") && !button.hasAttribute("data-confirmed")
    && !window.confirm(button.textContent.trim() + "?")) {
    event.preventDefault();
  }
});

// On a phone the navigation folds behind a menu button; without this script it stays open.
const menu = document.querySelector(".menu-toggle");
if (menu) {
  document.documentElement.classList.add("js-menu");
  menu.hidden = false;
  menu.addEventListener("click", () => {
    const open = menu.getAttribute("aria-expanded") !== "true";
    menu.setAttribute("aria-expanded", String(open));
    menu.closest(".topbar").classList.toggle("open", open);
  });
}

// The settings menu closes on a click elsewhere or Escape, as menus do.
const settings = document.querySelector(".nav-settings");
if (settings) {
  document.addEventListener("click", (e) => {
    if (settings.open && !settings.contains(e.target)) settings.open = false;
  });
  settings.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && settings.open) {
      settings.open = false;
      settings.querySelector("summary").focus();
    }
  });
}

// Select a freshly shown secret so it can be copied at once.
const secret = document.querySelector("code.secret");
if (secret) {
  const range = document.createRange();
  range.selectNodeContents(secret);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}

const typing = (el) => el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));

// Fetch a server-rendered fragment and swap it in; the server stays the only renderer.
async function refresh(url, target) {
  const res = await fetch(url, { headers: { "x-requested-with": "fetch" }, credentials: "same-origin" });
  if (res.ok) target.innerHTML = await res.text();
}

function debounce(fn, ms) {
  let t;
  return () => { clearTimeout(t); t = setTimeout(fn, ms); };
}

// A long select (agents, teams) gets a search box that hides the options not matching.
for (const select of document.querySelectorAll("select[data-searchable]")) {
  const search = document.createElement("input");
  search.type = "search";
  search.className = "select-search";
  search.placeholder = select.dataset.searchable;
  search.setAttribute("aria-label", select.dataset.searchable);
  search.addEventListener("input", () => {
    const want = search.value.trim().toLowerCase();
    let first = null;
    for (const o of select.options) {
      const show = !o.value || !want || o.textContent.toLowerCase().includes(want);
      o.hidden = !show;
      if (show && o.value && !first) first = o;
    }
    // Typing a name picks the first match, as a combobox would.
    if (want && first) select.value = first.value;
  });
  select.before(search);
}

// ---- Knowledge-base editor: the preview follows the body as it is typed. The server renders and
// sanitises it with the help center's renderer; the page only swaps in what the server returned.
const kbBody = document.querySelector("textarea[data-preview]");
if (kbBody) {
  const target = document.getElementById(kbBody.dataset.preview);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  let asked = 0;
  const update = async () => {
    const mine = ++asked;
    const res = await fetch(target.dataset.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "x-csrf-token": csrf, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ body_markdown: kbBody.value }),
    });
    // An older answer arriving after a newer one would show text the agent already changed.
    if (res.ok && mine === asked) target.innerHTML = await res.text();
  };
  kbBody.addEventListener("input", debounce(update, 250));
}

// ---- Inbox: live rows, queue memory for next/previous, keyboard navigation.
const inbox = document.querySelector('[data-live="inbox"]');
if (inbox) {
  const rowsEl = document.getElementById("inbox-rows");
  const remember = () => {
    const hrefs = [...rowsEl.querySelectorAll("tr[data-href]")].map((r) => r.dataset.href);
    sessionStorage.setItem("meridian.queue", JSON.stringify(hrefs));
  };
  remember();
  const url = new URL(window.location.href);
  url.searchParams.delete("cursor");
  url.searchParams.set("partial", "1");
  const viewsEl = document.getElementById("inbox-views");
  const viewsUrl = new URL(url);
  viewsUrl.searchParams.set("partial", "views");
  // Rows and the sidebar's counts follow every change, here or elsewhere.
  const reload = debounce(() => {
    refresh(url.toString(), rowsEl).then(remember).then(countSelected);
    if (viewsEl) refresh(viewsUrl.toString(), viewsEl);
  }, 150);

  // Select all, and how many are selected.
  const all = document.getElementById("select-all");
  const counter = document.getElementById("selected-count");
  const boxes = () => [...rowsEl.querySelectorAll("input[type=checkbox]")];
  function countSelected() {
    const n = boxes().filter((b) => b.checked).length;
    if (counter) counter.textContent = n ? counter.dataset.template.replace("{n}", n) : "";
    if (all) { all.checked = n > 0 && n === boxes().length; all.indeterminate = n > 0 && n < boxes().length; }
  }
  all?.addEventListener("change", () => { boxes().forEach((b) => { b.checked = all.checked; }); countSelected(); });
  rowsEl.addEventListener("change", countSelected);
  const es = new EventSource("/events");
  es.addEventListener("ticket", reload);
  es.addEventListener("resync", reload);

  let current = -1;
  const rows = () => [...rowsEl.querySelectorAll("tr[data-href]")];
  const focusRow = (i) => {
    const list = rows();
    if (!list.length) return;
    current = Math.max(0, Math.min(i, list.length - 1));
    list.forEach((r, j) => r.classList.toggle("cursor", j === current));
    list[current].scrollIntoView({ block: "nearest" });
  };
  document.addEventListener("keydown", (e) => {
    if (typing(document.activeElement) || e.metaKey || e.ctrlKey || e.altKey) return;
    const list = rows();
    if (e.key === "j") focusRow(current + 1);
    else if (e.key === "k") focusRow(current - 1);
    else if ((e.key === "o" || e.key === "Enter") && list[current]) window.location.href = list[current].dataset.href;
    else if (e.key === "x" && list[current]) {
      const box = list[current].querySelector("input[type=checkbox]");
      box.checked = !box.checked;
      countSelected();
    } else if (e.key === "?") alert(document.querySelector("[data-inbox-shortcuts]").textContent);
  });
}

// ---- Ticket page: live timeline, who else is viewing, shortcuts.
const ticket = document.querySelector('[data-live="ticket"]');
if (ticket) {
  const id = ticket.dataset.ticket;
  const timeline = document.getElementById("timeline");
  const viewers = document.getElementById("viewers");
  // Viewers are told apart by agent id: two agents may share a display name.
  const me = document.querySelector(".me")?.dataset.agent;
  const reload = debounce(() => refresh(`/tickets/${id}/timeline`, timeline), 100);
  const es = new EventSource(`/events?ticket=${encodeURIComponent(id)}`);
  es.addEventListener("ticket", (e) => {
    const data = JSON.parse(e.data);
    if (data.ticket_id === id) reload();
  });
  es.addEventListener("resync", reload);
  // A chat visitor typing: shown until a few seconds pass without another notice.
  const typingNote = document.getElementById("typing");
  let typingTimer = null;
  es.addEventListener("typing", (e) => {
    if (!typingNote || JSON.parse(e.data).ticket_id !== id) return;
    typingNote.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => { typingNote.hidden = true; }, 5000);
  });
  es.addEventListener("presence", (e) => {
    const data = JSON.parse(e.data);
    if (data.ticket_id !== id) return;
    const others = data.viewers.filter((v) => v.id !== me);
    const names = others.map((v) => v.name);
    viewers.textContent = others.length ? `${viewers.dataset.prefix}${names.join(", ")}` : "";
    viewers.dataset.viewers = others.map((v) => v.id).join(",");
  });

  // Writing in a chat's composer: the visitor's widget shows that someone is typing.
  const composerBody = document.getElementById("body");
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content;
  let typedAt = 0;
  if (composerBody && csrf && ticket.dataset.channel === "chat") {
    composerBody.addEventListener("input", () => {
      if (Date.now() - typedAt < 3000) return;
      typedAt = Date.now();
      fetch(`/tickets/${encodeURIComponent(id)}/typing`, {
        method: "POST",
        credentials: "same-origin",
        body: new URLSearchParams({ _csrf: csrf }),
      }).catch(() => {});
    });
  }

  // An unsent reply survives reloads, per ticket. It is dropped once the timeline shows it sent,
  // not on submit: a refused send must not cost the agent their text.
  if (composerBody) {
    const key = `meridian.draft.${id}`;
    const stored = localStorage.getItem(key);
    // Our redirect after a send names the new message (a Markdown draft reads differently from
    // its rendered message, so comparing text alone would keep it). Only the first load of that
    // address counts: a draft begun after the send must survive the next reload.
    const landed = new URLSearchParams(window.location.search).has("sent") ? window.location.hash : "";
    const seen = `meridian.sent.${id}`;
    const justSent = Boolean(landed) && sessionStorage.getItem(seen) !== landed;
    if (justSent) sessionStorage.setItem(seen, landed);
    if (stored !== null) {
      const sent = justSent
        || [...timeline.querySelectorAll(".msg .body")].some((b) => b.textContent.trim() === stored.trim());
      if (sent) localStorage.removeItem(key);
      else if (!composerBody.value) composerBody.value = stored;
    }
    composerBody.addEventListener("input", () => {
      if (composerBody.value.trim()) localStorage.setItem(key, composerBody.value);
      else localStorage.removeItem(key);
    });
  }

  const queue = JSON.parse(sessionStorage.getItem("meridian.queue") || "[]");
  const here = queue.indexOf(`/tickets/${ticket.dataset.number}`);
  const body = document.getElementById("body");
  const kind = (k) => { const r = document.querySelector(`input[name=kind][value=${k}]`); if (r) r.checked = true; };

  // "s" solves only after a few seconds in which the agent can take it back.
  const undo = document.getElementById("solve-undo");
  let solveTimer = null;
  const solveNow = () => { clearTimeout(solveTimer); solveTimer = null; document.getElementById("solve")?.submit(); };
  const cancelSolve = () => { clearTimeout(solveTimer); solveTimer = null; if (undo) undo.hidden = true; };
  const startSolve = () => {
    if (!undo) return;
    if (solveTimer) return;
    undo.hidden = false;
    undo.querySelector("[data-undo]").focus();
    solveTimer = setTimeout(solveNow, Number(undo.dataset.delayMs) || 5000);
  };
  undo?.querySelector("[data-undo]").addEventListener("click", () => { cancelSolve(); document.activeElement.blur(); });
  undo?.querySelector("[data-now]").addEventListener("click", solveNow);

  // Macros: "m" opens the picker; typing filters by name, arrows move, Enter fills the composer
  // with the macro rendered for this ticket, and its actions go with the message (macro_id).
  const picker = document.getElementById("macro-picker");
  const openPicker = () => {
    if (!picker || !body) return;
    const search = document.getElementById("macro-search");
    search.value = "";
    filterMacros();
    picker.showModal();
    search.focus();
  };
  const options = () => [...(picker?.querySelectorAll("[role=option]") || [])];
  const visible = () => options().filter((o) => !o.hidden);
  const select = (o) => {
    options().forEach((x) => x.setAttribute("aria-selected", String(x === o)));
    const search = document.getElementById("macro-search");
    if (o) { search.setAttribute("aria-activedescendant", o.id); o.scrollIntoView({ block: "nearest" }); }
    else search.removeAttribute("aria-activedescendant");
  };
  function filterMacros() {
    const q = document.getElementById("macro-search").value.trim().toLocaleLowerCase();
    options().forEach((o) => { o.hidden = q !== "" && !o.textContent.toLocaleLowerCase().includes(q); });
    document.getElementById("macro-none").hidden = visible().length > 0;
    select(visible()[0]);
  }
  const pickMacro = async (o) => {
    if (!o) return;
    const r = await fetch(picker.dataset.url + encodeURIComponent(o.dataset.id), { credentials: "same-origin" });
    if (!r.ok) return;
    const data = await r.json();
    body.value = data.body;
    body.dispatchEvent(new Event("input"));
    document.getElementById("macro-id").value = o.dataset.id;
    const note = document.getElementById("macro-note");
    note.querySelector("span").textContent = data.actions.length ? `${picker.dataset.will} ${data.actions.join("; ")}` : "";
    note.hidden = data.actions.length === 0;
    picker.close();
    kind("reply");
    body.focus();
  };
  if (picker) {
    const search = document.getElementById("macro-search");
    search.addEventListener("input", filterMacros);
    search.addEventListener("keydown", (e) => {
      const list = visible();
      const at = list.findIndex((o) => o.getAttribute("aria-selected") === "true");
      if (e.key === "ArrowDown") { e.preventDefault(); select(list[Math.min(at + 1, list.length - 1)]); }
      else if (e.key === "ArrowUp") { e.preventDefault(); select(list[Math.max(at - 1, 0)]); }
      else if (e.key === "Enter") { e.preventDefault(); pickMacro(list[at]); }
    });
    picker.querySelector("[role=listbox]").addEventListener("click", (e) => pickMacro(e.target.closest("[role=option]")));
    document.getElementById("macro-open")?.addEventListener("click", openPicker);
    document.getElementById("macro-clear")?.addEventListener("click", () => {
      document.getElementById("macro-id").value = "";
      document.getElementById("macro-note").hidden = true;
    });
  }

  // Knowledge base: the article search asks the server for its results (a rendered fragment);
  // "Insert link" puts the article's title and address into the composer at the cursor.
  const kbSearch = document.getElementById("kb-link-search");
  kbSearch?.addEventListener("submit", (e) => {
    e.preventDefault();
    const q = new URLSearchParams(new FormData(kbSearch)).toString();
    refresh(`${kbSearch.action}?${q}`, document.getElementById("kb-link-results"));
  });
  document.querySelector(".panel")?.addEventListener("click", (e) => {
    const b = e.target.closest("[data-insert-link]");
    if (!b || !body) return;
    const text = `${b.dataset.title}: ${b.dataset.url}`;
    const at = body.selectionStart ?? body.value.length;
    const before = body.value.slice(0, at);
    const gap = before && !/\s$/.test(before) ? " " : "";
    body.value = before + gap + text + body.value.slice(body.selectionEnd ?? at);
    body.dispatchEvent(new Event("input"));
    body.focus();
  });

  const help = document.getElementById("shortcuts-help");
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && solveTimer) { e.preventDefault(); cancelSolve(); return; }
    if (help?.open || picker?.open || typing(document.activeElement) || e.metaKey || e.ctrlKey || e.altKey) return;
    if (e.key === "m" && picker && !document.getElementById("macro-open")?.disabled) { e.preventDefault(); openPicker(); return; }
    if (e.key === "r" && body) { e.preventDefault(); kind("reply"); body.focus(); }
    else if (e.key === "n" && body) { e.preventDefault(); kind("note"); body.focus(); }
    else if (e.key === "a") document.getElementById("assign-me")?.submit();
    else if (e.key === "s") startSolve();
    else if (e.key === "u") window.location.href = "/inbox";
    else if (e.key === "j" && here >= 0 && queue[here + 1]) window.location.href = queue[here + 1];
    else if (e.key === "k" && here > 0) window.location.href = queue[here - 1];
    else if (e.key === "?" && help) help.showModal();
  });
}
