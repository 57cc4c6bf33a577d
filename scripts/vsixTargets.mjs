// The VS Code targets we build a .vsix for, each with its keychain binding from the npm registry
// and what that binding's native binary must be (format and CPU), for packaging and its check.
export const VSIX_TARGETS = [
  { target: 'linux-x64', keyring: '@napi-rs/keyring-linux-x64-gnu', format: 'elf', arch: 'x64' },
  { target: 'linux-arm64', keyring: '@napi-rs/keyring-linux-arm64-gnu', format: 'elf', arch: 'arm64' },
  { target: 'darwin-x64', keyring: '@napi-rs/keyring-darwin-x64', format: 'macho', arch: 'x64' },
  { target: 'darwin-arm64', keyring: '@napi-rs/keyring-darwin-arm64', format: 'macho', arch: 'arm64' },
  { target: 'win32-x64', keyring: '@napi-rs/keyring-win32-x64-msvc', format: 'pe', arch: 'x64' },
  { target: 'win32-arm64', keyring: '@napi-rs/keyring-win32-arm64-msvc', format: 'pe', arch: 'arm64' },
];

export const vsixName = (target) => `llm-router-${target}.vsix`;

/** Where the bindings sit inside the extension: beside the daemon bundle, which requires them. */
export const BINDING_DIR = 'dist/node_modules/@napi-rs';

/**
 * Reads a native binary's header: ELF (e_machine), Mach-O 64 (cputype) or PE (COFF machine).
 * Returns null when the bytes are none of these.
 */
export function nativeBinaryKind(buf) {
  if (buf.length >= 20 && buf[0] === 0x7f && buf.toString('latin1', 1, 4) === 'ELF') {
    const machine = buf.readUInt16LE(18);
    return { format: 'elf', arch: machine === 0x3e ? 'x64' : machine === 0xb7 ? 'arm64' : `elf-machine-0x${machine.toString(16)}` };
  }
  if (buf.length >= 8 && buf.readUInt32LE(0) === 0xfeedfacf) {
    const cpu = buf.readUInt32LE(4);
    return { format: 'macho', arch: cpu === 0x01000007 ? 'x64' : cpu === 0x0100000c ? 'arm64' : `macho-cpu-0x${cpu.toString(16)}` };
  }
  if (buf.length >= 0x40 && buf.toString('latin1', 0, 2) === 'MZ') {
    const pe = buf.readUInt32LE(0x3c);
    if (buf.length >= pe + 6 && buf.toString('latin1', pe, pe + 4) === 'PE\0\0') {
      const machine = buf.readUInt16LE(pe + 4);
      return { format: 'pe', arch: machine === 0x8664 ? 'x64' : machine === 0xaa64 ? 'arm64' : `pe-machine-0x${machine.toString(16)}` };
    }
  }
  return null;
}
