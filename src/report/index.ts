export { formatText, summaryLine, type TextOptions } from './text';
export { formatJson } from './json';
export { formatJunit } from './junit';
export { formatMarkdown } from './markdown';
export { formatPlanJson, formatPlanText, describeInput } from './plan';
