// ValueSets expanded locally from the CodeSystems we hold, memoised as Sets (valueset.html#expansion,
// terminologies.html): the one expander, for bindings and Questionnaire answers (src/validation) and for the
// `:in`/`:not-in` search modifiers (src/search/valuesets.ts).
import type { CodeSystem, CodeSystemConcept, ValueSet, ValueSetComposeInclude } from 'fhir/r4';

/** Where the definitions come from: lookups by canonical url (`url` or `url|version`). */
export interface TerminologySource {
  valueSet(canonical: string): ValueSet | undefined;
  codeSystem(canonical: string): CodeSystem | undefined;
}

/** Codes by system; `'any'` for a system we cannot enumerate (LOINC, SNOMED CT, UCUM, ISO, BCP-47...). */
export interface Expansion {
  systems: Map<string, Set<string> | 'any'>;
  /** All codes of every enumerated system, for a bare `code` element. */
  all: Set<string>;
  /** Whether a system of it cannot be enumerated (then a bare `code` cannot be judged); set on first use. */
  open?: boolean;
}

/** Whether a canonical is the resource's own url or `url|version` (not one with any other version). */
const names = (canonical: string, r: { url?: string; version?: string }): boolean =>
  canonical === r.url || canonical === `${r.url}|${r.version}`;

/**
 * What is worked out once is kept per ValueSet and CodeSystem the source holds, under its own url or `url|version`,
 * so it never outgrows the definitions. A canonical the source does not know (a search's `:in` value, a Coding's
 * system) is asked of the source again: a map lookup.
 */
export class Terminology {
  private readonly expansions = new Map<string, Expansion | undefined>();
  private readonly hierarchy = new Map<string, Map<string, string[]>>();
  private readonly systems = new Map<string, CodeSystem | undefined>();

  constructor(private readonly source: TerminologySource) {}

  /** The expansion of a ValueSet canonical, or undefined when the ValueSet is unknown or cannot be expanded. */
  expand(canonical: string): Expansion | undefined {
    if (this.expansions.has(canonical)) return this.expansions.get(canonical);
    const vs = this.source.valueSet(canonical);
    if (!vs) return undefined;
    if (vs.url && !names(canonical, vs)) return this.expand(vs.url);
    this.expansions.set(canonical, undefined); // a ValueSet that includes itself stays unknown
    const result = this.build(vs);
    this.expansions.set(canonical, result);
    return result;
  }

  /** Whether a CodeSystem is held with all its codes (or as a fragment). */
  codeSystem(system: string): CodeSystem | undefined {
    // Every Coding asks, mostly for the same few systems: the answer is kept per system string.
    if (this.systems.has(system)) return this.systems.get(system);
    const cs = this.source.codeSystem(system);
    if (!cs) return undefined;
    const held = cs.content === 'complete' || cs.content === 'fragment' ? cs : undefined;
    if (names(system, cs)) this.systems.set(system, held);
    return held;
  }

  private build(vs: ValueSet): Expansion | undefined {
    const exp: Expansion = { systems: new Map(), all: new Set() };
    const add = (system: string, codes: Iterable<string> | 'any'): void => {
      const have = exp.systems.get(system);
      if (have === 'any') return;
      if (codes === 'any') {
        exp.systems.set(system, 'any');
        return;
      }
      const set = have ?? new Set<string>();
      for (const c of codes) {
        set.add(c);
        exp.all.add(c);
      }
      exp.systems.set(system, set);
    };
    if (vs.compose) {
      for (const inc of vs.compose.include) {
        const part = this.include(inc);
        if (!part) return undefined;
        for (const [system, codes] of part.systems) add(system, codes);
      }
      for (const exc of vs.compose.exclude ?? []) {
        const part = this.include(exc);
        for (const [system, codes] of part?.systems ?? []) {
          const have = exp.systems.get(system);
          if (have instanceof Set && codes instanceof Set) for (const c of codes) have.delete(c);
        }
      }
    } else if (vs.expansion?.contains) {
      const walk = (items: NonNullable<NonNullable<ValueSet['expansion']>['contains']>): void => {
        for (const c of items) {
          if (c.system && c.code) add(c.system, [c.code]);
          if (c.contains) walk(c.contains);
        }
      };
      walk(vs.expansion.contains);
    } else {
      return undefined;
    }
    return exp;
  }

  private include(inc: ValueSetComposeInclude): Expansion | undefined {
    const exp: Expansion = { systems: new Map(), all: new Set() };
    let codes: Set<string> | 'any' | undefined;
    if (inc.system) {
      const system = inc.system;
      const cs = this.codeSystem(system);
      if (inc.concept) codes = new Set(inc.concept.map((c) => c.code));
      else if (!cs) codes = 'any';
      else if (inc.filter?.length) codes = this.filter(cs, inc.filter);
      else codes = new Set(this.concepts(cs).keys());
    }
    for (const ref of inc.valueSet ?? []) {
      const other = this.expand(ref);
      if (!other) return undefined;
      if (!inc.system) {
        for (const [s, c] of other.systems) exp.systems.set(s, c);
      } else if (codes instanceof Set) {
        const inOther = other.systems.get(inc.system);
        if (inOther instanceof Set) codes = new Set([...codes].filter((c) => inOther.has(c)));
      }
    }
    if (inc.system && codes) exp.systems.set(inc.system, codes);
    return exp;
  }

  private filter(
    cs: CodeSystem,
    filters: NonNullable<ValueSetComposeInclude['filter']>,
  ): Set<string> | 'any' {
    const tree = this.concepts(cs);
    let result = new Set(tree.keys());
    for (const f of filters) {
      if (f.property === 'concept' && (f.op === 'is-a' || f.op === 'descendent-of')) {
        const below = new Set<string>();
        const visit = (code: string): void => {
          for (const child of tree.get(code) ?? []) {
            if (below.has(child)) continue;
            below.add(child);
            visit(child);
          }
        };
        visit(f.value);
        if (f.op === 'is-a') below.add(f.value);
        result = new Set([...result].filter((c) => below.has(c)));
      } else {
        // Property filters (`concept = x`, regex...) are not evaluated: the system is then checked only.
        return 'any';
      }
    }
    return result;
  }

  hasCode(cs: CodeSystem, code: string): boolean {
    return this.concepts(cs).has(code);
  }

  /** Codes of a CodeSystem mapped to their children. */
  private concepts(cs: CodeSystem): Map<string, string[]> {
    const known = this.hierarchy.get(cs.url ?? '');
    if (known) return known;
    const tree = new Map<string, string[]>();
    const walk = (items: CodeSystemConcept[], parent?: string): void => {
      for (const c of items) {
        if (!tree.has(c.code)) tree.set(c.code, []);
        if (parent) tree.get(parent)!.push(c.code);
        if (c.concept) walk(c.concept, c.code);
      }
    };
    walk(cs.concept ?? []);
    this.hierarchy.set(cs.url ?? '', tree);
    return tree;
  }
}
