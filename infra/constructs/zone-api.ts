import { Aws, CfnOutput, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { Zone } from '../../libs/config/index.ts';
import { BINARY_MEDIA_TYPES, type RouteDefinition } from '../routes.ts';

/** The one stage of every zone API. */
export const STAGE = 'prod';

/** A custom domain for a zone's API: its certificate in ACM, and on the extranet its mTLS truststore. */
export interface ZoneDomain {
  readonly name: string;
  readonly certificateArn: string;
  /**
   * An s3://bucket/key URI of a PEM bundle: callers must present a client certificate it
   * trusts. Extranet only. @default none: no client certificate is asked for
   */
  readonly mtlsTruststoreUri?: string;
}

export interface ZoneApiProps {
  readonly zone: Zone;
  /** The regional web ACL in front of the stage. */
  readonly webAclArn: string;
  /**
   * The execute-api interface endpoint in the intranet VPC: the intranet API is PRIVATE and
   * admits calls through this endpoint only. Required for the intranet.
   * @default none
   */
  readonly intranetEndpoint?: ec2.IInterfaceVpcEndpoint;
  /** Source CIDRs admitted to the extranet API. @default none: the extranet admits nobody */
  readonly extranetCidrs?: readonly string[];
  /**
   * A custom domain for the public or extranet API, then the only way in (the execute-api URL is
   * disabled). @default none: the execute-api URL with stage /prod
   */
  readonly domain?: ZoneDomain;
  /** The zone's issuer URL. @default the custom domain's URL, else the execute-api URL and stage */
  readonly issuerUrl?: string;
}

/**
 * A zone's entry point: a REST API (its default child) behind the web ACL, with access logs,
 * X-Ray and throttling, and a resource policy by zone — the extranet admits its CIDRs, the
 * intranet its VPC endpoint, the public zone everyone — and optionally a custom domain.
 *
 * The ids of its other children name the zone again: they are the ids these resources were
 * deployed with when the stack held them (see YitongStack's GROUPS).
 */
export class ZoneApi extends Construct {
  readonly api: apigateway.RestApi;
  /** The zone's issuer URL: what functions put in `iss` and clients discover. */
  readonly issuer: string;

  constructor(scope: Construct, id: string, props: ZoneApiProps) {
    super(scope, id);
    const { zone, domain } = props;
    const intranet = zone === 'intranet';
    if (intranet !== Boolean(props.intranetEndpoint) || (intranet && domain)) {
      throw new Error('The intranet API, and only it, is reached through its VPC endpoint, with no domain');
    }
    const accessLogs = new logs.LogGroup(this, `AccessLogs-${zone}`, {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.api = new apigateway.RestApi(this, 'Default', {
      restApiName: `yitong-${zone}`,
      description: `yitong ${zone} zone entry point`,
      endpointConfiguration: props.intranetEndpoint
        ? { types: [apigateway.EndpointType.PRIVATE], vpcEndpoints: [props.intranetEndpoint] }
        : { types: [apigateway.EndpointType.REGIONAL] },
      policy: this.resourcePolicy(props),
      // A custom domain (with mTLS on the extranet) is then the only way in.
      disableExecuteApiEndpoint: Boolean(domain),
      binaryMediaTypes: [...BINARY_MEDIA_TYPES],
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: STAGE,
        tracingEnabled: true,
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
        throttlingBurstLimit: 500,
        throttlingRateLimit: 1000,
      },
    });
    for (const ack of [
      {
        id: 'AwsSolutions::AwsSolutions-APIG4',
        reason:
          'OIDC endpoints authenticate callers by protocol (client authentication, PKCE, DPoP); department APIs use the yitong authorizer.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-COG4',
        reason: 'yitong is itself the identity provider; Cognito is not used.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-APIG2',
        reason:
          'Every function validates its input with zod and answers problem+json; request validators would duplicate that.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'API Gateway writes its execution logs through the one account-level role AWS defines for that.',
      },
    ]) {
      Validations.of(this.api).acknowledge(ack);
    }
    new wafv2.CfnWebACLAssociation(this, `WebAclAssociation-${zone}`, {
      resourceArn: this.api.deploymentStage.stageArn,
      webAclArn: props.webAclArn,
    });
    if (domain) this.customDomain(zone, domain);
    // Without a domain, the stage URL built from the API id alone (the deployed stage URL would
    // make each function depend on its own deployment).
    this.issuer =
      props.issuerUrl ??
      (domain ? `https://${domain.name}` : undefined) ??
      `https://${this.api.restApiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}/${STAGE}`;
    // The custom domain when there is one: the execute-api URL is then disabled.
    new CfnOutput(this, `Issuer-${zone}`, { value: this.issuer });
  }

  /** Serves `route` with `fn`. */
  addRoute(route: RouteDefinition, fn: lambda.IFunction): void {
    // One invoke permission per function and API, not one per method (the stack's 500-resource limit).
    const integration = new apigateway.LambdaIntegration(fn, { scopePermissionToMethod: false });
    this.api.root.resourceForPath(route.path).addMethod(route.method, integration);
  }

  /** Who may invoke the API: everyone (public), the extranet's CIDRs, or the intranet's VPC endpoint. */
  private resourcePolicy(props: ZoneApiProps): iam.PolicyDocument | undefined {
    const invoke = (effect: iam.Effect, conditions?: Record<string, unknown>) =>
      new iam.PolicyStatement({
        effect,
        principals: [new iam.AnyPrincipal()],
        actions: ['execute-api:Invoke'],
        resources: ['execute-api:/*'],
        conditions,
      });
    if (props.zone === 'extranet') {
      const cidrs = props.extranetCidrs ?? [];
      return new iam.PolicyDocument({
        statements: cidrs.length
          ? [
              invoke(iam.Effect.ALLOW),
              invoke(iam.Effect.DENY, { NotIpAddress: { 'aws:SourceIp': [...cidrs] } }),
            ]
          : [invoke(iam.Effect.DENY)],
      });
    }
    if (props.intranetEndpoint) {
      return new iam.PolicyDocument({
        statements: [
          invoke(iam.Effect.ALLOW),
          invoke(iam.Effect.DENY, {
            StringNotEquals: { 'aws:SourceVpce': props.intranetEndpoint.vpcEndpointId },
          }),
        ],
      });
    }
    return undefined;
  }

  private customDomain(zone: Zone, domain: ZoneDomain): void {
    const truststore = domain.mtlsTruststoreUri
      ? /^s3:\/\/([^/]+)\/(.+)$/.exec(domain.mtlsTruststoreUri)
      : null;
    if (domain.mtlsTruststoreUri && (!truststore || zone !== 'extranet')) {
      throw new Error('mtlsTruststoreUri is an s3://bucket/key URI, and only for the extranet domain');
    }
    const name = new apigateway.DomainName(this, `Domain-${zone}`, {
      domainName: domain.name,
      certificate: acm.Certificate.fromCertificateArn(this, `Certificate-${zone}`, domain.certificateArn),
      endpointType: apigateway.EndpointType.REGIONAL,
      securityPolicy: apigateway.SecurityPolicy.TLS_1_2,
      ...(truststore
        ? {
            mtls: {
              bucket: s3.Bucket.fromBucketName(this, `Truststore-${zone}`, truststore[1]!),
              key: truststore[2]!,
            },
          }
        : {}),
    });
    name.addBasePathMapping(this.api, { stage: this.api.deploymentStage });
    new CfnOutput(this, `DomainTarget-${zone}`, {
      value: name.domainNameAliasDomainName,
      description: `Point ${domain.name} (CNAME or alias) here`,
    });
  }
}
