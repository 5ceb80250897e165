/**
 * A command id of the contract's length (8..64) from any input id: the same input gives the same
 * id (so a redelivered KAZOO message, or a report sent again, is applied once where it goes).
 */
export function commandIdOf(id: string): string {
  if (id.length >= 8 && id.length <= 64) return id;
  let h = 0x811c9dc5;
  let g = 0x01000193;
  for (let i = 0; i < id.length; i++) {
    h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
    g = Math.imul(g ^ id.charCodeAt(i), 0x811c9dc5) >>> 0;
  }
  return `j${h.toString(16).padStart(8, '0')}${g.toString(16).padStart(8, '0')}${id.length.toString(16).padStart(8, '0')}`;
}
