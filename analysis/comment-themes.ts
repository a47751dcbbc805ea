/**
 * How many comments concern each theme: count_t = |{ c : t ∈ tags(c) }|, one count per theme id in
 * `themeIds` order. A comment tagged with several themes counts once for each; a tag that names no
 * theme of the list (or is repeated on one comment) adds nothing. Whether a count may be shown is
 * decided by disclosure (`Disclosure.commentThemes`), never here.
 */
export function countCommentThemes(tags: ReadonlyArray<readonly string[]>, themeIds: readonly string[]): number[] {
  const index = new Map(themeIds.map((id, i) => [id, i]));
  const counts = themeIds.map(() => 0);
  for (const chosen of tags) {
    for (const i of new Set(chosen.flatMap((id) => (index.has(id) ? [index.get(id)!] : [])))) counts[i]!++;
  }
  return counts;
}
