// envbridge /web: play, watch and debug the environment this server serves.
// It speaks the same frames a client does: /ws reset/step/state frames, and MCP
// (tools/list, tools/call) inside "mcp" frames on the same socket. Plain JavaScript,
// no external resources; every value from the server is shown with textContent.
"use strict";

// ------------------------------------------------------------------ small DOM helpers

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "className") node.className = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

function show(node, visible) {
  node.hidden = !visible;
}

let uid = 0;
function newId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}

function fmt(value) {
  if (value === undefined) return "—";
  if (typeof value === "number" && !Number.isInteger(value)) return String(+value.toPrecision(6));
  return JSON.stringify(value);
}

// ------------------------------------------------------------------ the /ws channel

class ServerError extends Error {
  constructor(payload) {
    super(payload.message || "error");
    this.payload = payload;
  }
}

class Channel {
  /** One /ws connection: one reply per frame, in order. */
  constructor(onClose, onStray) {
    this.ws = null;
    this.pending = [];
    this.onClose = onClose;
    this.onStray = onStray;
  }

  open() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${scheme}//${location.host}/ws`);
    this.ws = ws;
    return new Promise((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error("the WebSocket /ws could not be opened"));
      ws.onmessage = (event) => {
        let message;
        try {
          message = JSON.parse(event.data);
        } catch (err) {
          message = { type: "error", data: { message: `not JSON: ${event.data}` } };
        }
        const waiter = this.pending.shift();
        if (waiter) waiter.resolve(message);
        else this.onStray(message);
      };
      ws.onclose = (event) => {
        for (const waiter of this.pending.splice(0)) {
          waiter.reject(new Error(`connection closed (code ${event.code})`));
        }
        this.onClose(event);
      };
    });
  }

  get connected() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  request(frame) {
    return new Promise((resolve, reject) => {
      if (!this.connected) {
        reject(new Error("not connected: press Reconnect"));
        return;
      }
      this.pending.push({ resolve, reject });
      this.ws.send(JSON.stringify(frame));
    });
  }
}

// ------------------------------------------------------------------ page state

const page = {
  mode: "simulation",
  bridge: "generic",
  envName: "envbridge",
  schema: {},
  tools: [],
  tasks: null, // {env, splits} when the server has the Task API
  channel: null,
  rpcId: 0,
  history: [],
  rewards: [],
  steps: 0,
  done: false,
  harborLog: [],
  actionWidget: null,
  toolWidget: null,
};

function record(kind, sent, received) {
  const entry = { time: new Date().toISOString(), kind, sent, received };
  page.history.push(entry);
  const data = received && received.data;
  let summary = kind;
  if (received && received.type === "error") summary += ` — error ${data.code || ""}`;
  else if (received && received.type === "observation") {
    summary += ` — reward ${fmt(data.reward)}, done ${fmt(data.done)}`;
  } else if (kind.startsWith("mcp")) summary += data && data.error ? " — error" : "";
  $("history-list").append(el("li", { text: summary }));
  $("history-count").textContent = `${page.history.length} entries`;
}

function downloadHistory() {
  const text = page.history.map((entry) => JSON.stringify(entry)).join("\n");
  const blob = new Blob([text ? `${text}\n` : ""], { type: "application/x-ndjson" });
  const link = el("a", { href: URL.createObjectURL(blob), download: `${page.envName}-history.jsonl` });
  document.body.append(link);
  link.click();
  link.remove();
}

// ------------------------------------------------------------------ JSON Schema forms

class FormError extends Error {
  constructor(message, input) {
    super(message);
    this.input = input;
  }
}

function lookupRef(ref, root) {
  if (!ref.startsWith("#")) return {};
  let node = root;
  for (const raw of ref.slice(1).split("/").filter(Boolean)) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    node = node && typeof node === "object" ? node[part] : undefined;
  }
  return node && typeof node === "object" ? node : {};
}

function resolveSchema(schema, root) {
  if (schema === true || schema === undefined || schema === null) return {};
  let current = schema;
  for (let guard = 0; guard < 32 && typeof current.$ref === "string"; guard += 1) {
    const { $ref, ...rest } = current;
    current = { ...lookupRef($ref, root), ...rest };
  }
  if (Array.isArray(current.allOf) && current.allOf.length === 1 && !current.type) {
    const { allOf, ...rest } = current;
    current = { ...resolveSchema(allOf[0], root), ...rest };
  }
  return current;
}

