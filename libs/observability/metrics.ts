import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** Where security-event counts go: CloudWatch (EMF through Powertools) on AWS, nowhere locally. */
export interface MetricsSink {
  count(name: string, dimensions: Readonly<Record<string, string>>): void;
}

/** The CloudWatch namespace of yitong's own metrics; alarms in the stack read it. */
export const METRICS_NAMESPACE = 'yitong';

/** `login.failure` → `LoginFailure`: the metric an audit event type is counted under. */
export const metricNameOf = (eventType: string): string =>
  eventType
    .split(/[._]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');

/** Powertools Metrics, one EMF line per event, flushed at once (a Lambda may freeze any time). */
export class PowertoolsMetricsSink implements MetricsSink {
  private readonly metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'yitong' });

  count(name: string, dimensions: Readonly<Record<string, string>>): void {
    const single = this.metrics.singleMetric();
    for (const [key, value] of Object.entries(dimensions)) single.addDimension(key, value);
    single.addMetric(name, MetricUnit.Count, 1);
  }
}
