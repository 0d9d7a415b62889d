// The JSON layout of a set of child elements, computed once per set: which property names it allows and where
// each one's value and primitive extensions sit (json.html#primitive, formats.html#choice).
import type { ElementModel, TypeRef } from './model';

/** One JSON property name of a child element: `birthDate`, or `valueQuantity` for one type of `value[x]`. */
export interface JsonKey {
  def: ElementModel;
  type: TypeRef | undefined;
  /** The index of the element among the children (definition order) and of the type among its choices. */
  slot: number;
  typeIndex: number;
  key: string;
  /** `_birthDate`: where the primitive's id and extensions sit; undefined for a non-primitive type. */
  extKey: string | undefined;
  /** What the value adds to its parent's location: `.birthDate`, `.value.ofType(Quantity)`. */
  suffix: string;
  /** What its primitive extensions add: FHIRPath sees them on the element, `.value` for a choice. */
  extSuffix: string;
}

export interface Shape {
  children: ElementModel[];
  /** Property names (without a leading `_`) of the children. */
  byName: Map<string, JsonKey>;
  /** Slots of the children with a minimum cardinality above zero, ascending. */
  required: number[];
  /** The choice elements, to name a property whose type they do not allow. */
  choices: ElementModel[];
  /** The property names of each child by slot and type index. */
  keys: JsonKey[][];
}

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
