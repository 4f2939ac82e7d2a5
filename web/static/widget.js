/*!
 * answerdesk widget: a support chat that answers from the help centre and cites its sources.
 *
 * Embed on any site with one tag (the API address is derived from the script's own src):
 *
 *   <script src="https://HOST/widget.js" data-site-key="KEY" defer></script>
 *
 * Options (data-* on the script tag, or attributes on a hand-placed <answerdesk-widget>):
 *   data-site-key  the site key from `answerdesk sites create` (required for the floating widget)
 *   data-lang      "en" or "zh" (default: the browser's language)
 *   data-color     accent colour, any CSS colour (default #2563eb)
 *   data-title     panel title
 * Attributes only a hand-placed element uses (the employee help page):
 *   mode="inline"            fill the element instead of a launcher button and a floating panel
 *   csrf-token="…"           same-origin session requests (no site key): sent as X-CSRFToken
 *   conversation-id="…"      load this conversation from the server instead of localStorage
 *   storage-key="…"          localStorage namespace (e.g. one per employee)
 *   api-base="https://HOST/" where /api/v1 lives (default: next to widget.js)
 * Events: "answerdesk:conversation" (bubbles, composed) with detail {conversationId, question} after each answer
 * and after "new conversation" (conversationId null).
 *
 * Security rule for this file: document text and user text only ever reach the page through textContent,
 * createTextNode or setAttribute with validated values; nothing here parses HTML (tests/test_widget_pages.py
 * fails the build if an HTML-parsing DOM API appears in this file).
 */
