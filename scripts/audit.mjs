// `npm audit` of production dependencies: fails on a high or critical advisory. When the
// registry offers no advisory endpoint (some mirrors answer 405), it says so plainly rather
// than claiming a clean result; any other failure of npm audit fails the check.
import { spawnSync } from 'node:child_process';

const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], { encoding: 'utf8' });
let report;
try {
  report = JSON.parse(run.stdout);
} catch {
  console.error(`audit: npm audit printed no JSON:\n${run.stderr}`);
  process.exit(1);
}
if (typeof report.statusCode === 'number' && report.vulnerabilities === undefined) {
  if (report.statusCode === 404 || report.statusCode === 405) {
    console.log(`audit: NOT CHECKED: the registry has no advisory endpoint (HTTP ${report.statusCode})`);
    process.exit(0);
  }
  console.error(`audit: npm audit failed: ${report.message ?? run.stderr}`);
  process.exit(1);
}
const counts = report.metadata?.vulnerabilities ?? {};
const serious = (counts.high ?? 0) + (counts.critical ?? 0);
console.log(
  `audit: production dependencies: ${counts.critical ?? 0} critical, ${counts.high ?? 0} high, ${counts.moderate ?? 0} moderate, ${counts.low ?? 0} low`,
);
if (serious > 0) {
  for (const [name, entry] of Object.entries(report.vulnerabilities ?? {}))
    if (entry.severity === 'high' || entry.severity === 'critical')
      console.error(`  ${entry.severity}: ${name}`);
  process.exit(1);
}
