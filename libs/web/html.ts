/** Escapes text for HTML content and attribute values. */
export const esc = (value: unknown): string =>
  String(value ?? '').replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);

/** Marks a string as already-safe HTML, so templates can nest without double escaping. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Tagged template: interpolated values are escaped unless they are Html (or arrays of it). */
export const html = (strings: TemplateStringsArray, ...values: unknown[]): Html =>
  new Html(
    strings.reduce((out, s, i) => {
      const value = values[i - 1];
      const rendered = Array.isArray(value)
        ? value.map((v) => (v instanceof Html ? v.value : esc(v))).join('')
        : value instanceof Html
          ? value.value
          : value === undefined || value === false || value === null
            ? ''
            : esc(value);
      return out + rendered + s;
    }),
  );
