// Suggest help-center articles while a request is being written, from the public search API,
// and report what the suggestions did (shown, clicked) for the knowledge base's numbers. The
// form session id travels with the request, so a click followed by a sent request is not
// counted as a request the article made unnecessary.
const form = document.getElementById("request-form");
if (form) {
  const box = document.getElementById("suggestions");
  const list = box.querySelector("ul");
  const url = form.dataset.searchUrl;
  const beaconUrl = form.dataset.beaconUrl;
  const locale = form.dataset.locale;
  // Kept for the tab, so coming back from a suggestion continues the same session.
  const key = `meridian-form-session:${location.pathname}`;
  // A form shown again with an error keeps the session it was sent with.
  let session = form.form_session.value || sessionStorage.getItem(key);
  if (!session) {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    session = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  sessionStorage.setItem(key, session);
  form.form_session.value = session;
  const reported = new Set();
  const report = (event, items) => {
    if (!beaconUrl || items.length === 0) return;
    const body = JSON.stringify({ event, session, items });
    const blob = new Blob([body], { type: "application/json" });
    if (!(navigator.sendBeacon && navigator.sendBeacon(beaconUrl, blob))) {
      fetch(beaconUrl, { method: "POST", body, headers: { "Content-Type": "application/json" }, keepalive: true })
        .catch(() => {});
    }
  };
  let timer = 0;
  let asked = "";
  const suggest = async () => {
    const q = `${form.subject.value} ${form.body.value}`.trim().slice(0, 200);
    if (q.length < 3 || q === asked) return;
    asked = q;
    try {
      const res = await fetch(`${url}?q=${encodeURIComponent(q)}&locale=${encodeURIComponent(locale)}&limit=5`);
      if (!res.ok) return;
      const { data } = await res.json();
      list.replaceChildren(...data.map((hit) => {
        const li = document.createElement("li");
        const a = document.createElement("a");
        a.href = hit.url;
        a.textContent = hit.title;
        a.lang = hit.locale;
        a.addEventListener("click", () => report("click", [{ id: hit.id, locale: hit.locale }]));
        li.append(a);
        return li;
      }));
      box.hidden = data.length === 0;
      // Each article counts once per form session, however often the typing brings it back.
      const fresh = data.filter((hit) => !reported.has(hit.id)).map((hit) => ({ id: hit.id, locale: hit.locale }));
      fresh.forEach((item) => reported.add(item.id));
      report("shown", fresh.slice(0, 20));
    } catch (_) {
      // Suggestions are a help, not a requirement: the form works without them.
    }
  };
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, 300);
  });
  form.addEventListener("submit", () => sessionStorage.removeItem(key));
}
