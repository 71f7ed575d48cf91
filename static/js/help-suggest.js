// Suggest help-center articles while a request is being written, from the public search API.
const form = document.getElementById("request-form");
if (form) {
  const box = document.getElementById("suggestions");
  const list = box.querySelector("ul");
  const url = form.dataset.searchUrl;
  const locale = form.dataset.locale;
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
        li.append(a);
        return li;
      }));
      box.hidden = data.length === 0;
    } catch (_) {
      // Suggestions are a help, not a requirement: the form works without them.
    }
  };
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, 300);
  });
}
