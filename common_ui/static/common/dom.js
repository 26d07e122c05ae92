// The two DOM helpers every screen uses.

export function $(id) { return document.getElementById(id); }

// el("li", "mine", "A-012") → <li class="mine">A-012</li>; text is set as text, never HTML.
export function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}
