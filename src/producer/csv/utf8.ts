/**
 * csv-parse decodes each cell's bytes as UTF-8, turning every invalid sequence into U+FFFD, so
 * the character's presence is how bad bytes show. (A file that really contains U+FFFD is flagged
 * too; that character only ever stands for lost text, so rejecting it loses nothing.)
 * On a string with no character above U+00FF, V8 answers this without scanning.
 */
export function hasReplacementCharacter(text: string): boolean {
  return text.includes('\uFFFD');
}
