// Reads Azure Pipelines logging commands (`##vso[area.action key=value;…]message`) from a task's
// stdout, undoing azure-pipelines-task-lib's escaping, the way the agent does.

export interface LoggingCommand {
  /** `area.action`, lower case, e.g. `task.logissue`. */
  command: string;
  properties: Record<string, string>;
  message: string;
  line: string;
}

const PREFIX = '##vso[';

/** Property values: task-lib escapes %, CR, LF, ] and ; (in that order). */
export function unescapeProperty(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%5D/g, ']').replace(/%3B/g, ';').replace(/%AZP25/g, '%');
}

/** Messages: task-lib escapes %, CR and LF. */
export function unescapeMessage(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%AZP25/g, '%');
}

/** Parses one line; undefined when it holds no logging command. */
export function parseLoggingCommand(line: string): LoggingCommand | undefined {
  const start = line.indexOf(PREFIX);
  if (start < 0) return undefined;
  const end = line.indexOf(']', start);
  if (end < 0) return undefined;
  const header = line.slice(start + PREFIX.length, end).trim();
  const space = header.indexOf(' ');
  const command = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const properties: Record<string, string> = {};
  if (space >= 0) {
    for (const part of header.slice(space + 1).split(';')) {
      const prop = part.trim();
      if (!prop) continue;
      const eq = prop.indexOf('=');
      if (eq < 0) throw new Error(`invalid logging-command property "${prop}" in: ${line}`);
      properties[prop.slice(0, eq)] = unescapeProperty(prop.slice(eq + 1));
    }
  }
  return { command, properties, message: unescapeMessage(line.slice(end + 1)), line };
}

/** Every logging command in a task's output, in order. */
export function parseLoggingCommands(stdout: string): LoggingCommand[] {
  return stdout.split(/\r?\n/).flatMap((line) => parseLoggingCommand(line) ?? []);
}

/** The task's final result, from its last `task.complete`. */
export function taskResult(commands: LoggingCommand[]): { result: string; message: string } | undefined {
  const complete = commands.filter((c) => c.command === 'task.complete').at(-1);
  return complete && { result: complete.properties.result ?? '', message: complete.message };
}
