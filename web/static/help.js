/* The employee help page: keeps the URL and the "Your conversations" list in step with the inline widget.
   Text from conversations only goes in through textContent. */
(() => {
  "use strict";

  const list = document.getElementById("conversations");
  const empty = document.querySelector(".history .empty");

  function linkFor(id) {
    return Array.from(list.querySelectorAll("a[data-conversation-id]")).find((a) => a.dataset.conversationId === id);
  }

  function markCurrent(id) {
    for (const a of list.querySelectorAll("a[aria-current]")) a.removeAttribute("aria-current");
    const a = id && linkFor(id);
    if (a) a.setAttribute("aria-current", "page");
  }

  function formatDate(date) {
    return date.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
  }

  function addConversation(id, question) {
    const a = document.createElement("a");
    a.href = "?c=" + encodeURIComponent(id);
    a.dataset.conversationId = id;
    const q = document.createElement("span");
    q.className = "q";
    q.textContent = question.length > 90 ? question.slice(0, 87) + "..." : question;
    // As the server draws the list (help.html): the date the same way, and the count of questions so far.
    const meta = document.createElement("span");
    meta.className = "meta";
    const time = document.createElement("time");
    const now = new Date();
    time.dateTime = now.toISOString();
    time.textContent = formatDate(now);
    const count = document.createElement("span");
    count.className = "count";
    count.dataset.turns = "0";
    meta.append(time, " · ", count);
    a.append(q, meta);
    const li = document.createElement("li");
    li.append(a);
    list.prepend(li);
    if (empty) empty.hidden = true;
  }

  /** One more question answered in conversation ``id``: its count and date, and it goes to the top of the list, as
   * the server orders it (the count said "1 question" after five until a reload). */
  function countQuestion(id) {
    const a = linkFor(id);
    const count = a && a.querySelector(".count");
    if (!count) return;
    const turns = Number(count.dataset.turns || "0") + 1;
    count.dataset.turns = String(turns);
    count.textContent = turns === 1 ? "1 question" : `${turns} questions`;
    const time = a.querySelector("time");
    if (time) {
      const now = new Date();
      time.dateTime = now.toISOString();
      time.textContent = formatDate(now);
    }
    list.prepend(a.closest("li"));
  }

  // The widget announces the conversation it shows: after each answer, after a restore, and after "new".
  document.addEventListener("answerdesk:conversation", (event) => {
    const { conversationId, question } = event.detail || {};
    const url = new URL(location.href);
    if (conversationId) url.searchParams.set("c", conversationId);
    else url.searchParams.delete("c");
    history.replaceState(null, "", url);
    if (conversationId && !linkFor(conversationId) && question) addConversation(conversationId, question);
    if (conversationId && question) countQuestion(conversationId);
    markCurrent(conversationId);
  });

  // "+ New" restarts the conversation in place (the plain link still works without JavaScript).
  const newLink = document.querySelector("[data-new-conversation]");
  if (newLink) {
    newLink.addEventListener("click", (event) => {
      const widget = document.querySelector("answerdesk-widget");
      if (!widget || typeof widget.newConversation !== "function") return;
      event.preventDefault();
      widget.newConversation();
    });
  }

  // "Suggest an edit" next to each source of an answer: employees tell the article's editors what is wrong
  // (POST /api/v1/documents/<id>/suggestions). The widget draws the sources in its open Shadow DOM; the link is
  // added there (styled by the widget's own .link class) and opens the dialog of this page.
  const dialog = document.getElementById("suggest-edit");
  const widget = document.querySelector("answerdesk-widget");
  const SCRIPT_URL = document.currentScript ? document.currentScript.src : location.href;
  const API_BASE = new URL("../api/v1/", SCRIPT_URL);
  let suggestTarget = null; // {id, title} of the document the dialog is about

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // The cited document of a source list item: its data-doc-id, or the answer's citation with the same number
  // and title (the widget keeps its turns in .items).
  function citationOf(li) {
    const label = li.firstElementChild ? li.firstElementChild.textContent.trim() : "";
    if (li.dataset.docId) return { id: li.dataset.docId, title: label };
    const n = Number(li.getAttribute("value"));
    for (const item of widget.items || []) {
      for (const c of item.citations || []) {
        if (Number(c.n) === n && (c.title || c.id) === label) return { id: String(c.id), title: label };
      }
    }
    return null;
  }

  function addSuggestLinks(root) {
    for (const li of root.querySelectorAll(".refs.sources li")) {
      if (li.querySelector("[data-suggest-edit]")) continue;
      const citation = citationOf(li);
      if (!citation) continue;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "link";
      button.dataset.suggestEdit = "";
      button.style.marginLeft = "8px";
      button.textContent = "Suggest an edit";
      button.setAttribute("aria-label", "Suggest an edit to " + citation.title);
      button.addEventListener("click", () => openSuggest(citation));
      li.append(button);
    }
  }

  function setStatus(text, bad) {
    const status = dialog.querySelector(".status");
    status.textContent = text;
    status.classList.toggle("bad", !!bad);
  }

  function openSuggest(citation) {
    suggestTarget = citation;
    dialog.querySelector(".doc").textContent = citation.title;
    dialog.querySelector("textarea").value = "";
    dialog.querySelector("button[type=submit]").hidden = false;
    dialog.querySelector("[data-close]").textContent = "Cancel";
    setStatus("", false);
    dialog.showModal();
    dialog.querySelector("textarea").focus();
  }

  async function sendSuggestion(event) {
    event.preventDefault();
    const text = dialog.querySelector("textarea").value.trim();
    const send = dialog.querySelector("button[type=submit]");
    if (!text || !suggestTarget) return;
    // Ids are file paths ("billing/refunds.md", "faq.csv#3"): each segment encoded, the slashes kept.
    const path = suggestTarget.id.split("/").map(encodeURIComponent).join("/");
    send.disabled = true;
    setStatus("Sending…", false);
    try {
      const res = await fetch(new URL(`documents/${path}/suggestions`, API_BASE), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ text }),
      });
      const data = await res.json().catch(() => ({}));
      if (!res.ok) {
        setStatus((data.error && data.error.message) || "Your suggestion was not sent; try again.", true);
        return;
      }
      setStatus("Thank you: the editors of this article will see your suggestion.", false);
      send.hidden = true;
      dialog.querySelector("[data-close]").textContent = "Close";
    } catch (err) {
      setStatus("Your suggestion was not sent (offline?); try again.", true);
    } finally {
      send.disabled = false;
    }
  }

  if (dialog && widget && window.customElements && typeof dialog.showModal === "function") {
    dialog.querySelector("form").addEventListener("submit", sendSuggestion);
    dialog.querySelector("[data-close]").addEventListener("click", () => dialog.close());
    customElements.whenDefined("answerdesk-widget").then(() => {
      const root = widget.shadowRoot;
      if (!root) return;
      addSuggestLinks(root);
      // Answers are (re)drawn as they stream in and when a conversation is restored.
      new MutationObserver(() => addSuggestLinks(root)).observe(root, { childList: true, subtree: true });
    });
  }

  // Dates in the reader's time zone.
  for (const time of document.querySelectorAll("time[datetime]")) {
    const date = new Date(time.getAttribute("datetime"));
    if (!Number.isNaN(date.getTime())) time.textContent = formatDate(date);
  }
})();
