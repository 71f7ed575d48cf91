// Meridian console behaviour: progressive enhancement only; every page works without it.

// Ask before destructive actions (buttons marked .danger).
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  if (button && button.classList.contains("danger") && !window.confirm(button.textContent.trim() + "?")) {
    event.preventDefault();
  }
});

// Select a freshly shown secret so it can be copied at once.
const secret = document.querySelector("code.secret");
if (secret) {
  const range = document.createRange();
  range.selectNodeContents(secret);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}
