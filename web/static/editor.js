/* The editor area's small scripts (no framework).

   Markdown preview: every <textarea data-markdown-preview="CSS selector"> shows its text, rendered by the server
   (POST /editor/articles/preview {"text"} -> {"html"}), in the element the selector names: once on load, then as
   the editor types (debounced). The server renders with raw HTML disabled, so its output is the one thing put in
   through innerHTML, and only into the preview element; everything else is set through textContent.
   A textarea may name another endpoint with data-preview-url. */
(() => {
  "use strict";

  const DEBOUNCE_MS = 300;
  // The editor pages live under the app's root, like this script's /static/: works behind a path prefix too.
  const SCRIPT_URL = document.currentScript ? document.currentScript.src : location.href;
  const DEFAULT_PREVIEW_URL = new URL("../editor/articles/preview", SCRIPT_URL).pathname;

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function showProblem(target, message) {
    const note = document.createElement("p");
    note.className = "muted";
    note.textContent = message;
    target.replaceChildren(note);
  }

  function attachPreview(textarea) {
    let target;
    try {
      target = document.querySelector(textarea.dataset.markdownPreview);
    } catch (err) {
      return; // not a valid selector: nothing to fill
    }
    if (!target) return;
    const url = textarea.dataset.previewUrl || DEFAULT_PREVIEW_URL;
    let timer = null;
    let controller = null;
    let sequence = 0; // only the newest request's answer may land

    async function render() {
      const mine = ++sequence;
      if (controller) controller.abort();
      controller = new AbortController();
      target.setAttribute("aria-busy", "true");
      try {
        const res = await fetch(url, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
          body: JSON.stringify({ text: textarea.value }),
          signal: controller.signal,
        });
        const data = await res.json().catch(() => ({}));
        if (mine !== sequence) return;
        if (!res.ok || typeof data.html !== "string") {
          const message = data.error && data.error.message ? data.error.message : "The preview is not available.";
          showProblem(target, message);
          return;
        }
        target.innerHTML = data.html; // sanitized server-side: raw HTML in the Markdown comes back escaped
      } catch (err) {
        if (err.name !== "AbortError" && mine === sequence) showProblem(target, "The preview is not available (offline?).");
      } finally {
        if (mine === sequence) target.removeAttribute("aria-busy");
      }
    }

    textarea.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(render, DEBOUNCE_MS);
    });
    render();
  }

  // Buttons and forms that change something irreversible ask first: <button data-confirm="Decline it?">.
  function attachConfirm(element) {
    const event = element.tagName === "FORM" ? "submit" : "click";
    element.addEventListener(event, (e) => {
      if (!window.confirm(element.dataset.confirm)) e.preventDefault();
    });
  }

  // Live sections: <section id="x" data-live-refresh="SECONDS"> is replaced by the same section of a fresh copy of
  // this page every SECONDS while the tab is visible (the gap queue: questions arrive while an editor watches).
  // The fresh copy is our own server-rendered, escaped page, parsed inertly by DOMParser (no script runs).
  function attachLiveRefresh(section) {
    const seconds = Math.max(Number(section.dataset.liveRefresh) || 0, 2);
    let busy = false;
    setInterval(async () => {
      if (busy || document.visibilityState !== "visible") return;
      busy = true;
      try {
        const res = await fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
        if (!res.ok) return;
        const fresh = new DOMParser().parseFromString(await res.text(), "text/html").getElementById(section.id);
        if (fresh) section.replaceChildren(...Array.from(fresh.childNodes, (node) => document.importNode(node, true)));
      } catch (err) {
        // offline for a moment: the next tick tries again
      } finally {
        busy = false;
      }
    }, seconds * 1000);
  }

  function init() {
    for (const textarea of document.querySelectorAll("textarea[data-markdown-preview]")) attachPreview(textarea);
    for (const element of document.querySelectorAll("[data-confirm]")) attachConfirm(element);
    for (const section of document.querySelectorAll("[data-live-refresh][id]")) attachLiveRefresh(section);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
