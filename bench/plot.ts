// A small SVG line chart for the soak and scale reports: one panel per series, shared x axis.
// Hand-written because the report needs three polylines and axes, not a charting library.

export interface Series {
  readonly title: string;
  readonly unit: string;
  readonly points: readonly (readonly [number, number])[];
}

const W = 720;
const PANEL = 160;
const PAD = { left: 70, right: 20, top: 28, bottom: 30 };

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

function panel(series: Series, index: number, xMax: number): string {
  const top = index * (PANEL + PAD.top + PAD.bottom) + PAD.top;
  const ys = series.points.map(([, y]) => y);
  const yMax = Math.max(1e-9, ...ys) * 1.1;
  const x = (v: number): number => PAD.left + (v / Math.max(xMax, 1e-9)) * (W - PAD.left - PAD.right);
  const y = (v: number): number => top + PANEL - (v / yMax) * PANEL;
  const line = series.points.map(([px, py]) => `${x(px).toFixed(1)},${y(py).toFixed(1)}`).join(' ');
  const ticks = [0, 0.5, 1]
    .map((f) => {
      const value = yMax * f;
      return `<text x="${PAD.left - 6}" y="${(y(value) + 4).toFixed(1)}" text-anchor="end" font-size="11">${value >= 100 ? value.toFixed(0) : value.toPrecision(3)}</text>`;
    })
    .join('');
  return [
    `<text x="${PAD.left}" y="${top - 8}" font-size="13" font-weight="bold">${esc(series.title)} (${esc(series.unit)})</text>`,
    `<rect x="${PAD.left}" y="${top}" width="${W - PAD.left - PAD.right}" height="${PANEL}" fill="none" stroke="#ccc"/>`,
    ticks,
    `<polyline fill="none" stroke="#1f6feb" stroke-width="1.5" points="${line}"/>`,
    `<text x="${W - PAD.right}" y="${top + PANEL + 16}" text-anchor="end" font-size="11">${xMax.toFixed(0)} s</text>`,
    `<text x="${PAD.left}" y="${top + PANEL + 16}" font-size="11">0 s</text>`,
  ].join('\n');
}

/** Panels stacked vertically, x in seconds from the start. */
export function plotSvg(title: string, series: readonly Series[]): string {
  const xMax = Math.max(0, ...series.flatMap((s) => s.points.map(([px]) => px)));
  const height = series.length * (PANEL + PAD.top + PAD.bottom) + 30;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${W / 2}" y="${height - 8}" text-anchor="middle" font-size="12">${esc(title)}</text>`,
    ...series.map((s, i) => panel(s, i, xMax)),
    '</svg>',
    '',
  ].join('\n');
}
