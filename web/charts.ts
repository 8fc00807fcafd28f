/**
 * Charts drawn on the server: ECharts renders an option to an SVG string without a DOM
 * (`ssr: true`), so a chart reaches the browser as HTML over the wire, with no script. Only
 * the chart types and components the board uses are loaded (echarts/core), which keeps the
 * import light.
 */
import { BarChart, CustomChart, LineChart, ScatterChart } from 'echarts/charts';
import { GridComponent, MarkLineComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';

echarts.use([BarChart, CustomChart, LineChart, ScatterChart, GridComponent, MarkLineComponent, SVGRenderer]);

/** An ECharts option (https://echarts.apache.org/en/option.html). */
export type ChartOption = echarts.EChartsCoreOption;

/** The board's palette, the same colours as its task states (web/static/board.css). */
export const COLORS = {
  open: '#3056d3',
  progress: '#c77c02',
  review: '#8a3ffc',
  done: '#198038',
  muted: '#6b7385',
  line: '#dde1e8',
  ink: '#1d2330',
};

/**
 * Renders `option` to an SVG string of `width` × `height` px (it scales with its box through
 * its viewBox). Animation is off: the first frame is the chart. The chart is disposed after.
 */
export function renderChart(option: ChartOption, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({
      animation: false,
      textStyle: { fontFamily: 'system-ui, sans-serif', fontSize: 12, color: COLORS.ink },
      ...option,
    });
    return presentationAttributes(chart.renderToSVGString());
  } finally {
    chart.dispose();
  }
}

/**
 * The board's Content-Security-Policy (`style-src 'self'`) drops inline `style="…"`
 * attributes, so each declaration ECharts writes there (font size and family) becomes the
 * SVG presentation attribute of the same name, which the policy allows.
 */
export function presentationAttributes(svg: string): string {
  return svg.replace(/ style="([^"]*)"/g, (_, css: string) =>
    css
      .split(';')
      .map((decl) => {
        const i = decl.indexOf(':');
        if (i <= 0) return '';
        const name = decl.slice(0, i).trim();
        return /^[a-z-]+$/.test(name) ? ` ${name}="${decl.slice(i + 1).trim()}"` : '';
      })
      .join(''),
  );
}
