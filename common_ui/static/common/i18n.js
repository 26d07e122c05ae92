// Translation, one way for every screen: a screen keeps its own table of strings,
// { id: { key: "… {n} …" }, en: { … } }, and asks a translator for a key in the page's
// current language. Indonesian is the fallback for a key missing in English, and the key
// itself for a key missing everywhere (visible, never a crash).

// table: the screen's strings; lang: a language code or a function returning the current one.
export function translator(table, lang) {
  const current = typeof lang === "function" ? lang : () => lang;
  return function t(key, vars) {
    const strings = table[current()] || table.id || {};
    let text = strings[key];
    if (text === undefined) text = (table.id || {})[key];
    if (text === undefined) text = key;
    for (const name of Object.keys(vars || {})) {
      text = text.split("{" + name + "}").join(String(vars[name]));
    }
    return text;
  };
}

// The page's language as the server rendered it (<html lang>), Indonesian unless English.
export function pageLang() {
  return document.documentElement.lang === "en" ? "en" : "id";
}

// Fill the static words of a page: [data-t] gets its text, [data-t-placeholder] its
// placeholder, each from the screen's table; <html lang> follows.
export function translatePage(t, lang, root) {
  const scope = root || document;
  if (lang) document.documentElement.lang = lang;
  scope.querySelectorAll("[data-t]").forEach((node) => { node.textContent = t(node.dataset.t); });
  scope.querySelectorAll("[data-t-placeholder]").forEach((node) => {
    node.placeholder = t(node.dataset.tPlaceholder);
  });
}
