// Doorstroom monitor: row actions without a page reload, and rows that follow their task.
// Forms keep working without this script (they post and come back to the page).
"use strict";

const POLL_MS = 1500;
const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

function rowFrom(html) {
  const holder = document.createElement("tbody");
  holder.innerHTML = html.trim();  // server-rendered, autoescaped fragment of our own origin
  return holder.firstElementChild;
}

function replaceRow(row, html) {
  const fresh = rowFrom(html);
  if (!fresh) return;
  row.replaceWith(fresh);
  follow(fresh);
}

// After an action the other unfinished rows of the page may move too (a restart runs every
// unfinished task of the run): follow them until they settle.
function followUnsettled() {
  document.querySelectorAll('tr[data-settled="false"]').forEach((row) => {
    if (!followed.has(row)) follow(row);
  });
}

async function fetchRow(url, options) {
  const response = await fetch(url, Object.assign({credentials: "same-origin"}, options, {
    headers: Object.assign({"X-Requested-With": "fetch"}, (options || {}).headers)}));
  if (response.status === 401) { window.location.assign("/login?next=" + encodeURIComponent(location.pathname)); return null; }
  return response;
}

const followed = new WeakSet();

function follow(row) {
  if (row.dataset.settled === "false") {
    followed.add(row);
    setTimeout(async () => {
      const response = await fetchRow(row.dataset.src);
      if (response && response.ok) replaceRow(row, await response.text());
    }, POLL_MS);
  } else {
    refreshSummary();
  }
}

async function refreshSummary() {
  const summary = document.getElementById("summary");
  if (!summary) return;
  const response = await fetchRow(summary.dataset.src);
  if (response && response.ok) summary.outerHTML = (await response.text()).trim();
}

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!form.matches("form[data-row-action]")) return;
  event.preventDefault();
  const row = form.closest("tr");
  const body = new URLSearchParams(new FormData(form));  // read before the buttons go disabled
  form.querySelectorAll("button").forEach((b) => { b.disabled = true; });
  const query = row.dataset.src.includes("?") ? row.dataset.src.slice(row.dataset.src.indexOf("?")) : "";
  const response = await fetchRow(form.action + query, {method: "POST", headers: {"X-CSRF-Token": csrf()},
                                                        body});
  if (!response) return;
  if (response.ok || response.status === 409 || response.status === 503) {
    replaceRow(row, await response.text());
    followUnsettled();
    refreshSummary();  // a restarted task no longer waits for the office: the counts say so now
  } else {
    window.location.reload();  // the page is out of date (task gone, form expired): show why
  }
});

document.addEventListener("change", (event) => {
  if (event.target.matches("select[data-autosubmit]")) event.target.form.submit();
});

// On load, follow the rows that are running now; queued rows wait for a worker or a restart.
document.querySelectorAll("tr.task.running").forEach(follow);
