import { Duration, Validations } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Zone } from '../../libs/config/index.ts';
import { METRICS_NAMESPACE } from '../../libs/observability/index.ts';
import type { AppFunction } from './app-function.ts';

export interface ObservabilityProps {
  readonly apis: Readonly<Record<Zone, apigateway.RestApi>>;
  readonly functions: ReadonlyMap<string, AppFunction>;
  /** Dead-letter queues whose depth must stay zero. */
  readonly deadLetterQueues: ReadonlyArray<{ readonly name: string; readonly queue: sqs.IQueue }>;
  readonly zones: readonly Zone[];
  /** Encrypts the alarm topic. */
  readonly key: kms.IKey;
  /** Who is told when an alarm fires. */
  readonly alarmEmail?: string;
}

/** Security spikes worth waking someone for: the audit event metric and its threshold per 5 minutes. */
const SECURITY_ALARMS = [
  { metric: 'AccountLocked', threshold: 20, what: 'account lockouts (brute force or password spraying)' },
  { metric: 'PolicyDenied', threshold: 200, what: 'policy denials (probing across zones or roles)' },
  { metric: 'LoginFailure', threshold: 300, what: 'failed sign-ins' },
] as const;

/**
 * The operator's view: one dashboard, and alarms on 5xx, throttles, latency, dead letters and
 * security spikes (counted from the audit trail's own events), all notifying one topic.
 */
export class Observability extends Construct {
  readonly topic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Alarms', {
      displayName: 'yitong alarms',
      masterKey: props.key,
      enforceSSL: true,
    });
    if (props.alarmEmail) {
      const subscription = this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
      Validations.of(subscription).acknowledge({
        id: 'Serverless::Serverless-SNSRedrivePolicy',
        reason:
          'An email subscription of the alarm topic: a failed delivery shows in the topic metrics, and every alarm also stays visible on the dashboard; a dead-letter queue would hold alarm emails nobody reads.',
      });
    }
    const notify = new actions.SnsAction(this.topic);
    const alarm = (
      alarmId: string,
      metric: cloudwatch.IMetric,
      threshold: number,
      description: string,
      periods = 1,
    ) => {
      const a = new cloudwatch.Alarm(this, alarmId, {
        metric,
        threshold,
        evaluationPeriods: periods,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      a.addAlarmAction(notify);
      this.alarms.push(a);
      return a;
    };
    const fiveMinutes = Duration.minutes(5);

    const apiWidgets: cloudwatch.IWidget[] = [];
    for (const zone of props.zones) {
      const api = props.apis[zone];
      const errors = api.metricServerError({ period: fiveMinutes, statistic: 'Sum' });
      const latency = api.metricLatency({ period: fiveMinutes, statistic: 'p99' });
      alarm(`Api5xx-${zone}`, errors, 5, `${zone} API answered 5xx at least 5 times in 5 minutes`);
      alarm(`ApiLatency-${zone}`, latency, 3000, `${zone} API p99 latency above 3 s for 15 minutes`, 3);
      apiWidgets.push(
        new cloudwatch.GraphWidget({
          title: `${zone} API`,
          left: [
            api.metricCount({ period: fiveMinutes }),
            errors,
            api.metricClientError({ period: fiveMinutes }),
          ],
          right: [latency],
        }),
      );
    }

    // Two alarms over all functions (CloudFormation allows 500 resources a stack, and an alarm
    // 10 metrics): Lambda's account-wide metrics. The dashboard shows which function it was.
    alarm(
      'Throttles',
      lambda.Function.metricAllThrottles({ period: fiveMinutes, statistic: 'Sum' }),
      1,
      'a function was throttled (see the dashboard for which)',
    );
    alarm(
      'Errors',
      lambda.Function.metricAllErrors({ period: fiveMinutes, statistic: 'Sum' }),
      5,
      'functions failed at least 5 times in 5 minutes (see the dashboard)',
    );
    const fnWidgets: cloudwatch.IWidget[] = [];
    for (const [name, fn] of props.functions) {
      const throttles = fn.fn.metricThrottles({ period: fiveMinutes, statistic: 'Sum' });
      const errors = fn.fn.metricErrors({ period: fiveMinutes, statistic: 'Sum' });
      fnWidgets.push(
        new cloudwatch.GraphWidget({
          title: name,
          left: [fn.fn.metricInvocations({ period: fiveMinutes }), errors, throttles],
          right: [fn.fn.metricDuration({ period: fiveMinutes, statistic: 'p99' })],
          width: 8,
        }),
      );
    }

    for (const { name, queue } of props.deadLetterQueues) {
      alarm(
        `DeadLetters-${name}`,
        queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
        1,
        `${name}: a message exhausted its retries and waits in the dead-letter queue`,
      );
    }

    // The audit sealer (the audit jobs function on the table's stream): events it has not
    // sealed yet are not yet covered by a chain, and verification would call them unsealed.
    const jobs = [...props.functions.entries()].find(([name]) => name.startsWith('audit-jobs-'))?.[1];
    if (jobs) {
      alarm(
        'AuditSealerLag',
        new cloudwatch.Metric({
          namespace: 'AWS/Lambda',
          metricName: 'IteratorAge',
          dimensionsMap: { FunctionName: jobs.fn.functionName },
          statistic: 'Maximum',
          period: Duration.minutes(1),
        }),
        60_000,
        'audit sealer: the stream is more than a minute behind; new audit events wait unsealed (docs/audit.md)',
        3,
      );
    }
    const securityMetric = (metricName: string, zone: Zone) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: 'yitong', zone },
        period: fiveMinutes,
        statistic: 'Sum',
      });
    // A trail item changed or removed (not by TTL), or any detection alert: someone should look.
    for (const zone of props.zones) {
      alarm(
        `AuditAlerts-${zone}`,
        securityMetric('AlertRaised', zone),
        1,
        `${zone}: an audit alert was raised (a detection rule, or the audit trail itself changed) — see the security console's Alerts page`,
      );
    }
    for (const spec of SECURITY_ALARMS) {
      for (const zone of props.zones) {
        alarm(
          `${spec.metric}-${zone}`,
          securityMetric(spec.metric, zone),
          spec.threshold,
          `${zone}: at least ${spec.threshold} ${spec.what} in 5 minutes — search the audit trail`,
        );
      }
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: 'yitong',
      widgets: [
        apiWidgets,
        [
          new cloudwatch.GraphWidget({
            title: 'Security events (from the audit trail)',
            left: SECURITY_ALARMS.flatMap((s) => props.zones.map((z) => securityMetric(s.metric, z))),
            width: 24,
          }),
        ],
        fnWidgets,
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 })],
      ],
    });
  }
}