function hintOf(schema) {
  const parts = [];
  if (schema.description) parts.push(schema.description);
  const type = Array.isArray(schema.type) ? schema.type.join(" | ") : schema.type;
  if (type) parts.push(type);
  if (schema.minimum !== undefined || schema.maximum !== undefined) {
    parts.push(`range ${schema.minimum ?? "-∞"} … ${schema.maximum ?? "∞"}`);
  }
  if (schema.maxLength !== undefined) parts.push(`length ${schema.minLength || 0} … ${schema.maxLength}`);
  return parts.join(" · ");
}

function leafField(ctx, schema, input) {
  const id = newId("f");
  input.id = id;
  const hintId = `${id}-hint`;
  input.setAttribute("aria-describedby", hintId);
  if (ctx.required) input.setAttribute("aria-required", "true");
  return el(
    "div",
    { className: "field" },
    el("label", { for: id, text: ctx.required ? `${ctx.label} *` : ctx.label }),
    input,
    el("span", { className: "hint", id: hintId, text: hintOf(schema) }),
  );
}

function buildWidget(rawSchema, ctx) {
  const schema = resolveSchema(rawSchema, ctx.root);
  if (schema === false) return jsonWidget({}, ctx);
  if ("const" in schema) return constWidget(schema, ctx);
  if (Array.isArray(schema.enum)) return enumWidget(schema, ctx);
  const variants = schema.anyOf || schema.oneOf;
  if (Array.isArray(variants) && !schema.properties && !schema.prefixItems && !schema.items) {
    return unionWidget(schema, variants, ctx);
  }
  let type = schema.type;
  if (Array.isArray(type)) {
    const types = type.filter((t) => t !== "null");
    if (types.length === 1 && types.length === type.length) type = types[0];
    else {
      const asVariants = type.map((t) => ({ ...schema, type: t }));
      return unionWidget(schema, asVariants, ctx);
    }
  }
  if (!type) {
    if (schema.properties) type = "object";
    else if (schema.items || schema.prefixItems) type = "array";
  }
  if (type === "object" && schema.properties) return objectWidget(schema, ctx);
  if (type === "array") return arrayWidget(schema, ctx);
  if (type === "integer" || type === "number") return numberWidget(schema, ctx, type);
  if (type === "string") return stringWidget(schema, ctx);
  if (type === "boolean") return booleanWidget(schema, ctx);
  if (type === "null") return { el: el("div", { className: "field", text: `${ctx.label}: null` }), read: () => ({ value: null, empty: false }) };
  return jsonWidget(schema, ctx);
}

function constWidget(schema, ctx) {
  const id = newId("f");
  const node = el(
    "div",
    { className: "field" },
    el("span", { id, text: `${ctx.label}: ` }),
    el("span", { className: "fixed", "aria-labelledby": id, text: fmt(schema.const) }),
  );
  return { el: node, read: () => ({ value: schema.const, empty: false }) };
}

function enumWidget(schema, ctx) {
  const select = el("select", {});
  if (!ctx.required) select.append(el("option", { value: "", text: "— (not sent)" }));
  schema.enum.forEach((value, index) => {
    select.append(el("option", { value: String(index), text: typeof value === "string" ? value : JSON.stringify(value) }));
  });
  if (schema.default !== undefined) {
    const index = schema.enum.findIndex((value) => JSON.stringify(value) === JSON.stringify(schema.default));
    if (index >= 0) select.value = String(index);
  }
  return {
    el: leafField(ctx, schema, select),
    read: () => (select.value === "" ? { value: undefined, empty: true } : { value: schema.enum[Number(select.value)], empty: false }),
  };
}

function variantName(variant, index, root) {
  const v = resolveSchema(variant, root);
  if (v.title) return v.title;
  if ("const" in v) return `const ${JSON.stringify(v.const)}`;
  if (Array.isArray(v.enum)) return `one of ${v.enum.map((x) => JSON.stringify(x)).join(", ")}`;
  if (v.type) return Array.isArray(v.type) ? v.type.join(" | ") : v.type;
  return `variant ${index + 1}`;
}

function unionWidget(schema, variants, ctx) {
  const isNull = (v) => resolveSchema(v, ctx.root).type === "null";
  const concrete = variants.filter((v) => !isNull(v));
  const nullable = concrete.length < variants.length;
  if (concrete.length === 1) {
    // Optional[X]: the X widget; left empty it sends null (required) or nothing.
    const inner = buildWidget({ description: schema.description, ...concrete[0] }, ctx);
    return {
      el: inner.el,
      read: () => {
        const got = inner.read();
        if (got.empty && nullable && ctx.required) return { value: null, empty: false };
        return got;
      },
    };
  }
  const holder = el("div", {});
  const select = el("select", {});
  variants.forEach((variant, index) => select.append(el("option", { value: String(index), text: variantName(variant, index, ctx.root) })));
  const field = leafField({ ...ctx, label: `${ctx.label} (kind)` }, schema, select);
  let inner = null;
  const rebuild = () => {
    const variant = variants[Number(select.value)];
    inner = isNull(variant) ? null : buildWidget(variant, ctx);
    holder.replaceChildren(...(inner ? [inner.el] : []));
  };
  select.addEventListener("change", rebuild);
  rebuild();
  return {
    el: el("div", {}, field, holder),
    read: () => (inner ? inner.read() : { value: null, empty: false }),
  };
}

