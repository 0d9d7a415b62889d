// Keys that reach an object's prototype when assigned (`__proto__`, `constructor`, `prototype`): a path or key built
// from client data never names one, so no input changes the objects of the process (issue 20 point 2).
import { badRequest } from './outcome';

const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export function isPrototypeKey(key: string | number): boolean {
  return typeof key === 'string' && PROTOTYPE_KEYS.has(key);
}

/** 400 naming the key and where it was sent, when `key` is one of the prototype keys. */
export function refusePrototypeKey(key: string | number, where: string): void {
  if (isPrototypeKey(key))
    throw badRequest(
      `"${String(key)}" (in ${where}) is not accepted: __proto__, constructor and prototype are never used as names`,
      where,
    );
}

/** JSON.parse that refuses the prototype keys anywhere in the text (400 naming the key). */
export function parseJsonRefusingPrototypeKeys(text: string, what: string): unknown {
  return JSON.parse(text, (key, value: unknown) => {
    refusePrototypeKey(key, what);
    return value;
  });
}
