import { CfnOutput, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';

/** The intranet's VPC and the execute-api interface endpoint in it. */
export interface IntranetNetwork {
  readonly vpc: ec2.Vpc;
  readonly endpoint: ec2.InterfaceVpcEndpoint;
}

/**
 * The intranet's way in: an isolated VPC (no NAT, flow logs on) whose execute-api interface
 * endpoint is the only network path to the intranet's private API. The agency's own links
 * reach the VPC.
 *
 * Added straight to `scope`, not grouped in a construct of its own: the VPC writes its
 * construct path into its Name tags and its endpoint's security group description, and a new
 * description replaces the security group.
 */
export function addIntranetNetwork(scope: Construct): IntranetNetwork {
  const vpc = new ec2.Vpc(scope, 'IntranetVpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    flowLogs: { all: { trafficType: ec2.FlowLogTrafficType.ALL } },
  });
  const endpoint = vpc.addInterfaceEndpoint('ExecuteApi', {
    service: ec2.InterfaceVpcEndpointAwsService.APIGATEWAY,
    privateDnsEnabled: true,
    open: false,
  });
  // HTTPS from inside the VPC only.
  endpoint.connections.allowFrom(
    ec2.Peer.ipv4(vpc.vpcCidrBlock),
    ec2.Port.tcp(443),
    'HTTPS from the intranet VPC',
  );
  Validations.of(endpoint).acknowledge({
    id: 'AwsSolutions::AwsSolutions-EC23',
    reason:
      "The only ingress is HTTPS from the VPC's own CIDR (a token cdk-nag cannot resolve), never 0.0.0.0/0.",
  });
  new CfnOutput(scope, 'IntranetVpcId', { value: vpc.vpcId });
  return { vpc, endpoint };
}
