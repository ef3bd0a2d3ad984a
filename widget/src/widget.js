/*
 * The 11 Recruitment chat widget.
 *
 * A site owner adds <script src="https://CHAT-SERVER/widget.js" data-server="https://CHAT-SERVER"></script>
 * (optionally data-vacancy-id="..." on a vacancy page). recruitbot/web/bundle.py serves this file
 * inside a closure after socket.io-client, so `io` and `WIDGET_CSS` are in scope and nothing is
 * added to the host page but one element and its shadow root.
 *
 * Safety: every string from the server is put in the page with textContent or as a checked link
 * (http, https, mailto and tel only); nothing is parsed as HTML.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.__recruitbotWidget) {
    return;
  }
  window.__recruitbotWidget = true;

  var TEXT = {
    title: "11 Recruitment",
    subtitle: "Candidate assistant (a bot)",
    launcher: "Chat with 11 Recruitment",
    launcherUnread: "Chat with 11 Recruitment (new message)",
    close: "Close chat",
    conversation: "Conversation",
    inputLabel: "Your message",
    placeholder: "Type your question",
    send: "Send",
    you: "You:",
    bot: "Assistant:",
    typing: "The assistant is typing",
    connecting: "Connecting…",
    reconnecting: "Connection lost. Reconnecting…",
    unavailable: "The chat is unavailable right now. Retrying…",
    noReply: "No reply came back. Please try again.",
    retry: "Try again",
    suggestions: "Suggested replies",
    vacancies: "Vacancies",
    newTab: "(opens in a new tab)",
    closes: "Closes",
    jobTypes: { temp: "Temporary", perm: "Permanent", contract: "Contract" }
  };
  var SAFE_PROTOCOLS = ["http:", "https:", "mailto:", "tel:"];
  // [label](url), a bare URL, or an email address.
  var LINK_PATTERN = /\[([^\]\n]{1,200})\]\(([^()\s]{1,2000})\)|((?:https?:\/\/|mailto:|tel:)[^\s<>"']+)|([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)/g;
  var HISTORY_KEPT = 100;
  var NO_REPLY_MS = 45000;
  var RETRY_SESSION_MS = 5000;

  var server = (script.getAttribute("data-server") || new URL(script.src).origin).replace(/\/+$/, "");
  var storageKey = "recruitbot:" + server + ":";
  var vacancyId = script.getAttribute("data-vacancy-id") || metaContent("recruitbot:vacancy-id");

  var state = {
    session: readJson("localStorage", "session"),
    entries: readJson("localStorage", "transcript") || [],
    socket: null,
    connecting: false,
    outbox: [],     // messages typed before the socket exists
    pending: [],    // messages sent whose turn has not completed: {id, text, display, timer}
    turnStart: null,  // the latest user message on screen
    open: readJson("sessionStorage", "open") === true
  };

  // ---- storage: local storage holds the session and transcript (shared by the site's tabs),
  // session storage whether the panel is open. Either may be unavailable (private modes,
  // blocked third-party storage): then the conversation lasts as long as the page.

  function readJson(storage, name) {
    try {
      return JSON.parse(window[storage].getItem(storageKey + name));
    } catch (error) {
      return null;
    }
  }

  function writeJson(storage, name, value) {
    try {
      if (value === null) {
        window[storage].removeItem(storageKey + name);
      } else {
        window[storage].setItem(storageKey + name, JSON.stringify(value));
      }
    } catch (error) {
      /* see above */
    }
  }

  function metaContent(name) {
    var meta = document.querySelector('meta[name="' + name + '"]');
    return meta ? meta.getAttribute("content") : null;
  }

  // ---- DOM helpers ----

  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      var value = attributes[name];
      if (name === "text") {
        node.textContent = value;
      } else if (name === "className") {
        node.className = value;
      } else if (value === true) {
        node.setAttribute(name, "");
      } else if (value !== false && value !== null && value !== undefined) {
        node.setAttribute(name, value);
      }
    });
    (children || []).forEach(function (child) {
      if (child) {
        node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
      }
    });
    return node;
  }

  function srOnly(text) {
    return el("span", { className: "rb-sr", text: text });
  }

  function safeHref(raw) {
    try {
      var url = new URL(raw);
      return SAFE_PROTOCOLS.indexOf(url.protocol) >= 0 ? url.href : null;
    } catch (error) {
      return null;
    }
  }

  function link(href, label) {
    var external = /^https?:/.test(href);
    return el("a", {
      href: href,
      target: external ? "_blank" : null,
      rel: external ? "noopener noreferrer" : null
    }, [label, external ? srOnly(" " + TEXT.newTab) : null]);
  }

  // Text with its links made clickable; everything else stays text.
  function richText(text) {
    var fragment = document.createDocumentFragment();
    var last = 0;
    text.replace(LINK_PATTERN, function (match, label, target, bare, email, offset) {
      var trailing = "";
      if (bare) {
        trailing = (/[.,;:!?)]+$/.exec(bare) || [""])[0];
        bare = bare.slice(0, bare.length - trailing.length);
      }
      var href = safeHref(label ? target : bare || "mailto:" + email);
      fragment.appendChild(document.createTextNode(text.slice(last, offset)));
      if (href) {
        fragment.appendChild(link(href, label || bare || email));
        fragment.appendChild(document.createTextNode(trailing));
      } else {
        fragment.appendChild(document.createTextNode(match));
      }
      last = offset + match.length;
      return match;
    });
    fragment.appendChild(document.createTextNode(text.slice(last)));
    return fragment;
  }

  function formatDate(iso) {
    var date = new Date(iso + "T12:00:00");
    if (isNaN(date.getTime())) {
      return iso;
    }
    return date.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric" });
  }

  // ---- the widget's elements ----

  var host = el("div", { "data-recruitbot-widget": "" });
  var root = host.attachShadow({ mode: "open" });
  root.appendChild(el("style", { text: WIDGET_CSS }));

  var launcherLabel = el("span", { className: "rb-sr", text: TEXT.launcher });
  var launcher = el("button", {
    type: "button", className: "rb-launcher", "aria-expanded": "false", "aria-controls": "rb-panel"
  }, [chatIcon(), chevronIcon(), launcherLabel, el("span", { className: "rb-badge", hidden: true, "aria-hidden": "true" })]);
  var closeButton = el("button", { type: "button", className: "rb-close", "aria-label": TEXT.close }, ["×"]);
  var status = el("div", { className: "rb-status", role: "status" });
  var log = el("ol", {
    className: "rb-log", role: "log", "aria-live": "polite", "aria-label": TEXT.conversation, tabindex: "0"
  });
  var typing = el("div", { className: "rb-typing", role: "status" });
  var input = el("textarea", {
    id: "rb-input", className: "rb-input", rows: "1", maxlength: "1000",
    placeholder: TEXT.placeholder, autocomplete: "off", enterkeyhint: "send"
  });
  var sendButton = el("button", { type: "submit", className: "rb-send", "aria-label": TEXT.send }, [sendIcon()]);
  var form = el("form", { className: "rb-composer" }, [
    el("label", { "for": "rb-input", className: "rb-sr", text: TEXT.inputLabel }), input, sendButton
  ]);
  var panel = el("section", {
    id: "rb-panel", className: "rb-panel", role: "dialog", "aria-labelledby": "rb-title", hidden: true
  }, [
    el("header", { className: "rb-header" }, [
      el("div", {}, [
        el("h2", { id: "rb-title", className: "rb-title", text: TEXT.title }),
        el("p", { className: "rb-subtitle", text: TEXT.subtitle })
      ]),
      closeButton
    ]),
    status, log, typing, form
  ]);
  root.appendChild(el("div", { className: "rb-root" }, [panel, launcher]));

  function svg(pathData, className) {
    var ns = "http://www.w3.org/2000/svg";
    var icon = document.createElementNS(ns, "svg");
    if (className) {
      icon.setAttribute("class", className);
    }
    icon.setAttribute("viewBox", "0 0 24 24");
    icon.setAttribute("aria-hidden", "true");
    icon.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", pathData);
    icon.appendChild(path);
    return icon;
  }

  function chatIcon() {
    return svg("M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z", "rb-icon-closed");
  }

  function chevronIcon() {
    return svg("M5.6 8.3 12 14.7l6.4-6.4 1.4 1.4-7.8 7.8-7.8-7.8z", "rb-icon-open");
  }

  function sendIcon() {
    return svg("M3 20.5 21 12 3 3.5 3 10l12 2-12 2z");
  }

  // ---- rendering the conversation ----

  function render(entry) {
    var item = el("li", { className: "rb-msg rb-" + entry.sender });
    item.appendChild(srOnly(entry.sender === "user" ? TEXT.you + " " : TEXT.bot + " "));
    if (entry.text) {
      item.appendChild(el("p", { className: "rb-bubble" }, [richText(String(entry.text))]));
    }
    var custom = entry.custom;
    if (custom && custom.type === "vacancy_cards" && Array.isArray(custom.cards)) {
      item.appendChild(renderCards(custom.cards));
    }
    if (Array.isArray(entry.buttons) && entry.buttons.length) {
      item.appendChild(renderChips(entry.buttons));
    }
    return item;
  }

  function renderChips(buttons) {
    return el("div", { className: "rb-chips", role: "group", "aria-label": TEXT.suggestions },
      buttons.map(function (button) {
        var chip = el("button", { type: "button", className: "rb-chip", text: String(button.title || "") });
        chip.addEventListener("click", function () {
          send(String(button.payload || button.title || ""), String(button.title || ""));
        });
        return chip;
      }));
  }

  function renderCards(cards) {
    return el("ul", { className: "rb-cards", "aria-label": TEXT.vacancies }, cards.map(function (card) {
      var title = String(card.title || "");
      var titleId = "rb-card-" + Math.random().toString(36).slice(2);
      var facts = [card.location, TEXT.jobTypes[card.job_type] || card.job_type, card.salary]
        .filter(Boolean).map(String).join(" · ");
      var actions = (Array.isArray(card.actions) ? card.actions : []).map(function (action) {
        var label = String(action.title || "");
        if (action.type === "link") {
          var href = safeHref(String(action.url || ""));
          return href ? el("a", {
            className: "rb-card-link", href: href, target: "_blank", rel: "noopener noreferrer",
            "aria-describedby": titleId
          }, [label, srOnly(" " + TEXT.newTab)]) : null;
        }
        if (action.type === "postback") {
          var button = el("button", { type: "button", className: "rb-card-postback", "aria-describedby": titleId, text: label });
          button.addEventListener("click", function () {
            send(String(action.payload || ""), label + ": " + title);
          });
          return button;
        }
        return null;
      });
      return el("li", {}, [el("article", { className: "rb-card", "aria-labelledby": titleId }, [
        el("h3", { id: titleId, className: "rb-card-title", text: title }),
        facts ? el("p", { className: "rb-card-facts", text: facts }) : null,
        card.closes ? el("p", { className: "rb-card-closes", text: TEXT.closes + " " + formatDate(String(card.closes)) }) : null,
        card.summary ? el("p", { className: "rb-card-summary", text: String(card.summary) }) : null,
        el("div", { className: "rb-card-actions" }, actions)
      ])]);
    }));
  }

  // Quick replies belong to the latest message only: answering moves the conversation on.
  function dropChips() {
    Array.prototype.forEach.call(log.querySelectorAll(".rb-chips"), function (chips) {
      chips.parentNode.removeChild(chips);
    });
  }

  function append(entry) {
    if (entry.sender === "user") {
      dropChips();
    }
    state.entries.push(entry);
    state.entries = state.entries.slice(-HISTORY_KEPT);
    writeJson("localStorage", "transcript", state.entries);
    var item = render(entry);
    log.appendChild(item);
    if (entry.sender === "user") {
      state.turnStart = item;
    }
    revealTurn();
  }

  // Show the latest answer from its start: when it is taller than the panel (vacancy cards),
  // scroll to the question it answers rather than past it to the end.
  function revealTurn() {
    var start = state.turnStart;
    var turnHeight = start && start.parentNode === log ?
      log.lastElementChild.getBoundingClientRect().bottom - start.getBoundingClientRect().top : 0;
    if (turnHeight > log.clientHeight) {
      log.scrollTop += start.getBoundingClientRect().top - log.getBoundingClientRect().top - 8;
    } else {
      scrollToEnd();
    }
  }

  function replaceAll(entries) {
    state.entries = entries.slice(-HISTORY_KEPT);
    writeJson("localStorage", "transcript", state.entries);
    log.setAttribute("aria-busy", "true");
    while (log.firstChild) {
      log.removeChild(log.firstChild);
    }
    state.entries.forEach(function (entry, index) {
      var last = index === state.entries.length - 1;
      log.appendChild(render(last ? entry : withoutButtons(entry)));
    });
    log.removeAttribute("aria-busy");
    scrollToEnd();
  }

  function withoutButtons(entry) {
    var copy = {};
    Object.keys(entry).forEach(function (key) {
      if (key !== "buttons") {
        copy[key] = entry[key];
      }
    });
    return copy;
  }

  function note(text, retry) {
    var item = el("li", { className: "rb-note" }, [el("span", { text: text })]);
    if (retry) {
      var button = el("button", { type: "button", className: "rb-chip", text: TEXT.retry });
      button.addEventListener("click", function () {
        item.parentNode.removeChild(item);
        retry();
      });
      item.appendChild(button);
    }
    log.appendChild(item);
    scrollToEnd();
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function setStatus(text) {
    status.textContent = text || "";
    status.hidden = !text;
  }

  function setTyping(on) {
    typing.textContent = "";
    typing.hidden = !on;
    if (on) {
      typing.appendChild(srOnly(TEXT.typing));
      [0, 1, 2].forEach(function () {
        typing.appendChild(el("span", { className: "rb-dot", "aria-hidden": "true" }));
      });
    }
  }

  function setUnread(unread) {
    launcher.querySelector(".rb-badge").hidden = !unread;
    launcherLabel.textContent = unread ? TEXT.launcherUnread : TEXT.launcher;
  }

  // ---- talking to the server ----

  function pageContext() {
    var context = {
      url: location.origin + location.pathname,  // no query or fragment: they can hold personal data
      path: location.pathname,
      title: document.title
    };
    if (vacancyId) {
      context.vacancy_id = vacancyId;
    }
    return context;
  }

  function requestSession() {
    return fetch(server + "/api/session", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(state.session || {}),
      credentials: "omit"
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("session request failed: " + response.status);
      }
      return response.json();
    }).then(function (session) {
      if (state.session && state.session.session_id !== session.session_id) {
        replaceAll([]);  // the old session was not ours to keep: its transcript goes too
      }
      state.session = session;
      writeJson("localStorage", "session", session);
      return session;
    });
  }

  function connect() {
    if (state.socket || state.connecting) {
      return;
    }
    state.connecting = true;
    setStatus(TEXT.connecting);
    requestSession().then(function (session) {
      state.connecting = false;
      openSocket(session);
    }, function () {
      state.connecting = false;
      setStatus(TEXT.unavailable);
      window.setTimeout(connect, RETRY_SESSION_MS);
    });
  }

  function credentials() {
    return { session_id: state.session.session_id, token: state.session.token };
  }

  function openSocket(session) {
    var socket = io(session.socket_url, { path: session.socket_path, auth: credentials() });
    state.socket = socket;
    state.outbox.splice(0).forEach(emitMessage);
    socket.on("connect", function () {
      setStatus(null);
      socket.emit("session_request", credentials());
    });
    socket.on("connect_error", function (error) {
      if (error && error.message === "invalid_session") {
        startOver();
      } else {
        setStatus(TEXT.reconnecting);
      }
    });
    socket.on("disconnect", function (reason) {
      setStatus(TEXT.reconnecting);
      if (reason === "io server disconnect") {
        socket.connect();
      }
    });
    socket.on("session_rejected", startOver);
    socket.on("session_history", function (data) {
      var history = Array.isArray(data && data.messages) ? data.messages : [];
      // A message the history holds was answered (perhaps while we were offline); one it does
      // not hold is still on its way, so it stays on screen.
      history.forEach(function (entry) {
        takePending(entry.message_id);
      });
      if (!state.pending.length) {
        setTyping(false);
      }
      replaceAll(history.concat(state.pending.map(function (sent) {
        return { sender: "user", text: sent.display || sent.text };
      })));
    });
    socket.on("user_echo", function (data) {
      append({ sender: "user", text: String(data && data.text || "") });
    });
    socket.on("bot_typing", function () {
      setTyping(true);
    });
    socket.on("bot_uttered", function (message) {
      append(botEntry(message));
      if (panel.hidden) {
        setUnread(true);
      }
    });
    socket.on("turn_complete", function (data) {
      setTyping(false);
      var sent = takePending(data && data.message_id);
      if (sent && data.replies === 0) {
        noReply(sent);
      }
    });
  }

  function botEntry(message) {
    var entry = { sender: "bot" };
    ["text", "buttons", "custom"].forEach(function (key) {
      if (message && message[key]) {
        entry[key] = message[key];
      }
    });
    return entry;
  }

  // The server no longer knows our session (e.g. its secret changed): take a new one.
  function startOver() {
    if (state.socket) {
      state.socket.removeAllListeners();
      state.socket.disconnect();
      state.socket = null;
    }
    state.session = null;
    writeJson("localStorage", "session", null);
    connect();
  }

  function takePending(id) {
    for (var i = 0; i < state.pending.length; i++) {
      if (state.pending[i].id === id) {
        var sent = state.pending.splice(i, 1)[0];
        window.clearTimeout(sent.timer);
        return sent;
      }
    }
    return null;
  }

  function noReply(sent) {
    setTyping(false);
    note(TEXT.noReply, function () {
      send(sent.text, sent.display);
    });
  }

  function send(text, display) {
    text = text.trim();
    if (!text) {
      return;
    }
    append({ sender: "user", text: display || text });
    var sent = { id: messageId(), text: text, display: display };
    sent.timer = window.setTimeout(function () {
      if (takePending(sent.id)) {
        noReply(sent);
      }
    }, NO_REPLY_MS);
    state.pending.push(sent);
    if (state.socket) {
      emitMessage(sent);
    } else {
      state.outbox.push(sent);
      connect();
    }
    input.focus();
  }

  // While offline socket.io keeps the message, and sends it once reconnected.
  function emitMessage(sent) {
    var metadata = { page: pageContext() };
    if (sent.display) {
      metadata.display = sent.display;
    }
    state.socket.emit("user_uttered", {
      message: sent.text, message_id: sent.id, session_id: state.session.session_id, metadata: metadata
    });
  }

  function messageId() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  // ---- opening, closing, typing ----

  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    root.querySelector(".rb-root").classList.add("rb-is-open");
    setUnread(false);
    writeJson("sessionStorage", "open", true);
    scrollToEnd();
    connect();
    input.focus();
  }

  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    root.querySelector(".rb-root").classList.remove("rb-is-open");
    writeJson("sessionStorage", "open", false);
    launcher.focus();
  }

  launcher.addEventListener("click", function () {
    if (panel.hidden) {
      open();
    } else {
      close();
    }
  });
  closeButton.addEventListener("click", close);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      close();
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    input.value = "";
    fitInput();
    send(text);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });
  input.addEventListener("input", fitInput);

  function fitInput() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 120) + "px";
  }

  // ---- start ----

  function start() {
    setStatus(null);
    setTyping(false);
    replaceAll(state.entries);
    document.body.appendChild(host);
    if (state.open) {
      open();
    } else if (state.session) {
      connect();  // a returning visitor: stay in step with their other tabs
    }
  }

  if (document.body) {
    start();
  } else {
    document.addEventListener("DOMContentLoaded", start);  // the tag is in <head>
  }
})();
