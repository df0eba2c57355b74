/**
 * Maps a value path back to the source line of a YAML (or JSON) document, so an error can say
 * where to look. A path that does not exist in the source (a missing field) lands on the nearest
 * parent that does.
 */
import { type Document, isMap, isScalar, isSeq, type LineCounter } from "yaml";

export type LineOf = (path: readonly PropertyKey[]) => number | undefined;

export function lineLocator(doc: Document, counter: LineCounter): LineOf {
  return (path) => {
    let node: unknown = doc.contents;
    let offset = start(node);
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        // The key's line: for a block value it is where the field is named, not its first child.
        offset = start(pair.key) ?? start(pair.value) ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === "number") {
        const item = node.items[seg];
        if (item === undefined) break;
        offset = start(item) ?? offset;
        node = item;
      } else break;
    }
    return offset === undefined ? undefined : counter.linePos(offset).line;
  };
}

function start(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? range[0] : undefined;
}
