// The seeded generator the crash and fuzz tests use (mulberry32, the router's training PRNG): the
// same seed reproduces the same kill points and inputs.
export { seededRandom as mulberry32 } from '../../daemon/routing/linearModel';
