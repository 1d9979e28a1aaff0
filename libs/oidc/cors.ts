import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
/** How many registrations of one origin a preflight looks at before it refuses. */
const ORIGIN_CANDIDATES = 20;

/**
 * The web origins a client's pages call the token endpoints from: those of its redirect URIs,
 * for a browser client only (a public client of the code flow). A confidential client talks to
 * the token endpoint from its server and needs no CORS at all.
 */
export const browserOriginsOf = (metadata: Readonly<Record<string, unknown>>): string[] => {
  if (metadata.token_endpoint_auth_method !== 'none') return [];
  const grants = Array.isArray(metadata.grant_types) ? metadata.grant_types : ['authorization_code'];
  if (!grants.includes('authorization_code')) return [];
  const uris = Array.isArray(metadata.redirect_uris) ? metadata.redirect_uris.map(String) : [];
  const origins = uris
    .map((uri) => URL.parse(uri))
    .filter(
      (url): url is URL =>
        url !== null &&
        (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname))),
    )
    .map((url) => url.origin);
  return [...new Set(origins)];
};

const originKey = (zone: string, origin: string) => `web-origin#${zone}#${origin}`;

/**
 * Notes the browser origins of a client being stored, so a preflight can find the clients of an
 * origin by key. Entries are only added: a preflight re-reads each client it finds, so an
 * entry a later change made stale welcomes nobody.
 */
export const rememberBrowserOrigins = async (
  doc: DynamoDBDocumentClient,
  table: string,
  metadata: Readonly<Record<string, unknown>>,
): Promise<void> => {
  const zone = metadata.yitong_zone;
  if (typeof zone !== 'string') return;
  await Promise.all(
    browserOriginsOf(metadata).map((origin) =>
      doc.send(
        new PutCommand({
          TableName: table,
          Item: { pk: originKey(zone, origin), sk: `client#${String(metadata.client_id)}` },
        }),
      ),
    ),
  );
};

/** Whether an origin is, today, the web origin of an active browser client of this zone. */
export const isBrowserOrigin = async (
  doc: DynamoDBDocumentClient,
  table: string,
  zone: string,
  origin: string,
  findClient: (clientId: string) => Promise<Readonly<Record<string, unknown>> | undefined>,
): Promise<boolean> => {
  const { Items } = await doc.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': originKey(zone, origin) },
      Limit: ORIGIN_CANDIDATES,
    }),
  );
  for (const item of Items ?? []) {
    const client = await findClient(String(item.sk).replace(/^client#/, ''));
    if (
      client?.yitong_zone === zone &&
      client.yitong_disabled !== true &&
      browserOriginsOf(client).includes(origin)
    )
      return true;
  }
  return false;
};
