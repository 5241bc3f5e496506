// The demo page: a small Discord client for what pathway-bot uses. It talks to the demo's
// server over one WebSocket: actions go out with a request id, changes come in as "sync".
"use strict";

(() => {
  const $ = (sel) => document.querySelector(sel);
  const esc = DemoMarkdown.escape;

  const state = {
    world: null,
    member: null, // id of the person the page acts as
    channel: null, // id of the open channel
    messages: new Map(), // id -> message JSON, for the open channel
    notices: [], // local lines such as "The application did not respond"
    commands: [],
    clockSkew: 0, // demo now - Date.now()
    latest: {}, // channel id -> newest message id visible there
    seen: {}, // member:channel -> newest id seen
    dismissed: new Set(),
    pending: new Map(),
    nextId: 1,
    ws: null,
    viewing: 0, // switches waiting for the server
  };

  // ---------------------------------------------------------------------------- connection
  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${proto}//${location.host}/ws`);
    state.ws = ws;
    ws.onopen = () => setConnection(true);
    ws.onclose = () => {
      setConnection(false);
      for (const [, p] of state.pending) p.reject(new Error("The demo stopped."));
      state.pending.clear();
      setTimeout(connect, 1000);
    };
    ws.onmessage = (ev) => receive(JSON.parse(ev.data));
  }

  function setConnection(up) {
    const el = $("#connection");
    el.textContent = up ? "live" : "reconnecting…";
    el.classList.toggle("down", !up);
    document.body.dataset.ready = up ? "1" : "0";
  }

  function request(payload) {
    const id = state.nextId++;
    return new Promise((resolve, reject) => {
      state.pending.set(id, { resolve, reject });
      if (!state.ws || state.ws.readyState !== WebSocket.OPEN) {
        state.pending.delete(id);
        reject(new Error("Not connected to the demo."));
        return;
      }
      state.ws.send(JSON.stringify({ ...payload, id }));
    });
  }

  function receive(msg) {
    if (msg.type === "result") {
      const p = state.pending.get(msg.id);
      if (!p) return;
      state.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg);
      else p.reject(new Error(msg.error || "Something went wrong."));
    } else if (msg.type === "world") {
      const again = state.world !== null;
      state.world = msg.world;
      if (!state.member) state.member = msg.world.people[0].id;
      renderWorld();
      if (again) request({ op: "view", member: state.member, channel: state.channel }).catch(() => {});
    } else if (msg.type === "sync") {
      applySync(msg);
    } else if (msg.type === "failed") {
      if (msg.channel === state.channel) {
        const notice = { id: `f${msg.interaction}`, text: msg.error, at: demoNow() };
        state.notices.push(notice);
        $("#messages").insertAdjacentHTML("beforeend", renderNotice(notice));
      }
    }
  }

  // ---------------------------------------------------------------------------- clock
  const demoNow = () => Date.now() + state.clockSkew;

  function renderClock() {
    const now = new Date(demoNow());
    $("#clock-now").textContent = now.toLocaleString("en-GB", {
      weekday: "short", day: "numeric", month: "short", year: "numeric",
      hour: "2-digit", minute: "2-digit", second: "2-digit",
    });
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "local time";
    $("#clock-zone").textContent = `your zone: ${zone}`;
  }

  async function moveClock(kind) {
    const buttons = document.querySelectorAll(".clock-buttons button");
    buttons.forEach((b) => (b.disabled = true));
    $("#clock-said").textContent = "moving the clock…";
    try {
      const res = await request({ op: "clock", kind });
      $("#clock-said").textContent = `now ${res.said}`;
    } catch (err) {
      $("#clock-said").textContent = err.message;
    } finally {
      buttons.forEach((b) => (b.disabled = false));
    }
  }

  // ---------------------------------------------------------------------------- world
  function person(id) {
    return state.world.people.find((p) => p.id === id);
  }

  function renderWorld() {
    const w = state.world;
    $("#guild-name").textContent = w.guild.name;
    $("#server-guild").textContent = w.guild.name.split(/\s+/).map((x) => x[0]).join("").slice(0, 3);
    const select = $("#member-select");
    select.innerHTML = w.people
      .map((p) => `<option value="${p.id}">${esc(p.name)}${p.admin ? " (admin)" : ""}</option>`)
      .join("");
    select.value = state.member;
    $("#members").innerHTML =
      `<li class="member bot"><span class="avatar small" style="background:${w.bot.colour}">${esc(w.bot.name[0])}</span>${esc(w.bot.name)} <span class="tag">APP</span></li>` +
      w.people
        .map((p) => `<li class="member"><span class="avatar small" style="background:${p.colour}">${esc(p.name[0])}</span>${esc(p.name)}${p.admin ? ' <span class="role">admin</span>' : ""}</li>`)
        .join("");
    if (!state.channel) state.channel = w.channels[0].id;
    renderSidebar();
  }

  function renderSidebar() {
    const w = state.world;
    const me = person(state.member);
    const unread = (id) => {
      const latest = state.latest[id];
      return latest && id !== state.channel && latest !== state.seen[`${state.member}:${id}`];
    };
    $("#channels").innerHTML = w.channels
      .map((c) => `<li><button class="channel${c.id === state.channel ? " active" : ""}${unread(c.id) ? " unread" : ""}" data-channel="${c.id}"><span class="hash">#</span>${esc(c.name)}</button></li>`)
      .join("");
    $("#dms").innerHTML = `<li><button class="channel dm${me.dm === state.channel ? " active" : ""}${unread(me.dm) ? " unread" : ""}" data-channel="${me.dm}"><span class="avatar tiny" style="background:${w.bot.colour}">${esc(w.bot.name[0])}</span>${esc(w.bot.name)}</button></li>`;
    $("#me-avatar").style.background = me.colour;
    $("#me-avatar").textContent = me.name[0];
    const inDm = state.channel === me.dm;
    $("#server-dm").classList.toggle("active", inDm);
    $("#server-guild").classList.toggle("active", !inDm);
    const channel = w.channels.find((c) => c.id === state.channel);
    $("#chat-icon").textContent = inDm ? "@" : "#";
    $("#chat-title").textContent = inDm ? w.bot.name : channel ? channel.name : "";
    $("#chat-topic").textContent = inDm ? "Your direct messages with the bot" : (channel && channel.topic) || "";
    $("#composer-input").placeholder = inDm
      ? `Message @${w.bot.name} — type / for the bot's commands`
      : `Message #${channel ? channel.name : ""} — type / for the bot's commands`;
  }

  async function view(member, channel) {
    closeCommand();
    state.member = member;
    state.channel = channel;
    state.messages.clear();
    state.notices = [];
    document.body.dataset.synced = "0"; // until the server has sent this channel's messages
    state.viewing += 1;
    renderSidebar();
    renderMessages();
    try {
      await request({ op: "view", member, channel });
      if (state.member === member && state.channel === channel) document.body.dataset.synced = "1";
    } catch (err) {
      showError(err.message);
    } finally {
      state.viewing -= 1;
    }
  }

  // ---------------------------------------------------------------------------- messages
  function applySync(msg) {
    if (msg.clock) {
      state.clockSkew = msg.clock.now - Date.now();
      renderClock();
    }
    if (msg.commands) {
      state.commands = msg.commands;
      document.body.dataset.commands = String(msg.commands.length);
    }
    if (msg.latest) state.latest = msg.latest;
    if (msg.channel !== state.channel) {
      renderSidebar();
      return;
    }
    if (msg.full) {
      if (!state.viewing) document.body.dataset.synced = "1"; // the first load
      state.messages.clear();
      for (const m of msg.upserts || []) state.messages.set(m.id, m);
      renderMessages();
    } else {
      for (const m of msg.upserts || []) {
        state.messages.set(m.id, m);
        upsertMessage(m);
      }
      for (const id of msg.deletes || []) {
        state.messages.delete(id);
        removeMessage(id);
      }
    }
    if (state.latest[state.channel]) state.seen[`${state.member}:${state.channel}`] = state.latest[state.channel];
    renderSidebar();
    DemoMarkdown.refreshTimes($("#messages"), demoNow());
  }

  const mdContext = () => ({
    users: state.world.users,
    roles: state.world.roles,
    channels: state.world.channel_names,
    now: demoNow,
  });

  const byId = (a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1);

  function shownMessages() {
    return [...state.messages.values()].filter((m) => !state.dismissed.has(m.id)).sort(byId);
  }

  // Every message, from scratch: on opening a channel or switching member.
  function renderMessages() {
    const box = $("#messages");
    const list = shownMessages();
    const parts = [];
    if (!list.length) parts.push(`<div class="empty">${emptyText()}</div>`);
    let previous = null;
    for (const m of list) {
      parts.push(renderMessage(m, previous));
      previous = m;
    }
    for (const n of state.notices) parts.push(renderNotice(n));
    box.innerHTML = parts.join("");
    box.scrollTop = box.scrollHeight;
  }

  function renderNotice(n) {
    return `<div class="message notice" data-notice="${esc(n.id)}"><div class="body"><div class="failed">⚠ ${esc(n.text)}</div></div></div>`;
  }

  // One message, in place: an open menu elsewhere stays open, the scroll stays put.
  function upsertMessage(m) {
    const box = $("#messages");
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 120;
    const list = shownMessages();
    const index = list.findIndex((x) => x.id === m.id);
    if (index < 0) return;
    const html = renderMessage(m, index > 0 ? list[index - 1] : null);
    const node = box.querySelector(`article[data-id="${m.id}"]`);
    const empty = box.querySelector(".empty");
    if (empty) empty.remove();
    if (node) {
      node.outerHTML = html;
    } else {
      const later = list.slice(index + 1).map((x) => box.querySelector(`article[data-id="${x.id}"]`)).find(Boolean);
      const anchor = later || box.querySelector(".notice");
      if (anchor) anchor.insertAdjacentHTML("beforebegin", html);
      else box.insertAdjacentHTML("beforeend", html);
    }
    if (!m.loading) timed(m);
    if (atBottom) box.scrollTop = box.scrollHeight;
  }

  function removeMessage(id) {
    const node = $("#messages").querySelector(`article[data-id="${id}"]`);
    if (node) node.remove();
    if (!state.messages.size) renderMessages();
  }

  // Enter-to-rendered times of this page's own commands (read by bench/bench_demo.py).
  window.demoTimings = [];
  const sentAt = new Map(); // interaction id -> performance.now() at Enter

  const renderedAt = new Map(); // interaction id -> when its reply was drawn, if first

  function timed(m) {
    const id = m.interaction && m.interaction.id;
    if (!id) return;
    if (!sentAt.has(id)) {
      if (!renderedAt.has(id)) renderedAt.set(id, performance.now());
      return;
    }
    window.demoTimings.push({ command: m.interaction.command, ms: performance.now() - sentAt.get(id) });
    sentAt.delete(id);
  }

  function sent(id, started, command) {
    if (renderedAt.has(id)) {
      window.demoTimings.push({ command, ms: renderedAt.get(id) - started });
      renderedAt.delete(id);
    } else {
      sentAt.set(id, started);
    }
  }

  function emptyText() {
    const me = person(state.member);
    if (state.channel === me.dm) return `This is the beginning of your direct messages with <b>${esc(state.world.bot.name)}</b>. Try <code>/enroll</code> in #general.`;
    return "No messages yet. Type <code>/</code> to see the bot's commands.";
  }

  function avatarFor(author) {
    if (author.bot) return state.world.bot.colour;
    const p = state.world.people.find((x) => x.id === author.id);
    return p ? p.colour : "#747f8d";
  }

  function time(ms) {
    return new Date(ms).toLocaleString("en-GB", {
      day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit",
    });
  }

  function renderMessage(m, previous) {
    const grouped = previous && !(m.interaction && m.interaction.command) && previous.author.id === m.author.id &&
      !previous.ephemeral && !m.ephemeral && m.created_at - previous.created_at < 5 * 60 * 1000;
    const ctx = mdContext();
    const classes = ["message"];
    if (m.ephemeral) classes.push("ephemeral");
    if (grouped) classes.push("grouped");
    const head = [];
    if (m.interaction && m.interaction.command) {
      const what = `used <span class="cmd">/${esc(m.interaction.command)}</span>`;
      head.push(`<div class="reply-line"><span class="avatar tiny" style="background:${avatarFor({ id: m.interaction.user_id })}">${esc(m.interaction.user[0])}</span><b>${esc(m.interaction.user)}</b> ${what}</div>`);
    }
    let body = "";
    if (m.loading) {
      body += `<div class="thinking">${esc(m.author.name)} is thinking<span class="dots"><i>.</i><i>.</i><i>.</i></span></div>`;
    }
    if (m.content) {
      const edited = m.edited_at ? ` <span class="edited" title="${esc(time(m.edited_at))}">(edited)</span>` : "";
      const text = DemoMarkdown.render(m.content, ctx);
      // "(edited)" sits at the end of the last line, as in Discord
      body += `<div class="content">${text.endsWith("</div>") ? text.slice(0, -6) + edited + "</div>" : text + edited}</div>`;
    } else if (m.edited_at && !m.loading) {
      body += `<span class="edited">(edited)</span>`;
    }
    const usedByEmbed = new Set();
    for (const e of m.embeds || []) body += renderEmbed(e, m, ctx, usedByEmbed);
    for (const a of m.attachments || []) {
      if (usedByEmbed.has(a.filename)) continue;
      body += renderAttachment(a);
    }
    if (m.components && m.components.length) body += `<div class="components">${m.components.map((c) => renderComponent(c, m)).join("")}</div>`;
    if (m.ephemeral) {
      body += `<div class="ephemeral-note">👁 Only you can see this · <button class="link dismiss" data-dismiss="${m.id}">Dismiss message</button></div>`;
    }
    const header = grouped ? "" : `<div class="meta"><span class="author"${m.author.bot ? "" : ` style="color:${avatarFor(m.author)}"`}>${esc(m.author.name)}</span>${m.author.bot ? '<span class="tag">APP</span>' : ""}<span class="when" title="${esc(new Date(m.created_at).toString())}">${esc(time(m.created_at))}</span></div>`;
    const avatar = grouped ? '<div class="gutter"></div>' : `<div class="avatar" style="background:${avatarFor(m.author)}">${esc(m.author.name[0] || "?")}</div>`;
    return `<article class="${classes.join(" ")}" data-id="${m.id}">${head.join("")}<div class="row">${avatar}<div class="body">${header}${body}</div></div></article>`;
  }

  function colourOf(value) {
    if (value === undefined || value === null) return "#1e1f22";
    return `#${Number(value).toString(16).padStart(6, "0")}`;
  }

  function renderEmbed(e, m, ctx, usedByEmbed) {
    const parts = [];
    if (e.author && e.author.name) parts.push(`<div class="embed-author">${esc(e.author.name)}</div>`);
    if (e.title) {
      const title = DemoMarkdown.render(e.title, ctx);
      parts.push(e.url && /^https?:/.test(e.url)
        ? `<div class="embed-title"><a href="${esc(e.url)}" target="_blank" rel="noopener noreferrer">${title}</a></div>`
        : `<div class="embed-title">${title}</div>`);
    }
    if (e.description) parts.push(`<div class="embed-description">${DemoMarkdown.render(e.description, ctx)}</div>`);
    if (e.fields && e.fields.length) {
      parts.push(`<div class="embed-fields">${e.fields.map((f) => `<div class="embed-field${f.inline ? " inline" : ""}"><div class="field-name">${DemoMarkdown.render(f.name, ctx)}</div><div class="field-value">${DemoMarkdown.render(f.value, ctx)}</div></div>`).join("")}</div>`);
    }
    const imageUrl = e.image && e.image.url;
    if (imageUrl) {
      const src = resolveImage(imageUrl, m, usedByEmbed);
      if (src) parts.push(`<img class="embed-image" src="${esc(src)}" alt="${esc(altFor(imageUrl, m))}">`);
    }
    const footer = [];
    if (e.footer && e.footer.text) footer.push(DemoMarkdown.render(e.footer.text, ctx));
    if (e.timestamp) footer.push(esc(time(Date.parse(e.timestamp))));
    if (footer.length) parts.push(`<div class="embed-footer">${footer.join(" • ")}</div>`);
    return `<div class="embed" style="border-left-color:${colourOf(e.color)}">${parts.join("")}</div>`;
  }

  function resolveImage(url, m, usedByEmbed) {
    if (url.startsWith("attachment://")) {
      const name = url.slice("attachment://".length);
      const a = (m.attachments || []).find((x) => x.filename === name);
      if (!a) return null;
      usedByEmbed.add(name);
      return a.url;
    }
    return null; // nothing is loaded from the internet
  }

  function altFor(url, m) {
    const name = url.slice("attachment://".length);
    const a = (m.attachments || []).find((x) => x.filename === name);
    return (a && a.description) || name;
  }

  function size(bytes) {
    if (bytes < 1024) return `${bytes} bytes`;
    if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
    return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  }

  function renderAttachment(a) {
    if (a.image) {
      return `<div class="attachment-image"><img src="${esc(a.url)}" alt="${esc(a.description || a.filename)}" title="${esc(a.filename)}"></div>`;
    }
    return `<div class="file"><span class="file-icon">📄</span><div><a class="file-name" href="${esc(a.url)}?download=1" download="${esc(a.filename)}">${esc(a.filename)}</a><div class="file-size">${size(a.size)}</div></div><a class="file-download" href="${esc(a.url)}?download=1" download="${esc(a.filename)}" title="Download" aria-label="Download ${esc(a.filename)}">⭳</a></div>`;
  }

  const BUTTON_STYLES = { 1: "primary", 2: "secondary", 3: "success", 4: "danger", 5: "link", 6: "premium" };

  function renderComponent(c, m) {
    if (c.type === 1) return `<div class="action-row">${(c.components || []).map((x) => renderComponent(x, m)).join("")}</div>`;
    if (c.type === 2) {
      const label = `${c.emoji && c.emoji.name ? esc(c.emoji.name) + " " : ""}${esc(c.label || "")}`;
      if (c.style === 5) {
        return `<a class="btn link-btn" href="${esc(c.url || "#")}" target="_blank" rel="noopener noreferrer"${c.disabled ? ' aria-disabled="true"' : ""}>${label} ↗</a>`;
      }
      return `<button class="btn ${BUTTON_STYLES[c.style] || "secondary"}" data-message="${m.id}" data-custom-id="${esc(c.custom_id)}"${c.disabled ? " disabled" : ""}>${label}</button>`;
    }
    if (c.type === 3) {
      const multi = (c.max_values || 1) > 1;
      const options = (c.options || []).map((o) => `<label class="select-option"><input type="${multi ? "checkbox" : "radio"}" name="sel-${m.id}-${esc(c.custom_id)}" value="${esc(o.value)}"${o.default ? " checked" : ""}><span><span class="opt-label">${o.emoji && o.emoji.name ? esc(o.emoji.name) + " " : ""}${esc(o.label)}</span>${o.description ? `<span class="opt-desc">${esc(o.description)}</span>` : ""}</span></label>`).join("");
      return `<div class="select${c.disabled ? " disabled" : ""}" data-message="${m.id}" data-custom-id="${esc(c.custom_id)}" data-min="${c.min_values ?? 1}" data-max="${c.max_values ?? 1}"><button class="select-toggle"${c.disabled ? " disabled" : ""}>${esc(c.placeholder || "Make a selection")}<span class="chev">▾</span></button><div class="select-menu" hidden>${options}${multi ? '<button class="btn primary select-apply">Done</button>' : ""}</div></div>`;
    }
    if (c.type === 10) return `<div class="text-display">${DemoMarkdown.render(c.content || "", mdContext())}</div>`;
    if (c.type === 14) return '<hr class="separator">';
    if (c.type === 17 || c.type === 9) return `<div class="container">${(c.components || []).map((x) => renderComponent(x, m)).join("")}${c.accessory ? renderComponent(c.accessory, m) : ""}</div>`;
    return "";
  }

  async function click(messageId, customId, values) {
    try {
      await request({ op: "click", message: messageId, custom_id: customId, values });
    } catch (err) {
      showError(err.message);
    }
  }

  // ---------------------------------------------------------------------------- composer
  const composer = {
    command: null, // the chosen command entry
    fields: new Map(), // option name -> {spec, input, value (sent), shown}
    active: null, // option name being edited
    popupItems: [],
    popupIndex: 0,
    acSeq: 0,
  };

  function showError(text) {
    const el = $("#composer-error");
    el.innerHTML = DemoMarkdown.render(text, mdContext());
    el.hidden = false;
    clearTimeout(showError.timer);
    showError.timer = setTimeout(() => (el.hidden = true), 8000);
  }

  function hideError() {
    $("#composer-error").hidden = true;
  }

  function matchingCommands(text) {
    const q = text.replace(/^\//, "").trim().toLowerCase();
    return state.commands.filter((c) => c.full.startsWith(q) || (q && c.full.includes(q)));
  }

  function openPopup(title, items, onPick) {
    const pop = $("#popup");
    composer.popupItems = items;
    composer.popupIndex = 0;
    composer.onPick = onPick;
    if (!items.length && !title) {
      pop.hidden = true;
      return;
    }
    pop.innerHTML = `${title ? `<div class="popup-title">${title}</div>` : ""}${items.map((it, i) => `<div class="suggestion${i === 0 ? " selected" : ""}${it.cls ? " " + it.cls : ""}" data-index="${i}"${it.attrs || ""}><span class="s-main">${it.html}</span>${it.desc ? `<span class="s-desc">${esc(it.desc)}</span>` : ""}</div>`).join("")}`;
    pop.hidden = false;
  }

  function closePopup() {
    $("#popup").hidden = true;
    composer.popupItems = [];
  }

  function movePopup(delta) {
    const n = composer.popupItems.length;
    if (!n) return;
    composer.popupIndex = (composer.popupIndex + delta + n) % n;
    document.querySelectorAll("#popup .suggestion").forEach((el, i) => el.classList.toggle("selected", i === composer.popupIndex));
  }

  function pickPopup(index) {
    const item = composer.popupItems[index ?? composer.popupIndex];
    if (item && composer.onPick) composer.onPick(item);
  }

  function showCommandList() {
    const text = $("#composer-input").value;
    const items = matchingCommands(text).map((c) => ({
      html: `<b>/${esc(c.full)}</b>${c.options.map((o) => ` <span class="opt-hint${o.required ? " req" : ""}">${esc(o.name)}</span>`).join("")}`,
      desc: c.description,
      attrs: ` data-command="${esc(c.full)}"`,
      entry: c,
    }));
    if (!items.length) {
      openPopup(`No commands match <b>${esc(text)}</b>`, [], null);
      return;
    }
    openPopup(`Commands · ${esc(state.world.bot.name)}`, items, (it) => chooseCommand(it.entry));
  }

  function chooseCommand(entry) {
    composer.command = entry;
    composer.fields.clear();
    const chip = $("#command-chip");
    chip.textContent = `/${entry.full}`;
    chip.hidden = false;
    $("#composer-input").value = "";
    $("#composer-input").placeholder = "";
    $("#composer-input").classList.add("in-command");
    for (const o of entry.options.filter((x) => x.required)) addField(o);
    closePopup();
    hideError();
    const first = [...composer.fields.values()][0];
    if (first) first.input.focus();
    else {
      $("#composer-input").focus();
      showOptionalList();
    }
  }

  function closeCommand() {
    composer.command = null;
    composer.fields.clear();
    composer.active = null;
    $("#option-fields").innerHTML = "";
    $("#command-chip").hidden = true;
    $("#composer-input").classList.remove("in-command");
    $("#composer-input").value = "";
    closePopup();
    renderSidebar();
  }

  function addField(spec) {
    if (composer.fields.has(spec.name)) {
      composer.fields.get(spec.name).input.focus();
      return;
    }
    const wrap = document.createElement("label");
    wrap.className = `option-field${spec.required ? " required" : ""}`;
    wrap.title = spec.description;
    wrap.innerHTML = `<span class="option-name">${esc(spec.name)}</span>`;
    const input = document.createElement("input");
    input.type = "text";
    input.dataset.option = spec.name;
    input.placeholder = spec.description;
    input.spellcheck = false;
    input.autocomplete = "off";
    wrap.appendChild(input);
    $("#option-fields").appendChild(wrap);
    const field = { spec, input, wrap, value: null };
    composer.fields.set(spec.name, field);
    input.addEventListener("focus", () => {
      composer.active = spec.name;
      suggestFor(field);
    });
    input.addEventListener("input", () => {
      field.value = null; // typed text replaces a picked choice
      wrap.classList.remove("invalid");
      suggestFor(field);
    });
    input.addEventListener("keydown", (ev) => composerKey(ev, field));
    input.addEventListener("input", () => sizeInput(input));
    sizeInput(input);
    return field;
  }

  function sizeInput(input) {
    input.style.width = `${Math.min(Math.max(input.value.length, input.placeholder.length * 0.55, 8) + 2, 48)}ch`;
  }

  function showOptionalList() {
    const entry = composer.command;
    if (!entry) return;
    const optional = entry.options.filter((o) => !composer.fields.has(o.name));
    if (!optional.length) {
      openPopup("Press Enter to run the command", [], null);
      return;
    }
    openPopup(
      "Optional · pick one to add it, or press Enter to run",
      optional.map((o) => ({ html: `<b>${esc(o.name)}</b>`, desc: o.description, attrs: ` data-option="${esc(o.name)}"`, spec: o })),
      (it) => {
        const field = addField(it.spec);
        if (field) field.input.focus();
      },
    );
  }

  const TYPE = { STRING: 3, INTEGER: 4, BOOLEAN: 5, USER: 6, CHANNEL: 7, ROLE: 8, MENTIONABLE: 9, NUMBER: 10 };

  function suggestFor(field) {
    const spec = field.spec;
    const typed = field.input.value.trim().toLowerCase();
    const pick = (it) => {
      field.input.value = it.shown;
      field.value = it.value;
      sizeInput(field.input);
      closePopup();
      focusNext(field);
    };
    if (spec.choices.length) {
      const items = spec.choices
        .filter((c) => !typed || c.name.toLowerCase().includes(typed) || String(c.value).toLowerCase().includes(typed))
        .map((c) => ({ html: esc(c.name), shown: c.name, value: String(c.value), attrs: ` data-choice="${esc(c.value)}"`, cls: "choice" }));
      openPopup(`${esc(spec.name)} · ${esc(spec.description)}`, items, pick);
    } else if (spec.autocomplete) {
      autocomplete(field, pick);
    } else if (spec.type === TYPE.BOOLEAN) {
      openPopup(esc(spec.name), [{ html: "True", shown: "True", value: "true", cls: "choice" }, { html: "False", shown: "False", value: "false", cls: "choice" }], pick);
    } else if (spec.type === TYPE.USER || spec.type === TYPE.MENTIONABLE) {
      const items = state.world.people
        .filter((p) => !typed || p.name.toLowerCase().includes(typed.replace(/^@/, "")))
        .map((p) => ({ html: `@${esc(p.name)}`, shown: `@${p.name}`, value: p.id, cls: "choice" }));
      openPopup(`${esc(spec.name)} · members`, items, pick);
    } else if (spec.type === TYPE.CHANNEL) {
      const items = state.world.channels
        .filter((c) => !typed || c.name.includes(typed.replace(/^#/, "")))
        .map((c) => ({ html: `#${esc(c.name)}`, shown: `#${c.name}`, value: c.id, cls: "choice" }));
      openPopup(`${esc(spec.name)} · channels`, items, pick);
    } else {
      openPopup(`<b>${esc(spec.name)}</b> · ${esc(spec.description)}`, [], null);
    }
  }

  function autocomplete(field, pick) {
    const seq = ++composer.acSeq;
    clearTimeout(composer.acTimer);
    composer.acTimer = setTimeout(async () => {
      const entry = composer.command;
      if (!entry) return;
      const options = {};
      for (const [name, f] of composer.fields) if (name !== field.spec.name) options[name] = f.value ?? f.input.value;
      try {
        const res = await request({
          op: "autocomplete", name: entry.name, subcommand: entry.subcommand,
          option: field.spec.name, value: field.input.value, options,
        });
        if (seq !== composer.acSeq || composer.active !== field.spec.name) return;
        const items = res.choices.map((c) => ({ html: esc(c.name), shown: c.name, value: String(c.value), attrs: ` data-choice="${esc(c.value)}"`, cls: "choice" }));
        openPopup(items.length ? `${esc(field.spec.name)} · suggestions from ${esc(state.world.bot.name)}` : (res.note ? esc(res.note) : `No suggestions for <b>${esc(field.spec.name)}</b>`), items, pick);
      } catch (err) {
        if (seq === composer.acSeq) openPopup(esc(err.message), [], null);
      }
    }, 120);
    openPopup(`${esc(field.spec.name)} · loading suggestions…`, [], null);
  }

  function focusNext(field) {
    const list = [...composer.fields.values()];
    const next = list[list.indexOf(field) + 1];
    if (next && !next.input.value) next.input.focus();
    else {
      composer.active = null;
      $("#composer-input").focus();
      showOptionalList();
    }
  }

  function composerKey(ev, field) {
    const popupOpen = !$("#popup").hidden && composer.popupItems.length;
    if (ev.key === "ArrowDown" && popupOpen) { ev.preventDefault(); movePopup(1); return; }
    if (ev.key === "ArrowUp" && popupOpen) { ev.preventDefault(); movePopup(-1); return; }
    if (ev.key === "Tab" && popupOpen) { ev.preventDefault(); pickPopup(); return; }
    if (ev.key === "Escape") {
      ev.preventDefault();
      if (!$("#popup").hidden) closePopup();
      else closeCommand();
      return;
    }
    if (ev.key === "Backspace" && field && !field.input.value) {
      ev.preventDefault();
      if (!field.spec.required) {
        field.wrap.remove();
        composer.fields.delete(field.spec.name);
      }
      const list = [...composer.fields.values()];
      if (list.length) list[list.length - 1].input.focus();
      else $("#composer-input").focus();
      return;
    }
    if (ev.key === "Enter") {
      ev.preventDefault();
      // as in Discord, an option with a fixed list takes the highlighted entry, not free text
      const fixed = field && (field.spec.choices.length || [TYPE.BOOLEAN, TYPE.USER, TYPE.MENTIONABLE, TYPE.CHANNEL].includes(field.spec.type));
      if (fixed && popupOpen && field.value === null) pickPopup();
      else submit();
    }
  }

  async function submit() {
    const input = $("#composer-input");
    if (!composer.command) {
      const text = input.value;
      if (!text.trim()) return;
      if (text.startsWith("/")) {
        const name = text.slice(1).trim().toLowerCase();
        const exact = state.commands.find((c) => c.full === name);
        const matches = matchingCommands(text);
        if (exact) {
          chooseCommand(exact);
          // typed in full with nothing required: it runs straight away
          if (!exact.options.some((o) => o.required)) await runCommand();
        } else if (matches.length) {
          const shown = composer.popupItems[composer.popupIndex];
          chooseCommand(shown && shown.entry ? shown.entry : matches[0]);
        } else {
          showError(`There is no \`${text.split(/\s/)[0]}\` command here. Type \`/\` to see the commands.`);
        }
        return;
      }
      try {
        await request({ op: "say", channel: state.channel, content: text });
        input.value = "";
        hideError();
      } catch (err) {
        showError(err.message);
      }
      return;
    }
    await runCommand();
  }

  async function runCommand() {
    const entry = composer.command;
    const missing = [];
    const options = {};
    for (const [name, f] of composer.fields) {
      const value = f.value ?? f.input.value.trim();
      if (!value) {
        if (f.spec.required) {
          missing.push(name);
          f.wrap.classList.add("invalid");
        }
        continue;
      }
      options[name] = value;
    }
    if (missing.length) {
      // the Discord client refuses to send a command without its required options
      showError(missing.length === 1 ? `This field is required: \`${missing[0]}\`.` : `These fields are required: ${missing.map((x) => `\`${x}\``).join(", ")}.`);
      composer.fields.get(missing[0]).input.focus();
      return;
    }
    const started = performance.now();
    try {
      const res = await request({ op: "command", name: entry.name, subcommand: entry.subcommand, options });
      sent(res.interaction, started, entry.full);
      hideError();
      closeCommand();
      $("#composer-input").focus();
    } catch (err) {
      showError(err.message);
    }
  }

  // ---------------------------------------------------------------------------- events
  function bind() {
    const input = $("#composer-input");
    input.addEventListener("input", () => {
      hideError();
      if (composer.command) return;
      if (input.value.startsWith("/") && !input.value.includes(" ")) showCommandList();
      else closePopup();
    });
    input.addEventListener("focus", () => {
      if (composer.command) showOptionalList();
      else if (input.value.startsWith("/")) showCommandList();
    });
    input.addEventListener("keydown", (ev) => {
      if (composer.command && ev.key === "Backspace" && !input.value) {
        ev.preventDefault();
        const list = [...composer.fields.values()];
        if (list.length) list[list.length - 1].input.focus();
        else closeCommand();
        return;
      }
      composerKey(ev, null);
    });
    $("#composer").addEventListener("submit", (ev) => ev.preventDefault());
    $("#popup").addEventListener("mousedown", (ev) => {
      const el = ev.target.closest(".suggestion");
      if (!el) return;
      ev.preventDefault(); // keep the focus in the composer
      pickPopup(Number(el.dataset.index));
    });
    $("#member-select").addEventListener("change", (ev) => {
      const me = person(ev.target.value);
      const inDm = state.channel === person(state.member).dm;
      view(me.id, inDm ? me.dm : state.channel);
    });
    document.addEventListener("click", (ev) => {
      const ch = ev.target.closest("[data-channel]");
      if (ch) { view(state.member, ch.dataset.channel); return; }
      const server = ev.target.closest(".server-icon");
      if (server) {
        view(state.member, server.dataset.target === "dm" ? person(state.member).dm : state.world.channels[0].id);
        return;
      }
      const clockBtn = ev.target.closest(".clock-buttons button");
      if (clockBtn) { moveClock(clockBtn.dataset.kind); return; }
      const dismiss = ev.target.closest("[data-dismiss]");
      if (dismiss) { state.dismissed.add(dismiss.dataset.dismiss); renderMessages(); return; }
      const btn = ev.target.closest("button.btn[data-custom-id]");
      if (btn && !btn.disabled) { click(btn.dataset.message, btn.dataset.customId, null); return; }
      const toggle = ev.target.closest(".select-toggle");
      if (toggle && !toggle.disabled) {
        const menu = toggle.parentElement.querySelector(".select-menu");
        document.querySelectorAll(".select-menu").forEach((m) => { if (m !== menu) m.hidden = true; });
        menu.hidden = !menu.hidden;
        if (!menu.hidden) menu.scrollIntoView({ block: "nearest" });
        return;
      }
      const apply = ev.target.closest(".select-apply");
      if (apply) { sendSelect(apply.closest(".select")); return; }
      if (!ev.target.closest(".select-menu")) document.querySelectorAll(".select-menu").forEach((m) => (m.hidden = true));
    });
    document.addEventListener("change", (ev) => {
      const opt = ev.target.closest(".select-option input[type=radio]");
      if (opt) sendSelect(opt.closest(".select"));
    });
    setInterval(() => {
      renderClock();
      DemoMarkdown.refreshTimes($("#messages"), demoNow());
    }, 1000);
  }

  function sendSelect(sel) {
    const values = [...sel.querySelectorAll(".select-option input:checked")].map((i) => i.value);
    const min = Number(sel.dataset.min);
    const max = Number(sel.dataset.max);
    if (values.length < min) { showError(`Pick at least ${min}.`); return; }
    if (values.length > max) { showError(`Pick at most ${max}.`); return; }
    sel.querySelector(".select-menu").hidden = true;
    click(sel.dataset.message, sel.dataset.customId, values);
  }

  // For tests and curious people: feed the page a message as the server would.
  window.demoPage = { receive };

  bind();
  connect();
})();
