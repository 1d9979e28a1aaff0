/**
 * Runs the example department site on its own, configured from the environment — the way
 * docs/departments.md starts it against `npm start`:
 *
 *   YITONG_ISSUER=http://localhost:3000 YITONG_CLIENT_ID=… YITONG_CLIENT_SECRET=… PORT=4100 npm run example:site
 */
import { startDepartmentSite } from './site.ts';

const need = (name: string): string => {
  const value = process.env[name];
  if (!value) {
    process.stderr.write(`set ${name} (see docs/departments.md)\n`);
    process.exit(2);
  }
  return value;
};

const site = await startDepartmentSite({
  name: process.env.SITE_NAME ?? 'Example department site',
  issuer: need('YITONG_ISSUER'),
  clientId: need('YITONG_CLIENT_ID'),
  clientSecret: need('YITONG_CLIENT_SECRET'),
  port: Number(process.env.PORT ?? 4100),
  acrValues: process.env.YITONG_ACR,
});
process.stdout.write(`example site on ${site.url} (sign in there; Ctrl-C to stop)\n`);
process.on('SIGINT', () => void site.close().then(() => process.exit(0)));
