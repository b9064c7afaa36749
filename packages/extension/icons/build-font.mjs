// Builds mcp-icons.woff2, the icon font Podman Desktop shows managed containers with
// (contributes.icons), from icons/mcp.svg as glyph U+E001. The font is committed; the tools are
// not dependencies of the project. To change the icon, edit mcp.svg, then from a scratch folder:
//   npm install svgicons2svgfont@16 svg2ttf@6 ttf2woff2@8
//   node <repo>/packages/extension/icons/build-font.mjs <repo>/packages/extension/icons/mcp.svg \
//        <repo>/packages/extension/mcp-icons.woff2
// (`ts: 0` keeps the output byte-identical for the same SVG.)
import { SVGIcons2SVGFontStream } from 'svgicons2svgfont';
import { createReadStream, writeFileSync } from 'node:fs';
import svg2ttf from 'svg2ttf';
import ttf2woff2 from 'ttf2woff2';
const [svgPath, out] = process.argv.slice(2);
const font = new SVGIcons2SVGFontStream({
  fontName: 'mcpman-icons',
  fontHeight: 1000,
  normalize: true,
  log: () => {},
});
let svgFont = '';
font.on('data', (c) => (svgFont += c));
font.on('end', () => {
  const ttf = Buffer.from(svg2ttf(svgFont, { ts: 0 }).buffer);
  writeFileSync(out, ttf2woff2(ttf));
  console.log('wrote', out);
});
const glyph = createReadStream(svgPath);
glyph.metadata = { unicode: ['\uE001'], name: 'mcp' };
font.write(glyph);
font.end();
