import type { TestProject } from 'vitest/node';
import { startEmbeddedStore } from '../../infra/local/embedded-store.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}

/**
 * Integration tests talk to the DynamoDB API: the embedded store by default, or whatever
 * DYNAMODB_ENDPOINT names (the same tests must pass unchanged there).
 */
export default async function setup(project: TestProject) {
  const external = process.env.DYNAMODB_ENDPOINT;
  if (external) {
    project.provide('dynamodbEndpoint', external);
    return;
  }
  const store = await startEmbeddedStore();
  project.provide('dynamodbEndpoint', store.endpoint);
  return () => store.close();
}
