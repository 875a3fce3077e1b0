// The engine answers builds and imports with a stream of JSON lines ({stream}, {status}, {error}).
// This turns them into text lines for the user and fails when the engine reports an error, which
// it does inside a 200 response rather than with a status code.

export interface ProgressMessage {
  stream?: string;
  status?: string;
  progress?: string;
  id?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/** Text lines a message shows, without empty lines and trailing newlines. */
export function messageLines(message: ProgressMessage): string[] {
  const text = message.stream ?? (message.status !== undefined ? [message.id, message.status, message.progress].filter(Boolean).join(" ") : "");
  return text
    .split("\n")
    .map((line) => line.trimEnd())
    .filter((line) => line !== "");
}

/** Reads the stream to its end; resolves with every message, rejects with the engine's first error. */
export function followProgress(stream: NodeJS.ReadableStream, onLine: (line: string) => void): Promise<ProgressMessage[]> {
  return new Promise((resolve, reject) => {
    const messages: ProgressMessage[] = [];
    let buffered = "";
    let failure: Error | undefined;
    const handle = (line: string): void => {
      if (line.trim() === "") return;
      let message: ProgressMessage;
      try {
        message = JSON.parse(line) as ProgressMessage;
      } catch {
        onLine(line);
        return;
      }
      messages.push(message);
      if (message.error !== undefined && failure === undefined) {
        failure = new Error(message.errorDetail?.message ?? message.error);
      }
      for (const text of messageLines(message)) onLine(text);
    };
    stream.on("data", (chunk: Buffer | string) => {
      buffered += chunk.toString();
      let newline: number;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        handle(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
      }
    });
    stream.on("error", (error: Error) => reject(error));
    stream.on("end", () => {
      handle(buffered);
      if (failure) reject(failure);
      else resolve(messages);
    });
  });
}
