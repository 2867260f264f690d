// A stand-in ClickOS source layout for testing the build driver: its `configure` and a
// `make` on the side only record their argv (and write the files the real ones would),
// so the tests check the driver's command sequence, not Xen or ClickOS.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SourceDirs } from '../../clickos-build/build/sources.js';

export interface FakeTrees {
  root: string;
  dirs: SourceDirs;
  /** the fake make program */
  make: string;
  /** lines "<cwd>|<argv...>" the fake programs appended */
  calls(): string[];
}

function put(path: string, text: string, mode?: number): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  if (mode !== undefined) chmodSync(path, mode);
}

/** Element sources: name → [file, header text]; `elements.conf` lists all of them. */
const ELEMENTS: Array<[string, string]> = [
  ['elements/standard/queue.cc', 'class Queue { const char *class_name() const { return "Queue"; } };\nEXPORT_ELEMENT(Queue)\n'],
  ['elements/standard/discard.cc', 'class Discard { const char *class_name() const { return "Discard"; } };\nEXPORT_ELEMENT(Discard)\n'],
  ['elements/standard/errorelement.cc', 'class ErrorElement { const char *class_name() const { return "ErrorElement"; } };\nEXPORT_ELEMENT(ErrorElement)\n'],
  ['elements/ip/checkipheader.cc', 'class CheckIPHeader { const char *class_name() const { return "CheckIPHeader"; } };\nEXPORT_ELEMENT(CheckIPHeader)\nELEMENT_REQUIRES(IPAddrHelper minios)\n'],
  ['elements/ip/ipaddrhelper.cc', '// a helper, not an element\nELEMENT_PROVIDES(IPAddrHelper)\nELEMENT_REQUIRES(int64|linuxmodule)\n'],
  ['elements/ip/iprewriter.cc', 'class IPRewriter { const char *class_name() const { return "IPRewriter"; } };\nEXPORT_ELEMENT(IPRewriter)\n'],
  ['elements/minios/fromdevice.cc', 'EXPORT_ELEMENT(FromDevice)\n'],
  ['elements/minios/todevice.cc', 'EXPORT_ELEMENT(ToDevice)\n'],
];

/** elements.conf as the fake `make elemlist` writes it: some lines with Cxx-Name pairs, some bare. */
export const FULL_ELEMENTS_CONF = ELEMENTS.map(([f], i) => (i % 2 === 0 ? f : `${f}\t${f.endsWith('todevice.cc') ? 'ToDevice-ToDevice' : ''}`.trimEnd())).join('\n') + '\n';

export function fakeTrees(root: string): FakeTrees {
  const dirs: SourceDirs = {
    clickos: join(root, 'clickos'),
    minios: join(root, 'mini-os'),
    toolchain: join(root, 'toolchain'),
    xen: join(root, 'xen'),
  };
  const calls = join(root, 'calls.log');
  put(calls, '');
  put(join(dirs.clickos, 'configure'), `#!/bin/sh\necho "$PWD|./configure $*" >> '${calls}'\n[ -z "$FAIL_CONFIGURE" ] || { echo "configure: error: no Xen headers" >&2; exit 3; }\n`, 0o755);
  put(join(dirs.clickos, 'minios', 'Makefile.in'), 'all:\n');
  put(join(dirs.clickos, 'minios', 'Makefile'), 'generated\n');
  for (const [f, text] of ELEMENTS) put(join(dirs.clickos, f), text);
  put(join(dirs.minios, 'Makefile'), 'all:\n');
  put(join(dirs.minios, 'kernel.c'), 'int main;\n');
  put(join(dirs.toolchain, 'Makefile'), 'all:\n');
  put(join(dirs.xen, 'xen', 'include', 'public', 'xen.h'), '#define XEN 1\n');
  const make = join(root, 'bin', 'make');
  put(
    make,
    `#!/bin/sh
echo "$PWD|make $* XEN_ROOT=$XEN_ROOT NEWLIB_ROOT=$NEWLIB_ROOT" >> '${calls}'
case "$PWD" in
  */toolchain) mkdir -p x86_64-root/x86_64-xen-elf/lib && : > x86_64-root/x86_64-xen-elf/lib/libc.a && : > x86_64-root/x86_64-xen-elf/lib/liblwip.a ;;
esac
for a in "$@"; do
  case "$a" in
    elemlist) printf '%s' '${FULL_ELEMENTS_CONF.replace(/'/g, '')}' > minios/elements.conf ;;
    minios)
      [ -z "$FAIL_MINIOS" ] || { echo "minios: undefined reference to click_main" >&2; exit 2; }
      mkdir -p minios/build && { echo "IMAGE"; cat minios/elements.conf; } > minios/build/clickos_x86_64 && gzip -c minios/build/clickos_x86_64 > minios/build/clickos_x86_64.gz ;;
  esac
done
`,
    0o755,
  );
  return { root, dirs, make, calls: () => readFileSync(calls, 'utf8').split('\n').filter((l) => l !== '') };
}
