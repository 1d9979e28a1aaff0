import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

export interface ApiFirewallProps {
  /** Requests per 5 minutes per source address before the web ACL blocks it. @default 1000 */
  readonly rateLimitPer5Min?: number;
}

/**
 * The regional web ACL in front of every zone API: a rate limit per source address, then AWS's
 * common and known-bad-inputs rule groups.
 */
export class ApiFirewall extends Construct {
  readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: ApiFirewallProps = {}) {
    super(scope, id);
    const visibility = (metricName: string) => ({
      cloudWatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: true,
    });
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('yitong'),
      rules: [
        {
          name: 'rate-per-source',
          priority: 0,
          action: { block: {} },
          statement: {
            rateBasedStatement: { limit: props.rateLimitPer5Min ?? 1000, aggregateKeyType: 'IP' },
          },
          visibilityConfig: visibility('yitong-rate'),
        },
        {
          name: 'aws-common',
          priority: 1,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesCommonRuleSet' },
          },
          visibilityConfig: visibility('yitong-common'),
        },
        {
          name: 'aws-known-bad-inputs',
          priority: 2,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesKnownBadInputsRuleSet' },
          },
          visibilityConfig: visibility('yitong-bad-inputs'),
        },
      ],
    });
  }
}
