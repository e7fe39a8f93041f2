// WebKitGTK reports navigator.language as "C" when the process locale is C/POSIX (common on
// servers, CI and minimal desktops). Intl rejects that tag with a RangeError, and libraries
// that format with navigator.language at load time (uPlot) then stop the whole app from
// starting. Retrying with the runtime's default locale keeps the dashboard usable.

type Ctor = new (locales?: string | string[], options?: object) => object;

export function tolerant<T extends Ctor>(Original: T): T {
  const Wrapped = function (locales?: string | string[], options?: object) {
    try {
      return new Original(locales, options);
    } catch (e) {
      if (e instanceof RangeError && locales !== undefined) return new Original(undefined, options);
      throw e;
    }
  } as unknown as T;
  Object.setPrototypeOf(Wrapped, Original); // keeps supportedLocalesOf
  Wrapped.prototype = Original.prototype;
  return Wrapped;
}

export function installIntlGuard(): void {
  Intl.NumberFormat = tolerant(Intl.NumberFormat as unknown as Ctor) as unknown as typeof Intl.NumberFormat;
  Intl.DateTimeFormat = tolerant(Intl.DateTimeFormat as unknown as Ctor) as unknown as typeof Intl.DateTimeFormat;
}

