/**
 * Whether image data from a run is safe to embed or save. Cell output is hostile: an "image/png"
 * value can carry HTML instead of base64, and an SVG can carry scripts, event handlers, links to
 * other sites, or an XHTML island. These checks fail closed: anything not recognised is unsafe.
 */

/** Plain base64 (what Jupyter sends for binary images), nothing that could close an attribute. */
export function isBase64(data: unknown): data is string {
  return typeof data === "string" && /^[A-Za-z0-9+/=\s]*$/.test(data);
}

// Drawing elements only (what matplotlib, seaborn, graphviz and friends write). No script,
// foreignObject, iframe, animation (it can rewrite href), a, or anything unknown.
const SVG_ELEMENTS = new Set(
  ("svg g defs symbol use path rect circle ellipse line polyline polygon text tspan textPath title desc " +
    "metadata clipPath mask pattern marker linearGradient radialGradient stop image style switch " +
    "filter feBlend feColorMatrix feComponentTransfer feComposite feFlood feGaussianBlur feMerge " +
    "feMergeNode feOffset feFuncR feFuncG feFuncB feFuncA feMorphology feTile feTurbulence " +
    "rdf:RDF cc:Work cc:Agent cc:license dc:type dc:date dc:format dc:creator dc:title dc:description dc:rights dc:publisher")
    .split(" "),
);

// The only namespaces a prefix may name: rebinding a prefix to XHTML would make <dc:script> a script.
const NAMESPACES: Record<string, string> = {
  xmlns: "http://www.w3.org/2000/svg",
  "xmlns:xlink": "http://www.w3.org/1999/xlink",
  "xmlns:rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
  "xmlns:cc": "http://creativecommons.org/ns#",
  "xmlns:dc": "http://purl.org/dc/elements/1.1/",
};

const NAME = /^[A-Za-z_][\w.-]*(:[A-Za-z_][\w.-]*)?$/;
const SAFE_HREF = /^(#[\w.:-]*|data:image\/(png|jpeg|gif);base64,[A-Za-z0-9+/=\s]*)$/;
// In CSS (style attributes and <style>): only local references; no imports, no behaviours.
const UNSAFE_CSS = /url\s*\(\s*['"]?\s*(?!#)|@import|expression\s*\(|-moz-binding|behavior\s*:/i;

function attributesSafe(attrs: string): boolean {
  const attr = /\s+([^\s=/>]+)\s*=\s*("[^"]*"|'[^']*')/gy;
  let end = 0;
  for (let m = attr.exec(attrs); m; m = attr.exec(attrs)) {
    end = attr.lastIndex;
    const name = m[1]!;
    const value = m[2]!.slice(1, -1).replace(/&#x?[0-9a-f]+;?|&[a-z]+;/gi, "\u0000"); // an entity could spell "javascript:"
    if (!NAME.test(name) || /^on/i.test(name) || name === "xml:base") return false;
    if (name === "xmlns" || name.startsWith("xmlns:")) {
      if (NAMESPACES[name] !== value) return false;
    } else if (/(^|:)href$/i.test(name)) {
      if (!SAFE_HREF.test(value)) return false;
    } else if (UNSAFE_CSS.test(value) || /javascript:|\u0000/i.test(value)) return false;
  }
  return /^\s*\/?$/.test(attrs.slice(end));
}

/**
 * True only for an SVG made of drawing elements with local references. Such a file cannot run
 * script or reach the network when opened; anything else is saved as text instead.
 */
export function isInertSvg(svg: string): boolean {
  const text = svg.replace(/^\uFEFF?\s*(<\?xml\s[^?<>]*\?>)?\s*/, "");
  // The DOCTYPE matplotlib writes; an internal subset ([...]) could declare entities.
  const body = text.replace(/^<!DOCTYPE\s+svg(\s+PUBLIC\s+"[^"<>[\]]*"\s+"[^"<>[\]]*")?\s*>\s*/, "");
  if (!/^<svg[\s>]/.test(body)) return false;
  const token = /<!--[\s\S]*?-->|<!\[CDATA\[([\s\S]*?)\]\]>|<\/([^\s>]+)\s*>|<([^\s/>!?]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*\/?)>|(<)/g;
  let inStyle = false;
  let last = 0;
  for (let m = token.exec(body); m; m = token.exec(body)) {
    const between = body.slice(last, m.index);
    last = token.lastIndex;
    if (inStyle && UNSAFE_CSS.test(between)) return false;
    if (m[5] !== undefined) return false; // a "<" that starts nothing we know
    if (m[1] !== undefined && inStyle && UNSAFE_CSS.test(m[1])) return false;
    const close = m[2];
    const open = m[3];
    if (close !== undefined) {
      if (!SVG_ELEMENTS.has(close)) return false;
      if (close === "style") inStyle = false;
    } else if (open !== undefined) {
      if (!SVG_ELEMENTS.has(open) || !attributesSafe(m[4] ?? "")) return false;
      if (open === "style" && !m[4]!.trimEnd().endsWith("/")) inStyle = true;
    }
  }
  return !/</.test(body.slice(last));
}
