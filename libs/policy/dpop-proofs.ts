// The DPoP proof log is part of the published `@yitong/access` package (packages/access), which
// departments install: yitong's APIs, its authorizer and department Lambdas share one implementation.

export { DPOP_PROOF_PREFIX, DynamoDpopProofLog } from '../../packages/access/src/dynamodb.ts';
export { type DpopProofLog, MemoryDpopProofLog } from '../../packages/access/src/index.ts';
