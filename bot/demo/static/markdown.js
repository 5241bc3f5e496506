// Discord markdown and timestamps, rendered safely: the text is HTML-escaped first, and only
// the markup produced here is ever HTML. Links are http(s) only.
"use strict";

const DemoMarkdown = (() => {
  const ESC = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  const escape = (s) => String(s).replace(/[&<>"']/g, (c) => ESC[c]);

  // --- timestamps: <t:unix[:style]> in the viewer's own zone, relative to the demo's now ----
  const FORMATS = {
    t: { hour: "numeric", minute: "2-digit" },
    T: { hour: "numeric", minute: "2-digit", second: "2-digit" },
    d: { year: "numeric", month: "2-digit", day: "2-digit" },
    D: { year: "numeric", month: "long", day: "numeric" },
    f: { year: "numeric", month: "long", day: "numeric", hour: "numeric", minute: "2-digit" },
    F: {
      weekday: "long", year: "numeric", month: "long", day: "numeric",
      hour: "numeric", minute: "2-digit",
    },
  };

  function relative(ms, nowMs) {
    const diff = (ms - nowMs) / 1000;
    const abs = Math.abs(diff);
    const units = [
      ["year", 365 * 86400], ["month", 30 * 86400], ["day", 86400],
      ["hour", 3600], ["minute", 60], ["second", 1],
    ];
    const rtf = new Intl.RelativeTimeFormat("en", { numeric: "always" });
    for (const [unit, size] of units) {
      if (abs >= size || unit === "second") {
        return rtf.format(Math.round(diff / size), unit);
      }
    }
    return "now";
  }

  function timestamp(unix, style, nowMs) {
    const ms = Number(unix) * 1000;
    if (!Number.isFinite(ms)) return null;
    const date = new Date(ms);
    const full = date.toLocaleString("en-GB", FORMATS.F);
    let shown;
    if (style === "R") shown = relative(ms, nowMs);
    else shown = date.toLocaleString("en-GB", FORMATS[style || "f"] || FORMATS.f);
    return `<time class="ts" data-ts="${ms}" data-style="${style || "f"}" title="${escape(full)}">${escape(shown)}</time>`;
  }

  // --- inline markup, on already-escaped text ----------------------------------------------
  function inline(text, ctx, keep) {
    let s = text;
    // escaped markdown characters: \* \_ \~ \| \` \>
    s = s.replace(/\\([*_~|`>\-#\[\]()\\])/g, (m, c) => keep(escape(c)));
    s = s.replace(/&lt;t:(-?\d{1,13})(?::([tTdDfFR]))?&gt;/g, (m, unix, style) =>
      keep(timestamp(unix, style, ctx.now()) || m));
    s = s.replace(/&lt;@!?(\d+)&gt;/g, (m, id) =>
      keep(`<span class="mention">@${escape(ctx.users[id] || "unknown-user")}</span>`));
    s = s.replace(/&lt;@&amp;(\d+)&gt;/g, (m, id) =>
      keep(`<span class="mention">@${escape(ctx.roles[id] || "deleted-role")}</span>`));
    s = s.replace(/&lt;#(\d+)&gt;/g, (m, id) =>
      keep(`<span class="mention">#${escape(ctx.channels[id] || "unknown")}</span>`));
    s = s.replace(/&lt;\/([\w -]+):(\d+)&gt;/g, (m, name) =>
      keep(`<span class="mention command-mention">/${name}</span>`));
    // masked links [text](https://...) and bare links
    s = s.replace(/\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)/g, (m, label, url) =>
      keep(`<a href="${url}" target="_blank" rel="noopener noreferrer">`) + label + keep("</a>"));
    s = s.replace(/(^|[\s(])(https?:\/\/[^\s<]+[^\s<.,:;"')\]])/g, (m, pre, url) =>
      pre + keep(`<a href="${url}" target="_blank" rel="noopener noreferrer">${url}</a>`));
    s = s.replace(/\*\*\*([^*]+?)\*\*\*/g, "<strong><em>$1</em></strong>");
    s = s.replace(/\*\*([^*]+?)\*\*/g, "<strong>$1</strong>");
    s = s.replace(/__([^_]+?)__/g, "<u>$1</u>");
    s = s.replace(/(^|[^*\w])\*([^*\s](?:[^*]*[^*\s])?)\*(?!\*)/g, "$1<em>$2</em>");
    s = s.replace(/(^|[^_\w])_([^_\s](?:[^_]*[^_\s])?)_(?![_\w])/g, "$1<em>$2</em>");
    s = s.replace(/~~([^~]+?)~~/g, "<s>$1</s>");
    s = s.replace(/\|\|([^|]+?)\|\|/g, '<span class="spoiler" title="Spoiler">$1</span>');
    return s;
  }

  function render(text, ctx) {
    if (!text) return "";
    const kept = [];
    const keep = (html) => `\u0000${kept.push(html) - 1}\u0000`;
    let s = escape(String(text).replace(/\s+$/, "")); // Discord trims trailing blank lines
    // code first: nothing inside code is markup
    s = s.replace(/```(?:([\w+-]+)\n)?([\s\S]*?)```/g, (m, lang, body) =>
      keep(`<pre class="codeblock"><code>${body.replace(/^\n/, "")}</code></pre>`));
    s = s.replace(/`([^`\n]+)`/g, (m, body) => keep(`<code>${body}</code>`));
    const lines = s.split("\n");
    const out = [];
    let list = null;
    let quote = [];
    const flushList = () => {
      if (list) out.push(`<${list.tag}>${list.items.map((i) => `<li>${i}</li>`).join("")}</${list.tag}>`);
      list = null;
    };
    const flushQuote = () => {
      if (quote.length) out.push(`<blockquote>${quote.join("<br>")}</blockquote>`);
      quote = [];
    };
    for (const line of lines) {
      let m;
      if ((m = line.match(/^&gt; ?(.*)$/))) {
        flushList();
        quote.push(inline(m[1], ctx, keep));
        continue;
      }
      flushQuote();
      if ((m = line.match(/^(#{1,3}) (.+)$/))) {
        flushList();
        const level = m[1].length;
        out.push(`<div class="md-h${level}">${inline(m[2], ctx, keep)}</div>`);
      } else if ((m = line.match(/^-# (.+)$/))) {
        flushList();
        out.push(`<div class="md-sub">${inline(m[1], ctx, keep)}</div>`);
      } else if ((m = line.match(/^\s*[-*] (.+)$/))) {
        if (!list || list.tag !== "ul") { flushList(); list = { tag: "ul", items: [] }; }
        list.items.push(inline(m[1], ctx, keep));
      } else if ((m = line.match(/^\s*\d+[.)] (.+)$/))) {
        if (!list || list.tag !== "ol") { flushList(); list = { tag: "ol", items: [] }; }
        list.items.push(inline(m[1], ctx, keep));
      } else {
        flushList();
        out.push(`<div class="md-line">${inline(line, ctx, keep) || "&nbsp;"}</div>`);
      }
    }
    flushList();
    flushQuote();
    let html = out.join("");
    // restore kept fragments (they may nest: a link label kept inside a kept link)
    for (let i = 0; i < 3 && html.includes("\u0000"); i++) {
      html = html.replace(/\u0000(\d+)\u0000/g, (m, n) => kept[Number(n)]);
    }
    return html;
  }

  // Re-render the relative timestamps on the page against a new "now".
  function refreshTimes(root, nowMs) {
    for (const el of root.querySelectorAll('time.ts[data-style="R"]')) {
      el.textContent = relative(Number(el.dataset.ts), nowMs);
    }
  }

  return { render, escape, timestamp, refreshTimes, relative };
})();