function objectWidget(schema, ctx) {
  const required = new Set(schema.required || []);
  const fieldset = el("fieldset", {}, el("legend", { text: ctx.label }));
  if (schema.description) fieldset.append(el("p", { className: "hint", text: schema.description }));
  const children = Object.entries(schema.properties).map(([key, sub]) => {
    const child = buildWidget(sub, {
      root: ctx.root,
      label: ctx.top ? key : `${ctx.label}.${key}`,
      required: required.has(key),
    });
    fieldset.append(child.el);
    return [key, child];
  });
  return {
    el: fieldset,
    read: () => {
      const value = {};
      let empty = true;
      for (const [key, child] of children) {
        const got = child.read();
        if (got.empty && !required.has(key)) continue;
        if (got.value === undefined) throw new FormError(`${key} is required`, child.el.querySelector("input,select,textarea"));
        value[key] = got.value;
        if (!got.empty) empty = false;
      }
      return { value, empty: empty && !ctx.required };
    },
  };
}

const MAX_FORM_ITEMS = 64;

function arrayWidget(schema, ctx) {
  const fixed = Array.isArray(schema.prefixItems)
    ? schema.prefixItems
    : schema.minItems !== undefined && schema.minItems === schema.maxItems
      ? Array(schema.minItems).fill(schema.items)
      : null;
  if ((fixed && fixed.length > MAX_FORM_ITEMS) || (!fixed && schema.items === undefined)) {
    return jsonWidget(schema, ctx);
  }
  const fieldset = el("fieldset", {}, el("legend", { text: ctx.label }));
  const list = el("div", {});
  fieldset.append(list);
  const items = [];
  const addItem = (itemSchema) => {
    const child = buildWidget(itemSchema, { root: ctx.root, label: `${ctx.label}[${items.length}]`, required: true });
    items.push(child);
    list.append(child.el);
  };
  if (fixed) fixed.forEach(addItem);
  else {
    const count = Math.min(schema.minItems || 0, MAX_FORM_ITEMS);
    for (let i = 0; i < count; i += 1) addItem(schema.items);
    const add = el("button", { type: "button", text: `Add item to ${ctx.label}` });
    const remove = el("button", { type: "button", text: `Remove last item of ${ctx.label}` });
    add.addEventListener("click", () => {
      if (schema.maxItems === undefined || items.length < schema.maxItems) addItem(schema.items);
    });
    remove.addEventListener("click", () => {
      if (items.length > (schema.minItems || 0)) {
        items.pop();
        list.lastElementChild.remove();
      }
    });
    fieldset.append(el("div", { className: "row" }, add, remove));
  }
  return {
    el: fieldset,
    read: () => {
      const value = items.map((child) => {
        const got = child.read();
        if (got.value === undefined) throw new FormError(`${ctx.label}: every item needs a value`, child.el.querySelector("input,select,textarea"));
        return got.value;
      });
      return { value, empty: !fixed && value.length === 0 };
    },
  };
}

function numberWidget(schema, ctx, type) {
  const input = el("input", { type: "number", step: type === "integer" ? "1" : "any" });
  if (schema.minimum !== undefined) input.min = schema.minimum;
  if (schema.maximum !== undefined) input.max = schema.maximum;
  if (typeof schema.default === "number") input.value = String(schema.default);
  return {
    el: leafField(ctx, schema, input),
    read: () => {
      const text = input.value.trim();
      if (text === "") {
        if (input.validity.badInput) throw new FormError(`${ctx.label}: not a number`, input);
        return { value: undefined, empty: true };
      }
      const value = Number(text);
      if (!Number.isFinite(value) || (type === "integer" && !Number.isInteger(value))) {
        throw new FormError(`${ctx.label}: ${text} is not ${type === "integer" ? "an integer" : "a number"}`, input);
      }
      return { value, empty: false };
    },
  };
}

