// "Was this helpful?" without leaving the page. Without JavaScript the form posts and the
// article comes back with the thank-you; with it, the vote is sent in place.
const form = document.querySelector("form.help-vote");
if (form) {
  const thanks = form.parentElement.querySelector("[data-testid=vote-thanks]");
  const failed = form.parentElement.querySelector("[data-testid=vote-error]");
  form.addEventListener("submit", async (event) => {
    const choice = event.submitter && event.submitter.value;
    if (!choice) return;
    event.preventDefault();
    try {
      const res = await fetch(form.action, {
        method: "POST",
        headers: { Accept: "application/json" },
        body: new URLSearchParams({ helpful: choice }),
        credentials: "same-origin",
      });
      if (!res.ok) throw new Error(String(res.status));
      form.hidden = true;
      failed.hidden = true;
      thanks.hidden = false;
    } catch (_) {
      failed.hidden = false;
    }
  });
}