(() => {
  "use strict";

  const TAG = "answerdesk-widget";
  if (!window.customElements || window.customElements.get(TAG)) return; // old browser, or loaded twice

  const SCRIPT = document.currentScript;
  const SCRIPT_BASE = SCRIPT && SCRIPT.src ? new URL(".", SCRIPT.src).href : new URL("/", location.href).href;
  const MAX_QUESTION = 2000; // the API answers 400 above this
  const MAX_STORED_ITEMS = 60; // localStorage is small: keep the latest turns only
  const REPLY_CHECK_MS = 20000; // how often a waiting request asks for the team's reply
  const REQUEST_TIMEOUT_MS = 90000;
  const REASONS = ["wrong", "outdated", "unclear", "incomplete", "other"];

  // -- UI strings ---------------------------------------------------------------------------------------------
  const STRINGS = {
    en: {
      title: "Help",
      open: "Open help chat",
      close: "Close help chat",
      newConversation: "New conversation",
      welcome: "Hi! Ask me a question. I answer from our help centre and show where each answer comes from.",
      placeholder: "Ask a question…",
      questionLabel: "Your question",
      send: "Send",
      you: "You said:",
      bot: "Answer:",
      thinking: "Looking for an answer…",
      sources: "Sources",
      related: "Related articles that might help",
      newTab: "(opens in a new tab)",
      sourceN: "Source {n}: {title}",
      wasHelpful: "Was this helpful?",
      helpful: "Helpful",
      notHelpful: "Not helpful",
      whatWrong: "What was wrong?",
      reasons: { wrong: "Wrong", outdated: "Outdated", unclear: "Unclear", incomplete: "Incomplete", other: "Other" },
      comment: "Comment (optional)",
      sendFeedback: "Send feedback",
      thanks: "Thanks for your feedback!",
      talkToHuman: "Talk to a human",
      handoffIntro: "Leave a short message for our team. Their reply shows here in this chat; add your email to " +
        "hear from them by email too.",
      handoffIntroSignedIn: "Leave a short message. Someone from our team will reply here.",
      email: "Email (optional)",
      message: "Message",
      sendRequest: "Send request",
      cancel: "Cancel",
      handoffSent: "Thanks! Someone from our team will get back to you at {email}. Their reply shows here too.",
      handoffSentNoEmail: "Thanks! Your request was passed to our team. Their reply will show here in this chat: " +
        "come back to this page to read it.",
      handoffAdded: "Our team already has your request: we added this to it, and will get back to you at {email}.",
      handoffAddedNoEmail: "Our team already has your request: we added this to it. Their reply will show here.",
      newReply: "Open the chat: our team has answered",
      handoffNeedsQuestion: "Please leave your email or a short message for our team.",
      fromTeam: "Answer from our team:",
      sending: "Sending…",
      retry: "Try again",
      loading: "Loading the conversation…",
      notFound: "That conversation could not be found. You can start a new one.",
      offline: "You're offline. Check your connection and try again.",
      online: "You're back online.",
      network: "Couldn't reach the help service. Check your connection and try again.",
      interrupted: "The answer was interrupted. Please try again.",
      rateLimited: "You've sent a lot of questions in a short time. Please try again in {time}.",
      rateLimitedSoon: "You've sent a lot of questions in a short time. Please try again in a moment.",
      unavailable: "The help service is having trouble right now. Please try again in a moment.",
      unauthorized: "This chat isn't set up correctly (the site key is missing or unknown).",
      sessionExpired: "Your session has expired. Reload the page and sign in again.",
      tooLong: "That's too long. Please keep your message under {max} characters.",
      failed: "Something went wrong.",
      seconds: (n) => (n === 1 ? "1 second" : `${n} seconds`),
      minutes: (n) => (n === 1 ? "1 minute" : `${n} minutes`),
    },
    zh: {
      title: "帮助",
      open: "打开帮助对话",
      close: "关闭帮助对话",
      newConversation: "新对话",
      welcome: "您好！请提出您的问题。我会根据帮助中心的文章回答，并注明每个答案的出处。",
      placeholder: "请输入您的问题…",
      questionLabel: "您的问题",
      send: "发送",
      you: "您说：",
      bot: "回答：",
      thinking: "正在查找答案…",
      sources: "来源",
      related: "可能有帮助的相关文章",
      newTab: "（在新标签页中打开）",
      sourceN: "来源 {n}：{title}",
      wasHelpful: "这个回答有帮助吗？",
      helpful: "有帮助",
      notHelpful: "没有帮助",
      whatWrong: "哪里有问题？",
      reasons: { wrong: "错误", outdated: "过时", unclear: "不清楚", incomplete: "不完整", other: "其他" },
      comment: "备注（可选）",
      sendFeedback: "提交反馈",
      thanks: "感谢您的反馈！",
      talkToHuman: "联系人工客服",
      handoffIntro: "请给我们的团队留下简短留言。回复会显示在这个对话里；留下邮箱也可以通过邮件收到回复。",
      handoffIntroSignedIn: "请留下简短留言，我们的团队会在这里回复您。",
      email: "邮箱（可选）",
      message: "留言",
      sendRequest: "发送请求",
      cancel: "取消",
      handoffSent: "谢谢！我们的团队会通过 {email} 与您联系。",
      handoffSentNoEmail: "谢谢！您的请求已转交给我们的团队。回复会显示在这个对话里，请回到本页查看。",
      handoffAdded: "我们的团队已经收到您的请求，已把这条留言加进去，会通过 {email} 与您联系。",
      handoffAddedNoEmail: "我们的团队已经收到您的请求，已把这条留言加进去。回复会显示在这里。",
      newReply: "打开对话：我们的团队已回复",
      handoffNeedsQuestion: "请留下您的邮箱或给我们团队的简短留言。",
      fromTeam: "我们团队的回复：",
      sending: "正在发送…",
      retry: "重试",
      loading: "正在加载对话…",
      notFound: "找不到该对话。您可以开始新的对话。",
      offline: "您已离线。请检查网络连接后重试。",
      online: "网络已恢复。",
      network: "无法连接帮助服务。请检查网络连接后重试。",
      interrupted: "回答被中断，请重试。",
      rateLimited: "您在短时间内提问过多，请在{time}后重试。",
      rateLimitedSoon: "您在短时间内提问过多，请稍后重试。",
      unavailable: "帮助服务暂时出现问题，请稍后重试。",
      unauthorized: "此对话窗口配置有误（站点密钥缺失或无效）。",
      sessionExpired: "您的登录已过期。请刷新页面并重新登录。",
      tooLong: "内容过长，请控制在 {max} 个字符以内。",
      failed: "出错了。",
      seconds: (n) => ` ${n} 秒`,
      minutes: (n) => ` ${n} 分钟`,
    },
  };

  function pickLanguage(requested) {
    const lang = (requested || navigator.language || "en").toLowerCase();
    return lang.startsWith("zh") ? "zh" : "en";
  }

  function fill(template, params) {
    return template.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
  }

  // -- small DOM helpers (text only, never HTML) --------------------------------------------------------------
  /** h("button", {class: "x", "aria-label": "…", onclick: fn}, "text", childNode) */
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value == null || value === false) continue;
      if (key === "class") el.className = value;
      else if (key === "text") el.textContent = value;
      else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child != null && child !== false) el.append(child); // strings become text nodes
    }
    return el;
  }

  /** The URL if it is an absolute http(s) URL, else null: no javascript:, data: or relative links from documents. */
  function safeUrl(value) {
    if (typeof value !== "string" || !value) return null;
    try {
      const url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch {
      return null;
    }
  }

  // Line icons (paths from Feather, MIT licence): drawn with the DOM like everything else, and crisp everywhere,
  // unlike emoji, which depend on the visitor's fonts.
  const ICONS = {
    chat: ["M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z"],
    close: ["M18 6 6 18", "M6 6l12 12"],
    restart: ["M1 4v6h6", "M3.51 15a9 9 0 1 0 2.13-9.36L1 10"],
    up: ["M14 9V5a3 3 0 0 0-3-3l-4 9v11h11.28a2 2 0 0 0 2-1.7l1.38-9a2 2 0 0 0-2-2.3zM7 22H4a2 2 0 0 1-2-2v-7a2 2 0 0 1 2-2h3"],
    down: ["M10 15v4a3 3 0 0 0 3 3l4-9V2H5.72a2 2 0 0 0-2 1.7l-1.38 9a2 2 0 0 0 2 2.3zm7-13h2.67A2.31 2.31 0 0 1 22 4v7a2.31 2.31 0 0 1-2.33 2H17"],
  };

  function icon(name) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    const attrs = { viewBox: "0 0 24 24", width: "20", height: "20", fill: "none", stroke: "currentColor",
      "stroke-width": "2", "stroke-linecap": "round", "stroke-linejoin": "round", "aria-hidden": "true",
      focusable: "false" };
    for (const [key, value] of Object.entries(attrs)) svg.setAttribute(key, value);
    for (const d of ICONS[name]) {
      const path = document.createElementNS(ns, "path");
      path.setAttribute("d", d);
      svg.append(path);
    }
    return svg;
  }

  function link(url, text, label) {
    return h("a", { href: url, target: "_blank", rel: "noopener noreferrer", "aria-label": label }, text);
  }

  // -- answer formatting --------------------------------------------------------------------------------------
  // The answer is plain text. Recognised: blank-line paragraphs, "- " / "* " and "1. " lists, "| a | b |" tables,
  // **bold**, `code` (menu values, URLs, codes the article marks as such) and [n] citation markers (links to the
  // cited article when its URL is http(s)). Every piece is set as text, never parsed as HTML.

  function appendInline(parent, text, citations, t) {
    const pattern = /\[(\d{1,3})\]|\*\*([^*\n]+)\*\*|`([^`\n]+)`/g;
    let last = 0;
    for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
      if (m.index > last) parent.append(text.slice(last, m.index));
      if (m[2] !== undefined) {
        parent.append(h("strong", { text: m[2] }));
      } else if (m[3] !== undefined) {
        parent.append(h("code", { text: m[3] }));
      } else {
        const citation = citations.get(Number(m[1]));
        const url = citation && safeUrl(citation.url);
        if (url) {
          const label = fill(t.sourceN, { n: m[1], title: citation.title || url }) + " " + t.newTab;
          const a = link(url, `[${m[1]}]`, label);
          a.className = "cite";
          parent.append(a);
        } else {
          parent.append(h("span", { class: "cite", title: citation ? citation.title : null }, m[0]));
        }
      }
      last = pattern.lastIndex;
    }
    if (last < text.length) parent.append(text.slice(last));
  }

  function tableRow(line) {
    // "| a | b [1] |" (or "| a | b | [1]", as older answers end a table): the cells, with any trailing citation
    // markers kept on the last cell.
    const m = /^\|(.*)\|\s*((?:\[\d+\]\s*)*)$/.exec(line);
    if (!m) return null;
    // "\|" is a pipe inside a cell (ingest escapes them): kept as text, not split on.
    const cells = m[1].replace(/\\\|/g, "\u0000").split("|").map((c) => c.trim().replace(/\u0000/g, "|"));
    if (m[2]) cells[cells.length - 1] += " " + m[2].trim();
    return cells;
  }

  function formatAnswer(text, citationList, t) {
    const citations = new Map((citationList || []).map((c) => [Number(c.n), c]));
    const out = document.createDocumentFragment();
    let block = null; // the <p>, <ul>, <ol> or <tbody> being filled
    let kind = null;
    let nextNumber = 1; // the number the list being filled gives its next item
    const start = (newKind, el) => {
      kind = newKind;
      block = el;
    };
    for (const raw of String(text || "").replace(/\r\n?/g, "\n").split("\n")) {
      const line = raw.trim();
      let m;
      if (!line) {
        kind = null; // a blank line ends any block
      } else if ((m = /^[-*•]\s+(.+)$/.exec(line))) {
        if (kind !== "ul") start("ul", out.appendChild(h("ul")));
        appendInline(block.appendChild(h("li")), m[1], citations, t);
      } else if ((m = /^(\d{1,3})[.)]\s+(.+)$/.exec(line))) {
        const number = Number(m[1]);
        if (kind !== "ol") {
          start("ol", out.appendChild(h("ol", { start: number === 1 ? null : number })));
          nextNumber = number;
        }
        // A step quoted after its procedure's first ("1. Go to Invoices > New invoice", then "3. Add line items")
        // keeps its own number: the list would count it as 2.
        appendInline(block.appendChild(h("li", { value: number === nextNumber ? null : number })), m[2], citations, t);
        nextNumber = number + 1;
      } else if (line.startsWith("|") && tableRow(line)) {
        const cells = tableRow(line);
        if (cells.every((c) => /^:?-{2,}:?$/.test(c))) continue; // the |---|---| separator row
        const first = kind !== "table";
        if (first) {
          const body = h("tbody");
          out.append(h("div", { class: "table" }, h("table", null, body)));
          start("table", body);
        }
        const row = block.appendChild(h("tr"));
        for (const cell of cells) appendInline(row.appendChild(h(first ? "th" : "td")), cell, citations, t);
      } else {
        if (kind !== "p") start("p", out.appendChild(h("p")));
        else block.append(h("br"));
        appendInline(block, line, citations, t);
      }
    }
    return out;
  }

  // -- storage and network helpers ----------------------------------------------------------------------------
  const memoryStore = new Map(); // when localStorage is unavailable (privacy modes, sandboxed iframes)
  const store = {
    get(key) {
      try {
        return JSON.parse(window.localStorage.getItem(key) || "null");
      } catch {
        return memoryStore.get(key) || null;
      }
    },
    set(key, value) {
      try {
        window.localStorage.setItem(key, JSON.stringify(value));
      } catch {
        memoryStore.set(key, value);
      }
    },
  };

  function randomId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  /** The visitor's anonymous id, created once and kept: the server uses it to tell whose conversation is whose. */
  function sessionId() {
    let id = store.get("answerdesk:session");
    if (typeof id !== "string" || !id) {
      id = randomId();
      store.set("answerdesk:session", id);
    }
    return id;
  }

  class ApiError extends Error {
    constructor(kind, { status = 0, code = "", message = "", retryAfter = null } = {}) {
      super(message || kind);
      this.kind = kind; // offline | network | interrupted | rate_limited | unavailable | unauthorized | ...
      this.status = status;
      this.code = code;
      this.retryAfter = retryAfter; // seconds
    }
  }

  function retryAfterSeconds(header) {
    if (!header) return null;
    if (/^\d+$/.test(header.trim())) return Number(header.trim());
    const date = Date.parse(header);
    return Number.isNaN(date) ? null : Math.max(1, Math.ceil((date - Date.now()) / 1000));
  }

  async function errorFromResponse(res) {
    let body = null;
    try {
      body = await res.json();
    } catch {
      /* not JSON: keep the status alone */
    }
    const err = (body && body.error) || {};
    const details = { status: res.status, code: err.code || "", message: err.message || "" };
    if (res.status === 429) {
      return new ApiError("rate_limited", { ...details, retryAfter: retryAfterSeconds(res.headers.get("Retry-After")) });
    }
    if (res.status === 401 || res.status === 403) return new ApiError("unauthorized", details);
    if (res.status === 404) return new ApiError("not_found", details);
    if (res.status === 413) return new ApiError("too_long", details);
    if (res.status >= 500) return new ApiError("unavailable", details);
    return new ApiError("invalid", details);
  }

  /** Reads a text/event-stream body and calls onEvent(name, data) for each event with JSON data. */
  async function readEventStream(res, onEvent) {
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    const dispatch = (block) => {
      let name = "message";
      const data = [];
      for (const line of block.split(/\r?\n|\r/)) {
        if (!line || line.startsWith(":")) continue; // comments keep the connection alive
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") name = value;
        else if (field === "data") data.push(value);
      }
      if (data.length) onEvent(name, JSON.parse(data.join("\n")));
    };
    for (;;) {
      const { value, done } = await reader.read();
      buffer += decoder.decode(value || new Uint8Array(), { stream: !done });
      for (let m = /\r?\n\r?\n/.exec(buffer); m; m = /\r?\n\r?\n/.exec(buffer)) {
        dispatch(buffer.slice(0, m.index));
        buffer = buffer.slice(m.index + m[0].length);
      }
      if (done) break;
    }
    if (buffer.trim()) dispatch(buffer);
  }

  // -- styles (inside the shadow root: the host page's CSS can't reach in, ours can't leak out) ----------------
  const CSS = `