function stringWidget(schema, ctx) {
  const long = schema.maxLength === undefined || schema.maxLength > 120;
  const input = long ? el("textarea", { rows: "2", spellcheck: "false" }) : el("input", { type: "text" });
  if (schema.maxLength !== undefined) input.maxLength = schema.maxLength;
  if (typeof schema.default === "string") input.value = schema.default;
  return {
    el: leafField(ctx, schema, input),
    read: () => ({ value: input.value, empty: input.value === "" }),
  };
}

function booleanWidget(schema, ctx) {
  if (ctx.required) {
    const input = el("input", { type: "checkbox" });
    input.checked = schema.default === true;
    const id = newId("f");
    input.id = id;
    const node = el("div", { className: "field row" }, input, el("label", { for: id, text: ctx.label }));
    return { el: node, read: () => ({ value: input.checked, empty: false }) };
  }
  const select = el("select", {}, el("option", { value: "", text: "— (not sent)" }), el("option", { value: "true", text: "true" }), el("option", { value: "false", text: "false" }));
  if (typeof schema.default === "boolean") select.value = String(schema.default);
  return {
    el: leafField(ctx, schema, select),
    read: () => (select.value === "" ? { value: undefined, empty: true } : { value: select.value === "true", empty: false }),
  };
}

function jsonWidget(schema, ctx) {
  const input = el("textarea", { rows: "3", spellcheck: "false", placeholder: "JSON" });
  if (schema.default !== undefined) input.value = JSON.stringify(schema.default);
  else if (ctx.required && schema.type === "object") input.value = "{}";
  return {
    el: leafField({ ...ctx, label: `${ctx.label} (JSON)` }, schema, input),
    read: () => {
      const text = input.value.trim();
      if (text === "") return { value: undefined, empty: true };
      try {
        return { value: JSON.parse(text), empty: false };
      } catch (err) {
        throw new FormError(`${ctx.label}: not valid JSON (${err.message})`, input);
      }
    },
  };
}

/** A form for ``schema`` inside ``container``; returns a function reading its value. */
function buildForm(schema, container, label) {
  const widget = buildWidget(schema, { root: schema, label, required: true, top: true });
  container.replaceChildren(widget.el);
  return () => {
    const got = widget.read();
    return got.value === undefined ? {} : got.value;
  };
}

function readJsonBox(textarea) {
  try {
    return JSON.parse(textarea.value);
  } catch (err) {
    throw new FormError(`not valid JSON: ${err.message}`, textarea);
  }
}

// ------------------------------------------------------------------ rendering values

function imageSource(value) {
  if (typeof value === "string" && /^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+$/.test(value)) return value;
  if (value && typeof value === "object" && !Array.isArray(value) && typeof value.data === "string") {
    const format = value.format || (value.type === "image" && (value.mimeType || "").replace("image/", ""));
    if (["png", "jpeg", "gif", "webp"].includes(format) && /^[A-Za-z0-9+/=]+$/.test(value.data)) {
      return `data:image/${format};base64,${value.data}`;
    }
  }
  return null;
}

