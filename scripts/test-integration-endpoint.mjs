#!/usr/bin/env node
// Runs the integration tests against the DynamoDB-compatible endpoint DYNAMODB_ENDPOINT names
// (DynamoDB Local, another emulator, or a real region's endpoint) instead of the embedded store.
// Extra arguments go to vitest: `npm run test:integration:endpoint -- provision`.
import { spawn } from 'node:child_process';

const endpoint = process.env.DYNAMODB_ENDPOINT;
if (!endpoint) {
  console.error(
    'Set DYNAMODB_ENDPOINT to the endpoint to test against, e.g.\n' +
      '  java -jar DynamoDBLocal.jar -inMemory -sharedDb -port 8000 &\n' +
      '  DYNAMODB_ENDPOINT=http://localhost:8000 npm run test:integration:endpoint',
  );
  process.exit(2);
}
try {
  // Any answer will do (DynamoDB answers a bare GET with 400): only an endpoint that is not there fails.
  await fetch(endpoint, { signal: AbortSignal.timeout(5_000) });
} catch (err) {
  console.error(`Nothing answers at DYNAMODB_ENDPOINT=${endpoint}: ${err.cause?.message ?? err.message}`);
  process.exit(2);
}
console.error(`integration tests against ${endpoint}`);
const child = spawn('vitest', ['run', '--project', 'integration', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: process.env,
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
