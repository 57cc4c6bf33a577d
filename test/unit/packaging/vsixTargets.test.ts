// The .vsix check's header reader: ELF e_machine, Mach-O cputype, PE machine — and garbage is none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
// @ts-expect-error: a plain .mjs build script without types
import { nativeBinaryKind, VSIX_TARGETS } from '../../../scripts/vsixTargets.mjs';

const elf = (machine: number) => {
  const b = Buffer.alloc(64);
  b.write('\x7fELF', 0, 'latin1');
  b.writeUInt16LE(machine, 18);
  return b;
};
const macho = (cpu: number) => {
  const b = Buffer.alloc(32);
  b.writeUInt32LE(0xfeedfacf, 0);
  b.writeUInt32LE(cpu, 4);
  return b;
};
const pe = (machine: number) => {
  const b = Buffer.alloc(256);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(0x80, 0x3c);
  b.write('PE\0\0', 0x80, 'latin1');
  b.writeUInt16LE(machine, 0x84);
  return b;
};

test('each native format and CPU is recognised from its header', () => {
  assert.deepEqual(nativeBinaryKind(elf(0x3e)), { format: 'elf', arch: 'x64' });
  assert.deepEqual(nativeBinaryKind(elf(0xb7)), { format: 'elf', arch: 'arm64' });
  assert.deepEqual(nativeBinaryKind(elf(0x28)), { format: 'elf', arch: 'elf-machine-0x28' });
  assert.deepEqual(nativeBinaryKind(macho(0x01000007)), { format: 'macho', arch: 'x64' });
  assert.deepEqual(nativeBinaryKind(macho(0x0100000c)), { format: 'macho', arch: 'arm64' });
  assert.deepEqual(nativeBinaryKind(pe(0x8664)), { format: 'pe', arch: 'x64' });
  assert.deepEqual(nativeBinaryKind(pe(0xaa64)), { format: 'pe', arch: 'arm64' });
  assert.equal(nativeBinaryKind(Buffer.from('#!/usr/bin/env node\n')), null);
  assert.equal(nativeBinaryKind(Buffer.from('MZ')), null);
});

test('the six VS Code targets, each with its own keychain package', () => {
  const targets = VSIX_TARGETS as { target: string; keyring: string }[];
  assert.deepEqual(targets.map((t) => t.target), ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64', 'win32-arm64']);
  assert.equal(new Set(targets.map((t) => t.keyring)).size, 6);
});
