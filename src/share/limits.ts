// The sizes and names of share links and files, apart from the codec so the playground's Share
// button can know them without loading the compression library.

/** Longest fragment offered as a link; beyond it the pack is offered as a `.pglab` file. */
export const LINK_LIMIT = 8000;
/** Route of a shared link in the app's hash router. */
export const SHARE_ROUTE = '#/share/';
/** First line of a `.pglab` file. */
export const FILE_HEADER = 'pglab share pack';
/** A `.pglab` file larger than this is refused before it is read. */
export const FILE_LIMIT = 24 * 1024 * 1024;
