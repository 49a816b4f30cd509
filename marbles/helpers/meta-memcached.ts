import { idOf, NOREPLY_ERROR, ownReply, REPLY_ERROR, ScriptedConnection, type CallKind, type OwnReply, type ServerTraits } from '../../test/model/fake-memcached.js';

// The queue model's scripted memcached, speaking the meta dialect a `protocol: 'meta'` client writes:
// `mg` (a single get), `ms`/`md` answered or quiet (`q`), the `mn` that closes each quiet run, and the
// text multi-get and `auth` set that stay text. Every reply echoes its request's opaque token, as
// memcached 1.6.18 does. Keys still name their call (`k<id>`), so each call's own reply is known.

/**
 * What call `id` of `kind` must get on the meta dialect: as on text, except that quiet writes resolve
 * with their true result (a quiet set stores when the id is even, else the server says `NS`; a quiet
 * delete finds the key when the id is even, else `NF`). A quiet set whose id is divisible by 5 gets a
 * `SERVER_ERROR` (as memcached sends errors even to quiet commands): no value at all, as that line names
 * no command and the connection must go.
 */
export function ownMetaReply(kind: CallKind, id: number): OwnReply {
  if ((kind === 'setNoreply' || kind === 'setLargeNoreply') && id % 5 === 0) return { kind: 'serverError', message: NOREPLY_ERROR };
  if (kind === 'setNoreply' || kind === 'setLargeNoreply' || kind === 'deleteNoreply') return { kind: 'value', value: id % 2 === 0 };
  return ownReply(kind, id);
}

/** One connection's meta-speaking server side: the same surface as the text FakeConnection. */
export class MetaFakeConnection extends ScriptedConnection {
  // Errors to quiet commands close the connection instead of reaching noreplyErrors$: it stays 0.
  quietErrors = 0;
  /** Quiet commands answered by silence so far: the next `MN` proves them. */
  private silent: number[] = [];

  protected answer(verb: string, args: string[]): number | undefined {
    if (verb === 'mn') {
      this.output += 'MN\r\n';
      for (const id of this.silent) this.proven(id);
      this.silent = [];
      return undefined;
    }
    if (this.credentials(verb, args)) return undefined;
    const id = idOf(args[0] ?? '');
    const opaque = args.find((a) => a.startsWith('O')) ?? '';
    const quiet = args.includes('q');
    const own = ownMetaReply(kindOf(verb, quiet), id);
    if (verb === 'get') {
      this.multiGet(id, args);
    } else if (verb === 'mg') {
      const value = own.kind === 'value' ? own.value : undefined;
      this.reply(id, typeof value === 'string' ? `VA ${value.length} f16 ${opaque}\r\n${value}\r\n` : `EN ${opaque}\r\n`);
    } else if (verb === 'ms' && !quiet && id % 7 === 0) {
      this.reply(id, `SERVER_ERROR ${REPLY_ERROR}\r\n`);
    } else if (own.kind === 'serverError') {
      this.quietErrors++;
      this.reply(id, `SERVER_ERROR ${own.message}\r\n`);
    } else if (verb === 'ms' || verb === 'md') {
      const done = own.kind === 'value' && own.value === true;
      const refusal = verb === 'ms' ? 'NS' : 'NF';
      if (quiet && done) this.silent.push(id);
      else this.reply(id, `${done ? 'HD' : refusal} ${opaque}\r\n`);
    } else throw new Error(`fake meta memcached: unexpected ${verb}`);
    return id;
  }
}

function kindOf(verb: string, quiet: boolean): CallKind {
  if (verb === 'mg') return 'get';
  if (verb === 'md') return quiet ? 'deleteNoreply' : 'delete';
  return quiet ? 'setNoreply' : 'set';
}

/** The queue rig's meta dialect: a `protocol: 'meta'` client against this server. */
export const META_DIALECT = { protocol: 'meta', server: (traits: ServerTraits) => new MetaFakeConnection(traits), own: ownMetaReply } as const;
