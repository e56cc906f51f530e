// The pacta dashboard: a read-only view over the JSON API, for the escrow agent
// (admin token) or a party (its own token). It shows exactly what the API lets
// the token see, so a party sees only its own agreements. Every value is put on
// the page as text (textContent), never as markup, because agreements carry
// names and documents supplied by their parties.
"use strict";

const REFRESH_MS = 5000;
const JOURNAL_ENTRIES = 50;
let selected = null;

function token() {
  return sessionStorage.getItem("pacta-token") || "";
}

async function api(path) {
  const reply = await fetch(path, { headers: { Authorization: "Bearer " + token() } });
  const body = await reply.json().catch(() => ({}));
  if (!reply.ok) {
    throw new Error((body.code || reply.status) + ": " + (body.message || reply.statusText));
  }
  return body;
}

// el("td", {class: "amount"}, "1.00", child, ...): an element with text or element children.
function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function table(headings, rows) {
  const head = el("tr", {}, ...headings.map((h) => el("th", {}, h)));
  return el("table", {}, el("thead", {}, head), el("tbody", {}, ...rows));
}

function status(text) {
  document.getElementById("status").textContent = text;
}

async function showList() {
  const list = document.getElementById("list");
  const agreements = await api("/v1/agreements");
  if (!agreements.some((a) => a.id === selected)) selected = agreements.length > 0 ? agreements[0].id : null;
  const items = agreements.map((a) => {
    const custody = a.custody.map((c) => c.account + " " + c.amount + " " + a.currency).join(", ");
    const item = el("div", { class: "agreement" + (a.id === selected ? " selected" : "") },
      el("strong", {}, a.id), " ", el("span", { class: "muted" }, a.status), el("br"),
      a.title, el("br"),
      el("span", { class: "muted" }, custody || "no custody account"),
      a.next_deadline ? el("div", { class: "due" }, "next deadline " + a.next_deadline) : null);
    item.addEventListener("click", () => select(a.id));
    return item;
  });
  list.replaceChildren(el("h2", {}, "Agreements (" + agreements.length + ")"), ...items);
}

function balances(view) {
  const rows = [];
  for (const account of view.custody) {
    rows.push(el("tr", {}, el("td", {}, el("strong", {}, account.account), " held by " + account.held_by), el("td", { class: "amount" }, el("strong", {}, account.total))));
    for (const part of account.parts) {
      rows.push(el("tr", {}, el("td", { class: "muted" }, "  " + (part.depositor || "(pool)")), el("td", { class: "amount" }, part.balance)));
    }
  }
  for (const line of view.parties) rows.push(el("tr", {}, el("td", {}, line.account + " (outside custody)"), el("td", { class: "amount" }, line.amount)));
  return [el("h3", {}, "Balances (" + view.currency + ")"), table(["account", "balance"], rows)];
}

function checklist(view) {
  const row = (name, title, done, got, missing) => el("tr", {},
    el("td", {}, title || name),
    el("td", { class: done ? "ok" : "missing" }, done ? "complete" : "open"),
    el("td", {}, got.join(", ")),
    el("td", { class: "missing" }, missing.join(", ")));
  const documents = view.documents.map((d) => row(d.name, d.title, d.complete, d.delivered.map((x) => x.by + " " + x.at), d.missing));
  const instruments = view.instruments.map((i) => row(i.name, i.title, !!i.executed_at, i.signed.map((s) => s.by + " " + s.at), i.missing));
  return [el("h3", {}, "Conditions"), table(["document or instrument", "", "delivered or signed", "missing"], [...documents, ...instruments])];
}

function deadlines(list) {
  const rows = list.map((d) => el("tr", {},
    el("td", {}, d.clause ? "§" + d.clause : ""),
    el("td", {}, d.purpose),
    el("td", { class: d.status === "pending" ? "due" : "muted" }, d.status),
    el("td", {}, d.due),
    el("td", {}, d.time_left || d.met_at || d.cancelled || ""),
    el("td", { class: "muted" }, d.calendar + ", " + d.time_zone)));
  return [el("h3", {}, "Deadlines"), table(["clause", "for", "status", "due", "time left", "calendar"], rows)];
}

function postings(list) {
  const rows = list.map((p) => el("tr", { title: p.why },
    el("td", {}, p.id), el("td", { class: "at" }, p.local), el("td", {}, p.debit), el("td", {}, p.credit),
    el("td", { class: "amount" }, p.amount), el("td", {}, "§" + p.clause + " " + p.clause_title)));
  return [el("h3", {}, "Ledger (hover a posting for why)"), table(["#", "at", "from", "to", "amount", "clause"], rows)];
}

function journal(view) {
  const entries = view.entries;
  const rows = entries.map((e) => el("tr", {},
    el("td", {}, e.seq), el("td", { class: "at" }, e.local), el("td", {}, e.type), el("td", {}, e.text),
    el("td", {}, el("code", {}, String(e.hash).slice(0, 12)))));
  return [el("h3", {}, "Journal (last " + entries.length + ")"), table(["seq", "at", "event", "", "hash"], rows)];
}

async function showDetail() {
  if (!selected) return;
  const base = "/v1/agreements/" + encodeURIComponent(selected);
  const detail = await api(base);
  const after = Math.max(0, detail.seq - JOURNAL_ENTRIES);
  const [bal, cond, dl, post, jour] = await Promise.all([
    api(base + "/balances"), api(base + "/conditions"), api(base + "/deadlines"), api(base + "/postings"),
    api(base + "/journal?after=" + after + "&limit=" + JOURNAL_ENTRIES),
  ]);
  const you = detail.you.identity + (detail.you.acts_as ? " (" + detail.you.acts_as + ")" : "");
  document.getElementById("detail").replaceChildren(
    el("h2", {}, detail.title + " — " + detail.id + " v" + detail.version),
    el("p", { class: "muted" }, "dated " + detail.dated + ", " + detail.calendar + " calendar, " + detail.time_zone + "; you are " + you),
    ...balances(bal), ...checklist(cond), ...deadlines(dl), ...postings(post), ...journal(jour));
}

async function select(id) {
  selected = id;
  await refresh();
}

// Clears what the page shows, so nothing seen with one token stays on screen
// under another.
function clear() {
  selected = null;
  document.getElementById("list").replaceChildren();
  document.getElementById("detail").replaceChildren();
}

async function refresh() {
  const started = token();
  if (!started) {
    status("Enter a token: the admin token shows every agreement, a party's token its own.");
    return;
  }
  try {
    await showList();
    await showDetail();
    status("updated " + new Date().toLocaleTimeString());
  } catch (error) {
    document.getElementById("detail").replaceChildren();
    status(error.message);
  }
  // A token changed while the requests were out: what they drew belongs to the old one.
  if (token() !== started) clear();
}

// A link may carry the token in its fragment ("/dashboard#token=…"), which the
// browser never sends to a server; it is moved to this tab's storage at once.
function tokenFromLink() {
  const given = new URLSearchParams(location.hash.slice(1)).get("token");
  if (given) {
    sessionStorage.setItem("pacta-token", given);
    history.replaceState(null, "", location.pathname);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  tokenFromLink();
  document.getElementById("login").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem("pacta-token", document.getElementById("token").value.trim());
    document.getElementById("token").value = "";
    clear();
    refresh();
  });
  document.getElementById("logout").addEventListener("click", () => {
    sessionStorage.removeItem("pacta-token");
    clear();
    refresh();
  });
  refresh();
  setInterval(refresh, REFRESH_MS);
});
