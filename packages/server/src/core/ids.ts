const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** Random lowercase base32 characters from the injected random source. */
export function randomChars(random: () => number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[Math.floor(random() * 32) % 32];
  return out;
}

/** Time-ordered id (ulid-like): 10 chars of ms time then 16 random chars, so ids sort by creation. */
export function sortableId(now: number, random: () => number): string {
  let time = '';
  let rest = Math.max(0, Math.floor(now));
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[rest % 32] + time;
    rest = Math.floor(rest / 32);
  }
  return time + randomChars(random, 16);
}

/**
 * The id right after `id` in sort order (its last characters counted on in base 32, carrying leftwards): what a
 * process issues when the clock has not moved past its last id, so its ids keep the order it made them in.
 */
export function idAfter(id: string): string {
  const digits = id.split('');
  for (let i = digits.length - 1; i >= 0; i--) {
    const value = ALPHABET.indexOf(digits[i] ?? '');
    if (value < 31) {
      digits[i] = ALPHABET[value + 1] ?? '';
      return digits.join('');
    }
    digits[i] = ALPHABET[0] ?? '';
  }
  // Every character was the last one: a longer id still sorts after it.
  return `${id}0`;
}
