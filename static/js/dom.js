// The one way the run modules make HTML: a copy of a <template> of the page, by its unique id.
export function clone(id) {
  return document.getElementById(id).content.firstElementChild.cloneNode(true);
}
