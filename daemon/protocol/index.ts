export * from './errors';
export * from './chat';
export * from './routing';
export * from './ledger';
export * from './discovery';
export * from './methods';
export * from './budget';
export * from './experiments';
