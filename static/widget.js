/* Meridian chat widget. Embed with:
 *   <script src="https://desk.example/widget.js" data-tenant="acme" data-locale="pt-BR" async></script>
 * Optional: data-user-id, data-email, data-signature (hex HMAC-SHA256 of "user_id:email" with the
 * tenant's identity secret), data-name.
 * Plain JS, no build step. The UI lives in a closed shadow root, so the host page can neither
 * style nor read it. Unsent messages wait in localStorage until the server acknowledges them.
 * Files go over HTTP (POST /widget/{slug}/uploads, the visitor token as a bearer token), and so
 * do article suggestions for the draft (GET /widget/{slug}/suggestions). */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__meridianWidget) return;
  window.__meridianWidget = true;
  var d = script.dataset;
  var tenant = d.tenant;
  if (!tenant) return;
  var base = new URL(script.src, location.href);
  var locale = d.locale || navigator.language || "en";
  var store = "meridian:" + base.host + ":" + tenant;
  var T = {};
  var state = load();
  // The last message shown on this page: a reconnect asks for what came after it; a fresh page
  // (empty list) asks for the whole conversation.
  var typingTimer = null;
  var ws = null, open = false, unread = 0, retries = 0, offlineAt = undefined, seen = {}, lastSeen = null;

  function load() {
    try { return JSON.parse(localStorage.getItem(store)) || {}; } catch (e) { return {}; }
  }
  function save() {
    try { localStorage.setItem(store, JSON.stringify(state)); } catch (e) { /* private mode */ }
  }
  state.outbox = state.outbox || [];

  function t(key, args) {
    var s = T[key] || key;
    for (var k in args || {}) s = s.split("{$" + k + "}").join(args[k]).split("{ $" + k + " }").join(args[k]);
    return s;
  }

  var host = document.createElement("div");
  host.setAttribute("data-meridian-widget", "");
  var root = host.attachShadow({ mode: "closed" });
  root.innerHTML =
    "<style>" +
    ":host{all:initial;--c:#1f5eff}*{box-sizing:border-box;font:14px/1.4 system-ui,sans-serif}" +
    ".l{position:fixed;bottom:20px;inset-inline-end:20px;z-index:2147483647;border:0;border-radius:28px;" +
    "padding:12px 18px;background:var(--c);color:#fff;cursor:pointer;box-shadow:0 2px 10px #0004}" +
    ".b{display:inline-block;min-width:18px;margin-inline-start:8px;padding:0 5px;border-radius:9px;" +
    "background:#e11;color:#fff;font-size:12px}.b[hidden],.p[hidden],.o[hidden],.e[hidden],form.c[hidden]{display:none}.f{flex-wrap:wrap}.f div{width:100%}" +
    ".p{position:fixed;bottom:80px;inset-inline-end:20px;z-index:2147483647;width:340px;max-width:calc(100vw - 40px);" +
    "height:460px;max-height:calc(100vh - 120px);display:flex;flex-direction:column;background:#fff;color:#111;" +
    "border-radius:12px;box-shadow:0 4px 24px #0005;overflow:hidden}" +
    ".h{display:flex;justify-content:space-between;padding:10px 14px;background:var(--c);color:#fff}" +
    ".h button{background:none;border:0;color:#fff;cursor:pointer;font-size:18px}" +
    ".m{flex:1;overflow-y:auto;padding:10px;display:flex;flex-direction:column;gap:6px}" +
    ".i{max-width:80%;padding:6px 10px;border-radius:10px;background:#eef;white-space:pre-wrap;word-wrap:break-word}" +
    ".i.visitor{align-self:flex-end;background:var(--c);color:#fff}.i.system{align-self:center;background:#f4f4f4;color:#555;font-size:12px}" +
    ".i.pending{opacity:.6}.n{font-size:11px;opacity:.7}.t{padding:0 12px 4px}.t[hidden]{display:none}" +
    ".o,.e,.s{padding:6px 10px;background:#fff6d6;font-size:12px}.e{display:flex;gap:6px}.e input{flex:1}" +
    "form.c{display:flex;border-top:1px solid #ddd}form.c textarea{flex:1;border:0;padding:10px;resize:none;height:56px}" +
    "form.c button{border:0;background:none;color:var(--c);padding:0 14px;cursor:pointer}form.c .u{padding:0 8px;font-size:18px}" +
    ".sg{padding:6px 10px;border-top:1px solid #ddd;font-size:12px;max-height:40%;overflow-y:auto}.sg[hidden]{display:none}" +
    ".sg a{color:var(--c);font-weight:600}.sg p{margin:2px 0 6px;color:#555}.sg button{font-size:11px;cursor:pointer}" +
    ".fl{display:block;margin-top:4px;padding:0;border:0;background:none;color:inherit;text-decoration:underline;cursor:pointer;text-align:start}" +
    ".r{padding:8px 10px;border-top:1px solid #ddd;font-size:12px}.r[hidden]{display:none}.r textarea{width:100%;height:40px}" +
    ".r .k button{border:1px solid #ccc;background:#fff;border-radius:4px;margin:4px 4px 4px 0;width:30px;cursor:pointer}" +
    ".r .k button[aria-pressed=true]{background:var(--c);color:#fff}" +
    ".a{display:inline-flex;align-items:center;justify-content:center;width:22px;height:22px;border-radius:50%;" +
    "background:#fff;color:var(--c);font-size:10px;font-weight:600;margin-inline-end:6px;vertical-align:middle}" +
    ".i .a{background:var(--c);color:#fff}.g[hidden]{display:none}" +
    "</style>" +
    "<button class='l' part='launcher'><span class='lt'></span><span class='b' hidden></span></button>" +
    "<div class='p' hidden role='dialog'><div class='h'><span class='ti'></span><span class='g' hidden></span><button class='x'>×</button></div>" +
    "<div class='o' hidden></div><div class='s' hidden></div>" +
    "<form class='e' hidden><input type='email' required><button></button></form>" +
    "<form class='f e' hidden><div class='ft'></div><input class='fn' maxlength='120'><input class='fe' type='email'>" +
    "<button type='submit'></button><button type='button' class='sk'></button></form>" +
    "<div class='m' aria-live='polite'></div><div class='n t' hidden></div>" +
    "<form class='r' hidden><div class='q'></div><div class='k'></div><textarea maxlength='2000'></textarea>" +
    "<button type='submit'></button></form>" +
    "<div class='sg' hidden aria-live='polite'></div>" +
    "<form class='c'><textarea maxlength='8000'></textarea><button type='submit'></button>" +
    "<button type='button' class='u'>\u{1F4CE}</button><input type='file' hidden></form></div>";
  var $ = function (s) { return root.querySelector(s); };
  var launcher = $(".l"), badge = $(".b"), panel = $(".p"), list = $(".m"), status = $(".s");
  var typingNote = $(".t");
  var banner = $(".o"), emailForm = $(".e"), composer = $("form.c"), input = $("form.c textarea");
  var rating = $(".r"), score = 0, rated = null, pre = $("form.f");
  for (var i = 1; i <= 5; i++) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = b.value = i;
    b.onclick = function () { score = +this.value; showCsat(); };
    $(".k").appendChild(b);
  }

  function label() {
    launcher.querySelector(".lt").textContent = t("launcher");
    $(".ti").textContent = t("title");
    $(".x").setAttribute("aria-label", t("close"));
    input.placeholder = t("placeholder");
    typingNote.textContent = t("agent-typing");
    composer.querySelector("button[type=submit]").textContent = t("send");
    $(".u").setAttribute("aria-label", t("attach"));
    $(".u").title = t("attach");
    emailForm.firstChild.placeholder = t("email-prompt");
    emailForm.querySelector("button").textContent = t("email-save");
    rating.querySelector("textarea").placeholder = t("csat-comment");
    $(".ft").textContent = t("prechat-title");
    $(".fn").placeholder = t("prechat-name");
    $(".fe").placeholder = t("prechat-email");
    pre.querySelector("button").textContent = t("prechat-start");
    $(".sk").textContent = t("prechat-skip");
    rating.querySelector("button[type=submit]").textContent = t("csat-send");
    showOffline();
    showCsat();
  }

  function showBadge() {
    badge.hidden = unread === 0;
    badge.textContent = unread;
    badge.setAttribute("aria-label", t("unread", { count: unread }));
  }

  function showOffline() {
    if (offlineAt === undefined) { banner.hidden = true; emailForm.hidden = true; return; }
    var when = offlineAt ? new Date(offlineAt).toLocaleString(locale, { dateStyle: "medium", timeStyle: "short" }) : "";
    banner.textContent = offlineAt ? t("offline", { at: when }) : t("offline-unknown");
    banner.hidden = false;
    emailForm.hidden = !!state.email;
  }

  // The rating form of a solved conversation: the prompt, or thanks for the rating so far.
  function showCsat() {
    $(".q").textContent = rated ? t("csat-thanks", { score: rated }) : t("csat-prompt");
    root.querySelectorAll(".k button").forEach(function (b) {
      b.setAttribute("aria-pressed", +b.value === score);
      b.setAttribute("aria-label", t("csat-score", { score: b.value }));
    });
  }

  // An avatar of the agent's initials: the first letter of the first two words of the name.
  function avatar(name) {
    var a = document.createElement("span");
    a.className = "a";
    a.setAttribute("aria-hidden", "true");
    a.textContent = name.trim().split(/\s+/).slice(0, 2).map(function (w) { return Array.from(w)[0]; }).join("").toUpperCase();
    return a;
  }

  // The header names the agent who wrote last.
  function showAgent(name) {
    var g = $(".g");
    g.textContent = "";
    g.appendChild(avatar(name));
    g.appendChild(document.createTextNode(name));
    g.hidden = false;
  }

  // Download a file of the conversation: the token goes in a header, never in a link.
  function fetchFile(f) {
    fetch(new URL(f.url, base), { headers: { Authorization: "Bearer " + state.token } })
      .then(function (r) { if (!r.ok) throw r; return r.blob(); })
      .then(function (b) {
        var a = document.createElement("a");
        a.href = URL.createObjectURL(b);
        a.download = f.name;
        root.appendChild(a);
        a.click();
        a.remove();
        setTimeout(function () { URL.revokeObjectURL(a.href); }, 10000);
      })
      .catch(function () { note(t("file-failed")); });
  }

  function size(n) {
    return n < 1024 ? n + " B" : n < 1048576 ? Math.round(n / 1024) + " KB" : (n / 1048576).toFixed(1) + " MB";
  }

  function note(text) {
    bubble(null, "system", "", text, false);
  }

  function bubble(id, author, name, body, pending, files) {
    var el = id ? list.querySelector("[data-id='" + CSS.escape(id) + "']") : null;
    if (el) { el.classList.remove("pending"); return false; }
    el = document.createElement("div");
    el.className = "i " + author + (pending ? " pending" : "");
    if (id) el.dataset.id = id;
    if (name && author === "agent") {
      var n = document.createElement("div");
      n.className = "n";
      n.appendChild(avatar(name));
      n.appendChild(document.createTextNode(name));
      showAgent(name);
      el.appendChild(n);
    }
    files = files || [];
    // A file sent alone carries its name as the text: shown once, as the file.
    if (!(files.length === 1 && files[0].name === body)) el.appendChild(document.createTextNode(body));
    files.forEach(function (f) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "fl";
      b.textContent = "\u{1F4CE} " + f.name + " (" + size(f.size) + ")";
      b.onclick = function () { fetchFile(f); };
      el.appendChild(b);
    });
    list.appendChild(el);
    list.scrollTop = list.scrollHeight;
    return true;
  }

  function send(frame) {
    if (ws && ws.readyState === 1) ws.send(JSON.stringify(frame));
  }

  function connect() {
    var url = (base.protocol === "https:" ? "wss://" : "ws://") + base.host + "/widget/ws/" + encodeURIComponent(tenant);
    ws = new WebSocket(url);
    ws.onopen = function () {
      var hello = { type: "hello", locale: locale, page_url: location.href.slice(0, 500) };
      if (state.token) hello.visitor_token = state.token;
      if (lastSeen) hello.last_seen_id = lastSeen;
      if (state.name || d.name) hello.name = state.name || d.name;
      if (state.email || d.email) hello.email = state.email || d.email;
      if (d.userId && d.email && d.signature) hello.identity = { user_id: d.userId, email: d.email, signature: d.signature };
      ws.send(JSON.stringify(hello));
    };
    ws.onmessage = function (ev) {
      var f;
      try { f = JSON.parse(ev.data); } catch (e) { return; }
      if (f.type === "welcome") {
        retries = 0;
        status.hidden = true;
        if (state.token && state.token !== f.visitor_token) { lastSeen = null; list.textContent = ""; }
        state.token = f.visitor_token;
        state.conversation = f.conversation_id;
        save();
        if (f.color) host.style.setProperty("--c", f.color);
        if (f.greeting && !f.conversation_id && !$(".gr")) {
          bubble(null, "system", "", f.greeting, false);
          list.lastChild.classList.add("gr");
        }
        // Anonymous visitors introduce themselves first when the workspace asks them to.
        var ask = f.prechat !== "off" && !f.conversation_id && !state.prechat;
        pre.hidden = !ask;
        composer.hidden = ask;
        $(".fe").required = f.prechat === "required";
        $(".sk").hidden = f.prechat === "required";
        // Whatever was not acknowledged goes again, under its client id: stored once.
        state.outbox.forEach(function (m) { send({ type: "message", client_id: m.client_id, body: m.body }); });
      } else if (f.type === "ack") {
        state.outbox = state.outbox.filter(function (m) { return m.client_id !== f.client_id; });
        state.conversation = f.conversation_id;
        save();
        var p = list.querySelector("[data-client='" + CSS.escape(f.client_id) + "']");
        if (p) { p.dataset.id = f.message_id; p.classList.remove("pending"); }
      } else if (f.type === "message") {
        lastSeen = f.id;
        if (seen[f.id]) return;
        seen[f.id] = true;
        var added = bubble(f.id, f.author, f.name, f.body, false, f.attachments);
        // Unread: what the agent wrote after the visitor last had the panel open.
        if (open) { state.readAt = f.sent_at; save(); send({ type: "read", message_id: f.id }); }
        else if (added && f.author !== "visitor" && f.sent_at > (state.readAt || "")) { unread++; showBadge(); }
      } else if (f.type === "typing") {
        typingNote.hidden = false;
        clearTimeout(typingTimer);
        typingTimer = setTimeout(function () { typingNote.hidden = true; }, 5000);
      } else if (f.type === "csat") {
        rated = f.score;
        score = f.score || score;
        if (f.comment) rating.querySelector("textarea").value = f.comment;
        rating.hidden = false;
        showCsat();
      } else if (f.type === "offline") {
        offlineAt = f.back_at;
        showOffline();
      }
    };
    ws.onclose = function (ev) {
      ws = null;
      // Refused for good: a token of another desk (start afresh) or a forged identity.
      if (ev.code === 4003) { state = { outbox: state.outbox }; lastSeen = null; save(); list.textContent = ""; }
      if (ev.code === 4004) return;
      status.textContent = t("reconnecting");
      status.hidden = false;
      var delay = Math.min(30000, 500 * Math.pow(2, retries++)) * (0.5 + Math.random() / 2);
      setTimeout(connect, delay);
    };
  }

  // Articles for the draft: asked 300 ms after the visitor stops typing, from three words on
  // (or three characters of an unspaced script), shown as links above the composer. The ids
  // already offered for this draft go along, so the desk counts each article once per draft.
  var suggestBox = $(".sg"), suggestTimer = null, suggested = "", offered = [];
  function enough(q) {
    return q.split(/\s+/).filter(Boolean).length >= 3 || /[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\u0e00-\u0e7f]{3}/.test(q);
  }
  function suggest() {
    var q = input.value.trim();
    if (!enough(q)) { suggestBox.hidden = true; suggested = ""; return; }
    if (q === suggested) return;
    suggested = q;
    var url = new URL("/widget/" + encodeURIComponent(tenant) + "/suggestions", base);
    url.searchParams.set("q", q);
    url.searchParams.set("locale", locale);
    if (offered.length) url.searchParams.set("seen", offered.join(","));
    fetch(url)
      .then(function (r) { return r.ok ? r.json() : { articles: [] }; })
      .then(function (j) { if (suggested === q) showSuggestions(j.articles || []); })
      .catch(function () {});
  }
  function showSuggestions(articles) {
    suggestBox.textContent = "";
    suggestBox.hidden = !articles.length;
    if (!articles.length) return;
    articles.forEach(function (a) { if (offered.indexOf(a.id) < 0 && offered.length < 20) offered.push(a.id); });
    var h = document.createElement("div");
    h.textContent = t("suggestions");
    suggestBox.appendChild(h);
    articles.forEach(function (a) {
      var l = document.createElement("a");
      l.href = new URL(a.url, base).href;
      l.target = "_blank";
      l.rel = "noopener";
      l.textContent = a.title;
      var p = document.createElement("p");
      p.textContent = a.snippet;
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = t("answered");
      b.onclick = function () { deflect(a); };
      p.appendChild(document.createElement("br"));
      p.appendChild(b);
      suggestBox.appendChild(l);
      suggestBox.appendChild(p);
    });
  }
  // The article answered it: counted for the article, the draft dropped, no ticket opened.
  function deflect(a) {
    if (state.token) {
      fetch(new URL("/widget/" + encodeURIComponent(tenant) + "/deflections", base), {
        method: "POST",
        headers: { Authorization: "Bearer " + state.token, "Content-Type": "application/json" },
        body: JSON.stringify({ article_id: a.id, locale: a.locale })
      }).catch(function () {});
    }
    input.value = "";
    suggested = "";
    offered = [];
    suggestBox.textContent = t("answered-thanks");
  }
  input.oninput = function () {
    clearTimeout(suggestTimer);
    suggestTimer = setTimeout(suggest, 300);
  };

  function newId() {
    return (crypto.randomUUID && crypto.randomUUID()) || String(Date.now()) + Math.random().toString(16).slice(2);
  }

  composer.onsubmit = function (e) {
    e.preventDefault();
    var body = input.value.trim();
    if (!body) return;
    input.value = "";
    suggestBox.hidden = true;
    suggested = "";
    offered = [];
    var id = newId();
    state.outbox.push({ client_id: id, body: body });
    save();
    bubble(null, "visitor", "", body, true);
    rating.hidden = true;
    list.lastChild.dataset.client = id;
    send({ type: "message", client_id: id, body: body });
  };
  input.onkeydown = function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); composer.requestSubmit(); }
    else send({ type: "typing" });
  };
  var picker = composer.querySelector("input[type=file]");
  var uploadErrors = { 413: "file-too-large", 415: "file-refused", 429: "file-rate" };
  function upload(file) {
    if (!file || !state.token) return;
    var id = newId();
    bubble(null, "visitor", "", file.name, true);
    var p = list.lastChild;
    var url = new URL("/widget/" + encodeURIComponent(tenant) + "/uploads", base);
    url.searchParams.set("client_id", id);
    url.searchParams.set("name", file.name);
    var fresh = !state.conversation;
    fetch(url, { method: "POST", body: file, headers: { Authorization: "Bearer " + state.token } })
      .then(function (r) {
        return r.json().then(function (j) { if (!r.ok) throw r.status === 422 && j.field === "file" ? "count" : r.status; return j; });
      })
      .then(function (m) {
        p.remove();
        state.conversation = m.conversation_id;
        save();
        bubble(m.message_id, "visitor", "", file.name, false, m.attachments);
        // The socket follows a conversation this upload opened once it says hello again.
        if (fresh && ws) ws.close(1000);
      })
      .catch(function (status) {
        p.remove();
        note(t(status === "count" ? "file-count" : uploadErrors[status] || "file-failed"));
      });
  }
  $(".u").onclick = function () { picker.click(); };
  picker.onchange = function () { upload(picker.files[0]); picker.value = ""; };
  panel.ondragover = function (e) { e.preventDefault(); };
  panel.ondrop = function (e) {
    e.preventDefault();
    if (e.dataTransfer && e.dataTransfer.files.length) upload(e.dataTransfer.files[0]);
  };
  pre.onsubmit = function (e) {
    e.preventDefault();
    state.name = $(".fn").value.trim() || undefined;
    state.email = $(".fe").value.trim() || state.email;
    state.prechat = true;
    save();
    pre.hidden = true;
    composer.hidden = false;
    // The next hello carries them.
    if (ws) ws.close(1000);
  };
  $(".sk").onclick = function () { state.prechat = true; save(); pre.hidden = true; composer.hidden = false; };
  emailForm.onsubmit = function (e) {
    e.preventDefault();
    state.email = emailForm.firstChild.value.trim();
    save();
    emailForm.hidden = true;
    // The next hello carries it; reconnecting now makes that at once.
    if (ws) ws.close(1000);
  };
  rating.onsubmit = function (e) {
    e.preventDefault();
    if (score) send({ type: "rate", score: score, comment: rating.querySelector("textarea").value });
  };
  launcher.onclick = function () {
    open = !open;
    panel.hidden = !open;
    if (open) {
      unread = 0;
      showBadge();
      state.readAt = new Date().toISOString();
      save();
      if (lastSeen) send({ type: "read", message_id: lastSeen });
      input.focus();
    }
  };
  $(".x").onclick = launcher.onclick;

  fetch(new URL("/widget/strings/" + encodeURIComponent(locale) + ".json", base))
    .then(function (r) { return r.json(); })
    .catch(function () { return { strings: {}, dir: "ltr" }; })
    .then(function (s) {
      T = s.strings || {};
      root.host.dir = s.dir || "ltr";
      panel.dir = s.dir || "ltr";
      label();
      showBadge();
      document.body.appendChild(host);
      connect();
    });
})();
