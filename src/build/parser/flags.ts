// Instruction flags (`COPY --from=x`, `RUN --mount=...`) with BuildKit's BFlags
// rules: every flag must be declared by the instruction, bools take an
// optional =true|false, strings need =value, string lists may repeat.
import { ParseFailure } from './errors.ts';

type FlagType = 'bool' | 'string' | 'strings';

export class Flag {
  readonly name: string;
  readonly type: FlagType;
  value: string;
  values: string[] = [];
  used = false;
  constructor(name: string, type: FlagType, value: string) {
    this.name = name;
    this.type = type;
    this.value = value;
  }
}

export class Flags {
  readonly #args: readonly string[];
  readonly #flags = new Map<string, Flag>();
  readonly #used: string[] = [];

  constructor(args: readonly string[]) {
    this.#args = args;
  }

  addBool(name: string, def: boolean): Flag {
    return this.#add(new Flag(name, 'bool', def ? 'true' : 'false'));
  }

  addString(name: string, def: string): Flag {
    return this.#add(new Flag(name, 'string', def));
  }

  addStrings(name: string): Flag {
    return this.#add(new Flag(name, 'strings', ''));
  }

  #add(flag: Flag): Flag {
    this.#flags.set(flag.name, flag);
    return flag;
  }

  /** The names of the flags given, sorted (BuildKit's Used()). */
  used(): string[] {
    return [...this.#used].sort();
  }

  /** Applies the instruction's flags; throws ParseFailure with BuildKit's message. */
  parse(): void {
    for (let arg of this.#args) {
      if (!arg.startsWith('--')) throw new ParseFailure(`arg should start with -- : ${arg}`, 0);
      if (arg === '--') return;
      arg = arg.slice(2);
      let value = '';
      const index = arg.indexOf('=');
      if (index >= 0) {
        value = arg.slice(index + 1);
        arg = arg.slice(0, index);
      }
      const flag = this.#flags.get(arg);
      if (flag === undefined) throw new ParseFailure(`unknown flag: --${arg}`, 0);
      if (flag.used && flag.type !== 'strings') throw new ParseFailure(`duplicate flag specified: --${arg}`, 0);
      if (!flag.used) this.#used.push(arg);
      flag.used = true;
      switch (flag.type) {
        case 'bool': {
          if (index >= 0 && value === '') throw new ParseFailure(`missing a value on flag: --${arg}`, 0);
          const lower = value.toLowerCase();
          if (lower === '') flag.value = 'true';
          else if (lower === 'true' || lower === 'false') flag.value = lower;
          else throw new ParseFailure(`expecting boolean value for flag --${arg}, not: ${value}`, 0);
          break;
        }
        case 'string':
          if (index < 0) throw new ParseFailure(`missing a value on flag: --${arg}`, 0);
          flag.value = value;
          break;
        case 'strings':
          if (index < 0) throw new ParseFailure(`missing a value on flag: --${arg}`, 0);
          flag.values.push(value);
          break;
      }
    }
  }
}
