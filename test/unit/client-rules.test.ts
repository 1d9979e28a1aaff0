import { describe, expect, it } from 'vitest';
import { clientInputSchema } from '../../libs/oidc/client-registration.ts';
import {
  clientAccessProblems,
  departmentClientProblems,
  privilegedMetadataProblems,
} from '../../libs/oidc/client-rules.ts';
import { browserOriginsOf } from '../../libs/oidc/cors.ts';
import { CLI_CLIENT, FIRST_PARTY_PORTALS, portalMetadata } from '../../libs/oidc/first-party.ts';

const site = {
  client_id: 'housing-1',
  redirect_uris: ['https://housing.gov.example/cb'],
  grant_types: ['authorization_code', 'refresh_token'],
  token_endpoint_auth_method: 'client_secret_basic',
};
const fields = (problems: ReadonlyArray<{ field: string }>) => problems.map((p) => p.field);

describe('the client rules', () => {
  it('accept an ordinary site, a machine client and a browser client of a department', () => {
    expect(departmentClientProblems(site, { localMode: false })).toEqual([]);
    const machine = { ...site, redirect_uris: [], grant_types: ['client_credentials'] };
    expect(departmentClientProblems(machine, { localMode: false })).toEqual([]);
    const browser = { ...site, token_endpoint_auth_method: 'none' };
    expect(departmentClientProblems(browser, { localMode: false })).toEqual([]);
  });

  it('treat client_secret_post as client_secret_basic: a confidential client, machine grants included', () => {
    for (const grant_types of [['authorization_code', 'refresh_token'], ['client_credentials']]) {
      const basic = { ...site, grant_types, token_endpoint_auth_method: 'client_secret_basic' };
      const post = { ...basic, token_endpoint_auth_method: 'client_secret_post' };
      expect(departmentClientProblems(post, { localMode: false })).toEqual([]);
      expect(departmentClientProblems(post, { localMode: false })).toEqual(
        departmentClientProblems(basic, { localMode: false }),
      );
    }
    const publicMachine = {
      ...site,
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'none',
    };
    expect(clientAccessProblems(publicMachine, { firstParty: false })[0]?.reason).toMatch(
      /client_secret_basic, client_secret_post, private_key_jwt/,
    );
  });

  it('accept yitong’s own portals and CLI, which alone have public subjects and the device code grant', () => {
    for (const portal of FIRST_PARTY_PORTALS)
      expect(
        clientAccessProblems(portalMetadata(portal, 'https://id.gov.example', 's'), { firstParty: true }),
      ).toEqual([]);
    expect(clientAccessProblems(CLI_CLIENT, { firstParty: true })).toEqual([]);
    expect(fields(clientAccessProblems(CLI_CLIENT, { firstParty: false }))).toEqual(
      expect.arrayContaining(['grant_types', 'subject_type']),
    );
  });

  it('judge the fields oidc-provider defaults at their defaults (private_key_jwt, pairwise, the code flow)', () => {
    const bare = { client_id: 'x', redirect_uris: ['https://a.example/cb'] };
    expect(fields(departmentClientProblems(bare, { localMode: false }))).toEqual(['jwks']);
    expect(
      departmentClientProblems({ ...bare, jwks_uri: 'https://a.example/jwks' }, { localMode: false }),
    ).toEqual([]);
  });

  it('refuse a client without credentials that asks for anything beyond the code flow', () => {
    const onlyRefresh = { ...site, grant_types: ['refresh_token'], token_endpoint_auth_method: 'none' };
    expect(fields(clientAccessProblems(onlyRefresh, { firstParty: false }))).toContain(
      'token_endpoint_auth_method',
    );
    const jwt = { ...site, token_endpoint_auth_method: 'client_secret_jwt' };
    expect(fields(clientAccessProblems(jwt, { firstParty: false }))).toEqual(['token_endpoint_auth_method']);
  });

  it('let a self-service request keep yitong’s values but change none of them, except its own minimum level', () => {
    const kept = { yitong_department: 'housing', yitong_zone: 'public', yitong_disabled: false };
    expect(
      privilegedMetadataProblems({ ...site, ...kept, yitong_required_acr: 'urn:yitong:loa:3' }, kept),
    ).toEqual([]);
    expect(
      fields(privilegedMetadataProblems({ yitong_disabled: true, yitong_granted: ['x'] }, kept)),
    ).toEqual(['yitong_disabled', 'yitong_granted']);
  });

  it('accept an identity level as a yitong:ial URI only, on every path (load, self-service, admin)', () => {
    expect(
      clientAccessProblems({ ...site, yitong_required_ial: 'urn:yitong:ial:2' }, { firstParty: false }),
    ).toEqual([]);
    for (const bad of ['urn:yitong:ial:4', 'urn:yitong:loa:2', 2, 'ial2'])
      expect(
        fields(departmentClientProblems({ ...site, yitong_required_ial: bad }, { localMode: false })),
      ).toEqual(['yitong_required_ial']);
    // A department may raise it for its own client, as it may raise the sign-in level.
    const kept = { yitong_department: 'housing', yitong_zone: 'public', yitong_disabled: false };
    expect(privilegedMetadataProblems({ ...kept, yitong_required_ial: 'urn:yitong:ial:3' }, kept)).toEqual(
      [],
    );
    const schema = clientInputSchema({ localMode: false });
    const input = {
      client_name: 'Housing app',
      department: 'housing',
      zone: 'public',
      redirect_uris: site.redirect_uris,
    };
    expect(schema.safeParse({ ...input, required_ial: 'urn:yitong:ial:2' }).success).toBe(true);
    expect(schema.safeParse({ ...input, required_ial: 'urn:yitong:ial:9' }).error?.issues[0]?.path).toEqual([
      'required_ial',
    ]);
  });

  it('let only a site people sign in to accept companies, and only administrators say so', () => {
    expect(
      departmentClientProblems({ ...site, yitong_accepts_companies: true }, { localMode: false }),
    ).toEqual([]);
    const machine = { ...site, redirect_uris: [], grant_types: ['client_credentials'] };
    expect(
      fields(departmentClientProblems({ ...machine, yitong_accepts_companies: true }, { localMode: false })),
    ).toEqual(['yitong_accepts_companies']);
    expect(
      fields(clientAccessProblems({ ...site, yitong_accepts_companies: 'yes' }, { firstParty: false })),
    ).toEqual(['yitong_accepts_companies']);
    const kept = { yitong_department: 'housing', yitong_zone: 'public', yitong_accepts_companies: false };
    expect(fields(privilegedMetadataProblems({ yitong_accepts_companies: true }, kept))).toEqual([
      'yitong_accepts_companies',
    ]);
    const schema = clientInputSchema({ localMode: false });
    const input = { client_name: 'Housing app', department: 'housing', zone: 'public' };
    expect(schema.parse({ ...input, redirect_uris: site.redirect_uris }).accepts_companies).toBe(false);
    const refused = schema.safeParse({
      ...input,
      grant_types: ['client_credentials'],
      accepts_companies: true,
    });
    expect(refused.error?.issues.map((i) => i.path.join('.'))).toEqual(['accepts_companies']);
  });

  it('are what the admin API’s schema refuses with, naming the field', () => {
    const schema = clientInputSchema({ localMode: false });
    const result = schema.safeParse({
      client_name: 'Housing app',
      department: 'housing',
      zone: 'public',
      redirect_uris: ['https://housing.gov.example/cb', 'http://housing.gov.example/cb'],
      subject_type: 'public',
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(
      expect.arrayContaining(['subject_type', 'redirect_uris.1']),
    );
  });
});

describe('browser origins', () => {
  it('are the https (or loopback) origins of a public code-flow client’s redirect URIs, and none for others', () => {
    const browser = {
      ...site,
      token_endpoint_auth_method: 'none',
      redirect_uris: [
        'https://app.example/cb',
        'https://app.example/other',
        'http://app.example/cb',
        'http://localhost:9/cb',
      ],
    };
    expect(browserOriginsOf(browser)).toEqual(['https://app.example', 'http://localhost:9']);
    expect(browserOriginsOf(site)).toEqual([]);
  });
});
