// The daemon's version is the package's: the extension passes its own (same manifest) as
// `expectedVersion`, so an upgraded extension replaces a daemon left running by the old one.
import { version } from '../../package.json';

/** Tests may start a daemon that reports another version, to exercise replacement. */
export const VERSION_OVERRIDE_ENV = 'LLM_ROUTER_VERSION_OVERRIDE';

export const PACKAGE_VERSION: string = version;

export function daemonVersion(env: NodeJS.ProcessEnv = process.env): string {
  const override = env[VERSION_OVERRIDE_ENV];
  return override !== undefined && override !== '' ? override : PACKAGE_VERSION;
}