function renderTree(value, key, path, depth) {
  const image = imageSource(value);
  if (image) {
    return el(
      "div",
      { className: "leaf", "data-path": path },
      key === null ? null : el("span", { className: "key", text: `${key}: ` }),
      el("img", { className: "obs-image", src: image, alt: `image ${key ?? ""}`.trim() }),
    );
  }
  if (value !== null && typeof value === "object") {
    const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    const label = Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`;
    const details = el("details", { "data-path": path, open: depth < 3 });
    details.append(el("summary", {}, key === null ? null : el("span", { className: "key", text: `${key} ` }), label));
    for (const [k, v] of entries) details.append(renderTree(v, k, `${path}/${k}`, depth + 1));
    return details;
  }
  const cls = typeof value === "string" ? "str" : typeof value === "number" ? "num" : "lit";
  const shown = typeof value === "string" ? `"${value}"` : JSON.stringify(value);
  return el(
    "div",
    { className: "leaf", "data-path": path },
    key === null ? null : el("span", { className: "key", text: `${key}: ` }),
    el("span", { className: cls, "data-value": "", text: shown }),
  );
}

function showTree(container, value) {
  container.replaceChildren(value === undefined ? el("p", { className: "muted", text: "nothing yet" }) : renderTree(value, null, "", 0));
}

function drawChart() {
  const rewards = page.rewards.map((r) => (typeof r === "number" ? r : 0));
  const returns = [];
  rewards.reduce((sum, r) => {
    returns.push(sum + r);
    return sum + r;
  }, 0);
  const total = returns.length ? returns[returns.length - 1] : 0;
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  const width = 600;
  const height = 160;
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `Reward chart: ${rewards.length} steps, return ${fmt(total)}`);
  const values = [0, ...rewards, ...returns];
  const low = Math.min(...values);
  const high = Math.max(...values);
  const span = high - low || 1;
  const x = (i) => 10 + ((width - 20) * (i + 0.5)) / Math.max(rewards.length, 1);
  const y = (v) => height - 10 - ((height - 20) * (v - low)) / span;
  const axis = document.createElementNS(ns, "line");
  for (const [k, v] of [["x1", 0], ["x2", width], ["y1", y(0)], ["y2", y(0)], ["stroke", "#9aa3ad"]]) axis.setAttribute(k, v);
  svg.append(axis);
  if (rewards.length) {
    const line = document.createElementNS(ns, "polyline");
    line.setAttribute("points", returns.map((v, i) => `${x(i)},${y(v)}`).join(" "));
    line.setAttribute("fill", "none");
    line.setAttribute("stroke", "#1d7a3a");
    line.setAttribute("stroke-width", "2");
    svg.append(line);
    rewards.forEach((v, i) => {
      const dot = document.createElementNS(ns, "circle");
      dot.setAttribute("cx", x(i));
      dot.setAttribute("cy", y(v));
      dot.setAttribute("r", "3.5");
      dot.setAttribute("fill", "#1f5fbf");
      svg.append(dot);
    });
  }
  const legend = el("p", { className: "legend" }, el("span", { className: "r", text: "● reward per step" }), "  ", el("span", { className: "g", text: "— running return" }), `  (${rewards.length} steps, return ${fmt(total)})`);
  $("reward-chart").replaceChildren(svg, legend);
}

// ------------------------------------------------------------------ bridge views

function chatTranscript(messages) {
  const list = el("ol", { className: "chat", "aria-label": "chat transcript" });
  for (const message of messages) {
    const role = String(message.role || "?");
    const item = el("li", { className: role, "data-role": role }, el("span", { className: "role", text: role }));
    const content = message.content;
    if (typeof content === "string") item.append(el("span", { className: "content", text: content }));
    else if (Array.isArray(content)) {
      for (const part of content) {
        const url = part && part.image_url && (part.image_url.url || part.image_url);
        const image = typeof url === "string" ? imageSource(url) : null;
        if (image) item.append(el("img", { className: "obs-image", src: image, alt: "image in the message" }));
        else item.append(el("span", { className: "content", text: part && part.text !== undefined ? part.text : JSON.stringify(part) }));
      }
    }
    for (const call of message.tool_calls || []) {
      const fn = call.function || {};
      item.append(el("span", { className: "content tool-call", text: `\n→ ${fn.name}(${fn.arguments})` }));
    }
    list.append(item);
  }
  return list;
}

function harborRecord(tool, args, data, error) {
  page.harborLog.push({ tool, args, data, error });
}

function harborView() {
  const term = el("div", { className: "terminal", role: "log", "aria-label": "exec log", tabindex: "0" });
  const files = new Map();
  for (const { tool, args, data, error } of page.harborLog) {
    if (tool === "exec") {
      term.append(el("span", { className: "cmd", text: `$ ${args.command}\n` }));
      if (error) term.append(el("span", { className: "stderr", text: `${error}\n` }));
      else if (data) {
        if (data.stdout) term.append(el("span", { className: "stdout", text: data.stdout.endsWith("\n") ? data.stdout : `${data.stdout}\n` }));
        if (data.stderr) term.append(el("span", { className: "stderr", text: data.stderr.endsWith("\n") ? data.stderr : `${data.stderr}\n` }));
        const extra = [data.timed_out ? "timed out" : "", data.truncated ? "output truncated" : ""].filter(Boolean).join(", ");
        term.append(el("span", { className: "exit", text: `[exit ${data.exit_code}${extra ? `, ${extra}` : ""}]\n` }));
      }
    } else if (tool === "write_file" || tool === "read_file") {
      const path = (data && data.path) || args.path;
      const verb = tool === "write_file" ? "written" : "read";
      const seen = files.get(path) || new Set();
      if (!error) seen.add(verb);
      files.set(path, seen);
      term.append(el("span", { className: "cmd", text: `# ${tool} ${path}\n` }));
      if (error) term.append(el("span", { className: "stderr", text: `${error}\n` }));
    } else if (tool === "submit") {
      term.append(el("span", { className: "cmd", text: "# submit\n" }));
      if (data) term.append(el("span", { className: "exit", text: `[reward ${fmt(data.reward)}]\n` }));
    }
  }
  const list = el("ul", { className: "files", "aria-label": "files touched" });
  for (const [path, verbs] of files) {
    list.append(el("li", { "data-file": path, text: `${path} (${[...verbs].join(", ") || "failed"})` }));
  }
  return el("div", {}, el("h3", { text: "Exec log" }), term, el("h3", { text: "Files touched (write_file, read_file)" }), files.size ? list : el("p", { className: "muted", text: "none yet" }));
}

