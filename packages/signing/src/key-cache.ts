/**
 * Keys decoded once per secret, not once per delivery: the dispatcher signs with the same few secrets
 * all day, and decoding (base64, key import) costs more than some signatures. Bounded: past `max`
 * distinct secrets the cache starts over, which is cheaper than tracking use and only ever costs a decode.
 */
export function keyCache<K>(decode: (secret: string) => K, max = 10_000): (secret: string) => K {
  const keys = new Map<string, K>();
  return (secret) => {
    let key = keys.get(secret);
    if (key === undefined) {
      key = decode(secret);
      if (keys.size >= max) keys.clear();
      keys.set(secret, key);
    }
    return key;
  };
}
