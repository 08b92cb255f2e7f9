import { loadConfigFile } from "../config/load.ts";
import { formatProblem } from "../config/problems.ts";
import { BusinessCalendar, builtinCalendars } from "../core/calendar.ts";
import { UnyoError } from "../core/errors.ts";
import { displayPath, resolveConfigPath } from "./config-path.ts";
import { builtinScheduleResolver, type ScheduleResolver } from "./schedule-command.ts";

/**
 * `unyo schedule` with a config: the zone and the named calendars come from unyo.yaml
 * (--config, else UNYO_CONFIG); without one, only the built-in calendars exist.
 */
export const configScheduleResolver: ScheduleResolver = async (io, configPath, hints) => {
  const chosen = configPath ?? io.env.UNYO_CONFIG;
  if (chosen === undefined) return builtinScheduleResolver(io, undefined, hints);
  const path = resolveConfigPath(chosen, io.env, io.cwd);
  const shown = displayPath(path, io.cwd);
  const result = await loadConfigFile(path, io.env, { displayName: shown });
  if (!result.ok) {
    throw new UnyoError(
      "UNYO_E_CONFIG_INVALID",
      `${shown} has ${result.problems.length} problem(s):\n${result.problems.map(formatProblem).join("\n")}`,
      { hint: `Run "unyo validate ${shown}" for details.` },
    );
  }
  const { config } = result.value;
  const timezone = hints?.timezone ?? config.timezone;
  const calendars = builtinCalendars(timezone);
  for (const [name, calendar] of Object.entries(config.calendars)) {
    calendars.set(name, new BusinessCalendar(name, calendar, config.timezone));
  }
  return { timezone, calendars };
};