:host { display: contents; }
:host([mode="inline"]) { display: block; height: 100%; min-height: 420px; }
.root { all: initial; display: contents; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans",
  "PingFang SC", "Microsoft YaHei", sans-serif; color: #1f2328; --accent: #2563eb; --on-accent: #fff; }
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
.view { display: contents; }
svg { display: block; flex: none; }
.launcher svg { width: 26px; height: 26px; }
button, input, textarea { font: inherit; color: inherit; }
button { cursor: pointer; }
:focus-visible { outline: 2px solid var(--link, var(--accent)); outline-offset: 2px; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }

.launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; width: 56px; height: 56px;
  border: 0; border-radius: 50%; background: var(--accent); color: var(--on-accent);
  box-shadow: 0 4px 14px rgba(0,0,0,.25); display: grid; place-items: center; }
.launcher.unread::after { content: ""; position: absolute; top: 2px; right: 2px; width: 14px; height: 14px;
  border-radius: 50%; background: #d1242f; border: 2px solid #fff; }
.panel { position: fixed; right: 20px; bottom: 88px; z-index: 2147483000; width: min(400px, calc(100vw - 24px));
  height: min(620px, calc(100vh - 110px)); display: flex; flex-direction: column; background: #fff;
  border-radius: 14px; box-shadow: 0 10px 40px rgba(0,0,0,.22); overflow: hidden; text-align: left; }
.inline .panel { position: static; width: 100%; height: 100%; border-radius: 10px;
  box-shadow: none; border: 1px solid #d0d7de; }
@media (max-width: 480px) {
  .floating .panel { inset: 0; width: 100%; height: 100%; border-radius: 0; }
  .floating.open .launcher { display: none; }
}

header { display: flex; align-items: center; gap: 4px; padding: 10px 8px 10px 16px; background: var(--accent);
  color: var(--on-accent); }
header h2 { flex: 1; margin: 0; font-size: 16px; font-weight: 600; overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap; }
.icon { border: 0; background: transparent; color: inherit; width: 36px; height: 36px; border-radius: 8px;
  line-height: 1; display: grid; place-items: center; }
.icon:hover { background: rgba(127,127,127,.2); }
header :focus-visible { outline-color: var(--on-accent); outline-offset: -2px; }
.banner { margin: 0; padding: 8px 16px; background: #fff4e5; color: #7a4100; font-size: 13px; }

.messages { flex: 1; overflow-y: auto; margin: 0; padding: 14px; list-style: none; display: flex;
  flex-direction: column; gap: 12px; background: #f6f8fa; overscroll-behavior: contain; }
.msg { max-width: 92%; padding: 10px 12px; border-radius: 12px; overflow-wrap: anywhere; }
.msg.user { align-self: flex-end; background: var(--accent); color: var(--on-accent); white-space: pre-wrap;
  border-bottom-right-radius: 4px; }
.msg.bot, .msg.note { align-self: flex-start; background: #fff; border: 1px solid #e1e4e8;
  border-bottom-left-radius: 4px; }
.msg.note { font-size: 14px; color: #3d444d; }
.msg.team { border-left: 3px solid var(--accent); }
.msg.team .from { font-size: 12px; font-weight: 600; color: #57606a; margin-bottom: 4px; }
.msg.error { border-color: #f0b4b4; background: #fff5f5; color: #8a1c1c; }
.body p { margin: 0 0 8px; } .body p:last-child { margin-bottom: 0; }
.body ul, .body ol { margin: 4px 0 8px; padding-left: 22px; } .body li { margin: 2px 0; }
.table { overflow-x: auto; margin: 4px 0 8px; background-repeat: no-repeat;
  background-image: linear-gradient(to right, #fff 30%, rgba(255,255,255,0)),
    linear-gradient(to left, #fff 30%, rgba(255,255,255,0)),
    radial-gradient(farthest-side at 0 50%, rgba(0,0,0,.2), rgba(0,0,0,0)),
    radial-gradient(farthest-side at 100% 50%, rgba(0,0,0,.2), rgba(0,0,0,0));
  background-position: 0 0, 100% 0, 0 0, 100% 0; background-size: 24px 100%, 24px 100%, 10px 100%, 10px 100%;
  background-attachment: local, local, scroll, scroll; }
table { border-collapse: collapse; font-size: 13px; } th, td { border: 1px solid #d0d7de; padding: 3px 6px;
  text-align: left; vertical-align: top; overflow-wrap: normal; } th { background: #f6f8fa; }
a, .link { color: var(--link, var(--accent)); }
.msg.user a { color: inherit; }
.body code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em;
  background: #f6f8fa; border: 1px solid #e1e4e8; border-radius: 4px; padding: 0 3px; }
.cite { font-size: 12px; vertical-align: super; line-height: 0; text-decoration: none; margin-left: 1px; }
.thinking::after { content: "…"; animation: blink 1.2s infinite; }
@keyframes blink { 50% { opacity: .2; } }
@media (prefers-reduced-motion: reduce) { .thinking::after { animation: none; } }

.refs { margin-top: 10px; padding-top: 8px; border-top: 1px solid #eaeef2; font-size: 13px; }
.refs h3 { margin: 0 0 4px; font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: .03em;
  color: #57606a; }
.refs ol, .refs ul { margin: 0; padding-left: 22px; } .refs li { margin: 2px 0; }
.refs .excerpt { display: block; color: #57606a; margin: 1px 0 4px; }
.actions { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; margin-top: 10px; font-size: 13px;
  color: #57606a; }
.vote { border: 1px solid #d0d7de; background: #fff; border-radius: 999px; padding: 4px 10px; color: #57606a; }
.vote svg { width: 16px; height: 16px; }
.vote[aria-pressed="true"] { border-color: var(--link, var(--accent)); color: var(--link, var(--accent)); }
.vote:disabled { cursor: default; opacity: .7; }
.reasons { margin-top: 8px; display: flex; flex-direction: column; gap: 8px; }
.reasons fieldset { border: 0; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 6px; }
.reasons legend { font-size: 13px; margin-bottom: 4px; padding: 0; }
.chip { border: 1px solid #d0d7de; background: #fff; border-radius: 999px; padding: 3px 12px; font-size: 13px; }
.chip[aria-pressed="true"] { background: var(--accent); border-color: var(--accent); color: var(--on-accent); }
label { font-size: 13px; color: #3d444d; display: block; }
textarea, input { width: 100%; border: 1px solid #d0d7de; border-radius: 8px; padding: 7px 9px; background: #fff; }
.primary { border: 0; border-radius: 8px; padding: 7px 14px; background: var(--accent); color: var(--on-accent);
  font-weight: 600; }
.secondary { border: 1px solid #d0d7de; border-radius: 8px; padding: 7px 14px; background: #fff; }
.primary:disabled { opacity: .6; cursor: default; }
.link { border: 0; background: none; padding: 0; text-decoration: underline; font-size: 13px; }
.status { margin: 0; font-size: 13px; } .status.bad { color: #8a1c1c; }

footer { border-top: 1px solid #e1e4e8; padding: 8px 10px 10px; background: #fff; }
.human { text-align: right; margin-bottom: 6px; }
.composer { display: flex; gap: 8px; align-items: flex-end; }
.composer textarea { resize: none; max-height: 140px; min-height: 40px; }
.composer .primary { height: 40px; flex: none; white-space: nowrap; }

.handoff { flex: 1; overflow-y: auto; padding: 16px; display: flex; flex-direction: column; gap: 10px; }
.handoff h3 { margin: 0; font-size: 16px; } .handoff p { margin: 0; }
.row { display: flex; gap: 8px; justify-content: flex-end; flex-wrap: wrap; }
`;

  /**
   * Styles that a strict Content-Security-Policy allows (ours forbids inline styles, and so may the host page's): a
   * constructed stylesheet is not inline markup, so it needs no 'unsafe-inline'; no style="" attributes either
   * (element.style, used below, is allowed). Browsers without constructed stylesheets get a <style> element that
   * carries the nonce of this script's tag, if it has one.
   */
  function adoptStyles(shadow) {
    if ("adoptedStyleSheets" in shadow && "replaceSync" in CSSStyleSheet.prototype) {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      shadow.adoptedStyleSheets = [sheet];
      return;
    }
    const style = h("style", { text: CSS });
    if (SCRIPT && SCRIPT.nonce) style.nonce = SCRIPT.nonce;
    shadow.append(style);
  }

  // -- the element --------------------------------------------------------------------------------------------
  class AnswerdeskWidget extends HTMLElement {
    connectedCallback() {
      if (this.shadowRoot) return; // moved in the DOM: already built
      const attr = (name) => this.getAttribute(name) ?? this.getAttribute("data-" + name);
      this.inline = attr("mode") === "inline";
      this.siteKey = attr("site-key") || "";
      this.csrfToken = attr("csrf-token") || "";
      this.apiBase = attr("api-base") || SCRIPT_BASE;
      this.language = pickLanguage(attr("lang")); // (not this.lang / this.title: HTMLElement properties)
      this.t = STRINGS[this.language];
      this.panelTitle = attr("title") || this.t.title;
      this.removeAttribute("title"); // a title attribute would show as a tooltip over the whole widget
      this.storageKey = `answerdesk:v1:${attr("storage-key") || this.siteKey || "internal"}`;
      this.conversationId = null;
      this.items = []; // {type: "turn", question, answer, citations, sources, related, is_gap, messageId, feedback}
      //                  or {type: "note", key, params, handoffId?, settled?} or {type: "reply", handoffId, text} (the
      //                  team's answer to a hand-off): what is shown, and what localStorage keeps
      // Requests for a person of conversations left for a new one ({conversationId, handoffId}): their replies are
      // still shown when they come (a new conversation threw them away, and the team was told "they see it").
      this.waiting = [];
      this.busy = false;
      this.controller = null; // aborts the request in flight when a new conversation starts

      this.build(attr("color"));
      const requested = attr("conversation-id");
      if (requested) this.loadFromServer(requested);
      else this.restore();
      this.watchForReplies();
    }

    // ---- building the shadow DOM ----
    build(color) {
      const t = this.t;
      const shadow = this.attachShadow({ mode: "open" });
      adoptStyles(shadow);
      this.root = h("div", { class: "root " + (this.inline ? "inline" : "floating"), lang: this.language });
      shadow.append(this.root);
      this.applyColor(color);

      this.launcher = h("button", {
        class: "launcher", type: "button", "aria-label": t.open, "aria-expanded": "false", "aria-controls": "panel",
        hidden: this.inline, onclick: () => this.toggle(),
      }, icon("chat"));

      this.list = h("ol", { class: "messages", role: "log", "aria-live": "polite", "aria-label": this.panelTitle });
      this.banner = h("p", { class: "banner", role: "status", hidden: true });
      this.input = h("textarea", {
        // No maxlength: a paste longer than the limit would be cut without a word and sent ending mid-sentence.
        // submitQuestion() says it is too long and leaves the text in the box to shorten.
        id: "question", rows: "1", placeholder: t.placeholder,
        "aria-label": t.questionLabel, enterkeyhint: "send",
        onkeydown: (e) => {
          if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { // isComposing: Chinese IME confirms with Enter
            e.preventDefault();
            this.submitQuestion();
          }
        },
        oninput: () => this.autosize(),
      });
      this.sendButton = h("button", { class: "primary", type: "submit" }, t.send);
      const composer = h("form", { class: "composer", onsubmit: (e) => { e.preventDefault(); this.submitQuestion(); } },
        this.input, this.sendButton);
      this.chatView = h("div", { class: "view" },
        this.list,
        h("footer", null,
          h("div", { class: "human" },
            h("button", { class: "link", type: "button", onclick: () => this.openHandoff() }, t.talkToHuman)),
          composer));
      this.handoffView = this.buildHandoff();

      this.panel = h("section", {
        class: "panel", id: "panel", role: this.inline ? "region" : "dialog", "aria-labelledby": "title",
        hidden: !this.inline,
      },
      h("header", null,
        h("h2", { id: "title", text: this.panelTitle }),
        h("button", { class: "icon", type: "button", "aria-label": t.newConversation, title: t.newConversation,
          onclick: () => this.newConversation() }, icon("restart")),
        this.inline ? null : h("button", { class: "icon", type: "button", "aria-label": t.close, title: t.close,
          onclick: () => this.close() }, icon("close"))),
      this.banner, this.chatView, this.handoffView);

      this.root.append(this.panel, this.launcher);
      shadow.addEventListener("keydown", (e) => {
        if (e.key !== "Escape") return;
        if (!this.handoffView.hidden) this.closeHandoff();
        else if (!this.inline && !this.panel.hidden) this.close();
        else return;
        e.stopPropagation();
      });
      window.addEventListener("offline", () => this.showBanner(t.offline));
      window.addEventListener("online", () => {
        this.showBanner(t.online);
        setTimeout(() => navigator.onLine && this.showBanner(null), 3000);
      });
      if (!navigator.onLine) this.showBanner(t.offline);
    }

    buildHandoff() {
      const t = this.t;
      // Optional: the team's reply shows in this chat (checked while the page is open), and by email too when the
      // service can send one. Required, it kept away visitors who would not give an address, and promised an email
      // that a service without a mail server never sent.
      this.handoffEmail = h("input", { id: "handoff-email", type: "email", autocomplete: "email", maxlength: "254" });
      this.handoffMessage = h("textarea", { id: "handoff-message", rows: "4" }); // checked on send, as the question
      this.handoffStatus = h("p", { class: "status", role: "status" });
      this.handoffSend = h("button", { class: "primary", type: "submit" }, t.sendRequest);
      const form = h("form", { class: "handoff", "aria-labelledby": "handoff-title",
        onsubmit: (e) => { e.preventDefault(); this.sendHandoff(); } },
      h("h3", { id: "handoff-title", text: t.talkToHuman }),
      // A signed-in employee (no site key) is known: the service takes their address, so no field asks for it.
      h("p", { text: this.siteKey ? t.handoffIntro : t.handoffIntroSignedIn }),
      ...(this.siteKey ? [h("label", { for: "handoff-email", text: t.email }), this.handoffEmail] : []),
      h("label", { for: "handoff-message", text: t.message }), this.handoffMessage,
      this.handoffStatus,
      h("div", { class: "row" },
        h("button", { class: "secondary", type: "button", onclick: () => this.closeHandoff() }, t.cancel),
        this.handoffSend));
      form.hidden = true;
      return form;
    }

    /** data-color: any CSS colour; text on it is black or white, whichever reads better. */
    applyColor(color) {
      if (!color || !CSS_supports("color", color)) return;
      this.root.style.setProperty("--accent", color);
      const probe = h("span", { hidden: true });
      probe.style.color = color;
      this.root.append(probe);
      const rgb = (getComputedStyle(probe).color.match(/[\d.]+/g) || []).map(Number);
      probe.remove();
      if (rgb.length >= 3) {
        const [r, g, b] = rgb.slice(0, 3).map((v) => {
          const c = v / 255;
          return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        });
        const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
        this.root.style.setProperty("--on-accent", luminance > 0.4 ? "#111" : "#fff");
        // Links on white need contrast too: a light accent is darkened for them.
        if (luminance > 0.3) this.root.style.setProperty("--link", `color-mix(in srgb, ${color} 50%, #000)`);
      }
    }

    // ---- opening, closing, views ----
    toggle() {
      if (this.panel.hidden) this.open();
      else this.close();
    }

    open() {
      this.panel.hidden = false;
      this.root.classList.add("open");
      this.launcher.setAttribute("aria-expanded", "true");
      this.launcher.classList.remove("unread");
      this.launcher.setAttribute("aria-label", this.t.close);
      this.launcher.replaceChildren(icon("close"));
      this.scrollToEnd();
      (this.handoffView.hidden ? this.input : this.siteKey ? this.handoffEmail : this.handoffMessage).focus();
      this.checkReplies();
    }

    close() {
      this.panel.hidden = true;
      this.root.classList.remove("open");
      this.launcher.setAttribute("aria-expanded", "false");
      this.launcher.setAttribute("aria-label", this.launcher.classList.contains("unread") ? this.t.newReply : this.t.open);
      this.launcher.replaceChildren(icon("chat"));
      this.launcher.focus();
    }

    openHandoff(prefill) {
      if (!this.inline && this.panel.hidden) this.open();
      this.chatView.hidden = true;
      this.handoffView.hidden = false;
      this.handoffStatus.textContent = "";
      if (prefill && !this.handoffMessage.value) this.handoffMessage.value = prefill;
      // The email first where it is asked for (a visitor's is required), else the message.
      const asksEmail = this.siteKey && (this.handoffEmail.required || !this.handoffMessage.value);
      (asksEmail ? this.handoffEmail : this.handoffMessage).focus();
    }

    closeHandoff() {
      this.handoffView.hidden = true;
      this.chatView.hidden = false;
      this.input.focus();
    }

    showBanner(text) {
      this.banner.textContent = text || "";
      this.banner.hidden = !text;
    }

    autosize() {
      this.input.style.height = "auto";
      this.input.style.height = Math.min(this.input.scrollHeight + 2, 140) + "px";
    }

    scrollToEnd() {
      this.list.scrollTop = this.list.scrollHeight;
    }

    // ---- state: localStorage and the server ----
    save() {
      const items = this.items.filter((item) => item.type !== "turn" || item.messageId != null);
      store.set(this.storageKey, { conversationId: this.conversationId, items: items.slice(-MAX_STORED_ITEMS),
        waiting: this.waiting });
    }

    restore() {
      const saved = store.get(this.storageKey);
      if (saved && Array.isArray(saved.items)) {
        this.conversationId = typeof saved.conversationId === "string" ? saved.conversationId : null;
        this.items = saved.items.filter((item) => item && ["turn", "note", "reply"].includes(item.type));
        this.waiting = Array.isArray(saved.waiting) ? saved.waiting.filter((w) => w && typeof w.conversationId === "string") : [];
      }
      this.renderAll();
      if (this.conversationId) this.announceConversation(this.conversationId, null);
      this.checkReplies();
    }

    /** While a request for a person waits, ask for the team's reply every REPLY_CHECK_MS when the page is in view
     * (and at once when it comes back into view): the reply shows without a reload, and the launcher gets a dot
     * when the panel is closed. */
    watchForReplies() {
      const check = () => { if (document.visibilityState === "visible") this.checkReplies(); };
      setInterval(check, REPLY_CHECK_MS);
      document.addEventListener("visibilitychange", check);
    }

    // ---- the team's answers to hand-off requests ----
    pendingHandoffs() {
      return this.items.filter((item) => item.type === "note" && item.handoffId != null && !item.settled);
    }

    /** A hand-off request still waiting: fetch the conversation (on load and when the panel opens) and show the
     * team's reply once there is one. Quiet on failure: the next load asks again. */
    async checkReplies() {
      const id = this.conversationId;
      if (this.checkingReplies) return;
      this.checkingReplies = true;
      try {
        await this.checkEarlierReplies();
        if (!id || !this.pendingHandoffs().length) return;
        const res = await this.request("GET", `conversations/${encodeURIComponent(id)}`);
        const data = await res.json();
        res.finish();
        if (id === this.conversationId) this.mergeReplies(data.handoffs || []);
      } catch (err) {
        if (err.kind === "not_found" && id === this.conversationId) {
          for (const note of this.pendingHandoffs()) note.settled = true; // the server no longer has it
          this.save();
        }
      } finally {
        this.checkingReplies = false;
      }
    }

    /** The requests of conversations left for a new one: a reply is shown in this one, as the team's answer. */
    async checkEarlierReplies() {
      for (const waiting of [...this.waiting]) {
        let handoffs = [];
        try {
          const res = await this.request("GET", `conversations/${encodeURIComponent(waiting.conversationId)}`);
          handoffs = (await res.json()).handoffs || [];
          res.finish();
        } catch (err) {
          if (err.kind !== "not_found") continue; // asked again next time
        }
        const handoff = handoffs.find((r) => r.id === waiting.handoffId);
        if (handoff && handoff.status === "open") continue;
        this.waiting = this.waiting.filter((w) => w !== waiting);
        if (handoff && handoff.reply && !this.items.some((i) => i.type === "reply" && i.handoffId === handoff.id)) {
          this.showReply({ type: "reply", handoffId: handoff.id, text: handoff.reply });
        }
        this.save();
      }
    }

    showReply(item) {
      this.items.push(item);
      this.renderReply(item);
      if (this.panel.hidden) {
        this.launcher.classList.add("unread");
        this.launcher.setAttribute("aria-label", this.t.newReply);
      }
    }

    mergeReplies(handoffs) {
      let changed = false;
      for (const handoff of handoffs) {
        if (handoff.status === "open") continue;
        for (const note of this.pendingHandoffs()) {
          if (note.handoffId === handoff.id) { note.settled = true; changed = true; }
        }
        if (handoff.reply && !this.items.some((i) => i.type === "reply" && i.handoffId === handoff.id)) {
          this.showReply({ type: "reply", handoffId: handoff.id, text: handoff.reply });
          changed = true;
        }
      }
      if (changed) this.save();
    }

    renderReply(item) {
      // Text, like every answer: formatAnswer builds elements, it never parses HTML.
      this.list.append(h("li", { class: "msg bot team" }, h("div", { class: "from", text: this.t.fromTeam }),
        h("div", { class: "body" }, formatAnswer(item.text, [], this.t))));
      this.scrollToEnd();
    }

    /** The help page's "past conversations": fetch one and continue it here. */
    async loadFromServer(id) {
      this.renderAll();
      const loading = this.list.appendChild(h("li", { class: "msg note", text: this.t.loading }));
      try {
        const res = await this.request("GET", `conversations/${encodeURIComponent(id)}`);
        const data = await res.json();
        res.finish();
        this.conversationId = String(data.id);
        const turns = (data.messages || []).filter((m) => m.answer != null).map((m) => ({
          type: "turn", question: m.question, answer: m.answer, citations: m.citations || [],
          sources: m.sources || [], related: m.related || [], is_gap: !!m.is_gap, intent: m.intent || null,
          messageId: m.id, feedback: typeof m.helpful === "boolean" ? { helpful: m.helpful, sent: true } : null,
          at: m.created_at,
        }));
        // Each request for a person as the note sent with it, still waiting for the team's reply while it is open:
        // without it a reload dropped the request, and the reply never showed when it came (checkReplies asks only
        // for requests still waiting).
        const requests = (data.handoffs || []).map((r) => ({
          type: "note", key: "handoffSentNoEmail", params: {}, handoffId: r.id, settled: r.status !== "open",
          at: r.created_at }));
        const replies = (data.handoffs || []).filter((r) => r.reply).map((r) => ({
          type: "reply", handoffId: r.id, text: r.reply, at: r.answered_at }));
        // In the order they happened (the timestamps are ISO 8601 UTC, so they sort as text).
        this.items = turns.concat(requests, replies).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
        this.save();
        this.renderAll();
        this.announceConversation(this.conversationId, null);
      } catch (err) {
        loading.remove();
        this.appendNote(err.kind === "not_found" ? "notFound" : null, {}, this.errorText(err));
      }
    }

    newConversation() {
      if (this.controller) this.controller.abort();
      const conversationId = this.conversationId;
      if (conversationId) {
        this.waiting.push(...this.pendingHandoffs().map((note) => ({ conversationId, handoffId: note.handoffId })));
      }
      this.conversationId = null;
      this.items = [];
      this.save();
      this.renderAll();
      this.closeHandoff();
      this.announceConversation(null, null);
    }

    announceConversation(conversationId, question) {
      this.dispatchEvent(new CustomEvent("answerdesk:conversation",
        { bubbles: true, composed: true, detail: { conversationId, question } }));
    }

    // ---- network ----
    /** fetch() with our headers; resolves to an ok Response (call res.finish() when done) or throws ApiError.
     * `chat` marks the question in flight, which "new conversation" aborts. */
    async request(method, path, body, { accept = "application/json", chat = false } = {}) {
      if (!navigator.onLine) throw new ApiError("offline");
      const headers = { Accept: accept };
      if (body) headers["Content-Type"] = "application/json";
      if (this.siteKey) {
        headers["X-Site-Key"] = this.siteKey;
        headers["X-Session-Id"] = sessionId();
      }
      if (this.csrfToken) headers["X-CSRFToken"] = this.csrfToken;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort("timeout"), REQUEST_TIMEOUT_MS);
      if (chat) this.controller = controller;
      let res;
      try {
        res = await fetch(new URL("api/v1/" + path, this.apiBase), {
          method, headers, body: body ? JSON.stringify(body) : undefined, signal: controller.signal,
          credentials: this.siteKey ? "omit" : "same-origin", // visitors: no cookies; employees: the session
          cache: "no-store",
        });
      } catch (err) {
        clearTimeout(timer);
        if (controller.signal.aborted && controller.signal.reason !== "timeout") throw new ApiError("aborted");
        throw new ApiError(navigator.onLine ? "network" : "offline");
      }
      if (!res.ok) {
        clearTimeout(timer);
        throw await errorFromResponse(res);
      }
      res.finish = () => clearTimeout(timer);
      return res;
    }

    errorText(err) {
      const t = this.t;
      switch (err.kind) {
        case "offline": return t.offline;
        case "network": return t.network;
        case "interrupted": return t.interrupted;
        case "rate_limited": {
          const s = err.retryAfter;
          if (!s) return t.rateLimitedSoon;
          return fill(t.rateLimited, { time: s < 90 ? t.seconds(s) : t.minutes(Math.ceil(s / 60)) });
        }
        case "unavailable": return t.unavailable;
        case "unauthorized": return this.siteKey ? t.unauthorized : t.sessionExpired;
        case "too_long": return fill(t.tooLong, { max: MAX_QUESTION });
        default: return err.message && err.status ? err.message : t.failed; // 400s carry a readable message
      }
    }

    // ---- asking ----
    submitQuestion() {
      const question = this.input.value.trim();
      if (!question || this.busy) return;
      if (question.length > MAX_QUESTION) {
        this.appendNote(null, {}, fill(this.t.tooLong, { max: MAX_QUESTION }), true);
        return;
      }
      this.input.value = "";
      this.autosize();
      this.ask(question);
    }

    async ask(question) {
      const turn = { type: "turn", question, answer: "", citations: [], sources: [], related: [], is_gap: false,
        messageId: null, feedback: null };
      this.items.push(turn);
      const view = this.renderTurn(turn, true);
      this.busy = true;
      this.sendButton.disabled = true;
      try {
        await this.fetchAnswer(turn, view);
        this.save();
        this.announceConversation(this.conversationId, question);
      } catch (err) {
        const index = this.items.indexOf(turn); // failed turns are not kept (gone already after "new conversation")
        if (index >= 0) this.items.splice(index, 1);
        if (err.kind !== "aborted") this.showTurnError(view, err, question);
      } finally {
        this.busy = false;
        this.sendButton.disabled = false;
        this.controller = null;
      }
    }

    async fetchAnswer(turn, view, isRetry = false) {
      let finished = false; // no streaming re-render may land after the final one
      const body = { question: turn.question, stream: true };
      if (this.conversationId) body.conversation_id = this.conversationId;
      let res;
      try {
        res = await this.request("POST", "chat", body, { accept: "text/event-stream", chat: true });
      } catch (err) {
        if (err.kind === "not_found" && this.conversationId && !isRetry) {
          this.conversationId = null; // the server no longer knows it (e.g. a reset database): start afresh
          return this.fetchAnswer(turn, view, true);
        }
        throw err;
      }
      try {
        if (!(res.headers.get("Content-Type") || "").includes("text/event-stream")) {
          this.applyResult(turn, await res.json()); // a server that does not stream
        } else {
          let done = false;
          let pending = false; // one render per animation frame, however fast the deltas come
          const render = () => {
            if (pending) return;
            pending = true;
            requestAnimationFrame(() => {
              pending = false;
              if (!finished) this.fillBotBody(view, turn, true);
            });
          };
          await readEventStream(res, (event, data) => {
            if (event === "delta") { turn.answer += data.text || ""; render(); }
            else if (event === "replace") { turn.answer = data.text || ""; render(); }
            else if (event === "citations") { this.applyResult(turn, data); render(); }
            else if (event === "done") { this.applyResult(turn, data); done = true; }
            else if (event === "error") {
              const e = data.error || {};
              const kind = e.code === "rate_limited" ? "rate_limited" : "unavailable";
              throw new ApiError(kind, { code: e.code, message: e.message, status: 500 });
            }
          });
          if (!done) throw new ApiError("interrupted");
        }
      } catch (err) {
        if (err instanceof ApiError) throw err;
        const signal = this.controller && this.controller.signal;
        throw new ApiError(signal && signal.aborted && signal.reason !== "timeout" ? "aborted" : "interrupted");
      } finally {
        finished = true;
        res.finish();
      }
      this.fillBotBody(view, turn, false);
    }

    applyResult(turn, data) {
      for (const key of ["answer", "citations", "sources", "related", "is_gap", "intent"]) {
        if (data[key] !== undefined) turn[key] = data[key];
      }
      if (data.message_id != null) turn.messageId = data.message_id;
      if (data.conversation_id != null) this.conversationId = String(data.conversation_id);
    }

    // ---- rendering ----
    renderAll() {
      this.list.replaceChildren(h("li", { class: "msg bot welcome" }, h("div", { class: "body", text: this.t.welcome })));
      for (const item of this.items) {
        if (item.type === "note") this.appendNote(item.key, item.params || {}, null, false, false);
        else if (item.type === "reply") this.renderReply(item);
        else this.renderTurn(item, false);
      }
      this.scrollToEnd();
    }

    renderTurn(turn, streaming) {
      this.list.append(h("li", { class: "msg user" }, h("span", { class: "sr-only", text: this.t.you + " " }),
        turn.question));
      const view = this.list.appendChild(h("li", { class: "msg bot" }));
      this.fillBotBody(view, turn, streaming);
      return view;
    }

    /** ``text`` naming the hand-off button as this widget shows it. The service words a reply in the question's
     *  language, and names the button in it: a Chinese question under an English widget got "您可以点击“联系人工客服”"
     *  above a button reading "Talk to a human". */
    withOnScreenLabels(text) {
      let out = text;
      for (const [language, strings] of Object.entries(STRINGS)) {
        if (language === this.language || strings.talkToHuman === this.t.talkToHuman) continue;
        out = out.split("\u201c" + strings.talkToHuman + "\u201d").join("\u201c" + this.t.talkToHuman + "\u201d");
      }
      return out;
    }

    /** (Re)builds an answer bubble: text, sources, related articles and hand-off for gaps, feedback. */
    fillBotBody(view, turn, streaming) {
      const t = this.t;
      const nearBottom = this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 60;
      view.setAttribute("aria-busy", streaming ? "true" : "false");
      const body = h("div", { class: "body" });
      if (turn.answer) body.append(formatAnswer(this.withOnScreenLabels(turn.answer), turn.citations, t));
      else if (streaming) body.append(h("span", { class: "thinking", text: t.thinking }));
      view.replaceChildren(h("span", { class: "sr-only", text: t.bot + " " }), body);

      const citations = (turn.citations || []).slice().sort((a, b) => a.n - b.n);
      if (!turn.is_gap && citations.length) {
        view.append(h("div", { class: "refs sources" }, h("h3", { text: t.sources }),
          h("ol", null, citations.map((c) => h("li", { value: String(c.n), "data-doc-id": c.id }, this.docLink(c))))));
      }
      if (turn.is_gap && !streaming) {
        if (turn.related && turn.related.length) {
          view.append(h("div", { class: "refs related" }, h("h3", { text: t.related }),
            h("ul", null, turn.related.map((r) => h("li", null, this.docLink(r),
              // The article's line closest to the question (plain text): which suggestion is about what was asked.
              typeof r.excerpt === "string" && r.excerpt ? h("span", { class: "excerpt", text: r.excerpt }) : null)))));
        }
        view.append(h("div", { class: "actions" }, h("button", { class: "primary", type: "button",
          onclick: () => this.openHandoff(turn.question) }, t.talkToHuman)));
      }
      // "I want a person" (intent "handoff"), "that's not what I asked" ("rejection"): the offer is the answer, so
      // its button comes right under it. Small talk ("hi", "thanks!") is not an answer to rate: no 👍/👎 for any
      // intent reply.
      if ((turn.intent === "handoff" || turn.intent === "rejection") && !streaming) {
        const asked = this.items.slice(0, this.items.indexOf(turn)).filter((i) => i.type === "turn" && !i.intent);
        const last = asked.length ? asked[asked.length - 1].question : undefined; // what the team should see
        view.append(h("div", { class: "actions" }, h("button", { class: "primary", type: "button",
          onclick: () => this.openHandoff(last) }, t.talkToHuman)));
      }
      if (!streaming && turn.messageId != null && !turn.intent) view.append(this.feedbackControls(turn));
      if (nearBottom || streaming) this.scrollToEnd();
    }

    docLink(doc) {
      const url = safeUrl(doc.url);
      const title = doc.title || doc.id || "";
      return url ? link(url, title, title + " " + this.t.newTab) : h("span", { text: title });
    }

    feedbackControls(turn) {
      const t = this.t;
      const wrap = h("div", { class: "feedback" });
      const status = h("p", { class: "status", role: "status" });
      const sent = turn.feedback && turn.feedback.sent;
      const up = h("button", { class: "vote", type: "button", "aria-label": t.helpful, title: t.helpful,
        "aria-pressed": String(!!(turn.feedback && turn.feedback.helpful === true)), disabled: sent },
      icon("up"));
      const down = h("button", { class: "vote", type: "button", "aria-label": t.notHelpful, title: t.notHelpful,
        "aria-pressed": String(!!(turn.feedback && turn.feedback.helpful === false)), disabled: sent,
        "aria-expanded": "false" }, icon("down"));
      const reasons = this.reasonForm(turn, status, (refocus) => lock(refocus));
      // ``refocus``: the feedback had keyboard focus when it was sent. The focused button (👍, or the reasons' "Send
      // feedback") is then disabled or hidden, which drops focus to the page, outside the widget, where Escape no
      // longer closes it: the question box takes it (the thanks is announced by the status line).
      const lock = (refocus) => {
        up.disabled = down.disabled = true;
        reasons.hidden = true;
        down.setAttribute("aria-expanded", "false");
        if (refocus) this.input.focus();
      };
      up.addEventListener("click", async () => {
        const refocus = this.shadowRoot.activeElement === up;
        up.setAttribute("aria-pressed", "true");
        down.setAttribute("aria-pressed", "false");
        reasons.hidden = true;
        if (await this.sendFeedback(turn, { helpful: true }, status)) lock(refocus);
      });
      down.addEventListener("click", () => {
        down.setAttribute("aria-pressed", "true");
        up.setAttribute("aria-pressed", "false");
        reasons.hidden = false;
        down.setAttribute("aria-expanded", "true");
        reasons.querySelector(".chip").focus();
      });
      wrap.append(h("div", { class: "actions" }, h("span", { text: t.wasHelpful }), up, down), reasons, status);
      if (sent) status.textContent = t.thanks;
      return wrap;
    }

    reasonForm(turn, status, onSent) {
      const t = this.t;
      const chosen = new Set();
      const chips = REASONS.map((reason) => h("button", { class: "chip", type: "button", "aria-pressed": "false",
        "data-reason": reason,
        onclick: (e) => {
          const on = !chosen.has(reason);
          if (on) chosen.add(reason); else chosen.delete(reason);
          e.currentTarget.setAttribute("aria-pressed", String(on));
        } }, t.reasons[reason]));
      const commentId = "comment-" + randomId();
      const comment = h("textarea", { id: commentId, rows: "2" }); // checked on send, as the question
      const send = h("button", { class: "primary", type: "submit" }, t.sendFeedback);
      const form = h("form", { class: "reasons",
        onsubmit: async (e) => {
          e.preventDefault();
          const refocus = form.contains(this.shadowRoot.activeElement);  // before disabling takes it away
          if (comment.value.trim().length > MAX_QUESTION) {
            status.classList.add("bad");
            status.textContent = fill(t.tooLong, { max: MAX_QUESTION });
            return;
          }
          send.disabled = true;
          const ok = await this.sendFeedback(turn,
            { helpful: false, reasons: [...chosen], comment: comment.value.trim() || undefined }, status);
          send.disabled = false;
          if (ok) onSent(refocus);
          else if (refocus) send.focus();
        } },
      h("fieldset", null, h("legend", { text: t.whatWrong }), chips),
      h("label", { for: commentId, text: t.comment }), comment,
      h("div", { class: "row" }, send));
      form.hidden = true;
      return form;
    }

    async sendFeedback(turn, payload, status) {
      status.classList.remove("bad");
      status.textContent = this.t.sending;
      try {
        const res = await this.request("POST", "feedback", { message_id: turn.messageId, ...payload });
        res.finish();
        turn.feedback = { helpful: payload.helpful, sent: true };
        this.save();
        status.textContent = this.t.thanks;
        return true;
      } catch (err) {
        status.classList.add("bad");
        status.textContent = this.errorText(err);
        return false;
      }
    }

    async sendHandoff() {
      const t = this.t;
      const email = this.handoffEmail.value.trim();
      const message = this.handoffMessage.value.trim();
      if (message.length > MAX_QUESTION) {
        this.handoffStatus.classList.add("bad");
        this.handoffStatus.textContent = fill(t.tooLong, { max: MAX_QUESTION });
        return;
      }
      this.handoffSend.disabled = true;
      this.handoffStatus.classList.remove("bad");
      this.handoffStatus.textContent = t.sending;
      try {
        const body = { email: email || undefined, message: message || undefined };
        if (this.conversationId) body.conversation_id = this.conversationId;
        const res = await this.request("POST", "handoff", body);
        const data = await res.json().catch(() => ({}));
        res.finish();
        if (data && data.conversation_id != null) this.conversationId = String(data.conversation_id);
        this.handoffMessage.value = "";
        this.closeHandoff();
        // Asked again while the first request is open: the service added this to it (one request per conversation).
        const key = data && data.already_open ? "handoffAdded" : "handoffSent";
        // "at {email}" only when the service will email the reply (a mail server, and an address to send it to).
        this.appendNote(data && data.reply_by_email ? key : `${key}NoEmail`, { email }, null, false, true);
        if (data && data.id != null) {
          this.items[this.items.length - 1].handoffId = data.id; // the note waits for the team's reply
          this.save();
        }
      } catch (err) {
        this.handoffStatus.classList.add("bad");
        // Before the first question (or after only "I want a person") the service needs an email or a message.
        const needsQuestion = err.kind === "invalid" && !email && !message;
        this.handoffStatus.textContent = needsQuestion ? t.handoffNeedsQuestion : this.errorText(err);
      } finally {
        this.handoffSend.disabled = false;
      }
    }

    /** A short message in the list: a translatable note (kept if `keep`) or a one-off text. */
    appendNote(key, params, text, isError = false, keep = false) {
      const li = h("li", { class: "msg note" + (isError ? " error" : ""), role: isError ? "alert" : null,
        text: key ? fill(this.t[key], params) : text });
      this.list.append(li);
      if (keep) {
        this.items.push({ type: "note", key, params });
        this.save();
      }
      this.scrollToEnd();
      return li;
    }

    showTurnError(view, err, question) {
      view.classList.add("error");
      view.setAttribute("aria-busy", "false");
      view.replaceChildren(h("p", { class: "status", role: "alert", text: this.errorText(err) }));
      if (err.kind !== "unauthorized" && err.kind !== "too_long" && err.kind !== "invalid") {
        view.append(h("div", { class: "actions" }, h("button", { class: "secondary", type: "button",
          onclick: () => {
            if (this.busy) return;
            view.previousElementSibling.remove(); // the question bubble: ask() shows it again
            view.remove();
            this.ask(question);
          } }, this.t.retry)));
      }
      this.scrollToEnd();
    }
  }

  function CSS_supports(property, value) {
    return !window.CSS || !CSS.supports || CSS.supports(property, value);
  }

  customElements.define(TAG, AnswerdeskWidget);

  // -- auto-mount: <script src=".../widget.js" data-site-key="KEY"> adds the floating widget to the page --------
  function autoMount() {
    if (!SCRIPT || !SCRIPT.dataset.siteKey) return; // pages that place <answerdesk-widget> themselves
    if (document.querySelector(`${TAG}:not([mode="inline"])`)) return;
    const el = document.createElement(TAG);
    for (const name of ["site-key", "lang", "color", "title"]) {
      const value = SCRIPT.getAttribute("data-" + name);
      if (value) el.setAttribute("data-" + name, value);
    }
    el.setAttribute("api-base", SCRIPT_BASE);
    document.body.append(el);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", autoMount);
  else autoMount();
})();
