// The header search box as a WAI-ARIA combobox: suggestions as the agent types (a server-rendered
// fragment of listbox options), arrow keys to move, Enter to open, Escape to close. Without this
// script the box is a plain form that opens the results page.
const input = document.getElementById("global-search");
const list = document.getElementById("global-search-list");
const status = document.getElementById("global-search-status");

if (input && list) {
  let timer = 0;
  let asked = "";
  let generation = 0;
  const options = () => [...list.querySelectorAll("[role=option]")];
  const active = () => options().find((o) => o.getAttribute("aria-selected") === "true");

  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    options().forEach((o) => o.setAttribute("aria-selected", "false"));
  };
  const open = () => {
    if (!options().length) return close();
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  };
  const select = (o) => {
    options().forEach((x) => x.setAttribute("aria-selected", String(x === o)));
    if (o) {
      input.setAttribute("aria-activedescendant", o.id);
      o.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  };
  const go = (o) => { if (o && o.dataset.href) window.location.href = o.dataset.href; };

  const suggest = async () => {
    const q = input.value.trim();
    if (q === asked) return;
    asked = q;
    const mine = ++generation;
    if (q.length < 2) { list.replaceChildren(); close(); return; }
    try {
      const res = await fetch(`${input.dataset.suggest}?q=${encodeURIComponent(q)}`, {
        headers: { "x-requested-with": "fetch" }, credentials: "same-origin",
      });
      // An older answer arriving after a newer one must not replace it.
      if (mine !== generation) return;
      if (!res.ok) { list.replaceChildren(); close(); return; }
      // The server escapes every text it puts in the fragment; it is the only renderer.
      list.innerHTML = await res.text();
      const found = options().filter((o) => o.dataset.kind !== "all").length;
      if (status) status.textContent = found ? `${status.dataset.some} ${found}` : status.dataset.none;
      open();
    } catch (_) {
      // Suggestions are a help: Enter still opens the results page.
    }
  };

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, 200);
  });
  input.addEventListener("keydown", (e) => {
    const all = options();
    const at = all.indexOf(active());
    if (e.key === "ArrowDown") {
      e.preventDefault();
      if (list.hidden) { open(); if (!all.length) return; }
      select(all[Math.min(at + 1, all.length - 1)]);
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      if (at > 0) select(all[at - 1]);
      else select(null);
    } else if (e.key === "Enter" && !list.hidden && active()) {
      e.preventDefault();
      go(active());
    } else if (e.key === "Escape") {
      if (!list.hidden) { e.preventDefault(); e.stopPropagation(); close(); }
      else if (input.value) { input.value = ""; asked = ""; }
    }
  });
  // mousedown, not click: the input must not lose the list to its blur first.
  list.addEventListener("mousedown", (e) => {
    const o = e.target.closest("[role=option]");
    if (o) { e.preventDefault(); go(o); }
  });
  input.addEventListener("blur", () => setTimeout(close, 100));
  input.addEventListener("focus", () => { if (input.value.trim().length >= 2 && options().length) open(); });
}
