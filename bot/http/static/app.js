// factdesk's question page. Everything shown comes from the Answer JSON fields, added with
// textContent (never innerHTML): article text stays inert, whatever it contains. The only
// links are the sources' own http(s) addresses and the [n] anchors to the sources below.
"use strict";

const STATUSES = ["confirmed", "reported", "speculative", "disputed"];
const PARTIES = [
  ["attributed_to", "claimed by"],
  ["corroborated_by", "corroborated by"],
  ["disputed_by", "disputed by"],
  ["not_confirmed_by", "not confirmed by"],
];

function el(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const child of children) {
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

function $(id) {
  return document.getElementById(id);
}

// A link only for an absolute http(s) address; anything else is shown as text, if at all.
function safeUrl(value) {
  if (typeof value !== "string") return null;
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

function partyList(value) {
  if (Array.isArray(value)) return value.filter((item) => typeof item === "string" && item);
  return typeof value === "string" && value ? [value] : [];
}

function claimItem(claim) {
  const status = STATUSES.includes(claim.status) ? claim.status : "reported";
  const item = el("li", `claim ${status}`);
  item.dataset.status = status;
  const text = el("p", "text", el("span", `status ${status}`, status), String(claim.text));
  const cites = el("span", "cites");
  for (const n of claim.citations || []) {
    const anchor = el("a", null, `[${Number(n)}]`);
    anchor.href = `#source-${Number(n)}`;
    cites.append(anchor);
  }
  text.append(cites);
  item.append(text);
  const parties = el("ul", "parties");
  for (const [field, label] of PARTIES) {
    const names = partyList(claim[field]);
    if (names.length) {
      const line = el("li", field, el("span", "role", `${label}: `), names.join(", "));
      parties.append(line);
    }
  }
  if (parties.childElementCount) item.append(parties);
  return item;
}

function sourceItem(source) {
  const item = el("li", "source");
  item.id = `source-${Number(source.n)}`;
  const head = el("p", "head", el("span", "n", `[${Number(source.n)}]`), String(source.outlet), " — ");
  head.append(el("span", "title", String(source.title)));
  if (source.published) head.append(` (${String(source.published)})`);
  const href = safeUrl(source.url);
  if (href) {
    const link = el("a", "url", href);
    link.href = href;
    link.rel = "noopener noreferrer";
    link.target = "_blank";
    head.append(" ", link);
  }
  item.append(head, el("blockquote", "quote", String(source.quote)));
  return item;
}

function show(answer, notes) {
  $("result").hidden = false;
  $("notes").replaceChildren(...notes.map((note) => el("li", null, `note: ${note}`)));
  $("abstained").hidden = !answer.abstained;
  $("answer").hidden = Boolean(answer.abstained);
  if (answer.abstained) {
    $("abstained").textContent = String(answer.answer);
    return;
  }
  $("claims").replaceChildren(...answer.claims.map(claimItem));
  $("sources").replaceChildren(...answer.sources.map(sourceItem));
  const removed = Number(answer.removed_sentences) || 0;
  $("removed").hidden = removed === 0;
  $("removed").textContent = `(${removed} unsupported sentence${removed === 1 ? "" : "s"} removed.)`;
}

function say(text, isError) {
  $("state").textContent = text;
  $("state").className = isError ? "error" : "";
}

function readNotes(response) {
  try {
    const notes = JSON.parse(response.headers.get("Factdesk-Notes") || "[]");
    return Array.isArray(notes) ? notes.map(String) : [];
  } catch {
    return [];
  }
}

async function ask(event) {
  event.preventDefault();
  const body = { question: $("question").value };
  for (const field of ["outlet", "since", "until"]) {
    if ($(field).value) body[field] = $(field).value;
  }
  const headers = { "Content-Type": "application/json" };
  if ($("token").value) headers.Authorization = `Bearer ${$("token").value}`;
  $("ask").disabled = true;
  $("result").hidden = true;
  say("Looking through the articles…", false);
  try {
    const response = await fetch("/ask", { method: "POST", headers, body: JSON.stringify(body) });
    const data = await response.json().catch(() => ({ error: `the server answered ${response.status}` }));
    if (!response.ok) {
      if (response.status === 401) $("token-row").hidden = false;
      say(`Error: ${String(data.error || response.status)}`, true);
      return;
    }
    say("", false);
    show(data, readNotes(response));
  } catch (error) {
    say(`Error: the server cannot be reached (${error})`, true);
  } finally {
    $("ask").disabled = false;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("ask-form").addEventListener("submit", ask);
});
