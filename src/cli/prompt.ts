/**
 * Reading a password at the console: from the first line of standard input with
 * --password-stdin (scripts), or asked for on the terminal without echo. The password is
 * never written anywhere: not to the terminal, not to a log, not into an error.
 */
import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import { UnyoError } from "../core/errors.ts";
import type { CliIO } from "./command.ts";

/** Standard input, or a stand-in for it in tests. */
export type SecretInput = NodeJS.ReadableStream & { isTTY?: boolean };

export interface ReadPasswordOptions {
  /** `users add`, for messages. */
  command: string;
  /** --password-stdin: read the first line of standard input. */
  fromStdin: boolean;
  /** A new password: on a terminal it is asked for twice and both must match. */
  confirm: boolean;
  /** What is asked on the terminal, e.g. `Password for alice: `. */
  prompt: string;
}

/** Longest first line read from standard input; anything longer is not a password. */
const MAX_LINE_BYTES = 64 * 1024;

export async function readPassword(
  options: ReadPasswordOptions,
  io: CliIO,
  input: SecretInput,
): Promise<string> {
  if (options.fromStdin) {
    const line = await firstLine(input, options.command);
    if (line === "") {
      throw new UnyoError(
        "UNYO_E_USAGE",
        `unyo ${options.command}: --password-stdin was given but the first line of standard input is empty.`,
        { hint: "Write the password followed by a newline to standard input." },
      );
    }
    return line;
  }
  if (input.isTTY !== true) {
    throw new UnyoError(
      "UNYO_E_USAGE",
      `unyo ${options.command}: standard input is not a terminal, so the password cannot be asked for.`,
      {
        hint: `Pass it on the first line of standard input with --password-stdin, e.g. unyo ${options.command} … --password-stdin < password-file.`,
      },
    );
  }
  const password = await ask(options.prompt, io, input);
  if (options.confirm) {
    const again = await ask("Repeat the password: ", io, input);
    if (again !== password) {
      throw new UnyoError("UNYO_E_USAGE", "The two passwords differ; nothing was changed.", {
        hint: `Run unyo ${options.command} again and type the same password twice.`,
      });
    }
  }
  return password;
}

async function firstLine(input: SecretInput, command: string): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  let bytes = 0;
  for await (const chunk of input) {
    const data = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    bytes += data.length;
    text += decoder.decode(data, { stream: true });
    const end = text.indexOf("\n");
    if (end >= 0) return text.slice(0, end).replace(/\r$/, "");
    if (bytes > MAX_LINE_BYTES) {
      throw new UnyoError(
        "UNYO_E_USAGE",
        `unyo ${command}: the first line of standard input is longer than ${MAX_LINE_BYTES} bytes; that is not a password.`,
      );
    }
  }
  return (text + decoder.decode()).replace(/\r$/, "");
}

/** Asks on standard error and reads one line from the terminal without echoing it. */
function ask(question: string, io: CliIO, input: SecretInput): Promise<string> {
  io.stderr(question);
  // readline echoes what is typed to its output: give it one that swallows everything.
  const muted = new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });
  const rl = createInterface({ input, output: muted, terminal: true, historySize: 0 });
  return new Promise((resolve, reject) => {
    let answer: string | undefined;
    rl.once("line", (line) => {
      answer = line;
      rl.close();
    });
    rl.once("SIGINT", () => rl.close());
    rl.once("close", () => {
      io.stderr("\n");
      if (answer === undefined) {
        reject(new UnyoError("UNYO_E_USAGE", "Cancelled; nothing was changed."));
      } else {
        resolve(answer);
      }
    });
  });
}
