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

  function addConversation(id, question) {
    const a = document.createElement("a");
    a.href = "?c=" + encodeURIComponent(id);
    a.dataset.conversationId = id;
    const q = document.createElement("span");
    q.className = "q";
    q.textContent = question.length > 90 ? question.slice(0, 87) + "..." : question;
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = new Date().toLocaleString();
    a.append(q, meta);
    const li = document.createElement("li");
    li.append(a);
    list.prepend(li);
    if (empty) empty.hidden = true;
  }

  // The widget announces the conversation it shows: after each answer, after a restore, and after "new".
  document.addEventListener("answerdesk:conversation", (event) => {
    const { conversationId, question } = event.detail || {};
    const url = new URL(location.href);
    if (conversationId) url.searchParams.set("c", conversationId);
    else url.searchParams.delete("c");
    history.replaceState(null, "", url);
    if (conversationId && !linkFor(conversationId) && question) addConversation(conversationId, question);
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

  // Dates in the reader's time zone.
  for (const time of document.querySelectorAll("time[datetime]")) {
    const date = new Date(time.getAttribute("datetime"));
    if (!Number.isNaN(date.getTime())) time.textContent = date.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
  }
})();