function renderBridgeView(observation) {
  const view = $("bridge-view");
  if (page.bridge === "verifiers" && observation && Array.isArray(observation.messages)) {
    view.replaceChildren(el("h3", { text: "Chat transcript" }), chatTranscript(observation.messages));
  } else if (page.bridge === "harbor") {
    view.replaceChildren(harborView());
  } else {
    view.replaceChildren();
  }
}

// ------------------------------------------------------------------ showing results

function setError(node, message) {
  node.textContent = message || "";
  show(node, Boolean(message));
}

function describeError(data) {
  const lines = [`${data.code || "ERROR"}: ${data.message || ""}`];
  for (const error of data.errors || []) {
    lines.push(`  at ${JSON.stringify(error.loc || [])}: ${error.msg}`);
  }
  return lines.join("\n");
}

function showReply(kind, reply) {
  $("result-kind").textContent = kind;
  $("result-raw").textContent = JSON.stringify(reply, null, 2);
  if (reply.type === "error") {
    setError($("result-error"), describeError(reply.data || {}));
    return;
  }
  setError($("result-error"), "");
  const data = reply.data || {};
  $("result-reward").textContent = fmt(data.reward);
  $("result-done").textContent = fmt(data.done);
  $("result-steps").textContent = String(page.steps);
  $("result-return").textContent = fmt(page.rewards.reduce((sum, r) => sum + (typeof r === "number" ? r : 0), 0));
  showTree($("observation-view"), data.observation);
  renderBridgeView(data.observation);
}

function showToolResult(name, reply) {
  $("result-kind").textContent = `tool ${name}`;
  $("result-raw").textContent = JSON.stringify(reply, null, 2);
  const data = reply.data || {};
  if (reply.type === "error" || data.error) {
    const err = data.error || reply.data;
    setError($("result-error"), err.data ? `${err.message} (${JSON.stringify(err.data)})` : describeError(err));
    renderBridgeView(undefined);
    return;
  }
  setError($("result-error"), "");
  const result = data.result || {};
  showTree($("observation-view"), result.data !== undefined ? result.data : result);
  renderBridgeView(undefined);
}

function showFailure(kind, err) {
  $("result-kind").textContent = kind;
  setError($("result-error"), err.message);
}

// ------------------------------------------------------------------ actions

async function refreshState() {
  if (page.mode !== "simulation") return;
  const frame = { type: "state" };
  const reply = await page.channel.request(frame);
  record("state", frame, reply);
  if (reply.type === "error") showTree($("state-view"), reply.data);
  else showTree($("state-view"), reply.data);
}

async function afterEpisodeChange() {
  if ($("state-auto").checked) await refreshState();
  if ($("frame-auto").checked && !page.done) await showFrame();
}

async function doReset() {
  const data = {};
  try {
    const extra = $("reset-extra").value.trim();
    if (extra) Object.assign(data, readJsonBox($("reset-extra")));
  } catch (err) {
    showFailure("reset", err);
    return;
  }
  const seed = $("reset-seed").value.trim();
  if (seed !== "") data.seed = Number(seed);
  if (page.tasks) {
    if ($("reset-split").value) data.split = $("reset-split").value;
    const index = $("reset-index").value.trim();
    if (index !== "") data.index = Number(index);
  }
  const frame = { type: "reset", data };
  try {
    const reply = await page.channel.request(frame);
    record("reset", frame, reply);
    if (reply.type === "observation") {
      page.rewards = [];
      page.steps = 0;
      page.harborLog = [];
      page.done = Boolean(reply.data.done);
      drawChart();
    }
    showReply("reset", reply);
    await loadTools();
    await afterEpisodeChange();
  } catch (err) {
    showFailure("reset", err);
  }
}

async function sendStep(kind, action) {
  const frame = { type: "step", data: action };
  const reply = await page.channel.request(frame);
  record(kind, frame, reply);
  if (reply.type === "observation") {
    page.steps += 1;
    page.rewards.push(reply.data.reward);
    page.done = Boolean(reply.data.done);
    drawChart();
  }
  return reply;
}

async function doStep() {
  setError($("action-error"), "");
  let action;
  try {
    action = $("action-raw-toggle").checked ? readJsonBox($("action-raw")) : page.actionWidget();
  } catch (err) {
    setError($("action-error"), err.message);
    if (err.input) err.input.focus();
    return;
  }
  try {
    const reply = await sendStep("step", action);
    showReply("step", reply);
    await afterEpisodeChange();
  } catch (err) {
    showFailure("step", err);
  }
}

