// File operations whose effects survive a crash: a rename or a new file is only durable once the
// directory that names it has been fsynced too.

import { promises as fs } from "node:fs";
import { basename, dirname, join } from "node:path";

/** Makes creations, renames and deletions inside `directory` durable. */
export async function fsyncDirectory(directory: string): Promise<void> {
  const handle = await fs.open(directory, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replaces `path` with `data` so that a crash leaves either the old file or the whole new one:
 *  write a temporary file, fsync it, rename it over the target, fsync the directory. */
export async function writeFileAtomically(path: string, data: Buffer): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const handle = await fs.open(temporary, "w");
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temporary, path);
  await fsyncDirectory(dirname(path));
}
