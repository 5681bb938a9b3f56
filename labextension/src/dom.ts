/**
 * A tiny DOM builder. Text always goes in through textContent, never innerHTML,
 * so content taken from notebook outputs cannot inject markup.
 */

export type Child = Node | string | null | undefined | false;

export interface IAttrs {
  [name: string]: string | number | boolean | undefined;
}

/** Create an element with attributes (false/undefined ones are left out). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: IAttrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) {
      continue;
    }
    if (name === 'class') {
      node.className = String(value);
    } else {
      node.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(node, ...children);
  return node;
}

/** Append children; strings become text nodes. */
export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    parent.appendChild(
      typeof child === 'string' ? document.createTextNode(child) : child
    );
  }
}

/**
 * Replace all children of a node, in one DOM operation. (Removing children one by
 * one can fail: taking a focused button out fires its blur handlers, which may
 * re-render the same parent before the loop's next removeChild.)
 */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  const nodes: Node[] = [];
  for (const child of children) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    nodes.push(
      typeof child === 'string' ? document.createTextNode(child) : child
    );
  }
  parent.replaceChildren(...nodes);
}