async function mcp(method, params) {
  page.rpcId += 1;
  const frame = { type: "mcp", data: { jsonrpc: "2.0", id: page.rpcId, method, params } };
  const reply = await page.channel.request(frame);
  record(`mcp ${method}`, frame, reply);
  if (reply.type !== "mcp") throw new ServerError(reply.data || {});
  return reply.data;
}

async function loadTools() {
  let answer;
  try {
    answer = await mcp("tools/list", {});
  } catch (err) {
    return;
  }
  page.tools = (answer.result && answer.result.tools) || [];
  const select = $("tool-select");
  const previous = select.value;
  select.replaceChildren(...page.tools.map((tool) => el("option", { value: tool.name, text: tool.name })));
  if (page.tools.some((tool) => tool.name === previous)) select.value = previous;
  show($("tools-panel"), page.tools.length > 0);
  show($("frame-panel"), page.tools.some((tool) => tool.name === "render"));
  page.bridge = detectBridge();
  $("bridge-badge").textContent = `bridge ${page.bridge}`;
  buildToolForm();
}

function buildToolForm() {
  const tool = page.tools.find((t) => t.name === $("tool-select").value);
  if (!tool) {
    $("tool-fields").replaceChildren();
    return;
  }
  $("tool-description").textContent = tool.description || "";
  const schema = tool.inputSchema || { type: "object", properties: {} };
  page.toolWidget = buildForm(schema, $("tool-fields"), `${tool.name} arguments`);
  $("tool-raw").value = "{}";
}

async function doCallTool() {
  setError($("tool-error"), "");
  const name = $("tool-select").value;
  let args;
  try {
    args = $("tool-raw-toggle").checked ? readJsonBox($("tool-raw")) : page.toolWidget();
  } catch (err) {
    setError($("tool-error"), err.message);
    if (err.input) err.input.focus();
    return;
  }
  try {
    if (page.mode === "simulation") {
      // Through step, as a trainer would: the reply carries reward and done.
      const reply = await sendStep(`tool ${name}`, { type: "call_tool", tool_name: name, arguments: args });
      if (reply.type === "observation") {
        const obs = reply.data.observation || {};
        const result = obs.result && obs.result.data !== undefined ? obs.result.data : obs.result;
        const error = obs.error ? `${obs.error.error_type}: ${obs.error.message}` : null;
        harborRecord(name, args, result, error);
      }
      showReply(`tool ${name}`, reply);
      await afterEpisodeChange();
    } else {
      const answer = await mcp("tools/call", { name, arguments: args });
      const error = answer.error ? answer.error.message : null;
      harborRecord(name, args, answer.result ? answer.result.data : null, error);
      showToolResult(name, { type: "mcp", data: answer });
      if ($("frame-auto").checked && name !== "render") await showFrame();
    }
  } catch (err) {
    showFailure(`tool ${name}`, err);
  }
}

async function showFrame() {
  const image = $("frame-image");
  try {
    const answer = await mcp("tools/call", { name: "render", arguments: {} });
    const source = answer.result ? imageSource(answer.result.data) : null;
    if (!source) throw new Error(answer.error ? answer.error.message : "render returned no image");
    image.src = source;
    show(image, true);
  } catch (err) {
    showFailure("render", err);
  }
}

// ------------------------------------------------------------------ start-up

function detectBridge() {
  const action = page.schema.action || {};
  const observation = page.schema.observation || {};
  const names = new Set(page.tools.map((tool) => tool.name));
  if (action.title === "GymAction" || (names.has("act") && names.has("spaces"))) return "gymnasium";
  if (observation.title === "ChatObservation") return "verifiers";
  if (action.title === "HarborAction" || (names.has("exec") && names.has("submit"))) return "harbor";
  return "generic";
}

