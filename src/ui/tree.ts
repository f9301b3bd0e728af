/** A file list drawn as an indented tree, for --dry-run and the summary after creating a project. */

interface Node {
  children: Map<string, Node>;
}

export function formatTree(root: string, paths: string[]): string[] {
  const top: Node = { children: new Map() };
  for (const p of paths) {
    let node = top;
    for (const part of p.split('/')) {
      let child = node.children.get(part);
      if (!child) {
        child = { children: new Map() };
        node.children.set(part, child);
      }
      node = child;
    }
  }
  const lines = [`${root}/`];
  const walk = (node: Node, indent: string) => {
    for (const [name, child] of node.children) {
      const isDir = child.children.size > 0;
      lines.push(`${indent}${name}${isDir ? '/' : ''}`);
      if (isDir) walk(child, indent + '  ');
    }
  };
  walk(top, '  ');
  return lines;
}
