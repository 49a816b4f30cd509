import { MemcacheServerError, MemcacheUnknownError } from '../errors.js';
import type { ErrorFrame } from './frames.js';
import type { QuietRefusal } from './request.js';

// Whose were the error lines inside a run of quiet meta commands? A line carries no opaque token, but
// memcached answers in request order and a quiet command answers with at most one line, so the lines
// between two attributable replies belong to the quiet commands between them (the queue's QuietWindow
// and the quiet batches find those candidates; this decides among them).

/** Per candidate: the line it surely got, a failure for one that may have got one, or undefined (silent). */
export type Verdict = ErrorFrame | MemcacheServerError | undefined;

/** How one candidate could have sent an error line (see `ReplyReader.refusal`). */
export type Refusal = (frame: ErrorFrame) => QuietRefusal | undefined;

/**
 * Gives the error lines of one window to its candidates (in order; each sent at most one line). Each
 * group of identical lines goes to the candidates that could have sent it: lines refused by size first
 * (the largest items are the refused ones), then the lines any candidate may have sent (exact only when
 * there are as many lines as candidates).
 * @throws MemcacheUnknownError when a group has more lines than candidates left to have sent them.
 */
export function attribute(errors: readonly ErrorFrame[], candidates: readonly Refusal[]): Verdict[] {
  const verdicts: Verdict[] = candidates.map(() => undefined);
  const taken = new Set<number>();
  const groups = new Map<string, ErrorFrame[]>();
  for (const frame of errors) groups.set(text(frame), [...(groups.get(text(frame)) ?? []), frame]);
  const ranked = [...groups.values()].map((lines) => ({ lines, rules: rulesFor(lines[0] as ErrorFrame, candidates) }));
  ranked.sort((a, b) => Number(isAny(a.rules)) - Number(isAny(b.rules)));
  for (const { lines, rules } of ranked) {
    const eligible = [...rules.keys()].filter((i) => !taken.has(i));
    const frame = lines[0] as ErrorFrame;
    if (lines.length > eligible.length) {
      throw new MemcacheUnknownError(`${lines.length} error replies inside a run of quiet commands, and only ${eligible.length} of them can have sent it: ${text(frame)}`);
    }
    const { sure, maybe } = isAny(rules) ? anyOf(eligible, lines.length) : largest(eligible, rules, lines.length);
    for (const i of sure) verdicts[i] = frame;
    for (const i of maybe) verdicts[i] = ambiguous(frame, lines.length - sure.length, maybe.length);
    for (const i of [...sure, ...maybe]) taken.add(i);
  }
  return verdicts;
}

/** Which candidates could have sent `frame`, by index, and how. */
function rulesFor(frame: ErrorFrame, candidates: readonly Refusal[]): Map<number, QuietRefusal> {
  const rules = new Map<number, QuietRefusal>();
  candidates.forEach((refusal, i) => {
    const rule = refusal(frame);
    if (rule !== undefined) rules.set(i, rule);
  });
  return rules;
}

function isAny(rules: ReadonlyMap<number, QuietRefusal>): boolean {
  for (const rule of rules.values()) if (rule.rule === 'any') return true;
  return false;
}

/** `count` lines any of `eligible` may have sent: theirs for sure only if there is one line each. */
function anyOf(eligible: number[], count: number): { sure: number[]; maybe: number[] } {
  return count === eligible.length ? { sure: eligible, maybe: [] } : { sure: [], maybe: eligible };
}

/**
 * The `count` largest of `eligible` are the refused ones. Ties at the boundary cannot be told apart
 * (the server refuses both or neither, so a tie there means our sizes are not quite the server's):
 * all of the tied ones may have been refused.
 */
function largest(eligible: readonly number[], rules: ReadonlyMap<number, QuietRefusal>, count: number): { sure: number[]; maybe: number[] } {
  const sizeOf = (i: number): number => {
    const rule = rules.get(i);
    return rule?.rule === 'size' ? rule.size : 0;
  };
  const bySize = [...eligible].sort((a, b) => sizeOf(b) - sizeOf(a));
  const boundary = sizeOf(bySize[count - 1] as number);
  const sure = bySize.filter((i) => sizeOf(i) > boundary);
  const tied = bySize.filter((i) => sizeOf(i) === boundary);
  return tied.length === count - sure.length ? { sure: [...sure, ...tied], maybe: [] } : { sure, maybe: tied };
}

function ambiguous(frame: ErrorFrame, refused: number, among: number): MemcacheServerError {
  return new MemcacheServerError(
    `${refused} of ${among} quiet commands in one run were refused with "${text(frame)}", and the server's line names no command, so each of the ${among} fails: this one may or may not have taken effect`,
    { cause: new MemcacheServerError(frame.message) },
  );
}

function text(frame: ErrorFrame): string {
  return frame.line.toString('latin1');
}
