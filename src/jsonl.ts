/**
 * JSONL files a user brings (routing data, prompt samples, eval datasets), read the same way
 * everywhere: a UTF-8 byte-order mark (editors on Windows add one), CRLF line ends and blank
 * lines are accepted; a line that is not JSON is named by file and line number.
 */

/** Input that cannot be read as given (the CLI prints its message alone, without a stack). */
export class DataError extends Error {
  override name = "DataError";
}

/** The text without a leading byte-order mark (`readFileSync(…, "utf8")` keeps it). */
export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** `JSON.parse` of a whole file's text, with the file named when it fails. */
export function parseJsonText(text: string, source: string): unknown {
  try {
    return JSON.parse(withoutBom(text));
  } catch (err) {
    throw new DataError(`${source}: not JSON (${(err as Error).message})`);
  }
}

/** Each non-blank line's value with its 1-based line number; throws naming the first bad line. */
export function jsonlRecords(text: string, source: string): Array<{ line: number; value: unknown }> {
  const out: Array<{ line: number; value: unknown }> = [];
  withoutBom(text)
    .split("\n")
    .forEach((line, i) => {
      if (!line.trim()) return;
      try {
        out.push({ line: i + 1, value: JSON.parse(line) });
      } catch {
        throw new DataError(`${source}:${i + 1}: not JSON`);
      }
    });
  return out;
}
