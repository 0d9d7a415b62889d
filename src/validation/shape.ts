// The JSON layout (Shape, ./model.ts) of a set of child elements, computed once per set: which property names it
// allows and where each one's value and primitive extensions sit (json.html#primitive, formats.html#choice).
import type { ElementModel, JsonKey, Shape, TypeRef } from './model';

export function compileShape(
  children: Map<string, ElementModel>,
  isPrimitive: (code: string) => boolean,
): Shape {
  const shape: Shape = {
    children: [...children.values()],
    byName: new Map(),
    required: [],
    choices: [],
    keys: [],
  };
  shape.children.forEach((def, slot) => {
    // Choice types are numbered in 6 bits where the walker records what it saw (Extension.value[x] has 50).
    if (def.types.length > 64) throw new Error(`${def.id} has more than 64 types`);
    if (def.min > 0) shape.required.push(slot);
    if (def.choice) shape.choices.push(def);
    const types: (TypeRef | undefined)[] = def.choice ? def.types : [def.types[0]];
    const keys: JsonKey[] = [];
    shape.keys.push(keys);
    types.forEach((type, typeIndex) => {
      const key = def.choice ? def.name + type!.code[0]!.toUpperCase() + type!.code.slice(1) : def.name;
      const jk: JsonKey = {
        def,
        type,
        slot,
        typeIndex,
        key,
        extKey: isPrimitive(type?.code ?? '') ? `_${key}` : undefined,
        suffix: def.choice ? `.${def.name}.ofType(${type!.code})` : `.${key}`,
        extSuffix: def.choice ? `.${def.name}` : `.${key}`,
      };
      keys.push(jk);
      shape.byName.set(key, jk);
    });
  });
  return shape;
}
