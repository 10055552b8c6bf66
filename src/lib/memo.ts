/**
 * One value per object, made the first time it is asked for and kept as long as the object lives:
 * what an isolate derives once from a binding, a request or a tenant's resource type.
 */
export function memoized<K extends object, V>(make: (key: K) => V): (key: K) => V {
  const values = new WeakMap<K, V>();
  return (key) => {
    let value = values.get(key);
    if (value === undefined) {
      value = make(key);
      values.set(key, value);
    }
    return value;
  };
}