async function getJson(path, body) {
  const init = body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
  const response = await fetch(path, init);
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

async function detectTasks() {
  // The Task API (OpenEnv 0.10): GET /list_environments, GET /{env}/splits.
  try {
    const names = await getJson("/list_environments");
    if (!Array.isArray(names) || names.length === 0) return null;
    const env = String(names[0]);
    const splits = await getJson(`/${encodeURIComponent(env)}/splits`);
    if (!Array.isArray(splits) || splits.length === 0) return null;
    return { env, splits: splits.map((s) => (typeof s === "string" ? s : s.name)) };
  } catch (err) {
    return null;
  }
}

async function countTasks() {
  const split = $("reset-split").value;
  try {
    const answer = await getJson(`/${encodeURIComponent(page.tasks.env)}/num_tasks`, { split });
    $("reset-index").max = String(answer.num_tasks - 1);
    $("task-count").textContent = `${answer.num_tasks} tasks`;
  } catch (err) {
    $("task-count").textContent = "";
  }
}

function setConnection(text, good) {
  const badge = $("conn-status");
  badge.textContent = text;
  badge.className = `badge ${good ? "ok" : "bad"}`;
  show($("reconnect"), !good);
  for (const button of document.querySelectorAll("#reset-button, #step-button, #tool-call-button, #state-refresh, #frame-button")) {
    button.disabled = !good;
  }
}

async function connect() {
  setConnection("connecting…", false);
  page.channel = new Channel(
    (event) => setConnection(`disconnected (code ${event.code})`, false),
    (message) => setError($("error-banner"), `server: ${describeError(message.data || {})}`),
  );
  try {
    await page.channel.open();
  } catch (err) {
    setConnection("disconnected", false);
    setError($("error-banner"), err.message);
    return;
  }
  setError($("error-banner"), "");
  setConnection("connected", true);
  page.rewards = [];
  page.steps = 0;
  page.harborLog = [];
  drawChart();
  await loadTools();
}

async function start() {
  try {
    const root = await getJson("/");
    page.mode = root.mode || "simulation";
    const meta = await getJson("/metadata");
    page.envName = meta.name || "envbridge";
    $("env-name").textContent = page.envName;
    $("env-description").textContent = meta.description || "";
    document.title = `${page.envName} · envbridge`;
    page.schema = await getJson("/schema");
  } catch (err) {
    setError($("error-banner"), `cannot read the server's description: ${err.message}`);
  }
  $("mode-badge").textContent = `mode ${page.mode}`;
  const simulation = page.mode === "simulation";
  for (const section of document.querySelectorAll("[data-simulation-only]")) show(section, simulation);
  if (simulation) {
    page.actionWidget = buildForm(page.schema.action || {}, $("action-fields"), "action");
    const callsOnly = (page.schema.action || {}).properties?.type?.const === "call_tool";
    if (callsOnly) {
      $("action-note").textContent = "This environment acts through its tools: use the Tools panel.";
      show($("action-note"), true);
    }
    page.tasks = await detectTasks();
    if (page.tasks) {
      $("reset-split").replaceChildren(...page.tasks.splits.map((name) => el("option", { value: name, text: name })));
      show($("task-controls"), true);
      await countTasks();
    }
  }
  drawChart();
  showTree($("observation-view"), undefined);
  showTree($("state-view"), undefined);
  await connect();
}

function submitOnCtrlEnter(form) {
  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
}

/** Run one user action at a time; ``body[data-busy]`` is set while it runs. */
function exclusive(action) {
  return async (event) => {
    event.preventDefault();
    if (document.body.dataset.busy) return;
    document.body.dataset.busy = "1";
    try {
      await action(event);
    } finally {
      delete document.body.dataset.busy;
    }
  };
}

$("reset-form").addEventListener("submit", exclusive(doReset));
$("action-form").addEventListener("submit", exclusive(doStep));
$("tool-form").addEventListener("submit", exclusive(doCallTool));
$("tool-select").addEventListener("change", buildToolForm);
$("tools-refresh").addEventListener("click", exclusive(loadTools));
$("state-refresh").addEventListener("click", exclusive(() => refreshState().catch((err) => showFailure("state", err))));
$("frame-button").addEventListener("click", exclusive(showFrame));
$("history-download").addEventListener("click", downloadHistory);
$("history-clear").addEventListener("click", () => {
  page.history = [];
  $("history-list").replaceChildren();
  $("history-count").textContent = "0 entries";
});
$("reconnect").addEventListener("click", connect);
$("reset-split").addEventListener("change", countTasks);
$("action-raw-toggle").addEventListener("change", () => {
  const raw = $("action-raw-toggle").checked;
  if (raw) {
    try {
      $("action-raw").value = JSON.stringify(page.actionWidget(), null, 2);
    } catch (err) {
      $("action-raw").value = "{}";
    }
  }
  show($("action-raw-box"), raw);
  show($("action-fields"), !raw);
});
$("tool-raw-toggle").addEventListener("change", () => {
  const raw = $("tool-raw-toggle").checked;
  if (raw) {
    try {
      $("tool-raw").value = JSON.stringify(page.toolWidget(), null, 2);
    } catch (err) {
      $("tool-raw").value = "{}";
    }
  }
  show($("tool-raw-box"), raw);
  show($("tool-fields"), !raw);
});
submitOnCtrlEnter($("action-form"));
submitOnCtrlEnter($("tool-form"));
start();
